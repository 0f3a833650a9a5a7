/*
 * bp.c: block points (Composite's block points with stored wake-ups): a wake that
 * finds no waiter is kept as a token that the next block consumes, so a waker that
 * runs between a waiter's decision to block and its block call is never lost. The
 * process-side counters (lib/librtos/sync.c) call block and wake exactly once per
 * waiter, which makes the pair a counting semaphore.
 *
 * Above sched.c (it makes waiters ready and switches), below everything that waits.
 * Everything here is called locked; what "returns unlocked" says so.
 */
#include "bp.h"

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

/* Waits on bp unless a wake-up is stored; what the waker said. Returns unlocked. */
long bp_block(struct rthread *self, struct bp *bp)
{
	if (bp->tokens) {
		bp->tokens--;
		sched_unlock();
		return 0;
	}
	return bp_wait(self, bp);
}

/*
 * As bp_block, but if the caller's process can have the lease on its level (lease.c:
 * every equal ready there is its own and waits in its code), it gets it instead of
 * blocking: RTOS_YIELD_LOCAL, the caller hands its core on itself and looks again
 * (lib/librtos/sync.c). So a semaphore handed between two threads of one level stops
 * calling here.
 */
long bp_block_lease(struct rthread *self, struct bp *bp)
{
	if (bp->tokens)
		return bp_block(self, bp);
	if (self->rc->rq[self->prio] && lease_grant(self->rc, self)) {
		sched_unlock();
		return RTOS_YIELD_LOCAL;
	}
	self->parked = 1;	/* until woken: bp_return may end the call then, and it never comes back here */
	long r = bp_wait(self, bp);
	self->parked = 0;
	return r;
}

/* The first waiter, off the queue (not yet ready); else stores the wake-up. */
static struct rthread *bp_first(struct bp *bp)
{
	struct rthread *w = bp->head;

	if (!w) {
		if (bp->mode == BP_BINARY ? !bp->tokens : bp->tokens < UINT32_MAX)
			bp->tokens++;	/* a binary point keeps at most one; none wraps */
		return 0;
	}
	bp->head = w->next;
	w->next = 0;
	w->waiting = 0;
	w->woken = 0;
	return w;
}

/* Makes the first waiter ready and returns it, or stores the wake-up. */
struct rthread *bp_post(struct bp *bp)
{
	struct rthread *w = bp_first(bp);

	if (w)
		rq_add(w, 0);
	return w;
}

/*
 * w, just woken by self, waited with the lease in view (parked), and self is an equal
 * of its process, which may soon want to hand its core to w through a lease (the
 * partner of a ping-pong, about to block): w returns from its call now, in its own
 * code (THREAD_RETURN), rather than when it runs here again, so that a lease can take
 * it in (lease.c: a local switch resumes only a thread in its own code). Without
 * this, two threads handing units to each other, once both have waited here, would
 * never again find the other in its own code. Other wakes leave w to return as it
 * runs (cheaper than the kernel call). Not while w may still be making the switch
 * away from it (its core's deciding: over once anything else runs on that core, as
 * self does on its own); if the kernel refuses, w returns when it runs, as any waiter.
 */
static void bp_return(const struct rthread *self, struct rthread *w)
{
	struct rcore *k = w->rc;

	if (!w->parked || w->proc != self->proc || w->prio != self->prio || w->edf || self->edf ||
	    (k->deciding == w && w->core != self->core) || cairn_thread_return(w->slot, (cairn_word)w->woken, 0))
		return;
	if (k->deciding == w)
		k->deciding = 0;
	w->parked = 0;
	gate_stack_free(w);
}

/*
 * Wakes the first waiter (or stores the wake-up); it preempts the caller if better.
 * Returns 1 instead when the wake-up was meant for a waiter that has ended (a ghost
 * of a counting point): the giver then adds its unit back to the counter
 * (lib/librtos/sync.c). Returns unlocked.
 */
long bp_wake(struct rthread *self, struct bp *bp)
{
	if (!bp->head && bp->ghosts) {
		bp->ghosts--;	/* meant for a waiter that ended: the giver counts it again */
		sched_unlock();
		return 1;
	}
	struct rthread *w = bp_first(bp);
	if (w)
		bp_return(self, w);
	if (w && w->core == self->core && sched_before(w, self)) {
		rq_add(self, 1);
		sched_switch(self->rc, w);
		return 0;
	}
	if (w)
		rq_add(w, 0);	/* (another core's S is kicked if w should run there now) */
	sched_unlock();
	return 0;
}

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

/* bp goes; its waiters return result. One that may watch goes by watch_bp_free. */
void bp_free(struct bp *bp, long result)
{
	bp_wake_all(bp, result);
	bp->used = 0;
}
