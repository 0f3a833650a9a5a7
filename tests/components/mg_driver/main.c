/*
 * mg_driver: the manager as a booter-served component (interfaces/manager.toml,
 * lib/libboot/manager.c), driven from a component of a booter-built system
 * (tests/qemu/systems/manager.toml) with two peers (tests/components/mg_peer) and a
 * probe server whose gate is the capability handed around.
 *
 *   mg.1 budget: pages past the budget are ENOMEM and change nothing; freed pages
 *        come back zeroed; bad arguments are refused
 *   mg.2 a delegation tree (driver -> a, driver -> b, a -> b, b -> driver: depth 3,
 *        fan-out 2): every copy works; revoking in the middle and at the root takes
 *        the copies below and only those; errors
 *   mg.3 a page shared down a chain reaches every holder (same frame); unshared, a
 *        touch faults in each (the peer restarts: the call returns CAIRN_ESTALE)
 *   mg.4 a restarted component's pages and delegations are taken back: fresh budget
 *   mg.5 a chain of 450 shares (driver -> a -> driver -> ...) goes in one unshare
 *        (deeper than the booter's stack could recurse)
 */
#include <iface/manager.h>
#include <iface/mgpeer_a.h>
#include <iface/mgpeer_b.h>
#include <iface/probe.h>
#include <cairn/root.h>

#define PAGE 4096UL

static long me, a, b;

static long call(long slot)
{
	return cairn_sinv_call((unsigned)slot, 0, 0, 0, 0).r0;
}

static int zeroed(const long *p, unsigned words)
{
	for (unsigned i = 0; i < words; i++)
		if (p[i])
			return 0;
	return 1;
}

static void budget(void)
{
	cairn_word limit = 0;
	long st = manager_status(&limit);
	long e0 = manager_alloc(0), e1 = manager_alloc(5), e2 = manager_alloc(1UL << 40);
	long v = manager_alloc(3);
	int fresh = v > 0 && zeroed((long *)v, 3 * PAGE / 8);
	for (unsigned i = 0; v > 0 && i < 3; i++)
		((long *)v)[i * PAGE / 8] = 0x1000 + i;
	long over = manager_alloc(2), st3 = manager_status(&limit);
	long v4 = manager_alloc(1), full = manager_alloc(1);
	long f = manager_free((cairn_word)v + PAGE), f2 = manager_free((cairn_word)v + PAGE);
	long fbad = manager_free(0x1234000), again = manager_alloc(1);
	int kept = v > 0 && ((long *)v)[0] == 0x1000 && ((long *)v)[2 * PAGE / 8] == 0x1002;
	cairn_check("mg.1", "budget_enomem_and_nothing_breaks",
		    st == 0 && limit == 4 && e0 == CAIRN_EINVAL && e1 == CAIRN_ENOMEM && e2 == CAIRN_ENOMEM &&
		    v == 0x500000000L && fresh && over == CAIRN_ENOMEM && st3 == 3 &&
		    v4 == v + 3 * (long)PAGE && full == CAIRN_ENOMEM && f == 0 && f2 == CAIRN_ENOENT &&
		    fbad == CAIRN_ENOENT && again == v + (long)PAGE && zeroed((long *)again, PAGE / 8) && kept &&
		    manager_status(&limit) == 4 && probe_whoami() == me,
		    "status %ld/%lu, alloc 0/5/2^40 -> %ld %ld %ld, alloc 3 -> %#lx (zeroed %d), over %ld, "
		    "status %ld, 4th %#lx, full %ld, free %ld then %ld, bad %ld, again %#lx, kept %d",
		    st, (unsigned long)limit, e0, e1, e2, v, fresh, over, st3, v4, full, f, f2, fbad, again, kept);
}

static int delegated(long s)
{
	return s >= 128 && s < 256;
}

static void tree(const struct cairn_root *rt)
{
	long p = (long)(probe__gate() + PROBE_WHOAMI);
	long s1 = manager_delegate((cairn_word)p, (cairn_word)a);	/* driver -> a */
	long s2 = manager_delegate((cairn_word)p, (cairn_word)b);	/* driver -> b */
	long s3 = mgpeer_a_pass((cairn_word)s1, (cairn_word)b);		/* a -> b */
	long s4 = mgpeer_b_pass((cairn_word)s3, (cairn_word)me);	/* b -> driver */
	int made = delegated(s1) && delegated(s2) && delegated(s3) && delegated(s4);
	int work = made && mgpeer_a_call((cairn_word)s1) == me && mgpeer_b_call((cairn_word)s2) == me &&
		   mgpeer_b_call((cairn_word)s3) == me && call(s4) == me;
	cairn_check("mg.2.1", "delegated_copies_work_in_every_holder", work,
		    "slots %ld %ld %ld %ld", s1, s2, s3, s4);

	long e_self = manager_delegate((cairn_word)p, (cairn_word)me);
	long e_zero = manager_delegate((cairn_word)p, 0), e_far = manager_delegate((cairn_word)p, 99);
	long e_empty = manager_delegate(rt->free_slot, (cairn_word)a);
	long e_range = manager_delegate(1UL << 40, (cairn_word)a), e_range2 = manager_delegate(100000, (cairn_word)a);
	long e_none = manager_revoke((cairn_word)p + 1);
	cairn_check("mg.2.2", "delegate_and_revoke_errors",
		    e_self == CAIRN_EINVAL && e_zero == CAIRN_EINVAL && e_far == CAIRN_EINVAL &&
		    e_empty == CAIRN_ENOENT && e_range == CAIRN_ERANGE && e_range2 == CAIRN_ERANGE &&
		    e_none == CAIRN_ENOENT && mgpeer_a_call((cairn_word)s1) == me,
		    "self %ld, 0 %ld, 99 %ld, empty %ld, 2^40 %ld, 100000 %ld, revoke undelegated %ld", e_self,
		    e_zero, e_far, e_empty, e_range, e_range2, e_none);

	long mid = mgpeer_a_revoke((cairn_word)s1);	/* takes s3 (in b) and s4 (here) */
	long c3 = mgpeer_b_call((cairn_word)s3), c4 = call(s4);
	long c1 = mgpeer_a_call((cairn_word)s1), c2 = mgpeer_b_call((cairn_word)s2);
	cairn_check("mg.2.3", "revoke_in_the_middle_takes_the_subtree_only",
		    mid == 2 && c3 == CAIRN_ENOENT && c4 == CAIRN_ENOENT && c1 == me && c2 == me,
		    "revoked %ld; below: %ld %ld; revoker %ld, unrelated %ld (want %ld)", mid, c3, c4, c1, c2, me);

	long root = manager_revoke((cairn_word)p);
	c1 = mgpeer_a_call((cairn_word)s1), c2 = mgpeer_b_call((cairn_word)s2);
	long twice = manager_revoke((cairn_word)p), again = manager_delegate((cairn_word)p, (cairn_word)a);
	cairn_check("mg.2.4", "revoke_at_the_root_keeps_the_original",
		    root == 2 && c1 == CAIRN_ENOENT && c2 == CAIRN_ENOENT && probe_whoami() == me &&
		    twice == CAIRN_ENOENT && again == s1 && mgpeer_a_call((cairn_word)again) == me &&
		    manager_revoke((cairn_word)p) == 1,
		    "revoked %ld; copies %ld %ld; again %ld then %ld (slot %ld)", root, c1, c2, twice, again, s1);
}

static void pages(long v)
{
	*(volatile long *)v = 0xc0ffee;
	long va = manager_share((cairn_word)v, (cairn_word)a);
	long pa = va > 0 ? mgpeer_a_peek((cairn_word)va) : 0;
	long vb = va > 0 ? mgpeer_a_share((cairn_word)va, (cairn_word)b) : 0;
	long pb = vb > 0 ? mgpeer_b_peek((cairn_word)vb) : 0;
	long poke = vb > 0 ? mgpeer_b_poke((cairn_word)vb, 77) : -1;
	cairn_check("mg.3.1", "a_page_shared_down_a_chain_is_one_frame",
		    pa == 0xc0ffee && pb == 0xc0ffee && poke == 0 && *(volatile long *)v == 77,
		    "shared at %#lx in a (reads %#lx), at %#lx in b (reads %#lx); we read %ld", va, pa, vb, pb,
		    *(volatile long *)v);

	long e_not = manager_share(CAIRN_IMAGE_BASE, (cairn_word)a), e_self = manager_share((cairn_word)v, (cairn_word)me);
	long e_far = manager_share((cairn_word)v, 99), e_none = manager_unshare(CAIRN_IMAGE_BASE);
	cairn_check("mg.3.2", "share_errors", e_not == CAIRN_ENOENT && e_self == CAIRN_EINVAL &&
		    e_far == CAIRN_EINVAL && e_none == CAIRN_ENOENT,
		    "not ours %ld, self %ld, 99 %ld, unshare not ours %ld", e_not, e_self, e_far, e_none);

	long n = manager_unshare((cairn_word)v);
	long ta = mgpeer_a_peek((cairn_word)va), tb = mgpeer_b_peek((cairn_word)vb);
	cairn_check("mg.3.3", "unshared_page_faults_everywhere_it_went",
		    n == 2 && ta == CAIRN_ESTALE && tb == CAIRN_ESTALE && *(volatile long *)v == 77 &&
		    mgpeer_a_id() == a && mgpeer_b_id() == b,
		    "unshared %ld; touching it: a %ld, b %ld (want ESTALE); ours %ld", n, ta, tb, *(volatile long *)v);
}

static void restarted(void)
{
	long v = mgpeer_a_alloc(2), over = mgpeer_a_alloc(1), n = mgpeer_a_pages();
	long poke = v > 0 ? mgpeer_a_poke((cairn_word)v, 5) : -1;
	long mine = v > 0 ? mgpeer_a_share((cairn_word)v, (cairn_word)me) : -1;
	long seen = mine > 0 ? *(volatile long *)mine : -1;
	long crash = mgpeer_a_peek(0);
	long after = mgpeer_a_pages(), v2 = mgpeer_a_alloc(2);
	cairn_check("mg.4", "restart_takes_back_pages_and_budget",
		    v >= 0x500000000L && over == CAIRN_ENOMEM && n == 2 && poke == 0 && seen == 5 &&
		    crash == CAIRN_ESTALE && after == 0 && v2 == v,
		    "alloc %#lx, over %ld, pages %ld, shared to us at %#lx reads %ld; crash %ld; after restart "
		    "pages %ld, alloc %#lx", v, over, n, mine, seen, crash, after, v2);
}

#define CHAIN 450

static void chain(long v)
{
	long at = v, made = 0, e = 0;

	for (long k = 0; k < CHAIN && e >= 0; k++, made++) {
		e = k % 2 ? mgpeer_a_share((cairn_word)at, (cairn_word)me)	/* a's, to us */
			  : manager_share((cairn_word)at, (cairn_word)a);	/* ours, to a */
		at = e;
	}
	long seen = at > 0 ? *(volatile long *)at : -1;	/* the last link is ours */
	long n = manager_unshare((cairn_word)v), again = manager_unshare((cairn_word)v);
	cairn_check("mg.5", "a_deep_chain_of_shares_goes_in_one_unshare",
		    made == CHAIN && e > 0 && seen == 77 && n == CHAIN && again == 0 && mgpeer_a_id() == a &&
		    *(volatile long *)v == 77,
		    "made %ld links (last %ld), the last reads %ld; unshare took %ld then %ld", made, e, seen, n,
		    again);
}

int main(const struct cairn_root *rt)
{
	cairn_yield();	/* the end of our initialisation: supervision starts once all have ended */
	me = (long)rt->comp_id;
	a = mgpeer_a_id();
	b = mgpeer_b_id();
	budget();
	tree(rt);
	pages(0x500000000L + 2 * (long)PAGE);	/* the last page mg.1 left us */
	restarted();
	chain(0x500000000L + 2 * (long)PAGE);
	return 0;
}
