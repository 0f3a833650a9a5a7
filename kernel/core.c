/*
 * core.c: the kernel on several cores (core.h, docs/multicore.md): the big kernel
 * lock, kicks that bring a thread to its core's notice, and TLB shootdown.
 *
 * The lock is a ticket lock, so that a core that leaves the kernel and comes straight
 * back cannot starve the others; under a hypervisor, test-and-set (big_lock_unfair). It is released on the way to user mode by entry.S,
 * which adds one to `big_owner` after its last load from kernel memory: every path to
 * user mode (the system call return, the switch to another thread, the interrupt
 * return, arch_enter_user) holds it there when more than one core runs. With one
 * core nothing takes it, and the release instruction is harmless.
 */
#include "arch.h"
#include "core.h"
#include "syscall.h"

unsigned kernel_cores = 1;

static uint32_t big_next;		/* the next ticket */
uint32_t big_owner;			/* the ticket being served: entry.S releases */
static uint32_t go;			/* set when the other cores may run threads */
static bool big_unfair;			/* taken test-and-set (under a hypervisor) */

static struct regs *(*handler_unlocked)(uint64_t call, struct regs *r);

/*
 * Under a hypervisor a core is a host thread that the host may deschedule at any
 * moment. A ticket lock then hands the lock to the next ticket's core even while that
 * core does not run (lock-waiter preemption), so every hand-over waits for the host's
 * scheduler: on a loaded host a contended kernel slowed down about 500 times
 * (smp_threads_2's stress, issue 19: 270 hand-overs a second instead of 150,000).
 * So a guest takes the lock as Linux does without paravirtual spinlocks
 * (virt_spin_lock): test-and-set, drawing a ticket only when the lock is free, so a
 * core that runs takes it. The release, entry.S's increment of big_owner, is the same.
 * big_try_unfair is one such attempt: true if it took the lock.
 */
static bool big_try_unfair(void)
{
	uint32_t owner = __atomic_load_n(&big_owner, __ATOMIC_ACQUIRE), next = owner;

	return __atomic_load_n(&big_next, __ATOMIC_RELAXED) == owner &&
	       __atomic_compare_exchange_n(&big_next, &next, owner + 1, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

/* Waits for the lock, answering TLB shootdowns: the holder may be waiting for us. */
void big_lock_slow(void)
{
	uint32_t ticket = big_unfair ? 0 : __atomic_fetch_add(&big_next, 1, __ATOMIC_RELAXED);

	while (big_unfair ? !big_try_unfair() : __atomic_load_n(&big_owner, __ATOMIC_ACQUIRE) != ticket) {
		core_tlb_answer();
		cpu_relax();
	}
}

void big_unlock_slow(void)
{
	__atomic_store_n(&big_owner, big_owner + 1, __ATOMIC_RELEASE);
}

/* The system call entry with more than one core: the handler runs under the lock. */
static struct regs *syscall_locked(uint64_t call, struct regs *r)
{
	big_lock_slow();
	return handler_unlocked(call, r);
}

/*
 * Called by the boot core with the boot done but before the first thread runs: it
 * takes the lock (arch_enter_user releases it) and lets the other cores in.
 */
void core_start(unsigned online)
{
	if (online < 2)
		return;
	kernel_cores = online;
	big_unfair = arch_under_hypervisor();
	handler_unlocked = syscall_handler;
	syscall_handler = syscall_locked;
	big_lock_slow();
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
}

/* An application processor, checked in: idles until it is given a thread. */
noreturn void kernel_ap_main(void)
{
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		cpu_relax();
	big_lock_slow();
	arch_enter_user(thread_idle());
}

bool core_running_elsewhere(const struct thread *t)
{
	unsigned me = this_core();

	for (unsigned k = 0; k < kernel_cores; k++)
		if (k != me && cpus[k].cur_regs == &t->regs)
			return true;
	return false;
}

void core_ready(struct thread *t, unsigned why)
{
	struct percpu *c = &cpus[t->core];

	if (t->ready) {
		if (why == READY_KICK)
			t->ready = READY_KICK;
		return;
	}
	t->ready = (uint8_t)why;
	t->ready_next = NULL;
	if (c->ready_tail)
		c->ready_tail->ready_next = t;
	else
		c->ready_head = t;
	c->ready_tail = t;
}

/*
 * Whether t, taken off the list for `why`, should run here now: it is runnable, still
 * this core's, and, if it was only preempted, no scheduler of this core has taken
 * charge of it since.
 */
static bool ready_runs(const struct thread *t, unsigned why)
{
	if (t->state != THREAD_RUNNABLE || t->core != this_core())
		return false;
	return why == READY_KICK || !t->sched || t->sched->core != t->core;
}

/* A thread on a core's list is that core's (thread.c forgets it before it moves). */
struct thread *core_ready_take(unsigned *why)
{
	struct thread *t;

	while ((t = this_cpu()->ready_head)) {
		*why = t->ready;
		core_forget(t);		/* the head: no walk */
		if (ready_runs(t, *why))
			return t;
	}
	return NULL;
}

void core_forget(struct thread *t)
{
	struct percpu *c = &cpus[t->core];

	if (!t->ready)
		return;
	struct thread **p = &c->ready_head, *prev = NULL;
	while (*p != t) {
		prev = *p;
		p = &(*p)->ready_next;
	}
	*p = t->ready_next;
	if (c->ready_tail == t)
		c->ready_tail = prev;
	t->ready_next = NULL;
	t->ready = READY_NOT;
}

void core_kick(struct thread *t)
{
	core_ready(t, READY_KICK);
	arch_send_ipi(t->core, KICK_VECTOR);
}

void core_preempted(struct thread *cur)
{
	struct thread *s = cur->sched;

	if (s)
		thread_event(s, cur, CAIRN_EVENT_TIMEOUT);
	if (!s || s->core != cur->core) {
		core_ready(cur, READY_PREEMPTED);	/* no scheduler here can dispatch it */
		return;
	}
	while (s->sched && s->sched->core == s->core)
		s = s->sched;
	if (s->state == THREAD_RUNNABLE)
		core_ready(s, READY_PREEMPTED);	/* this core's top scheduler decides next */
}

/*
 * The kicked thread runs now, as a thread bound to the timer would (if its tcap is
 * not outranked by the running thread's: else it waits on the list): the one it
 * preempts is reported to its scheduler (TIMEOUT), also when that scheduler is the
 * kicked thread (so a scheduler kicked by another core learns which of its threads
 * it took the core from, as it does from its timer), or, with no scheduler, waits on
 * the ready list. A kick that finds its thread running already is kept on the
 * thread: its next THREAD_DISPATCH does not switch (thread.c), so a scheduler that
 * decided before the kick looks again at what the sender made ready instead of giving
 * its core away. Kicks that are stale by now (the thread ran, blocked again, moved or
 * went away) are dropped. An idle core takes its list in thread_idle.
 */
struct regs *core_kicked(struct regs *cur)
{
	if (!cur)
		return NULL;
	struct thread *p = thread_of(cur), *t;

	for (t = this_cpu()->ready_head; t; t = t->ready_next)
		if (t->ready == READY_KICK && (t == p || (ready_runs(t, READY_KICK) &&
							  tcap_preempts(t, p))))
			break;	/* the first kick that can run and outranks: the others wait */
	if (!t)
		return cur;
	core_forget(t);
	if (t == p) {
		t->kicked = 1;	/* it runs already: it must not give the core away unawares */
		return cur;
	}
	core_preempted(p);
	return &t->regs;
}

void core_tlb_answer(void)
{
	struct percpu *cpu = this_cpu();

	if (__atomic_load_n(&cpu->tlb_req, __ATOMIC_ACQUIRE)) {
		arch_tlb_flush_local();
		__atomic_store_n(&cpu->tlb_req, 0, __ATOMIC_RELEASE);
	}
}

/*
 * Without PCIDs a core caches translations of the root it has loaded only (a switch
 * flushes the rest), so only cores with root_phys loaded are asked. They flush all of
 * their TLB: one request per removal, whatever its size.
 */
void core_shootdown(uint64_t root_phys)
{
	unsigned me = this_core(), asked = 0;

	for (unsigned k = 0; k < kernel_cores; k++) {
		if (k == me || arch_vm_loaded(k) != root_phys)
			continue;
		__atomic_store_n(&cpus[k].tlb_req, 1, __ATOMIC_RELEASE);
		arch_send_ipi(k, TLB_VECTOR);
		asked++;
	}
	for (unsigned k = 0; asked && k < kernel_cores; k++)
		while (__atomic_load_n(&cpus[k].tlb_req, __ATOMIC_ACQUIRE))
			cpu_relax();
}
