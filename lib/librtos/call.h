/*
 * call.h: librtos's calls into the rtos component (cairn/rtos_abi.h) and the calling
 * thread's TLS page. Internal to lib/librtos.
 */
#ifndef LIBRTOS_CALL_H
#define LIBRTOS_CALL_H

#include <cairn/cairn.h>
#include <cairn/gate.h>
#include <cairn/rtos.h>
#include <cairn/rtos_abi.h>
#include <stddef.h>
#include "check.h"

static inline struct cairn_ret2 rtos_call(enum rtos_call n, cairn_word a, cairn_word b, cairn_word c, cairn_word d)
{
	return cairn_sinv_inline(RTOS_GATE_BASE + n, a, b, c, d);
}

static inline long rtos_call1(enum rtos_call n, cairn_word a)
{
	return rtos_call(n, a, 0, 0, 0).r0;
}

/* local.c: a yield within the process's lease; 0 done, -1 the rtos decides. */
int rtos_local_yield(void);
int rtos_local_held(void);	/* the lease is the process's, with someone to hand on to */

/* The calling thread's TLS page. */
static inline struct rtos_tls *rtos_tls(void)
{
	struct rtos_tls *t;

	__asm__("mov %%fs:0, %0" : "=r"(t));
	return t;
}

/* The calling thread's handle. */
static inline uint64_t rtos_self(void)
{
	uint64_t h;

	__asm__("mov %%fs:%c1, %0" : "=r"(h) : "i"(offsetof(struct rtos_tls, handle)));
	return h;
}

/* A handle of kind (cairn/rtos_abi.h) into a table of n objects: its index; -1 if malformed. */
static inline long handle_index(size_t h, unsigned kind, unsigned n)
{
	size_t i = (h & 0xffff) - 1;

	return RTOS_HANDLE_KIND(h) == kind && i < n ? (long)i : -1;
}

/*
 * 0 if the caller may read (write: and write) the len bytes at p; else EFAULT
 * (check.h's rtos_check_pages). The common cases are quick: the caller's own stack
 * needs no probe, a few bytes within one page one probe.
 */

/* rtos_probe called as what it is: it changes only rax, rcx and the flags (and it
 * must not touch the caller's red zone). */
static inline long probe(const void *p, int write)
{
	long r;

	__asm__ volatile("lea -128(%%rsp), %%rsp\n\tcall rtos_probe\n\tlea 128(%%rsp), %%rsp"
			 : "=a"(r) : "D"(p), "S"(write) : "rcx", "memory", "cc");
	return r;
}

/* As rtos_check, but RTOS_CHECK_FULL where rtos_check_pages must decide: a call a
 * fast path can leave to its slow path, so that it saves no register. */
#define RTOS_CHECK_FULL 1
static inline int rtos_check_quick(const void *p, size_t len, int write)
{
	uint64_t a = (uint64_t)p;
	const struct rtos_tls *t = rtos_tls();

	if (a >= t->stack_lo && a < (uint64_t)t + 4096 && len <= (uint64_t)t + 4096 - a)
		return 0;	/* on the caller's own stack or TLS page: always there */
	if (__builtin_expect(a - RTOS_USER_LO < RTOS_USER_TOP - 2 * RTOS_CHECK_PAGE && len &&
			     len <= RTOS_CHECK_PAGE && ((a ^ (a + len - 1)) >> 12) == 0, 1))
		return probe(p, write) ? EFAULT : 0;
	return RTOS_CHECK_FULL;
}

static inline int rtos_check(const void *p, size_t len, int write)
{
	int r = rtos_check_quick(p, len, write);

	return r == RTOS_CHECK_FULL ? rtos_check_pages(p, len, write) : r;
}

/*
 * Copies a channel or region name into the calling thread's msg for the next call
 * (check.c): its length; EFAULT (NULL or unreadable), EINVAL (RTOS_NAME_MAX bytes or
 * more).
 */
int rtos_msg_name(const char *name);

/* The ring of a channel end, as this process maps it (chan.c). */
struct rtos_chan_hdr *chan_hdr(size_t end, unsigned kind);
/* The event a channel end has ready (event.c polls it); EVT_ERROR if it is closed. */
unsigned chan_event(size_t end, unsigned kind);
/* Semaphores and mutexes (sync.c) for event sets: watch (bp != 0) or unwatch. */
int sync_watch(size_t h, uint64_t bp, int on);
unsigned sync_event(size_t h);
void sync_waiting(size_t h, int delta);

#endif
