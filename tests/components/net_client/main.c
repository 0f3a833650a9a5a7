/*
 * net_client: the client of tests/qemu/systems/virtio_net.toml, on the net transport
 * (components/arp/netq.h) to components/virtio_net over QEMU's virtio-net-pci and user
 * networking (slirp: the gateway 10.0.2.2, this guest 10.0.2.15). tools/test.py
 * captures the frames at the netdev (filter-dump) and checks them after QEMU exits
 * against tests.toml's `capture`: keep the frames built here and that list in step.
 *
 *   net.1  mac                 the device's MAC, as QEMU was told (52:54:00:12:34:56)
 *   net.2  arp_gateway         ARP_ROUNDS requests for 10.0.2.2, each answered by the
 *                              gateway (52:55:0a:00:02:02), the reply printed in hex
 *   net.3  frames_sent         frames of SIZES bytes, in flight at once, each back on
 *                              tx free with its id and length
 *   net.4  bad_tx_refused      frames of bad length or outside the region: back with len 0
 *   net.5  bad_rx_refused      rx buffers too short or outside the region: back with len 0
 *   net.6  arp_after           the driver still answers: another ARP round
 *   net.7  stats               the driver's counters agree; a bad counter refused
 *   net.8  stop                the driver told to stop
 */
#include <iface/net.h>
#include <cairn/net.h>
#include <cairn/xport.h>	/* (the Makefile links libxport for it) */
#include "../../../components/arp/arp.h"
#include "../../../components/arp/netq.h"

#define BUF        2048			/* bytes of each buffer */
#define NRX        16			/* rx buffers: offsets 0 .. NRX * BUF */
#define TX_AT      (NRX * BUF)		/* tx buffers after them */
#define NTX        8
#define ARP_ROUNDS 3
#define MY_IP      0x0a00020f		/* 10.0.2.15 */
#define GW_IP      0x0a000202		/* 10.0.2.2 */
#define ETH_TYPE_TEST 0x88b5		/* IEEE 802 local experimental: slirp drops it */

static const uint8_t want_mac[NET_MAC_LEN] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t gw_mac[NET_MAC_LEN] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
static const uint32_t sizes[] = { 60, 61, 128, 577, 1000, 1513, 1514 };
#define NSIZES (sizeof sizes / sizeof sizes[0])

static struct netq nq;
static uint8_t mac[NET_MAC_LEN];
static uint64_t others;			/* frames received that were not what was waited for */

/* Byte i of test frame k (i >= 14): tools/test.py's capture pattern. */
static uint8_t pattern(unsigned i, unsigned seed)
{
	return (uint8_t)(i * 7 + (i >> 8) + seed * 29);
}

static int same(const uint8_t *a, const uint8_t *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

/* Gives the driver every rx buffer. */
static long fill_rx(void)
{
	for (unsigned i = 0; i < NRX; i++) {
		struct xport_buf b = { .offset = (uint64_t)i * BUF, .len = BUF, .id = i };
		long r = netq_put(&nq, NETQ_RX_FREE, &b);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Sends the frame in tx buffer k (len bytes) and waits until it is back: its len on
 * tx free, or -1 if another buffer came back or an error. */
static long send_one(unsigned k, uint32_t len)
{
	struct xport_buf b = { .offset = TX_AT + (uint64_t)k * BUF, .len = len, .id = 100 + k };
	if (netq_put(&nq, NETQ_TX_ACTIVE, &b) < 0 || netq_get(&nq, NETQ_TX_FREE, &b) < 0 || b.id != 100 + k ||
	    b.offset != TX_AT + (uint64_t)k * BUF)
		return -1;
	return b.len;
}

/* Waits for the gateway's reply to our request; other frames are counted and their
 * buffers given back. 1 if it came with its sender right; its bytes are printed once. */
static int arp_reply(int print)
{
	for (;;) {
		struct xport_buf b;
		uint8_t from[NET_MAC_LEN];
		if (netq_get(&nq, NETQ_RX_ACTIVE, &b) < 0 || b.len == 0)
			return 0;
		const uint8_t *f = nq.data + b.offset;
		int ok = arp_is_reply(f, b.len, mac, MY_IP, GW_IP, from);
		if (ok && print) {
			cairn_printf("net_client: reply %u bytes ", b.len);
			for (unsigned i = 0; i < b.len; i++)
				cairn_printf("%02x", f[i]);
			cairn_printf("\n");
		}
		b.len = BUF;
		netq_put(&nq, NETQ_RX_FREE, &b);
		if (ok)
			return same(from, gw_mac, NET_MAC_LEN);
		others++;
	}
}

/* ARP rounds: request, sent whole, then the reply. The number that succeeded. */
static unsigned arp_rounds(unsigned n, int print)
{
	unsigned good = 0;
	for (unsigned i = 0; i < n; i++) {
		arp_request(nq.data + TX_AT, mac, MY_IP, GW_IP);
		if (send_one(0, ARP_FRAME) == ARP_FRAME && arp_reply(print && i == 0))
			good++;
	}
	return good;
}

static void check_mac(void)
{
	long m = net_mac();
	if (m >= 0)
		net_mac_bytes((uint64_t)m, mac);
	cairn_check("net.1", "mac", m >= 0 && same(mac, want_mac, NET_MAC_LEN), "mac() %lx", m);
}

/* Test frames of every size, all in flight at once (NTX buffers). */
static void frames(void)
{
	unsigned bad = 0;
	uint32_t seen = 0;
	for (unsigned k = 0; k < NSIZES; k++) {
		uint8_t *f = nq.data + TX_AT + (uint64_t)k * BUF;
		for (unsigned i = 0; i < NET_MAC_LEN; i++) {
			f[i] = gw_mac[i];
			f[6 + i] = mac[i];
		}
		arp_put16(f + 12, ETH_TYPE_TEST);
		for (unsigned i = 14; i < sizes[k]; i++)
			f[i] = pattern(i, k);
		struct xport_buf b = { .offset = TX_AT + (uint64_t)k * BUF, .len = sizes[k], .id = 200 + k };
		bad += netq_put(&nq, NETQ_TX_ACTIVE, &b) != 0;
	}
	for (unsigned n = 0; n < NSIZES; n++) {
		struct xport_buf b;
		uint32_t k;
		if (netq_get(&nq, NETQ_TX_FREE, &b) < 0 || (k = b.id - 200) >= NSIZES || (seen >> k & 1) ||
		    b.len != sizes[k] || b.offset != TX_AT + (uint64_t)k * BUF)
			bad++;
		else
			seen |= 1u << k;
	}
	cairn_check("net.3", "frames_sent", bad == 0 && seen == (1u << NSIZES) - 1, "%u wrong, seen 0x%x", bad, seen);
}

/* Descriptors the driver must refuse: each comes back on `back` with its id and len 0. */
static unsigned refused(unsigned which, unsigned back, const struct xport_buf *t, unsigned n)
{
	unsigned bad = 0;
	uint32_t seen = 0;
	for (unsigned i = 0; i < n; i++)
		bad += netq_put(&nq, which, &t[i]) != 0;
	for (unsigned got = 0; got < n;) {
		struct xport_buf b;
		long r = netq_get(&nq, back, &b);
		unsigned i = b.id - 900;
		if (back == NETQ_RX_ACTIVE && r == 0 && b.len && b.id < NRX) {
			others++;		/* a frame that happened to arrive */
			b.len = BUF;
			netq_put(&nq, NETQ_RX_FREE, &b);
			continue;
		}
		got++;
		if ((r != 0 && r != CAIRN_ERANGE) || i >= n || (seen >> i & 1) || b.len != 0 || b.offset != t[i].offset) {
			cairn_printf("net_client: %u back: %ld id %u len %u offset %lx\n", which, r, b.id, b.len, b.offset);
			bad++;
		} else {
			seen |= 1u << i;
		}
	}
	return bad + (seen != (1u << n) - 1);
}

static void bad_tx(void)
{
	uint64_t at = TX_AT;
	struct xport_buf t[] = {
		{ at, NET_FRAME_MIN - 1, 900 }, { at, NET_FRAME_MAX + 1, 901 }, { at, 0, 902 },
		{ at, 0xffffffff, 903 }, { nq.size, 60, 904 }, { ~0ull, 60, 905 }, { nq.size - 10, 60, 906 },
	};
	unsigned bad = refused(NETQ_TX_ACTIVE, NETQ_TX_FREE, t, sizeof t / sizeof t[0]);
	cairn_check("net.4", "bad_tx_refused", bad == 0, "%u wrong", bad);
}

static void bad_rx(void)
{
	struct xport_buf t[] = {
		{ TX_AT, 100, 900 }, { TX_AT, NET_FRAME_MAX - 1, 901 }, { nq.size - 1000, BUF, 902 }, { ~0ull - 100, BUF, 903 },
	};
	unsigned bad = refused(NETQ_RX_FREE, NETQ_RX_ACTIVE, t, sizeof t / sizeof t[0]);
	cairn_check("net.5", "bad_rx_refused", bad == 0, "%u wrong", bad);
}

static void stats(void)
{
	uint64_t v[NET_STAT_COUNT];
	for (unsigned i = 0; i < NET_STAT_COUNT; i++)
		v[i] = (uint64_t)net_stats(i);
	long e1 = net_stats(NET_STAT_COUNT), e2 = net_stats(~0ul);
	uint64_t arps = ARP_ROUNDS + 1;
	int ok = v[NET_STAT_TX_FRAMES] == arps + NSIZES && v[NET_STAT_TX_REFUSED] == 7 &&
		 v[NET_STAT_RX_REFUSED] == 4 && v[NET_STAT_RX_FRAMES] == arps + others &&
		 v[NET_STAT_RX_DROPPED] == 0 && e1 == CAIRN_EINVAL && e2 == CAIRN_EINVAL;
	cairn_check("net.7", "stats", ok, "rx %lu tx %lu rx refused %lu tx refused %lu dropped %lu (others %lu), bad %ld %ld",
		    v[0], v[1], v[2], v[3], v[4], others, e1, e2);
}

int main(const struct cairn_root *rt)
{
	(void)rt;
	long r = netq_open(&nq, "net_data");
	if (r < 0 || nq.size < TX_AT + NTX * BUF) {
		cairn_check("net.1", "mac", 0, "transport: %ld, region %lu bytes", r, nq.size);
		return 1;
	}
	check_mac();
	fill_rx();
	unsigned good = arp_rounds(ARP_ROUNDS, 1);
	cairn_check("net.2", "arp_gateway", good == ARP_ROUNDS, "%u of %u answered", good, ARP_ROUNDS);
	frames();
	bad_tx();
	bad_rx();
	good = arp_rounds(1, 0);
	cairn_check("net.6", "arp_after", good == 1, "no answer");
	stats();
	long s = net_stop();
	cairn_asnd_send(nq.port[NETQ_RX_FREE].peer, 0);
	cairn_check("net.8", "stop", s == 0, "stop: %ld", s);
	return 0;
}
