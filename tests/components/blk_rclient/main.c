/*
 * blk_rclient: the client of tests/qemu/systems/virtio_blk_restart.toml: the virtio-blk
 * driver built as tests/components/blk_crashy (a read of block VBLK_CRASH_BLOCK makes
 * it crash mid-round, after it has given the device what it took before) and restarted
 * by the booter, over a 64-block image in pattern 0 (tools/test.py). Through libxport's
 * block client (xport_blk_submit / xport_blk_complete, docs/devices.md "Transport", "Restart"):
 *   rr.1  a write (block 30, pattern 8) acknowledged and read back before the crash;
 *   rr.2  a write (20..23, pattern 7), a read (0..7) and the crash read, put at once,
 *         complete with CAIRN_ESTALE: the old instance took them and is gone;
 *   rr.3  a write put after them (block 40, pattern 9) is the new instance's: done;
 *         one notice, no stray response;
 *   rr.4  the lost write redone, one more (block 50, pattern 10), a flush, then the whole
 *         disk read back: exactly the acknowledged writes, pattern 0 elsewhere;
 *   rr.5  stop: CAIRN_ESTALE first (the gate is the old instance's: the stub renews it),
 *         then 0.
 * tests.toml's disk_writes checks the image after QEMU exits: keep the three in step.
 */
#include <iface/virtio_blk.h>
#include <cairn/xport.h>

#define BLOCKS 64
#define B      XPORT_BLK_SIZE
#define CRASH_BLOCK 0xc4a5c4a5ull	/* blk_crashy's VBLK_CRASH_BLOCK */

static struct cairn_port req_port, resp_port;
static struct xport_queue req_q, resp_q;
static struct xport_blk_client cl;
static uint8_t *data;

/* Byte i of block b in pattern seed: tools/test.py's disk_pattern. */
static uint8_t pattern(uint64_t b, unsigned i, unsigned seed)
{
	return (uint8_t)(b * 131 + i * 7 + (i >> 8) + seed * 29);
}

static void fill(uint8_t *p, uint64_t block, unsigned count, unsigned seed)
{
	for (unsigned k = 0; k < count; k++)
		for (unsigned i = 0; i < B; i++)
			p[k * B + i] = pattern(block + k, i, seed);
}

static long differs(const uint8_t *p, uint64_t block, unsigned count, unsigned seed)
{
	for (unsigned k = 0; k < count; k++)
		for (unsigned i = 0; i < B; i++)
			if (p[k * B + i] != pattern(block + k, i, seed))
				return (long)k * B + i;
	return -1;
}

/* Puts a request (waiting for room); its id. */
static uint32_t submit(uint32_t op, uint32_t count, uint64_t block, uint64_t offset)
{
	struct xport_blk_req rq = { .op = op, .count = count, .block = block, .offset = offset };
	long e;
	while ((e = xport_blk_submit(&cl, &rq)) == CAIRN_EAGAIN)
		if (xport_arm(&req_q) == 0)
			cairn_rcv_wait(CAIRN_SLOT_RCV);
	return e < 0 ? 0 : rq.id;
}

static void kick(void)
{
	if (xport_wake_needed(&req_q))
		cairn_asnd_send(req_port.peer, 0);
}

/* The next completion (waiting for it). */
static struct xport_blk_resp complete(void)
{
	struct xport_blk_resp r;
	long e;
	while ((e = xport_blk_complete(&cl, &r)) == CAIRN_EAGAIN)
		if (xport_arm(&resp_q) == 0)
			cairn_rcv_wait(CAIRN_SLOT_RCV);
	if (e < 0)
		r = (struct xport_blk_resp){ .id = 0, .status = (int32_t)e };
	if (xport_wake_needed(&resp_q))
		cairn_asnd_send(resp_port.peer, 0);
	return r;
}

/* One request, its completion: the status, or 1000 if the completion is another's. */
static long call(uint32_t op, uint32_t count, uint64_t block, uint64_t offset, uint64_t *done)
{
	uint32_t id = submit(op, count, block, offset);
	kick();
	struct xport_blk_resp r = complete();
	*done = r.count;
	return r.id == id ? r.status : 1000;
}

static void before(void)
{
	uint64_t n1, n2;
	fill(data, 30, 1, 8);
	long w = call(XPORT_BLK_WRITE, 1, 30, 0, &n1);
	for (unsigned i = 0; i < B; i++)
		data[B + i] = 0;
	long r = call(XPORT_BLK_READ, 1, 30, B, &n2);
	long at = differs(data + B, 30, 1, 8);
	cairn_check("rr.1", "before_the_crash", w == 0 && n1 == 1 && r == 0 && n2 == 1 && at < 0,
		    "write %ld/%lu, read %ld/%lu, wrong byte %ld", w, n1, r, n2, at);
}

/* The crash with three requests taken and one queued behind them. */
static void crash(void)
{
	fill(data, 20, 4, 7);
	fill(data + 20 * B, 40, 1, 9);
	uint32_t id[4];
	id[0] = submit(XPORT_BLK_WRITE, 4, 20, 0);
	id[1] = submit(XPORT_BLK_READ, 8, 0, 8 * B);
	id[2] = submit(XPORT_BLK_READ, 1, CRASH_BLOCK, 16 * B);
	id[3] = submit(XPORT_BLK_WRITE, 1, 40, 20 * B);
	kick();
	struct xport_blk_resp r[4] = { 0 };
	unsigned got = 0, unknown = 0;
	for (unsigned k = 0; k < 4; k++) {
		struct xport_blk_resp x = complete();
		unsigned i = 0;
		while (i < 4 && id[i] != x.id)
			i++;
		if (i == 4 || r[i].id)
			unknown++;
		else
			r[i] = x, got++;
	}
	cairn_check("rr.2", "in_flight_failed",
		    got == 4 && unknown == 0 && r[0].status == CAIRN_ESTALE && r[0].count == 0 &&
		    r[1].status == CAIRN_ESTALE && r[1].count == 0 && r[2].status == CAIRN_ESTALE && r[2].count == 0,
		    "%u completions (%u unknown): write %d/%lu, read %d/%lu, crash %d/%lu", got, unknown,
		    r[0].status, r[0].count, r[1].status, r[1].count, r[2].status, r[2].count);
	cairn_check("rr.3", "queued_served_by_new_instance",
		    r[3].status == 0 && r[3].count == 1 && cl.restarts == 1 && cl.stray == 0 && cl.outstanding == 0,
		    "write %d/%lu, %lu notices, %lu stray, %u outstanding", r[3].status, r[3].count, cl.restarts,
		    cl.stray, cl.outstanding);
}

static void after(void)
{
	uint64_t n1, n2, n3, n4;
	fill(data, 20, 4, 7);
	fill(data + 4 * B, 50, 1, 10);
	long w1 = call(XPORT_BLK_WRITE, 4, 20, 0, &n1);
	long w2 = call(XPORT_BLK_WRITE, 1, 50, 4 * B, &n2);
	long f = call(XPORT_BLK_FLUSH, 0, 0, 0, &n3);
	for (unsigned i = 0; i < BLOCKS * B; i++)
		data[i] = 0;
	long r = call(XPORT_BLK_READ, BLOCKS, 0, 0, &n4);
	long at = -1;
	unsigned bad = BLOCKS;
	for (unsigned i = 0; i < BLOCKS && at < 0; i++) {
		unsigned seed = i >= 20 && i < 24 ? 7 : i == 30 ? 8 : i == 40 ? 9 : i == 50 ? 10 : 0;
		if ((at = differs(data + (uint64_t)i * B, i, 1, seed)) >= 0)
			bad = i;
	}
	cairn_check("rr.4", "after_the_restart",
		    w1 == 0 && n1 == 4 && w2 == 0 && n2 == 1 && f == 0 && r == 0 && n4 == BLOCKS && at < 0 &&
		    cl.restarts == 1 && cl.stray == 0,
		    "writes %ld/%lu %ld/%lu, flush %ld, read %ld/%lu, block %u wrong at byte %ld, %lu notices, %lu stray",
		    w1, n1, w2, n2, f, r, n4, bad, at, cl.restarts, cl.stray);
}

int main(const struct cairn_root *rt)
{
	(void)rt;
	const struct cairn_region *reg = cairn_region("blk_data");
	long r = cairn_port_open(&req_port, "blk_req");
	if (r == 0)
		r = xport_attach(&req_q, req_port.ring, req_port.words * 8, req_port.mask + 1, XPORT_PRODUCER);
	if (r == 0 && (r = cairn_port_open(&resp_port, "blk_resp")) == 0)
		r = xport_attach(&resp_q, resp_port.ring, resp_port.words * 8, resp_port.mask + 1, XPORT_CONSUMER);
	if (r < 0 || !reg || reg->size < BLOCKS * B) {
		cairn_check("rr.1", "before_the_crash", 0, "transport: ports %ld, region %p", r, (const void *)reg);
		return 1;
	}
	data = (uint8_t *)reg->va;
	xport_blk_client_init(&cl, &req_q, &resp_q);
	before();
	crash();
	after();
	long stale = virtio_blk_stop();	/* the gate is the old instance's: renewed */
	long s = virtio_blk_stop();
	cairn_asnd_send(req_port.peer, 0);
	cairn_check("rr.5", "stop", stale == CAIRN_ESTALE && s == 0, "stop: %ld, then %ld", stale, s);
	return 0;
}
