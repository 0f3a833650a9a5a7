/*
 * xb_disk: a RAM disk driver behind the block transport (xb.h has the plan). Each
 * client has a data region, a request queue (it consumes) and a response queue (it
 * produces); its disk is XB_BLOCKS blocks of the private region `store`. The loop:
 * take at most XB_SLOTS requests from each client (so none can starve the other),
 * check each (libxport checks op, count and buffer; the blocks are checked here),
 * copy between the disk and the buffer, answer by id, wake a client that waits; with
 * nothing to do, arm every request queue and sleep on the endpoint. Nothing a client
 * writes is trusted: its region's size comes from this component's I/O page, its
 * queues' geometry from the red tape, a request is copied before it is checked.
 * When xb_client says stop (`stop`), it reports what it saw and ends.
 *
 *   xbd.0  driver_set_up        the store, both regions and the four queues found
 *   xbd.1  answered_every_error  it answered CAIRN_EINVAL, _ERANGE and _EFAULT by id,
 *                               met the hostile client's impossible cursors (CAIRN_EIO)
 *                               and dropped what it could not answer; the honest client
 *                               got no error and no drop
 */
#include <cairn/xport.h>	/* (the Makefile links libxport for it) */
#include "xb.h"

struct client {
	const char *name, *region, *req, *resp;
	const struct cairn_region *data;
	struct xport_queue rq, rs;
	unsigned peer;			/* a send to the client */
	uint8_t *disk;			/* its XB_BLOCKS blocks of the store */
	uint64_t served, dropped, eio, einval, erange, efault;
};

static struct client clients[2] = {
	{ .name = "client", .region = "data_a", .req = "req_a", .resp = "resp_a" },
	{ .name = "hostile", .region = "data_b", .req = "req_b", .resp = "resp_b" },
};
static struct cairn_port stop;

/* What request rq (xport_blk_get_req said r) does to c's disk: its status; *count. */
static int32_t serve(struct client *c, const struct xport_blk_req *rq, long r, uint64_t *count)
{
	*count = 0;
	if (r)
		return (int32_t)r;			/* CAIRN_EINVAL or CAIRN_ERANGE: libxport's */
	if (rq->op == XPORT_BLK_CAPACITY) {
		*count = XB_BLOCKS;
		return 0;
	}
	if (rq->op == XPORT_BLK_FLUSH)
		return 0;				/* RAM: every write is as durable as it gets */
	if (!xport_blk_fits(XB_BLOCKS, rq->block, rq->count))
		return CAIRN_EFAULT;
	uint8_t *disk = c->disk + rq->block * XPORT_BLK_SIZE;	/* block < XB_BLOCKS: no wrap */
	uint8_t *buf = (uint8_t *)c->data->va + rq->offset;	/* inside the region: libxport */
	uint64_t len = (uint64_t)rq->count * XPORT_BLK_SIZE;
	if (rq->op == XPORT_BLK_READ)
		memcpy(buf, disk, len);
	else
		memcpy(disk, buf, len);
	*count = rq->count;
	return 0;
}

static void count_status(struct client *c, int32_t s)
{
	c->einval += s == CAIRN_EINVAL;
	c->erange += s == CAIRN_ERANGE;
	c->efault += s == CAIRN_EFAULT;
}

/* Up to XB_SLOTS of c's requests, each answered (or its answer dropped): how many. */
static unsigned pass(struct client *c)
{
	unsigned n = 0;

	for (; n < XB_SLOTS; n++) {
		struct xport_blk_req rq;
		long r = xport_blk_get_req(&c->rq, c->data->size, &rq);
		if (r == CAIRN_EAGAIN)
			break;
		if (r == CAIRN_EIO) {		/* its cursor: nothing to read until it mends it */
			c->eio++;
			break;
		}
		struct xport_blk_resp rs = { .id = rq.id };
		rs.status = serve(c, &rq, r, &rs.count);
		count_status(c, rs.status);
		c->served++;
		if (xport_blk_put_resp(&c->rs, &rs) != 0)
			c->dropped++;		/* full, or its cursor: it loses this answer */
	}
	if (xport_wake_needed(&c->rs))
		cairn_asnd_send(c->peer, 0);
	return n;
}

static int set_up(const struct cairn_root *rt)
{
	const struct cairn_region *store = cairn_region("store");
	int ok = store && store->size >= 2 * XB_BLOCKS * XPORT_BLK_SIZE &&
		 cairn_port_open(&stop, "stop") == 0;
	unsigned peer;

	for (unsigned k = 0; k < 2; k++) {
		struct client *c = &clients[k];
		c->data = cairn_region(c->region);
		c->disk = store ? (uint8_t *)store->va + k * XB_BLOCKS * XPORT_BLK_SIZE : 0;
		ok &= c->data && c->data->size == XB_REGION &&
		      xb_queue(rt, c->req, XPORT_CONSUMER, &c->rq, &peer, 0) == 0 &&
		      xb_queue(rt, c->resp, XPORT_PRODUCER, &c->rs, &c->peer, 0) == 0;
	}
	return cairn_check("xbd.0", "driver_set_up", ok, "a region or a queue is missing");
}

/* 1 once `stop` has a message (the honest client's last). */
static int stopping(void)
{
	uint64_t m = 0;

	return cairn_port_recv(&stop, &m) == 0 && m == XB_STOP;
}

int main(const struct cairn_root *rt)
{
	if (!set_up(rt))
		return 0;
	for (;;) {
		unsigned work = pass(&clients[0]) + pass(&clients[1]);
		if (stopping())
			break;
		if (work)
			continue;
		long ready = 0;
		for (unsigned k = 0; k < 2; k++) {
			long a = xport_arm(&clients[k].rq);
			ready += a > 0 ? a : 0;		/* CAIRN_EIO: nothing it can read */
		}
		if (!ready)
			cairn_rcv_wait(CAIRN_SLOT_RCV);	/* a client sends after it puts */
	}
	const struct client *h = &clients[0], *x = &clients[1];
	for (unsigned k = 0; k < 2; k++)
		cairn_printf("xb_disk: %s: %lu requests answered, %lu dropped, %lu EINVAL, %lu ERANGE, %lu EFAULT, "
			     "%lu times its cursor made no sense\n", clients[k].name, clients[k].served,
			     clients[k].dropped, clients[k].einval, clients[k].erange, clients[k].efault, clients[k].eio);
	cairn_check("xbd.1", "answered_every_error", x->einval >= 6 && x->erange >= 5 && x->efault >= 4 &&
		    x->eio >= 1 && x->dropped >= 1 && h->served > 0 && h->dropped == 0 && h->eio == 0 &&
		    h->einval + h->erange + h->efault == 0, "hostile: %lu EINVAL, %lu ERANGE, %lu EFAULT, %lu EIO, "
		    "%lu dropped; client: %lu answered, %lu dropped, %lu EIO, %lu errors", x->einval, x->erange,
		    x->efault, x->eio, x->dropped, h->served, h->dropped, h->eio, h->einval + h->erange + h->efault);
	return 0;
}
