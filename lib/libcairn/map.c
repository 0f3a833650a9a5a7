/*
 * map.c: mapping frames into a page table being built, with capability operations only
 * (see cairn/build.h): the booter (lib/libboot) and the test runner
 * (tests/qemu/progs/runner.c) fill their components' address spaces with these.
 * Calls only build.c (frames, slots, page-table paths).
 */
#include <cairn/build.h>
#include <cairn/root.h>

#define PAGE 4096UL
long cairn_map_region(struct cairn_alloc *a, unsigned pt, uint64_t *cache, uint64_t va)
{
	long r = cairn_reserve_slots(a);

	if (!r)
		r = cairn_pgtbl_path(a, pt, va);
	if (!r)
		*cache = CAIRN_MAP_REGION(va);
	return r;
}

long cairn_map_page(void *ctx, uint64_t va, unsigned rights, uint64_t *frame)
{
	const struct cairn_space *s = ctx;
	uint64_t f = cairn_frame(s->a, CAIRN_FRAME_USER);	/* retyping zeroes it */

	if (!f)
		return CAIRN_ENOMEM;
	*frame = f;
	return cairn_map(s->a, s->pt, s->cache, va, f, rights);
}

long cairn_zero_map(struct cairn_alloc *a, unsigned pt, uint64_t *cache, uint64_t va, uint64_t len,
		    unsigned rights)
{
	struct cairn_space s = { .a = a, .pt = pt, .cache = cache };
	uint64_t f;

	for (uint64_t p = va; p < va + len; p += PAGE) {
		long r = cairn_map_page(&s, p, rights, &f);
		if (r)
			return r;
	}
	return 0;
}

long cairn_share(struct cairn_alloc *a, unsigned pt, uint64_t *cache, uint64_t va, uint64_t len,
		 int ro_first)
{
	for (uint64_t p = va & ~(PAGE - 1); p < va + len; p += PAGE) {
		long e = cairn_pgtbl_lookup(CAIRN_SLOT_PGTBL, p);
		if (e < 0)
			continue;
		unsigned rights = (p == va && ro_first) ? 0 : (unsigned)e & 3;
		long r = cairn_map(a, pt, cache, p, (uint64_t)e & ~(PAGE - 1), rights);
		if (r)
			return r;
	}
	return 0;
}
