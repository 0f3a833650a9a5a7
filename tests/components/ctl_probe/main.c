/*
 * ctl_probe: the booter's control (interfaces/control.toml, lib/libboot/control.c) from
 * a component that imports it, at every error and twice through. The system
 * (tests/qemu/systems/control.toml) is: 0 ctl_target (restart = true), 1 hello, 2
 * ctl_relay (exports ctl_relay, imports control), 3 ctl_probe, 4 ctl_probe again with
 * args "none", which does not import control. Checks:
 *
 *   ctl.1 in its initialisation (before its first yield): restart(0) is CAIRN_EAGAIN
 *   ctl.2 restart(5), restart(~0), restart(3) (itself): CAIRN_EINVAL; restart(1),
 *         restart(2) (not restart = true): CAIRN_EACCES; ctl_target unchanged
 *   ctl.3 through ctl_relay (on this thread, in the relay's gate): CAIRN_EACCES
 *   ctl.4 restart(0) twice: 0 each time, and each time the status shows it done,
 *         restarts 1 then 2, faults 0, and the system's restarts the same
 *   ctl.5 (the second instance) restart(0) without the import: CAIRN_ENOENT
 *   ctl.6 a third restart(0): 0, and ctl_target's generation 4 crashes in its
 *         initialisation and stays down (crashed, restarts 3, faults 1); then
 *         restart(0) is CAIRN_EBUSY
 */
#include <cairn/cairn.h>
#include <cairn/status.h>
#include <iface/control.h>
#include <iface/ctl_relay.h>
#include <iface/status.h>

#define TARGET 0
#define WAIT_MS 2000

static long info_of(cairn_word i, cairn_word *faults)
{
	return status_component(i, faults);
}

/* Waits (yielding, at most WAIT_MS) until the target has `want` restarts and is up: its info or an error. */
static long restarted(uint32_t want, const struct cairn_root *rt)
{
	uint64_t end = cairn_cycles() + rt->tsc_hz / 1000 * WAIT_MS;
	cairn_word faults = 0;

	for (;;) {
		long info = info_of(TARGET, &faults);
		if (info < 0)
			return info;
		if (status_restarts(info) == want && status_state(info) != STATUS_STATE_RESTARTING)
			return faults ? CAIRN_EIO : info;
		if (cairn_cycles() > end)
			return CAIRN_EAGAIN;
		cairn_yield();
	}
}

int main(const struct cairn_root *rt)
{
	char mode[8];
	cairn_word faults = 0, restarts = 0;

	if (cairn_arg(rt, "mode", mode, sizeof mode) >= 0) {	/* mode=none: no import */
		long r = control_restart(TARGET);
		cairn_check("ctl.5", "without_the_import", r == CAIRN_ENOENT, "%ld", r);
		return 0;
	}
	long early = control_restart(TARGET);
	cairn_check("ctl.1", "in_initialisation", early == CAIRN_EAGAIN, "%ld", early);
	cairn_yield();	/* its initialisation ends: the booter sets its keepers */

	long e[5] = { control_restart(5), control_restart(~(cairn_word)0), control_restart(rt->comp_id - 1),
		      control_restart(1), control_restart(2) };
	long info = info_of(TARGET, &faults);
	cairn_check("ctl.2", "refusals",
		    rt->comp_id - 1 == 3 && e[0] == CAIRN_EINVAL && e[1] == CAIRN_EINVAL && e[2] == CAIRN_EINVAL &&
			    e[3] == CAIRN_EACCES && e[4] == CAIRN_EACCES && info >= 0 && status_restarts(info) == 0,
		    "%ld %ld %ld %ld %ld; target info %#lx", e[0], e[1], e[2], e[3], e[4], info);

	long relayed = ctl_relay_restart(TARGET);
	info = info_of(TARGET, &faults);
	cairn_check("ctl.3", "not_on_its_own_thread",
		    relayed == CAIRN_EACCES && info >= 0 && status_restarts(info) == 0, "%ld; target info %#lx",
		    relayed, info);

	int ok = 1;
	for (uint32_t k = 1; k <= 2; k++) {
		long r = control_restart(TARGET);
		info = restarted(k, rt);
		long n = status_system(&restarts);
		cairn_printf("ctl_probe: restart %u: %ld; %s, restarts %u, system restarts %lu (%ld)\n", k, r,
			     info < 0 ? "?" : status_state_name(status_state(info)), info < 0 ? 0 : status_restarts(info),
			     (unsigned long)restarts, n);
		ok &= r == 0 && info >= 0 && restarts == k;
	}
	cairn_check("ctl.4", "restarts", ok, "see the lines above");

	long r = control_restart(TARGET);
	uint64_t end = cairn_cycles() + rt->tsc_hz / 1000 * WAIT_MS;
	do {
		cairn_yield();
		info = info_of(TARGET, &faults);
	} while (info >= 0 && status_state(info) != STATUS_STATE_CRASHED && cairn_cycles() < end);
	long busy = control_restart(TARGET);
	cairn_check("ctl.6", "down_is_busy",
		    r == 0 && info >= 0 && status_state(info) == STATUS_STATE_CRASHED && status_restarts(info) == 3 &&
			    faults == 1 && busy == CAIRN_EBUSY,
		    "%ld; target info %#lx faults %lu; then %ld", r, info, (unsigned long)faults, busy);
	return 0;
}
