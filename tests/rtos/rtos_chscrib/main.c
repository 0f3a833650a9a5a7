/*
 * rtos_chscrib: the hostile process of rtos_chhonest's four channels (hc.h has the
 * plan). It opens the other end of each by name, which maps the ring, and finds the
 * mapping as any process could (librtos's chan_hdr). Phase 1: each turn it writes one
 * word of one ring - first every header word and the edge cells' words at every
 * extreme, ring by ring, then at random: a header word (an extreme or anything), a
 * cell word, or a cell forged to hold a message (be free) just where the honest side
 * looks next, with the state cleared - and calls CHAN_WAKE on its end when the honest
 * side's waiter count says so (or every 16 turns), then yields. Phase 2: it zeroes
 * the rings and is an honest peer.
 *
 *   rhs.1  scribbled_everything  every target of every ring took every extreme
 *   rhs.2  received_in_order     phase 2: HC_GOOD messages from hc_s_out and hc_m_out, in order
 *
 * Phase 3 (hc.h): on HC_SPIN it starts a thread on core 1 that marks every cell of
 * hc_spin taken by a later lap and then moves the send cursor on until HC_STOP.
 */
#include <cairn/cairn.h>
#include <cairn/gate.h>
#include <cairn/rtos_abi.h>
#include "../rtos_chhonest/hc.h"

#define TURNS_MAX (40UL * HC_OPS * HC_CHANS)	/* by then the honest side has stopped */

struct rtos_chan_hdr *chan_hdr(size_t h, unsigned kind);	/* librtos: where an end's ring is */

static const uint64_t extremes[] = {
	0, 1, 2, 3, 4, 5, 7, 8, 9, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 0x7fffffffffffffff,
	0x8000000000000000, 0xfffffffffffffffe, 0xffffffffffffffff,
};
#define NEXTREMES (sizeof(extremes) / sizeof(extremes[0]))

/* What the sweep writes, by offset in the ring: every header field, some padding, the edge cells. */
struct target {
	uint32_t off, bytes;
};
#define NTARGETS 13
#define SWEEP    (HC_CHANS * NTARGETS * NEXTREMES)

struct ring {
	size_t end;
	unsigned kind;			/* RTOS_K_SEND or _RECV: this end */
	volatile uint8_t *base;
	uint32_t stride;
	struct target t[NTARGETS];
};

static struct ring rings[HC_CHANS];
static chan_r_t ctl;
static chan_s_t ack;
static chan_r_t spin;
static volatile int spinning, stop;
static volatile uint64_t moves;
static uint64_t rng = 0x94d049bb133111ebUL;

static uint64_t rand64(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dUL;
}

static volatile uint64_t *word64(struct ring *r, uint32_t off)
{
	return (volatile uint64_t *)(r->base + off);
}

static void put(struct ring *r, struct target t, uint64_t v)
{
	if (t.bytes == 4)
		*(volatile uint32_t *)(r->base + t.off) = (uint32_t)v;
	else
		*word64(r, t.off) = v;
}

static int open_ring(unsigned i)
{
	struct ring *r = &rings[i];
	int honest_sends = hc_honest_sends(i);
	uint32_t last;

	r->end = honest_sends ? channel_retrieve_recv(hc_size[i], hc_len[i], hc_names[i]) :
				channel_retrieve_send(hc_size[i], hc_len[i], hc_names[i]);
	r->kind = honest_sends ? RTOS_K_RECV : RTOS_K_SEND;
	r->base = r->end ? (volatile uint8_t *)chan_hdr(r->end, r->kind) : 0;
	r->stride = 8 + ((hc_size[i] + 7) & ~7U);
	last = 256 + r->stride * (hc_len[i] - 1);
	struct target t[NTARGETS] = { { 0, 4 }, { 4, 4 }, { 8, 4 }, { 12, 4 }, { 16, 4 }, { 20, 4 }, { 64, 8 },
				      { 72, 8 }, { 128, 8 }, { 136, 8 }, { 256, 8 }, { 264, 8 }, { last, 8 } };
	for (unsigned k = 0; k < NTARGETS; k++)
		r->t[k] = t[k];
	return r->base != 0;
}

/* A cell forged where the honest side looks next: a message for a receiver, room for a sender. */
static void forge(unsigned i)
{
	struct ring *r = &rings[i];
	struct rtos_chan_hdr *h = (struct rtos_chan_hdr *)r->base;
	int honest_sends = hc_honest_sends(i);
	uint64_t pos = honest_sends ? h->head : h->tail;
	uint64_t cell = pos % hc_len[i];

	*word64(r, 256 + (uint32_t)cell * r->stride) = 2 * (pos - cell) + !honest_sends;
	h->state = 0;
}

static void scribble_random(unsigned i)
{
	struct ring *r = &rings[i];
	uint64_t x = rand64();

	switch (x & 3) {
	case 0: {
		uint32_t words = r->stride * hc_len[i] / 8;
		*word64(r, 256 + 8 * (uint32_t)((x >> 8) % words)) = rand64();
		break;
	}
	case 1:
		put(r, r->t[(x >> 8) % 10], extremes[(x >> 16) % NEXTREMES]);
		break;
	case 2:
		put(r, r->t[(x >> 8) % 10], rand64());
		break;
	default:
		forge(i);
	}
}

/* Turn n: a sweep write while any is left, else a random one; then a wake if one is due. */
static void turn(uint64_t n)
{
	unsigned i = n % HC_CHANS;
	struct ring *r = &rings[i];
	struct rtos_chan_hdr *h = (struct rtos_chan_hdr *)r->base;

	if (n < SWEEP) {
		uint64_t k = n / HC_CHANS;
		put(r, r->t[k / NEXTREMES], extremes[k % NEXTREMES]);
	} else {
		scribble_random(i);
	}
	uint32_t waiting = r->kind == RTOS_K_SEND ? h->recv_waiters : h->send_waiters;
	if (waiting || n % 16 == 0)
		cairn_sinv_inline(RTOS_GATE_BASE + RTOS_CHAN_WAKE, r->end, RTOS_WAKE_THREADS, 0, 0);
}

/* Phase 1 until the honest side says HC_DONE; the turns taken (TURNS_MAX: it never did). */
static uint64_t phase1(void)
{
	struct hc_ctl c;
	uint64_t n = 0;

	for (; n < TURNS_MAX; n++) {
		if (channel_recv(ctl, &c, HC_CTL_SIZE, 0) == (int)HC_CTL_SIZE && c.what == HC_DONE)
			break;
		turn(n);
		thread_yield();
	}
	return n;
}

/* Phase 2 on channel i: HC_GOOD messages, blocking; sent, or received right. */
static uint64_t phase2_chan(unsigned i)
{
	uint64_t m[HC_SIZE_MAX / 8 + 1] = { 0 }, good = 0;
	int out = !hc_honest_sends(i);

	for (uint64_t seq = 0; seq < HC_GOOD; seq++) {
		m[0] = seq, m[1] = hc_check(i, seq);
		int r = out ? channel_send(rings[i].end, m, hc_size[i], CHAN_BLOCK) :
			      channel_recv(rings[i].end, m, hc_size[i], CHAN_BLOCK);
		if (r != (int)hc_size[i])
			break;
		good += out || (m[0] == seq && m[1] == hc_check(i, seq));
	}
	return good;
}

/* Core 1: every cell of hc_spin full of a far lap, then the send cursor moved on for ever. */
static void spinner(void)
{
	struct rtos_chan_hdr *h = chan_hdr(spin, RTOS_K_RECV);
	volatile uint8_t *cells = (volatile uint8_t *)(h + 1);
	uint32_t stride = 8 + ((HC_SPIN_SIZE + 7) & ~7U);

	for (unsigned i = 0; i < HC_SPIN_LEN; i++)
		*(volatile uint64_t *)(cells + i * stride) = 1UL << 62;
	spinning = 1;
	while (!stop)
		h->head = h->head + 1, moves++;
}

/* Answers over hc_ack. */
static int answer(uint64_t what)
{
	struct hc_ctl c = { what, { 0 } };

	return channel_send(ack, &c, HC_CTL_SIZE, CHAN_BLOCK) == (int)HC_CTL_SIZE;
}

/* Phase 3: HC_SPIN, then HC_STOP, each answered. */
static void phase3(void)
{
	struct hc_ctl c;
	sched_param_t core1 = { SCHEDP_CORE_ID, 1 };

	if (channel_recv(ctl, &c, HC_CTL_SIZE, CHAN_BLOCK) != (int)HC_CTL_SIZE || c.what != HC_SPIN)
		return;
	thread_t t = thread_create(spinner, &core1, 1, 0);
	if (!t) {
		answer(HC_ONE_CORE);
		return;
	}
	while (!spinning)
		thread_yield();
	answer(HC_SPINNING);
	if (channel_recv(ctl, &c, HC_CTL_SIZE, CHAN_BLOCK) != (int)HC_CTL_SIZE || c.what != HC_STOP)
		return;
	stop = 1;
	while (thread_get_exit_status(t) == EAGAIN)
		thread_yield();
	cairn_printf("rtos_chscrib: the spinner moved the cursor %lu times\n", moves);
	answer(HC_STOP);
}

int main(void)
{
	struct hc_ctl c = { HC_READY, { 0 } };
	uint64_t good[HC_CHANS] = { 0 };
	int ok = 1;

	for (unsigned i = 0; i < HC_CHANS; i++)
		ok &= open_ring(i);
	spin = channel_retrieve_recv(HC_SPIN_SIZE, HC_SPIN_LEN, "hc_spin");
	ok &= spin != 0;
	ctl = channel_retrieve_recv(HC_CTL_SIZE, HC_CTL_LEN, "hc_ctl");
	ack = channel_retrieve_send(HC_CTL_SIZE, HC_CTL_LEN, "hc_ack");
	if (!ok || !ctl || !ack || channel_send(ack, &c, HC_CTL_SIZE, CHAN_BLOCK) != (int)HC_CTL_SIZE) {
		cairn_check("rhs.1", "scribbled_everything", 0, "ends %d, control %lu/%lu", ok, ctl, ack);
		return 1;
	}
	uint64_t turns = phase1();
	cairn_printf("rtos_chscrib: %lu turns, the first %lu the sweep (%d rings x %d targets x %lu extremes)\n",
		     turns, (uint64_t)SWEEP, HC_CHANS, NTARGETS, (uint64_t)NEXTREMES);
	cairn_check("rhs.1", "scribbled_everything", turns < TURNS_MAX && turns > SWEEP,
		    "%lu turns (the sweep takes %lu)", turns, (uint64_t)SWEEP);
	if (turns == TURNS_MAX)
		return 1;
	for (unsigned i = 0; i < HC_CHANS; i++)
		memset((void *)rings[i].base, 0, 256 + rings[i].stride * hc_len[i]);
	c.what = HC_REPAIRED;
	if (channel_send(ack, &c, HC_CTL_SIZE, CHAN_BLOCK) != (int)HC_CTL_SIZE)
		return 1;
	for (unsigned i = 0; i < HC_CHANS; i++)
		good[i] = phase2_chan(i);
	cairn_check("rhs.2", "received_in_order", good[0] == HC_GOOD && good[1] == HC_GOOD && good[2] == HC_GOOD &&
		    good[3] == HC_GOOD, "sent hc_s_in %lu, hc_m_in %lu; received right hc_s_out %lu, hc_m_out %lu of %d",
		    good[0], good[2], good[1], good[3], HC_GOOD);
	phase3();
	return 0;
}
