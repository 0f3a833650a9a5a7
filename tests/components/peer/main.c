/*
 * peer: a persistent component that another persistent one, burst, gives a page and a
 * capability through the manager (tests/qemu/systems/persist.toml, tools/persist_test.py;
 * docs/persistence.md "Objects made since boot"). burst shares the first page the
 * manager gave it, then delegates its manager `status` and `alloc` gates to it: here
 * they are the first of the manager's ranges, the page at CAPMGR_VA and the slots
 * CAPMGR_SLOT0 and the next. Until the status gate answers, it waits; the alloc gate
 * must refuse it (CAIRN_EACCES: a persistent component's manager serves it only on its
 * own thread). Then, every nap (up to `max_us` microseconds, args; 500):
 *
 *   - it calls the gate, which must answer as burst's: burst's budget (`budget` pages,
 *     args; 4), and as many pages or one fewer (burst frees one and is given one again);
 *   - it reads the shared page, whose first and last words burst writes with its burst
 *     number, first word first: read last word first, the first must be no less, and
 *     the last no less than it read before;
 *   - it counts its rounds in its own memory and in word 1 of the shared page, which
 *     burst leaves alone: at the top of each round the two must be equal.
 *
 * A checkpoint must take the shared page at the instant it takes peer's own memory,
 * and a resume must make the share and the delegation again: a share not made again
 * faults it, one of another page reads 0, a torn checkpoint breaks the count, and any
 * of those says WRONG. Every `print` rounds (args; 1000) it says where it is. With
 * `gap_us` (args) each nap spins that long between arming its deadline and waiting
 * (nap.h's nap_gap): a resume there must still wake it.
 */
#include <cairn/cairn.h>
#include <cairn/gate.h>
#include <cairn/capmgr.h>
#include <iface/timer.h>
#include "../burst/nap.h"

CAIRN_GATE_STACKS(1);	/* no gates, one thread: one stack (every page is in the checkpoints) */

#define LAST 511	/* the shared page's last word, and burst's */
#define ROUND 1		/* its word this component counts in */

static uint64_t rounds, seen, wrong;

static void say_wrong(const char *what, uint64_t a, uint64_t b)
{
	if (!wrong++)
		cairn_printf("peer: WRONG: %s: %lu and %lu\n", what, a, b);
}

/* burst's status gate, delegated: its pages, and *budget; negative until it is there. */
static long burst_status(cairn_word *budget)
{
	struct cairn_ret2 r = cairn_sinv_call(CAPMGR_SLOT0, 0, 0, 0, 0);

	*budget = r.r1;
	return r.r0;
}

int main(const struct cairn_root *rt)
{
	volatile uint64_t *page = (volatile uint64_t *)CAPMGR_VA;
	uint64_t most = 500, print = 1000, budget = 4;
	cairn_word b = 0;

	nap_hz = rt->tsc_hz, nap_x = 0x2545f4914f6cdd1dULL;
	cairn_arg_u64(rt, "max_us", &most);
	if (cairn_arg_u64(rt, "gap_us", &nap_gap) == 0)
		nap_gap = cairn_us_ticks(nap_hz, nap_gap);
	cairn_arg_u64(rt, "print", &print);
	cairn_arg_u64(rt, "budget", &budget);
	most = most ? most : 1, print = print ? print : 1;
	cairn_printf("peer: starting fresh\n");
	while (burst_status(&b) < 0)
		nap(most);
	long alloc = cairn_sinv_call(CAPMGR_SLOT0 + 1, 1, 0, 0, 0).r0;
	if (alloc != CAIRN_EACCES)
		say_wrong("burst's alloc gate, called here, answered (not -EACCES)", (uint64_t)alloc, 0);
	cairn_printf("peer: burst's page and gate are here\n");
	for (;;) {
		if (page[ROUND] != rounds)
			say_wrong("the shared page's count and its own", page[ROUND], rounds);
		long pages = burst_status(&b);
		if (b != budget || pages < (long)budget - 1 || pages > (long)budget)
			say_wrong("burst's gate answered pages and budget", (uint64_t)pages, b);
		uint64_t last = page[LAST], first = page[0];
		if (first < last)
			say_wrong("the shared page's first and last words", first, last);
		if (last < seen)
			say_wrong("the shared page went back from", seen, last);
		seen = last;
		rounds++;
		page[ROUND] = rounds;
		if (rounds % print == 0)
			cairn_printf("peer: %lu rounds, burst at %lu: %s\n", rounds, seen, wrong ? "WRONG" : "right");
		nap(most);
	}
}
