/*
 * xb_hostile: a client of xb_disk that breaks every rule of the block transport on
 * its own queues (../xb_disk/xb.h has the plan); the driver must answer what it can by
 * id with the documented error, drop what it cannot, never copy outside the region or
 * the disk, and keep serving xb_client meanwhile (xb_client checks that).
 *
 *   xbh.0  hostile_set_up            its region and queues found
 *   xbh.1  errors_by_id              each bad request (unknown ops, counts 0 and huge,
 *                                    buffers outside the region, blocks past the disk)
 *                                    answered by id with its error; good ones at the
 *                                    limits done, a reserved word of garbage ignored
 *   xbh.2  request_cursor_attacks    a head beyond range (3 ways) gets no answer; the
 *                                    driver's published tail overwritten, garbage
 *                                    waiting flags: it still serves, and republishes
 *   xbh.3  unanswerable_dropped      with its response cursor impossible, a request's
 *                                    answer is dropped; once mended, the next comes
 *   xbh.4  response_cursor_repaired  the driver's published head overwritten: its next
 *                                    answer puts it right
 *   xbh.5  scribbled_everything      every header word of both rings took every extreme,
 *                                    then random words anywhere, with wake-ups
 * Then it tells xb_client it is done (`hostile_done`).
 */
#include <cairn/xport.h>	/* (the Makefile links libxport for it) */
#include "../xb_disk/xb.h"

#define SLOTS_AT   64			/* slots start 64 bytes into a ring (cairn/port.h) */
#define HDR_WORDS  (sizeof(struct cairn_port_ring) / 4)
#define RANDOM_OPS 6000

static struct xport_queue rq, rs;
static struct cairn_port_ring *qr, *rr;	/* the request and response rings */
static unsigned peer;
static uint8_t *region;
static uint64_t rng = 0x9e3779b97f4a7c15UL;

static const uint32_t extremes[] = {
	0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 4095, 4096, 65535, 65536, 0x00ffffff,
	0x7fffffff, 0x80000000, 0x80000001, 0xfffffff8, 0xfffffffe, 0xffffffff,
};
#define NEXTREMES (sizeof(extremes) / sizeof(extremes[0]))

static uint64_t rand64(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return rng;
}

static void wake(void)
{
	cairn_asnd_send(peer, 0);
}

/* Puts req (id given) and polls for its answer: 1 if it came with status and count. */
static int ask(struct xport_blk_req req, int32_t status, uint64_t count)
{
	struct xport_blk_resp resp;
	long r = xb_put(&rq, peer, &req);

	wake();
	if (r == 0)
		r = xb_poll(&rs, &resp);
	if (r == 0 && resp.id == req.id && resp.status == status && resp.count == count)
		return 1;
	cairn_printf("xb_hostile: request %u (op 0x%x count 0x%x block 0x%lx offset 0x%lx): put/poll %ld, "
		     "answer id %u status %d count %lu; wanted status %d count %lu\n", req.id, req.op, req.count,
		     req.block, req.offset, r, r ? 0 : resp.id, r ? 0 : resp.status, r ? 0 : resp.count, status, count);
	return 0;
}

/* Phase A: one bad (or limit) request after another, each answered by id. */
static void errors_by_id(void)
{
	static const struct { struct xport_blk_req q; int32_t status; uint64_t count; } cases[] = {
		{ { .op = 0, .count = 1 }, CAIRN_EINVAL, 0 },
		{ { .op = 5, .count = 1 }, CAIRN_EINVAL, 0 },
		{ { .op = 0xffffffff, .count = 1 }, CAIRN_EINVAL, 0 },
		{ { .op = XPORT_BLK_READ, .count = 0 }, CAIRN_EINVAL, 0 },
		{ { .op = XPORT_BLK_WRITE, .count = XPORT_BLK_MAX + 1 }, CAIRN_EINVAL, 0 },
		{ { .op = XPORT_BLK_READ, .count = 0xffffffff }, CAIRN_EINVAL, 0 },
		{ { .op = XPORT_BLK_READ, .count = 1, .offset = XB_REGION }, CAIRN_ERANGE, 0 },
		{ { .op = XPORT_BLK_READ, .count = 1, .offset = XB_REGION - XPORT_BLK_SIZE + 8 }, CAIRN_ERANGE, 0 },
		{ { .op = XPORT_BLK_WRITE, .count = 1, .offset = ~0UL }, CAIRN_ERANGE, 0 },
		{ { .op = XPORT_BLK_READ, .count = 1, .offset = 0UL - XPORT_BLK_SIZE }, CAIRN_ERANGE, 0 },
		{ { .op = XPORT_BLK_READ, .count = XB_REGION / XPORT_BLK_SIZE + 1 }, CAIRN_ERANGE, 0 },
		{ { .op = XPORT_BLK_READ, .count = XB_REGION / XPORT_BLK_SIZE }, 0, XB_REGION / XPORT_BLK_SIZE },
		{ { .op = XPORT_BLK_READ, .count = 1, .block = XB_BLOCKS }, CAIRN_EFAULT, 0 },
		{ { .op = XPORT_BLK_READ, .count = 2, .block = XB_BLOCKS - 1 }, CAIRN_EFAULT, 0 },
		{ { .op = XPORT_BLK_WRITE, .count = 2, .block = ~0UL }, CAIRN_EFAULT, 0 },
		{ { .op = XPORT_BLK_READ, .count = 1, .block = 1UL << 63 }, CAIRN_EFAULT, 0 },
		{ { .op = XPORT_BLK_READ, .count = 1, .block = XB_BLOCKS - 1, .offset = XB_REGION - XPORT_BLK_SIZE }, 0, 1 },
		{ { .op = XPORT_BLK_FLUSH, .count = 0xffffffff, .block = ~0UL, .offset = ~0UL, .reserved = 0xdeadbeef }, 0, 0 },
		{ { .op = XPORT_BLK_CAPACITY, .count = 7, .block = 1UL << 40, .offset = ~0UL, .reserved = 1 }, 0, XB_BLOCKS },
		{ { .op = XPORT_BLK_WRITE, .count = 2, .block = 5, .offset = XPORT_BLK_SIZE, .reserved = 0xdeadbeef }, 0, 2 },
		{ { .op = XPORT_BLK_READ, .count = 2, .block = 5, .offset = 8 * XPORT_BLK_SIZE, .reserved = ~0u }, 0, 2 },
	};
	unsigned ok = 0, n = sizeof(cases) / sizeof(cases[0]);

	for (unsigned i = 0; i < n; i++) {
		struct xport_blk_req q = cases[i].q;
		q.id = 1000 + i;
		if (q.op == XPORT_BLK_WRITE && cases[i].status == 0)	/* the one that writes */
			for (uint64_t k = 0; k < 2 * XPORT_BLK_SIZE; k++)
				region[q.offset + k] = xb_byte(99, 5, k);
		ok += ask(q, cases[i].status, cases[i].count);
	}
	uint64_t bad = 0;
	for (uint64_t i = 0; i < 2 * XPORT_BLK_SIZE; i++)
		bad += region[8 * XPORT_BLK_SIZE + i] != xb_byte(99, 5, i);
	cairn_check("xbh.1", "errors_by_id", ok == n && bad == 0, "%u of %u requests answered as expected; "
		    "%lu bytes read back wrong", ok, n, bad);
}

/* A request written straight into the ring at our cursor and published. */
static void raw_put(const struct xport_blk_req *req)
{
	memcpy((uint8_t *)qr + SLOTS_AT + (rq.cursor & rq.mask) * sizeof(*req), req, sizeof(*req));
	__atomic_store_n(&qr->head, ++rq.cursor, __ATOMIC_RELEASE);
	wake();
}

static void settle(unsigned yields)
{
	for (unsigned i = 0; i < yields; i++)
		cairn_yield();
}

/* Phase B: the request ring's cursors and flags. */
static void request_cursor_attacks(void)
{
	const uint32_t c = rq.cursor, bad[3] = { c + XB_SLOTS + 1, c - 1, c + 0x80000000u };
	int quiet = 1;

	for (unsigned k = 0; k < 3; k++) {
		__atomic_store_n(&qr->head, bad[k], __ATOMIC_RELEASE);
		wake();
		settle(300);
		quiet &= xport_count(&rs) == 0 && __atomic_load_n(&qr->tail, __ATOMIC_ACQUIRE) == c;
	}
	__atomic_store_n(&qr->head, c, __ATOMIC_RELEASE);
	int served = ask((struct xport_blk_req){ .op = XPORT_BLK_CAPACITY, .id = 1100 }, 0, XB_BLOCKS);
	__atomic_store_n(&qr->tail, rq.cursor + 5, __ATOMIC_RELEASE);	/* the driver's cursor */
	raw_put(&(struct xport_blk_req){ .op = XPORT_BLK_CAPACITY, .id = 1101 });
	struct xport_blk_resp resp;
	int republished = xb_poll(&rs, &resp) == 0 && resp.id == 1101 && resp.count == XB_BLOCKS &&
			  __atomic_load_n(&qr->tail, __ATOMIC_ACQUIRE) == rq.cursor;
	qr->consumer_waits = 0xffffffff, qr->producer_waits = 0xdeadbeef;
	rr->consumer_waits = 0x12345, rr->producer_waits = 0xffffffff;
	int flags = ask((struct xport_blk_req){ .op = XPORT_BLK_CAPACITY, .id = 1102 }, 0, XB_BLOCKS);
	qr->consumer_waits = qr->producer_waits = rr->consumer_waits = rr->producer_waits = 0;
	cairn_check("xbh.2", "request_cursor_attacks", quiet && served && republished && flags,
		    "no answer to an impossible head %d; served after %d; tail republished %d; garbage flags %d",
		    quiet, served, republished, flags);
}

/* Phase C: the response ring's cursors. */
static void response_cursor_attacks(void)
{
	const uint32_t c = rs.cursor;
	struct xport_blk_resp resp;

	__atomic_store_n(&rr->tail, c + 1000, __ATOMIC_RELEASE);	/* our cursor: impossible */
	xb_put(&rq, peer, &(struct xport_blk_req){ .op = XPORT_BLK_CAPACITY, .id = 1200 });
	wake();
	for (unsigned n = 0; n < XB_YIELDS && __atomic_load_n(&qr->tail, __ATOMIC_ACQUIRE) != rq.cursor; n++)
		cairn_yield();			/* until the driver took it, then a while */
	settle(300);
	int nothing = __atomic_load_n(&rr->head, __ATOMIC_ACQUIRE) == c;
	__atomic_store_n(&rr->tail, c, __ATOMIC_RELEASE);
	int next = ask((struct xport_blk_req){ .op = XPORT_BLK_CAPACITY, .id = 1201 }, 0, XB_BLOCKS);
	cairn_check("xbh.3", "unanswerable_dropped", nothing && next, "nothing published meanwhile %d; the "
		    "next request answered (and not the dropped one) %d", nothing, next);
	__atomic_store_n(&rr->head, rs.cursor + 777, __ATOMIC_RELEASE);	/* the driver's cursor */
	xb_put(&rq, peer, &(struct xport_blk_req){ .op = XPORT_BLK_CAPACITY, .id = 1202 });
	wake();
	long r = xb_poll(&rs, &resp);
	cairn_check("xbh.4", "response_cursor_repaired", r == 0 && resp.id == 1202 && resp.count == XB_BLOCKS &&
		    __atomic_load_n(&rr->head, __ATOMIC_ACQUIRE) == rs.cursor,
		    "poll %ld, id %u, count %lu; head 0x%x, ours 0x%x", r, resp.id, resp.count, rr->head, rs.cursor);
}

/* A random word of a ring (its header or a slot): *which ring, its index. */
static volatile uint32_t *random_word(void)
{
	int resp = rand64() & 1;
	uint8_t *ring = resp ? (uint8_t *)rr : (uint8_t *)qr;
	uint64_t words = (SLOTS_AT + XB_SLOTS * (resp ? XPORT_BLK_RESP_SLOT : XPORT_BLK_REQ_SLOT)) / 4;

	return (volatile uint32_t *)ring + rand64() % words;
}

/* Phase D: every header word at every extreme, then random words anywhere; wake-ups. */
static void scribble(void)
{
	uint64_t writes = 0;

	for (unsigned ring = 0; ring < 2; ring++)
		for (unsigned w = 0; w < HDR_WORDS; w++)
			for (unsigned e = 0; e < NEXTREMES; e++) {
				((volatile uint32_t *)(ring ? rr : qr))[w] = extremes[e];
				writes++;
				wake();
				cairn_yield();
			}
	for (unsigned n = 0; n < RANDOM_OPS; n++) {
		uint64_t v = rand64();
		*random_word() = (v & 3) == 0 ? extremes[(v >> 8) % NEXTREMES] : (uint32_t)(v >> 16);
		writes++;
		if ((v & 0x30) == 0) {			/* a request that looks right, at random */
			struct xport_blk_req q = { .op = 1 + (v >> 40) % 4, .count = 1 + (v >> 44) % 4,
						   .block = (v >> 48) % XB_BLOCKS, .id = (uint32_t)v,
						   .offset = ((v >> 52) % 16) * XPORT_BLK_SIZE };
			raw_put(&q);
		}
		struct xport_blk_resp resp;
		xport_blk_get_resp(&rs, &resp);	/* take an answer, if any makes sense */
		wake();
		cairn_yield();
	}
	cairn_check("xbh.5", "scribbled_everything", writes == 2 * HDR_WORDS * NEXTREMES + RANDOM_OPS,
		    "%lu writes", writes);
}

int main(const struct cairn_root *rt)
{
	const struct cairn_region *data = cairn_region("data_b");
	struct cairn_port done;
	unsigned unused;

	if (!cairn_check("xbh.0", "hostile_set_up", data && data->size == XB_REGION &&
			 xb_queue(rt, "req_b", XPORT_PRODUCER, &rq, &peer, &qr) == 0 &&
			 xb_queue(rt, "resp_b", XPORT_CONSUMER, &rs, &unused, &rr) == 0 &&
			 cairn_port_open(&done, "hostile_done") == 0, "a region or a queue is missing"))
		return 0;
	region = (uint8_t *)data->va;
	errors_by_id();
	request_cursor_attacks();
	response_cursor_attacks();
	scribble();
	uint64_t m = XB_DONE;
	cairn_port_send(&done, &m);
	return 0;
}
