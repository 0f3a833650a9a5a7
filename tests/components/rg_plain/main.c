/*
 * rg_plain: a driver NOT trusted with DMA (tests/qemu/systems/regions.toml; rg_owner/
 * rg.h has the plan), bound to a second edu device at 00:07.0, sharing `dmabuf` with
 * rg_dma. Its I/O page lists the region without a device address; the booter left its
 * device unable to master the bus. rg_dma tells it the region's physical address
 * anyway: its device's DMA there must not land (a canary stays).
 *
 *   rg.8  region_without_dma    dmabuf at the same place, flags 0, dma 0
 *   rg.9  untrusted_dma_dropped edu -> the region's physical address: the canary stays
 */
#include "../rg_owner/rg.h"

#define CANARY 0x3c00UL		/* 256 bytes rg_dma does not touch */
#define LEN    0x100UL

int main(const struct cairn_root *rt)
{
	const struct cairn_region *r = cairn_region("dmabuf");
	const struct cairn_device *d = cairn_device(0);
	volatile uint8_t *bar = d ? cairn_device_bar(d, 0) : 0;

	cairn_check("rg.8", "region_without_dma", r && r->va == RG_DMA_VA && r->size == RG_DMA_SIZE &&
		    r->flags == 0 && r->dma == 0 && d && d->vendor == EDU_VENDOR && d->dev == 7 && bar,
		    "dmabuf %p (flags %u, dma 0x%lx); device %p", (const void *)r, r ? r->flags : 0,
		    r ? r->dma : 0, (const void *)d);
	if (!r || !bar)
		return 0;
	volatile uint64_t *w = (volatile uint64_t *)r->va;
	volatile uint8_t *m = (volatile uint8_t *)r->va;
	if (!rg_wait(&w[RG_GO], RG_MAGIC_READY)) {
		cairn_check("rg.9", "untrusted_dma_dropped", 0, "rg_dma never handed over the address");
		return 0;
	}
	for (uint64_t i = 0; i < LEN; i++)
		m[CANARY + i] = 0xa5;
	int done = edu_dma(bar, EDU_BUF, w[RG_PHYS] + CANARY, LEN, EDU_TO_RAM, rt->tsc_hz);	/* its buffer: 0s */
	uint64_t changed = 0;
	for (uint64_t i = 0; i < LEN; i++)
		changed += m[CANARY + i] != 0xa5;
	cairn_check("rg.9", "untrusted_dma_dropped", done && changed == 0,
		    "the DMA finished %d; %lu canary bytes changed", done, changed);
	return 0;
}
