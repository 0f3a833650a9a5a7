/*
 * rtos_chhonest: the honest side of four channels whose other end, the process
 * rtos_chscrib, writes anything anywhere in the shared rings (hc.h has the plan).
 * Phase 1: every channel_send must return the message size, ENOBUFS or EBADF, every
 * channel_recv the type size, EAGAIN (not blocking), 0 or EBADF - what a peer can
 * make the shared ring say: full, empty, closed, destroyed (docs/rtos.md) - and each
 * must copy exactly one message into or out of this process's buffer, whose guard
 * bytes either side must stay intact; the process must not fault; and it must see
 * successes and failures. Phase 2: once the peer behaves, the channels work again.
 *
 *   rhc.0  setup                 the channels, the scribbler, its HC_READY
 *   rhc.1  spsc_recv_survives    hc_s_in in phase 1
 *   rhc.2  spsc_send_survives    hc_s_out
 *   rhc.3  mpmc_recv_survives    hc_m_in
 *   rhc.4  mpmc_send_survives    hc_m_out
 *   rhc.5  channels_work_again   phase 2: HC_GOOD each way on each, in order; own data intact
 *   rhc.6  mpmc_claim_gives_up   phase 3 (two cores only): every send ENOBUFS, none stuck
 */
#include <cairn/cairn.h>
#include "hc.h"

#define GUARD      32			/* guard bytes either side of a message */
#define GUARD_BYTE 0xa7
#define CANARY     0x63616e617279UL

struct side {
	chan_t ch;
	size_t end;			/* this process's end: send or receive */
	uint64_t ok, full, empty, closed, destroyed, other, smashed;
};

static struct side sides[HC_CHANS];
static chan_s_t ctl;
static chan_r_t ack;
static proc_t scribbler;
static chan_s_t spin;
static uint64_t canary[512];		/* data of this process nothing may touch */

/* A fill byte for position k of step n's message. */
static uint8_t fill(uint64_t n, unsigned k)
{
	return (uint8_t)(n * 31 + k * 7 + 1);
}

/* One step on channel i with a guarded buffer: counts the result and any damage. */
static void step(unsigned i, uint64_t n, chan_flags_t flags)
{
	struct side *s = &sides[i];
	uint8_t buf[GUARD + HC_SIZE_MAX + GUARD];
	uint32_t size = hc_size[i];
	uint8_t *m = buf + GUARD;
	int out = hc_honest_sends(i);

	for (unsigned k = 0; k < GUARD + size + GUARD; k++)
		buf[k] = k < GUARD || k >= GUARD + size ? GUARD_BYTE : fill(n, k);
	int r = out ? channel_send(s->end, m, size, flags) : channel_recv(s->end, m, size, flags);
	int moved = 0;
	for (unsigned k = 0; k < GUARD + size + GUARD; k++)
		if (k < GUARD || k >= GUARD + size)
			s->smashed += buf[k] != GUARD_BYTE;
		else
			moved |= buf[k] != fill(n, k);
	s->smashed += moved && (out || r != (int)size);	/* a send never writes; a failure copies nothing */
	s->ok += r == (int)size;
	s->full += out && r == ENOBUFS;
	s->empty += !out && r == EAGAIN && !(flags & CHAN_BLOCK);
	s->closed += !out && r == 0;
	s->destroyed += r == EBADF;
	s->other += r != (int)size && !(out && r == ENOBUFS) && !(!out && r == EAGAIN && !(flags & CHAN_BLOCK)) &&
		    !(!out && r == 0) && r != EBADF;
}

static int setup(void)
{
	struct hc_ctl c;
	int ok = 1;

	for (unsigned i = 0; i < HC_CHANS; i++) {
		struct side *s = &sides[i];
		s->ch = channel_create(hc_size[i], hc_len[i], hc_names[i], hc_kind[i]);
		s->end = hc_honest_sends(i) ? channel_get_send(s->ch) : channel_get_recv(s->ch);
		ok &= s->ch && s->end;
	}
	spin = channel_get_send(channel_create(HC_SPIN_SIZE, HC_SPIN_LEN, "hc_spin", CHAN_MPMC));
	ok &= spin != 0;
	chan_t cc = channel_create(HC_CTL_SIZE, HC_CTL_LEN, "hc_ctl", CHAN_SPSC);
	chan_t ca = channel_create(HC_CTL_SIZE, HC_CTL_LEN, "hc_ack", CHAN_SPSC);
	ctl = channel_get_send(cc);
	ack = channel_get_recv(ca);
	for (unsigned k = 0; k < 512; k++)
		canary[k] = CANARY ^ k;
	proc_t pid = ok && ctl && ack ? process_create_fs("/bin/rtos_chscrib", 0, 0, 0, 0, 0) : 0;
	int r = pid ? channel_recv(ack, &c, HC_CTL_SIZE, CHAN_BLOCK) : -1;
	scribbler = pid;
	return cairn_check("rhc.0", "setup", ok && ctl && ack && pid && r == (int)HC_CTL_SIZE && c.what == HC_READY,
			   "channels %d, control %lu/%lu, scribbler %lu, its HC_READY %d (%lu)", ok, ctl, ack, pid, r,
			   r == (int)HC_CTL_SIZE ? c.what : 0);
}

static void phase1(void)
{
	static const char *const ids[HC_CHANS] = { "rhc.1", "rhc.2", "rhc.3", "rhc.4" };
	static const char *const names[HC_CHANS] = { "spsc_recv_survives", "spsc_send_survives", "mpmc_recv_survives",
						     "mpmc_send_survives" };

	for (uint64_t n = 0; n < HC_OPS; n++)
		for (unsigned i = 0; i < HC_CHANS; i++) {
			step(i, n * HC_CHANS + i, n % 4 == 3 ? CHAN_BLOCK : 0);
			thread_yield();
		}
	for (unsigned i = 0; i < HC_CHANS; i++) {
		struct side *s = &sides[i];
		uint64_t failed = s->full + s->empty + s->closed + s->destroyed;
		cairn_report(ids[i], names[i], s->other == 0 && s->smashed == 0 && s->ok > 0 && failed > 0 &&
			     s->ok + failed == HC_OPS,
			     "%s: %lu ok, %lu full, %lu empty, %lu closed, %lu destroyed, %lu other; %lu bytes smashed",
			     hc_names[i], s->ok, s->full, s->empty, s->closed, s->destroyed, s->other, s->smashed);
	}
}

/* Phase 2 on channel i: HC_GOOD messages, blocking, each checked on receipt; how many went right. */
static uint64_t phase2_chan(unsigned i)
{
	uint64_t m[HC_SIZE_MAX / 8 + 1] = { 0 }, good = 0;
	int out = hc_honest_sends(i);

	for (uint64_t seq = 0; seq < HC_GOOD; seq++) {
		m[0] = seq, m[1] = hc_check(i, seq);
		int r = out ? channel_send(sides[i].end, m, hc_size[i], CHAN_BLOCK) :
			      channel_recv(sides[i].end, m, hc_size[i], CHAN_BLOCK);
		if (r != (int)hc_size[i])
			break;
		good += out || (m[0] == seq && m[1] == hc_check(i, seq));
	}
	return good;
}

static void phase2(void)
{
	struct hc_ctl c = { HC_DONE, { 0 } };
	uint64_t good[HC_CHANS] = { 0 }, intact = 0;

	int s = channel_send(ctl, &c, HC_CTL_SIZE, CHAN_BLOCK);
	int r = s == (int)HC_CTL_SIZE ? channel_recv(ack, &c, HC_CTL_SIZE, CHAN_BLOCK) : -1;
	int repaired = r == (int)HC_CTL_SIZE && c.what == HC_REPAIRED;
	for (unsigned i = 0; repaired && i < HC_CHANS; i++)
		good[i] = phase2_chan(i);
	for (unsigned k = 0; k < 512; k++)
		intact += canary[k] == (CANARY ^ k);
	cairn_check("rhc.5", "channels_work_again", repaired && good[0] == HC_GOOD && good[1] == HC_GOOD &&
		    good[2] == HC_GOOD && good[3] == HC_GOOD && intact == 512,
		    "HC_DONE %d, HC_REPAIRED %d; right: %lu, %lu, %lu, %lu of %d; %lu of 512 canary words intact", s,
		    repaired, good[0], good[1], good[2], good[3], HC_GOOD, intact);
}

/* Asks the scribbler for its spinner and tells it to stop again; the answer. */
static uint64_t control(uint64_t what)
{
	struct hc_ctl c = { what, { 0 } };

	if (channel_send(ctl, &c, HC_CTL_SIZE, CHAN_BLOCK) != (int)HC_CTL_SIZE ||
	    channel_recv(ack, &c, HC_CTL_SIZE, CHAN_BLOCK) != (int)HC_CTL_SIZE)
		return 0;
	return c.what;
}

static void phase3(void)
{
	uint64_t m[HC_SPIN_SIZE / 8] = { 0 }, full = 0, other = 0;
	uint64_t answer = control(HC_SPIN);

	if (answer == HC_ONE_CORE)
		return;
	uint64_t t0 = cairn_cycles();
	for (uint64_t n = 0; answer == HC_SPINNING && n < HC_SPIN_SENDS; n++) {
		int r = channel_send(spin, m, HC_SPIN_SIZE, 0);
		full += r == ENOBUFS;
		other += r != ENOBUFS;
	}
	uint64_t t1 = cairn_cycles();
	uint64_t stopped = control(HC_STOP);
	cairn_report("rhc.6", "mpmc_claim_gives_up", answer == HC_SPINNING && full == HC_SPIN_SENDS && !other &&
		     stopped == HC_STOP, "spinner %lu; %lu sends ENOBUFS, %lu other, %lu cycles each; stopped %lu",
		     answer, full, other, (t1 - t0) / HC_SPIN_SENDS, stopped);
}

/* Waits for the scribbler to end (our channels go with us): its exit status. */
static int join_scribbler(void)
{
	timer_t t = timer_create();
	struct time tick;
	int r;

	time_create(&tick, 0, 1000);
	while ((r = process_get_exit_status(scribbler)) == EAGAIN)
		if (timer_start(t, &tick) || timer_wait(t) < 0)
			break;
	timer_free(t);
	return r;
}

int main(void)
{
	if (!setup())
		return 1;
	phase1();
	phase2();
	phase3();
	int r = join_scribbler();
	cairn_printf("rtos_chhonest: the scribbler ended with %d\n", r);
	return 0;
}
