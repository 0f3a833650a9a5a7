/*
 * link.c: lwIP's network interface over the net transport to a net driver
 * (components/virtio_net; docs/devices.md "Virtio-net", docs/network.md "The link").
 * The data region "net_data" holds LINK_NRX receive buffers, then LINK_NTX transmit
 * buffers; libxport's net client (xport_net_client) keeps, per direction, the buffers
 * given to the driver and hands back those a driver restart lost.
 *
 * The driver outlives this component: a restarted `net` finds it holding the earlier
 * instance's buffers (the same offsets: the layout is fixed) and its returns on the
 * queues. So link_open gives nothing before the reset handshake (link_reset): the
 * driver, asked, resets its device, forgets what it held, drops what waits and says
 * where it serves again; everything back before that is dropped (docs/devices.md
 * "Virtio-net", "A client's restart"; docs/network.md "Robustness").
 *
 * A received frame is copied once, from the shared region into a pbuf of lwIP's pool,
 * before lwIP looks at it: the driver (and its device) may write the region at any
 * time, and its `len` is bounded to NET_FRAME_MIN..NET_FRAME_MAX here. A frame to send
 * is copied into a free transmit buffer; with none free, link_output waits for the
 * driver to give one back (it gives every one back, sent, refused or lost in a
 * restart), so nothing lwIP sends is dropped for want of a buffer.
 */
#include <iface/net.h>
#include <cairn/net.h>
#include <cairn/xport.h>	/* (the Makefile links libxport for it) */
#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"
#include "../arp/netq.h"
#include "net.h"

#define TX_BASE ((uint64_t)LINK_NRX * LINK_BUF)	/* the first transmit buffer */

/* Ethernet's shortest frame (without its check sequence): a shorter one is padded
 * with zeros to it before lwIP sees it (rx_frame says why). */
#define LINK_FRAME_PAD 60

_Static_assert(LINK_BUF >= NET_FRAME_MAX, "a receive buffer holds any frame (the driver refuses a smaller one)");
_Static_assert(LINK_NRX <= XPORT_NET_CLIENT_MAX && LINK_NTX <= XPORT_NET_CLIENT_MAX,
	       "the net client keeps every buffer given");

struct link_stats link_stats;

static struct netq nq;
static struct xport_net_client rx, tx;
static uint32_t tx_free[LINK_NTX];	/* transmit buffers here, not at the driver: ids */
static unsigned ntx_free;
static uint32_t rx_idle[LINK_NRX];	/* receive buffers the driver would not take yet: ids */
static unsigned nrx_idle;
static uint64_t restarts_said;

/* Gives receive buffer `id` to the driver; one it cannot take now waits in rx_idle. */
static void rx_give(uint32_t id)
{
	struct xport_buf b = { (uint64_t)id * LINK_BUF, LINK_BUF, id };

	if (xport_net_give(&rx, &b) < 0 && nrx_idle < LINK_NRX)
		rx_idle[nrx_idle++] = id;
}

/*
 * One received frame, its length the driver's (hostile): into lwIP, or counted and
 * dropped. One shorter than LINK_FRAME_PAD is padded with zeros to it, as the wire
 * pads it: lwIP 2.1 reads some headers before it checks that they fit (etharp_input
 * reads an ARP packet's 28 bytes whatever the frame's length), and would otherwise
 * read what an earlier frame left in the pool buffer (test net_robust, rb.7).
 */
static void rx_frame(struct netif *nif, const struct xport_buf *b)
{
	if (b->len == 0) {
		link_stats.rx_refused++;
		return;
	}
	if (b->len < NET_FRAME_MIN || b->len > NET_FRAME_MAX) {
		link_stats.rx_bad++;
		return;
	}
	static const uint8_t zeros[LINK_FRAME_PAD];
	u16_t len = (u16_t)b->len, padded = len < LINK_FRAME_PAD ? LINK_FRAME_PAD : len;
	struct pbuf *p = pbuf_alloc(PBUF_RAW, padded, PBUF_POOL);
	if (!p) {
		link_stats.rx_nomem++;
		return;
	}
	pbuf_take(p, nq.data + b->offset, len);
	if (padded > len)
		pbuf_take_at(p, zeros, (u16_t)(padded - len), len);
	link_stats.rx_frames++;
	if (nif->input(p, nif) != ERR_OK)
		pbuf_free(p);
}

/* Transmit buffers back from the driver onto tx_free: 0, or CAIRN_EIO (its cursor). */
static long tx_reclaim(unsigned *n)
{
	struct xport_buf b;
	long r;

	while ((r = xport_net_back(&tx, &b)) != CAIRN_EAGAIN) {
		if (r == CAIRN_EIO)
			return r;
		if (r == XPORT_NET_LOST)
			link_stats.tx_lost++;
		else if (b.len == 0)
			link_stats.tx_refused++;
		else
			link_stats.tx_frames++;
		if (ntx_free < LINK_NTX)
			tx_free[ntx_free++] = b.id;
		(*n)++;
	}
	return 0;
}

/* Says once per restart that the driver was restarted (the net client counts notices). */
static void say_restarts(void)
{
	uint64_t seen = rx.restarts > tx.restarts ? rx.restarts : tx.restarts;

	if (seen != restarts_said) {
		restarts_said = seen;
		link_stats.restarts = seen;
		cairn_printf("net: the driver restarted (%lu times): its buffers are ours again\n", seen);
	}
}

unsigned link_poll(struct netif *nif)
{
	unsigned n = 0, idle = nrx_idle;
	struct xport_buf b;
	long r;

	nrx_idle = 0;
	for (unsigned i = 0; i < idle; i++)
		rx_give(rx_idle[i]);
	while (n < LINK_RX_BATCH && (r = xport_net_back(&rx, &b)) != CAIRN_EAGAIN && r != CAIRN_EIO) {
		if (r == 0)
			rx_frame(nif, &b);
		rx_give(b.id);
		n++;
	}
	tx_reclaim(&n);
	say_restarts();
	return n;
}

void link_wake(void)
{
	netq_wake(&nq);
}

/*
 * Below LINK_TX_LOW free transmit buffers the loop asks to be woken when the driver
 * gives one back; above it they come back at its next wake, for whatever reason: a
 * wake for each frame sent would cost a pass through the scheduler (one of the 2.4
 * wakes `net` took per UDP round trip). link_output sleeps for one when none is free
 * (tx_wait), so none is ever missing for long.
 */
#define LINK_TX_LOW (LINK_NTX / 4)

int link_arm(void)
{
	long a = xport_arm(&nq.q[NETQ_RX_ACTIVE]);
	long b = ntx_free < LINK_TX_LOW ? xport_arm(&nq.q[NETQ_TX_FREE]) : 0;

	return a <= 0 && b <= 0;
}

/* Sleeps until the driver gives a transmit buffer back: 1 if one is free, 0 if the
 * driver's tx free cursor is beyond reason (nothing will come). */
static int tx_wait(void)
{
	unsigned n = 0;

	while (ntx_free == 0) {
		if (tx_reclaim(&n) < 0)
			return 0;
		if (ntx_free)
			break;
		link_stats.tx_waits++;
		netq_wake(&nq);
		if (xport_arm(&nq.q[NETQ_TX_FREE]) == 0)
			cairn_rcv_wait(CAIRN_SLOT_RCV);
	}
	return 1;
}

/* lwIP's linkoutput: p (a whole Ethernet frame, at most the MTU and a header) copied
 * into a transmit buffer and given to the driver; the wake-up comes at the end of the
 * event loop's round (link_wake). */
static err_t link_output(struct netif *nif, struct pbuf *p)
{
	(void)nif;
	if (p->tot_len < NET_FRAME_MIN || p->tot_len > NET_FRAME_MAX)
		return ERR_BUF;
	if (ntx_free == 0 && !tx_wait())
		return ERR_IF;
	uint32_t id = tx_free[--ntx_free];
	struct xport_buf b = { TX_BASE + (uint64_t)id * LINK_BUF, p->tot_len, id };
	pbuf_copy_partial(p, nq.data + b.offset, p->tot_len, 0);
	if (xport_net_give(&tx, &b) < 0) {
		tx_free[ntx_free++] = id;
		return ERR_IF;
	}
	return ERR_OK;
}

static uint8_t mac[NET_MAC_LEN];

/* netif_add's init: an Ethernet interface with ARP, up, of the driver's MAC address. */
static err_t link_init(struct netif *nif)
{
	nif->name[0] = 'e';
	nif->name[1] = 'n';
	nif->mtu = NET_FRAME_MAX - SIZEOF_ETH_HDR;
	nif->hwaddr_len = NET_MAC_LEN;
	for (unsigned i = 0; i < NET_MAC_LEN; i++)
		nif->hwaddr[i] = mac[i];
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
	nif->output = etharp_output;
	nif->linkoutput = link_output;
	return ERR_OK;
}

/*
 * The reset handshake (xport_net_client_restart): asks the driver for a reset and takes
 * whatever comes back until its reset notice in both directions, asking again after a
 * driver restart. 0, or an error (the driver refused the request, or a queue's cursor
 * is beyond reason): then the clients start without it, as before the handshake was.
 */
static long link_reset(void)
{
	struct xport_buf b;
	long r = 0;

	xport_net_client_restart(&rx);
	xport_net_client_restart(&tx);
	while (r == 0 && (rx.resetting || tx.resetting)) {
		if (rx.ask || tx.ask) {
			rx.ask = tx.ask = 0;
			if ((r = net_reset()) == CAIRN_ESTALE)	/* a restarted driver: the stub renewed the gate */
				r = net_reset();
			cairn_asnd_send(nq.port[NETQ_RX_FREE].peer, 0);
		}
		long a = xport_net_back(&rx, &b), t = xport_net_back(&tx, &b);	/* nothing given: only EAGAIN */
		if (r == 0 && (a == CAIRN_EIO || t == CAIRN_EIO))
			r = CAIRN_EIO;
		netq_wake(&nq);		/* room on the way back, if the driver waits for it */
		if (r == 0 && (rx.resetting || tx.resetting) && !rx.ask && !tx.ask && link_arm())
			cairn_rcv_wait(CAIRN_SLOT_RCV);
	}
	if (r < 0) {
		cairn_printf("net: no reset handshake with the driver (%ld): it may hold buffers given again\n", r);
		xport_net_client_init(&rx, &nq.q[NETQ_RX_FREE], &nq.q[NETQ_RX_ACTIVE]);
		xport_net_client_init(&tx, &nq.q[NETQ_TX_ACTIVE], &nq.q[NETQ_TX_FREE]);
	}
	return r;
}

long link_open(struct netif *nif)
{
	long r = netq_open(&nq, "net_data");
	long m = r < 0 ? r : net_mac();

	if (r < 0 || m < 0 || nq.size < TX_BASE + (uint64_t)LINK_NTX * LINK_BUF) {
		cairn_printf("net: no net transport (%ld), no MAC address (%ld), or a data region of %lu bytes "
			     "(it needs %lu)\n", r, m, nq.size, TX_BASE + (uint64_t)LINK_NTX * LINK_BUF);
		return r < 0 ? r : m < 0 ? m : CAIRN_ERANGE;
	}
	net_mac_bytes((uint64_t)m, mac);
	xport_net_client_init(&rx, &nq.q[NETQ_RX_FREE], &nq.q[NETQ_RX_ACTIVE]);
	xport_net_client_init(&tx, &nq.q[NETQ_TX_ACTIVE], &nq.q[NETQ_TX_FREE]);
	link_reset();
	for (uint32_t i = 0; i < LINK_NRX; i++)
		rx_give(i);
	for (uint32_t i = 0; i < LINK_NTX; i++)
		tx_free[ntx_free++] = i;
	netq_wake(&nq);

	if (!netif_add(nif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, 0, link_init, ethernet_input)) {
		cairn_printf("net: lwIP refused the interface\n");
		return CAIRN_EINVAL;
	}
	netif_set_default(nif);
	netif_set_up(nif);
	return 0;
}

void link_drain(void)
{
	unsigned n = 0;

	while (tx.outstanding && tx_reclaim(&n) == 0 && tx.outstanding) {
		netq_wake(&nq);
		if (xport_arm(&nq.q[NETQ_TX_FREE]) == 0)
			cairn_rcv_wait(CAIRN_SLOT_RCV);
	}
}

void link_stop(void)
{
	long s = net_stop();

	if (s == CAIRN_ESTALE)		/* a restarted driver: the stub renewed the gate */
		s = net_stop();
	cairn_asnd_send(nq.port[NETQ_RX_FREE].peer, 0);
}

const uint8_t *link_mac(void)
{
	return mac;
}
