/*
 * gates_event.c: the calls of event sets (gates.h, lib/librtos/event.c): watching a
 * source of this component, and polling the sources a set holds. A handle is looked
 * up and used under one hold of the lock (handle.h).
 */
#define RTOS_IF_event(m, ...) m(__VA_ARGS__)	/* this file serves the event-set calls */
#include "gates.h"

/* Locked: the watch key of a source t may watch (its handle); 0 if it names none. */
static uint64_t source_key(struct rthread *t, uint64_t src)
{
	switch (RTOS_HANDLE_KIND(src)) {
	case RTOS_K_THREAD:
		return thread_of(t, src) ? src : 0;
	case RTOS_K_PROC:
		return proc_of(t, src) ? src : 0;
	case RTOS_K_TIMER:
		return timer_of(t, src) ? src : 0;
	case RTOS_K_SEND:
	case RTOS_K_RECV:
		return end_of(t, src) ? src : 0;
	case RTOS_K_SOCK:
		return sock_of(t, src) ? src : 0;
	case RTOS_K_PORT:
		return port_of(t, src) ? src : 0;
	default:
		return 0;
	}
}

static long gate_watch(struct rthread *t, const struct rtos_args *a)
{
	uint64_t src = a->a, id = a->b, add = a->c;
	long r;

	if (add > 1)
		return CAIRN_EINVAL;
	sched_lock(t->core);
	struct bp *bp = bp_of(t, id);
	uint64_t key = add ? source_key(t, src) : src;
	if (!bp)
		r = CAIRN_EBADF;
	else if (!key)
		r = CAIRN_EINVAL;
	else
		r = add ? watch_add(key, bp) : watch_remove(key, bp);
	sched_unlock();
	return r;
}

/* Locked: the event a source of this component (thread, process, timer, port) has ready. */
static uint64_t source_event(struct rthread *t, uint64_t src)
{
	switch (RTOS_HANDLE_KIND(src)) {
	case RTOS_K_THREAD: {
		struct rthread *x = thread_of(t, src);
		if (!x)
			return EVT_ERROR;
		return x->state == T_DEAD || x->state == T_ZOMBIE ? EVT_THREAD_TERM : EVT_NONE;
	}
	case RTOS_K_PROC: {
		struct rproc *p = proc_of(t, src);
		if (!p)
			return EVT_ERROR;
		return p->used ? EVT_NONE : EVT_PROC_TERM;
	}
	case RTOS_K_TIMER: {
		struct rtimer *x = timer_of(t, src);
		if (!x)
			return EVT_ERROR;
		if (!x->fired)
			return EVT_NONE;
		x->fired = 0;		/* reported: consumed, as timer_wait would */
		return EVT_TIMER;
	}
	case RTOS_K_PORT: {
		struct rport *r = port_of(t, src);
		return r ? port_event(r) : EVT_ERROR;
	}
	default:
		return EVT_ERROR;
	}
}

/*
 * Locked: a socket's events (RTOS_NET_BIT mask) among those asked for (w:
 * RTOS_POLL_WANT); EVT_ERROR if it names none of t's.
 */
static uint64_t socket_events(struct rthread *t, uint64_t w)
{
	struct rsock *s = sock_of(t, RTOS_POLL_SRC(w));

	return s ? sock_event(s) & RTOS_POLL_BITS(w) : EVT_ERROR;
}

/*
 * The events of n sources listed in the msg, written back over them; how many. At
 * most `limit` are reported (the rest read EVT_NONE, and their timers keep their
 * expiries); a socket's events count one each.
 */
static long gate_poll(struct rthread *t, const struct rtos_args *a)
{
	uint64_t n = a->a, limit = a->b;
	volatile uint64_t *msg = (volatile uint64_t *)thread_tls(t)->msg;
	long ready = 0;

	if (n > RTOS_MSG_BYTES / 8)
		return CAIRN_EINVAL;
	sched_lock(t->core);
	sock_poll();
	port_poll();
	for (unsigned i = 0; i < n; i++) {
		uint64_t w = msg[i], e = EVT_NONE;
		if (RTOS_HANDLE_KIND(RTOS_POLL_SRC(w)) == RTOS_K_SOCK) {
			e = socket_events(t, w);
			long k = e == EVT_ERROR ? 1 : !!(e & RTOS_NET_BIT(EVT_NET_READ)) +
				 !!(e & RTOS_NET_BIT(EVT_NET_WRITE)) + !!(e & RTOS_NET_BIT(EVT_NET_CLOSE));
			if (ready + k > (long)limit)
				e = EVT_NONE;
			else
				ready += k;
		} else if ((uint64_t)ready < limit) {
			e = source_event(t, w);
			ready += e != EVT_NONE;
		}
		msg[i] = e;
	}
	sched_unlock();
	return ready;
}

RTOS_SERVE_FAMILY
