/*
 * net_rclient: the client of tests/qemu/systems/virtio_net_restart.toml, on the net
 * transport (components/arp/netq.h) with libxport's net client per direction
 * (xport_net_client: docs/devices.md "Virtio-net", "Restart"), to the crashing driver
 * tests/components/net_crashy over QEMU's virtio-net-pci and user networking.
 *
 *   nr.1  arp_before     an ARP request for the gateway 10.0.2.2 answered
 *   nr.2  tx_reclaimed   NTEST frames then the crash frame on tx active at once: the
 *                        driver crashes; each comes back exactly once, sent or lost
 *                        (the crash frame lost), after one restart notice
 *   nr.3  rx_reclaimed   the rx buffers the old instance held come back as lost after
 *                        the rx notice: with the frames received, exactly NRX; then
 *                        given again
 *   nr.4  arp_after      the new instance serves: an ARP round works
 *   nr.5  stop           the driver told to stop (the first gate call after a restart
 *                        is CAIRN_ESTALE: the stub renews the gate; call again)
 */
#include <iface/net.h>
#include <cairn/net.h>
#include <cairn/xport.h>	/* (the Makefile links libxport for it) */
#include "../../../components/arp/arp.h"
#include "../../../components/arp/netq.h"

#define BUF     2048			/* bytes of each buffer */
#define NRX     8			/* rx buffers: ids and offsets 0 .. NRX - 1 */
#define TX_AT   (NRX * BUF)		/* tx buffers after them */
#define NTEST   3			/* test frames before the crash frame */
#define TX_ID   300			/* tx ids: TX_ID + k, the crash frame TX_ID + NTEST */
#define MY_IP   0x0a00020f		/* 10.0.2.15 */
#define GW_IP   0x0a000202		/* 10.0.2.2 */
#define ETH_TYPE_TEST  0x88b5		/* IEEE 802 local experimental: slirp drops it */
#define ETH_TYPE_CRASH 0x88b6		/* net_crashy's NET_CRASH_TYPE */

static const uint8_t gw_mac[NET_MAC_LEN] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };

static struct netq nq;
static struct xport_net_client rx, tx;
static uint8_t mac[NET_MAC_LEN];

static long give(struct xport_net_client *c, uint64_t offset, uint32_t len, uint32_t id)
{
	struct xport_buf b = { offset, len, id };
	return netq_give(&nq, c, &b);
}

/* An ARP round: the request sent (tx id 100), the gateway's reply received; other
 * frames' buffers are given again. 1 if it worked. */
static int arp_round(void)
{
	struct xport_buf b;
	uint8_t from[NET_MAC_LEN];
	arp_request(nq.data + TX_AT, mac, MY_IP, GW_IP);
	if (give(&tx, TX_AT, ARP_FRAME, 100) < 0 || netq_back(&nq, &tx, &b) != 0 || b.id != 100 || b.len != ARP_FRAME)
		return 0;
	for (;;) {
		if (netq_back(&nq, &rx, &b) != 0 || b.len == 0)
			return 0;
		int ok = arp_is_reply(nq.data + b.offset, b.len, mac, MY_IP, GW_IP, from);
		give(&rx, b.offset, BUF, b.id);
		if (ok) {
			for (unsigned i = 0; i < NET_MAC_LEN; i++)
				if (from[i] != gw_mac[i])
					return 0;
			return 1;
		}
	}
}

/* The test frames and the crash frame, at once; each back exactly once. */
static void crash(void)
{
	unsigned bad = 0, sent = 0, lost = 0;
	uint32_t seen = 0;
	for (unsigned k = 0; k <= NTEST; k++) {
		uint8_t *f = nq.data + TX_AT + (uint64_t)(k + 1) * BUF;
		for (unsigned i = 0; i < NET_MAC_LEN; i++) {
			f[i] = gw_mac[i];
			f[6 + i] = mac[i];
		}
		arp_put16(f + 12, k < NTEST ? ETH_TYPE_TEST : ETH_TYPE_CRASH);
		for (unsigned i = 14; i < 60; i++)
			f[i] = (uint8_t)(i + k);
		struct xport_buf b = { TX_AT + (uint64_t)(k + 1) * BUF, 60, TX_ID + k };
		bad += xport_net_give(&tx, &b) != 0;
	}
	netq_wake(&nq);
	for (unsigned n = 0; n <= NTEST; n++) {
		struct xport_buf b;
		long r = netq_back(&nq, &tx, &b);
		uint32_t k = b.id - TX_ID;
		if ((r != 0 && r != XPORT_NET_LOST) || k > NTEST || (seen >> k & 1) || b.len != 60 ||
		    b.offset != TX_AT + (uint64_t)(k + 1) * BUF || (k == NTEST && r != XPORT_NET_LOST)) {
			cairn_printf("net_rclient: tx back %ld id %u len %u\n", r, b.id, b.len);
			bad++;
			continue;
		}
		seen |= 1u << k;
		if (r == XPORT_NET_LOST)
			lost++;
		else
			sent++;
	}
	cairn_printf("net_rclient: tx: %u sent, %u lost\n", sent, lost);
	cairn_check("nr.2", "tx_reclaimed", bad == 0 && seen == (1u << (NTEST + 1)) - 1 && tx.restarts == 1 &&
		    tx.outstanding == 0 && tx.stray == 0, "%u wrong, seen 0x%x, %lu restarts, %u outstanding",
		    bad, seen, tx.restarts, tx.outstanding);
}

/* The rx notice: every buffer the old instance held comes back lost; frames received
 * meanwhile are given again. */
static void reclaim_rx(void)
{
	unsigned lost = 0, frames = 0, bad = 0;
	struct xport_buf b;
	long r;
	uint32_t ids = 0;

	while (rx.restarts == 0) {
		r = netq_back(&nq, &rx, &b);
		if (r == XPORT_NET_LOST)
			lost++, ids |= 1u << b.id;
		else if (r == 0)
			frames++, give(&rx, b.offset, BUF, b.id);
		else
			bad++;
	}
	while ((r = xport_net_back(&rx, &b)) != CAIRN_EAGAIN) {
		if (r == XPORT_NET_LOST)
			lost++, ids |= 1u << b.id;
		else if (r == 0)
			frames++, give(&rx, b.offset, BUF, b.id);
		else
			bad++;
	}
	cairn_printf("net_rclient: rx: %u lost, %u frames meanwhile\n", lost, frames);
	unsigned regiven = 0;
	for (unsigned i = 0; i < NRX; i++)
		if (ids >> i & 1)
			regiven += give(&rx, (uint64_t)i * BUF, BUF, i) == 0;
	cairn_check("nr.3", "rx_reclaimed", bad == 0 && lost > 0 && regiven == lost && rx.outstanding == NRX &&
		    rx.restarts == 1 && rx.stray == 0, "%u wrong, %u lost, %u given again, %u outstanding, %lu restarts",
		    bad, lost, regiven, rx.outstanding, rx.restarts);
}

int main(const struct cairn_root *rt)
{
	(void)rt;
	long r = netq_open(&nq, "net_data");
	long m = r < 0 ? r : net_mac();
	if (r < 0 || m < 0 || nq.size < TX_AT + (NTEST + 2) * BUF) {
		cairn_check("nr.1", "arp_before", 0, "transport: %ld, mac %ld, region %lu bytes", r, m, nq.size);
		return 1;
	}
	net_mac_bytes((uint64_t)m, mac);
	xport_net_client_init(&rx, &nq.q[NETQ_RX_FREE], &nq.q[NETQ_RX_ACTIVE]);
	xport_net_client_init(&tx, &nq.q[NETQ_TX_ACTIVE], &nq.q[NETQ_TX_FREE]);
	for (unsigned i = 0; i < NRX; i++)
		give(&rx, (uint64_t)i * BUF, BUF, i);
	cairn_check("nr.1", "arp_before", arp_round(), "no answer");
	crash();
	reclaim_rx();
	cairn_check("nr.4", "arp_after", arp_round(), "no answer");
	long s = net_stop();
	if (s == CAIRN_ESTALE)
		s = net_stop();
	cairn_asnd_send(nq.port[NETQ_RX_FREE].peer, 0);
	cairn_check("nr.5", "stop", s == 0, "stop: %ld", s);
	return 0;
}
