/*
 * bench_restart: component restart time, from the fault to the server answering
 * again (bench/systems/restart.toml):
 *   component_restart  fragile_crash() (the call faults inside the supervised server,
 *                      the booter restarts it: image pages, stack and heap, red tape,
 *                      its initialisation) until the next call, fragile_generation(),
 *                      has returned the new generation
 * Each sample is one restart; the harness checks the crash call got CAIRN_ESTALE, the
 * generation moved on by one and the server started fresh (main ran once).
 */
#include <iface/fragile.h>
#include <cairn/bench.h>

#define SAMPLES 41
#define WARMUP  3

static uint64_t samples[SAMPLES];

int main(const struct cairn_root *rt)
{
	(void)rt;
	cairn_yield();		/* ends its initialisation: the booter supervises after every init */
	uint64_t overhead = bench_overhead();
	cairn_word inits = 0;
	long gen = fragile_generation(&inits);

	for (int s = -WARMUP; s < SAMPLES; s++) {
		uint64_t t0 = bench_rdtsc();
		long x = fragile_crash(0);
		long next = fragile_generation(&inits);
		uint64_t t1 = bench_rdtsc();
		if (x != CAIRN_ESTALE || next != gen + 1 || inits != 1) {
			cairn_printf("bench_restart: crash gave %ld, generation %ld after %ld, main ran %lu times\n", x,
				     next, gen, (unsigned long)inits);
			return 1;
		}
		gen = next;
		if (s >= 0)
			samples[s] = t1 - t0 - overhead;
	}
	bench_report("component_restart", bench_summarize(samples, SAMPLES), "fault_to_answer");
	return 0;
}
