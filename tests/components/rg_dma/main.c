/*
 * rg_dma: a driver trusted with DMA (dma = "trusted" in tests/qemu/systems/regions.toml;
 * rg_owner/rg.h has the plan), bound to QEMU's edu device at 00:06.0, with region
 * `dmabuf` (dma = "dmadrv", shared with rg_plain). Its I/O page gives the region's
 * device address, the physical address of a contiguous run of frames; the booter set
 * the device's bus-master bit. The edu's DMA engine copies 3.75 KiB from the region into
 * its buffer and back to another place of the region, each copy across a page
 * boundary: the data arrives only if the address is the region's and its pages are
 * contiguous. Then it hands the address to rg_plain, whose device must not reach it.
 *
 *   rg.6  dma_region_listed  dmabuf: its place, CAIRN_REGION_DMA, a page-aligned address
 *   rg.7  device_dma_lands   memory -> edu -> memory, 3.75 KiB each way across pages, exact
 */
#include "../rg_owner/rg.h"

#define SRC 0x0800UL		/* [SRC, SRC + 4K) and [DST, DST + 4K) cross page boundaries */
#define DST 0x2800UL

int main(const struct cairn_root *rt)
{
	const struct cairn_region *r = cairn_region("dmabuf");
	const struct cairn_device *d = cairn_device(0);
	volatile uint8_t *bar = d ? cairn_device_bar(d, 0) : 0;

	cairn_check("rg.6", "dma_region_listed", r && r->va == RG_DMA_VA && r->size == RG_DMA_SIZE &&
		    r->flags == CAIRN_REGION_DMA && r->dma && !(r->dma & 0xfff) && r->dma < (1UL << 32) &&
		    d && d->vendor == EDU_VENDOR && d->device == EDU_DEVICE && bar &&
		    *(volatile uint32_t *)(bar + EDU_ID) == 0x010000ed,
		    "dmabuf %p (0x%lx, 0x%lx bytes, flags %u, dma 0x%lx); device %p", (const void *)r,
		    r ? r->va : 0, r ? r->size : 0, r ? r->flags : 0, r ? r->dma : 0, (const void *)d);
	if (!r || !bar || !r->dma)
		return 0;
	volatile uint8_t *m = (volatile uint8_t *)r->va;
	for (uint64_t i = 0; i < EDU_DMA_MAX; i++)
		m[SRC + i] = (uint8_t)(i * 7 + 3);
	int in = edu_dma(bar, r->dma + SRC, EDU_BUF, EDU_DMA_MAX, 0, rt->tsc_hz);
	int out = in && edu_dma(bar, EDU_BUF, r->dma + DST, EDU_DMA_MAX, EDU_TO_RAM, rt->tsc_hz);
	uint64_t wrong = 0, around = 0;
	for (uint64_t i = 0; i < EDU_DMA_MAX; i++)
		wrong += m[DST + i] != (uint8_t)(i * 7 + 3);
	for (uint64_t i = SRC + EDU_DMA_MAX; i < DST; i++)	/* nothing between, nothing after */
		around += m[i] != 0;
	for (uint64_t i = DST + EDU_DMA_MAX; i < r->size; i++)
		around += m[i] != 0;
	cairn_check("rg.7", "device_dma_lands", in && out && wrong == 0 && around == 0,
		    "DMA in %d, out %d; %lu bytes wrong, %lu bytes written outside", in, out, wrong, around);
	volatile uint64_t *w = (volatile uint64_t *)r->va;
	w[RG_PHYS] = r->dma;
	__atomic_store_n(&w[RG_GO], RG_MAGIC_READY, __ATOMIC_RELEASE);
	return 0;
}
