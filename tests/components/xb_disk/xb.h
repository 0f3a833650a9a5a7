/*
 * xb.h: the plan of tests/qemu/systems/xport_blk.toml, the block transport between two
 * components (docs/devices.md, "Transport"): xb_disk, a RAM disk driver, serves xb_client
 * (honest) and xb_hostile over a data region and a request and a response queue each
 * (`[[port]]`s of slot size 32 and 16; their sync sends are the notifications). Each
 * client has a disk of its own, XB_BLOCKS blocks of the driver's private region
 * `store`. Keep this, the description and tests/qemu/tests.toml in step.
 *
 * The driver's answers (struct xport_blk_resp.status), by id:
 *   0             done; count: blocks moved, the disk's blocks (CAPACITY), 0 (FLUSH)
 *   CAIRN_EINVAL  an unknown op, a READ or WRITE of 0 blocks or more than XPORT_BLK_MAX
 *   CAIRN_ERANGE  its buffer is not inside the client's data region
 *   CAIRN_EFAULT  its blocks are not on the disk (block + count past XB_BLOCKS)
 * A request it cannot read (the client's cursor is impossible: CAIRN_EIO) it does not
 * see; a response the client has no room for (full, or its cursor impossible) it drops.
 */
#ifndef XB_H
#define XB_H

#include <cairn/cairn.h>
#include <cairn/port.h>
#include <cairn/xport.h>

#define XB_BLOCKS  32			/* each client's disk */
#define XB_REGION  0x10000UL		/* each client's data region: 16 blocks */
#define XB_SLOTS   8			/* each queue's */
#define XB_STOP    0x73746f70UL		/* xb_client -> xb_disk on `stop`: the end */
#define XB_DONE    0x646f6e65UL		/* xb_hostile -> xb_client on `hostile_done` */
#define XB_YIELDS  100000		/* the most a polling wait yields */

/* Port `name`'s end in this component's red tape as a queue end; *peer its send to the
 * other end, *ring the shared ring. 0, CAIRN_ENOENT, or xport_attach's error. */
static inline long xb_queue(const struct cairn_root *rt, const char *name, unsigned end, struct xport_queue *q,
			    unsigned *peer, struct cairn_port_ring **ring)
{
	for (unsigned i = 0; i < rt->nports && i < CAIRN_ROOT_PORTS; i++) {
		const struct cairn_port_end *e = &rt->port[i];
		if (strcmp(e->name, name) != 0)
			continue;
		*peer = e->peer;
		if (ring)
			*ring = (struct cairn_port_ring *)e->ring_va;
		return xport_attach(q, (struct cairn_port_ring *)e->ring_va, e->slot_size, e->slots, end);
	}
	return CAIRN_ENOENT;
}

/* Puts a request and wakes the driver if it waits: xport_blk_put_req's result. */
static inline long xb_put(struct xport_queue *q, unsigned peer, const struct xport_blk_req *rq)
{
	long r = xport_blk_put_req(q, rq);

	if (r == 0 && xport_wake_needed(q))
		cairn_asnd_send(peer, 0);
	return r;
}

/* The next response, polling (yields, at most XB_YIELDS): 0, or the last error
 * (CAIRN_EAGAIN: none came; CAIRN_EIO: the ring's cursors make no sense). */
static inline long xb_poll(struct xport_queue *q, struct xport_blk_resp *resp)
{
	long r = CAIRN_EAGAIN;

	for (unsigned n = 0; n < XB_YIELDS; n++) {
		if ((r = xport_blk_get_resp(q, resp)) != CAIRN_EAGAIN && r != CAIRN_EIO)
			return r;
		cairn_yield();
	}
	return r;
}

/* Byte i of block `block` as a writer with `seed` fills it. */
static inline uint8_t xb_byte(uint64_t seed, uint64_t block, uint64_t i)
{
	return (uint8_t)((block * 131 + i * 7 + seed * 29 + (i >> 8)) ^ (seed >> 3));
}

#endif
