/*
 * chan.c: conformance of channels within one process (docs/rtos.md, channel_*):
 * creation and its limits, ends of the caller's channels and retrieval by name,
 * sending and receiving with each error, status, end of stream, blocking, waking and
 * preemption, streams through SPSC and MPMC rings, and no leak over many cycles.
 * What behaves the same for both kinds of ring is checked on both.
 */
#include "rch.h"

#define ITEM        ((int)sizeof(struct rch_item))
#define STREAM_N    20000
#define STREAM_US   60000000		/* virtual time a stream may take: a minute */
#define PROBE_US    20000		/* a call that must not block ends within this */
#define LEAK_CYCLES 200		/* 800 pages mapped: more than one page-table node covers */

static const chan_flags_t kinds[2] = { CHAN_SPSC, CHAN_MPMC };

static const char *kind_name(chan_flags_t k)
{
	return k == CHAN_SPSC ? "spsc" : "mpmc";
}

struct pair {
	chan_t c;
	chan_s_t s;
	chan_r_t r;
};

/* A channel and one end of each side; 1 if all three were made. */
static int pair_open(struct pair *p, size_t size, size_t len, const char *name, chan_flags_t kind)
{
	p->c = channel_create(size, len, name, kind);
	p->s = p->c ? channel_get_send(p->c) : 0;
	p->r = p->c ? channel_get_recv(p->c) : 0;
	return p->c && p->s && p->r;
}

/* Closes the ends still named in p and destroys the channel. */
static void pair_close(struct pair *p)
{
	if (p->s)
		channel_close(p->s);
	if (p->r)
		channel_close(p->r);
	if (p->c)
		channel_destroy(p->c);
	p->c = p->s = p->r = 0;
}

static struct rch_item item(uint32_t sender, uint32_t seq)
{
	struct rch_item it = { sender, seq, rch_item_check(sender, seq) };

	return it;
}

static int same_item(const struct rch_item *a, uint32_t sender, uint32_t seq)
{
	return a->sender == sender && a->seq == seq && a->check == rch_item_check(sender, seq);
}

static int send_item(chan_s_t s, uint32_t seq)
{
	struct rch_item it = item(0, seq);

	return channel_send(s, &it, ITEM, 0);
}

/* The sequence number received (>= 0), or the error; -100 for a malformed item. */
static long recv_seq(chan_r_t r)
{
	struct rch_item it;
	int n = channel_recv(r, &it, ITEM, 0);

	if (n != ITEM)
		return n == 0 ? -99 : n;
	return same_item(&it, 0, it.seq) ? (long)it.seq : -100;
}

static long queued(size_t end)
{
	struct channel_status st;
	int r = channel_get_status(end, &st);

	return r ? r : (long)st.queued;
}

/* ---- a worker blocked in a channel call (main's progress as it saw it) ---- */

static volatile size_t w_end;
static volatile int w_step, w_seen;
static volatile long w_result;
static struct rch_item w_item;

static void blocking_receiver(void)
{
	w_seen = -1;
	w_result = channel_recv(w_end, &w_item, ITEM, CHAN_BLOCK);
	w_seen = w_step;
}

static void blocking_sender(void)
{
	w_seen = -1;
	w_result = channel_send(w_end, &w_item, ITEM, CHAN_BLOCK);
	w_seen = w_step;
}

/* What fn returned for end in a less urgent thread; RCH_HUNG if it blocked. */
static long probe(void (*fn)(void), size_t end)
{
	w_end = end;
	w_result = 1;
	int s = rch_join_within(rch_spawn(fn, 1), PROBE_US);
	return s == RCH_HUNG ? RCH_HUNG : w_result;
}

/* ---- creation ---- */

/* rch.chan.1: both kinds, with and without names. */
static void test_create(void)
{
	struct rch_cases c = { 0 };
	chan_t a = channel_create(8, 4, "rch.c1a", CHAN_SPSC), b = channel_create(8, 4, "rch.c1b", CHAN_MPMC);
	chan_t d = channel_create(8, 4, 0, CHAN_SPSC), e = channel_create(8, 4, 0, CHAN_MPMC);

	rch_want(&c, a && b && d && e, "handles %lu %lu %lu %lu", a, b, d, e);
	rch_want(&c, a != b && a != d && a != e && b != d && b != e && d != e, "handles not distinct");
	rch_want_eq(&c, "destroy spsc", channel_destroy(a), 0);
	rch_want_eq(&c, "destroy mpmc", channel_destroy(b), 0);
	rch_want_eq(&c, "destroy unnamed spsc", channel_destroy(d), 0);
	rch_want_eq(&c, "destroy unnamed mpmc", channel_destroy(e), 0);
	rch_done("rch.chan.1", "create", &c);
}

/* rch.chan.2: type size 1..4096, queue length 1..65536, the ring at most 256 KiB. */
static void test_create_limits(void)
{
	static const struct { size_t size, len; int ok; } cases[] = {
		{ 0, 4, 0 }, { 4097, 4, 0 }, { 8, 0, 0 }, { 1, 65537, 0 }, { 4096, 64, 0 },
		{ 64, 65536, 0 }, { ~(size_t)0, 1, 0 }, { 1, ~(size_t)0, 0 },
		{ 1, 1, 1 }, { 4096, 1, 1 }, { 4096, 32, 1 }, { 8, 8000, 1 },
	};
	struct rch_cases c = { 0 };

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int k = 0; k < 2; k++) {
			chan_t h = channel_create(cases[i].size, cases[i].len, 0, kinds[k]);
			rch_want(&c, !!h == cases[i].ok, "%s size %lu len %lu: %lu (want %s)", kind_name(kinds[k]),
				 cases[i].size, cases[i].len, h, cases[i].ok ? "a channel" : "0");
			if (h)
				channel_destroy(h);
		}
	}
	rch_done("rch.chan.2", "create_size_len_limits", &c);
}

/* rch.chan.3: flags exactly one of CHAN_SPSC and CHAN_MPMC. */
static void test_create_flags(void)
{
	static const unsigned bad[] = { 0, CHAN_SPSC | CHAN_MPMC, CHAN_BLOCK, CHAN_SPSC | CHAN_BLOCK,
					CHAN_MPMC | CHAN_BLOCK, 8, CHAN_SPSC | 8, 0x100 };
	struct rch_cases c = { 0 };

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		chan_t h = channel_create(8, 4, 0, (chan_flags_t)bad[i]);
		rch_want(&c, !h, "flags 0x%x: %lu (want 0)", bad[i], h);
		if (h)
			channel_destroy(h);
	}
	rch_done("rch.chan.3", "create_flags_fail", &c);
}

/* rch.chan.4: names of at most 31 bytes, one live channel per name. */
static void test_create_names(void)
{
	static const char n31[] = "rch.name.31.bytes.long.abcdefgh";
	static const char n32[] = "rch.name.32.bytes.long.abcdefghi";
	struct rch_cases c = { 0 };

	_Static_assert(sizeof(n31) == 32 && sizeof(n32) == 33, "31 and 32 bytes");
	chan_t a = channel_create(8, 4, n32, CHAN_SPSC);
	rch_want(&c, !a, "a 32-byte name: %lu (want 0)", a);
	if (a)
		channel_destroy(a);
	chan_t b = channel_create(8, 4, n31, CHAN_SPSC);
	rch_want(&c, b, "a 31-byte name: 0");
	chan_t d = channel_create(8, 4, n31, CHAN_SPSC), e = channel_create(16, 2, n31, CHAN_MPMC);
	rch_want(&c, !d && !e, "the same live name again: %lu, with another geometry %lu (want 0)", d, e);
	if (d)
		channel_destroy(d);
	if (e)
		channel_destroy(e);
	rch_want_eq(&c, "destroy", channel_destroy(b), 0);
	chan_t f = channel_create(8, 4, n31, CHAN_MPMC);
	rch_want(&c, f, "the name once its channel is destroyed: 0");
	if (f)
		channel_destroy(f);
	rch_done("rch.chan.4", "create_names", &c);
}

/* rch.chan.5: ends only of a live channel of the caller's. */
static void test_get_end(void)
{
	struct rch_cases c = { 0 };
	chan_t ch = channel_create(8, 4, 0, CHAN_MPMC);
	chan_s_t s = channel_get_send(ch), s2 = channel_get_send(ch);
	chan_r_t r = channel_get_recv(ch), r2 = channel_get_recv(ch);

	rch_want(&c, s && s2 && r && r2 && s != s2 && r != r2 && s != r && s != ch && r != ch,
		 "ends %lu %lu %lu %lu of %lu", s, s2, r, r2, ch);
	chan_t dead = channel_create(8, 4, 0, CHAN_SPSC);
	channel_destroy(dead);
	sem_t sem = semaphore_create(0, 0);
	size_t bad[] = { 0, 0xffff, RCH_BAD_GEN, RTOS_HANDLE(RTOS_K_CHAN, 0x7777, 0), dead, s, r, sem };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		chan_s_t gs = channel_get_send(bad[i]);
		chan_r_t gr = channel_get_recv(bad[i]);
		rch_want(&c, !gs && !gr, "case %u (%lu): get_send %lu get_recv %lu (want 0)", i, bad[i], gs, gr);
		if (gs)
			channel_close(gs);
		if (gr)
			channel_close(gr);
	}
	semaphore_destroy(sem);
	channel_close(s);
	channel_close(s2);
	channel_close(r);
	channel_close(r2);
	channel_destroy(ch);
	rch_done("rch.chan.5", "get_end_bad_handle", &c);
}

/* rch.chan.6: retrieval by name, size and length. */
static void test_retrieve(void)
{
	struct rch_cases c = { 0 };
	struct pair p = { 0 };

	p.c = channel_create(ITEM, 8, "rch.c6", CHAN_MPMC);
	p.s = channel_retrieve_send(ITEM, 8, "rch.c6");
	p.r = channel_retrieve_recv(ITEM, 8, "rch.c6");
	rch_want(&c, p.c && p.s && p.r, "channel %lu, retrieved ends %lu %lu", p.c, p.s, p.r);
	rch_want_eq(&c, "send through the retrieved end", send_item(p.s, 61), ITEM);
	rch_want_eq(&c, "received through the other", recv_seq(p.r), 61);

	size_t w[] = { channel_retrieve_send(8, 8, "rch.c6"), channel_retrieve_recv(8, 8, "rch.c6"),
		       channel_retrieve_send(ITEM, 9, "rch.c6"), channel_retrieve_recv(ITEM, 7, "rch.c6"),
		       channel_retrieve_send(ITEM, 8, "rch.c6x"), channel_retrieve_recv(ITEM, 8, "rch.none"),
		       channel_retrieve_send(ITEM, 8, 0), channel_retrieve_recv(ITEM, 8, 0) };
	static const char *what[] = { "send, size 8", "recv, size 8", "send, len 9", "recv, len 7",
				      "send, unknown name", "recv, unknown name", "send, NULL name",
				      "recv, NULL name" };
	for (unsigned i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		rch_want(&c, !w[i], "%s: %lu (want 0)", what[i], w[i]);
		if (w[i])
			channel_close(w[i]);
	}
	chan_t named = p.c;
	pair_close(&p);
	size_t gone_s = channel_retrieve_send(ITEM, 8, "rch.c6"), gone_r = channel_retrieve_recv(ITEM, 8, "rch.c6");
	rch_want(&c, !gone_s && !gone_r, "after destroying %lu: %lu %lu (want 0)", named, gone_s, gone_r);
	rch_done("rch.chan.6", "retrieve_by_name", &c);
}

/* ---- sending and receiving ---- */

/* rch.chan.7: each send and receive moves one message of the type size, in order. */
static void test_fifo(void)
{
	struct rch_cases c = { 0 };

	for (int k = 0; k < 2; k++) {
		struct pair p;
		if (!rch_want(&c, pair_open(&p, ITEM, 4, 0, kinds[k]), "%s: no channel", kind_name(kinds[k]))) {
			pair_close(&p);
			continue;
		}
		uint32_t next_out = 0, next_in = 0;
		int sends_ok = 1, order_ok = 1;
		for (int round = 0; round < 10; round++) {	/* three at a time: the ring wraps */
			for (int i = 0; i < 3; i++)
				sends_ok &= send_item(p.s, next_out++) == ITEM;
			for (int i = 0; i < 3; i++)
				order_ok &= recv_seq(p.r) == next_in++;
		}
		rch_want(&c, sends_ok, "%s: a send did not return %d", kind_name(kinds[k]), ITEM);
		rch_want(&c, order_ok, "%s: a message was out of order or not the type size", kind_name(kinds[k]));
		struct rch_item big[3] = { 0 };
		int sent = send_item(p.s, 500);
		int got = channel_recv(p.r, big, sizeof(big), 0);
		rch_want(&c, sent == ITEM && got == ITEM && same_item(&big[0], 0, 500) && big[1].check == 0,
			 "%s: a buffer of %lu bytes got %d (want %d, one message)", kind_name(kinds[k]),
			 sizeof(big), got, ITEM);
		pair_close(&p);
	}
	rch_done("rch.chan.7", "send_recv_fifo", &c);
}

/* rch.chan.8: len must be the type size to send, at least it to receive; nothing moves otherwise. */
static void test_len(void)
{
	struct rch_cases c = { 0 };
	struct pair p;
	struct rch_item buf[2] = { item(0, 80), item(0, 81) };

	pair_open(&p, ITEM, 4, 0, CHAN_MPMC);
	rch_want_eq(&c, "send len type-1", channel_send(p.s, buf, ITEM - 1, 0), EINVAL);
	rch_want_eq(&c, "send len type+1", channel_send(p.s, buf, ITEM + 1, 0), EINVAL);
	rch_want_eq(&c, "send len 2 types", channel_send(p.s, buf, 2 * ITEM, 0), EINVAL);
	rch_want_eq(&c, "send len 0", channel_send(p.s, buf, 0, 0), EINVAL);
	rch_want_eq(&c, "queued after", queued(p.s), 0);
	send_item(p.s, 82);
	rch_want_eq(&c, "recv len type-1", channel_recv(p.r, buf, ITEM - 1, 0), EINVAL);
	rch_want_eq(&c, "recv len 0", channel_recv(p.r, buf, 0, 0), EINVAL);
	rch_want_eq(&c, "queued after", queued(p.r), 1);
	rch_want_eq(&c, "then a receive", recv_seq(p.r), 82);
	pair_close(&p);
	rch_done("rch.chan.8", "wrong_len_einval", &c);
}

/* rch.chan.9: CHAN_BLOCK is the only flag of a send or receive. */
static void test_call_flags(void)
{
	static const unsigned bad[] = { CHAN_SPSC, CHAN_MPMC, 8, CHAN_BLOCK | 8, CHAN_BLOCK | CHAN_SPSC, 0x100 };
	struct rch_cases c = { 0 };
	struct pair p;
	struct rch_item it = item(0, 90);

	pair_open(&p, ITEM, 4, 0, CHAN_SPSC);
	send_item(p.s, 91);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rch_want_eq(&c, "send flags", channel_send(p.s, &it, ITEM, (chan_flags_t)bad[i]), EINVAL);
		rch_want_eq(&c, "recv flags", channel_recv(p.r, &it, ITEM, (chan_flags_t)bad[i]), EINVAL);
	}
	rch_want_eq(&c, "queued after", queued(p.s), 1);
	pair_close(&p);
	rch_done("rch.chan.9", "bad_flags_einval", &c);
}

/* rch.chan.10: a receive from an empty channel without CHAN_BLOCK. */
static void test_empty(void)
{
	struct rch_cases c = { 0 };
	struct rch_item it;

	for (int k = 0; k < 2; k++) {
		struct pair p;
		pair_open(&p, ITEM, 4, 0, kinds[k]);
		rch_want_eq(&c, kind_name(kinds[k]), channel_recv(p.r, &it, ITEM, 0), EAGAIN);
		send_item(p.s, 100);
		recv_seq(p.r);
		rch_want_eq(&c, "emptied again", channel_recv(p.r, &it, ITEM, 0), EAGAIN);
		pair_close(&p);
	}
	rch_done("rch.chan.10", "recv_empty_eagain", &c);
}

/* rch.chan.11: a channel holds exactly its queue length. */
static void test_full(void)
{
	static const size_t lens[] = { 1, 3 };
	struct rch_cases c = { 0 };

	for (int k = 0; k < 2; k++) {
		for (unsigned l = 0; l < 2; l++) {
			struct pair p;
			pair_open(&p, ITEM, lens[l], 0, kinds[k]);
			int fit = 0;
			while (fit < 10 && send_item(p.s, (uint32_t)fit) == ITEM)
				fit++;
			int over = send_item(p.s, 99);
			long q = queued(p.s);
			long first = recv_seq(p.r);
			int again = send_item(p.s, 100), over2 = send_item(p.s, 101);
			rch_want(&c, fit == (int)lens[l] && over == ENOBUFS && q == (long)lens[l] && first == 0 &&
				 again == ITEM && over2 == ENOBUFS,
				 "%s len %lu: %d fit, then %d (want %d), queued %ld, after a receive %d then %d",
				 kind_name(kinds[k]), lens[l], fit, over, ENOBUFS, q, again, over2);
			pair_close(&p);
		}
	}
	rch_done("rch.chan.11", "full_enobufs", &c);
}

/* rch.chan.12: a closed end is dead. */
static void test_closed_end(void)
{
	struct rch_cases c = { 0 };
	struct pair p;
	struct rch_item it = item(0, 120);
	struct channel_status st;

	pair_open(&p, ITEM, 4, 0, CHAN_MPMC);
	chan_s_t s2 = channel_get_send(p.c);
	send_item(p.s, 121);
	rch_want_eq(&c, "close send end", channel_close(p.s), 0);
	rch_want_eq(&c, "send through it", channel_send(p.s, &it, ITEM, 0), EBADF);
	rch_want_eq(&c, "its status", channel_get_status(p.s, &st), EBADF);
	rch_want_eq(&c, "close it again", channel_close(p.s), EBADF);
	rch_want_eq(&c, "close recv end", channel_close(p.r), 0);
	rch_want_eq(&c, "recv through it", channel_recv(p.r, &it, ITEM, 0), EBADF);
	rch_want_eq(&c, "close it again", channel_close(p.r), EBADF);
	rch_want_eq(&c, "the other send end", channel_close(s2), 0);
	rch_want_eq(&c, "destroy", channel_destroy(p.c), 0);
	rch_done("rch.chan.12", "closed_end_ebadf", &c);
}

/* rch.chan.13: the ends of a destroyed channel fail, and must still be closed. */
static void test_destroyed_ends(void)
{
	struct rch_cases c = { 0 };
	struct rch_item it = item(0, 130);
	struct channel_status st;

	for (int k = 0; k < 2; k++) {
		struct pair p;
		pair_open(&p, ITEM, 4, "rch.c13", kinds[k]);
		send_item(p.s, 131);
		rch_want_eq(&c, kind_name(kinds[k]), channel_destroy(p.c), 0);
		rch_want_eq(&c, "send", channel_send(p.s, &it, ITEM, 0), EBADF);
		rch_want_eq(&c, "recv (a message queued)", channel_recv(p.r, &it, ITEM, 0), EBADF);
		rch_want_eq(&c, "status of the send end", channel_get_status(p.s, &st), EBADF);
		rch_want_eq(&c, "status of the recv end", channel_get_status(p.r, &st), EBADF);
		size_t again = channel_retrieve_recv(ITEM, 4, "rch.c13");
		rch_want(&c, !again, "retrieve by its name: %lu (want 0)", again);
		rch_want_eq(&c, "close send end", channel_close(p.s), 0);
		rch_want_eq(&c, "close recv end", channel_close(p.r), 0);
		rch_want_eq(&c, "close again", channel_close(p.r), EBADF);
	}
	rch_done("rch.chan.13", "destroyed_channel_ends_ebadf", &c);
}

/* rch.chan.14: a send end only sends, a receive end only receives. */
static void test_direction(void)
{
	struct rch_cases c = { 0 };
	struct pair p;
	struct rch_item it = item(0, 140);

	pair_open(&p, ITEM, 4, 0, CHAN_SPSC);
	send_item(p.s, 141);
	rch_want_eq(&c, "send through the recv end", channel_send(p.r, &it, ITEM, 0), EBADF);
	rch_want_eq(&c, "recv through the send end", channel_recv(p.s, &it, ITEM, 0), EBADF);
	rch_want_eq(&c, "send through the channel", channel_send(p.c, &it, ITEM, 0), EBADF);
	rch_want_eq(&c, "recv through the channel", channel_recv(p.c, &it, ITEM, 0), EBADF);
	rch_want_eq(&c, "queued after", queued(p.r), 1);
	pair_close(&p);
	rch_done("rch.chan.14", "wrong_direction_ebadf", &c);
}

/* rch.chan.15: destroy takes only a live channel; close only an end. */
static void test_destroy_errors(void)
{
	struct rch_cases c = { 0 };
	struct pair p;

	pair_open(&p, ITEM, 4, 0, CHAN_MPMC);
	rch_want_eq(&c, "destroy a send end", channel_destroy(p.s), EBADF);
	rch_want_eq(&c, "destroy a recv end", channel_destroy(p.r), EBADF);
	rch_want_eq(&c, "destroy 0", channel_destroy(0), EBADF);
	rch_want_eq(&c, "destroy a stale generation", channel_destroy(RTOS_HANDLE(RTOS_K_CHAN, 0x7777, 0)), EBADF);
	rch_want_eq(&c, "close the channel", channel_close(p.c), EBADF);
	rch_want_eq(&c, "close 0", channel_close(0), EBADF);
	rch_want_eq(&c, "the send end still works", send_item(p.s, 150), ITEM);
	rch_want_eq(&c, "close send end", channel_close(p.s), 0);
	rch_want_eq(&c, "close recv end", channel_close(p.r), 0);
	rch_want_eq(&c, "destroy (ends closed)", channel_destroy(p.c), 0);
	rch_want_eq(&c, "destroy again", channel_destroy(p.c), EBADF);
	rch_want_eq(&c, "close the destroyed channel", channel_close(p.c), EBADF);
	rch_done("rch.chan.15", "destroy_close_errors_ebadf", &c);
}

/* rch.chan.17: status follows the ends opened and closed and the messages queued. */
static int status_is(struct rch_cases *c, const char *when, size_t end, uint32_t senders, uint32_t receivers,
		     size_t nq)
{
	struct channel_status st = { 0 };
	int r = channel_get_status(end, &st);

	return rch_want(c, r == 0 && st.type_size == 24 && st.queue_length == 5 && st.queued == nq &&
			st.senders == senders && st.receivers == receivers,
			"%s: %d, size %lu len %lu queued %lu senders %u receivers %u (want 24 5 %lu %u %u)", when, r,
			st.type_size, st.queue_length, st.queued, st.senders, st.receivers, nq, senders, receivers);
}

static void test_status(void)
{
	struct rch_cases c = { 0 };
	char m[24] = "status";
	chan_t ch = channel_create(24, 5, "rch.c17", CHAN_MPMC);
	chan_s_t s1 = channel_get_send(ch);

	status_is(&c, "one send end", s1, 1, 0, 0);
	chan_r_t r1 = channel_get_recv(ch);
	status_is(&c, "and a recv end", s1, 1, 1, 0);
	chan_s_t s2 = channel_retrieve_send(24, 5, "rch.c17");
	status_is(&c, "a second send end (by name)", r1, 2, 1, 0);
	channel_send(s1, m, 24, 0);
	channel_send(s2, m, 24, 0);
	status_is(&c, "two queued, seen from the recv end", r1, 2, 1, 2);
	status_is(&c, "two queued, seen from a send end", s2, 2, 1, 2);
	chan_r_t r2 = channel_get_recv(ch);
	status_is(&c, "a second recv end", r2, 2, 2, 2);
	channel_close(s2);
	status_is(&c, "a send end closed", r1, 1, 2, 2);
	channel_recv(r2, m, 24, 0);
	status_is(&c, "one received", s1, 1, 2, 1);
	channel_close(r1);
	channel_close(r2);
	status_is(&c, "recv ends closed", s1, 1, 0, 1);
	channel_close(s1);
	channel_destroy(ch);
	rch_done("rch.chan.17", "status_values", &c);
}

/* rch.chan.18: a receive returns 0 once every send end is closed and the ring is empty. */
static void test_end_of_stream(void)
{
	struct rch_cases c = { 0 };
	struct rch_item it;

	for (int k = 0; k < 2; k++) {
		struct pair p;
		const char *kn = kind_name(kinds[k]);
		pair_open(&p, ITEM, 4, 0, kinds[k]);
		chan_s_t s2 = channel_get_send(p.c);
		send_item(p.s, 0);
		send_item(p.s, 1);
		channel_close(p.s);
		p.s = 0;
		rch_want_eq(&c, kn, recv_seq(p.r), 0);
		rch_want_eq(&c, "queued before the first close", recv_seq(p.r), 1);
		rch_want_eq(&c, "empty, a send end still open", channel_recv(p.r, &it, ITEM, 0), EAGAIN);
		send_item(s2, 2);
		channel_close(s2);
		rch_want_eq(&c, "queued before the last close", recv_seq(p.r), 2);
		rch_want_eq(&c, "then end of stream", channel_recv(p.r, &it, ITEM, 0), 0);
		rch_want_eq(&c, "and again", channel_recv(p.r, &it, ITEM, 0), 0);
		rch_want_eq(&c, "with CHAN_BLOCK (not blocking)", probe(blocking_receiver, p.r), 0);
		pair_close(&p);
	}
	rch_done("rch.chan.18", "end_of_stream", &c);
}

/* rch.chan.19: with no receive end open, a full channel refuses even a blocking send. */
static void test_no_receivers(void)
{
	struct rch_cases c = { 0 };
	struct pair p;

	pair_open(&p, ITEM, 2, 0, CHAN_MPMC);
	channel_close(p.r);
	p.r = 0;
	rch_want_eq(&c, "room, no receiver", send_item(p.s, 0), ITEM);
	rch_want_eq(&c, "room, no receiver", send_item(p.s, 1), ITEM);
	rch_want_eq(&c, "full", send_item(p.s, 2), ENOBUFS);
	w_item = item(0, 3);
	rch_want_eq(&c, "full, CHAN_BLOCK", probe(blocking_sender, p.s), ENOBUFS);
	pair_close(&p);
	rch_done("rch.chan.19", "full_no_receivers_enobufs", &c);
}

/* ---- blocking ---- */

/* rch.chan.20: a blocked receiver gets the message a later send brings. */
static void test_recv_woken(void)
{
	struct rch_cases c = { 0 };

	for (int k = 0; k < 2; k++) {
		struct pair p;
		pair_open(&p, ITEM, 4, 0, kinds[k]);
		w_end = p.r;
		w_step = 0;
		w_seen = -2;
		w_result = 1;
		thread_t t = rch_spawn(blocking_receiver, 1);
		rch_sleep(300);				/* it runs and blocks */
		int blocked = w_seen == -1;
		w_step = 1;
		int sent = send_item(p.s, 200);
		int status = rch_join(t);
		rch_want(&c, blocked && sent == ITEM && status == 0 && w_result == ITEM && same_item(&w_item, 0, 200),
			 "%s: blocked %d, send %d, it got %ld (item %u) status %d", kind_name(kinds[k]), blocked,
			 sent, w_result, w_item.seq, status);
		pair_close(&p);
	}
	rch_done("rch.chan.20", "blocked_recv_woken_by_send", &c);
}

/* rch.chan.21: a receiver blocked on a channel that is destroyed returns EBADF. */
static void test_recv_destroyed(void)
{
	struct pair p;

	pair_open(&p, ITEM, 4, 0, CHAN_SPSC);
	w_end = p.r;
	w_seen = -2;
	w_result = 1;
	thread_t t = rch_spawn(blocking_receiver, 1);
	rch_sleep(300);
	int blocked = w_seen == -1;
	int d = channel_destroy(p.c);
	int status = rch_join(t);
	int closed = channel_close(p.r);
	p.c = p.r = 0;
	rch_check("rch.chan.21", "blocked_recv_destroyed_ebadf",
		  blocked && d == 0 && status == 0 && w_result == EBADF && closed == 0,
		  "blocked %d, destroy %d, it got %ld (want %d), status %d, close %d", blocked, d, w_result, EBADF,
		  status, closed);
	pair_close(&p);
}

/* rch.chan.22: a receiver more urgent than the sender runs inside the send. */
static void test_recv_preempts(void)
{
	struct pair p;

	pair_open(&p, ITEM, 4, 0, CHAN_SPSC);
	w_end = p.r;
	w_step = 0;
	w_seen = -2;
	thread_t t = rch_spawn(blocking_receiver, -1);	/* runs now, blocks */
	int blocked = w_seen == -1;
	w_step = 1;
	int sent = send_item(p.s, 220);
	w_step = 2;
	int status = rch_join(t);
	rch_check("rch.chan.22", "recv_waiter_preempts_sender", blocked && sent == ITEM && w_seen == 1 &&
		  w_result == ITEM && status == 0, "blocked %d, send %d, it woke at step %d (want 1) with %ld",
		  blocked, sent, w_seen, w_result);
	pair_close(&p);
}

/* rch.chan.23: a blocking send to a full channel waits until a receive makes room. */
static void test_send_waits(void)
{
	struct rch_cases c = { 0 };

	for (int k = 0; k < 2; k++) {
		struct pair p;
		pair_open(&p, ITEM, 1, 0, kinds[k]);
		send_item(p.s, 0);
		w_end = p.s;
		w_item = item(0, 1);
		w_step = 0;
		w_seen = -2;
		w_result = 1;
		thread_t t = rch_spawn(blocking_sender, 1);
		rch_sleep(300);
		int waiting = w_seen == -1;
		rch_sleep(300);
		waiting &= w_seen == -1;
		w_step = 1;
		long first = recv_seq(p.r);
		int status = rch_join(t);
		long second = recv_seq(p.r);
		rch_want(&c, waiting && first == 0 && status == 0 && w_result == ITEM && w_seen == 1 && second == 1,
			 "%s: waiting %d, received %ld, its send %ld after step %d, status %d, then received %ld",
			 kind_name(kinds[k]), waiting, first, w_result, w_seen, status, second);
		pair_close(&p);
	}
	rch_done("rch.chan.23", "blocked_send_waits_for_room", &c);
}

/* rch.chan.24: a sender blocked on a channel that is destroyed returns EBADF. */
static void test_send_destroyed(void)
{
	struct pair p;

	pair_open(&p, ITEM, 1, 0, CHAN_MPMC);
	send_item(p.s, 0);
	w_end = p.s;
	w_item = item(0, 1);
	w_seen = -2;
	w_result = 1;
	thread_t t = rch_spawn(blocking_sender, 1);
	rch_sleep(300);
	int blocked = w_seen == -1;
	int d = channel_destroy(p.c);
	int status = rch_join(t);
	int closed = channel_close(p.s);
	p.c = p.s = 0;
	rch_check("rch.chan.24", "blocked_send_destroyed_ebadf",
		  blocked && d == 0 && status == 0 && w_result == EBADF && closed == 0,
		  "blocked %d, destroy %d, it got %ld (want %d), status %d, close %d", blocked, d, w_result, EBADF,
		  status, closed);
	pair_close(&p);
}

/* ---- streams ---- */

/* rch.chan.25: one sender and one receiver through a short SPSC ring, both blocking. */
static struct pair sp;
static volatile long sp_sent, sp_send_err, sp_got, sp_bad, sp_end;

static void spsc_sender(void)
{
	for (uint32_t i = 0; i < STREAM_N; i++) {
		struct rch_item it = item(0, i);
		int r = channel_send(sp.s, &it, ITEM, CHAN_BLOCK);
		if (r != ITEM) {
			sp_send_err = r;
			break;
		}
		sp_sent++;
	}
	channel_close(sp.s);
}

static void spsc_receiver(void)
{
	struct rch_item it;
	int r;

	while ((r = channel_recv(sp.r, &it, ITEM, CHAN_BLOCK)) == ITEM) {
		if (!same_item(&it, 0, (uint32_t)sp_got))
			sp_bad++;
		sp_got++;
	}
	sp_end = r;
}

static void test_spsc_stream(void)
{
	sp_sent = sp_send_err = sp_got = sp_bad = 0;
	sp_end = 1;
	pair_open(&sp, ITEM, 4, 0, CHAN_SPSC);
	uint64_t t0 = cairn_cycles();
	thread_t rt = rch_spawn(spsc_receiver, 1), st = rch_spawn(spsc_sender, 1);
	int s1 = rch_join_within(st, STREAM_US), s2 = rch_join_within(rt, STREAM_US);
	uint64_t us = rch_us(cairn_cycles() - t0);
	sp.s = 0;				/* the sender closed it */
	rch_check("rch.chan.25", "spsc_stream_in_order", s1 == 0 && s2 == 0 && sp_sent == STREAM_N && !sp_send_err &&
		  sp_got == STREAM_N && !sp_bad && sp_end == 0,
		  "%d messages: sent %ld (error %ld), received %ld, %ld out of order, last receive %ld, "
		  "joins %d %d, %lu us",
		  STREAM_N, sp_sent, sp_send_err, sp_got, sp_bad, sp_end, s1, s2, us);
	pair_close(&sp);
}

/*
 * rch.chan.26: two senders and two receivers through an MPMC ring, all four of main's
 * priority less one, taking turns irregularly: each item once, each sender's in order.
 */
static chan_s_t mp_s[2];
static chan_r_t mp_r[2];
static volatile uint8_t mp_seen[2][STREAM_N];
static volatile long mp_sent[2], mp_send_err[2], mp_got[2], mp_bad[2], mp_end[2];

/*
 * About half of the time, irregularly: the four threads, equals, then take turns at
 * varied points, so that every end contends and the ring fills and empties.
 */
static int irregular(uint32_t n)
{
	return (n * 2654435761u) >> 31;
}

static void mp_send(int me)
{
	for (uint32_t i = 0; i < STREAM_N; i++) {
		struct rch_item it = item((uint32_t)me, i);
		int r = channel_send(mp_s[me], &it, ITEM, CHAN_BLOCK);
		if (r != ITEM) {
			mp_send_err[me] = r;
			break;
		}
		mp_sent[me]++;
		if (irregular(i))
			thread_yield();
	}
	channel_close(mp_s[me]);
}

static void mp_recv(int me)
{
	long last[2] = { -1, -1 };
	struct rch_item it;
	int r;

	while ((r = channel_recv(mp_r[me], &it, ITEM, CHAN_BLOCK)) == ITEM) {
		mp_got[me]++;
		if (it.sender > 1 || it.seq >= STREAM_N || !same_item(&it, it.sender, it.seq) ||
		    (long)it.seq <= last[it.sender]) {
			mp_bad[me]++;
			continue;
		}
		last[it.sender] = it.seq;
		__atomic_fetch_add(&mp_seen[it.sender][it.seq], 1, __ATOMIC_RELAXED);
		if (irregular((uint32_t)mp_got[me] + 7 * (uint32_t)me))
			thread_yield();
	}
	mp_end[me] = r;
}

static void mp_send0(void) { mp_send(0); }
static void mp_send1(void) { mp_send(1); }
static void mp_recv0(void) { mp_recv(0); }
static void mp_recv1(void) { mp_recv(1); }

static void test_mpmc_stream(void)
{
	chan_t ch = channel_create(ITEM, 16, 0, CHAN_MPMC);

	for (int i = 0; i < 2; i++) {
		mp_s[i] = channel_get_send(ch);
		mp_r[i] = channel_get_recv(ch);
		mp_sent[i] = mp_send_err[i] = mp_got[i] = mp_bad[i] = 0;
		mp_end[i] = 1;
	}
	memset((void *)mp_seen, 0, sizeof(mp_seen));
	uint64_t t0 = cairn_cycles();
	thread_t t[4] = { rch_spawn(mp_recv0, 1), rch_spawn(mp_recv1, 1), rch_spawn(mp_send0, 1),
			  rch_spawn(mp_send1, 1) };
	int joins = 0;
	for (int i = 0; i < 4; i++)
		joins |= rch_join_within(t[i], STREAM_US);
	uint64_t us = rch_us(cairn_cycles() - t0);
	long missing = 0, dup = 0;
	for (int s = 0; s < 2; s++)
		for (int i = 0; i < STREAM_N; i++) {
			missing += mp_seen[s][i] == 0;
			dup += mp_seen[s][i] > 1;
		}
	rch_check("rch.chan.26", "mpmc_2x2_each_once_in_order", ch && !joins && mp_sent[0] == STREAM_N &&
		  mp_sent[1] == STREAM_N && mp_got[0] && mp_got[1] && mp_got[0] + mp_got[1] == 2 * STREAM_N &&
		  !missing && !dup &&
		  !mp_bad[0] && !mp_bad[1] && mp_end[0] == 0 && mp_end[1] == 0,
		  "sent %ld %ld (errors %ld %ld), received %ld %ld, missing %ld, twice %ld, bad %ld %ld, "
		  "last receives %ld %ld, joins %d, %lu us", mp_sent[0], mp_sent[1], mp_send_err[0], mp_send_err[1],
		  mp_got[0], mp_got[1], missing, dup, mp_bad[0], mp_bad[1], mp_end[0], mp_end[1], joins, us);
	channel_close(mp_r[0]);
	channel_close(mp_r[1]);
	channel_destroy(ch);
}

/* rch.chan.27: channels, ends and their memory all come back. */
static int leak_cycle(void)
{
	struct pair p;
	int ok = pair_open(&p, 32, 8, "rch.leak", CHAN_MPMC);
	chan_s_t s2 = channel_retrieve_send(32, 8, "rch.leak");
	chan_r_t r2 = channel_retrieve_recv(32, 8, "rch.leak");
	char m[32] = "leak";

	ok &= s2 && r2 && channel_send(s2, m, 32, 0) == 32 && channel_recv(p.r, m, 32, 0) == 32;
	ok &= channel_close(s2) == 0 && channel_close(r2) == 0;
	ok &= channel_close(p.s) == 0 && channel_close(p.r) == 0 && channel_destroy(p.c) == 0;
	return ok;
}

static void test_no_leak(void)
{
	int ok = leak_cycle();			/* any first-use allocation happens here */
	rch_sleep(1000);
	long c0 = rtos_stats(RTOS_STAT_CHANS), u0 = rtos_stats(RTOS_STAT_UNTYPED);
	long s0 = rtos_stats(RTOS_STAT_SLOTS), p0 = rtos_stats(RTOS_STAT_PAGES);
	int cycles = 0;

	while (ok && cycles < LEAK_CYCLES) {
		ok = leak_cycle();
		cycles += ok;
	}
	rch_sleep(1000);
	long c1 = rtos_stats(RTOS_STAT_CHANS), u1 = rtos_stats(RTOS_STAT_UNTYPED);
	long s1 = rtos_stats(RTOS_STAT_SLOTS), p1 = rtos_stats(RTOS_STAT_PAGES);
	rch_check("rch.chan.27", "no_leak_200_cycles", cycles == LEAK_CYCLES && u0 > 0 && c1 == c0 && u1 == u0 &&
		  s1 == s0 && p1 == p0, "%d cycles: chans %ld->%ld untyped %ld->%ld slots %ld->%ld pages %ld->%ld",
		  cycles, c0, c1, u0, u1, s0, s1, p0, p1);
}

void rch_chan(void)
{
	test_create();
	test_create_limits();
	test_create_flags();
	test_create_names();
	test_get_end();
	test_retrieve();
	test_fifo();
	test_len();
	test_call_flags();
	test_empty();
	test_full();
	test_closed_end();
	test_destroyed_ends();
	test_direction();
	test_destroy_errors();
	test_status();
	test_end_of_stream();
	test_no_receivers();
	test_recv_woken();
	test_recv_destroyed();
	test_recv_preempts();
	test_send_waits();
	test_send_destroyed();
	test_spsc_stream();
	test_mpmc_stream();
	test_no_leak();
}

/* ---- rch.chan.16: bad addresses (in a process of its own: see rch.h) ---- */

int rch_chan_faults(void)
{
	void *bad[] = { 0, RCH_KERNEL_PTR, RCH_UNMAPPED_PTR, RCH_HIGH_PTR };
	static const char *what[] = { "NULL", "kernel half", "unmapped", "unmapped above the stacks" };
	struct rch_cases c = { 0 };
	struct pair p;

	pair_open(&p, ITEM, 4, 0, CHAN_MPMC);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cairn_printf("rch.chan.16: %s pointer\n", what[i]);
		int r = channel_send(p.s, bad[i], ITEM, 0);
		rch_want(&c, r == EFAULT, "send %s: %d", what[i], r);
		rch_want(&c, queued(p.s) == 0, "send %s queued something", what[i]);
	}
	send_item(p.s, 160);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = channel_recv(p.r, bad[i], ITEM, 0);
		rch_want(&c, r == EFAULT, "recv %s: %d", what[i], r);
		rch_want(&c, queued(p.r) == 1, "recv %s took the message", what[i]);
		r = channel_get_status(p.s, bad[i]);
		rch_want(&c, r == EFAULT, "get_status %s: %d", what[i], r);
	}
	rch_want_eq(&c, "the message is still there", recv_seq(p.r), 160);
	pair_close(&p);
	return rch_done("rch.chan.16", "bad_address_efault", &c);
}
