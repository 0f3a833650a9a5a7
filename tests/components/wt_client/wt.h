/*
 * wt.h: the plan of tests/qemu/systems/wait.toml, shared by wt_client (the checks) and
 * wt_peer (the other component, and the low spinner), in their region `wt_share`.
 */
#ifndef WT_H
#define WT_H

#include <cairn/cairn.h>
#include <iface/timer.h>

struct wt_share {
	uint64_t client;	/* the client's thread id, once known */
	uint32_t step;		/* the client's: STEP_* below, the phase it is in */
	uint32_t acked;		/* the peer's: the phase whose part it has done */
	uint64_t released_at;	/* the time stamp counter when the peer last released it */
	uint64_t low;		/* the low spinner's count */
	uint32_t done;		/* the client has finished: all stop */
	uint32_t holds;		/* the victim's holds begun (one per generation) */
	uint32_t quit;		/* the victim ends at its next start */
	int64_t restart_err;	/* the first control.restart error the peer had (0: none) */
};

enum { STEP_HOLD = 1, STEP_TWICE, STEP_AGAIN, STEP_CRASH, STEP_QUIET, STEP_OTHER, STEP_VICTIM };

#define WT_RESTARTS 40	/* the victim's: more than the booter's 32 gate stacks */

/* Naps ms milliseconds on the booter's timer. */
static inline void wt_nap(uint64_t hz, uint64_t ms)
{
	uint64_t due = cairn_cycles() + cairn_us_ticks(hz, ms * 1000);

	while (cairn_cycles() < due && timer_wake_at(due) == 0)
		cairn_rcv_wait(CAIRN_SLOT_RCV);
}

/* Waits, napping 1 ms at a time, until *v is at least want. */
static inline void wt_until(uint64_t hz, volatile uint32_t *v, uint32_t want)
{
	while (__atomic_load_n(v, __ATOMIC_ACQUIRE) < want)
		wt_nap(hz, 1);
}

static inline struct wt_share *wt_share(void)
{
	const struct cairn_region *r = cairn_region("wt_share");

	return r && r->size >= sizeof(struct wt_share) ? (struct wt_share *)r->va : 0;
}

#endif
