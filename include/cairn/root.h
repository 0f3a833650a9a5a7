/*
 * cairn/root.h: the Root structure, the first page of a component's red tape. Every
 * entry point gets its address in rdi (CAIRN_ROOT_VA: the page right after the
 * unmapped null page); it is mapped read-only, and it is the only way a component
 * learns its environment: who it is, which capability slots hold what, the interfaces
 * it imports, its ports and segments, and the system's facts.
 *
 * Three writers fill it: the kernel, for the first program it starts from boot module 0
 * (the booter, a test program or the test runner), the test runner
 * (tests/qemu/progs/runner.c), for the test programs it starts from the other modules
 * as the kernel would, and the booter (lib/libboot), for every component it builds
 * from a system description (docs/systems.md).
 */
#ifndef CAIRN_ROOT_H
#define CAIRN_ROOT_H

#include <stdint.h>
#include "layout.h"	/* CAIRN_ROOT_VA */

#define CAIRN_ROOT_MAGIC 0x3230544f4f524e43ULL	/* "CNROOT02" */

/*
 * Fixed capability slots. The first program (and each program the test runner starts)
 * gets 1..7, 9 and 10, and 8 if its module line says "ioport"; a component the booter builds
 * gets 4, 9 and 10, and 1, 2, 3, 5, 7 only if it boots a subsystem or is the RTOS. Everything else the booter grants (gates, port
 * endpoints, I/O ports, PCI devices' BARs and lines) is listed below with its slot; a component's own slots start
 * at cairn_root.free_slot.
 */
#define CAIRN_SLOT_CAPTBL  1	/* its capability table (root node) */
#define CAIRN_SLOT_PGTBL   2	/* its page table (root node) */
#define CAIRN_SLOT_COMP    3	/* itself (kernel-started programs) */
#define CAIRN_SLOT_THREAD  4	/* its first thread */
#define CAIRN_SLOT_MEMORY  5	/* memory it may build with: [mem_base, mem_end) */
#define CAIRN_SLOT_IRQ     6	/* the first program: the interrupt lines; a booter-built
				   component taking the timer on a system of several
				   cores (the RTOS): line 0 only */
#define CAIRN_SLOT_LEAF0   7	/* the leaf node holding slots 0..127 */
#define CAIRN_SLOT_IOPORT  8	/* the first program, if its module line says "ioport":
				   every I/O port but the kernel's own (a booter-built
				   component finds its ports in cairn_root.ioport) */
#define CAIRN_SLOT_DEVMEM  9	/* kernel-started programs: device memory, every device page
				   below the physical limit (a DEVMEM capability over
				   [0, limit): docs/syscalls.md, "Device memory") */
#define CAIRN_SLOT_IOMMU  10	/* kernel-started programs: DMA translation of every
				   requester id the kernel translates, [0,
				   CAIRN_IOMMU_RIDS) (IOMMU_ATTACH says CAIRN_ENOTSUP
				   on a machine without an IOMMU the kernel drives) */
#define CAIRN_SLOT_TCAP   11	/* kernel-started programs: the root tcap (its first thread's;
				   docs/time.md) */
#define CAIRN_SLOT_FREE   12	/* kernel-started programs: the first free slot */
#define CAIRN_SLOT_RCV     9	/* booter-built components: the first thread's receive
				   endpoint (its scheduler is whoever booted it) */
#define CAIRN_SLOT_SCHED  10	/* booter-built components: an asynchronous send to
				   their scheduler (cairn_yield sends it with YIELD) */

/* What one red tape holds: limits of a description too (cairn/sysdesc.h, tools/limits.py). */
#define CAIRN_ROOT_MODULES  16	/* boot modules: a booter's images, a subsystem's */
#define CAIRN_ROOT_IMPORTS  24	/* interfaces a component imports */
#define CAIRN_ROOT_PORTS    12	/* port ends of a component */
#define CAIRN_ROOT_SEGMENTS 8	/* segments mapped into a component */
#define CAIRN_ROOT_IOPORTS  8	/* I/O-port ranges a description may grant one component */
#define CAIRN_IO_DEVICES    4	/* PCI devices a description may bind to one component
				   (in its I/O page: each entry is 416 bytes) */
#define CAIRN_IO_REGIONS    8	/* data regions one component shares (its I/O page) */
#define CAIRN_NAME_MAX      24	/* names in the red tape, with their NUL */
#define CAIRN_MODULE_NAME_MAX 32	/* a boot module's name, with its NUL */
#define CAIRN_MODULE_ARGS_MAX 64	/* its arguments, with their NUL */

/*
 * A boot module (an image) mapped read-only into the component, with the words after
 * its path on its module line ("key=value ..."; truncated to CAIRN_MODULE_ARGS_MAX - 1
 * characters): how a test runner learns what to expect of a program (docs/testing.md).
 */
struct cairn_module {
	char name[CAIRN_MODULE_NAME_MAX];
	uint64_t va;
	uint64_t size;
	char args[CAIRN_MODULE_ARGS_MAX];
};

/* An imported interface: function i is the gate in slot `slot + i`. */
struct cairn_import {
	char name[CAIRN_NAME_MAX];
	uint32_t slot;
	uint32_t nfns;
};

#define CAIRN_PORT_PRODUCER 0
#define CAIRN_PORT_CONSUMER 1

/* One end of a port (cairn/port.h): the ring is mapped read-write at ring_va. */
struct cairn_port_end {
	char name[CAIRN_NAME_MAX];
	uint64_t ring_va;
	uint32_t slot_size, slots;
	uint8_t mode;		/* CAIRN_PORT_ASYNC or _SYNC */
	uint8_t end;		/* CAIRN_PORT_PRODUCER or _CONSUMER */
	uint16_t reserved;
	uint32_t rcv;		/* sync: this end's receive endpoint slot */
	uint32_t peer;		/* sync: slot of an asynchronous send to the other end */
	uint32_t pad;
};

/* I/O ports a description grants: an IOPORT capability over [first, end) in `slot`. */
struct cairn_ioport_range {
	uint32_t first, end;
	uint32_t slot;
	uint32_t reserved;
};

/*
 * A PCI device a description binds to the component (docs/devices.md, "Binding a
 * device"), found by the booter at boot. bar[i] is BAR i: a memory BAR comes with a
 * DEVMEM capability over exactly its pages [base, base + size), but MSI-X.s (below), in `slot` (map it with
 * PGTBL_MAP), an I/O BAR with an IOPORT capability over [base, base + size); a 64-bit
 * BAR takes bar[i] and leaves bar[i + 1] NONE. irq_slot holds an IRQ capability over
 * line irq_line alone when the device's INTx is routed to an ISA line (1..15), else 0.
 * config[] is a copy of the function's configuration space (its first 256 bytes) as
 * the booter found it, before granting it: the driver walks its capability list there.
 * The driver cannot write configuration space.
 *
 * Interrupts (docs/devices.md, "Interrupts"): if the device has an MSI-X capability the
 * booter binds its first nmsi entries (at most CAIRN_DEVICE_MSI), entry k to MSI line
 * msi_line[k], each to a send to the component's first thread (CAIRN_SLOT_RCV), writes
 * the messages into the table and enables MSI-X (msi_kind MSIX); else, with an MSI
 * capability, its one vector (msi_kind MSI, nmsi 1). The pages holding the MSI-X table
 * and pending-bit array are the booter's: neither mapped nor covered by a capability
 * of the driver, so a memory BAR's pages may come as up to three capabilities,
 * bar.nslots of them in consecutive slots from bar.slot (0 if all its pages are kept).
 */
#define CAIRN_BAR_NONE 0	/* not implemented, or the upper half of a 64-bit BAR */
#define CAIRN_BAR_MEM  1
#define CAIRN_BAR_IO   2
#define CAIRN_DEVICE_BARS 6
#define CAIRN_DEVICE_CONFIG 256	/* bytes of configuration space copied */
#define CAIRN_DEVICE_MSI 4	/* MSI-X entries the booter binds, the first ones */
#define CAIRN_MSI_KIND_NONE 0	/* no MSI: INTx (irq_slot) if anything */
#define CAIRN_MSI_KIND_MSI  1	/* its MSI capability's one vector: msi_line[0] */
#define CAIRN_MSI_KIND_MSIX 2	/* MSI-X: entry k raises msi_line[k], k < nmsi */

struct cairn_device_bar {
	uint64_t base, size;	/* physical address (or first port) and bytes (or ports) */
	uint32_t slot;		/* its (first) capability; 0 for NONE or no page granted */
	uint8_t kind;		/* CAIRN_BAR_* */
	uint8_t prefetchable;
	uint8_t nslots;		/* capabilities from slot: 1, or 0..3 around the MSI-X pages */
	uint8_t reserved;
};

struct cairn_device {
	uint8_t bus, dev, fn;	/* its bus address */
	uint8_t found;		/* 0: the booter found no device that matches (the rest is 0) */
	uint16_t vendor, device;
	uint8_t class_code, subclass;
	uint8_t irq_line;	/* its INTx line if irq_slot is granted, else 0 */
	uint8_t irq_mode;	/* the mode to bind irq_line in (IRQ_BIND: CAIRN_IRQ_LEVEL...) */
	uint32_t irq_slot;
	struct cairn_device_bar bar[CAIRN_DEVICE_BARS];
	uint8_t msi_kind;	/* CAIRN_MSI_KIND_* */
	uint8_t nmsi;		/* MSI lines bound: msi_line[0 .. nmsi - 1] */
	uint8_t msi_line[CAIRN_DEVICE_MSI];	/* MSI-X entry k (MSI: its vector) raises this line */
	uint16_t reserved2;
	uint8_t config[CAIRN_DEVICE_CONFIG];
};

/*
 * A data region ([[region]], docs/systems.md "Data regions"): `size` bytes mapped
 * read-write at `va` (an unmapped guard page after it), shared with the other
 * components the description names (at the same va in each), zeroed at boot. If flags
 * has CAIRN_REGION_DMA, this component's devices may DMA into it and `dma` is the
 * address a device must be told for its first byte (a buffer at offset o: dma + o;
 * without an IOMMU the physical address, the region physically contiguous); else dma
 * is 0 and no device may be pointed at it.
 */
#define CAIRN_REGION_DMA 1	/* flags: dma is the region's device address */

struct cairn_region {
	char name[CAIRN_NAME_MAX];
	uint64_t va, size;
	uint64_t dma;		/* the device address of its first byte, or 0 */
	uint32_t flags;		/* CAIRN_REGION_DMA */
	uint32_t reserved;
};

/* A segment: code and shared data at `base`, its transfer vector at `base` too. */
struct cairn_segment_map {
	char name[CAIRN_NAME_MAX];
	uint64_t base, size;
};

/*
 * PCI's memory-mapped configuration space (ECAM) as ACPI's MCFG table gives it: its
 * first allocation for PCI segment 0 whose bus range is well formed. Function bdf's
 * 4 KiB lie at base + (bdf << 12) for the buses bus_start..bus_end (docs/devices.md,
 * "PCI at user level"). base 0: no MCFG (ports 0xcf8/0xcfc are the way). The kernel
 * checks nothing else: a reader checks the range lies in device memory before use.
 */
struct cairn_ecam {
	uint64_t base;			/* physical: the configuration space of bus 0 */
	uint8_t bus_start, bus_end;	/* the buses it decodes, bus_start <= bus_end */
	uint8_t reserved[6];
};

struct cairn_root {
	uint64_t magic;
	uint64_t comp_id;		/* the component's id, unique while it lives */
	char name[CAIRN_NAME_MAX];	/* its name in the system description */
	uint64_t cores;			/* cores it may run on: the machine's (kernel-started), the
				   system's (booter-built: its description's cores = N) */
	uint64_t tsc_hz;		/* time stamp counter ticks per second */
	uint64_t timer_hz;		/* local APIC timer ticks per second */
	uint64_t boot_tsc;		/* the time stamp counter when the kernel started */
	uint64_t mem_base, mem_end;	/* the range of CAIRN_SLOT_MEMORY, if granted */
	uint64_t heap_va, heap_end;	/* its heap (mapped), or free address space */
	uint64_t stack_top;		/* booter-built: the first thread's stack (mapped) */
	uint32_t free_slot;		/* the first slot the component may use itself */
	uint32_t generation;		/* how many times it has been (re)started, from 1 */
	uint32_t nmodules, nimports, nports, nsegments;
	uint64_t build_tsc;		/* the time stamp counter when its booter started */
	struct cairn_module module[CAIRN_ROOT_MODULES];
	struct cairn_import import[CAIRN_ROOT_IMPORTS];
	struct cairn_port_end port[CAIRN_ROOT_PORTS];
	struct cairn_segment_map segment[CAIRN_ROOT_SEGMENTS];
	uint32_t nioports;
	uint64_t io_va;			/* booter-built: its I/O page (struct cairn_io), else 0 */
	struct cairn_ioport_range ioport[CAIRN_ROOT_IOPORTS];	/* booter-built: as described */
	char args[CAIRN_MODULE_ARGS_MAX];	/* its arguments, "key=value" and "key" words
						   (cairn_arg): started from a boot module, the
						   words after its path; booter-built, its
						   description's `args` (docs/systems.md) */
	struct cairn_ecam ecam;		/* kernel-started: PCI's ECAM, if ACPI has an MCFG */
};

_Static_assert(sizeof(struct cairn_root) <= 4096, "the Root is one page");

/*
 * The I/O page: the second page of a booter-built component's red tape, read-only at
 * CAIRN_IO_VA (cairn_root.io_va), with what reaches outside its address space: the PCI
 * devices its description binds and the data regions it shares. The Root has no room
 * for them. A component with neither has no I/O page (io_va 0).
 */
#define CAIRN_IO_MAGIC 0x3130544f4f524e49ULL	/* "INROOT01" */

struct cairn_io {
	uint64_t magic;
	uint32_t ndevices;			/* entries of device[] (found or not) */
	uint32_t nregions;			/* entries of region[] */
	struct cairn_device device[CAIRN_IO_DEVICES];	/* as described, in order */
	struct cairn_region region[CAIRN_IO_REGIONS];	/* in the description's order */
};

_Static_assert(sizeof(struct cairn_io) <= 4096, "the I/O page is one page");

/*
 * lib/libcairn/args.c: the component's arguments, rt->args (read within its
 * CAIRN_MODULE_ARGS_MAX bytes): words separated by spaces, each "key=value" or a bare
 * "key". cairn_arg finds the first word whose key is `key`, copies its value ("" for
 * a bare key) into buf, NUL-terminated, and returns its length. CAIRN_ENOENT if no word
 * has that key; CAIRN_ERANGE if the value and its NUL do not fit in size bytes (buf
 * untouched; always so if buf is 0); CAIRN_EINVAL if
 * rt->args has no NUL.
 */
long cairn_arg(const struct cairn_root *rt, const char *key, char *buf, unsigned long size);

/*
 * lib/libcairn/args.c: the value of `key` as a decimal number (digits only, at most
 * 19 of them) in *v: 0; CAIRN_ENOENT no word has that key (*v untouched); CAIRN_EINVAL
 * the value is empty, not all digits or too long (*v untouched).
 */
long cairn_arg_u64(const struct cairn_root *rt, const char *key, uint64_t *v);

/* 1 if rt->args has the bare word `key` (a flag: "key" or "key="), else 0. */
int cairn_arg_flag(const struct cairn_root *rt, const char *key);

/*
 * lib/libcairn/args.c: 0 if each word of rt->args has a key of known[] (n of them) and
 * no key comes twice; else CAIRN_EINVAL, and the first such word (truncated to size - 1
 * characters, NUL-terminated) in bad, if bad is not 0. For a component that refuses
 * what it does not understand rather than ignoring a misspelt key.
 */
long cairn_args_known(const struct cairn_root *rt, const char *const *known, unsigned n,
		      char *bad, unsigned long size);

/* lib/libcairn/root.c: the i-th device of the component's description (0 first), if
 * the booter found it; 0 if it did not or there is no such entry. */
const struct cairn_device *cairn_device(unsigned i);

/* lib/libcairn/root.c: the data region the description names `name` (shared with this
 * component), or 0. */
const struct cairn_region *cairn_region(const char *name);

/* Where memory BAR `bar` of d is mapped in the driver (lib/libboot/devices.c); 0 if it
 * is not a memory BAR. */
static inline volatile void *cairn_device_bar(const struct cairn_device *d, unsigned bar)
{
	if (!d || bar >= CAIRN_DEVICE_BARS || d->bar[bar].kind != CAIRN_BAR_MEM)
		return 0;
	return (volatile void *)(CAIRN_DEVICE_VA + d->bar[bar].base);
}

#endif
