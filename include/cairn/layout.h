/*
 * cairn/layout.h: the user address space, defined once. Every program's space has the
 * same shape; the kernel (kernel/boot.c, for the programs it starts), the booter
 * (lib/libboot), the RTOS (components/rtos, for its processes), the linker script
 * (lib/libcairn/user.ld, run through the C preprocessor) and the tools
 * (tools/limits.py) all take their addresses from here. Included by C, assembly and
 * the linker script: only #defines outside the C part at the end.
 *
 *   0x000000000000  +--------------------------------+
 *                   | null page, never mapped        |
 *   0x000000001000  +--------------------------------+ CAIRN_ROOT_VA
 *                   | the Root page (red tape), r--  |
 *   0x000000002000  +--------------------------------+ CAIRN_IO_VA = CAIRN_RTOS_VIEW_VA
 *                   | the I/O page (red tape), r--   |  booter-built components; in an RTOS
 *                   |                                |  process, the RTOS's view (rtos_abi.h)
 *                   +--------------------------------+
 *                   | (unmapped)                     |
 *   0x000000400000  +--------------------------------+ CAIRN_IMAGE_BASE
 *                   | the program's image (user.ld)  |
 *   0x00000e000000  +--------------------------------+ CAIRN_IMAGE_TOP = CAIRN_RTOS_WINDOW_VA
 *                   | the RTOS's windows (2 MiB)     |  in the RTOS's own space
 *   0x00000f000000  +--------------------------------+ CAIRN_BOOT_WINDOW_VA
 *                   | the booter's fill window (a    |  in the booter's own space (and a
 *                   | page), then a read page per    |  subsystem parent's)
 *                   | core (CAIRN_BOOT_READ_VA), the |
 *                   | persist pages                  |
 *   0x000010000000  +--------------------------------+ CAIRN_SEGMENT_LO
 *                   | segments (cairn/segment.h)     |  booter-built components
 *   0x000040000000  +--------------------------------+ CAIRN_SEGMENT_HI = CAIRN_MODULES_VA
 *                   | the boot modules, r--          |  the first program only (kernel)
 *   0x000100000000  +--------------------------------+ CAIRN_HEAP_VA
 *                   | heap, CAIRN_HEAP_MAX at most   |  booter-built: its heap; RTOS
 *                   |                                |  process: mem_get_pages (RTOS_HEAP_*)
 *   0x000200000000  +--------------------------------+ CAIRN_PORTS_VA
 *                   | port rings, each + a guard     |  booter-built components
 *   0x000400000000  +--------------------------------+ CAIRN_REGION_VA
 *                   | data regions, each + a guard   |  booter-built: [[region]], at the
 *                   | (CAIRN_REGION_SPACE: 4 GiB)    |  same address in every sharer
 *   0x000500000000  +--------------------------------+ CAIRN_CAPMGR_VA
 *                   | the manager's pages (2 MiB)    |  cairn/capmgr.h
 *                   +--------------------------------+
 *   0x100000000000  +--------------------------------+ CAIRN_DEVICE_VA
 *                   | device memory: a BAR at        |  a driver's (lib/libboot/devices.c):
 *                   | DEVICE_VA + its physical addr  |  physical addresses below 64 TiB
 *                   +--------------------------------+
 *   0x600000000000  +--------------------------------+ CAIRN_RTOS_AREA_BASE
 *                   | RTOS thread areas, 2 MiB each  |  RTOS processes (cairn/rtos_abi.h)
 *                   +--------------------------------+
 *                   | stack, growing down; a guard   |  booter-built: the first thread's
 *   0x7fff00000000  +--------------------------------+ CAIRN_STACK_TOP
 *                   | (unmapped)                     |
 *   0x7ffffffef000  +--------------------------------+ a kernel-started program's stack top
 *                   | (unmapped: 16 pages)           |  (kernel/boot.c: USER_TOP - 64 KiB)
 *   0x7ffffffff000  +--------------------------------+ USER_TOP (the architecture's)
 *
 * Programs the kernel starts (the booter, the test programs) have the Root page, the
 * image, the boot modules (the first one only), a stack below USER_TOP and, as free
 * space to build in, CAIRN_BUILD_SPACE (64 GiB) from CAIRN_HEAP_VA (cairn_root.heap_va
 * .. heap_end): no segments, ports or manager pages.
 *
 * One image top, CAIRN_IMAGE_TOP (224 MiB), for the kernel, the booter and the RTOS.
 * Until issue 20 the kernel took images up to 1 GiB, into what is the segments'
 * window in a component, and the booter and the RTOS up to 256 MiB, the segments'
 * start, over their own fill windows at 224 and 240 MiB. The windows stay where they
 * were (every address above is unchanged) and the images end where they begin: no
 * image, the booter's or the RTOS's own included, can cover a window or a segment.
 * Every image in the tree is under 1 MiB; user.ld refuses to link one past the top.
 */
#ifndef CAIRN_LAYOUT_H
#define CAIRN_LAYOUT_H

#if defined(__ASSEMBLER__)
#define CAIRN_UL(n) n
#else
#define CAIRN_UL(n) n##UL	/* an address, as an unsigned long in C */
#endif

#define CAIRN_ROOT_VA          CAIRN_UL(0x1000)		/* the Root page: rdi at every entry */
#define CAIRN_IO_VA            CAIRN_UL(0x2000)		/* the I/O page: devices, regions (cairn/root.h) */
#define CAIRN_RTOS_VIEW_VA     CAIRN_IO_VA		/* an RTOS process's: the view (cairn/rtos_abi.h) */
#define CAIRN_IMAGE_BASE       CAIRN_UL(0x400000)		/* images are linked and loaded here */
#define CAIRN_IMAGE_TOP        CAIRN_UL(0x0e000000)	/* ... and end below here */
#define CAIRN_RTOS_WINDOW_VA   CAIRN_UL(0x0e000000)	/* the RTOS's windows (components/rtos/rtos.h) */
#define CAIRN_RTOS_WINDOW_SIZE CAIRN_UL(0x200000)
#define CAIRN_BOOT_WINDOW_VA   CAIRN_UL(0x0f000000)	/* where the booter sees a frame it fills */
#define CAIRN_BOOT_WINDOW_SIZE CAIRN_UL(0x1000)
#define CAIRN_BOOT_READ_VA     (CAIRN_BOOT_WINDOW_VA + CAIRN_BOOT_WINDOW_SIZE)	/* where a booter
					   thread reads a crashed component's stack: a page
					   per core (the booter's thread there uses it alone) */
#define CAIRN_BOOT_READ_SIZE   (CAIRN_UL(0x1000) * 64)	/* CAIRN_SD_CORES at most */
#define CAIRN_BOOT_PERSIST_VA  (CAIRN_BOOT_READ_VA + CAIRN_BOOT_READ_SIZE)	/* pairs of pages a
					   persistent component's state is copied through
					   (lib/libboot/persist.c): the gate's, then one
					   per component (CAIRN_SD_COMPS) for its keeper,
					   the booter's thread's */
#define CAIRN_BOOT_PERSIST_SIZE (CAIRN_UL(0x2000) * 34)
#define CAIRN_SEGMENT_LO       CAIRN_UL(0x10000000)	/* segments lie in [LO, HI) */
#define CAIRN_SEGMENT_HI       CAIRN_UL(0x40000000)
#define CAIRN_MODULES_VA       CAIRN_UL(0x40000000)	/* the first program's boot modules */
#define CAIRN_HEAP_VA          CAIRN_UL(0x100000000)	/* heaps */
#define CAIRN_HEAP_MAX         CAIRN_UL(0x100000000)	/* a heap's bytes, at most: up to the rings */
#define CAIRN_BUILD_SPACE      CAIRN_UL(0x1000000000)	/* a kernel-started program's free space */
#define CAIRN_PORTS_VA         CAIRN_UL(0x200000000)	/* port rings */
#define CAIRN_REGION_VA        CAIRN_UL(0x400000000)	/* data regions ([[region]], lib/libboot/region.c) */
#define CAIRN_REGION_SPACE     CAIRN_UL(0x100000000)	/* ... their window: every region and its guard */
#define CAIRN_CAPMGR_VA        CAIRN_UL(0x500000000)	/* the manager's pages (cairn/capmgr.h) */
#define CAIRN_DEVICE_VA        CAIRN_UL(0x100000000000)	/* a driver's BARs, at DEVICE_VA + physical */
#define CAIRN_DEVICE_PHYS_MAX  CAIRN_UL(0x400000000000)	/* ... for physical addresses below this */
#define CAIRN_RTOS_AREA_BASE   CAIRN_UL(0x600000000000)	/* RTOS thread areas (cairn/rtos_abi.h) */
#define CAIRN_STACK_TOP        CAIRN_UL(0x7fff00000000)	/* a booter-built component's first stack */

#if !defined(__ASSEMBLER__)
/* The map above, in order: nothing overlaps. */
_Static_assert(CAIRN_ROOT_VA + 0x1000 <= CAIRN_IO_VA && CAIRN_IO_VA + 0x1000 <= CAIRN_IMAGE_BASE,
	       "the Root and I/O pages lie below the images");
_Static_assert(CAIRN_IMAGE_TOP <= CAIRN_RTOS_WINDOW_VA, "no image covers the RTOS's windows");
_Static_assert(CAIRN_RTOS_WINDOW_VA + CAIRN_RTOS_WINDOW_SIZE <= CAIRN_BOOT_WINDOW_VA, "the windows are apart");
_Static_assert(CAIRN_BOOT_PERSIST_VA + CAIRN_BOOT_PERSIST_SIZE <= CAIRN_SEGMENT_LO, "no segment covers a window");
_Static_assert((CAIRN_BOOT_PERSIST_VA + CAIRN_BOOT_PERSIST_SIZE - 1) >> 21 == CAIRN_BOOT_WINDOW_VA >> 21,
	       "the read and persist pages share the fill window's page table");
_Static_assert(CAIRN_SEGMENT_HI <= CAIRN_MODULES_VA, "the modules lie above the segments");
_Static_assert(CAIRN_MODULES_VA < CAIRN_HEAP_VA, "the heap lies above the modules");
_Static_assert(CAIRN_HEAP_VA + CAIRN_HEAP_MAX <= CAIRN_PORTS_VA, "a heap ends below the port rings");
_Static_assert(CAIRN_PORTS_VA < CAIRN_REGION_VA && CAIRN_REGION_VA + CAIRN_REGION_SPACE <= CAIRN_CAPMGR_VA,
	       "the data regions lie between the port rings and the manager's pages");
_Static_assert(CAIRN_CAPMGR_VA + 0x200000 <= CAIRN_DEVICE_VA &&
	       CAIRN_DEVICE_VA + CAIRN_DEVICE_PHYS_MAX <= CAIRN_RTOS_AREA_BASE, "device memory has its window");
_Static_assert(CAIRN_PORTS_VA < CAIRN_CAPMGR_VA && CAIRN_CAPMGR_VA < CAIRN_RTOS_AREA_BASE &&
	       CAIRN_RTOS_AREA_BASE < CAIRN_STACK_TOP, "the upper regions are in order");
#endif

#endif
