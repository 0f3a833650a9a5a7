/*
 * local.c: switches between the process's own threads that need no call into the rtos
 * component (cairn/rtos_abi.h, *Local switches*; docs/rtos.md). The rtos leases a
 * core's level to the process in the view; the process keeps, per core, its own
 * round-robin ring of the lease's threads and switches with a local THREAD capability.
 * What the view says is read under its sequence lock and bounded; a lease gone, or a
 * switch the kernel refuses, leaves the decision to the rtos (the caller's slow path).
 */
#include "call.h"

#define VIEW ((const struct rtos_view *)CAIRN_RTOS_VIEW_VA)

struct ring {
	uint32_t seq;			/* the lease it was made from; 0: none (a lease's is even, > 0) */
	uint8_t n;
	uint8_t thread[RTOS_LEASE_MAX];	/* the threads that run after the caller, in order */
	volatile unsigned handoff;	/* the thread a local switch gave the core to, + 1; 0 none */
};

static struct ring rings[RTOS_VIEW_CORES];

/* The caller's core's lease, if it is for the caller's process and level: its seq; else 0. */
static uint32_t lease(const volatile struct rtos_core_view *v, const struct rtos_tls *me)
{
	uint32_t seq = __atomic_load_n(&v->seq, __ATOMIC_ACQUIRE);
	uint64_t w = me->sched;

	if ((seq & 1) || v->proc != me->proc || v->prio != RTOS_SCHED_PRIO(w) || RTOS_SCHED_WINDOW(w))
		return 0;
	return seq;
}

/* r made anew from v's lease seq; 0, or -1 if it changed meanwhile (or is malformed). */
static int ring_load(struct ring *r, const volatile struct rtos_core_view *v, uint32_t seq)
{
	unsigned n = v->n;

	if (n > RTOS_LEASE_MAX)
		return -1;
	for (unsigned i = 0; i < n; i++)
		r->thread[i] = v->thread[i];
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&v->seq, __ATOMIC_RELAXED) != seq)
		return -1;
	r->n = (uint8_t)n;
	r->seq = seq;
	return 0;
}

/* Whether the caller's process holds the lease on its core and level, with a thread to hand on to. */
int rtos_local_held(void)
{
	const struct rtos_tls *me = rtos_tls();
	uint64_t core = me->core;

	if (core >= RTOS_VIEW_CORES)
		return 0;
	const volatile struct rtos_core_view *v = &VIEW->core[core];
	const struct ring *r = &rings[core];
	uint32_t seq = lease(v, me);
	return seq && (r->seq == seq ? r->n : v->n) != 0;
}

/*
 * The caller gives its core to the next thread of its level, if its process holds
 * the lease there: 0 when it runs again (at once if it is alone at its level); -1 if
 * the rtos must decide (RTOS_YIELD).
 */
int rtos_local_yield(void)
{
	const struct rtos_tls *me = rtos_tls();
	uint64_t core = me->core;

	if (core >= RTOS_VIEW_CORES)
		return -1;
	const volatile struct rtos_core_view *v = &VIEW->core[core];
	struct ring *r = &rings[core];
	uint32_t seq = lease(v, me);
	if (!seq || (r->seq != seq && ring_load(r, v, seq)))
		return -1;
	if (!r->n)
		return 0;
	unsigned next = r->thread[0], n = r->n;
	for (unsigned i = 1; i < n; i++)
		r->thread[i - 1] = r->thread[i];
	unsigned self = (unsigned)((me->handle & 0xffff) - 1);
	r->thread[n - 1] = (uint8_t)self;
	r->handoff = next + 1;
	if (next >= RTOS_LOCAL_SLOTS || __atomic_load_n(&v->seq, __ATOMIC_ACQUIRE) != seq ||
	    cairn_thread_dispatch(RTOS_LOCAL_SLOT(next), 0, 0)) {
		r->handoff = 0;
		r->seq = 0;
		return -1;
	}
	/*
	 * The caller has the core again. If a local switch gave it (not the rtos), it
	 * starts a slice of its own now, as a yield through the rtos would give it: it
	 * says when, and the rtos takes that if it is after the rtos's last switch there.
	 */
	if (r->handoff == self + 1) {
		((struct rtos_tls *)me)->ran_since = cairn_cycles();
		r->handoff = 0;
	}
	return 0;
}
