/*
 * test_virtio_blk.c: the virtio-blk driver's core (components/virtio_blk/blk.c) between
 * a hostile client on the block transport (cairn/xport.h) and a fake virtio-blk device
 * over libvirtio: the fake serves the driver's chains against a memory disk (device
 * addresses are host addresses here), and on demand holds them, fails them, leaves
 * the status byte unwritten or returns an id it never had. Checked: the device brought
 * up (and refused for a block size or segment limit it cannot serve); reads, writes
 * and flushes byte for byte, large requests split into parts at the device's segment
 * limit; capacity; every bad request answered with its error and never shown to the
 * device; device errors; a broken device failing what it held and all that follows;
 * the response queue's room and the slots bounding what is taken; the wake-ups.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../components/virtio_blk/blk.h"

/* ---- the fake device: registers ------------------------------------------------------ */

#define BAR_SIZE 0x4000u
#define COMMON   0x0000u
#define ISR      0x1000u
#define DEVICE   0x2000u
#define NOTIFY   0x3000u
#define SECTORS  (64 * VBLK_SECTORS + 5)	/* 64 blocks and a partial one */

static struct {
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t *bar;
	uint64_t features, drv_features;
	uint32_t dfsel, gfsel;
	uint8_t status;
	uint16_t qmax, qsize, qenable, qsel;
	uint64_t qdesc, qavail, qused;
	uint8_t devcfg[VIRTIO_BLK_CFG_LEN];
	unsigned notifies, stray;
	unsigned resets;		/* device_status written 0 */
} F;

static void set_half(uint64_t *v, unsigned off, uint32_t x)
{
	*v = off & 4 ? (*v & 0xffffffffull) | (uint64_t)x << 32 : (*v & ~0xffffffffull) | x;
}

static uint32_t common_read(unsigned off)
{
	switch (off) {
	case VIRTIO_COMMON_DF: return F.dfsel ? (uint32_t)(F.features >> 32) : (uint32_t)F.features;
	case VIRTIO_COMMON_NUMQ: return 1;
	case VIRTIO_COMMON_STATUS: return F.status;
	case VIRTIO_COMMON_Q_SIZE: return F.qsel ? 0 : F.qmax;
	case VIRTIO_COMMON_Q_ENABLE: return F.qenable;
	case VIRTIO_COMMON_Q_MSIX: return VIRTIO_MSI_NO_VECTOR;
	}
	return 0;
}

static void common_write(unsigned off, uint32_t v)
{
	switch (off) {
	case VIRTIO_COMMON_DFSELECT: F.dfsel = v; break;
	case VIRTIO_COMMON_GFSELECT: F.gfsel = v; break;
	case VIRTIO_COMMON_GF: set_half(&F.drv_features, F.gfsel * 4, v); break;
	case VIRTIO_COMMON_STATUS:
		F.status = v;
		if (!v)
			F.qenable = 0, F.resets++;
		break;
	case VIRTIO_COMMON_Q_SELECT: F.qsel = v; break;
	case VIRTIO_COMMON_Q_SIZE: F.qsize = v; break;
	case VIRTIO_COMMON_Q_ENABLE: F.qenable = v; break;
	case VIRTIO_COMMON_Q_DESCLO: case VIRTIO_COMMON_Q_DESCLO + 4: set_half(&F.qdesc, off, v); break;
	case VIRTIO_COMMON_Q_AVAILLO: case VIRTIO_COMMON_Q_AVAILLO + 4: set_half(&F.qavail, off, v); break;
	case VIRTIO_COMMON_Q_USEDLO: case VIRTIO_COMMON_Q_USEDLO + 4: set_half(&F.qused, off, v); break;
	}
}

static int in(uintptr_t a, unsigned w, unsigned base, unsigned len, unsigned *off)
{
	uintptr_t b = (uintptr_t)F.bar + base;
	*off = a - b;
	return a >= b && a + w <= b + len;
}

static uint32_t io_read(void *ctx, uintptr_t a, unsigned w)
{
	(void)ctx;
	unsigned off;
	if (in(a, w, COMMON, VIRTIO_COMMON_LEN, &off))
		return common_read(off);
	if (in(a, w, DEVICE, VIRTIO_BLK_CFG_LEN, &off)) {
		uint32_t v = 0;
		memcpy(&v, F.devcfg + off, w);
		return v;
	}
	if (in(a, w, ISR, 1, &off))
		return 1;
	F.stray++;
	return ~0u;
}

static void io_write(void *ctx, uintptr_t a, unsigned w, uint32_t v)
{
	(void)ctx;
	unsigned off;
	if (in(a, w, COMMON, VIRTIO_COMMON_LEN, &off))
		common_write(off, v);
	else if (in(a, w, NOTIFY, 2, &off))
		F.notifies++;
	else
		F.stray++;
}

static const struct virtio_io IO = { io_read, io_write, NULL };

static void vcap(unsigned at, unsigned next, unsigned type, uint32_t off, uint32_t len)
{
	uint8_t *c = &F.cfg[at];
	c[0] = PCI_CAP_VENDOR, c[1] = next, c[3] = type, c[4] = 4;
	c[2] = type == VIRTIO_PCI_CAP_NOTIFY ? VIRTIO_PCI_NOTIFY_CAP_LEN : VIRTIO_PCI_CAP_LEN;
	memcpy(c + 8, &off, 4);
	memcpy(c + 12, &len, 4);
}

static uint32_t cfg_read(void *ctx, unsigned bdf, unsigned off, unsigned w)
{
	(void)ctx; (void)bdf;
	uint32_t v = 0;
	if (!pci_cfg_valid(bdf, off, w))
		return ~0u;
	memcpy(&v, F.cfg + off, w);
	return v;
}

static void cfg_write(void *ctx, unsigned bdf, unsigned off, unsigned w, uint32_t v)
{
	(void)ctx; (void)bdf; (void)off; (void)w; (void)v;
	F.stray++;
}

static const struct pci_cfg CFG = { cfg_read, cfg_write, NULL };

/* ---- the fake device: the queue --------------------------------------------------------- */

static uint8_t *disk;			/* SECTORS * 512 bytes */
static struct {
	int hold;			/* leave chains on the available ring */
	int status;			/* the status written (-1: none) */
	int fail_after;			/* chains served well before status is written as `status` */
	uint32_t bad_id;		/* nonzero: the next used id is this, not the head */
	unsigned chains, flushes, max_data;
	uint16_t seen;			/* the available index served */
} D;

static volatile struct virtq_desc *ddesc(void)
{
	return (volatile struct virtq_desc *)(uintptr_t)F.qdesc;
}

/* Serves one chain as a device would (addresses are host addresses): its written bytes. */
static uint32_t serve(unsigned head)
{
	volatile struct virtq_desc *t = ddesc();
	unsigned d = head, n = 0, idx[3];
	for (;;) {
		assert_true(n < 3 && d < F.qsize);
		idx[n++] = d;
		if (!(t[d].flags & VIRTQ_DESC_F_NEXT))
			break;
		d = t[d].next;
	}
	struct virtio_blk_hdr *h = (void *)(uintptr_t)t[idx[0]].addr;
	uint8_t *status = (void *)(uintptr_t)t[idx[n - 1]].addr;
	assert_int_equal(t[idx[0]].len, 16);
	assert_int_equal(t[idx[0]].flags & VIRTQ_DESC_F_WRITE, 0);
	assert_int_equal(t[idx[n - 1]].len, 1);
	assert_true(t[idx[n - 1]].flags & VIRTQ_DESC_F_WRITE);
	assert_int_equal(*status, VBLK_STATUS_NONE);
	D.chains++;
	uint32_t written = 1;
	int st = VIRTIO_BLK_S_OK;
	if (h->type == VIRTIO_BLK_T_FLUSH) {
		assert_int_equal(n, 2);
		D.flushes++;
	} else {
		assert_int_equal(n, 3);
		volatile struct virtq_desc *data = &t[idx[1]];
		uint8_t *p = (void *)(uintptr_t)data->addr;
		uint64_t at = h->sector * VIRTIO_BLK_SECTOR, len = data->len;
		if (len > D.max_data)
			D.max_data = len;
		assert_true(h->type == VIRTIO_BLK_T_IN ? (data->flags & VIRTQ_DESC_F_WRITE) != 0 :
			    (data->flags & VIRTQ_DESC_F_WRITE) == 0);
		if (at > (uint64_t)SECTORS * VIRTIO_BLK_SECTOR || len > (uint64_t)SECTORS * VIRTIO_BLK_SECTOR - at)
			st = VIRTIO_BLK_S_IOERR;
		else if (h->type == VIRTIO_BLK_T_IN)
			memcpy(p, disk + at, len), written += len;
		else
			memcpy(disk + at, p, len);
	}
	if (D.fail_after-- <= 0)
		st = D.status;
	if (st >= 0)
		*status = st;
	return written;
}

/* The device's work: every chain available is served and put on the used ring. */
static void device(void)
{
	volatile struct virtq_avail *a = (void *)(uintptr_t)F.qavail;
	volatile struct virtq_used *u = (void *)(uintptr_t)F.qused;
	if (D.hold || !F.qenable)
		return;
	while (D.seen != a->idx) {
		unsigned head = a->ring[D.seen++ % F.qsize];
		uint32_t len = serve(head);
		uint16_t i = u->idx;
		u->ring[i % F.qsize] = (struct virtq_used_elem){ D.bad_id ? D.bad_id : head, len };
		u->idx = i + 1;
	}
}

/* ---- the driver and its client ---------------------------------------------------------------- */

#define REGION   (512 * 1024)
#define REQ_SLOTS  64
#define RESP_SLOTS 64

static struct virtio_pci V;
static struct vblk *B;
static int IOMMU;			/* start(): the driver's addresses go through an IOMMU */
static struct vblk_mem DMA, REG;
static uint8_t *region;
static struct cairn_port_ring *rq_ring, *rs_ring;
static struct xport_queue drv_req, drv_resp, cli_req, cli_resp;

static void rings(unsigned resp_slots)
{
	free(rq_ring);
	free(rs_ring);
	rq_ring = aligned_alloc(64, cairn_port_bytes(XPORT_BLK_REQ_SLOT, REQ_SLOTS));
	rs_ring = aligned_alloc(64, cairn_port_bytes(XPORT_BLK_RESP_SLOT, resp_slots));
	assert_int_equal(cairn_port_init(rq_ring, XPORT_BLK_REQ_SLOT, REQ_SLOTS), 0);
	assert_int_equal(cairn_port_init(rs_ring, XPORT_BLK_RESP_SLOT, resp_slots), 0);
	assert_int_equal(xport_attach(&drv_req, rq_ring, XPORT_BLK_REQ_SLOT, REQ_SLOTS, XPORT_CONSUMER), 0);
	assert_int_equal(xport_attach(&cli_req, rq_ring, XPORT_BLK_REQ_SLOT, REQ_SLOTS, XPORT_PRODUCER), 0);
	assert_int_equal(xport_attach(&drv_resp, rs_ring, XPORT_BLK_RESP_SLOT, resp_slots, XPORT_PRODUCER), 0);
	assert_int_equal(xport_attach(&cli_resp, rs_ring, XPORT_BLK_RESP_SLOT, resp_slots, XPORT_CONSUMER), 0);
}

static void dev_cfg32(unsigned off, uint32_t v)
{
	memcpy(F.devcfg + off, &v, 4);
}

/* A fresh device, disk, region and rings; nothing started. */
static int setup(void **state)
{
	(void)state;
	free(F.bar);
	memset(&F, 0, sizeof F);
	memset(&D, 0, sizeof D);
	D.status = VIRTIO_BLK_S_OK;
	IOMMU = 0;
	F.bar = calloc(1, BAR_SIZE);
	F.features = VIRTIO_F_VERSION_1 | (1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_BLK_F_BLK_SIZE);
	F.qmax = 256;
	uint64_t sectors = SECTORS;
	memcpy(F.devcfg + VIRTIO_BLK_CFG_CAPACITY, &sectors, 8);
	dev_cfg32(VIRTIO_BLK_CFG_BLK_SIZE, 512);
	F.cfg[PCI_STATUS] = PCI_STATUS_CAPS;
	F.cfg[PCI_CAP_PTR] = 0x40;
	vcap(0x40, 0x50, VIRTIO_PCI_CAP_COMMON, COMMON, 0x1000);
	vcap(0x50, 0x60, VIRTIO_PCI_CAP_ISR, ISR, 0x1000);
	vcap(0x60, 0x70, VIRTIO_PCI_CAP_DEVICE, DEVICE, 0x1000);
	vcap(0x70, 0, VIRTIO_PCI_CAP_NOTIFY, NOTIFY, 0x1000);
	free(disk);
	disk = malloc((size_t)SECTORS * VIRTIO_BLK_SECTOR);
	for (size_t i = 0; i < (size_t)SECTORS * VIRTIO_BLK_SECTOR; i++)
		disk[i] = (uint8_t)(i * 7 + (i >> 12));
	free(region);
	region = calloc(1, REGION);
	REG = (struct vblk_mem){ region, (uintptr_t)region, REGION };
	free(DMA.va);
	DMA.va = aligned_alloc(16, (VBLK_DMA_BYTES + 15) & ~15ul);
	DMA = (struct vblk_mem){ DMA.va, (uintptr_t)DMA.va, VBLK_DMA_BYTES };
	free(B);
	B = malloc(sizeof *B);
	rings(RESP_SLOTS);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(F.bar), F.bar = NULL;
	free(disk), disk = NULL;
	free(region), region = NULL;
	free(DMA.va), DMA.va = NULL;
	free(B), B = NULL;
	free(rq_ring), rq_ring = NULL;
	free(rs_ring), rs_ring = NULL;
	return 0;
}

static void find(void)
{
	struct virtio_bar bars[PCI_BARS] = { [4] = { (uintptr_t)F.bar, BAR_SIZE } };
	assert_int_equal(virtio_pci_find(&V, &CFG, 0, bars, &IO, VIRTIO_BLK_CFG_LEN), 0);
}

static long start(void)
{
	find();
	long r = vblk_probe(B, &V, IOMMU);
	long s = vblk_start(B, &DMA, &REG, &drv_req, &drv_resp, VIRTIO_MSI_NO_VECTOR);
	return r < 0 ? r : s;
}

/* Set up and started. */
static int started(void **state)
{
	setup(state);
	assert_int_equal(start(), 0);
	return 0;
}

static void send(uint32_t op, uint32_t count, uint64_t block, uint64_t offset, uint32_t id)
{
	struct xport_blk_req r = { .op = op, .count = count, .block = block, .offset = offset, .id = id };
	assert_int_equal(xport_blk_put_req(&cli_req, &r), 0);
}

/* Driver, device, driver: what one request needs when the device answers at once. */
static void run(void)
{
	for (int i = 0; i < 64; i++) {
		vblk_work(B);
		device();
	}
	vblk_work(B);
	assert_int_equal(F.stray, 0);		/* no register access outside a structure */
}

static void expect(uint32_t id, long status, uint64_t count)
{
	struct xport_blk_resp r;
	assert_int_equal(xport_blk_get_resp(&cli_resp, &r), 0);
	assert_int_equal(r.id, id);
	assert_int_equal(r.status, status);
	assert_int_equal(r.count, count);
}

static void no_response(void)
{
	struct xport_blk_resp r;
	assert_int_equal(xport_blk_get_resp(&cli_resp, &r), CAIRN_EAGAIN);
}

/* ---- the tests ----------------------------------------------------------------------------- */

static void starts_and_reports_capacity(void **state)
{
	(void)state;
	assert_int_equal(F.status, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
			 VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(F.drv_features, F.features);
	assert_int_equal(F.qenable, 1);
	assert_int_equal(F.qsize, VBLK_QUEUE);
	assert_int_equal(B->blocks, 64);	/* the partial block is not used */
	assert_int_equal(B->max_held, VBLK_SLOTS);
	send(XPORT_BLK_CAPACITY, 0, 0, 0, 7);
	run();
	expect(7, 0, 64);
	assert_int_equal(D.chains, 0);
	assert_int_equal(F.stray, 0);
}

static void start_refusals(void **state)
{
	dev_cfg32(VIRTIO_BLK_CFG_BLK_SIZE, 8192);	/* larger than a transport block */
	assert_int_equal(start(), CAIRN_ENOTSUP);
	assert_true(F.status & VIRTIO_STATUS_FAILED);
	assert_false(F.status & VIRTIO_STATUS_DRIVER_OK);
	setup(state);
	dev_cfg32(VIRTIO_BLK_CFG_BLK_SIZE, 1000);	/* not a power of two */
	assert_int_equal(start(), CAIRN_ENOTSUP);
	setup(state);
	F.features |= 1ull << VIRTIO_BLK_F_SIZE_MAX;
	dev_cfg32(VIRTIO_BLK_CFG_SIZE_MAX, 2048);	/* segments smaller than a block */
	assert_int_equal(start(), CAIRN_ENOTSUP);
	setup(state);
	F.features &= ~VIRTIO_F_VERSION_1;
	assert_int_equal(start(), CAIRN_ENOTSUP);
	setup(state);
	F.qmax = 2;			/* not even one part */
	assert_int_equal(start(), CAIRN_ENOTSUP);
	assert_false(F.status & VIRTIO_STATUS_DRIVER_OK);
	/* Behind an IOMMU the device must take the platform's addresses. */
	setup(state);
	IOMMU = 1;
	assert_int_equal(start(), CAIRN_ENOTSUP);
	setup(state);
	IOMMU = 1;
	F.features |= VIRTIO_F_ACCESS_PLATFORM;
	assert_int_equal(start(), 0);
	assert_true(F.drv_features & VIRTIO_F_ACCESS_PLATFORM);
	/* A failed probe fails the start. */
	setup(state);
	F.features &= ~VIRTIO_F_VERSION_1;
	find();
	assert_int_equal(vblk_probe(B, &V, 0), CAIRN_ENOTSUP);
	assert_int_equal(vblk_start(B, &DMA, &REG, &drv_req, &drv_resp, VIRTIO_MSI_NO_VECTOR), CAIRN_EIO);
	setup(state);
	DMA.bytes--;
	assert_int_equal(start(), CAIRN_ENOMEM);
	/* A refused device answers every request CAIRN_EIO. */
	send(XPORT_BLK_CAPACITY, 0, 0, 0, 1);
	run();
	expect(1, CAIRN_EIO, 0);
}

static void read_write_flush(void **state)
{
	(void)state;
	/* Read blocks 3..5 into the region at 8K. */
	send(XPORT_BLK_READ, 3, 3, 8192, 1);
	run();
	expect(1, 0, 3);
	assert_memory_equal(region + 8192, disk + 3 * 4096, 3 * 4096);
	/* Write a new pattern over blocks 62..63 (the last whole ones), then flush. */
	for (unsigned i = 0; i < 2 * 4096; i++)
		region[65536 + i] = (uint8_t)(0xa5 ^ i ^ (i >> 8));
	uint8_t *before = malloc((size_t)SECTORS * VIRTIO_BLK_SECTOR);
	memcpy(before, disk, (size_t)SECTORS * VIRTIO_BLK_SECTOR);
	send(XPORT_BLK_WRITE, 2, 62, 65536, 2);
	send(XPORT_BLK_FLUSH, 0, 0, 0, 3);
	run();
	expect(2, 0, 2);
	expect(3, 0, 0);
	assert_memory_equal(disk + 62 * 4096, region + 65536, 2 * 4096);
	assert_memory_equal(disk, before, 62 * 4096);			/* nothing else changed */
	assert_memory_equal(disk + 64 * 4096, before + 64 * 4096, 5 * 512);
	assert_int_equal(D.flushes, 1);
	assert_int_equal(D.chains, 3);
	assert_int_equal(B->stats.requests, 3);
	assert_int_equal(B->stats.read, 3);
	assert_int_equal(B->stats.written, 2);
	assert_int_equal(B->stats.errors, 0);
	assert_true(F.notifies >= 1);
	free(before);
	/* Without a write cache (no FLUSH feature) a flush is answered at once. */
	setup(state);
	F.features &= ~(1ull << VIRTIO_BLK_F_FLUSH);
	assert_int_equal(start(), 0);
	send(XPORT_BLK_FLUSH, 0, 0, 0, 4);
	run();
	expect(4, 0, 0);
	assert_int_equal(D.chains, 0);
}

static void large_request_in_parts(void **state)
{
	(void)state;
	F.features |= 1ull << VIRTIO_BLK_F_SIZE_MAX;
	dev_cfg32(VIRTIO_BLK_CFG_SIZE_MAX, 65536 + 100);	/* 16 blocks a part */
	assert_int_equal(start(), 0);
	assert_int_equal(B->part_blocks, 16);
	send(XPORT_BLK_READ, 40, 10, 0, 9);
	run();
	expect(9, 0, 40);
	assert_memory_equal(region, disk + 10 * 4096, 40 * 4096);
	assert_int_equal(D.chains, 3);		/* 16 + 16 + 8 */
	assert_int_equal(D.max_data, 65536);
	/* Without a segment limit, parts of VBLK_PART_BYTES. */
	setup(state);
	assert_int_equal(start(), 0);
	send(XPORT_BLK_READ, 64, 0, 0, 10);
	run();
	expect(10, 0, 64);
	assert_memory_equal(region, disk, 64 * 4096);
	assert_int_equal(D.chains, 1);
}

static void bad_requests_answered(void **state)
{
	(void)state;
	struct { uint32_t op, count; uint64_t block, offset; long status; } t[] = {
		{ XPORT_BLK_READ, 1, 64, 0, CAIRN_ERANGE },			/* just past the end */
		{ XPORT_BLK_READ, 2, 63, 0, CAIRN_ERANGE },			/* runs past it */
		{ XPORT_BLK_WRITE, 2, UINT64_MAX, 0, CAIRN_ERANGE },		/* block + count wraps */
		{ XPORT_BLK_READ, 1, 0, 512, CAIRN_EINVAL },			/* a misaligned buffer */
		{ XPORT_BLK_WRITE, 1, 0, 4095, CAIRN_EINVAL },
		{ XPORT_BLK_READ, 0, 0, 0, CAIRN_EINVAL },			/* no blocks */
		{ XPORT_BLK_READ, XPORT_BLK_MAX + 1, 0, 0, CAIRN_EINVAL },
		{ 99, 1, 0, 0, CAIRN_EINVAL },					/* no such op */
		{ 0, 1, 0, 0, CAIRN_EINVAL },
		{ XPORT_BLK_READ, 1, 0, REGION, CAIRN_ERANGE },			/* buffer past the region */
		{ XPORT_BLK_READ, 2, 0, REGION - 4096, CAIRN_ERANGE },
		{ XPORT_BLK_WRITE, 1, 0, UINT64_MAX - 4095, CAIRN_ERANGE },
	};
	unsigned n = sizeof t / sizeof t[0];
	for (unsigned i = 0; i < n; i++)
		send(t[i].op, t[i].count, t[i].block, t[i].offset, 100 + i);
	send(XPORT_BLK_READ, 1, 63, REGION - 4096, 200);	/* and a good one: the last block */
	run();
	for (unsigned i = 0; i < n; i++)
		expect(100 + i, t[i].status, 0);
	expect(200, 0, 1);
	assert_int_equal(B->stats.requests, n + 1);
	assert_int_equal(B->stats.errors, n);
	assert_memory_equal(region + REGION - 4096, disk + 63 * 4096, 4096);
	assert_int_equal(D.chains, 1);		/* the device saw the good one alone */
	no_response();
	/* A read-only device refuses writes, serves reads. */
	setup(state);
	F.features |= 1ull << VIRTIO_BLK_F_RO;
	assert_int_equal(start(), 0);
	send(XPORT_BLK_WRITE, 1, 0, 0, 1);
	send(XPORT_BLK_READ, 1, 0, 0, 2);
	run();
	expect(1, CAIRN_EACCES, 0);
	expect(2, 0, 1);
}

static void device_errors(void **state)
{
	(void)state;
	D.status = VIRTIO_BLK_S_IOERR;
	send(XPORT_BLK_READ, 1, 0, 0, 1);
	run();
	expect(1, CAIRN_EIO, 0);
	D.status = VIRTIO_BLK_S_UNSUPP;
	send(XPORT_BLK_FLUSH, 0, 0, 0, 2);
	run();
	expect(2, CAIRN_ENOTSUP, 0);
	D.status = -1;			/* the status byte never written */
	send(XPORT_BLK_WRITE, 1, 0, 0, 3);
	run();
	expect(3, CAIRN_EIO, 0);
	D.status = 0x42;		/* a status the spec does not have */
	send(XPORT_BLK_WRITE, 1, 0, 0, 4);
	run();
	expect(4, CAIRN_EIO, 0);
	/* An error in the second part: the blocks of the first are counted. */
	setup(state);
	F.features |= 1ull << VIRTIO_BLK_F_SIZE_MAX;
	dev_cfg32(VIRTIO_BLK_CFG_SIZE_MAX, 8192);
	assert_int_equal(start(), 0);
	D.status = VIRTIO_BLK_S_IOERR;
	D.fail_after = 1;
	send(XPORT_BLK_READ, 6, 0, 0, 5);
	run();
	expect(5, CAIRN_EIO, 2);
	assert_int_equal(D.chains, 2);
	/* The device keeps serving after errors: they are the request's, not the device's. */
	D.status = VIRTIO_BLK_S_OK;
	send(XPORT_BLK_READ, 1, 0, 0, 6);
	run();
	expect(6, 0, 1);
	assert_false(B->failed);
}

static void broken_device_fails_everything(void **state)
{
	(void)state;
	D.hold = 1;
	send(XPORT_BLK_READ, 1, 0, 0, 1);
	send(XPORT_BLK_WRITE, 1, 1, 4096, 2);
	send(XPORT_BLK_READ, 1, 2, 8192, 3);
	vblk_work(B);
	assert_int_equal(B->held, 3);
	no_response();
	D.hold = 0;
	D.bad_id = 0x1234;		/* an id it was never given */
	device();
	vblk_work(B);
	expect(1, CAIRN_EIO, 0);
	expect(2, CAIRN_EIO, 0);
	expect(3, CAIRN_EIO, 0);
	assert_true(B->failed);
	assert_int_equal(B->held, 0);
	assert_true(F.status & VIRTIO_STATUS_FAILED);
	assert_false(F.status & VIRTIO_STATUS_DRIVER_OK);	/* it was reset first */
	unsigned chains = D.chains;
	send(XPORT_BLK_READ, 1, 0, 0, 4);
	send(XPORT_BLK_CAPACITY, 0, 0, 0, 5);
	run();
	expect(4, CAIRN_EIO, 0);
	expect(5, CAIRN_EIO, 0);
	assert_int_equal(D.chains, chains);
}

/* A client that takes no responses stalls only itself: the driver takes no more
 * requests than it can answer, and goes on when the client makes room. */
static void response_room_bounds_taking(void **state)
{
	(void)state;
	rings(4);
	assert_int_equal(start(), 0);
	for (unsigned i = 0; i < 10; i++)
		send(XPORT_BLK_CAPACITY, 0, 0, 0, i);
	run();
	assert_int_equal(xport_count(&cli_req), 6);
	for (unsigned i = 0; i < 4; i++)
		expect(i, 0, 64);
	run();
	assert_int_equal(xport_count(&cli_req), 2);
	for (unsigned i = 4; i < 8; i++)
		expect(i, 0, 64);
	/* Requests held count against the room: 4 reads at the device fill it, 2 wait. */
	setup(state);
	rings(4);
	assert_int_equal(start(), 0);
	D.hold = 1;
	for (unsigned i = 0; i < 6; i++)
		send(XPORT_BLK_READ, 1, i, i * 4096, i);
	vblk_work(B);
	assert_int_equal(B->held, 4);
	assert_int_equal(xport_count(&cli_req), 2);
	D.hold = 0;
	run();
	for (unsigned i = 0; i < 4; i++)
		expect(i, 0, 1);
	run();
	expect(4, 0, 1);
	expect(5, 0, 1);
	assert_memory_equal(region, disk, 6 * 4096);
}

static void slots_bound_what_is_held(void **state)
{
	(void)state;
	D.hold = 1;
	for (unsigned i = 0; i < 40; i++)
		send(XPORT_BLK_READ, 1, i, i * 4096, i);
	vblk_work(B);
	assert_int_equal(B->held, VBLK_SLOTS);
	assert_int_equal(xport_count(&cli_req), 40 - VBLK_SLOTS);
	assert_int_equal(vblk_arm(B), 0);	/* nothing to do until the device answers */
	D.hold = 0;
	device();
	assert_int_equal(vblk_arm(B), 1);	/* it has */
	run();
	for (unsigned i = 0; i < 40; i++)
		expect(i, 0, 1);
	assert_memory_equal(region, disk, 40 * 4096);
	assert_int_equal(B->held, 0);
}

static void wakes_a_waiting_client(void **state)
{
	(void)state;
	assert_int_equal(vblk_arm(B), 0);		/* nothing queued: sleep */
	assert_int_equal(xport_arm(&cli_resp), 0);	/* the client sleeps for a response */
	send(XPORT_BLK_CAPACITY, 0, 0, 0, 1);
	assert_int_equal(vblk_work(B), VBLK_WAKE_CLIENT);
	expect(1, 0, 64);
	send(XPORT_BLK_CAPACITY, 0, 0, 0, 2);
	assert_int_equal(vblk_work(B), 0);		/* it did not say it waits */
	expect(2, 0, 64);
	/* A request waiting makes arming say "work". */
	send(XPORT_BLK_CAPACITY, 0, 0, 0, 3);
	assert_int_equal(vblk_arm(B), 1);
}

/* No spinning on what only the client can change: responses it does not take while
 * requests are held, a request ring whose head it threw far ahead. */
static void arm_sleeps_on_the_client(void **state)
{
	(void)state;
	rings(4);
	assert_int_equal(start(), 0);
	D.hold = 1;
	for (unsigned i = 1; i <= 3; i++)
		send(XPORT_BLK_CAPACITY, 0, 0, 0, i);
	send(XPORT_BLK_READ, 1, 0, 0, 4);
	send(XPORT_BLK_READ, 1, 1, 4096, 5);
	vblk_work(B);
	assert_int_equal(B->held, 1);		/* 3 answered, 1 held: room for no more */
	assert_int_equal(xport_count(&cli_req), 1);
	/* The device has not answered and the room (1 free, 1 held) is short: sleep. */
	assert_int_equal(vblk_arm(B), 0);
	assert_int_equal(vblk_arm(B), 0);
	D.hold = 0;
	device();
	assert_int_equal(vblk_arm(B), 1);	/* a completion */
	run();
	for (unsigned i = 1; i <= 3; i++)
		expect(i, 0, 64);
	expect(4, 0, 1);
	assert_int_equal(xport_count(&cli_req), 1);
	run();
	expect(5, 0, 1);
	/* A request ring whose head is far ahead: nothing is taken, and arming says sleep. */
	rq_ring->head += 1000;
	assert_int_equal(vblk_work(B), 0);
	assert_int_equal(vblk_arm(B), 0);
	no_response();
	rq_ring->head -= 1000;			/* the client comes to its senses */
	send(XPORT_BLK_CAPACITY, 0, 0, 0, 6);
	run();
	expect(6, 0, 64);
}

/* Queues of the wrong geometry or end: start refuses, and nothing is ever served. */
static void wrong_queues_refused(void **state)
{
	find();
	assert_int_equal(vblk_probe(B, &V, 0), 0);
	assert_int_equal(vblk_start(B, &DMA, &REG, &drv_resp, &drv_req, VIRTIO_MSI_NO_VECTOR), CAIRN_EINVAL);
	assert_true(F.status & VIRTIO_STATUS_FAILED);
	send(XPORT_BLK_CAPACITY, 0, 0, 0, 1);
	assert_int_equal(vblk_work(B), 0);
	assert_int_equal(vblk_arm(B), 0);
	no_response();
	assert_int_equal(xport_count(&cli_req), 1);
	setup(state);
	find();
	assert_int_equal(vblk_probe(B, &V, 0), 0);
	assert_int_equal(vblk_start(B, &DMA, &REG, &drv_req, &cli_resp, VIRTIO_MSI_NO_VECTOR), CAIRN_EINVAL);
}

/*
 * A restart: the old instance holds a read at the device and has answered until the
 * response queue is full; a request waits behind. The new instance, attached at the
 * queues' positions, resets the device before anything else, and puts the restart
 * notice (the request-queue position it starts at) before any answer, once there is
 * room: it takes no request before. The held read is never answered; the waiting one is.
 */
static void restart_notice_first(void **state)
{
	(void)state;
	rings(4);
	assert_int_equal(start(), 0);
	for (unsigned i = 0; i < 4; i++)
		send(XPORT_BLK_CAPACITY, 0, 0, 0, 10 + i);
	run();
	expect(10, 0, 64);
	D.hold = 1;
	send(XPORT_BLK_READ, 1, 0, 0, 20);
	vblk_work(B);
	assert_int_equal(B->held, 1);		/* at the device */
	struct xport_blk_resp last = { .id = 14, .status = 0, .count = 64 };
	assert_int_equal(xport_blk_put_resp(&drv_resp, &last), 0);	/* its last word: the queue is full */
	send(XPORT_BLK_CAPACITY, 0, 0, 0, 21);
	/* the new instance: fresh memory, the queues' ends where the rings stand */
	unsigned resets = F.resets;
	assert_int_equal(xport_attach(&drv_req, rq_ring, XPORT_BLK_REQ_SLOT, REQ_SLOTS, XPORT_CONSUMER), 0);
	assert_int_equal(xport_attach(&drv_resp, rs_ring, XPORT_BLK_RESP_SLOT, 4, XPORT_PRODUCER), 0);
	assert_int_equal(start(), 0);
	assert_true(F.resets > resets);
	D.seen = 0;				/* the reset device forgot its queue */
	D.hold = 0;
	vblk_announce(B);
	assert_int_equal(B->announce_at, 5);
	vblk_work(B);
	assert_int_equal(xport_count(&cli_req), 1);	/* nothing taken before the notice */
	assert_int_equal(vblk_arm(B), 0);
	assert_int_equal(rs_ring->producer_waits, 1);	/* waits for room */
	expect(11, 0, 64);
	assert_int_equal(vblk_arm(B), 1);
	run();
	expect(12, 0, 64);
	expect(13, 0, 64);
	expect(14, 0, 64);
	expect(XPORT_BLK_RESTARTED, CAIRN_ESTALE, 5);
	run();
	expect(21, 0, 64);
	no_response();
	assert_int_equal(B->stats.requests, 1);	/* the notice is not an answer */
	assert_int_equal(D.chains, 0);		/* the old instance's read never reached the disk */
}

/* A driver whose queues were refused announces nothing. */
static void no_notice_without_queues(void **state)
{
	(void)state;
	find();
	assert_int_equal(vblk_probe(B, &V, 0), 0);
	assert_int_equal(vblk_start(B, &DMA, &REG, &drv_req, &cli_resp, VIRTIO_MSI_NO_VECTOR), CAIRN_EINVAL);
	vblk_announce(B);
	assert_int_equal(B->announce, 0);
	assert_int_equal(vblk_work(B), 0);
	assert_int_equal(vblk_arm(B), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(starts_and_reports_capacity, started, teardown),
		cmocka_unit_test_setup_teardown(start_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(read_write_flush, started, teardown),
		cmocka_unit_test_setup_teardown(large_request_in_parts, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_requests_answered, started, teardown),
		cmocka_unit_test_setup_teardown(device_errors, started, teardown),
		cmocka_unit_test_setup_teardown(broken_device_fails_everything, started, teardown),
		cmocka_unit_test_setup_teardown(response_room_bounds_taking, setup, teardown),
		cmocka_unit_test_setup_teardown(slots_bound_what_is_held, started, teardown),
		cmocka_unit_test_setup_teardown(wakes_a_waiting_client, started, teardown),
		cmocka_unit_test_setup_teardown(arm_sleeps_on_the_client, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_queues_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(restart_notice_first, setup, teardown),
		cmocka_unit_test_setup_teardown(no_notice_without_queues, setup, teardown),
	};

	return cmocka_run_group_tests_name("virtio_blk", tests, NULL, NULL);
}
