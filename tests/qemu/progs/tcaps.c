/*
 * tcaps: time capabilities (docs/time.md, docs/syscalls.md "Time capabilities";
 * issue 24). First boot module, kernel booted with "ktest", under -icount (guest time
 * follows instructions, so the figures repeat). This program's first thread owns the
 * root tcap (CAIRN_SLOT_TCAP); the tcaps below it live in "holder" threads that never
 * run. Its first thread is the scheduler of every thread it makes.
 *
 *   tc.1  CAPTBL_ACT_TCAP: a child of the root (budget 0, the root's priority); every
 *         error: not a thread, not a tcap, a thread that has one (the root's too),
 *         deeper than CAIRN_TCAP_DEPTH (EDEPTH), nothing made on error
 *   tc.2  TCAP_BUDGET: the root's is INT64_MAX at priority 0; TCAP_DELEGATE sets a
 *         child's budget and priority (a tcap made takes its parent's priority of
 *         the moment); its errors leave both unchanged: not a direct
 *         child (a grandchild, itself: EINVAL), more urgent than the giver (EACCES),
 *         more than the giver has (ERANGE), not a tcap (EBADF); any tcap may give
 *         CAIRN_TCAP_INF (no limit of its own)
 *   tc.3  THREAD_DISPATCH on a tcap: one with no budget, or below one with none, is
 *         ETIME; a slot that is not a tcap is EBADF; THREAD_TCAP binds without
 *         running (its errors too), and a dispatch naming no tcap is then ETIME;
 *         nothing runs
 *   tc.4  a thread spinning on a tcap of budget B runs B (within the timer's
 *         granularity), is preempted, the root's thread hears EXHAUSTED naming the
 *         tcap's holder and TIMEOUT naming the spinner; the tcap is then empty and
 *         another dispatch on it is ETIME, and so is one naming no tcap (the
 *         thread keeps the one it ran on); a new grant runs it B again
 *   tc.5  a budget limits its subtree: a spinner on a grandchild stops when the child
 *         above it empties first (EXHAUSTED names the child's holder); the child's
 *         budget is charged with the grandchild's time
 *   tc.6  revocation (TCAP_DELEGATE of 0) stops the subtree at once (ETIME) and the
 *         giver keeps what the child did not spend
 *   tc.7  an interrupt (the timer line, bound to a thread on tcap I) while a spinner
 *         runs on tcap S: with I less urgent than S the interrupt's thread waits until
 *         S is exhausted (its scheduler hears WAKE); with I more urgent it preempts at
 *         once; the latency is printed
 *   tc.9  a thread on a budget that waits at once leaves the core's timer set for
 *         the budget's end; when that comes, nothing is activated (no deadline was
 *         asked: the timer's thread must not run)
 *   tc.8  a holder whose tcap has children cannot go (EBUSY); bottom up everything
 *         goes; KCHECK finds nothing wrong during and after
 */
#include <cairn/build.h>
#include <cairn/cairn.h>
#include <cairn/root.h>
#include <stdbool.h>

#define MEM  CAIRN_SLOT_MEMORY
#define CT   CAIRN_SLOT_CAPTBL
#define ME   CAIRN_SLOT_THREAD
#define COMP CAIRN_SLOT_COMP
#define ROOT CAIRN_SLOT_TCAP
#define IRQ  CAIRN_SLOT_IRQ

#define INT64_MAX_ 0x7fffffffffffffffL

static const struct cairn_root *R;
static struct cairn_alloc A = { .mem = MEM, .ct = CT, .cursor = 32UL << 20, .end = 0,
				.next_slot = CAIRN_SLOT_FREE, .last_slot = 128 };
static unsigned my_rcv;

static unsigned slot(void)
{
	return cairn_reserve_slots(&A) ? 0 : cairn_slot(&A);
}

/* Threads made here: their ids and receive endpoints (a thread finds its own). */
#define THREADS 48
static struct { long tid; unsigned rcv; } made[THREADS];
static unsigned nmade;

/*
 * A thread of this component starting at fn, scheduled by this thread: its slot (0:
 * failed), its endpoint in *rcv.
 */
static unsigned thread(void (*fn)(cairn_word), long *tid, unsigned *rcv)
{
	unsigned t = slot(), r = slot();
	long id = cairn_captbl_act_thread(CT, t, MEM, cairn_frame(&A, CAIRN_FRAME_KERNEL), COMP, (cairn_word)fn);

	if (id < 0 || cairn_captbl_act_rcv(CT, r, t, my_rcv) || nmade == THREADS)
		return 0;
	made[nmade].tid = id;
	made[nmade++].rcv = r;
	if (tid)
		*tid = id;
	if (rcv)
		*rcv = r;
	return t;
}

static unsigned own_rcv(cairn_word tid)
{
	for (unsigned i = 0; i < nmade; i++)
		if (made[i].tid == (long)tid)
			return made[i].rcv;
	return 0;
}

/* A holder: it only waits (a parent tcap's holder is woken when a child empties). */
static void waiter(cairn_word tid)
{
	unsigned r = own_rcv(tid);

	for (;;) {
		while (cairn_rcv_event(r).r1 != CAIRN_EVENT_NONE)
			;
		cairn_rcv_wait(r);
	}
}

/* A tcap under parent, in a fresh holder thread that waits. */
struct tc {
	unsigned cap, holder, rcv;
	long tid;
};

static void drain_all(void);

static long tcap(struct tc *t, unsigned parent)
{
	t->holder = thread(waiter, &t->tid, &t->rcv);
	t->cap = slot();
	if (!t->holder || cairn_thread_dispatch(t->holder, 0, 0))	/* it runs and waits */
		return -1;
	drain_all();
	return cairn_captbl_act_tcap(CT, t->cap, t->holder, parent);
}

static long budget(unsigned tc)
{
	return cairn_tcap_budget(tc).r0;
}

static volatile uint64_t spins;

static void spinner(cairn_word tid)
{
	(void)tid;
	for (;;)
		spins++;
}

/* Events queued for this scheduler: which kinds named whom (up to 8). */
struct seen {
	unsigned n;
	struct cairn_ret2 e[8];
};

static void drain(struct seen *s)
{
	s->n = 0;
	for (;;) {
		struct cairn_ret2 e = cairn_rcv_event(my_rcv);
		if (e.r1 == CAIRN_EVENT_NONE)
			return;
		if (s->n < 8)
			s->e[s->n++] = e;
	}
}

static void drain_all(void)
{
	struct seen s;

	drain(&s);
}

static bool heard(const struct seen *s, long tid, cairn_word kind)
{
	for (unsigned i = 0; i < s->n; i++)
		if ((long)s->e[i].r0 == tid && s->e[i].r1 == kind)
			return true;
	return false;
}

static void test_act(struct tc *a)
{
	unsigned spare = thread(waiter, 0, 0), s1 = slot(), s2 = slot(), s3 = slot(), s4 = slot();
	long e1 = cairn_captbl_act_tcap(CT, s1, MEM, ROOT);		/* not a thread */
	long e2 = cairn_captbl_act_tcap(CT, s1, spare, ME);		/* not a tcap */
	long e3 = cairn_captbl_act_tcap(CT, s1, ME, ROOT);		/* the root's holder */
	long ok = tcap(a, ROOT);
	long e4 = cairn_captbl_act_tcap(CT, s2, a->holder, ROOT);	/* has one */
	long e5 = cairn_captbl_act_tcap(CT, a->cap, spare, ROOT);	/* slot taken */
	struct cairn_ret2 b = cairn_tcap_budget(a->cap);
	struct tc chain[CAIRN_TCAP_DEPTH];
	unsigned parent = ROOT, made = 0;
	long deep = 0;

	for (; made < CAIRN_TCAP_DEPTH && deep == 0; made++) {
		deep = tcap(&chain[made], parent);
		parent = chain[made].cap;
	}
	long e6 = cairn_captbl_act_tcap(CT, s3, spare, parent);		/* one too deep */
	long e7 = cairn_tcap_budget(s4).r0;				/* empty slot */
	cairn_check("tc.1", "activate_and_errors", e1 == CAIRN_EBADF && e2 == CAIRN_EBADF &&
		    e3 == CAIRN_EBUSY && ok == 0 && e4 == CAIRN_EBUSY && e5 == CAIRN_EBUSY &&
		    b.r0 == 0 && b.r1 == 0 && deep == 0 && made == CAIRN_TCAP_DEPTH &&
		    e6 == CAIRN_EDEPTH && e7 == CAIRN_ENOENT && cairn_kcheck() == 0,
		    "errors %ld %ld %ld, made %ld, errors %ld %ld, budget %ld prio %ld, %u deep (%ld), "
		    "then %ld, empty %ld", e1, e2, e3, ok, e4, e5, b.r0, b.r1, made, deep, e6, e7);
}

static void test_delegate(struct tc *a, struct tc *g)
{
	struct cairn_ret2 root = cairn_tcap_budget(ROOT);
	long mk = tcap(g, a->cap);
	long d0 = cairn_tcap_delegate(ROOT, a->cap, 1000000, 5);
	struct cairn_ret2 b0 = cairn_tcap_budget(a->cap);
	long e1 = cairn_tcap_delegate(ROOT, g->cap, 10, 5);		/* a grandchild */
	long e2 = cairn_tcap_delegate(a->cap, a->cap, 10, 5);		/* itself */
	long e3 = cairn_tcap_delegate(a->cap, g->cap, 10, 4);		/* more urgent */
	long e4 = cairn_tcap_delegate(a->cap, g->cap, 1000001, 5);	/* more than it has */
	long e5 = cairn_tcap_delegate(a->cap, ME, 10, 5);		/* not a tcap */
	long e6 = cairn_tcap_delegate(ME, g->cap, 10, 5);		/* not a tcap (EBADF first) */
	struct cairn_ret2 b1 = cairn_tcap_budget(a->cap), g1 = cairn_tcap_budget(g->cap);
	long i1 = cairn_tcap_delegate(a->cap, g->cap, CAIRN_TCAP_INF, 9);	/* no limit of its own */
	long gi = budget(g->cap);
	long d1 = cairn_tcap_delegate(a->cap, g->cap, 400000, 9);
	struct cairn_ret2 g2 = cairn_tcap_budget(g->cap);
	cairn_check("tc.2", "delegate_and_errors", root.r0 == INT64_MAX_ && root.r1 == 0 && mk == 0 &&
		    d0 == 0 && b0.r0 == 1000000 && b0.r1 == 5 && e1 == CAIRN_EINVAL && e2 == CAIRN_EINVAL &&
		    e3 == CAIRN_EACCES && e4 == CAIRN_ERANGE && e5 == CAIRN_EBADF && e6 == CAIRN_EBADF &&
		    b1.r0 == 1000000 && b1.r1 == 5 && g1.r0 == 0 && g1.r1 == 0 && i1 == 0 && gi == INT64_MAX_ && d1 == 0 &&
		    g2.r0 == 400000 && g2.r1 == 9,
		    "root %ld/%ld, made %ld, delegate %ld -> %ld/%ld, errors %ld %ld %ld %ld %ld %ld, "
		    "then %ld/%ld and %ld/%ld, unlimited %ld -> %ld, delegate %ld -> %ld/%ld", root.r0, root.r1,
		    mk, d0, b0.r0, b0.r1, e1, e2, e3, e4, e5, e6, b1.r0, b1.r1, g1.r0, g1.r1, i1, gi, d1,
		    g2.r0, g2.r1);
}

static void test_dispatch_errors(unsigned spin, const struct tc *a, const struct tc *g)
{
	struct tc z;
	long mk = tcap(&z, ROOT);					/* budget 0 */
	uint64_t before = spins;
	long e1 = cairn_thread_dispatch(spin, 0, z.cap);
	long e2 = cairn_tcap_delegate(ROOT, a->cap, 0, 5);		/* a empty: g below it */
	long e3 = cairn_thread_dispatch(spin, 0, g->cap);
	long e4 = cairn_thread_dispatch(spin, 0, MEM);
	long e5 = cairn_thread_dispatch(spin, 0, slot());
	long e6 = cairn_thread_tcap(spin, MEM);
	long e7 = cairn_thread_tcap(spin, slot());
	long b1 = cairn_thread_tcap(spin, z.cap);			/* bound: not run */
	long e8 = cairn_thread_dispatch(spin, 0, 0);
	cairn_check("tc.3", "dispatch_without_time", mk == 0 && e1 == CAIRN_ETIME && e2 == 0 &&
		    e3 == CAIRN_ETIME && e4 == CAIRN_EBADF && e5 == CAIRN_ENOENT && e6 == CAIRN_EBADF &&
		    e7 == CAIRN_ENOENT && b1 == 0 && e8 == CAIRN_ETIME && spins == before,
		    "made %ld, dispatch %ld, revoke %ld, below it %ld, not a tcap %ld, empty %ld, "
		    "bind %ld %ld %ld, then %ld, spun %lu", mk, e1, e2, e3, e4, e5, e6, e7, b1, e8,
		    spins - before);
}

/* Runs spin on tc until its budget ends; the cycles that took and the events seen. */
static uint64_t run_out(unsigned spin, unsigned tc, long *r, struct seen *s)
{
	uint64_t t0 = cairn_cycles();

	*r = cairn_thread_dispatch(spin, 0, tc);
	uint64_t took = cairn_cycles() - t0;
	drain(s);
	return took;
}

static bool near(uint64_t got, uint64_t want)
{
	return got >= want && got - want <= want / 50 + 20000;	/* 2% and the timer's ticks */
}

static void test_exhaust(unsigned spin, long spin_tid)
{
	struct tc x;
	uint64_t B = R->tsc_hz / 1000;	/* 1 ms */
	long mk = tcap(&x, ROOT), d = cairn_tcap_delegate(ROOT, x.cap, B, 3), r1, r2;
	struct seen s1, s2;
	uint64_t spun = spins;
	uint64_t took1 = run_out(spin, x.cap, &r1, &s1);
	spun = spins - spun;
	long left = budget(x.cap);
	long again = cairn_thread_dispatch(spin, 0, x.cap);
	long keep = cairn_thread_dispatch(spin, 0, 0);			/* its tcap still: x */
	long d2 = cairn_tcap_delegate(ROOT, x.cap, B, 3);
	uint64_t took2 = run_out(spin, x.cap, &r2, &s2);
	cairn_check("tc.4", "budget_runs_out", mk == 0 && d == 0 && r1 == 0 && spun > 0 && near(took1, B) &&
		    heard(&s1, x.tid, CAIRN_EVENT_EXHAUSTED) && heard(&s1, spin_tid, CAIRN_EVENT_TIMEOUT) &&
		    left == 0 && again == CAIRN_ETIME && keep == CAIRN_ETIME && d2 == 0 && r2 == 0 && near(took2, B) &&
		    heard(&s2, x.tid, CAIRN_EVENT_EXHAUSTED),
		    "made %ld/%ld, ran %lu cycles of %lu (then %lu), %u events, left %ld, again %ld, keep %ld",
		    mk, d, took1, B, took2, s1.n, left, again, keep);
	cairn_printf("tcaps: a 1 ms budget (%lu cycles) ran %lu and %lu cycles\n", B, took1, took2);
}

static void test_subtree(unsigned spin)
{
	struct tc c, g;
	uint64_t B = R->tsc_hz / 1000;
	long m1 = tcap(&c, ROOT), m2 = tcap(&g, c.cap), r;
	long d1 = cairn_tcap_delegate(ROOT, c.cap, 2 * B, 4);
	long d2 = cairn_tcap_delegate(c.cap, g.cap, 2 * B, 6);
	long d3 = cairn_tcap_delegate(ROOT, c.cap, B, 4);		/* now the child is the limit */
	struct seen s;
	uint64_t took = run_out(spin, g.cap, &r, &s);
	long lc = budget(c.cap), lg = budget(g.cap);
	cairn_check("tc.5", "budget_limits_subtree", m1 == 0 && m2 == 0 && d1 == 0 && d2 == 0 && d3 == 0 &&
		    r == 0 && near(took, B) && heard(&s, c.tid, CAIRN_EVENT_EXHAUSTED) &&
		    !heard(&s, g.tid, CAIRN_EVENT_EXHAUSTED) && lc == 0 && lg > 0 && (uint64_t)lg <= B + B / 50,
		    "made %ld %ld, delegated %ld %ld %ld, ran %lu of %lu, child left %ld, grandchild %ld",
		    m1, m2, d1, d2, d3, took, B, lc, lg);

	/* tc.6: revocation. The child gets 3B; the grandchild B, spends it; revoked. */
	long d4 = cairn_tcap_delegate(ROOT, c.cap, 3 * B, 4);
	long d5 = cairn_tcap_delegate(c.cap, g.cap, B, 6);
	uint64_t took2 = run_out(spin, g.cap, &r, &s);
	long left_c = budget(c.cap);
	long d6 = cairn_tcap_delegate(c.cap, g.cap, B, 6);
	long rv = cairn_tcap_delegate(c.cap, g.cap, 0, 6);
	long stopped = cairn_thread_dispatch(spin, 0, g.cap);
	long kept = budget(c.cap);
	cairn_check("tc.6", "revoke_returns_time", d4 == 0 && d5 == 0 && r == 0 && near(took2, B) &&
		    near(3 * B - (uint64_t)left_c, B) && d6 == 0 && rv == 0 && stopped == CAIRN_ETIME &&
		    kept == left_c && budget(g.cap) == 0,
		    "delegated %ld %ld, ran %lu, child left %ld of %lu, again %ld, revoke %ld, dispatch %ld, kept %ld",
		    d4, d5, took2, left_c, 3 * B, d6, rv, stopped, kept);
}

/* The timer's thread: records when it ran, then waits. */
static volatile uint64_t irq_ran, irq_runs;
static unsigned irq_rcv;

static void on_irq(cairn_word tid)
{
	(void)tid;
	for (;;) {
		if (!irq_ran)
			irq_ran = cairn_cycles();
		irq_runs++;
		while (cairn_rcv_event(irq_rcv).r1 != CAIRN_EVENT_NONE)
			;	/* the timer's TIMEOUT events */
		cairn_rcv_wait(irq_rcv);
	}
}

/* The spinner runs on s; the timer fires at 1 ms for a thread on i; when did it run? */
static uint64_t race(unsigned spin, unsigned irqt, long irq_tid, unsigned s, unsigned i, bool *woke)
{
	uint64_t B = R->tsc_hz / 1000, t0;
	struct seen ev;
	long r;

	cairn_tcap_delegate(ROOT, s, 3 * B, 5);
	cairn_thread_tcap(irqt, i);		/* it waits on its endpoint: bound, not run */
	drain(&ev);
	irq_ran = 0;
	t0 = cairn_cycles();
	r = cairn_thread_dispatch(spin, t0 + B, s);
	drain(&ev);
	*woke = r == 0 && heard(&ev, irq_tid, CAIRN_EVENT_WAKE);
	if (!irq_ran && *woke)
		cairn_thread_dispatch(irqt, 0, 0);	/* its scheduler runs it */
	return irq_ran ? irq_ran - (t0 + B) : ~0ull;
}

static void test_interrupts(unsigned spin)
{
	struct tc s, lo, hi;
	uint64_t B = R->tsc_hz / 1000;
	long irq_tid;
	unsigned irqt = thread(on_irq, &irq_tid, &irq_rcv), snd = slot();
	long m = tcap(&s, ROOT) | tcap(&lo, ROOT) | tcap(&hi, ROOT);
	long a = cairn_captbl_act_asnd(CT, snd, irq_rcv);
	a |= cairn_thread_dispatch(irqt, 0, 0);	/* it runs (on the root, its creator's) and waits */
	a |= cairn_tcap_delegate(ROOT, lo.cap, 3 * B, 7) | cairn_tcap_delegate(ROOT, hi.cap, 3 * B, 3);
	long bound = cairn_irq_bind(IRQ, CAIRN_IRQ_TIMER, snd, 0);
	bool woke_lo, woke_hi;
	uint64_t late_lo = race(spin, irqt, irq_tid, s.cap, lo.cap, &woke_lo);
	uint64_t late_hi = race(spin, irqt, irq_tid, s.cap, hi.cap, &woke_hi);
	/* tc.9: a budget's timer the core no longer needs is not a deadline (hostile's finding). */
	struct tc x;
	long mx = tcap(&x, ROOT) | cairn_tcap_delegate(ROOT, x.cap, 2 * B, 5);
	unsigned w = thread(waiter, 0, 0);
	long dw = cairn_thread_dispatch(w, 0, x.cap);	/* it waits at once: back on the root */
	struct seen ev;
	drain(&ev);
	uint64_t runs = irq_runs, until = cairn_cycles() + 5 * B;
	while (cairn_cycles() < until)
		;
	drain(&ev);	/* the timer's thread, less urgent than this one, would be woken, not run */
	bool woken = heard(&ev, irq_tid, CAIRN_EVENT_WAKE) || irq_runs != runs;
	cairn_check("tc.9", "stale_budget_timer_is_no_deadline", mx == 0 && w && dw == 0 && !woken,
		    "made %ld, dispatched %ld, the timer's thread woken in 5 ms: %d (want 0)", mx, dw, woken);
	long unbound = cairn_irq_unbind(IRQ, CAIRN_IRQ_TIMER);
	cairn_check("tc.7", "interrupts_compared_by_tcap", m == 0 && a == 0 && bound == 0 && unbound == 0 &&
		    woke_lo && late_lo >= 2 * B - B / 50 && late_lo != ~0ull && late_hi < B / 20,
		    "made %ld/%ld, bound %ld, less urgent: woke %d, ran %lu cycles late; more urgent: %lu late",
		    m, a, bound, woke_lo, late_lo, late_hi);
	cairn_printf("tcaps: interrupt latency, more urgent tcap: %lu cycles; less urgent: %lu (waited for the budget)\n",
		     late_hi, late_lo);
	(void)woke_hi;
}

static void test_teardown(const struct tc *a, const struct tc *g)
{
	unsigned ct = CT;
	long busy = cairn_captbl_deact(ct, a->holder);
	long c1 = cairn_captbl_remove(ct, a->cap) | cairn_captbl_remove(ct, a->rcv);
	long c2 = cairn_captbl_remove(ct, g->cap) | cairn_captbl_remove(ct, g->rcv);
	long g1 = cairn_captbl_deact(ct, g->holder);
	long a1 = cairn_captbl_deact(ct, a->holder);
	cairn_check("tc.8", "teardown_bottom_up", busy == CAIRN_EBUSY && c1 == 0 && c2 == 0 && g1 == 0 &&
		    a1 == 0 && cairn_kcheck() == 0,
		    "holder with a child %ld, remove %ld %ld, deact %ld %ld, kcheck %ld",
		    busy, c1, c2, g1, a1, cairn_kcheck());
}

int main(const void *root)
{
	struct tc a, g;
	long spin_tid;

	R = root;
	A.end = R->mem_end;
	my_rcv = slot();
	if (cairn_captbl_act_rcv(CT, my_rcv, ME, 0))
		return 1;
	unsigned spin = thread(spinner, &spin_tid, 0);
	test_act(&a);
	test_delegate(&a, &g);
	test_dispatch_errors(spin, &a, &g);
	test_exhaust(spin, spin_tid);
	test_subtree(spin);
	test_interrupts(spin);
	test_teardown(&a, &g);
	return 0;
}
