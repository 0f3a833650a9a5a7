/*
 * bench_smp: the kernel on two cores, in wall-clock time. -icount runs one emulated
 * core, so this benchmark runs without it (bench/benchmarks.toml: icount = false) and
 * its figures are time stamp counter cycles, which under QEMU follow the host's clock
 * and vary from run to run. What it reports that can be compared is the ratio of a
 * two-core figure to the one-core figure measured in the same run, in thousandths:
 *
 *   smp_asnd_rtt_local   a send-and-wait round trip between two threads of one core
 *   smp_asnd_rtt_cross   the same between threads of core 0 and core 1: each send is
 *                        an inter-processor interrupt that wakes an idle core
 *   smp_asnd_cross_vs_local_permille   cross / local
 *   smp_sinv_1core       one thread calling a gate (call + return), per call
 *   smp_sinv_2cores      a thread on each core calling at once, per call of either
 *   smp_sinv_throughput_permille       calls per second on two cores / on one (the
 *                        kernel's lock serialises the kernel part of each call)
 *
 * It must be the first boot module (it builds with the memory capability).
 */
#include <cairn/bench.h>
#include <cairn/build.h>
#include <cairn/cairn.h>
#include <cairn/root.h>

#define MEM CAIRN_SLOT_MEMORY
#define CT  CAIRN_SLOT_CAPTBL
#define PT  CAIRN_SLOT_PGTBL
#define ME  CAIRN_SLOT_THREAD
#define SAMPLES      51
#define RTT_BATCH    50
#define CALL_SAMPLES 11
#define CALLS        20000

extern char _start[], _end[];

static struct cairn_alloc A = { .mem = MEM, .ct = CT, .cursor = 32UL << 20, .end = 0,
				.next_slot = CAIRN_SLOT_FREE, .last_slot = 128 };
static uint64_t samples[SAMPLES];
static unsigned my_rcv, my_snd;

static unsigned slot(void)
{
	return cairn_reserve_slots(&A) ? 0 : cairn_slot(&A);
}

/* A thread running fn on core k with an endpoint and a send to it; 0 or an error. */
static long partner(unsigned k, void (*fn)(cairn_word), unsigned *rcv, unsigned *snd)
{
	unsigned t = slot();
	*rcv = slot();
	*snd = slot();
	long r = cairn_captbl_act_thread(CT, t, MEM, cairn_frame(&A, CAIRN_FRAME_KERNEL), CAIRN_SLOT_COMP,
					 (cairn_word)fn);
	if (r >= 0)
		r = cairn_thread_core(t, k);
	if (r == 0)
		r = cairn_captbl_act_rcv(CT, *rcv, t, 0);
	if (r == 0)
		r = cairn_captbl_act_asnd(CT, *snd, *rcv);
	return r;
}

/* ---- send latency ---- */

static unsigned echo_rcv[2], echo_snd[2];
static volatile long echoes;

/* Answers each send with one; on core 0 the sends yield, so the two alternate. */
static void echo(cairn_word tid)
{
	unsigned k = (unsigned)cairn_core();

	(void)tid;
	for (;;) {
		cairn_rcv_wait(echo_rcv[k]);
		echoes++;
		cairn_asnd_send(my_snd, CAIRN_SEND_YIELD);
	}
}

/* Round trips to core k's echo: SAMPLES batches; false if one went missing. */
static int round_trips(unsigned k, struct bench_result *out)
{
	long before = echoes;

	for (unsigned s = 0; s < SAMPLES; s++) {
		uint64_t t0 = bench_rdtsc();
		for (unsigned i = 0; i < RTT_BATCH; i++) {
			cairn_asnd_send(echo_snd[k], CAIRN_SEND_YIELD);
			cairn_rcv_wait(my_rcv);
		}
		samples[s] = (bench_rdtsc() - t0) / RTT_BATCH;
	}
	*out = bench_summarize(samples, SAMPLES);
	return echoes - before == (long)(SAMPLES * RTT_BATCH);
}

/* ---- invocation throughput ---- */

static unsigned gate;
static volatile long call_go, call_done, call_bad;

static long calls(void)
{
	long bad = 0;
	for (unsigned i = 0; i < CALLS; i++)
		bad += bench_raw_call(gate) != BENCH_RAW_RESULT;
	return bad;
}

/* Core 1's caller: each round, CALLS calls when main says go. */
static void caller(cairn_word tid)
{
	(void)tid;
	for (long round = 1;; round++) {
		while (call_go < round)
			;
		call_bad += calls();
		__atomic_store_n(&call_done, round, __ATOMIC_RELEASE);
	}
}

int main(const void *root)
{
	const struct cairn_root *R = root;
	struct cairn_mirror b;
	unsigned crcv, csnd;

	A.end = R->mem_end;
	my_rcv = slot();
	my_snd = slot();
	gate = slot();
	long r = cairn_captbl_act_rcv(CT, my_rcv, ME, 0) | cairn_captbl_act_asnd(CT, my_snd, my_rcv);
	r |= cairn_mirror(&A, &b, PT, CAIRN_IMAGE_BASE, (uint64_t)_end, (uint64_t)_start);
	r |= cairn_captbl_act_sinv(CT, gate, b.comp, (cairn_word)bench_raw_entry, 0, 0);
	if (R->cores < 2 || r) {
		cairn_printf("bench_smp: needs two cores (has %lu), setup %ld\n", (unsigned long)R->cores, r);
		return 1;
	}
	r = partner(0, echo, &echo_rcv[0], &echo_snd[0]) | partner(1, echo, &echo_rcv[1], &echo_snd[1]);
	r |= partner(1, caller, &crcv, &csnd);
	if (r)
		return 1;

	struct bench_result local, cross;
	int ok = round_trips(0, &local) && round_trips(1, &cross);
	if (!ok || !local.median)
		return 1;
	bench_report_unit("smp_asnd_rtt_local", local, "cycles", "round_trip");
	bench_report_unit("smp_asnd_rtt_cross", cross, "cycles", "round_trip");
	struct bench_result ratio = { cross.median * 1000 / local.median, cross.min * 1000 / local.min };
	bench_report_unit("smp_asnd_cross_vs_local_permille", ratio, "permille", "ratio");

	uint64_t one[CALL_SAMPLES], two[CALL_SAMPLES];
	long bad = 0;
	cairn_asnd_send(csnd, 0);	/* starts the caller on core 1: it waits for go */
	for (unsigned s = 0; s < CALL_SAMPLES; s++) {
		uint64_t t0 = bench_rdtsc();
		bad += calls();
		one[s] = (bench_rdtsc() - t0) / CALLS;
		t0 = bench_rdtsc();
		__atomic_store_n(&call_go, s + 1, __ATOMIC_RELEASE);
		bad += calls();
		while (__atomic_load_n(&call_done, __ATOMIC_ACQUIRE) < (long)s + 1)
			;
		two[s] = (bench_rdtsc() - t0) / (2 * CALLS);
	}
	if (bad || call_bad)
		return 1;
	struct bench_result c1 = bench_summarize(one, CALL_SAMPLES), c2 = bench_summarize(two, CALL_SAMPLES);
	bench_report_unit("smp_sinv_1core", c1, "cycles", "call");
	bench_report_unit("smp_sinv_2cores", c2, "cycles", "call");
	struct bench_result tput = { c1.median * 1000 / c2.median, c1.min * 1000 / c2.min };
	bench_report_unit("smp_sinv_throughput_permille", tput, "permille", "ratio");
	return 0;
}
