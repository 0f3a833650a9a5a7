/*
 * sched.c: the booter's scheduler, until the scheduler component takes over (the RTOS
 * work): fixed priorities, round robin among equals. On each core a system uses, one
 * booter thread (struct bcore) schedules the components placed there: the booter's
 * own thread on the boot core, a thread of its own on each other core (started by
 * boot_start_cores). It is those components' threads' scheduler: the kernel queues
 * BLOCK, WAKE and STOP events for it and switches to it when the running thread blocks
 * or stops. A root booter holds each core's timer (interrupt line 0, one per core): it
 * dispatches with a deadline one time slice ahead, and the timer preempts a thread that
 * runs longer (a TIMEOUT event), or earlier, for the earliest deadline a component of
 * that core asked to be woken at (timer.c): the scheduler then sends it its wake. A
 * nested booter has no timer: its threads run until they block, yield or stop.
 *
 * Round robin among equals is by turns (POSIX's SCHED_RR): each thread has a place
 * among its priority's (bcomp.turn) and a pick takes the first. A thread goes to the
 * last place when it wakes, yields, or has run a slice's worth of its turn; one
 * preempted by a higher priority keeps its place and the rest of its turn. (What a
 * thread has run is counted, not the time since its turn began, so a higher priority
 * waking every fraction of a slice neither ends nor renews the turns below it.)
 *
 * Only the boot core's thread builds, restarts and serves the manager; it asks another
 * core's thread to run a component's initialisation there (boot_init), since a
 * thread runs on its own core only. The threads share nothing else: each touches only
 * its own struct bcore and its own components' states.
 */
#include "libboot.h"

static struct booter *cores_booter;	/* for core_main (a thread's only argument is its function) */

struct bcomp *boot_by_tid(struct booter *b, uint64_t tid)
{
	for (unsigned i = 0; i < b->sd->ncomps; i++)
		if (b->c[i].tid == tid)
			return &b->c[i];
	return 0;
}

static struct bcore *core_of(struct booter *b, const struct bcomp *c)
{
	return &b->core[c->sd->core];
}

/* c goes to the last place among its priority's threads of core k, with a new turn. */
static void to_back(struct bcore *k, struct bcomp *c)
{
	c->turn = ++k->turns;	/* 64 bits, one per dispatch at most: never wraps */
	c->ran = 0;
}

/*
 * Takes every event queued for core k's thread and updates the threads' states. A
 * component of another core that stops is reported to the boot core's thread, which
 * ends the system when all have stopped.
 */
static void set_state(struct booter *b, struct bcore *k, struct bcomp *c, unsigned state)
{
	if (!c || c->state == T_STOPPED)
		return;
	c->state = state;
	if (state == T_STOPPED)
		boot_report_stop(b, c, (unsigned)(k - b->core));	/* if a fault stopped it */
	if (state == T_STOPPED && k != &b->core[0])
		cairn_asnd_send(b->wake, 0);
}

/*
 * Events were lost (OVERFLOW): every thread of core k that has not stopped is taken
 * for runnable; dispatching one tells what it is (boot_run).
 */
static void events_lost(struct booter *b, struct bcore *k)
{
	for (unsigned i = 0; i < b->sd->ncomps; i++)
		if (core_of(b, &b->c[i]) == k && b->c[i].state != T_STOPPED)
			b->c[i].state = T_RUNNABLE;
}

/*
 * Whether c's thread is stopped now. A STOP event can be stale: the thread of a
 * component that was down could be woken and stop (docs/syscalls.md, COMP_RESTART),
 * and the event be taken after restart.c restarted the thread; THREAD_REG refuses
 * (EBUSY) exactly the threads that are not stopped, on any core. The register read is
 * its vector: below 32 the thread stopped at a CPU exception (the kernel stopped it,
 * having no keeper to give it to), else at a system call. A component the booter keeps
 * (restart.c) has its crashes counted there: here only those of the others, and of any
 * before the keepers are set (b->supervise), count (status.c shows them crashed).
 */
static int stopped_now(struct booter *b, struct bcomp *c)
{
	struct cairn_ret2 v = cairn_thread_reg(c->thread, CAIRN_REG_VECTOR, 0, 0);

	if (v.r0 == CAIRN_EBUSY)
		return 0;
	if (v.r0 == 0 && v.r1 < 32 && (!c->sd->restart || !b->supervise) &&
	    !__atomic_exchange_n(&c->down, 1, __ATOMIC_ACQ_REL))
		boot_count_fault(c);
	return 1;
}

static void take_events(struct booter *b, struct bcore *k)
{
	for (;;) {
		struct cairn_ret2 e = cairn_rcv_event(k->rcv);
		if (e.r0 < 0 || e.r1 == CAIRN_EVENT_NONE)
			return;
		if (e.r1 == CAIRN_EVENT_OVERFLOW) {
			events_lost(b, k);
			continue;
		}
		if (e.r1 == CAIRN_EVENT_EXHAUSTED) {
			struct bcomp *x = boot_by_tid(b, (uint64_t)e.r0);
			if (x)
				boot_budget_out(b, k, x);	/* names the tcap's holder: no state */
			continue;
		}
		if (e.r1 == CAIRN_EVENT_TIMEOUT && cairn_cycles() < __atomic_load_n(&k->armed, __ATOMIC_ACQUIRE))
			__atomic_store_n(&k->armed, 0, __ATOMIC_RELEASE);	/* the timer may have fired early,
										   spending the kernel's deadline */
		unsigned state = e.r1 == CAIRN_EVENT_BLOCK ? T_BLOCKED :
				 e.r1 == CAIRN_EVENT_STOP ? T_STOPPED : T_RUNNABLE;
		struct bcomp *c = boot_by_tid(b, (uint64_t)e.r0);
		if (c && state == T_STOPPED && !stopped_now(b, c))
			continue;	/* stale: restarted since */
		if (e.r1 == CAIRN_EVENT_TIMEOUT)
			k->preempted = 1;	/* (it may name a thread of a nested booter's) */
		if (c && e.r1 == CAIRN_EVENT_WAKE && c->state == T_BLOCKED)
			to_back(k, c);
		set_state(b, k, c, state);
	}
}

/*
 * Takes this core's timer if this booter holds the interrupt lines; sets the time
 * slice. Called on core k's own thread: line 0 is the calling core's timer.
 */
void boot_take_timer(struct booter *b, struct bcore *k)
{
	if (cairn_irq_bind(CAIRN_SLOT_IRQ, CAIRN_IRQ_TIMER, k->wake, 0) == 0)
		__atomic_store_n(&k->slice, b->rt->tsc_hz / BOOT_SLICES_PER_SECOND, __ATOMIC_RELEASE);
}

/*
 * Whether this booter will hold its cores' timers, which timer.c needs (else
 * CAIRN_ENOTSUP): it holds line 0 (a root booter: a nested one holds no line), and no
 * component claims it (the RTOS, `irq = [0]`, takes the timers). Asked with a copy
 * narrowed to line 0, at once removed: nothing is bound before boot_take_timer.
 */
static int holds_timer(struct booter *b)
{
	for (unsigned i = 0; i < b->sd->ncomps; i++)
		for (unsigned j = 0; j < b->sd->comp[i].nirqs; j++)
			if (b->sd->comp[i].irq[j] == CAIRN_IRQ_TIMER)
				return 0;
	if (boot_reserve_slots(b))
		return 0;
	unsigned s = cairn_slot(&b->a);
	int held = cairn_irq_narrow(CAIRN_SLOT_IRQ, s, 1u << CAIRN_IRQ_TIMER) == 0;
	if (held && cairn_captbl_remove(CAIRN_SLOT_CAPTBL, s))
		return held;	/* the slot stays taken */
	cairn_slot_put(&b->a, s);
	return held;
}

/*
 * The deadline to pass to a dispatch so that core k's timer is armed for `at`: 0 if it
 * is armed for it already and that is more than an eighth of a slice away. One nearer
 * (or past) is armed again: it may have fired already, while the booter's thread was
 * busy restarting a component, say, or a little early (the kernel converts a deadline
 * into the APIC timer's ticks at its calibrated rate); armed again it fires at once.
 */
static uint64_t arm(struct bcore *k, uint64_t at, uint64_t now)
{
	if (at == k->armed && at > now && at - now > k->slice / 8)
		return 0;
	__atomic_store_n(&k->armed, at, __ATOMIC_RELEASE);
	return at;
}

/* The same for the earlier of the slice's end and the core's next wake-up (timer.c). */
static uint64_t rearm(struct bcore *k)
{
	uint64_t w = __atomic_load_n(&k->next_wake, __ATOMIC_ACQUIRE);

	return k->slice ? arm(k, w < k->deadline ? w : k->deadline, cairn_cycles()) : 0;
}

/*
 * The deadline to dispatch c with: a new slice, unless at least half of the current
 * one is left (keeping it saves reprogramming the timer when threads hand the core
 * back and forth quickly), but no later than the end of c's turn, or the core's next
 * wake-up if that comes first; 0 keeps the timer armed as it is. `now`: the clock.
 */
static uint64_t deadline(struct bcore *k, const struct bcomp *c, uint64_t now)
{
	if (!k->slice)
		return 0;
	uint64_t w = __atomic_load_n(&k->next_wake, __ATOMIC_ACQUIRE);
	uint64_t left = c->ran < k->slice ? k->slice - c->ran : 0;	/* of its turn */
	if (k->deadline <= now || k->deadline - now < k->slice / 2)
		k->deadline = now + k->slice;
	if (k->deadline - now > left)
		k->deadline = now + left;
	else if (k->armed == k->deadline && w >= k->deadline)
		return 0;	/* the common case: armed for this slice, no wake-up before its end */
	return arm(k, w < k->deadline ? w : k->deadline, now);
}

/*
 * Whether a timer call (timer.c) lowered core k's next wake-up below what its timer is
 * armed for, and that wake-up has not come yet: then the thread that ran goes on, with
 * the timer re-armed (a wake-up that has come goes through wake_due first).
 */
static int rearm_wanted(const struct bcore *k)
{
	uint64_t w = __atomic_load_n(&k->next_wake, __ATOMIC_ACQUIRE);

	return w < k->armed && w > cairn_cycles();	/* no slice: armed is 0 */
}

/* Whether a wake-up of core k's has come (a check each scheduling pass makes). */
static inline int due(const struct bcore *k)
{
	uint64_t w = __atomic_load_n(&k->next_wake, __ATOMIC_ACQUIRE);

	return w != BOOT_NEVER && w <= cairn_cycles();
}

/*
 * Sends core k's wake-ups that have come (timer.c) and takes the events they make;
 * gives budgets back whose period has come (budget.c).
 */
static void wake_due(struct booter *b, struct bcore *k)
{
	if (boot_timer_expire(b, k))
		take_events(b, k);
	if (b->tcaps)
		boot_budget_refill(b, k);
}

/*
 * Before core k's thread (`self`, a slot of the booter's) waits with nothing to run:
 * arms the timer for the next wake-up, or BOOT_IDLE_ARMS_PER_SECOND ahead if that is
 * later (the kernel clamps a long one-shot: a wake-up armed too far would be lost).
 */
static void arm_idle(struct booter *b, struct bcore *k, unsigned self)
{
	uint64_t w = __atomic_load_n(&k->next_wake, __ATOMIC_ACQUIRE);

	if (!k->slice || w == BOOT_NEVER)
		return;
	uint64_t now = cairn_cycles(), most = b->rt->tsc_hz / BOOT_IDLE_ARMS_PER_SECOND;
	uint64_t at = arm(k, w > now && w - now > most ? now + most : w, now);
	if (at)
		cairn_thread_dispatch(self, at, 0);	/* itself: only arms the timer */
}

/*
 * c's dispatch, from t0, has ended (the booter's time between counted: it is c's call,
 * or little). Runnable, it goes last among its priority's if it gave the core away itself
 * (a yield: no interrupt took it) or its turn is over; preempted within its turn, it
 * keeps its place. With no slices (no timer of its own: an RTOS holds it, or a nested
 * booter) every interrupt that takes the core ends a turn, so that threads that never
 * wait still take turns at each. Blocked or stopped, its turn ends: it gets a whole
 * one when it runs again (woken, restarted, or taken for runnable after lost events).
 * (A dispatch the kernel declined, the booter's thread having been sent to from
 * another core since it picked c, also ends the turn, c having not run: the kernel
 * answers 0 as after a yield. It skips one turn of c's, never more.)
 */
static void turn_over(struct bcore *k, struct bcomp *c, uint64_t t0)
{
	if (c->state != T_RUNNABLE) {
		c->ran = 0;
		return;
	}
	c->ran += cairn_cycles() - t0;
	if (!k->preempted || c->ran >= k->slice)
		to_back(k, c);
}

/*
 * Runs c's thread, on its core's booter thread, until that thread runs again for
 * anything but a manager call of c's thread, or a timer call that needs the timer
 * re-armed; manager calls are served here (on the boot core), the timer is re-armed,
 * and c goes on in the same time slice (while it lasts: then it goes through pick()
 * like any other). What it ran counts against its turn (turn_over).
 */
long boot_run(struct booter *b, struct bcomp *c)
{
	struct bcore *k = core_of(b, c);
	uint64_t t0 = cairn_cycles();

	k->preempted = 0;
	long r = cairn_thread_dispatch(c->thread, deadline(k, c, t0), 0);

	for (;;) {
		if (r)	/* refused: the kernel armed nothing (its deadline checks come first) */
			__atomic_store_n(&k->armed, 0, __ATOMIC_RELEASE);
		if (r == CAIRN_EAGAIN)
			c->state = T_BLOCKED;
		else if (r == CAIRN_ETIME && !__atomic_load_n(&c->held, __ATOMIC_ACQUIRE))
			boot_budget_out(b, k, c);	/* its EXHAUSTED was among lost events */
		else if (r == CAIRN_EINVAL)
			set_state(b, k, c, T_STOPPED);	/* its STOP was among lost events */
		take_events(b, k);
		int served = k == &b->core[0] && __atomic_load_n(&boot_manager_posted, __ATOMIC_ACQUIRE) &&
			     boot_manager_serve(b, c->tid);
		if ((!served && !rearm_wanted(k)) || c->state != T_RUNNABLE ||
		    (k->slice && cairn_cycles() >= k->deadline) || __atomic_load_n(&c->held, __ATOMIC_ACQUIRE)) {
			turn_over(k, c, t0);
			return r;	/* (held: stopped for a checkpoint meanwhile, persist.c) */
		}
		k->preempted = 0;
		r = cairn_thread_dispatch(c->thread, rearm(k), 0);	/* the slice's end stays */
	}
}

/* The highest priority runnable thread of core k; of several, the first in its turns. */
static struct bcomp *pick(struct booter *b, struct bcore *k)
{
	struct bcomp *best = 0;

	for (unsigned i = 0; i < b->sd->ncomps; i++) {
		struct bcomp *c = &b->c[i];
		if (core_of(b, c) != k || c->state != T_RUNNABLE || c->out || __atomic_load_n(&c->held, __ATOMIC_ACQUIRE))
			continue;
		if (!best || c->sd->priority > best->sd->priority ||
		    (c->sd->priority == best->sd->priority && c->turn < best->turn))
			best = c;
	}
	return best;
}

/* Core k's booter thread (not the boot core's): its initialisation runs, then its components. */
static void core_main(cairn_word tid)
{
	struct booter *b = cores_booter;
	struct bcore *k = &b->core[cairn_core()];

	(void)tid;
	__atomic_store_n(&k->ready, 1, __ATOMIC_RELEASE);
	cairn_asnd_send(b->wake, 0);
	for (;;) {
		struct bcomp *c = __atomic_load_n(&k->init, __ATOMIC_ACQUIRE);
		if (c) {
			boot_run(b, c);		/* no time slice yet: runs to its first block */
			__atomic_store_n(&k->init, 0, __ATOMIC_RELEASE);
			cairn_asnd_send(b->wake, 0);
			continue;
		}
		if (!__atomic_load_n(&b->running, __ATOMIC_ACQUIRE)) {
			cairn_rcv_wait(k->rcv);	/* the system is still being built */
			continue;
		}
		if (!k->timer) {
			k->timer = 1;
			boot_take_timer(b, k);
		}
		if (due(k))
			wake_due(b, k);
		c = pick(b, k);
		if (c) {
			boot_run(b, c);
			continue;
		}
		arm_idle(b, k, k->thread);
		cairn_rcv_wait(k->rcv);
		take_events(b, k);
	}
}

/*
 * Starts a booter thread on each other core a component is placed on (before the
 * components are built: their threads' scheduler must exist). Each is a thread of
 * the booter's own component, placed on its core and started by a send.
 */
long boot_start_cores(struct booter *b)
{
	long r = 0;

	cores_booter = b;
	b->core[0].rcv = b->rcv;
	b->core[0].wake = b->wake;
	for (unsigned j = 0; j < CAIRN_SD_CORES; j++)
		b->core[j].next_wake = BOOT_NEVER;
	b->timer = holds_timer(b);
	b->tcaps = boot_tcaps();
	if (b->sd->cores > b->rt->cores) {
		cairn_printf("booter: system '%s' needs %u cores, the machine runs %lu\n", b->sd->name,
			     b->sd->cores, (unsigned long)b->rt->cores);
		return CAIRN_ERANGE;
	}
	for (unsigned i = 0; !r && i < b->sd->ncomps; i++) {
		struct bcore *k = &b->core[b->sd->comp[i].core];
		if (k == &b->core[0] || k->thread)
			continue;
		struct cairn_core_thread t;
		r = cairn_core_thread(&b->a, (unsigned)(k - b->core), core_main, &t);
		k->thread = t.thread;
		k->rcv = t.rcv;
		k->wake = t.wake;
		if (!r && b->tcaps)
			r = boot_tcap_core(b, k);
		while (!r && !__atomic_load_n(&k->ready, __ATOMIC_ACQUIRE))
			cairn_rcv_wait(b->rcv);
	}
	if (r)
		cairn_printf("booter: starting the scheduler of another core failed (error %ld)\n", r);
	return r;
}

/* Runs c until it first blocks or stops: here, or by the booter thread of its core. */
long boot_init(struct booter *b, struct bcomp *c)
{
	struct bcore *k = core_of(b, c);

	if (k == &b->core[0])
		return boot_run(b, c);
	__atomic_store_n(&k->init, c, __ATOMIC_RELEASE);
	cairn_asnd_send(k->wake, 0);
	while (__atomic_load_n(&k->init, __ATOMIC_ACQUIRE)) {
		cairn_rcv_wait(b->rcv);
		if (__atomic_load_n(&boot_manager_posted, __ATOMIC_ACQUIRE))
			boot_manager_serve(b, 0);	/* c may call the manager in its init */
	}
	return 0;
}

/*
 * Whether a blocked component of core k has a deadline that will come (timer.c), or
 * a component out of budget its next period (budget.c).
 */
static int timed(struct booter *b, struct bcore *k)
{
	if (__atomic_load_n(&k->next_wake, __ATOMIC_ACQUIRE) == BOOT_NEVER)
		return 0;
	for (unsigned i = 0; i < b->sd->ncomps; i++) {
		uint64_t w = __atomic_load_n(&b->c[i].wake_at, __ATOMIC_ACQUIRE);
		if (core_of(b, &b->c[i]) == k && ((b->c[i].state == T_BLOCKED && w && w != BOOT_NEVER) ||
						  (b->c[i].out && b->c[i].state != T_STOPPED)))
			return 1;
	}
	return 0;
}

/* Components of other cores that have not stopped: the system goes on while they run. */
static unsigned running_elsewhere(struct booter *b)
{
	unsigned n = 0;

	for (unsigned i = 0; i < b->sd->ncomps; i++)
		n += core_of(b, &b->c[i]) != &b->core[0] &&
		     __atomic_load_n(&b->c[i].state, __ATOMIC_RELAXED) != T_STOPPED;
	return n;
}

long boot_schedule(struct booter *b)
{
	struct bcore *k = &b->core[0];
	unsigned irqs = 0;

	__atomic_store_n(&b->running, 1, __ATOMIC_RELEASE);
	for (unsigned j = 1; j < b->sd->cores; j++)
		if (b->core[j].thread)
			cairn_asnd_send(b->core[j].wake, 0);

	for (unsigned i = 0; i < b->sd->ncomps; i++)
		irqs += b->c[i].sd->nirqs;
	irqs += b->lines_bound;
	for (;;) {
		if (b->supervise)
			b->supervise(b);	/* restart.c: restarts what crashed */
		if (__atomic_load_n(&boot_manager_posted, __ATOMIC_ACQUIRE))
			boot_manager_serve(b, 0);	/* calls from other cores' components */
		if (due(k))
			wake_due(b, k);
		struct bcomp *c = pick(b, k);
		if (c) {
			boot_run(b, c);
			continue;
		}
		unsigned blocked = 0, elsewhere = running_elsewhere(b);
		for (unsigned i = 0; i < b->sd->ncomps; i++)
			blocked += core_of(b, &b->c[i]) == k && (b->c[i].state == T_BLOCKED ||
								 (b->c[i].out && b->c[i].state != T_STOPPED));
		if (!blocked && !elsewhere)
			return 0;
		if (!irqs && !elsewhere && !timed(b, k)) {
			cairn_printf("booter: %u thread(s) blocked and nothing can wake them: "
				     "system '%s' stops\n", blocked, b->sd->name);
			return CAIRN_EAGAIN;
		}
		arm_idle(b, k, CAIRN_SLOT_THREAD);
		cairn_rcv_wait(b->rcv);		/* until an interrupt, a deadline or another core wakes it */
		take_events(b, k);
	}
}
