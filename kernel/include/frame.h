/*
 * frame.h: typed memory. Every physical frame has a type (UNTYPED, KERNEL, USER or
 * RESERVED, as in cairn/abi.h) and a reference count, kept in the frame table:
 *
 *   KERNEL frame: refs = capabilities naming the object in it + kernel structures
 *                 pointing at it (a hooked table node, a component's tables, ...);
 *                 0 means the frame holds no object and may be activated or retyped.
 *   USER frame:   refs = page-table entries mapping it.
 *   UNTYPED:      refs = 0 always.
 *
 * Retype: UNTYPED -> KERNEL or USER (the frame is zeroed on the way in, so nothing
 * leaks from its past), KERNEL or USER -> UNTYPED only when refs == 0. So a frame is
 * never both reachable by user loads and stores and a kernel object.
 *
 * An object's owning capabilities (those of its own type: CAPTBL, PGTBL, COMP, THREAD)
 * are counted apart as well: the last one cannot be removed, only deactivated, and
 * that only when nothing else refers to the object. (A cycle of table capabilities
 * can still make objects unreachable: docs/syscalls.md, "Islands".)
 *
 * Neither count may wrap: a count that wrapped to 0 would destroy an object still
 * named. So refs stays at most FRAME_REFS_MAX and caps at most FRAME_CAPS_MAX: every
 * operation that adds a capability to an existing object, a mapping or a hook checks
 * first (cap_copy_check and obj_ref_check in cap.h, pgtbl.c) and is refused with
 * CAIRN_EOVERFLOW at the limit, nothing changed (CAPTBL_ACT_ASND and CAPTBL_ACT_RCV
 * too, in thread.c). The references the kernel adds without such a
 * check are each held by an object that costs its maker a frame (a thread's
 * components, invocation frames and scheduler, a component's tables, an interrupt
 * binding): they are bounded by memory, and the room FRAME_REFS_MAX leaves below
 * 2^32 holds them all (captbl_ops.c asserts it).
 *
 * The table itself is the kernel's own memory, taken at boot: 12 bytes per frame.
 */
#ifndef KERNEL_FRAME_H
#define KERNEL_FRAME_H

#include "types.h"
#include <cairn/abi.h>

/* What a KERNEL frame holds (for the invariant check and for type checks). */
enum frame_obj {
	OBJ_NONE = 0,
	OBJ_CAPTBL_ROOT, OBJ_CAPTBL_LEAF,
	OBJ_PGTBL4, OBJ_PGTBL3, OBJ_PGTBL2, OBJ_PGTBL1,
	OBJ_COMP, OBJ_THREAD, OBJ_INDIR,
	OBJ_PGTBL_IO,		/* an I/O root (pgtbl.h): its children are OBJ_PGTBL3 */
};

struct frame {
	uint32_t refs;		/* every reference (see above), at most FRAME_REFS_MAX */
	uint16_t caps;		/* of which: owning capabilities (cap_owns in cap.h), at most FRAME_CAPS_MAX */
	uint8_t type;		/* CAIRN_FRAME_* */
	uint8_t obj;		/* enum frame_obj, for KERNEL frames */
	uint16_t used;		/* table nodes: entries in use */
	uint16_t reserved;
};

#define FRAME_REFS_MAX (1u << 31)	/* references to one frame: capabilities, mappings, hooks */
#define FRAME_CAPS_MAX 0xffffu		/* owning capabilities of one object: all that caps holds */

struct frame_table {
	struct frame *f;
	uint64_t nframes;	/* frames 0 .. nframes-1 are described */
	uint64_t count[4];	/* frames of each type */
	uint32_t *scratch;	/* 6 bytes per frame for the invariant check (check.c) */
};

extern struct frame_table frames;

/* All frames start RESERVED; the caller marks free memory UNTYPED. */
void frame_table_init(struct frame_table *ft, struct frame *mem, uint64_t nframes);
/* Marks the frames of [base, end) (page aligned) as UNTYPED; boot only. */
void frame_table_set(struct frame_table *ft, uint64_t base, uint64_t end, uint8_t type);

/* The entry for physical address pa, or NULL past the table. */
static inline struct frame *frame_get(struct frame_table *ft, uint64_t pa)
{
	uint64_t n = pa >> PAGE_SHIFT;
	return n < ft->nframes ? &ft->f[n] : NULL;
}

/*
 * Retypes the frame at pa (page aligned, inside the table). Returns 0, CAIRN_EINVAL for
 * a misaligned address or a transition that is not allowed (including RESERVED either
 * way and to the same type), CAIRN_ERANGE past the table, CAIRN_EBUSY while referenced.
 */
int frame_retype(struct frame_table *ft, uint64_t pa, uint8_t to);

#endif
