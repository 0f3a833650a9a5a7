/*
 * port.c: port rings and their synchronous wait protocol (see cairn/port.h). The ring
 * steps are pure and tested on the host (tests/host/test_port.c); the protocol is
 * model-checked (tests/spin/port.pml); cairn_port_send/recv add the waiting.
 *
 * Ordering: a cursor is published only after the slot it covers is written (a
 * release store), and a side reads the other's cursor before touching slots (an
 * acquire load). The waiting flag and the cursor it guards are ordered with full
 * fences: the sleeper stores its flag then loads the cursor, the waker stores the
 * cursor then loads the flag, so at least one of them sees the other.
 *
 * The peer may write anything into the ring at any time (cairn/port.h). A step reads
 * the peer's cursor once, into a local, and bounds it with one compare before using
 * it; a slot's place comes from this end's own cursor and geometry (a mask and a
 * multiply), so no value in shared memory can move a copy outside the ring.
 *
 * A step also reads the ring's copy of this end's own cursor, which only this end
 * writes: if it differs, the ring is not the one this end was moving (a persistent
 * component resumed over rings made afresh at this boot, docs/persistence.md; or a
 * peer that wrote it), and the step answers CAIRN_ESTALE once, this end then standing
 * where the ring says (resync).
 */
#include <cairn/port.h>

/* One slot: `words` (at least 1: the geometry says so) 8-byte words. */
static void copy(void *dst, const void *src, uint32_t words)
{
	uint64_t *d = dst;
	const uint64_t *s = src;
	uint32_t i = 0;

	do
		d[i] = s[i];
	while (++i < words);
}

/* Slot `index` (a free-running cursor) of ring r, by this end's geometry. */
static uint64_t *slot(struct cairn_port_ring *r, uint32_t mask, uint32_t words, uint32_t index)
{
	return (uint64_t *)(r + 1) + (uint64_t)(index & mask) * words;
}

static int geometry_ok(uint32_t slot_size, uint32_t slots)
{
	return slot_size >= CAIRN_PORT_SLOT_MIN && slot_size <= CAIRN_PORT_SLOT_MAX &&
	       !(slot_size & (slot_size - 1)) && slots >= CAIRN_PORT_SLOTS_MIN && slots <= CAIRN_PORT_SLOTS_MAX &&
	       !(slots & (slots - 1));
}

unsigned long cairn_port_bytes(uint32_t slot_size, uint32_t slots)
{
	return sizeof(struct cairn_port_ring) + (unsigned long)slot_size * slots;
}

long cairn_port_init(struct cairn_port_ring *r, uint32_t slot_size, uint32_t slots)
{
	if (!geometry_ok(slot_size, slots))
		return CAIRN_EINVAL;
	*r = (struct cairn_port_ring){ .slot_size = slot_size, .slots = slots };
	return 0;
}

long cairn_port_attach(struct cairn_port *p, struct cairn_port_ring *r, uint32_t slot_size, uint32_t slots)
{
	if (!geometry_ok(slot_size, slots))
		return CAIRN_EINVAL;
	*p = (struct cairn_port){ .ring = r, .words = slot_size / 8, .mask = slots - 1,
				  .head = __atomic_load_n(&r->head, __ATOMIC_RELAXED),
				  .tail = __atomic_load_n(&r->tail, __ATOMIC_RELAXED), .mode = CAIRN_PORT_ASYNC };
	return 0;
}

/* This end's cursor *own is not the ring's copy at *published: it takes the ring's. */
static long resync(uint32_t *own, volatile uint32_t *published)
{
	*own = __atomic_load_n(published, __ATOMIC_RELAXED);
	return CAIRN_ESTALE;
}

/*
 * Full: the peer's tail says slots messages are queued; more than that: EIO. (The
 * port's fields are read into locals first: the acquire load would make the compiler
 * read them again after it.)
 */
long cairn_ring_put(struct cairn_port *p, const void *msg)
{
	struct cairn_port_ring *r = p->ring;
	uint32_t head = p->head, mask = p->mask, words = p->words;
	uint32_t queued = head - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);

	if (__builtin_expect(__atomic_load_n(&r->head, __ATOMIC_RELAXED) != head, 0))
		return resync(&p->head, &r->head);
	if (__builtin_expect(queued > mask, 0))
		return queued == mask + 1 ? CAIRN_EAGAIN : CAIRN_EIO;
	copy(slot(r, mask, words, head), msg, words);
	p->head = head + 1;
	__atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
	return 0;
}

/* Empty: the peer's head says none is queued; more than slots: EIO. */
long cairn_ring_get(struct cairn_port *p, void *msg)
{
	struct cairn_port_ring *r = p->ring;
	uint32_t tail = p->tail, mask = p->mask, words = p->words;
	uint32_t queued = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE) - tail;

	if (__builtin_expect(__atomic_load_n(&r->tail, __ATOMIC_RELAXED) != tail, 0))
		return resync(&p->tail, &r->tail);
	if (__builtin_expect(queued - 1 > mask, 0))	/* 0 wraps to above any mask */
		return queued ? CAIRN_EIO : CAIRN_EAGAIN;
	copy(msg, slot(r, mask, words, tail), words);
	p->tail = tail + 1;
	__atomic_store_n(&r->tail, tail + 1, __ATOMIC_RELEASE);
	return 0;
}

/* After moving our cursor: wake the other side if it said it waits. */
static void wake(struct cairn_port *p, volatile uint32_t *flag)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (*flag) {
		*flag = 0;
		cairn_asnd_send(p->peer, 0);
		p->sends++;
	}
}

/* Waits until step() succeeds (or fails other than EAGAIN): flag, look again, then sleep. */
static long wait_for(struct cairn_port *p, volatile uint32_t *flag, long (*step)(struct cairn_port *, void *),
		     void *msg)
{
	for (;;) {
		long r = step(p, msg);
		if (r != CAIRN_EAGAIN || p->mode != CAIRN_PORT_SYNC)
			return r;
		*flag = 1;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		r = step(p, msg);
		if (r != CAIRN_EAGAIN) {
			*flag = 0;
			return r;
		}
		cairn_rcv_wait(p->rcv);	/* a send before this wait is not lost */
	}
}

static long put(struct cairn_port *p, void *msg)
{
	return cairn_ring_put(p, msg);
}

long cairn_port_send(struct cairn_port *p, const void *msg)
{
	long r = wait_for(p, &p->ring->producer_waits, put, (void *)msg);

	if (r == 0 && p->mode == CAIRN_PORT_SYNC)
		wake(p, &p->ring->consumer_waits);
	return r;
}

long cairn_port_recv(struct cairn_port *p, void *msg)
{
	long r = wait_for(p, &p->ring->consumer_waits, cairn_ring_get, msg);

	if (r == 0 && p->mode == CAIRN_PORT_SYNC)
		wake(p, &p->ring->producer_waits);
	return r;
}

/*
 * One step without waiting, for an end that must never block (components/rtos's ports
 * for RTOS programs): the step's answer, and in sync mode, after a step that moved this
 * end's cursor, the wake-up cairn_port_send/recv would send the other side.
 */
long cairn_port_try_send(struct cairn_port *p, const void *msg)
{
	long r = cairn_ring_put(p, msg);

	if (r == 0 && p->mode == CAIRN_PORT_SYNC)
		wake(p, &p->ring->consumer_waits);
	return r;
}

long cairn_port_try_recv(struct cairn_port *p, void *msg)
{
	long r = cairn_ring_get(p, msg);

	if (r == 0 && p->mode == CAIRN_PORT_SYNC)
		wake(p, &p->ring->producer_waits);
	return r;
}

/*
 * Whether a step of this end (the producer's put if producer, else the consumer's get)
 * would answer other than CAIRN_EAGAIN (a message or room, or CAIRN_EIO, or
 * CAIRN_ESTALE): 0 if so, else CAIRN_EAGAIN. Moves and copies nothing; reads each
 * shared cursor once.
 */
long cairn_port_ready(const struct cairn_port *p, int producer)
{
	const struct cairn_port_ring *r = p->ring;
	uint32_t own = producer ? p->head : p->tail;
	uint32_t published = __atomic_load_n(producer ? &r->head : &r->tail, __ATOMIC_RELAXED);
	uint32_t peer = __atomic_load_n(producer ? &r->tail : &r->head, __ATOMIC_ACQUIRE);
	uint32_t queued = producer ? own - peer : peer - own;

	if (published != own)
		return 0;				/* CAIRN_ESTALE */
	if (producer)
		return queued == p->mask + 1 ? CAIRN_EAGAIN : 0;
	return queued == 0 ? CAIRN_EAGAIN : 0;
}

/*
 * Sync mode, before this end's side sleeps: its waiting flag set (the protocol's first
 * half, cairn_port_send's), then cairn_port_ready's answer. CAIRN_EAGAIN: sleep; the
 * other side's next step sends the wake-up. 0: look again (the flag may stay set: a
 * needless wake-up later, nothing worse).
 */
long cairn_port_arm(struct cairn_port *p, int producer)
{
	volatile uint32_t *flag = producer ? &p->ring->producer_waits : &p->ring->consumer_waits;

	*flag = 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return cairn_port_ready(p, producer);
}
