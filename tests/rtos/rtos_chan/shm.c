/*
 * shm.c: conformance of shared memory within one process (docs/rtos.md, mem_shared_*):
 * named and anonymous regions, fresh or made of the caller's own pages, each mapping
 * seeing the same memory, unmapping with mem_free_pages, destruction (mappings stay),
 * every error, and no leak over many cycles. Sharing between processes is in cross.c.
 */
#include "rch.h"

#define PAGE        4096UL
#define MAX_BYTES   (256 * 1024UL)
#define WORDS       (PAGE / 8)
#define LEAK_CYCLES 100		/* 600 pages mapped: more than one page-table node covers */

static int page_aligned(const void *p)
{
	return p && !((uintptr_t)p & (PAGE - 1));
}

/* Fills pages with base + word index; checks them likewise (how many words differ). */
static void fill(volatile uint64_t *p, size_t pages, uint64_t base)
{
	for (size_t i = 0; i < pages * WORDS; i++)
		p[i] = base + i;
}

static size_t wrong(const volatile uint64_t *p, size_t pages, uint64_t base)
{
	size_t n = 0;

	for (size_t i = 0; i < pages * WORDS; i++)
		n += p[i] != base + i;
	return n;
}

/* How many words of the pages are not zero. */
static size_t not_zero(const volatile uint64_t *p, size_t pages)
{
	size_t n = 0;

	for (size_t i = 0; i < pages * WORDS; i++)
		n += p[i] != 0;
	return n;
}

/* rch.shm.1-2: a fresh named region, zeroed, mapped twice at two places. */
static void test_named_fresh(void)
{
	struct rch_cases c = { 0 };
	int r = mem_shared_create_named(0, 2 * PAGE, "rch.s1", 0);
	volatile uint64_t *a = mem_shared_map_named("rch.s1", 0);

	rch_want_eq(&c, "create", r, 0);
	rch_want(&c, page_aligned((void *)a), "mapped at %p", (void *)a);
	if (a) {
		rch_want(&c, !not_zero(a, 2), "%lu words not zero", not_zero(a, 2));
		fill(a, 2, 0x5100);
		rch_want(&c, !wrong(a, 2, 0x5100), "it does not keep what is written");
	}
	rch_done("rch.shm.1", "named_fresh_create_map", &c);

	volatile uint64_t *b = mem_shared_map_named("rch.s1", 0);
	rch_want(&c, page_aligned((void *)b) && b != a, "mapped again at %p (first %p)", (void *)b, (void *)a);
	if (a && b && b != a) {
		rch_want(&c, !wrong(b, 2, 0x5100), "the second mapping does not see the first's words");
		fill(b, 2, 0x5200);
		rch_want(&c, !wrong(a, 2, 0x5200), "the first mapping does not see the second's words");
	}
	rch_done("rch.shm.2", "map_twice_same_memory", &c);
	if (a)
		mem_free_pages((void *)a, 2 * PAGE);
	if (b && b != a)
		mem_free_pages((void *)b, 2 * PAGE);
	mem_shared_destroy_named("rch.s1");
}

/* rch.shm.3: whole pages, 1 to 64 of them. */
static void test_len(void)
{
	static const size_t bad[] = { 0, 100, PAGE + 1, PAGE - 1, MAX_BYTES + PAGE, ~(size_t)0 & ~(PAGE - 1) };
	struct rch_cases c = { 0 };

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = mem_shared_create_named(0, bad[i], "rch.s3", 0);
		rch_want(&c, r == EINVAL, "named, %lu bytes: %d (want %d)", bad[i], r, EINVAL);
		if (!r)
			mem_shared_destroy_named("rch.s3");
		size_t id = mem_shared_create_anon(0, bad[i], 0);
		rch_want(&c, !id, "anonymous, %lu bytes: %lu (want 0)", bad[i], id);
		if (id)
			mem_shared_destroy_anon(id);
	}
	int r = mem_shared_create_named(0, MAX_BYTES, "rch.s3", 0);
	rch_want_eq(&c, "named, 256 KiB", r, 0);
	rch_want_eq(&c, "destroy it", mem_shared_destroy_named("rch.s3"), 0);
	size_t id = mem_shared_create_anon(0, MAX_BYTES, 0);
	rch_want(&c, id, "anonymous, 256 KiB: 0");
	rch_want_eq(&c, "destroy it", mem_shared_destroy_anon(id), 0);
	rch_done("rch.shm.3", "create_bad_length_einval", &c);
}

/* rch.shm.4: `at` must be the caller's own private pages, page-aligned. */
static void test_at(void)
{
	struct rch_cases c = { 0 };
	char *own = mem_get_pages(0, 2 * PAGE, 0);

	mem_shared_create_named(0, PAGE, "rch.s4m", 0);
	char *mapping = mem_shared_map_named("rch.s4m", 0);
	struct { const char *what; void *at; size_t len; } bad[] = {
		{ "unaligned", own + 8, PAGE },
		{ "past the caller's pages", own + PAGE, 2 * PAGE },
		{ "unmapped", RCH_UNMAPPED_PTR, PAGE },
		{ "kernel half", RCH_KERNEL_PTR, PAGE },
		{ "a shared mapping", mapping, PAGE },
	};
	rch_want(&c, own && mapping, "no pages to start from: %p %p", own, mapping);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = mem_shared_create_named(bad[i].at, bad[i].len, "rch.s4", 0);
		rch_want(&c, r == EINVAL, "named, %s: %d (want %d)", bad[i].what, r, EINVAL);
		if (!r)
			mem_shared_destroy_named("rch.s4");
		size_t id = mem_shared_create_anon(bad[i].at, bad[i].len, 0);
		rch_want(&c, !id, "anonymous, %s: %lu (want 0)", bad[i].what, id);
		if (id)
			mem_shared_destroy_anon(id);
	}
	int first = mem_shared_create_named(own, PAGE, "rch.s4a", 0);
	int twice = mem_shared_create_named(own, PAGE, "rch.s4b", 0);
	size_t twice_anon = mem_shared_create_anon(own, PAGE, 0);
	rch_want(&c, first == 0 && twice == EINVAL && !twice_anon,
		 "the same pages shared twice: %d, then %d (want %d), anonymous %lu (want 0)", first, twice, EINVAL,
		 twice_anon);
	if (!twice)
		mem_shared_destroy_named("rch.s4b");
	if (twice_anon)
		mem_shared_destroy_anon(twice_anon);
	mem_shared_destroy_named("rch.s4a");
	mem_free_pages(own, 2 * PAGE);
	int freed = mem_shared_create_named(own + PAGE, PAGE, "rch.s4", 0);
	rch_want(&c, freed == EINVAL, "pages given back: %d (want %d)", freed, EINVAL);
	if (!freed)
		mem_shared_destroy_named("rch.s4");
	if (mapping)
		mem_free_pages(mapping, PAGE);
	mem_shared_destroy_named("rch.s4m");
	rch_done("rch.shm.4", "create_bad_at_einval", &c);
}

/* rch.shm.5: flags must be 0. */
static void test_flags(void)
{
	struct rch_cases c = { 0 };
	static const size_t flags[] = { 1, 2, 0x100, ~(size_t)0 };

	for (unsigned i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		int r = mem_shared_create_named(0, PAGE, "rch.s5", flags[i]);
		rch_want(&c, r == EINVAL, "named, flags 0x%lx: %d (want %d)", flags[i], r, EINVAL);
		if (!r)
			mem_shared_destroy_named("rch.s5");
		size_t id = mem_shared_create_anon(0, PAGE, flags[i]);
		rch_want(&c, !id, "anonymous, flags 0x%lx: %lu (want 0)", flags[i], id);
		if (id)
			mem_shared_destroy_anon(id);
	}
	rch_done("rch.shm.5", "create_flags_einval", &c);
}

/* rch.shm.6: a name is not empty, at most 31 bytes (as a channel's), one region's. */
static void test_names(void)
{
	static const char n31[] = "rch.shm.name.31.bytes.abcdefghi";
	static const char n32[] = "rch.shm.name.32.bytes.abcdefghij";
	static const char n100[] = "rch.shm.name.100.bytes.long.abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
				   "abcdefghijklmnopqrst";
	struct rch_cases c = { 0 };

	_Static_assert(sizeof(n31) == 32 && sizeof(n32) == 33 && sizeof(n100) == 101, "31, 32 and 100 bytes");
	rch_want_eq(&c, "empty name", mem_shared_create_named(0, PAGE, "", 0), EINVAL);
	rch_want_eq(&c, "32-byte name", mem_shared_create_named(0, PAGE, n32, 0), EINVAL);
	rch_want_eq(&c, "100-byte name", mem_shared_create_named(0, PAGE, n100, 0), EINVAL);
	rch_want_eq(&c, "31-byte name", mem_shared_create_named(0, PAGE, n31, 0), 0);
	rch_want_eq(&c, "taken", mem_shared_create_named(0, 2 * PAGE, n31, 0), EINVAL);
	rch_want_eq(&c, "destroy", mem_shared_destroy_named(n31), 0);
	rch_want_eq(&c, "the name once its region is destroyed", mem_shared_create_named(0, PAGE, n31, 0), 0);
	mem_shared_destroy_named(n31);
	rch_done("rch.shm.6", "create_bad_name_einval", &c);
}

/* rch.shm.7: destroying or mapping what does not exist. */
static void test_unknown(void)
{
	struct rch_cases c = { 0 };
	size_t stale = mem_shared_create_anon(0, PAGE, 0);

	mem_shared_destroy_anon(stale);
	size_t ids[] = { 0, 0xffff, RCH_BAD_GEN, RTOS_HANDLE(RTOS_K_SHM, 0x7777, 0), stale };
	rch_want_eq(&c, "destroy an unknown name", mem_shared_destroy_named("rch.none"), EINVAL);
	rch_want_eq(&c, "destroy the empty name", mem_shared_destroy_named(""), EINVAL);
	void *m = mem_shared_map_named("rch.none", 0);
	rch_want(&c, !m, "map an unknown name: %p", m);
	for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		rch_want_eq(&c, "destroy a bad id", mem_shared_destroy_anon(ids[i]), EINVAL);
		m = mem_shared_map_anon(ids[i], 0);
		rch_want(&c, !m, "map bad id %lu: %p", ids[i], m);
	}
	rch_done("rch.shm.7", "unknown_destroy_einval_map_0", &c);
}

/* rch.shm.8: a region of the caller's own pages: they stay mapped and are shared. */
static void test_own_pages(void)
{
	struct rch_cases c = { 0 };
	volatile uint64_t *own = mem_get_pages(0, 2 * PAGE, 0);

	if (!own) {
		rch_check("rch.shm.8", "create_from_own_pages", 0, "mem_get_pages failed");
		return;
	}
	fill(own, 2, 0x5800);
	rch_want_eq(&c, "create", mem_shared_create_named((void *)own, 2 * PAGE, "rch.s8", 0), 0);
	rch_want(&c, !wrong(own, 2, 0x5800), "the pages lost their contents");
	volatile uint64_t *m = mem_shared_map_named("rch.s8", 0);
	rch_want(&c, page_aligned((void *)m) && m != own, "mapped at %p (pages at %p)", (void *)m, (void *)own);
	if (m && m != own) {
		rch_want(&c, !wrong(m, 2, 0x5800), "the mapping does not see the pages' contents");
		fill(m, 2, 0x5810);
		rch_want(&c, !wrong(own, 2, 0x5810), "the pages do not see the mapping's writes");
		fill(own, 2, 0x5820);
		rch_want(&c, !wrong(m, 2, 0x5820), "the mapping does not see the pages' writes");
		mem_free_pages((void *)m, 2 * PAGE);
	}
	rch_want_eq(&c, "destroy", mem_shared_destroy_named("rch.s8"), 0);
	rch_want(&c, !wrong(own, 2, 0x5820), "the pages changed at destroy");
	rch_want_eq(&c, "free the pages", mem_free_pages((void *)own, 2 * PAGE), 0);
	rch_done("rch.shm.8", "create_from_own_pages", &c);
}

/* rch.shm.9: one mapping unmapped with mem_free_pages; the others still work. */
static void test_free_mapping(void)
{
	struct rch_cases c = { 0 };

	mem_shared_create_named(0, PAGE, "rch.s9", 0);
	volatile uint64_t *a = mem_shared_map_named("rch.s9", 0), *b = mem_shared_map_named("rch.s9", 0);
	if (!a || !b || a == b) {
		rch_check("rch.shm.9", "free_one_mapping", 0, "mappings %p %p", (void *)a, (void *)b);
		mem_shared_destroy_named("rch.s9");
		return;
	}
	fill(a, 1, 0x5900);
	long p0 = rtos_stats(RTOS_STAT_PAGES);
	rch_want_eq(&c, "mem_free_pages of a mapping", mem_free_pages((void *)a, PAGE), 0);
	long p1 = rtos_stats(RTOS_STAT_PAGES);
	rch_want(&c, p1 == p0 - 1, "pages mapped %ld -> %ld (want one fewer)", p0, p1);
	rch_want_eq(&c, "free it again", mem_free_pages((void *)a, PAGE), EINVAL);
	rch_want(&c, !wrong(b, 1, 0x5900), "the other mapping lost the words");
	fill(b, 1, 0x5910);
	volatile uint64_t *d = mem_shared_map_named("rch.s9", 0);
	rch_want(&c, d && !wrong(d, 1, 0x5910), "a new mapping (%p) does not see the words", (void *)d);
	rch_want_eq(&c, "free the other", mem_free_pages((void *)b, PAGE), 0);
	if (d)
		rch_want_eq(&c, "free the new one", mem_free_pages((void *)d, PAGE), 0);
	rch_want_eq(&c, "destroy", mem_shared_destroy_named("rch.s9"), 0);
	rch_done("rch.shm.9", "free_one_mapping", &c);
}

/* rch.shm.10: after destroy the name maps nothing, existing mappings stay valid. */
static void test_destroy(void)
{
	struct rch_cases c = { 0 };

	mem_shared_create_named(0, PAGE, "rch.s10", 0);
	volatile uint64_t *a = mem_shared_map_named("rch.s10", 0);
	if (a)
		fill(a, 1, 0x5a00);
	rch_want_eq(&c, "destroy", mem_shared_destroy_named("rch.s10"), 0);
	void *m = mem_shared_map_named("rch.s10", 0);
	rch_want(&c, !m, "map after destroy: %p (want 0)", m);
	rch_want_eq(&c, "destroy again", mem_shared_destroy_named("rch.s10"), EINVAL);
	rch_want(&c, a && !wrong(a, 1, 0x5a00), "the mapping %p lost its words", (void *)a);
	if (a) {
		fill(a, 1, 0x5a10);
		rch_want(&c, !wrong(a, 1, 0x5a10), "the mapping is no longer writable");
	}
	rch_want_eq(&c, "the name again", mem_shared_create_named(0, PAGE, "rch.s10", 0), 0);
	volatile uint64_t *n = mem_shared_map_named("rch.s10", 0);
	rch_want(&c, n && n != a && !not_zero(n, 1), "the new region %p is not fresh (old mapping %p)",
		 (void *)n, (void *)a);
	if (n)
		mem_free_pages((void *)n, PAGE);
	mem_shared_destroy_named("rch.s10");
	if (a)
		rch_want_eq(&c, "free the old mapping", mem_free_pages((void *)a, PAGE), 0);
	rch_done("rch.shm.10", "destroy_then_map_fails", &c);
}

/* rch.shm.11: an anonymous region by its id. */
static void test_anon(void)
{
	struct rch_cases c = { 0 };
	size_t id = mem_shared_create_anon(0, 2 * PAGE, 0), id2 = mem_shared_create_anon(0, PAGE, 0);

	rch_want(&c, id && id2 && id != id2, "ids %lu %lu", id, id2);
	volatile uint64_t *a = mem_shared_map_anon(id, 0), *b = mem_shared_map_anon(id, 0);
	rch_want(&c, page_aligned((void *)a) && page_aligned((void *)b) && a != b, "mapped at %p and %p",
		 (void *)a, (void *)b);
	if (a && b && a != b) {
		rch_want(&c, !not_zero(a, 2), "not zeroed");
		fill(a, 2, 0x5b00);
		rch_want(&c, !wrong(b, 2, 0x5b00), "the second mapping does not see the first's words");
	}
	rch_want_eq(&c, "destroy", mem_shared_destroy_anon(id), 0);
	void *m = mem_shared_map_anon(id, 0);
	rch_want(&c, !m, "map after destroy: %p (want 0)", m);
	rch_want_eq(&c, "destroy again", mem_shared_destroy_anon(id), EINVAL);
	if (a && b && a != b) {
		fill(b, 2, 0x5b10);
		rch_want(&c, !wrong(a, 2, 0x5b10), "mappings stopped sharing at destroy");
	}
	if (a)
		rch_want_eq(&c, "free a mapping", mem_free_pages((void *)a, 2 * PAGE), 0);
	if (b && b != a)
		rch_want_eq(&c, "free a mapping", mem_free_pages((void *)b, 2 * PAGE), 0);
	rch_want_eq(&c, "destroy the other", mem_shared_destroy_anon(id2), 0);

	volatile uint64_t *own = mem_get_pages(0, PAGE, 0);
	if (own)
		fill(own, 1, 0x5b20);
	size_t id3 = own ? mem_shared_create_anon((void *)own, PAGE, 0) : 0;
	volatile uint64_t *m3 = id3 ? mem_shared_map_anon(id3, 0) : 0;
	rch_want(&c, id3 && m3 && m3 != own && !wrong(m3, 1, 0x5b20) && !wrong(own, 1, 0x5b20),
		 "from own pages: id %lu mapped at %p", id3, (void *)m3);
	if (m3)
		mem_free_pages((void *)m3, PAGE);
	if (id3)
		mem_shared_destroy_anon(id3);
	if (own)
		mem_free_pages((void *)own, PAGE);
	rch_done("rch.shm.11", "anonymous_by_id", &c);
}

/* rch.shm.12: regions and their memory all come back. */
static int leak_cycle(void)
{
	int ok = mem_shared_create_named(0, 2 * PAGE, "rch.s12", 0) == 0;
	volatile uint64_t *a = mem_shared_map_named("rch.s12", 0), *b = mem_shared_map_named("rch.s12", 0);

	ok &= a && b && a != b;
	if (a)
		a[0] = 1, ok &= mem_free_pages((void *)a, 2 * PAGE) == 0;
	if (b)
		ok &= b[0] == 1 && mem_free_pages((void *)b, 2 * PAGE) == 0;
	ok &= mem_shared_destroy_named("rch.s12") == 0;

	volatile uint64_t *own = mem_get_pages(0, PAGE, 0);
	size_t id = own ? mem_shared_create_anon((void *)own, PAGE, 0) : 0;
	volatile uint64_t *m = id ? mem_shared_map_anon(id, 0) : 0;
	ok &= own && id && m;
	if (m)
		ok &= mem_free_pages((void *)m, PAGE) == 0;
	if (id)
		ok &= mem_shared_destroy_anon(id) == 0;
	if (own)
		ok &= mem_free_pages((void *)own, PAGE) == 0;
	return ok;
}

static void test_no_leak(void)
{
	int ok = leak_cycle();
	rch_sleep(1000);
	long c0 = rtos_stats(RTOS_STAT_CHANS), u0 = rtos_stats(RTOS_STAT_UNTYPED), p0 = rtos_stats(RTOS_STAT_PAGES);
	int cycles = 0;

	while (ok && cycles < LEAK_CYCLES) {
		ok = leak_cycle();
		cycles += ok;
	}
	rch_sleep(1000);
	long c1 = rtos_stats(RTOS_STAT_CHANS), u1 = rtos_stats(RTOS_STAT_UNTYPED), p1 = rtos_stats(RTOS_STAT_PAGES);
	rch_check("rch.shm.12", "no_leak_100_cycles", cycles == LEAK_CYCLES && u0 > 0 && c1 == c0 && u1 == u0 &&
		  p1 == p0, "%d cycles: regions %ld->%ld untyped %ld->%ld pages %ld->%ld", cycles, c0, c1, u0, u1,
		  p0, p1);
}

void rch_shm(void)
{
	test_named_fresh();
	test_len();
	test_at();
	test_flags();
	test_names();
	test_unknown();
	test_own_pages();
	test_free_mapping();
	test_destroy();
	test_anon();
	test_no_leak();
}
