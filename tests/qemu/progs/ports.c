/*
 * ports: ports between two components. The ring lives in memory both share (the
 * producer runs in a mirror of this component, cairn/build.h). Asynchronous mode:
 * 100,000 messages in order, and no system call while a batch goes through the ring
 * (the kernel counts them: CAIRN_OP_KCOUNT). Synchronous mode: producer and consumer
 * block on full and empty rings and wake each other through their endpoints, under a
 * small scheduler (this program's main thread) that learns of blocks and wake-ups
 * from its endpoint's events. First boot module, kernel booted with "ktest".
 */
#include <cairn/build.h>
#include <cairn/cairn.h>
#include <cairn/port.h>
#include <cairn/root.h>

#define MEM CAIRN_SLOT_MEMORY
#define CT  CAIRN_SLOT_CAPTBL
#define PT  CAIRN_SLOT_PGTBL
#define ME  CAIRN_SLOT_THREAD
#define SLOTS 64
#define ASYNC_MSGS 100000
#define SYNC_MSGS  20000

extern char _start[], _end[];

static struct cairn_alloc A = { .mem = MEM, .ct = CT, .cursor = 32UL << 20, .end = 0,
				.next_slot = CAIRN_SLOT_FREE, .last_slot = 128 };
static struct cairn_mirror B;
static uint8_t ring_mem[4096] __attribute__((aligned(4096)));
static struct cairn_port_ring *ring = (struct cairn_port_ring *)ring_mem;

struct msg {
	uint64_t seq, check;
};

/* ---- asynchronous ---- */

static volatile long async_sent, async_calls_in_batches;
static unsigned consumer_thread_b;	/* in B's table: the main thread, to switch back */

static void async_producer(cairn_word tid)
{
	struct cairn_port p;

	(void)tid;
	cairn_port_attach(&p, ring, sizeof(struct msg), SLOTS);
	while (async_sent < ASYNC_MSGS) {
		long before = cairn_kcount();
		while (async_sent < ASYNC_MSGS) {
			struct msg m = { (uint64_t)async_sent, ~(uint64_t)async_sent };
			if (cairn_port_send(&p, &m) == CAIRN_EAGAIN)
				break;
			async_sent++;
		}
		async_calls_in_batches += cairn_kcount() - before - 1;	/* the second KCOUNT */
		cairn_thread_dispatch(consumer_thread_b, 0, 0);
	}
	for (;;)
		cairn_thread_dispatch(consumer_thread_b, 0, 0);
}

static void test_async(unsigned producer)
{
	struct cairn_port c;
	long got = 0, bad = 0, calls = 0;

	cairn_port_attach(&c, ring, sizeof(struct msg), SLOTS);
	while (got < ASYNC_MSGS) {
		long before = cairn_kcount();
		struct msg m;
		while (cairn_port_recv(&c, &m) == 0) {
			bad += m.seq != (uint64_t)got || m.check != ~(uint64_t)got;
			got++;
		}
		calls += cairn_kcount() - before - 1;
		if (got < ASYNC_MSGS)
			cairn_thread_dispatch(producer, 0, 0);
	}
	cairn_check("port.1", "async_in_order", got == ASYNC_MSGS && bad == 0 && async_sent == ASYNC_MSGS,
		    "got %ld, %ld out of order, sent %ld", got, bad, async_sent);
	cairn_check("port.2", "async_no_system_calls", calls == 0 && async_calls_in_batches == 0,
		    "consumer %ld, producer %ld calls inside batches", calls, async_calls_in_batches);
}

/* ---- synchronous ---- */

static struct cairn_port sync_prod, sync_cons;
static volatile long sync_got, sync_bad;

static void sync_producer(cairn_word tid)
{
	(void)tid;
	for (uint64_t i = 0; i < SYNC_MSGS; i++) {
		struct msg m = { i, ~i };
		cairn_port_send(&sync_prod, &m);
	}
}

static void sync_consumer(cairn_word tid)
{
	(void)tid;
	for (long i = 0; i < SYNC_MSGS; i++) {
		struct msg m;
		cairn_port_recv(&sync_cons, &m);
		sync_bad += m.seq != (uint64_t)i || m.check != ~(uint64_t)i;
		sync_got++;
	}
}

/* A two-thread scheduler: run whichever is runnable until both have stopped. */
static long schedule(unsigned rcv, unsigned t[2], long tid[2], long *blocks, long *wakes)
{
	int runnable[2] = { 1, 1 }, stopped = 0, turn = 0;
	long rounds = 0;

	while (stopped < 2 && rounds++ < 10 * SYNC_MSGS) {
		struct cairn_ret2 e;
		while ((e = cairn_rcv_event(rcv)).r0 > 0) {
			int who = e.r0 == tid[1];
			if (e.r1 == CAIRN_EVENT_BLOCK)
				runnable[who] = 0, (*blocks)++;
			else if (e.r1 == CAIRN_EVENT_WAKE)
				runnable[who] = 1, (*wakes)++;
			else if (e.r1 == CAIRN_EVENT_STOP)
				runnable[who] = 0, stopped++;
		}
		if (runnable[turn] || runnable[turn ^= 1])
			cairn_thread_dispatch(t[turn], 0, 0);
		else if (stopped < 2)
			cairn_rcv_wait(rcv);
		turn ^= 1;
	}
	return stopped;
}

static void test_sync(void)
{
	unsigned sched = cairn_slot(&A), t[2], rcv[2], snd[2];
	long tid[2], blocks = 0, wakes = 0;
	long r = cairn_captbl_act_rcv(CT, sched, ME, 0);
	void (*fn[2])(cairn_word) = { sync_consumer, sync_producer };
	unsigned comp[2] = { CAIRN_SLOT_COMP, B.comp };

	for (int i = 0; i < 2; i++) {
		t[i] = cairn_slot(&A);
		rcv[i] = cairn_slot(&A);
		snd[i] = cairn_slot(&A);
		tid[i] = cairn_captbl_act_thread(CT, t[i], MEM, cairn_frame(&A, CAIRN_FRAME_KERNEL), comp[i],
						 (cairn_word)fn[i]);
		r |= cairn_captbl_act_rcv(CT, rcv[i], t[i], sched);
		r |= cairn_captbl_act_asnd(CT, snd[i], rcv[i]);
	}
	/* The producer runs in B: same slot numbers in B's table. */
	r |= cairn_captbl_copy(B.ct, rcv[1], CT, rcv[1]);
	r |= cairn_captbl_copy(B.ct, snd[0], CT, snd[0]);
	cairn_port_init(ring, sizeof(struct msg), SLOTS);
	r |= cairn_port_attach(&sync_cons, ring, sizeof(struct msg), SLOTS);
	r |= cairn_port_attach(&sync_prod, ring, sizeof(struct msg), SLOTS);
	sync_cons.mode = sync_prod.mode = CAIRN_PORT_SYNC;
	sync_cons.rcv = rcv[0], sync_cons.peer = snd[1];
	sync_prod.rcv = rcv[1], sync_prod.peer = snd[0];
	long stopped = schedule(sched, t, tid, &blocks, &wakes);
	cairn_check("port.3", "sync_in_order", r == 0 && stopped == 2 && sync_got == SYNC_MSGS && sync_bad == 0,
		    "setup %ld stopped %ld got %ld bad %ld", r, stopped, sync_got, sync_bad);
	cairn_check("port.4", "sync_blocks_and_wakes", blocks > 0 && wakes > 0 &&
		    sync_prod.sends + sync_cons.sends == (uint64_t)wakes,
		    "blocks %ld wakes %ld sends %lu+%lu", blocks, wakes, (unsigned long)sync_prod.sends,
		    (unsigned long)sync_cons.sends);
}

int main(const void *root)
{
	const struct cairn_root *R = root;

	A.end = R->mem_end;
	long r = cairn_mirror(&A, &B, PT, CAIRN_IMAGE_BASE, (uint64_t)_end, (uint64_t)_start);
	cairn_port_init(ring, sizeof(struct msg), SLOTS);
	unsigned prod = cairn_slot(&A);
	long tid = cairn_captbl_act_thread(CT, prod, MEM, cairn_frame(&A, CAIRN_FRAME_KERNEL), B.comp,
					   (cairn_word)async_producer);
	consumer_thread_b = cairn_slot(&A);
	r |= cairn_captbl_copy(B.ct, consumer_thread_b, CT, ME);
	if (r || tid < 0) {
		cairn_check("port.0", "setup", 0, "mirror or thread failed: %ld %ld", r, tid);
		return 1;
	}
	test_async(prod);
	test_sync();
	long k = cairn_kcheck();
	cairn_check("port.5", "kernel_invariants_hold", k == 0, "kcheck found %ld", k);
	return 0;
}
