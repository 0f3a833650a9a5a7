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

static inline struct cairn_ret2 rtos_call(enum rtos_call n, cairn_word a, cairn_word b, cairn_word c, cairn_word d)
{
	return cairn_sinv_inline(RTOS_GATE_BASE + n, a, b, c, d);
}

static inline long rtos_call1(enum rtos_call n, cairn_word a)
{
	return rtos_call(n, a, 0, 0, 0).r0;
}

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

/* A handle: (generation << 16) | (index + 1) into a table of n objects; -1 if malformed. */
static inline long handle_index(size_t h, unsigned n)
{
	size_t i = (h & 0xffff) - 1;

	return i < n ? (long)i : -1;
}

#endif
