/*
 * core.h: what keeps the cores apart inside the kernel (core.c, docs/multicore.md).
 *
 * One big kernel lock, as in seL4's multicore kernel: every entry from user mode takes
 * it and every return to user mode releases it (entry.S, the one instruction after the
 * last load from kernel memory), and a core gives it up while it idles. With one core
 * nothing takes it. Threads belong to a core (thread.core); a thread made runnable by
 * another core is brought to its core's notice by a kick (an IPI). A mapping removed
 * while another core has the same page-table root loaded is shot down there before
 * the operation returns; a core waiting for the lock answers shootdowns meanwhile.
 */
#ifndef KERNEL_CORE_H
#define KERNEL_CORE_H

#include "percpu.h"
#include "types.h"

struct thread;
struct regs;

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

/* True if t runs on another core now (is current there, and that core is not idle). */
bool core_running_elsewhere(const struct thread *t);

/* An idle core whose current thread is t lets go of it (t is about to change). */
void core_detach(const struct thread *t);

/* Tells t's core (not this one) that t is runnable: it runs t at once, preempting. */
void core_kick(struct thread *t);

/* The kick interrupt: what this core runs now (cur NULL: it idled). */
struct regs *core_kicked(struct regs *cur);

/* t is going away or moving: no other core may still look at it. */
void core_forget(const struct thread *t);

/* Flushes the TLB of every other core that has root_phys loaded; waits for all. */
void core_shootdown(uint64_t root_phys);

/* Answers a shootdown asked of this core, if one is. */
void core_tlb_answer(void);

#endif
