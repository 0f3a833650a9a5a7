/*
 * arp: asks who has the gateway's address, through a net driver (systems/arp.toml:
 * components/virtio_net on QEMU's user networking, where the gateway is 10.0.2.2 and
 * this guest 10.0.2.15), prints each answer, then stops the driver. It is the net
 * transport's smallest client (netq.h): its buffers live in the data region "net_data"
 * shared with the driver, which the device reads and writes directly.
 */
#include <iface/net.h>
#include <cairn/net.h>
#include <cairn/xport.h>	/* (the Makefile links libxport for it) */
#include "arp.h"
#include "netq.h"

#define BUF    2048			/* bytes of each buffer */
#define NRX    4			/* rx buffers, then one tx buffer */
#define ROUNDS 3
#define MY_IP  0x0a00020f		/* 10.0.2.15 */
#define GW_IP  0x0a000202		/* 10.0.2.2 */

static struct netq nq;

static void print_ip(const char *before, uint32_t ip)
{
	cairn_printf("%s%u.%u.%u.%u", before, ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
}

/* Sends one request and waits for its reply (other frames are skipped): 0, or -1. */
static long ask(const uint8_t mac[NET_MAC_LEN], uint8_t from[NET_MAC_LEN])
{
	struct xport_buf b = { .offset = NRX * BUF, .len = ARP_FRAME, .id = NRX };
	arp_request(nq.data + b.offset, mac, MY_IP, GW_IP);
	if (netq_put(&nq, NETQ_TX_ACTIVE, &b) < 0 || netq_get(&nq, NETQ_TX_FREE, &b) < 0 || b.len != ARP_FRAME)
		return -1;
	for (;;) {
		if (netq_get(&nq, NETQ_RX_ACTIVE, &b) < 0 || b.len == 0)
			return -1;
		int ok = arp_is_reply(nq.data + b.offset, b.len, mac, MY_IP, GW_IP, from);
		b.len = BUF;
		netq_put(&nq, NETQ_RX_FREE, &b);
		if (ok)
			return 0;
	}
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
	for (unsigned i = 0; i < NRX; i++) {
		struct xport_buf b = { .offset = (uint64_t)i * BUF, .len = BUF, .id = i };
		netq_put(&nq, NETQ_RX_FREE, &b);
	}
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
	cairn_printf("arp: the driver sent %ld frames and received %ld\n", net_stats(NET_STAT_TX_FRAMES),
		     net_stats(NET_STAT_RX_FRAMES));
	net_stop();
	cairn_asnd_send(nq.port[NETQ_RX_FREE].peer, 0);
	return 0;
}
