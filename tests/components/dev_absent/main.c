/*
 * dev_absent: a component bound to a device the machine does not have
 * (tests/qemu/systems/devices_absent.toml). The booter says so and starts it anyway:
 * its red tape has the entry, marked not found, and no capability for it.
 */
#include <cairn/cairn.h>
#include <cairn/sysdesc.h>

int main(const struct cairn_root *rt)
{
	const struct cairn_io *io = (const struct cairn_io *)rt->io_va;
	const struct cairn_device *e = io ? &io->device[0] : 0;

	cairn_check("dev.7", "missing_device_left_out", e && io->ndevices == 1 && !e->found && !cairn_device(0) &&
		    e->irq_slot == 0 && e->bar[0].slot == 0 && rt->free_slot == CAIRN_SD_FIRST_SLOT,
		    "I/O page at 0x%lx, %u devices; found %u; free_slot %u", rt->io_va, io ? io->ndevices : 0,
		    e ? e->found : 0, rt->free_slot);
	return 0;
}
