/*
 * pgtbl.h: page tables as resource tables. A page-table node is a KERNEL frame holding
 * one level of the hardware table (level 4 is the root, level 1 maps 4 KiB pages). A
 * component builds and tears down its tables only through these operations, on a root
 * it holds a capability to; addresses are walked from that root.
 *
 * References (frame.h): a node hooked under a parent holds one reference from the
 * parent; a USER frame holds one reference per mapping; a device page (devmem.h)
 * holds none: its entry is marked as a device page's, and unmapping it counts nothing. A node's "used" count is its
 * entries in use, so a node with entries cannot be unhooked or destroyed.
 *
 * Only the user half (below USER_TOP) can be touched; the kernel half of every root is
 * the kernel's own, copied in when the root is made.
 *
 * An I/O root (OBJ_PGTBL_IO, a capability of level PGTBL_LEVELS | CAIRN_PGTBL_IO) is
 * the top of a device's DMA translation (iommu.c): the same tree of the same nodes,
 * which VT-d's second-level tables read as they are (P is VT-d's read bit, W its write
 * bit; U, bit 2, is VT-d's execute bit, which it ignores without SLEE, and so is NX,
 * bit 63: docs/devices.md, "DMA and the IOMMU"). It has no kernel half, and only USER
 * frames are mapped in it (vmem.c), so PTE_DEV is never written there. The nodes below
 * a root take its kind when hooked: a node is hooked under one parent only, and only
 * an empty node is unhooked, so no node is ever in both a CPU tree and an I/O tree.
 * Removing anything from an I/O tree invalidates the IOMMU's caches
 * (arch_tlb_flush calls arch_iommu_flush) instead of the CPUs' TLBs.
 */
#ifndef KERNEL_PGTBL_H
#define KERNEL_PGTBL_H

#include "types.h"
#include <cairn/abi.h>

#define PGTBL_LEVELS 4

/* Makes a fresh (zeroed) frame a root: the kernel half is filled in. */
void pgtbl_init_root(uint64_t *root);

/*
 * Hooks child, a fresh node of level child_level (1..3), into the table under root at
 * va. Errors: CAIRN_EFAULT va outside user space; CAIRN_ENOENT a level above is
 * missing; CAIRN_EBUSY the entry is in use or child is hooked elsewhere;
 * CAIRN_EOVERFLOW child has FRAME_REFS_MAX references (frame.h).
 */
int pgtbl_cons(uint64_t *root, uint64_t va, uint64_t *child, int child_level);
/*
 * Unhooks the level child_level node at va. CAIRN_ENOENT none; CAIRN_EBUSY not empty.
 * A node that no capability names is destroyed with it.
 */
int pgtbl_decons(uint64_t *root, uint64_t va, int child_level);
/*
 * Maps the frame pa (whose type the caller has checked) at va with rights
 * (CAIRN_MAP_*). CAIRN_ENOENT no level-1 table there; CAIRN_EBUSY already mapped;
 * CAIRN_EOVERFLOW pa has FRAME_REFS_MAX references (mappings) already.
 */
int pgtbl_map(uint64_t *root, uint64_t va, uint64_t pa, unsigned rights);
/*
 * Maps the device page pa (which the caller has checked: devmem.h) at va, uncached,
 * never executable, writable if rights has CAIRN_MAP_WRITE, and marked as a device
 * page: it takes no frame reference (a device page has none to take). Errors as
 * pgtbl_map but CAIRN_EOVERFLOW.
 */
int pgtbl_map_device(uint64_t *root, uint64_t va, uint64_t pa, unsigned rights);
/* Removes the mapping at va (a frame's loses its reference); CAIRN_ENOENT if there is none. */
int pgtbl_unmap(uint64_t *root, uint64_t va);
/*
 * The frame mapped at va and its rights (frame | CAIRN_MAP_*, CAIRN_MAP_DEVICE for a
 * device page), or CAIRN_ENOENT.
 */
int64_t pgtbl_lookup(uint64_t *root, uint64_t va);

/* True if the entry that holds a level child_level node for va exists and is used. */
bool pgtbl_present(uint64_t *root, uint64_t va, int child_level);

/* An I/O root capability's flags: its level and CAIRN_PGTBL_IO. */
#define PGTBL_IO_ROOT (PGTBL_LEVELS | CAIRN_PGTBL_IO)	/* an I/O root capability's flags */

/* Level of a node by its frame_obj kind, and back. */
#define PGTBL_OBJ(level) (OBJ_PGTBL4 + 4 - (level))

/*
 * Called after a mapping or a hooked node was removed from root (TLB consistency): the
 * CPUs' TLBs for a CPU root, the IOMMU's caches for an I/O root.
 */
void arch_tlb_flush(uint64_t *root, uint64_t va);

#endif
