/*
 * core.h: what keeps the cores apart inside the kernel (core.c, docs/multicore.md).
 *
 * One big kernel lock, as in seL4's multicore kernel: every entry from user mode takes
 * it and every return to user mode releases it (entry.S, the one instruction after the
 * last load from kernel memory), and a core gives it up while it idles. With one core
 * nothing takes it. Threads belong to a core (thread.core); a thread made runnable by
 * another core is brought to its core's notice by a kick (an IPI). A core keeps
 * nothing of a thread's or an address space's after it leaves the kernel to idle: its
 * current thread is stored and let go (entry.S), and it loads the kernel's own page
 * tables (thread_idle), so nothing it holds can be destroyed under it (DESIGN.md §10). A mapping removed
 * while another core has the same page-table root loaded is shot down there before
 * the operation returns; a core waiting for the lock answers shootdowns meanwhile.
 */
#ifndef KERNEL_CORE_H
#define KERNEL_CORE_H

#include "obj.h"
#include "percpu.h"
#include "types.h"

/* Cores threads run on: 1 until the other cores are started (core_start). */
extern unsigned kernel_cores;

void big_lock_slow(void);
void big_unlock_slow(void);

/* Takes the big kernel lock on entry (entries from user mode, idle interrupts). */
static inline void big_lock(void)
{
	if (kernel_cores > 1)
		big_lock_slow();
}

static inline void big_unlock(void)
{
	if (kernel_cores > 1)
		big_unlock_slow();
}

/* Called once the other cores run: from now on, entries take the lock. */
void core_start(unsigned online);

/* True if t runs on another core now (is that core's current thread). */
bool core_running_elsewhere(const struct thread *t);

/*
 * The ready list of a core: the threads the kernel itself must run there, because
 * no scheduler of that core decides for them. Why a thread is on it (thread.ready):
 */
enum {
	READY_NOT,		/* not on the list */
	READY_KICK,		/* made runnable from another core, or by an interrupt while idle */
	READY_PREEMPTED,	/* taken off the core by one of those, with no scheduler to tell */
};

/* Puts t on its core's ready list (once; a kick outranks a preemption). */
void core_ready(struct thread *t, unsigned why);

/* The next thread of this core's ready list that can run here (and why), or NULL. */
struct thread *core_ready_take(unsigned *why);

/* Tells t's core (not this one) that t is runnable: it runs t at once, preempting. */
void core_kick(struct thread *t);

/* The kick interrupt: what this core runs now (cur NULL: it idled). */
struct regs *core_kicked(struct regs *cur);

/*
 * cur is taken off this core by an interrupt or a kick: its scheduler hears TIMEOUT,
 * or, with none, it goes on the ready list, so that it runs again when the core is
 * free (no thread is forgotten).
 */
void core_preempted(struct thread *cur);

/* t is going away or moving to another core: off its core's ready list. */
void core_forget(struct thread *t);

/* Flushes the TLB of every other core that has root_phys loaded; waits for all. */
void core_shootdown(uint64_t root_phys);

/* Answers a shootdown asked of this core, if one is. */
void core_tlb_answer(void);

/* Puts event kind about t on sched's queue, or counts it lost if the queue is full. */
static inline void event_push(struct thread *sched, struct thread *t, uint32_t kind)
{
	if (sched->ev_count < THREAD_EVENTS)
		sched->ev[(sched->ev_head + sched->ev_count++) % THREAD_EVENTS] = (struct sched_event){ t->id, kind };
	else if (sched->ev_lost < UINT32_MAX)
		sched->ev_lost++;	/* reported as OVERFLOW after the queue (rcv_invoke) */
}

/*
 * Queues event kind about t for its scheduler sched (thread.c, thread_event_slow: a
 * scheduler that waits is woken, up the hierarchy; one of another core is kicked; a
 * full queue counts the event as lost). Inline: the common case, a scheduler of this
 * core that does not wait.
 */
static inline void thread_event(struct thread *sched, struct thread *t, uint32_t kind)
{
	if (!sched || sched->state != THREAD_RUNNABLE || sched->core != this_core())
		thread_event_slow(sched, t, kind);
	else
		event_push(sched, t, kind);
}

/*
 * t waited (BLOCKED) and runs again: runnable, its wait's result the activations it
 * has (taken); its scheduler hears WAKE.
 */
static inline void thread_wake(struct thread *t)
{
	t->state = THREAD_RUNNABLE;
	regs_set_result(&t->regs, t->pending);
	t->pending = 0;
	if (t->sched)
		thread_event(t->sched, t, CAIRN_EVENT_WAKE);
}

/*
 * Activates t (an asynchronous send or an interrupt), waking it if it waited. A
 * thread of another core is kicked there unless a scheduler of its own core decides
 * for it: so a send also starts a new thread on an idle core.
 */
static inline void thread_activate(struct thread *t)
{
	if (t->pending < UINT32_MAX)
		t->pending++;	/* saturates: RCV_WAIT reports at most 2^32 - 1 */
	if (t->state == THREAD_BLOCKED)
		thread_wake(t);
	if (t->state == THREAD_RUNNABLE && unlikely(t->core != this_core()) &&
	    (!t->sched || t->sched->core != t->core))
		core_kick(t);
}

#endif
