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

/* ---- shared memory ---- */

/* A name for the next call in the msg: 0, EFAULT, EINVAL (empty or too long). */
static int named(const char *name)
{
	int n = rtos_msg_name(name);

	return n > 0 ? 0 : n ? n : EINVAL;
}

int mem_shared_create_named(void *at_addr, size_t length, const char *name, size_t flags)
{
	int e = flags ? EINVAL : named(name);

	if (e)
		return e;
	long r = rtos_call(RTOS_SHM_CREATE, (cairn_word)at_addr, length, 0, 0).r0;
	return r > 0 ? 0 : (int)r;
}

void *mem_shared_map_named(const char *name, size_t flags)
{
	if (flags || named(name))
		return 0;
	long r = rtos_call1(RTOS_SHM_MAP, 0);
	return r > 0 ? (void *)r : 0;
}

int mem_shared_destroy_named(const char *name)
{
	int e = named(name);

	if (e)
		return e;
	return (int)rtos_call1(RTOS_SHM_DESTROY, 0);
}

size_t mem_shared_create_anon(void *at_addr, size_t length, size_t flags)
{
	if (flags)
		return 0;
	rtos_tls()->msg[0] = 0;
	long r = rtos_call(RTOS_SHM_CREATE, (cairn_word)at_addr, length, 0, 0).r0;
	return r > 0 ? (size_t)r : 0;
}

void *mem_shared_map_anon(size_t id, size_t flags)
{
	if (flags || !id)
		return 0;
	long r = rtos_call1(RTOS_SHM_MAP, id);
	return r > 0 ? (void *)r : 0;
}

int mem_shared_destroy_anon(size_t id)
{
	if (!id)
		return EINVAL;
	return (int)rtos_call1(RTOS_SHM_DESTROY, id);
}
