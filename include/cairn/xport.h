/*
 * cairn/xport.h: the driver transport (libxport, docs/devices.md "Transport"), as
 * seL4's sDDF: a driver and a client share a data region and, per direction, queues of
 * buffer descriptors (a free queue and an active queue). Buffers pass by offset into the
 * data region, never by copy; a side that fills a queue its peer sleeps on wakes it
 * with an asynchronous send, and only then.
 *
 * A queue is a port ring (cairn/port.h) used one slot per descriptor: the same shared
 * header (the producer publishes head, the consumer tail, free-running 32-bit
 * counters; the waiting flags), so a [[port]] of the system description builds one.
 * libxport brings its own steps over it: descriptor-sized copies, a peek, a count, and
 * the waiting protocol split in two (arm, then wake) so that one thread can sleep on
 * many queues and an interrupt at once. The library is pure: it makes no system call;
 * the caller sends the wake-up xport_wake_needed asks for.
 *
 * The peer is hostile. Everything in the ring may change at any time, so an end keeps
 * its own cursor and the geometry in struct xport_queue (its private memory), reads
 * the peer's cursor once per step and bounds it (more than `slots` queued, or room
 * below zero: CAIRN_EIO, nothing moved), copies a descriptor into private memory
 * before looking at it, and checks each buffer it names against the data region's
 * size, which also comes from its own memory (offset + length inside, no wrap).
 * A descriptor naming a buffer outside the region is consumed and reported
 * (CAIRN_ERANGE, with the copy, so a driver can answer a block request by its id);
 * the queue goes on. CAIRN_EIO always means the peer's cursor is beyond reason and
 * nothing moved. Waiting flags are hints, as
 * for ports: a peer that sets them costs needless wake-ups, one that clears them makes
 * this end wait for it, as a peer that never sends would.
 */
#ifndef CAIRN_XPORT_H
#define CAIRN_XPORT_H

#include <stdint.h>
#include "port.h"

/* Which end of a queue this is: the producer owns head, the consumer tail. */
#define XPORT_PRODUCER 0
#define XPORT_CONSUMER 1

/* One end of a queue, in this component's private memory. */
struct xport_queue {
	struct cairn_port_ring *ring;	/* shared: the header, then the slots */
	uint32_t mask;			/* slots - 1 (slots a power of two) */
	uint32_t words;			/* 8-byte words per slot */
	uint32_t cursor;		/* this end's own: head (producer) or tail (consumer) */
	uint32_t end;			/* XPORT_PRODUCER or XPORT_CONSUMER */
};

/*
 * Makes q the `end` of ring r, whose geometry (cairn_port_init's bounds) this end
 * knows from its own red tape or configuration, never from r's header; the cursor
 * starts where r's stands now (read once). 0, or CAIRN_EINVAL (bad geometry or end:
 * q unchanged). r must span cairn_port_bytes(slot_size, slots).
 */
long xport_attach(struct xport_queue *q, struct cairn_port_ring *r, uint32_t slot_size, uint32_t slots,
		  unsigned end);

/* Descriptors queued, as this end sees them now: 0..slots, or CAIRN_EIO (the peer's cursor is beyond). */
long xport_count(const struct xport_queue *q);

/*
 * The steps; `slot` is slot_size bytes of this end's memory, 8-byte aligned.
 *   put   (producer) copies slot in and publishes it: 0, CAIRN_EAGAIN full, CAIRN_EIO.
 *   peek  (consumer) copies the oldest out, leaves it queued: 0, CAIRN_EAGAIN empty, CAIRN_EIO.
 *   get   (consumer) peek, then consume it.
 * CAIRN_EIO: the peer's cursor says more than `slots` are queued; nothing copied, nothing
 * moved. A step at the wrong end is CAIRN_EINVAL, as is a typed step below (buf, blk)
 * on a queue whose slot size is not its descriptor's.
 */
long xport_put(struct xport_queue *q, const void *slot);
long xport_peek(struct xport_queue *q, void *slot);
long xport_get(struct xport_queue *q, void *slot);

/*
 * xport_drop (consumer): consumes, unread, every descriptor queued now (the peer's
 * cursor read once and bounded) and publishes the cursor: how many (0..slots), or
 * CAIRN_EIO (the peer's cursor is beyond reason: nothing moved), CAIRN_EINVAL (the
 * producer's end). A driver drops what a client's earlier instance left on its queues
 * when the client asks for a reset (docs/devices.md "Virtio-net", "A client's restart").
 */
long xport_drop(struct xport_queue *q);

/*
 * The waiting protocol (both ends; the consumer waits for descriptors, the producer
 * for room):
 *   xport_arm: before sleeping, sets this end's waiting flag, then looks again. Returns
 *     what there is now (descriptors for a consumer, free slots for a producer): 0 means
 *     sleep (the flag stays set, the peer will send), more means go on (the flag is
 *     cleared again); or CAIRN_EIO (flag cleared).
 *   xport_wake_needed: after put (or get) steps, 1 if the other end said it waits: the
 *     flag is cleared and the caller must send to it (cairn_asnd_send); else 0.
 * The flag store and the cursor load are ordered by full fences on both sides, so at
 * least one side sees the other: no wake-up is lost, given that a send before the
 * sleeper's wait is counted (the kernel's activations are).
 */
long xport_arm(struct xport_queue *q);
int xport_wake_needed(struct xport_queue *q);

/*
 * xport_arm for a side that needs `want` at once (a driver that takes a buffer only
 * with room to give back every one it holds): the flag stays set unless at least
 * `want` are there (or CAIRN_EIO), so the peer sends when it changes the queue again.
 * Returns what there is, as xport_arm; below `want` means sleep. xport_arm is
 * xport_arm_for(q, 1).
 */
long xport_arm_for(struct xport_queue *q, unsigned long want);

/* --- buffers ------------------------------------------------------------------- */

/* A buffer in the data region: `len` bytes at `offset`. Net frames; a generic queue's slot. */
struct xport_buf {
	uint64_t offset;
	uint32_t len;
	uint32_t id;			/* the producer's own tag, carried back untouched */
};

/* 1 if [offset, offset + len) lies inside a region of `size` bytes (no wrap), else 0. */
static inline int xport_in_region(uint64_t size, uint64_t offset, uint64_t len)
{
	return offset <= size && len <= size - offset;
}

/*
 * A queue of struct xport_buf (slot_size 16). xport_get_buf consumes the next one into
 * *b and checks it against the data region's size (`region` bytes): 0; CAIRN_ERANGE,
 * *b filled and consumed, if the buffer lies outside; CAIRN_EAGAIN empty; CAIRN_EIO
 * (the peer's cursor), *b untouched and nothing moved. xport_put_buf: as xport_put.
 */
long xport_put_buf(struct xport_queue *q, const struct xport_buf *b);
long xport_get_buf(struct xport_queue *q, uint64_t region, struct xport_buf *b);

/*
 * Net (frames): per direction a free queue and an active queue of struct xport_buf.
 *   receive:  the client puts empty buffers on rx free (len = the buffer's size); the
 *             driver gets one, has the device fill it, puts it on rx active with len =
 *             the frame's length; the client gets it, reads the frame, puts it back on
 *             rx free.
 *   transmit: the client gets a buffer from tx free, writes a frame, puts it on tx
 *             active with len = the frame's length; the driver sends it and puts the
 *             buffer on tx free.
 * The client owns the data region's contents; a frame longer than the driver's MTU is
 * the driver's to refuse.
 */
#define XPORT_NET_SLOT sizeof(struct xport_buf)

/*
 * The net restart notice (docs/devices.md "Virtio-net", "Restart"): a restarted
 * driver's first buffer on rx active and on tx free, before any of its own: id
 * XPORT_NET_RESTARTED, len 0, offset = the position (the free-running tail) of the
 * client's queue in that direction (rx free, tx active) where the new instance starts.
 * Every buffer the client put on that queue before the position and has not had back
 * (before the notice) is lost to the driver and the client's again: the device has
 * been reset, so it no longer reads or writes it. A client never gives a buffer the id
 * XPORT_NET_RESTARTED.
 */
#define XPORT_NET_RESTARTED 0xffffffffu

/*
 * The net reset notice (docs/devices.md "Virtio-net", "A client's restart"): a driver
 * that a client asked for a reset (interfaces/net.toml `reset`) resets its device,
 * forgets every buffer it held (never giving it back: the client instance that gave it
 * is gone), drops what waits on rx free and tx active (xport_drop), and puts on rx
 * active and on tx free, before any buffer of its own, this notice: id XPORT_NET_RESET,
 * len 0, offset = the position in rx free (tx active) where it serves again. Everything
 * on the queue before it is the earlier client's. For buffers given, it means what the
 * restart notice means: those put before the position and not had back are lost. A
 * client never gives a buffer the id XPORT_NET_RESET.
 */
#define XPORT_NET_RESET 0xfffffffeu

/*
 * The client's side of one net direction (libxport, net_client.c): the buffers it gave
 * the driver and has not had back, with their queue positions, and the restart notice.
 * Receive: give = rx free, back = rx active; transmit: give = tx active, back = tx free.
 *   xport_net_client_init: over the two queue ends (give: producer, back: consumer),
 *     already attached.
 *   xport_net_give: records b's position and puts it: 0; CAIRN_EINVAL (id
 *     XPORT_NET_RESTARTED or XPORT_NET_RESET, or an id outstanding: nothing put);
 *     CAIRN_EAGAIN (the queue
 *     or the table, XPORT_NET_CLIENT_MAX, full: nothing put); CAIRN_EIO (the driver's
 *     cursor is beyond reason).
 *   xport_net_back: the next buffer of those outstanding into *out, as the client gave
 *     it (offset, id) with the driver's len: 0 (the driver's: len 0 is a refusal);
 *     XPORT_NET_LOST (a restart lost it: it is the client's again, len as given);
 *     CAIRN_EAGAIN (none yet: arm `back` and sleep); CAIRN_EIO (the driver's cursor).
 *     A buffer back whose id is not outstanding is dropped (`stray`); a notice marks
 *     what it lost (`restarts`). A notice whose position is not between the head and a
 *     queue's length before it loses every buffer outstanding.
 *   xport_net_client_restart: this client is a new instance over queues an earlier one
 *     used (the driver may hold that one's buffers, and `back` hold its returns): sets
 *     `resetting` and `ask`. The caller asks the driver for a reset (interfaces/net.toml
 *     `reset`), clears `ask`, wakes the driver, and gives nothing until `resetting` is 0
 *     again. Meanwhile xport_net_back drops every buffer back (`stale`) until the reset
 *     notice, which clears `resetting`; a restart notice instead (the driver restarted,
 *     perhaps before it saw the request) sets `ask` again: ask again.
 * Either notice counts (`restarts`, `resets`) and loses what it says. The caller wakes
 * the driver (xport_wake_needed on either queue) as before.
 */
#define XPORT_NET_CLIENT_MAX 64
#define XPORT_NET_LOST 1
struct xport_net_client {
	struct xport_queue *give, *back;
	unsigned outstanding;
	uint64_t restarts, resets, stray, stale;
	uint8_t resetting, ask;		/* xport_net_client_restart */
	struct {
		struct xport_buf b;	/* as given */
		uint32_t at;		/* its position in `give` */
		uint8_t busy, lost;	/* outstanding; lost in a restart, to be handed back */
	} p[XPORT_NET_CLIENT_MAX];
};
void xport_net_client_init(struct xport_net_client *c, struct xport_queue *give, struct xport_queue *back);
long xport_net_give(struct xport_net_client *c, const struct xport_buf *b);
long xport_net_back(struct xport_net_client *c, struct xport_buf *out);
void xport_net_client_restart(struct xport_net_client *c);

/* --- block --------------------------------------------------------------------- */

#define XPORT_BLK_SIZE 4096		/* bytes of a block, as the transport counts them */

enum xport_blk_op {
	XPORT_BLK_READ = 1,		/* device -> buffer: count blocks from `block` */
	XPORT_BLK_WRITE = 2,		/* buffer -> device */
	XPORT_BLK_FLUSH = 3,		/* everything written before is durable; no buffer */
	XPORT_BLK_CAPACITY = 4,		/* the device's size in blocks, in the response; no buffer */
};

/*
 * A request (client -> driver, the request queue, slot_size 32). The client writes
 * every field; the driver reads them once, from its copy. READ and WRITE name `count`
 * (1..XPORT_BLK_MAX) blocks of buffer at `offset` in the data region (count *
 * XPORT_BLK_SIZE bytes); FLUSH and CAPACITY ignore count, offset and block.
 */
#define XPORT_BLK_MAX (1u << 20)	/* blocks in one request: 4 GiB */
struct xport_blk_req {
	uint32_t op;			/* enum xport_blk_op */
	uint32_t count;			/* blocks */
	uint64_t block;			/* the first block on the device */
	uint64_t offset;		/* the buffer in the data region */
	uint32_t id;			/* the client's, echoed in the response */
	uint32_t reserved;
};

/*
 * A response (driver -> client, the response queue, slot_size 16). The driver writes
 * every field; the client checks `id` against its own table of requests in flight and
 * `count` against what it asked (the transport cannot: ids are the client's).
 */
struct xport_blk_resp {
	uint32_t id;			/* the request's */
	int32_t status;			/* 0, or a CAIRN_E* error */
	uint64_t count;			/* blocks done (READ, WRITE), the device's blocks (CAPACITY), 0 (FLUSH) */
};

#define XPORT_BLK_REQ_SLOT  sizeof(struct xport_blk_req)
#define XPORT_BLK_RESP_SLOT sizeof(struct xport_blk_resp)

/*
 * The restart notice (docs/devices.md "Transport", "Restart"): a restarted driver's first
 * word on the response queue, before any answer of its own: id XPORT_BLK_RESTARTED,
 * status CAIRN_ESTALE, count = the request queue's position (the free-running tail)
 * where the new instance starts. Every request the client put before that position and
 * has had no response for (before the notice) is lost: it failed, and a write in it
 * may or may not have reached the disk. Requests from that position on are the new
 * instance's. When the client reads the notice the device has been reset: no buffer
 * of the data region is written or read by it for a lost request any more. A client
 * never gives a request the id XPORT_BLK_RESTARTED (the driver answers it, but never
 * with CAIRN_ESTALE).
 */
#define XPORT_BLK_RESTARTED 0

/*
 * The client's side of the block transport, for any block client (libxport,
 * blk_client.c): ids, the table of requests outstanding, and the restart notice.
 *   xport_blk_client_init: over the client's two queue ends (request producer,
 *     response consumer), already attached.
 *   xport_blk_submit: gives *rq an id (never XPORT_BLK_RESTARTED; also returned in
 *     rq->id), records its queue position and puts it: 0; CAIRN_EAGAIN (the queue or
 *     the table, XPORT_BLK_CLIENT_MAX, is full: nothing put); CAIRN_EIO (the driver's
 *     cursor is beyond reason).
 *   xport_blk_complete: the next completion of a request outstanding into *out: the
 *     driver's response, or {id, CAIRN_ESTALE, 0} for one a restart lost; 0, or
 *     CAIRN_EAGAIN (none yet: arm the response queue and sleep), or CAIRN_EIO (the
 *     driver's cursor). A response whose id is not outstanding is dropped (counted in
 *     `stray`); a notice fails what it says was lost (counted in `restarts`). A
 *     notice whose position is not between the oldest request outstanding and the
 *     queue's head fails every request outstanding.
 * The caller wakes the driver (xport_wake_needed on either queue) as before.
 */
#define XPORT_BLK_CLIENT_MAX 64
struct xport_blk_client {
	struct xport_queue *req, *resp;
	uint32_t next_id;
	unsigned outstanding;
	uint64_t restarts, stray;
	struct {
		uint32_t id, at;	/* its id, its request-queue position */
		uint8_t busy, lost;	/* outstanding; lost in a restart, to be completed */
	} p[XPORT_BLK_CLIENT_MAX];
};
void xport_blk_client_init(struct xport_blk_client *c, struct xport_queue *req, struct xport_queue *resp);
long xport_blk_submit(struct xport_blk_client *c, struct xport_blk_req *rq);
long xport_blk_complete(struct xport_blk_client *c, struct xport_blk_resp *out);

/*
 * A block client that waits for each answer (libxport, blk_sync.c), on the caller's
 * endpoint (CAIRN_SLOT_RCV), the driver woken by its ports' sends.
 *   xport_blk_sync_open: over the red tape's ports req (to the driver) and resp (back):
 *     0, or the error of opening or attaching them.
 *   xport_blk_sync_call: one request (count blocks from `block`, at `offset` in the data
 *     region) and its response: the driver's, or status CAIRN_E* if the transport
 *     failed (CAIRN_ESTALE: a driver restart lost it).
 */
struct xport_blk_sync {
	struct cairn_port req_port, resp_port;
	struct xport_queue req_q, resp_q;
	struct xport_blk_client blk;
};
long xport_blk_sync_open(struct xport_blk_sync *s, const char *req, const char *resp);
struct xport_blk_resp xport_blk_sync_call(struct xport_blk_sync *s, uint32_t op, uint32_t count, uint64_t block,
					  uint64_t offset);

/*
 * The driver's step: consumes the next request into *req and checks it: 0 (a known op;
 * READ and WRITE: 1 <= count, and the buffer inside a region of `region` bytes);
 * CAIRN_EINVAL (an unknown op, a READ or WRITE of 0 blocks or of more than 2^20) or
 * CAIRN_ERANGE (its buffer outside the region), *req filled and consumed: answer it
 * with that status; CAIRN_EAGAIN empty; CAIRN_EIO (the client's cursor), *req
 * untouched and nothing moved. The other three are xport_put / xport_get typed.
 * Whether block + count fits the device is the driver's check (xport_blk_fits).
 */
long xport_blk_get_req(struct xport_queue *q, uint64_t region, struct xport_blk_req *req);
long xport_blk_put_req(struct xport_queue *q, const struct xport_blk_req *req);
long xport_blk_put_resp(struct xport_queue *q, const struct xport_blk_resp *resp);
long xport_blk_get_resp(struct xport_queue *q, struct xport_blk_resp *resp);

/* 1 if blocks [block, block + count) lie on a device of `blocks` blocks (no wrap). */
static inline int xport_blk_fits(uint64_t blocks, uint64_t block, uint64_t count)
{
	return xport_in_region(blocks, block, count);
}

#endif
