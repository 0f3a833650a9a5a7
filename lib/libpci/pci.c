/*
 * pci.c: reading a function's header and enumerating the buses reachable from bus 0
 * (cairn/pci.h). Pure: it reaches configuration space only through struct pci_cfg.
 *
 * Why follow bridges rather than probe all 256 buses: the cost is 32 probes per bus
 * that exists instead of 8,192 (each a system call or two with the port mechanism), and
 * what it finds is exactly what is reachable from the root. A bridge's secondary bus is
 * device-written, so it is only a hint: each bus is scanned at most once (a bitmap), so
 * a loop or a bus named twice costs nothing, and the scan ends after 256 buses at most.
 */
#include <cairn/pci.h>

int pci_read_func(const struct pci_cfg *cfg, unsigned bdf, struct pci_func *f)
{
	uint32_t id = pci_read32(cfg, bdf, PCI_VENDOR_ID);

	if ((id & 0xffff) == PCI_VENDOR_NONE)
		return CAIRN_ENOENT;
	uint32_t cls = pci_read32(cfg, bdf, PCI_CLASS_REV);
	uint32_t irq = pci_read32(cfg, bdf, PCI_INTERRUPT);
	unsigned hdr = pci_read8(cfg, bdf, PCI_HEADER_TYPE);

	f->bdf = (uint16_t)bdf;
	f->vendor = (uint16_t)id;
	f->device = (uint16_t)(id >> 16);
	f->revision = (uint8_t)cls;
	f->prog_if = (uint8_t)(cls >> 8);
	f->subclass = (uint8_t)(cls >> 16);
	f->class_code = (uint8_t)(cls >> 24);
	f->header_type = (uint8_t)hdr;
	f->irq_line = (uint8_t)irq;
	f->irq_pin = (uint8_t)(irq >> 8);
	f->secondary = (hdr & 0x7f) == PCI_HEADER_BRIDGE ? (uint8_t)pci_read8(cfg, bdf, PCI_SECONDARY_BUS) : 0;
	return 0;
}

/* The buses still to scan, in order of discovery, and those ever queued. */
struct bus_queue {
	uint8_t bus[256];
	unsigned head, tail;		/* tail ≤ 256: each bus is queued at most once */
	uint32_t queued[256 / 32];
};

static void queue_bus(struct bus_queue *q, unsigned bus)
{
	if (q->queued[bus / 32] & (1u << (bus % 32)))
		return;
	q->queued[bus / 32] |= 1u << (bus % 32);
	q->bus[q->tail++] = (uint8_t)bus;
}

/* Records function bdf (if present) in out[*n] while there is room, counts it, and
 * queues a bridge's secondary bus. Returns its header type, or -1 if it is absent. */
static int take_func(const struct pci_cfg *cfg, unsigned bdf, struct pci_func *out, unsigned max,
		     unsigned *n, struct bus_queue *q)
{
	struct pci_func f;

	if (pci_read_func(cfg, bdf, &f))
		return -1;
	if (*n < max)
		out[*n] = f;
	++*n;
	/* a secondary bus of 0 would be the root again: the bitmap drops it anyway */
	if ((f.header_type & 0x7f) == PCI_HEADER_BRIDGE)
		queue_bus(q, f.secondary);
	return f.header_type;
}

/* Every function of every device on one bus: function 0 first, 1..7 only if function
 * 0 says the device has them (a device without function 0 has none). */
static void scan_bus(const struct pci_cfg *cfg, unsigned bus, struct pci_func *out, unsigned max,
		     unsigned *n, struct bus_queue *q)
{
	for (unsigned dev = 0; dev < 32; dev++) {
		int hdr = take_func(cfg, PCI_BDF(bus, dev, 0), out, max, n, q);
		if (hdr < 0 || !(hdr & PCI_HEADER_MULTI))
			continue;
		for (unsigned fn = 1; fn < 8; fn++)
			take_func(cfg, PCI_BDF(bus, dev, fn), out, max, n, q);
	}
}

unsigned pci_enumerate(const struct pci_cfg *cfg, struct pci_func *out, unsigned max)
{
	struct bus_queue q = { .head = 0, .tail = 0 };
	unsigned n = 0;

	queue_bus(&q, 0);
	while (q.head < q.tail)
		scan_bus(cfg, q.bus[q.head++], out, max, &n, &q);
	return n;
}
