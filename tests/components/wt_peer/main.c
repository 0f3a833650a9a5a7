/*
 * wt_peer: wt_client's other side in tests/qemu/systems/wait.toml (wt_client/wt.h has
 * the plan). mode=other: at each of the client's steps, wakes it the ways the step
 * needs, through the server (interfaces/wt.toml) or directly (interfaces/wait.toml),
 * and crashes the server while the client holds in it; then restarts the victim
 * (control.restart, args victim=N its index) WT_RESTARTS times, each once it holds in
 * the server again. mode=low: at the lowest priority, counts until the client is done
 * (it runs only when the others wait). mode=victim: holds in the server until it is
 * restarted, again and again; each restart takes its thread out of a block, and the
 * booter must give back the gate stack the block held (32: the 33rd would fault).
 */
#include <iface/control.h>
#include <iface/wait.h>
#include <iface/wt.h>
#include "../wt_client/wt.h"

static void other(struct wt_share *s, uint64_t hz, uint64_t victim)
{
	wt_until(hz, &s->step, STEP_HOLD);
	cairn_word c = __atomic_load_n(&s->client, __ATOMIC_ACQUIRE);
	wt_nap(hz, 22);
	__atomic_store_n(&s->released_at, cairn_cycles(), __ATOMIC_RELEASE);
	wt_release(c);
	wt_until(hz, &s->step, STEP_TWICE);
	wt_release(c);
	wt_release(c);
	__atomic_store_n(&s->acked, STEP_TWICE, __ATOMIC_RELEASE);
	wt_until(hz, &s->step, STEP_AGAIN);
	wt_nap(hz, 20);
	__atomic_store_n(&s->released_at, cairn_cycles(), __ATOMIC_RELEASE);
	__atomic_store_n(&s->acked, STEP_AGAIN, __ATOMIC_RELEASE);
	wt_release(c);
	wt_until(hz, &s->step, STEP_CRASH);
	wt_nap(hz, 10);
	wt_crash();		/* the booter restarts the server: the client's hold returns */
	wt_until(hz, &s->step, STEP_QUIET);
	wt_nap(hz, 5);
	wt_release(c);		/* it waits in no block: a token, no activation */
	wt_release(c);
	__atomic_store_n(&s->acked, STEP_QUIET, __ATOMIC_RELEASE);
	wt_until(hz, &s->step, STEP_OTHER);
	wt_nap(hz, 2);
	wait_wake(c);		/* held in the server: another's wake (this component's first:
				   its token was clear) sends it nothing */
	wt_nap(hz, 20);
	__atomic_store_n(&s->acked, STEP_OTHER, __ATOMIC_RELEASE);
	wt_release(c);
	wt_until(hz, &s->step, STEP_VICTIM);
	for (uint32_t k = 1; k <= WT_RESTARTS + 1; k++) {
		for (unsigned ms = 0; ms < 2000 && __atomic_load_n(&s->holds, __ATOMIC_ACQUIRE) < k; ms++)
			wt_nap(hz, 1);	/* (a victim that cannot hold again: the client says so) */
		if (k == WT_RESTARTS + 1)
			__atomic_store_n(&s->quit, 1, __ATOMIC_RELEASE);
		long r = control_restart(victim);
		if (r && !s->restart_err)
			s->restart_err = r;
	}
	__atomic_store_n(&s->acked, STEP_VICTIM, __ATOMIC_RELEASE);
}

int main(const struct cairn_root *rt)
{
	struct wt_share *s = wt_share();
	char mode[8];

	if (!s || cairn_arg(rt, "mode", mode, sizeof(mode)) < 0) {
		cairn_printf("wt_peer: no region wt_share or no mode\n");
		return 1;
	}
	cairn_yield();	/* its initialisation ends */
	uint64_t victim = 0;
	cairn_arg_u64(rt, "victim", &victim);
	if (!strcmp(mode, "other")) {
		other(s, rt->tsc_hz, victim);
	} else if (!strcmp(mode, "victim")) {
		__atomic_add_fetch(&s->holds, 1, __ATOMIC_ACQ_REL);
		while (!__atomic_load_n(&s->quit, __ATOMIC_ACQUIRE))
			wt_hold();	/* (no wake comes: a restart ends it) */
	} else
		while (!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE))
			__atomic_add_fetch(&s->low, 1, __ATOMIC_RELEASE);
	return 0;
}
