/*
 * bench_syscall: the cost of entering and leaving the kernel: the null system call,
 * and a call that fails its decode (unknown capability). Each sample is one call
 * between two counter reads; the check that the call returned what it should keeps a
 * broken path from reporting a fast number.
 */
#include <cairn/bench.h>
#include <cairn/cairn.h>

static uint64_t samples[BENCH_SAMPLES];

static int measure(const char *name, unsigned long call, long want)
{
	uint64_t overhead = bench_overhead();

	for (int i = -BENCH_WARMUP; i < BENCH_SAMPLES; i++) {
		uint64_t t0 = bench_rdtsc();
		long r = cairn_syscall2(call, 0, 0);
		uint64_t t1 = bench_rdtsc();
		if (r != want) {
			cairn_printf("bench %s: call returned %ld, want %ld\n", name, r, want);
			return 1;
		}
		if (i >= 0)
			samples[i] = t1 - t0 - overhead;
	}
	bench_report(name, bench_summarize(samples, BENCH_SAMPLES), "call");
	return 0;
}

int main(const void *root)
{
	(void)root;
	int bad = measure("null_syscall", CAIRN_CALL(CAIRN_CAP_NULL, CAIRN_OP_NULL), 0);
	bad |= measure("absent_cap_syscall", CAIRN_CALL(999, CAIRN_OP_NULL), CAIRN_ENOENT);
	return bad;
}
