/*
 * blk_sync.c: a block client that waits for each answer (cairn/xport.h), for clients
 * with nothing else to do meanwhile (components/bootcount, components/checkpointer).
 * Each request goes through the client table (blk_client.c), so a driver restart
 * fails it with CAIRN_ESTALE as for any client; the driver is woken by a send on the
 * port when its queue asks for one, and the caller sleeps on its endpoint while the
 * queue is full or the answer has not come.
 */
#include <cairn/cairn.h>
#include <cairn/xport.h>

long xport_blk_sync_open(struct xport_blk_sync *s, const char *req, const char *resp)
{
	long r = cairn_port_open(&s->req_port, req);

	if (!r)
		r = xport_attach(&s->req_q, s->req_port.ring, s->req_port.words * 8, s->req_port.mask + 1,
				 XPORT_PRODUCER);
	if (!r)
		r = cairn_port_open(&s->resp_port, resp);
	if (!r)
		r = xport_attach(&s->resp_q, s->resp_port.ring, s->resp_port.words * 8, s->resp_port.mask + 1,
				 XPORT_CONSUMER);
	if (!r)
		xport_blk_client_init(&s->blk, &s->req_q, &s->resp_q);
	return r;
}

struct xport_blk_resp xport_blk_sync_call(struct xport_blk_sync *s, uint32_t op, uint32_t count, uint64_t block,
					  uint64_t offset)
{
	struct xport_blk_req q = { .op = op, .count = count, .block = block, .offset = offset };
	struct xport_blk_resp r;
	long e;

	while ((e = xport_blk_submit(&s->blk, &q)) == CAIRN_EAGAIN)
		if (xport_arm(&s->req_q) == 0)
			cairn_rcv_wait(CAIRN_SLOT_RCV);
	if (e < 0)
		return (struct xport_blk_resp){ .status = (int32_t)e };
	if (xport_wake_needed(&s->req_q))
		cairn_asnd_send(s->req_port.peer, 0);
	while ((e = xport_blk_complete(&s->blk, &r)) == CAIRN_EAGAIN)
		if (xport_arm(&s->resp_q) == 0)
			cairn_rcv_wait(CAIRN_SLOT_RCV);
	if (e < 0)
		r = (struct xport_blk_resp){ .id = q.id, .status = (int32_t)e };
	if (xport_wake_needed(&s->resp_q))
		cairn_asnd_send(s->resp_port.peer, 0);
	return r;
}
