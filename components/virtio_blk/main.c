/*
 * virtio_blk: the virtio-blk driver component (docs/devices.md "virtio-blk"). Its
 * description binds it to a virtio block device (1af4:1042, or transitional 1af4:1001);
 * the booter maps the device's memory BARs and puts a copy of its configuration space
 * in the I/O page, where this component walks the capability list (pci_cfg_copy) to
 * find the virtio structures inside the BARs it mapped (libvirtio).
 *
 * What it does today: finds the device, negotiates (blk.c's vblk_probe), reports its
 * geometry, and resets it again. Serving the block transport (blk.c's vblk_start and
 * vblk_work over a request and a response queue and a shared data region) needs DMA
 * memory the device can reach, with its device address: the virtqueue and the request
 * headers privately, the data region shared with the client. The booter grants neither
 * yet (issue 21: shared regions, device domains), so it says so and stops.
 */
#include <cairn/cairn.h>
#include <cairn/pci.h>
#include <cairn/virtio.h>

#include "blk.h"

static struct virtio_pci dev;
static struct vblk blk;

/* The virtio structures of d, through its configuration-space copy and its mapped BARs. */
static long find(const struct cairn_device *d)
{
	struct virtio_bar bars[PCI_BARS] = { 0 };
	struct pci_cfg cfg;
	struct pci_copy copy;
	unsigned bdf = PCI_BDF(d->bus, d->dev, d->fn);

	for (unsigned i = 0; i < PCI_BARS && i < CAIRN_DEVICE_BARS; i++)
		if (d->bar[i].kind == CAIRN_BAR_MEM)
			bars[i] = (struct virtio_bar){ (uintptr_t)cairn_device_bar(d, i), d->bar[i].size };
	pci_cfg_copy(&cfg, &copy, d->config, bdf);
	return virtio_pci_find(&dev, &cfg, bdf, bars, &virtio_io_mmio, VIRTIO_BLK_CFG_LEN);
}

int main(const struct cairn_root *rt)
{
	(void)rt;
	const struct cairn_device *d = cairn_device(0);
	long r;

	if (!d) {
		cairn_printf("virtio_blk: no device\n");
		return 1;
	}
	if ((r = find(d)) < 0) {
		cairn_printf("virtio_blk: %02x:%02x.%x: not a modern virtio device (%ld)\n", d->bus, d->dev, d->fn, r);
		return 1;
	}
	if ((r = vblk_probe(&blk, &dev, 0)) < 0) {
		cairn_printf("virtio_blk: %02x:%02x.%x: refused (%ld)\n", d->bus, d->dev, d->fn, r);
		return 1;
	}
	cairn_printf("virtio_blk: %02x:%02x.%x: %lu blocks of %u bytes, %u a request part%s%s\n", d->bus, d->dev,
		     d->fn, blk.blocks, XPORT_BLK_SIZE, blk.part_blocks, blk.read_only ? ", read-only" : "",
		     blk.can_flush ? ", write cache flushed on request" : "");
	virtio_pci_reset(&dev);
	cairn_printf("virtio_blk: irq line %u\n", d->irq_line);
	cairn_printf("virtio_blk: no DMA memory granted: not serving\n");
	return 0;
}
