/*
 * warden: the parent of a nested subsystem (tests/qemu/systems/nested.toml), like
 * components/vault: it boots the child system embedded in its image, granting it
 * "probe" but not "log", both of which the warden imports itself. Before, it leaves its
 * badge in the probe server; after, it finds the inmate's mark there, stored under the
 * warden's own badge: the child speaks through the gates it was granted, as its parent.
 */
#include <cairn/boot.h>
#include <iface/log.h>
#include <iface/probe.h>

#define WARDEN_MARK 0x3a0000UL	/* + the warden's badge; the inmate reads it */
#define INMATE_MARK 0x1a7e00UL	/* what the inmate puts when it is done */

extern const struct cairn_sd_system cairn_subsystem __attribute__((weak));

int main(const struct cairn_root *rt)
{
	if (!cairn_check("nest.0", "subsystem_embedded", &cairn_subsystem && rt->mem_end > rt->mem_base &&
			 rt->nmodules >= 1 && log_lines() >= 0,
			 "tables %p, memory [0x%lx, 0x%lx), %u modules", (const void *)&cairn_subsystem,
			 rt->mem_base, rt->mem_end, rt->nmodules))
		return 1;
	long me = probe_whoami();
	probe_put(WARDEN_MARK + (cairn_word)me);
	long r = cairn_boot(&cairn_subsystem, rt);
	cairn_word who = 0;
	long v = probe_get(&who);
	cairn_check("nest.6", "parent_runs_on_after_child", r == 0 && v == (long)INMATE_MARK && (long)who == me,
		    "cairn_boot %ld; the probe holds 0x%lx from badge %lu (want 0x%lx from my badge %ld)",
		    r, v, who, INMATE_MARK, me);
	return 0;
}
