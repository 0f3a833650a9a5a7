/*
 * gates_thread.c: the calls on threads (gates.h): each decodes its arguments,
 * checks them, and only then changes anything; a handle is looked up and used under
 * one hold of the lock (handle.h).
 */
#define RTOS_IF_thread(m, ...) m(__VA_ARGS__)	/* this file serves the thread calls */
#include "gates.h"

#define IMAGE_LO CAIRN_IMAGE_BASE	/* cairn/layout.h */
#define IMAGE_HI CAIRN_IMAGE_TOP
#define KILLED_STATUS CAIRN_EIO		/* the exit status of a killed thread */

/* Locked: t ends; so does its process if it was the last thread. Does not return. */
static __attribute__((noreturn)) void end_self(struct rthread *t, long status)
{
	thread_end(t, status);
	if (!proc_alive(t->proc))
		proc_end(t->proc, status);
	sched_gone(t);
}

/* ---- threads ---- */

static long gate_yield(struct rthread *t, const struct rtos_args *a)
{
	(void)a;
	return sched_yield(t, a->a != RTOS_YIELD_NO_LEASE);
}

static long gate_thread_create(struct rthread *t, const struct rtos_args *a)
{
	uint64_t entry = a->a, sw = a->b, stack = a->c;
	int nojoin = a->d != 0;
	unsigned core;
	long err;

	if (entry < IMAGE_LO || entry >= IMAGE_HI)
		return CAIRN_EFAULT;
	if (stack < PAGE || stack > RTOS_AREA_SIZE / 2 || stack % PAGE)
		return CAIRN_EINVAL;
	if ((err = sched_place(t, &sw, &core)))
		return err;
	sched_lock(t->core);
	struct rthread *n = (err = sched_check(0, sw, core, t->proc->ceiling)) ? 0 :
			    thread_new(t->proc, entry, sw, stack, core, &err);
	if (!n) {
		sched_unlock();
		return err;
	}
	n->nojoin = (uint8_t)nojoin;
	sched_preempt(t);
	return (long)RTOS_HANDLE(RTOS_K_THREAD, n->gen, n - threads);
}

static long gate_thread_exit(struct rthread *t, const struct rtos_args *a)
{
	long status = (long)a->a;

	sched_lock(t->core);
	end_self(t, status);
}

static long gate_thread_kill(struct rthread *t, const struct rtos_args *a)
{
	sched_lock(t->core);
	struct rthread *x = thread_of(t, a->a);
	long r = !x || !thread_alive(x) ? CAIRN_EBADF : x == t ? CAIRN_EINVAL : 0;
	if (!r)
		thread_end(x, KILLED_STATUS);
	sched_unlock();
	return r;
}

/* Locked: the exit status of t's ended, joinable thread x, taken (x's handle is then free). */
static long thread_join(struct rthread *x)
{
	long status = x->status;

	if (x->state == T_ZOMBIE)
		x->state = T_FREE;
	else
		x->nojoin = 1;		/* S frees it when it reaps it */
	return status;
}

static long gate_thread_status(struct rthread *t, const struct rtos_args *a)
{
	sched_lock(t->core);
	struct rthread *x = thread_of(t, a->a);
	long r = !x || x->nojoin ? CAIRN_EBADF : x == t ? CAIRN_EINVAL : thread_alive(x) ? CAIRN_EAGAIN : 0;
	if (!r)
		r = thread_join(x);
	sched_unlock();
	return r;
}

static long gate_thread_sched(struct rthread *t, const struct rtos_args *a)
{
	uint64_t sw = a->a;
	unsigned core;
	long err = sched_place(t, &sw, &core);

	if (err)
		return err;
	if (core != t->core)
		return CAIRN_ENOTSUP;	/* threads do not migrate */
	sched_lock(t->core);
	err = sched_check(t, sw, core, t->proc->ceiling);
	if (err) {
		sched_unlock();
		return err;
	}
	sched_apply(t, sw);
	sched_preempt(t);	/* ahead of its new equals; behind anything better */
	return 0;
}

static long gate_self(struct rthread *t, const struct rtos_args *a)
{
	(void)a;
	return (long)RTOS_HANDLE(RTOS_K_THREAD, t->gen, t - threads);
}

RTOS_SERVE_FAMILY
