/*
 * bar.c: decoding and sizing a type 0 function's base address registers (cairn/pci.h).
 * Pure: it reaches configuration space only through struct pci_cfg.
 *
 * Sizing follows the PCI spec: with the command register's I/O and memory decode off
 * (so the device answers no address while a BAR holds all ones), write all ones, read
 * back the mask of writable address bits, write the original back; then restore the
 * command register. The size is the mask's lowest set bit, which is a power of two
 * even when a hostile device answers a mask with holes.
 */
#include <cairn/pci.h>

#define BAR_IO        0x1		/* bit 0: an I/O BAR */
#define BAR_MEM_TYPE  0x6		/* bits 2:1 of a memory BAR */
#define BAR_MEM_64    0x4		/* type 2: 64 bits, two slots */
#define BAR_MEM_RSVD  0x6		/* type 3: reserved */
#define BAR_PREFETCH  0x8
#define BAR_IO_ADDR   0xfffffffcu
#define BAR_MEM_ADDR  0xfffffff0u

static unsigned bar_reg(unsigned i)
{
	return PCI_BAR0 + 4 * i;
}

/* Writes all ones to the BAR at reg, returns what reads back, and writes old back. */
static uint32_t probe(const struct pci_cfg *cfg, unsigned bdf, unsigned reg, uint32_t old)
{
	pci_write32(cfg, bdf, reg, 0xffffffffu);
	uint32_t mask = pci_read32(cfg, bdf, reg);
	pci_write32(cfg, bdf, reg, old);
	return mask;
}

/* The lowest set bit of mask (0 if none): the size a mask of address bits gives. */
static uint64_t lowest_bit(uint64_t mask)
{
	return mask & (~mask + 1);
}

/* An I/O BAR whose original value is old. A decoder of 16 bits may read its upper half
 * as zero, so only the bits the mask has set count. */
static void size_io(const struct pci_cfg *cfg, unsigned bdf, unsigned i, uint32_t old, struct pci_bar *b)
{
	uint32_t mask = probe(cfg, bdf, bar_reg(i), old) & BAR_IO_ADDR;

	b->size = lowest_bit(mask);
	b->kind = b->size ? PCI_BAR_IO : PCI_BAR_NONE;
	b->base = b->size ? (old & BAR_IO_ADDR) : 0;
}

/* A memory BAR in slot i whose original value is old; a 64-bit one also takes slot i+1.
 * Returns how many slots it took. */
static unsigned size_mem(const struct pci_cfg *cfg, unsigned bdf, unsigned i, uint32_t old, struct pci_bar *b)
{
	unsigned type = old & BAR_MEM_TYPE;
	uint64_t mask, base = old & BAR_MEM_ADDR;

	b->prefetchable = (old & BAR_PREFETCH) != 0;
	if (type == BAR_MEM_RSVD || (type == BAR_MEM_64 && i + 1 >= PCI_BARS)) {
		b->kind = PCI_BAR_BAD;
		return 1;
	}
	mask = probe(cfg, bdf, bar_reg(i), old) & BAR_MEM_ADDR;
	if (type != BAR_MEM_64) {
		b->size = lowest_bit(mask);
		b->kind = b->size ? PCI_BAR_MEM32 : PCI_BAR_NONE;
		b->base = b->size ? base : 0;
		return 1;
	}
	uint32_t old_hi = pci_read32(cfg, bdf, bar_reg(i + 1));
	mask |= (uint64_t)probe(cfg, bdf, bar_reg(i + 1), old_hi) << 32;
	base |= (uint64_t)old_hi << 32;
	b->size = lowest_bit(mask);
	b->kind = b->size ? PCI_BAR_MEM64 : PCI_BAR_NONE;
	b->base = b->size ? base : 0;
	return 2;
}

/* Decodes and sizes every BAR; the caller has turned decode off. */
static int size_all(const struct pci_cfg *cfg, unsigned bdf, struct pci_bar bars[PCI_BARS])
{
	int n = 0;

	for (unsigned i = 0; i < PCI_BARS; i++)
		bars[i] = (struct pci_bar){ .kind = PCI_BAR_NONE };
	for (unsigned i = 0; i < PCI_BARS;) {
		uint32_t old = pci_read32(cfg, bdf, bar_reg(i));
		if (old & BAR_IO) {
			size_io(cfg, bdf, i, old, &bars[i]);
			i++;
		} else {
			i += size_mem(cfg, bdf, i, old, &bars[i]);
		}
	}
	for (unsigned i = 0; i < PCI_BARS; i++)
		n += bars[i].kind != PCI_BAR_NONE && bars[i].kind != PCI_BAR_BAD;
	return n;
}

int pci_bars(const struct pci_cfg *cfg, unsigned bdf, struct pci_bar bars[PCI_BARS])
{
	if (pci_read16(cfg, bdf, PCI_VENDOR_ID) == PCI_VENDOR_NONE)
		return CAIRN_ENOENT;
	if ((pci_read8(cfg, bdf, PCI_HEADER_TYPE) & 0x7f) != 0)
		return CAIRN_ENOTSUP;
	unsigned cmd = pci_read16(cfg, bdf, PCI_COMMAND);
	pci_write16(cfg, bdf, PCI_COMMAND, cmd & ~(unsigned)(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	int n = size_all(cfg, bdf, bars);
	pci_write16(cfg, bdf, PCI_COMMAND, cmd);
	return n;
}
