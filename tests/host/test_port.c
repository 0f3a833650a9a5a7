/*
 * test_port.c: the port ring steps of lib/libcairn/port.c (cairn_port_init,
 * cairn_port_attach, cairn_ring_put, cairn_ring_get, and cairn_port_send/recv in
 * asynchronous mode, which take no system call): sizes, order, full and empty, cursor
 * wrap-around, exact slot copies; and a peer that scribbles on the shared header -
 * every field at every extreme value, then at random - which must never move a copy
 * outside the ring (AddressSanitizer watches the ring's allocation, guard words the
 * messages) and gets CAIRN_EIO when its cursor says more than `slots` are queued. The
 * waiting protocol is model-checked instead (tests/spin).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <cairn/port.h>

#define SLOT  16
#define SLOTS 8

/* A port's two ends over one ring of exactly cairn_port_bytes() (ASan's redzones follow). */
struct pair {
	struct cairn_port_ring *r;
	struct cairn_port prod, cons;
};

static void new_pair(struct pair *p, uint32_t slot_size, uint32_t slots)
{
	p->r = aligned_alloc(64, cairn_port_bytes(slot_size, slots));
	assert_non_null(p->r);
	memset(p->r, 0xcc, cairn_port_bytes(slot_size, slots));
	assert_int_equal(cairn_port_init(p->r, slot_size, slots), 0);
	assert_int_equal(cairn_port_attach(&p->prod, p->r, slot_size, slots), 0);
	assert_int_equal(cairn_port_attach(&p->cons, p->r, slot_size, slots), 0);
}

/* Both ends' cursors (theirs and the ring's) at `at`. */
static void set_cursors(struct pair *p, uint32_t at)
{
	p->r->head = p->r->tail = at;
	p->prod.head = p->prod.tail = p->cons.head = p->cons.tail = at;
}

static void msg(uint64_t out[2], uint64_t n)
{
	out[0] = n;
	out[1] = ~n;
}

/* Every extreme a 32-bit shared field can take, and the sizes around the real ones. */
static const uint32_t extremes[] = {
	0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 63, 64, 65, 4095, 4096, 4097, 65535, 65536, 65537,
	0x00ffffff, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffff8, 0xfffffffe, 0xffffffff,
};
#define NEXTREMES (sizeof(extremes) / sizeof(extremes[0]))

/* Peer cursor offsets from this end's: either side of empty, full and the wrap. */
static const uint32_t offsets[] = {
	0, 1, 2, SLOTS - 1, SLOTS, SLOTS + 1, 2 * SLOTS, 0x7fffffff, 0x80000000, 0x80000001,
	(uint32_t)-SLOTS - 1, (uint32_t)-SLOTS, (uint32_t)-SLOTS + 1, (uint32_t)-2, (uint32_t)-1,
};
#define NOFFSETS (sizeof(offsets) / sizeof(offsets[0]))

/* This end's cursor positions: the start, mid-stream, either side of the 32-bit wrap. */
static const uint32_t bases[] = { 0, 5, 0x7ffffffe, 0xfffffffd, 0xffffffff };
#define NBASES (sizeof(bases) / sizeof(bases[0]))

static void port_init_checks_sizes(void **state)
{
	struct cairn_port_ring r;

	(void)state;
	assert_int_equal(cairn_port_init(&r, 4, 8), CAIRN_EINVAL);
	assert_int_equal(cairn_port_init(&r, 24, 8), CAIRN_EINVAL);
	assert_int_equal(cairn_port_init(&r, 8192, 8), CAIRN_EINVAL);
	assert_int_equal(cairn_port_init(&r, 16, 1), CAIRN_EINVAL);
	assert_int_equal(cairn_port_init(&r, 16, 6), CAIRN_EINVAL);
	assert_int_equal(cairn_port_init(&r, 16, 131072), CAIRN_EINVAL);
	assert_int_equal(cairn_port_init(&r, 8, 2), 0);
	assert_int_equal(r.head, 0);
	assert_int_equal(r.tail, 0);
	assert_int_equal(sizeof(struct cairn_port_ring), 64);
	assert_int_equal(cairn_port_bytes(16, 8), 64 + 128);
}

static void port_attach_checks_geometry(void **state)
{
	struct cairn_port_ring r = { .head = 12, .tail = 9 };
	struct cairn_port p, before;
	static const uint32_t bad[][2] = { { 0, 8 }, { 4, 8 }, { 24, 8 }, { 8192, 8 }, { 16, 0 }, { 16, 1 },
					   { 16, 6 }, { 16, 131072 }, { 0xffffffff, 0xffffffff },
					   { 0x80000000, 2 }, { 16, 0x80000000 } };

	(void)state;
	memset(&p, 0x5a, sizeof(p));
	before = p;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cairn_port_attach(&p, &r, bad[i][0], bad[i][1]), CAIRN_EINVAL);
		assert_memory_equal(&p, &before, sizeof(p));
	}
	assert_int_equal(cairn_port_attach(&p, &r, 4096, 65536), 0);
	assert_ptr_equal(p.ring, &r);
	assert_int_equal(p.words, 512);
	assert_int_equal(p.mask, 65535);
	assert_int_equal(p.head, 12);		/* the cursors start where the ring's stand */
	assert_int_equal(p.tail, 9);
	assert_int_equal(p.mode, CAIRN_PORT_ASYNC);
	assert_int_equal(p.sends, 0);
}

static void port_empty_get_is_eagain(void **state)
{
	struct pair p;
	uint64_t m[2] = { 7, 7 };

	(void)state;
	new_pair(&p, SLOT, SLOTS);
	assert_int_equal(cairn_ring_get(&p.cons, m), CAIRN_EAGAIN);
	assert_int_equal(m[0], 7);		/* nothing copied */
	assert_int_equal(p.r->tail, 0);
	assert_int_equal(p.cons.tail, 0);
	free(p.r);
}

static void port_fifo_until_full(void **state)
{
	struct pair p;
	uint64_t m[2];

	(void)state;
	new_pair(&p, SLOT, SLOTS);
	for (uint64_t i = 0; i < SLOTS; i++) {
		msg(m, i);
		assert_int_equal(cairn_ring_put(&p.prod, m), 0);
	}
	msg(m, 99);
	assert_int_equal(cairn_ring_put(&p.prod, m), CAIRN_EAGAIN);
	assert_int_equal(p.r->head, SLOTS);
	for (uint64_t i = 0; i < SLOTS; i++) {
		assert_int_equal(cairn_ring_get(&p.cons, m), 0);
		assert_int_equal(m[0], i);
		assert_int_equal(m[1], ~i);
	}
	assert_int_equal(cairn_ring_get(&p.cons, m), CAIRN_EAGAIN);
	assert_int_equal(p.r->tail, SLOTS);
	free(p.r);
}

static void port_cursors_wrap_around(void **state)
{
	struct pair p;
	uint64_t m[2];

	(void)state;
	new_pair(&p, SLOT, SLOTS);
	set_cursors(&p, UINT32_MAX - 3);	/* the 32-bit counters wrap mid-stream */
	for (uint64_t i = 0; i < 100; i++) {
		msg(m, i);
		assert_int_equal(cairn_ring_put(&p.prod, m), 0);
		if (i % 3 == 0) {
			msg(m, 1000 + i);
			assert_int_equal(cairn_ring_put(&p.prod, m), 0);
		}
		assert_int_equal(cairn_ring_get(&p.cons, m), 0);
		if (i % 3 == 1)
			assert_int_equal(cairn_ring_get(&p.cons, m), 0);
	}
	assert_true(p.r->head - p.r->tail <= SLOTS);
	free(p.r);
}

static void port_full_across_wrap(void **state)
{
	struct pair p;
	uint64_t m[2];

	(void)state;
	new_pair(&p, SLOT, SLOTS);
	set_cursors(&p, UINT32_MAX - 1);
	for (uint64_t i = 0; i < SLOTS; i++) {
		msg(m, i);
		assert_int_equal(cairn_ring_put(&p.prod, m), 0);
	}
	assert_int_equal(cairn_ring_put(&p.prod, m), CAIRN_EAGAIN);
	for (uint64_t i = 0; i < SLOTS; i++) {
		assert_int_equal(cairn_ring_get(&p.cons, m), 0);
		assert_int_equal(m[0], i);
	}
	free(p.r);
}

static void port_copies_exactly_one_slot(void **state)
{
	struct pair p;
	uint8_t in[80], out[80];

	(void)state;
	new_pair(&p, 64, 4);
	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	memset(out, 0xee, sizeof(out));
	assert_int_equal(cairn_ring_put(&p.prod, in), 0);
	assert_int_equal(cairn_ring_get(&p.cons, out), 0);
	assert_memory_equal(in, out, 64);
	for (unsigned i = 64; i < sizeof(out); i++)
		assert_int_equal(out[i], 0xee);
	free(p.r);
}

/* ---- a peer that scribbles on the header ---- */

/* A message buffer with guard words either side, filled with `fill`. */
struct guarded {
	uint64_t lo[4];
	uint64_t m[SLOT / 8];
	uint64_t hi[4];
};

static void guard(struct guarded *g, uint64_t fill)
{
	for (unsigned i = 0; i < 4; i++)
		g->lo[i] = g->hi[i] = 0x6a6a6a6a6a6a6a6aUL;
	for (unsigned i = 0; i < SLOT / 8; i++)
		g->m[i] = fill;
}

static void assert_guards(const struct guarded *g)
{
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(g->lo[i], 0x6a6a6a6a6a6a6a6aUL);
		assert_int_equal(g->hi[i], 0x6a6a6a6a6a6a6a6aUL);
	}
}

/* What a step must return when the other side's cursor stands `queued` from ours. */
static long expect_put(uint32_t queued)
{
	return queued < SLOTS ? 0 : queued == SLOTS ? CAIRN_EAGAIN : CAIRN_EIO;
}

static long expect_get(uint32_t queued)
{
	return queued == 0 ? CAIRN_EAGAIN : queued <= SLOTS ? 0 : CAIRN_EIO;
}

/* slot_size and slots in the header at every extreme: each end copies by its own. */
static void port_scribbled_geometry_is_ignored(void **state)
{
	struct pair p;
	struct guarded in, out;

	(void)state;
	new_pair(&p, SLOT, SLOTS);
	for (unsigned i = 0; i < NEXTREMES; i++)
		for (unsigned j = 0; j < NEXTREMES; j++) {
			p.r->slot_size = extremes[i];
			p.r->slots = extremes[j];
			guard(&in, i * 100 + j);
			guard(&out, 0);
			assert_int_equal(cairn_ring_put(&p.prod, in.m), 0);
			assert_int_equal(cairn_ring_get(&p.cons, out.m), 0);
			assert_memory_equal(in.m, out.m, SLOT);
			assert_guards(&in);
			assert_guards(&out);
			assert_int_equal(p.r->slot_size, extremes[i]);	/* read by neither end */
			assert_int_equal(p.r->slots, extremes[j]);
		}
	assert_int_equal(p.r->head, NEXTREMES * NEXTREMES);
	assert_int_equal(p.r->tail, NEXTREMES * NEXTREMES);
	free(p.r);
}

/*
 * The consumer's tail, as the producer sees it, at every offset from the producer's
 * head and at every absolute extreme: room (0), full (EAGAIN) or broken (EIO). On an
 * error nothing in the ring changes and neither head moves.
 */
static void port_put_bounds_peer_tail(void **state)
{
	struct pair p;
	struct guarded in;
	size_t bytes = cairn_port_bytes(SLOT, SLOTS);
	uint8_t *before = malloc(bytes);

	(void)state;
	new_pair(&p, SLOT, SLOTS);
	for (unsigned b = 0; b < NBASES; b++)
		for (unsigned k = 0; k < NOFFSETS + NEXTREMES; k++) {
			uint32_t head = bases[b];
			uint32_t tail = k < NOFFSETS ? head - offsets[k] : extremes[k - NOFFSETS];
			long want = expect_put(head - tail);
			p.prod.head = p.r->head = head;
			p.r->tail = tail;
			memcpy(before, p.r, bytes);
			guard(&in, 0x1111 * k);
			assert_int_equal(cairn_ring_put(&p.prod, in.m), want);
			assert_guards(&in);
			if (want) {
				assert_memory_equal(p.r, before, bytes);
				assert_int_equal(p.prod.head, head);
				continue;
			}
			assert_int_equal(p.prod.head, head + 1);
			assert_int_equal(p.r->head, head + 1);
			assert_int_equal(p.r->tail, tail);
			assert_memory_equal((char *)(p.r + 1) + (head % SLOTS) * SLOT, in.m, SLOT);
			memcpy((char *)(p.r + 1) + (head % SLOTS) * SLOT, (char *)before + 64 + (head % SLOTS) * SLOT,
			       SLOT);
			p.r->head = head;
			assert_memory_equal(p.r, before, bytes);	/* nothing else written */
		}
	free(before);
	free(p.r);
}

/* The producer's head, as the consumer sees it, likewise: a message, empty or broken. */
static void port_get_bounds_peer_head(void **state)
{
	struct pair p;
	struct guarded out;
	size_t bytes = cairn_port_bytes(SLOT, SLOTS);
	uint8_t *before = malloc(bytes);

	(void)state;
	new_pair(&p, SLOT, SLOTS);
	for (unsigned s = 0; s < SLOTS; s++)
		msg((uint64_t *)((char *)(p.r + 1) + s * SLOT), s);
	for (unsigned b = 0; b < NBASES; b++)
		for (unsigned k = 0; k < NOFFSETS + NEXTREMES; k++) {
			uint32_t tail = bases[b];
			uint32_t head = k < NOFFSETS ? tail + offsets[k] : extremes[k - NOFFSETS];
			long want = expect_get(head - tail);
			p.cons.tail = p.r->tail = tail;
			p.r->head = head;
			memcpy(before, p.r, bytes);
			guard(&out, 0x4242);
			assert_int_equal(cairn_ring_get(&p.cons, out.m), want);
			assert_guards(&out);
			if (want) {
				assert_int_equal(out.m[0], 0x4242);	/* nothing copied */
				assert_int_equal(out.m[1], 0x4242);
				assert_memory_equal(p.r, before, bytes);
				assert_int_equal(p.cons.tail, tail);
				continue;
			}
			assert_int_equal(out.m[0], tail % SLOTS);	/* the slot of our own tail */
			assert_int_equal(out.m[1], ~(uint64_t)(tail % SLOTS));
			assert_int_equal(p.cons.tail, tail + 1);
			assert_int_equal(p.r->tail, tail + 1);
			p.r->tail = tail;
			assert_memory_equal(p.r, before, bytes);	/* nothing else written */
		}
	free(before);
	free(p.r);
}

/*
 * The ring's copy of an end's own cursor scribbled (to every extreme): the step is
 * CAIRN_ESTALE, copies nothing, and the end takes the ring's copy; the next step works
 * from there.
 */
static void port_own_cursor_scribbled_is_estale(void **state)
{
	struct pair p;
	uint64_t m[2], seen[2] = { 0xdead, 0xbeef };

	(void)state;
	new_pair(&p, SLOT, SLOTS);
	for (unsigned k = 0; k < NEXTREMES; k++) {
		uint32_t at = extremes[k] == p.prod.head ? extremes[k] + 12345 : extremes[k];
		p.r->head = at;				/* the consumer scribbles the producer's cursor */
		msg(m, k);
		assert_int_equal(cairn_ring_put(&p.prod, m), CAIRN_ESTALE);
		assert_int_equal(p.prod.head, at);
		assert_int_equal(p.r->head, at);
		p.r->tail = at;				/* the producer scribbles the consumer's */
		m[0] = seen[0], m[1] = seen[1];
		assert_int_equal(cairn_ring_get(&p.cons, m), CAIRN_ESTALE);
		assert_int_equal(p.cons.tail, at);
		assert_memory_equal(m, seen, sizeof(m));	/* nothing copied */
		msg(m, k);
		assert_int_equal(cairn_ring_put(&p.prod, m), 0);	/* from there on, as usual */
		assert_int_equal(p.r->head, at + 1);
		assert_int_equal(cairn_ring_get(&p.cons, m), 0);
		assert_int_equal(m[0], k);
		assert_int_equal(p.r->tail, at + 1);
	}
	free(p.r);
}

/*
 * A ring made anew under ends that had moved (a persistent component resumed over the
 * rings of a new boot, docs/persistence.md): each end's first step is CAIRN_ESTALE
 * and puts it where the new ring stands; a fresh peer's messages then come through,
 * in order, none lost and none invented.
 */
static void port_ring_made_anew_is_estale_once(void **state)
{
	struct pair p;
	uint64_t m[2];

	(void)state;
	new_pair(&p, SLOT, SLOTS);
	for (unsigned k = 0; k < 5; k++) {	/* the old boot: 5 through, 2 left queued */
		msg(m, k);
		assert_int_equal(cairn_ring_put(&p.prod, m), 0);
	}
	for (unsigned k = 0; k < 3; k++)
		assert_int_equal(cairn_ring_get(&p.cons, m), 0);
	assert_int_equal(cairn_port_init(p.r, SLOT, SLOTS), 0);	/* the new boot's ring */
	struct cairn_port fresh;
	assert_int_equal(cairn_port_attach(&fresh, p.r, SLOT, SLOTS), 0);
	msg(m, 100);
	assert_int_equal(cairn_ring_put(&fresh, m), 0);		/* a fresh producer sends one */
	assert_int_equal(cairn_ring_get(&p.cons, m), CAIRN_ESTALE);	/* the resumed consumer: once */
	assert_int_equal(p.cons.tail, 0);
	assert_int_equal(cairn_ring_get(&p.cons, m), 0);
	assert_int_equal(m[0], 100);
	assert_int_equal(cairn_ring_get(&p.cons, m), CAIRN_EAGAIN);
	assert_int_equal(cairn_port_init(p.r, SLOT, SLOTS), 0);	/* again, the resumed end producing */
	assert_int_equal(cairn_ring_put(&p.prod, m), CAIRN_ESTALE);
	assert_int_equal(p.prod.head, 0);
	assert_int_equal(p.r->head, 0);				/* nothing published */
	msg(m, 7);
	assert_int_equal(cairn_port_send(&p.prod, m), 0);
	assert_int_equal(cairn_port_attach(&fresh, p.r, SLOT, SLOTS), 0);
	fresh.tail = 0;
	assert_int_equal(cairn_ring_get(&fresh, m), 0);
	assert_int_equal(m[0], 7);
	free(p.r);
}

/* The waiting flags and the reserved words at every extreme: async ends ignore them. */
static void port_flags_and_reserved_are_ignored(void **state)
{
	struct pair p;
	uint64_t m[2];

	(void)state;
	new_pair(&p, SLOT, SLOTS);
	for (unsigned k = 0; k < NEXTREMES; k++) {
		p.r->producer_waits = p.r->consumer_waits = extremes[k];
		for (unsigned i = 0; i < 10; i++)
			p.r->reserved[i] = extremes[(k + i) % NEXTREMES];
		msg(m, k);
		assert_int_equal(cairn_port_send(&p.prod, m), 0);
		assert_int_equal(cairn_port_recv(&p.cons, m), 0);
		assert_int_equal(m[0], k);
		assert_int_equal(cairn_port_recv(&p.cons, m), CAIRN_EAGAIN);
		assert_int_equal(p.r->producer_waits, extremes[k]);
		assert_int_equal(p.r->consumer_waits, extremes[k]);
		assert_int_equal(p.prod.sends + p.cons.sends, 0);
	}
	free(p.r);
}

/* After a broken cursor, sense again: the stream goes on in order from where we stood. */
static void port_recovers_after_eio(void **state)
{
	struct pair p;
	uint64_t m[2];

	(void)state;
	new_pair(&p, SLOT, SLOTS);
	for (uint64_t i = 0; i < 3; i++) {
		msg(m, i);
		assert_int_equal(cairn_port_send(&p.prod, m), 0);
	}
	p.r->head = 0x80000000;			/* the producer's cursor, as the consumer reads it */
	assert_int_equal(cairn_port_recv(&p.cons, m), CAIRN_EIO);
	p.r->head = 3;
	p.r->tail = 0x80000000;			/* the consumer's, as the producer reads it */
	assert_int_equal(cairn_port_send(&p.prod, m), CAIRN_EIO);
	p.r->tail = 0;
	msg(m, 3);
	assert_int_equal(cairn_port_send(&p.prod, m), 0);
	for (uint64_t i = 0; i < 4; i++) {
		assert_int_equal(cairn_port_recv(&p.cons, m), 0);
		assert_int_equal(m[0], i);
	}
	assert_int_equal(cairn_port_recv(&p.cons, m), CAIRN_EAGAIN);
	free(p.r);
}

static uint64_t rng = 0x9e3779b97f4a7c15UL;

static uint64_t rand64(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dUL;
}

/*
 * 10^5 rounds: the peer writes a random header word (an extreme, a value near a
 * cursor, or anything), then one end steps. Every result is one of the three, and a
 * cursor moves exactly when a step succeeds; ASan checks every access.
 */
static void port_random_scribbles(void **state)
{
	struct pair p;
	struct guarded g;
	uint32_t *words;
	unsigned ok = 0, eio = 0, again = 0, stale = 0;

	(void)state;
	new_pair(&p, SLOT, SLOTS);
	words = (uint32_t *)p.r;
	for (unsigned n = 0; n < 100000; n++) {
		uint64_t x = rand64();
		uint32_t v = x & 1 ? extremes[(x >> 8) % NEXTREMES] : x & 2 ? p.prod.head + (uint32_t)(x >> 40) % 20 - 10
								 : (uint32_t)(x >> 32);
		if (x & 4)
			words[(x >> 16) % 16] = v;
		struct cairn_port *e = x & 8 ? &p.prod : &p.cons;
		uint32_t before = e == &p.prod ? e->head : e->tail;
		uint32_t copy = e == &p.prod ? p.r->head : p.r->tail;	/* the ring's copy of it */
		guard(&g, n);
		long r = e == &p.prod ? cairn_port_send(e, g.m) : cairn_port_recv(e, g.m);
		assert_guards(&g);
		assert_true(r == 0 || r == CAIRN_EAGAIN || r == CAIRN_EIO || r == CAIRN_ESTALE);
		assert_int_equal(r == CAIRN_ESTALE, copy != before);
		if (r == CAIRN_ESTALE)
			assert_int_equal(e == &p.prod ? e->head : e->tail, copy);
		else
			assert_int_equal((e == &p.prod ? e->head : e->tail) - before, r == 0);
		ok += r == 0, eio += r == CAIRN_EIO, again += r == CAIRN_EAGAIN, stale += r == CAIRN_ESTALE;
	}
	assert_true(ok > 1000 && eio > 1000 && again > 1000 && stale > 1000);	/* every outcome was reached */
	free(p.r);
}

/* try_send/try_recv (async): one step each, FIFO, EAGAIN full and empty, no wake-up. */
static void port_try_steps_in_order(void **state)
{
	struct pair p;
	uint64_t m[2];

	(void)state;
	new_pair(&p, SLOT, SLOTS);
	for (uint64_t i = 0; i < SLOTS; i++) {
		msg(m, i);
		assert_int_equal(cairn_port_try_send(&p.prod, m), 0);
	}
	assert_int_equal(cairn_port_try_send(&p.prod, m), CAIRN_EAGAIN);
	for (uint64_t i = 0; i < SLOTS; i++) {
		assert_int_equal(cairn_port_try_recv(&p.cons, m), 0);
		assert_int_equal(m[0], i);
		assert_int_equal(m[1], ~i);
	}
	assert_int_equal(cairn_port_try_recv(&p.cons, m), CAIRN_EAGAIN);
	assert_int_equal(p.prod.sends + p.cons.sends, 0);
	free(p.r);
}

/* Sync with no waiter flagged: the step alone, no wake-up (a flagged one is the kernel's). */
static void port_try_sync_unflagged_sends_nothing(void **state)
{
	struct pair p;
	uint64_t m[2] = { 1, 2 };

	(void)state;
	new_pair(&p, SLOT, SLOTS);
	p.prod.mode = p.cons.mode = CAIRN_PORT_SYNC;
	p.r->producer_waits = p.r->consumer_waits = 0;
	assert_int_equal(cairn_port_try_send(&p.prod, m), 0);
	assert_int_equal(cairn_port_try_recv(&p.cons, m), 0);
	assert_int_equal(cairn_port_try_recv(&p.cons, m), CAIRN_EAGAIN);	/* never waits */
	assert_int_equal(p.prod.sends + p.cons.sends, 0);
	assert_int_equal(p.r->producer_waits + p.r->consumer_waits, 0);
	free(p.r);
}

/* cairn_port_ready says what the next step would: room, a message, EIO, ESTALE. */
static void port_ready_predicts_the_step(void **state)
{
	struct pair p;
	uint64_t m[2] = { 7, 8 };

	(void)state;
	new_pair(&p, SLOT, SLOTS);
	assert_int_equal(cairn_port_ready(&p.prod, 1), 0);
	assert_int_equal(cairn_port_ready(&p.cons, 0), CAIRN_EAGAIN);
	for (unsigned i = 0; i < SLOTS; i++)
		assert_int_equal(cairn_port_try_send(&p.prod, m), 0);
	assert_int_equal(cairn_port_ready(&p.prod, 1), CAIRN_EAGAIN);
	assert_int_equal(cairn_port_ready(&p.cons, 0), 0);
	p.r->tail = 0x80000000;				/* EIO for the producer: ready */
	assert_int_equal(cairn_port_ready(&p.prod, 1), 0);
	assert_int_equal(cairn_port_try_send(&p.prod, m), CAIRN_EIO);
	p.r->tail = 0;
	p.r->head = 3;					/* the producer's own copy: ESTALE */
	assert_int_equal(cairn_port_ready(&p.prod, 1), 0);
	assert_int_equal(cairn_port_try_send(&p.prod, m), CAIRN_ESTALE);
	assert_int_equal(cairn_port_ready(&p.prod, 1), 0);	/* resynced at 3: room */
	assert_int_equal(p.prod.sends + p.cons.sends, 0);
	free(p.r);
}

/* cairn_port_arm sets this side's flag only, then answers as cairn_port_ready. */
static void port_arm_flags_this_side(void **state)
{
	struct pair p;
	uint64_t m[2] = { 7, 8 };

	(void)state;
	new_pair(&p, SLOT, SLOTS);
	p.r->producer_waits = p.r->consumer_waits = 0;
	assert_int_equal(cairn_port_arm(&p.cons, 0), CAIRN_EAGAIN);
	assert_int_equal(p.r->consumer_waits, 1);
	assert_int_equal(p.r->producer_waits, 0);
	assert_int_equal(cairn_port_arm(&p.prod, 1), 0);
	assert_int_equal(p.r->producer_waits, 1);
	assert_int_equal(cairn_ring_put(&p.prod, m), 0);
	assert_int_equal(cairn_port_arm(&p.cons, 0), 0);
	free(p.r);
}

/*
 * 10^5 rounds of random header words: cairn_port_ready's answer is EAGAIN exactly when
 * the step that follows is, and it moves nothing.
 */
static void port_ready_random_scribbles(void **state)
{
	struct pair p;
	struct guarded g;
	uint32_t *words;
	unsigned ready = 0, not = 0;

	(void)state;
	new_pair(&p, SLOT, SLOTS);
	words = (uint32_t *)p.r;
	for (unsigned n = 0; n < 100000; n++) {
		uint64_t x = rand64();
		uint32_t v = x & 1 ? extremes[(x >> 8) % NEXTREMES] : x & 2 ? p.prod.head + (uint32_t)(x >> 40) % 20 - 10
								 : (uint32_t)(x >> 32);
		if (x & 4)
			words[(x >> 16) % 16] = v;
		int prod = (x & 8) != 0;
		struct cairn_port *e = prod ? &p.prod : &p.cons;
		struct cairn_port before = *e;
		long r = cairn_port_ready(e, prod);
		assert_memory_equal(&before, e, sizeof(before));
		guard(&g, n);
		long s = prod ? cairn_port_try_send(e, g.m) : cairn_port_try_recv(e, g.m);
		assert_guards(&g);
		assert_true(r == 0 || r == CAIRN_EAGAIN);
		assert_int_equal(r == CAIRN_EAGAIN, s == CAIRN_EAGAIN);
		ready += r == 0, not += r != 0;
	}
	assert_true(ready > 1000 && not > 1000);
	free(p.r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(port_init_checks_sizes),
		cmocka_unit_test(port_attach_checks_geometry),
		cmocka_unit_test(port_empty_get_is_eagain),
		cmocka_unit_test(port_fifo_until_full),
		cmocka_unit_test(port_cursors_wrap_around),
		cmocka_unit_test(port_full_across_wrap),
		cmocka_unit_test(port_copies_exactly_one_slot),
		cmocka_unit_test(port_scribbled_geometry_is_ignored),
		cmocka_unit_test(port_put_bounds_peer_tail),
		cmocka_unit_test(port_get_bounds_peer_head),
		cmocka_unit_test(port_own_cursor_scribbled_is_estale),
		cmocka_unit_test(port_ring_made_anew_is_estale_once),
		cmocka_unit_test(port_flags_and_reserved_are_ignored),
		cmocka_unit_test(port_recovers_after_eio),
		cmocka_unit_test(port_random_scribbles),
		cmocka_unit_test(port_try_steps_in_order),
		cmocka_unit_test(port_try_sync_unflagged_sends_nothing),
		cmocka_unit_test(port_ready_predicts_the_step),
		cmocka_unit_test(port_arm_flags_this_side),
		cmocka_unit_test(port_ready_random_scribbles),
	};

	return cmocka_run_group_tests_name("port", tests, NULL, NULL);
}
