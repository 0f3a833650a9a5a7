/*
 * rtos_portpeer: the other end of the rtos component's ports in test rtos_port
 * (tests/rtos/rtos_port has the plan, rp.h the commands). An honest peer on rp_req /
 * rp_resp (sync) and rp_aout / rp_ain (async); a hostile one on rp_hin (sync, to the
 * rtos) and rp_hout (async, from it), whose rings it breaks, scribbles at random and
 * puts back in order when told. It runs only while the RTOS is idle (the booter's
 * scheduler), so each command's effect is whole when the program looks.
 *
 *   rpp.1  served  every command understood and every answer put
 */
#include <cairn/cairn.h>
#include <cairn/port.h>
#include "rp.h"

static struct cairn_port req, resp, aout, ain, hin, hout, child;
static const struct cairn_root *rt;
static uint64_t rng = 0x853c49e6748fea9bUL;
static unsigned served, wrong;

static uint64_t rand64(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dUL;
}

static void wait_ms(uint64_t ms)
{
	uint64_t end = cairn_cycles() + cairn_us_ticks(rt->tsc_hz, ms * 1000);

	while (cairn_cycles() < end)
		;
}

static void answer(const struct rp_msg *m)
{
	wrong += cairn_port_send(&resp, m) != 0;
}

/* Up to n slots from rp_aout onto rp_ain, word 0 + RP_A_PLUS: how many. */
static uint64_t aecho(uint64_t n)
{
	uint64_t moved = 0, m[2];

	while (moved < n && cairn_ring_get(&aout, m) == 0) {
		m[0] += RP_A_PLUS;
		if (cairn_ring_put(&ain, m))
			break;
		moved++;
	}
	return moved;
}

/* n random words, each into a random word of rp_hin's or rp_hout's ring (header or slots). */
static void scribble(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		uint64_t x = rand64();
		struct cairn_port *p = x & 1 ? &hin : &hout;
		volatile uint32_t *w = (volatile uint32_t *)p->ring;
		unsigned words = (unsigned)(cairn_port_bytes(16, 4) / 4);
		uint32_t v = x & 2 ? (uint32_t)(x >> 32) : (x & 4 ? w[2] : w[3]) + (uint32_t)(x >> 40) % 9 - 4;
		w[(x >> 8) % words] = v;
	}
}

/* A hostile ring back in order at 0, the flags clear (each end resyncs: ESTALE once). */
static void sane(struct cairn_port *p)
{
	p->ring->head = p->ring->tail = 0;
	p->ring->producer_waits = p->ring->consumer_waits = 0;
}

static void hostile(const struct rp_msg *c, struct rp_msg *a)
{
	uint64_t m[2] = { RP_GOOD, ~RP_GOOD };
	long r;

	switch (c->w[0] & 0xff) {
	case RP_EIO:
		hin.ring->head = hin.ring->tail + 1000;
		break;
	case RP_STALE:
		hin.ring->head = hin.ring->tail = RP_STALE_AT;
		while ((r = cairn_ring_put(&hin, m)) == CAIRN_ESTALE)
			;
		a->w[3] = (uint64_t)r;
		break;
	case RP_SCRIBBLE:
		scribble(c->w[1]);
		break;
	case RP_SANE:
		sane(&hin);
		sane(&hout);
		while ((r = cairn_ring_put(&hin, m)) == CAIRN_ESTALE)
			;
		a->w[3] = (uint64_t)r;
		break;
	case RP_TAKE:
		while ((r = cairn_ring_get(&hout, m)) == CAIRN_ESTALE)
			;
		a->w[1] = m[0];
		a->w[3] = (uint64_t)r;
		break;
	}
}

/* Command c: its answer into a; 0 if it has none (RP_QUIT), -1 if it is unknown. */
static int serve(const struct rp_msg *c, struct rp_msg *a)
{
	unsigned op = c->w[0] & 0xff;

	*a = (struct rp_msg){ { op, 0, c->w[2], 0 } };
	switch (op) {
	case RP_DELAY:
		wait_ms(c->w[1]);
		/* fall through */
	case RP_ECHO:
		a->w[1] = c->w[1] + 1;
		return 1;
	case RP_RAW:
		*a = *c;
		return 1;
	case RP_ALATER:
		wait_ms(c->w[1]);
		a->w[1] = aecho(1);
		return 1;
	case RP_AECHO:
		a->w[1] = aecho(c->w[1]);
		return 1;
	case RP_EIO:
	case RP_STALE:
	case RP_SCRIBBLE:
	case RP_SANE:
	case RP_TAKE:
		hostile(c, a);
		return 1;
	case RP_QUIT:
		return 0;
	default:
		return -1;
	}
}

int main(const struct cairn_root *root)
{
	static const char *const names[] = { "rp_req", "rp_resp", "rp_aout", "rp_ain", "rp_hin", "rp_hout", "rp_child" };
	struct cairn_port *ports[] = { &req, &resp, &aout, &ain, &hin, &hout, &child };
	struct rp_msg c, a;

	rt = root;
	for (unsigned i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		if (cairn_port_open(ports[i], names[i])) {
			cairn_printf("rtos_portpeer: no port %s\n", names[i]);
			return 1;
		}
	for (;;) {
		long r = cairn_port_recv(&req, &c);
		if (r) {
			wrong++;
			continue;
		}
		int k = serve(&c, &a);
		if (k == 0)
			break;
		if (k < 0)
			wrong++;
		else
			answer(&a);
		served++;
	}
	cairn_check("rpp.1", "served", wrong == 0 && served > 0, "%u commands served, %u wrong", served, wrong);
	return 0;
}
