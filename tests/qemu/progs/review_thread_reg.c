/*
 * review_thread_reg: THREAD_REG on threads that stop on core 1 while core 0 reads and
 * writes them (hostile review of issue 20's THREAD_REG, kernel/sinv.c thread_reg).
 *
 * A thread that stops through a system call leaves its callee-saved registers live in
 * the CPU; entry.S stores them into the thread (switch_to) on the way to idle, after
 * the C code set it STOPPED. Core 0 must never see the stopped state with those not
 * yet stored: both happen under the big kernel lock, which these checks pin down.
 *
 *   rv.g1  W on core 1 returns from its function and stops (libcairn's _start keeps
 *          tid in r12 and fn in r13, rbp 0, then DEBUG_STOP 0), restarted and sent to
 *          from core 0 round after round: THREAD_REG from core 0 is EBUSY until it has
 *          stopped and then shows exactly those registers, every round
 *   rv.g2  W stops with chosen values in rbx, rbp, r12-r15 and status in rdi: core 0
 *          reads each of them
 *   rv.g3  W2 faults on core 1 with no keeper: core 0 reads the fault (vector 14, a user
 *          error code, rip in our image); every write that would make a return to user
 *          mode unsafe is refused or masked (rip/rsp at or above USER_TOP, the kernel
 *          half, cs, ss, vector, error, IOPL/NT/AC/VM/IF in rflags, indices 74 and 2^63;
 *          22..73 are the FPU words) and leaves the register as it was
 *   rv.g4  W2, its rip and rsp then set to garbage, is restarted: it runs afresh on core
 *          1 (THREAD_RESTART sets every register), and the kernel's invariants hold
 *   rv.g5  W3 faults on core 1 and its keeper (a gate into our component) returns
 *          CAIRN_FAULT_STOP: what THREAD_REG shows then is the keeper's RETURN (a
 *          system call's vector, rdi = CAIRN_FAULT_STOP), as docs/syscalls.md says
 *   rv.g6  W4 on core 1 calls a confined gate whose callee stops with a secret in rdi
 *          (and rbx): THREAD_REG from core 0 refuses (EACCES), as a confined return
 *          would clear them; through a gate that is not confined the same stop reads
 *          (what kpr.4 relies on); after THREAD_RESTART it reads again
 */
#include "review_common.h"

#define ROUNDS 40
#define MAGIC(n) (0x5a5a000000000000UL | (n))

static struct remote w, w2, w3, w4;
static volatile long runs, fresh_runs, keeper_calls;

static void returner(cairn_word tid)
{
	(void)tid;
	__atomic_add_fetch(&runs, 1, __ATOMIC_ACQ_REL);
}

/* Stops with MAGIC(1..6) in rbx, rbp, r12-r15 and MAGIC(7) as its status. */
static void marker(cairn_word tid)
{
	(void)tid;
	__asm__ volatile("movabs %0, %%rbx\n\tmovabs %1, %%rbp\n\tmovabs %2, %%r12\n\t"
			 "movabs %3, %%r13\n\tmovabs %4, %%r14\n\tmovabs %5, %%r15\n\tsyscall\n\tud2"
			 : : "i"(MAGIC(1)), "i"(MAGIC(2)), "i"(MAGIC(3)), "i"(MAGIC(4)), "i"(MAGIC(5)),
			   "i"(MAGIC(6)), "a"(CAIRN_CALL(CAIRN_CAP_NULL, CAIRN_OP_DEBUG_STOP)), "D"(MAGIC(7))
			 : "memory");
	__builtin_unreachable();
}

static void faulter(cairn_word tid)
{
	static volatile uint64_t nowhere = 8;	/* unmapped: a page fault */

	(void)tid;
	*(volatile long *)nowhere = 1;
}

static void fresh(cairn_word tid)
{
	(void)tid;
	__atomic_add_fetch(&fresh_runs, 1, __ATOMIC_ACQ_REL);
}

static struct cairn_ret2 keeper(cairn_word vector, cairn_word error, cairn_word addr, cairn_word rip,
				cairn_word badge, cairn_word tid)
{
	(void)vector, (void)error, (void)addr, (void)rip, (void)badge, (void)tid;
	__atomic_add_fetch(&keeper_calls, 1, __ATOMIC_ACQ_REL);
	return (struct cairn_ret2){ CAIRN_FAULT_STOP, 0 };
}
CAIRN_GATE(keeper_entry, keeper)

#define SECRET 0x5ec2e7UL

/* The callee of rv.g6's gates: stops inside the invocation, a secret in rbx and rdi. */
static struct cairn_ret2 secret_stop(cairn_word a, cairn_word b, cairn_word c, cairn_word d,
				     cairn_word badge, cairn_word tid)
{
	(void)a, (void)b, (void)c, (void)d, (void)badge, (void)tid;
	__asm__ volatile("movabs %0, %%rbx\n\tsyscall\n\tud2"
			 : : "i"(SECRET), "a"(CAIRN_CALL(CAIRN_CAP_NULL, CAIRN_OP_DEBUG_STOP)), "D"(SECRET)
			 : "memory");
	__builtin_unreachable();
}
CAIRN_GATE(secret_entry, secret_stop)

static volatile unsigned secret_gate;

static void caller(cairn_word tid)
{
	(void)tid;
	cairn_sinv_call(secret_gate, 0, 0, 0, 0);	/* does not come back */
}

static unsigned long reg(unsigned thr, unsigned idx)
{
	return cairn_thread_reg(thr, idx, 0, 0).r1;
}

/*
 * Polls register idx of thr until THREAD_REG succeeds (the thread stopped) or two
 * seconds pass; *odd counts answers other than EBUSY and 0. The value, or ~0 on timeout.
 */
static unsigned long await_stopped(unsigned thr, unsigned idx, long *odd)
{
	uint64_t end = cairn_cycles() + 2 * R->tsc_hz;

	while (cairn_cycles() < end) {
		struct cairn_ret2 v = cairn_thread_reg(thr, idx, 0, 0);
		if (v.r0 == 0)
			return v.r1;
		if (v.r0 != CAIRN_EBUSY)
			(*odd)++;
	}
	return ~0UL;
}

static int in_image(unsigned long va)
{
	return va >= (unsigned long)_start && va < (unsigned long)_end;
}

/* rv.g1: round after round, the registers a stop through _start leaves. */
static void test_rounds(long setup)
{
	long odd = 0, bad = 0, timeouts = 0, restart_err = 0;

	for (unsigned i = 0; setup == 0 && i < ROUNDS; i++) {
		if (i) {
			restart_err |= cairn_thread_restart(w.thr, (cairn_word)returner);
			if (cairn_thread_reg(w.thr, CAIRN_REG_R13, 0, 0).r0 != CAIRN_EBUSY)
				bad++;	/* runnable again */
		}
		restart_err |= cairn_asnd_send(w.snd, 0);	/* kicks it on core 1 */
		unsigned long fn = await_stopped(w.thr, CAIRN_REG_R13, &odd);
		if (fn == ~0UL) {
			timeouts++;
			break;
		}
		if (fn != (unsigned long)returner || reg(w.thr, CAIRN_REG_R12) != (unsigned long)w.tid ||
		    reg(w.thr, CAIRN_REG_RBP) != 0 || reg(w.thr, CAIRN_REG_RDI) != 0 ||
		    reg(w.thr, CAIRN_REG_VECTOR) < 32 || !in_image(reg(w.thr, CAIRN_REG_RIP)))
			bad++;
	}
	CHECK("rv.g1", "stopped_on_core1_read_from_core0", setup == 0 && !odd && !bad && !timeouts &&
	      !restart_err && runs == ROUNDS, "setup %ld, odd answers %ld, bad rounds %ld, timeouts %ld, "
	      "restart/send %ld, runs %ld of %d", setup, odd, bad, timeouts, restart_err, runs, ROUNDS);
}

/* rv.g2: chosen callee-saved registers and status. */
static void test_marker(void)
{
	static const unsigned idx[] = { CAIRN_REG_RBX, CAIRN_REG_RBP, CAIRN_REG_R12, CAIRN_REG_R13,
					CAIRN_REG_R14, CAIRN_REG_R15, CAIRN_REG_RDI };
	long odd = 0, wrong = 0;
	long r = cairn_thread_restart(w.thr, (cairn_word)marker);

	if (r == 0)
		r = cairn_asnd_send(w.snd, 0);
	unsigned long first = r ? ~0UL : await_stopped(w.thr, CAIRN_REG_RBX, &odd);
	for (unsigned i = 0; first != ~0UL && i < sizeof(idx) / sizeof(idx[0]); i++)
		wrong += reg(w.thr, idx[i]) != MAGIC(i + 1);
	CHECK("rv.g2", "chosen_registers_at_stop", r == 0 && first != ~0UL && !odd && !wrong,
	      "setup %ld, rbx %lx, odd %ld, wrong %ld", r, first, odd, wrong);
}

/* rv.g3 and rv.g4: a fault's registers, the writes refused, then a restart. */
static void test_fault_writes(long setup)
{
	long odd = 0;

	if (setup == 0)
		setup = cairn_asnd_send(w2.snd, 0);
	unsigned long vec = setup ? ~0UL : await_stopped(w2.thr, CAIRN_REG_VECTOR, &odd);
	unsigned long err = reg(w2.thr, CAIRN_REG_ERROR), rip = reg(w2.thr, CAIRN_REG_RIP);
	unsigned long rsp = reg(w2.thr, CAIRN_REG_RSP), cs = reg(w2.thr, CAIRN_REG_CS);
	unsigned long ss = reg(w2.thr, CAIRN_REG_SS), fl = reg(w2.thr, CAIRN_REG_RFLAGS);
	static const struct { unsigned idx; unsigned long value; long want; } bad[] = {
		{ CAIRN_REG_RIP, 0x7ffffffff000UL, CAIRN_EFAULT },	/* USER_TOP */
		{ CAIRN_REG_RIP, 0x800000000000UL, CAIRN_EFAULT },	/* not canonical */
		{ CAIRN_REG_RIP, 0xffffffff80000000UL, CAIRN_EFAULT },	/* the kernel */
		{ CAIRN_REG_RSP, 0x7ffffffff000UL, CAIRN_EFAULT },
		{ CAIRN_REG_RSP, 0xffff800000000000UL, CAIRN_EFAULT },
		{ CAIRN_REG_CS, 0x08, CAIRN_EACCES },
		{ CAIRN_REG_SS, 0x10, CAIRN_EACCES },
		{ CAIRN_REG_VECTOR, 32, CAIRN_EACCES },
		{ CAIRN_REG_ERROR, 0, CAIRN_EACCES },
		{ CAIRN_REG_END, 0, CAIRN_ERANGE },
		{ 0xffffffffU, 0, CAIRN_ERANGE },
	};
	long refused = 0;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused += cairn_thread_reg(w2.thr, bad[i].idx, 1, bad[i].value).r0 == bad[i].want;
	long huge = cairn_call6(w2.thr, CAIRN_OP_THREAD_REG, 1UL << 63, 0, 0, 0, 0, 0).r0;
	struct cairn_ret2 flw = cairn_thread_reg(w2.thr, CAIRN_REG_RFLAGS, 1, ~0UL);
	int same = reg(w2.thr, CAIRN_REG_RIP) == rip && reg(w2.thr, CAIRN_REG_RSP) == rsp &&
		   reg(w2.thr, CAIRN_REG_CS) == cs && reg(w2.thr, CAIRN_REG_SS) == ss &&
		   reg(w2.thr, CAIRN_REG_VECTOR) == vec && reg(w2.thr, CAIRN_REG_ERROR) == err;
	int flags_ok = flw.r0 == 0 && (flw.r1 & 0x200) && !(flw.r1 & 0x77000) &&
		       reg(w2.thr, CAIRN_REG_RFLAGS) == flw.r1;	/* IF; no IOPL, NT, RF, VM, AC */
	CHECK("rv.g3", "fault_read_and_writes_refused_across_cores", setup == 0 && !odd && vec == 14 &&
	      (err & 4) && in_image(rip) && (cs & 3) == 3 && (ss & 3) == 3 && (fl & 0x200) &&
	      refused == (long)(sizeof(bad) / sizeof(bad[0])) && huge == CAIRN_ERANGE && same && flags_ok,
	      "setup %ld odd %ld vector %lu error %lx rip %lx cs %lx ss %lx flags %lx; refused %ld of %u, "
	      "2^63 %ld, unchanged %d, rflags write %ld/%lx", setup, odd, vec, err, rip, cs, ss, fl, refused,
	      (unsigned)(sizeof(bad) / sizeof(bad[0])), huge, same, flw.r0, flw.r1);

	long wr = cairn_thread_reg(w2.thr, CAIRN_REG_RIP, 1, 0x1000).r0;
	wr |= cairn_thread_reg(w2.thr, CAIRN_REG_RSP, 1, 0x2000).r0;
	wr |= cairn_thread_reg(w2.thr, CAIRN_REG_RFLAGS, 1, 0x100).r0;	/* TF */
	long rs = cairn_thread_restart(w2.thr, (cairn_word)fresh);
	long busy = cairn_thread_reg(w2.thr, CAIRN_REG_RIP, 0, 0).r0;
	long snd = cairn_asnd_send(w2.snd, 0);
	int ran = await(&fresh_runs, 1);
	unsigned long st = await_stopped(w2.thr, CAIRN_REG_VECTOR, &odd);
	long k = cairn_kcheck();
	CHECK("rv.g4", "restart_after_writes_runs_afresh", setup == 0 && wr == 0 && rs == 0 &&
	      busy == CAIRN_EBUSY && snd == 0 && ran && st >= 32 && st != ~0UL && reg(w2.thr, CAIRN_REG_RDI) == 0 &&
	      k == 0, "writes %ld restart %ld busy %ld send %ld ran %d vector %lx kcheck %ld", wr, rs, busy,
	      snd, ran, st, k);
}

/* rv.g5: a keeper's CAIRN_FAULT_STOP. */
static void test_keeper_stop(long setup)
{
	unsigned gate = slot();
	long odd = 0;

	if (setup == 0)
		setup = cairn_captbl_act_sinv(CT, gate, COMP, (cairn_word)keeper_entry, 1, 0);
	if (setup == 0)
		setup = cairn_comp_keeper(COMP, gate);
	if (setup == 0)
		setup = cairn_asnd_send(w3.snd, 0);
	unsigned long vec = setup ? ~0UL : await_stopped(w3.thr, CAIRN_REG_VECTOR, &odd);
	unsigned long rdi = reg(w3.thr, CAIRN_REG_RDI);
	long off = cairn_comp_keeper(COMP, 0);
	CHECK("rv.g5", "keeper_stop_shows_its_return", setup == 0 && off == 0 && !odd && keeper_calls == 1 &&
	      vec >= 32 && vec != ~0UL && rdi == CAIRN_FAULT_STOP, "setup %ld off %ld odd %ld calls %ld vector %lx "
	      "rdi %lu", setup, off, odd, keeper_calls, vec, rdi);
}

/* rv.g6: a thread stopped inside a confined gate, and inside an ordinary one. */
static void test_confined(long setup)
{
	unsigned confined = slot(), open = slot();
	long odd = 0;

	if (setup == 0)
		setup = cairn_captbl_act_sinv(CT, confined, COMP, (cairn_word)secret_entry, 0, CAIRN_SINV_CONFINED);
	if (setup == 0)
		setup = cairn_captbl_act_sinv(CT, open, COMP, (cairn_word)secret_entry, 0, 0);
	secret_gate = confined;
	if (setup == 0)
		setup = cairn_asnd_send(w4.snd, 0);
	uint64_t end = cairn_cycles() + 2 * R->tsc_hz;
	struct cairn_ret2 in_confined = { CAIRN_EBUSY, 0 };
	while (setup == 0 && in_confined.r0 == CAIRN_EBUSY && cairn_cycles() < end)
		in_confined = cairn_thread_reg(w4.thr, CAIRN_REG_RDI, 0, 0);
	struct cairn_ret2 rbx = cairn_thread_reg(w4.thr, CAIRN_REG_RBX, 0, 0);
	long rw = cairn_thread_reg(w4.thr, CAIRN_REG_RAX, 1, 0).r0;

	secret_gate = open;
	long rs = setup ? setup : cairn_thread_restart(w4.thr, (cairn_word)caller);
	if (rs == 0)
		rs = cairn_asnd_send(w4.snd, 0);
	unsigned long in_open = rs ? ~0UL : await_stopped(w4.thr, CAIRN_REG_RDI, &odd);
	long k = cairn_kcheck();
	CHECK("rv.g6", "confined_callee_registers_stay_in", setup == 0 && in_confined.r0 == CAIRN_EACCES &&
	      rbx.r0 == CAIRN_EACCES && rw == CAIRN_EACCES && rs == 0 && in_open == SECRET && !odd && k == 0,
	      "setup %ld; confined: rdi %ld/%lx rbx %ld/%lx write %ld; open: restart %ld rdi %lx odd %ld; "
	      "kcheck %ld", setup, in_confined.r0, in_confined.r1, rbx.r0, rbx.r1, rw, rs, in_open, odd, k);
}

int main(const void *root)
{
	review_init(root);
	if (!CHECK("rv.g0", "two_cores", R->cores >= 2, "red tape says %lu cores", (unsigned long)R->cores))
		return 1;
	long r = make_thread(&w, COMP, returner, 1, 0);
	test_rounds(r);
	test_marker();
	long r2 = make_thread(&w2, COMP, faulter, 1, 0);
	test_fault_writes(r2);
	long r3 = make_thread(&w3, COMP, faulter, 1, 0);
	test_keeper_stop(r3);
	long r4 = make_thread(&w4, COMP, caller, 1, 0);
	test_confined(r4);
	return 0;
}
