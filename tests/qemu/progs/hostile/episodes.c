/*
 * episodes.c: the gates this program makes (echo, deep), the helper thread, and the
 * controlled episodes run in the middle of the hostile traffic: dispatch, block, wake,
 * send-yield, a faulting helper stopped by a keeper gate (then THREAD_REG on the stopped
 * helper), a helper's call into our component ended on its behalf (THREAD_RETURN), and
 * 16-deep and confined gates.
 */
#include "hostile.h"

/* ---- gates, the helper thread, and the threads that must never run ---- */

/* Entries into echo() from main, into deep(), and into echo() from a faulting helper. */
volatile uint64_t echo_calls, deep_calls, keeper_calls;

volatile uint64_t stray_runs;

/* The argument of threads made but never dispatched: running it is a kernel bug. */
void stray(cairn_word tid)
{
	(void)tid;
	stray_runs++;
}

volatile cairn_word main_tid;

/* Every gate the random traffic makes enters here: it returns its first two arguments. */
static struct cairn_ret2 echo(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
			      cairn_word tid)
{
	(void)c, (void)d, (void)badge;
	if (!main_tid)
		main_tid = tid;		/* the first call comes from main, in setup */
	if (tid != main_tid) {		/* only a helper's fault brings another thread here */
		keeper_calls++;
		return (struct cairn_ret2){ CAIRN_FAULT_STOP, 0 };
	}
	echo_calls++;
	return (struct cairn_ret2){ (long)a, b };
}
CAIRN_GATE(echo_entry, echo)

static volatile unsigned deep_slot;

/* Calls itself through deep_slot until the kernel refuses: returns the deepest level. */
static struct cairn_ret2 deep(cairn_word level, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
			      cairn_word tid)
{
	(void)b, (void)c, (void)d, (void)badge;
	deep_calls++;
	struct cairn_ret2 r = cairn_sinv_call(deep_slot, level + 1, 0, 0, 0);
	if (r.r0 == CAIRN_EDEPTH)
		return (struct cairn_ret2){ (long)level, tid };
	return r;
}
CAIRN_GATE(deep_entry, deep)

static volatile long h_stage, h_waited;
static volatile unsigned h_rcv;
static volatile int h_fault;

/* The helper of a dispatch episode: block, come back, go on, end (or fault). */
static void helper(cairn_word tid)
{
	(void)tid;
	h_stage = 1;
	h_waited = cairn_rcv_wait(h_rcv);	/* nothing pending: blocks */
	h_stage = 2;
	cairn_thread_dispatch(ME, 0, 0);
	h_waited += cairn_rcv_wait(h_rcv);	/* a send is pending: returns at once */
	h_stage = 3;
	if (h_fault)
		*(volatile long *)FAULT_VA = 1;	/* the keeper stops us here */
}

/* ---- controlled episodes ---- */

unsigned episodes;
static unsigned faulters;
uint64_t episode_fail_at = ~0UL;
const char *episode_what;
static int episodes_off;

static void episode_fail(const char *what, long a, long b)
{
	if (episode_fail_at == ~0UL) {
		episode_fail_at = ncalls;
		episode_what = what;
	}
	cairn_printf("\nhostile: episode %u FAIL near call #%lu: %s (%ld, %ld)\n", episodes, ncalls, what, a, b);
	episodes_off = 1;	/* a helper may be left somewhere: no more episodes */
}

/* An empty kernel frame: one the episodes keep for themselves, or any. */
uint64_t free_kframe(int reserved)
{
	for (unsigned o = O_FIRST; o < nobj; o++)
		if (ob[o].type == CAIRN_FRAME_KERNEL && ob[o].kind == K_NONE && ob[o].reserved == reserved)
			return ob[o].pa;
	return 0;
}

/* The episodes' own slots, which must be empty. */
static int episode_slots(unsigned *s, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		s[i] = EP_SLOT + i;
		if (mcap(s[i]))
			return 0;
	}
	return 1;
}

static unsigned my_rcv(void)
{
	for (unsigned idx = 1; idx < 2 * LEAF_SLOTS; idx++) {
		struct mcap *m = mcap(idx);
		if (m && m->type == CAIRN_CAP_RCV && m->obj == O_T0)
			return idx;
	}
	return 0;
}

static void drain_events(unsigned rcv)
{
	for (int i = 0; rcv && i < 80; i++)
		if (call('e', rcv, CAIRN_OP_RCV_EVENT, 0, 0, 0, 0, 0, 0) <= 0)
			return;
}

static int expect_event(unsigned rcv, long tid, unsigned kind)
{
	struct call c = { .src = 'e', .cap = rcv, .op = CAIRN_OP_RCV_EVENT };

	if (!rcv)
		return 1;
	run(&c);
	return c.ret == tid && c.rdx == kind;
}

/* A gate into a component using our own tables; slots s[0] (comp), s[1] (gate). */
long make_gate(char src, const unsigned *s, uint64_t entry, unsigned flags, int reserved)
{
	uint64_t f = free_kframe(reserved);
	long r = f ? call(src, CT, CAIRN_OP_CAPTBL_ACT_COMP, s[0], MEM, f, CT, PT, (uint64_t)_start) : -100;

	return r ? r : call(src, CT, CAIRN_OP_CAPTBL_ACT_SINV, s[1], s[0], entry, 0x600d, flags, 0);
}

/* The helper (s[0]), its endpoint (s[1]) and a send to it (s[2]); the thread id. */
static long helper_make(const unsigned *s, unsigned rcv, int fault)
{
	uint64_t f = free_kframe(1);

	if (!f)
		return 0;
	h_stage = h_waited = 0;
	h_fault = fault;
	h_rcv = s[1];
	long tid = call('e', CT, CAIRN_OP_CAPTBL_ACT_THREAD, s[0], MEM, f, COMP0, (uint64_t)helper, 0);
	long r1 = call('e', CT, CAIRN_OP_CAPTBL_ACT_RCV, s[1], s[0], rcv, 0, 0, 0);
	long r2 = call('e', CT, CAIRN_OP_CAPTBL_ACT_ASND, s[2], s[1], 0, 0, 0, 0);
	return r1 || r2 ? 0 : tid;
}

/* Runs the helper through its life; returns what went wrong, or NULL. */
static const char *helper_drive(const unsigned *s, unsigned rcv, long tid)
{
	long d1 = call('e', s[0], CAIRN_OP_THREAD_DISPATCH, 0, 0, 0, 0, 0, 0);	/* it blocks */
	if (d1 || h_stage != 1 || !expect_event(rcv, tid, CAIRN_EVENT_BLOCK))
		return "dispatch to a thread that blocks";
	long d2 = call('e', s[0], CAIRN_OP_THREAD_DISPATCH, 0, 0, 0, 0, 0, 0);
	long w1 = call('e', s[2], CAIRN_OP_ASND_SEND, 0, 0, 0, 0, 0, 0);
	if (d2 != CAIRN_EAGAIN || w1 || !expect_event(rcv, tid, CAIRN_EVENT_WAKE))
		return "dispatch to a blocked thread, then a send that wakes it";
	long w2 = call('e', s[2], CAIRN_OP_ASND_SEND, CAIRN_SEND_YIELD, 0, 0, 0, 0, 0);	/* runs it */
	if (w2 || h_stage != 2 || h_waited != 1)
		return "a send with yield";
	/* the rest through a local capability (s[5]): a deadline is refused, a plain dispatch runs it */
	long m = call('e', s[0], CAIRN_OP_THREAD_LOCAL, CT, s[5], 0, 0, 0, 0);
	long e = m ? m : call('e', s[5], CAIRN_OP_THREAD_DISPATCH, 1, 0, 0, 0, 0, 0);
	if (m || e != CAIRN_EACCES || h_stage != 2)
		return "a local capability to the helper";
	long d3 = call('e', s[5], CAIRN_OP_THREAD_DISPATCH, 0, 0, 0, 0, 0, 0);	/* it ends */
	long d4 = call('e', s[5], CAIRN_OP_THREAD_DISPATCH, 0, 0, 0, 0, 0, 0);
	long rm = call('e', CT, CAIRN_OP_CAPTBL_REMOVE, s[5], 0, 0, 0, 0, 0);
	if (d3 || d4 != CAIRN_EINVAL || rm || h_stage != 3 || h_waited != 2 || !expect_event(rcv, tid, CAIRN_EVENT_STOP))
		return "the helper's end";
	return NULL;
}

/*
 * THREAD_REG on the stopped helper: how it ended (it returned, DEBUG_STOP 0, or its
 * keeper stopped it: the keeper's RETURN, rdi = CAIRN_FAULT_STOP), then writes FAULT_REG's
 * checks refuse, mask or allow, a1 bits other than WRITE and LIVE (EINVAL, before the
 * index's ERANGE), FPU words, and LIVE on it, stopped at home (run.c's thread_reg_ok
 * checks each result too).
 */
static const char *helper_regs(unsigned thr, int fault)
{
	static const struct { uint64_t idx, write, value; long want; } tries[] = {
		{ CAIRN_REG_RIP, 1, USER_TOP_VA, CAIRN_EFAULT },
		{ CAIRN_REG_RSP, 1, KERNEL_VA, CAIRN_EFAULT },
		{ CAIRN_REG_CS, 1, 0x08, CAIRN_EACCES },
		{ CAIRN_REG_SS, 1, 0, CAIRN_EACCES },
		{ CAIRN_REG_VECTOR, 1, 3, CAIRN_EACCES },
		{ CAIRN_REG_ERROR, 1, 0, CAIRN_EACCES },
		{ CAIRN_REG_END, 0, 0, CAIRN_ERANGE },
		{ 1UL << 40, 1, 0, CAIRN_ERANGE },
		{ CAIRN_REG_RAX, 4, 0, CAIRN_EINVAL },
		{ CAIRN_REG_END, 1UL << 63, 0, CAIRN_EINVAL },	/* a1 before the index */
		{ CAIRN_REG_RSP, CAIRN_REG_WRITE | CAIRN_REG_LIVE, KERNEL_VA, CAIRN_EFAULT },
		{ CAIRN_REG_MXCSR, 1, ~0UL, 0 },		/* masked: thread_reg_ok */
		{ CAIRN_REG_FPU + 20, 1, 0x5a5a, 0 },		/* xmm0's low half */
		{ CAIRN_REG_RDI, CAIRN_REG_LIVE, 0, 0 },	/* at home, running nowhere */
		{ CAIRN_REG_RFLAGS, 1, ~0UL, 0 },
		{ CAIRN_REG_RIP, 1, (uint64_t)_start, 0 },
		{ CAIRN_REG_RAX, 1, ~0UL, 0 },
	};
	struct call v = { .src = 'e', .cap = thr, .op = CAIRN_OP_THREAD_REG, .a = { CAIRN_REG_VECTOR } };
	struct call s = { .src = 'e', .cap = thr, .op = CAIRN_OP_THREAD_REG, .a = { CAIRN_REG_RDI } };

	if (run(&v) || run(&s) || v.rdx < 32 || s.rdx != (fault ? CAIRN_FAULT_STOP : 0))
		return "THREAD_REG: how the helper stopped";
	for (unsigned i = 0; i < sizeof(tries) / sizeof(tries[0]); i++)
		if (call('e', thr, CAIRN_OP_THREAD_REG, tries[i].idx, tries[i].write, tries[i].value, 0, 0, 0) !=
		    tries[i].want)
			return "THREAD_REG: a write's checks";
	return NULL;
}

/*
 * A helper thread in our component: dispatch (it blocks), dispatch again (EAGAIN), wake
 * it, send with yield (it runs and dispatches back), dispatch through a local
 * capability (it ends, or faults and our keeper gate stops it), with the events our
 * endpoint gets; then destroy it all.
 */
static void episode_dispatch(int fault)
{
	unsigned s[6], rcv = my_rcv();
	const char *what;

	if (!episode_slots(s, 6))
		return episode_fail("the episodes' slots are taken", 0, 0);
	drain_events(rcv);
	if (fault && make_gate('e', s + 3, (uint64_t)echo_entry, 0, 1) != 0)
		return episode_fail("no gate for the keeper", 0, 0);
	if (fault && call('e', COMP0, CAIRN_OP_COMP_KEEPER, s[4], 0, 0, 0, 0, 0) != 0)
		return episode_fail("keeper not set", 0, 0);
	uint64_t k0 = keeper_calls;
	long tid = helper_make(s, rcv, fault);
	if (tid <= 0)
		return episode_fail("helper not made", tid, 0);
	if ((what = helper_drive(s, rcv, tid)))
		return episode_fail(what, h_stage, h_waited);
	if ((what = helper_regs(s[0], fault)))
		return episode_fail(what, fault, 0);
	if (fault && keeper_calls != k0 + 1)
		return episode_fail("the keeper was not called", (long)(keeper_calls - k0), 0);
	if (fault)
		call('e', COMP0, CAIRN_OP_COMP_KEEPER, 0, 0, 0, 0, 0, 0);
	for (int i = fault ? 4 : 2; i >= 0; i--)
		if (call('e', CT, CAIRN_OP_CAPTBL_DEACT, s[i], 0, 0, 0, 0, 0))
			return episode_fail("helper not deactivated", i, 0);
}

/*
 * The return episode's gate into our own component: the caller parks at once (it
 * dispatches to CAIRN_SLOT_THREAD, with no stack: nothing of the pool is taken) and is
 * meant to leave only by THREAD_RETURN; resumed here instead, it returns (-1, -1).
 */
#define CALL_DISPATCH_ME 0x0000050000000004
#define CALL_RETURN      0x0000000300000000
#define EP_STR_(x) #x
#define EP_STR(x) EP_STR_(x)
_Static_assert(CALL_DISPATCH_ME == CAIRN_CALL(ME, CAIRN_OP_THREAD_DISPATCH), "dispatch to our thread");
_Static_assert(CALL_RETURN == CAIRN_CALL(CAIRN_CAP_NULL, CAIRN_OP_RETURN), "return");
extern char park_entry[];
__asm__(".text\npark_entry:\n"
	"\tmovabs $" EP_STR(CALL_DISPATCH_ME) ", %rax\n\txor %edi, %edi\n\txor %esi, %esi\n"
	"\tsyscall\n"
	"\tmovabs $" EP_STR(CALL_RETURN) ", %rax\n\tmov $-1, %rdi\n\tmov $-1, %rsi\n"
	"\tsyscall\n");

#define RET0 0x7e70000000000001UL
#define RET1 0x7e70000000000002UL
unsigned return_runs;		/* return episodes that ran to the end */
static volatile unsigned r_gate;
static volatile long r_stage;
static struct cairn_ret2 r_res;

/* The return episode's helper, in a component of its own: calls into ours, parks, returns. */
static void returnee(cairn_word tid)
{
	(void)tid;
	r_stage = 1;
	r_res = cairn_sinv_call(r_gate, 1, 2, 3, 4);
	r_stage = 2;
}

/* The return episode's helper (s[2]) parks in ours, is returned, ends; what went wrong, or NULL. */
static const char *return_drive(const unsigned *s, unsigned rcv, long tid)
{
	long d1 = call('e', s[2], CAIRN_OP_THREAD_DISPATCH, 0, 0, 0, 0, 0, 0);	/* it parks in ours */
	if (d1 || r_stage != 1)
		return "a helper parked in our component";
	long ok = call('e', s[2], CAIRN_OP_THREAD_RETURN, RET0, RET1, 0, 0, 0, 0);
	long again = call('e', s[2], CAIRN_OP_THREAD_RETURN, RET0, RET1, 0, 0, 0, 0);
	if (ok || again != CAIRN_EINVAL || r_stage != 1)
		return "THREAD_RETURN on the parked helper, then once more";
	long d2 = call('e', s[2], CAIRN_OP_THREAD_DISPATCH, 0, 0, 0, 0, 0, 0);	/* it ends */
	if (d2 || r_stage != 2 || r_res.r0 != (long)RET0 || r_res.r1 != RET1 || !expect_event(rcv, tid, CAIRN_EVENT_STOP))
		return "the returned helper's results";
	return NULL;
}

/*
 * A helper whose home is another component (s[0], over our tables) calls a gate into
 * ours (s[1]) and parks there; THREAD_RETURN on it (s[2]) from our thread is 0, then
 * EINVAL (it is back in its own component); dispatched, its call returns exactly the
 * two results and it ends (STOP); then everything is destroyed.
 */
static void episode_return(void)
{
	unsigned s[4], rcv = my_rcv();
	uint64_t f = free_kframe(1);

	if (!episode_slots(s, 4))
		return episode_fail("the episodes' slots are taken", 0, 0);
	drain_events(rcv);
	long r = f ? call('e', CT, CAIRN_OP_CAPTBL_ACT_COMP, s[0], MEM, f, CT, PT, (uint64_t)_start) : -100;
	if (r == 0)
		r = call('e', CT, CAIRN_OP_CAPTBL_ACT_SINV, s[1], COMP0, (uint64_t)park_entry, 0x7e7, 0, 0);
	uint64_t f2 = r == 0 ? free_kframe(1) : 0;
	long tid = f2 ? call('e', CT, CAIRN_OP_CAPTBL_ACT_THREAD, s[2], MEM, f2, s[0], (uint64_t)returnee, 0) : -100;
	if (tid > 0)
		r = call('e', CT, CAIRN_OP_CAPTBL_ACT_RCV, s[3], s[2], rcv, 0, 0, 0);
	if (r || tid <= 0)
		return episode_fail("the return episode's component, gate, helper or endpoint", r, tid);
	r_gate = s[1];
	r_stage = 0;
	const char *what = return_drive(s, rcv, tid);
	for (int i = 3; i >= 0; i--)	/* the gate into ours goes, whatever happened */
		if ((r = call('e', CT, CAIRN_OP_CAPTBL_DEACT, s[i], 0, 0, 0, 0, 0)) && !what)
			what = "the return episode's objects not deactivated";
	if (what)
		return episode_fail(what, r_stage, r);
	return_runs++;
}

/*
 * The spinner of the tcap episode: it never gives the core back until told to stop
 * (its budget ends it), then returns (which frees its stack of the gate-stack pool).
 */
static volatile uint64_t spins;
static volatile int spin_stop;
unsigned spin_runs, spin_retries;	/* tcap episodes that ran to the end; dispatches again */

static void spinner(cairn_word tid)
{
	(void)tid;
	while (!spin_stop)
		spins++;
}

#define SPIN_BUDGET (1UL << 22)	/* cycles: a few milliseconds; four times more at each retry */

/*
 * A thread that spins until told to stop, on a tcap of SPIN_BUDGET under ours (the
 * root, or our own below the runner's, given CAIRN_TCAP_INF first: our thread never
 * runs on it), scheduled by us: dispatched on it, it spins until the budget ends; then
 * the kernel preempts it and we, the parent tcap's thread and its scheduler, hear
 * EXHAUSTED and TIMEOUT and run again. The tcap is then empty (TCAP_BUDGET 0, a
 * dispatch ETIME); given time again, the spinner is told to stop and dispatched on the
 * tcap it ran on last (a1 = 0): it ends (STOP), giving its stack back. Then the tcap
 * is revoked and everything destroyed. Nested (every other time): the spinner's tcap
 * is under a holder's (a thread that never runs) with the same budget, the spinner is
 * bound to it by THREAD_TCAP and dispatched with a1 = 0; both empty at once, and
 * EXHAUSTED names the holder, the emptied tcap nearest the root.
 */
static void episode_tcap(int nested)
{
	unsigned s[5], rcv = my_rcv(), own = root_tc == O_T0 ? CAIRN_SLOT_TCAP : OWN_TCAP;
	struct mcap *m = mcap_of(own, CAIRN_CAP_TCAP);
	uint64_t f = free_kframe(1);
	long htid = 0, r0 = 0;

	if (!episode_slots(s, 5))
		return episode_fail("the episodes' slots are taken", 0, 0);
	if (!m || m->obj != O_T0 || !f)
		return episode_fail("no tcap of ours, or no frame", own, (long)f);
	drain_events(rcv);
	uint32_t prio = ob[O_T0].tprio;
	long r3 = own == CAIRN_SLOT_TCAP ? 0 :
		  call('e', CAIRN_SLOT_TCAP, CAIRN_OP_TCAP_DELEGATE, own, CAIRN_TCAP_INF, prio, 0, 0, 0);
	long tid = call('e', CT, CAIRN_OP_CAPTBL_ACT_THREAD, s[0], MEM, f, COMP0, (uint64_t)spinner, 0);
	long r1 = rcv ? call('e', CT, CAIRN_OP_CAPTBL_ACT_RCV, s[1], s[0], rcv, 0, 0, 0) : 0;
	if (nested) {	/* the holder, in the episodes' other frame, and its tcap */
		uint64_t f2 = free_kframe(1);
		htid = f2 ? call('e', CT, CAIRN_OP_CAPTBL_ACT_THREAD, s[3], MEM, f2, COMP0, (uint64_t)stray, 0) : -100;
		r0 = htid > 0 ? call('e', CT, CAIRN_OP_CAPTBL_ACT_TCAP, s[4], s[3], own, 0, 0, 0) : -100;
	}
	unsigned parent = nested ? s[4] : own;
	long r2 = call('e', CT, CAIRN_OP_CAPTBL_ACT_TCAP, s[2], s[0], parent, 0, 0, 0);
	if (tid <= 0 || r0 || r1 || r2 || r3)
		return episode_fail("the spinner, its endpoint, its tcap or our tcap's time", tid, r0 | r1 | r2 | r3);
	uint64_t s0 = spins;
	long d1 = 0, r4 = 0;
	spin_stop = 0;
	if (nested && (r4 = call('e', s[0], CAIRN_OP_THREAD_TCAP, s[2], 0, 0, 0, 0, 0)))
		return episode_fail("a bind to the spinner's tcap", r4, 0);
	/*
	 * Under TCG the time stamp counter follows the host's clock: a loaded host, or the
	 * first translation of the spinner's code, may spend a budget before the loop
	 * counts once. Then (and after a kick from the other core, when the dispatch
	 * returns at once) the tcap is given a larger budget and dispatched again.
	 */
	for (int i = 0; i < 4 && spins == s0 && !d1 && !r4; i++) {
		uint64_t budget = SPIN_BUDGET << (2 * i);
		if (i) {
			drain_events(rcv);
			spin_retries++;
		}
		if (nested)
			r4 = call('e', own, CAIRN_OP_TCAP_DELEGATE, s[4], budget, prio, 0, 0, 0);
		r4 |= call('e', parent, CAIRN_OP_TCAP_DELEGATE, s[2], budget, prio, 0, 0, 0);
		d1 = r4 ? 0 : call('e', s[0], CAIRN_OP_THREAD_DISPATCH, 0, nested ? 0 : s[2], 0, 0, 0, 0);
	}
	if (r4 || d1 || spins == s0)
		return episode_fail("a dispatch on a small budget", r4 ? r4 : d1, (long)(spins - s0));
	if (!expect_event(rcv, nested ? htid : tid, CAIRN_EVENT_EXHAUSTED) ||
	    !expect_event(rcv, tid, CAIRN_EVENT_TIMEOUT))
		return episode_fail("EXHAUSTED naming the emptied tcap's thread, TIMEOUT the spinner", nested, tid);
	for (unsigned k = 2; k <= (nested ? 4u : 2u); k += 2) {
		struct call b = { .src = 'e', .cap = s[k], .op = CAIRN_OP_TCAP_BUDGET };
		if (run(&b) != 0 || b.rdx != prio)
			return episode_fail("an emptied tcap's budget and priority", b.ret, (long)b.rdx);
		ob[mcap(s[k])->obj].tbud = 0;	/* seen empty: it stays so until a delegation */
	}
	long d2 = call('e', s[0], CAIRN_OP_THREAD_DISPATCH, 0, 0, 0, 0, 0, 0);
	if (d2 != CAIRN_ETIME)
		return episode_fail("a dispatch on the emptied tcap", d2, 0);
	spin_stop = 1;
	long r5 = nested ? call('e', own, CAIRN_OP_TCAP_DELEGATE, s[4], SPIN_BUDGET << 8, prio, 0, 0, 0) : 0;
	r5 |= call('e', parent, CAIRN_OP_TCAP_DELEGATE, s[2], SPIN_BUDGET << 8, prio, 0, 0, 0);
	long d3 = r5 ? r5 : call('e', s[0], CAIRN_OP_THREAD_DISPATCH, 0, 0, 0, 0, 0, 0);	/* it ends */
	long d4 = call('e', s[0], CAIRN_OP_THREAD_DISPATCH, 0, 0, 0, 0, 0, 0);
	if (d3 || d4 != CAIRN_EINVAL || !expect_event(rcv, tid, CAIRN_EVENT_STOP))
		return episode_fail("the spinner's end, given time again", d3, d4);
	long r6 = call('e', parent, CAIRN_OP_TCAP_DELEGATE, s[2], 0, prio, 0, 0, 0);
	if (r6)
		return episode_fail("a revocation", r6, 0);
	spin_runs++;
	static const unsigned order[5] = { 2, 1, 0, 4, 3 };	/* the child before its parent's holder */
	for (unsigned k = 0; k < (nested ? 5u : 3u); k++)
		if ((order[k] != 1 || rcv) && call('e', CT, CAIRN_OP_CAPTBL_DEACT, s[order[k]], 0, 0, 0, 0, 0))
			return episode_fail("spinner not deactivated", order[k], 0);
}

/* A gate that calls itself to the depth limit, and a confined gate. */
static void episode_gates(void)
{
	unsigned s[3];

	if (!episode_slots(s, 3))
		return episode_fail("the episodes' slots are taken", 0, 0);
	if (make_gate('e', s, (uint64_t)deep_entry, 0, 1))
		return episode_fail("no gate", 0, 0);
	deep_slot = s[1];
	long depth = call('e', s[1], CAIRN_OP_SINV_CALL, 0, 1, 0, 0, 0, 0);
	if (depth != CAIRN_INV_DEPTH)
		return episode_fail("a gate calling itself does not stop at the depth limit", depth, 0);
	long r = call('e', CT, CAIRN_OP_CAPTBL_ACT_SINV, s[2], s[0], (uint64_t)echo_entry, 7, CAIRN_SINV_CONFINED, 0);
	uint64_t e0 = echo_calls;
	long x = call('e', s[2], CAIRN_OP_SINV_CALL, 0, 0x1234, 0x5678, 0, 0, 0);
	if (r || x != 0x1234 || echo_calls != e0 + 1)
		return episode_fail("a confined gate", r, x);
	for (int i = 2; i >= 0; i--)
		if (call('e', CT, CAIRN_OP_CAPTBL_DEACT, s[i], 0, 0, 0, 0, 0))
			return episode_fail("gate not deactivated", i, 0);
}

void episode(void)
{
	if (episodes_off || stop_random)
		return;
	episodes++;
	switch (episodes % 3) {
	case 0:
		episode_gates();
		if (!episodes_off)
			episode_tcap(episodes % 2);
		break;
	case 1:
		episode_dispatch(0);
		if (!episodes_off)
			episode_return();
		break;
	default:
		episode_dispatch(faulters < MAX_FAULTERS);
		faulters++;
		break;
	}
}
