/*
 * virtio_blk: the virtio-blk driver component (docs/devices.md "virtio-blk"). Its
 * description binds it to a virtio block device (modern 1af4:1042, or a transitional
 * 1af4:1001 through its modern BAR), trusts it with DMA, and gives it:
 *   - the block transport: ports "blk_req" (client -> driver, slot_size 32) and
 *     "blk_resp" (driver -> client, slot_size 16), both sync (their sends are the
 *     wake-ups), and the data region "blk_data" shared with the client, dma = this
 *     component (the device reads and writes the client's buffers there);
 *   - "blk_dma", a private dma region of at least VBLK_DMA_BYTES: the virtqueue and the
 *     request headers and status bytes;
 *   - its interrupt: MSI-X entry 0, which the booter binds to its thread and programs
 *     (docs/devices.md, "Interrupts"); a device without MSI-X: its INTx line, which
 *     the description binds to its thread (`irq`).
 * The booter maps the device's memory BARs and copies its configuration space into the
 * I/O page, where this component walks the capability list (pci_cfg_copy) to find the
 * virtio structures inside the BARs it mapped (libvirtio).
 *
 * Its thread sleeps on its endpoint; the client's sends and the device's interrupt wake
 * it. Each wake, with INTx, it reads the ISR byte (acknowledging the line, so a
 * completion after it raises the line again), then runs a round of blk.c's work and arms before
 * sleeping again. A client calls stop (interfaces/virtio_blk.toml) and then sends.
 *
 * Described with `restart = true`, a crashed driver is started again by the booter
 * (docs/devices.md "virtio-blk", "Restart"): as always it resets the device before
 * anything else (vblk_probe), sets it up afresh, and then, being a later generation,
 * puts the restart notice for its client (vblk_announce) before it serves.
 */
#define CAIRN_SERVE_VIRTIO_BLK
#include <iface/virtio_blk.h>
#include <cairn/pci.h>
#include <cairn/virtio.h>
#include <cairn/xport.h>

#include "blk.h"

static struct virtio_pci dev;
static struct vblk blk;
static struct cairn_port req_port, resp_port;
static struct xport_queue req_q, resp_q;
static int stopping;
static int intx;	/* woken by the INTx line: each wake reads (acknowledges) the ISR */

/* A region of the description this component may point its device at, as memory. */
static long dma_region(const char *name, struct vblk_mem *m)
{
	const struct cairn_region *r = cairn_region(name);
	if (!r || !(r->flags & CAIRN_REGION_DMA))
		return CAIRN_ENOENT;
	*m = (struct vblk_mem){ (void *)r->va, r->dma, r->size };
	return 0;
}

/* One end of a transport queue from its port's red tape. */
static long queue(struct cairn_port *p, struct xport_queue *q, const char *name, unsigned end)
{
	long r = cairn_port_open(p, name);
	if (r == 0)
		r = xport_attach(q, p->ring, p->words * 8, p->mask + 1, end);
	return r;
}

/* The transport and the memory: 0, or an error (said). Queue interrupts go to MSI-X
 * entry 0 if the booter bound it (then the device raises no INTx). */
static long attach(const struct cairn_device *d)
{
	unsigned vector = virtio_device_vector(d);
	struct vblk_mem dma, data;
	long r;

	if ((r = queue(&req_port, &req_q, "blk_req", XPORT_CONSUMER)) < 0 ||
	    (r = queue(&resp_port, &resp_q, "blk_resp", XPORT_PRODUCER)) < 0)
		cairn_printf("virtio_blk: ports blk_req and blk_resp: %ld\n", r);
	else if ((r = dma_region("blk_dma", &dma)) < 0 || (r = dma_region("blk_data", &data)) < 0)
		cairn_printf("virtio_blk: regions blk_dma and blk_data, dma to this component: %ld\n", r);
	else if ((r = vblk_start(&blk, &dma, &data, &req_q, &resp_q, vector)) < 0)
		cairn_printf("virtio_blk: the device refused set-up (%ld)\n", r);
	intx = vector == VIRTIO_MSI_NO_VECTOR;
	return r;
}

long virtio_blk_stop_serve(cairn_word client)
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
		if (vblk_work(&blk) & VBLK_WAKE_CLIENT)
			cairn_asnd_send(resp_port.peer, 0);
		if (__atomic_load_n(&stopping, __ATOMIC_ACQUIRE))
			return;
		if (!vblk_arm(&blk))
			cairn_rcv_wait(CAIRN_SLOT_RCV);
	}
}

int main(const struct cairn_root *rt)
{
	const struct cairn_device *d = cairn_device(0);
	long r;

	if (!d) {
		cairn_printf("virtio_blk: no device\n");
		return 1;
	}
	if ((r = virtio_device_find(&dev, d, VIRTIO_BLK_CFG_LEN)) < 0) {
		cairn_printf("virtio_blk: %02x:%02x.%x: not a modern virtio device (%ld)\n", d->bus, d->dev, d->fn, r);
		return 1;
	}
	/*
	 * Behind an IOMMU (a region's device address is its own address: the booter mapped
	 * it in the device's I/O domain), the device must offer VIRTIO_F_ACCESS_PLATFORM:
	 * one that does not uses physical addresses, past the IOMMU (QEMU: iommu_platform).
	 */
	const struct cairn_region *data = cairn_region("blk_data");
	if ((r = vblk_probe(&blk, &dev, data && data->dma && data->dma == data->va)) < 0) {
		cairn_printf("virtio_blk: %02x:%02x.%x: refused (%ld)\n", d->bus, d->dev, d->fn, r);
		return 1;
	}
	cairn_printf("virtio_blk: %02x:%02x.%x: %lu blocks of %u bytes, %u a request part%s%s\n", d->bus, d->dev,
		     d->fn, blk.blocks, XPORT_BLK_SIZE, blk.part_blocks, blk.read_only ? ", read-only" : "",
		     blk.can_flush ? ", write cache flushed on request" : "");
	if (attach(d) < 0) {
		virtio_pci_reset(&dev);
		return 1;
	}
	/* Restarted: the device was reset above (vblk_probe) and set up afresh; the
	 * client learns which of its requests were lost (docs/devices.md "Transport", "Restart"). */
	if (rt->generation > 1) {
		vblk_announce(&blk);
		cairn_printf("virtio_blk: generation %u: device reset; requests from position %u on are served\n",
			     rt->generation, blk.announce_at);
	}
	cairn_printf("virtio_blk: serving\n");
	serve();
	virtio_pci_reset(&dev);
	cairn_printf("virtio_blk: stopped: %lu requests, %lu blocks read, %lu written, %lu errors\n",
		     blk.stats.requests, blk.stats.read, blk.stats.written, blk.stats.errors);
	return 0;
}
