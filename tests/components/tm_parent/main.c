/*
 * tm_parent: boots the nested subsystem tests/qemu/systems/sub/tm_cell.toml, whose
 * component imports "timer" from the nested booter, which has no timer (tmr.9:
 * CAIRN_ENOTSUP). It does not import "timer" itself: tmr.10 its stub says CAIRN_ENOENT.
 */
#include <cairn/boot.h>
#include <iface/timer.h>

extern const struct cairn_sd_system cairn_subsystem __attribute__((weak));

int main(const struct cairn_root *rt)
{
	long r0 = timer_wake_at(1), r1 = timer_wake_at(0);

	cairn_check("tmr.10", "stub_without_import_is_enoent", r0 == CAIRN_ENOENT && r1 == CAIRN_ENOENT,
		    "wake_at 1/0: %ld %ld", r0, r1);
	long r = &cairn_subsystem ? cairn_boot(&cairn_subsystem, rt) : CAIRN_ENOENT;
	cairn_printf("tm_parent: subsystem ended: %ld\n", r);
	return 0;
}
