/*
 * bench_client: an interface call through the generated stubs (iface/bench.h), from
 * one booter-built component into another, round trip:
 *   iface_call        bench_nop(): no arguments, one result
 *   iface_call_4args  bench_add4(a, b, c, d): four arguments, one result (checked)
 * and the boot time, from the kernel's first instruction in kmain (rt->boot_tsc) to
 * this component's main, the first component the booter starts after the server,
 * split where the booter starts building (rt->build_tsc):
 *   boot_to_booter      kernel set-up (timer calibration: 10 ms of PIT) and the booter
 *   booter_to_component building both components and initialising the server
 *   boot_to_component   the two together
 */
#include <iface/bench.h>
#include <cairn/bench.h>

static uint64_t samples[BENCH_SAMPLES];

#define BATCH 16

static int measure_nop(uint64_t overhead)
{
	for (int s = -BENCH_WARMUP; s < BENCH_SAMPLES; s++) {
		uint64_t t0 = bench_rdtsc();
		long bad = 0;
		for (int i = 0; i < BATCH; i++)
			bad |= bench_nop();
		uint64_t t1 = bench_rdtsc();
		if (bad)
			return 0;
		if (s >= 0)
			samples[s] = (t1 - t0 - overhead) / BATCH;
	}
	bench_report("iface_call", bench_summarize(samples, BENCH_SAMPLES), "call+return");
	return 1;
}

static int measure_add4(uint64_t overhead)
{
	for (int s = -BENCH_WARMUP; s < BENCH_SAMPLES; s++) {
		uint64_t t0 = bench_rdtsc();
		long bad = 0;
		for (int i = 0; i < BATCH; i++)
			bad |= bench_add4((cairn_word)i, 2, 3, 4) != i + 9;
		uint64_t t1 = bench_rdtsc();
		if (bad)
			return 0;
		if (s >= 0)
			samples[s] = (t1 - t0 - overhead) / BATCH;
	}
	bench_report("iface_call_4args", bench_summarize(samples, BENCH_SAMPLES), "call+return");
	return 1;
}

int main(const struct cairn_root *rt)
{
	uint64_t now = bench_rdtsc();
	struct bench_result kernel = { rt->build_tsc - rt->boot_tsc, rt->build_tsc - rt->boot_tsc };
	struct bench_result booter = { now - rt->build_tsc, now - rt->build_tsc };
	struct bench_result boot = { now - rt->boot_tsc, now - rt->boot_tsc };

	bench_report("boot_to_booter", kernel, "boot");
	bench_report("booter_to_component", booter, "boot");
	bench_report("boot_to_component", boot, "boot");
	uint64_t overhead = bench_overhead();
	if (!measure_nop(overhead) || !measure_add4(overhead)) {
		cairn_puts("bench_client: a call returned a wrong result");
		return 1;
	}
	return 0;
}
