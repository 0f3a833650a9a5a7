/*
 * bench.c: summarising and reporting benchmark samples (see cairn/bench.h).
 */
#include <cairn/bench.h>
#include <cairn/cairn.h>

static void sort(uint64_t *a, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		uint64_t v = a[i];
		unsigned j = i;
		for (; j > 0 && a[j - 1] > v; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

struct bench_result bench_summarize(uint64_t *samples, unsigned n)
{
	sort(samples, n);
	return (struct bench_result){ .median = samples[n / 2], .min = samples[0] };
}

void bench_report_unit(const char *name, struct bench_result r, const char *unit, const char *per)
{
	cairn_printf("BENCH %s median=%lu min=%lu unit=%s per=%s\n", name,
		     (unsigned long)r.median, (unsigned long)r.min, unit, per);
}

void bench_report(const char *name, struct bench_result r, const char *per)
{
	bench_report_unit(name, r, "instructions", per);
}

/* The gate entry of a raw round trip (cairn/bench.h): returns at once, no stack. */
__asm__(".text\n.globl bench_raw_entry\nbench_raw_entry:\n"
	"\tmov $7, %edi\n"
	"\tmovabs $0x0000000300000000, %rax\n\tsyscall\n\tud2\n");
_Static_assert(BENCH_RAW_RESULT == 7 && CAIRN_CALL(0, CAIRN_OP_RETURN) == 0x0000000300000000,
	       "bench_raw_entry's constants");

void bench_report_ops(const char *name, const char *per, uint64_t *samples, unsigned n, unsigned ops)
{
	struct bench_result r = bench_summarize(samples, n);

	r.median /= ops;
	r.min /= ops;
	bench_report(name, r, per);
}

uint64_t bench_overhead(void)
{
	uint64_t best = ~0ULL;

	for (int i = 0; i < 64; i++) {
		uint64_t t0 = bench_rdtsc();
		uint64_t t1 = bench_rdtsc();
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	return best;
}
