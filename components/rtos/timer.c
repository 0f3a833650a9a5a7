/*
 * timer.c: the timers of processes. Each core keeps a list of the timers armed there
 * (by a thread of that core), soonest first; its S fires them. A timer counts its
 * expiries until they are waited for, wakes its waiters (a block point of its own,
 * which no handle names) and tells the event sets watching it.
 *
 * Above bp.c and watch.c. Everything here is called locked; what "returns unlocked"
 * says so.
 */
#include "bp.h"

/* The handle of timer t (RTOS_K_TIMER): the key its watchers know it by. */
static uint64_t timer_handle(const struct rtimer *t)
{
	return RTOS_HANDLE(RTOS_K_TIMER, t->gen, t - timers);
}

/* A new timer of process proc, not armed; 0 if none is left. */
struct rtimer *timer_new(unsigned proc)
{
	struct rtimer *x = 0;

	for (unsigned i = 0; i < MAX_TIMERS && !x; i++)
		if (!timers[i].used)
			x = &timers[i];
	struct bp *bp = x ? bp_new(NO_PROC, BP_PLAIN) : 0;	/* the timer's: no handle names it */
	if (!bp)
		return 0;
	uint16_t gen = (uint16_t)(x->gen + 1);
	*x = (struct rtimer){ .gen = gen ? gen : 1, .used = 1, .proc = (uint8_t)proc, .bp = bp };
	return x;
}

void timer_disarm(struct rtimer *t)
{
	for (struct rtimer **p = &sched.core[t->core].timers; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	t->next = 0;
	t->armed = 0;
}

/* t goes; its waiters return EBADF, its watches go. */
void timer_drop(struct rtimer *t)
{
	timer_disarm(t);
	bp_free(t->bp, CAIRN_EBADF);
	watch_forget(timer_handle(t));
	t->used = 0;
}

void timer_arm(struct rtimer *t)
{
	struct rcore *k;
	struct rtimer **p;

	if (t->armed)
		timer_disarm(t);
	t->core = (uint8_t)sched_holder();
	k = &sched.core[t->core];
	p = &k->timers;
	while (*p && (*p)->expiry <= t->expiry)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
	t->armed = 1;
	k->armed = 0;	/* the next switch sets the timer again */
}

/* Fires every timer of core due by now: counts it, wakes its waiters, re-arms a periodic one. */
void timers_expire(unsigned core, uint64_t now)
{
	struct rcore *k = &sched.core[core];

	while (k->timers && k->timers->expiry <= now) {
		struct rtimer *t = k->timers;
		k->timers = t->next;
		t->next = 0;
		t->armed = 0;
		t->fired++;
		bp_wake_all(t->bp, 0);
		watch_notify(timer_handle(t));
		if (t->period) {
			t->expiry += t->period;		/* from the deadline, not from now: no drift */
			timer_arm(t);
		}
	}
}

/*
 * If t has fired, the expiries since the last wait, taken; EAGAIN if it is not
 * started (nothing would wake the caller); else the caller waits until it fires (0:
 * the caller looks it up again and takes them, gates_sync.c), is cancelled (EAGAIN)
 * or freed (EBADF). Returns unlocked.
 */
long timer_wait(struct rthread *self, struct rtimer *t)
{
	long n = (long)t->fired;

	if (n || !t->armed) {
		t->fired = 0;
		sched_unlock();
		return n ? n : CAIRN_EAGAIN;
	}
	return bp_wait(self, t->bp);
}
