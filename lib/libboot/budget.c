/*
 * budget.c: each component's time capability (docs/time.md). A root booter makes one
 * tcap per component, held by the component's first thread, under the tcap of the
 * booter's thread for its core (the root tcap on the boot core): its priority ranks
 * the component's interrupts against what runs (255 - `priority`: the booter's
 * priorities run the other way), and its budget is the description's `cpu_budget`,
 * refilled at each `cpu_period` boundary after it ran out (none: a budget never spent).
 * Threads the component makes run on its tcap too (a new thread runs on its
 * creator's). When the budget runs out the kernel preempts the component and tells
 * the core's booter thread EXHAUSTED; the component is then out (pick() passes it
 * over) until the next boundary, which the core's timer is armed for. The RTOS, which
 * holds the timer (a system of one core), is given a budget the same way: while it is
 * out the booter borrows the timer to wake at its refill (timer_borrow).
 */
#include "libboot.h"

/*
 * Whether this booter makes tcaps: it holds one (CAIRN_SLOT_TCAP: the root booter, or a
 * nested one its parent gave its own). Budgets are refilled only by a booter that
 * holds the timer, or lends it to the RTOS: tools/system.py refuses a budget anywhere
 * else.
 */
int boot_tcaps(void)
{
	return (long)cairn_tcap_budget(CAIRN_SLOT_TCAP).r0 >= 0;
}

/* The tcap core k's components are made under: the boot core's is the booter's own. */
static unsigned parent_of(struct booter *b, unsigned core)
{
	return core ? b->core[core].tcap : CAIRN_SLOT_TCAP;
}

/*
 * Core k's booter thread (k > 0) gets a tcap of its own under the booter's, with no
 * limit: so the kernel tells EXHAUSTED of its components to the thread that
 * schedules them.
 */
long boot_tcap_core(struct booter *b, struct bcore *k)
{
	long r = boot_reserve_slots(b);

	if (!r) {
		k->tcap = cairn_slot(&b->a);
		r = cairn_captbl_act_tcap(CAIRN_SLOT_CAPTBL, k->tcap, k->thread, CAIRN_SLOT_TCAP);
	}
	return r ? r : cairn_tcap_delegate(CAIRN_SLOT_TCAP, k->tcap, CAIRN_TCAP_INF,
					   (unsigned)cairn_tcap_budget(CAIRN_SLOT_TCAP).r1);
}

/* c's tcap (before it first runs): made, granted its budget and priority, its thread bound. */
long boot_tcap_make(struct booter *b, struct bcomp *c)
{
	unsigned parent = parent_of(b, c->sd->core);
	struct cairn_ret2 own = cairn_tcap_budget(parent);
	long r = boot_reserve_slots(b);

	c->cpu_budget = c->sd->cpu_budget_us ? cairn_us_ticks(b->rt->tsc_hz, c->sd->cpu_budget_us) : CAIRN_TCAP_INF;
	c->cpu_period = cairn_us_ticks(b->rt->tsc_hz, c->sd->cpu_period_us);
	c->cpu_epoch = cairn_cycles();
	c->prio = (unsigned)own.r1 + 255 - c->sd->priority;
	if (!r) {
		c->tcap = cairn_slot(&b->a);
		r = cairn_captbl_act_tcap(CAIRN_SLOT_CAPTBL, c->tcap, c->thread, parent);
	}
	if (!r)	/* a persistent one none yet: it runs once restored or started (persist.c) */
		r = cairn_tcap_delegate(parent, c->tcap, c->sd->persistent ? 0 : c->cpu_budget, c->prio);
	return r ? r : cairn_thread_tcap(c->thread, c->tcap);
}

/*
 * The component that holds core 0's timer (the RTOS: `irq = [0]`) ran out of budget:
 * until its refill, the booter holds the timer (line 0 bound to its own thread) and
 * arms it for the refill (a dispatch of itself with that deadline; nothing else on
 * the core arms it meanwhile: the booter's dispatches name no deadline without a
 * time slice). A system of one core (tools/system.py): core 0's thread calls this.
 */
static void timer_borrow(struct booter *b, struct bcore *k, struct bcomp *c)
{
	if (!b->timer_lent) {
		cairn_irq_unbind(CAIRN_SLOT_IRQ, CAIRN_IRQ_TIMER);
		b->timer_lent = cairn_irq_bind(CAIRN_SLOT_IRQ, CAIRN_IRQ_TIMER, k->wake, 0) == 0;
	}
	cairn_thread_dispatch(CAIRN_SLOT_THREAD, c->refill_at, 0);	/* itself: only arms the timer */
}

/*
 * Gives the timer back at the refill, with a send on its line: the holder's thread
 * runs as if its timer had fired, and arms the timer again for its own deadlines
 * (the RTOS's scheduler arms it on each pass: components/rtos/main.c).
 */
static void timer_return(struct booter *b)
{
	cairn_irq_unbind(CAIRN_SLOT_IRQ, CAIRN_IRQ_TIMER);
	cairn_irq_bind(CAIRN_SLOT_IRQ, CAIRN_IRQ_TIMER, b->timer_line, 0);
	cairn_asnd_send(b->timer_line, 0);
	b->timer_lent = 0;
}

/* c's budget ran out (EXHAUSTED, or a dispatch said ETIME): out until the next boundary. */
void boot_budget_out(struct booter *b, struct bcore *k, struct bcomp *c)
{
	uint64_t now = cairn_cycles(), p = c->cpu_period;

	if (!p)
		return;		/* no period: a tcap above it ran out (its parent hears of it) */
	c->out = 1;
	c->refill_at = c->cpu_epoch + ((now - c->cpu_epoch) / p + 1) * p;
	boot_timer_lower(k, c->refill_at);
	if (!b->timer && c == b->timer_comp)
		timer_borrow(b, k, c);
}

/*
 * Core k's components that are out and whose boundary has come get their budget
 * again; the others keep the core's timer armed for theirs. After boot_timer_expire,
 * which recomputes the core's next wake-up from the timer's clients alone.
 */
void boot_budget_refill(struct booter *b, struct bcore *k)
{
	uint64_t now = cairn_cycles();

	for (unsigned i = 0; i < b->sd->ncomps; i++) {
		struct bcomp *c = &b->c[i];
		if (!c->out || &b->core[c->sd->core] != k)
			continue;
		if (c->refill_at > now) {
			boot_timer_lower(k, c->refill_at);
			continue;
		}
		if (cairn_tcap_delegate(parent_of(b, c->sd->core), c->tcap, c->cpu_budget, c->prio) == 0) {
			c->out = 0;
			c->refills++;
			if (b->timer_lent && c == b->timer_comp)
				timer_return(b);
		}
	}
}

/*
 * c stops (persist.c): its tcap's budget 0, so that the kernel runs none of it on any
 * core (one running elsewhere stops at that core's next charge); what it had left in
 * *left (CAIRN_TCAP_INF: no limit), which boot_tcap_resume gives back. 0, or the error
 * (no tcap: CAIRN_ENOENT): then nothing stops it.
 */
long boot_tcap_pause(struct booter *b, struct bcomp *c, uint64_t *left)
{
	long had = c->tcap ? cairn_tcap_budget(c->tcap).r0 : CAIRN_ENOENT;

	*left = had < 0 || had == INT64_MAX ? CAIRN_TCAP_INF : (uint64_t)had;
	return had < 0 ? had : cairn_tcap_delegate(parent_of(b, c->sd->core), c->tcap, 0, c->prio);
}

void boot_tcap_resume(struct booter *b, struct bcomp *c, uint64_t left)
{
	if (c->tcap)
		cairn_tcap_delegate(parent_of(b, c->sd->core), c->tcap, left, c->prio);
}
