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
#include "percpu.h"
#include "string.h"
#include "syscall.h"
#include <cairn/root.h>

static uint32_t next_tid = 1;

void thread_init(struct thread *t, struct comp *c, uint64_t arg)
{
	memset(t, 0, sizeof(*t));
	t->id = next_tid++;
	t->comp = t->home = c;
	t->gen[0] = c->gen;
	t->state = THREAD_RUNNABLE;
	t->core = (uint8_t)this_core();
	arch_regs_init(&t->regs, c->entry, 0, CAIRN_ROOT_VA);
	t->regs.rsi = arg;
	t->regs.rax = t->id;
	arch_fpu_init(t->fpu);
	obj_ref(c);	/* as home */
	obj_ref(c);	/* as the component it runs in */
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
}

/*
 * Queues an event for a scheduler thread and makes it runnable if it waits; a
 * scheduler woken so is in turn reported WAKE to its own scheduler, up the hierarchy
 * (parents form no cycle: a thread gets its parent when its endpoint is made, and
 * the parent must already have one, so the chain follows creation order). A
 * scheduler of another core that must decide now (woken, at the top of its core's
 * part of the chain, or told while runnable) is kicked.
 */
void thread_event(struct thread *sched, struct thread *t, uint32_t kind)
{
	while (sched) {
		if (sched->ev_count < THREAD_EVENTS) {
			unsigned tail = (sched->ev_head + sched->ev_count) % THREAD_EVENTS;
			sched->ev[tail] = (struct sched_event){ t->id, kind };
			sched->ev_count++;
		}
		if (sched->state != THREAD_BLOCKED) {
			if (unlikely(sched->core != this_core()) && sched->state == THREAD_RUNNABLE)
				core_kick(sched);
			return;
		}
		sched->state = THREAD_RUNNABLE;
		sched->regs.rax = sched->pending;
		sched->pending = 0;
		if (unlikely(sched->core != this_core()) && (!sched->sched || sched->sched->core != sched->core))
			core_kick(sched);
		t = sched;
		sched = sched->sched;
		kind = CAIRN_EVENT_WAKE;
	}
}

/*
 * Activates t (an asynchronous send or an interrupt). Its scheduler hears WAKE if it
 * was blocked. A thread of another core is kicked there unless a scheduler of its own
 * core decides for it: so a send also starts a new thread on an idle core.
 */
static void thread_activate(struct thread *t)
{
	t->pending++;
	if (t->state == THREAD_BLOCKED) {
		t->state = THREAD_RUNNABLE;
		t->regs.rax = t->pending;
		t->pending = 0;
		if (t->sched)
			thread_event(t->sched, t, CAIRN_EVENT_WAKE);
	}
	if (t->state == THREAD_RUNNABLE && unlikely(t->core != this_core()) &&
	    (!t->sched || t->sched->core != t->core))
		core_kick(t);
}

/*
 * Waits, with the core idle and the big kernel lock given up, until an interrupt or a
 * kick names a thread of this core to run. The current thread stays current
 * meanwhile: its callee-saved registers are still live and entry.S stores them only
 * if another thread is chosen.
 */
struct regs *thread_idle(void)
{
	struct percpu *cpu = this_cpu();

	for (;;) {
		cpu->idle = 1;
		big_unlock();
		while (!cpu->wakeup)
			arch_wait_for_interrupt();
		big_lock();
		cpu->idle = 0;
		struct regs *r = cpu->wakeup;	/* NULL if it went away meanwhile (core_forget) */
		cpu->wakeup = NULL;
		if (!r || thread_of(r)->state != THREAD_RUNNABLE || thread_of(r)->core != cpu->id)
			continue;
		/* Detached meanwhile (core_detach): its callers may take r for the current thread. */
		return cpu->cur_regs ? r : switch_prepare(r);
	}
}

/*
 * The thread to run when t can no longer run: its scheduler, or on the boot core the
 * boot sequence; else the core idles.
 */
static struct regs *after(struct thread *t)
{
	if (t->sched && t->sched->state == THREAD_RUNNABLE && t->sched->core == t->core)
		return &t->sched->regs;
	return t->core == 0 ? boot_after(t) : thread_idle();
}

struct regs *thread_block(struct thread *t)
{
	t->state = THREAD_BLOCKED;
	if (t->sched)
		thread_event(t->sched, t, CAIRN_EVENT_BLOCK);
	return after(t);
}

struct regs *thread_stop(struct thread *t, uint32_t kind)
{
	t->state = THREAD_STOPPED;
	if (t->sched)
		thread_event(t->sched, t, kind);
	return after(t);
}

/* The kernel's own idle-time wake-ups: an interrupt made t runnable. */
struct regs *thread_interrupt(struct thread *t, struct regs *cur)
{
	thread_activate(t);
	if (t->state != THREAD_RUNNABLE)
		return cur;
	if (unlikely(t->core != this_core())) {
		core_kick(t);	/* the line was routed here before t moved */
		return cur;
	}
	if (!cur)
		this_cpu()->wakeup = &t->regs;
	return &t->regs;	/* interrupts preempt: the bound thread runs now */
}

long activate_thread(struct call *c, struct cap *slot)
{
	struct cap *comp;
	struct thread *t;
	long err = cap_of_type(c, A3(c), CAIRN_CAP_COMP, &comp);

	if (err == 0)
		err = memory_take_frame(c, A1(c), A2(c), OBJ_THREAD, (void **)&t);
	if (err)
		return err;
	thread_init(t, comp->obj, A4(c));
	cap_copy(slot, &(struct cap){ .type = CAIRN_CAP_THREAD, .obj = t });
	return t->id;
}

static long dispatch(struct call *c, struct thread *t)
{
	uint64_t deadline = A0(c);

	if (t->core != c->self->core)
		return CAIRN_EXDEV;
	if (t != c->self && t->state != THREAD_RUNNABLE)
		return t->state == THREAD_BLOCKED ? CAIRN_EAGAIN : CAIRN_EINVAL;
	if (deadline)
		arch_timer_deadline(deadline);
	if (t == c->self)
		return 0;	/* only arms the timer: how an idle scheduler sets its wake-up */
	if (unlikely(c->self->kicked)) {
		c->self->kicked = 0;	/* sent to from another core since it decided: it stays */
		return 0;
	}
	c->self->regs.rax = 0;
	c->next = &t->regs;
	return 0;
}

/*
 * THREAD_RESTART: t starts afresh at its home component's entry, as a new thread
 * would (with rsi = arg), runnable: out of every invocation it was in, its TLS base
 * and pending activations cleared, at the home's current generation. Its identity,
 * endpoint and scheduler stay; the scheduler is not told (the caller is it, or acts
 * for it).
 */
static long restart(struct call *c, struct thread *t)
{
	if (t == c->self || core_running_elsewhere(t))
		return CAIRN_EBUSY;
	core_detach(t);
	leave_invocations(t);
	t->comp = t->home;
	obj_ref(t->comp);
	t->gen[0] = t->home->gen;
	arch_regs_init(&t->regs, t->home->entry, 0, CAIRN_ROOT_VA);
	t->regs.rsi = A0(c);
	t->regs.rax = t->id;
	arch_fpu_init(t->fpu);
	t->fs_base = 0;
	t->pending = 0;
	t->kicked = 0;
	t->ev_head = t->ev_count = 0;
	t->state = THREAD_RUNNABLE;
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
	core_forget(t);
	t->core = (uint8_t)A0(c);
	return 0;
}

long thread_invoke(struct call *c, struct cap *cap, unsigned op)
{
	struct thread *t = cap->obj;

	switch (op) {
	case CAIRN_OP_THREAD_DISPATCH:
		return dispatch(c, t);
	case CAIRN_OP_THREAD_RESTART:
		return restart(c, t);
	case CAIRN_OP_THREAD_CORE:
		return place(c, t);
	case CAIRN_OP_THREAD_TLS:
		if (A0(c) >= USER_TOP)
			return CAIRN_EFAULT;
		if (core_running_elsewhere(t))
			return CAIRN_EBUSY;
		core_detach(t);	/* an idle core loads the new base with the thread */
		t->fs_base = A0(c);
		if (t == c->self) {
			this_cpu()->fs_base = t->fs_base;
			arch_set_fs_base(t->fs_base);
		}
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
	t->has_rcv = 1;
	if (parent) {
		t->sched = parent->obj;
		obj_ref(t->sched);
	}
	cap_copy(slot, &(struct cap){ .type = CAIRN_CAP_RCV, .obj = t });
	return 0;
}

long rcv_invoke(struct call *c, struct cap *cap, unsigned op)
{
	struct thread *t = cap->obj;

	if (op != CAIRN_OP_RCV_WAIT && op != CAIRN_OP_RCV_EVENT)
		return CAIRN_ENOSYS;
	if (t != c->self)
		return CAIRN_EACCES;	/* only its own thread receives on an endpoint */
	if (op == CAIRN_OP_RCV_EVENT) {
		if (!t->ev_count) {
			c->r->rdx = CAIRN_EVENT_NONE;
			return 0;
		}
		struct sched_event e = t->ev[t->ev_head];
		t->ev_head = (t->ev_head + 1) % THREAD_EVENTS;
		t->ev_count--;
		c->r->rdx = e.kind;
		return e.tid;
	}
	t->kicked = 0;		/* it looks at its sends and events now */
	if (t->pending || t->ev_count) {
		uint32_t n = t->pending;
		t->pending = 0;
		return n;
	}
	c->next = thread_block(t);
	return (long)t->regs.rax;	/* set by the waker if it ran while the core idled */
}

long activate_asnd(struct call *c, struct cap *slot)
{
	struct cap *rcv;
	long err = cap_of_type(c, A1(c), CAIRN_CAP_RCV, &rcv);

	if (err)
		return err;
	cap_copy(slot, &(struct cap){ .type = CAIRN_CAP_ASND, .obj = rcv->obj });
	return 0;
}

long asnd_invoke(struct call *c, struct cap *cap, unsigned op)
{
	struct thread *t = cap->obj;

	if (op != CAIRN_OP_ASND_SEND)
		return CAIRN_ENOSYS;
	if (A0(c) & ~(uint64_t)CAIRN_SEND_YIELD)
		return CAIRN_EINVAL;
	thread_activate(t);
	if ((A0(c) & CAIRN_SEND_YIELD) && t != c->self && t->state == THREAD_RUNNABLE &&
	    t->core == c->self->core) {
		c->self->regs.rax = 0;
		c->next = &t->regs;
	}
	return 0;
}
