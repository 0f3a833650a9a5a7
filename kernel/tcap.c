/*
 * tcap.c: time capabilities (DESIGN.md §15, docs/time.md). A tcap lives in the thread
 * that owns it, as a receive endpoint does, and forms a tree: the root is the first
 * thread's (a budget never spent), every other the child of the one it was made under
 * (CAPTBL_ACT_TCAP), at most CAIRN_TCAP_DEPTH below the root.
 *
 * Every thread runs on a tcap (thread.on): the one a dispatch or THREAD_TCAP named
 * last, or its creator's. Time a core spends running a thread is charged to that tcap and
 * to every tcap above it, so a budget limits a whole subtree: no delegation below it
 * can outrun what it was granted. A core charges lazily: at each switch to a thread
 * on another tcap, at its timer and when it idles; its timer is armed for the
 * earlier of the dispatch deadline and the moment the running chain's budget ends.
 * When that comes, the thread is preempted and the parent of the emptied tcap hears
 * EXHAUSTED: the scheduler that granted the time decides what runs.
 *
 * An interrupt's thread preempts the running one unless the running one's tcap
 * outranks its own where their chains part (tcap_preempts): ties preempt, so threads
 * of one tcap behave as without tcaps.
 */
#include "arch.h"
#include "core.h"
#include "syscall.h"

#define INF CAIRN_TCAP_INF

/* Tcaps whose budget is not INF: while there are none, no chain is charged or walked. */
unsigned tcap_finite;

/* t's tcap gets budget b (t's own is INF until made: tcap_finite counts made ones). */
static void set_budget(struct thread *t, uint64_t b)
{
	tcap_finite += (b != INF) - (t->tc.budget != INF);
	t->tc.budget = b;
}

/* Charges the core's running chain for the time since it was last charged. */
static void charge(struct percpu *cpu)
{
	uint64_t now = arch_cycles(), spent = now - cpu->tc_since;

	cpu->tc_since = now;
	for (struct thread *on = tcap_finite ? cpu->tc_run : NULL; on; on = on->tc.parent)
		if (on->tc.budget != INF)
			on->tc.budget = on->tc.budget > spent ? on->tc.budget - spent : 0;
}

/*
 * Sets the core's timer for the dispatch deadline or the running chain's end (left
 * cycles after tc_since), the earlier.
 */
static void arm(struct percpu *cpu, uint64_t left)
{
	uint64_t at = cpu->deadline, since = cpu->tc_since;

	cpu->for_budget = left < INF - since && (!at || (at > since && left < at - since));
	if (cpu->for_budget)
		at = since + left;
	if (at && at != cpu->armed)
		arch_timer_deadline(at);
	cpu->armed = at;
}

/* t runs on on's tcap from now on (it is not running, or is the caller: see tcap_switch). */
void tcap_run_on(struct thread *t, struct thread *on)
{
	if (t->on == on)
		return;
	if (on != t)
		obj_ref(on);
	if (t->on != t)
		obj_unref(t->on);
	t->on = on;
}

/* t goes: it runs on no tcap, and its own is no longer counted or its parent's child. */
void tcap_release(struct thread *t)
{
	tcap_run_on(t, t);
	set_budget(t, INF);
	obj_unref(t->tc.parent);
}

/*
 * This core now runs a thread on on's tcap (NULL: it idles, and no tcap is spent
 * meanwhile): the previous one is charged until now.
 */
void tcap_switch(struct thread *on)
{
	struct percpu *cpu = this_cpu();

	if (!tcap_finite && !cpu->for_budget) {
		cpu->tc_run = on;	/* no chain has a budget: nothing to charge or arm (tc_since
					   stays: see docs/time.md, Limits, for the one case it matters) */
		return;
	}
	charge(cpu);
	cpu->tc_run = on;
	arm(cpu, tcap_left(on));
}

/* A dispatch asked for a deadline (the core's timer thread runs then). */
void tcap_deadline(uint64_t tsc)
{
	this_cpu()->deadline = tsc;
	this_cpu()->armed = 0;
	arm(this_cpu(), tcap_left(this_cpu()->tc_run));
}

/*
 * The core's timer fired while cur ran (NULL: idle). If it was set for the dispatch
 * deadline, *deadline is true and cur is returned: the caller activates the timer's
 * thread (a timer set for a budget the core no longer runs on, with no deadline asked,
 * is stale: nothing is activated). Else the running chain's budget ended: cur is preempted (core_preempted),
 * the parent of the emptied tcap hears EXHAUSTED naming the tcap's thread, and runs
 * if it can here; returns what runs (NULL: the core idles; cur if the timer was early).
 */
struct regs *tcap_timer(struct regs *cur, bool *deadline)
{
	struct percpu *cpu = this_cpu();

	cpu->armed = 0;
	*deadline = !cpu->for_budget && cpu->deadline;	/* 0: a budget's timer outlived it */
	if (!cpu->for_budget) {
		cpu->deadline = 0;
		if (tcap_finite)
			arm(cpu, tcap_left(cpu->tc_run));	/* the running chain's end */
		return cur;
	}
	charge(cpu);
	struct thread *x = NULL, *p;
	for (p = cpu->tc_run; p; p = p->tc.parent)
		x = p->tc.budget ? x : p;	/* the emptied tcap nearest the root */
	if (!x || !cur) {
		arm(cpu, tcap_left(cpu->tc_run));
		return cur;
	}
	p = x->tc.parent;
	thread_event(p, x, CAIRN_EVENT_EXHAUSTED);
	core_preempted(thread_of(cur));
	if (p->state == THREAD_RUNNABLE && p->core == this_core() && tcap_left(p->on))
		return &p->regs;
	return NULL;
}

/*
 * True unless b's tcap outranks a's where their chains part (there, the two tcaps
 * below the common one are compared by priority; an ancestor against its own
 * descendant, by the descendant's child of it): an interrupt for a's thread then
 * waits for a's scheduler. A tcap with no budget never preempts.
 */
bool tcap_preempts(const struct thread *a, const struct thread *b)
{
	const struct thread *x = a->on, *y = b->on;
	uint32_t px = x->tc.prio, py = y->tc.prio;

	if (!tcap_left(x))
		return false;
	if (x == y)
		return true;	/* (ties preempt) */
	for (; x->tc.depth > y->tc.depth; x = x->tc.parent)
		px = x->tc.prio;
	for (; y->tc.depth > x->tc.depth; y = y->tc.parent)
		py = y->tc.prio;
	for (; x != y; x = x->tc.parent, y = y->tc.parent) {
		px = x->tc.prio;
		py = y->tc.prio;
	}
	return px <= py;
}

/* CAPTBL_ACT_TCAP: a1 = thread, a2 = parent tcap: the thread's tcap, budget 0, the parent's priority. */
long activate_tcap(struct call *c, struct cap *slot)
{
	struct cap *tc, *pc;
	long err = cap_of_type(c, A1(c), CAIRN_CAP_THREAD, &tc);

	if (err == 0)
		err = cap_of_type(c, A2(c), CAIRN_CAP_TCAP, &pc);
	if (err)
		return err;
	struct thread *t = tc->obj, *p = pc->obj;
	if (t->tc.made)
		return CAIRN_EBUSY;
	if (p->tc.depth >= CAIRN_TCAP_DEPTH)
		return CAIRN_EDEPTH;
	err = obj_ref_check(t);
	if (err == 0)
		err = obj_ref_check(p);
	if (err)
		return err;
	obj_ref(p);
	t->tc = (struct tcap){ INF, p, p->tc.prio, (uint8_t)(p->tc.depth + 1), 1 };
	set_budget(t, 0);
	cap_copy(slot, &(struct cap){ .type = CAIRN_CAP_TCAP, .obj = t });
	return 0;
}

/*
 * TCAP_DELEGATE: the child tcap (a direct child of this one) gets budget a1 (cycles,
 * replacing what it had: 0 revokes; INF: no limit of its own, the chain's only) and
 * priority a2, no more urgent than this one's (EACCES), no more budget than this one
 * has (ERANGE).
 */
static long delegate(struct call *c, struct thread *self)
{
	struct cap *cc;
	long err = cap_of_type(c, A0(c), CAIRN_CAP_TCAP, &cc);

	if (err)
		return err;
	struct thread *child = cc->obj;
	charge(this_cpu());
	if (child->tc.parent != self)
		return CAIRN_EINVAL;
	if (A2(c) < self->tc.prio || A2(c) > UINT32_MAX)
		return CAIRN_EACCES;
	if (A1(c) != INF && A1(c) > self->tc.budget)
		return CAIRN_ERANGE;
	set_budget(child, A1(c));
	child->tc.prio = (uint32_t)A2(c);
	arm(this_cpu(), tcap_left(this_cpu()->tc_run));	/* the running chain may be the child's */
	return 0;
}

long tcap_invoke(struct call *c, struct cap *cap, unsigned op)
{
	struct thread *t = cap->obj;

	if (op == CAIRN_OP_TCAP_DELEGATE)
		return delegate(c, t);
	if (op != CAIRN_OP_TCAP_BUDGET)
		return CAIRN_ENOSYS;
	charge(this_cpu());
	regs_set_result2(c->r, t->tc.prio);
	return t->tc.budget > INT64_MAX ? INT64_MAX : (long)t->tc.budget;
}
