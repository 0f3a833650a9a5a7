/*
 * test_pmem.c: host unit tests for kernel/pmem.c against the contract in pmem.h.
 *
 * Every test checks the invariant (sorted, page aligned, non-empty, neither overlapping
 * nor touching) after each operation. Single frames are taken as the kernel takes them,
 * as runs of one (alloc_one). The last test runs random operations against a bitmap
 * model of frames; its seed is printed and can be set with PMEM_SEED.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmem.h"

#define P PAGE_SIZE

/* One frame: the kernel takes single frames as runs of one (vm.c: alloc_contig(1)). */
static uint64_t alloc_one(struct pmem *pm)
{
	return pmem_alloc_contig(pm, 1);
}

/* The bytes in the free set, summed over r[]. */
static uint64_t free_bytes(const struct pmem *pm)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < pm->n; i++)
		sum += pm->r[i].end - pm->r[i].base;
	return sum;
}

static void check_invariant(const struct pmem *pm)
{
	assert_true(pm->n <= PMEM_MAX_RANGES);
	for (unsigned i = 0; i < pm->n; i++) {
		assert_int_equal(pm->r[i].base % P, 0);
		assert_int_equal(pm->r[i].end % P, 0);
		assert_true(pm->r[i].base < pm->r[i].end);
		if (i > 0)
			assert_true(pm->r[i - 1].end < pm->r[i].base);
	}
}

static void expect_ranges(const struct pmem *pm, const uint64_t *pairs, unsigned n)
{
	check_invariant(pm);
	if (pm->n != n) {
		for (unsigned i = 0; i < pm->n; i++)
			print_error("r[%u] = [%#llx, %#llx)\n", i,
				    (unsigned long long)pm->r[i].base,
				    (unsigned long long)pm->r[i].end);
	}
	assert_int_equal(pm->n, n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(pm->r[i].base, pairs[2 * i]);
		assert_int_equal(pm->r[i].end, pairs[2 * i + 1]);
	}
}

/* EXPECT(pm, base0, end0, base1, end1, ...): r[] is exactly these ranges. */
#define EXPECT(pm, ...)                                                         \
	do {                                                                    \
		static const uint64_t e_[] = { __VA_ARGS__ };                   \
		expect_ranges((pm), e_, (unsigned)(ARRAY_SIZE(e_) / 2));        \
	} while (0)
#define EXPECT_EMPTY(pm) expect_ranges((pm), NULL, 0)

/* The set is the same as in the snapshot (only r[0..n) counts). */
static void expect_same(const struct pmem *pm, const struct pmem *snap)
{
	check_invariant(pm);
	assert_int_equal(pm->n, snap->n);
	assert_memory_equal(pm->r, snap->r, snap->n * sizeof(snap->r[0]));
}

static void add_ok(struct pmem *pm, uint64_t base, uint64_t len)
{
	assert_int_equal(pmem_add(pm, base, len), 0);
	check_invariant(pm);
}

static void reserve_ok(struct pmem *pm, uint64_t base, uint64_t len)
{
	assert_int_equal(pmem_reserve(pm, base, len), 0);
	check_invariant(pm);
}

/* Fills the table with PMEM_MAX_RANGES disjoint ranges [stride*i, stride*i + width). */
static void fill(struct pmem *pm, uint64_t stride, uint64_t width)
{
	pmem_init(pm);
	for (unsigned i = 0; i < PMEM_MAX_RANGES; i++)
		add_ok(pm, stride * P * i, width * P);
	assert_int_equal(pm->n, PMEM_MAX_RANGES);
}

/* ---- init ---- */

static void pmem_init_empty(void **state)
{
	struct pmem pm;

	(void)state;
	memset(&pm, 0xa5, sizeof(pm));
	pmem_init(&pm);
	EXPECT_EMPTY(&pm);
	assert_int_equal(free_bytes(&pm), 0);
	assert_int_equal(alloc_one(&pm), PMEM_NONE);
}

/* ---- add ---- */

static void pmem_add_aligned(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x1000, 0x3000);
	EXPECT(&pm, 0x1000, 0x4000);
	assert_int_equal(free_bytes(&pm), 0x3000);
}

static void pmem_add_unaligned_base_shrinks(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x1001, 0x3000);
	EXPECT(&pm, 0x2000, 0x4000);
}

static void pmem_add_unaligned_len_shrinks(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x1000, 0x2fff);
	EXPECT(&pm, 0x1000, 0x3000);
}

static void pmem_add_unaligned_both_shrink(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x1800, 0x2000);
	EXPECT(&pm, 0x2000, 0x3000);
}

static void pmem_add_zero_length(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x1000, 0);
	add_ok(&pm, 0x1234, 0);
	EXPECT_EMPTY(&pm);
}

static void pmem_add_sub_page_inside_frame(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x1001, 0xffe);
	add_ok(&pm, 0x1000, 0xfff);
	add_ok(&pm, 0x1001, 0xfff);
	EXPECT_EMPTY(&pm);
}

static void pmem_add_sub_page_straddling(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x1800, 0x1000);
	add_ok(&pm, 0x1001, 0x1ffe);
	EXPECT_EMPTY(&pm);
}

static void pmem_add_empty_leaves_set(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x10000, 0x2000);
	add_ok(&pm, 0x20100, 0x800);
	EXPECT(&pm, 0x10000, 0x12000);
}

static void pmem_add_address_zero(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0, 0x2000);
	EXPECT(&pm, 0, 0x2000);
	assert_int_equal(alloc_one(&pm), 0);
	EXPECT(&pm, 0x1000, 0x2000);
}

static void pmem_add_sorted(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x9000, 0x1000);
	add_ok(&pm, 0x1000, 0x1000);
	add_ok(&pm, 0x5000, 0x2000);
	EXPECT(&pm, 0x1000, 0x2000, 0x5000, 0x7000, 0x9000, 0xa000);
}

static void pmem_add_touching_after_merges(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x1000, 0x1000);
	add_ok(&pm, 0x2000, 0x1000);
	EXPECT(&pm, 0x1000, 0x3000);
}

static void pmem_add_touching_before_merges(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x2000, 0x1000);
	add_ok(&pm, 0x1000, 0x1000);
	EXPECT(&pm, 0x1000, 0x3000);
}

static void pmem_add_touching_after_shrink_merges(void **state)
{
	/* [0x1fff, 0x3001) shrinks to [0x2000, 0x3000), which touches [0x1000, 0x2000). */
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x1000, 0x1000);
	add_ok(&pm, 0x1fff, 0x1002);
	EXPECT(&pm, 0x1000, 0x3000);
}

static void pmem_add_overlap_merges(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x1000, 0x3000);
	add_ok(&pm, 0x3000, 0x3000);
	EXPECT(&pm, 0x1000, 0x6000);
	add_ok(&pm, 0x0, 0x2000);
	EXPECT(&pm, 0x0, 0x6000);
}

static void pmem_add_contained_no_change(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x1000, 0x8000);
	add_ok(&pm, 0x3000, 0x1000);
	add_ok(&pm, 0x1000, 0x8000);
	EXPECT(&pm, 0x1000, 0x9000);
}

static void pmem_add_bridges_two(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x1000, 0x1000);
	add_ok(&pm, 0x3000, 0x1000);
	add_ok(&pm, 0x2000, 0x1000);
	EXPECT(&pm, 0x1000, 0x4000);
}

static void pmem_add_bridges_many(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	for (uint64_t a = 0x10000; a < 0x1a000; a += 0x2000)
		add_ok(&pm, a, 0x1000);	/* 5 ranges: 0x10000 .. 0x18000 */
	assert_int_equal(pm.n, 5);
	add_ok(&pm, 0x12800, 0x4000);	/* shrinks to [0x13000, 0x16000) */
	EXPECT(&pm, 0x10000, 0x11000, 0x12000, 0x17000, 0x18000, 0x19000);
}

static void pmem_add_covers_all(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x3000, 0x1000);
	add_ok(&pm, 0x6000, 0x2000);
	add_ok(&pm, 0x1000, 0x10000);
	EXPECT(&pm, 0x1000, 0x11000);
}

static void pmem_add_high_addresses(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x100000000ull, 0x40000000ull);
	add_ok(&pm, 0xfffff0000000ull, 0x10000000ull);
	EXPECT(&pm, 0x100000000ull, 0x140000000ull, 0xfffff0000000ull, 0x1000000000000ull);
	assert_int_equal(free_bytes(&pm), 0x50000000ull);
}

static void pmem_add_table_full(void **state)
{
	struct pmem pm, snap;

	(void)state;
	fill(&pm, 2, 1);
	snap = pm;
	assert_int_equal(pmem_add(&pm, 200 * P, P), -1);
	expect_same(&pm, &snap);
	assert_int_equal(pmem_add(&pm, 0x100000000ull, 0x100000), -1);
	expect_same(&pm, &snap);
}

static void pmem_add_table_full_between(void **state)
{
	/* A new range sorting between two others, none touching. */
	struct pmem pm, snap;

	(void)state;
	fill(&pm, 4, 1);
	snap = pm;
	assert_int_equal(pmem_add(&pm, 42 * P, P), -1);
	expect_same(&pm, &snap);
}

static void pmem_add_table_full_contained_ok(void **state)
{
	struct pmem pm, snap;

	(void)state;
	fill(&pm, 2, 1);
	snap = pm;
	add_ok(&pm, 10 * P, P);
	expect_same(&pm, &snap);
}

static void pmem_add_table_full_empty_ok(void **state)
{
	struct pmem pm, snap;

	(void)state;
	fill(&pm, 2, 1);
	snap = pm;
	add_ok(&pm, 301 * P + 1, P);
	add_ok(&pm, 301 * P, 0);
	expect_same(&pm, &snap);
}

static void pmem_add_table_full_extend_ok(void **state)
{
	/* Extending the last range needs no new slot. */
	struct pmem pm;

	(void)state;
	fill(&pm, 2, 1);
	add_ok(&pm, 127 * P, P);
	assert_int_equal(pm.n, PMEM_MAX_RANGES);
	assert_int_equal(pm.r[63].base, 126 * P);
	assert_int_equal(pm.r[63].end, 128 * P);
}

static void pmem_add_table_full_bridge_ok(void **state)
{
	/* Joining two ranges frees a slot. */
	struct pmem pm;

	(void)state;
	fill(&pm, 2, 1);
	add_ok(&pm, 1 * P, P);
	assert_int_equal(pm.n, PMEM_MAX_RANGES - 1);
	assert_int_equal(pm.r[0].base, 0);
	assert_int_equal(pm.r[0].end, 3 * P);
	assert_int_equal(pm.r[1].base, 4 * P);
}

/* ---- reserve ---- */

static void pmem_reserve_grows_outward(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x1000, 0x4000);
	reserve_ok(&pm, 0x2800, 0x10);
	EXPECT(&pm, 0x1000, 0x2000, 0x3000, 0x5000);
}

static void pmem_reserve_unaligned_spans_two_frames(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x1000, 0x4000);
	reserve_ok(&pm, 0x2fff, 2);
	EXPECT(&pm, 0x1000, 0x2000, 0x4000, 0x5000);
}

static void pmem_reserve_unaligned_end_grows(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x1000, 0x4000);
	reserve_ok(&pm, 0x1000, 0x1001);
	EXPECT(&pm, 0x3000, 0x5000);
}

static void pmem_reserve_split_middle(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x10000, 0x10000);
	reserve_ok(&pm, 0x14000, 0x2000);
	EXPECT(&pm, 0x10000, 0x14000, 0x16000, 0x20000);
	assert_int_equal(free_bytes(&pm), 0xe000);
}

static void pmem_reserve_trim_start(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x10000, 0x10000);
	reserve_ok(&pm, 0xe000, 0x4000);
	EXPECT(&pm, 0x12000, 0x20000);
}

static void pmem_reserve_trim_end(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x10000, 0x10000);
	reserve_ok(&pm, 0x1f000, 0x8000);
	EXPECT(&pm, 0x10000, 0x1f000);
}

static void pmem_reserve_whole_range(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x1000, 0x1000);
	add_ok(&pm, 0x3000, 0x2000);
	add_ok(&pm, 0x8000, 0x1000);
	reserve_ok(&pm, 0x3000, 0x2000);
	EXPECT(&pm, 0x1000, 0x2000, 0x8000, 0x9000);
}

static void pmem_reserve_superset_removes(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x3000, 0x2000);
	add_ok(&pm, 0x8000, 0x1000);
	reserve_ok(&pm, 0x2800, 0x7000);
	EXPECT_EMPTY(&pm);
	assert_int_equal(alloc_one(&pm), PMEM_NONE);
}

static void pmem_reserve_across_ranges(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x1000, 0x3000);	/* [0x1000, 0x4000) */
	add_ok(&pm, 0x6000, 0x1000);	/* [0x6000, 0x7000) */
	add_ok(&pm, 0x9000, 0x3000);	/* [0x9000, 0xc000) */
	add_ok(&pm, 0xe000, 0x1000);	/* [0xe000, 0xf000) */
	reserve_ok(&pm, 0x2001, 0x8000);	/* grows to [0x2000, 0xb000) */
	EXPECT(&pm, 0x1000, 0x2000, 0xb000, 0xc000, 0xe000, 0xf000);
}

static void pmem_reserve_not_free_noop(void **state)
{
	struct pmem pm, snap;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x1000, 0x1000);
	add_ok(&pm, 0x5000, 0x1000);
	snap = pm;
	reserve_ok(&pm, 0x2000, 0x3000);	/* the gap, exactly */
	expect_same(&pm, &snap);
	reserve_ok(&pm, 0x100000, 0x5000);	/* above everything */
	expect_same(&pm, &snap);
	reserve_ok(&pm, 0x0, 0x1000);		/* below everything */
	expect_same(&pm, &snap);
}

static void pmem_reserve_on_empty(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	reserve_ok(&pm, 0x1000, 0x100000);
	EXPECT_EMPTY(&pm);
}

static void pmem_reserve_zero_length_aligned(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x1000, 0x4000);
	reserve_ok(&pm, 0x2000, 0);
	EXPECT(&pm, 0x1000, 0x5000);
}

static void pmem_reserve_then_add_back(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x1000, 0x8000);
	reserve_ok(&pm, 0x4000, 0x1000);
	add_ok(&pm, 0x4000, 0x1000);
	EXPECT(&pm, 0x1000, 0x9000);
}

static void pmem_reserve_table_full_split(void **state)
{
	struct pmem pm, snap;

	(void)state;
	fill(&pm, 4, 3);
	snap = pm;
	assert_int_equal(pmem_reserve(&pm, 41 * P, P), -1);	/* middle of [40P, 43P) */
	expect_same(&pm, &snap);
	assert_int_equal(pmem_reserve(&pm, 41 * P + 5, 1), -1);	/* grows to the same */
	expect_same(&pm, &snap);
}

static void pmem_reserve_table_full_trim_ok(void **state)
{
	struct pmem pm;

	(void)state;
	fill(&pm, 4, 3);
	reserve_ok(&pm, 40 * P, P);
	reserve_ok(&pm, 46 * P, P);
	assert_int_equal(pm.n, PMEM_MAX_RANGES);
	assert_int_equal(pm.r[10].base, 41 * P);
	assert_int_equal(pm.r[10].end, 43 * P);
	assert_int_equal(pm.r[11].base, 44 * P);
	assert_int_equal(pm.r[11].end, 46 * P);
}

static void pmem_reserve_table_full_remove_ok(void **state)
{
	struct pmem pm;

	(void)state;
	fill(&pm, 4, 3);
	reserve_ok(&pm, 40 * P, 3 * P);
	assert_int_equal(pm.n, PMEM_MAX_RANGES - 1);
	assert_int_equal(pm.r[10].base, 44 * P);
}

static void pmem_reserve_table_full_noop_ok(void **state)
{
	struct pmem pm, snap;

	(void)state;
	fill(&pm, 4, 3);
	snap = pm;
	reserve_ok(&pm, 43 * P, P);	/* a gap */
	expect_same(&pm, &snap);
}

/* ---- alloc ---- */

static void pmem_alloc_empty_none(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	assert_int_equal(alloc_one(&pm), PMEM_NONE);
	assert_int_equal(alloc_one(&pm), PMEM_NONE);
	EXPECT_EMPTY(&pm);
}

static void pmem_alloc_lowest_first(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x5000, 0x2000);
	add_ok(&pm, 0x2000, 0x1000);
	assert_int_equal(alloc_one(&pm), 0x2000);
	EXPECT(&pm, 0x5000, 0x7000);
	assert_int_equal(alloc_one(&pm), 0x5000);
	EXPECT(&pm, 0x6000, 0x7000);
	assert_int_equal(alloc_one(&pm), 0x6000);
	EXPECT_EMPTY(&pm);
	assert_int_equal(alloc_one(&pm), PMEM_NONE);
}

static void pmem_alloc_page_aligned(void **state)
{
	struct pmem pm;
	uint64_t a;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x1234, 0x5000);
	while ((a = alloc_one(&pm)) != PMEM_NONE) {
		assert_int_equal(a % P, 0);
		assert_true(a >= 0x2000 && a < 0x6000);
		check_invariant(&pm);
	}
	assert_int_equal(free_bytes(&pm), 0);
}

static void pmem_alloc_never_repeats(void **state)
{
	struct pmem pm;
	uint64_t prev = 0, a, total, count = 0;
	int first = 1;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x100000, 0x10000);
	add_ok(&pm, 0x1000, 0x4000);
	add_ok(&pm, 0x40000, 0x3000);
	reserve_ok(&pm, 0x2000, 0x1000);
	total = free_bytes(&pm);
	assert_int_equal(total, 0x16000);
	while ((a = alloc_one(&pm)) != PMEM_NONE) {
		if (!first)
			assert_true(a > prev);	/* ascending, so never repeated */
		assert_true(a != 0x2000);
		first = 0;
		prev = a;
		count++;
		check_invariant(&pm);
		assert_int_equal(free_bytes(&pm), total - count * P);
	}
	assert_int_equal(count, total / P);
	EXPECT_EMPTY(&pm);
}

static void pmem_alloc_free_bytes_tracks(void **state)
{
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x1000, 0x3000);
	assert_int_equal(free_bytes(&pm), 0x3000);
	assert_int_equal(alloc_one(&pm), 0x1000);
	assert_int_equal(free_bytes(&pm), 0x2000);
	assert_int_equal(alloc_one(&pm), 0x2000);
	assert_int_equal(free_bytes(&pm), 0x1000);
}

static void pmem_alloc_last_frame_of_range(void **state)
{
	/* Taking a one-frame range removes it; the next range is then the lowest. */
	struct pmem pm;

	(void)state;
	pmem_init(&pm);
	add_ok(&pm, 0x3000, 0x1000);
	add_ok(&pm, 0x8000, 0x2000);
	assert_int_equal(alloc_one(&pm), 0x3000);
	EXPECT(&pm, 0x8000, 0xa000);
}

static void pmem_alloc_table_full(void **state)
{
	/* Taking the lowest frame never needs a slot, even with the table full. */
	struct pmem pm;

	(void)state;
	fill(&pm, 4, 3);
	assert_int_equal(alloc_one(&pm), 0);
	check_invariant(&pm);
	assert_int_equal(pm.n, PMEM_MAX_RANGES);
	assert_int_equal(pm.r[0].base, P);
	assert_int_equal(alloc_one(&pm), P);
	assert_int_equal(alloc_one(&pm), 2 * P);
	assert_int_equal(pm.n, PMEM_MAX_RANGES - 1);
	assert_int_equal(alloc_one(&pm), 4 * P);
	check_invariant(&pm);
}

/* ---- random operations against a bitmap model ---- */

#define RND_BASE   0x40000ull
#define RND_FRAMES 512u
#define RND_TOP    (RND_BASE + RND_FRAMES * P)
#define RND_STEPS  20000

static uint64_t rng_state;
static unsigned rnd_refused;	/* operations that returned -1 */

static uint64_t rng(void)
{
	/* xorshift64*: the same sequence on every host. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static uint64_t rng_below(uint64_t n)
{
	return n ? rng() % n : 0;
}

static unsigned model_runs(const unsigned char *m)
{
	unsigned runs = 0;

	for (unsigned i = 0; i < RND_FRAMES; i++)
		if (m[i] && (i == 0 || !m[i - 1]))
			runs++;
	return runs;
}

static void model_set(unsigned char *m, uint64_t from, uint64_t to, unsigned char v)
{
	for (uint64_t a = from; a < to; a += P)
		m[(a - RND_BASE) / P] = v;
}

static void check_model(const struct pmem *pm, const unsigned char *m, unsigned step)
{
	unsigned char got[RND_FRAMES];

	check_invariant(pm);
	memset(got, 0, sizeof(got));
	for (unsigned i = 0; i < pm->n; i++) {
		assert_true(pm->r[i].base >= RND_BASE && pm->r[i].end <= RND_TOP);
		model_set(got, pm->r[i].base, pm->r[i].end, 1);
	}
	if (memcmp(got, m, sizeof(got)) != 0)
		print_error("pmem differs from the model after step %u\n", step);
	assert_memory_equal(got, m, sizeof(got));
	assert_int_equal(pm->n, model_runs(m));
}

/* A random byte address in [lo, hi], often page aligned. */
static uint64_t rnd_addr(uint64_t lo, uint64_t hi)
{
	uint64_t a = lo + rng_below(hi - lo + 1);

	if (rng_below(2) == 0) {
		a = PAGE_DOWN(a);
		if (a < lo)
			a = lo;
	}
	return a;
}

static void rnd_add(struct pmem *pm, unsigned char *m)
{
	uint64_t b = rnd_addr(RND_BASE, RND_TOP);
	uint64_t maxlen = RND_TOP - b, l, s, e;
	unsigned char next[RND_FRAMES];
	int r;

	/* Mostly a frame or two, so the set fragments and the table fills up. */
	l = rng_below(32) ? P + rng_below(P + 1) : rng_below(40 * P + 1);
	if (l > maxlen)
		l = maxlen;
	s = PAGE_UP(b);
	e = PAGE_DOWN(b + l);
	memcpy(next, m, RND_FRAMES);
	if (s < e)
		model_set(next, s, e, 1);
	r = pmem_add(pm, b, l);
	if (model_runs(next) > PMEM_MAX_RANGES) {
		assert_int_equal(r, -1);
		rnd_refused++;
	} else {
		assert_int_equal(r, 0);
		memcpy(m, next, RND_FRAMES);
	}
}

static void rnd_reserve(struct pmem *pm, unsigned char *m)
{
	uint64_t b = rnd_addr(RND_BASE, RND_TOP);
	uint64_t maxlen = RND_TOP - b, l, s, e;
	unsigned char next[RND_FRAMES];
	int r;

	/* len >= 1: pmem.h does not say what an empty unaligned reserve removes. */
	l = 1 + (rng_below(32) ? rng_below(P) : rng_below(40 * P));
	if (l > maxlen)
		l = maxlen;
	if (l == 0)
		return;
	s = PAGE_DOWN(b);
	e = PAGE_UP(b + l);
	memcpy(next, m, RND_FRAMES);
	model_set(next, s, e, 0);
	r = pmem_reserve(pm, b, l);
	if (model_runs(next) > PMEM_MAX_RANGES) {
		assert_int_equal(r, -1);
		rnd_refused++;
	} else {
		assert_int_equal(r, 0);
		memcpy(m, next, RND_FRAMES);
	}
}

static void rnd_alloc(struct pmem *pm, unsigned char *m)
{
	uint64_t want = PMEM_NONE;

	for (unsigned i = 0; i < RND_FRAMES && want == PMEM_NONE; i++)
		if (m[i])
			want = RND_BASE + i * P;
	assert_int_equal(alloc_one(pm), want);
	if (want != PMEM_NONE)
		m[(want - RND_BASE) / P] = 0;
}

static void pmem_random_vs_bitmap(void **state)
{
	struct pmem pm;
	unsigned char model[RND_FRAMES];
	unsigned seed = 0xC0FFEEu, full = 0;
	const char *env = getenv("PMEM_SEED");

	(void)state;
	if (env)
		seed = (unsigned)strtoul(env, NULL, 0);
	printf("# pmem_random_vs_bitmap seed=%#x (set PMEM_SEED to change)\n", seed);
	fflush(stdout);
	rng_state = 0x9E3779B97F4A7C15ull ^ seed;
	if (rng_state == 0)
		rng_state = 1;

	rnd_refused = 0;
	pmem_init(&pm);
	memset(model, 0, sizeof(model));
	for (unsigned step = 0; step < RND_STEPS; step++) {
		unsigned op = (unsigned)rng_below(100);

		if (op < 50)
			rnd_add(&pm, model);
		else if (op < 85)
			rnd_reserve(&pm, model);
		else
			rnd_alloc(&pm, model);
		check_model(&pm, model, step);
		if (pm.n == PMEM_MAX_RANGES)
			full++;
	}
	printf("# pmem_random_vs_bitmap: table full after %u of %u steps, %u refused\n",
	       full, RND_STEPS, rnd_refused);
	/* The run must reach the table-full paths, or it tests less than it claims. */
	assert_true(full > 0);
	assert_true(rnd_refused > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pmem_init_empty),
		cmocka_unit_test(pmem_add_aligned),
		cmocka_unit_test(pmem_add_unaligned_base_shrinks),
		cmocka_unit_test(pmem_add_unaligned_len_shrinks),
		cmocka_unit_test(pmem_add_unaligned_both_shrink),
		cmocka_unit_test(pmem_add_zero_length),
		cmocka_unit_test(pmem_add_sub_page_inside_frame),
		cmocka_unit_test(pmem_add_sub_page_straddling),
		cmocka_unit_test(pmem_add_empty_leaves_set),
		cmocka_unit_test(pmem_add_address_zero),
		cmocka_unit_test(pmem_add_sorted),
		cmocka_unit_test(pmem_add_touching_after_merges),
		cmocka_unit_test(pmem_add_touching_before_merges),
		cmocka_unit_test(pmem_add_touching_after_shrink_merges),
		cmocka_unit_test(pmem_add_overlap_merges),
		cmocka_unit_test(pmem_add_contained_no_change),
		cmocka_unit_test(pmem_add_bridges_two),
		cmocka_unit_test(pmem_add_bridges_many),
		cmocka_unit_test(pmem_add_covers_all),
		cmocka_unit_test(pmem_add_high_addresses),
		cmocka_unit_test(pmem_add_table_full),
		cmocka_unit_test(pmem_add_table_full_between),
		cmocka_unit_test(pmem_add_table_full_contained_ok),
		cmocka_unit_test(pmem_add_table_full_empty_ok),
		cmocka_unit_test(pmem_add_table_full_extend_ok),
		cmocka_unit_test(pmem_add_table_full_bridge_ok),
		cmocka_unit_test(pmem_reserve_grows_outward),
		cmocka_unit_test(pmem_reserve_unaligned_spans_two_frames),
		cmocka_unit_test(pmem_reserve_unaligned_end_grows),
		cmocka_unit_test(pmem_reserve_split_middle),
		cmocka_unit_test(pmem_reserve_trim_start),
		cmocka_unit_test(pmem_reserve_trim_end),
		cmocka_unit_test(pmem_reserve_whole_range),
		cmocka_unit_test(pmem_reserve_superset_removes),
		cmocka_unit_test(pmem_reserve_across_ranges),
		cmocka_unit_test(pmem_reserve_not_free_noop),
		cmocka_unit_test(pmem_reserve_on_empty),
		cmocka_unit_test(pmem_reserve_zero_length_aligned),
		cmocka_unit_test(pmem_reserve_then_add_back),
		cmocka_unit_test(pmem_reserve_table_full_split),
		cmocka_unit_test(pmem_reserve_table_full_trim_ok),
		cmocka_unit_test(pmem_reserve_table_full_remove_ok),
		cmocka_unit_test(pmem_reserve_table_full_noop_ok),
		cmocka_unit_test(pmem_alloc_empty_none),
		cmocka_unit_test(pmem_alloc_lowest_first),
		cmocka_unit_test(pmem_alloc_page_aligned),
		cmocka_unit_test(pmem_alloc_never_repeats),
		cmocka_unit_test(pmem_alloc_free_bytes_tracks),
		cmocka_unit_test(pmem_alloc_last_frame_of_range),
		cmocka_unit_test(pmem_alloc_table_full),
		cmocka_unit_test(pmem_random_vs_bitmap),
	};

	return cmocka_run_group_tests_name("pmem", tests, NULL, NULL);
}
