/*
 * event.c: event sets (cairn/rtos.h). A set lives in its process: a list of sources
 * and a binary block point in the rtos component to sleep on. Readiness is a level,
 * judged where the state is: semaphores and mutexes here (sync.c), channel ends in
 * their shared ring (chan.c), threads, processes, timers, sockets and ports in the
 * rtos component, all of those in one RTOS_POLL call. So one event_wait reports every ready source
 * in one go (batching), at the cost of a pass over the set.
 *
 * Sleeping without missing a change: each source is told the set waits - the rtos
 * component's sources through a watch registered when the source is added, the
 * others by a count the set raises before its last look (sync_waiting, the rings'
 * *_watch) - and posts the set's block point when it changes. A post before the
 * sleep is stored; a binary point stores one, which is all a set needs: it looks
 * at every source when it wakes.
 */
#include "call.h"

#define MAX_SETS    32
#define MAX_SOURCES 64

struct evset {
	uint16_t gen;
	uint8_t used;
	uint8_t claimed;	/* being created or deleted */
	uint32_t cap, n;
	uint64_t bp;
	size_t src[MAX_SOURCES];
	uint16_t want[MAX_SOURCES];	/* a socket's: the events asked for (RTOS_NET_BIT mask) */
};

static struct evset sets[MAX_SETS];

static struct evset *set_of(event_t h)
{
	long i = handle_index(h, RTOS_K_EVENT, MAX_SETS);

	return i >= 0 && sets[i].used && sets[i].gen == RTOS_HANDLE_GEN(h) ? &sets[i] : 0;
}

/* Where a source's state lives. */
enum where { NOWHERE, LOCAL_SYNC, LOCAL_CHAN, RTOS_SIDE };

static enum where where(size_t src)
{
	switch (RTOS_HANDLE_KIND(src)) {
	case RTOS_K_SEM:
	case RTOS_K_MUTEX:
		return LOCAL_SYNC;
	case RTOS_K_SEND:
	case RTOS_K_RECV:
		return LOCAL_CHAN;
	case RTOS_K_THREAD:
	case RTOS_K_PROC:
	case RTOS_K_TIMER:
	case RTOS_K_SOCK:
	case RTOS_K_PORT:
		return RTOS_SIDE;
	default:
		return NOWHERE;
	}
}

event_t event_create(uint32_t n_sources)
{
	if (!n_sources || n_sources > MAX_SOURCES)
		return 0;
	for (unsigned i = 0; i < MAX_SETS; i++) {
		struct evset *s = &sets[i];
		uint8_t zero = 0;
		if (s->used || !__atomic_compare_exchange_n(&s->claimed, &zero, 1, 0, __ATOMIC_ACQUIRE,
							    __ATOMIC_RELAXED))
			continue;
		long bp = rtos_call1(RTOS_BP_CREATE, 1);
		if (bp < 0) {
			__atomic_store_n(&s->claimed, 0, __ATOMIC_RELEASE);
			return 0;
		}
		s->bp = (uint64_t)bp;
		s->cap = n_sources;
		s->n = 0;
		s->gen = (uint16_t)(s->gen + 1) ? (uint16_t)(s->gen + 1) : 1;
		__atomic_store_n(&s->used, 1, __ATOMIC_RELEASE);
		return RTOS_HANDLE(RTOS_K_EVENT, s->gen, i);
	}
	return 0;
}

/* Starts (on) or stops watching src for s. */
static int watch(struct evset *s, size_t src, int on)
{
	switch (where(src)) {
	case LOCAL_SYNC:
		return sync_watch(src, s->bp, on);
	case LOCAL_CHAN:
		if (on && !chan_hdr(src, RTOS_HANDLE_KIND(src)))
			return EINVAL;
		return (int)rtos_call(RTOS_WATCH, src, s->bp, (cairn_word)on, 0).r0;
	case RTOS_SIDE:
		return (int)rtos_call(RTOS_WATCH, src, s->bp, (cairn_word)on, 0).r0;
	default:
		return EINVAL;
	}
}

static long find(struct evset *s, size_t src)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->src[i] == src)
			return i;
	return -1;
}

int event_add(event_t eid, size_t src, size_t flags)
{
	struct evset *s = set_of(eid);

	if (!s)
		return EBADF;
	int sock = RTOS_HANDLE_KIND(src) == RTOS_K_SOCK;
	if ((flags && (!sock || (flags & ~(size_t)RTOS_NET_ALL))) || !src || find(s, src) >= 0)
		return EINVAL;
	if (s->n == s->cap)
		return ENOMEM;
	int r = watch(s, src, 1);
	if (r)
		return r;
	s->want[s->n] = (uint16_t)(flags ? flags : RTOS_NET_BIT(EVT_NET_READ) | RTOS_NET_BIT(EVT_NET_CLOSE));
	s->src[s->n++] = src;
	return 0;
}

int event_remove(event_t eid, size_t src, size_t flags)
{
	struct evset *s = set_of(eid);

	if (!s)
		return EBADF;
	long i = find(s, src);
	if (flags || i < 0)
		return EINVAL;
	watch(s, src, 0);	/* a source already gone has no watch left */
	for (s->n--; (unsigned)i < s->n; i++) {
		s->src[i] = s->src[i + 1];
		s->want[i] = s->want[i + 1];
	}
	return 0;
}

int event_delete(event_t eid)
{
	struct evset *s = set_of(eid);

	if (!s)
		return EBADF;
	__atomic_store_n(&s->used, 0, __ATOMIC_RELEASE);	/* the handle fails from now on */
	for (unsigned i = 0; i < s->n; i++)
		if (where(s->src[i]) == LOCAL_SYNC)
			sync_watch(s->src[i], s->bp, 0);
	rtos_call1(RTOS_BP_DESTROY, s->bp);	/* drops its watches; a waiter returns EBADF */
	__atomic_store_n(&s->claimed, 0, __ATOMIC_RELEASE);
	return 0;
}

/*
 * The ready sources of s into ev[0..num), in the order they were added; how many.
 * The rtos component's sources are asked in one call, and only as many as there is
 * room left for (reporting a timer consumes its expiries). A socket may have several
 * events ready (read, write, close): one entry each, of those its set asked for.
 */
static int poll(struct evset *s, struct event_info *ev, size_t num)
{
	unsigned type[MAX_SOURCES], nrtos = 0, ready = 0;
	uint64_t *msg = (uint64_t *)rtos_tls()->msg;

	for (unsigned i = 0; i < s->n; i++) {
		size_t src = s->src[i];
		switch (where(src)) {
		case LOCAL_SYNC:
			type[i] = sync_event(src);
			break;
		case LOCAL_CHAN:
			type[i] = chan_event(src, RTOS_HANDLE_KIND(src));
			break;
		default:
			type[i] = EVT_NONE;
			msg[nrtos++] = RTOS_HANDLE_KIND(src) == RTOS_K_SOCK ? RTOS_POLL_WANT(src, s->want[i]) : src;
			continue;
		}
		ready += type[i] != EVT_NONE;
	}
	if (nrtos && ready < num) {
		long r = rtos_call(RTOS_POLL, nrtos, num - ready, 0, 0).r0;
		for (unsigned i = 0, k = 0; r >= 0 && i < s->n; i++)
			if (where(s->src[i]) == RTOS_SIDE)
				type[i] = (unsigned)msg[k++];
	}
	unsigned n = 0;
	for (unsigned i = 0; i < s->n && n < num; i++) {
		if (type[i] == EVT_NONE)
			continue;
		if (RTOS_HANDLE_KIND(s->src[i]) != RTOS_K_SOCK || type[i] == EVT_ERROR) {
			ev[n++] = (struct event_info){ s->src[i], type[i] };
			continue;
		}
		for (unsigned e = EVT_NET_READ; e <= EVT_NET_CLOSE && n < num; e++)
			if (type[i] & RTOS_NET_BIT(e))
				ev[n++] = (struct event_info){ s->src[i], e };
	}
	return (int)n;
}

/* s's local sources learn that it sleeps (delta 1) or no longer does (-1). */
static void waiting(struct evset *s, int delta)
{
	for (unsigned i = 0; i < s->n; i++) {
		size_t src = s->src[i];
		if (where(src) == LOCAL_SYNC) {
			sync_waiting(src, delta);
		} else if (where(src) == LOCAL_CHAN) {
			struct rtos_chan_hdr *h = chan_hdr(src, RTOS_HANDLE_KIND(src));
			if (h)
				__atomic_add_fetch(RTOS_HANDLE_KIND(src) == RTOS_K_RECV ? &h->recv_watch : &h->send_watch,
						   (uint32_t)delta, __ATOMIC_SEQ_CST);
		}
	}
}

static int wait(event_t eid, struct event_info *ev, size_t num, int block)
{
	struct evset *s = set_of(eid);

	if (!s)
		return EBADF;
	if (!num || num > MAX_SOURCES * 4)
		return EINVAL;
	if (rtos_check(ev, num * sizeof(*ev), 1))
		return EFAULT;
	for (;;) {
		int n = poll(s, ev, num);
		if (n || !block)
			return n;
		waiting(s, 1);
		n = poll(s, ev, num);
		long r = n ? 0 : rtos_call1(RTOS_BLOCK, s->bp);
		waiting(s, -1);
		if (n)
			return n;
		if (r < 0)
			return (int)r;
	}
}

int event_wait(event_t eid, struct event_info *ev, size_t num)
{
	return wait(eid, ev, num, 1);
}

int event_check(event_t eid, struct event_info *ev, size_t num)
{
	return wait(eid, ev, num, 0);
}
