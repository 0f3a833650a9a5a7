/*
 * sched.c: fixed-priority preemptive scheduling with round robin among equals, and
 * earliest deadline first (edf.c) within a priority level; one set of run queues per
 * core (struct rcore), one lock for all, and the switch. Above the state only; the
 * scheduling policy a thread takes (policy.c), block points (bp.c) and timers
 * (timer.c) build on it.
 *
 * The lock. Whoever decides (a thread inside a gate, or an S) takes sched.lock,
 * changes the state, sets its core's current to the thread it chose, releases the
 * lock and only then switches (THREAD_DISPATCH: to a thread of its own core). Two
 * windows exist where the state and the core disagree: inside the lock, and between
 * the release and the switch (the thread running is then not its core's current).
 * The timer interrupt, or a kick, runs that core's S at once and names the thread it
 * preempted; S sees either window (the lock held by its core, or preempted !=
 * current) and sends that thread back to finish, with the timer set to come back
 * shortly (main.c). So a decision is never made twice and never goes stale, and a
 * thread that spins for the lock held by another core waits for a thread that is
 * running, or soon will be again. The lock guards every object a handle names too:
 * a gate looks the handle up and uses the object within one hold (handle.h).
 *
 * Across cores. A thread made ready on another core than the holder's, more urgent
 * than what that core runs (or with nothing running there), marks that core; the
 * unlock sends an asynchronous send to its S, which the kernel runs at once there
 * (an IPI), preempting its thread as the timer would. Timers are armed on the arming
 * thread's core and fired by its S; a waiter of another core is made ready there.

 */
#include "rtos.h"

void sched_lock(unsigned core)
{
	uint32_t free = 0;

	while (!__atomic_compare_exchange_n(&sched.lock, &free, core + 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		while (__atomic_load_n(&sched.lock, __ATOMIC_RELAXED))
			cpu_relax();
		free = 0;
	}
}

void sched_unlock(void)
{
	uint32_t kicks = sched.kicks;

	sched.kicks = 0;
	__atomic_store_n(&sched.lock, 0, __ATOMIC_RELEASE);
	while (unlikely(kicks != 0)) {
		unsigned k = (unsigned)__builtin_ctz(kicks);
		kicks &= kicks - 1;
		cairn_asnd_send(sched.core[k].wake, 0);
	}
}

/*
 * Earliest deadline first. An EDF thread has a budget per window (period): within
 * one period it runs at most its budget, and is then throttled until the next
 * period begins. A thread that wakes after its period has ended starts a new one (on
 * the grid of its periods, or from now if it slept through a whole one), so over any
 * period it never gets more than its budget: the bandwidth budget/window is all an
 * EDF thread can take from the threads below it. (Admission: policy.c.)
 */
#define EDF_SLACK 2000		/* a budget this close to spent is spent (timer rounding) */

/* The time t has run since it last started comes off its budget. */
static void edf_charge(struct rthread *t, uint64_t now)
{
	if (!t->run_start)
		return;
	uint64_t used = now - t->run_start;
	t->budget_left = used + EDF_SLACK >= t->budget_left ? 0 : t->budget_left - used;
	t->run_start = 0;
}

/* t's next period: the one after the current, or from now if that is over already. */
static uint64_t edf_next_release(const struct rthread *t, uint64_t now)
{
	uint64_t r = t->release + t->window;
	return r + t->window <= now ? now : r;
}

/* t's period begins at release, with its whole budget. */
void edf_period(struct rthread *t, uint64_t release)
{
	t->release = release;
	t->deadline = release + t->reldl;
	t->budget_left = t->budget;
}

/* t waits for its next period, in release order. */
static void edf_throttle(struct rthread *t, uint64_t release)
{
	struct rcore *k = t->rc;
	struct rthread **p = &k->throttled;

	t->state = T_THROTTLED;
	t->release = release;		/* the period it waits for */
	while (*p && (*p)->release <= release)
		p = &(*p)->next;
	t->next = *p;
	t->prev = 0;
	*p = t;
	k->armed = 0;			/* the next switch sets the timer again */
	sched_poke(t->core);		/* (an idle core's S sets it now) */
}

/* Locked: t leaves the throttled list (it ends). */
void edf_unthrottle(struct rthread *t)
{
	for (struct rthread **p = &t->rc->throttled; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	t->next = 0;
}

/*
 * An EDF thread about to be queued: charge it if it was running, start a new period
 * if its own has ended. Returns 0 if it is throttled instead (out of budget).
 */
static int edf_may_run(struct rthread *t, uint64_t now)
{
	edf_charge(t, now);		/* nothing unless it was running */
	uint64_t r = edf_next_release(t, now);
	if (r <= now)
		edf_period(t, r);
	if (t->budget_left)
		return 1;
	edf_throttle(t, r);
	return 0;
}

/*
 * Ready queues: one circular list per priority, the head runs next: the level's EDF
 * threads first, by deadline, then its fixed-priority threads in round robin. A
 * thread put at the front was preempted (it is the one running): it goes ahead of its
 * equals and, if fixed, keeps the rest of its slice for when it runs again, so round
 * robin among equals holds however often a more urgent thread interrupts one of them.
 * Any other gets a whole slice when it runs.
 */

/* Where t goes in the queue headed by h: before the node returned; *head if first. */
static inline struct rthread *rq_place(struct rthread *h, const struct rthread *t, int front, int *head)
{
	struct rthread *x = h;

	*head = 0;
	if (!t->edf && !front)
		return h;		/* the tail */
	do {
		if (!x->edf || (t->edf && (front ? x->deadline >= t->deadline : x->deadline > t->deadline))) {
			*head = x == h;
			return x;
		}
		x = x->next;
	} while (x != h);
	return h;			/* after every EDF thread: the tail */
}

void rq_add(struct rthread *t, int front)
{
	struct rcore *k = t->rc;
	struct rthread **q = &k->rq[t->prio];

	t->slice_left = 0;
	if (unlikely(t->edf)) {
		if (!edf_may_run(t, cairn_cycles()))
			return;
	} else if (front) {
		uint64_t now = cairn_cycles();
		t->slice_left = k->slice_end > now ? k->slice_end - now : 1;
	}
	t->state = T_READY;
	lease_touch(k, t->prio);
	if (unlikely(t->core != sched_holder()) && (!k->current || sched_before(t, k->current)))
		sched.kicks |= 1u << t->core;	/* it should run there now (sched_poke) */
	if (!*q) {
		t->next = t->prev = t;
		*q = t;
		k->map[t->prio / 64] |= 1UL << (t->prio % 64);
		return;
	}
	int head;
	struct rthread *at = rq_place(*q, t, front, &head);
	t->next = at;
	t->prev = at->prev;
	t->prev->next = t;
	at->prev = t;
	if (head)
		*q = t;
}

void rq_remove(struct rthread *t)
{
	struct rcore *k = t->rc;
	struct rthread **q = &k->rq[t->prio];

	lease_touch(k, t->prio);
	if (t->next == t) {
		*q = 0;
		k->map[t->prio / 64] &= ~(1UL << (t->prio % 64));
	} else {
		t->prev->next = t->next;
		t->next->prev = t->prev;
		if (*q == t)
			*q = t->next;
	}
	t->next = t->prev = 0;
}

/* k's best ready thread, still queued; 0 if none. */
static struct rthread *rq_best(const struct rcore *k)
{
	for (unsigned w = 0; w < NPRIO / 64; w++)
		if (k->map[w])
			return k->rq[w * 64 + (unsigned)__builtin_ctzl(k->map[w])];
	return 0;
}

struct rthread *rq_take(struct rcore *k)
{
	struct rthread *t = rq_best(k);

	if (t)
		rq_remove(t);
	return t;
}

void sched_make_ready(struct rthread *t)
{
	rq_add(t, 0);
}

/* Locked: core's throttled threads whose period has begun are ready again (edf.c). */
void edf_release_due(unsigned core, uint64_t now)
{
	struct rcore *k = &sched.core[core];

	while (k->throttled && k->throttled->release <= now) {
		struct rthread *t = k->throttled;
		k->throttled = t->next;
		t->next = 0;
		edf_period(t, t->release);
		rq_add(t, 0);
	}
}

/*
 * t, not running until now, runs: the rest of its slice, or a whole one. A whole one
 * may be the end already set, if that is between half and a whole slice away: the
 * timer then needs no reprogramming (which costs more than the switch).
 */
static void slice_start(struct rthread *t)
{
	struct rcore *k = t->rc;
	uint64_t now = cairn_cycles();

	k->slice_start = now;
	if (t->edf) {			/* it runs until its budget is spent */
		t->run_start = now;
		k->slice_end = now + t->budget_left;
		return;
	}
	if (t->slice_left)
		k->slice_end = now + t->slice_left;
	else if (k->slice_end < now + t->slice / 2 || k->slice_end > now + t->slice)
		k->slice_end = now + t->slice;
	t->slice_left = 0;
}

/*
 * k's deadline to switch with: the end of the time slice (or budget), the next
 * timer's expiry or period release, whichever is first; 0 if the timer is already
 * set for it (no reprogramming).
 */
uint64_t sched_deadline(struct rcore *k)
{
	uint64_t d = k->slice_end;

	if (k->timers && k->timers->expiry < d)
		d = k->timers->expiry;
	if (unlikely(k->throttled != 0) && k->throttled->release < d)
		d = k->throttled->release;
	if (d == k->armed)
		return 0;
	k->armed = d;
	return d;
}

/*
 * The tcap to dispatch t on: its process's if S lent it the rtos's to finish a
 * decision (main.c), so that it never leaves on the rtos's; else 0 (the one it has).
 */
static inline unsigned own_tcap(const struct rthread *t)
{
	return unlikely(t->lent) && t->proc->tc ? t->proc->tc->slot : 0;
}

/*
 * Makes next (a thread of k's core, 0: its S) current and switches to it, the lock
 * released first. Returns when the caller is switched to again (at once if next is
 * the caller). A thread whose process's budget is spent (ETIME) waits for the refill
 * (budget.c), one that stopped in the kernel (its STOP event is still on its way to
 * S) is passed over: the next best is taken.
 *
 * k->deciding names the caller from its unlock to its dispatch, so that S, run by an
 * interrupt in between, lets it finish (main.c). A thread switched to again has seen
 * its switch made: the mark is history. Not so when the caller is S (by_s): the kernel
 * runs S at an interrupt or a kick, which may have stopped another thread between its
 * unlock and its dispatch; S must still find that thread's mark when it looks at its
 * events (had it not, it would take the decider for a thread its process switched to,
 * and the switch the decider still makes would later run a thread that waits).
 * Inlined into both entry points (a call between cost every switch 6 instructions).
 */
static inline __attribute__((always_inline)) void switch_from(struct rcore *k, struct rthread *next,
								int by_s)
{
	struct rthread *prev = k->current;

	if (prev && prev->run_start && prev != next)	/* an EDF thread blocked or ended */
		edf_charge(prev, cairn_cycles());
	for (;;) {
		k->current = next;
		if (next && next->state != T_RUNNING)
			slice_start(next);
		if (next)
			next->state = T_RUNNING;
		uint64_t d = next ? sched_deadline(k) : 0;
		uint16_t gen = next ? next->gen : 0;
		k->deciding = prev;	/* until it runs again (main.c: preempted before the switch) */
		sched_unlock();
		long r = cairn_thread_dispatch(next ? next->slot : k->self, d, next ? own_tcap(next) : 0);
		if (r == 0) {
			if (!by_s)
				k->deciding = 0;
			return;
		}
		unsigned core = (unsigned)(k - sched.core);
		sched_lock(core);
		if (next->gen != gen || next->state != T_RUNNING) {
			/* it ended meanwhile, and may be reaped and its record reused: not
			   ended again (a second thread_free would find no tmap entry) */
		} else if (r != CAIRN_ETIME) {
			next->stopped = 1;
			next->state = T_DEAD;
			sched.deaths |= 1u << core;
		} else {
			next->state = T_STARVED;
			next->run_start = 0;		/* (an EDF thread: it did not run) */
		}
		k->armed = 0;
		next = rq_take(k);
	}
}

void sched_switch(struct rcore *k, struct rthread *next)
{
	switch_from(k, next, 0);
}

void sched_switch_s(struct rcore *k, struct rthread *next)
{
	switch_from(k, next, 1);
}

/* The caller (current, not queued) gives its core to the best ready thread there, or S. */
void sched_reschedule(struct rthread *self)
{
	struct rthread *next = rq_take(self->rc);

	if (next == self) {
		slice_start(self);
		self->state = T_RUNNING;
		uint64_t d = sched_deadline(self->rc);
		unsigned tc = own_tcap(self);
		if ((d || tc) && cairn_thread_dispatch(self->slot, d, tc) == CAIRN_ETIME) {
			self->state = T_STARVED;	/* its own is spent (it ran on the rtos's) */
			self->rc->armed = 0;
			sched_switch(self->rc, rq_take(self->rc));
			return;
		}
		sched_unlock();		/* (d: the soonest deadline changed, the timer is set for it) */
		return;
	}
	sched_switch(self->rc, next);
}

/* The caller t, ended, gives its core to its S, which reaps it at once; never returns. */
void sched_gone(struct rthread *t)
{
	sched_switch(t->rc, 0);
	for (;;)	/* never switched to again */
		cairn_printf("rtos: a dead thread ran\n");
}

/* The caller goes to the front of its queue; the best ready thread runs (the caller
 * itself unless something better was made ready). */
void sched_preempt(struct rthread *self)
{
	sched_if_ended(self);
	rq_add(self, 1);
	sched_reschedule(self);
}

/*
 * A fixed-priority thread goes behind its equals; or, if every equal ready is of its
 * process and could be switched to by it (lease.c), and lease is set, its process gets
 * the lease and the caller switches itself (RTOS_YIELD_LOCAL: nothing changed here).
 * An EDF thread is done for this period: it waits for the next one.
 */
long sched_yield(struct rthread *self, int lease)
{
	sched_lock(self->core);
	sched_if_ended(self);
	if (self->edf) {
		edf_charge(self, cairn_cycles());
		self->budget_left = 0;	/* rq_add throttles it, or starts its next period */
		rq_add(self, 0);
		sched_reschedule(self);
		return 0;
	}
	struct rthread *best = rq_best(self->rc);
	if (!best || best->prio > self->prio) {	/* (an EDF one of its level would run already) */
		sched_unlock();
		return 0;
	}
	if (lease && lease_grant(self->rc, self)) {
		sched_unlock();
		return RTOS_YIELD_LOCAL;
	}
	rq_add(self, 0);
	sched_reschedule(self);
	return 0;
}

/*
 * Locked, k leased to t's process at t's level: t, current there, says when a local
 * switch gave it the core (its TLS page's ran_since: lib/librtos/local.c). If that is
 * after the slice now running began and not in the future, its slice runs from then,
 * as the yield through here it stands for would have given it. A claim takes the core
 * only from the process's own threads (nothing else is ready at the level while the
 * lease holds), and each claim must be later than the last.
 */
static void slice_claim(struct rcore *k, struct rthread *t)
{
	uint64_t c = __atomic_load_n(&((struct rtos_tls *)TLS_WIN(t - threads))->ran_since, __ATOMIC_RELAXED);

	if (c <= k->slice_start || c > cairn_cycles())
		return;
	k->slice_start = c;
	k->slice_end = c + t->slice;
}

/* Thread i of k's last lease's round robin: its holder, then the threads its view named. */
static unsigned cycle(const struct rcore *k, unsigned i)
{
	return i ? view->core[k - sched.core].thread[i - 1] : k->lease_holder;
}

/*
 * Locked: t runs, switched to by its process within k's last lease: the threads of
 * that round robin wait behind their equals in its order from t on, as the rotations
 * that brought t to the core left them (a lease's switches only rotate it; one made
 * by hand leaves the order the process's own affair).
 */
static void cycle_order(struct rcore *k, const struct rthread *t)
{
	unsigned n = k->leased_once ? view->core[k - sched.core].n + 1u : 0, at = 0;

	while (at < n && cycle(k, at) != (unsigned)(t - threads))
		at++;
	if (at == n)
		return;
	for (unsigned i = 1; i < n; i++) {
		struct rthread *x = &threads[cycle(k, (at + i) % n)];
		if (x->state == T_READY && x->rc == k && x->prio == t->prio && x->proc == t->proc) {
			rq_remove(x);
			rq_add(x, 0);
		}
	}
}

/*
 * Locked: t, a thread of k's core, runs although k's current is another thread: its
 * process switched to it itself (a local THREAD capability; lease.c), which only the
 * kernel tells (the thread an interrupt preempted, the thread that calls a gate). The
 * kernel lets a process switch only between its own threads; whatever the current
 * was, the state follows what runs (refusing a thread of another process left the
 * queues following a current that did not run): the current goes behind its equals
 * (it gave the core away), t is current in the slice it was given. An EDF thread out of
 * its budget runs too (off the throttled list: the calls it makes change its state,
 * and rq_add throttles it again when it stops, for its next period); one that is
 * not ready here otherwise (ended, starved) is current as it is; its state stays.
 */
void sched_adopt(struct rcore *k, struct rthread *t)
{
	struct rthread *c = k->current;

	if (!c || t->rc != k)
		return;
	int leased = k->lease_proc == t->proc && k->lease_end == t->prio + 1u;
	if (c != t) {
		if (c->state == T_RUNNING)
			rq_add(c, 0);
		cycle_order(k, t);
		if (t->state == T_THROTTLED) {	/* out of budget: it runs in c's stead, in its period */
			edf_unthrottle(t);
			t->release = t->deadline - t->reldl;
			t->state = T_READY;
		} else if (t->state == T_READY) {
			rq_remove(t);
		}
		if (t->state == T_READY) {
			t->state = T_RUNNING;
			if (t->edf)
				t->run_start = cairn_cycles();
		}
		k->current = t;
	}
	if (leased && t->state == T_RUNNING && !t->edf)
		slice_claim(k, t);
}

/*
 * Where a thread with the scheduling word *word goes: the core it names, else the
 * caller's (0 for S_0's first process). The core is taken out of *word. EINVAL if it
 * names a core the rtos does not schedule.
 */
long sched_place(const struct rthread *caller, uint64_t *word, unsigned *core)
{
	unsigned c = RTOS_SCHED_CORE(*word);

	*word = RTOS_SCHED_NO_CORE(*word);
	if (c > sched.ncores)
		return CAIRN_EINVAL;
	*core = c ? c - 1 : caller ? caller->core : 0;
	return 0;
}

