/*
 * tape_bystander: runs on while tape_scribbler faults. It waits (yielding) for the mark
 * the scribbler leaves before its store, yields a few more times so the scribbler
 * would get the core again if it had survived, and checks that the mark after the
 * store never came.
 */
#include <iface/probe.h>

int main(const struct cairn_root *rt)
{
	cairn_word who = 0, who2 = 0;
	long before = 0;

	for (int k = 0; k < 1000 && (before = probe_get(&who)) == 0; k++)
		cairn_yield();
	for (int k = 0; k < 8; k++)
		cairn_yield();
	long after = probe_get(&who2);
	cairn_check("tape.6", "fault_stops_only_the_faulter",
		    before == 1 && after == 1 && who == who2 && who != rt->comp_id && who != 0,
		    "the scribbler's mark: %ld (from %lu), after yielding %ld (from %lu); want 1 from another",
		    before, who, after, who2);
	return 0;
}
