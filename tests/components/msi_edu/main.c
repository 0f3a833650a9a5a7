/*
 * msi_edu: the driver of tests/qemu/systems/msi_edu.toml: QEMU's edu device (1234:11e8;
 * BAR0: 0x24 interrupt status, 0x60 raise, 0x64 acknowledge; one MSI vector). The
 * booter bound an MSI line to this thread and programmed the capability with its
 * message, and (the driver is dma = "trusted") let the edu master the bus: an MSI is a
 * write the device makes. The description grants this driver the configuration ports
 * only to read back what the booter wrote; it writes nothing there.
 *
 *   msie.1  the I/O page lists MSI with one line (32..63); the capability, read through
 *           the ports, is enabled with the local APICs' address and the line's vector;
 *           the edu may master the bus
 *   msie.2  ROUNDS interrupts raised through BAR0: each wakes this thread with exactly
 *           one activation (nothing else sends to it), the status what was raised
 */
#include <cairn/cairn.h>
#include <cairn/pci.h>
#include <cairn/root.h>

#define EDU_STATUS 0x24
#define EDU_RAISE  0x60
#define EDU_ACK    0x64
#define ROUNDS     5

int main(const struct cairn_root *rt)
{
	const struct cairn_device *d = cairn_device(0);
	struct pci_cfg cfg;
	struct pci_ports ports;

	if (!d || rt->nioports != 1) {
		cairn_check("msie.1", "msi_bound", 0, "device %p, %u port ranges", (const void *)d, rt->nioports);
		return 1;
	}
	pci_cfg_ports(&cfg, &ports, rt->ioport[0].slot);
	unsigned bdf = PCI_BDF(d->bus, d->dev, d->fn), cap = pci_cap_find(&cfg, bdf, PCI_CAP_MSI);
	unsigned ctrl = cap ? pci_read16(&cfg, bdf, cap + 2) : 0;
	uint32_t addr = cap ? pci_read32(&cfg, bdf, cap + 4) : 0;
	unsigned data = cap ? pci_read16(&cfg, bdf, cap + ((ctrl & 0x80) ? 12 : 8)) : 0;
	unsigned line = d->msi_line[0], cmd = pci_read16(&cfg, bdf, PCI_COMMAND);
	cairn_check("msie.1", "msi_bound", d->msi_kind == CAIRN_MSI_KIND_MSI && d->nmsi == 1 &&
		    line >= CAIRN_IRQ_MSI && line < CAIRN_IRQ_LINES && (ctrl & 1) && (ctrl & 0x70) == 0 &&
		    (addr & ~0xff000u) == 0xfee00000u && data == 0x20 + line && (cmd & PCI_COMMAND_MASTER),
		    "kind %u, %u lines: %u; MSI at 0x%x control 0x%x address 0x%x data 0x%x; command 0x%x",
		    d->msi_kind, d->nmsi, line, cap, ctrl, addr, data, cmd);

	volatile uint32_t *edu = cairn_device_bar(d, 0);
	long ones = 0, seen = 0;
	for (unsigned i = 0; edu && i < ROUNDS; i++) {
		uint32_t v = 1u << i;
		edu[EDU_RAISE / 4] = v;
		ones += cairn_rcv_wait(CAIRN_SLOT_RCV) == 1;
		seen += edu[EDU_STATUS / 4] == v;
		edu[EDU_ACK / 4] = v;
	}
	cairn_check("msie.2", "msi_wakes_the_driver", ones == ROUNDS && seen == ROUNDS,
		    "BAR0 at %p: %ld of %u waits woken once, %ld statuses right", (void *)edu, ones, ROUNDS, seen);
	return 0;
}
