/*
 * blk_client.c: the client's side of the block transport (cairn/xport.h,
 * xport_blk_client): ids, the requests outstanding with their request-queue positions,
 * and the restart notice that fails the ones a restarted driver lost. Pure: no system
 * call. Tested on the host (tests/host/test_xport.c) and in QEMU (virtio_blk_restart).
 *
 * Positions are free-running 32-bit counters, compared by their signed difference:
 * at most XPORT_BLK_CLIENT_MAX requests are outstanding and a queue holds at most
 * 2^15 slots, so the differences that matter stay far below 2^31.
 */
#include <cairn/xport.h>

void xport_blk_client_init(struct xport_blk_client *c, struct xport_queue *req, struct xport_queue *resp)
{
	*c = (struct xport_blk_client){ .req = req, .resp = resp, .next_id = 1 };
}

/* A free entry of the table, or 0. */
static unsigned free_entry(const struct xport_blk_client *c)
{
	for (unsigned i = 0; i < XPORT_BLK_CLIENT_MAX; i++)
		if (!c->p[i].busy)
			return i + 1;
	return 0;
}

long xport_blk_submit(struct xport_blk_client *c, struct xport_blk_req *rq)
{
	unsigned e = free_entry(c);
	if (!e)
		return CAIRN_EAGAIN;
	uint32_t at = c->req->cursor;
	rq->id = c->next_id++;
	if (rq->id == XPORT_BLK_RESTARTED)
		rq->id = c->next_id++;
	long r = xport_blk_put_req(c->req, rq);
	if (r < 0) {
		c->next_id = rq->id;	/* not used: given again next time */
		return r;
	}
	c->p[e - 1].id = rq->id;
	c->p[e - 1].at = at;
	c->p[e - 1].busy = 1;
	c->p[e - 1].lost = 0;
	c->outstanding++;
	return 0;
}

/* The notice: every request outstanding put before position `at` is lost. A position
 * after the head, or before the oldest outstanding by more than a queue, is not
 * reasonable: then every one is. */
static void restarted(struct xport_blk_client *c, uint32_t at)
{
	uint32_t head = c->req->cursor;
	int sane = (int32_t)(head - at) >= 0 && head - at <= c->req->mask + 1;

	c->restarts++;
	for (unsigned i = 0; i < XPORT_BLK_CLIENT_MAX; i++)
		if (c->p[i].busy && (!sane || (int32_t)(c->p[i].at - at) < 0))
			c->p[i].lost = 1;
}

/* Completes entry i with status and count. */
static void done(struct xport_blk_client *c, unsigned i, struct xport_blk_resp *out, long status, uint64_t count)
{
	*out = (struct xport_blk_resp){ .id = c->p[i].id, .status = (int32_t)status, .count = count };
	c->p[i].busy = 0;
	c->outstanding--;
}

long xport_blk_complete(struct xport_blk_client *c, struct xport_blk_resp *out)
{
	for (;;) {
		for (unsigned i = 0; i < XPORT_BLK_CLIENT_MAX; i++)
			if (c->p[i].busy && c->p[i].lost) {
				done(c, i, out, CAIRN_ESTALE, 0);
				return 0;
			}
		struct xport_blk_resp r;
		long e = xport_blk_get_resp(c->resp, &r);
		if (e < 0)
			return e;
		if (r.id == XPORT_BLK_RESTARTED && r.status == CAIRN_ESTALE) {
			restarted(c, (uint32_t)r.count);
			continue;
		}
		unsigned i = 0;
		while (i < XPORT_BLK_CLIENT_MAX && !(c->p[i].busy && c->p[i].id == r.id))
			i++;
		if (i == XPORT_BLK_CLIENT_MAX) {
			c->stray++;
			continue;
		}
		done(c, i, out, r.status, r.count);
		return 0;
	}
}
