/*
 * blk.c: the virtio-blk driver's core (blk.h): bringing the device up, turning client
 * requests into virtio requests, and completions into responses. Pure (no system
 * call); layers: the device's set-up, then parts (one virtio request each), then
 * requests (a slot from the first part to the response), then the round of work.
 */
#include <cairn/virtio.h>
#include <cairn/xport.h>
#include <common/string.h>

#include "blk.h"

/* ---- set-up ------------------------------------------------------------------------ */

#define WANTED ((1ull << VIRTIO_BLK_F_SIZE_MAX) | (1ull << VIRTIO_BLK_F_RO) | (1ull << VIRTIO_BLK_F_BLK_SIZE) | \
		(1ull << VIRTIO_BLK_F_FLUSH) | VIRTIO_F_ACCESS_PLATFORM)

static int has(const struct virtio_pci *v, unsigned bit)
{
	return (v->features >> bit) & 1;
}

/*
 * The device's geometry from its configuration: its size in blocks, and the blocks of
 * one part (its segment limit, if it has one). A logical block size must divide
 * XPORT_BLK_SIZE (512..4096, a power of two), so that blocks fall on its boundaries.
 */
static long geometry(struct vblk *b)
{
	uint64_t sectors, x;
	long r = virtio_pci_config(b->v, VIRTIO_BLK_CFG_CAPACITY, 8, &sectors);
	if (r < 0)
		return r;
	b->blocks = sectors / VBLK_SECTORS;
	b->part_blocks = VBLK_PART_BYTES / XPORT_BLK_SIZE;
	if (has(b->v, VIRTIO_BLK_F_BLK_SIZE)) {
		if ((r = virtio_pci_config(b->v, VIRTIO_BLK_CFG_BLK_SIZE, 4, &x)) < 0)
			return r;
		if (x < VIRTIO_BLK_SECTOR || x > XPORT_BLK_SIZE || (x & (x - 1)))
			return CAIRN_ENOTSUP;
	}
	if (has(b->v, VIRTIO_BLK_F_SIZE_MAX)) {
		if ((r = virtio_pci_config(b->v, VIRTIO_BLK_CFG_SIZE_MAX, 4, &x)) < 0)
			return r;
		if (x < XPORT_BLK_SIZE)
			return CAIRN_ENOTSUP;
		if (x / XPORT_BLK_SIZE < b->part_blocks)
			b->part_blocks = x / XPORT_BLK_SIZE;
	}
	b->read_only = has(b->v, VIRTIO_BLK_F_RO);
	b->can_flush = has(b->v, VIRTIO_BLK_F_FLUSH);
	return 0;
}

/* The queue, in the DMA memory after the headers and status bytes. */
static long queue(struct vblk *b, const struct vblk_mem *dma, unsigned vector)
{
	uint64_t at = (sizeof(struct vblk_dma) + 15) & ~15ul;
	struct virtq_mem m = { (char *)dma->va + at, dma->dev + at, dma->bytes - at };
	long r = virtq_setup(&b->q, b->v, 0, VBLK_QUEUE, &m, vector);
	if (r < 0)
		return r;
	b->max_held = r / 3 < VBLK_SLOTS ? r / 3 : VBLK_SLOTS;
	return b->max_held ? 0 : CAIRN_ENOTSUP;
}

long vblk_probe(struct vblk *b, struct virtio_pci *v, int iommu)
{
	memset(b, 0, sizeof *b);	/* (large: no temporary on the stack) */
	b->v = v;
	long r = virtio_pci_negotiate(v, WANTED, iommu ? VIRTIO_F_ACCESS_PLATFORM : 0);
	if (r == 0)
		r = geometry(b);
	if (r < 0) {
		virtio_pci_fail(v);
		b->failed = 1;
	}
	return r;
}

long vblk_start(struct vblk *b, const struct vblk_mem *dma, const struct vblk_mem *region,
		struct xport_queue *req, struct xport_queue *resp, unsigned vector)
{
	b->dma = dma->va;
	b->dma_dev = dma->dev;
	b->region_dev = region->dev;
	b->region_bytes = region->bytes;
	b->req = req;
	b->resp = resp;
	long r = b->failed ? CAIRN_EIO : 0;
	if (req->words * 8 != XPORT_BLK_REQ_SLOT || req->end != XPORT_CONSUMER ||
	    resp->words * 8 != XPORT_BLK_RESP_SLOT || resp->end != XPORT_PRODUCER) {
		b->req = b->resp = 0;		/* no queue to answer on: vblk_work does nothing */
		r = CAIRN_EINVAL;
	} else if (r == 0 && dma->bytes < VBLK_DMA_BYTES)
		r = CAIRN_ENOMEM;
	else if (r == 0 && (((uintptr_t)dma->va | dma->dev) & 15))
		r = CAIRN_EINVAL;
	if (r == 0)
		r = queue(b, dma, vector);
	if (r == 0)
		r = virtio_pci_driver_ok(b->v);
	if (r < 0) {
		virtio_pci_fail(b->v);
		b->failed = 1;
	}
	return r;
}

/* ---- parts ---------------------------------------------------------------------------- */

static uint64_t dev_of(const struct vblk *b, const volatile void *p)
{
	return b->dma_dev + ((uintptr_t)p - (uintptr_t)b->dma);
}

/*
 * Gives the device the next part of slot s: a flush, or up to part_blocks blocks from
 * where the request stands. 0, or CAIRN_EIO (the device is broken). The queue always
 * has room: a slot has at most one part outstanding, of three descriptors, and at most
 * max_held = size / 3 slots are held (queue()).
 */
static long issue(struct vblk *b, struct vblk_slot *s)
{
	unsigned i = s - b->slot;
	const struct xport_blk_req *rq = &s->req;
	struct virtq_buf bufs[3];
	unsigned n = 0;

	b->dma->hdr[i] = (struct virtio_blk_hdr){ .type = VIRTIO_BLK_T_FLUSH };
	bufs[n++] = (struct virtq_buf){ dev_of(b, &b->dma->hdr[i]), sizeof b->dma->hdr[i], 0 };
	s->part = 0;
	if (rq->op != XPORT_BLK_FLUSH) {
		uint64_t left = rq->count - s->done;
		s->part = left < b->part_blocks ? left : b->part_blocks;
		b->dma->hdr[i].type = rq->op == XPORT_BLK_READ ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT;
		b->dma->hdr[i].sector = (rq->block + s->done) * VBLK_SECTORS;
		bufs[n++] = (struct virtq_buf){ b->region_dev + rq->offset + s->done * XPORT_BLK_SIZE,
						s->part * XPORT_BLK_SIZE, rq->op == XPORT_BLK_READ };
	}
	b->dma->status[i] = VBLK_STATUS_NONE;
	bufs[n++] = (struct virtq_buf){ dev_of(b, &b->dma->status[i]), 1, 1 };
	if (virtq_add(&b->q, bufs, n, s) < 0)
		return CAIRN_EIO;
	b->kick = 1;
	return 0;
}

/* ---- requests ------------------------------------------------------------------------ */

/* Answers a request. The room was reserved when it was taken (take_room); a client that
 * moved its cursor since loses its own response. */
static void respond(struct vblk *b, uint32_t id, long status, uint64_t count)
{
	struct xport_blk_resp r = { .id = id, .status = (int32_t)status, .count = count };
	xport_blk_put_resp(b->resp, &r);
	b->stats.requests++;
	b->stats.errors += status != 0;
}

static void finish(struct vblk *b, struct vblk_slot *s, long status)
{
	if (s->req.op == XPORT_BLK_READ)
		b->stats.read += s->done;
	else if (s->req.op == XPORT_BLK_WRITE)
		b->stats.written += s->done;
	respond(b, s->req.id, status, s->req.op == XPORT_BLK_FLUSH ? 0 : s->done);
	s->busy = 0;
	b->held--;
}

/*
 * The device is broken: it is reset, so that it no longer reads or writes the
 * client's buffers, and then every request held is answered CAIRN_EIO with the blocks
 * done so far; later requests get CAIRN_EIO at once.
 */
static void fail_all(struct vblk *b)
{
	b->failed = 1;
	virtio_pci_reset(b->v);
	virtio_pci_fail(b->v);
	for (unsigned i = 0; i < VBLK_SLOTS; i++)
		if (b->slot[i].busy)
			finish(b, &b->slot[i], CAIRN_EIO);
}

/* A part is done: the status byte, read once, says how. */
static void part_done(struct vblk *b, struct vblk_slot *s)
{
	uint8_t st = b->dma->status[s - b->slot];
	if (st != VIRTIO_BLK_S_OK) {
		finish(b, s, st == VIRTIO_BLK_S_UNSUPP ? CAIRN_ENOTSUP : CAIRN_EIO);
		return;
	}
	s->done += s->part;
	if (s->req.op == XPORT_BLK_FLUSH || s->done == s->req.count)
		finish(b, s, 0);
	else if (issue(b, s) < 0)
		fail_all(b);
}

/* Checks a request the transport passed and answers it now if it needs no device:
 * 1 if answered, 0 if it goes to the device. */
static int answer_now(struct vblk *b, const struct xport_blk_req *rq)
{
	long st = 0;
	uint64_t count = 0;

	if (b->failed)
		st = CAIRN_EIO;
	else if (rq->op == XPORT_BLK_CAPACITY)
		count = b->blocks;
	else if (rq->op == XPORT_BLK_FLUSH) {
		if (b->can_flush)
			return 0;	/* else the device has no write cache: nothing to flush */
	} else if (!xport_blk_fits(b->blocks, rq->block, rq->count))
		st = CAIRN_ERANGE;
	else if (rq->offset % XPORT_BLK_SIZE)
		st = CAIRN_EINVAL;
	else if (rq->op == XPORT_BLK_WRITE && b->read_only)
		st = CAIRN_EACCES;
	else
		return 0;
	respond(b, rq->id, st, count);
	return 1;
}

/* Room in the response queue for every request held and one more: 1, else 0 (also
 * for a client whose cursor is beyond reason). */
static int take_room(const struct vblk *b)
{
	long queued = xport_count(b->resp);
	return queued >= 0 && b->held + 1 <= (b->resp->mask + 1) - (unsigned long)queued;
}

/* A slot is free (a failed device holds none: it answers at once). */
static int slot_free(const struct vblk *b)
{
	return b->failed || b->held < b->max_held;
}

/* Takes one client request: 1 if one was taken (answered or held), 0 if none. */
static int take(struct vblk *b)
{
	struct xport_blk_req rq = { 0 };
	long r = xport_blk_get_req(b->req, b->region_bytes, &rq);
	if (r == CAIRN_EINVAL || r == CAIRN_ERANGE) {
		respond(b, rq.id, r, 0);
		return 1;
	}
	if (r < 0)
		return 0;
	if (answer_now(b, &rq))
		return 1;
	struct vblk_slot *s = b->slot;
	while (s->busy)
		s++;			/* take() runs only with a slot free */
	*s = (struct vblk_slot){ .req = rq, .busy = 1 };
	b->held++;
	if (issue(b, s) < 0)
		fail_all(b);
	return 1;
}

/* ---- the round --------------------------------------------------------------------- */

void vblk_announce(struct vblk *b)
{
	if (!b->req)
		return;
	b->announce = 1;
	b->announce_at = b->req->cursor;
}

/* The restart notice, if it is due and there is room: 1 if it is (still) due. Not a
 * response: not counted. */
static int announce(struct vblk *b)
{
	if (!b->announce)
		return 0;
	if (!take_room(b))
		return 1;
	struct xport_blk_resp r = { .id = XPORT_BLK_RESTARTED, .status = CAIRN_ESTALE, .count = b->announce_at };
	xport_blk_put_resp(b->resp, &r);
	b->announce = 0;
	return 0;
}

/* The device's completions. */
static void reap(struct vblk *b)
{
	void *cookie;
	uint32_t len;
	long r;

	while (!b->failed && (r = virtq_get(&b->q, &cookie, &len)) != CAIRN_EAGAIN) {
		if (r < 0) {
			fail_all(b);
			return;
		}
		part_done(b, cookie);
	}
}

/*
 * A round. The client is woken only about a queue this round moved (responses put,
 * requests taken): the notify protocol needs a check after each publication, not
 * more, and a needless wake costs the client a pass through its scheduler for nothing.
 */
unsigned vblk_work(struct vblk *b)
{
	if (!b->req)
		return 0;
	uint32_t answered = b->resp->cursor, taken = b->req->cursor;
	reap(b);
	while (!announce(b) && slot_free(b) && take_room(b) && take(b))
		;
	if (b->kick && !b->failed)
		virtq_kick(&b->q);
	b->kick = 0;
	unsigned wake = 0;
	if (b->resp->cursor != answered && xport_wake_needed(b->resp))
		wake |= VBLK_WAKE_CLIENT;
	if (b->req->cursor != taken && xport_wake_needed(b->req))
		wake |= VBLK_WAKE_CLIENT;
	return wake;
}

int vblk_arm(struct vblk *b)
{
	if (!b->req)
		return 0;
	if (b->announce)		/* nothing is held: only room for the notice is awaited */
		return xport_arm(b->resp) > 0;
	if (!b->failed && b->held && virtq_arm(&b->q) != 0)
		return 1;		/* completions, or a broken device to fail */
	if (!slot_free(b))
		return 0;		/* a completion frees a slot: the device's interrupt */
	if (!take_room(b)) {
		xport_arm(b->resp);	/* the client's taking a response sends */
		return take_room(b);
	}
	/* CAIRN_EIO, a client's cursor beyond reason, is not work: sleep until it sends */
	return xport_arm(b->req) > 0;
}
