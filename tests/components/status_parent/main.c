/*
 * status_parent: boots the nested subsystem tests/qemu/systems/sub/web_cell.toml,
 * whose component (status_probe) imports "status" from the nested booter: it sees the
 * subsystem's components and name, not the parent system's.
 */
#include <cairn/boot.h>
#include <cairn/cairn.h>

extern const struct cairn_sd_system cairn_subsystem __attribute__((weak));

int main(const struct cairn_root *rt)
{
	long r = &cairn_subsystem ? cairn_boot(&cairn_subsystem, rt) : CAIRN_ENOENT;

	cairn_printf("status_parent: subsystem ended: %ld\n", r);
	return 0;
}
