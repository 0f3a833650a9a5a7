/*
 * devices.c: binds the PCI devices a description names to their drivers (docs/devices.md,
 * "Binding a device"). The booter enumerates PCI through ports 0xCF8..0xCFF (its
 * CAIRN_SLOT_IOPORT: the kernel gives it every port when the description grants ports or
 * binds devices), binds each entry to the first function that matches it and no entry
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
 * Bus mastering (DMA) is the booter's to grant too: it sets the command register's
 * bus-master bit of a device whose driver is dma = "trusted" and clears it for every
 * other bound device, whatever the firmware left, since without an IOMMU nothing else
 * stops a device's DMA. (IOMMU hook: a device with an I/O domain may master the bus
 * whatever its driver's trust; the IOMMU step sets it there.)
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
static struct pci_cfg cfg;

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
 * into c at CAIRN_DEVICE_VA + their physical address. */
static long map_bar(struct booter *b, struct bcomp *c, unsigned s, uint64_t first, uint64_t end)
{
	long r = end > CAIRN_DEVICE_PHYS_MAX ? CAIRN_ERANGE : 0;
	uint64_t region = ~0UL;

	for (uint64_t p = first; !r && p < end; p += PAGE) {
		uint64_t va = CAIRN_DEVICE_VA + p;
		if ((va >> 21) != region) {
			if (!(r = boot_reserve_slots(b)))
				r = cairn_pgtbl_path(&b->a, c->pt, va);
			region = va >> 21;
		}
		if (!r)
			r = cairn_pgtbl_map(c->pt, va, s, p, CAIRN_MAP_WRITE);
	}
	return r;
}

/* A BAR (as libpci sized it) into red-tape entry e, with its capability granted to c.
 * A memory BAR's capability covers the pages it lies in, mapped (map_bar). */
static long grant_bar(struct booter *b, struct bcomp *c, const struct pci_bar *bar,
		      struct cairn_device_bar *e)
{
	long r;
	unsigned s;

	if ((bar->kind != PCI_BAR_IO && bar->kind != PCI_BAR_MEM32 && bar->kind != PCI_BAR_MEM64) || !bar->base)
		return 0;	/* none, malformed, or not assigned by the firmware: listed NONE */
	if (!(s = own_slot(b, &r)))
		return r ? r : CAIRN_ENOMEM;
	if (bar->kind == PCI_BAR_IO) {
		if (bar->base + bar->size > CAIRN_IOPORT_END)
			return CAIRN_ERANGE;
		r = cairn_ioport_narrow(CAIRN_SLOT_IOPORT, s, (unsigned)bar->base, (unsigned)(bar->base + bar->size));
	} else if (bar->size > CAIRN_DEVICE_PHYS_MAX || bar->base > CAIRN_DEVICE_PHYS_MAX - bar->size) {
		return CAIRN_ERANGE;	/* past the window it would be mapped in */
	} else {
		uint64_t first = bar->base & ~(PAGE - 1), end = (bar->base + bar->size + PAGE - 1) & ~(PAGE - 1);
		r = cairn_devmem_derive(CAIRN_SLOT_DEVMEM, s, first, end);
		if (!r)
			r = map_bar(b, c, s, first, end);
	}
	if (!r)
		r = hand_over(b, c, s, &e->slot);
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

/* The INTx line of f, if the firmware routed it to an ISA line that no component claims
 * with `irq`, as an IRQ capability. */
static long grant_irq(struct booter *b, struct bcomp *c, const struct pci_func *f, struct cairn_device *e)
{
	const struct cairn_sd_comp *owner;
	long r;
	unsigned s;

	if (!f->irq_pin || f->irq_line < 1 || f->irq_line >= CAIRN_IRQ_LINES || f->irq_line == 2)
		return 0;
	if ((owner = claimed(b, f->irq_line))) {
		cairn_printf("booter: component '%s': PCI %02x:%02x.%x's line %u is claimed by '%s': not granted\n",
			     c->sd->name, PCI_BUS(f->bdf), PCI_DEV(f->bdf), PCI_FN(f->bdf), f->irq_line, owner->name);
		return 0;
	}
	if (!(s = own_slot(b, &r)))
		return r ? r : CAIRN_ENOMEM;
	r = cairn_irq_narrow(CAIRN_SLOT_IRQ, s, 1u << f->irq_line);
	if (!r)
		r = hand_over(b, c, s, &e->irq_slot);
	if (!r)
		e->irq_line = f->irq_line;
	return r;
}

/* f may master the bus if c is dma = "trusted", else not (a 16-bit write: the status
 * register's write-one-to-clear bits are never written). Says so for a trusted one. */
static void bus_master(struct bcomp *c, const struct pci_func *f)
{
	unsigned cmd = pci_read16(&cfg, f->bdf, PCI_COMMAND);
	unsigned want = c->sd->dma_trusted ? cmd | PCI_COMMAND_MASTER : cmd & ~PCI_COMMAND_MASTER;

	if (want != cmd)
		pci_write16(&cfg, f->bdf, PCI_COMMAND, want);
	if (c->sd->dma_trusted)
		cairn_printf("booter: component '%s': PCI %02x:%02x.%x may master the bus (dma = \"trusted\"): %s\n",
			     c->sd->name, PCI_BUS(f->bdf), PCI_DEV(f->bdf), PCI_FN(f->bdf),
			     pci_read16(&cfg, f->bdf, PCI_COMMAND) & PCI_COMMAND_MASTER ? "on" : "the device refused");
}

static long bind(struct booter *b, struct bcomp *c, const struct pci_func *f, struct cairn_device *e)
{
	struct pci_bar bars[PCI_BARS];
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
	for (unsigned j = 0; !r && j < PCI_BARS; j++)
		r = grant_bar(b, c, &bars[j], &e->bar[j]);
	if (!r)
		r = grant_irq(b, c, f, e);
	if (!r)
		bus_master(c, f);
	return r;
}

/* Component i's devices: each bound and granted, or reported missing. */
long boot_devices(struct booter *b, unsigned i)
{
	struct bcomp *c = &b->c[i];
	long r = c->sd->ndevices > CAIRN_IO_DEVICES ? CAIRN_ERANGE : 0;	/* the red tape lists all */

	if (!r && c->sd->ndevices && !enumerated) {
		pci_cfg_ports(&cfg, &ports, CAIRN_SLOT_IOPORT);
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
		r = bind(b, c, &funcs[k], &devs[i][j]);
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
