/*
 * chan.c: channels (cairn/rtos.h) as ports: a ring in memory shared by every process
 * holding an end (struct rtos_chan_hdr, then cells), so a message never passes
 * through the rtos component. Calls into it happen only to open and close ends, to
 * block when the ring is full or empty, and to wake the other side when the header
 * says someone waits there.
 *
 * The ring: cell i holds positions i, i + n, i + 2n, ... (n = the queue length). Its
 * sequence word says what it holds, as 2 * (position - i) ("free for that position")
 * or that + 1 ("holds that position's message"); memory the rtos component zeroed
 * is every cell free for its first position. A sender claims position head, a
 * receiver tail: SPSC ends just move the cursor (each side has one thread), MPMC
 * ends claim with a compare-and-swap. A message is published by the release store
 * of its sequence word, after its bytes.
 *
 * No lost wake-up: a thread that finds the ring full (empty) counts itself in
 * send_waiters (recv_waiters), looks again, and only then blocks; the other side,
 * after publishing, looks at the count. Both steps are full barriers, so at least
 * one of them sees the other; a wake-up that comes before the block is stored by
 * the block point. Event sets count themselves in send_watch/recv_watch likewise.
 *
 * The peer is not trusted: every word of the ring may hold anything at any time.
 * The geometry comes from the rtos component, never from the shared header, and a
 * cell is found from a cursor by the modulo, so a peer can garble messages and make
 * the ring look full, empty or closed, but not make this code read or write outside
 * the ring. Each shared word is read once per decision. A claim gives up after
 * CLAIM_TRIES cursor moves in a row (the ring then looks full or empty), so a peer
 * that keeps moving a cursor cannot keep an MPMC end looping.
 */
#include "call.h"

/* The kinds CHAN_CREATE takes are the API's flags (cairn/rtos_abi.h). */
_Static_assert(CHAN_SPSC == RTOS_CHAN_SPSC && CHAN_MPMC == RTOS_CHAN_MPMC, "channel kinds");

#define MAX_ENDS 128		/* the rtos component's table: an end's index is its own */
#define CLAIM_TRIES 1024	/* cursor moves one claim waits out: far more than cores */

struct end {
	uint64_t h;			/* its handle; 0: free */
	struct rtos_chan_hdr *hdr;
	char *cells;
	uint32_t size, stride, slots;
	uint8_t mpmc;
	uint8_t words;			/* size / 8 if a multiple of 8 up to 64: the fast paths' copy; else 0 */
	uint8_t misses;			/* waits to block at once, a hand-off having found nothing (stuck) */
};

static struct end lends[MAX_ENDS];

static struct end *end_of(size_t h, unsigned kind)
{
	long i = handle_index(h, kind, MAX_ENDS);

	return i >= 0 && lends[i].h == h ? &lends[i] : 0;
}

struct rtos_chan_hdr *chan_hdr(size_t h, unsigned kind)
{
	struct end *e = end_of(h, kind);

	return e ? e->hdr : 0;
}

/* ---- the ring ---- */

static inline volatile uint64_t *cell(struct end *e, uint64_t pos, uint64_t *base)
{
	uint64_t i = pos % e->slots;

	*base = 2 * (pos - i);
	return (volatile uint64_t *)(e->cells + i * e->stride);
}

/* A message's bytes (words while they last: cells are 8-byte aligned). */
static inline void copy(void *dst, const void *src, uint32_t n)
{
	uint64_t *d = dst;
	const uint64_t *s = src;

	if (__builtin_expect(n % 8 == 0 && n <= 64, 1)) {
		for (uint32_t i = 0; i < n / 8; i++)
			d[i] = s[i];
		return;
	}
	__builtin_memcpy(dst, src, n);
}

/*
 * Claims the next cell at *cursor (head for a sender, tail for a receiver) whose
 * sequence word reads base + want (want 0: free for that position; 1: full from it);
 * the cell, with *base, or 0 if the ring is full (empty). A cell behind that (d < 0)
 * still holds or awaits the previous lap's message; ahead of it, another end took
 * the position, so the cursor has moved on - unless a peer wrote nonsense. Each
 * retry follows a move of the cursor by another end (or a peer); after CLAIM_TRIES
 * of them: 0.
 */
static inline __attribute__((always_inline)) volatile uint64_t *claim(struct end *e, volatile uint64_t *cursor,
								       uint64_t want, uint64_t *base)
{
	uint64_t pos = __atomic_load_n(cursor, __ATOMIC_RELAXED);

	for (unsigned tries = 0; tries < CLAIM_TRIES; tries++) {
		volatile uint64_t *c = cell(e, pos, base);
		int64_t d = (int64_t)(__atomic_load_n(c, __ATOMIC_ACQUIRE) - (*base + want));
		if (d < 0)
			return 0;
		if (d == 0 && !e->mpmc) {
			*cursor = pos + 1;	/* SPSC: the only one moving it */
			return c;
		}
		if (d == 0 && __atomic_compare_exchange_n(cursor, &pos, pos + 1, 0, __ATOMIC_RELAXED,
							  __ATOMIC_RELAXED))
			return c;
		if (d > 0) {
			uint64_t now = __atomic_load_n(cursor, __ATOMIC_RELAXED);
			if (now == pos || !e->mpmc)
				return 0;
			pos = now;
		}
	}
	return 0;
}

/* Puts one message; 0, or EAGAIN if the ring is full. */
static inline __attribute__((always_inline)) int put(struct end *e, const void *msg)
{
	uint64_t base;
	volatile uint64_t *c = claim(e, &e->hdr->head, 0, &base);

	if (!c)
		return EAGAIN;
	copy((char *)c + 8, msg, e->size);
	__atomic_store_n(c, base + 1, __ATOMIC_RELEASE);
	return 0;
}

/* Takes one message; 0, or EAGAIN if the ring is empty. */
static inline __attribute__((always_inline)) int get(struct end *e, void *msg)
{
	uint64_t base;
	volatile uint64_t *c = claim(e, &e->hdr->tail, 1, &base);

	if (!c)
		return EAGAIN;
	copy(msg, (char *)c + 8, e->size);
	__atomic_store_n(c, base + 2 * (uint64_t)e->slots, __ATOMIC_RELEASE);
	return 0;
}

/* Whether the ring has a message (room) for the next receiver (sender). */
static int can(struct end *e, int receive)
{
	uint64_t base;
	uint64_t pos = receive ? e->hdr->tail : e->hdr->head;
	uint64_t seq = *cell(e, pos, &base);

	return seq == base + (uint64_t)receive;
}

/* ---- waiting ---- */

/* After a put (get): wakes the other side if a thread or event set waits there. */
static inline void notify(struct end *e, volatile uint32_t *waiters, volatile uint32_t *watch)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	unsigned what = (*waiters ? RTOS_WAKE_THREADS : 0) | (*watch ? RTOS_WAKE_WATCHERS : 0);
	if (__builtin_expect(what, 0))
		rtos_call(RTOS_CHAN_WAKE, e->h, what, 0, 0);
}

#define AGAIN 1		/* woken: look again */
#define DONE  2		/* the second look succeeded */

#define MISS_SKIP 64		/* waits that block at once after a hand-off found nothing */

/* What a call's hand-offs came to (stuck's *handed). */
enum { HANDED_NONE, HANDED_ON, HANDED_MISSED, HANDED_LEASE_GONE };

/* stuck's wait: RTOS_YIELD_LOCAL if the core may be handed on (the lease held or granted), else the block's result. */
static long wait_here(struct end *e, const int *handed)
{
	if (*handed || e->misses) {
		if (e->misses)
			e->misses--;
		return rtos_call1(RTOS_CHAN_BLOCK, e->h);
	}
	return rtos_local_held() ? RTOS_YIELD_LOCAL : rtos_call(RTOS_CHAN_BLOCK, e->h, RTOS_BLOCK_LEASE, 0, 0).r0;
}


/*
 * A step found the ring full (empty): EBADF (destroyed), `closed` if the other side
 * is all closed, EAGAIN (not blocking); else counts itself in `waiters`, looks again
 * (DONE if that succeeds) and blocks (AGAIN when woken). Unless *handed, it may
 * instead hand its core to its process's lease's next thread (the other side, as
 * likely as not: lib/librtos/local.c), uncounted, and look again when it runs
 * (AGAIN, *handed set: the next wait of this call blocks); a hand-off that found
 * nothing makes the end's next MISS_SKIP waits block at once. One whose lease ended
 * before it switched (HANDED_LEASE_GONE: an interrupt made a more urgent thread ready, say)
 * is no miss: it says nothing of the hand-off.
 */
static int stuck(struct end *e, unsigned closed_bit, int closed, chan_flags_t flags, volatile uint32_t *waiters,
		 int (*step)(struct end *, void *), void *msg, int *handed)
{
	uint32_t st = e->hdr->state;

	if (st & RTOS_CHAN_DESTROYED)
		return EBADF;
	if (st & closed_bit)
		return closed;
	if (!(flags & CHAN_BLOCK))
		return EAGAIN;
	if (*handed == HANDED_ON) {
		*handed = HANDED_MISSED;
		e->misses = MISS_SKIP;	/* the hand-off did not pay */
	}
	__atomic_add_fetch(waiters, 1, __ATOMIC_SEQ_CST);
	int r = DONE;
	if (step(e, msg) == EAGAIN) {
		st = e->hdr->state;
		long b = (st & RTOS_CHAN_DESTROYED) ? EBADF : (st & closed_bit) ? closed : wait_here(e, handed);
		if (b == RTOS_YIELD_LOCAL) {
			__atomic_sub_fetch(waiters, 1, __ATOMIC_SEQ_CST);	/* not waiting while handed on */
			*handed = HANDED_ON;
			if (__builtin_expect(rtos_local_yield() != 0, 0))
				*handed = HANDED_LEASE_GONE;
			return AGAIN;
		}
		r = b == 0 ? AGAIN : (int)b;
	}
	__atomic_sub_fetch(waiters, 1, __ATOMIC_SEQ_CST);
	return r;
}

static int put_(struct end *e, void *msg)
{
	return put(e, msg);
}

static int get_(struct end *e, void *msg)
{
	return get(e, msg);
}

/* A send that did not go through at once: waits for room if it may. */
static __attribute__((noinline)) int send_slow(struct end *e, const void *data, chan_flags_t flags)
{
	int r, handed = HANDED_NONE;

	do {
		if (e->hdr->state & RTOS_CHAN_DESTROYED)
			return EBADF;
		r = put(e, data) ? stuck(e, RTOS_CHAN_NO_RECEIVERS, ENOBUFS, flags, &e->hdr->send_waiters, put_,
					 (void *)data, &handed) : DONE;
	} while (r == AGAIN);
	if (r != DONE)
		return r == EAGAIN ? ENOBUFS : r;
	notify(e, &e->hdr->recv_waiters, &e->hdr->recv_watch);
	return (int)e->size;
}

/* A send whose buffer rtos_check_pages must check (several pages, say). */
static __attribute__((noinline)) int send_checked(struct end *e, const void *data, chan_flags_t flags)
{
	return rtos_check_pages(data, e->size, 0) ? EFAULT : send_slow(e, data, flags);
}

/* A put that found someone waiting on the other side: wakes them. */
static __attribute__((noinline)) int sent_wake(struct end *e)
{
	notify(e, &e->hdr->recv_waiters, &e->hdr->recv_watch);
	return (int)e->size;
}

/*
 * The fast paths of send and receive are leaves (no register to save, no division):
 * a message of whole words, its cell ready at the cursor (an MPMC end claims it with
 * one compare-and-swap), nobody waiting on the other side. Anything else changes
 * nothing there and goes the slow way, which decides.
 */

/* Claims position pos of the cursor for e (an SPSC end just moves it): whether it did. */
static inline int take_pos(struct end *e, volatile uint64_t *cursor, uint64_t pos)
{
	if (!e->mpmc) {
		*cursor = pos + 1;
		return 1;
	}
	return __atomic_compare_exchange_n(cursor, &pos, pos + 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

/* n words from src to dst (n <= 8). */
static inline void copy_words(uint64_t *dst, const uint64_t *src, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		dst[i] = src[i];
}
int channel_send(chan_s_t scid, const void *data, size_t len, chan_flags_t flags)
{
	struct end *e = end_of(scid, RTOS_K_SEND);

	if (!e)
		return EBADF;
	if (len != e->size || (flags & ~CHAN_BLOCK))
		return EINVAL;
	int bad = rtos_check_quick(data, len, 0);
	if (__builtin_expect(bad, 0))
		return bad == RTOS_CHECK_FULL ? send_checked(e, data, flags) : EFAULT;
	struct rtos_chan_hdr *h = e->hdr;
	if (__builtin_expect(e->words && !(h->state & RTOS_CHAN_DESTROYED), 1)) {
		uint64_t pos = h->head, base;
		volatile uint64_t *c = cell(e, pos, &base);
		if (__builtin_expect(__atomic_load_n(c, __ATOMIC_ACQUIRE) == base && take_pos(e, &h->head, pos), 1)) {
			copy_words((uint64_t *)c + 1, data, e->words);
			__atomic_store_n(c, base + 1, __ATOMIC_RELEASE);
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (__builtin_expect(!(h->recv_waiters | h->recv_watch), 1))
				return (int)len;
			return sent_wake(e);
		}
	}
	return send_slow(e, data, flags);
}

/* A receive that did not go through at once: waits for a message if it may. */
static __attribute__((noinline)) int recv_slow(struct end *e, void *buf, chan_flags_t flags)
{
	int r, handed = HANDED_NONE;

	do {
		if (e->hdr->state & RTOS_CHAN_DESTROYED)
			return EBADF;
		r = get(e, buf) ? stuck(e, RTOS_CHAN_NO_SENDERS, 0, flags, &e->hdr->recv_waiters, get_, buf, &handed) :
				  DONE;
	} while (r == AGAIN);
	if (r != DONE)
		return r;	/* 0: the end of the stream */
	notify(e, &e->hdr->send_waiters, &e->hdr->send_watch);
	return (int)e->size;
}

/* A receive whose buffer rtos_check_pages must check. */
static __attribute__((noinline)) int recv_checked(struct end *e, void *buf, chan_flags_t flags)
{
	return rtos_check_pages(buf, e->size, 1) ? EFAULT : recv_slow(e, buf, flags);
}

/* A get that found someone waiting on the other side: wakes them. */
static __attribute__((noinline)) int got_wake(struct end *e)
{
	notify(e, &e->hdr->send_waiters, &e->hdr->send_watch);
	return (int)e->size;
}

int channel_recv(chan_r_t rcid, void *buf, size_t len, chan_flags_t flags)
{
	struct end *e = end_of(rcid, RTOS_K_RECV);

	if (!e)
		return EBADF;
	if (len < e->size || (flags & ~CHAN_BLOCK))
		return EINVAL;
	int bad = rtos_check_quick(buf, e->size, 1);
	if (__builtin_expect(bad, 0))
		return bad == RTOS_CHECK_FULL ? recv_checked(e, buf, flags) : EFAULT;
	struct rtos_chan_hdr *h = e->hdr;
	if (__builtin_expect(e->words && !(h->state & RTOS_CHAN_DESTROYED), 1)) {
		uint64_t pos = h->tail, base;
		volatile uint64_t *c = cell(e, pos, &base);
		if (__builtin_expect(__atomic_load_n(c, __ATOMIC_ACQUIRE) == base + 1 && take_pos(e, &h->tail, pos), 1)) {
			copy_words(buf, (uint64_t *)c + 1, e->words);
			__atomic_store_n(c, base + 2 * (uint64_t)e->slots, __ATOMIC_RELEASE);
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (__builtin_expect(!(h->send_waiters | h->send_watch), 1))
				return (int)e->size;
			return got_wake(e);
		}
	}
	return recv_slow(e, buf, flags);
}

/* ---- ends ---- */

chan_t channel_create(size_t type_size, size_t queue_length, const char *ch_name, chan_flags_t flags)
{
	if (rtos_msg_name(ch_name ? ch_name : "") < 0)
		return 0;
	long r = rtos_call(RTOS_CHAN_CREATE, type_size, queue_length, flags, 0).r0;
	return r > 0 ? (chan_t)r : 0;
}

/* Records the end CHAN_END returned (r0 handle, r1 where its ring is). */
static size_t opened(struct cairn_ret2 r)
{
	if ((long)r.r0 <= 0)
		return 0;
	long i = handle_index(r.r0, RTOS_HANDLE_KIND(r.r0), MAX_ENDS);
	const struct rtos_chan_geom *g = (const struct rtos_chan_geom *)rtos_tls()->msg;
	struct end *e = &lends[i];
	e->hdr = (struct rtos_chan_hdr *)r.r1;
	e->cells = (char *)r.r1 + sizeof(struct rtos_chan_hdr);
	e->size = (uint32_t)g->type_size;
	e->stride = (uint32_t)g->stride;
	e->slots = (uint32_t)g->slots;
	e->mpmc = g->flags == CHAN_MPMC;
	e->words = (uint8_t)(e->size % 8 == 0 && e->size <= 64 ? e->size / 8 : 0);
	e->misses = 0;
	__atomic_store_n(&e->h, r.r0, __ATOMIC_RELEASE);
	return r.r0;
}

chan_r_t channel_get_recv(chan_t cid)
{
	return cid ? opened(rtos_call(RTOS_CHAN_END, cid, RTOS_END_RECV, 0, 0)) : 0;
}

chan_s_t channel_get_send(chan_t cid)
{
	return cid ? opened(rtos_call(RTOS_CHAN_END, cid, RTOS_END_SEND, 0, 0)) : 0;
}

static size_t retrieve(size_t type_size, size_t queue_length, const char *name, unsigned dir)
{
	if (rtos_msg_name(name) <= 0)
		return 0;
	return opened(rtos_call(RTOS_CHAN_END, 0, dir, type_size, queue_length));
}

chan_r_t channel_retrieve_recv(size_t type_size, size_t queue_length, const char *ch_name)
{
	return retrieve(type_size, queue_length, ch_name, RTOS_END_RECV);
}

chan_s_t channel_retrieve_send(size_t type_size, size_t queue_length, const char *ch_name)
{
	return retrieve(type_size, queue_length, ch_name, RTOS_END_SEND);
}

/* The open end h names, of either kind; 0 if none. */
static struct end *any_end(size_t h)
{
	struct end *e = end_of(h, RTOS_K_SEND);

	return e ? e : end_of(h, RTOS_K_RECV);
}

int channel_close(size_t end)
{
	struct end *e = any_end(end);

	if (!e)
		return EBADF;
	__atomic_store_n(&e->h, 0, __ATOMIC_RELEASE);
	return (int)rtos_call1(RTOS_CHAN_CLOSE, end);
}

int channel_destroy(chan_t cid)
{
	return (int)rtos_call1(RTOS_CHAN_DESTROY, cid);
}

int channel_get_status(size_t end, struct channel_status *st)
{
	struct end *e = any_end(end);

	if (!e)
		return EBADF;
	if (rtos_check(st, sizeof(*st), 1))
		return EFAULT;
	long open = rtos_call1(RTOS_CHAN_STATUS, end);
	if (open < 0)
		return (int)open;
	uint64_t queued = e->hdr->head - e->hdr->tail;
	st->type_size = e->size;
	st->queue_length = e->slots;
	st->queued = queued > e->slots ? e->slots : queued;
	st->senders = (uint32_t)(open & 0xffff);
	st->receivers = (uint32_t)(open >> 16);
	return 0;
}

/* The event a channel end has ready, for event sets (event.c). */
unsigned chan_event(size_t h, unsigned kind)
{
	struct end *e = end_of(h, kind);

	if (!e)
		return EVT_ERROR;
	uint32_t st = e->hdr->state;
	int receive = kind == RTOS_K_RECV;
	if (st & RTOS_CHAN_DESTROYED)
		return EVT_CHAN_CLOSE;
	if (can(e, receive))
		return receive ? EVT_CHAN_READ : EVT_CHAN_WRITE;
	if (st & (receive ? RTOS_CHAN_NO_SENDERS : RTOS_CHAN_NO_RECEIVERS))
		return EVT_CHAN_CLOSE;
	return EVT_NONE;
}
