/*
 * The booter: the first user component. The kernel gives it all memory, the interrupt
 * lines and the boot modules; the system's tables (cairn/sysdesc.h), generated from
 * its description by tools/sysgen.py, are linked into this image. It builds the system
 * and schedules it (lib/libboot) until every thread has stopped.
 */
#include <cairn/boot.h>
#include <cairn/cairn.h>

extern const struct cairn_sd_system cairn_system __attribute__((weak));

int main(const struct cairn_root *rt)
{
	if (!&cairn_system) {
		cairn_puts("booter: no system tables are linked in (tools/sysgen.py links them)");
		return 1;
	}
	cairn_printf("booter: building system '%s'\n", cairn_system.name);
	long r = cairn_boot(&cairn_system, rt);
	if (r)
		cairn_printf("booter: system '%s' stopped with error %ld\n", cairn_system.name, r);
	else
		cairn_printf("booter: every thread of system '%s' has stopped\n", cairn_system.name);
	return (int)-r;
}
