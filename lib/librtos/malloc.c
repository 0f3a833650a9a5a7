/*
 * malloc.c: the RTOS library's allocator (cairn/malloc.h). Tested on the host
 * (tests/host/test_malloc.c).
 *
 * Small objects (up to CLASS_MAX bytes) live in SPAN-byte, SPAN-aligned spans, each
 * holding objects of one size class behind a struct span header; large blocks are
 * SPAN-aligned runs of pages behind the same header, marked CLASS_LARGE. So free finds
 * an object's header at p & ~(SPAN - 1).
 *
 * Free small objects are singly linked through their first word, either in a thread's
 * cache (touched only by that thread: no lock) or in the pool (under alloc_lock). The
 * pool also carves fresh objects from each class's current span. Invariant: every small
 * object is exactly one of handed out, in one cache list, in one pool list, or not yet
 * carved; a cache's count is its list's length.
 */
#define CAIRN_MALLOC_NO_ALIASES
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cairn/malloc.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);

#define unlikely(x)	__builtin_expect(!!(x), 0)
/* Kept out of line so the fast paths need no spills around them. */
#define slowpath	__attribute__((noinline, cold))

#define PAGE		4096ul
#define SPAN		65536ul
#define HDR		16ul		/* sizeof(struct span): keeps objects 16-aligned */
#define NCLASS		13
#define CLASS_MAX	2048ul
#define CLASS_LARGE	0xffu
#define BATCH		16u		/* objects a cache takes from the pool at once */
#define CACHE_MAX	64u		/* a longer cache list gives CACHE_MAX / 2 back */

struct span {
	uint32_t cls;			/* size class, or CLASS_LARGE */
	uint32_t pad;
	size_t npages;			/* CLASS_LARGE: pages in the block, header's included */
};

struct obj {
	struct obj *next;
};

struct alloc_cache {
	struct obj *head[16];		/* per class; 16 >= NCLASS keeps the size fixed */
	uint32_t count[16];
};

_Static_assert(sizeof(struct alloc_cache) == ALLOC_CACHE_BYTES, "ALLOC_CACHE_BYTES");
_Static_assert(_Alignof(struct alloc_cache) <= 8, "cache alignment");
_Static_assert(sizeof(struct span) == HDR, "span header");

static const uint16_t class_size[NCLASS] = {
	16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 2048
};

/* The class of an n-byte request, n <= CLASS_MAX, indexed by (n + 15) / 16. */
static const uint8_t class_of[CLASS_MAX / 16 + 1] = {
	[0 ... 1] = 0, [2] = 1, [3] = 2, [4] = 3, [5 ... 6] = 4, [7 ... 8] = 5,
	[9 ... 12] = 6, [13 ... 16] = 7, [17 ... 24] = 8, [25 ... 32] = 9,
	[33 ... 48] = 10, [49 ... 64] = 11, [65 ... 128] = 12,
};

/* The pool: alloc_lock guards all of it. */
static struct {
	struct obj *head[NCLASS];	/* freed objects given back by caches */
	uintptr_t bump[NCLASS];		/* next uncarved object of the class's current span */
	uintptr_t end[NCLASS];		/* that span's end (both 0 before the first span) */
} pool;

static struct span *span_of(const void *p)
{
	return (struct span *)((uintptr_t)p & ~(SPAN - 1));
}

/* One object of class k carved from its current span or a new one; NULL if no pages. */
static struct obj *pool_carve(size_t k)
{
	size_t size = class_size[k];

	if (pool.end[k] - pool.bump[k] < size) {
		struct span *s = alloc_get_pages(SPAN, SPAN);
		if (!s)
			return NULL;
		s->cls = k;
		pool.bump[k] = (uintptr_t)s + HDR;
		pool.end[k] = (uintptr_t)s + SPAN;
	}
	struct obj *o = (struct obj *)pool.bump[k];
	pool.bump[k] += size;
	return o;
}

/*
 * Slow path of malloc: fills c's empty list for class k with up to BATCH objects from
 * the pool and returns one more; NULL (c unchanged) if there are none and no pages.
 */
slowpath static void *cache_refill(struct alloc_cache *c, size_t k)
{
	struct obj *list = NULL, *o;
	unsigned n = 0;

	alloc_lock();
	for (; n <= BATCH && (o = pool.head[k]); n++) {
		pool.head[k] = o->next;
		o->next = list;
		list = o;
	}
	for (; n <= BATCH && (o = pool_carve(k)); n++) {
		o->next = list;
		list = o;
	}
	alloc_unlock();
	if (!list)
		return NULL;
	c->head[k] = list->next;
	c->count[k] = n - 1;
	return list;
}

/* Slow path of free: c's list for class k is over CACHE_MAX; half goes to the pool. */
slowpath static void cache_flush(struct alloc_cache *c, size_t k)
{
	struct obj *first = c->head[k], *last = first;

	for (unsigned i = 1; i < CACHE_MAX / 2; i++)
		last = last->next;
	c->head[k] = last->next;
	c->count[k] -= CACHE_MAX / 2;
	alloc_lock();
	last->next = pool.head[k];
	pool.head[k] = first;
	alloc_unlock();
}

/* The last object of list, or NULL if it is empty. */
static struct obj *list_last(struct obj *list)
{
	while (list && list->next)
		list = list->next;
	return list;
}

void alloc_thread_exit(struct alloc_cache *c)
{
	struct obj *last[NCLASS];

	for (unsigned k = 0; k < NCLASS; k++)	/* c is ours: walk it outside the lock */
		last[k] = list_last(c->head[k]);
	alloc_lock();
	for (unsigned k = 0; k < NCLASS; k++)
		if (last[k]) {
			last[k]->next = pool.head[k];
			pool.head[k] = c->head[k];
		}
	alloc_unlock();
	memset(c, 0, sizeof(*c));
}

/* n > CLASS_MAX: a block of its own, straight from the page source. */
slowpath static void *large_alloc(size_t n)
{
	if (n > SIZE_MAX - HDR - PAGE)
		return NULL;
	size_t bytes = (n + HDR + PAGE - 1) & ~(PAGE - 1);
	alloc_lock();
	struct span *s = alloc_get_pages(bytes, SPAN);
	alloc_unlock();
	if (!s)
		return NULL;
	s->cls = CLASS_LARGE;
	s->npages = bytes / PAGE;
	return (char *)s + HDR;
}

slowpath static void large_free(struct span *s)
{
	alloc_lock();
	alloc_free_pages(s, s->npages * PAGE);
	alloc_unlock();
}

/* Fast path: a cache hit is a table lookup, the hook and a list pop. */
void *rtos_malloc(size_t n)
{
	if (unlikely(n > CLASS_MAX))
		return large_alloc(n);
	size_t k = class_of[(n + 15) >> 4];
	struct alloc_cache *c = alloc_thread_cache();
	struct obj *o = c->head[k];
	if (unlikely(!o))
		return cache_refill(c, k);
	c->head[k] = o->next;
	c->count[k]--;
	return o;
}

/* Fast path: the hook, a header load and a list push. */
void rtos_free(void *p)
{
	if (unlikely(!p))
		return;
	struct alloc_cache *c = alloc_thread_cache();
	size_t k = span_of(p)->cls;
	if (unlikely(k == CLASS_LARGE)) {
		large_free(span_of(p));
		return;
	}
	struct obj *o = p;
	o->next = c->head[k];
	c->head[k] = o;
	if (unlikely(++c->count[k] > CACHE_MAX))
		cache_flush(c, k);
}

void *rtos_calloc(size_t n, size_t size)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	void *p = rtos_malloc(bytes);
	if (p && bytes <= CLASS_MAX)	/* large blocks are fresh zeroed pages */
		memset(p, 0, bytes);
	return p;
}

/* Bytes usable in s's object or block. */
static size_t usable(const struct span *s)
{
	return s->cls == CLASS_LARGE ? s->npages * PAGE - HDR : class_size[s->cls];
}

/* Whether an n-byte realloc keeps s's object: malloc(n) would pick its class, or n fits
 * its large block using more than half of it. */
static bool realloc_keeps(const struct span *s, size_t n)
{
	if (s->cls != CLASS_LARGE)
		return n <= CLASS_MAX && class_of[(n + 15) >> 4] == s->cls;
	return n > CLASS_MAX && n <= usable(s) && n > usable(s) / 2;
}

void *rtos_realloc(void *p, size_t n)
{
	if (!p)
		return rtos_malloc(n);
	if (n == 0) {
		rtos_free(p);
		return NULL;
	}
	if (realloc_keeps(span_of(p), n))
		return p;
	size_t old = usable(span_of(p));
	void *q = rtos_malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, n < old ? n : old);
	rtos_free(p);
	return q;
}
