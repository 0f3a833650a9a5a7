/*
 * gates_sync.c: the calls on block points and timers (gates.h). Each decodes its
 * arguments, checks them, and only then changes anything; a handle is looked up and
 * used under one hold of the lock (handle.h).
 */
#define RTOS_IF_sync(m, ...) m(__VA_ARGS__)	/* this file serves the block point and timer calls */
#include "gates.h"
#include "bp.h"

/* ---- block points ---- */

/* Locked: fn(t, bp) on the block point id names, or EBADF. Returns unlocked. */
static long on_bp(struct rthread *t, uint64_t id, long (*fn)(struct rthread *, struct bp *))
{
	struct bp *bp = LOCKED(t, bp_of(t, id));

	return bp ? fn(t, bp) : CAIRN_EBADF;
}

static long gate_block(struct rthread *t, const struct rtos_args *a)
{
	return on_bp(t, a->a, a->b == RTOS_BLOCK_LEASE ? bp_block_lease : bp_block);
}

static long gate_wake(struct rthread *t, const struct rtos_args *a)
{
	return on_bp(t, a->a, bp_wake);
}

static long gate_bp_create(struct rthread *t, const struct rtos_args *a)
{
	uint64_t binary = a->a;

	if (binary > 1)
		return CAIRN_EINVAL;
	sched_lock(t->core);
	struct bp *bp = bp_new((unsigned)(t->proc - procs), binary ? BP_BINARY : BP_COUNTING);
	sched_unlock();
	return bp ? (long)RTOS_HANDLE(RTOS_K_BP, bp->gen, bp - bps) : CAIRN_ENOMEM;
}

static long gate_bp_destroy(struct rthread *t, const struct rtos_args *a)
{
	struct bp *bp = LOCKED(t, bp_of(t, a->a));

	if (!bp)
		return CAIRN_EBADF;
	watch_bp_free(bp, CAIRN_EBADF);
	sched_preempt(t);	/* a better waiter it released runs now */
	return 0;
}

/* ---- timers ---- */

static long gate_timer_create(struct rthread *t, const struct rtos_args *a)
{
	(void)a;
	sched_lock(t->core);
	struct rtimer *x = timer_new((unsigned)(t->proc - procs));
	long r = x ? (long)RTOS_HANDLE(RTOS_K_TIMER, x->gen, x - timers) : CAIRN_ENOMEM;
	sched_unlock();
	return r;
}

static long gate_timer_set(struct rthread *t, const struct rtos_args *a)
{
	uint64_t expiry = a->b, period = a->c;
	struct rtimer *x = LOCKED(t, timer_of(t, a->a));

	if (!x)
		return CAIRN_EBADF;
	x->expiry = expiry;
	x->period = period;
	x->fired = 0;
	timer_arm(x);
	timers_expire(t->core, cairn_cycles());
	sched_preempt(t);	/* a better waiter it woke runs now; the timer is set anew */
	return 0;
}

static long gate_timer_cancel(struct rthread *t, const struct rtos_args *a)
{
	struct rtimer *x = LOCKED(t, timer_of(t, a->a));

	if (!x)
		return CAIRN_EBADF;
	timer_disarm(x);
	bp_wake_all(x->bp, CAIRN_EAGAIN);	/* it would never fire for them now */
	sched_preempt(t);
	return 0;
}

static long gate_timer_free(struct rthread *t, const struct rtos_args *a)
{
	struct rtimer *x = LOCKED(t, timer_of(t, a->a));

	if (!x)
		return CAIRN_EBADF;
	timer_drop(x);
	sched_preempt(t);
	return 0;
}

/*
 * Each round looks the timer up again: while the caller waits, the timer may be
 * freed and its slot taken by another process's.
 */
static long gate_timer_wait(struct rthread *t, const struct rtos_args *a)
{
	long r = 0;

	while (r == 0) {
		struct rtimer *x = LOCKED(t, timer_of(t, a->a));
		r = x ? timer_wait(t, x) : CAIRN_EBADF;
	}
	return r;
}

RTOS_SERVE_FAMILY
