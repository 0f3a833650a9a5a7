/*
 * dev_bystander: a component bound to no device (tests/qemu/systems/devices.toml).
 * Its red tape lists none, and no slot of its table holds a DEVMEM capability: a
 * DEVMEM_DERIVE through each is refused as on another type (CAIRN_EBADF) or an empty
 * slot (CAIRN_ENOENT), whatever the range.
 */
#include <cairn/cairn.h>

#define SLOTS 128	/* its leaf 0: every slot the booter could have filled */

int main(const struct cairn_root *rt)
{
	unsigned held = 0, first = 0;
	long got = 0;

	for (unsigned s = 1; s < SLOTS; s++) {
		long r = cairn_devmem_derive(s, rt->free_slot, 0xfe000000, 0xfe001000);
		if (r != CAIRN_EBADF && r != CAIRN_ENOENT && !held++)
			first = s, got = r;
	}
	cairn_check("dev.6", "no_device_without_a_binding", rt->io_va == 0 && !cairn_device(0) && held == 0,
		    "I/O page at 0x%lx; %u slots answer DEVMEM_DERIVE, the first %u (%ld)",
		    rt->io_va, held, first, got);
	return 0;
}
