/*
 * thread.c: threads, their receive endpoints, asynchronous sends and dispatch. The
 * kernel keeps no run queue and makes no scheduling decision: a scheduler thread
 * dispatches threads it holds capabilities to, and learns through events on its
 * receive endpoint when they block, wake or stop (Composite's user-level scheduling).
 *
 * A thread blocks only in RCV_WAIT on its own endpoint. Its scheduler (the parent
 * given when the endpoint was made) is then told BLOCK and runs; an asynchronous send
 * makes it runnable again and tells its scheduler WAKE. Without a scheduler, a blocked
 * thread leaves the core idle until an interrupt wakes something.
 *
 * A thread belongs to a core (t->core: its creator's, or THREAD_CORE's) and runs
 * only there. What makes a thread of another core runnable kicks that core
 * (core.c), which runs it, or the scheduler that was told, at once.
 */
#include "arch.h"
#include "core.h"
#include "frame.h"
#include <common/string.h>
#include "syscall.h"
#include <cairn/root.h>

static uint32_t next_tid = 1;

/*
 * t starts at its home component's entry with a1 = arg and its id as the result,
 * runnable, in its home (which it references) at the home's current generation: a new
 * thread, or one THREAD_RESTART starts afresh.
 */
static void start(struct thread *t, uint64_t arg)
{
	t->comp = t->home;
	obj_ref(t->comp);
	t->gen[0] = t->home->gen;
	arch_regs_init(&t->regs, t->home->entry, 0, CAIRN_ROOT_VA);
	regs_set_arg1(&t->regs, arg);
	regs_set_result(&t->regs, t->id);
	arch_fpu_init(t->fpu);
	t->state = THREAD_RUNNABLE;
}

void thread_init(struct thread *t, struct comp *c, uint64_t arg)
{
	memset(t, 0, sizeof(*t));
	t->id = next_tid++;
	t->home = c;
	t->tc.budget = CAIRN_TCAP_INF;	/* no tcap yet: counts as none with a budget */
	obj_ref(c);	/* as home */
	t->core = (uint8_t)this_core();
	start(t, arg);
}

/* Drops the references of where the thread runs: its component and every frame's. */
static void leave_invocations(struct thread *t)
{
	obj_unref(t->comp);
	for (unsigned i = 0; i < t->depth; i++)
		obj_unref(t->inv[i].comp);
	t->depth = 0;
}

/* Drops the references a thread holds; before its frame is freed. */
void thread_release(struct thread *t)
{
	obj_unref(t->home);
	leave_invocations(t);
	obj_unref(t->sched);
	tcap_release(t);
}

/*
 * Queues an event for a scheduler thread and makes it runnable if it waits (if its
 * queue is full, the event is counted as lost: the scheduler hears OVERFLOW); a
 * scheduler woken so is in turn reported WAKE to its own scheduler, up the hierarchy
 * (parents form no cycle: a thread gets its parent when its endpoint is made, and
 * the parent must already have one, so the chain follows creation order). A
 * scheduler of another core that must decide now (woken, at the top of its core's
 * part of the chain, or told while runnable) is kicked.
 */
void thread_event_slow(struct thread *sched, struct thread *t, uint32_t kind)
{
	while (sched) {
		event_push(sched, t, kind);
		if (sched->state != THREAD_BLOCKED) {
			if (unlikely(sched->core != this_core()) && sched->state == THREAD_RUNNABLE)
				core_kick(sched);
			return;
		}
		sched->state = THREAD_RUNNABLE;
		regs_set_result(&sched->regs, sched->pending);
		sched->pending = 0;
		if (unlikely(sched->core != this_core()) && (!sched->sched || sched->sched->core != sched->core))
			core_kick(sched);
		t = sched;
		sched = sched->sched;
		kind = CAIRN_EVENT_WAKE;
	}
}

/*
 * What a core runs when nothing else will (entry.S calls it when a handler returns
 * NULL, and a core starts here): the first thread of its ready list that can run, or
 * else it waits, with the big kernel lock given up, until an interrupt or a kick puts
 * one there. The core holds nothing meanwhile: entry.S stored and let go of its last
 * thread (cur_regs is NULL), and it loads the kernel's own page tables, so the
 * thread, its component and its tables may all go while it waits (DESIGN.md §10).
 * Returns the registers of the thread to run, made ready (switch_prepare).
 */
struct regs *thread_idle(void)
{
	struct percpu *cpu = this_cpu();

	for (;;) {
		unsigned why;
		struct thread *t = core_ready_take(&why);
		if (t && !tcap_left(t->on))
			continue;	/* no time: it runs when dispatched on a tcap with some */
		struct regs *r = t ? switch_prepare(&t->regs) : NULL;
		if (r)
			return r;
		tcap_switch(NULL);	/* nothing is charged while it idles */
		arch_vm_switch_kernel();	/* also after unwinding a stale thread loaded its roots */
		big_unlock();
		while (!__atomic_load_n(&cpu->ready_head, __ATOMIC_RELAXED))
			arch_wait_for_interrupt();
		big_lock();
	}
}

struct regs *(*thread_boot_after)(struct thread *t);

/*
 * The thread to run when t can no longer run: its scheduler, or on the boot core what
 * boot.c set; NULL if nothing: the core idles (thread_idle).
 */
static struct regs *after(struct thread *t)
{
	if (t->sched && t->sched->state == THREAD_RUNNABLE && t->sched->core == t->core &&
	    tcap_left(t->sched->on))
		return &t->sched->regs;
	return t->core == 0 && thread_boot_after ? thread_boot_after(t) : NULL;
}

/* t blocks or stops (state) where it is: its scheduler hears kind. */
static void leave(struct thread *t, uint8_t state, uint32_t kind)
{
	t->state = state;
	if (t->sched)
		thread_event(t->sched, t, kind);
}

struct regs *thread_stop(struct thread *t, uint32_t kind)
{
	leave(t, THREAD_STOPPED, kind);
	return after(t);
}

/*
 * The caller (self) is about to switch to t, which is not running: if t's component
 * restarted since it entered it, t is unwound first (sinv.c). False if that stopped
 * it (its home restarted): its scheduler hears STOP and the caller goes on, in its
 * own address space (unwinding loads the roots it pops).
 */
static bool unwound_or_stopped(struct thread *self, struct thread *t)
{
	if (!thread_stale(t) || sinv_unwind(t))
		return true;
	arch_vm_switch(self->comp->pgtbl_phys);
	leave(t, THREAD_STOPPED, CAIRN_EVENT_STOP);
	return false;
}

/*
 * An interrupt bound to t arrived while cur ran: t runs now, unless cur's tcap
 * outranks t's (tcap.c): then t waits, runnable, for its scheduler (told WAKE), or on
 * the ready list if it has none. If the core idled (cur NULL), t goes on its ready
 * list for thread_idle to take.
 */
struct regs *thread_interrupt(struct thread *t, struct regs *cur)
{
	thread_activate(t);
	if (t->state != THREAD_RUNNABLE)
		return cur;
	if (unlikely(t->core != this_core())) {
		core_kick(t);	/* the line was routed here before t moved */
		return cur;
	}
	if (!cur || !tcap_preempts(t, thread_of(cur))) {
		if (!cur || !t->sched)
			core_ready(t, READY_KICK);
		return cur;
	}
	return &t->regs;
}

long activate_thread(struct call *c, struct cap *slot)
{
	struct cap *comp;
	struct thread *t;
	long err = cap_of_type(c, A3(c), CAIRN_CAP_COMP, &comp);

	if (err == 0 && next_tid == UINT32_MAX)
		err = CAIRN_EOVERFLOW;	/* thread ids are never reused */
	if (err == 0)
		err = memory_activate(c, slot, OBJ_THREAD, CAIRN_CAP_THREAD, 0, (void **)&t);
	if (err)
		return err;
	thread_init(t, comp->obj, A4(c));
	tcap_run_on(t, c->self->on);	/* its creator's tcap, until a dispatch names another */
	return t->id;
}

/*
 * THREAD_DISPATCH: t runs now, on the tcap a1 names (0: the one it ran on last), and
 * the core's timer thread runs at deadline a0 (0: none asked).
 */
static long dispatch(struct call *c, struct thread *t)
{
	uint64_t deadline = A0(c);
	struct thread *on = t->on;
	struct cap *tc;

	if (A1(c)) {
		long err = cap_of_type(c, A1(c), CAIRN_CAP_TCAP, &tc);
		if (err)
			return err;
		on = tc->obj;
	}
	if (t->core != c->self->core)
		return CAIRN_EXDEV;
	if (t != c->self && t->state != THREAD_RUNNABLE)
		return t->state == THREAD_BLOCKED ? CAIRN_EAGAIN : CAIRN_EINVAL;
	if (!tcap_left(on))
		return CAIRN_ETIME;
	tcap_run_on(t, on);
	if (deadline)
		tcap_deadline(deadline);
	if (t == c->self) {
		tcap_switch(on);
		return 0;	/* only arms the timer: how an idle scheduler sets its wake-up */
	}
	if (unlikely(c->self->kicked)) {
		c->self->kicked = 0;	/* sent to from another core since it decided: it stays */
		return 0;
	}
	if (!unwound_or_stopped(c->self, t))
		return 0;	/* it stopped (its scheduler hears STOP): the caller goes on */
	regs_set_result(&c->self->regs, 0);
	c->next = &t->regs;
	return 0;
}

/*
 * THREAD_RESTART: t starts afresh at its home component's entry, as a new thread
 * would (with a1 = arg), runnable: out of every invocation it was in, its TLS base
 * and pending activations cleared, at the home's current generation. Its identity,
 * endpoint and scheduler stay; the scheduler is not told (the caller is it, or acts
 * for it).
 */
static long restart(struct call *c, struct thread *t)
{
	if (t == c->self || core_running_elsewhere(t))
		return CAIRN_EBUSY;
	leave_invocations(t);
	start(t, A0(c));
	arch_tls_set(&t->arch, 0);
	t->pending = 0;
	t->kicked = 0;
	t->ev_head = t->ev_count = t->ev_lost = 0;
	return 0;
}

/*
 * THREAD_CORE: t belongs to core a0 from now on. Not while it runs (on this core:
 * the caller; or on another). A thread that waits stays blocked, on its new core; a
 * runnable one is dispatched there by a scheduler of that core (or kicked there by a
 * send, if it has none).
 */
static long place(struct call *c, struct thread *t)
{
	if (A0(c) >= kernel_cores)
		return CAIRN_ERANGE;
	if (t == c->self || core_running_elsewhere(t))
		return CAIRN_EBUSY;
	if (t == boot_main() && A0(c) != 0)
		return CAIRN_ENOTSUP;	/* the boot sequence runs it on the boot core */
	core_forget(t);
	t->core = (uint8_t)A0(c);
	return 0;
}

/* THREAD_TCAP: t runs on the tcap a0 names from now on (not while it runs on another core). */
static long bind(struct call *c, struct thread *t)
{
	struct cap *tc;
	long err = cap_of_type(c, A0(c), CAIRN_CAP_TCAP, &tc);

	if (err)
		return err;
	if (core_running_elsewhere(t))
		return CAIRN_EBUSY;
	tcap_run_on(t, tc->obj);
	if (t == c->self)
		tcap_switch(t->on);
	return 0;
}

/*
 * THREAD_LOCAL: a local capability to t (CAIRN_THREAD_LOCAL) in slot a1 of the table
 * a0 names. It references t but does not own it (cap.h): removing or deactivating it
 * only empties its slot, and t cannot be deactivated while it exists.
 */
static long mint_local(struct call *c, struct thread *t)
{
	struct cap *ct, *dst;
	long err = cap_of_type(c, A0(c), CAIRN_CAP_CAPTBL, &ct);

	if (err == 0)
		err = ct->flags ? CAIRN_EINVAL : captbl_get_free(ct->obj, A1(c), &dst);
	if (err == 0)
		err = obj_ref_check(t);
	if (err)
		return err;
	cap_copy(dst, &(struct cap){ .type = CAIRN_CAP_THREAD, .flags = CAIRN_THREAD_LOCAL, .obj = t });
	return 0;
}

long thread_invoke(struct call *c, struct cap *cap, unsigned op)
{
	struct thread *t = cap->obj;

	if (cap->flags & CAIRN_THREAD_LOCAL)	/* local: the fast path leaves it to here */
		return op != CAIRN_OP_THREAD_DISPATCH || A0(c) || A1(c) ? CAIRN_EACCES :
		       t->comp != c->self->comp || thread_stale(t) ? CAIRN_EBUSY : dispatch(c, t);
	switch (op) {
	case CAIRN_OP_THREAD_DISPATCH:
		return dispatch(c, t);
	case CAIRN_OP_THREAD_RESTART:
		return restart(c, t);
	case CAIRN_OP_THREAD_CORE:
		return place(c, t);
	case CAIRN_OP_THREAD_REG:
		return thread_reg(c, t);
	case CAIRN_OP_THREAD_RETURN:
		return thread_return(c, t);
	case CAIRN_OP_THREAD_TCAP:
		return bind(c, t);
	case CAIRN_OP_THREAD_LOCAL:
		return mint_local(c, t);
	case CAIRN_OP_THREAD_TLS:
		if (A0(c) >= USER_TOP)
			return CAIRN_EFAULT;
		if (core_running_elsewhere(t))
			return CAIRN_EBUSY;
		arch_tls_set(&t->arch, A0(c));
		if (t == c->self)
			arch_tls_load(&t->arch);
		return 0;
	default:
		return CAIRN_ENOSYS;
	}
}

long activate_rcv(struct call *c, struct cap *slot)
{
	struct cap *tc, *parent = NULL;
	long err = cap_of_type(c, A1(c), CAIRN_CAP_THREAD, &tc);

	if (err == 0 && A2(c))
		err = cap_of_type(c, A2(c), CAIRN_CAP_RCV, &parent);
	if (err)
		return err;
	struct thread *t = tc->obj;
	if (t->has_rcv)
		return CAIRN_EBUSY;
	err = obj_ref_check(t);
	if (err == 0 && parent)
		err = obj_ref_check(parent->obj);
	if (err)
		return err;
	t->has_rcv = 1;
	t->sched = parent ? parent->obj : NULL;	/* none before: the endpoint is its first */
	obj_ref(t->sched);
	cap_copy(slot, &(struct cap){ .type = CAIRN_CAP_RCV, .obj = t });
	return 0;
}

/*
 * RCV_EVENT with the queue empty: OVERFLOW and how many events were lost since the
 * last OVERFLOW, if any were (the scheduler must then look at each of its threads
 * again: DESIGN.md's schedulers do so by dispatching them); else NONE.
 */
static long events_lost(struct call *c, struct thread *t)
{
	uint32_t n = t->ev_lost;

	t->ev_lost = 0;
	regs_set_result2(c->r, n ? CAIRN_EVENT_OVERFLOW : CAIRN_EVENT_NONE);
	return n;
}

long rcv_invoke(struct call *c, struct cap *cap, unsigned op)
{
	struct thread *t = cap->obj;

	if (op != CAIRN_OP_RCV_WAIT && op != CAIRN_OP_RCV_EVENT)
		return CAIRN_ENOSYS;
	if (t != c->self)
		return CAIRN_EACCES;	/* only its own thread receives on an endpoint */
	if (op == CAIRN_OP_RCV_EVENT) {
		if (!t->ev_count)
			return events_lost(c, t);
		struct sched_event e = t->ev[t->ev_head];
		t->ev_head = (t->ev_head + 1) % THREAD_EVENTS;
		t->ev_count--;
		regs_set_result2(c->r, e.kind);
		return e.tid;
	}
	c->next = rcv_wait(t);
	return (long)regs_result(&t->regs);
}

/*
 * RCV_WAIT of t, the caller: &t->regs, its result the count of sends it had, if it
 * has sends or events; else it blocks, and what runs next (after(); its result is set
 * by the waker: thread_activate). The fast path's too.
 */
struct regs *rcv_wait(struct thread *t)
{
	t->kicked = 0;		/* it looks at its sends and events now */
	if (t->pending || t->ev_count || t->ev_lost) {
		regs_set_result(&t->regs, t->pending);
		t->pending = 0;
		return &t->regs;
	}
	leave(t, THREAD_BLOCKED, CAIRN_EVENT_BLOCK);
	return after(t);
}

long activate_asnd(struct call *c, struct cap *slot)
{
	struct cap *rcv;
	long err = cap_of_type(c, A1(c), CAIRN_CAP_RCV, &rcv);

	if (err == 0)
		err = obj_ref_check(rcv->obj);
	if (err)
		return err;
	cap_copy(slot, &(struct cap){ .type = CAIRN_CAP_ASND, .obj = rcv->obj });
	return 0;
}

long asnd_invoke(struct call *c, struct cap *cap, unsigned op)
{
	if (op != CAIRN_OP_ASND_SEND)
		return CAIRN_ENOSYS;
	if (A0(c) & ~(uint64_t)CAIRN_SEND_YIELD)
		return CAIRN_EINVAL;
	c->next = asnd_send(c->self, cap->obj, A0(c));
	return 0;
}

/*
 * ASND_SEND by self to t's endpoint (flags valid): what runs next, self (its result
 * 0) or, for CAIRN_SEND_YIELD, t if it can run here now. The fast path's too.
 */
struct regs *asnd_send(struct thread *self, struct thread *t, uint64_t flags)
{
	thread_activate(t);
	regs_set_result(&self->regs, 0);
	if ((flags & CAIRN_SEND_YIELD) && t != self && t->state == THREAD_RUNNABLE &&
	    t->core == self->core && tcap_left(t->on) && unwound_or_stopped(self, t))
		return &t->regs;
	return &self->regs;
}
