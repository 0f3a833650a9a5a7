/*
 * sched.c: fixed-priority preemptive scheduling with round robin among equals, block
 * points and timers.
 *
 * The lock. Whoever decides (a thread inside a gate, or S) takes sched.locked, changes
 * the state, sets sched.current to the thread it chose, releases the lock and only
 * then switches (THREAD_DISPATCH). Two windows exist where the state and the core
 * disagree: inside the lock, and between the release and the switch (the thread
 * running is then not sched.current). The timer interrupt runs S at once and names
 * the thread it preempted; S sees either window (locked, or preempted != current) and
 * sends that thread back to finish, with the timer set to come back shortly
 * (main.c). So a decision is never made twice and never goes stale, and the lock
 * needs no atomic instruction on one core.
 *
 * Block points (Composite's block points with stored wake-ups): a wake that finds no
 * waiter is kept as a token that the next block consumes, so a waker that runs
 * between a waiter's decision to block and its block call is never lost. The
 * process-side counters (lib/librtos/sync.c) call block and wake exactly once per
 * waiter, which makes the pair a counting semaphore.
 */
#include "rtos.h"

struct sched sched;

void sched_lock(void)
{
	sched.locked = 1;
	__asm__ volatile("" ::: "memory");
}

void sched_unlock(void)
{
	__asm__ volatile("" ::: "memory");
	sched.locked = 0;
}

/*
 * Ready queues: one circular list per priority, the head runs next. A thread put at
 * the front was preempted (it is the one running): it keeps the rest of its slice
 * for when it runs again, so round robin among equals holds however often a more
 * urgent thread interrupts one of them. Any other gets a whole slice when it runs.
 */
void rq_add(struct rthread *t, int front)
{
	struct rthread **q = &sched.rq[t->prio];

	if (front) {
		uint64_t now = cairn_cycles();
		t->slice_left = sched.slice_end > now ? sched.slice_end - now : 1;
	} else {
		t->slice_left = 0;
	}
	t->state = T_READY;
	if (!*q) {
		t->next = t->prev = t;
		*q = t;
		sched.map[t->prio / 64] |= 1UL << (t->prio % 64);
		return;
	}
	t->next = *q;
	t->prev = (*q)->prev;
	t->prev->next = t;
	(*q)->prev = t;
	if (front)
		*q = t;
}

void rq_remove(struct rthread *t)
{
	struct rthread **q = &sched.rq[t->prio];

	if (t->next == t) {
		*q = 0;
		sched.map[t->prio / 64] &= ~(1UL << (t->prio % 64));
	} else {
		t->prev->next = t->next;
		t->next->prev = t->prev;
		if (*q == t)
			*q = t->next;
	}
	t->next = t->prev = 0;
}

/* The best ready thread, still queued; 0 if none. */
static struct rthread *rq_best(void)
{
	for (unsigned w = 0; w < NPRIO / 64; w++)
		if (sched.map[w])
			return sched.rq[w * 64 + (unsigned)__builtin_ctzl(sched.map[w])];
	return 0;
}

struct rthread *rq_take(void)
{
	struct rthread *t = rq_best();

	if (t)
		rq_remove(t);
	return t;
}

void sched_make_ready(struct rthread *t)
{
	rq_add(t, 0);
}

/*
 * t, not running until now, runs: the rest of its slice, or a whole one. A whole one
 * may be the end already set, if that is between half and a whole slice away: the
 * timer then needs no reprogramming (which costs more than the switch).
 */
static void slice_start(struct rthread *t)
{
	uint64_t now = cairn_cycles();

	if (t->slice_left)
		sched.slice_end = now + t->slice_left;
	else if (sched.slice_end < now + sched.slice / 2 || sched.slice_end > now + sched.slice)
		sched.slice_end = now + sched.slice;
	t->slice_left = 0;
}

/*
 * The deadline to switch with: the end of the time slice or the next timer's expiry,
 * whichever is first; 0 if the timer is already set for it (no reprogramming).
 */
uint64_t sched_deadline(void)
{
	uint64_t d = sched.slice_end;
	if (sched.timers && sched.timers->expiry < d)
		d = sched.timers->expiry;
	if (d == sched.armed)
		return 0;
	sched.armed = d;
	return d;
}

/*
 * Makes next current and switches to it (0: to S), the lock released first. Returns
 * when the caller is switched to again (at once if next is the caller). A thread that
 * stopped in the kernel (its STOP event is still on its way to S) is passed over.
 */
void sched_switch(struct rthread *next)
{
	for (;;) {
		sched.current = next;
		if (next && next->state != T_RUNNING)
			slice_start(next);
		if (next)
			next->state = T_RUNNING;
		uint64_t d = next ? sched_deadline() : 0;
		sched_unlock();
		long r = cairn_thread_dispatch(next ? next->slot : CAIRN_SLOT_THREAD, d);
		if (r == 0)
			return;
		sched_lock();
		next->stopped = 1;
		next->state = T_DEAD;
		sched.deaths = 1;
		sched.armed = 0;
		next = rq_take();
	}
}

/* The caller (current, not queued) gives the core to the best ready thread, or S. */
void sched_reschedule(struct rthread *self)
{
	struct rthread *next = rq_take();

	if (next == self) {
		slice_start(self);
		self->state = T_RUNNING;
		uint64_t d = sched_deadline();
		if (d)		/* the soonest deadline changed: set the timer for it */
			cairn_thread_dispatch(self->slot, d);
		sched_unlock();
		return;
	}
	sched_switch(next);
}

/* The caller goes to the front of its queue; the best ready thread runs (the caller
 * itself unless something better was made ready). */
void sched_preempt(struct rthread *self)
{
	rq_add(self, 1);
	sched_reschedule(self);
}

long sched_yield(struct rthread *self)
{
	sched_lock();
	struct rthread *best = rq_best();
	if (!best || best->prio > self->prio) {
		sched_unlock();
		return 0;
	}
	rq_add(self, 0);
	sched_reschedule(self);
	return 0;
}

/* Wait queues: by priority, FIFO among equals. */
static void wq_add(struct bp *bp, struct rthread *t)
{
	struct rthread **p = &bp->head;

	while (*p && (*p)->prio <= t->prio)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
	t->waiting = bp;
}

/* t, blocked on a block point, ends: a counting point keeps its place as a ghost. */
void bp_unwait(struct rthread *t)
{
	struct bp *bp = t->waiting;

	if (!bp)
		return;
	for (struct rthread **p = &bp->head; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	if (bp->mode == BP_COUNTING)
		bp->ghosts++;
	t->next = 0;
	t->waiting = 0;
}

/* Locked: waits on bp unless a wake-up is stored; what the waker said. Unlocked after. */
long bp_block(struct rthread *self, struct bp *bp)
{
	if (bp->tokens) {
		bp->tokens--;
		sched_unlock();
		return 0;
	}
	self->state = T_BLOCKED;
	self->woken = 0;
	wq_add(bp, self);
	sched_reschedule(self);
	return self->woken;
}

/* Locked: the first waiter, off the queue (not yet ready); else stores the wake-up. */
static struct rthread *bp_first(struct bp *bp)
{
	struct rthread *w = bp->head;

	if (!w) {
		if (bp->mode != BP_BINARY || !bp->tokens)
			bp->tokens++;	/* a binary point keeps at most one */
		return 0;
	}
	bp->head = w->next;
	w->next = 0;
	w->waiting = 0;
	w->woken = 0;
	return w;
}

/* Locked: makes the first waiter ready and returns it, or stores the wake-up. */
struct rthread *bp_post(struct bp *bp)
{
	struct rthread *w = bp_first(bp);

	if (w)
		rq_add(w, 0);
	return w;
}

/*
 * Locked (unlocked after): wakes the first waiter (or stores the wake-up); it
 * preempts the caller if better.
 * Returns 1 instead when the wake-up was meant for a waiter that has ended (a ghost
 * of a counting point): the giver then adds its unit back to the counter
 * (lib/librtos/sync.c).
 */
long bp_wake(struct rthread *self, struct bp *bp)
{
	if (!bp->head && bp->ghosts) {
		bp->ghosts--;	/* meant for a waiter that ended: the giver counts it again */
		sched_unlock();
		return 1;
	}
	struct rthread *w = bp_first(bp);
	if (w && w->prio < self->prio) {
		rq_add(self, 1);
		sched_switch(w);
		return 0;
	}
	if (w)
		rq_add(w, 0);
	sched_unlock();
	return 0;
}

/* Every waiter returns result (the block point is going away). */
void bp_wake_all(struct bp *bp, long result)
{
	while (bp->head) {
		struct rthread *w = bp->head;
		bp->head = w->next;
		w->next = 0;
		w->waiting = 0;
		w->woken = result;
		rq_add(w, 0);
	}
}

/* Block points and timers, of every process. */
struct bp bps[MAX_BPS];
struct rtimer timers[MAX_TIMERS];

struct bp *bp_new(unsigned proc, unsigned mode)
{
	for (unsigned i = 0; i < MAX_BPS; i++)
		if (!bps[i].used) {
			struct bp *bp = &bps[i];
			uint16_t gen = (uint16_t)(bp->gen + 1);
			*bp = (struct bp){ .gen = gen ? gen : 1, .used = 1, .proc = (uint8_t)proc, .mode = (uint8_t)mode };
			return bp;
		}
	return 0;
}

void bp_free(struct bp *bp, long result)
{
	bp_wake_all(bp, result);
	watch_drop(bp);
	bp->used = 0;
}

/* Timers: a list of armed timers, soonest first. */
void timer_disarm(struct rtimer *t)
{
	for (struct rtimer **p = &sched.timers; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	t->next = 0;
	t->armed = 0;
}

void timer_arm(struct rtimer *t)
{
	struct rtimer **p = &sched.timers;

	if (t->armed)
		timer_disarm(t);
	while (*p && (*p)->expiry <= t->expiry)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
	t->armed = 1;
	sched.armed = 0;	/* the next switch sets the timer again */
}

/* Fires every timer due by now: counts it, wakes its waiters, re-arms a periodic one. */
void timers_expire(uint64_t now)
{
	while (sched.timers && sched.timers->expiry <= now) {
		struct rtimer *t = sched.timers;
		sched.timers = t->next;
		t->next = 0;
		t->armed = 0;
		t->fired++;
		bp_wake_all(t->bp, 0);
		watch_notify(RTOS_HANDLE(RTOS_K_TIMER, t->gen, t - timers));
		if (t->period) {
			t->expiry += t->period;		/* from the deadline, not from now: no drift */
			timer_arm(t);
		}
	}
}

/* Waits for t to fire (at once if it has); returns the expiries since the last wait. */
long timer_wait(struct rthread *self, struct rtimer *t)
{
	sched_lock();
	while (!t->fired) {
		if (!t->armed) {
			sched_unlock();
			return CAIRN_EAGAIN;	/* nothing would ever wake the caller */
		}
		self->state = T_BLOCKED;
		self->woken = 0;
		wq_add(t->bp, self);
		sched_reschedule(self);
		if (self->woken)
			return self->woken;
		sched_lock();
	}
	long n = (long)t->fired;
	t->fired = 0;
	sched_unlock();
	return n;
}
