/*
 * bench_blk: the block benchmark's client (bench/systems/blk.toml, and blk_iommu.toml
 * behind the IOMMU): 4 KiB reads, one at a time, through components/virtio_blk on the
 * block transport, from the benchmark disk (tools/qemu.py bench_disk_args: null-co,
 * zeroes, each read held back 1 ms of host time). Measured as Linux's side measures
 * (docs/performance.md, "Linux beside Cairn"): the soaker (bench_soak, the lowest
 * priority) takes the idle out; a read in which it never ran (the completion came
 * before the driver slept) and one in which it was interrupted more than once (a timer
 * interrupt fell in) are left out and counted. 20 warm-up reads, then 201 samples,
 * each of one new block, its buffer filled with 0xa5 before and checked for zeroes
 * after, outside the measured span. Prints blk_read_4k, or blk_read_4k_iommu when
 * its description names it "bench_blk_iommu" (the client cannot see the driver's dma
 * mode). Stops the driver and the soaker at the end.
 */
#include <cairn/bench.h>
#include <cairn/xport.h>
#include <iface/virtio_blk.h>

#include "../bench_soak/soak.h"

#define B       XPORT_BLK_SIZE
#define TRIES   (8 * (BENCH_WARMUP + BENCH_SAMPLES))	/* reads tried at most, as Linux's */

static struct cairn_port req_port, resp_port;
static struct xport_queue req_q, resp_q;
static uint64_t samples[BENCH_SAMPLES];

/* One read of block `block` into the region's first block: its response's status. */
static int32_t read_block(uint64_t block, uint32_t id)
{
	struct xport_blk_req q = { .op = XPORT_BLK_READ, .count = 1, .block = block, .offset = 0, .id = id };
	struct xport_blk_resp r;
	long e;

	while (xport_blk_put_req(&req_q, &q) == CAIRN_EAGAIN)
		if (xport_arm(&req_q) == 0)
			cairn_rcv_wait(CAIRN_SLOT_RCV);
	if (xport_wake_needed(&req_q))
		cairn_asnd_send(req_port.peer, 0);
	while ((e = xport_blk_get_resp(&resp_q, &r)) == CAIRN_EAGAIN)
		if (xport_arm(&resp_q) == 0)
			cairn_rcv_wait(CAIRN_SLOT_RCV);
	if (xport_wake_needed(&resp_q))
		cairn_asnd_send(resp_port.peer, 0);
	if (e < 0)
		return (int32_t)e;
	return r.id == id && r.count == 1 ? r.status : 1000;
}

static long attach(void)
{
	long r = cairn_port_open(&req_port, "blk_req");
	if (r == 0)
		r = xport_attach(&req_q, req_port.ring, req_port.words * 8, req_port.mask + 1, XPORT_PRODUCER);
	if (r == 0 && (r = cairn_port_open(&resp_port, "blk_resp")) == 0)
		r = xport_attach(&resp_q, resp_port.ring, resp_port.words * 8, resp_port.mask + 1, XPORT_CONSUMER);
	return r;
}

int main(const struct cairn_root *rt)
{
	const struct cairn_region *data = cairn_region("blk_data"), *sr = cairn_region("soak");
	const char *name = !strcmp(rt->name, "bench_blk_iommu") ? "blk_read_4k_iommu" : "blk_read_4k";
	uint64_t overhead = bench_overhead(), block = 0, soaked = 0;
	unsigned not_slept = 0, interrupted = 0, tried = 0;
	int s = -BENCH_WARMUP;

	if (attach() < 0 || !data || data->size < B || !sr || sr->size < sizeof(struct soak)) {
		cairn_puts("bench_blk: no transport, data region or soak region");
		return 1;
	}
	volatile uint8_t *buf = (volatile uint8_t *)data->va;
	struct soak *soak = (struct soak *)sr->va;
	for (; s < BENCH_SAMPLES && tried < TRIES; tried++, block = (block + 1) % 1024) {
		for (unsigned i = 0; i < B; i++)
			buf[i] = 0xa5;
		uint64_t s0 = soak->total, g0 = soak->gaps, t0 = bench_rdtsc();
		int32_t st = read_block(block, tried + 1);
		uint64_t t1 = bench_rdtsc(), s1 = soak->total, g1 = soak->gaps;
		unsigned bad = 0;
		for (unsigned i = 0; i < B; i++)
			bad |= buf[i];
		if (st || bad) {
			cairn_printf("bench_blk: read %u of block %lu: status %d, data %s\n", tried, block, st,
				     bad ? "not zero" : "zero");
			return 2;
		}
		if (g1 - g0 == 0) {
			not_slept += s >= 0;
			continue;
		}
		if (g1 - g0 > 1) {
			interrupted += s >= 0;
			continue;
		}
		if (s >= 0) {
			samples[s] = t1 - t0 - (s1 - s0) - overhead;
			soaked += s1 - s0;
		}
		s++;
	}
	soak->stop = 1;
	long stop = virtio_blk_stop();
	cairn_asnd_send(req_port.peer, 0);
	if (s < BENCH_SAMPLES || stop) {
		cairn_printf("bench_blk: %d reads measured of %u tried; stop %ld\n", s, tried, stop);
		return 3;
	}
	cairn_printf("bench_blk: reads: %u measured; left out: %u completed before the driver slept, "
		     "%u had a timer interrupt; the soaker ran %lu a measured read on average\n", BENCH_SAMPLES,
		     not_slept, interrupted, soaked / BENCH_SAMPLES);
	bench_report(name, bench_summarize(samples, BENCH_SAMPLES), "read");
	return 0;
}
