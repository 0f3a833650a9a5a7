/*
 * ph_scribbler: the hostile end of ph_honest's four ports (ph.h has the plan). Phase
 * 1: each turn it writes one word of one ring - first every header word at every
 * extreme value, ring by ring, then at random: a header word (an extreme, anything,
 * or a cursor just where a message or room would be), or a slot word - and sends to
 * the honest end's endpoint (its sync peer), then yields. Phase 2: it puts the rings
 * in order at the cursors the honest end reports, and is an honest peer.
 *
 *   phs.1  scribbled_everything  every header word of every ring took every extreme
 *   phs.2  received_in_order     phase 2: PH_GOOD messages from a_out and s_out, in order
 */
#include <cairn/cairn.h>
#include <cairn/port.h>
#include "../ph_honest/ph.h"

#define HEADER_WORDS (sizeof(struct cairn_port_ring) / 4)
#define TURNS_MAX    (40 * PH_OPS * PH_PORTS)	/* by then the honest end has stopped (about 2 turns a step) */

static const uint32_t extremes[] = {
	0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 4095, 4096, 4097, 65535, 65536, 65537,
	0x00ffffff, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffff8, 0xfffffffe, 0xffffffff,
};
#define NEXTREMES (sizeof(extremes) / sizeof(extremes[0]))
#define SWEEP     (PH_PORTS * HEADER_WORDS * NEXTREMES)

static struct cairn_port ends[PH_PORTS], ctl, ack;
static uint64_t rng = 0x2545f4914f6cdd1dUL;

static uint64_t rand64(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dUL;
}

/* Header word indices: the cursors (cairn/port.h). */
#define W_HEAD 2
#define W_TAIL 3

/*
 * A random write into ring i: a header word (a quarter of the time, the honest end's
 * peer cursor where a message or room would be, from the cursor it last published),
 * or a word of a slot.
 */
static void scribble_random(unsigned i)
{
	volatile uint32_t *w = (volatile uint32_t *)ends[i].ring;
	uint64_t x = rand64();
	int honest_out = i & 1;		/* the honest end produces: we are its consumer */

	switch (x & 3) {
	case 0: {
		uint32_t slot_words = ph_slot_size[i] * ph_slots[i] / 4;
		w[HEADER_WORDS + (x >> 8) % slot_words] = (uint32_t)(x >> 32);
		break;
	}
	case 1:
		w[(x >> 8) % HEADER_WORDS] = extremes[(x >> 16) % NEXTREMES];
		break;
	case 2:
		w[(x >> 8) % HEADER_WORDS] = (uint32_t)(x >> 32);
		break;
	default:
		if (honest_out)		/* room for 1..slots messages */
			w[W_TAIL] = w[W_HEAD] - (uint32_t)((x >> 8) % ph_slots[i]);
		else			/* 1..slots messages */
			w[W_HEAD] = w[W_TAIL] + 1 + (uint32_t)((x >> 8) % ph_slots[i]);
	}
}

/*
 * Turn n: a sweep write while any is left, else a random one. A write into the honest
 * end's own published cursor is undone on that ring's next turn (so the cursor near
 * writes above keep finding it), unless the honest end has published again.
 */
static uint32_t saved[PH_PORTS], wrote[PH_PORTS], pending[PH_PORTS];

static void scribble(uint64_t n)
{
	unsigned i = n % PH_PORTS;
	volatile uint32_t *w = (volatile uint32_t *)ends[i].ring;
	unsigned own = i & 1 ? W_HEAD : W_TAIL;	/* the word the honest end publishes */

	if (pending[i] && w[own] == wrote[i])
		w[own] = saved[i];
	pending[i] = 0;
	uint32_t before = w[own];
	if (n < SWEEP) {
		uint64_t k = n / PH_PORTS;	/* ring i's k-th sweep write */
		w[k / NEXTREMES] = extremes[k % NEXTREMES];
	} else {
		scribble_random(i);
	}
	if (w[own] != before) {
		saved[i] = before, wrote[i] = w[own], pending[i] = 1;
	}
}

static int open_all(void)
{
	int ok = cairn_port_open(&ctl, "ctl") == 0 && cairn_port_open(&ack, "ack") == 0;

	for (unsigned i = 0; i < PH_PORTS; i++)
		ok &= cairn_port_open(&ends[i], ph_names[i]) == 0;
	return ok;
}

/* Async: waits (yielding) for a message on ctl; 0, or -1 after `turns` yields. */
static int await_ctl(struct ph_ctl *c, uint64_t turns)
{
	for (uint64_t t = 0; t < turns; t++) {
		if (cairn_port_recv(&ctl, c) == 0)
			return 0;
		cairn_yield();
	}
	return -1;
}

/* Phase 1 until the honest end says PH_DONE; the turns taken (TURNS_MAX: it never did). */
static uint64_t phase1(struct ph_ctl *c)
{
	uint64_t n = 0;

	for (; n < TURNS_MAX; n++) {
		if (cairn_port_recv(&ctl, c) == 0)
			break;
		scribble(n);
		cairn_asnd_send(ends[2].peer, 0);	/* wake the honest end, whatever it waits for */
		cairn_yield();
	}
	return n;
}

/* Every ring in order at the honest end's cursors, then this end reopened there. */
static int repair(const struct ph_ctl *c)
{
	int ok = 1;

	for (unsigned i = 0; i < PH_PORTS; i++) {
		struct cairn_port_ring *r = ends[i].ring;
		r->slot_size = ph_slot_size[i];
		r->slots = ph_slots[i];
		r->head = r->tail = c->cursor[i];
		r->producer_waits = r->consumer_waits = 0;
		ok &= cairn_port_open(&ends[i], ph_names[i]) == 0;
	}
	return ok;
}

/* Async: yields while the step says EAGAIN; its result. */
static long patient(struct cairn_port *p, void *m, int out)
{
	long r = CAIRN_EAGAIN;

	for (int idle = 0; idle < PH_IDLE_MAX && r == CAIRN_EAGAIN; idle++) {
		r = out ? cairn_port_send(p, m) : cairn_port_recv(p, m);
		if (r == CAIRN_EAGAIN)
			cairn_yield();
	}
	return r;
}

/* Phase 2 on ring i, in the honest end's order: messages sent, or received right. */
static uint64_t phase2_port(unsigned i)
{
	uint64_t m[PH_SLOT_MAX / 8] = { 0 }, good = 0;
	int out = !(i & 1);		/* we send where the honest end receives */

	for (uint64_t seq = 0; seq < PH_GOOD; seq++) {
		m[0] = seq, m[1] = ph_check(i, seq);
		if (patient(&ends[i], m, out) != 0)
			break;
		good += out || (m[0] == seq && m[1] == ph_check(i, seq));
	}
	return good;
}

int main(const struct cairn_root *rt)
{
	struct ph_ctl c;
	uint64_t good[PH_PORTS] = { 0 }, a[4] = { 1, 0, 0, 0 };

	(void)rt;
	if (!open_all() || await_ctl(&c, TURNS_MAX) || c.what != PH_READY) {
		cairn_check("phs.1", "scribbled_everything", 0, "the ports or the honest end's PH_READY are missing");
		return 1;
	}
	uint64_t turns = phase1(&c);
	cairn_printf("ph_scribbler: %lu turns, the first %lu the sweep (%d rings x %lu header words x %lu extremes)\n",
		     turns, (uint64_t)SWEEP, PH_PORTS, (uint64_t)HEADER_WORDS, (uint64_t)NEXTREMES);
	cairn_check("phs.1", "scribbled_everything", turns < TURNS_MAX && c.what == PH_DONE && turns > SWEEP,
		    "%lu turns (the sweep takes %lu); the honest end's message %u", turns, (uint64_t)SWEEP, c.what);
	if (turns == TURNS_MAX || !repair(&c) || patient(&ack, a, 1) != 0)
		return 1;
	for (unsigned i = 0; i < PH_PORTS; i++)
		good[i] = phase2_port(i);
	cairn_check("phs.2", "received_in_order", good[1] == PH_GOOD && good[3] == PH_GOOD && good[0] == PH_GOOD &&
		    good[2] == PH_GOOD, "sent a_in %lu, s_in %lu; received right a_out %lu, s_out %lu of %d", good[0],
		    good[2], good[1], good[3], PH_GOOD);
	return 0;
}
