/*
 * pmem.c: the free physical frames at boot (contract and invariant in pmem.h). Ranges
 * rather than a bitmap: a PC's memory map has a handful of regions, so every
 * operation is a short scan and the structure needs no memory of its own.
 */
#include "pmem.h"

void pmem_init(struct pmem *pm)
{
	pm->n = 0;
}

static void remove_at(struct pmem *pm, unsigned i)
{
	for (unsigned j = i; j + 1 < pm->n; j++)
		pm->r[j] = pm->r[j + 1];
	pm->n--;
}

static void insert_at(struct pmem *pm, unsigned i, uint64_t base, uint64_t end)
{
	for (unsigned j = pm->n; j > i; j--)
		pm->r[j] = pm->r[j - 1];
	pm->r[i] = (struct pmem_range){ base, end };
	pm->n++;
}

int pmem_add(struct pmem *pm, uint64_t base, uint64_t len)
{
	if (len == 0 || base + len < base)	/* empty, or wraps: clip at the top */
		len = len ? -base : 0;
	uint64_t lo = PAGE_UP(base), hi = PAGE_DOWN(base + len);

	if (lo >= hi || lo < base)	/* nothing whole, or rounding wrapped */
		return 0;
	/* The ranges [i, j) overlap or touch [lo, hi); they merge into one. */
	unsigned i = 0, j;
	while (i < pm->n && pm->r[i].end < lo)
		i++;
	j = i;
	while (j < pm->n && pm->r[j].base <= hi)
		j++;
	if (i == j) {
		if (pm->n == PMEM_MAX_RANGES)
			return -1;
		insert_at(pm, i, lo, hi);
		return 0;
	}
	pm->r[i].base = pm->r[i].base < lo ? pm->r[i].base : lo;
	pm->r[i].end = pm->r[j - 1].end > hi ? pm->r[j - 1].end : hi;
	while (j-- > i + 1)
		remove_at(pm, i + 1);
	return 0;
}

int pmem_reserve(struct pmem *pm, uint64_t base, uint64_t len)
{
	if (len == 0)
		return 0;
	uint64_t lo = PAGE_DOWN(base);
	uint64_t hi = (base + len < base || base + len > ~(PAGE_SIZE - 1)) ? ~(uint64_t)0 : PAGE_UP(base + len);

	for (unsigned i = 0; i < pm->n; i++) {
		struct pmem_range *r = &pm->r[i];
		if (r->end <= lo || r->base >= hi)
			continue;
		if (r->base < lo && r->end > hi) {	/* split in two */
			if (pm->n == PMEM_MAX_RANGES)
				return -1;
			insert_at(pm, i + 1, hi, r->end);
			pm->r[i].end = lo;
			return 0;
		}
		if (r->base < lo)
			r->end = lo;
		else if (r->end > hi)
			r->base = hi;
		else
			remove_at(pm, i--);	/* the next range moves down to i */
	}
	return 0;
}

uint64_t pmem_alloc_contig(struct pmem *pm, uint64_t n)
{
	for (unsigned i = 0; i < pm->n && n; i++) {
		uint64_t base = pm->r[i].base;
		if ((pm->r[i].end - base) >> PAGE_SHIFT >= n) {
			pmem_reserve(pm, base, n << PAGE_SHIFT);	/* from the base: no split */
			return base;
		}
	}
	return PMEM_NONE;
}
