/*
 * bench_objects: the kernel object model's hot paths, in guest instructions:
 *   sinv_roundtrip_raw   call + return between two components, no arguments, the
 *                        client and server stubs reduced to the syscall instructions
 *   sinv_roundtrip       the same through libcairn (cairn_sinv_call, CAIRN_GATE), 4 args
 *   sinv_nested3         three nested calls through libcairn, per outermost call
 *   dispatch             one switch between two threads (half a ping-pong)
 *   asnd_wake            send to a blocked thread, which runs and blocks again
 *   timer_to_thread      from a dispatch deadline to the user thread bound to the
 *                        timer running (interrupt, kernel, switch, return to user)
 * It must be the first boot module (it builds with the memory capability). Every
 * measurement checks its result, so a broken path cannot report a fast number.
 */
#include <cairn/bench.h>
#include <cairn/build.h>
#include <cairn/cairn.h>
#include <cairn/gate.h>
#include <cairn/root.h>

#define MEM CAIRN_SLOT_MEMORY
#define CT  CAIRN_SLOT_CAPTBL
#define PT  CAIRN_SLOT_PGTBL
#define ME  CAIRN_SLOT_THREAD
#define GATE_SLOT 8

extern char _start[], _end[];

static struct cairn_alloc A = { .mem = MEM, .ct = CT, .cursor = 32UL << 20, .end = 0,
				.next_slot = CAIRN_SLOT_FREE, .last_slot = 128 };
static uint64_t samples[BENCH_SAMPLES];
static uint64_t overhead;

static struct cairn_ret2 sum(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge, cairn_word tid)
{
	(void)badge;
	return (struct cairn_ret2){ (long)(a + b + c + d), tid };
}
CAIRN_GATE(sum_entry, sum)

static struct cairn_ret2 nest(cairn_word level, cairn_word b, cairn_word c, cairn_word d, cairn_word badge, cairn_word tid)
{
	(void)b, (void)c, (void)d, (void)badge;
	if (level < 3)
		return cairn_sinv_call(GATE_SLOT, level + 1, 0, 0, 0);
	return (struct cairn_ret2){ (long)level, tid };
}
CAIRN_GATE(nest_entry, nest)

#define MEASURE(i, body)                                                  \
	for (int i = -BENCH_WARMUP; i < BENCH_SAMPLES; i++) {             \
		uint64_t t0_ = bench_rdtsc();                             \
		body;                                                     \
		uint64_t t1_ = bench_rdtsc();                             \
		if (i >= 0)                                               \
			samples[i] = t1_ - t0_ - overhead;                \
	}

static int bench_sinv(void)
{
	struct cairn_mirror b, c, d;
	long r = cairn_mirror(&A, &b, PT, CAIRN_IMAGE_BASE, (uint64_t)_end, (uint64_t)_start);
	r |= cairn_mirror(&A, &c, PT, CAIRN_IMAGE_BASE, (uint64_t)_end, (uint64_t)_start);
	r |= cairn_mirror(&A, &d, PT, CAIRN_IMAGE_BASE, (uint64_t)_end, (uint64_t)_start);
	unsigned raw = cairn_slot(&A), lib = cairn_slot(&A), nst = cairn_slot(&A), tmp = cairn_slot(&A);
	r |= cairn_captbl_act_sinv(CT, raw, b.comp, (cairn_word)bench_raw_entry, 0, 0);
	r |= cairn_captbl_act_sinv(CT, lib, b.comp, (cairn_word)sum_entry, 0, 0);
	r |= cairn_captbl_act_sinv(CT, nst, b.comp, (cairn_word)nest_entry, 0, 0);
	r |= cairn_captbl_act_sinv(CT, tmp, c.comp, (cairn_word)nest_entry, 0, 0);
	r |= cairn_captbl_copy(b.ct, GATE_SLOT, CT, tmp);
	r |= cairn_captbl_remove(CT, tmp);
	r |= cairn_captbl_act_sinv(CT, tmp, d.comp, (cairn_word)nest_entry, 0, 0);
	r |= cairn_captbl_copy(c.ct, GATE_SLOT, CT, tmp);
	if (r)
		return cairn_printf("bench: building the components failed: %ld\n", r), 1;

	long bad = 0;
	MEASURE(i, bad |= bench_raw_call(raw) != BENCH_RAW_RESULT);
	bench_report_ops("sinv_roundtrip_raw", "call", samples, BENCH_SAMPLES, 1);
	MEASURE(i, bad |= cairn_sinv_call(lib, 1, 2, 3, 4).r0 != 10);
	bench_report_ops("sinv_roundtrip", "call", samples, BENCH_SAMPLES, 1);
	MEASURE(i, bad |= cairn_sinv_call(nst, 1, 0, 0, 0).r0 != 3);
	bench_report_ops("sinv_nested3", "call", samples, BENCH_SAMPLES, 1);
	return bad ? cairn_printf("bench: an invocation returned a wrong result\n"), 1 : 0;
}

static volatile long count;
static unsigned peer_rcv, my_rcv;	/* my_rcv: this thread's endpoint, the others' scheduler */

static void pong(cairn_word tid)
{
	(void)tid;
	for (;;) {
		count++;
		cairn_thread_dispatch(ME, 0, 0);
	}
}

static void waiter(cairn_word tid)
{
	(void)tid;
	for (;;)
		count += cairn_rcv_wait(peer_rcv);
}

static int bench_threads(void)
{
	unsigned t = cairn_slot(&A), w = cairn_slot(&A);

	my_rcv = cairn_slot(&A);
	unsigned wsnd = cairn_slot(&A);
	peer_rcv = cairn_slot(&A);
	long r = cairn_captbl_act_thread(CT, t, MEM, cairn_frame(&A, CAIRN_FRAME_KERNEL), CAIRN_SLOT_COMP, (cairn_word)pong);
	r = r < 0 ? r : cairn_captbl_act_thread(CT, w, MEM, cairn_frame(&A, CAIRN_FRAME_KERNEL), CAIRN_SLOT_COMP, (cairn_word)waiter);
	r = r < 0 ? r : cairn_captbl_act_rcv(CT, my_rcv, ME, 0);
	r = r < 0 ? r : cairn_captbl_act_rcv(CT, peer_rcv, w, my_rcv);
	r = r < 0 ? r : cairn_captbl_act_asnd(CT, wsnd, peer_rcv);
	if (r < 0)
		return cairn_printf("bench: making the threads failed: %ld\n", r), 1;

	count = 0;
	MEASURE(i, cairn_thread_dispatch(t, 0, 0));
	bench_report_ops("dispatch", "switch", samples, BENCH_SAMPLES, 2);
	long want = BENCH_WARMUP + BENCH_SAMPLES;
	int bad = count != want;

	cairn_thread_dispatch(w, 0, 0);		/* it blocks; we hear BLOCK */
	count = 0;
	MEASURE(i, cairn_asnd_send(wsnd, CAIRN_SEND_YIELD));
	bench_report_ops("asnd_wake", "send+wake+block", samples, BENCH_SAMPLES, 1);
	bad |= count != want;
	while (cairn_rcv_event(my_rcv).r0)
		;
	return bad ? cairn_printf("bench: the threads did not alternate (%ld)\n", count), 1 : 0;
}

static volatile uint64_t woke_at;
static unsigned tick_rcv;

static void ticker(cairn_word tid)
{
	(void)tid;
	for (;;) {
		cairn_rcv_wait(tick_rcv);
		woke_at = bench_rdtsc();
		while (cairn_rcv_event(tick_rcv).r1 != CAIRN_EVENT_NONE)
			;	/* the TIMEOUT naming the spinner: taken, or the wait would not block */
	}
}

static void spinner(cairn_word tid)
{
	(void)tid;
	for (;;)
		;
}

/* The timer preempts a spinning thread at the deadline; the bound thread runs. */
static int bench_timer(void)
{
	unsigned tk = cairn_slot(&A), sp = cairn_slot(&A), snd = cairn_slot(&A);

	tick_rcv = cairn_slot(&A);
	long r = cairn_captbl_act_thread(CT, tk, MEM, cairn_frame(&A, CAIRN_FRAME_KERNEL), CAIRN_SLOT_COMP, (cairn_word)ticker);
	r = r < 0 ? r : cairn_captbl_act_thread(CT, sp, MEM, cairn_frame(&A, CAIRN_FRAME_KERNEL), CAIRN_SLOT_COMP, (cairn_word)spinner);
	r = r < 0 ? r : cairn_captbl_act_rcv(CT, tick_rcv, tk, my_rcv);
	r = r < 0 ? r : cairn_captbl_act_asnd(CT, snd, tick_rcv);
	r = r < 0 ? r : cairn_irq_bind(CAIRN_SLOT_IRQ, CAIRN_IRQ_TIMER, snd, 0);
	if (r < 0)
		return cairn_printf("bench: making the timer threads failed: %ld\n", r), 1;
	cairn_thread_dispatch(tk, 0, 0);		/* it blocks on its endpoint */
	int bad = 0;
	for (int i = -BENCH_WARMUP; i < BENCH_SAMPLES; i++) {
		woke_at = 0;
		uint64_t deadline = bench_rdtsc() + 20000;
		cairn_thread_dispatch(sp, deadline, 0);	/* back when the ticker blocks again */
		bad |= woke_at < deadline;
		if (i >= 0)
			samples[i] = woke_at - deadline;
	}
	bench_report_ops("timer_to_thread", "interrupt", samples, BENCH_SAMPLES, 1);
	cairn_irq_unbind(CAIRN_SLOT_IRQ, CAIRN_IRQ_TIMER);
	while (cairn_rcv_event(my_rcv).r0)
		;
	return bad ? cairn_printf("bench: the timer thread ran before its deadline\n"), 1 : 0;
}

int main(const void *root)
{
	const struct cairn_root *R = root;

	A.end = R->mem_end;
	overhead = bench_overhead();
	return bench_sinv() | bench_threads() | bench_timer();
}
