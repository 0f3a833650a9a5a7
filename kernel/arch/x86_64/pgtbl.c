/*
 * pgtbl.c: capability operations on x86_64 page tables (contract in pgtbl.h). Every
 * check happens during the walk, before the one store that changes the table.
 */
#include "pgtbl.h"
#include "frame.h"
#include "memlayout.h"

#define HOOKED   0x8000		/* frame.used: the node is hooked under a parent */

extern uint64_t pgtbl_nx;		/* PTE_NX when the CPU has NX (vm.c) */
extern uint64_t kernel_pml4_phys;	/* the kernel half's source (vm.c) */

static unsigned index_at(uint64_t va, int level)
{
	return (va >> (12 + 9 * (level - 1))) & 511;
}

void pgtbl_init_root(uint64_t *root)
{
	const uint64_t *k = p2v(kernel_pml4_phys);

	for (unsigned i = USER_PML4_ENTRIES; i < 512; i++)
		root[i] = k[i];
}

/* The entry at level `level` for va, walking from the root; NULL if a level is missing. */
static uint64_t *entry_at(uint64_t *root, uint64_t va, int level)
{
	uint64_t *t = root;

	for (int l = PGTBL_LEVELS; l > level; l--) {
		uint64_t e = t[index_at(va, l)];
		if (!(e & PTE_P))
			return NULL;
		t = p2v(e & PTE_ADDR);
	}
	return &t[index_at(va, level)];
}

static struct frame *frame_of_table(const uint64_t *entry)
{
	return frame_get(&frames, v2p((const void *)PAGE_DOWN((uint64_t)entry)));
}

bool pgtbl_present(uint64_t *root, uint64_t va, int child_level)
{
	uint64_t *e = entry_at(root, va, child_level + 1);
	return e && (*e & PTE_P);
}

int pgtbl_cons(uint64_t *root, uint64_t va, uint64_t *child, int child_level)
{
	if (va >= USER_TOP || child_level < 1 || child_level >= PGTBL_LEVELS)
		return CAIRN_EFAULT;
	uint64_t *e = entry_at(root, va, child_level + 1);
	if (!e)
		return CAIRN_ENOENT;
	struct frame *cf = frame_get(&frames, v2p(child));
	if (*e & PTE_P || cf->used & HOOKED)
		return CAIRN_EBUSY;
	if (cf->refs >= FRAME_REFS_MAX)
		return CAIRN_EOVERFLOW;
	*e = v2p(child) | PTE_P | PTE_W | PTE_U;	/* rights are set at the leaves */
	cf->used |= HOOKED;
	cf->refs++;
	frame_of_table(e)->used++;
	return 0;
}

int pgtbl_decons(uint64_t *root, uint64_t va, int child_level)
{
	if (va >= USER_TOP || child_level < 1 || child_level >= PGTBL_LEVELS)
		return CAIRN_EFAULT;
	uint64_t *e = entry_at(root, va, child_level + 1);
	if (!e || !(*e & PTE_P))
		return CAIRN_ENOENT;
	struct frame *cf = frame_get(&frames, *e & PTE_ADDR);
	if (cf->used & ~HOOKED)
		return CAIRN_EBUSY;
	*e = 0;
	cf->used &= ~HOOKED;
	cf->refs--;
	if (!cf->caps)
		cf->obj = OBJ_NONE;	/* nothing names it: destroyed */
	frame_of_table(e)->used--;
	arch_tlb_flush(root, va);
	return 0;
}

/*
 * Puts pte in the empty level-1 entry for va; f, the mapped frame's entry, gains a
 * reference (NULL: a device page, which has none). CAIRN_EFAULT va is not a user
 * page's address, CAIRN_ENOENT no level-1 table there, CAIRN_EBUSY mapped already,
 * CAIRN_EOVERFLOW f has FRAME_REFS_MAX references.
 */
static int map_leaf(uint64_t *root, uint64_t va, uint64_t pte, struct frame *f)
{
	if (va >= USER_TOP || va < USER_BASE || va & (PAGE_SIZE - 1))
		return CAIRN_EFAULT;
	uint64_t *e = entry_at(root, va, 1);
	if (!e)
		return CAIRN_ENOENT;
	if (*e & PTE_P)
		return CAIRN_EBUSY;
	if (f && f->refs >= FRAME_REFS_MAX)
		return CAIRN_EOVERFLOW;
	*e = pte;
	if (f)
		f->refs++;
	frame_of_table(e)->used++;
	return 0;
}

int pgtbl_map(uint64_t *root, uint64_t va, uint64_t pa, unsigned rights)
{
	return map_leaf(root, va, pa | PTE_P | PTE_U | ((rights & CAIRN_MAP_WRITE) ? PTE_W : 0) |
			((rights & CAIRN_MAP_EXEC) ? 0 : pgtbl_nx), frame_get(&frames, pa));
}

int pgtbl_map_device(uint64_t *root, uint64_t va, uint64_t pa, unsigned rights)
{
	return map_leaf(root, va, pa | PTE_P | PTE_U | PTE_PCD | PTE_PWT | PTE_DEV | pgtbl_nx |
			((rights & CAIRN_MAP_WRITE) ? PTE_W : 0), NULL);
}

int pgtbl_unmap(uint64_t *root, uint64_t va)
{
	if (va >= USER_TOP || va & (PAGE_SIZE - 1))
		return CAIRN_EFAULT;
	uint64_t *e = entry_at(root, va, 1);
	if (!e || !(*e & PTE_P))
		return CAIRN_ENOENT;
	if (!(*e & PTE_DEV))
		frame_get(&frames, *e & PTE_ADDR)->refs--;
	*e = 0;
	frame_of_table(e)->used--;
	arch_tlb_flush(root, va);
	return 0;
}

int64_t pgtbl_lookup(uint64_t *root, uint64_t va)
{
	if (va >= USER_TOP)
		return CAIRN_EFAULT;
	uint64_t *e = entry_at(root, PAGE_DOWN(va), 1);
	if (!e || !(*e & PTE_P))
		return CAIRN_ENOENT;
	return (int64_t)((*e & PTE_ADDR) | ((*e & PTE_W) ? CAIRN_MAP_WRITE : 0) |
			 ((*e & PTE_NX) ? 0 : CAIRN_MAP_EXEC) | ((*e & PTE_DEV) ? CAIRN_MAP_DEVICE : 0));
}
