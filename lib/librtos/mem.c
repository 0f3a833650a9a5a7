/*
 * mem.c: pages (cairn/rtos.h mem_get_pages, mem_free_pages) from the rtos component,
 * and the allocator's hooks (cairn/malloc.h): each thread's cache in its TLS page, the
 * pool lock a mutex made on first use, pages from mem_get_pages.
 */
#include "call.h"
#include <cairn/malloc.h>

#define PAGE 4096UL

void *mem_get_pages(void *at_addr, size_t length, size_t flags)
{
	if (flags || !length)
		return 0;
	long r = rtos_call(RTOS_MEM_GET, (cairn_word)at_addr, (length + PAGE - 1) & ~(PAGE - 1), PAGE, 0).r0;
	return r > 0 ? (void *)r : 0;
}

int mem_free_pages(void *at_addr, size_t length)
{
	return (int)rtos_call(RTOS_MEM_FREE, (cairn_word)at_addr, (length + PAGE - 1) & ~(PAGE - 1), 0, 0).r0;
}

long rtos_stats(unsigned what)
{
	return rtos_call1(RTOS_STATS, what);
}

_Static_assert(ALLOC_CACHE_BYTES <= sizeof(((struct rtos_tls *)0)->local), "the cache fits the TLS page");

struct alloc_cache *alloc_thread_cache(void)
{
	return (struct alloc_cache *)rtos_tls()->local;
}

static mutex_t pool_lock;

void alloc_lock(void)
{
	if (!__atomic_load_n(&pool_lock, __ATOMIC_ACQUIRE)) {
		mutex_t m = mutex_create(0), none = 0;
		if (!__atomic_compare_exchange_n(&pool_lock, &none, m, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			mutex_destroy(m);	/* another thread made it first */
	}
	mutex_lock(pool_lock);
}

void alloc_unlock(void)
{
	mutex_unlock(pool_lock);
}

void *alloc_get_pages(size_t bytes, size_t align)
{
	long r = rtos_call(RTOS_MEM_GET, 0, bytes, align, 0).r0;

	return r > 0 ? (void *)r : 0;
}

void alloc_free_pages(void *p, size_t bytes)
{
	mem_free_pages(p, bytes);
}
