/*
 * copy.c: configuration space read from a copy (cairn/pci.h's pci_cfg_copy): a driver
 * walks its function's capability list in the copy the booter put in its I/O page
 * (cairn_device.config), with the same calls as over the live space. Read-only:
 * writes do nothing. The copy is a snapshot: registers the device changes later
 * (status bits, MSI-X control) are as they were when it was taken.
 */
#include <cairn/pci.h>

static uint32_t copy_read(void *ctx, unsigned bdf, unsigned off, unsigned width)
{
	const struct pci_copy *c = ctx;
	uint32_t v = 0;

	if (!pci_cfg_valid(bdf, off, width) || bdf != c->bdf)
		return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
	for (unsigned i = 0; i < width; i++)
		v |= (uint32_t)c->bytes[off + i] << (8 * i);
	return v;
}

static void copy_write(void *ctx, unsigned bdf, unsigned off, unsigned width, uint32_t v)
{
	(void)ctx, (void)bdf, (void)off, (void)width, (void)v;
}

void pci_cfg_copy(struct pci_cfg *cfg, struct pci_copy *copy, const uint8_t *bytes, unsigned bdf)
{
	*copy = (struct pci_copy){ .bytes = bytes, .bdf = bdf };
	*cfg = (struct pci_cfg){ .read = copy_read, .write = copy_write, .ctx = copy };
}
