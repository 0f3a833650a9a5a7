/*
 * devices.c: binds the PCI devices a description names to their drivers (docs/devices.md,
 * "Binding a device"). The booter reaches PCI configuration space through ECAM where
 * its Root says ACPI's MCFG gives it for bus 0 on (q35), else through ports 0xCF8..0xCFF
 * (its CAIRN_SLOT_IOPORT: the kernel gives it every port when the description grants
 * ports or binds devices), and says once which. It maps ECAM lazily, each function's
 * page the first time it is touched, uncached, at CAIRN_DEVICE_VA + its physical address
 * in its own space, through a DEVMEM capability narrowed to the MCFG's range (a page
 * that is not device memory is refused by the kernel and reads as no function). It
 * binds each entry to the first function that matches it and no entry
 * before it took, and grants the driver, into consecutive slots of its table, a DEVMEM
 * capability narrowed to each memory BAR (DEVMEM_DERIVE from CAIRN_SLOT_DEVMEM), an
 * IOPORT capability narrowed to each I/O BAR, and an IRQ capability over its INTx line
 * if the firmware routed it to an ISA line (1..15 but 2) that no component claims with
 * `irq` (shared lines are a later step: the booter says so and grants none). It maps
 * each memory BAR into the driver, uncached and writable, at CAIRN_DEVICE_VA + its
 * physical address (cairn/layout.h): a component the booter builds holds no page-table
 * capability, so it cannot map the DEVMEM capability itself. A device no function
 * matches is reported on the console and left out: the component starts without it (its
 * I/O page's entry says found = 0). The driver gets a copy of its function's configuration
 * space (its first 256 bytes), not access to it.
 *
 * Interrupts (docs/devices.md, "Interrupts"): a device with an MSI-X capability gets its
 * first entries (at most CAIRN_DEVICE_MSI) bound to MSI lines of their own, each to a
 * send to the driver's first thread; the booter writes each entry's message (IRQ_BIND's
 * result) into the table through its own mapping, unmasks it and enables MSI-X. The pages
 * of the table and the pending-bit array are never the driver's (neither mapped nor
 * covered by its capabilities): a driver that could write the table could aim the
 * device's writes anywhere. A device with only an MSI capability gets one line. A
 * device sends its messages only while it may master the bus (below): an untrusted
 * driver's device gets its lines bound but raises none.
 *
 * Bus mastering (DMA) is the booter's to grant too: it sets the command register's
 * bus-master bit of a device that has an I/O domain or whose driver is trusted with DMA
 * on a machine without an IOMMU (dma.c decides), and clears it for every other bound
 * device, whatever the firmware left.
 */
#include "libboot.h"
#include <cairn/build.h>
#include <cairn/pci.h>

#define CT CAIRN_SLOT_CAPTBL
#define PAGE 4096UL
#define FUNCS_MAX 256		/* functions the booter looks at; more are not seen */

static struct pci_func funcs[FUNCS_MAX];
static unsigned nfuncs, enumerated;
static uint8_t taken[FUNCS_MAX];
static struct cairn_device devs[CAIRN_SD_COMPS][CAIRN_IO_DEVICES];	/* each red tape's */
static struct pci_ports ports;
static struct pci_ecam ecam;
static struct pci_cfg cfg;
static unsigned ecam_cap;		/* DEVMEM over the MCFG's range, if ECAM is used */
static uint64_t ecam_base;		/* physical: bus 0's configuration space */
static uint32_t ecam_mapped[65536 / 32];	/* function pages mapped, by bdf */
static unsigned next_msi = CAIRN_IRQ_MSI;	/* the next MSI line no device has */

/* Physical pages [first, end) of a device that the driver is not given: MSI-X's. */
struct kept {
	uint64_t first, end;
};
#define KEPT 2		/* the MSI-X table's pages, the pending-bit array's */

static int matches(const struct cairn_sd_device *d, const struct pci_func *f)
{
	if (d->at != CAIRN_SD_ANYWHERE && d->at != f->bdf)
		return 0;
	if (d->by_class)
		return f->class_code == d->class_code && f->subclass == d->subclass;
	return f->vendor == d->vendor && f->device == d->device;
}

/* Moves the capability in the booter's slot s to the component's next slot; -> that slot. */
static long hand_over(struct booter *b, struct bcomp *c, unsigned s, uint32_t *slot)
{
	long r = cairn_captbl_copy(c->ct, c->next_slot, CT, s);

	if (!r)
		r = cairn_captbl_remove(CT, s);
	if (!r) {
		cairn_slot_put(&b->a, s);
		*slot = c->next_slot++;
	}
	return r;
}

/* A fresh slot of the booter's own, or 0 with *r the error. */
static unsigned own_slot(struct booter *b, long *r)
{
	*r = boot_reserve_slots(b);
	return *r ? 0 : cairn_slot(&b->a);
}

/* Maps device pages [first, end) through the booter's DEVMEM capability in slot s
 * into the space of page table pt (the booter's slot) at CAIRN_DEVICE_VA + their
 * physical address. */
static long map_bar(struct booter *b, unsigned pt, unsigned s, uint64_t first, uint64_t end)
{
	long r = end > CAIRN_DEVICE_PHYS_MAX ? CAIRN_ERANGE : 0;
	uint64_t region = ~0UL;

	for (uint64_t p = first; !r && p < end; p += PAGE) {
		uint64_t va = CAIRN_DEVICE_VA + p;
		if ((va >> 21) != region) {
			if (!(r = boot_reserve_slots(b)))
				r = cairn_pgtbl_path(&b->a, pt, va);
			region = va >> 21;
		}
		if (!r)
			r = cairn_pgtbl_map(pt, va, s, p, CAIRN_MAP_WRITE);
	}
	return r;
}

/* 1 if page p is one of kept[]'s. */
static int is_kept(const struct kept *kept, uint64_t p)
{
	for (unsigned k = 0; k < KEPT; k++)
		if (p >= kept[k].first && p < kept[k].end)
			return 1;
	return 0;
}

/*
 * A memory BAR's pages [first, end) but the kept ones, each run of them as a DEVMEM
 * capability granted to c (consecutive slots: the first in e->slot, how many in
 * e->nslots) and mapped.
 */
static long grant_pages(struct booter *b, struct bcomp *c, uint64_t first, uint64_t end,
			const struct kept *kept, struct cairn_device_bar *e)
{
	long r = 0;

	for (uint64_t p = first, q; !r && p < end; p = q) {
		unsigned s;
		uint32_t slot;
		if (is_kept(kept, p)) {
			q = p + PAGE;
			continue;
		}
		for (q = p; q < end && !is_kept(kept, q); q += PAGE)
			;
		if (!(s = own_slot(b, &r)))
			return r ? r : CAIRN_ENOMEM;
		r = cairn_devmem_derive(CAIRN_SLOT_DEVMEM, s, p, q);
		if (!r)
			r = map_bar(b, c->pt, s, p, q);
		if (!r)
			r = hand_over(b, c, s, &slot);
		if (!r && !e->nslots++)
			e->slot = slot;
	}
	return r;
}

/* A BAR (as libpci sized it) into red-tape entry e, with its capability granted to c.
 * A memory BAR's capabilities cover the pages it lies in but the kept ones, mapped. */
static long grant_bar(struct booter *b, struct bcomp *c, const struct pci_bar *bar,
		      const struct kept *kept, struct cairn_device_bar *e)
{
	long r;
	unsigned s;

	if ((bar->kind != PCI_BAR_IO && bar->kind != PCI_BAR_MEM32 && bar->kind != PCI_BAR_MEM64) || !bar->base)
		return 0;	/* none, malformed, or not assigned by the firmware: listed NONE */
	if (bar->kind == PCI_BAR_IO) {
		if (bar->base + bar->size > CAIRN_IOPORT_END)
			return CAIRN_ERANGE;
		if (!(s = own_slot(b, &r)))
			return r ? r : CAIRN_ENOMEM;
		r = cairn_ioport_narrow(CAIRN_SLOT_IOPORT, s, (unsigned)bar->base, (unsigned)(bar->base + bar->size));
		if (!r)
			r = hand_over(b, c, s, &e->slot);
		e->nslots = 1;
	} else if (bar->size > CAIRN_DEVICE_PHYS_MAX || bar->base > CAIRN_DEVICE_PHYS_MAX - bar->size) {
		return CAIRN_ERANGE;	/* past the window it would be mapped in */
	} else {
		uint64_t first = bar->base & ~(PAGE - 1), end = (bar->base + bar->size + PAGE - 1) & ~(PAGE - 1);
		r = grant_pages(b, c, first, end, kept, e);
	}
	if (!r) {
		e->base = bar->base;
		e->size = bar->size;
		e->kind = bar->kind == PCI_BAR_IO ? CAIRN_BAR_IO : CAIRN_BAR_MEM;
		e->prefetchable = bar->prefetchable;
	}
	return r;
}

/* The component that claims interrupt line `line` with `irq`, or 0. */
static const struct cairn_sd_comp *claimed(const struct booter *b, unsigned line)
{
	for (unsigned i = 0; i < b->sd->ncomps; i++)
		for (unsigned j = 0; j < b->sd->comp[i].nirqs; j++)
			if (b->sd->comp[i].irq[j] == line)
				return &b->sd->comp[i];
	return 0;
}

/* Line `line` bound in `mode` to a send to c's first thread: IRQ_BIND's result. */
static long bind_line(struct booter *b, struct bcomp *c, unsigned line, unsigned mode)
{
	long r;
	unsigned s;

	if (!(s = own_slot(b, &r)))
		return r ? r : CAIRN_ENOMEM;
	r = cairn_captbl_act_asnd(CT, s, c->rcv);
	long bound = r ? r : cairn_irq_bind(CAIRN_SLOT_IRQ, line, s, mode);
	if (!r)
		cairn_captbl_remove(CT, s);	/* the binding references the thread, not the send */
	cairn_slot_put(&b->a, s);
	if (bound >= 0)
		b->lines_bound++;
	return bound;
}

/*
 * The line f's INTx pin arrives on (pci_intx_route: a pin 16..23 on q35, the ISA line
 * the firmware chose on pc), with its mode, as an IRQ capability over that line alone
 * (the driver acknowledges a level line with it); not if another component claims the
 * line with `irq`, or a device bound before f has it (a line binds to one thread:
 * shared lines are not granted twice). Says why. Unless an MSI line was bound for f,
 * the line is bound to c's first thread, as MSI lines are.
 */
static long grant_irq(struct booter *b, struct bcomp *c, const struct pci_func *f, struct cairn_device *e)
{
	static uint32_t granted;	/* pin lines granted to a device so far */
	const struct cairn_sd_comp *owner;
	unsigned s, mode;
	long r, line = pci_intx_route(&cfg, f, &mode);

	if (line == CAIRN_ENOENT)
		return 0;	/* no pin, or routed nowhere */
	if (line < 0 || (owner = claimed(b, (unsigned)line)) || (granted >> line & 1)) {
		cairn_printf("booter: component '%s': PCI %02x:%02x.%x's INTx ", c->sd->name,
			     PCI_BUS(f->bdf), PCI_DEV(f->bdf), PCI_FN(f->bdf));
		if (line < 0)
			cairn_printf("pin %u arrives where Cairn cannot tell: not granted\n", f->irq_pin);
		else if (owner)
			cairn_printf("line %ld is claimed by '%s': not granted\n", line, owner->name);
		else
			cairn_printf("line %ld is granted to a device already: not granted\n", line);
		return 0;
	}
	if (!(s = own_slot(b, &r)))
		return r ? r : CAIRN_ENOMEM;
	r = cairn_irq_narrow(CAIRN_SLOT_IRQ, s, 1ull << line);
	if (!r)
		r = hand_over(b, c, s, &e->irq_slot);
	if (!r) {
		e->irq_line = (uint8_t)line;
		e->irq_mode = (uint8_t)mode;
		granted |= 1u << line;
	}
	if (!r && !e->nmsi)
		r = bind_line(b, c, (unsigned)line, mode);	/* its only interrupt */
	return r;
}

/*
 * The pages of f's MSI-X table and pending-bit array into kept[], its capability at cap
 * into *m: 1; or 0, reported, if the capability is malformed (a BAR index past the
 * BARs, not a memory BAR the firmware assigned, a table or array past its BAR's end).
 */
static int msix_pages(const struct bcomp *c, const struct pci_func *f, const struct pci_bar *bars,
		      unsigned cap, struct pci_msix *m, struct kept *kept)
{
	int ok = pci_msix_read(&cfg, f->bdf, cap, m) == 0;

	for (unsigned k = 0; ok && k < KEPT; k++) {
		const struct pci_bar *bar = &bars[k ? m->pba_bar : m->table_bar];
		uint64_t off = k ? m->pba_off : m->table_off;
		uint64_t len = k ? (m->size + 63) / 64 * 8 : (uint64_t)m->size * PCI_MSIX_ENTRY;
		ok = (bar->kind == PCI_BAR_MEM32 || bar->kind == PCI_BAR_MEM64) && bar->base &&
		     off <= bar->size && len <= bar->size - off;
		kept[k] = (struct kept){ (bar->base + off) & ~(PAGE - 1), (bar->base + off + len + PAGE - 1) & ~(PAGE - 1) };
	}
	if (!ok) {
		cairn_printf("booter: component '%s': PCI %02x:%02x.%x's MSI-X capability is malformed: not used\n",
			     c->sd->name, PCI_BUS(f->bdf), PCI_DEV(f->bdf), PCI_FN(f->bdf));
		kept[0] = kept[1] = (struct kept){ 0, 0 };
	}
	return ok;
}

/*
 * The next MSI line, bound to a send to c's first thread and listed in e: its message
 * (IRQ_BIND's result), or an error (CAIRN_ENOBUFS: every MSI line is taken).
 */
static long bind_msi(struct booter *b, struct bcomp *c, struct cairn_device *e)
{
	if (next_msi >= CAIRN_IRQ_LINES)
		return CAIRN_ENOBUFS;
	long msg = bind_line(b, c, next_msi, 0);
	if (msg > 0)
		e->msi_line[e->nmsi++] = (uint8_t)next_msi++;
	return msg;
}

/*
 * MSI-X: the first entries (CAIRN_DEVICE_MSI at most) bound, written through the
 * booter's own mapping of their table page(s) while the function is masked, unmasked,
 * then the function unmasked. The other entries stay masked, as a reset leaves them.
 */
static long grant_msix(struct booter *b, struct bcomp *c, const struct pci_func *f, unsigned cap,
		       const struct pci_msix *m, const struct pci_bar *bars, struct cairn_device *e)
{
	unsigned n = m->size < CAIRN_DEVICE_MSI ? m->size : CAIRN_DEVICE_MSI;
	uint64_t table = bars[m->table_bar].base + m->table_off;
	long r = map_bar(b, CAIRN_SLOT_PGTBL, CAIRN_SLOT_DEVMEM, table & ~(PAGE - 1),
			 (table + n * PCI_MSIX_ENTRY + PAGE - 1) & ~(PAGE - 1));
	volatile uint32_t *entry = (volatile uint32_t *)(CAIRN_DEVICE_VA + table);

	if (!r)
		pci_msix_control(&cfg, f->bdf, cap, PCI_MSIX_ENABLE | PCI_MSIX_MASKALL, 0);
	for (unsigned k = 0; !r && k < n; k++, entry += PCI_MSIX_ENTRY / 4) {
		long msg = bind_msi(b, c, e);
		if (msg < 0) {
			r = msg;
			break;
		}
		entry[0] = CAIRN_MSI_ADDR(msg);
		entry[1] = 0;
		entry[2] = CAIRN_MSI_DATA(msg);
		entry[3] = 0;	/* vector control: unmasked */
	}
	if (e->nmsi) {		/* the entries bound work, whatever stopped the rest */
		pci_msix_control(&cfg, f->bdf, cap, 0, PCI_MSIX_MASKALL);
		e->msi_kind = CAIRN_MSI_KIND_MSIX;
	} else {
		pci_msix_control(&cfg, f->bdf, cap, 0, PCI_MSIX_ENABLE | PCI_MSIX_MASKALL);
	}
	return r;
}

/* MSI: the capability's one vector bound and enabled. */
static long grant_msi(struct booter *b, struct bcomp *c, const struct pci_func *f, unsigned cap,
		      struct cairn_device *e)
{
	long msg = bind_msi(b, c, e);

	if (msg < 0)
		return msg;
	pci_msi_enable(&cfg, f->bdf, cap, CAIRN_MSI_ADDR(msg), CAIRN_MSI_DATA(msg));
	e->msi_kind = CAIRN_MSI_KIND_MSI;
	return 0;
}

/* f may master the bus if its DMA is confined or trusted (dma.c), else not (a 16-bit
 * write: the status register's write-one-to-clear bits are never written). Says so. */
static long bus_master(struct booter *b, struct bcomp *c, const struct pci_func *f)
{
	int master;
	long r = boot_dma(b, (unsigned)(c - b->c), f->bdf, &master);
	unsigned cmd = pci_read16(&cfg, f->bdf, PCI_COMMAND);
	unsigned want = master ? cmd | PCI_COMMAND_MASTER : cmd & ~PCI_COMMAND_MASTER;

	if (want != cmd)
		pci_write16(&cfg, f->bdf, PCI_COMMAND, want);
	if (master)
		cairn_printf("booter: component '%s': PCI %02x:%02x.%x may master the bus (%s): %s\n",
			     c->sd->name, PCI_BUS(f->bdf), PCI_DEV(f->bdf), PCI_FN(f->bdf),
			     !boot_has_iommu() ? "dma = \"trusted\"" :
			     c->sd->dma ? "its I/O domain" : "no I/O domain: DMA blocked",
			     pci_read16(&cfg, f->bdf, PCI_COMMAND) & PCI_COMMAND_MASTER ? "on" : "the device refused");
	return r;
}

static long bind(struct booter *b, struct bcomp *c, const struct cairn_sd_device *d, const struct pci_func *f,
		 struct cairn_device *e)
{
	struct pci_bar bars[PCI_BARS];
	struct pci_msix m;
	struct kept kept[KEPT] = { { 0, 0 }, { 0, 0 } };
	long r = pci_bars(&cfg, f->bdf, bars);	/* how many it has, or an error */

	if (r < 0)
		return r;
	r = 0;

	*e = (struct cairn_device){ .bus = PCI_BUS(f->bdf), .dev = PCI_DEV(f->bdf), .fn = PCI_FN(f->bdf),
				    .found = 1, .vendor = f->vendor, .device = f->device,
				    .class_code = f->class_code, .subclass = f->subclass };
	for (unsigned off = 0; off < CAIRN_DEVICE_CONFIG; off += 4) {
		uint32_t v = pci_read32(&cfg, f->bdf, off);
		memcpy(&e->config[off], &v, 4);
	}
	unsigned msix = pci_cap_find(&cfg, f->bdf, PCI_CAP_MSIX), msi = pci_cap_find(&cfg, f->bdf, PCI_CAP_MSI);
	if (msix && !msix_pages(c, f, bars, msix, &m, kept))
		msix = 0;
	if (d->no_msi)
		msix = msi = 0;	/* INTx only (its table's pages stay kept) */
	for (unsigned j = 0; !r && j < PCI_BARS; j++)
		r = grant_bar(b, c, &bars[j], kept, &e->bar[j]);
	if (!r && msix)
		r = grant_msix(b, c, f, msix, &m, bars, e);
	else if (!r && msi)
		r = grant_msi(b, c, f, msi, e);
	if (r == CAIRN_ENOBUFS) {
		cairn_printf("booter: component '%s': no MSI line left for PCI %02x:%02x.%x: %u bound\n",
			     c->sd->name, PCI_BUS(f->bdf), PCI_DEV(f->bdf), PCI_FN(f->bdf), e->nmsi);
		r = 0;
	}
	if (!r)
		r = grant_irq(b, c, f, e);
	if (!r)
		r = bus_master(b, c, f);
	return r;
}

/* pci_cfg_ecam's page(): function bdf's page, mapped the first time; NULL if it cannot be. */
static volatile void *ecam_page(void *ctx, unsigned bdf)
{
	struct booter *b = ctx;
	uint64_t pa = ecam_base + ((uint64_t)bdf << 12), va = CAIRN_DEVICE_VA + pa;

	if (!(ecam_mapped[bdf / 32] & (1u << (bdf % 32)))) {
		if (b->own_cache != CAIRN_MAP_REGION(va) && cairn_map_region(&b->a, CAIRN_SLOT_PGTBL, &b->own_cache, va))
			return NULL;
		if (cairn_pgtbl_map(CAIRN_SLOT_PGTBL, va, ecam_cap, pa, CAIRN_MAP_WRITE))
			return NULL;
		ecam_mapped[bdf / 32] |= 1u << (bdf % 32);
	}
	return (volatile void *)va;
}

/*
 * ECAM over buses 0 .. e->bus_end if the Root gives it (bus 0 must be in its range, the
 * range within the device window) and function 00:00.0's page maps: 0, or why not.
 */
static long use_ecam(struct booter *b, const struct cairn_ecam *e)
{
	uint64_t end = e->base + (((uint64_t)e->bus_end + 1) << 20);

	if (!e->base)
		return CAIRN_ENOENT;
	if (e->bus_start || e->base & ((1UL << 20) - 1) ||
	    end < e->base || end > CAIRN_DEVICE_PHYS_MAX)
		return CAIRN_ERANGE;
	long r = boot_reserve_slots(b);
	if (!r && !(ecam_cap = cairn_slot(&b->a)))
		r = CAIRN_ENOMEM;
	if (!r)
		r = cairn_devmem_derive(CAIRN_SLOT_DEVMEM, ecam_cap, e->base, end);
	ecam_base = e->base;
	if (!r && !ecam_page(b, 0))
		r = CAIRN_EFAULT;
	if (!r)
		pci_cfg_ecam(&cfg, &ecam, 0, e->bus_end, ecam_page, b);
	return r;
}

/* The mechanism, chosen once and said on the console: ECAM if it can be, else ports. */
static void choose_cfg(struct booter *b)
{
	const struct cairn_ecam *e = &b->rt->ecam;
	long r = use_ecam(b, e);

	if (!r) {
		cairn_printf("booter: PCI configuration through ECAM at %#lx (buses 0..%u)\n",
			     (unsigned long)e->base, e->bus_end);
		return;
	}
	pci_cfg_ports(&cfg, &ports, CAIRN_SLOT_IOPORT);
	if (r == CAIRN_ENOENT)
		cairn_printf("booter: PCI configuration through ports 0xcf8..0xcff (no MCFG)\n");
	else
		cairn_printf("booter: PCI configuration through ports 0xcf8..0xcff (ECAM at %#lx, buses %u..%u, "
			     "not usable: error %ld)\n", (unsigned long)e->base, e->bus_start, e->bus_end, r);
}

/* Component i's devices: each bound and granted, or reported missing. */
long boot_devices(struct booter *b, unsigned i)
{
	struct bcomp *c = &b->c[i];
	long r = c->sd->ndevices > CAIRN_IO_DEVICES ? CAIRN_ERANGE : 0;	/* the red tape lists all */

	if (!r && c->sd->ndevices && !enumerated) {
		choose_cfg(b);
		nfuncs = pci_enumerate(&cfg, funcs, FUNCS_MAX);
		nfuncs = nfuncs < FUNCS_MAX ? nfuncs : FUNCS_MAX;
		enumerated = 1;
	}
	for (unsigned j = 0; !r && j < c->sd->ndevices; j++) {
		const struct cairn_sd_device *d = &c->sd->device[j];
		unsigned k = 0;
		while (k < nfuncs && (taken[k] || !matches(d, &funcs[k])))
			k++;
		if (k == nfuncs) {
			cairn_printf("booter: component '%s': no PCI device %s: it starts without it\n",
				     c->sd->name, d->match);
			continue;
		}
		taken[k] = 1;
		r = bind(b, c, d, &funcs[k], &devs[i][j]);
	}
	if (r)
		cairn_printf("booter: granting PCI devices to '%s' failed (error %ld)\n", c->sd->name, r);
	return r;
}

/* Component i's devices as its I/O page lists them, in the description's order. */
void boot_red_devices(const struct booter *b, unsigned i, struct cairn_io *io)
{
	for (unsigned j = 0; j < b->c[i].sd->ndevices && j < CAIRN_IO_DEVICES; j++)
		io->device[io->ndevices++] = devs[i][j];
}
