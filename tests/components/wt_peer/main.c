/*
 * wt_peer: wt_client's other side in tests/qemu/systems/wait.toml (wt_client/wt.h has
 * the plan). mode=other: at each of the client's steps, wakes it the ways the step
 * needs, through the server (interfaces/wt.toml) or directly (interfaces/wait.toml),
 * and crashes the server while the client holds in it. mode=low: at the lowest
 * priority, counts until the client is done (it runs only when the others wait).
 */
#include <iface/wait.h>
#include <iface/wt.h>
#include "../wt_client/wt.h"

static void other(struct wt_share *s, uint64_t hz)
{
	wt_until(hz, &s->step, STEP_HOLD);
	cairn_word c = __atomic_load_n(&s->client, __ATOMIC_ACQUIRE);
	wt_nap(hz, 2);
	wait_wake(c);		/* its own token: not the server's, so no release */
	wt_nap(hz, 20);
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
	wait_wake(c);		/* it waits in no block: tokens, no activation */
	wt_release(c);
	wt_release(c);
	__atomic_store_n(&s->acked, STEP_QUIET, __ATOMIC_RELEASE);
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
	if (!strcmp(mode, "other"))
		other(s, rt->tsc_hz);
	else
		while (!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE))
			__atomic_add_fetch(&s->low, 1, __ATOMIC_RELEASE);
	return 0;
}
