/*
 * blk_client: the client of tests/qemu/systems/virtio_blk.toml, on the block transport
 * (ports blk_req and blk_resp, region blk_data) to components/virtio_blk over QEMU's
 * virtio-blk-pci and a 64-block image tools/test.py makes in pattern 0 (plus a partial
 * block). It checks the capacity, reads the whole disk and checks every byte, writes
 * new patterns (blocks 10..13 in pattern 5, block 63 in pattern 6) and flushes, reads
 * them back, sends requests the driver must refuse (past the end, misaligned, no
 * blocks, an unknown op, a buffer outside the region) and many at once, then stops the
 * driver. tools/test.py then checks the image byte for byte (tests.toml's disk_writes:
 * keep the three in step).
 */
#include <iface/virtio_blk.h>
#include <cairn/xport.h>

#define BLOCKS 64			/* the image's whole blocks */
#define B      XPORT_BLK_SIZE

static struct cairn_port req_port, resp_port;
static struct xport_queue req_q, resp_q;
static uint8_t *data;			/* the data region */
static uint64_t data_size;
static uint32_t next_id = 1;

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

/* The first byte of count blocks at p that is not block.. in pattern seed, or -1. */
static long differs(const uint8_t *p, uint64_t block, unsigned count, unsigned seed)
{
	for (unsigned k = 0; k < count; k++)
		for (unsigned i = 0; i < B; i++)
			if (p[k * B + i] != pattern(block + k, i, seed))
				return (long)k * B + i;
	return -1;
}

static void put(uint32_t op, uint32_t count, uint64_t block, uint64_t offset, uint32_t id)
{
	struct xport_blk_req r = { .op = op, .count = count, .block = block, .offset = offset, .id = id };
	while (xport_blk_put_req(&req_q, &r) == CAIRN_EAGAIN)
		if (xport_arm(&req_q) == 0)
			cairn_rcv_wait(CAIRN_SLOT_RCV);
}

/* Tells the driver about what was put, if it waits. */
static void kick(void)
{
	if (xport_wake_needed(&req_q))
		cairn_asnd_send(req_port.peer, 0);
}

static void get(struct xport_blk_resp *r)
{
	long e;
	while ((e = xport_blk_get_resp(&resp_q, r)) == CAIRN_EAGAIN)
		if (xport_arm(&resp_q) == 0)
			cairn_rcv_wait(CAIRN_SLOT_RCV);
	if (e < 0)
		*r = (struct xport_blk_resp){ .id = 0, .status = (int32_t)e };
}

/* One request, its response. */
static struct xport_blk_resp call(uint32_t op, uint32_t count, uint64_t block, uint64_t offset)
{
	struct xport_blk_resp r;
	uint32_t id = next_id++;
	put(op, count, block, offset, id);
	kick();
	get(&r);
	if (r.id != id)
		r.status = 1000;	/* not this request's: impossible from a correct driver */
	return r;
}

static void capacity(void)
{
	struct xport_blk_resp r = call(XPORT_BLK_CAPACITY, 0, 0, 0);
	cairn_check("blk.1", "capacity", r.status == 0 && r.count == BLOCKS, "status %d, %lu blocks", r.status,
		    r.count);
}

static void read_all(void)
{
	struct xport_blk_resp r = call(XPORT_BLK_READ, BLOCKS, 0, 0);
	long at = differs(data, 0, BLOCKS, 0);
	cairn_check("blk.2", "read_whole_disk", r.status == 0 && r.count == BLOCKS && at < 0,
		    "status %d, %lu blocks, first wrong byte %ld", r.status, r.count, at);
}

static void write_flush_read(void)
{
	fill(data, 10, 4, 5);
	fill(data + 4 * B, 63, 1, 6);
	struct xport_blk_resp w1 = call(XPORT_BLK_WRITE, 4, 10, 0);
	struct xport_blk_resp w2 = call(XPORT_BLK_WRITE, 1, 63, 4 * B);
	struct xport_blk_resp f = call(XPORT_BLK_FLUSH, 0, 0, 0);
	for (unsigned i = 0; i < 5 * B; i++)
		data[i] = 0;
	struct xport_blk_resp r1 = call(XPORT_BLK_READ, 6, 9, 0);	/* 9..14: the writes and around them */
	struct xport_blk_resp r2 = call(XPORT_BLK_READ, 1, 63, 6 * B);
	long a = differs(data, 9, 1, 0), b = differs(data + B, 10, 4, 5), c = differs(data + 5 * B, 14, 1, 0);
	long d = differs(data + 6 * B, 63, 1, 6);
	cairn_check("blk.3", "write_flush_read_back",
		    w1.status == 0 && w1.count == 4 && w2.status == 0 && w2.count == 1 && f.status == 0 &&
		    f.count == 0 && r1.status == 0 && r1.count == 6 && r2.status == 0 && r2.count == 1 &&
		    a < 0 && b < 0 && c < 0 && d < 0,
		    "writes %d/%lu %d/%lu, flush %d/%lu, reads %d/%lu %d/%lu, wrong bytes at %ld %ld %ld %ld",
		    w1.status, w1.count, w2.status, w2.count, f.status, f.count, r1.status, r1.count, r2.status,
		    r2.count, a, b, c, d);
}

static void refused(void)
{
	struct { uint32_t op, count; uint64_t block, offset; long want; } t[] = {
		{ XPORT_BLK_READ, 1, BLOCKS, 0, CAIRN_ERANGE },
		{ XPORT_BLK_WRITE, 8, BLOCKS - 4, 0, CAIRN_ERANGE },
		{ XPORT_BLK_READ, 2, ~0ull, 0, CAIRN_ERANGE },
		{ XPORT_BLK_READ, 1, 0, 512, CAIRN_EINVAL },
		{ XPORT_BLK_WRITE, 1, 0, 100, CAIRN_EINVAL },
		{ XPORT_BLK_READ, 0, 0, 0, CAIRN_EINVAL },
		{ 77, 1, 0, 0, CAIRN_EINVAL },
		{ XPORT_BLK_READ, 1, 0, 0, CAIRN_ERANGE },	/* offset set below: past the region */
	};
	unsigned n = sizeof t / sizeof t[0], bad = n;
	t[n - 1].offset = data_size;
	for (unsigned i = 0; i < n && bad == n; i++) {
		struct xport_blk_resp r = call(t[i].op, t[i].count, t[i].block, t[i].offset);
		if (r.status != t[i].want || r.count != 0)
			bad = i;
	}
	cairn_check("blk.4", "bad_requests_refused", bad == n, "request %u answered otherwise", bad);
}

/* Many requests at once: one block each, every block of the disk, answered each once. */
static void many(void)
{
	uint64_t seen = 0;
	unsigned wrong = 0;
	uint32_t base = next_id;
	for (unsigned i = 0; i < BLOCKS; i++)
		put(XPORT_BLK_READ, 1, i, (uint64_t)i * B, base + i);
	next_id += BLOCKS;
	kick();
	for (unsigned i = 0; i < BLOCKS; i++) {
		struct xport_blk_resp r;
		get(&r);
		uint32_t k = r.id - base;
		if (k >= BLOCKS || (seen >> k & 1) || r.status || r.count != 1)
			wrong++;
		else
			seen |= 1ull << k;
	}
	long at = -1;
	for (unsigned i = 0; i < BLOCKS && at < 0; i++) {
		unsigned seed = i >= 10 && i < 14 ? 5 : i == 63 ? 6 : 0;
		at = differs(data + (uint64_t)i * B, i, 1, seed);
	}
	cairn_check("blk.5", "many_at_once", wrong == 0 && seen == ~0ull && at < 0,
		    "%u wrong responses, seen 0x%lx, first wrong byte %ld", wrong, seen, at);
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
		cairn_check("blk.1", "capacity", 0, "transport: ports %ld, region %p", r, (const void *)reg);
		return 1;
	}
	data = (uint8_t *)reg->va;
	data_size = reg->size;
	capacity();
	read_all();
	write_flush_read();
	refused();
	many();
	long s = virtio_blk_stop();
	cairn_asnd_send(req_port.peer, 0);
	cairn_check("blk.6", "stop", s == 0, "stop: %ld", s);
	return 0;
}
