/*
 * lease.c: the view (cairn/rtos_abi.h): per core, the lease a process holds to switch
 * between its own ready threads of one level by itself, with local THREAD
 * capabilities and no call into this component (librtos's thread_yield). Written
 * under the scheduler lock, read by processes at any time: a sequence lock (seq odd
 * while it changes), so a reader that saw seq unchanged saw a whole lease.
 *
 * A lease is granted to a yielding thread's process (sched_yield) if the equals it
 * would yield to are all its own and wait in its own code (not inside a gate here: a
 * local switch can only resume a thread there); the caller then switches itself. It
 * ends (lease_void) whenever a thread of its level or a more urgent one is queued
 * there or leaves the queue (rq_add, rq_remove).
 * It gives nothing a process did not have: its switches take the core only from
 * itself, at the priority its current thread had (sched.c: sched_adopt).
 *
 * Data only: the bottom layer but for state.c.
 */
#include "rtos.h"

struct rtos_view *view;		/* this component's mapping (proc.c: proc_view_init) */
uint64_t view_frame;		/* mapped read-only into every process (space_view) */

/* Core k's view, its seq made odd: readers see it changing (until view_end). */
static struct rtos_core_view *view_begin(const struct rcore *k)
{
	struct rtos_core_view *v = &view->core[k - sched.core];

	v->seq++;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	return v;
}

static void view_end(struct rtos_core_view *v)
{
	__atomic_store_n(&v->seq, v->seq + 1, __ATOMIC_RELEASE);
}

/* Locked: core k's lease ends (seq moves: every reader sees it). */
void lease_void(struct rcore *k)
{
	struct rtos_core_view *v = view_begin(k);

	v->proc = 0;
	view_end(v);
	k->lease_end = 0;
	k->lease_proc = 0;
}

/*
 * Locked: t, the fixed-priority thread running on k's core, gets the lease on k if
 * every other ready thread of its level is of its process, waiting in its code (one
 * at least, at most RTOS_LEASE_MAX, none EDF) and none is more urgent: 1; else k has
 * none: 0.
 */
int lease_grant(struct rcore *k, const struct rthread *t)
{
	const struct rthread *h = k->rq[t->prio], *x = h;
	uint8_t idx[RTOS_LEASE_MAX];
	unsigned n = 0;

	for (unsigned w = 0; w <= t->prio / 64; w++)	/* a more urgent one ready: none */
		if (k->map[w] & (w < t->prio / 64 ? ~0UL : (1UL << (t->prio % 64)) - 1))
			goto none;
	if (t->edf)
		goto none;
	if (h)
		do {
			if (x->proc != t->proc || x->edf || x->in_rtos || n == RTOS_LEASE_MAX)
				goto none;
			idx[n++] = (uint8_t)(x - threads);
			x = x->next;
		} while (x != h);
	if (!n)
		goto none;	/* nobody to hand on to */
	struct rtos_core_view *v = view_begin(k);
	v->proc = (uint8_t)(t->proc - procs + 1);
	v->prio = t->prio;
	v->n = (uint8_t)n;
	for (unsigned i = 0; i < n; i++)
		v->thread[i] = idx[i];
	view_end(v);
	k->lease_end = t->prio + 1u;
	k->lease_proc = t->proc;
	k->lease_holder = (uint8_t)(t - threads);
	k->leased_once = 1;
	return 1;
none:
	if (k->lease_end)
		lease_void(k);
	return 0;
}
