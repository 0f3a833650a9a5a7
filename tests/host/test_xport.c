/*
 * test_xport.c: the driver transport (lib/libxport, cairn/xport.h): attaching, order,
 * peek, count, full and empty, cursors across the 32-bit wrap; a hostile peer (its
 * cursor far ahead or behind at every base, random words everywhere in the ring,
 * buffers outside the data region, offset + length past 2^64, block requests with
 * every bad field), which must never move a copy outside the ring (AddressSanitizer
 * watches the ring's exact allocation) and gets CAIRN_EIO / CAIRN_ERANGE /
 * CAIRN_EINVAL; the waiting protocol as a table of schedules, each with its expected
 * wake-ups; and two threads moving 10^6 descriptors through a small queue, sleeping
 * by the protocol on counting semaphores (the kernel's activations count sends too):
 * every descriptor arrives once, in order, and no wake-up is lost (a lost one is a
 * sleep that times out). The block client (blk_client.c): ids, the table's limits, and
 * the restart notice at every base (lost requests fail, strays are dropped).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cairn/xport.h>

#define SLOTS  8
#define REGION 65536ull			/* bytes of the data region the tests name */

/* Two ends over one ring of exactly cairn_port_bytes() (ASan's redzones follow it). */
struct pair {
	struct cairn_port_ring *r;
	struct xport_queue prod, cons;
};

static void new_pair(struct pair *p, uint32_t slot_size, uint32_t slots)
{
	p->r = aligned_alloc(64, cairn_port_bytes(slot_size, slots));
	assert_non_null(p->r);
	memset(p->r, 0xcc, cairn_port_bytes(slot_size, slots));
	assert_int_equal(cairn_port_init(p->r, slot_size, slots), 0);
	assert_int_equal(xport_attach(&p->prod, p->r, slot_size, slots, XPORT_PRODUCER), 0);
	assert_int_equal(xport_attach(&p->cons, p->r, slot_size, slots, XPORT_CONSUMER), 0);
}

/* Both ends' cursors (private and published) at `at`. */
static void set_cursors(struct pair *p, uint32_t at)
{
	p->r->head = p->r->tail = at;
	p->prod.cursor = p->cons.cursor = at;
}

static struct xport_buf buf(uint64_t n)
{
	return (struct xport_buf){ .offset = n * 64, .len = 64, .id = (uint32_t)n };
}

/* This end's cursor positions: the start, mid-stream, either side of the 32-bit wrap. */
static const uint32_t bases[] = { 0, 5, 0x7ffffffe, 0xfffffff9, 0xfffffffd, 0xffffffff };
#define NBASES (sizeof(bases) / sizeof(bases[0]))

/* How far the peer's cursor claims to be: either side of empty, full and the wrap. */
static const uint32_t offsets[] = {
	0, 1, 2, SLOTS - 1, SLOTS, SLOTS + 1, 2 * SLOTS, 0x7fffffff, 0x80000000, 0x80000001,
	(uint32_t)-SLOTS - 1, (uint32_t)-SLOTS, (uint32_t)-SLOTS + 1, (uint32_t)-2, (uint32_t)-1,
};
#define NOFFSETS (sizeof(offsets) / sizeof(offsets[0]))

static void attach_checks_geometry_and_end(void **state)
{
	struct cairn_port_ring r;
	struct xport_queue q = { .mask = 77 };

	(void)state;
	assert_int_equal(xport_attach(&q, &r, 4, 8, XPORT_PRODUCER), CAIRN_EINVAL);
	assert_int_equal(xport_attach(&q, &r, 24, 8, XPORT_PRODUCER), CAIRN_EINVAL);
	assert_int_equal(xport_attach(&q, &r, 16, 1, XPORT_PRODUCER), CAIRN_EINVAL);
	assert_int_equal(xport_attach(&q, &r, 16, 6, XPORT_CONSUMER), CAIRN_EINVAL);
	assert_int_equal(xport_attach(&q, &r, 16, 131072, XPORT_CONSUMER), CAIRN_EINVAL);
	assert_int_equal(xport_attach(&q, &r, 16, 8, 2), CAIRN_EINVAL);
	assert_int_equal(q.mask, 77);	/* unchanged */
	r.head = 123;
	r.tail = 120;
	assert_int_equal(xport_attach(&q, &r, 16, 8, XPORT_PRODUCER), 0);
	assert_int_equal(q.cursor, 123);
	assert_int_equal(xport_attach(&q, &r, 16, 8, XPORT_CONSUMER), 0);
	assert_int_equal(q.cursor, 120);
	assert_int_equal(q.mask, 7);
	assert_int_equal(q.words, 2);
}

static void steps_at_the_wrong_end_are_refused(void **state)
{
	struct pair p;
	struct xport_buf b = buf(1);

	(void)state;
	new_pair(&p, 16, SLOTS);
	assert_int_equal(xport_put(&p.cons, &b), CAIRN_EINVAL);
	assert_int_equal(xport_get(&p.prod, &b), CAIRN_EINVAL);
	assert_int_equal(xport_peek(&p.prod, &b), CAIRN_EINVAL);
	assert_int_equal(p.r->head, 0);
	assert_int_equal(p.r->tail, 0);
	free(p.r);
}

/* In order until full, EAGAIN at full and at empty; peek leaves the descriptor queued. */
static void fifo_full_empty_peek_count(void **state)
{
	struct pair p;
	struct xport_buf b;

	(void)state;
	for (unsigned i = 0; i < NBASES; i++) {
		new_pair(&p, 16, SLOTS);
		set_cursors(&p, bases[i]);
		assert_int_equal(xport_get_buf(&p.cons, REGION, &b), CAIRN_EAGAIN);
		assert_int_equal(xport_peek(&p.cons, &b), CAIRN_EAGAIN);
		for (uint64_t n = 0; n < SLOTS; n++) {
			assert_int_equal(xport_count(&p.prod), n);
			b = buf(n);
			assert_int_equal(xport_put_buf(&p.prod, &b), 0);
		}
		b = buf(99);
		assert_int_equal(xport_put_buf(&p.prod, &b), CAIRN_EAGAIN);
		assert_int_equal(xport_count(&p.cons), SLOTS);
		assert_int_equal(p.r->head, bases[i] + SLOTS);
		for (uint64_t n = 0; n < SLOTS; n++) {
			assert_int_equal(xport_peek(&p.cons, &b), 0);
			assert_int_equal(b.id, n);
			assert_int_equal(xport_count(&p.cons), SLOTS - n);
			assert_int_equal(xport_get_buf(&p.cons, REGION, &b), 0);
			assert_int_equal(b.id, n);
			assert_int_equal(b.offset, n * 64);
			assert_int_equal(b.len, 64);
		}
		assert_int_equal(xport_get_buf(&p.cons, REGION, &b), CAIRN_EAGAIN);
		assert_int_equal(xport_count(&p.cons), 0);
		assert_int_equal(p.r->tail, bases[i] + SLOTS);
		free(p.r);
	}
}

/* Many rounds across the wrap, the queue half full at times: order kept. */
static void cursors_wrap_around(void **state)
{
	struct pair p;
	struct xport_buf b;
	uint64_t in = 0, out = 0;

	(void)state;
	new_pair(&p, 16, SLOTS);
	set_cursors(&p, 0xffffffff - 3 * SLOTS);
	for (unsigned round = 0; round < 12 * SLOTS; round++) {
		for (unsigned k = 0; k < 1 + round % 5; k++) {
			b = buf(in);
			if (xport_put_buf(&p.prod, &b) == 0)
				in++;
		}
		for (unsigned k = 0; k < 1 + round % 3; k++) {
			long r = xport_get_buf(&p.cons, REGION * 16, &b);
			if (r == CAIRN_EAGAIN)
				break;
			assert_int_equal(r, 0);
			assert_int_equal(b.id, (uint32_t)out);
			out++;
		}
	}
	assert_true(p.cons.cursor < 0x1000);	/* it did wrap */
	free(p.r);
}

/*
 * The peer's cursor at every offset from this end's, at every base: a consumer gets
 * EIO beyond `slots` queued (nothing moved), EAGAIN at none, a descriptor otherwise; a
 * producer likewise for room. ASan fails any copy outside the ring.
 */
static void peer_cursor_bounded(void **state)
{
	struct pair p;
	uint64_t w[2] = { 1, 2 };

	(void)state;
	new_pair(&p, 16, SLOTS);
	for (unsigned i = 0; i < NBASES; i++)
		for (unsigned j = 0; j < NOFFSETS; j++) {
			uint32_t base = bases[i], off = offsets[j];

			set_cursors(&p, base);
			p.r->head = base + off;
			long want = off > SLOTS ? CAIRN_EIO : off == 0 ? CAIRN_EAGAIN : 0;
			assert_int_equal(xport_count(&p.cons), off > SLOTS ? CAIRN_EIO : (long)off);
			assert_int_equal(xport_peek(&p.cons, w), want);
			assert_int_equal(xport_get(&p.cons, w), want);
			assert_int_equal(p.cons.cursor, base + (want == 0));
			assert_int_equal(p.r->tail, base + (want == 0));

			set_cursors(&p, base);
			p.r->tail = base - off;		/* off queued, as the producer sees it */
			want = off > SLOTS ? CAIRN_EIO : off == SLOTS ? CAIRN_EAGAIN : 0;
			assert_int_equal(xport_count(&p.prod), off > SLOTS ? CAIRN_EIO : (long)off);
			assert_int_equal(xport_put(&p.prod, w), want);
			assert_int_equal(p.prod.cursor, base + (want == 0));
			assert_int_equal(p.r->head, base + (want == 0));
		}
	free(p.r);
}

/* xport_drop at every base and every claim of the producer's: all that is queued is
 * consumed, unread, and the cursor published; a claim beyond reason moves nothing; the
 * producer's end cannot drop. The queue works on after it. */
static void drop_consumes_what_is_queued(void **state)
{
	struct pair p;
	struct xport_buf b = buf(7);

	(void)state;
	new_pair(&p, 16, SLOTS);
	for (unsigned i = 0; i < NBASES; i++)
		for (unsigned j = 0; j < NOFFSETS; j++) {
			uint32_t base = bases[i], off = offsets[j];

			set_cursors(&p, base);
			p.r->head = base + off;
			assert_int_equal(xport_drop(&p.prod), CAIRN_EINVAL);
			assert_int_equal(p.r->tail, base);
			assert_int_equal(xport_drop(&p.cons), off > SLOTS ? CAIRN_EIO : (long)off);
			uint32_t at = base + (off > SLOTS ? 0 : off);
			assert_int_equal(p.cons.cursor, at);
			assert_int_equal(p.r->tail, at);
			if (off > SLOTS)
				continue;
			assert_int_equal(xport_count(&p.cons), 0);
			assert_int_equal(xport_drop(&p.cons), 0);
			p.prod.cursor = at;		/* the producer's head is where it said */
			assert_int_equal(xport_put_buf(&p.prod, &b), 0);
			struct xport_buf got;
			assert_int_equal(xport_get_buf(&p.cons, REGION, &got), 0);
			assert_int_equal(got.id, 7);
		}
	free(p.r);
}

/* The ring's copy of this end's cursor is only published: scribbling it rewinds nothing. */
static void own_cursor_is_private(void **state)
{
	struct pair p;
	struct xport_buf b;

	(void)state;
	new_pair(&p, 16, SLOTS);
	for (uint64_t n = 0; n < 4; n++) {
		b = buf(n);
		assert_int_equal(xport_put_buf(&p.prod, &b), 0);
	}
	assert_int_equal(xport_get_buf(&p.cons, REGION, &b), 0);
	p.r->tail = 0;			/* the producer rewinds the consumer's published cursor */
	assert_int_equal(xport_get_buf(&p.cons, REGION, &b), 0);
	assert_int_equal(b.id, 1);	/* the consumer goes on from its own */
	p.r->head = 1;			/* and the consumer the producer's: then 1 - 2 queued */
	assert_int_equal(xport_count(&p.cons), CAIRN_EIO);
	assert_int_equal(xport_get_buf(&p.cons, REGION, &b), CAIRN_EIO);
	p.r->head = 4;			/* sense again: the queue works again */
	assert_int_equal(xport_get_buf(&p.cons, REGION, &b), 0);
	assert_int_equal(b.id, 2);
	free(p.r);
}

/* Buffers a hostile producer may name; REGION bytes of data region. */
static const struct {
	uint64_t offset;
	uint32_t len;
	long want;
} bufs[] = {
	{ 0, 0, 0 },
	{ 0, 4096, 0 },
	{ REGION - 1, 1, 0 },
	{ REGION, 0, 0 },			/* empty, at the end: inside */
	{ REGION - 4096, 4096, 0 },
	{ 0, (uint32_t)REGION, 0 },
	{ 0, (uint32_t)REGION + 1, CAIRN_ERANGE },
	{ REGION, 1, CAIRN_ERANGE },
	{ REGION - 1, 2, CAIRN_ERANGE },
	{ REGION + 1, 0, CAIRN_ERANGE },
	{ 1ull << 63, 1, CAIRN_ERANGE },
	{ UINT64_MAX, 0, CAIRN_ERANGE },
	{ UINT64_MAX, 2, CAIRN_ERANGE },		/* offset + len wraps to 1 */
	{ UINT64_MAX - 4095, 4096, CAIRN_ERANGE },	/* wraps to 0 */
	{ 8, UINT32_MAX, CAIRN_ERANGE },
};
#define NBUFS (sizeof(bufs) / sizeof(bufs[0]))

/* Each bad buffer is consumed and reported with its copy; the good ones around it pass. */
static void buffers_outside_the_region(void **state)
{
	struct pair p;
	struct xport_buf b;

	(void)state;
	new_pair(&p, 16, SLOTS);
	set_cursors(&p, 0xfffffffa);
	for (unsigned i = 0; i < NBUFS; i++) {
		b = (struct xport_buf){ .offset = bufs[i].offset, .len = bufs[i].len, .id = i };
		assert_int_equal(xport_put_buf(&p.prod, &b), 0);
		memset(&b, 0, sizeof b);
		assert_int_equal(xport_get_buf(&p.cons, REGION, &b), bufs[i].want);
		assert_int_equal(b.id, i);
		assert_int_equal(b.offset, bufs[i].offset);
		assert_int_equal(xport_count(&p.cons), 0);
	}
	for (unsigned i = 0; i < NBUFS; i++)
		assert_int_equal(xport_in_region(REGION, bufs[i].offset, bufs[i].len), bufs[i].want == 0);
	free(p.r);
}

/* A typed step copies exactly its descriptor: on a queue of another slot size it is refused. */
static void typed_steps_need_their_slot_size(void **state)
{
	struct pair p;
	struct xport_buf b = buf(0);
	struct xport_blk_req req = { .op = XPORT_BLK_FLUSH };
	struct xport_blk_resp resp = { 0 };

	(void)state;
	new_pair(&p, 32, SLOTS);
	assert_int_equal(xport_put_buf(&p.prod, &b), CAIRN_EINVAL);
	assert_int_equal(xport_get_buf(&p.cons, REGION, &b), CAIRN_EINVAL);
	assert_int_equal(xport_blk_put_resp(&p.prod, &resp), CAIRN_EINVAL);
	assert_int_equal(xport_blk_get_resp(&p.cons, &resp), CAIRN_EINVAL);
	assert_int_equal(xport_blk_put_req(&p.prod, &req), 0);
	assert_int_equal(xport_blk_get_req(&p.cons, REGION, &req), 0);
	free(p.r);
	new_pair(&p, 16, SLOTS);
	assert_int_equal(xport_blk_put_req(&p.prod, &req), CAIRN_EINVAL);
	assert_int_equal(xport_blk_get_req(&p.cons, REGION, &req), CAIRN_EINVAL);
	assert_int_equal(p.r->head, 0);
	free(p.r);
}

/* Block requests a hostile client may send, against REGION bytes of data region. */
static const struct {
	struct xport_blk_req req;
	long want;
} reqs[] = {
	{ { XPORT_BLK_READ, 1, 0, 0, 1, 0 }, 0 },
	{ { XPORT_BLK_WRITE, 16, UINT64_MAX, 0, 2, 0 }, 0 },	/* the device's bounds are the driver's */
	{ { XPORT_BLK_READ, 16, 0, REGION - 16 * 4096, 3, 0 }, 0 },
	{ { XPORT_BLK_READ, 17, 0, REGION - 16 * 4096, 4, 0 }, CAIRN_ERANGE },
	{ { XPORT_BLK_WRITE, 1, 0, REGION, 5, 0 }, CAIRN_ERANGE },
	{ { XPORT_BLK_WRITE, 1, 0, UINT64_MAX - 4095, 6, 0 }, CAIRN_ERANGE },	/* wraps to 0 */
	{ { XPORT_BLK_READ, 0, 0, 0, 7, 0 }, CAIRN_EINVAL },
	{ { XPORT_BLK_READ, XPORT_BLK_MAX + 1, 0, 0, 8, 0 }, CAIRN_EINVAL },
	{ { XPORT_BLK_READ, UINT32_MAX, 0, 0, 9, 0 }, CAIRN_EINVAL },
	{ { XPORT_BLK_READ, XPORT_BLK_MAX, 0, 0, 10, 0 }, CAIRN_ERANGE },
	{ { XPORT_BLK_FLUSH, UINT32_MAX, UINT64_MAX, UINT64_MAX, 11, 7 }, 0 },
	{ { XPORT_BLK_CAPACITY, 0, 0, UINT64_MAX, 12, 0 }, 0 },
	{ { 0, 1, 0, 0, 13, 0 }, CAIRN_EINVAL },
	{ { 5, 1, 0, 0, 14, 0 }, CAIRN_EINVAL },
	{ { UINT32_MAX, 1, 0, 0, 15, 0 }, CAIRN_EINVAL },
};
#define NREQS (sizeof(reqs) / sizeof(reqs[0]))

/* Each request is consumed and judged; the driver answers by id; the client reads it back. */
static void block_requests_checked(void **state)
{
	struct pair rq, rs;
	struct xport_blk_req req;
	struct xport_blk_resp resp;

	(void)state;
	new_pair(&rq, XPORT_BLK_REQ_SLOT, SLOTS);
	new_pair(&rs, XPORT_BLK_RESP_SLOT, SLOTS);
	for (unsigned i = 0; i < NREQS; i++) {
		assert_int_equal(xport_blk_put_req(&rq.prod, &reqs[i].req), 0);
		memset(&req, 0, sizeof req);
		long r = xport_blk_get_req(&rq.cons, REGION, &req);
		assert_int_equal(r, reqs[i].want);
		assert_memory_equal(&req, &reqs[i].req, sizeof req);
		resp = (struct xport_blk_resp){ .id = req.id, .status = (int32_t)r, .count = r ? 0 : req.count };
		assert_int_equal(xport_blk_put_resp(&rs.prod, &resp), 0);
		memset(&resp, 0, sizeof resp);
		assert_int_equal(xport_blk_get_resp(&rs.cons, &resp), 0);
		assert_int_equal(resp.id, reqs[i].req.id);
		assert_int_equal(resp.status, reqs[i].want);
	}
	assert_int_equal(xport_blk_get_req(&rq.cons, REGION, &req), CAIRN_EAGAIN);
	rq.r->head += 1000;
	memset(&req, 0xab, sizeof req);
	assert_int_equal(xport_blk_get_req(&rq.cons, REGION, &req), CAIRN_EIO);
	assert_int_equal(req.id, 0xabababab);	/* untouched */
	assert_true(xport_blk_fits(100, 99, 1));
	assert_false(xport_blk_fits(100, 99, 2));
	assert_false(xport_blk_fits(100, UINT64_MAX, 2));
	free(rq.r);
	free(rs.r);
}

/* The driver's side of a block client's test: takes one request, returns its id. */
static uint32_t drv_take(struct pair *rq)
{
	struct xport_blk_req req;
	assert_int_equal(xport_blk_get_req(&rq->cons, REGION, &req), 0);
	return req.id;
}

static void drv_answer(struct pair *rs, uint32_t id, int32_t status, uint64_t count)
{
	struct xport_blk_resp r = { .id = id, .status = status, .count = count };
	assert_int_equal(xport_blk_put_resp(&rs->prod, &r), 0);
}

static struct xport_blk_req read1(uint64_t block)
{
	return (struct xport_blk_req){ .op = XPORT_BLK_READ, .count = 1, .block = block };
}

/*
 * The block client (xport_blk_client), at every base of the request queue's positions
 * (either side of the 32-bit wrap): five requests; the old driver takes three, answers
 * one, then a stray response; the restart notice names the position after the three;
 * the client completes the answered one, drops the stray, fails the two lost ones with
 * CAIRN_ESTALE, then completes the fourth from the new driver and keeps the fifth
 * outstanding. A notice beyond reason fails everything outstanding.
 */
static void block_client_restart_notice(void **state)
{
	(void)state;
	for (unsigned b = 0; b < NBASES; b++) {
		struct pair rq, rs;
		struct xport_blk_client c;
		struct xport_blk_resp out;
		uint32_t id[5];

		new_pair(&rq, XPORT_BLK_REQ_SLOT, SLOTS);
		new_pair(&rs, XPORT_BLK_RESP_SLOT, SLOTS);
		set_cursors(&rq, bases[b]);
		xport_blk_client_init(&c, &rq.prod, &rs.cons);
		for (unsigned i = 0; i < 5; i++) {
			struct xport_blk_req r = read1(i);
			assert_int_equal(xport_blk_submit(&c, &r), 0);
			id[i] = r.id;
			assert_int_not_equal(id[i], XPORT_BLK_RESTARTED);
			for (unsigned j = 0; j < i; j++)
				assert_int_not_equal(id[i], id[j]);
		}
		assert_int_equal(c.outstanding, 5);
		assert_int_equal(xport_blk_complete(&c, &out), CAIRN_EAGAIN);
		for (unsigned i = 0; i < 3; i++)
			assert_int_equal(drv_take(&rq), id[i]);
		drv_answer(&rs, id[1], 0, 1);
		drv_answer(&rs, 0xbeef, 0, 1);			/* not outstanding */
		drv_answer(&rs, XPORT_BLK_RESTARTED, CAIRN_ESTALE, rq.cons.cursor);
		assert_int_equal(drv_take(&rq), id[3]);		/* the new driver's */
		drv_answer(&rs, id[3], 0, 1);
		assert_int_equal(xport_blk_complete(&c, &out), 0);
		assert_int_equal(out.id, id[1]);
		assert_int_equal(out.status, 0);
		unsigned lost = 0;
		for (unsigned k = 0; k < 2; k++) {
			assert_int_equal(xport_blk_complete(&c, &out), 0);
			assert_true(out.id == id[0] || out.id == id[2]);
			assert_int_equal(out.status, CAIRN_ESTALE);
			assert_int_equal(out.count, 0);
			lost |= out.id == id[0] ? 1 : 2;
		}
		assert_int_equal(lost, 3);
		assert_int_equal(xport_blk_complete(&c, &out), 0);
		assert_int_equal(out.id, id[3]);
		assert_int_equal(out.status, 0);
		assert_int_equal(xport_blk_complete(&c, &out), CAIRN_EAGAIN);
		assert_int_equal(c.outstanding, 1);
		assert_int_equal(c.restarts, 1);
		assert_int_equal(c.stray, 1);
		/* a notice past the head: every request outstanding (the fifth) is lost */
		drv_answer(&rs, XPORT_BLK_RESTARTED, CAIRN_ESTALE, rq.prod.cursor + 1);
		assert_int_equal(xport_blk_complete(&c, &out), 0);
		assert_int_equal(out.id, id[4]);
		assert_int_equal(out.status, CAIRN_ESTALE);
		/* an id-0 answer that is not CAIRN_ESTALE is an answer, here a stray one */
		drv_answer(&rs, XPORT_BLK_RESTARTED, 0, 0);
		assert_int_equal(xport_blk_complete(&c, &out), CAIRN_EAGAIN);
		assert_int_equal(c.stray, 2);
		assert_int_equal(c.restarts, 2);
		assert_int_equal(c.outstanding, 0);
		free(rq.r);
		free(rs.r);
	}
}

/* Submitting: a full queue or table puts nothing; the driver's cursor beyond reason is
 * CAIRN_EIO; ids skip XPORT_BLK_RESTARTED when they wrap. */
static void block_client_submit_limits(void **state)
{
	struct pair rq, rs, big;
	struct xport_blk_client c;
	struct xport_blk_req r = read1(0);

	(void)state;
	new_pair(&rq, XPORT_BLK_REQ_SLOT, SLOTS);
	new_pair(&rs, XPORT_BLK_RESP_SLOT, SLOTS);
	xport_blk_client_init(&c, &rq.prod, &rs.cons);
	c.next_id = UINT32_MAX;
	assert_int_equal(xport_blk_submit(&c, &r), 0);
	assert_int_equal(r.id, UINT32_MAX);
	assert_int_equal(xport_blk_submit(&c, &r), 0);
	assert_int_equal(r.id, 1);
	for (unsigned i = 2; i < SLOTS; i++)
		assert_int_equal(xport_blk_submit(&c, &r), 0);
	uint32_t next = c.next_id;
	assert_int_equal(xport_blk_submit(&c, &r), CAIRN_EAGAIN);	/* the queue is full */
	assert_int_equal(c.outstanding, SLOTS);
	assert_int_equal(c.next_id, next);
	rq.r->tail = rq.prod.cursor + 1000;				/* the driver's cursor */
	assert_int_equal(xport_blk_submit(&c, &r), CAIRN_EIO);
	assert_int_equal(c.outstanding, SLOTS);
	/* the table: XPORT_BLK_CLIENT_MAX outstanding at most */
	new_pair(&big, XPORT_BLK_REQ_SLOT, 2 * XPORT_BLK_CLIENT_MAX);
	xport_blk_client_init(&c, &big.prod, &rs.cons);
	for (unsigned i = 0; i < XPORT_BLK_CLIENT_MAX; i++)
		assert_int_equal(xport_blk_submit(&c, &r), 0);
	assert_int_equal(xport_blk_submit(&c, &r), CAIRN_EAGAIN);
	assert_int_equal(xport_count(&big.prod), XPORT_BLK_CLIENT_MAX);
	free(rq.r);
	free(rs.r);
	free(big.r);
}

/* The driver's side of a net direction: takes the next buffer given (its id), puts one back. */
static uint32_t net_take(struct pair *give)
{
	struct xport_buf b;
	assert_int_equal(xport_get_buf(&give->cons, REGION, &b), 0);
	return b.id;
}

static void net_put(struct pair *back, uint64_t offset, uint32_t len, uint32_t id)
{
	struct xport_buf b = { offset, len, id };
	assert_int_equal(xport_put_buf(&back->prod, &b), 0);
}

/*
 * The net client (xport_net_client), at every base of the give queue's positions: five
 * buffers; the old driver takes three, gives one back (with an offset of its own: the
 * client's record is what comes back), then a stray; the restart notice names the
 * position after the three; the client has the given-back one, drops the stray, has the
 * two lost ones back as XPORT_NET_LOST with their own lengths, then the fourth from the
 * new driver (refused: len 0), and keeps the fifth. A notice beyond reason loses
 * everything outstanding; a len-nonzero buffer with the notice's id is a stray.
 */
static void net_client_restart_notice(void **state)
{
	(void)state;
	for (unsigned b = 0; b < NBASES; b++) {
		struct pair give, back;
		struct xport_net_client c;
		struct xport_buf out;

		new_pair(&give, XPORT_NET_SLOT, SLOTS);
		new_pair(&back, XPORT_NET_SLOT, SLOTS);
		set_cursors(&give, bases[b]);
		set_cursors(&back, bases[b] * 3);
		xport_net_client_init(&c, &give.prod, &back.cons);
		for (uint32_t i = 0; i < 5; i++) {
			struct xport_buf g = { 2048 * i, 1000 + i, 10 + i };
			assert_int_equal(xport_net_give(&c, &g), 0);
		}
		assert_int_equal(c.outstanding, 5);
		assert_int_equal(xport_net_back(&c, &out), CAIRN_EAGAIN);
		for (uint32_t i = 0; i < 3; i++)
			assert_int_equal(net_take(&give), 10 + i);
		net_put(&back, 999999, 60, 11);			/* the offset is the driver's lie */
		net_put(&back, 0, 60, 77);			/* not outstanding */
		net_put(&back, give.cons.cursor, 0, XPORT_NET_RESTARTED);
		assert_int_equal(net_take(&give), 13);		/* the new driver's */
		net_put(&back, 3 * 2048, 0, 13);
		assert_int_equal(xport_net_back(&c, &out), 0);
		assert_int_equal(out.id, 11);
		assert_int_equal(out.len, 60);
		assert_int_equal(out.offset, 2048);
		unsigned lost = 0;
		for (unsigned k = 0; k < 2; k++) {
			assert_int_equal(xport_net_back(&c, &out), XPORT_NET_LOST);
			assert_true(out.id == 10 || out.id == 12);
			assert_int_equal(out.len, 1000 + out.id - 10);
			assert_int_equal(out.offset, 2048 * (out.id - 10));
			lost |= out.id == 10 ? 1 : 2;
		}
		assert_int_equal(lost, 3);
		assert_int_equal(xport_net_back(&c, &out), 0);
		assert_int_equal(out.id, 13);
		assert_int_equal(out.len, 0);
		assert_int_equal(xport_net_back(&c, &out), CAIRN_EAGAIN);
		assert_int_equal(c.outstanding, 1);
		assert_int_equal(c.restarts, 1);
		assert_int_equal(c.stray, 1);
		/* a notice past the head: every buffer outstanding (the fifth) is lost */
		net_put(&back, give.prod.cursor + 1, 0, XPORT_NET_RESTARTED);
		assert_int_equal(xport_net_back(&c, &out), XPORT_NET_LOST);
		assert_int_equal(out.id, 14);
		/* a notice more than a queue before the head: likewise */
		struct xport_buf g = { 0, 100, 20 };
		assert_int_equal(xport_net_give(&c, &g), 0);
		net_put(&back, give.prod.cursor - SLOTS - 1, 0, XPORT_NET_RESTARTED);
		assert_int_equal(xport_net_back(&c, &out), XPORT_NET_LOST);
		assert_int_equal(out.id, 20);
		/* the notice's id with a length is not a notice: a stray */
		net_put(&back, 0, 60, XPORT_NET_RESTARTED);
		assert_int_equal(xport_net_back(&c, &out), CAIRN_EAGAIN);
		assert_int_equal(c.stray, 2);
		assert_int_equal(c.restarts, 3);
		assert_int_equal(c.outstanding, 0);
		free(give.r);
		free(back.r);
	}
}

/*
 * A client's restart (xport_net_client_restart), at every base of the positions: the
 * earlier instance gave five buffers (ids 10..14); the driver took three and gave 11
 * back; then the earlier instance died. The new one attaches where the rings stand,
 * asks for a reset and gives two buffers at once, with ids the earlier one used (10,
 * 11). Before it sees the request the driver gives back 12 (a frame into the earlier
 * instance's buffer); then it drops what waits (the earlier two and the new two) and
 * puts the reset notice. Every return before the notice is stale, whatever its id
 * (11 and 12 are not the new instance's buffers, though 11 is outstanding); after it
 * the new two come back lost, and a buffer given after the notice's position is
 * served. A restart notice while resetting asks again; a reset notice when not
 * resetting loses what it says, like a restart.
 */
static void net_client_reset_handshake(void **state)
{
	(void)state;
	for (unsigned b = 0; b < NBASES; b++) {
		struct pair give, back;
		struct xport_net_client old, c;
		struct xport_queue g2, b2;
		struct xport_buf out;

		new_pair(&give, XPORT_NET_SLOT, SLOTS);
		new_pair(&back, XPORT_NET_SLOT, SLOTS);
		set_cursors(&give, bases[b]);
		set_cursors(&back, bases[b] * 5);
		xport_net_client_init(&old, &give.prod, &back.cons);
		for (uint32_t i = 0; i < 5; i++) {
			struct xport_buf g = { 2048 * i, 2048, 10 + i };
			assert_int_equal(xport_net_give(&old, &g), 0);
		}
		for (uint32_t i = 0; i < 3; i++)
			assert_int_equal(net_take(&give), 10 + i);
		net_put(&back, 2048, 60, 11);
		/* the new instance, where the rings stand */
		assert_int_equal(xport_attach(&g2, give.r, XPORT_NET_SLOT, SLOTS, XPORT_PRODUCER), 0);
		assert_int_equal(xport_attach(&b2, back.r, XPORT_NET_SLOT, SLOTS, XPORT_CONSUMER), 0);
		xport_net_client_init(&c, &g2, &b2);
		xport_net_client_restart(&c);
		assert_true(c.resetting && c.ask);
		c.ask = 0;					/* asked */
		for (uint32_t i = 0; i < 2; i++) {
			struct xport_buf g = { 2048 * i, 2048, 10 + i };
			assert_int_equal(xport_net_give(&c, &g), 0);
		}
		assert_int_equal(xport_net_back(&c, &out), CAIRN_EAGAIN);	/* 11: stale */
		net_put(&back, 2 * 2048, 70, 12);
		assert_int_equal(xport_drop(&give.cons), 4);
		net_put(&back, give.cons.cursor, 0, XPORT_NET_RESET);
		struct xport_buf g = { 4 * 2048, 2048, 12 };
		assert_int_equal(xport_net_give(&c, &g), 0);	/* after the notice's position */
		assert_int_equal(net_take(&give), 12);
		net_put(&back, 4 * 2048, 80, 12);
		unsigned lost = 0;
		for (unsigned k = 0; k < 2; k++) {
			assert_int_equal(xport_net_back(&c, &out), XPORT_NET_LOST);
			assert_true(out.id == 10 || out.id == 11);
			assert_int_equal(out.offset, 2048 * (out.id - 10));
			lost |= out.id == 10 ? 1 : 2;
		}
		assert_int_equal(lost, 3);
		assert_false(c.resetting);
		assert_int_equal(xport_net_back(&c, &out), 0);
		assert_int_equal(out.id, 12);
		assert_int_equal(out.len, 80);
		assert_int_equal(out.offset, 4 * 2048);
		assert_int_equal(xport_net_back(&c, &out), CAIRN_EAGAIN);
		assert_int_equal(c.stale, 2);
		assert_int_equal(c.stray, 0);
		assert_int_equal(c.resets, 1);
		assert_int_equal(c.restarts, 0);
		assert_int_equal(c.outstanding, 0);

		/* a driver restart while resetting: ask again, still resetting, still stale */
		xport_net_client_restart(&c);
		c.ask = 0;
		net_put(&back, 0, 60, 30);
		net_put(&back, give.cons.cursor, 0, XPORT_NET_RESTARTED);
		net_put(&back, 0, 60, 31);
		assert_int_equal(xport_net_back(&c, &out), CAIRN_EAGAIN);
		assert_true(c.resetting && c.ask);
		assert_int_equal(c.stale, 4);
		assert_int_equal(c.restarts, 1);
		c.ask = 0;
		net_put(&back, give.cons.cursor, 0, XPORT_NET_RESET);
		assert_int_equal(xport_net_back(&c, &out), CAIRN_EAGAIN);
		assert_false(c.resetting || c.ask);
		/* a reset notice unasked: what was given before it is lost; nothing is asked */
		g.id = 40;
		assert_int_equal(xport_net_give(&c, &g), 0);
		assert_int_equal(net_take(&give), 40);
		net_put(&back, give.cons.cursor, 0, XPORT_NET_RESET);
		assert_int_equal(xport_net_back(&c, &out), XPORT_NET_LOST);
		assert_int_equal(out.id, 40);
		assert_false(c.resetting || c.ask);
		assert_int_equal(c.resets, 3);
		free(give.r);
		free(back.r);
	}
}

/* Giving: the notice's id and an id outstanding are refused; a full queue or table
 * puts nothing; the driver's cursor beyond reason is CAIRN_EIO on either queue. */
static void net_client_give_limits(void **state)
{
	struct pair give, back, big;
	struct xport_net_client c;
	struct xport_buf out;

	(void)state;
	new_pair(&give, XPORT_NET_SLOT, SLOTS);
	new_pair(&back, XPORT_NET_SLOT, SLOTS);
	xport_net_client_init(&c, &give.prod, &back.cons);
	struct xport_buf g = { 0, 100, XPORT_NET_RESTARTED };
	assert_int_equal(xport_net_give(&c, &g), CAIRN_EINVAL);
	g.id = XPORT_NET_RESET;
	assert_int_equal(xport_net_give(&c, &g), CAIRN_EINVAL);
	assert_int_equal(c.outstanding, 0);
	assert_int_equal(xport_count(&give.prod), 0);
	for (uint32_t i = 0; i < SLOTS; i++) {
		g.id = i;
		assert_int_equal(xport_net_give(&c, &g), 0);
	}
	g.id = 3;
	assert_int_equal(xport_net_give(&c, &g), CAIRN_EINVAL);	/* outstanding */
	g.id = 100;
	assert_int_equal(xport_net_give(&c, &g), CAIRN_EAGAIN);	/* the queue is full */
	assert_int_equal(c.outstanding, SLOTS);
	give.r->tail = give.prod.cursor + 1000;			/* the driver's cursor */
	assert_int_equal(xport_net_give(&c, &g), CAIRN_EIO);
	back.r->head = back.cons.cursor + 1000;
	assert_int_equal(xport_net_back(&c, &out), CAIRN_EIO);
	assert_int_equal(c.outstanding, SLOTS);
	/* the table: XPORT_NET_CLIENT_MAX outstanding at most */
	new_pair(&big, XPORT_NET_SLOT, 2 * XPORT_NET_CLIENT_MAX);
	xport_net_client_init(&c, &big.prod, &back.cons);
	for (uint32_t i = 0; i < XPORT_NET_CLIENT_MAX; i++) {
		g.id = i;
		assert_int_equal(xport_net_give(&c, &g), 0);
	}
	g.id = 1000;
	assert_int_equal(xport_net_give(&c, &g), CAIRN_EAGAIN);
	assert_int_equal(xport_count(&big.prod), XPORT_NET_CLIENT_MAX);
	free(give.r);
	free(back.r);
	free(big.r);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rand64(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/*
 * 10^5 rounds: the peer writes a random word of the ring (header or slot: a random
 * value or one near a cursor), then each end takes a step. Results stay in their sets,
 * cursors move by one only on success, and ASan sees every copy inside the ring.
 */
static void random_scribbles(void **state)
{
	struct pair p;
	struct xport_buf b;
	uint32_t words = (uint32_t)(cairn_port_bytes(16, SLOTS) / 4);

	(void)state;
	new_pair(&p, 16, SLOTS);
	for (unsigned round = 0; round < 100000; round++) {
		uint64_t x = rand64();
		uint32_t v = x & 1 ? (uint32_t)(x >> 32) : p.cons.cursor + (uint32_t)(x >> 40) % 20 - 10;
		((volatile uint32_t *)p.r)[(x >> 8) % words] = v;

		uint32_t before = p.cons.cursor;
		long r = xport_get_buf(&p.cons, REGION, &b);
		assert_true(r == 0 || r == CAIRN_ERANGE || r == CAIRN_EAGAIN || r == CAIRN_EIO);
		assert_int_equal(p.cons.cursor, before + (r == 0 || r == CAIRN_ERANGE));
		if (r == 0)
			assert_true(b.offset + b.len <= REGION);

		before = p.prod.cursor;
		b = buf(round);
		r = xport_put_buf(&p.prod, &b);
		assert_true(r == 0 || r == CAIRN_EAGAIN || r == CAIRN_EIO);
		assert_int_equal(p.prod.cursor, before + (r == 0));
		r = xport_arm(&p.cons);
		assert_true(r >= CAIRN_EIO && r <= SLOTS);
		assert_true(xport_wake_needed(&p.prod) <= 1);
	}
	free(p.r);
}

/*
 * The waiting protocol, as schedules of single steps of a producer and a consumer on an
 * empty queue (upper case), or of a producer waiting for room on a full queue and the
 * consumer making it (lower case). Steps:
 *   P  producer puts one     W  producer: xport_wake_needed, and a send if it says so
 *   A  consumer arms         S  consumer sleeps if its last arm said 0: it takes a
 *                               pending send, or blocks until one comes
 *   g  consumer gets one     w  consumer: xport_wake_needed, and a send
 *   a  producer arms         s  producer sleeps as S
 * Every interleaving of P W with A S (each side's order kept) is a row, with the
 * consumer arming twice, and the room-waiting mirror. A lost wake-up is a sleeper left
 * blocked at the end; `sends` and `slept` are what the protocol must do, `spare` the
 * sends left pending (a harmless spurious wake-up later).
 */
static const struct {
	const char *steps;
	unsigned sends, slept, spare;
} schedules[] = {
	{ "PWAS", 0, 0, 0 },
	{ "PAWS", 0, 0, 0 },
	{ "PASW", 0, 0, 0 },
	{ "APWS", 1, 1, 0 },
	{ "APSW", 1, 1, 0 },
	{ "ASPW", 1, 1, 0 },
	{ "APWAS", 1, 0, 1 },		/* woken, but saw it on the second look */
	{ "AAPWS", 1, 1, 0 },
	{ "APAWS", 0, 0, 0 },		/* the second look clears the flag: no send needed */
	{ "PPWAS", 0, 0, 0 },
	{ "APPWWS", 1, 1, 0 },		/* one send for two descriptors */
	{ "gwas", 0, 0, 0 },
	{ "gaws", 0, 0, 0 },
	{ "gasw", 0, 0, 0 },
	{ "agws", 1, 1, 0 },
	{ "agsw", 1, 1, 0 },
	{ "asgw", 1, 1, 0 },
};
#define NSCHEDULES (sizeof(schedules) / sizeof(schedules[0]))

enum { RUNNING, ARMED, BLOCKED, WOKEN };

struct sleeper {
	int state;			/* RUNNING, ARMED (its arm said 0), BLOCKED, WOKEN */
	unsigned pending;		/* sends counted and not yet taken */
	unsigned slept;
};

static void send_to(struct sleeper *s)
{
	if (s->state == BLOCKED)
		s->state = WOKEN;
	else
		s->pending++;
}

static void arm(struct sleeper *s, struct xport_queue *q)
{
	long n = xport_arm(q);

	assert_true(n >= 0);
	s->state = n ? RUNNING : ARMED;
}

static void sleep_on(struct sleeper *s)
{
	if (s->state != ARMED)
		return;
	s->slept = 1;
	if (s->pending) {
		s->pending--;
		s->state = WOKEN;
	} else {
		s->state = BLOCKED;
	}
}

static void wake_schedules(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NSCHEDULES; i++) {
		struct pair p;
		struct sleeper cons = { RUNNING, 0, 0 }, prod = { RUNNING, 0, 0 };
		struct xport_buf b = buf(1);
		unsigned sends = 0, room_side = schedules[i].steps[0] >= 'a';

		new_pair(&p, 16, SLOTS);
		set_cursors(&p, 0xfffffffe);
		p.r->producer_waits = p.r->consumer_waits = 0;
		if (room_side)
			for (unsigned n = 0; n < SLOTS; n++)
				assert_int_equal(xport_put_buf(&p.prod, &b), 0);
		for (const char *c = schedules[i].steps; *c; c++) {
			switch (*c) {
			case 'P': assert_int_equal(xport_put_buf(&p.prod, &b), 0); break;
			case 'g': assert_int_equal(xport_get_buf(&p.cons, REGION, &b), 0); break;
			case 'W': if (xport_wake_needed(&p.prod)) { send_to(&cons); sends++; } break;
			case 'w': if (xport_wake_needed(&p.cons)) { send_to(&prod); sends++; } break;
			case 'A': arm(&cons, &p.cons); break;
			case 'a': arm(&prod, &p.prod); break;
			case 'S': sleep_on(&cons); break;
			case 's': sleep_on(&prod); break;
			default: fail();
			}
		}
		struct sleeper *s = room_side ? &prod : &cons;
		if (s->state == BLOCKED)
			fail_msg("schedule %s: a lost wake-up", schedules[i].steps);
		assert_int_equal(sends, schedules[i].sends);
		assert_int_equal(s->slept, schedules[i].slept);
		assert_int_equal(s->pending, schedules[i].spare);
		/* and what it waited for is there */
		if (room_side)
			assert_int_equal(xport_put_buf(&p.prod, &b), 0);
		else
			assert_int_equal(xport_get_buf(&p.cons, REGION, &b), 0);
		free(p.r);
	}
}

/* xport_arm_for: the flag stays set until `want` are there, so the peer's next step
 * sends; with enough it is cleared, and a cursor beyond reason clears it too. */
static void arm_for_a_threshold(void **state)
{
	(void)state;
	struct pair p;
	struct xport_buf b = buf(1);
	new_pair(&p, 16, SLOTS);
	p.r->producer_waits = 0;
	for (unsigned n = 0; n < SLOTS - 2; n++)
		assert_int_equal(xport_put_buf(&p.prod, &b), 0);
	assert_int_equal(xport_arm_for(&p.prod, 3), 2);		/* 2 free, 3 wanted: sleep */
	assert_int_equal(p.r->producer_waits, 1);
	assert_int_equal(xport_get_buf(&p.cons, REGION, &b), 0);
	assert_int_equal(xport_wake_needed(&p.cons), 1);	/* the consumer sends */
	assert_int_equal(p.r->producer_waits, 0);
	assert_int_equal(xport_arm_for(&p.prod, 3), 3);		/* enough now: go on */
	assert_int_equal(p.r->producer_waits, 0);
	assert_int_equal(xport_arm_for(&p.prod, 1), 3);
	assert_int_equal(p.r->producer_waits, 0);
	assert_int_equal(xport_arm_for(&p.cons, 6), 5);		/* a consumer: descriptors */
	assert_int_equal(p.r->consumer_waits, 1);
	p.r->tail = p.r->head + 1;				/* beyond reason */
	assert_int_equal(xport_arm_for(&p.prod, 3), CAIRN_EIO);
	assert_int_equal(p.r->producer_waits, 0);
	free(p.r);
}

/* --- two threads --------------------------------------------------------------- */

#define ITEMS 1000000u

struct stress {
	struct pair p;
	sem_t cons_wake, prod_wake;	/* counting, as the kernel's activations */
	unsigned long sleeps[2], sends[2];
	long error;			/* a failure (atomic: both threads write it) */
};

/* Sleeps until a send comes; ten seconds without one is a lost wake-up. */
static int sleep_sem(sem_t *s)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += 10;
	while (sem_timedwait(s, &t) != 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static void fail_with(struct stress *st, long e)
{
	__atomic_store_n(&st->error, e, __ATOMIC_RELAXED);
}

static void *producer(void *arg)
{
	struct stress *st = arg;

	for (uint32_t i = 0; i < ITEMS && !__atomic_load_n(&st->error, __ATOMIC_RELAXED);) {
		struct xport_buf b = { .offset = i % 1024 * 64, .len = 64, .id = i };
		long r = xport_put_buf(&st->p.prod, &b);
		if (r == 0) {
			i++;
			if (xport_wake_needed(&st->p.prod)) {
				st->sends[0]++;
				sem_post(&st->cons_wake);
			}
		} else if (r != CAIRN_EAGAIN) {
			fail_with(st, 1000 + r);
		} else if ((r = xport_arm(&st->p.prod)) == 0) {
			st->sleeps[0]++;
			if (sleep_sem(&st->prod_wake))
				fail_with(st, 1);
		} else if (r < 0) {
			fail_with(st, 2000 + r);
		}
	}
	return NULL;
}

static void *consumer(void *arg)
{
	struct stress *st = arg;

	for (uint32_t i = 0; i < ITEMS && !__atomic_load_n(&st->error, __ATOMIC_RELAXED);) {
		struct xport_buf b;
		long r = xport_get_buf(&st->p.cons, 1024 * 64, &b);
		if (r == 0) {
			if (b.id != i || b.offset != i % 1024 * 64 || b.len != 64)
				fail_with(st, 3);
			i++;
			if (xport_wake_needed(&st->p.cons)) {
				st->sends[1]++;
				sem_post(&st->prod_wake);
			}
		} else if (r != CAIRN_EAGAIN) {
			fail_with(st, 4000 + r);
		} else if ((r = xport_arm(&st->p.cons)) == 0) {
			st->sleeps[1]++;
			if (sleep_sem(&st->cons_wake))
				fail_with(st, 5);
		} else if (r < 0) {
			fail_with(st, 6000 + r);
		}
	}
	return NULL;
}

static void two_threads(void **state)
{
	static struct stress st;
	pthread_t t[2];

	(void)state;
	new_pair(&st.p, 16, SLOTS);
	set_cursors(&st.p, 0xffffffff - ITEMS / 2);	/* wraps halfway */
	st.p.r->producer_waits = st.p.r->consumer_waits = 0;
	assert_int_equal(sem_init(&st.cons_wake, 0, 0), 0);
	assert_int_equal(sem_init(&st.prod_wake, 0, 0), 0);
	assert_int_equal(pthread_create(&t[0], NULL, producer, &st), 0);
	assert_int_equal(pthread_create(&t[1], NULL, consumer, &st), 0);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	assert_int_equal(st.error, 0);
	assert_int_equal(xport_count(&st.p.cons), 0);
	print_message("# two threads: %u descriptors; the producer slept %lu times (woken by %lu sends), "
		      "the consumer %lu (%lu)\n", ITEMS, st.sleeps[0], st.sends[1], st.sleeps[1], st.sends[0]);
	sem_destroy(&st.cons_wake);
	sem_destroy(&st.prod_wake);
	free(st.p.r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(attach_checks_geometry_and_end),
		cmocka_unit_test(steps_at_the_wrong_end_are_refused),
		cmocka_unit_test(fifo_full_empty_peek_count),
		cmocka_unit_test(cursors_wrap_around),
		cmocka_unit_test(peer_cursor_bounded),
		cmocka_unit_test(own_cursor_is_private),
		cmocka_unit_test(buffers_outside_the_region),
		cmocka_unit_test(typed_steps_need_their_slot_size),
		cmocka_unit_test(block_requests_checked),
		cmocka_unit_test(block_client_restart_notice),
		cmocka_unit_test(net_client_restart_notice),
		cmocka_unit_test(net_client_give_limits),
		cmocka_unit_test(drop_consumes_what_is_queued),
		cmocka_unit_test(net_client_reset_handshake),
		cmocka_unit_test(block_client_submit_limits),
		cmocka_unit_test(random_scribbles),
		cmocka_unit_test(wake_schedules),
		cmocka_unit_test(arm_for_a_threshold),
		cmocka_unit_test(two_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
