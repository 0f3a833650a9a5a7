/*
 * dev_noirq: a driver whose device's INTx line another component claims with `irq`
 * (tests/qemu/systems/devices_shared.toml). The booter grants the device's BARs but
 * not the line, and says so.
 */
#include <cairn/cairn.h>

int main(const struct cairn_root *rt)
{
	const struct cairn_device *d = cairn_device(0);

	cairn_check("dev.8", "claimed_line_not_granted", d && d->bar[4].kind == CAIRN_BAR_MEM && d->bar[4].slot &&
		    d->irq_slot == 0 && d->irq_line == 0,
		    "I/O page at 0x%lx; found %d; BAR4 slot %u; irq %u slot %u", rt->io_va, d != 0,
		    d ? d->bar[4].slot : 0, d ? d->irq_line : 0, d ? d->irq_slot : 0);
	return 0;
}
