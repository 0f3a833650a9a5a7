/*
 * ph_honest: the honest end of four ports whose other end, ph_scribbler, writes
 * anything anywhere in the shared rings (ph.h has the plan). Phase 1: every send and
 * receive must return 0, CAIRN_EIO (the documented error for a peer that broke the
 * ring), CAIRN_ESTALE (the peer wrote the ring's copy of this end's cursor: this end
 * then stands there) or, asynchronous only, CAIRN_EAGAIN; each must copy exactly one slot into or
 * out of this component's buffer, whose guard words either side must stay intact; it
 * must not fault (a copy outside the ring would hit the booter's guard pages), and it
 * must see both successes and EIO. Phase 2: once the peer behaves, the ports work
 * again, in order.
 *
 *   ph.0  ports_in_red_tape          the six ports, with their geometry
 *   ph.1  async_recv_survives        a_in in phase 1
 *   ph.2  async_send_survives        a_out
 *   ph.3  sync_recv_survives         s_in
 *   ph.4  sync_send_survives         s_out
 *   ph.5  ports_work_again           phase 2: PH_GOOD each way on each port, in order
 */
#include <cairn/cairn.h>
#include <cairn/port.h>
#include "ph.h"

#define GUARD      4			/* guard words either side of a message */
#define GUARD_WORD 0x6775617264ab12cdUL
#define FILL_WORD  0x0123456789abcdefUL

struct end {
	struct cairn_port p;
	uint32_t size;
	int out;			/* this end sends */
	uint64_t ok, again, eio, stale, other, smashed;
};

static struct end ends[PH_PORTS];
static struct cairn_port ctl, ack;

/* One step on e with a guarded buffer: counts the result and any damage to the buffer. */
static long step(struct end *e, uint64_t seed)
{
	uint64_t buf[GUARD + PH_SLOT_MAX / 8 + GUARD];
	unsigned words = e->size / 8;
	uint64_t *m = buf + GUARD;

	for (unsigned i = 0; i < GUARD + words + GUARD; i++)
		buf[i] = i < GUARD || i >= GUARD + words ? GUARD_WORD : FILL_WORD ^ seed ^ i;
	long r = e->out ? cairn_port_send(&e->p, m) : cairn_port_recv(&e->p, m);
	int moved = 0;
	for (unsigned i = 0; i < GUARD + words + GUARD; i++)
		if (i < GUARD || i >= GUARD + words)
			e->smashed += buf[i] != GUARD_WORD;
		else
			moved |= buf[i] != (FILL_WORD ^ seed ^ i);
	e->smashed += moved && (e->out || r != 0);	/* a send never writes its message; a failure copies nothing */
	e->ok += r == 0;
	e->again += r == CAIRN_EAGAIN;
	e->eio += r == CAIRN_EIO;
	e->stale += r == CAIRN_ESTALE;
	e->other += r != 0 && r != CAIRN_EAGAIN && r != CAIRN_EIO && r != CAIRN_ESTALE;
	return r;
}

static int open_all(void)
{
	int ok = cairn_port_open(&ctl, "ctl") == 0 && cairn_port_open(&ack, "ack") == 0;

	for (unsigned i = 0; i < PH_PORTS; i++) {
		struct end *e = &ends[i];
		ok &= cairn_port_open(&e->p, ph_names[i]) == 0;
		e->size = ph_slot_size[i];
		e->out = i & 1;
		ok &= e->p.mode == (i < 2 ? CAIRN_PORT_ASYNC : CAIRN_PORT_SYNC);
	}
	return cairn_check("ph.0", "ports_in_red_tape", ok, "a port is missing or has the wrong mode");
}

static void phase1(void)
{
	static const char *const ids[PH_PORTS] = { "ph.1", "ph.2", "ph.3", "ph.4" };
	static const char *const names[PH_PORTS] = { "async_recv_survives", "async_send_survives",
						     "sync_recv_survives", "sync_send_survives" };

	for (uint64_t n = 0; n < PH_OPS; n++)
		for (unsigned i = 0; i < PH_PORTS; i++) {
			step(&ends[i], n * PH_PORTS + i);
			cairn_yield();
		}
	for (unsigned i = 0; i < PH_PORTS; i++) {
		struct end *e = &ends[i];
		int sync = i >= 2;
		cairn_printf("ph_honest: %s: %lu ok, %lu EAGAIN, %lu EIO, %lu ESTALE, %lu other, %lu smashed words\n",
			     ph_names[i], e->ok, e->again, e->eio, e->stale, e->other, e->smashed);
		cairn_report(ids[i], names[i], e->other == 0 && e->smashed == 0 && e->ok > 0 && e->eio > 0 &&
			     e->stale > 0 && (!sync || e->again == 0) && e->ok + e->again + e->eio + e->stale == PH_OPS,
			     "%s: %lu ok, %lu EAGAIN, %lu EIO, %lu ESTALE, %lu other results; %lu words of the buffer "
			     "smashed", ph_names[i], e->ok, e->again, e->eio, e->stale, e->other, e->smashed);
	}
}

/* Async: yields while the step says EAGAIN (up to PH_IDLE_MAX in a row); its result. */
static long patient(struct cairn_port *p, void *m, int out)
{
	long r;

	for (int idle = 0; idle < PH_IDLE_MAX; idle++) {
		r = out ? cairn_port_send(p, m) : cairn_port_recv(p, m);
		if (r != CAIRN_EAGAIN)
			return r;
		cairn_yield();
	}
	return r;
}

/* Phase 2 on one port: PH_GOOD messages, each checked on receipt; how many went right. */
static uint64_t phase2_port(unsigned i)
{
	struct end *e = &ends[i];
	uint64_t m[PH_SLOT_MAX / 8], good = 0;

	for (uint64_t seq = 0; seq < PH_GOOD; seq++) {
		m[0] = seq, m[1] = ph_check(i, seq);
		long r = patient(&e->p, m, e->out);
		if (r != 0)
			break;
		good += e->out || (m[0] == seq && m[1] == ph_check(i, seq));
	}
	return good;
}

static void phase2(void)
{
	struct ph_ctl c = { .what = PH_DONE };
	uint64_t good[PH_PORTS] = { 0 }, a[4];

	for (unsigned i = 0; i < PH_PORTS; i++)
		c.cursor[i] = ends[i].out ? ends[i].p.head : ends[i].p.tail;
	long r = patient(&ctl, &c, 1);
	long w = r ? r : patient(&ack, a, 0);
	for (unsigned i = 0; !w && i < PH_PORTS; i++)
		good[i] = phase2_port(i);
	cairn_printf("ph_honest: phase 2: %lu, %lu, %lu, %lu of %d messages right\n", good[0], good[1], good[2],
		     good[3], PH_GOOD);
	cairn_check("ph.5", "ports_work_again", !w && good[0] == PH_GOOD && good[1] == PH_GOOD &&
		    good[2] == PH_GOOD && good[3] == PH_GOOD,
		    "ctl %ld, ack %ld; right: a_in %lu, a_out %lu, s_in %lu, s_out %lu of %d", r, w, good[0], good[1],
		    good[2], good[3], PH_GOOD);
}

int main(const struct cairn_root *rt)
{
	(void)rt;
	if (!open_all())
		return 1;
	struct ph_ctl c = { .what = PH_READY };
	patient(&ctl, &c, 1);		/* an empty ring the peer leaves alone: room */
	phase1();
	phase2();
	return 0;
}
