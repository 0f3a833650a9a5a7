/*
 * bench_net: the frame benchmarks' client (bench/systems/net.toml, and net_iommu.toml
 * behind the IOMMU): components/virtio_net on QEMU's user networking (slirp: the
 * gateway 10.0.2.2 at 52:55:0a:00:02:02, this guest 10.0.2.15), on the net transport,
 * measured with the soaker (bench_soak, the lowest priority; docs/performance.md,
 * "Devices"). Prints the two metrics below, or each with "_iommu" after its name when
 * its description names it "bench_net_iommu" (the client cannot see the driver's dma
 * mode):
 *
 *   net_tx_frame  one 60-byte frame (to the gateway's MAC, type 0x88b5, which slirp
 *                 drops, so that nothing comes back) from the client putting it on tx
 *                 active to the client holding its buffer again from tx free: the
 *                 wake of the driver, the virtqueue, the notify, the completion
 *                 interrupt, the driver's round and the client's. The soaker's time
 *                 is taken out; a frame in which it never ran (the completion came
 *                 before the driver slept), or was interrupted more than once (a timer
 *                 interrupt fell in), is left out and counted.
 *   net_rx_frame  one frame received: an ARP request for the gateway is sent, and from
 *                 the soaker's last counter read before the interrupt that brings the
 *                 reply to the client holding the reply (checked: the gateway's
 *                 answer): the interrupt entry, the driver's round (the used ring, rx
 *                 active, the wake of the client; a transmit completion the same
 *                 interrupt brings), the switches and the client's get. A reply that
 *                 came before the soaker ran after the request is left out and counted.
 *
 * 20 warm-up frames, then 201 samples of each, at most 8 times that tried. The receive
 * buffer goes back on rx free after each reply, outside the measured span.
 */
#include <cairn/bench.h>
#include <cairn/net.h>
#include <cairn/xport.h>
#include <iface/net.h>
#include "../../../components/arp/arp.h"
#include "../../../components/arp/netq.h"
#include "../bench_soak/soak.h"

#define BUF     2048			/* bytes of each buffer */
#define NRX     16			/* rx buffers: offsets 0 .. NRX * BUF */
#define TX_AT   (NRX * BUF)		/* the tx buffer after them */
#define TRIES   (8 * (BENCH_WARMUP + BENCH_SAMPLES))
#define MY_IP   0x0a00020f		/* 10.0.2.15 */
#define GW_IP   0x0a000202		/* 10.0.2.2 */
#define ETH_TYPE_TEST 0x88b5		/* IEEE 802 local experimental: slirp drops it */

static const uint8_t gw_mac[NET_MAC_LEN] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
static struct netq nq;
static struct soak *soak;
static uint8_t mac[NET_MAC_LEN];
static uint64_t samples[BENCH_SAMPLES], overhead;
static int iommu;			/* the metrics' names end in "_iommu" */

/* Sends the frame of len bytes in the tx buffer and takes the buffer back: 0, or -1. */
static int send_frame(uint32_t len, uint32_t id)
{
	struct xport_buf b = { .offset = TX_AT, .len = len, .id = id };
	if (netq_put(&nq, NETQ_TX_ACTIVE, &b) < 0 || netq_get(&nq, NETQ_TX_FREE, &b) < 0)
		return -1;
	return b.id == id && b.offset == TX_AT && b.len == len ? 0 : -1;
}

/* net_tx_frame: 0, or -1 (said). */
static int tx(void)
{
	uint8_t *f = nq.data + TX_AT;
	unsigned not_slept = 0, interrupted = 0, tried = 0;
	int s = -BENCH_WARMUP;

	for (unsigned i = 0; i < NET_MAC_LEN; i++) {
		f[i] = gw_mac[i];
		f[6 + i] = mac[i];
	}
	arp_put16(f + 12, ETH_TYPE_TEST);
	for (unsigned i = 14; i < ARP_FRAME; i++)
		f[i] = (uint8_t)i;
	for (; s < BENCH_SAMPLES && tried < TRIES; tried++) {
		uint64_t s0 = soak->total, g0 = soak->gaps, t0 = bench_rdtsc();
		int bad = send_frame(ARP_FRAME, 1000 + tried);
		uint64_t t1 = bench_rdtsc(), s1 = soak->total, g1 = soak->gaps;
		if (bad) {
			cairn_printf("bench_net: frame %u did not come back whole\n", tried);
			return -1;
		}
		if (g1 - g0 != 1) {
			not_slept += s >= 0 && g1 == g0;
			interrupted += s >= 0 && g1 - g0 > 1;
			continue;
		}
		if (s >= 0)
			samples[s] = t1 - t0 - (s1 - s0) - overhead;
		s++;
	}
	if (s < BENCH_SAMPLES) {
		cairn_printf("bench_net: %d frames sent measured of %u tried\n", s, tried);
		return -1;
	}
	cairn_printf("bench_net: frames: %u sent measured; left out: %u completed before the driver slept, "
		     "%u had a timer interrupt\n", BENCH_SAMPLES, not_slept, interrupted);
	bench_report(iommu ? "net_tx_frame_iommu" : "net_tx_frame", bench_summarize(samples, BENCH_SAMPLES), "frame");
	return 0;
}

/* Waits for the gateway's ARP reply (other frames' buffers go back): the reply's
 * buffer with *t1 the counter when the client held it, or len 0 if none came. */
static struct xport_buf reply(uint64_t *t1, unsigned *others)
{
	for (;;) {
		struct xport_buf b;
		uint8_t from[NET_MAC_LEN];
		if (netq_get(&nq, NETQ_RX_ACTIVE, &b) < 0 || b.len == 0)
			return (struct xport_buf){ 0 };
		*t1 = bench_rdtsc();
		if (arp_is_reply(nq.data + b.offset, b.len, mac, MY_IP, GW_IP, from)) {
			for (unsigned i = 0; i < NET_MAC_LEN; i++)
				if (from[i] != gw_mac[i])
					return (struct xport_buf){ 0 };
			return b;
		}
		(*others)++;
		b.len = BUF;
		netq_put(&nq, NETQ_RX_FREE, &b);
	}
}

/* net_rx_frame: 0, or -1 (said). */
static int rx(void)
{
	unsigned early = 0, others = 0, tried = 0;
	int s = -BENCH_WARMUP;

	for (; s < BENCH_SAMPLES && tried < TRIES; tried++) {
		struct xport_buf t = { .offset = TX_AT, .len = ARP_FRAME, .id = 5000 + tried };
		uint64_t t0 = bench_rdtsc(), t1 = 0;
		arp_request(nq.data + TX_AT, mac, MY_IP, GW_IP);
		if (netq_put(&nq, NETQ_TX_ACTIVE, &t) < 0) {
			cairn_puts("bench_net: an ARP request refused");
			return -1;
		}
		struct xport_buf b = reply(&t1, &others);
		uint64_t last = soak->last;
		if (b.len == 0 || netq_get(&nq, NETQ_TX_FREE, &t) < 0 || t.id != 5000 + tried) {
			cairn_printf("bench_net: ARP round %u: no reply from the gateway, or the request not back\n",
				     tried);
			return -1;
		}
		b.len = BUF;
		netq_put(&nq, NETQ_RX_FREE, &b);
		if (last < t0) {
			early += s >= 0;
			continue;
		}
		if (s >= 0)
			samples[s] = t1 - last - overhead;
		s++;
	}
	if (s < BENCH_SAMPLES) {
		cairn_printf("bench_net: %d frames received measured of %u tried\n", s, tried);
		return -1;
	}
	cairn_printf("bench_net: frames: %u received measured; left out: %u came before the soaker ran; "
		     "%u other frames\n", BENCH_SAMPLES, early, others);
	bench_report(iommu ? "net_rx_frame_iommu" : "net_rx_frame", bench_summarize(samples, BENCH_SAMPLES), "frame");
	return 0;
}

int main(const struct cairn_root *rt)
{
	const struct cairn_region *sr = cairn_region("soak");
	long m = net_mac(), r = netq_open(&nq, "net_data");

	if (r < 0 || m < 0 || nq.size < TX_AT + BUF || !sr || sr->size < sizeof(struct soak)) {
		cairn_printf("bench_net: transport %ld, mac %ld, or no soak region\n", r, m);
		return 1;
	}
	soak = (struct soak *)sr->va;
	iommu = !strcmp(rt->name, "bench_net_iommu");
	net_mac_bytes((uint64_t)m, mac);
	overhead = bench_overhead();
	for (unsigned i = 0; i < NRX && r == 0; i++) {
		struct xport_buf b = { .offset = (uint64_t)i * BUF, .len = BUF, .id = i };
		r = netq_put(&nq, NETQ_RX_FREE, &b);
	}
	int bad = r < 0 || tx() < 0 || rx() < 0;
	soak->stop = 1;
	long stop = net_stop();
	cairn_asnd_send(nq.port[NETQ_RX_FREE].peer, 0);
	return bad || stop ? 2 : 0;
}
