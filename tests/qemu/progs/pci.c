/*
 * pci: libpci (cairn/pci.h) on QEMU's machine, through the I/O-port mechanism. Boot it
 * as the first module with "ioport" on its line, under QEMU with a virtio-net-pci and a
 * virtio-rng-pci device, anywhere reachable from bus 0 (tests.toml's qemu_args put the
 * rng behind a bridge); "q35" in its arguments says the
 * machine is q35 rather than pc (another host and ISA bridge). It lists every function
 * it finds, one line each, then checks: the host bridge at 00:00.0 and the ISA bridge;
 * both virtio devices; each one's BARs (a memory BAR of a non-zero power-of-two size,
 * BAR4 64-bit prefetchable, the command register and every BAR unchanged after
 * sizing); each one's capability list (MSI-X, at least four virtio structures); every
 * function's list ends cleanly; and malformed accesses read all ones. Then the Root's
 * ECAM (ACPI's MCFG, cairn_root.ecam): none on pc; on q35 at 0xb0000000 for buses
 * 0..255, where the ECAM mechanism (pci_cfg_ecam, each function's page mapped the first
 * time it is touched through CAIRN_SLOT_DEVMEM) enumerates exactly what the ports do
 * and reads the same ids, header types, classes and BARs function by function, refuses
 * the same malformed accesses, and a write through one is read back through the other.
 */
#include <cairn/build.h>
#include <cairn/cairn.h>
#include <cairn/pci.h>
#include <cairn/root.h>

#define MAX_FUNCS 64
#define VIRTIO_VENDOR 0x1af4

static struct pci_cfg cfg;
static struct pci_ports ports;
static struct pci_func funcs[MAX_FUNCS];
static unsigned nfuncs;

#define Q35_ECAM 0xb0000000UL		/* where QEMU's q35 puts it (its MCFG says so) */
static struct cairn_alloc A = { .mem = CAIRN_SLOT_MEMORY, .ct = CAIRN_SLOT_CAPTBL, .cursor = 32UL << 20,
				.end = 0, .next_slot = CAIRN_SLOT_FREE, .last_slot = 128 };
static struct pci_cfg ecfg;
static struct pci_ecam ecam;
static uint64_t ecam_base, ecam_cache;
static uint32_t ecam_mapped[65536 / 32];	/* function pages mapped, by bdf */
static unsigned ecam_maps;			/* how many */

/* The first function with this vendor and one of two device ids, or NULL. */
static const struct pci_func *find(unsigned vendor, unsigned dev_a, unsigned dev_b)
{
	for (unsigned i = 0; i < nfuncs && i < MAX_FUNCS; i++)
		if (funcs[i].vendor == vendor && (funcs[i].device == dev_a || funcs[i].device == dev_b))
			return &funcs[i];
	return NULL;
}

static void list_funcs(void)
{
	for (unsigned i = 0; i < nfuncs && i < MAX_FUNCS; i++) {
		const struct pci_func *f = &funcs[i];
		cairn_printf("pci: %02x:%02x.%u %04x:%04x class %02x.%02x.%02x rev %02x header %02x irq %u pin %u\n",
			     PCI_BUS(f->bdf), PCI_DEV(f->bdf), PCI_FN(f->bdf), f->vendor, f->device,
			     f->class_code, f->subclass, f->prog_if, f->revision, f->header_type,
			     f->irq_line, f->irq_pin);
	}
}

static void check_bridges(int q35)
{
	unsigned host = q35 ? 0x29c0 : 0x1237, isa = q35 ? 0x2918 : 0x7000;
	const struct pci_func *h = nfuncs ? &funcs[0] : NULL;
	const struct pci_func *i = find(0x8086, isa, isa);

	cairn_check("pci.1", "host_bridge_at_00.00.0", h && h->bdf == 0 && h->vendor == 0x8086 &&
		    h->device == host && h->class_code == 0x06 && h->subclass == 0x00,
		    "%u functions; first %04x:%04x at %#x", nfuncs, h ? h->vendor : 0, h ? h->device : 0,
		    h ? h->bdf : 0);
	cairn_check("pci.2", "isa_bridge", i && i->class_code == 0x06 && i->subclass == 0x01,
		    "8086:%04x %s", isa, i ? "has the wrong class" : "not found");
}

/* The BAR registers and the command register of bdf, to compare around sizing. */
struct regs {
	uint32_t bar[PCI_BARS];
	unsigned cmd;
};

static void save_regs(unsigned bdf, struct regs *r)
{
	for (unsigned i = 0; i < PCI_BARS; i++)
		r->bar[i] = pci_read32(&cfg, bdf, PCI_BAR0 + 4 * i);
	r->cmd = pci_read16(&cfg, bdf, PCI_COMMAND);
}

/* 1 if f's BARs size as a modern virtio device's should, and sizing changed nothing. */
static int virtio_bars_ok(const struct pci_func *f)
{
	struct regs before, after;
	struct pci_bar b[PCI_BARS];
	int mem_ok = 0;

	save_regs(f->bdf, &before);
	int n = pci_bars(&cfg, f->bdf, b);
	save_regs(f->bdf, &after);
	for (unsigned i = 0; i < PCI_BARS; i++) {
		if (b[i].kind == PCI_BAR_NONE)
			continue;
		cairn_printf("pci: %02x:%02x.%u BAR%u %s%s base %#lx size %#lx\n", PCI_BUS(f->bdf),
			     PCI_DEV(f->bdf), PCI_FN(f->bdf), i,
			     b[i].kind == PCI_BAR_IO ? "io" : b[i].kind == PCI_BAR_MEM32 ? "mem32" :
			     b[i].kind == PCI_BAR_MEM64 ? "mem64" : "bad", b[i].prefetchable ? " prefetchable" : "",
			     (unsigned long)b[i].base, (unsigned long)b[i].size);
		if (b[i].kind == PCI_BAR_MEM32 || b[i].kind == PCI_BAR_MEM64)
			mem_ok |= b[i].size && !(b[i].size & (b[i].size - 1));
	}
	return n > 0 && mem_ok && b[4].kind == PCI_BAR_MEM64 && b[4].prefetchable &&
	       !memcmp(&before, &after, sizeof(before));
}

/* 1 if f's capability list ends cleanly and holds MSI-X and ≥ 4 vendor-specific ones. */
static int virtio_caps_ok(const struct pci_func *f)
{
	struct pci_cap_iter it;
	struct pci_cap c;
	unsigned vendor = 0, msix = 0;

	pci_cap_begin(&cfg, f->bdf, &it);
	while (pci_cap_next(&it, &c)) {
		vendor += c.id == PCI_CAP_VENDOR;
		msix += c.id == PCI_CAP_MSIX;
	}
	cairn_printf("pci: %02x:%02x.%u capabilities: MSI-X %u, vendor-specific %u, first MSI-X at %#x%s\n",
		     PCI_BUS(f->bdf), PCI_DEV(f->bdf), PCI_FN(f->bdf), msix, vendor,
		     pci_cap_find(&cfg, f->bdf, PCI_CAP_MSIX), it.bad ? " (cut)" : "");
	return !it.bad && msix == 1 && vendor >= 4 && pci_cap_find(&cfg, f->bdf, PCI_CAP_MSIX) >= PCI_CAP_FIRST;
}

static void check_virtio(void)
{
	const struct pci_func *net = find(VIRTIO_VENDOR, 0x1000, 0x1041);
	const struct pci_func *rng = find(VIRTIO_VENDOR, 0x1005, 0x1044);

	cairn_check("pci.3", "virtio_net_and_rng", net && rng && net->class_code == 0x02,
		    "net %s, rng %s", net ? "found" : "missing", rng ? "found" : "missing");
	int bars = net && rng && virtio_bars_ok(net) && virtio_bars_ok(rng);
	cairn_check("pci.4", "virtio_bars_sized_and_restored", bars,
		    "a virtio device without a power-of-two memory BAR, a 64-bit prefetchable BAR4, "
		    "or with registers changed by sizing");
	int caps = net && rng && virtio_caps_ok(net) && virtio_caps_ok(rng);
	cairn_check("pci.5", "virtio_capabilities", caps, "MSI-X or the virtio structures missing");
}

/* Every function's capability list ends cleanly; malformed accesses read all ones. */
static void check_walks_and_refusals(void)
{
	unsigned cut = 0;

	for (unsigned i = 0; i < nfuncs && i < MAX_FUNCS; i++) {
		struct pci_cap_iter it;
		struct pci_cap c;
		pci_cap_begin(&cfg, funcs[i].bdf, &it);
		while (pci_cap_next(&it, &c))
			;
		cut += it.bad;
	}
	uint32_t past = cfg.read(cfg.ctx, 0, 0xfe, 4), odd = cfg.read(cfg.ctx, 0, 0x01, 2);
	uint32_t bdf = cfg.read(cfg.ctx, 0x10000, 0, 4), absent = pci_read32(&cfg, PCI_BDF(0, 31, 7), 0);
	cairn_check("pci.6", "walks_end_and_bad_accesses_refused", nfuncs <= MAX_FUNCS && !cut &&
		    past == 0xffffffffu && odd == 0xffff && bdf == 0xffffffffu && absent == 0xffffffffu,
		    "%u functions, %u lists cut, reads %#x %#x %#x %#x", nfuncs, cut, past, odd, bdf, absent);
}

/* pci_cfg_ecam's page(): bdf's page at CAIRN_DEVICE_VA + its physical address, mapped
 * through CAIRN_SLOT_DEVMEM the first time; NULL if it cannot be. */
static volatile void *ecam_page(void *ctx, unsigned bdf)
{
	uint64_t pa = ecam_base + ((uint64_t)bdf << 12), va = CAIRN_DEVICE_VA + pa;

	(void)ctx;
	if (!(ecam_mapped[bdf / 32] & (1u << (bdf % 32)))) {
		if (ecam_cache != CAIRN_MAP_REGION(va) && cairn_map_region(&A, CAIRN_SLOT_PGTBL, &ecam_cache, va))
			return NULL;
		if (cairn_pgtbl_map(CAIRN_SLOT_PGTBL, va, CAIRN_SLOT_DEVMEM, pa, CAIRN_MAP_WRITE))
			return NULL;
		ecam_mapped[bdf / 32] |= 1u << (bdf % 32);
		ecam_maps++;
	}
	return (volatile void *)va;
}

/* 1 if function bdf reads the same through both mechanisms: its header's dwords (ids,
 * command and status aside, class, header type, BARs, interrupt), and bytes and words. */
static int same_function(unsigned bdf)
{
	static const unsigned off[] = { 0x00, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x1c, 0x20, 0x24, 0x2c, 0x34, 0x3c };
	int same = 1;

	for (unsigned i = 0; i < sizeof(off) / sizeof(off[0]); i++)
		same &= pci_read32(&cfg, bdf, off[i]) == pci_read32(&ecfg, bdf, off[i]);
	same &= pci_read8(&cfg, bdf, PCI_HEADER_TYPE) == pci_read8(&ecfg, bdf, PCI_HEADER_TYPE);
	same &= pci_read16(&cfg, bdf, 2) == pci_read16(&ecfg, bdf, 2);
	if (!same)
		cairn_printf("pci: %02x:%02x.%u reads differently through ECAM\n", PCI_BUS(bdf), PCI_DEV(bdf), PCI_FN(bdf));
	return same;
}

/* On q35, the ECAM mechanism against the ports, function by function. */
static void check_ecam_q35(const struct cairn_ecam *e)
{
	static struct pci_func efuncs[MAX_FUNCS];

	cairn_printf("pci: ECAM at %#lx, buses %u..%u\n", (unsigned long)e->base, e->bus_start, e->bus_end);
	cairn_check("pci.8", "ecam_from_mcfg", e->base == Q35_ECAM && e->bus_start == 0 && e->bus_end == 255,
		    "the Root says ECAM at %#lx, buses %u..%u", (unsigned long)e->base, e->bus_start, e->bus_end);
	ecam_base = e->base;
	pci_cfg_ecam(&ecfg, &ecam, e->bus_start, e->bus_end, ecam_page, NULL);
	unsigned n = pci_enumerate(&ecfg, efuncs, MAX_FUNCS), same = n == nfuncs;
	for (unsigned i = 0; same && i < n && i < MAX_FUNCS; i++)
		same = !memcmp(&efuncs[i], &funcs[i], sizeof(funcs[i])) && same_function(funcs[i].bdf);
	cairn_check("pci.9", "ecam_agrees_with_ports", same && n > 0 && ecam_maps > 0,
		    "ECAM finds %u functions, the ports %u (%u pages mapped)", n, nfuncs, ecam_maps);

	uint32_t past = ecfg.read(ecfg.ctx, 0, 0xfe, 4), odd = ecfg.read(ecfg.ctx, 0, 0x01, 2);
	uint32_t bdf = ecfg.read(ecfg.ctx, 0x10000, 0, 4), absent = pci_read32(&ecfg, PCI_BDF(0, 31, 7), 0);
	/* the interrupt line register is the software's scratch byte: written through one, read through the other */
	unsigned f = nfuncs > 1 ? funcs[nfuncs - 1].bdf : 0, line = pci_read8(&cfg, f, PCI_INTERRUPT);
	ecfg.write(ecfg.ctx, f, PCI_INTERRUPT, 1, 0xa5);
	unsigned via_ports = pci_read8(&cfg, f, PCI_INTERRUPT);
	cfg.write(cfg.ctx, f, PCI_INTERRUPT, 1, 0x5a);
	unsigned via_ecam = pci_read8(&ecfg, f, PCI_INTERRUPT);
	ecfg.write(ecfg.ctx, f, PCI_INTERRUPT, 1, line);
	cairn_check("pci.10", "ecam_refuses_and_writes", past == 0xffffffffu && odd == 0xffff && bdf == 0xffffffffu &&
		    absent == 0xffffffffu && via_ports == 0xa5 && via_ecam == 0x5a && pci_read8(&cfg, f, PCI_INTERRUPT) == line,
		    "reads %#x %#x %#x %#x; wrote 0xa5 through ECAM, the ports read %#x; 0x5a through the ports, "
		    "ECAM reads %#x", past, odd, bdf, absent, via_ports, via_ecam);
}

int main(const void *root)
{
	const struct cairn_root *r = root;

	pci_cfg_ports(&cfg, &ports, CAIRN_SLOT_IOPORT);
	nfuncs = pci_enumerate(&cfg, funcs, MAX_FUNCS);
	list_funcs();
	check_bridges(cairn_arg_flag(r, "q35"));
	check_virtio();
	check_walks_and_refusals();
	A.end = r->mem_end;
	if (cairn_arg_flag(r, "q35"))
		check_ecam_q35(&r->ecam);
	else
		cairn_check("pci.7", "no_ecam_on_pc", !r->ecam.base && !r->ecam.bus_start && !r->ecam.bus_end,
			    "the Root says ECAM at %#lx, buses %u..%u", (unsigned long)r->ecam.base,
			    r->ecam.bus_start, r->ecam.bus_end);
	return 0;
}
