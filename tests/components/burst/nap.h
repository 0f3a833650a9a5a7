/*
 * nap.h: the timed nap of the persistent test components burst and peer (included by
 * both, after <iface/timer.h>): waits until the booter's timer passes a pseudo-random
 * time up to `most` microseconds from now.
 *
 * Time does not persist (docs/persistence.md "Limits"): the time stamp counter starts
 * again at each boot, and a resume wakes the nap's RCV_WAIT once (it returns 0) with
 * the clock of another boot, below the deadline taken in the boot before by as long
 * as that boot had run, and with no deadline armed. So the deadline is armed again at
 * every wake, and a clock below the nap's start is a resume: the nap begins again
 * from it. (Without that, burst and peer slept for ever after a resume: the
 * persistence suite checks that they go on, tools/persist_test.py went_on.)
 *
 * A checkpoint taken between arming and RCV_WAIT resumes the thread into a wait with
 * nothing armed: the booter gives each resumed thread one activation for it
 * (lib/libboot/persist.c restore). `nap_gap` (ticks; 0: none) spins that long
 * there, within the nap, so that checkpoints land in that window often (the peer's
 * `gap_us`): without the activation, the resumes that do would sleep for ever.
 */
#ifndef BURST_NAP_H
#define BURST_NAP_H

static uint64_t nap_hz;		/* the time stamp counter's rate: set before the first nap */
static uint64_t nap_x;		/* the xorshift state: any seed but 0 */
static uint64_t nap_gap;	/* ticks spun between arming and RCV_WAIT */

static void nap(uint64_t most)
{
	nap_x ^= nap_x << 13, nap_x ^= nap_x >> 7, nap_x ^= nap_x << 17;
	uint64_t len = nap_gap + cairn_us_ticks(nap_hz, 1 + nap_x % most), start = cairn_cycles(), due = start + len,
		 now;

	while ((now = cairn_cycles()) < due) {
		if (now < start)	/* a resume: the clock started again */
			start = now, due = now + len;
		if (timer_wake_at(due))
			return;		/* no timer: no nap */
		for (uint64_t t = cairn_cycles(); cairn_cycles() - t < nap_gap && cairn_cycles() >= t;)
			;	/* (a resume in the spin ends it: the clock went back) */
		cairn_rcv_wait(CAIRN_SLOT_RCV);
	}
}

#endif
