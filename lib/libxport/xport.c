/*
 * xport.c: the transport's queues (cairn/xport.h): single-producer single-consumer
 * rings of fixed-size descriptors over a port ring's layout (cairn/port.h). Pure: no
 * system call; tested on the host (tests/host/test_xport.c), with a hostile peer and
 * two threads.
 *
 * Ordering (two cores): a side reads the peer's cursor with an acquire load before it
 * touches slots, and publishes its own with a release store after, so a consumer sees
 * a slot's words once it sees the head that covers them, and a producer overwrites a
 * slot only after the consumer's tail says it has been copied out. The waiting flag
 * and the cursor it guards are ordered by full fences: the sleeper stores its flag,
 * then loads the peer's cursor; the waker stores its cursor, then loads the flag; so
 * at least one of them sees the other.
 *
 * The peer may write any word of the ring at any time. A step reads the peer's cursor
 * once into a local and bounds it with one compare; a slot's place comes from this
 * end's own cursor and mask, so nothing in shared memory can move a copy outside the
 * ring. Slot words are copied with relaxed atomic loads and stores: a peer writing
 * them meanwhile garbles the copy, which the caller checks, never the copying.
 */
#include <cairn/xport.h>

static int geometry_ok(uint32_t slot_size, uint32_t slots)
{
	return slot_size >= CAIRN_PORT_SLOT_MIN && slot_size <= CAIRN_PORT_SLOT_MAX &&
	       !(slot_size & (slot_size - 1)) && slots >= CAIRN_PORT_SLOTS_MIN && slots <= CAIRN_PORT_SLOTS_MAX &&
	       !(slots & (slots - 1));
}

long xport_attach(struct xport_queue *q, struct cairn_port_ring *r, uint32_t slot_size, uint32_t slots,
		  unsigned end)
{
	if (!geometry_ok(slot_size, slots) || (end != XPORT_PRODUCER && end != XPORT_CONSUMER))
		return CAIRN_EINVAL;
	volatile uint32_t *mine = end == XPORT_PRODUCER ? &r->head : &r->tail;
	*q = (struct xport_queue){ .ring = r, .mask = slots - 1, .words = slot_size / 8,
				   .cursor = __atomic_load_n(mine, __ATOMIC_RELAXED), .end = end };
	return 0;
}

/* Slot `index` (a free-running cursor) of q's ring, by this end's geometry. */
static uint64_t *slot(const struct xport_queue *q, uint32_t index)
{
	return (uint64_t *)(q->ring + 1) + (uint64_t)(index & q->mask) * q->words;
}

/*
 * Descriptors queued, from this end's cursor and one read of the peer's: the acquire
 * load orders the slot accesses after it. 0..slots, or CAIRN_EIO.
 */
static long queued(const struct xport_queue *q)
{
	uint32_t n;

	if (q->end == XPORT_PRODUCER)
		n = q->cursor - __atomic_load_n(&q->ring->tail, __ATOMIC_ACQUIRE);
	else
		n = __atomic_load_n(&q->ring->head, __ATOMIC_ACQUIRE) - q->cursor;
	return n > q->mask + 1 ? CAIRN_EIO : (long)n;
}

long xport_count(const struct xport_queue *q)
{
	return queued(q);
}

/* Moves this end's cursor past one slot and publishes it (release: after the copy). */
static void advance(struct xport_queue *q)
{
	volatile uint32_t *mine = q->end == XPORT_PRODUCER ? &q->ring->head : &q->ring->tail;

	q->cursor++;
	__atomic_store_n(mine, q->cursor, __ATOMIC_RELEASE);
}

long xport_put(struct xport_queue *q, const void *in)
{
	if (q->end != XPORT_PRODUCER)
		return CAIRN_EINVAL;
	long n = queued(q);
	if (n < 0)
		return n;
	if ((uint32_t)n == q->mask + 1)
		return CAIRN_EAGAIN;
	uint64_t *s = slot(q, q->cursor);
	const uint64_t *w = in;
	uint32_t words = q->words;	/* a local: the stores below may alias q */
	for (uint32_t i = 0; i < words; i++)
		__atomic_store_n(&s[i], w[i], __ATOMIC_RELAXED);
	advance(q);
	return 0;
}

long xport_peek(struct xport_queue *q, void *out)
{
	if (q->end != XPORT_CONSUMER)
		return CAIRN_EINVAL;
	long n = queued(q);
	if (n <= 0)
		return n ? n : CAIRN_EAGAIN;
	const uint64_t *s = slot(q, q->cursor);
	uint64_t *w = out;
	uint32_t words = q->words;
	for (uint32_t i = 0; i < words; i++)
		w[i] = __atomic_load_n(&s[i], __ATOMIC_RELAXED);
	return 0;
}

long xport_get(struct xport_queue *q, void *out)
{
	long r = xport_peek(q, out);

	if (r == 0)
		advance(q);
	return r;
}

long xport_drop(struct xport_queue *q)
{
	if (q->end != XPORT_CONSUMER)
		return CAIRN_EINVAL;
	long n = queued(q);
	if (n <= 0)
		return n;
	q->cursor += (uint32_t)n;
	__atomic_store_n(&q->ring->tail, q->cursor, __ATOMIC_RELEASE);
	return n;
}

/* This end's waiting flag, and the other end's. */
static volatile uint32_t *my_flag(struct xport_queue *q)
{
	return q->end == XPORT_PRODUCER ? &q->ring->producer_waits : &q->ring->consumer_waits;
}

static volatile uint32_t *peer_flag(struct xport_queue *q)
{
	return q->end == XPORT_PRODUCER ? &q->ring->consumer_waits : &q->ring->producer_waits;
}

/* What this end waits for: descriptors (consumer) or room (producer); or CAIRN_EIO. */
static long available(const struct xport_queue *q)
{
	long n = queued(q);

	if (n < 0 || q->end == XPORT_CONSUMER)
		return n;
	return (long)(q->mask + 1) - n;
}

long xport_arm(struct xport_queue *q)
{
	volatile uint32_t *flag = my_flag(q);

	__atomic_store_n(flag, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	long n = available(q);
	if (n != 0)
		__atomic_store_n(flag, 0, __ATOMIC_RELAXED);
	return n;
}

long xport_arm_for(struct xport_queue *q, unsigned long want)
{
	volatile uint32_t *flag = my_flag(q);

	__atomic_store_n(flag, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	long n = available(q);
	if (n < 0 || (unsigned long)n >= want)
		__atomic_store_n(flag, 0, __ATOMIC_RELAXED);
	return n;
}

int xport_wake_needed(struct xport_queue *q)
{
	volatile uint32_t *flag = peer_flag(q);

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!__atomic_load_n(flag, __ATOMIC_RELAXED))
		return 0;
	__atomic_store_n(flag, 0, __ATOMIC_RELAXED);
	return 1;
}
