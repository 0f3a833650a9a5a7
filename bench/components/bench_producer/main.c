/*
 * bench_producer: the sending side of an asynchronous port (16-byte slots) to
 * bench_consumer, at the same priority. Each sample fills the empty ring with a batch
 * of messages and takes the cost per put; then it yields until the consumer has
 * drained it. Prints port_async_put. Messages carry a sequence number the consumer
 * checks.
 */
#include <cairn/bench.h>
#include <cairn/cairn.h>
#include <cairn/port.h>

#define BATCH 64

static uint64_t samples[BENCH_SAMPLES];

int main(const struct cairn_root *rt)
{
	struct cairn_port p;
	uint64_t msg[2] = { 0, 0 }, overhead = bench_overhead();

	(void)rt;
	if (cairn_port_open(&p, "bench_ring") || p.ring->slots < BATCH)
		return 1;
	for (int s = -BENCH_WARMUP; s < BENCH_SAMPLES; s++) {
		while (p.ring->head != p.ring->tail)
			cairn_yield();
		uint64_t t0 = bench_rdtsc();
		long bad = 0;
		for (int i = 0; i < BATCH; i++, msg[0]++)
			bad |= cairn_port_send(&p, msg);
		uint64_t t1 = bench_rdtsc();
		if (bad)
			return 2;
		if (s >= 0)
			samples[s] = (t1 - t0 - overhead) / BATCH;
	}
	bench_report("port_async_put", bench_summarize(samples, BENCH_SAMPLES), "message");
	return 0;
}
