/*
 * region.c: the data regions of a description ([[region]], docs/systems.md "Data
 * regions"). Each region is fresh frames (retyping zeroes them) mapped read-write into
 * every component that shares it, at the same address in each: the regions lie back
 * to back from CAIRN_REGION_VA, each followed by an unmapped guard page, so a copy
 * that runs off one faults rather than reaching the next. A region a component's
 * devices DMA into (`dma`) is physically contiguous, and that component's red tape
 * gives its physical address: without an IOMMU a device is told physical addresses,
 * which is why the description must trust the component (dma = "trusted", checked by
 * tools/system.py and check.c). Regions are shared state, like port rings: a restart
 * of a sharer leaves them as they are.
 *
 * IOMMU hook: once a device has an I/O domain (the kernel's IOMMU capability), the
 * booter maps each dma region into the domain of its component's devices at the
 * region's va and lists va as its device address; the frames then need not be
 * contiguous (build_region's `contiguous` call becomes cairn_frame's per page).
 */
#include "libboot.h"

#define PAGE 4096UL

static uint64_t region_va[CAIRN_SD_REGIONS];	/* where region g is mapped, in every sharer */
static uint64_t region_phys[CAIRN_SD_REGIONS];	/* a dma region's first frame, else 0 */

/*
 * n physically contiguous frames from a's untyped memory, each retyped USER (zeroed):
 * the first one's address, or 0 if no run of n is left. A frame that will not retype
 * (in use, reserved) ends a run; the frames of a failed run are given back.
 */
static uint64_t contiguous(struct cairn_alloc *a, uint64_t n)
{
	uint64_t base = a->cursor;

	while (base < a->end && n <= (a->end - base) / PAGE) {
		uint64_t k = 0;
		while (k < n && cairn_mem_retype(a->mem, base + k * PAGE, CAIRN_FRAME_USER) == 0)
			k++;
		if (k == n) {
			if (base == a->cursor)
				a->cursor = base + n * PAGE;	/* else cairn_frame skips them later */
			return base;
		}
		for (uint64_t j = 0; j < k; j++)
			cairn_mem_retype(a->mem, base + j * PAGE, CAIRN_FRAME_UNTYPED);
		base += (k + 1) * PAGE;
	}
	return 0;
}

/* Region g at va: its frames, mapped into every sharer. */
static long build_region(struct booter *b, unsigned g, uint64_t va)
{
	const struct cairn_sd_region *sr = &b->sd->region[g];
	uint64_t phys = 0;
	long r = 0;

	if (sr->dma != CAIRN_SD_NODMA && !(phys = contiguous(&b->a, sr->size / PAGE)))
		r = CAIRN_ENOMEM;
	for (uint64_t off = 0; !r && off < sr->size; off += PAGE) {
		uint64_t f = phys ? phys + off : cairn_frame(&b->a, CAIRN_FRAME_USER);
		r = f ? 0 : CAIRN_ENOMEM;
		for (unsigned j = 0; !r && j < sr->nshare; j++) {
			struct bcomp *c = &b->c[sr->share[j]];
			r = cairn_map(&b->a, c->pt, &c->pt_cache, va + off, f, CAIRN_MAP_WRITE);
		}
	}
	region_va[g] = va;
	region_phys[g] = phys;
	if (r)
		cairn_printf("booter: building region '%s' failed (error %ld)\n", sr->name, r);
	return r;
}

long boot_regions(struct booter *b)
{
	uint64_t va = CAIRN_REGION_VA;	/* the window holds them all (boot_check) */
	long r = 0;

	for (unsigned g = 0; !r && g < b->sd->nregions; g++) {
		r = build_region(b, g, va);
		va += b->sd->region[g].size + PAGE;	/* a guard page after each */
	}
	return r;
}

int boot_shares_region(const struct cairn_sd_system *sd, unsigned i)
{
	for (unsigned g = 0; g < sd->nregions; g++)
		for (unsigned j = 0; j < sd->region[g].nshare; j++)
			if (sd->region[g].share[j] == i)
				return 1;
	return 0;
}

unsigned boot_red_regions(const struct booter *b, unsigned i, struct cairn_region *out)
{
	unsigned n = 0;

	for (unsigned g = 0; g < b->sd->nregions; g++) {
		const struct cairn_sd_region *sr = &b->sd->region[g];
		for (unsigned j = 0; j < sr->nshare && n < CAIRN_IO_REGIONS; j++) {	/* fits: boot_check */
			if (sr->share[j] != i)
				continue;
			struct cairn_region *e = &out[n++];
			*e = (struct cairn_region){ .va = region_va[g], .size = sr->size };
			if (sr->dma == i && region_phys[g]) {
				e->dma = region_phys[g];
				e->flags = CAIRN_REGION_DMA;
			}
			boot_copy_name(e->name, sr->name, sizeof(e->name));
		}
	}
	return n;
}
