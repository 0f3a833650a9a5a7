/*
 * cairn/build.h: building with capabilities, for the component that holds memory
 * (the first component, later the booter and the memory manager): frames from
 * untyped memory, free slots, page-table paths, mappings, threads on other cores,
 * loading ELF images, and "mirror" components.
 *
 * A mirror is a component with its own capability table and page-table root whose
 * pages are the caller's own frames (Root page and image): same code, shared memory,
 * separate protection state. Tests and benchmarks use mirrors to cross components
 * without loading another image.
 */
#ifndef CAIRN_BUILD_H
#define CAIRN_BUILD_H

#include <stdint.h>
#include "syscall.h"

struct cairn_alloc {
	unsigned mem;		/* MEMORY capability in the current table */
	unsigned ct;		/* root of the table slots are handed out from */
	uint64_t cursor, end;	/* where to look for untyped frames */
	unsigned next_slot, last_slot;
	/* Optional: frames and slots given back, reused first (storage the caller's). */
	uint64_t *free_frame;
	unsigned *free_slot;
	unsigned nfree_frames, nfree_slots, free_cap;	/* free_cap: each array's length */
};

/* An untyped frame retyped to type (CAIRN_FRAME_KERNEL or _USER), or 0 if none is left. */
uint64_t cairn_frame(struct cairn_alloc *a, unsigned type);
/* The next free slot of a->ct, a given-back one first; 0 if none is left. */
unsigned cairn_slot(struct cairn_alloc *a);
/*
 * Gives a frame back: retypes it to UNTYPED (it must hold nothing) and keeps it for
 * the next cairn_frame. Returns 0 or the retype's error (the frame is then not kept).
 */
long cairn_frame_put(struct cairn_alloc *a, uint64_t frame);
/* Gives an empty slot back for the next cairn_slot (with free storage, else dropped). */
void cairn_slot_put(struct cairn_alloc *a, unsigned slot);
/*
 * Keeps at least 16 never-used slots in a->ct (a root table whose leaves cover
 * [0, last_slot)): when fewer are left, the last one takes a new leaf, 128 more slots.
 */
long cairn_reserve_slots(struct cairn_alloc *a);
/* Makes and hooks the missing level 3..1 tables for va under the root pt. */
long cairn_pgtbl_path(struct cairn_alloc *a, unsigned pt, uint64_t va);

/*
 * Mapping into a page table being built (lib/libcairn/map.c). cache is the table's own
 * word, 0 at first: the last 2 MiB region for which its level 3..1 tables were made
 * (they are made, and 16 free slots kept, when va leaves that region).
 */
#define CAIRN_MAP_REGION(va) (((va) >> 21) + 1)	/* a level-1 table's 2 MiB; 0: none */
/* Makes the tables above va under pt, if va is not in *cache's region: 0 or an error. */
long cairn_map_region(struct cairn_alloc *a, unsigned pt, uint64_t *cache, uint64_t va);
/*
 * Maps frame at va under the root pt with rights (CAIRN_MAP_*): 0 or an error. Inline:
 * the booter maps page after page on every restart, mostly within a cached region.
 */
static inline long cairn_map(struct cairn_alloc *a, unsigned pt, uint64_t *cache, uint64_t va,
			     uint64_t frame, unsigned rights)
{
	if (*cache != CAIRN_MAP_REGION(va)) {
		long r = cairn_map_region(a, pt, cache, va);
		if (r)
			return r;
	}
	return cairn_pgtbl_map(pt, va, a->mem, frame, rights);
}
/* Maps a fresh (zeroed) frame at every page of [va, va + len): 0 or the first error. */
long cairn_zero_map(struct cairn_alloc *a, unsigned pt, uint64_t *cache, uint64_t va, uint64_t len,
		    unsigned rights);
/*
 * Maps under pt every page the caller itself maps in [va, va + len), the same frames
 * with the same rights, but read-only (and not executable) for the first if ro_first.
 */
long cairn_share(struct cairn_alloc *a, unsigned pt, uint64_t *cache, uint64_t va, uint64_t len,
		 int ro_first);

/* A page table being built, for cairn_map_page: the root pt and its cache (as above). */
struct cairn_space {
	struct cairn_alloc *a;
	unsigned pt;
	uint64_t *cache;
};

/* A struct cairn_loader's page (ctx: a struct cairn_space): a fresh frame mapped at va. */
long cairn_map_page(void *ctx, uint64_t va, unsigned rights, uint64_t *frame);

/* A thread of the calling component on a core of its own choosing (cairn_core_thread). */
struct cairn_core_thread {
	unsigned thread, rcv, wake;	/* slots: the thread, its receive endpoint, a send to it */
};

/*
 * Makes t on core: a thread of the calling component (slots and a frame from a), its
 * receive endpoint (no scheduler: the kernel runs it at its core's timer and at kicks)
 * and a send to that; then starts it with that send. It runs entry(tid) on a stack of
 * the component's gate-stack pool (lib/libcairn/entry.S). Returns 0, or the first
 * error. The caller waits for it as it likes (a flag the thread sets, say): a thread
 * runs on its own core only.
 */
long cairn_core_thread(struct cairn_alloc *a, unsigned core, void (*entry)(cairn_word tid),
		       struct cairn_core_thread *t);

/*
 * Loading (lib/libcairn/load.c). A window is one page of the caller's own address
 * space, left unmapped, through which it writes frames that are not mapped for it:
 * map maps frame there, writable.
 */
struct cairn_window {
	uint64_t va;
	long (*map)(void *ctx, uint64_t frame);
	void *ctx;
};

/* Copies len bytes of src (zeroes if src is 0) into frame at off, through w; unmaps w after. */
long cairn_window_fill(const struct cairn_window *w, uint64_t frame, uint64_t off, const void *src,
		       uint64_t len);

/*
 * How cairn_load_elf builds the address space it loads into: page gets a fresh (zeroed)
 * frame and maps it at va there with rights (CAIRN_MAP_*): 0 and *frame, or an error.
 */
struct cairn_loader {
	const struct cairn_window *window;	/* the file's bytes are copied through it */
	long (*page)(void *ctx, uint64_t va, unsigned rights, uint64_t *frame);
	void *ctx;
};

struct elf_image;

/*
 * Loads img (checked by elf_check, common/elf.h; file its bytes): every page of every
 * loadable segment a fresh frame from l->page, the file's bytes copied in through
 * l->window, the rest left zero. Returns 0, or the first error (the pages mapped
 * until then stay).
 */
long cairn_load_elf(const struct cairn_loader *l, const char *file, const struct elf_image *img);

struct cairn_mirror {
	unsigned comp, ct, pt, leaf;
};

/*
 * Makes a mirror of the calling component: new captbl (root + leaf 0), new page-table
 * root mapping the caller's Root page and the image [image, image_end) from own_pt,
 * new component starting threads at entry. Returns 0 or the first error.
 */
long cairn_mirror(struct cairn_alloc *a, struct cairn_mirror *m, unsigned own_pt,
		  uint64_t image, uint64_t image_end, uint64_t entry);

#endif
