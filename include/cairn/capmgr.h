/*
 * cairn/capmgr.h: delegation and revocation, and the memory of the components a
 * manager holds the tables of (DESIGN.md section 4; docs/capmgr.md). Copy is the
 * kernel's primitive; the manager records each copy it makes in a delegation tree, so
 * that revoking one removes every copy made from it, and copies of those, in every
 * component they reached. Pages are delegated the same way (the same frame mapped
 * into another address space) and revoking them unmaps them everywhere they went.
 *
 * The manager (a component holding, for each managed component, its capability table
 * and page table) keeps the state in a struct capmgr; lib/libboot/capmgr.c. Every
 * call checks everything first: an error changes nothing.
 */
#ifndef CAIRN_CAPMGR_H
#define CAIRN_CAPMGR_H

#include <stdint.h>
#include "build.h"
#include "layout.h"

#define CAPMGR_HOLDERS  32
#define CAPMGR_NODES    512
#define CAPMGR_POS      1			/* the root position of a holder's delegated leaf */
#define CAPMGR_SLOT0    (CAPMGR_POS * 128)	/* its delegated slots: 128..255 */
#define CAPMGR_SLOTS    128
#define CAPMGR_VA       CAIRN_CAPMGR_VA		/* its delegated and allocated pages */
#define CAPMGR_PAGES    512			/* of them, at most */

struct capmgr_holder {
	unsigned ct, pt;		/* its capability table and page table, slots here */
	unsigned leaf;			/* the leaf hooked at CAPMGR_POS in its table, 0: none yet */
	uint64_t leaf_frame;
	unsigned pages, budget;		/* pages allocated for it, and the most it may have */
	uint64_t slot_used[CAPMGR_SLOTS / 64];
	uint64_t page_used[CAPMGR_PAGES / 64];
};

struct capmgr_node {
	uint8_t kind;			/* 0 free, CAPMGR_CAP, CAPMGR_PAGE */
	uint8_t allocated;		/* a page capmgr_mem_alloc made (the root owns the frame) */
	uint16_t holder;
	uint64_t where;			/* the slot, or the page's address */
	uint64_t frame;			/* a page's frame */
	int32_t parent, child, sibling;	/* -1: none */
};

enum { CAPMGR_CAP = 1, CAPMGR_PAGE = 2 };

/* A copy, named by what it connects (capmgr_copies). */
struct capmgr_copy {
	uint8_t kind;			/* CAPMGR_CAP or CAPMGR_PAGE */
	uint16_t holder, from;		/* who holds it; whom it was copied from */
	uint64_t where, from_where;	/* its slot or address; the slot or address it was copied from */
};

struct capmgr {
	struct cairn_alloc *alloc;	/* the manager's frames and slots */
	/* Called before a page mapping of holder at va goes (a free, a revoke, a reset), if set. */
	void (*unmapping)(void *ctx, unsigned holder, uint64_t va);
	void *ctx;
	unsigned nholders;
	struct capmgr_holder holder[CAPMGR_HOLDERS];
	struct capmgr_node node[CAPMGR_NODES];
	unsigned nodes;			/* in use */
};

void capmgr_init(struct capmgr *m, struct cairn_alloc *alloc);
/* Registers a component by its tables (slots in the manager's table): its number. */
long capmgr_holder(struct capmgr *m, unsigned ct, unsigned pt, unsigned budget_pages);

/*
 * Copies the capability in slot of holder from into a free delegated slot of holder
 * to, recorded as a child of from's copy: the slot in to's table. EINVAL bad holder
 * or from == to; ENOENT slot empty; ERANGE no such slot; ENOMEM no slot or node left.
 */
long capmgr_delegate(struct capmgr *m, unsigned from, uint64_t slot, unsigned to);
/*
 * The same into slot `at` of to (a checkpoint's copy made again, lib/libboot/persist.c):
 * `at`; EINVAL `at` is no delegated slot; EBUSY it is taken.
 */
long capmgr_delegate_at(struct capmgr *m, unsigned from, uint64_t slot, unsigned to, uint64_t at);
/*
 * Removes every copy made from holder's slot, and copies of those, recursively, in
 * every table they reached; holder keeps its own. The number of copies removed;
 * ENOENT nothing was delegated from that slot.
 */
long capmgr_revoke(struct capmgr *m, unsigned holder, uint64_t slot);

/* npages fresh zeroed pages mapped writable for holder: their address. ENOMEM past its budget. */
long capmgr_mem_alloc(struct capmgr *m, unsigned holder, unsigned npages);
/*
 * One fresh zeroed page at va in holder's range, as mem_alloc would give it (a resumed
 * checkpoint's, lib/libboot/persist.c): 0; CAIRN_EINVAL va is no page of the range;
 * CAIRN_EBUSY it is taken; CAIRN_ENOMEM past the holder's budget, or no memory.
 */
long capmgr_mem_alloc_at(struct capmgr *m, unsigned holder, uint64_t va);
/* Frees one page capmgr_mem_alloc gave holder (revoking its shares first). */
long capmgr_mem_free(struct capmgr *m, unsigned holder, uint64_t va);
/* Maps holder from's page at va into holder to as well: its address there. */
long capmgr_mem_share(struct capmgr *m, unsigned from, uint64_t va, unsigned to);
/* The same at `at` in to: `at`; EINVAL `at` is no page of the range; EBUSY it is taken. */
long capmgr_mem_share_at(struct capmgr *m, unsigned from, uint64_t va, unsigned to, uint64_t at);
/* Unmaps every share made from from's page at va, recursively: how many. */
long capmgr_mem_revoke(struct capmgr *m, unsigned from, uint64_t va);

/*
 * The copies (capabilities delegated, pages shared) whose holder is in the set
 * `holders` (bit h: holder h), and whose every ancestor's holder is too, parents
 * before children: how many (the first max in out). What a checkpoint keeps of the
 * tree among persistent components (lib/libboot/persist.c).
 */
unsigned capmgr_copies(const struct capmgr *m, uint32_t holders, struct capmgr_copy *out, unsigned max);

/*
 * Holder goes away: everything delegated to it and from it is revoked, its pages
 * unmapped and freed, its delegated leaf unhooked and destroyed. Its number may not be
 * used again.
 */
void capmgr_release(struct capmgr *m, unsigned holder);
/*
 * The same, but holder stays registered with its tables and budget, as new: what a
 * restart of the component needs (lib/libboot/restart.c).
 */
void capmgr_reset(struct capmgr *m, unsigned holder);

#endif
