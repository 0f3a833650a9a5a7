/*
 * bench_soak: the soaker of the device benchmarks (soak.h). It yields once, ending its
 * initialisation (the booter runs each component's until it first blocks, yields or
 * returns), then spins on the counter until its client sets `stop`. Its description
 * gives it the lowest priority, so it runs exactly when the others wait.
 */
#include <cairn/bench.h>
#include <cairn/cairn.h>

#include "soak.h"

int main(const struct cairn_root *rt)
{
	(void)rt;
	const struct cairn_region *r = cairn_region("soak");
	if (!r || r->size < sizeof(struct soak)) {
		cairn_puts("bench_soak: no region soak");
		return 1;
	}
	struct soak *s = (struct soak *)r->va;
	cairn_yield();
	uint64_t last = bench_rdtsc();
	while (!s->stop) {
		uint64_t now = bench_rdtsc(), d = now - last;
		if (d <= SOAK_GAP)
			s->total += d;
		else
			s->gaps++;
		last = s->last = now;
	}
	return 0;
}
