/*
 * bench_consumer: the receiving side of bench_producer's port. Each sample waits
 * (yielding) for a full ring, then takes the cost per get over the batch and checks
 * every sequence number. Prints port_async_get.
 */
#include <cairn/bench.h>
#include <cairn/cairn.h>
#include <cairn/port.h>

#define BATCH 64

static uint64_t samples[BENCH_SAMPLES];

int main(const struct cairn_root *rt)
{
	struct cairn_port p;
	uint64_t msg[2], expect = 0, overhead = bench_overhead();

	(void)rt;
	if (cairn_port_open(&p, "bench_ring"))
		return 1;
	for (int s = -BENCH_WARMUP; s < BENCH_SAMPLES; s++) {
		while (p.ring->head - p.ring->tail < BATCH)
			cairn_yield();
		uint64_t t0 = bench_rdtsc();
		long bad = 0;
		for (int i = 0; i < BATCH; i++, expect++) {
			bad |= cairn_port_recv(&p, msg);
			bad |= msg[0] != expect;
		}
		uint64_t t1 = bench_rdtsc();
		if (bad) {
			cairn_printf("bench_consumer: message %lu out of order or missing\n", expect);
			return 2;
		}
		if (s >= 0)
			samples[s] = (t1 - t0 - overhead) / BATCH;
	}
	bench_report("port_async_get", bench_summarize(samples, BENCH_SAMPLES), "message");
	return 0;
}
