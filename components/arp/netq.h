/*
 * netq.h: the client's end of the net transport (docs/devices.md "Virtio-net"): the
 * four queues from their ports (rx free and tx active produced here, rx active and tx
 * free consumed) and the data region, with the steps a client needs: give a buffer
 * through libxport's net client and have it back (sleeping until it comes), which
 * survives a driver's restart (netq_give, netq_back: components/arp,
 * tests/components/net_rclient); or put and get one on a queue directly (netq_put,
 * netq_get: clients that test the driver's checks); wake the driver when it waits.
 * The port names are the driver's (components/virtio_net/main.c).
 */
#ifndef NETQ_H
#define NETQ_H

#include <cairn/xport.h>

enum { NETQ_RX_FREE, NETQ_RX_ACTIVE, NETQ_TX_ACTIVE, NETQ_TX_FREE, NETQ_COUNT };

struct netq {
	struct cairn_port port[NETQ_COUNT];
	struct xport_queue q[NETQ_COUNT];
	uint8_t *data;			/* the data region */
	uint64_t size;
};

/* The queues and the region `region`: 0, or an error. */
static inline long netq_open(struct netq *n, const char *region)
{
	static const char *const names[NETQ_COUNT] = { "net_rx_free", "net_rx_active", "net_tx_active", "net_tx_free" };
	const struct cairn_region *r = cairn_region(region);
	if (!r)
		return CAIRN_ENOENT;
	n->data = (uint8_t *)r->va;
	n->size = r->size;
	for (unsigned i = 0; i < NETQ_COUNT; i++) {
		long e = cairn_port_open(&n->port[i], names[i]);
		if (e == 0)
			e = xport_attach(&n->q[i], n->port[i].ring, n->port[i].words * 8, n->port[i].mask + 1,
					 i == NETQ_RX_FREE || i == NETQ_TX_ACTIVE ? XPORT_PRODUCER : XPORT_CONSUMER);
		if (e < 0)
			return e;
	}
	return 0;
}

/* After steps: one send to the driver if it waits on any queue. */
static inline void netq_wake(struct netq *n)
{
	int wake = 0;
	for (unsigned i = 0; i < NETQ_COUNT; i++)
		wake |= xport_wake_needed(&n->q[i]);
	if (wake)
		cairn_asnd_send(n->port[NETQ_RX_FREE].peer, 0);
}

/* Gives b to the driver through c (xport_net_give) and wakes it: what xport_net_give
 * returns (CAIRN_EAGAIN: c's queue or table full, nothing given). */
static inline long netq_give(struct netq *n, struct xport_net_client *c, const struct xport_buf *b)
{
	long r = xport_net_give(c, b);
	netq_wake(n);
	return r;
}

/* The next buffer back through c (xport_net_back), sleeping until one comes: 0,
 * XPORT_NET_LOST (a driver's restart lost it: the client's again) or CAIRN_EIO. */
static inline long netq_back(struct netq *n, struct xport_net_client *c, struct xport_buf *b)
{
	long r;
	while ((r = xport_net_back(c, b)) == CAIRN_EAGAIN)
		if (xport_arm(c->back) == 0)
			cairn_rcv_wait(CAIRN_SLOT_RCV);
	netq_wake(n);
	return r;
}

/* Puts b on queue `which` (rx free or tx active), sleeping while it is full: 0 or CAIRN_EIO. */
static inline long netq_put(struct netq *n, unsigned which, const struct xport_buf *b)
{
	long r;
	while ((r = xport_put_buf(&n->q[which], b)) == CAIRN_EAGAIN)
		if (xport_arm(&n->q[which]) == 0)
			cairn_rcv_wait(CAIRN_SLOT_RCV);
	netq_wake(n);
	return r;
}

/* Takes the next buffer of queue `which` (rx active or tx free), sleeping until one
 * comes: 0; CAIRN_ERANGE (*b outside the region: taken, *b filled); CAIRN_EIO. */
static inline long netq_get(struct netq *n, unsigned which, struct xport_buf *b)
{
	long r;
	while ((r = xport_get_buf(&n->q[which], n->size, b)) == CAIRN_EAGAIN)
		if (xport_arm(&n->q[which]) == 0)
			cairn_rcv_wait(CAIRN_SLOT_RCV);
	netq_wake(n);
	return r;
}

#endif
