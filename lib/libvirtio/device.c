/*
 * device.c: a virtio device as a Cairn driver component finds it (virtio.h): its
 * structures through the configuration-space copy and the BAR mappings its I/O page
 * lists, and the interrupt the booter set up for it. Reads the red tape; the only
 * system call is an INTx line's acknowledgement.
 */
#include <cairn/cairn.h>
#include <cairn/root.h>
#include <cairn/virtio.h>

long virtio_device_find(struct virtio_pci *v, const struct cairn_device *d, uint64_t device_min)
{
	struct virtio_bar bars[PCI_BARS] = { 0 };
	struct pci_cfg cfg;
	struct pci_copy copy;
	unsigned bdf = PCI_BDF(d->bus, d->dev, d->fn);

	for (unsigned i = 0; i < PCI_BARS && i < CAIRN_DEVICE_BARS; i++)
		if (d->bar[i].kind == CAIRN_BAR_MEM)
			bars[i] = (struct virtio_bar){ (uintptr_t)cairn_device_bar(d, i), d->bar[i].size };
	pci_cfg_copy(&cfg, &copy, d->config, bdf);
	return virtio_pci_find(v, &cfg, bdf, bars, &virtio_io_mmio, device_min);
}

unsigned virtio_device_vector(const struct cairn_device *d)
{
	return d->msi_kind == CAIRN_MSI_KIND_MSIX && d->nmsi ? 0 : VIRTIO_MSI_NO_VECTOR;
}

unsigned virtio_device_intx_ack(struct virtio_pci *v, const struct cairn_device *d)
{
	unsigned isr = virtio_pci_isr(v);

	if (d->irq_slot && (d->irq_mode & CAIRN_IRQ_LEVEL))
		cairn_irq_ack(d->irq_slot, d->irq_line);
	return isr;
}
