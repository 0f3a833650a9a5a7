/*
 * cairn/port.h: ports (Oro): a ring of fixed-size slots in memory shared by a producer
 * and a consumer component. The ring itself needs no kernel entry: each side owns one
 * cursor (free-running 32-bit counters: empty when head == tail, full when
 * head - tail == slots) and only reads the other's.
 *
 * Asynchronous mode: both sides poll; a full or empty ring is CAIRN_EAGAIN.
 * Synchronous mode: a producer on a full ring, or a consumer on an empty one, sets its
 * waiting flag, looks again, and only then waits on its receive endpoint; the other
 * side, after moving its cursor, clears the flag and sends to it. An activation that
 * arrives before the wait is counted by the kernel, so no wake-up is lost (the
 * protocol is model-checked: tests/spin/port.pml).
 *
 * The peer is not trusted. Everything in the shared ring may hold anything at any
 * time, so an end decides where it copies only from what it owns: the geometry (from
 * its read-only red tape, or given to cairn_port_attach) and its own cursor (kept in
 * struct cairn_port; the ring's copy is only published). The other side's cursor is
 * read once per step and bounded: a peer that moves it where the protocol never puts
 * it (more than `slots` messages queued) gets CAIRN_EIO from this end instead of a
 * message or room, and the port works again once the cursors make sense. The waiting
 * flags are hints: a peer that sets them costs this end needless wake-ups, one that
 * clears them leaves this end waiting for it, as a peer that never sends would.
 *
 * The ring's copy of an end's own cursor is written by that end only. A step that
 * finds it differing from the end's cursor answers CAIRN_ESTALE, and the end takes the
 * ring's: the ring was made anew under it (a persistent component resumed from a
 * checkpoint meets the rings made at this boot, docs/persistence.md: what was in
 * flight is lost, and the next step works), or a peer wrote it (which, like garbled
 * slots, a peer may do).
 */
#ifndef CAIRN_PORT_H
#define CAIRN_PORT_H

#include <stdint.h>
#include "syscall.h"

/*
 * A ring's geometry, each a power of two in these bounds (cairn_port_init checks them;
 * tools/limits.py reads them for tools/system.py).
 */
#define CAIRN_PORT_SLOT_MIN  8		/* bytes of a slot */
#define CAIRN_PORT_SLOT_MAX  4096
#define CAIRN_PORT_SLOTS_MIN 2		/* slots of a ring */
#define CAIRN_PORT_SLOTS_MAX 65536

/* The shared page(s): this header, then `slots` slots of `slot_size` bytes. */
struct cairn_port_ring {
	uint32_t slot_size;		/* a power of two, 8..4096: for a reader's information */
	uint32_t slots;			/* a power of two, 2..65536: likewise; neither end uses them */
	volatile uint32_t head;		/* published by the producer */
	volatile uint32_t tail;		/* published by the consumer */
	volatile uint32_t producer_waits;
	volatile uint32_t consumer_waits;
	uint32_t reserved[10];		/* slots start 64 bytes in */
};

#define CAIRN_PORT_ASYNC 0
#define CAIRN_PORT_SYNC  1

/* One end of a port, as a component sees it: its own memory, never the peer's. */
struct cairn_port {
	struct cairn_port_ring *ring;
	uint32_t words;			/* 8-byte words per slot: a power of two, 1..512 */
	uint32_t mask;			/* slots - 1 (slots a power of two, 2..65536) */
	uint32_t head, tail;		/* the producer's (consumer's) cursor, as this end moves it */
	unsigned mode;			/* CAIRN_PORT_ASYNC or _SYNC */
	unsigned rcv;			/* sync: this side's receive endpoint */
	unsigned peer;			/* sync: an asynchronous send to the other side */
	uint64_t sends;			/* wake-ups this side sent (for tests) */
};

/* Sets up an empty ring in memory of at least cairn_port_bytes(); 0 or CAIRN_EINVAL. */
long cairn_port_init(struct cairn_port_ring *r, uint32_t slot_size, uint32_t slots);
unsigned long cairn_port_bytes(uint32_t slot_size, uint32_t slots);

/*
 * Makes p an asynchronous end of the ring r of that geometry (r must span
 * cairn_port_bytes(slot_size, slots)); its cursors start where r's stand now (read
 * once). 0, or CAIRN_EINVAL for a geometry cairn_port_init refuses (p unchanged).
 */
long cairn_port_attach(struct cairn_port *p, struct cairn_port_ring *r, uint32_t slot_size, uint32_t slots);

/*
 * Opens this component's end of the port its description names, with the geometry,
 * mode and capability slots of its red tape; 0, CAIRN_ENOENT (no such port) or
 * CAIRN_EINVAL (a red tape entry with a geometry the booter never writes).
 */
long cairn_port_open(struct cairn_port *p, const char *name);

/*
 * Copies one slot in or out. Async: CAIRN_EAGAIN if full (empty). Sync: waits.
 * CAIRN_EIO: the peer broke the protocol (its cursor says more than `slots` messages
 * are queued); nothing copied, nothing moved. CAIRN_ESTALE: the ring's copy of this
 * end's cursor is not this end's (the ring was made anew: above); nothing copied, and
 * this end now stands where the ring says.
 */
long cairn_port_send(struct cairn_port *p, const void *msg);
long cairn_port_recv(struct cairn_port *p, void *msg);

/* The pure ring steps (no waiting): 0, CAIRN_EAGAIN when full / empty, or CAIRN_EIO. */
long cairn_ring_put(struct cairn_port *p, const void *msg);
long cairn_ring_get(struct cairn_port *p, void *msg);

/*
 * For an end that never blocks (components/rtos, ports for RTOS programs): one step,
 * as cairn_ring_put/get answer it, then in sync mode the wake-up of the other side
 * that cairn_port_send/recv send after a step that moved this end's cursor.
 */
long cairn_port_try_send(struct cairn_port *p, const void *msg);
long cairn_port_try_recv(struct cairn_port *p, void *msg);

/*
 * Whether this end's next step (producer: a put, else a get) would answer other than
 * CAIRN_EAGAIN (a message or room, CAIRN_EIO, CAIRN_ESTALE): 0 if so, else CAIRN_EAGAIN.
 * Nothing moves. cairn_port_arm first sets this side's waiting flag (sync mode: then
 * sleep on CAIRN_EAGAIN, the other side's next step wakes it).
 */
long cairn_port_ready(const struct cairn_port *p, int producer);
long cairn_port_arm(struct cairn_port *p, int producer);

#endif
