/*
 * net_client.c: the client's side of one direction of the net transport (cairn/xport.h,
 * xport_net_client): the buffers given to the driver with their queue positions, and
 * the restart notice that hands back the ones a restarted driver lost (docs/devices.md
 * "Virtio-net", "Restart"); and a restarted client's reset handshake, which drops what
 * an earlier instance left on the way back ("A client's restart"). Pure: no system
 * call. Tested on the host (tests/host/test_xport.c).
 *
 * Positions are free-running 32-bit counters, compared by their signed difference: at
 * most XPORT_NET_CLIENT_MAX buffers are outstanding and a queue holds at most 2^15
 * slots, so the differences that matter stay far below 2^31 (as blk_client.c).
 */
#include <cairn/xport.h>

void xport_net_client_init(struct xport_net_client *c, struct xport_queue *give, struct xport_queue *back)
{
	*c = (struct xport_net_client){ .give = give, .back = back };
}

/* The entry outstanding with this id: its index + 1, or 0. */
static unsigned find(const struct xport_net_client *c, uint32_t id)
{
	for (unsigned i = 0; i < XPORT_NET_CLIENT_MAX; i++)
		if (c->p[i].busy && c->p[i].b.id == id)
			return i + 1;
	return 0;
}

long xport_net_give(struct xport_net_client *c, const struct xport_buf *b)
{
	if (b->id == XPORT_NET_RESTARTED || b->id == XPORT_NET_RESET || find(c, b->id))
		return CAIRN_EINVAL;
	unsigned e = 0;
	while (e < XPORT_NET_CLIENT_MAX && c->p[e].busy)
		e++;
	if (e == XPORT_NET_CLIENT_MAX)
		return CAIRN_EAGAIN;
	uint32_t at = c->give->cursor;
	long r = xport_put_buf(c->give, b);
	if (r < 0)
		return r;
	c->p[e].b = *b;
	c->p[e].at = at;
	c->p[e].busy = 1;
	c->p[e].lost = 0;
	c->outstanding++;
	return 0;
}

void xport_net_client_restart(struct xport_net_client *c)
{
	c->resetting = 1;
	c->ask = 1;
}

/* A notice: every buffer outstanding put before position `at` is lost. A position
 * after the head, or more than a queue before it, is not reasonable: then every one is. */
static void lose_before(struct xport_net_client *c, uint32_t at)
{
	uint32_t head = c->give->cursor;
	int sane = (int32_t)(head - at) >= 0 && head - at <= c->give->mask + 1;

	for (unsigned i = 0; i < XPORT_NET_CLIENT_MAX; i++)
		if (c->p[i].busy && (!sane || (int32_t)(c->p[i].at - at) < 0))
			c->p[i].lost = 1;
}

/* A restart or reset notice b: what it loses; the end of a reset, or a reason to ask
 * for one again (the driver restarted, perhaps before it saw the request). */
static void notice(struct xport_net_client *c, const struct xport_buf *b)
{
	lose_before(c, (uint32_t)b->offset);
	if (b->id == XPORT_NET_RESET) {
		c->resets++;
		c->resetting = 0;
	} else {
		c->restarts++;
		c->ask = c->resetting;
	}
}

/* Hands entry i back with len. */
static void done(struct xport_net_client *c, unsigned i, struct xport_buf *out, uint32_t len)
{
	*out = c->p[i].b;
	out->len = len;
	c->p[i].busy = 0;
	c->outstanding--;
}

long xport_net_back(struct xport_net_client *c, struct xport_buf *out)
{
	for (;;) {
		for (unsigned i = 0; i < XPORT_NET_CLIENT_MAX; i++)
			if (c->p[i].busy && c->p[i].lost) {
				done(c, i, out, c->p[i].b.len);
				return XPORT_NET_LOST;
			}
		struct xport_buf b;
		/* The driver's offset is not used (the record's is): any region will do, and a
		 * buffer outside it (CAIRN_ERANGE) is taken like any other. */
		long e = xport_get_buf(c->back, ~0ull, &b);
		if (e < 0 && e != CAIRN_ERANGE)
			return e;
		if ((b.id == XPORT_NET_RESTARTED || b.id == XPORT_NET_RESET) && b.len == 0) {
			notice(c, &b);
			continue;
		}
		if (c->resetting) {
			c->stale++;
			continue;
		}
		unsigned i = find(c, b.id);
		if (!i) {
			c->stray++;
			continue;
		}
		done(c, i - 1, out, b.len);
		return 0;
	}
}
