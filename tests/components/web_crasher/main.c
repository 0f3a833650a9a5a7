/*
 * web_crasher: a component that crashes once, for the web example's test
 * (tests/qemu/systems/web_test.toml): its first generation yields (its initialisation
 * ends) and then executes ud2 (vector 6). Described with `restart = true`, the booter
 * restarts it and its second generation says so and returns: the status page then
 * shows it stopped after 1 restart, 1 fault. Described without, it stays crashed: 0
 * restarts, 1 fault. It does not import "status": its stub says CAIRN_ENOENT.
 */
#include <cairn/cairn.h>
#include <iface/status.h>

int main(const struct cairn_root *rt)
{
	if (rt->generation == 1) {
		cairn_yield();		/* the end of its initialisation: the booter keeps it now */
		cairn_printf("%s: crashing\n", rt->name);
		__builtin_trap();
	}
	cairn_word r1 = 0;
	long r = status_system(&r1);
	cairn_printf("%s: generation %u; status without the import: %ld\n", rt->name, rt->generation, r);
	return 0;
}
