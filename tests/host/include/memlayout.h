/*
 * memlayout.h (host): stands in for kernel/arch/x86_64/include/memlayout.h in host unit
 * tests. Physical memory is simulated by one page-aligned host buffer that the test
 * defines and allocates:
 *
 *   uint8_t *host_phys;        physical address 0 is host_phys[0]
 *   uint64_t host_phys_size;   bytes, a multiple of PAGE_SIZE
 *
 * p2v and v2p translate between that buffer and physical addresses, as the direct map
 * does on the machine. p2v traps on an address outside the simulated memory, so a
 * walk through a bad entry fails the test instead of touching host memory at random.
 * The user-space constants and page-table entry bits are the real header's.
 */
#ifndef ARCH_MEMLAYOUT_H
#define ARCH_MEMLAYOUT_H

#define USER_BASE          0x1000
#define USER_TOP           0x00007ffffffff000
#define USER_PML4_ENTRIES  256		/* PML4 slots 0..255 are per address space */
#define PTE_P    0x001
#define PTE_W    0x002
#define PTE_U    0x004
#define PTE_PWT  0x008
#define PTE_PCD  0x010
#define PTE_PS   0x080
#define PTE_DEV  0x200
#define PTE_ADDR 0x000ffffffffff000

#ifndef __ASSEMBLER__
#include "types.h"

#define PTE_NX   (1ULL << 63)

extern uint8_t *host_phys;
extern uint64_t host_phys_size;

/* Physical address -> its place in the simulated memory. */
static inline void *p2v(uint64_t pa)
{
	if (pa >= host_phys_size)
		__builtin_trap();
	return (void *)((uintptr_t)host_phys + pa);
}

/* A pointer into the simulated memory -> its physical address. */
static inline uint64_t v2p(const void *va)
{
	return (uint64_t)((uintptr_t)va - (uintptr_t)host_phys);
}
#endif

#endif
