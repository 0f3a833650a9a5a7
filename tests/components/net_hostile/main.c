/*
 * net_hostile: a client of components/virtio_net (tests/qemu/systems/net_hostile.toml,
 * QEMU's virtio-net-pci on user networking) that attacks the transport it shares with
 * the driver, then shows the driver still serves it.
 *
 *   nh.1  arp_before          an honest ARP round with the gateway
 *   nh.2  random_tx           400 tx descriptors of random offset and length, in
 *                             batches: each back once, with its length if it was a
 *                             frame inside the region (14..1514 bytes), else 0
 *   nh.3  random_rx           200 rx buffers that cannot hold a frame or lie outside the
 *                             region, random otherwise: each back once with len 0
 *   nh.4  arp_after_attack    every header word of the four rings (cursors, flags,
 *                             geometry) set to each extreme and random values, the
 *                             driver woken each time; random words over every slot of
 *                             the queues the driver reads, with wake-ups; the headers
 *                             again. Then, once this end has put its cursors back in
 *                             step with what the driver published, an ARP round works
 *   nh.5  stop                the driver stops (its "stopped" line: tests.toml)
 *
 * What the driver may do meanwhile is the transport's contract: refuse, send what lies
 * in the region, drop what the client lost; never fault, hang or touch memory outside
 * the region and its own.
 */
#include <iface/net.h>
#include <cairn/net.h>
#include <cairn/xport.h>	/* (the Makefile links libxport for it) */
#include "../../../components/arp/arp.h"
#include "../../../components/arp/netq.h"

#define BUF    2048
#define NRX    8			/* honest rx buffers at RX_AT */
#define RX_AT  (16 * BUF)
#define TX_AT  (RX_AT + NRX * BUF)	/* the honest tx buffer */
#define MY_IP  0x0a00020f
#define GW_IP  0x0a000202

static struct netq nq;
static uint8_t mac[NET_MAC_LEN];
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Lets the driver (higher priority) run a round. */
static void poke(void)
{
	cairn_asnd_send(nq.port[NETQ_RX_FREE].peer, 0);
	cairn_yield();
}

/* An ARP round with the gateway: 1 if its reply came. Buffers that come back refused
 * or are not ours are skipped; ours go back on rx free. */
static int arp_round(void)
{
	struct xport_buf b = { .offset = TX_AT, .len = ARP_FRAME, .id = 1000 };
	uint8_t from[NET_MAC_LEN];
	arp_request(nq.data + TX_AT, mac, MY_IP, GW_IP);
	if (netq_put(&nq, NETQ_TX_ACTIVE, &b) < 0)
		return 0;
	do {
		if (netq_get(&nq, NETQ_TX_FREE, &b) == CAIRN_EIO)
			return 0;
	} while (b.id != 1000);
	for (unsigned tries = 0; tries < 200; tries++) {
		long r = netq_get(&nq, NETQ_RX_ACTIVE, &b);
		if (r == CAIRN_EIO)
			return 0;
		if (r != 0 || b.len == 0)
			continue;
		int ok = arp_is_reply(nq.data + b.offset, b.len, mac, MY_IP, GW_IP, from);
		if (b.id >= 2000 && b.id < 2000 + NRX) {
			b.len = BUF;
			netq_put(&nq, NETQ_RX_FREE, &b);
		}
		if (ok)
			return 1;
	}
	return 0;
}

static void fill_rx(void)
{
	for (unsigned i = 0; i < NRX; i++) {
		struct xport_buf b = { .offset = RX_AT + (uint64_t)i * BUF, .len = BUF, .id = 2000 + i };
		netq_put(&nq, NETQ_RX_FREE, &b);
	}
}

/* A random tx descriptor, and the len it must come back with. */
static struct xport_buf random_tx(uint32_t id, uint32_t *want)
{
	uint64_t r = rnd();
	struct xport_buf b = { .id = id };
	b.offset = r & 1 ? rnd() % RX_AT : r & 2 ? rnd() : nq.size - rnd() % 2048;
	b.len = r & 4 ? (uint32_t)rnd() : (uint32_t)(rnd() % 1600);
	int fits = xport_in_region(nq.size, b.offset, b.len);
	*want = fits && b.len >= NET_FRAME_MIN && b.len <= NET_FRAME_MAX ? b.len : 0;
	return b;
}

/* A random rx buffer that cannot be used: too short, or not inside the region. */
static struct xport_buf random_rx(uint32_t id)
{
	uint64_t r = rnd();
	struct xport_buf b = { .id = id };
	if (r & 1) {
		b.offset = rnd() % nq.size;
		b.len = (uint32_t)(rnd() % NET_FRAME_MAX);
	} else if (r & 2) {
		b.offset = nq.size + rnd() % (1ull << 40);
		b.len = (uint32_t)rnd();
	} else {
		b.offset = nq.size - rnd() % 1024;
		b.len = 1024 + NET_FRAME_MAX + (uint32_t)(rnd() % 4096);
	}
	return b;
}

/* n descriptors on `which` in batches of 16; each must come back once on `back` with
 * want[i]. The number that did not. */
static unsigned batch(unsigned which, unsigned back, int tx, unsigned n)
{
	unsigned bad = 0;
	for (unsigned at = 0; at < n; at += 16) {
		uint32_t want[16], seen = 0;
		for (unsigned i = 0; i < 16; i++) {
			struct xport_buf b = tx ? random_tx(i, &want[i]) : random_rx(i);
			if (!tx)
				want[i] = 0;
			bad += netq_put(&nq, which, &b) != 0;
		}
		for (unsigned got = 0; got < 16; got++) {
			struct xport_buf b;
			long r = netq_get(&nq, back, &b);
			if (r == CAIRN_EIO || b.id >= 16 || (seen >> b.id & 1) || b.len != want[b.id]) {
				cairn_printf("net_hostile: back %ld id %u len %u\n", r, b.id, b.len);
				bad++;
				if (r == CAIRN_EIO)
					return bad + 1;
			} else {
				seen |= 1u << b.id;
			}
		}
	}
	return bad;
}

/* Every header word of every ring, each value, a wake-up each; restored after. */
static void attack_headers(void)
{
	for (unsigned q = 0; q < NETQ_COUNT; q++) {
		volatile uint32_t *w = (volatile uint32_t *)nq.port[q].ring;
		uint32_t slots = nq.port[q].mask + 1;
		for (unsigned i = 0; i < 6; i++) {
			uint32_t saved = w[i];
			uint32_t vals[] = { 0, 1, slots - 1, slots, slots + 1, saved + 1, saved - 1, saved + slots,
					    saved + slots + 1, 0x7fffffff, 0x80000000, 0xffffffff, (uint32_t)rnd(),
					    (uint32_t)rnd() };
			for (unsigned v = 0; v < sizeof vals / sizeof vals[0]; v++) {
				w[i] = vals[v];
				poke();
			}
			w[i] = saved;
		}
	}
}

/* Random words over every slot of the queues the driver reads, published and not. */
static void attack_slots(void)
{
	for (unsigned round = 0; round < 64; round++) {
		unsigned q = round & 1 ? NETQ_TX_ACTIVE : NETQ_RX_FREE;
		uint64_t *slots = (uint64_t *)((uint8_t *)nq.port[q].ring + 64);
		for (unsigned i = 0; i < (nq.port[q].mask + 1) * 2; i++)
			slots[i] = round & 2 ? rnd() : rnd() % nq.size;
		struct xport_buf b = { rnd() % nq.size, (uint32_t)(rnd() % 2000), 3000 + round };
		xport_put_buf(&nq.q[q], &b);
		slots[(nq.q[q].cursor - 1) & nq.port[q].mask] = rnd();	/* the one just published */
		poke();
	}
}

/* This end's cursors back in step with what the driver published: what it consumed is
 * gone, what it produced and this end has not taken is dropped. */
static void resync(void)
{
	for (unsigned q = 0; q < NETQ_COUNT; q++) {
		struct cairn_port_ring *r = nq.port[q].ring;
		int producer = q == NETQ_RX_FREE || q == NETQ_TX_ACTIVE;
		if (producer)
			r->head = r->tail;
		else
			r->tail = r->head;
		r->producer_waits = r->consumer_waits = 0;
		xport_attach(&nq.q[q], r, nq.port[q].words * 8, nq.port[q].mask + 1,
			     producer ? XPORT_PRODUCER : XPORT_CONSUMER);
	}
	poke();
}

int main(const struct cairn_root *rt)
{
	(void)rt;
	long m = net_mac();
	if (netq_open(&nq, "net_data") < 0 || nq.size < TX_AT + BUF || m < 0) {
		cairn_check("nh.1", "arp_before", 0, "no transport or MAC (%ld)", m);
		return 1;
	}
	net_mac_bytes((uint64_t)m, mac);
	fill_rx();
	cairn_check("nh.1", "arp_before", arp_round(), "no reply");
	for (uint64_t i = 0; i < nq.size; i++)
		nq.data[i] = 0;		/* what a random frame sends: zeros, which slirp ignores */
	unsigned bad = batch(NETQ_TX_ACTIVE, NETQ_TX_FREE, 1, 400);
	cairn_check("nh.2", "random_tx", bad == 0, "%u wrong", bad);
	bad = batch(NETQ_RX_FREE, NETQ_RX_ACTIVE, 0, 200);
	cairn_check("nh.3", "random_rx", bad == 0, "%u wrong", bad);
	attack_headers();
	attack_slots();
	attack_headers();
	resync();
	fill_rx();
	netq_wake(&nq);
	poke();
	cairn_check("nh.4", "arp_after_attack", arp_round(), "no reply");
	long s = net_stop();
	poke();
	cairn_check("nh.5", "stop", s == 0, "stop: %ld", s);
	return 0;
}
