/*
 * klocal: local thread capabilities (THREAD_LOCAL; docs/syscalls.md; issue 24 item
 * 4). First boot module, kernel booted with "ktest", under -icount. This program's
 * first thread (M) is the scheduler of every thread it makes; "comp2" is a second
 * component over this program's own tables, entered through gates, so a thread can be
 * inside another component while its code and data stay reachable.
 *
 *   kl.1  THREAD_LOCAL: a local capability is made; every error, nothing made on one:
 *         slot used (EBUSY), invoked through a local capability (EACCES), the
 *         destination table empty (ENOENT), not a table (EBADF), a leaf (EINVAL), the
 *         slot 0 (EINVAL), past the table (ERANGE), in an absent leaf (ENOENT), the
 *         invoked capability empty (ENOENT) or not a thread (EBADF)
 *   kl.2  two threads of this component switch to each other through local
 *         capabilities: each switch happens (their steps interleave) and returns 0;
 *         the detail gives the instructions of one local switch (with the user code
 *         around it)
 *   kl.3  every refusal changes nothing: each other THREAD operation, and an unknown
 *         one, on a local capability is EACCES; a dispatch with a deadline or a tcap
 *         is EACCES; a target inside comp2 (runnable there, parked in a gate) is
 *         EBUSY, and does not run; from inside comp2 the same local capability
 *         switches to it; a copy and a forwarder of a local capability are local too
 *   kl.4  a local capability named as a THREAD argument (CAPTBL_ACT_RCV,
 *         CAPTBL_ACT_TCAP) is EACCES and makes nothing
 *   kl.5  the usual dispatch errors on a local capability: a blocked target (EAGAIN),
 *         a stopped one (EINVAL), one on a spent tcap (ETIME)
 *   kl.6  teardown: a local capability is removed (REMOVE, or DEACT, which only
 *         empties its slot); while one exists the thread cannot be deactivated nor its
 *         last owning capability removed (EBUSY, as with an ordinary copy); once it is
 *         gone the thread is; KCHECK finds nothing wrong during and after
 */
#include <cairn/build.h>
#include <cairn/cairn.h>
#include <cairn/gate.h>
#include <cairn/root.h>
#include <stdbool.h>

#define MEM  CAIRN_SLOT_MEMORY
#define CT   CAIRN_SLOT_CAPTBL
#define PT   CAIRN_SLOT_PGTBL
#define ME   CAIRN_SLOT_THREAD
#define COMP CAIRN_SLOT_COMP
#define ROOT CAIRN_SLOT_TCAP
#define K    CAIRN_FRAME_KERNEL

extern char _start[];

static const struct cairn_root *R;
static struct cairn_alloc A = { .mem = MEM, .ct = CT, .cursor = 32UL << 20, .end = 0,
				.next_slot = CAIRN_SLOT_FREE, .last_slot = 128 };
static unsigned my_rcv;

static unsigned slot(void)
{
	return cairn_reserve_slots(&A) ? 0 : cairn_slot(&A);
}

/* A thread of this component starting at fn, scheduled by M: its slot (0: failed), its endpoint in *rcv. */
static unsigned thread(void (*fn)(cairn_word), unsigned *rcv)
{
	unsigned t = slot(), r = slot();
	long id = cairn_captbl_act_thread(CT, t, MEM, cairn_frame(&A, K), COMP, (cairn_word)fn);

	if (id < 0 || cairn_captbl_act_rcv(CT, r, t, my_rcv))
		return 0;
	if (rcv)
		*rcv = r;
	return t;
}

static void drain(void)
{
	while (cairn_rcv_event(my_rcv).r1 != CAIRN_EVENT_NONE)
		;
}

/* A slot that must still be empty: its removal says ENOENT. */
static bool empty(unsigned s)
{
	return cairn_captbl_remove(CT, s) == CAIRN_ENOENT;
}

/* kl.2: ping and pong switch to each other through local capabilities. */
#define ROUNDS 8
static unsigned ping_to_pong, pong_to_ping;
static char steps[4 * ROUNDS + 1];
static unsigned nsteps;
static long ping_err, pong_err;
static uint64_t switch_cost = ~0ull;

static void step(char c)
{
	if (nsteps < sizeof(steps) - 1)
		steps[nsteps++] = c;
}

static void ping(cairn_word tid)
{
	(void)tid;
	for (unsigned i = 0; i < ROUNDS; i++) {
		step('a');
		uint64_t t0 = cairn_cycles();
		ping_err |= cairn_thread_dispatch(ping_to_pong, 0, 0);
		uint64_t dt = cairn_cycles() - t0;	/* two local switches: here and back */
		if (dt / 2 < switch_cost)
			switch_cost = dt / 2;
	}
	cairn_thread_dispatch(ME, 0, 0);
}

static void pong(cairn_word tid)
{
	(void)tid;
	for (;;) {
		step('b');
		pong_err |= cairn_thread_dispatch(pong_to_ping, 0, 0);
	}
}

static void test_mint(unsigned *x, unsigned *lx)
{
	unsigned s1 = slot(), s2 = slot(), none = slot();

	*x = thread(ping, 0);
	*lx = slot();
	long ok = cairn_thread_local(*x, CT, *lx);
	long e1 = cairn_thread_local(*x, CT, *lx);		/* slot used */
	long e2 = cairn_thread_local(*lx, CT, s1);		/* from a local one */
	long e3 = cairn_thread_local(*x, none, s1);		/* no table there */
	long e4 = cairn_thread_local(*x, MEM, s1);		/* not a table */
	long e5 = cairn_thread_local(*x, CAIRN_SLOT_LEAF0, s1);	/* a leaf */
	long e6 = cairn_thread_local(*x, CT, 0);		/* slot 0 */
	long e7 = cairn_thread_local(*x, CT, CAIRN_CAPTBL_MAX);	/* past the table */
	long e8 = cairn_thread_local(*x, CT, 60000);		/* its leaf absent */
	long e9 = cairn_thread_local(none, CT, s1);		/* nothing invoked */
	long e10 = cairn_thread_local(MEM, CT, s1);		/* not a thread */
	bool clean = empty(s1) && empty(s2) && empty(none);
	cairn_check("kl.1", "mint_and_errors", *x && ok == 0 && e1 == CAIRN_EBUSY && e2 == CAIRN_EACCES &&
		    e3 == CAIRN_ENOENT && e4 == CAIRN_EBADF && e5 == CAIRN_EINVAL && e6 == CAIRN_EINVAL &&
		    e7 == CAIRN_ERANGE && e8 == CAIRN_ENOENT && e9 == CAIRN_ENOENT && e10 == CAIRN_EBADF &&
		    clean && cairn_kcheck() == 0,
		    "made %ld, errors %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld, nothing made %d, kcheck %ld",
		    ok, e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, clean, cairn_kcheck());
}

static void test_switch(unsigned x, unsigned lx)
{
	unsigned y = thread(pong, 0);

	pong_to_ping = lx;
	ping_to_pong = slot();
	long m = y ? cairn_thread_local(y, CT, ping_to_pong) : -1;
	long d = m == 0 ? cairn_thread_dispatch(x, 0, 0) : -1;	/* back when ping is done */
	drain();
	bool interleaved = nsteps == 2 * ROUNDS;
	for (unsigned i = 0; i < nsteps; i++)
		interleaved &= steps[i] == (i % 2 ? 'b' : 'a');
	cairn_report("kl.2", "local_switches", m == 0 && d == 0 && interleaved && ping_err == 0 && pong_err == 0,
		     "made %ld, dispatched %ld, steps '%s', errors %ld %ld; one local switch: %lu instructions",
		     m, d, steps, ping_err, pong_err, switch_cost);
}

/* kl.3: park enters comp2 and hands the core back to M from inside it. */
static volatile long parked, resumed, back;
static unsigned parker_local;

static struct cairn_ret2 park(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
			      cairn_word tid)
{
	(void)a, (void)b, (void)c, (void)d, (void)badge, (void)tid;
	parked++;
	cairn_thread_dispatch(ME, 0, 0);
	resumed++;
	return (struct cairn_ret2){ 0, 0 };
}
CAIRN_GATE(park_entry, park)

/* M, from inside comp2: the local capability to the parked thread. */
static struct cairn_ret2 poke(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
			      cairn_word tid)
{
	(void)a, (void)b, (void)c, (void)d, (void)badge, (void)tid;
	return (struct cairn_ret2){ (cairn_word)cairn_thread_dispatch(parker_local, 0, 0), 0 };
}
CAIRN_GATE(poke_entry, poke)

static unsigned park_gate, poke_gate;

static void parker(cairn_word tid)
{
	(void)tid;
	for (;;) {
		cairn_sinv_call(park_gate, 0, 0, 0, 0);
		back++;
		cairn_thread_dispatch(ME, 0, 0);
	}
}

static volatile long spins;

static void spinner(cairn_word tid)
{
	(void)tid;
	for (;;) {
		spins++;
		cairn_thread_dispatch(ME, 0, 0);
	}
}

static long build_comp2(void)
{
	unsigned c2 = slot();
	park_gate = slot();
	poke_gate = slot();
	long r = cairn_captbl_act_comp(CT, c2, MEM, cairn_frame(&A, K), CT, PT, (uint64_t)_start);
	if (r == 0)
		r = cairn_captbl_act_sinv(CT, park_gate, c2, (uint64_t)park_entry, 0, 0);
	if (r == 0)
		r = cairn_captbl_act_sinv(CT, poke_gate, c2, (uint64_t)poke_entry, 0, 0);
	return r;
}

static void test_refusals(void)
{
	unsigned s = thread(spinner, 0), ls = slot(), spare = slot(), cp = slot(), ind = slot(), fwd = slot();
	long m = cairn_thread_local(s, CT, ls);
	long before = spins;
	long ops[7] = {
		cairn_thread_tls(ls, 0), cairn_thread_restart(ls, 0), cairn_thread_core(ls, 0),
		cairn_thread_reg(ls, CAIRN_REG_RAX, 0, 0).r0, cairn_thread_tcap(ls, ROOT),
		cairn_thread_local(ls, CT, spare), cairn_call(ls, 0x05ff, 0, 0, 0, 0, 0, 0),
	};
	bool all = true;
	for (unsigned i = 0; i < 7; i++)
		all &= ops[i] == CAIRN_EACCES;
	long dl = cairn_thread_dispatch(ls, cairn_cycles() + 1000000, 0);	/* a deadline */
	long dt = cairn_thread_dispatch(ls, 0, ROOT);				/* a tcap */
	long c = cairn_captbl_copy(CT, cp, CT, ls);
	long ct = cairn_thread_tls(cp, 0);
	long f = cairn_captbl_act_indir(CT, ind, MEM, cairn_frame(&A, K));
	if (f == 0)
		f = cairn_indir_set(ind, CT, ls);
	if (f == 0)
		f = cairn_indir_mint(ind, fwd);
	long ft = cairn_thread_tls(fwd, 0);
	long fd = cairn_thread_dispatch(fwd, 0, 0);	/* the forwarder acts as the local capability */
	bool ran = spins == before + 1;
	cairn_check("kl.3a", "other_ops_refused", m == 0 && all && dl == CAIRN_EACCES && dt == CAIRN_EACCES &&
		    empty(spare) && c == 0 && ct == CAIRN_EACCES && f == 0 && ft == CAIRN_EACCES && fd == 0 && ran,
		    "made %ld; tls %ld restart %ld core %ld reg %ld tcap %ld local %ld unknown %ld; deadline %ld, "
		    "tcap %ld; copy %ld then %ld; forwarder %ld then %ld, dispatch %ld (ran %d)", m, ops[0], ops[1],
		    ops[2], ops[3], ops[4], ops[5], ops[6], dl, dt, c, ct, f, ft, fd, ran);

	unsigned p = thread(parker, 0);
	parker_local = slot();
	long b = build_comp2();
	if (b == 0)
		b = cairn_thread_local(p, CT, parker_local);
	if (b == 0)
		b = cairn_thread_dispatch(p, 0, 0);	/* it parks in comp2 */
	long busy = cairn_thread_dispatch(parker_local, 0, 0);
	long stayed = parked == 1 && resumed == 0 && back == 0;
	struct cairn_ret2 inside = cairn_sinv_call(poke_gate, 0, 0, 0, 0);
	drain();
	cairn_check("kl.3b", "other_component_busy", b == 0 && busy == CAIRN_EBUSY && stayed && inside.r0 == 0 &&
		    resumed == 1 && back == 1,
		    "setup %ld, from here %ld (parked %ld, it stayed %ld), from inside comp2 %ld (resumed %ld, "
		    "back %ld)", b, busy, parked, stayed, (long)inside.r0, resumed, back);
}

static void test_arguments(void)
{
	unsigned w = thread(spinner, 0), lw = slot(), s1 = slot(), s2 = slot();
	long m = cairn_thread_local(w, CT, lw);
	long e1 = cairn_captbl_act_rcv(CT, s1, lw, 0);
	long e2 = cairn_captbl_act_tcap(CT, s2, lw, ROOT);
	bool none = empty(s1) && empty(s2);
	long ok = cairn_captbl_act_tcap(CT, s2, w, ROOT);	/* the ordinary capability may */
	long rm = cairn_captbl_remove(CT, s2);
	cairn_check("kl.4", "local_as_argument_refused", m == 0 && e1 == CAIRN_EACCES && e2 == CAIRN_EACCES &&
		    none && ok == 0 && rm == 0 && cairn_kcheck() == 0,
		    "made %ld, act_rcv %ld, act_tcap %ld, nothing made %d, then with the ordinary one %ld",
		    m, e1, e2, none, ok);
}

static unsigned waiter_rcv;

static void waiter(cairn_word tid)
{
	(void)tid;
	for (;;)
		cairn_rcv_wait(waiter_rcv);
}

static void quitter(cairn_word tid)
{
	(void)tid;
}

static void test_dispatch_errors(void)
{
	unsigned w = thread(waiter, &waiter_rcv), q = thread(quitter, 0), z = thread(spinner, 0);
	unsigned lw = slot(), lq = slot(), lz = slot(), tc = slot();
	long m = cairn_thread_local(w, CT, lw) | cairn_thread_local(q, CT, lq) | cairn_thread_local(z, CT, lz);
	long r = cairn_thread_dispatch(w, 0, 0) | cairn_thread_dispatch(q, 0, 0);	/* it waits; it stops */
	drain();
	long ea = cairn_thread_dispatch(lw, 0, 0);
	long ei = cairn_thread_dispatch(lq, 0, 0);
	long t = cairn_captbl_act_tcap(CT, tc, z, ROOT);	/* budget 0 */
	if (t == 0)
		t = cairn_thread_tcap(z, tc);
	long before = spins;
	long et = cairn_thread_dispatch(lz, 0, 0);
	cairn_check("kl.5", "dispatch_errors", m == 0 && r == 0 && ea == CAIRN_EAGAIN && ei == CAIRN_EINVAL &&
		    t == 0 && et == CAIRN_ETIME && spins == before,
		    "made %ld, ran %ld; blocked %ld, stopped %ld, spent tcap %ld (bound %ld), spun %ld",
		    m, r, ea, ei, et, t, spins - before);
}

static void test_teardown(void)
{
	unsigned rv, x = thread(spinner, &rv), l1 = slot(), l2 = slot(), cp = slot();
	long m = cairn_thread_local(x, CT, l1) | cairn_thread_local(x, CT, l2) | cairn_captbl_remove(CT, rv);
	long rm = cairn_captbl_remove(CT, l1);
	long k1 = cairn_kcheck();
	long busy = cairn_captbl_deact(CT, x);		/* l2 still there */
	long last = cairn_captbl_remove(CT, x);		/* its last owning capability */
	long c = cairn_captbl_copy(CT, cp, CT, x);
	long busy_copy = cairn_captbl_deact(CT, x);	/* the rule for an ordinary copy */
	long rc = cairn_captbl_remove(CT, cp);
	long dl = cairn_captbl_deact(CT, l2);		/* only empties it */
	long alive = cairn_thread_tls(x, 0);
	long d = cairn_captbl_deact(CT, x);
	bool gone = empty(l1) && empty(l2) && empty(x);
	long k2 = cairn_kcheck();
	cairn_check("kl.6", "teardown", m == 0 && rm == 0 && k1 == 0 && busy == CAIRN_EBUSY && last == CAIRN_EBUSY &&
		    c == 0 && busy_copy == CAIRN_EBUSY && rc == 0 && dl == 0 && alive == 0 && d == 0 && gone &&
		    k2 == 0,
		    "made %ld, removed %ld (kcheck %ld); with one left: deact %ld, remove %ld; with a copy (%ld): "
		    "deact %ld (removed %ld); deact of the local one %ld, thread there %ld, deact %ld, gone %d, "
		    "kcheck %ld", m, rm, k1, busy, last, c, busy_copy, rc, dl, alive, d, gone, k2);
}

int main(const void *root)
{
	unsigned x, lx;

	R = root;
	A.end = R->mem_end;
	my_rcv = slot();
	if (cairn_captbl_act_rcv(CT, my_rcv, ME, 0))
		return 1;
	test_mint(&x, &lx);
	test_switch(x, lx);
	test_refusals();
	test_arguments();
	test_dispatch_errors();
	test_teardown();
	return 0;
}
