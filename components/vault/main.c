/*
 * vault: boots a nested subsystem from the description embedded in its image
 * (tools/sysgen.py links it in as cairn_subsystem). The root booter gave it only the
 * memory and the interfaces the description grants; the child gets a share of those and
 * can name nothing of the vault's own system.
 */
#include <cairn/boot.h>
#include <cairn/logprint.h>

extern const struct cairn_sd_system cairn_subsystem __attribute__((weak));

int main(const struct cairn_root *rt)
{
	if (!&cairn_subsystem) {
		log_printf("vault: no subsystem is embedded in my image\n");
		return 1;
	}
	log_printf("vault: booting subsystem '%s' in %lu KiB of my own, granting only 'log'\n",
		   cairn_subsystem.name, (rt->mem_end - rt->mem_base) >> 10);
	long r = cairn_boot(&cairn_subsystem, rt);
	log_printf("vault: subsystem '%s' ended (%ld); the rest of the system carried on\n",
		   cairn_subsystem.name, r);
	return 0;
}
