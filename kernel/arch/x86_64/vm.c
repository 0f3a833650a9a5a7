/*
 * vm.c: x86_64 page tables. The kernel half (PML4 slots 256..511: the direct map and
 * the kernel image) is built once at boot and shared by every address space; the user
 * half (slots 0..255) belongs to each space. User mappings are 4 KiB pages with the U
 * bit; kernel memory is never mapped with it.
 */
#include "arch.h"
#include "cpu.h"

#define PTE_P    0x001ULL
#define PTE_W    0x002ULL
#define PTE_U    0x004ULL
#define PTE_PS   0x080ULL
#define PTE_NX   (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

#define LARGE_PAGE (2ULL << 20)

extern uint64_t boot_pml4[512];	/* boot.S; physical address = its link address */

static uint64_t nx_bit;		/* PTE_NX if the CPU has it (EFER.NXE set by boot.S) */

static uint64_t *table(uint64_t pte)
{
	return p2v(pte & PTE_ADDR);
}

static uint64_t *kernel_pml4(void)
{
	return p2v((uint64_t)boot_pml4);
}

/* Maps [BOOT_DIRECT_MAP, max_phys) into the direct map with 2 MiB pages. */
static void extend_direct_map(uint64_t max_phys, frame_alloc_fn alloc)
{
	uint64_t *pdpt = table(kernel_pml4()[256]);

	for (uint64_t pa = BOOT_DIRECT_MAP; pa < max_phys && pa < DIRECT_MAP_MAX; pa += LARGE_PAGE) {
		uint64_t *pdpte = &pdpt[pa >> 30];
		if (!(*pdpte & PTE_P)) {
			uint64_t f = alloc();
			if (!f)
				return;	/* memory we cannot map is memory we do not use */
			*pdpte = f | PTE_P | PTE_W;
		}
		table(*pdpte)[(pa >> 21) & 511] = pa | PTE_P | PTE_W | PTE_PS | nx_bit;
	}
}

void arch_vm_init(uint64_t max_phys, frame_alloc_fn alloc)
{
	if (rdmsr(MSR_EFER) & EFER_NXE)
		nx_bit = PTE_NX;
	kernel_pml4()[0] = 0;	/* the identity map boot.S needed is gone */
	extend_direct_map(max_phys, alloc);
	write_cr3(read_cr3());
}

uint64_t arch_vm_new_space(frame_alloc_fn alloc)
{
	uint64_t pml4 = alloc();

	if (!pml4)
		return 0;
	uint64_t *t = p2v(pml4);
	for (unsigned i = USER_PML4_ENTRIES; i < 512; i++)
		t[i] = kernel_pml4()[i];
	return pml4;
}

/* The entry for va at the given level (3 = PML4 .. 0 = PT), creating tables on the way. */
static uint64_t *walk(uint64_t space, uint64_t va, frame_alloc_fn alloc)
{
	uint64_t *t = p2v(space);

	for (int level = 3; level > 0; level--) {
		uint64_t *e = &t[(va >> (12 + 9 * level)) & 511];
		if (!(*e & PTE_P)) {
			uint64_t f = alloc();
			if (!f)
				return NULL;
			*e = f | PTE_P | PTE_W | PTE_U;	/* permissions are decided at the leaf */
		}
		t = table(*e);
	}
	return &t[(va >> 12) & 511];
}

int arch_vm_map_user(uint64_t space, uint64_t va, uint64_t pa, unsigned flags, frame_alloc_fn alloc)
{
	if (va < USER_BASE || va >= USER_TOP || (va | pa) & (PAGE_SIZE - 1))
		return -1;
	uint64_t *pte = walk(space, va, alloc);
	if (!pte)
		return -1;
	*pte = pa | PTE_P | PTE_U | ((flags & VM_WRITE) ? PTE_W : 0) | ((flags & VM_EXEC) ? 0 : nx_bit);
	return 0;
}

void arch_vm_switch(uint64_t space)
{
	write_cr3(space);
}

/* The leaf entry for va, or 0 if a level on the way is missing. */
static uint64_t lookup(uint64_t space, uint64_t va)
{
	uint64_t *t = p2v(space);

	for (int level = 3; level > 0; level--) {
		uint64_t e = t[(va >> (12 + 9 * level)) & 511];
		if (!(e & PTE_P) || (e & PTE_PS))
			return 0;	/* user space never has large pages */
		t = table(e);
	}
	return t[(va >> 12) & 511];
}

bool arch_vm_user_readable(uint64_t space, uint64_t va, uint64_t len)
{
	if (va < USER_BASE || va >= USER_TOP || len > USER_TOP - va)
		return false;
	for (uint64_t p = PAGE_DOWN(va); p < va + len; p += PAGE_SIZE) {
		uint64_t e = lookup(space, p);
		if ((e & (PTE_P | PTE_U)) != (PTE_P | PTE_U))
			return false;
	}
	return true;
}
