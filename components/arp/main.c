/*
 * arp: asks who has the gateway's address, through a net driver (systems/arp.toml:
 * components/virtio_net on QEMU's user networking, where the gateway is 10.0.2.2 and
 * this guest 10.0.2.15), prints each answer, then stops the driver. It is the net
 * transport's smallest client: its buffers live in the data region "net_data" shared
 * with the driver, which the device reads and writes directly, and go to the driver and
 * back through libxport's net client (netq.h: netq_give, netq_back), one per direction.
 * So it survives the driver's restart (docs/devices.md "Virtio-net", "Restart"): a
 * request or a receive buffer the old instance lost is the client's again, the buffer
 * given again and the request sent again.
 */
#include <iface/net.h>
#include <cairn/net.h>
#include <cairn/xport.h>	/* (the Makefile links libxport for it) */
#include "arp.h"
#include "netq.h"

#define BUF    2048			/* bytes of each buffer */
#define NRX    4			/* rx buffers, then one tx buffer */
#define ROUNDS 3
#define TRIES  4			/* requests a round sends at most (again after a restart) */
#define MY_IP  0x0a00020f		/* 10.0.2.15 */
#define GW_IP  0x0a000202		/* 10.0.2.2 */

static struct netq nq;
static struct xport_net_client rx, tx;

static void print_ip(const char *before, uint32_t ip)
{
	cairn_printf("%s%u.%u.%u.%u", before, ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
}

/* Gives the driver receive buffer b (again): 0, or an error. */
static long rx_give(struct xport_buf b)
{
	b.len = BUF;
	return netq_give(&nq, &rx, &b);
}

/* Sends one request: 0 (sent), 1 (a restart lost it: send it again), or -1. */
static long request(const uint8_t mac[NET_MAC_LEN])
{
	struct xport_buf b = { .offset = NRX * BUF, .len = ARP_FRAME, .id = NRX };
	arp_request(nq.data + b.offset, mac, MY_IP, GW_IP);
	if (netq_give(&nq, &tx, &b) < 0)
		return -1;
	long r = netq_back(&nq, &tx, &b);
	if (r == XPORT_NET_LOST)
		return 1;
	return r == 0 && b.len == ARP_FRAME ? 0 : -1;
}

/* Sends one request and waits for its reply (other frames are skipped): 0, or -1. A
 * restart lost the request (it came back lost), or may have lost its reply (the
 * receive side saw a restart the transmit side had not seen when the request came back
 * sent: each restart puts one notice on each side): the request is sent again, TRIES
 * times at most. */
static long ask(const uint8_t mac[NET_MAC_LEN], uint8_t from[NET_MAC_LEN])
{
	for (unsigned t = 0; t < TRIES; t++) {
		long s = request(mac);
		uint64_t sent = tx.restarts;
		if (s < 0)
			return -1;
		while (s == 0) {
			struct xport_buf b;
			long r = netq_back(&nq, &rx, &b);
			if (r < 0 || (r == 0 && b.len == 0))
				return -1;
			int ok = r == 0 && arp_is_reply(nq.data + b.offset, b.len, mac, MY_IP, GW_IP, from);
			if (rx_give(b) < 0)
				return -1;
			if (ok)
				return 0;
			s = rx.restarts > sent;		/* a restart since: ask again */
		}
	}
	return -1;
}

/* The driver's counter `which`, asked again once if a restart renewed its gate (the
 * first call after one is CAIRN_ESTALE); likewise stop. */
static long stats(cairn_word which)
{
	long r = net_stats(which);
	return r == CAIRN_ESTALE ? net_stats(which) : r;
}

static long stop(void)
{
	long r = net_stop();
	return r == CAIRN_ESTALE ? net_stop() : r;
}

int main(const struct cairn_root *rt)
{
	(void)rt;
	uint8_t mac[NET_MAC_LEN], from[NET_MAC_LEN];
	long m = net_mac();
	if (netq_open(&nq, "net_data") < 0 || nq.size < (NRX + 1) * BUF || m < 0) {
		cairn_printf("arp: no net transport, or no MAC address (%ld)\n", m);
		return 1;
	}
	net_mac_bytes((uint64_t)m, mac);
	xport_net_client_init(&rx, &nq.q[NETQ_RX_FREE], &nq.q[NETQ_RX_ACTIVE]);
	xport_net_client_init(&tx, &nq.q[NETQ_TX_ACTIVE], &nq.q[NETQ_TX_FREE]);
	for (unsigned i = 0; i < NRX; i++)
		rx_give((struct xport_buf){ .offset = (uint64_t)i * BUF, .id = i });
	for (unsigned i = 0; i < ROUNDS; i++) {
		print_ip("arp: who has ", GW_IP);
		print_ip("? tell ", MY_IP);
		cairn_printf(" (%02x:%02x:%02x:%02x:%02x:%02x)\n", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
		if (ask(mac, from) < 0) {
			cairn_printf("arp: no answer\n");
			break;
		}
		print_ip("arp: ", GW_IP);
		cairn_printf(" is at %02x:%02x:%02x:%02x:%02x:%02x\n", from[0], from[1], from[2], from[3], from[4],
			     from[5]);
	}
	cairn_printf("arp: the driver sent %ld frames and received %ld\n", stats(NET_STAT_TX_FRAMES),
		     stats(NET_STAT_RX_FRAMES));
	stop();
	cairn_asnd_send(nq.port[NETQ_RX_FREE].peer, 0);
	return 0;
}
