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
 */
#ifndef CAIRN_PORT_H
#define CAIRN_PORT_H

#include <stdint.h>
#include "syscall.h"

/* The shared page(s): this header, then `slots` slots of `slot_size` bytes. */
struct cairn_port_ring {
	uint32_t slot_size;		/* a power of two, 8..4096 */
	uint32_t slots;			/* a power of two */
	volatile uint32_t head;		/* written by the producer only */
	volatile uint32_t tail;		/* written by the consumer only */
	volatile uint32_t producer_waits;
	volatile uint32_t consumer_waits;
	uint32_t reserved[10];		/* slots start 64 bytes in */
};

#define CAIRN_PORT_ASYNC 0
#define CAIRN_PORT_SYNC  1

/* One end of a port, as a component sees it. */
struct cairn_port {
	struct cairn_port_ring *ring;
	unsigned mode;			/* CAIRN_PORT_ASYNC or _SYNC */
	unsigned rcv;			/* sync: this side's receive endpoint */
	unsigned peer;			/* sync: an asynchronous send to the other side */
	uint64_t sends;			/* wake-ups this side sent (for tests) */
};

/* Sets up an empty ring in memory of at least cairn_port_bytes(); 0 or CAIRN_EINVAL. */
long cairn_port_init(struct cairn_port_ring *r, uint32_t slot_size, uint32_t slots);
unsigned long cairn_port_bytes(uint32_t slot_size, uint32_t slots);

/* Opens this component's end of the port its description names; 0 or CAIRN_ENOENT. */
long cairn_port_open(struct cairn_port *p, const char *name);

/* Copies one slot in or out. Async: CAIRN_EAGAIN if full (empty). Sync: waits. */
long cairn_port_send(struct cairn_port *p, const void *msg);
long cairn_port_recv(struct cairn_port *p, void *msg);

/* The pure ring steps (no waiting): 0, or CAIRN_EAGAIN when full / empty. */
long cairn_ring_put(struct cairn_port_ring *r, const void *msg);
long cairn_ring_get(struct cairn_port_ring *r, void *msg);

#endif
