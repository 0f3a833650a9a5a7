/*
 * io_dma: a driver of QEMU's edu device whose DMA the IOMMU confines
 * (tests/qemu/systems/regions_iommu.toml). Both components run this image; the
 * description makes the difference:
 *
 *   dmadrv (dma = "iommu", edu 00:06.0): its I/O page gives `dmabuf`'s device address,
 *     its own address (the booter mapped the region at va in the device's domain);
 *     io.1  dma_region_at_its_va   dmabuf: CAIRN_REGION_DMA, dma == va; `other` no DMA
 *     io.2  device_dma_lands       memory -> edu -> memory inside dmabuf, exact
 *     io.3  outside_is_blocked     a copy to `other`'s address and one past dmabuf: both
 *                                  leave memory as it was (the kernel reports each)
 *     then it sets dmabuf's last word to IO_GO for plain.
 *   plain (dma = "none", edu 00:07.0): its device has no domain (it masters the bus);
 *     io.4  no_domain_no_dma       dmabuf listed without DMA; a copy to dmabuf's address
 *                                  changes nothing (the kernel reports it)
 */
#include <cairn/cairn.h>

#define EDU_ID      0x00		/* QEMU's edu (docs/specs/edu.rst): reads 0x010000ed */
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_CNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_RUN     1
#define EDU_TO_RAM  2
#define EDU_BUF     0x40000UL
#define COPY        0x800UL		/* bytes a copy moves */
#define IO_GO       0x676f21UL		/* dmabuf's last word: dmadrv is done */
#define IO_YIELDS   400000

/* One edu copy: 1 when done, 0 if not within 10 s. */
static int edu_dma(volatile uint8_t *bar, uint64_t src, uint64_t dst, uint64_t dir, uint64_t hz)
{
	*(volatile uint64_t *)(bar + EDU_DMA_SRC) = src;
	*(volatile uint64_t *)(bar + EDU_DMA_DST) = dst;
	*(volatile uint64_t *)(bar + EDU_DMA_CNT) = COPY;
	*(volatile uint64_t *)(bar + EDU_DMA_CMD) = EDU_RUN | dir;
	for (uint64_t t0 = cairn_cycles(); cairn_cycles() - t0 < 10 * hz;) {
		if (!(*(volatile uint64_t *)(bar + EDU_DMA_CMD) & EDU_RUN))
			return 1;
		cairn_yield();
	}
	return 0;
}

/* Bytes of [p, p + n) that are not v. */
static uint64_t differ(volatile const uint8_t *p, uint64_t n, uint8_t v)
{
	uint64_t k = 0;

	for (uint64_t i = 0; i < n; i++)
		k += p[i] != v;
	return k;
}

static void driver(const struct cairn_root *rt, volatile uint8_t *bar, const struct cairn_region *r,
		   const struct cairn_region *o)
{
	volatile uint8_t *m = (volatile uint8_t *)r->va, *om = (volatile uint8_t *)o->va;

	cairn_check("io.1", "dma_region_at_its_va", r->flags == CAIRN_REGION_DMA && r->dma == r->va &&
		    o->flags == 0 && o->dma == 0, "dmabuf flags %u dma 0x%lx va 0x%lx; other flags %u dma 0x%lx",
		    r->flags, r->dma, r->va, o->flags, o->dma);
	for (uint64_t i = 0; i < COPY; i++)
		m[i] = (uint8_t)(i * 5 + 1);
	int in = edu_dma(bar, r->dma, EDU_BUF, 0, rt->tsc_hz);
	int out = in && edu_dma(bar, EDU_BUF, r->dma + 0x2000, EDU_TO_RAM, rt->tsc_hz);
	uint64_t wrong = 0;
	for (uint64_t i = 0; i < COPY; i++)
		wrong += m[0x2000 + i] != (uint8_t)(i * 5 + 1);
	cairn_check("io.2", "device_dma_lands", in && out && wrong == 0, "in %d out %d, %lu bytes wrong",
		    in, out, wrong);
	for (uint64_t i = 0; i < o->size; i++)
		om[i] = 0xa5;
	int a = edu_dma(bar, EDU_BUF, o->va, EDU_TO_RAM, rt->tsc_hz);
	int b = edu_dma(bar, EDU_BUF, r->va + r->size, EDU_TO_RAM, rt->tsc_hz);	/* its guard page */
	uint64_t changed = differ(om, o->size, 0xa5);
	cairn_check("io.3", "outside_is_blocked", a && b && changed == 0,
		    "copies ended %d %d; %lu bytes of 'other' changed", a, b, changed);
	__atomic_store_n((volatile uint64_t *)(r->va + r->size - 8), IO_GO, __ATOMIC_RELEASE);
}

static void bystander(const struct cairn_root *rt, volatile uint8_t *bar, const struct cairn_region *r)
{
	volatile uint64_t *go = (volatile uint64_t *)(r->va + r->size - 8);
	unsigned n = 0;

	while (__atomic_load_n(go, __ATOMIC_ACQUIRE) != IO_GO && n++ < IO_YIELDS)
		cairn_yield();
	uint64_t before = differ((volatile uint8_t *)r->va + 0x1000, COPY, 0);
	int done = edu_dma(bar, EDU_BUF, r->va + 0x1000, EDU_TO_RAM, rt->tsc_hz);
	uint64_t after = differ((volatile uint8_t *)r->va + 0x1000, COPY, 0);
	cairn_check("io.4", "no_domain_no_dma", n <= IO_YIELDS && r->flags == 0 && r->dma == 0 && done &&
		    before == 0 && after == 0, "waited %u; dmabuf flags %u dma 0x%lx; copy ended %d; %lu then %lu "
		    "bytes non-zero", n, r->flags, r->dma, done, before, after);
}

int main(const struct cairn_root *rt)
{
	const struct cairn_device *d = cairn_device(0);
	const struct cairn_region *r = cairn_region("dmabuf"), *o = cairn_region("other");
	volatile uint8_t *bar = d ? cairn_device_bar(d, 0) : 0;

	if (!bar || !r || !o || *(volatile uint32_t *)(bar + EDU_ID) != 0x010000ed) {
		cairn_printf("io_dma: '%s': no edu, or a region missing\n", rt->name);
		return 1;
	}
	if (d->dev == 6)
		driver(rt, bar, r, o);
	else
		bystander(rt, bar, r);
	return 0;
}
