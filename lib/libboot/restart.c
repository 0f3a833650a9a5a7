/*
 * restart.c: the booter as supervisor (docs/systems.md, `restart`). A component
 * described with `restart = true` has the booter as its keeper. A CPU exception in it,
 * on its own thread or on a client's thread inside one of its gates, enters keeper()
 * below on the faulting thread, which
 *
 *   1. starts the component's next generation in the kernel (COMP_RESTART): every
 *      thread inside it will return CAIRN_ESTALE to its caller instead of running
 *      there again, every gate into it is stale, and it is down (no renewals);
 *   2. marks it crashed and wakes the booter's thread (at once, unless the faulting
 *      thread is the component's own: that one must stop first, see below);
 *   3. returns; the kernel then unwinds the faulting thread (docs/syscalls.md, Restart).
 *
 * The booter's thread (the only one that touches the booter's tables, window and
 * scheduler state) then restarts each crashed component: its writable image pages
 * reloaded, stack and heap zeroed, red tape rewritten with the next generation, its
 * first thread started afresh at main() (THREAD_RESTART) and run until its
 * initialisation ends, then COMP_READY: clients renew their gates (the generated
 * stubs do it when a call returns CAIRN_ESTALE) and call again.
 *
 * The work in the keeper is constant; the rest is the booter's, at its priority.
 *
 * A restart asked for through interfaces/control.toml (control.c) takes the same path:
 * the call does steps 1 and 2 and notes who asked (bcomp.requested), and the booter's
 * thread restarts the component as after a crash, telling the request instead of a
 * fault. A request that races a crash of the same component can restart it twice.
 *
 * Known limit: if a component restarts while its own first thread is inside another
 * component's keeper invocation or a manager call (the booter's included),
 * THREAD_RESTART drops that invocation and its gate stack stays marked taken in the
 * pool. The manager's request record is taken again on the thread's next call. A
 * thread blocked in wait.block gives its booter stack back (wait.c); the stack of the
 * server it blocked for stays taken (as for any call a restart drops).
 */
#include "libboot.h"
#include <cairn/gate.h>

static struct booter *supervisor;	/* the keeper's view of the booter */

static struct bcomp *by_badge(cairn_word badge)
{
	struct booter *b = supervisor;

	return b && badge >= 1 && badge <= b->sd->ncomps ? &b->c[badge - 1] : 0;
}

static struct cairn_ret2 keeper(cairn_word vector, cairn_word error, cairn_word addr, cairn_word rip,
				cairn_word badge, cairn_word tid)
{
	struct bcomp *c = by_badge(badge);

	(void)addr;
	if (!c)
		return (struct cairn_ret2){ CAIRN_FAULT_STOP, 0 };
	boot_count_fault(c);
	if (__atomic_load_n(&c->restarting, __ATOMIC_ACQUIRE)) {
		/* its own thread, in its initialisation after a restart: it stays down */
		__atomic_store_n(&c->restarting, 2, __ATOMIC_RELEASE);
		return (struct cairn_ret2){ CAIRN_FAULT_STOP, 0 };
	}
	c->fault_vector = vector;
	c->fault_rip = rip;
	c->fault_error = error;
	c->fault_tid = tid;
	c->fault_sp = cairn_fault_reg(CAIRN_REG_RSP, 0, 0).r1;	/* for the report's stack scan */
	long r = cairn_comp_restart(c->comp);
	if (r < 0) {	/* CAIRN_EOVERFLOW: its generations are used up; resuming would fault again */
		cairn_printf("booter: '%s' cannot restart (error %ld): it stays down\n", c->sd->name, r);
		__atomic_store_n(&c->down, 1, __ATOMIC_RELEASE);
		return (struct cairn_ret2){ CAIRN_FAULT_STOP, 0 };
	}
	__atomic_store_n(&c->crashed, 1, __ATOMIC_RELEASE);
	/*
	 * The booter restarts the component's own thread with THREAD_RESTART, which must
	 * not happen while that thread is still here (this keeper's stack would be lost):
	 * then it wakes the booter by stopping (the kernel unwinds it to its stale home).
	 */
	cairn_asnd_send(supervisor->wake, tid == c->tid ? 0 : CAIRN_SEND_YIELD);
	return (struct cairn_ret2){ CAIRN_FAULT_RESUME, 0 };
}
CAIRN_GATE(boot_keeper_entry, keeper)

/* Fresh memory, red tape and first thread for component i; then its initialisation. */
static long restart(struct booter *b, unsigned i)
{
	struct bcomp *c = &b->c[i];
	const struct cairn_sd_comp *sd = c->sd;

	boot_manager_reset(i);	/* what the manager gave it or took from it goes */
	boot_timer_reset(c);	/* and its pending deadline */
	long r = boot_reload(b, c->pt, sd->image);

	if (!r)
		r = boot_zero(b, c->pt, STACK_TOP_VA - sd->stack, sd->stack);
	if (!r)
		r = boot_zero(b, c->pt, HEAP_VA, sd->heap);
	__atomic_add_fetch(&c->generation, 1, __ATOMIC_SEQ_CST);
	boot_wait_restarted(b, i);	/* the threads waiting in it return (wait.c) */
	if (!r)
		r = boot_red_tape(b, i);
	if (!r)
		r = cairn_thread_restart(c->thread, 0);
	if (!r)
		boot_wait_released(b, i);	/* the gate stack a block of its thread held */
	if (r) {
		cairn_printf("booter: restarting '%s' failed (error %ld): it stays down\n", sd->name, r);
		__atomic_store_n(&c->down, 1, __ATOMIC_RELEASE);
		return r;
	}
	/* A STOP its old thread queued while it was down is stale: sched.c drops it. */
	c->state = T_RUNNABLE;
	__atomic_store_n(&c->restarting, 1, __ATOMIC_RELEASE);
	boot_init(b, c);
	if (__atomic_exchange_n(&c->restarting, 0, __ATOMIC_ACQ_REL) == 2) {
		boot_manager_reset(i);
		boot_timer_reset(c);
		cairn_printf("booter: '%s' crashed in its initialisation: it stays down\n", sd->name);
		__atomic_store_n(&c->down, 1, __ATOMIC_RELEASE);
		return CAIRN_EIO;
	}
	return cairn_comp_ready(c->comp) < 0 ? CAIRN_EINVAL : 0;
}

/* Restarts every component a keeper marked crashed (b->supervise: the booter's thread calls it). */
static void restart_crashed(struct booter *b)
{
	for (unsigned i = 0; i < b->sd->ncomps; i++) {
		struct bcomp *c = &b->c[i];
		if (!__atomic_exchange_n(&c->crashed, 0, __ATOMIC_ACQ_REL))
			continue;
		unsigned by = __atomic_exchange_n(&c->requested, 0, __ATOMIC_ACQ_REL);
		if (by && by <= b->sd->ncomps) {	/* asked for (control.c), not a crash */
			cairn_printf("booter: '%s' restarting as generation %u, at the request of '%s'\n",
				     c->sd->name, c->generation + 1, b->sd->comp[by - 1].name);
			restart(b, i);
			continue;
		}
		boot_report_fault(b, c, "faulted, restarting", c->fault_tid, c->fault_vector, c->fault_error,
				  c->fault_rip, c->fault_sp, 0);	/* on the boot core, before its stack is zeroed */
		cairn_printf("booter: '%s' crashed (vector %lu at rip 0x%lx): restarting as generation %u\n",
			     c->sd->name, (unsigned long)c->fault_vector, (unsigned long)c->fault_rip,
			     c->generation + 1);
		restart(b, i);
	}
}

/* Makes the booter the keeper of every component described with `restart`. */
long boot_supervise(struct booter *b)
{
	long r = 0;

	supervisor = b;
	b->supervise = restart_crashed;
	for (unsigned i = 0; !r && i < b->sd->ncomps; i++) {
		if (!b->sd->comp[i].restart)
			continue;
		r = boot_reserve_slots(b);
		unsigned gate = cairn_slot(&b->a);
		if (!r)
			r = cairn_captbl_act_sinv(CAIRN_SLOT_CAPTBL, gate, CAIRN_SLOT_COMP,
						  (cairn_word)boot_keeper_entry, i + 1, 0);
		if (!r)
			r = cairn_comp_keeper(b->c[i].comp, gate);
		if (r)
			cairn_printf("booter: making the keeper of '%s' failed (error %ld)\n", b->sd->comp[i].name, r);
	}
	return r;
}
