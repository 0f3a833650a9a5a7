/*
 * pe_asker: checkpoint.now while a persistent component stays in a call
 * (tests/qemu/systems/persist_eagain.toml): the checkpointer's refused captures go on,
 * and after 0.1 s of them (STILL_TRIES) it answers its waiting callers CAIRN_EAGAIN
 * rather than keep them (components/checkpointer; docs/persistence.md "Limits").
 *
 *   pe.1 eagain_when_stuck  once pe_stuck holds in wt_server, checkpoint_now()
 *                           returns CAIRN_EAGAIN, after at least 0.1 s (the tries);
 *                           before (its first calls) it may return checkpoints
 *
 * Then it crashes wt_server (restarted), which lets pe_stuck out: it stops, and so
 * does the checkpointer (a persistent component stopped), and the system ends.
 */
#include <iface/checkpoint.h>
#include <iface/wt.h>

#define ASKS 50

int main(const struct cairn_root *rt)
{
	uint64_t hz = rt->tsc_hz, ms = 0;
	long r = 0;
	unsigned k;

	for (k = 0; k < ASKS && r != CAIRN_EAGAIN; k++) {
		uint64_t t0 = cairn_cycles();
		r = checkpoint_now();
		ms = (cairn_cycles() - t0) * 1000 / hz;
	}
	cairn_check("pe.1", "eagain_when_stuck", r == CAIRN_EAGAIN && ms >= 100,
		    "after %u calls checkpoint_now() %ld, after %lu ms", k, r, ms);
	wt_crash();
	return 0;
}
