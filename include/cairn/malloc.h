/*
 * cairn/malloc.h: the RTOS library's memory allocator (lib/librtos/malloc.c): malloc,
 * free, calloc and realloc for the threads of one process, and the hooks through which
 * the runtime gives it threads, a lock and pages.
 *
 * Requests up to 2 KiB come from size classes (16 ... 2048 bytes) carved out of 64 KiB
 * spans; each thread keeps a cache of free objects per class, so a malloc or free that
 * hits the cache takes no lock and no atomic instruction. Caches exchange objects with a
 * process-wide pool in batches, under alloc_lock. An object freed by a thread other than
 * the one that allocated it joins the freeing thread's cache. Larger requests take whole
 * pages from alloc_get_pages and go straight back to alloc_free_pages on free.
 *
 * This version never returns spans to the page source: the memory small objects have
 * used stays with the process (in the pool or in caches) for reuse.
 *
 * Results are 16-byte aligned, or NULL when the page source is exhausted (the allocator's
 * state stays consistent; later frees make allocation succeed again).
 */
#ifndef CAIRN_MALLOC_H
#define CAIRN_MALLOC_H

#include <stddef.h>

/* ---- the API ---- */

/* n bytes, uninitialised; malloc(0) returns a unique pointer that free accepts. */
void *rtos_malloc(size_t n);
/* Frees p from rtos_malloc, rtos_calloc or rtos_realloc; p == NULL does nothing. */
void rtos_free(void *p);
/* n * size zeroed bytes; NULL if the product overflows. */
void *rtos_calloc(size_t n, size_t size);
/*
 * p's first min(old, n) bytes in a block of n bytes, possibly moved. p == NULL is
 * rtos_malloc(n); n == 0 frees p and returns NULL. On NULL with n > 0, p is untouched.
 */
void *rtos_realloc(void *p, size_t n);

/*
 * The usual names. A program that must not have them (a host test linked against the
 * system's C library) defines CAIRN_MALLOC_NO_ALIASES before including this header.
 * Code calling malloc without including this header does not link.
 */
#ifndef CAIRN_MALLOC_NO_ALIASES
static inline void *malloc(size_t n) { return rtos_malloc(n); }
static inline void free(void *p) { rtos_free(p); }
static inline void *calloc(size_t n, size_t size) { return rtos_calloc(n, size); }
static inline void *realloc(void *p, size_t n) { return rtos_realloc(p, n); }
#endif

/* ---- the runtime's side ---- */

/* Size of a thread's cache; the runtime provides that much storage, 8-byte aligned. */
#define ALLOC_CACHE_BYTES 192

struct alloc_cache;

/*
 * Hooks the runtime defines. The allocator calls alloc_get_pages and alloc_free_pages
 * only with alloc_lock held, so the page source needs no lock of its own; none of the
 * hooks may call the allocator.
 */

/*
 * The calling thread's cache: ALLOC_CACHE_BYTES of storage, zeroed when the thread
 * starts, used only by that thread (and by alloc_thread_exit). Never NULL. Called on
 * every malloc and free, so it should be cheap (a thread-pointer load).
 */
struct alloc_cache *alloc_thread_cache(void);
/* Take and release the process-wide pool lock (a mutex; it may block). */
void alloc_lock(void);
void alloc_unlock(void);
/* bytes of fresh zeroed memory aligned to align (both multiples of 4096), or NULL. */
void *alloc_get_pages(size_t bytes, size_t align);
/* Gives back p, bytes long, from an earlier alloc_get_pages(bytes, ...). */
void alloc_free_pages(void *p, size_t bytes);

/*
 * Gives every object in c back to the pool and empties c. The runtime calls it for a
 * thread that is exiting (from that thread, or after it has stopped), before c's storage
 * is reused. A thread that calls malloc or free after it keeps working.
 */
void alloc_thread_exit(struct alloc_cache *c);

#endif
