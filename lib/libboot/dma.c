/*
 * dma.c: what a bound device may DMA into (docs/devices.md, "DMA"). Whether the kernel
 * drives an IOMMU is boot_has_iommu's (region.c) to say. For each device a description
 * binds:
 *
 *   - with an IOMMU, a driver whose `dma` is "iommu" or "trusted" gets for each of its
 *     devices an I/O domain of the device's own: an I/O root (CAIRN_PGTBL_IO) in which
 *     the booter maps the driver's dma regions, read-write, at the addresses they have
 *     in the driver, attached to the device's requester id (IOMMU_ATTACH). The device
 *     masters the bus and reaches those regions alone; a region's device address (its
 *     red tape's `dma`) is its address in the driver. A device of a driver with dma =
 *     "none" is attached to nothing: translation blocks all its DMA, so it too may
 *     master the bus, which it needs to send MSI and MSI-X messages (they are writes);
 *   - without one, a "trusted" driver's devices master the bus and are told physical
 *     addresses (its dma regions are physically contiguous: region.c), and an "iommu"
 *     driver's devices do not (the booter says so: it starts without DMA).
 *
 * Without an IOMMU every other bound device has bus mastering cleared (and so sends no
 * MSI: its driver polls or uses its INTx line). A domain lives as long as the
 * system: a restarted driver finds its device in the same domain.
 */
#include "libboot.h"
#include <cairn/build.h>

#define CT  CAIRN_SLOT_CAPTBL
#define MEM CAIRN_SLOT_MEMORY

/* An I/O root with component i's dma regions mapped, attached to requester id rid. */
static long domain(struct booter *b, unsigned i, unsigned rid)
{
	uint64_t cache = ~0UL, f = 0;
	long r = boot_reserve_slots(b);
	unsigned root = r ? 0 : cairn_slot(&b->a);

	if (!r && !(f = cairn_frame(&b->a, CAIRN_FRAME_KERNEL)))
		r = CAIRN_ENOMEM;
	if (!r)
		r = cairn_captbl_act_pgtbl(CT, root, MEM, f, 4 | CAIRN_PGTBL_IO);
	if (!r)
		r = boot_map_dma_regions(b, i, root, &cache);
	if (!r)
		r = cairn_iommu_attach(CAIRN_SLOT_IOMMU, rid, root);
	return r;
}

long boot_dma(struct booter *b, unsigned i, unsigned rid, int *master)
{
	const struct cairn_sd_comp *sd = b->c[i].sd;
	long r = 0;

	*master = 0;
	if (boot_has_iommu()) {	/* attached or not, its DMA goes no further than its domain */
		r = sd->dma == CAIRN_SD_DMA_NONE ? 0 : domain(b, i, rid);
		*master = !r;
	} else if (sd->dma == CAIRN_SD_DMA_NONE) {
		return 0;
	} else if (sd->dma == CAIRN_SD_DMA_TRUSTED) {
		*master = 1;
	} else {
		cairn_printf("booter: component '%s': no IOMMU: its devices may not DMA (dma = \"iommu\")\n",
			     sd->name);
	}
	if (r)
		cairn_printf("booter: component '%s': an I/O domain for %02x:%02x.%x failed (error %ld)\n",
			     sd->name, rid >> 8, (rid >> 3) & 31, rid & 7, r);
	return r;
}
