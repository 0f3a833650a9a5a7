/*
 * wt_client: the checks of interfaces/wait.toml (lib/libboot/wait.c), in
 * tests/qemu/systems/wait.toml: wt_server waits on this thread (interfaces/wt.toml),
 * wt_peer (mode=other, below it) wakes it or not, and a second wt_peer (mode=low, at
 * the lowest priority) counts while nothing else runs. wt.h has the plan.
 *
 *   wt.1 self             wait.self here, and in the server on this thread: one id
 *   wt.2 wake_unknown     wake of 0, ~0 and an id no thread has: CAIRN_ENOENT
 *   wt.3 token_first      its own wake, then its own block: returns at once
 *   wt.4 hold_until_wake  held in the server until the server's wake (the peer asks
 *                         it 22 ms in); the low spinner ran meanwhile (it blocked)
 *   wt.5 own_given_back   its timer's wake, come while it was held, is given back: its
 *                         next wait returns at once
 *   wt.6 wakes_count_once two wakes before a hold: the hold returns at once, and the
 *                         next waits for a third
 *   wt.7 restart_releases the server crashes (on the peer's thread) while it holds
 *                         this one: the hold returns CAIRN_ESTALE; then the server
 *                         answers again
 *   wt.8 no_wake_unwaited while it waits on its own endpoint (in no block), the peer
 *                         wakes it through the server, twice: no activation comes
 *                         (only its timer's, QUIET_MS later); the server's wakes wait
 *                         as a token for its next hold, which returns at once
 *   wt.9 other_no_wake    held in the server, the peer's own wake of it 2 ms in
 *                         (another component's, its first) neither releases it nor
 *                         sends it anything: when the server's wake ends the hold,
 *                         nothing is given back, its next wait waits
 *   wt.10 restarts_in_block the victim, restarted WT_RESTARTS times while it holds in
 *                         the server, holds again after each (the booter gives back the
 *                         gate stack each block held), and the booter still serves
 */
#include <iface/wait.h>
#include <iface/wt.h>
#include "wt.h"

#define AT_ONCE_MS 50	/* a wait that returns at once takes less (TCG, a loaded host) */
#define QUIET_MS 30	/* wt.8's wait, on its timer */

static uint64_t hz;

static uint64_t ms_since(uint64_t t0)
{
	return (cairn_cycles() - t0) * 1000 / hz;
}

static void held(struct wt_share *s, cairn_word me)
{
	uint64_t low = __atomic_load_n(&s->low, __ATOMIC_ACQUIRE);

	timer_wake_at(cairn_cycles() + cairn_us_ticks(hz, 5000));	/* comes while it is held */
	__atomic_store_n(&s->step, STEP_HOLD, __ATOMIC_RELEASE);
	long r = wt_hold();
	uint64_t now = cairn_cycles(), at = __atomic_load_n(&s->released_at, __ATOMIC_ACQUIRE);
	uint64_t ran = __atomic_load_n(&s->low, __ATOMIC_ACQUIRE) - low;
	cairn_check("wt.4", "hold_until_wake", r == 0 && at && now >= at && ran > 0,
		    "hold %ld, returned %s the server's wake, the low spinner counted %lu meanwhile", r,
		    at && now >= at ? "after" : "before", ran);
	uint64_t t0 = cairn_cycles();
	timer_wake_at(t0 + cairn_us_ticks(hz, 200000));	/* if the wake were lost: 200 ms */
	long n = cairn_rcv_wait(CAIRN_SLOT_RCV);
	uint64_t ms = ms_since(t0);
	timer_wake_at(0);
	cairn_check("wt.5", "own_given_back", n >= 1 && ms < AT_ONCE_MS,
		    "its wait after the hold returned %ld after %lu ms", n, ms);
	(void)me;
}

/*
 * Waits on its own endpoint, its timer QUIET_MS ahead, until `*acked` is `want`
 * (acked 0: once): whether a wait returned before its deadline (the booter's timer
 * never sends before it), that is, an activation came.
 */
static int woken_early(volatile uint32_t *acked, uint32_t want)
{
	int early = 0;

	do {
		uint64_t due = cairn_cycles() + cairn_us_ticks(hz, QUIET_MS * 1000);
		timer_wake_at(due);
		cairn_rcv_wait(CAIRN_SLOT_RCV);
		early = cairn_cycles() < due;
	} while (!early && acked && __atomic_load_n(acked, __ATOMIC_ACQUIRE) != want);
	timer_wake_at(0);
	return early;
}

static void twice(struct wt_share *s)
{
	__atomic_store_n(&s->step, STEP_TWICE, __ATOMIC_RELEASE);
	wt_until(hz, &s->acked, STEP_TWICE);	/* the server woke it twice */
	uint64_t t0 = cairn_cycles();
	long r1 = wt_hold();
	uint64_t ms = ms_since(t0);
	__atomic_store_n(&s->step, STEP_AGAIN, __ATOMIC_RELEASE);
	long r2 = wt_hold();
	uint64_t now = cairn_cycles(), at = __atomic_load_n(&s->released_at, __ATOMIC_ACQUIRE);
	cairn_check("wt.6", "wakes_count_once", r1 == 0 && ms < AT_ONCE_MS && r2 == 0 &&
		    __atomic_load_n(&s->acked, __ATOMIC_ACQUIRE) == STEP_AGAIN && now >= at,
		    "the first hold %ld after %lu ms, the second %ld %s the third wake", r1, ms, r2,
		    now >= at ? "after" : "before");
}

int main(const struct cairn_root *rt)
{
	struct wt_share *s = wt_share();

	hz = rt->tsc_hz;
	if (!s) {
		cairn_printf("wt_client: no region wt_share\n");
		return 1;
	}
	cairn_yield();	/* its initialisation ends: the others' run */
	long me = wait_self(), there = wt_self();
	cairn_check("wt.1", "self", me > 0 && there == me, "its own %ld, the server's on its thread %ld", me, there);
	long w0 = wait_wake(0), wmax = wait_wake(~(cairn_word)0), wnone = wait_wake((cairn_word)me + 1000000);
	cairn_check("wt.2", "wake_unknown", w0 == CAIRN_ENOENT && wmax == CAIRN_ENOENT && wnone == CAIRN_ENOENT,
		    "wake 0: %ld, ~0: %ld, another id: %ld", w0, wmax, wnone);
	uint64_t t0 = cairn_cycles();
	long wk = wait_wake((cairn_word)me), bl = wait_block();
	uint64_t ms = ms_since(t0);
	cairn_check("wt.3", "token_first", wk == 0 && bl == 0 && ms < AT_ONCE_MS, "wake %ld, block %ld after %lu ms",
		    wk, bl, ms);
	if (me <= 0)
		return 1;
	__atomic_store_n(&s->client, (uint64_t)me, __ATOMIC_RELEASE);
	held(s, (cairn_word)me);
	twice(s);
	__atomic_store_n(&s->step, STEP_CRASH, __ATOMIC_RELEASE);
	long r = wt_hold();
	long again = wt_self();
	for (unsigned k = 0; k < 2000 && again == CAIRN_ESTALE; k++) {
		wt_nap(hz, 1);	/* (on another core, the server may still be restarting) */
		again = wt_self();
	}
	cairn_check("wt.7", "restart_releases", r == CAIRN_ESTALE && again == me,
		    "the hold in the server that crashed: %ld; the server's self after: %ld", r, again);
	__atomic_store_n(&s->step, STEP_QUIET, __ATOMIC_RELEASE);
	int early = woken_early(&s->acked, STEP_QUIET);
	t0 = cairn_cycles();
	r = wt_hold();
	ms = ms_since(t0);
	cairn_check("wt.8", "no_wake_unwaited", !early && r == 0 && ms < AT_ONCE_MS,
		    "a wait %s before its timer; then the hold %ld after %lu ms",
		    early ? "returned (an activation came)" : "did not return", r, ms);
	__atomic_store_n(&s->step, STEP_OTHER, __ATOMIC_RELEASE);
	r = wt_hold();
	int held_on = __atomic_load_n(&s->acked, __ATOMIC_ACQUIRE) == STEP_OTHER;	/* set before the release */
	early = woken_early(0, 0);
	cairn_check("wt.9", "other_no_wake", r == 0 && held_on && !early, "hold %ld, %s, its next wait %s", r,
		    held_on ? "until the server's wake" : "ended before the server's wake",
		    early ? "returned at once (an activation was given back)" : "waited");
	__atomic_store_n(&s->step, STEP_VICTIM, __ATOMIC_RELEASE);
	wt_until(hz, &s->acked, STEP_VICTIM);
	uint32_t holds = __atomic_load_n(&s->holds, __ATOMIC_ACQUIRE);
	long still = wait_self();
	cairn_check("wt.10", "restarts_in_block", holds == WT_RESTARTS + 2 && !s->restart_err && still == me,
		    "the victim held %u times (want %d), restart error %ld, wait.self after: %ld", holds,
		    WT_RESTARTS + 2, (long)s->restart_err, still);
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	return 0;
}
