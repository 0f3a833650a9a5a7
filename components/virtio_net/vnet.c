/*
 * vnet.c: the virtio-net driver's core (vnet.h): bringing the device up, giving it the
 * client's buffers, and giving them back. Pure (no system call); layers: the device's
 * set-up, then one direction's buffers (a slot each while the device holds it), then
 * the round of work over both directions.
 */
#include <cairn/virtio.h>
#include <cairn/xport.h>
#include <common/string.h>

#include "vnet.h"

_Static_assert(sizeof(struct virtio_net_hdr) == 12, "the header is 12 bytes with VIRTIO_F_VERSION_1");

/* ---- set-up ------------------------------------------------------------------------ */

static void count(struct vnet *n, unsigned which)
{
	__atomic_store_n(&n->stats[which], n->stats[which] + 1, __ATOMIC_RELAXED);
}

static long read_mac(struct vnet *n)
{
	for (unsigned i = 0; i < NET_MAC_LEN; i++) {
		uint64_t b;
		long r = virtio_pci_config(n->v, VIRTIO_NET_CFG_MAC + i, 1, &b);
		if (r < 0)
			return r;
		n->mac[i] = (uint8_t)b;
	}
	n->has_mac = 1;
	return 0;
}

/* Resets the device, negotiates and reads its MAC address: vnet_probe's steps. */
static long negotiate(struct vnet *n, int iommu)
{
	struct virtio_pci *v = n->v;
	n->failed = 0;
	uint64_t wanted = (1ull << VIRTIO_NET_F_MAC) | VIRTIO_F_ACCESS_PLATFORM;
	long r = virtio_pci_negotiate(v, wanted, iommu ? VIRTIO_F_ACCESS_PLATFORM : 0);
	if (r == 0 && (v->features >> VIRTIO_NET_F_MAC) & 1)
		r = read_mac(n);
	if (r < 0) {
		virtio_pci_fail(v);
		n->failed = 1;
	}
	return r;
}

long vnet_probe(struct vnet *n, struct virtio_pci *v, int iommu)
{
	memset(n, 0, sizeof *n);	/* (large: no temporary on the stack) */
	n->v = v;
	return negotiate(n, iommu);
}

/* Direction d's queue, the index-th after the headers in the DMA memory. */
static long queue(struct vnet *n, struct vnet_dir *d, unsigned index, const struct vnet_mem *dma, unsigned vector)
{
	uint64_t at = VNET_QAT + index * VNET_QBYTES;
	struct virtq_mem m = { (char *)dma->va + at, dma->dev + at, VNET_QBYTES };
	long r = virtq_setup(&d->q, n->v, index, VNET_QUEUE, &m, vector);
	if (r < 0)
		return r;
	d->max_held = r / 2;
	return d->max_held ? 0 : CAIRN_ENOTSUP;
}

long vnet_start(struct vnet *n, const struct vnet_mem *dma, const struct vnet_mem *region,
		const struct vnet_queues *qs, unsigned vector)
{
	n->dma = dma->va;
	n->dma_dev = dma->dev;
	n->region_dev = region->dev;
	n->region_bytes = region->bytes;
	n->rx = (struct vnet_dir){ .from = qs->rx_free, .back = qs->rx_active, .tx = 0 };
	n->tx = (struct vnet_dir){ .from = qs->tx_active, .back = qs->tx_free, .tx = 1 };
	n->rx.hdr = ((struct vnet_dma *)dma->va)->rx;
	n->tx.hdr = ((struct vnet_dma *)dma->va)->tx;
	long r = n->failed ? CAIRN_EIO : 0;
	if (r == 0 && dma->bytes < VNET_DMA_BYTES)
		r = CAIRN_ENOMEM;
	else if (r == 0 && (((uintptr_t)dma->va | dma->dev) & 15))
		r = CAIRN_EINVAL;
	if (r == 0)
		r = queue(n, &n->rx, VNET_RXQ, dma, vector);
	if (r == 0)
		r = queue(n, &n->tx, VNET_TXQ, dma, vector);
	if (r == 0)
		r = virtio_pci_driver_ok(n->v);
	if (r < 0) {
		virtio_pci_fail(n->v);
		n->failed = 1;
	}
	return r;
}

/* ---- one direction's buffers ------------------------------------------------------- */

/* The bytes of b the device may write (receive) or read (transmit). */
static uint64_t extent(const struct xport_buf *b)
{
	return b->len < NET_FRAME_MAX ? b->len : NET_FRAME_MAX;
}

static uint64_t dev_of(const struct vnet *n, const void *p)
{
	return n->dma_dev + ((uintptr_t)p - (uintptr_t)n->dma);
}

/* Gives buffer b back to the client with `len` (0: refused). The room was reserved
 * when it was taken (room()); a client that moved its cursor since loses it. */
static void give_back(struct vnet *n, struct vnet_dir *d, struct xport_buf b, uint32_t len)
{
	b.len = len;
	xport_put_buf(d->back, &b);
	if (!len)
		count(n, d->tx ? NET_STAT_TX_REFUSED : NET_STAT_RX_REFUSED);
}

/*
 * Gives the device slot s's buffer: the header (zeroed: no offloads; the device writes
 * it on receive), then the frame (transmit: its bytes) or room for one (receive: at most
 * NET_FRAME_MAX bytes). 0, or CAIRN_EIO (the device is broken). The queue always has
 * room: two descriptors a slot, max_held = size / 2.
 */
static long issue(struct vnet *n, struct vnet_dir *d, struct vnet_slot *s)
{
	struct virtio_net_hdr *h = &d->hdr[s - d->slot];
	struct virtq_buf bufs[2] = {
		{ dev_of(n, h), sizeof *h, !d->tx },
		{ n->region_dev + s->buf.offset, (uint32_t)extent(&s->buf), !d->tx },
	};

	memset(h, 0, sizeof *h);
	if (virtq_add(&d->q, bufs, 2, s) < 0)
		return CAIRN_EIO;
	d->kick = 1;
	return 0;
}

static void release(struct vnet_dir *d, struct vnet_slot *s)
{
	s->busy = 0;
	d->held--;
}

/*
 * The device is broken: it is reset, so that it no longer reads or writes the
 * client's buffers, and every buffer held comes back refused; later ones likewise.
 */
static void fail_all(struct vnet *n)
{
	n->failed = 1;
	virtio_pci_reset(n->v);
	virtio_pci_fail(n->v);
	struct vnet_dir *dirs[2] = { &n->rx, &n->tx };
	for (unsigned k = 0; k < 2; k++)
		for (unsigned i = 0; i < VNET_HELD; i++)
			if (dirs[k]->slot[i].busy) {
				give_back(n, dirs[k], dirs[k]->slot[i].buf, 0);
				release(dirs[k], &dirs[k]->slot[i]);
			}
}

/*
 * A chain the device is done with; `len` the bytes it wrote (receive: the header and
 * the frame, bounded by libvirtio to the chain's writable bytes). A received frame
 * shorter than NET_FRAME_MIN is dropped and the buffer given to the device again.
 */
static void done(struct vnet *n, struct vnet_dir *d, struct vnet_slot *s, uint32_t len)
{
	if (d->tx) {
		count(n, NET_STAT_TX_FRAMES);
		give_back(n, d, s->buf, s->buf.len);
	} else if (len < sizeof(struct virtio_net_hdr) + NET_FRAME_MIN) {
		count(n, NET_STAT_RX_DROPPED);
		if (issue(n, d, s) < 0)
			fail_all(n);
		return;
	} else {
		count(n, NET_STAT_RX_FRAMES);
		give_back(n, d, s->buf, len - (uint32_t)sizeof(struct virtio_net_hdr));
	}
	release(d, s);
}

/* A buffer the client gave is one the device can take: lengths of cairn/net.h. */
static int acceptable(const struct vnet_dir *d, const struct xport_buf *b)
{
	if (d->tx)
		return b->len >= NET_FRAME_MIN && b->len <= NET_FRAME_MAX;
	return b->len >= NET_FRAME_MAX;
}

/*
 * A receive buffer overlapping one the device holds: 1. The device would write both,
 * so a frame could land in the first before the client has read the second (a client
 * that gives a buffer twice: one restarted without the reset handshake gives again
 * what the driver holds). Both lie inside the region (checked), so no sum wraps.
 */
static int overlaps_held(const struct vnet_dir *d, const struct xport_buf *b)
{
	for (unsigned i = 0; i < VNET_HELD; i++) {
		const struct xport_buf *h = &d->slot[i].buf;
		if (d->slot[i].busy && b->offset < h->offset + extent(h) && h->offset < b->offset + extent(b))
			return 1;
	}
	return 0;
}

/* Room on the way back for every buffer held and one more: 1, else 0 (also for a
 * client whose cursor is beyond reason). */
static int room(const struct vnet_dir *d)
{
	long queued = xport_count(d->back);
	return queued >= 0 && d->held + 1 <= (d->back->mask + 1) - (unsigned long)queued;
}

/* A slot is free (a failed device holds none: it refuses at once). */
static int slot_free(const struct vnet *n, const struct vnet_dir *d)
{
	return n->failed || d->held < d->max_held;
}

/* Takes one client buffer: 1 if one was taken (refused or given to the device), 0 if none. */
static int take(struct vnet *n, struct vnet_dir *d)
{
	struct xport_buf b;
	long r = xport_get_buf(d->from, n->region_bytes, &b);
	if (r == CAIRN_ERANGE || (r == 0 && (n->failed || !acceptable(d, &b) || (!d->tx && overlaps_held(d, &b))))) {
		give_back(n, d, b, 0);
		return 1;
	}
	if (r < 0)
		return 0;
	struct vnet_slot *s = d->slot;
	while (s->busy)
		s++;			/* take() runs only with a slot free */
	*s = (struct vnet_slot){ .buf = b, .busy = 1 };
	d->held++;
	if (issue(n, d, s) < 0)
		fail_all(n);
	return 1;
}

/* ---- the round --------------------------------------------------------------------- */

static void reap(struct vnet *n, struct vnet_dir *d)
{
	void *cookie;
	uint32_t len;
	long r;

	while (!n->failed && (r = virtq_get(&d->q, &cookie, &len)) != CAIRN_EAGAIN) {
		if (r < 0) {
			fail_all(n);
			return;
		}
		done(n, d, cookie, len);
	}
}

/* A notice `id` is due in each direction, at the client's queue's position now. */
static void announce_all(struct vnet *n, uint32_t id)
{
	struct vnet_dir *dirs[2] = { &n->rx, &n->tx };
	for (unsigned k = 0; k < 2; k++)
		if (dirs[k]->from) {
			dirs[k]->announce = id;
			dirs[k]->announce_at = dirs[k]->from->cursor;
		}
}

void vnet_announce(struct vnet *n)
{
	announce_all(n, XPORT_NET_RESTARTED);
}

long vnet_reset(struct vnet *n, int iommu, const struct vnet_mem *dma, const struct vnet_mem *region,
		const struct vnet_queues *qs, unsigned vector)
{
	long r = negotiate(n, iommu);
	long s = vnet_start(n, dma, region, qs, vector);	/* forgets every slot */
	xport_drop(n->rx.from);
	xport_drop(n->tx.from);
	announce_all(n, XPORT_NET_RESET);
	return r < 0 ? r : s;
}

/* Direction d's restart or reset notice, if it is due and there is room: 1 if it is
 * (still) due. Not a buffer given back: not counted. */
static int announce(struct vnet_dir *d)
{
	if (!d->announce)
		return 0;
	if (!room(d))
		return 1;
	struct xport_buf b = { .offset = d->announce_at, .len = 0, .id = d->announce };
	xport_put_buf(d->back, &b);
	d->announce = 0;
	return 0;
}

static void serve(struct vnet *n, struct vnet_dir *d)
{
	while (!announce(d) && slot_free(n, d) && room(d) && take(n, d))
		;
	if (d->kick && !n->failed)
		virtq_kick(&d->q);
	d->kick = 0;
}

/*
 * A round. The client is woken only about a queue this round moved (buffers taken or
 * given back): the notify protocol needs a check after each publication, not more,
 * and a needless wake costs the client a pass through its scheduler for nothing.
 */
unsigned vnet_work(struct vnet *n)
{
	struct xport_queue *qs[4] = { n->rx.from, n->rx.back, n->tx.from, n->tx.back };
	uint32_t at[4];
	unsigned wake = 0;

	for (unsigned i = 0; i < 4; i++)
		at[i] = qs[i]->cursor;
	reap(n, &n->rx);
	reap(n, &n->tx);
	serve(n, &n->rx);
	serve(n, &n->tx);
	for (unsigned i = 0; i < 4; i++)
		if (qs[i]->cursor != at[i] && xport_wake_needed(qs[i]))
			wake |= VNET_WAKE_CLIENT;
	return wake;
}

/*
 * One direction before sleeping: 1 if there is work already. A client queue whose
 * cursor is beyond reason (xport_arm's CAIRN_EIO) is no work: the driver sleeps until
 * the client sends, after mending it (spinning on it instead would let a client hold
 * the driver's thread for ever).
 */
static int arm_dir(struct vnet *n, struct vnet_dir *d)
{
	if (d->announce)	/* nothing is held: only room for the notice is awaited */
		return xport_arm(d->back) > 0;
	if (!n->failed && d->held && virtq_arm(&d->q) != 0)
		return 1;
	if (!slot_free(n, d))
		return 0;		/* a completion frees a slot: the device's interrupt */
	if (!room(d))		/* the client takes buffers back: it sends once there is room for all */
		return xport_arm_for(d->back, d->held + 1) >= (long)(d->held + 1);
	return xport_arm(d->from) > 0;
}

int vnet_arm(struct vnet *n)
{
	int rx = arm_dir(n, &n->rx);
	int tx = arm_dir(n, &n->tx);
	return rx || tx;
}
