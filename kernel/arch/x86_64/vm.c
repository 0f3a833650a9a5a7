/*
 * vm.c: the kernel's own page tables. The kernel half (PML4 slots 256..511: the direct
 * map and the kernel image) is built once at boot and copied into every root
 * (pgtbl_init_root); user halves are built by components through pgtbl.c. User
 * mappings are 4 KiB pages with the U bit; kernel memory never has it.
 */
#include "arch.h"
#include "core.h"
#include "pgtbl.h"


#define LARGE_PAGE (2ULL << 20)

extern uint64_t boot_pml4[512];	/* boot.S; physical address = its link address */

uint64_t pgtbl_nx;		/* PTE_NX if the CPU has it (EFER.NXE set by boot.S) */
uint64_t kernel_pml4_phys;

static uint64_t *table(uint64_t pte)
{
	return p2v(pte & PTE_ADDR);
}

/* Maps [BOOT_DIRECT_MAP, max_phys) into the direct map with 2 MiB pages. */
static void extend_direct_map(uint64_t *pml4, uint64_t max_phys, uint64_t (*alloc_contig)(uint64_t n))
{
	uint64_t *pdpt = table(pml4[256]);

	for (uint64_t pa = BOOT_DIRECT_MAP; pa < max_phys && pa < DIRECT_MAP_MAX; pa += LARGE_PAGE) {
		uint64_t *pdpte = &pdpt[pa >> 30];
		if (!(*pdpte & PTE_P)) {
			uint64_t f = alloc_contig(1);
			if (!f)
				return;	/* memory we cannot map is memory we do not use */
			*pdpte = f | PTE_P | PTE_W;
		}
		table(*pdpte)[(pa >> 21) & 511] = pa | PTE_P | PTE_W | PTE_PS | pgtbl_nx;
	}
}

void arch_vm_init(uint64_t max_phys, uint64_t (*alloc_contig)(uint64_t n))
{
	kernel_pml4_phys = (uint64_t)boot_pml4;
	uint64_t *pml4 = p2v(kernel_pml4_phys);

	if (rdmsr(MSR_EFER) & EFER_NXE)
		pgtbl_nx = PTE_NX;
	pml4[0] = 0;	/* the identity map boot.S needed is gone */
	extend_direct_map(pml4, max_phys, alloc_contig);
	arch_tlb_flush_local();
}

void arch_tlb_flush(uint64_t *root, uint64_t va)
{
	(void)va;	/* a whole flush also drops cached upper levels of va */
	if (!root[USER_PML4_ENTRIES])	/* no kernel half: an I/O root (pgtbl.h), which no core loads */
		arch_iommu_flush();
	if (read_cr3() == v2p(root))
		write_cr3(v2p(root));
	core_shootdown(v2p(root));
}

bool arch_vm_user_readable(uint64_t root_phys, uint64_t va, uint64_t len)
{
	if (va < USER_BASE || va >= USER_TOP || len > USER_TOP - va)
		return false;
	for (uint64_t p = PAGE_DOWN(va); len && p < va + len; p += PAGE_SIZE) {	/* nothing to read: no page */
		int64_t e = pgtbl_lookup(p2v(root_phys), p);
		if (e < 0 || e & CAIRN_MAP_DEVICE)
			return false;
	}
	return true;
}
