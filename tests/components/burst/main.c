/*
 * burst: a persistent component that outranks its checkpointer (tests/qemu/systems/
 * persist.toml, tools/persist_test.py; docs/persistence.md "Testing"). After a nap of
 * a pseudo-random length up to `max_us` microseconds (args; 2000 if not given) its
 * timer wakes it and it writes burst n + 1 into each of its PAGES pages, in order, in
 * the first and the last word of each. So it preempts the checkpointer's collect at
 * any point: its first writes copy pages collect may be copying that moment (the
 * keeper's copy must stand, collect's be dropped: lib/libboot/persist.c). To meet
 * collect more often, once a write to its first page took a fault (a checkpoint's
 * pause has just made its pages read-only), it naps up to `gap_us` (args; 300) before
 * each of the other pages, so that its writes fall anywhere while collect goes
 * through them.
 *
 * With the manager imported (its description's budget) it also has GIVEN pages from
 * it, written like the others; every REGIVE bursts it frees the last and is given one
 * again (a page freed while a checkpoint takes it is taken first: persist.c's
 * settle), and a resume must give them back. A share with a component that is not
 * persistent the manager must refuse it (CAIRN_ENOTSUP: not in its checkpoints), and a
 * delegation to one it must allow (revoked at once), but not of its own thread, or it
 * says WRONG. With `peer=N` (args: another persistent component's number,
 * tests/components/peer) it shares its first given page with it and delegates it its
 * manager `status` and `alloc` gates: the first of the manager's ranges there (or
 * WRONG), kept in its checkpoints and made again at a resume.
 *
 * Before each burst it checks every page: the first and last words equal, and equal to
 * the burst before (the one it resumed inside being finished first). A page that a
 * checkpoint took part before and part after a write (a copy made while the page was
 * written) or after one (a copy-on-write too late) breaks it, and it says TORN.
 * Every `print` bursts (args; 1000) it says where it is. It waits on its timer, so a
 * resume finds it inside RCV_WAIT, which then returns 0: it looks at the time again,
 * and begins its nap again if the clock went back (nap.h: time does not persist).
 */
#include <cairn/cairn.h>
#include <cairn/gate.h>
#include <cairn/capmgr.h>
#include <iface/manager.h>
#include <iface/timer.h>
#include "nap.h"

CAIRN_GATE_STACKS(1);	/* no gates, one thread: one stack (every page is in the checkpoints) */

#define PAGES 32
#define LAST 511	/* a page's last word */
#define FAULTED 20000	/* cycles: a write that took longer took a fault */

#define GIVEN 4	/* pages from the manager */
#define REGIVE 8	/* bursts between a free and a new one */

static volatile uint64_t page[PAGES][512] __attribute__((aligned(4096)));
static volatile uint64_t *given[GIVEN];	/* the manager's pages, or none (0) */
static volatile uint64_t bursts;
static uint64_t torn;

/* Page p: one of its own (below PAGES), else one the manager gave (0 if none). */
static volatile uint64_t *page_at(unsigned p)
{
	return p < PAGES ? page[p] : given[p - PAGES];
}

/* Whether every page holds burst n, first and last word. */
static int whole(uint64_t n)
{
	for (unsigned p = 0; p < PAGES + GIVEN; p++) {
		volatile uint64_t *w = page_at(p);
		if (w && (w[0] != n || w[LAST] != n)) {
			if (!torn++)
				cairn_printf("burst: TORN: before burst %lu page %u holds %lu and %lu\n", n + 1, p,
					     w[0], w[LAST]);
			return 0;
		}
	}
	return 1;
}

/*
 * Shares page va with component peer, and delegates it the manager's status gate and
 * alloc gate (which must refuse the peer: it asks as burst, not on burst's thread):
 * whether all are where peer looks.
 */
static int give_peer(long va, uint64_t peer)
{
	long s = manager_share((cairn_word)va, peer);
	long d = manager_delegate(manager__gate() + MANAGER_STATUS, peer);
	long a = manager_delegate(manager__gate() + MANAGER_ALLOC, peer);
	long t = manager_delegate(CAIRN_SLOT_THREAD, peer);	/* its own thread: to none */

	if (s == (long)CAPMGR_VA && d == CAPMGR_SLOT0 && a == CAPMGR_SLOT0 + 1 && t == CAIRN_ENOTSUP)
		return 1;
	cairn_printf("burst: WRONG: a share with the peer %ld, delegations %ld %ld, of its thread %ld\n", s, d, a, t);
	return 0;
}

/*
 * The manager's pages (if imported): given. With component 1 (not persistent): a share
 * refused, a delegation of a gate allowed (and revoked), of its own thread refused.
 * Then the peer's.
 */
static void get_given(uint64_t peer)
{
	unsigned status = manager__gate() + MANAGER_STATUS;
	long va = manager_alloc(GIVEN), s = va > 0 ? manager_share((cairn_word)va, 1) : 0;
	long d = manager_delegate(status, 1), n = d > 0 ? manager_revoke(status) : 0;
	long t = manager_delegate(CAIRN_SLOT_THREAD, 1);

	if (va == CAIRN_ENOENT)
		return;	/* (no manager) */
	if (va < 0 || s != CAIRN_ENOTSUP || d < CAPMGR_SLOT0 || n != 1 || t != CAIRN_ENOTSUP) {
		cairn_printf("burst: WRONG: the manager gave %ld, a share %ld, a delegation %ld (revoked %ld), of its "
			     "thread %ld\n", va, s, d, n, t);
		return;
	}
	if (peer && !give_peer(va, peer))
		return;
	for (unsigned k = 0; k < GIVEN; k++)
		given[k] = (volatile uint64_t *)(va + 4096L * k);
	cairn_printf("burst: %u pages from the manager at %#lx\n", GIVEN, va);
}

/* Frees the last given page and is given one again, holding burst n. */
static void regive(uint64_t n)
{
	volatile uint64_t *w = given[GIVEN - 1];

	given[GIVEN - 1] = 0;	/* (first: a checkpoint between the calls has no pointer to a freed page) */
	long r = w ? manager_free((cairn_word)w) : 0, va = r ? r : manager_alloc(1);
	if (r || va < 0) {
		cairn_printf("burst: WRONG: freeing %p: %ld, a page again: %ld\n", (void *)w, r, va);
		return;
	}
	w = (volatile uint64_t *)va;
	w[0] = n;
	w[LAST] = n;
	given[GIVEN - 1] = w;
}

int main(const struct cairn_root *rt)
{
	uint64_t most = 2000, gap = 300, print = 1000, peer = 0;

	nap_hz = rt->tsc_hz, nap_x = 0x9e3779b97f4a7c15ULL;
	cairn_arg_u64(rt, "max_us", &most);	/* (absent or not a number: as it is) */
	cairn_arg_u64(rt, "gap_us", &gap);
	most = most ? most : 1, gap = gap ? gap : 1;
	cairn_arg_u64(rt, "print", &print);
	print = print ? print : 1;
	cairn_arg_u64(rt, "peer", &peer);
	cairn_printf("burst: starting fresh\n");
	get_given(peer);
	for (;;) {
		nap(most);
		uint64_t n = bursts;
		if (given[GIVEN - 1] && n % REGIVE == REGIVE - 1)
			regive(n);
		whole(n);
		int spread = 0;
		for (unsigned p = 0; p < PAGES + GIVEN; p++) {
			volatile uint64_t *w = page_at(p);
			uint64_t t0 = cairn_cycles();
			if (spread)
				nap(gap);
			if (w)
				w[0] = n + 1, w[LAST] = n + 1;
			spread |= p == 0 && cairn_cycles() - t0 > FAULTED;
		}
		bursts = n + 1;
		if (bursts % print == 0)
			cairn_printf("burst: %lu bursts: %s\n", bursts, torn ? "TORN" : "whole");
	}
}
