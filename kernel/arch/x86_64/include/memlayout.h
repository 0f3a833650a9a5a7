/*
 * memlayout.h: the x86_64 virtual and physical memory layout (4-level paging, 48-bit
 * virtual addresses). Included by C and assembly.
 *
 *   0x0000000000000000  +------------------------------+
 *                       | null page, never mapped      |
 *   0x0000000000001000  +------------------------------+ USER_BASE
 *                       | user space, one per address  |
 *                       | space: programs, stacks, ... |
 *   0x00007ffffffff000  +------------------------------+ USER_TOP (the last page below
 *                       | (never mapped)               |  the hole stays unmapped so a
 *   0x0000800000000000  +------------------------------+  syscall there cannot sysret
 *                       | non-canonical hole           |  to a non-canonical rip)
 *   0xffff800000000000  +------------------------------+ DIRECT_MAP_BASE
 *                       | all physical memory, 1:1,    |
 *                       | kernel only (PML4 256..)     |
 *   0xffffffff80000000  +------------------------------+ KERNEL_VBASE
 *                       | kernel image: physical       |
 *                       | 0..1 GiB (PML4 511)          |
 *                       +------------------------------+
 *
 * Physically the kernel is loaded at KERNEL_LOAD_PHYS (1 MiB). The low 1 MiB is never
 * given out: firmware tables and the real-mode area live there.
 */
#ifndef ARCH_MEMLAYOUT_H
#define ARCH_MEMLAYOUT_H

#define KERNEL_LOAD_PHYS   0x100000
#define KERNEL_VBASE       0xffffffff80000000
#define DIRECT_MAP_BASE    0xffff800000000000
#define DIRECT_MAP_MAX     (64ULL << 30)	/* physical memory beyond this is ignored */
#define BOOT_DIRECT_MAP    (4ULL << 30)	/* what boot.S maps before C runs */
#define LOW_MEMORY_END     0x100000

#define USER_BASE          0x1000
#define USER_TOP           0x00007ffffffff000
#define USER_PML4_ENTRIES  256		/* PML4 slots 0..255 are per address space */

#define KERNEL_STACK_SIZE  16384

/* Page-table entry bits (4-level paging); PTE_NX is C only (below). */
#define PTE_P    0x001
#define PTE_W    0x002
#define PTE_U    0x004
#define PTE_PWT  0x008		/* with PTE_PCD and the default PAT: uncached (UC) */
#define PTE_PCD  0x010
#define PTE_PS   0x080		/* a 2 MiB page, in a page directory */
#define PTE_DEV  0x200		/* software bit 9: a device page, which holds no frame reference */
#define PTE_ADDR 0x000ffffffffff000

#ifndef __ASSEMBLER__
#include "types.h"

#define PTE_NX   (1ULL << 63)

/* Physical address -> its alias in the direct map. */
static inline void *p2v(uint64_t pa)
{
	return (void *)(pa + DIRECT_MAP_BASE);
}

/* Direct-map or kernel-image address -> physical address. */
static inline uint64_t v2p(const void *va)
{
	uint64_t a = (uint64_t)va;
	return a >= KERNEL_VBASE ? a - KERNEL_VBASE : a - DIRECT_MAP_BASE;
}

extern char _kernel_end[];	/* kernel.ld: end of the image, virtual */
#endif

#endif
