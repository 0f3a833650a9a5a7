/*
 * virtio_net: the virtio-net driver component (docs/devices.md "Virtio-net"). Its
 * description binds it to a virtio network device (modern 1af4:1041, or a
 * transitional 1af4:1000 through its modern BAR), trusts it with DMA, and gives it:
 *   - the net transport: ports "net_rx_free" and "net_tx_active" (client -> driver)
 *     and "net_rx_active" and "net_tx_free" (driver -> client), slot_size 16, sync
 *     (their sends are the wake-ups), and the data region "net_data" shared with the
 *     client, dma = this component (the device reads and writes the client's buffers);
 *   - "net_dma", a private dma region of at least VNET_DMA_BYTES: the headers and the
 *     two virtqueues;
 *   - its interrupt: MSI-X entry 0, which the booter binds to its thread and programs
 *     (docs/devices.md, "Interrupts"); a device without MSI-X: its INTx line, which the
 *     description binds to its thread (`irq`), and each wake reads the ISR byte.
 * It serves interfaces/net.toml: mac, stats, stop.
 *
 * Its thread sleeps on its endpoint; the client's sends and the device's interrupt
 * wake it. Each wake it reads the ISR byte (acknowledging the INTx line), runs a round
 * of vnet.c's work, sends to the client if it waits, and arms before sleeping again.
 *
 * Described with `restart = true`, a crashed driver is started again by the booter
 * (docs/devices.md "Virtio-net", "Restart"): as always it resets the device before
 * anything else (vnet_probe negotiates afresh, which resets it), sets it up afresh,
 * and then, being a later generation, owes its client a restart notice in each
 * direction (vnet_announce), which it puts before it takes any buffer.
 *
 * A client that restarts asks for a reset (`reset`): at its next wake the driver
 * resets the device and sets it up again, forgets the buffers it held, drops what waits
 * on the client's queues and puts a reset notice in each direction (vnet_reset;
 * docs/devices.md "Virtio-net", "A client's restart").
 */
#define CAIRN_SERVE_NET
#include <iface/net.h>
#include <cairn/pci.h>
#include <cairn/virtio.h>
#include <cairn/xport.h>

#include "vnet.h"

static struct virtio_pci dev;
static struct vnet net;
static struct cairn_port ports[4];
static struct xport_queue queues[4];
static int stopping, serving, reset_asked;

/* The four ports: name, this end. Their order is struct vnet_queues'. */
static const struct {
	const char *name;
	unsigned end;
} port_of[4] = {
	{ "net_rx_free", XPORT_CONSUMER },
	{ "net_rx_active", XPORT_PRODUCER },
	{ "net_tx_active", XPORT_CONSUMER },
	{ "net_tx_free", XPORT_PRODUCER },
};

/* A region of the description this component may point its device at, as memory. */
static long dma_region(const char *name, struct vnet_mem *m)
{
	const struct cairn_region *r = cairn_region(name);
	if (!r || !(r->flags & CAIRN_REGION_DMA))
		return CAIRN_ENOENT;
	*m = (struct vnet_mem){ (void *)r->va, r->dma, r->size };
	return 0;
}

/* The transport's four queues from their ports' red tape. */
static long open_queues(void)
{
	for (unsigned i = 0; i < 4; i++) {
		long r = cairn_port_open(&ports[i], port_of[i].name);
		if (r == 0)
			r = xport_attach(&queues[i], ports[i].ring, ports[i].words * 8, ports[i].mask + 1, port_of[i].end);
		if (r < 0) {
			cairn_printf("virtio_net: port %s: %ld\n", port_of[i].name, r);
			return r;
		}
	}
	return 0;
}

static int intx;	/* woken by the INTx line: each wake reads (acknowledges) the ISR */

/* What vnet_start was given, for vnet_reset. */
static struct vnet_mem dma, data;
static unsigned vector;
static int iommu;

/* The transport and the memory: 0, or an error (said). Queue interrupts go to MSI-X
 * entry 0 if the booter bound it (then the device raises no INTx). */
static long attach(const struct cairn_device *d)
{
	struct vnet_queues qs = { &queues[0], &queues[1], &queues[2], &queues[3] };
	long r;

	vector = virtio_device_vector(d);
	if ((r = open_queues()) < 0)
		return r;
	if ((r = dma_region("net_dma", &dma)) < 0 || (r = dma_region("net_data", &data)) < 0)
		cairn_printf("virtio_net: regions net_dma and net_data, dma to this component: %ld\n", r);
	else if ((r = vnet_start(&net, &dma, &data, &qs, vector)) < 0)
		cairn_printf("virtio_net: the device refused set-up (%ld)\n", r);
	intx = vector == VIRTIO_MSI_NO_VECTOR;
	return r;
}

long net_mac_serve(cairn_word client)
{
	(void)client;
	if (!__atomic_load_n(&serving, __ATOMIC_ACQUIRE) || !net.has_mac)
		return CAIRN_ENOTSUP;
	return (long)net_mac_word(net.mac);
}

long net_stats_serve(cairn_word which, cairn_word client)
{
	(void)client;
	if (which >= NET_STAT_COUNT)
		return CAIRN_EINVAL;
	return (long)vnet_stat(&net, which);
}

long net_reset_serve(cairn_word client)
{
	(void)client;
	__atomic_store_n(&reset_asked, 1, __ATOMIC_RELEASE);
	return 0;
}

/* The client asked for a reset: vnet_reset, said. */
static void client_reset(void)
{
	struct vnet_queues qs = { &queues[0], &queues[1], &queues[2], &queues[3] };
	long r = vnet_reset(&net, iommu, &dma, &data, &qs, vector);

	cairn_printf("virtio_net: the client asked for a reset: device reset (%ld); rx buffers from position %u, "
		     "tx frames from %u on are served\n", r, net.rx.announce_at, net.tx.announce_at);
}

long net_stop_serve(cairn_word client)
{
	(void)client;
	__atomic_store_n(&stopping, 1, __ATOMIC_RELEASE);
	return 0;
}

/* Serves until stopped: wake, acknowledge, work, wake the client if it waits, arm. */
static void serve(void)
{
	for (;;) {
		if (intx)
			virtio_device_intx_ack(&dev, cairn_device(0));
		if (__atomic_exchange_n(&reset_asked, 0, __ATOMIC_ACQ_REL))
			client_reset();
		if (vnet_work(&net) & VNET_WAKE_CLIENT)
			cairn_asnd_send(ports[1].peer, 0);
		if (__atomic_load_n(&stopping, __ATOMIC_ACQUIRE))
			return;
		if (!vnet_arm(&net))
			cairn_rcv_wait(CAIRN_SLOT_RCV);
	}
}

int main(const struct cairn_root *rt)
{
	const struct cairn_device *d = cairn_device(0);
	long r;

	if (!d) {
		cairn_printf("virtio_net: no device\n");
		return 1;
	}
	if ((r = virtio_device_find(&dev, d, VIRTIO_NET_CFG_LEN)) < 0) {
		cairn_printf("virtio_net: %02x:%02x.%x: not a modern virtio device (%ld)\n", d->bus, d->dev, d->fn, r);
		return 1;
	}
	const struct cairn_region *region = cairn_region("net_data");	/* behind an IOMMU: dma == va */
	iommu = region && region->dma && region->dma == region->va;
	if ((r = vnet_probe(&net, &dev, iommu)) < 0) {
		cairn_printf("virtio_net: %02x:%02x.%x: refused (%ld)\n", d->bus, d->dev, d->fn, r);
		return 1;
	}
	const uint8_t *m = net.mac;
	if (net.has_mac)
		cairn_printf("virtio_net: %02x:%02x.%x: MAC %02x:%02x:%02x:%02x:%02x:%02x\n", d->bus, d->dev, d->fn,
			     m[0], m[1], m[2], m[3], m[4], m[5]);
	else
		cairn_printf("virtio_net: %02x:%02x.%x: no MAC address offered\n", d->bus, d->dev, d->fn);
	if (attach(d) < 0) {
		virtio_pci_reset(&dev);
		return 1;
	}
	/* Restarted: the device was reset above (vnet_probe) and set up afresh; the client
	 * learns which of its buffers the old instance lost (docs/devices.md "Virtio-net"). */
	if (rt->generation > 1) {
		vnet_announce(&net);
		cairn_printf("virtio_net: generation %u: device reset; rx buffers from position %u, "
			     "tx frames from %u on are served\n",
			     rt->generation, net.rx.announce_at, net.tx.announce_at);
	}
	__atomic_store_n(&serving, 1, __ATOMIC_RELEASE);
	cairn_printf("virtio_net: serving\n");
	serve();
	virtio_pci_reset(&dev);
	cairn_printf("virtio_net: stopped: %lu frames received, %lu sent, %lu rx buffers refused, "
		     "%lu tx frames refused, %lu dropped\n",
		     vnet_stat(&net, NET_STAT_RX_FRAMES), vnet_stat(&net, NET_STAT_TX_FRAMES),
		     vnet_stat(&net, NET_STAT_RX_REFUSED), vnet_stat(&net, NET_STAT_TX_REFUSED),
		     vnet_stat(&net, NET_STAT_RX_DROPPED));
	return 0;
}
