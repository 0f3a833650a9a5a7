/*
 * irq.c: interrupt lines. The IRQ capability binds a line to an asynchronous send:
 * when the interrupt arrives the receiving thread is activated and runs at once (an
 * interrupt preempts whatever ran). Line 0 is the core's timer, which fires at the
 * deadline a dispatch asked for: each core has its own, bound and unbound by a thread
 * running there. An interrupt that preempts a thread queues a TIMEOUT
 * event naming it for its scheduler (and, for the timer, for the bound thread). Lines
 * 1..31 are I/O APIC pins (1..15 the ISA interrupts, 16.. PCI INTx; one the machine
 * lacks, or 2, is CAIRN_ENOTSUP), routed only while bound, in the mode the binder
 * gives: the driver thread acknowledges its device itself (through its IOPORT or DEVMEM
 * capability) before it waits again, and a level-triggered line, masked when it
 * fires, with IRQ_ACK after that. A line is routed to the
 * core of the thread it is bound to. Lines 32..63 are MSI lines: a device raises one by
 * writing the message IRQ_BIND returned (to the bound thread's core; whoever holds the
 * device programs it). A line that arrives
 * at a core its thread has left since (THREAD_CORE) is forwarded there (thread_interrupt
 * kicks it); one that arrives unbound (a device still raising an MSI after UNBIND) is
 * acknowledged and dropped. An IRQ capability covers a set of lines (a 64-bit mask:
 * the first program's covers all); IRQ_NARROW makes a copy that covers fewer, so a
 * scheduler can be given its cores' timers and nothing else.
 */
#include "arch.h"
#include "core.h"
#include "syscall.h"

static struct thread *line[CAIRN_IRQ_LINES];	/* line[CAIRN_IRQ_TIMER] unused: timer[] */
static struct thread *timer[CAIRN_MAX_CORES];	/* each core's timer */

/* Where line n's thread is kept: the timer's is this core's. */
static struct thread **bound(unsigned n)
{
	return n == CAIRN_IRQ_TIMER ? &timer[this_core()] : &line[n];
}

/* a0 = slot here, a1 = lines: a copy of cap that binds only those of its lines. */
static long narrow(struct call *c, struct cap *cap)
{
	struct cap *dst;
	uint64_t lines = A1(c);
	long err = captbl_get_free(c->ct, A0(c), &dst);

	if (err)
		return err;
	if (!lines || (lines & ~cap->a))
		return CAIRN_EINVAL;
	cap_copy(dst, &(struct cap){ .type = CAIRN_CAP_IRQ, .a = lines });
	return 0;
}

long irq_invoke(struct call *c, struct cap *cap, unsigned op)
{
	struct cap *asnd;
	uint64_t n = A0(c);

	if (op == CAIRN_OP_IRQ_NARROW)
		return narrow(c, cap);
	if (op != CAIRN_OP_IRQ_BIND && op != CAIRN_OP_IRQ_UNBIND && op != CAIRN_OP_IRQ_ACK)
		return CAIRN_ENOSYS;
	if (n >= CAIRN_IRQ_LINES)
		return CAIRN_ERANGE;
	if (arch_irq_reserved((unsigned)n))
		return CAIRN_ENOTSUP;	/* never raised (on PCs, the PICs' cascade) */
	if (!(cap->a >> n & 1))
		return CAIRN_EACCES;	/* not one of this capability's lines */
	struct thread **b = bound((unsigned)n);
	if (op == CAIRN_OP_IRQ_ACK)
		return *b ? arch_irq_mask((unsigned)n, false) : CAIRN_ENOENT;
	if (op == CAIRN_OP_IRQ_UNBIND) {
		if (!*b)
			return CAIRN_ENOENT;
		if (n != CAIRN_IRQ_TIMER)
			arch_irq_route((unsigned)n, false, 0, 0);	/* masked: no core */
		obj_unref(*b);
		*b = NULL;
		return 0;
	}
	uint64_t mode = A2(c);
	long err = cap_of_type(c, A1(c), CAIRN_CAP_ASND, &asnd);
	if (err)
		return err;
	if ((mode & ~(uint64_t)CAIRN_IRQ_MODES) || (mode && (n == CAIRN_IRQ_TIMER || n >= CAIRN_IRQ_MSI)))
		return CAIRN_EINVAL;	/* a mode is a pin's */
	if (*b)
		return CAIRN_EBUSY;
	*b = asnd->obj;
	obj_ref(*b);
	return n == CAIRN_IRQ_TIMER ? 0 : (long)arch_irq_route((unsigned)n, true, (*b)->core, (unsigned)mode);
}

/*
 * Line n fired while cur ran (NULL: idle): its thread t runs now. The preempted
 * thread's scheduler hears TIMEOUT naming it, and so, for the timer, does t: a user
 * scheduler always learns which thread an interrupt took the core from, even when
 * it is resumed later by its own scheduler. A preempted thread with no scheduler
 * waits on the core's ready list (core_preempted).
 */
static struct regs *interrupt(unsigned n, struct regs *cur)
{
	struct thread *t = *bound(n);
	struct regs *next = thread_interrupt(t, cur);

	if (!cur || thread_of(cur) == t || next == cur)
		return next;
	struct thread *p = thread_of(cur);
	if (n == CAIRN_IRQ_TIMER)
		thread_event(t, p, CAIRN_EVENT_TIMEOUT);
	if (p->sched != t)
		core_preempted(p);
	return next;
}

struct regs *kernel_irq(unsigned n, struct regs *cur)
{
	return n < CAIRN_IRQ_LINES && line[n] ? interrupt(n, cur) : cur;
}

/*
 * The timer fired; cur is the interrupted thread's registers (NULL: idle). It was set
 * for the running tcap's budget (tcap.c decides) or for a dispatch's deadline.
 */
static __attribute__((noinline)) struct regs *timer_general(struct regs *cur)
{
	bool deadline;
	struct regs *next = tcap_timer(cur, &deadline);

	return deadline && *bound(CAIRN_IRQ_TIMER) ? interrupt(CAIRN_IRQ_TIMER, cur) : next;
}

/*
 * The timer's common case (kernel_timer_interrupt checks it): t, bound to it, waits
 * on this core, and p runs on t's tcap (ties preempt), with no budget anywhere. What
 * thread_interrupt and interrupt() do then, without their general checks: t wakes with
 * one activation and runs now (its scheduler hears WAKE), t hears TIMEOUT naming p,
 * and so does p's scheduler.
 */
static struct regs *timer_fast(struct thread *t, struct thread *p)
{
	t->pending = 1;		/* this activation: a waiting thread has none (rcv_wait) */
	thread_wake(t);
	event_push(t, p, CAIRN_EVENT_TIMEOUT);	/* t is runnable here: no wake, no kick */
	if (p->sched != t)
		core_preempted(p);
	return &t->regs;
}

struct regs *kernel_timer_interrupt(struct regs *cur)
{
	struct percpu *cpu = this_cpu();
	struct thread *t = timer[cpu->id], *p = thread_of(cur);

	if (likely(!cpu->for_budget && !tcap_finite && cpu->deadline && cur && t &&
		   t->state == THREAD_BLOCKED && t->core == cpu->id && t->on == p->on)) {	/* t waits: not p */
		cpu->armed = cpu->deadline = 0;
		return timer_fast(t, p);
	}
	return timer_general(cur);
}

struct thread *irq_line_thread(unsigned i)
{
	if (i < CAIRN_IRQ_LINES)
		return line[i];
	return i - CAIRN_IRQ_LINES < CAIRN_MAX_CORES ? timer[i - CAIRN_IRQ_LINES] : NULL;
}
