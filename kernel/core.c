/*
 * core.c: the kernel on several cores (core.h, docs/multicore.md): the big kernel
 * lock, kicks that bring a thread to its core's notice, and TLB shootdown.
 *
 * The lock is a ticket lock, so that a core that leaves the kernel and comes straight
 * back cannot starve the others. It is released on the way to user mode by entry.S,
 * which adds one to `big_owner` after its last load from kernel memory: every path to
 * user mode (the system call return, the switch to another thread, the interrupt
 * return, arch_enter_user) holds it there when more than one core runs. With one
 * core nothing takes it, and the release instruction is harmless.
 */
#include "arch.h"
#include "core.h"
#include "obj.h"
#include "percpu.h"
#include "syscall.h"

unsigned kernel_cores = 1;

static uint32_t big_next;		/* the next ticket */
uint32_t big_owner;			/* the ticket being served: entry.S releases */
static uint32_t go;			/* set when the other cores may run threads */

static struct regs *(*handler_unlocked)(uint64_t call, struct regs *r);

/* Waits for the lock, answering TLB shootdowns: the holder may be waiting for us. */
void big_lock_slow(void)
{
	uint32_t ticket = __atomic_fetch_add(&big_next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&big_owner, __ATOMIC_ACQUIRE) != ticket) {
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
	struct regs *r = switch_prepare(thread_idle());
	arch_enter_user(r);
}

bool core_running_elsewhere(const struct thread *t)
{
	unsigned me = this_core();

	for (unsigned k = 0; k < kernel_cores; k++)
		if (k != me && cpus[k].cur_regs == &t->regs && !cpus[k].idle)
			return true;
	return false;
}

/*
 * An idle core keeps the thread it ran last as its current thread, with the
 * callee-saved registers live in the core (entry.S). Before that thread is changed
 * from here, the core lets go of it: those registers are dropped (the change makes
 * them moot) and the core loads all of the thread, and its address space, if it
 * runs it next (thread_idle).
 */
void core_detach(const struct thread *t)
{
	for (unsigned k = 0; k < kernel_cores; k++)
		if (k != this_core() && cpus[k].cur_regs == &t->regs)
			cpus[k].cur_regs = NULL;
}

void core_kick(struct thread *t)
{
	struct percpu *c = &cpus[t->core];

	c->kick = t;
	apic_send_ipi(c->apic_id, KICK_VECTOR);
}

/*
 * The kicked thread runs now, as a thread bound to the timer would: the one it
 * preempts is reported to its scheduler (TIMEOUT), also when that scheduler is the
 * kicked thread (so a scheduler kicked by another core learns which of its threads
 * it took the core from, as it does from its timer). A kick that finds its thread
 * running already is kept on the thread: its next THREAD_DISPATCH does not switch
 * (thread.c), so a scheduler that decided before the kick looks again at what the
 * sender made ready instead of giving the core away. A kick that is stale by now (the
 * thread ran, blocked again, moved or went away) changes nothing.
 */
struct regs *core_kicked(struct regs *cur)
{
	struct percpu *cpu = this_cpu();
	struct thread *t = cpu->kick;

	cpu->kick = NULL;
	if (!t || t->core != cpu->id || t->state != THREAD_RUNNABLE)
		return cur;
	if (cur && thread_of(cur) == t) {
		t->kicked = 1;	/* it runs already: it must not give the core away unawares */
		return cur;
	}
	if (!cur) {
		cpu->wakeup = &t->regs;
		return &t->regs;
	}
	struct thread *p = thread_of(cur);
	if (p->sched)
		thread_event(p->sched, p, CAIRN_EVENT_TIMEOUT);
	return &t->regs;
}

void core_forget(const struct thread *t)
{
	core_detach(t);
	for (unsigned k = 0; k < kernel_cores; k++) {
		if (cpus[k].kick == t)
			cpus[k].kick = NULL;
		if (cpus[k].wakeup == &t->regs)
			cpus[k].wakeup = NULL;
	}
}

void core_tlb_answer(void)
{
	struct percpu *cpu = this_cpu();

	if (__atomic_load_n(&cpu->tlb_req, __ATOMIC_ACQUIRE)) {
		write_cr3(read_cr3());
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
		if (k == me || __atomic_load_n(&cpus[k].cr3, __ATOMIC_RELAXED) != root_phys)
			continue;
		__atomic_store_n(&cpus[k].tlb_req, 1, __ATOMIC_RELEASE);
		apic_send_ipi(cpus[k].apic_id, TLB_VECTOR);
		asked++;
	}
	for (unsigned k = 0; asked && k < kernel_cores; k++)
		while (__atomic_load_n(&cpus[k].tlb_req, __ATOMIC_ACQUIRE))
			cpu_relax();
}
