/*
 * budget.c: processes' budgets of processor time (cairn/rtos.h, RTOS_RES_CPU_BUDGET;
 * docs/rtos.md, *Budgets*; docs/time.md). A process created with a budget gets a
 * kernel tcap of its own under the rtos component's (CAIRN_SLOT_TCAP), living in a
 * thread object here that never runs; its threads run on that tcap, and so do the
 * processes it creates, which share it: a child never outruns its creator's budget,
 * and is refused one of its own (EACCES). So the kernel, not this component, holds
 * the limit:
 *
 * - it charges the tcap for every cycle the process's threads run, on every core;
 * - it preempts the thread running when the budget ends (its S hears TIMEOUT), and
 *   refuses to dispatch any of them until the refill (ETIME): sched_switch then
 *   leaves the thread T_STARVED, off the run queues;
 * - the tcap's priority is the rtos's own plus the process's ceiling, never more
 *   urgent than the rtos's: the kernel ranks the process below this component.
 *
 * At each boundary of a budget's period the S of the core its timer fires on (a timer
 * of this component's own, armed for the earliest boundary) sets it anew (what a
 * period left is not carried over) and makes the starved threads ready again.
 *
 * A thread preempted inside a decision is sent back to finish it on the rtos's tcap
 * (main.c), as its own may be spent; its S binds it to its process's again as soon
 * as it runs, at most RETRY_TICKS later.
 *
 * Above the scheduler's layer and the kernel objects' (space.c); below the making
 * of processes (proc.c).
 */
#include "rtos.h"

#define CT CAIRN_SLOT_CAPTBL

static struct rtcap rtcaps[MAX_PROCS];
static long own_prio = -1;	/* the rtos's tcap's priority; -1: it holds none (no budgets) */
static struct rtimer *tick;	/* armed for the next refill, on any core: its S refills */
uint64_t budget_next;		/* the earliest boundary; 0: no budget (rtos.h: budget_due) */

/* Once, before the first process: the rtos's tcap, and a timer of its own (not a process's). */
void budget_init(void)
{
	struct cairn_ret2 r = cairn_tcap_budget(CAIRN_SLOT_TCAP);

	own_prio = (long)r.r0 >= 0 ? (long)r.r1 : -1;
	sched_lock(0);
	tick = own_prio < 0 ? 0 : timer_new(NO_PROC);
	sched_unlock();
	if (!tick)
		own_prio = -1;		/* (cannot happen: no timer is used yet) */
}

/*
 * Whether a process of creator may be made with the budget word cpu (RTOS_CPU): 0
 * for none, or a budget of 1 us or more per period of at most RTOS_CPU_PERIOD_MAX_US,
 * no longer than the period (EINVAL); never under a creator that runs on a budget
 * (EACCES); ENOTSUP if this component was given no tcap (a nested RTOS).
 */
long budget_check(const struct rproc *creator, uint64_t cpu)
{
	uint32_t b = RTOS_CPU_BUDGET(cpu), p = RTOS_CPU_PERIOD(cpu);

	if (!cpu)
		return 0;
	if (!b || !p || b > p || p > RTOS_CPU_PERIOD_MAX_US)
		return CAIRN_EINVAL;
	if (creator && creator->tc)
		return CAIRN_EACCES;
	return own_prio < 0 ? CAIRN_ENOTSUP : 0;
}

/* The timer is armed for the earliest boundary of any budget (on the caller's core). */
static void refill_next(void)
{
	uint64_t d = 0;

	for (unsigned i = 0; i < MAX_PROCS; i++)
		if (rtcaps[i].users && (!d || rtcaps[i].refill_at < d))
			d = rtcaps[i].refill_at;
	budget_next = d;
	if (d) {
		tick->expiry = d;
		timer_arm(tick);
	} else if (tick && tick->armed) {
		timer_disarm(tick);
	}
}

/* A fresh tcap with c's budget and priority, in a thread object that never runs. */
static long tcap_new(struct rtcap *c)
{
	long r = CAIRN_ENOMEM;

	c->frame = 0;
	c->holder = kobj_slot();
	c->slot = c->holder ? kobj_slot() : 0;
	if (c->slot)
		c->frame = cairn_frame(&mem, CAIRN_FRAME_KERNEL);
	if (c->frame)
		r = cairn_captbl_act_thread(CT, c->holder, CAIRN_SLOT_MEMORY, c->frame, CAIRN_SLOT_COMP, 0);
	if (r < 0) {
		if (c->frame)
			cairn_frame_put(&mem, c->frame);
		if (c->slot)
			cairn_slot_put(&mem, c->slot);
		if (c->holder)
			cairn_slot_put(&mem, c->holder);
		return r;
	}
	r = cairn_captbl_act_tcap(CT, c->slot, c->holder, CAIRN_SLOT_TCAP);
	if (!r && (r = cairn_tcap_delegate(CAIRN_SLOT_TCAP, c->slot, c->budget, c->prio)))
		cairn_captbl_remove(CT, c->slot);
	if (r) {
		cairn_slot_put(&mem, c->slot);
		kobj_unmake(c->holder, c->frame);
	}
	return r;
}

/*
 * Locked: p (built, no thread yet) runs on its own tcap if cpu gives it a budget
 * (budget_check passed), else on its creator's (0: the rtos's). ENOMEM, or a
 * kernel error, with nothing made.
 */
long budget_make(struct rproc *p, const struct rproc *creator, uint64_t cpu)
{
	struct rtcap *c = 0;

	if (!cpu) {
		p->tc = creator ? creator->tc : 0;
		if (p->tc)
			p->tc->users++;
		return 0;
	}
	for (unsigned i = 0; i < MAX_PROCS && !c; i++)
		if (!rtcaps[i].users)
			c = &rtcaps[i];
	if (!c)
		return CAIRN_ENOMEM;
	c->budget = cairn_us_ticks(root->tsc_hz, RTOS_CPU_BUDGET(cpu));
	c->period = cairn_us_ticks(root->tsc_hz, RTOS_CPU_PERIOD(cpu));
	c->prio = (unsigned)own_prio + p->ceiling;
	long r = tcap_new(c);
	if (r)
		return r;
	c->refill_at = cairn_cycles() + c->period;
	c->users = 1;
	p->tc = c;
	refill_next();
	return 0;
}

/* Locked: p (its threads freed) runs on its tcap no more; the last user frees it. */
void budget_drop(struct rproc *p)
{
	struct rtcap *c = p->tc;

	p->tc = 0;
	if (!c || --c->users)
		return;
	long r = cairn_captbl_remove(CT, c->slot);
	if (r)
		cairn_printf("rtos: removing a tcap: error %ld\n", r);
	cairn_slot_put(&mem, c->slot);
	kobj_unmake(c->holder, c->frame);
	refill_next();
}

/*
 * Locked, an S, the earliest boundary come (budget_due): every budget whose period
 * boundary has come is whole again (the boundary moves past now), and the threads it
 * starved are ready.
 */
void budget_refill(uint64_t now)
{
	for (unsigned i = 0; i < MAX_PROCS; i++) {
		struct rtcap *c = &rtcaps[i];
		if (!c->users || c->refill_at > now)
			continue;
		long r = cairn_tcap_delegate(CAIRN_SLOT_TCAP, c->slot, c->budget, c->prio);
		if (r)
			cairn_printf("rtos: refilling a budget: error %ld\n", r);
		c->refill_at += (now - c->refill_at) / c->period * c->period + c->period;
		for (unsigned j = 0; j < MAX_THREADS; j++)
			if (threads[j].state == T_STARVED && threads[j].proc->tc == c)
				rq_add(&threads[j], 0);
	}
	refill_next();
}
