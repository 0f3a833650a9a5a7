/*
 * ctl_target: a component for tests/components/ctl_probe to restart through the
 * booter's control: each generation says which it is, then stays running (yielding) for
 * CTL_TARGET_MS and ends, so the system ends by itself. Generation 4 faults at once, in
 * its initialisation, so it stays down (the control then refuses it: CAIRN_EBUSY). It
 * faults before it prints: a restarted component's initialisation also ends with its
 * first time slice (docs/systems.md "Restart"), which a print through the serial port
 * could outlast on a loaded host (under TCG the clock is the host's).
 */
#include <cairn/cairn.h>

#define CTL_TARGET_MS 1000

int main(const struct cairn_root *rt)
{
	uint64_t end = cairn_cycles() + rt->tsc_hz / 1000 * CTL_TARGET_MS;

	if (rt->generation == 4)
		__builtin_trap();	/* #UD in its initialisation: it stays down */
	cairn_printf("ctl_target: generation %u\n", rt->generation);
	while (cairn_cycles() < end)
		cairn_yield();
	cairn_printf("ctl_target: generation %u ends\n", rt->generation);
	return 0;
}
