/*
 * bp.h: the parts of block points (bp.c) that are on the paths of a timer's
 * interrupt and of blocking, inline where they are used: a wait queue, waiting on it,
 * and waking all its waiters.
 */
#ifndef RTOS_BP_H
#define RTOS_BP_H

#include "rtos.h"

/* Wait queues: in the order the ready queues would run them, FIFO among equals. */
static inline void wq_add(struct bp *bp, struct rthread *t)
{
	struct rthread **p = &bp->head;

	if (unlikely(t->waiting != 0))
		__builtin_trap();	/* waits already: its queue link is taken (S reports the stop) */
	while (*p && !sched_before(t, *p))
		p = &(*p)->next;
	t->next = *p;
	*p = t;
	t->waiting = bp;
}

/* Locked: the caller waits on bp, whatever is stored; what its waker said. Returns unlocked. */
static inline long bp_wait(struct rthread *self, struct bp *bp)
{
	sched_if_ended(self);
	self->state = T_BLOCKED;
	self->woken = 0;
	wq_add(bp, self);
	sched_reschedule(self);
	return self->woken;
}

/* Locked: every waiter returns result (the block point is going away). */
static inline void bp_wake_all(struct bp *bp, long result)
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

#endif
