/*
 * test_malloc.c: the RTOS library's allocator (lib/librtos/malloc.c) on the host. The
 * runtime's hooks are defined here: pages from posix_memalign with a budget that can run
 * dry, a pthread mutex for the pool lock, and a __thread cache per thread. The tests run
 * in order against one allocator, as threads of a process would.
 */
#define CAIRN_MALLOC_NO_ALIASES
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/malloc.h>

#define PAGE 4096u

/* ---- the runtime's hooks ---- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t lock_owner;
static int lock_held;

/* Every block the page source has handed out and not taken back (keeps LSan quiet). */
#define MAX_BLOCKS 65536
static struct block {
	void *p;
	size_t bytes;
} blocks[MAX_BLOCKS];

static size_t budget = SIZE_MAX;	/* bytes alloc_get_pages may still hand out */
static unsigned long get_calls, free_calls;
static size_t freed_bytes;

static void die(const char *why)
{
	fprintf(stderr, "test_malloc: %s\n", why);
	abort();
}

static void need_lock(void)
{
	if (!lock_held || !pthread_equal(lock_owner, pthread_self()))
		die("page source called without alloc_lock");
}

void alloc_lock(void)
{
	pthread_mutex_lock(&lock);
	lock_owner = pthread_self();
	lock_held = 1;
}

void alloc_unlock(void)
{
	need_lock();
	lock_held = 0;
	pthread_mutex_unlock(&lock);
}

struct alloc_cache *alloc_thread_cache(void)
{
	static __thread uint64_t cache[ALLOC_CACHE_BYTES / 8];

	return (struct alloc_cache *)cache;
}

void *alloc_get_pages(size_t bytes, size_t align)
{
	void *p;

	need_lock();
	if (bytes == 0 || bytes % PAGE || align % PAGE)
		die("alloc_get_pages: bad size or alignment");
	get_calls++;
	if (bytes > budget || posix_memalign(&p, align, bytes))
		return NULL;
	for (size_t i = 0; i < MAX_BLOCKS; i++)
		if (!blocks[i].p) {
			blocks[i] = (struct block){ p, bytes };
			budget -= budget == SIZE_MAX ? 0 : bytes;
			return memset(p, 0, bytes);
		}
	die("alloc_get_pages: block table full");
	return NULL;
}

void alloc_free_pages(void *p, size_t bytes)
{
	need_lock();
	for (size_t i = 0; i < MAX_BLOCKS; i++)
		if (blocks[i].p == p) {
			if (blocks[i].bytes != bytes)
				die("alloc_free_pages: wrong size");
			blocks[i].p = NULL;
			free_calls++;
			freed_bytes += bytes;
			free(p);
			return;
		}
	die("alloc_free_pages: not from alloc_get_pages");
}

/* ---- helpers ---- */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fill(void *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)p)[i] = (uint8_t)(seed ^ (i * 7) ^ (i >> 8));
}

static int intact(const void *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (((const uint8_t *)p)[i] != (uint8_t)(seed ^ (i * 7) ^ (i >> 8)))
			return 0;
	return 1;
}

/* Mostly small sizes, some beyond the size classes, a few over a span. */
static size_t rnd_size(uint64_t *s)
{
	uint64_t r = rnd(s);

	switch (r % 16) {
	case 0:	return r >> 8 & 8191;
	case 1:	return r % 3 ? r >> 8 & 4095 : 65536 + (r >> 8 & 65535);
	default: return r >> 8 & 511;
	}
}

/* ---- tests ---- */

/* M1: every size 0..5000 at once: 16-aligned, and no two blocks overlap. */
static void every_size(void **state)
{
	(void)state;
	enum { N = 5001 };
	static void *p[N];

	for (size_t n = 0; n < N; n++) {
		p[n] = rtos_malloc(n);
		assert_non_null(p[n]);
		assert_int_equal((uintptr_t)p[n] % 16, 0);
		fill(p[n], n, (unsigned)n);
	}
	for (size_t n = 0; n < N; n++)
		assert_true(intact(p[n], n, (unsigned)n));
	for (size_t n = 0; n < N; n++)
		rtos_free(p[n]);
}

/* M2: malloc(0) is unique; free(NULL) does nothing; absurd sizes are NULL. */
static void edges(void **state)
{
	(void)state;
	void *a = rtos_malloc(0), *b = rtos_malloc(0);

	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	rtos_free(a);
	rtos_free(b);
	rtos_free(NULL);
	assert_null(rtos_malloc(SIZE_MAX));
	assert_null(rtos_malloc(SIZE_MAX - 4096));
}

/* M3: 10^5 random mallocs, frees and reallocs against a shadow of every block. */
static void random_shadow(void **state)
{
	(void)state;
	enum { SLOTS = 1024 };
	static struct { void *p; size_t n; unsigned seed; } s[SLOTS];
	uint64_t r = 0x9e3779b97f4a7c15ull;

	for (unsigned i = 0; i < 100000; i++) {
		unsigned k = rnd(&r) % SLOTS, op = rnd(&r) % 4;
		if (s[k].p)
			assert_true(intact(s[k].p, s[k].n, s[k].seed));
		if (s[k].p && op == 0) {
			rtos_free(s[k].p);
			s[k].p = NULL;
			continue;
		}
		size_t n = rnd_size(&r);
		void *p = s[k].p ? rtos_realloc(s[k].p, n) : rtos_malloc(n);
		if (n == 0 && s[k].p) {
			assert_null(p);
			s[k].p = NULL;
			continue;
		}
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
		if (s[k].p)
			assert_true(intact(p, n < s[k].n ? n : s[k].n, s[k].seed));
		s[k].p = p, s[k].n = n, s[k].seed = i;
		fill(p, n, i);
	}
	for (unsigned k = 0; k < SLOTS; k++) {
		if (s[k].p)
			assert_true(intact(s[k].p, s[k].n, s[k].seed));
		rtos_free(s[k].p);
		s[k].p = NULL;
	}
}

/* M4: realloc grows and shrinks across classes and large blocks, keeping contents. */
static void realloc_keeps_contents(void **state)
{
	(void)state;
	static const size_t steps[] = { 10, 16, 17, 100, 1000, 2048, 2049, 3000, 4080, 4081,
					100000, 5000, 2000, 50, 1 };
	size_t old = 0;
	void *p = rtos_realloc(NULL, 5);

	assert_non_null(p);
	fill(p, 5, 3);
	old = 5;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		size_t n = steps[i];
		p = rtos_realloc(p, n);
		assert_non_null(p);
		assert_true(intact(p, n < old ? n : old, 3));
		fill(p, n, 3);
		old = n;
	}
	unsigned long before = free_calls;
	p = rtos_realloc(p, 100000);
	assert_non_null(p);
	assert_null(rtos_realloc(p, 0));	/* frees the large block */
	assert_int_equal(free_calls, before + 1);
}

/* M5: calloc zeroes recycled objects and large blocks; overflow is NULL. */
static void calloc_zeroes(void **state)
{
	(void)state;
	alloc_thread_exit(alloc_thread_cache());	/* so the free below cannot flush */
	void *p = rtos_malloc(100);

	memset(p, 0xff, 100);
	rtos_free(p);
	uint8_t *q = rtos_calloc(10, 10);
	assert_ptr_equal(q, p);		/* the cache is LIFO: the same dirty object */
	for (int i = 0; i < 100; i++)
		assert_int_equal(q[i], 0);
	rtos_free(q);
	q = rtos_calloc(1000, 100);
	assert_non_null(q);
	for (int i = 0; i < 100000; i++)
		assert_int_equal(q[i], 0);
	rtos_free(q);
	assert_null(rtos_calloc(SIZE_MAX / 2 + 1, 2));
	assert_null(rtos_calloc(SIZE_MAX, SIZE_MAX));
	q = rtos_calloc(0, 5);
	assert_non_null(q);
	rtos_free(q);
}

/* M6: large blocks come from the page source and go straight back, whole. */
static void large_blocks_return(void **state)
{
	(void)state;
	unsigned long g = get_calls, f = free_calls;
	size_t fb = freed_bytes;
	void *a = rtos_malloc(2049), *b = rtos_malloc(1 << 20);

	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(get_calls, g + 2);
	fill(b, 1 << 20, 9);
	rtos_free(a);
	assert_int_equal(free_calls, f + 1);
	assert_int_equal(freed_bytes, fb + PAGE);
	rtos_free(b);
	assert_int_equal(free_calls, f + 2);
	assert_int_equal(freed_bytes, fb + PAGE + (1 << 20) + PAGE);
}

/* M7: a dry page source gives NULL cleanly; frees make allocation work again. */
static void exhaustion(void **state)
{
	(void)state;
	enum { MAX = 1 << 20 };
	void **p = calloc(MAX, sizeof(*p));
	size_t n = 0;

	budget = 0;
	while (n < MAX && (p[n] = rtos_malloc(64)))
		fill(p[n], 64, (unsigned)n), n++;
	assert_true(n < MAX);
	assert_null(rtos_malloc(64));
	assert_null(rtos_malloc(5000));
	assert_null(rtos_calloc(1, 64));
	if (n > 0) {
		void *q = p[n - 1];
		assert_null(rtos_realloc(q, 50000));	/* q untouched */
		assert_true(intact(q, 64, (unsigned)(n - 1)));
		rtos_free(q);
		p[n - 1] = rtos_malloc(64);
		assert_ptr_equal(p[n - 1], q);
		fill(q, 64, (unsigned)(n - 1));
	}
	for (size_t i = 0; i < n; i++) {
		assert_true(intact(p[i], 64, (unsigned)i));
		rtos_free(p[i]);
	}
	for (size_t i = 0; i < n; i++)		/* all of them come back, no pages needed */
		assert_non_null(p[i] = rtos_malloc(64));
	for (size_t i = 0; i < n; i++)
		rtos_free(p[i]);
	budget = SIZE_MAX;
	void *big = rtos_malloc(5000);
	assert_non_null(big);
	rtos_free(big);
	free(p);
}

/* Thread body for M8: allocate and free 500 objects of 384 bytes, then exit. */
static void *give_back(void *arg)
{
	static void *p[500];

	(void)arg;
	for (int i = 0; i < 500; i++)
		if (!(p[i] = rtos_malloc(384)))
			return "malloc failed";
	for (int i = 0; i < 500; i++)
		rtos_free(p[i]);
	alloc_thread_exit(alloc_thread_cache());
	return NULL;
}

/* Thread body for M8: allocate 384-byte objects until NULL, count them into *arg, free
 * them all and exit. */
static void *drain(void *arg)
{
	enum { MAX = 1 << 16 };
	void **p = calloc(MAX, sizeof(*p));
	size_t n = 0;

	while (n < MAX && (p[n] = rtos_malloc(300)))
		n++;
	for (size_t i = 0; i < n; i++)
		rtos_free(p[i]);
	alloc_thread_exit(alloc_thread_cache());
	free(p);
	*(size_t *)arg = n;
	return n < MAX ? NULL : "no end";
}

static void run_thread(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	void *ret;

	assert_int_equal(pthread_create(&t, NULL, fn, arg), 0);
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_null(ret);
}

/*
 * M8: alloc_thread_exit gives a thread's objects back: with the page source dry, a
 * thread gets exactly the objects the previous thread held, no more and no fewer.
 */
static void thread_exit_gives_back(void **state)
{
	(void)state;
	size_t first, second;

	run_thread(give_back, NULL);
	budget = 0;
	run_thread(drain, &first);
	run_thread(drain, &second);
	budget = SIZE_MAX;
	assert_true(first >= 500);
	assert_int_equal(second, first);
}

/* M9: four threads malloc and free at random, freeing each other's blocks too. */
enum { NTHREADS = 4, XSLOTS = 64, OPS = 50000 };
static struct { void *p; size_t n; unsigned seed; } xchg[XSLOTS];
static pthread_mutex_t xchg_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int thread_errors;

/* Swaps (p, n, seed) with exchange slot k; the caller then owns what was there. */
static void swap_slot(unsigned k, void **p, size_t *n, unsigned *seed)
{
	pthread_mutex_lock(&xchg_lock);
	void *tp = xchg[k].p;
	size_t tn = xchg[k].n;
	unsigned ts = xchg[k].seed;
	xchg[k].p = *p, xchg[k].n = *n, xchg[k].seed = *seed;
	*p = tp, *n = tn, *seed = ts;
	pthread_mutex_unlock(&xchg_lock);
}

static void *churn(void *arg)
{
	enum { SLOTS = 128 };
	struct { void *p; size_t n; unsigned seed; } s[SLOTS] = { 0 };
	uint64_t r = 0x2545f4914f6cdd1dull * ((uintptr_t)arg + 1);

	for (unsigned i = 0; i < OPS; i++) {
		unsigned k = rnd(&r) % SLOTS;
		if (s[k].p && !intact(s[k].p, s[k].n, s[k].seed))
			atomic_fetch_add(&thread_errors, 1);
		if (rnd(&r) % 3 == 0) {		/* trade with another thread */
			swap_slot(rnd(&r) % XSLOTS, &s[k].p, &s[k].n, &s[k].seed);
			continue;
		}
		rtos_free(s[k].p);
		s[k].n = rnd_size(&r) % 3000;
		s[k].seed = i ^ (unsigned)(uintptr_t)arg << 20;
		if (!(s[k].p = rtos_malloc(s[k].n))) {
			atomic_fetch_add(&thread_errors, 1);
			continue;
		}
		fill(s[k].p, s[k].n, s[k].seed);
	}
	for (unsigned k = 0; k < SLOTS; k++) {
		if (s[k].p && !intact(s[k].p, s[k].n, s[k].seed))
			atomic_fetch_add(&thread_errors, 1);
		rtos_free(s[k].p);
	}
	alloc_thread_exit(alloc_thread_cache());
	return NULL;
}

static void threads_cross_free(void **state)
{
	(void)state;
	pthread_t t[NTHREADS];

	for (uintptr_t i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, churn, (void *)i), 0);
	for (int i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(atomic_load(&thread_errors), 0);
	for (unsigned k = 0; k < XSLOTS; k++) {
		if (xchg[k].p)
			assert_true(intact(xchg[k].p, xchg[k].n, xchg[k].seed));
		rtos_free(xchg[k].p);
	}
}

/* Thread body for M10: bursts of 100 objects, so caches refill and flush constantly. */
static void *burst(void *arg)
{
	void *p[100];
	unsigned id = (unsigned)(uintptr_t)arg;

	for (unsigned round = 0; round < 2000; round++) {
		for (unsigned i = 0; i < 100; i++) {
			if (!(p[i] = rtos_malloc(64)))
				return "malloc failed";
			fill(p[i], 64, id << 24 ^ round << 8 ^ i);
		}
		for (unsigned i = 0; i < 100; i++) {
			if (!intact(p[i], 64, id << 24 ^ round << 8 ^ i))
				return "object shared";
			rtos_free(p[i]);
		}
	}
	alloc_thread_exit(alloc_thread_cache());
	return NULL;
}

/* M10: four threads hammer one class's pool; no object is handed out twice. */
static void threads_share_pool(void **state)
{
	(void)state;
	pthread_t t[NTHREADS];
	void *ret;

	for (uintptr_t i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, burst, (void *)i), 0);
	for (int i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_size),
		cmocka_unit_test(edges),
		cmocka_unit_test(random_shadow),
		cmocka_unit_test(realloc_keeps_contents),
		cmocka_unit_test(calloc_zeroes),
		cmocka_unit_test(large_blocks_return),
		cmocka_unit_test(exhaustion),
		cmocka_unit_test(thread_exit_gives_back),
		cmocka_unit_test(threads_cross_free),
		cmocka_unit_test(threads_share_pool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
