/*
 * rcl.h: what the priority-ceiling test (tests/rtos/rtos_ceiling, rtos_ceilsuite)
 * and its reporting child (tests/rtos/rtos_ceilchild) agree on.
 */
#ifndef RCL_H
#define RCL_H

#include <cairn/gate.h>
#include <cairn/rtos.h>
#include "../rtos_wait.h"

/* rtos_ceilchild's exit status: its ceiling (256: none found), main priority, odd. */
#define RCL_STATUS(ceiling, prio, odd) ((int)((ceiling) | (prio) << 9 | (odd) << 17))
#define RCL_CEILING(s) ((s) & 0x1ff)
#define RCL_PRIO(s)    ((s) >> 9 & 0xff)
#define RCL_ODD(s)     ((s) >> 17 & 1)

#define RCL_SUITE_CEILING 100	/* rtos_ceilsuite runs with this ceiling */

/* The calling thread's TLS page (cairn/rtos_abi.h). */
static inline const struct rtos_tls *rcl_tls(void)
{
	const struct rtos_tls *t;

	__asm__("mov %%fs:0, %0" : "=r"(t));
	return t;
}

/* A call straight to the rtos component's gate (its raw result). */
static inline long rcl_call(enum rtos_call n, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	return cairn_sinv_inline(RTOS_GATE_BASE + n, a, b, c, d).r0;
}

/* PROC_CREATE of path straight to the gate: its raw result (a process, or an error). */
static inline long rcl_proc_create(const char *path, uint64_t sched_word, uint64_t limits)
{
	char *msg = ((struct rtos_tls *)rcl_tls())->msg;
	unsigned i = 0;

	for (; path[i]; i++)
		msg[i] = path[i];
	msg[i] = 0;
	return rcl_call(RTOS_PROC_CREATE, sched_word, limits, 0, 0);
}

/* pid's exit status once it has ended (napping 50 us at a time, so that any priority runs). */
static inline int rcl_wait(proc_t pid)
{
	timer_t t = timer_create();
	int s = rtos_wait_exit(process_get_exit_status, pid, t, 50);

	timer_free(t);
	return s;
}

#endif
