/*
 * pmem.h: the set of free physical memory at boot, as sorted, disjoint ranges of whole
 * 4 KiB frames. The kernel adds the usable regions of the boot loader's memory map,
 * reserves what is in use (low memory, the kernel image, modules, the boot
 * information), and takes frames for the structures it builds at boot.
 *
 * Invariant: r[0..n) are sorted by base, page aligned, non-empty, and neither overlap
 * nor touch (touching ranges are merged).
 */
#ifndef KERNEL_PMEM_H
#define KERNEL_PMEM_H

#include "types.h"

#define PMEM_MAX_RANGES 64
#define PMEM_NONE       (~(uint64_t)0)

struct pmem_range {
	uint64_t base;	/* first byte, page aligned */
	uint64_t end;	/* one past the last byte, page aligned */
};

struct pmem {
	struct pmem_range r[PMEM_MAX_RANGES];
	unsigned n;
};

void pmem_init(struct pmem *pm);

/*
 * Adds [base, base + len), shrunk inward to whole frames, to the free set; overlap with
 * what is already free is allowed. Returns 0, or -1 when the table is full (the set is
 * then unchanged). An empty range after shrinking is not an error.
 */
int pmem_add(struct pmem *pm, uint64_t base, uint64_t len);

/*
 * Removes [base, base + len), grown outward to whole frames, from the free set. Returns
 * 0, or -1 when a split needs a slot and the table is full (the set is then unchanged).
 */
int pmem_reserve(struct pmem *pm, uint64_t base, uint64_t len);

/* Takes n contiguous frames from the lowest range that has them; PMEM_NONE if none does (or n is 0). */
uint64_t pmem_alloc_contig(struct pmem *pm, uint64_t n);

#endif
