/*
 * cairn/sysdesc.h: a system description as the booter reads it. tools/sysgen.py turns
 * systems/<name>.toml into a C file of these tables (build/sys/<name>/tables.c), which
 * is linked into the booter, or, for a nested subsystem, into its parent component.
 * The tables are already checked: names resolve, the init order is a topological order,
 * budgets add up. The booter still checks what it builds and stops with an error if
 * any kernel operation fails.
 */
#ifndef CAIRN_SYSDESC_H
#define CAIRN_SYSDESC_H

#include <stdint.h>
#include "abi.h"
#include "layout.h"

/*
 * The limits of a description, each defined once: here, and in cairn/root.h for the
 * red tape (CAIRN_ROOT_IMPORTS, _PORTS, _SEGMENTS, _MODULES, CAIRN_NAME_MAX,
 * CAIRN_MODULE_NAME_MAX, CAIRN_MODULE_ARGS_MAX). The booter's arrays are sized by them and it refuses tables
 * past any of them before it builds anything (CAIRN_EOVERFLOW); tools/limits.py reads
 * them from these headers, so that tools/system.py refuses a description past any of
 * them with a line error (docs/systems.md, "Limits"). Keep each an integer expression
 * of numbers and names defined before it: the tools evaluate it.
 */
#define CAIRN_SD_COMPS       32	/* components of a system, the rtos component included */
#define CAIRN_SD_PORTS       48	/* ports of a system */
#define CAIRN_SD_CORES       CAIRN_MAX_CORES	/* cores of a system: as many as the kernel runs */
#define CAIRN_SD_RTOS_CORES  8	/* cores the rtos component schedules (components/rtos) */
#define CAIRN_SD_THREADS     1	/* threads the booter builds for a component: its first */
#define CAIRN_SD_DEPTH       1	/* levels of nested subsystems below a system */
#define CAIRN_SD_FIRST_SLOT  16	/* a component's first granted slot: the gates of its
				   imports, then the sends of its sync ports, to leaf 0's end */
#define CAIRN_SD_GRANTED_SLOTS (CAIRN_CAPTBL_LEAF_SLOTS - CAIRN_SD_FIRST_SLOT)
#define CAIRN_SD_HEAP_MAX    CAIRN_HEAP_MAX	/* bytes of a heap (cairn/layout.h: up to the port rings) */
#define CAIRN_SD_SEGMENT_LO  CAIRN_SEGMENT_LO	/* segments lie in [LO, HI), above the images */
#define CAIRN_SD_SEGMENT_HI  CAIRN_SEGMENT_HI
#define CAIRN_SD_REGIONS     16	/* data regions ([[region]]) of a system */
#define CAIRN_SD_REGION_MAX  CAIRN_UL(0x10000000)	/* bytes of one region (256 MiB) */
#define CAIRN_SD_REGION_SPACE CAIRN_REGION_SPACE	/* every region and its guard page
							   (cairn/layout.h: their window) */

/* An interface (tools/sysgen.py iface): a gate call passes four words, returns two. */
#define CAIRN_SD_IFACE_FUNCTIONS 32
#define CAIRN_SD_IFACE_ARGS      4
#define CAIRN_SD_IFACE_RESULTS   2

#define CAIRN_SD_OUTSIDE 0xffff	/* an import served outside this (sub)system: granted */
#define CAIRN_SD_BOOTER  0xfffe	/* an import the booter serves itself ("manager", "timer") */

/* A client's import of one interface: a gate per function into the server. */
struct cairn_sd_import {
	const char *iface;
	uint16_t server;		/* component index, CAIRN_SD_OUTSIDE or CAIRN_SD_BOOTER */
	uint16_t nfns;
	const uint64_t *entry;		/* the server's gate entry for each function */
};

/* I/O ports granted to a component: [first, end). */
struct cairn_sd_ioport {
	uint32_t first, end;
};

/*
 * A PCI device bound to a component (docs/devices.md, "Binding a device"): matched by
 * vendor:device, or by class:subclass if by_class, and at bus address `at` (PCI_BDF) if
 * it is not CAIRN_SD_ANYWHERE. The booter binds it to the first such device no entry
 * before it took.
 */
#define CAIRN_SD_ANYWHERE 0xffffffffu

struct cairn_sd_device {
	uint16_t vendor, device;
	uint8_t class_code, subclass;
	uint8_t by_class;
	uint32_t at;
	const char *match;		/* as the description writes it, for messages */
	uint8_t no_msi;			/* msi = false: the booter leaves MSI and MSI-X off */
};

struct cairn_sd_comp {
	const char *name;
	const char *image;		/* boot module name */
	uint8_t priority;		/* 0..255, higher runs first */
	uint8_t nimports, nsegments, nirqs;
	uint32_t threads;
	uint64_t stack, heap;		/* bytes */
	const struct cairn_sd_import *import;
	const uint16_t *segment;	/* indexes into cairn_sd_system.segment */
	const uint8_t *irq;		/* interrupt lines, bound to its first thread */
	int16_t subsystem;		/* index of the subsystem it boots, or -1 */
	uint8_t restart;		/* supervised: restarted when it faults (libboot) */
	uint8_t persistent;		/* kept in checkpoints (libboot's persist.c) */
	uint16_t budget;		/* pages the manager may allocate for it (libboot) */
	uint32_t cpu_budget_us;		/* time it may run per period (its tcap: docs/time.md), */
	uint32_t cpu_period_us;		/* in microseconds; 0: no limit */
	uint8_t core;			/* where its threads run (0: the boot core) */
	uint8_t nioports;		/* at most CAIRN_ROOT_IOPORTS */
	const struct cairn_sd_ioport *ioport;	/* each narrowed into a slot of its own */
	uint8_t ndevices;		/* at most CAIRN_IO_DEVICES */
	const struct cairn_sd_device *device;
	uint8_t dma;			/* CAIRN_SD_DMA_*: what its devices may DMA into */
	const char *args;		/* its `args` (cairn_root.args: shorter than
					   CAIRN_MODULE_ARGS_MAX), or 0 for none */
};

struct cairn_sd_port {
	const char *name;
	uint16_t from, to;		/* producer and consumer component indexes */
	uint32_t slot_size, slots;
	uint8_t mode;			/* CAIRN_PORT_ASYNC or _SYNC */
};

struct cairn_sd_segment {
	const char *name;
	const char *image;		/* boot module name */
	uint64_t base, size;
};

/*
 * A data region ([[region]], docs/systems.md "Data regions"): `size` bytes (page
 * multiple), zeroed, mapped read-write into each component of share[] at the same
 * address (the booter places the regions back to back from CAIRN_REGION_VA, each
 * followed by an unmapped guard page). dma: the component whose devices may DMA into
 * it (it is one of share[], its dma not NONE; the frames are then physically contiguous),
 * or CAIRN_SD_NODMA.
 */
#define CAIRN_SD_NODMA 0xffff

/*
 * A component's `dma` (docs/devices.md, "DMA"): with an IOMMU, the devices of a component
 * other than NONE DMA through a domain holding its dma regions alone; without one,
 * TRUSTED's devices DMA anywhere (told physical addresses) and IOMMU's not at all.
 */
#define CAIRN_SD_DMA_NONE    0	/* its devices never master the bus */
#define CAIRN_SD_DMA_TRUSTED 1	/* with an IOMMU confined; without one trusted with all memory */
#define CAIRN_SD_DMA_IOMMU   2	/* only confined by an IOMMU: no DMA on a machine without one */

struct cairn_sd_region {
	const char *name;
	uint64_t size;
	uint16_t nshare;
	uint16_t dma;
	const uint16_t *share;		/* component indexes, each once */
};

/* A nested subsystem: its parent gets this much memory and these interfaces. */
struct cairn_sd_subsystem {
	const char *name;
	uint64_t memory;
	uint16_t ngrants, nimages;
	const char *const *grant;	/* interfaces the parent passes on */
	const char *const *image;	/* modules the child system needs */
};

struct cairn_sd_system {
	const char *name;
	uint16_t cores;			/* cores it runs on: 0 .. cores - 1 */
	uint16_t ncomps, nports, nsegments, nsubsystems, nregions;
	const struct cairn_sd_comp *comp;
	const uint16_t *init_order;	/* component indexes, servers first */
	const struct cairn_sd_port *port;
	const struct cairn_sd_segment *segment;
	const struct cairn_sd_subsystem *subsystem;
	const struct cairn_sd_region *region;
};

#endif
