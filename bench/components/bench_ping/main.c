/*
 * bench_ping: a synchronous ping-pong through two ports with bench_pong: send a
 * 16-byte message on "ping", wait for the echo on "pong". The round trip includes
 * both wake-ups and both scheduling passes (today the booter's scheduler). Prints
 * port_sync_pingpong; every echo is checked.
 */
#include <cairn/bench.h>
#include <cairn/cairn.h>
#include <cairn/port.h>

static uint64_t samples[BENCH_SAMPLES];

int main(const struct cairn_root *rt)
{
	struct cairn_port out, in;
	uint64_t msg[2] = { 0, 0 }, back[2], overhead = bench_overhead();

	(void)rt;
	if (cairn_port_open(&out, "ping") || cairn_port_open(&in, "pong"))
		return 1;
	for (int s = -BENCH_WARMUP; s < BENCH_SAMPLES; s++) {
		msg[0]++;
		uint64_t t0 = bench_rdtsc();
		long bad = cairn_port_send(&out, msg) | cairn_port_recv(&in, back);
		uint64_t t1 = bench_rdtsc();
		if (bad || back[0] != msg[0] + 1) {
			cairn_puts("bench_ping: a wrong echo");
			return 2;
		}
		if (s >= 0)
			samples[s] = t1 - t0 - overhead;
	}
	bench_report("port_sync_pingpong", bench_summarize(samples, BENCH_SAMPLES), "round_trip");
	msg[0] = 0;			/* tells bench_pong to stop */
	cairn_port_send(&out, msg);
	return 0;
}
