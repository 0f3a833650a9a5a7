/*
 * xb_client: the honest client of xb_disk (../xb_disk/xb.h has the plan). Each round
 * it writes 8 blocks of its disk in four requests of 1 to 3 blocks, flushes, reads the
 * 8 back in one request into another part of its data region and compares, and asks
 * the capacity; several requests are in flight at once and every response is matched
 * by id. Phase 1 runs while xb_hostile attacks its own queues; phase 2, after the
 * hostile client says it is done, reads the whole disk back (what phase 1 left there)
 * and runs more rounds. Then it tells the driver to stop.
 *
 *   xbc.0  client_set_up       its region and queues found
 *   xbc.1  rounds_during_attack  every response of phase 1: its id, status 0, count, data
 *   xbc.2  hostile_finished    xb_hostile said it is done
 *   xbc.3  disk_kept           phase 2: every block reads back as phase 1 left it
 *   xbc.4  rounds_after_attack  phase 2's rounds, as xbc.1
 */
#include <cairn/xport.h>	/* (the Makefile links libxport for it) */
#include "../xb_disk/xb.h"

#define ROUNDS1 40
#define ROUNDS2 10
#define READ_AT (8 * XPORT_BLK_SIZE)		/* the region's second half: read buffers */

static struct xport_queue rq, rs;
static unsigned peer;
static uint8_t *region;
static int seed_of[XB_BLOCKS];			/* the seed block b was last written with; -1: never */
static uint32_t next_id = 1;
static uint64_t wrong;				/* anything unexpected: counted, reported */

/* The next response, sleeping until it comes: 0, or the error. */
static long wait_resp(struct xport_blk_resp *resp)
{
	for (;;) {
		long r = xport_blk_get_resp(&rs, resp);
		if (r != CAIRN_EAGAIN)
			return r;
		if (xport_arm(&rs) == 0)
			cairn_rcv_wait(CAIRN_SLOT_RCV);
	}
}

/* Puts n requests, then takes their n responses: each must match one by id, status 0
 * and the count expected (want[i]). Counts what does not in `wrong`. */
static void exchange(struct xport_blk_req *req, const uint64_t *want, unsigned n)
{
	int pending[XB_SLOTS] = { 0 };

	for (unsigned i = 0; i < n; i++) {
		req[i].id = next_id++;
		pending[i] = 1;
		wrong += xb_put(&rq, peer, &req[i]) != 0;
	}
	for (unsigned got = 0; got < n; got++) {
		struct xport_blk_resp resp;
		if (wait_resp(&resp) != 0) {
			wrong++;
			return;
		}
		unsigned i = 0;
		while (i < n && !(pending[i] && req[i].id == resp.id))
			i++;
		if (i == n || resp.status != 0 || resp.count != want[i]) {
			cairn_printf("xb_client: response id %u status %d count %lu unexpected\n", resp.id,
				     resp.status, resp.count);
			wrong++;
			continue;
		}
		pending[i] = 0;
	}
}

/* Bytes of `count` blocks from `block` at region offset `off` that differ from what
 * the disk holds (seed_of). */
static uint64_t compare(uint64_t off, uint64_t block, uint64_t count)
{
	uint64_t bad = 0;

	for (uint64_t b = 0; b < count; b++)
		for (uint64_t i = 0; i < XPORT_BLK_SIZE; i++) {
			int s = seed_of[block + b];
			uint8_t want = s < 0 ? 0 : xb_byte((uint64_t)s, block + b, i);
			bad += region[off + b * XPORT_BLK_SIZE + i] != want;
		}
	return bad;
}

/* One round (seed r): 8 blocks written, flushed, read back, compared; the capacity. */
static void round(unsigned r)
{
	static const uint32_t at[4] = { 0, 1, 3, 6 }, len[4] = { 1, 2, 3, 2 };
	uint64_t start = (r * 5) % (XB_BLOCKS - 8);
	struct xport_blk_req req[5];
	uint64_t want[5];

	for (unsigned k = 0; k < 4; k++) {
		for (uint64_t b = at[k]; b < at[k] + len[k]; b++)
			for (uint64_t i = 0; i < XPORT_BLK_SIZE; i++)
				region[b * XPORT_BLK_SIZE + i] = xb_byte(r, start + b, i);
		req[k] = (struct xport_blk_req){ .op = XPORT_BLK_WRITE, .count = len[k], .block = start + at[k],
						 .offset = at[k] * XPORT_BLK_SIZE };
		want[k] = len[k];
	}
	req[4] = (struct xport_blk_req){ .op = XPORT_BLK_FLUSH };
	want[4] = 0;
	exchange(req, want, 5);
	for (uint64_t b = 0; b < 8; b++)
		seed_of[start + b] = (int)r;
	req[0] = (struct xport_blk_req){ .op = XPORT_BLK_READ, .count = 8, .block = start, .offset = READ_AT };
	req[1] = (struct xport_blk_req){ .op = XPORT_BLK_CAPACITY };
	want[0] = 8;
	want[1] = XB_BLOCKS;
	exchange(req, want, 2);
	wrong += compare(READ_AT, start, 8) != 0;
}

/* The whole disk, 8 blocks a request, against seed_of: the blocks that differ. */
static uint64_t read_all(void)
{
	uint64_t bad = 0;

	for (uint64_t b = 0; b < XB_BLOCKS; b += 8) {
		struct xport_blk_req req = { .op = XPORT_BLK_READ, .count = 8, .block = b, .offset = READ_AT };
		uint64_t want = 8;
		exchange(&req, &want, 1);
		bad += compare(READ_AT, b, 8) != 0;
	}
	return bad;
}

int main(const struct cairn_root *rt)
{
	const struct cairn_region *data = cairn_region("data_a");
	struct cairn_port stop, done;
	unsigned unused;

	for (unsigned b = 0; b < XB_BLOCKS; b++)
		seed_of[b] = -1;
	if (!cairn_check("xbc.0", "client_set_up", data && data->size == XB_REGION &&
			 xb_queue(rt, "req_a", XPORT_PRODUCER, &rq, &peer, 0) == 0 &&
			 xb_queue(rt, "resp_a", XPORT_CONSUMER, &rs, &unused, 0) == 0 &&
			 cairn_port_open(&stop, "stop") == 0 && cairn_port_open(&done, "hostile_done") == 0,
			 "a region or a queue is missing"))
		return 0;
	region = (uint8_t *)data->va;
	for (unsigned r = 0; r < ROUNDS1; r++)
		round(r);
	cairn_check("xbc.1", "rounds_during_attack", wrong == 0, "%lu responses or blocks wrong in %u rounds",
		    wrong, ROUNDS1);
	uint64_t m = 0;
	long got = CAIRN_EAGAIN;
	for (unsigned n = 0; n < 20 * XB_YIELDS && got == CAIRN_EAGAIN; n++)
		if ((got = cairn_port_recv(&done, &m)) == CAIRN_EAGAIN)
			cairn_yield();
	cairn_check("xbc.2", "hostile_finished", got == 0 && m == XB_DONE, "recv %ld, message 0x%lx", got, m);
	wrong = 0;
	uint64_t lost = read_all();
	cairn_check("xbc.3", "disk_kept", lost == 0 && wrong == 0, "%lu of 4 reads differ; %lu responses wrong",
		    lost, wrong);
	for (unsigned r = ROUNDS1; r < ROUNDS1 + ROUNDS2; r++)
		round(r);
	cairn_check("xbc.4", "rounds_after_attack", wrong == 0, "%lu responses or blocks wrong in %u rounds",
		    wrong, ROUNDS2);
	m = XB_STOP;
	cairn_port_send(&stop, &m);
	cairn_asnd_send(peer, 0);		/* it may sleep */
	return 0;
}
