/*
 * cairn/pci.h: PCI at user level (libpci, docs/devices.md): enumeration of the buses
 * reachable from bus 0, BAR decoding and sizing, capability lists. Configuration space
 * is reached through an abstract accessor (struct pci_cfg), so the mechanism (I/O ports
 * 0xcf8/0xcfc, or memory-mapped ECAM where ACPI's MCFG says where) is chosen once and
 * the rest does not change.
 *
 * Configuration space is written by devices and so is hostile: every value read from it
 * is bounded before use (bus numbers, pointers, BAR masks), every walk ends within a
 * fixed number of steps, and a vendor id of 0xffff means "no function".
 *
 * Not thread-safe: the port mechanism is an address/data register pair, so one thread
 * at a time may use a given struct pci_cfg (ECAM's is as safe as its caller's page()).
 */
#ifndef CAIRN_PCI_H
#define CAIRN_PCI_H

#include <stdint.h>
#include "abi.h"

/* A function's bus/device/function address, packed as the spec's routing id. */
#define PCI_BDF(bus, dev, fn) ((((unsigned)(bus) & 0xff) << 8) | (((unsigned)(dev) & 0x1f) << 3) | \
			       ((unsigned)(fn) & 7))
#define PCI_BUS(bdf) (((bdf) >> 8) & 0xff)
#define PCI_DEV(bdf) (((bdf) >> 3) & 0x1f)
#define PCI_FN(bdf)  ((bdf) & 7)

#define PCI_CFG_SIZE      256		/* the conventional space every mechanism reaches */
#define PCI_VENDOR_NONE   0xffff	/* what an absent function's vendor id reads */

/* Configuration-space registers (type 0 and type 1 headers). */
#define PCI_VENDOR_ID     0x00
#define PCI_COMMAND       0x04		/* 16 bits; the status register follows at 0x06 */
#define PCI_STATUS        0x06
#define PCI_CLASS_REV     0x08		/* revision, prog-if, subclass, class: low to high */
#define PCI_HEADER_TYPE   0x0e
#define PCI_BAR0          0x10
#define PCI_SECONDARY_BUS 0x19		/* type 1 (bridge) headers */
#define PCI_CAP_PTR       0x34
#define PCI_INTERRUPT     0x3c		/* line at 0x3c, pin at 0x3d */

#define PCI_COMMAND_IO     0x1		/* the function decodes its I/O BARs */
#define PCI_COMMAND_MEMORY 0x2		/* ... its memory BARs */
#define PCI_COMMAND_MASTER 0x4		/* it may master the bus: DMA, and MSI writes */
#define PCI_STATUS_CAPS    0x10		/* it has a capability list */
#define PCI_HEADER_MULTI   0x80		/* function 0: the device has functions 1..7 */
#define PCI_HEADER_BRIDGE  0x01		/* header type (low 7 bits) of a PCI-to-PCI bridge */

/* Capability ids. */
#define PCI_CAP_MSI    0x05
#define PCI_CAP_VENDOR 0x09		/* vendor-specific (virtio's structures) */
#define PCI_CAP_MSIX   0x11

/*
 * A configuration-space mechanism. read returns the width bytes (1, 2 or 4) at offset off
 * of function bdf, zero-extended; write writes the low width bytes of v. An
 * implementation must refuse what pci_cfg_valid refuses (read: all ones of the width;
 * write: nothing happens), and read all ones where no function answers.
 */
struct pci_cfg {
	uint32_t (*read)(void *ctx, unsigned bdf, unsigned off, unsigned width);
	void (*write)(void *ctx, unsigned bdf, unsigned off, unsigned width, uint32_t v);
	void *ctx;
};

/* 1 if an access of width bytes at off of bdf is well formed: a bdf below 2^16, width 1,
 * 2 or 4, off aligned to it and the access inside the 256 bytes. */
static inline int pci_cfg_valid(unsigned bdf, unsigned off, unsigned width)
{
	return bdf <= 0xffff && (width == 1 || width == 2 || width == 4) && off % width == 0 &&
	       off < PCI_CFG_SIZE && width <= PCI_CFG_SIZE - off;
}

static inline uint32_t pci_read32(const struct pci_cfg *c, unsigned bdf, unsigned off)
{
	return c->read(c->ctx, bdf, off, 4);
}
static inline unsigned pci_read16(const struct pci_cfg *c, unsigned bdf, unsigned off)
{
	return c->read(c->ctx, bdf, off, 2) & 0xffff;
}
static inline unsigned pci_read8(const struct pci_cfg *c, unsigned bdf, unsigned off)
{
	return c->read(c->ctx, bdf, off, 1) & 0xff;
}
static inline void pci_write32(const struct pci_cfg *c, unsigned bdf, unsigned off, uint32_t v)
{
	c->write(c->ctx, bdf, off, 4, v);
}
static inline void pci_write16(const struct pci_cfg *c, unsigned bdf, unsigned off, unsigned v)
{
	c->write(c->ctx, bdf, off, 2, v & 0xffff);
}

/*
 * The I/O-port mechanism (configuration mechanism #1: address 0xcf8, data 0xcfc)
 * through the IOPORT capability in slot io, which must cover ports 0xcf8..0xcff. Fills
 * *cfg to use *ports (which must outlive it). A port access the kernel refuses reads as
 * all ones, so a capability that does not cover the ports finds no function.
 */
struct pci_ports {
	unsigned io;
};
void pci_cfg_ports(struct pci_cfg *cfg, struct pci_ports *ports, unsigned io);

/*
 * The memory-mapped mechanism (PCI Express's ECAM; where it is: ACPI's MCFG, given to
 * the first program as cairn_root.ecam). Function bdf's configuration space is the 4 KiB
 * page at physical ecam.base + (bdf << 12); the caller maps it and page(ctx, bdf) returns
 * where (a pure library: how and when to map is the caller's, e.g. lazily, a page the
 * first time it is asked for). Each access is one load or store of its width at that
 * page plus the offset. Besides what pci_cfg_valid refuses, a function on a bus outside
 * [bus_start, bus_end] (the MCFG's range) or whose page() is NULL reads all ones and
 * takes no write. page is only called for a valid access inside the range. Fills *cfg
 * to use *e (which must outlive it).
 */
typedef volatile void *(*pci_ecam_page)(void *ctx, unsigned bdf);
struct pci_ecam {
	pci_ecam_page page;
	void *ctx;
	unsigned bus_start, bus_end;
};
void pci_cfg_ecam(struct pci_cfg *cfg, struct pci_ecam *e, unsigned bus_start, unsigned bus_end,
		  pci_ecam_page page, void *ctx);

/*
 * A copy of one function's configuration space (PCI_CFG_SIZE bytes: a driver's
 * cairn_device.config) as a read-only mechanism: reads of function bdf come from the
 * copy, any other function reads as absent (all ones), writes do nothing. Fills *cfg
 * to use *copy (which, and the bytes, must outlive it).
 */
struct pci_copy {
	const uint8_t *bytes;
	unsigned bdf;
};
void pci_cfg_copy(struct pci_cfg *cfg, struct pci_copy *copy, const uint8_t *bytes, unsigned bdf);

/* ---- enumeration ------------------------------------------------------------------- */

/* One function, as its header describes it. */
struct pci_func {
	uint16_t bdf;
	uint16_t vendor, device;
	uint8_t class_code, subclass, prog_if, revision;
	uint8_t header_type;		/* as read: bit 7 the multi-function flag */
	uint8_t irq_line, irq_pin;	/* pin 0: none, 1..4: INTA..INTD */
	uint8_t secondary;		/* a bridge's secondary bus, else 0 */
};

/*
 * Reads function bdf's header into *f. Returns 0, or CAIRN_ENOENT if its vendor id is
 * 0xffff (no function there; *f is untouched).
 */
int pci_read_func(const struct pci_cfg *cfg, unsigned bdf, struct pci_func *f);

/*
 * Enumerates every function on bus 0 and on every bus reachable from it through
 * PCI-to-PCI bridges (their secondary bus numbers), each bus scanned at most once
 * whatever the bridges say, in order of discovery (bus 0 first). Stores the first max
 * records in out[] and returns how many functions there are (more than max: the rest
 * were not stored).
 */
unsigned pci_enumerate(const struct pci_cfg *cfg, struct pci_func *out, unsigned max);

/* ---- base address registers ------------------------------------------------------- */

#define PCI_BARS 6			/* a type 0 header's */

enum pci_bar_kind {
	PCI_BAR_NONE,			/* not implemented (reads back zero), or the upper half of a 64-bit BAR */
	PCI_BAR_IO,
	PCI_BAR_MEM32,
	PCI_BAR_MEM64,			/* takes this slot and the next */
	PCI_BAR_BAD,			/* malformed: a reserved memory type, a 64-bit BAR in slot 5 */
};

struct pci_bar {
	uint64_t base;			/* the address it is assigned (low flag bits cleared) */
	uint64_t size;			/* a power of two; 0 for NONE and BAD */
	uint8_t kind;			/* enum pci_bar_kind */
	uint8_t prefetchable;		/* memory BARs: bit 3 */
};

/*
 * Decodes and sizes the six BARs of type 0 function bdf into bars[0..5] (slot i is
 * bars[i]; a 64-bit BAR is described in its first slot, the second is NONE). Sizing
 * writes all ones to each BAR and reads the mask back, with the command register's I/O
 * and memory decode off throughout; the command register and every BAR are restored
 * before it returns. The size is the mask's lowest set bit, so it is a power of two
 * whatever the device answers. Returns how many BARs are implemented (kinds IO, MEM32,
 * MEM64), CAIRN_ENOENT for no function at bdf, CAIRN_ENOTSUP for a header that is not
 * type 0 (bars untouched).
 */
int pci_bars(const struct pci_cfg *cfg, unsigned bdf, struct pci_bar bars[PCI_BARS]);

/* ---- capability lists -------------------------------------------------------------- */

#define PCI_CAP_FIRST 0x40		/* capabilities lie in [0x40, 0x100) */
#define PCI_CAP_STEPS 48		/* (0x100 - 0x40) / 4: more entries means a loop */

/*
 * A walk along a function's capability list. Pointers have their low two bits ignored;
 * the walk ends at a pointer of 0, and is cut (bad set) at a pointer below 0x40 or at an
 * entry it has visited already, so it visits each dword at most once. Only an entry's
 * id and next pointer are known to lie inside the 256 bytes: a caller reading its body
 * must bound its own offsets (the mechanisms refuse accesses past 0xff).
 */
struct pci_cap_iter {
	const struct pci_cfg *cfg;
	unsigned bdf;
	unsigned next;			/* the next entry's offset, 0 at the end */
	uint64_t seen;			/* the entries visited, one bit per dword from 0x40 */
	int bad;			/* the list was cut: a loop or a pointer below 0x40 */
};

struct pci_cap {
	unsigned offset;		/* of the entry: its id is here, its next pointer at +1 */
	unsigned id;
};

/* Starts a walk of function bdf's list: empty if the function is absent, has no list
 * (status bit 4 clear) or is a CardBus bridge (header type 2). */
void pci_cap_begin(const struct pci_cfg *cfg, unsigned bdf, struct pci_cap_iter *it);

/* The next entry into *cap: 1, or 0 at the end of the list (or where it was cut). */
int pci_cap_next(struct pci_cap_iter *it, struct pci_cap *cap);

/* The offset of function bdf's first capability with this id, or 0 if it has none. */
unsigned pci_cap_find(const struct pci_cfg *cfg, unsigned bdf, unsigned id);

/* ---- INTx (intx.c) ------------------------------------------------------------------ */

/*
 * The interrupt line (docs/syscalls.md, IRQ lines 1..31) function f's INTx pin arrives
 * on, with the mode to bind it in (*mode: CAIRN_IRQ_LEVEL, | _ACTIVE_LOW), read from
 * the chipset (intx.c says which chipsets and why not ACPI). CAIRN_ENOENT: f has no
 * pin, or the firmware routed it nowhere; CAIRN_ENOTSUP: a route this does not know
 * (behind a bridge, a chipset's own slots).
 */
long pci_intx_route(const struct pci_cfg *cfg, const struct pci_func *f, unsigned *mode);

/* ---- message-signalled interrupts (msi.c) ----------------------------------------- */

/*
 * Programs function bdf's MSI capability at cap to send data to addr (32 or 64 bits, as
 * the capability takes) as its one vector, unmasked if it has per-vector masking, and
 * enables it. The caller chooses the
 * message (IRQ_BIND's for an MSI line: docs/syscalls.md). A device sends it only while
 * it may master the bus (the command register's bit 2), which this does not set.
 */
void pci_msi_enable(const struct pci_cfg *cfg, unsigned bdf, unsigned cap, uint64_t addr, uint32_t data);

/* An MSI-X capability: its table and pending-bit array, each in a BAR at an offset. */
struct pci_msix {
	unsigned size;			/* table entries, 1..2048 */
	uint8_t table_bar, pba_bar;	/* BAR indices, 0..5 */
	uint32_t table_off, pba_off;	/* byte offsets in those BARs (8-byte aligned) */
};
#define PCI_MSIX_SIZE        0x07ff	/* message control: table size - 1 */
#define PCI_MSIX_MASKALL     0x4000	/* message control: function mask */
#define PCI_MSIX_ENABLE      0x8000	/* message control: MSI-X enable */
#define PCI_MSIX_ENTRY       16		/* bytes per table entry: address lo, hi, data, control */
#define PCI_MSIX_ENTRY_MASKED 0x1	/* an entry's vector control: masked */

/* Reads the MSI-X capability at cap into *m: 0, or CAIRN_EINVAL for a BAR index above 5. */
int pci_msix_read(const struct pci_cfg *cfg, unsigned bdf, unsigned cap, struct pci_msix *m);

/* Clears the bits clear, then sets the bits set, of MSI-X message control (PCI_MSIX_*). */
void pci_msix_control(const struct pci_cfg *cfg, unsigned bdf, unsigned cap, unsigned set, unsigned clear);

#endif
