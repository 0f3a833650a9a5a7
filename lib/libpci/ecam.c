/*
 * ecam.c: the memory-mapped configuration mechanism (cairn/pci.h's pci_cfg_ecam):
 * function bdf's 4 KiB are at the page its caller maps for it, so an access is one
 * load or store of its width there, no system call (PCI Express Base specification,
 * 7.2.2: ECAM; every access here is naturally aligned and of 1, 2 or 4 bytes, as the
 * specification requires of software).
 */
#include <stddef.h>
#include <cairn/pci.h>

static uint32_t all_ones(unsigned width)
{
	return width >= 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
}

/* Where the access lands, or NULL if it is refused (malformed, outside the range, unmapped). */
static volatile uint8_t *at(const struct pci_ecam *e, unsigned bdf, unsigned off, unsigned width)
{
	if (!pci_cfg_valid(bdf, off, width) || PCI_BUS(bdf) < e->bus_start || PCI_BUS(bdf) > e->bus_end)
		return NULL;
	volatile uint8_t *p = e->page(e->ctx, bdf);
	return p ? p + off : NULL;
}

static uint32_t ecam_read(void *ctx, unsigned bdf, unsigned off, unsigned width)
{
	volatile uint8_t *p = at(ctx, bdf, off, width);

	if (!p)
		return all_ones(width);
	if (width == 4)
		return *(volatile uint32_t *)p;
	return width == 2 ? *(volatile uint16_t *)p : *p;
}

static void ecam_write(void *ctx, unsigned bdf, unsigned off, unsigned width, uint32_t v)
{
	volatile uint8_t *p = at(ctx, bdf, off, width);

	if (!p)
		return;
	if (width == 4)
		*(volatile uint32_t *)p = v;
	else if (width == 2)
		*(volatile uint16_t *)p = (uint16_t)v;
	else
		*p = (uint8_t)v;
}

void pci_cfg_ecam(struct pci_cfg *cfg, struct pci_ecam *e, unsigned bus_start, unsigned bus_end,
		  pci_ecam_page page, void *ctx)
{
	*e = (struct pci_ecam){ .page = page, .ctx = ctx, .bus_start = bus_start, .bus_end = bus_end };
	*cfg = (struct pci_cfg){ .read = ecam_read, .write = ecam_write, .ctx = e };
}
