/*
 * cairn/segment.h: segments (Hypatia). A segment is trusted code and data built as its
 * own image, linked at the base address the system description gives it
 * (lib/libcairn/segment.ld) and mapped at that address into every component that names
 * it; its read/write data is shared by all of them.
 *
 * Its first page is the transfer vector: the only way in. The image's entry point is
 * its init, cairn_segment_init(root, tv), which the booter runs once at cold boot,
 * before any component runs, in the booter itself; init fills tv->entry[]. Components
 * then see the transfer vector read-only and call through it (no PLT, no dynamic
 * linker): a client header per segment (e.g. cairn/seg/time.h) names the entries.
 */
#ifndef CAIRN_SEGMENT_H
#define CAIRN_SEGMENT_H

#include <stdint.h>
#include "root.h"

#define CAIRN_SEG_MAGIC   0x3130474553524e43ULL	/* "CNRSEG01" */
#define CAIRN_SEG_ENTRIES 32

struct cairn_segment_tv {
	uint64_t magic;			/* set by init when it has filled entry[] */
	uint64_t nentries;
	uint64_t inits;			/* how many times init ran: 1 */
	uint64_t init_tsc;		/* the time stamp counter when it ran */
	void *entry[CAIRN_SEG_ENTRIES];
};

/* What a segment defines (its image's entry point). */
void cairn_segment_init(const struct cairn_root *booter, struct cairn_segment_tv *tv);

/* A component's view: the transfer vector of the segment it names, or 0. */
const struct cairn_segment_tv *cairn_segment(const char *name);

#endif
