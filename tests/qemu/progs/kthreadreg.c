/*
 * kthreadreg: THREAD_REG with CAIRN_REG_LIVE on threads that are not stopped, and the
 * FPU/SSE words 22..73 of THREAD_REG and FAULT_REG (issue 23; kernel/sinv.c thread_reg,
 * reg_access; kernel/arch/x86_64/cpu.c arch_regs_slot, arch_regs_check_write). First
 * boot module, kernel booted with "ktest". This program's first thread (M) schedules
 * every thread it makes; S and CF are further components over this program's own
 * tables (their code and data are ours). Every error is followed by a check that
 * nothing changed.
 *
 *   ktr.1  B blocks in RCV_WAIT (a raw syscall, chosen values in rbx, rbp, r12-r15):
 *          LIVE reads show those values, rip just after its syscall, its rsp, vector
 *          256 (a syscall frame); without LIVE, EBUSY as before
 *   ktr.2  refusals on B, blocked: LIVE on M itself (EBUSY); a1 with a bit other than
 *          WRITE and LIVE (4, 8, 2^63: EINVAL, also before a bad index); indices 74 and
 *          2^63 (ERANGE); cs, ss, vector, error (EACCES); rip, rsp at USER_TOP or in the
 *          kernel (EFAULT); then all of B's registers read as before, and B, woken,
 *          resumes after its syscall with its values and the wait's result
 *   ktr.3  B blocked again: LIVE writes of rip, rbx, r12 (rdx 0: the wait's result
 *          goes to rax) take: woken, B resumes at the new rip with those values
 *   ktr.4  N never ran (in S): LIVE reads show rip = S's entry, rsp 0, rdi the Root
 *          page, rsi its argument, rax its id; not a syscall frame
 *   ktr.5  LIVE writes of every general register of N, rip, rsp and rflags:
 *          dispatched, N runs there with exactly those (rflags masked: IF set)
 *   ktr.6  P spins with chosen values in every general register and a 1 ms deadline
 *          preempts it (the timer's line bound to M): LIVE reads show each of them, rip
 *          at the loop, its rsp, a timer vector (an iret frame); dispatched again (at most
 *          PREEMPT_TRIES) while a deadline finds it short of its loop (a loaded host)
 *   ktr.7  LIVE writes of P's rip, rsp, rcx and r11: dispatched, P runs there with
 *          them (iret restores rcx and r11, unlike sysret) and the other spinning values
 *   ktr.8  F sets xmm0-3 and MXCSR and blocks: LIVE reads of words 22..73 each
 *          succeed, show them at fxsave's offsets (xmm0 at byte 160, MXCSR at 24) and
 *          FCW at reset
 *   ktr.9  LIVE writes of F's xmm0-3 words and of MXCSR with every bit set (reserved
 *          ones and DAZ: read back masked, value & 0xffffffff0000ffbf); woken, F sees
 *          the new xmm values and MXCSR 0xffbf (the kernel did not fault restoring it)
 *   ktr.10 G faults (#UD) in CF with xmm4 set; its keeper (a gate into this program's
 *          component) reads xmm4 with FAULT_REG, gets EINVAL for a1 = 4, ERANGE for 74,
 *          the MXCSR mask, LIVE ignored; writes xmm4 and rip past the ud2; after RESUME
 *          G sees the new xmm4
 *   ktr.11 D blocks in RCV_WAIT inside S's gate (depth 1): LIVE read and write are
 *          EBUSY; woken, D's call returns the gate's results
 *   ktr.12 Q stopped (DEBUG_STOP) at home: a1 = 4, 8, 2^63, 4 | WRITE: EINVAL, nothing
 *          written; LIVE reads and writes it as without LIVE
 *   ktr.13 (two cores or more) Y runs on core 1 in its home component: LIVE read and
 *          write from core 0 are EBUSY; released, Y finishes as it would have
 */
#include "review_common.h"	/* the slots' names, R, the allocator A and slot() */
#include <stdbool.h>

CAIRN_GATE_STACKS(16);

#define STR_(x) #x
#define STR(x) STR_(x)
#define LIVE  CAIRN_REG_LIVE
#define WLIVE (CAIRN_REG_WRITE | CAIRN_REG_LIVE)
#define CALL_DISPATCH_ME 0x0000050000000004
_Static_assert(CALL_DISPATCH_ME == CAIRN_CALL(ME, CAIRN_OP_THREAD_DISPATCH), "dispatch to M");
_Static_assert(CAIRN_REG_FPU == 22 && CAIRN_REG_MXCSR == 25 && CAIRN_REG_END == 74, "the FPU words");

#define XMM_WORD(n) (CAIRN_REG_FPU + 20 + 2 * (n))	/* xmm n's low half: byte 160 + 16n */
#define MXCSR_KEPT  0xffffffff0000ffbfUL

static unsigned my_rcv;

/*
 * THREAD_REG and FAULT_REG with full-width arguments (libcairn's stubs take idx as
 * unsigned and a1 as int: 2^63 would not reach the kernel).
 */
static struct cairn_ret2 treg(unsigned thr, uint64_t idx, uint64_t a1, uint64_t value)
{
	return cairn_call6(thr, CAIRN_OP_THREAD_REG, idx, a1, value, 0, 0, 0);
}

static struct cairn_ret2 freg(uint64_t idx, uint64_t a1, uint64_t value)
{
	return cairn_call6(CAIRN_CAP_NULL, CAIRN_OP_FAULT_REG, idx, a1, value, 0, 0, 0);
}

/* ---- the code the threads run (raw, so that nothing hides a register) ---- */

/*
 * wait_marked(call): loads W(1..6) into rbx, rbp, r12-r15, keeps rsp in wait_sp and
 * makes the system call `call` (RCV_WAIT); after it, stores rax, rbx, rbp, r12-r15 into
 * wait_seen[0..6]. wait_elsewhere: where ktr.3 sends it instead (sets wait_moved).
 */
#define W(n) (0x3a3a000000000000UL | (n))
uint64_t wait_sp, wait_moved, wait_seen[7];
uint64_t wait_marked(uint64_t call);
extern char wait_marked_ret[], wait_elsewhere[];
__asm__(".text\n.globl wait_marked\nwait_marked:\n"
	"\tpush %rbx\n\tpush %rbp\n\tpush %r12\n\tpush %r13\n\tpush %r14\n\tpush %r15\n"
	"\tmov %rdi, %rax\n"
	"\tmovabs $" STR(W(1)) ", %rbx\n\tmovabs $" STR(W(2)) ", %rbp\n\tmovabs $" STR(W(3)) ", %r12\n"
	"\tmovabs $" STR(W(4)) ", %r13\n\tmovabs $" STR(W(5)) ", %r14\n\tmovabs $" STR(W(6)) ", %r15\n"
	"\tmov %rsp, wait_sp(%rip)\n"
	"\tsyscall\n"
	".globl wait_marked_ret\nwait_marked_ret:\n"
	"\tmov %rax, wait_seen+0(%rip)\n\tmov %rbx, wait_seen+8(%rip)\n\tmov %rbp, wait_seen+16(%rip)\n"
	"\tmov %r12, wait_seen+24(%rip)\n\tmov %r13, wait_seen+32(%rip)\n\tmov %r14, wait_seen+40(%rip)\n"
	"\tmov %r15, wait_seen+48(%rip)\n"
	"\tpop %r15\n\tpop %r14\n\tpop %r13\n\tpop %r12\n\tpop %rbp\n\tpop %rbx\n"
	"\tret\n"
	".globl wait_elsewhere\nwait_elsewhere:\n"
	"\tmovq $1, wait_moved(%rip)\n"
	"\tjmp wait_marked_ret\n");

/*
 * capture: where ktr.5 and ktr.7 send a thread: stores every general register into
 * cap_seen[0..15] (rax rbx rcx rdx rsi rdi rbp rsp r8-r15) and rflags into cap_seen[16],
 * counts cap_runs, then dispatches to M for ever. Its stack: cap_stack.
 */
enum { C_RAX, C_RBX, C_RCX, C_RDX, C_RSI, C_RDI, C_RBP, C_RSP, C_R8, C_R9, C_R10, C_R11, C_R12, C_R13,
       C_R14, C_R15, C_RFLAGS, C_N };
uint64_t cap_seen[C_N], cap_runs;
static uint8_t cap_stack[4096] __attribute__((aligned(16)));
extern char capture[];
__asm__(".text\n.globl capture\ncapture:\n"
	"\tmov %rax, cap_seen+0(%rip)\n\tmov %rbx, cap_seen+8(%rip)\n\tmov %rcx, cap_seen+16(%rip)\n"
	"\tmov %rdx, cap_seen+24(%rip)\n\tmov %rsi, cap_seen+32(%rip)\n\tmov %rdi, cap_seen+40(%rip)\n"
	"\tmov %rbp, cap_seen+48(%rip)\n\tmov %rsp, cap_seen+56(%rip)\n\tmov %r8, cap_seen+64(%rip)\n"
	"\tmov %r9, cap_seen+72(%rip)\n\tmov %r10, cap_seen+80(%rip)\n\tmov %r11, cap_seen+88(%rip)\n"
	"\tmov %r12, cap_seen+96(%rip)\n\tmov %r13, cap_seen+104(%rip)\n\tmov %r14, cap_seen+112(%rip)\n"
	"\tmov %r15, cap_seen+120(%rip)\n"
	"\tpushfq\n\tpop %rax\n\tmov %rax, cap_seen+128(%rip)\n"
	"1:\tincq cap_runs(%rip)\n"
	"\tmovabs $" STR(CALL_DISPATCH_ME) ", %rax\n\txor %edi, %edi\n\txor %esi, %esi\n"
	"\tsyscall\n\tjmp 1b\n");

/* spin_marked: keeps rsp in spin_sp, P(n) in every other general register, and spins at spin_loop. */
#define P(n) (0x7b7b000000000000UL | (n))
uint64_t spin_sp;
void spin_marked(void);
extern char spin_loop[];
__asm__(".text\n.globl spin_marked\nspin_marked:\n"
	"\tmov %rsp, spin_sp(%rip)\n"
	"\tmovabs $" STR(P(0)) ", %rax\n\tmovabs $" STR(P(1)) ", %rbx\n\tmovabs $" STR(P(2)) ", %rcx\n"
	"\tmovabs $" STR(P(3)) ", %rdx\n\tmovabs $" STR(P(4)) ", %rsi\n\tmovabs $" STR(P(5)) ", %rdi\n"
	"\tmovabs $" STR(P(6)) ", %rbp\n\tmovabs $" STR(P(8)) ", %r8\n\tmovabs $" STR(P(9)) ", %r9\n"
	"\tmovabs $" STR(P(10)) ", %r10\n\tmovabs $" STR(P(11)) ", %r11\n\tmovabs $" STR(P(12)) ", %r12\n"
	"\tmovabs $" STR(P(13)) ", %r13\n\tmovabs $" STR(P(14)) ", %r14\n\tmovabs $" STR(P(15)) ", %r15\n"
	".globl spin_loop\nspin_loop:\n"
	"\tjmp spin_loop\n");

/*
 * fpu_block(call): loads xmm0-3 from fpu_in and MXCSR from fpu_mxcsr_in, makes the
 * system call `call` (RCV_WAIT); after it, stores xmm0-3 into fpu_out and MXCSR into
 * fpu_mxcsr_out, then puts MXCSR back at reset for the C code.
 */
uint64_t fpu_in[8], fpu_out[8];
uint32_t fpu_mxcsr_in, fpu_mxcsr_out, fpu_mxcsr_reset = 0x1f80;
void fpu_block(uint64_t call);
__asm__(".text\n.globl fpu_block\nfpu_block:\n"
	"\tmovdqu fpu_in+0(%rip), %xmm0\n\tmovdqu fpu_in+16(%rip), %xmm1\n"
	"\tmovdqu fpu_in+32(%rip), %xmm2\n\tmovdqu fpu_in+48(%rip), %xmm3\n"
	"\tldmxcsr fpu_mxcsr_in(%rip)\n"
	"\tmov %rdi, %rax\n"
	"\tsyscall\n"
	"\tmovdqu %xmm0, fpu_out+0(%rip)\n\tmovdqu %xmm1, fpu_out+16(%rip)\n"
	"\tmovdqu %xmm2, fpu_out+32(%rip)\n\tmovdqu %xmm3, fpu_out+48(%rip)\n"
	"\tstmxcsr fpu_mxcsr_out(%rip)\n"
	"\tldmxcsr fpu_mxcsr_reset(%rip)\n"
	"\tret\n");

/* fpu_fault: xmm4 from fault_in, a #UD at fpu_fault_at; from fpu_fault_after on, xmm4 into fault_out. */
uint64_t fault_in[2], fault_out[2];
void fpu_fault(void);
extern char fpu_fault_at[], fpu_fault_after[];
__asm__(".text\n.globl fpu_fault\nfpu_fault:\n"
	"\tmovdqu fault_in(%rip), %xmm4\n"
	".globl fpu_fault_at\nfpu_fault_at:\n"
	"\tud2\n"
	".globl fpu_fault_after\nfpu_fault_after:\n"
	"\tmovdqu %xmm4, fault_out(%rip)\n"
	"\tldmxcsr fpu_mxcsr_reset(%rip)\n"
	"\tret\n");

/* ---- components, gates and threads ---- */

static unsigned comp_s, comp_cf, wait_gate, keeper_gate;

/* S: waits on endpoint a, returns (activations + 0x40, 0x41). */
static struct cairn_ret2 waits(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
			       cairn_word tid)
{
	(void)b, (void)c, (void)d, (void)badge, (void)tid;
	long n = cairn_rcv_wait((unsigned)a);
	return (struct cairn_ret2){ (cairn_word)n + 0x40, 0x41 };
}
CAIRN_GATE(wait_entry, waits)

/* The keeper of CF (ktr.10), in this program's component: what it saw and got. */
#define FX4 0x4444000011112222UL
#define FX4_NEW 0x5555000066667777UL
static volatile long k_calls, k_vector, k_rip;
static struct cairn_ret2 k_read[2], k_mxcsr, k_live, k_write[3];
static long k_inval, k_range, k_after;

static struct cairn_ret2 keeper(cairn_word vector, cairn_word error, cairn_word addr, cairn_word rip,
				cairn_word badge, cairn_word tid)
{
	(void)error, (void)addr, (void)badge, (void)tid;
	k_calls++;
	k_vector = (long)vector;
	k_rip = (long)rip;
	k_read[0] = freg(XMM_WORD(4), 0, 0);
	k_read[1] = freg(XMM_WORD(4) + 1, 0, 0);
	k_inval = freg(XMM_WORD(4), 4 | CAIRN_REG_WRITE, 0).r0;
	k_range = freg(CAIRN_REG_END, 0, 0).r0;
	k_live = freg(XMM_WORD(4), LIVE, 0);		/* LIVE: ignored */
	k_after = (long)freg(XMM_WORD(4), 0, 0).r1;	/* unchanged by the refusals */
	k_mxcsr = freg(CAIRN_REG_MXCSR, CAIRN_REG_WRITE, ~0UL);
	k_write[0] = freg(XMM_WORD(4), CAIRN_REG_WRITE, FX4_NEW);
	k_write[1] = freg(XMM_WORD(4) + 1, CAIRN_REG_WRITE, ~FX4_NEW);
	k_write[2] = freg(CAIRN_REG_RIP, CAIRN_REG_WRITE, (cairn_word)fpu_fault_after);
	return (struct cairn_ret2){ CAIRN_FAULT_RESUME, 0 };
}
CAIRN_GATE(keeper_entry, keeper)

static long new_comp(unsigned *c)
{
	*c = slot();
	return cairn_captbl_act_comp(CT, *c, MEM, cairn_frame(&A, K), CT, PT, (uint64_t)_start);
}

static long build(void)
{
	long r = new_comp(&comp_s) | new_comp(&comp_cf);

	wait_gate = slot();
	keeper_gate = slot();
	if (r == 0)
		r = cairn_captbl_act_sinv(CT, wait_gate, comp_s, (uint64_t)wait_entry, 0, 0) |
		    cairn_captbl_act_sinv(CT, keeper_gate, COMP, (uint64_t)keeper_entry, 0, 0);
	if (r == 0)
		r = cairn_comp_keeper(comp_cf, keeper_gate);
	return r;
}

static void drain(void)
{
	while (cairn_rcv_event(my_rcv).r1 != CAIRN_EVENT_NONE)
		;
}

/* A LIVE read of register idx of thr (~0 on an error, counted in *err). */
static uint64_t live(unsigned thr, uint64_t idx, long *err)
{
	struct cairn_ret2 r = treg(thr, idx, LIVE, 0);

	*err += r.r0 != 0;
	return r.r0 ? ~0UL : r.r1;
}

/* All general registers of thr (LIVE) into regs[CAIRN_REG_COUNT]; the number of errors. */
static long live_all(unsigned thr, uint64_t *regs)
{
	long err = 0;

	for (unsigned i = 0; i < CAIRN_REG_COUNT; i++)
		regs[i] = live(thr, i, &err);
	return err;
}

/* ---- ktr.1-ktr.3: B, blocked in RCV_WAIT ---- */

static struct remote b;
static volatile long b_rounds;

static void blocker(cairn_word tid)
{
	(void)tid;
	for (;;) {
		wait_marked(CAIRN_CALL(b.rcv, CAIRN_OP_RCV_WAIT));
		b_rounds++;
		cairn_thread_dispatch(ME, 0, 0);
	}
}

static const unsigned callee[6] = { CAIRN_REG_RBX, CAIRN_REG_RBP, CAIRN_REG_R12, CAIRN_REG_R13, CAIRN_REG_R14,
				    CAIRN_REG_R15 };

static void test_blocked_read(long mk)
{
	long d = mk ? mk : cairn_thread_dispatch(b.thr, 0, 0);	/* it blocks */
	long err = 0, wrong = 0;

	for (unsigned i = 0; i < 6; i++)
		wrong += live(b.thr, callee[i], &err) != W(i + 1);
	uint64_t rip = live(b.thr, CAIRN_REG_RIP, &err), rsp = live(b.thr, CAIRN_REG_RSP, &err);
	uint64_t vec = live(b.thr, CAIRN_REG_VECTOR, &err);
	long plain = treg(b.thr, CAIRN_REG_RBX, 0, 0).r0;
	CHECK("ktr.1", "live_read_blocked", mk == 0 && d == 0 && b_rounds == 0 && !err && !wrong &&
	      rip == (uint64_t)wait_marked_ret && rsp == wait_sp && vec == 0x100 && plain == CAIRN_EBUSY,
	      "setup %ld, dispatch %ld, rounds %ld; errors %ld, callee-saved wrong %ld; rip %lx (want %lx) rsp %lx "
	      "(want %lx) vector %lx; without LIVE %ld", mk, d, b_rounds, err, wrong, rip,
	      (uint64_t)wait_marked_ret, rsp, wait_sp, vec, plain);
}

static void test_blocked_refusals(void)
{
	static const struct { uint64_t idx, a1, value; long want; } bad[] = {
		{ CAIRN_REG_RBX, 4 | WLIVE, 1, CAIRN_EINVAL },
		{ CAIRN_REG_RBX, 8 | WLIVE, 1, CAIRN_EINVAL },
		{ CAIRN_REG_RBX, (1UL << 63) | WLIVE, 1, CAIRN_EINVAL },
		{ CAIRN_REG_END, 4 | LIVE, 0, CAIRN_EINVAL },		/* a1 before the index */
		{ CAIRN_REG_END, WLIVE, 1, CAIRN_ERANGE },
		{ CAIRN_REG_END, LIVE, 0, CAIRN_ERANGE },
		{ 1UL << 63, WLIVE, 1, CAIRN_ERANGE },
		{ CAIRN_REG_CS, WLIVE, 0x08, CAIRN_EACCES },
		{ CAIRN_REG_SS, WLIVE, 0x10, CAIRN_EACCES },
		{ CAIRN_REG_VECTOR, WLIVE, 32, CAIRN_EACCES },	/* would make it an iret frame */
		{ CAIRN_REG_ERROR, WLIVE, 0, CAIRN_EACCES },
		{ CAIRN_REG_RIP, WLIVE, 0x7ffffffff000UL, CAIRN_EFAULT },	/* USER_TOP */
		{ CAIRN_REG_RIP, WLIVE, 0x800000000000UL, CAIRN_EFAULT },	/* not canonical: sysret */
		{ CAIRN_REG_RIP, WLIVE, 0xffffffff80000000UL, CAIRN_EFAULT },
		{ CAIRN_REG_RSP, WLIVE, 0x7ffffffff000UL, CAIRN_EFAULT },
		{ CAIRN_REG_RSP, WLIVE, 0xffff800000000000UL, CAIRN_EFAULT },
		{ CAIRN_REG_RBX, CAIRN_REG_WRITE, 1, CAIRN_EBUSY },	/* without LIVE: not stopped */
		{ CAIRN_REG_RBX, 4, 0, CAIRN_EBUSY },			/* (so before a1's check) */
	};
	uint64_t before[CAIRN_REG_COUNT], after[CAIRN_REG_COUNT];
	long e0 = live_all(b.thr, before), refused = 0, err = 0;

	uint64_t x0 = live(b.thr, XMM_WORD(0), &err);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long r = treg(b.thr, bad[i].idx, bad[i].a1, bad[i].value).r0;
		refused += r == bad[i].want;
		if (r != bad[i].want)
			cairn_printf("kthreadreg: refusal %u: %ld, want %ld\n", i, r, bad[i].want);
	}
	long self = treg(ME, CAIRN_REG_RAX, LIVE, 0).r0;
	long self_w = treg(ME, CAIRN_REG_RBX, WLIVE, 0).r0;
	long fpu_bad = treg(b.thr, XMM_WORD(0), 4 | WLIVE, 0x1234).r0;
	long e1 = live_all(b.thr, after);
	long changed = 0;
	for (unsigned i = 0; i < CAIRN_REG_COUNT; i++)
		changed += before[i] != after[i];
	changed += live(b.thr, XMM_WORD(0), &err) != x0;
	long s = cairn_asnd_send(b.snd, 0);
	long d = cairn_thread_dispatch(b.thr, 0, 0);	/* the wait returns; B dispatches back */
	long wrong = 0;
	for (unsigned i = 1; i < 7; i++)
		wrong += wait_seen[i] != W(i);
	drain();
	CHECK("ktr.2", "refusals_change_nothing", !e0 && !e1 && !err && refused == (long)(sizeof(bad) / sizeof(bad[0])) &&
	      self == CAIRN_EBUSY && self_w == CAIRN_EBUSY && fpu_bad == CAIRN_EINVAL && !changed && s == 0 &&
	      d == 0 && b_rounds == 1 && wait_seen[0] == 1 && !wrong && !wait_moved && cairn_kcheck() == 0,
	      "read errors %ld %ld %ld; refused %ld of %u; self %ld %ld; fpu a1=4 %ld; changed %ld; send %ld "
	      "dispatch %ld rounds %ld; wait %ld, callee-saved wrong %ld, moved %ld", e0, e1, err, refused,
	      (unsigned)(sizeof(bad) / sizeof(bad[0])), self, self_w, fpu_bad, changed, s, d, b_rounds,
	      (long)wait_seen[0], wrong, (long)wait_moved);
}

#define NEW_RBX 0x1b1b1b1b00000001UL
#define NEW_R12 0x1c1c1c1c00000002UL

static void test_blocked_write(void)
{
	long d0 = cairn_thread_dispatch(b.thr, 0, 0);	/* back from its dispatch: it blocks again */
	uint64_t rip = treg(b.thr, CAIRN_REG_RIP, LIVE, 0).r1;
	struct cairn_ret2 w1 = treg(b.thr, CAIRN_REG_RIP, WLIVE, (uint64_t)wait_elsewhere);
	struct cairn_ret2 w2 = treg(b.thr, CAIRN_REG_RBX, WLIVE, NEW_RBX);
	struct cairn_ret2 w3 = treg(b.thr, CAIRN_REG_R12, WLIVE, NEW_R12);
	long err = 0;
	uint64_t back = live(b.thr, CAIRN_REG_RIP, &err);
	long s = cairn_asnd_send(b.snd, 0);
	long d = cairn_thread_dispatch(b.thr, 0, 0);
	drain();
	CHECK("ktr.3", "live_write_blocked", d0 == 0 && rip == (uint64_t)wait_marked_ret && w1.r0 == 0 &&
	      w1.r1 == (uint64_t)wait_elsewhere && w2.r0 == 0 && w2.r1 == NEW_RBX && w3.r0 == 0 && !err &&
	      back == (uint64_t)wait_elsewhere && s == 0 && d == 0 && b_rounds == 2 && wait_moved == 1 &&
	      wait_seen[0] == 1 && wait_seen[1] == NEW_RBX && wait_seen[2] == W(2) && wait_seen[3] == NEW_R12 &&
	      wait_seen[4] == W(4) && wait_seen[6] == W(6) && cairn_kcheck() == 0,
	      "dispatch %ld, rip %lx; writes %ld %ld %ld (rip back %lx); send %ld dispatch %ld rounds %ld moved %ld; "
	      "rax %lx rbx %lx rbp %lx r12 %lx r13 %lx", d0, rip, w1.r0, w2.r0, w3.r0, back, s, d, b_rounds,
	      (long)wait_moved, wait_seen[0], wait_seen[1], wait_seen[2], wait_seen[3], wait_seen[4]);
}

/* ---- ktr.4, ktr.5: N, never run ---- */

static struct remote n;

static void never(cairn_word tid)
{
	(void)tid;
}

/* The values ktr.5 writes (rsp and rip apart), and where capture finds each. */
static const struct { unsigned idx, at; uint64_t value; } nw[] = {
	{ CAIRN_REG_RAX, C_RAX, 0xa0a0000000000001UL }, { CAIRN_REG_RBX, C_RBX, 0xa0a0000000000002UL },
	{ CAIRN_REG_RCX, C_RCX, 0xa0a0000000000003UL }, { CAIRN_REG_RDX, C_RDX, 0xa0a0000000000004UL },
	{ CAIRN_REG_RSI, C_RSI, 0xa0a0000000000005UL }, { CAIRN_REG_RDI, C_RDI, 0xa0a0000000000006UL },
	{ CAIRN_REG_RBP, C_RBP, 0xa0a0000000000007UL }, { CAIRN_REG_R8, C_R8, 0xa0a0000000000008UL },
	{ CAIRN_REG_R9, C_R9, 0xa0a0000000000009UL }, { CAIRN_REG_R10, C_R10, 0xa0a000000000000aUL },
	{ CAIRN_REG_R11, C_R11, 0xa0a000000000000bUL }, { CAIRN_REG_R12, C_R12, 0xa0a000000000000cUL },
	{ CAIRN_REG_R13, C_R13, 0xa0a000000000000dUL }, { CAIRN_REG_R14, C_R14, 0xa0a000000000000eUL },
	{ CAIRN_REG_R15, C_R15, 0xa0a000000000000fUL },
};
#define NW (sizeof(nw) / sizeof(nw[0]))
#define FLAGS_IN  0x08d5UL	/* CF PF AF ZF SF OF */
#define FLAGS_OUT 0x0ad7UL	/* with IF and the reserved bit 1 */

static void reset_capture(void)
{
	for (unsigned i = 0; i < C_N; i++)
		cap_seen[i] = 0;
}

static void test_never_run(void)
{
	long mk = make_thread(&n, comp_s, never, 0, my_rcv), err = 0;
	uint64_t rip = live(n.thr, CAIRN_REG_RIP, &err), rsp = live(n.thr, CAIRN_REG_RSP, &err);
	uint64_t rdi = live(n.thr, CAIRN_REG_RDI, &err), rsi = live(n.thr, CAIRN_REG_RSI, &err);
	uint64_t rax = live(n.thr, CAIRN_REG_RAX, &err), vec = live(n.thr, CAIRN_REG_VECTOR, &err);
	long plain = treg(n.thr, CAIRN_REG_RIP, 0, 0).r0;
	CHECK("ktr.4", "live_read_never_run", mk == 0 && !err && rip == (uint64_t)_start && rsp == 0 &&
	      rdi == CAIRN_ROOT_VA && rsi == (uint64_t)never && rax == (uint64_t)n.tid && vec != 0x100 &&
	      plain == CAIRN_EBUSY, "setup %ld errors %ld; rip %lx rsp %lx rdi %lx rsi %lx rax %lx (id %ld) vector %lx; "
	      "without LIVE %ld", mk, err, rip, rsp, rdi, rsi, rax, n.tid, vec, plain);

	long bad = 0;
	uint64_t top = (uint64_t)(cap_stack + sizeof(cap_stack));
	for (unsigned i = 0; i < NW; i++) {
		struct cairn_ret2 r = treg(n.thr, nw[i].idx, WLIVE, nw[i].value);
		bad += r.r0 != 0 || r.r1 != nw[i].value;
	}
	struct cairn_ret2 fl = treg(n.thr, CAIRN_REG_RFLAGS, WLIVE, FLAGS_IN | 0x3000);	/* IOPL 3 */
	bad += treg(n.thr, CAIRN_REG_RSP, WLIVE, top).r0 != 0;
	bad += treg(n.thr, CAIRN_REG_RIP, WLIVE, (uint64_t)capture).r0 != 0;
	reset_capture();
	long runs = (long)cap_runs;
	long d = cairn_thread_dispatch(n.thr, 0, 0);
	long wrong = 0;
	for (unsigned i = 0; i < NW; i++)
		wrong += cap_seen[nw[i].at] != nw[i].value;
	drain();
	CHECK("ktr.5", "live_write_never_run", mk == 0 && !bad && fl.r0 == 0 && fl.r1 == FLAGS_OUT && d == 0 &&
	      (long)cap_runs == runs + 1 && !wrong && cap_seen[C_RSP] == top && cap_seen[C_RFLAGS] == FLAGS_OUT &&
	      cairn_kcheck() == 0, "writes refused or changed %ld, rflags %ld/%lx; dispatch %ld, ran %ld; wrong %ld "
	      "(rax %lx rcx %lx r11 %lx) rsp %lx (want %lx) rflags %lx", bad, fl.r0, fl.r1, d, (long)cap_runs - runs,
	      wrong, cap_seen[C_RAX], cap_seen[C_RCX], cap_seen[C_R11], cap_seen[C_RSP], top, cap_seen[C_RFLAGS]);
}

/* ---- ktr.6, ktr.7: P, preempted ---- */

static struct remote p;

static void spinner(cairn_word tid)
{
	(void)tid;
	spin_marked();
}

/* Index i of the general registers: its spinning value (P(CAIRN_REG_* number's slot)). */
static const struct { unsigned idx, at; } gpr[] = {
	{ CAIRN_REG_RAX, C_RAX }, { CAIRN_REG_RBX, C_RBX }, { CAIRN_REG_RCX, C_RCX }, { CAIRN_REG_RDX, C_RDX },
	{ CAIRN_REG_RSI, C_RSI }, { CAIRN_REG_RDI, C_RDI }, { CAIRN_REG_RBP, C_RBP }, { CAIRN_REG_R8, C_R8 },
	{ CAIRN_REG_R9, C_R9 }, { CAIRN_REG_R10, C_R10 }, { CAIRN_REG_R11, C_R11 }, { CAIRN_REG_R12, C_R12 },
	{ CAIRN_REG_R13, C_R13 }, { CAIRN_REG_R14, C_R14 }, { CAIRN_REG_R15, C_R15 },
};
#define NGPR (sizeof(gpr) / sizeof(gpr[0]))
#define NEW_RCX 0xc0c0c0c000000003UL
#define PREEMPT_TRIES 50	/* dispatches of P until a deadline finds it at its loop */
#define NEW_R11 0xc0c0c0c00000000bUL

static void test_preempted(void)
{
	unsigned tsnd = slot();
	long mk = make_thread(&p, COMP, spinner, 0, my_rcv), err = 0, wrong = 0;
	if (mk == 0)	/* the timer (line 0) activates M, which then runs at once */
		mk = cairn_captbl_act_asnd(CT, tsnd, my_rcv) | cairn_irq_bind(CAIRN_SLOT_IRQ, CAIRN_IRQ_TIMER, tsnd, 0);
	uint64_t t0 = cairn_cycles(), t1 = t0;
	long d = mk, tries = 0;
	/* 1 ms each time. Under TCG the clock is the host's: on a loaded host the deadline can
	 * pass before P's first instruction, so P is dispatched again until it is at its loop. */
	while (!mk && tries++ < PREEMPT_TRIES) {
		t0 = cairn_cycles();	/* (the dispatch that finds P at its loop must last 1 ms) */
		d = cairn_thread_dispatch(p.thr, t0 + R->tsc_hz / 1000, 0);
		t1 = cairn_cycles();
		if (d || live(p.thr, CAIRN_REG_RIP, &err) == (uint64_t)spin_loop)
			break;
	}
	long ub = mk ? mk : cairn_irq_unbind(CAIRN_SLOT_IRQ, CAIRN_IRQ_TIMER);
	for (unsigned i = 0; i < NGPR; i++)
		wrong += live(p.thr, gpr[i].idx, &err) != P(gpr[i].at);
	uint64_t rip = live(p.thr, CAIRN_REG_RIP, &err), rsp = live(p.thr, CAIRN_REG_RSP, &err);
	uint64_t vec = live(p.thr, CAIRN_REG_VECTOR, &err), cs = live(p.thr, CAIRN_REG_CS, &err);
	drain();
	CHECK("ktr.6", "live_read_preempted", mk == 0 && d == 0 && ub == 0 && t1 - t0 >= R->tsc_hz / 1000 && !err && !wrong &&
	      rip == (uint64_t)spin_loop && rsp == spin_sp && vec >= 32 && vec < 256 && (cs & 3) == 3,
	      "setup %ld dispatch %ld after %lu cycles (%ld tries); errors %ld wrong %ld; rip %lx (want %lx) rsp %lx "
	      "(want %lx) vector %lx cs %lx", mk, d, t1 - t0, tries, err, wrong, rip, (uint64_t)spin_loop, rsp, spin_sp,
	      vec, cs);

	uint64_t top = (uint64_t)(cap_stack + sizeof(cap_stack)) - 64;
	long bad = treg(p.thr, CAIRN_REG_RCX, WLIVE, NEW_RCX).r0 |
		   treg(p.thr, CAIRN_REG_R11, WLIVE, NEW_R11).r0 |
		   treg(p.thr, CAIRN_REG_RSP, WLIVE, top).r0 |
		   treg(p.thr, CAIRN_REG_RIP, WLIVE, (uint64_t)capture).r0;
	reset_capture();
	long runs = (long)cap_runs;
	long d2 = cairn_thread_dispatch(p.thr, 0, 0);
	long wrong2 = 0;
	for (unsigned i = 0; i < NGPR; i++) {
		uint64_t want = gpr[i].at == C_RCX ? NEW_RCX : gpr[i].at == C_R11 ? NEW_R11 : P(gpr[i].at);
		wrong2 += cap_seen[gpr[i].at] != want;
	}
	drain();
	CHECK("ktr.7", "live_write_preempted", mk == 0 && bad == 0 && d2 == 0 && (long)cap_runs == runs + 1 &&
	      !wrong2 && cap_seen[C_RSP] == top && cap_seen[C_RCX] == NEW_RCX && cap_seen[C_R11] == NEW_R11 &&
	      cairn_kcheck() == 0, "writes %ld; dispatch %ld ran %ld; wrong %ld: rcx %lx r11 %lx rax %lx rsp %lx",
	      bad, d2, (long)cap_runs - runs, wrong2, cap_seen[C_RCX], cap_seen[C_R11], cap_seen[C_RAX],
	      cap_seen[C_RSP]);
}

/* ---- ktr.8, ktr.9: F's FPU/SSE state ---- */

static struct remote f;
static volatile long f_rounds;
#define MXCSR_IN 0xbf80U	/* FZ, round down, every exception masked */

static void fpu_user(cairn_word tid)
{
	(void)tid;
	for (;;) {
		fpu_block(CAIRN_CALL(f.rcv, CAIRN_OP_RCV_WAIT));
		f_rounds++;
		cairn_thread_dispatch(ME, 0, 0);
	}
}

static void test_fpu(void)
{
	for (unsigned i = 0; i < 8; i++)
		fpu_in[i] = 0xf0f0000000000000UL | (i + 1) * 0x1111;
	fpu_mxcsr_in = MXCSR_IN;
	long mk = make_thread(&f, COMP, fpu_user, 0, my_rcv), err = 0;
	long d = mk ? mk : cairn_thread_dispatch(f.thr, 0, 0);	/* it blocks */
	uint64_t word[CAIRN_REG_END - CAIRN_REG_FPU];
	for (unsigned i = CAIRN_REG_FPU; i < CAIRN_REG_END; i++)
		word[i - CAIRN_REG_FPU] = live(f.thr, i, &err);
	long wrong = 0;
	for (unsigned i = 0; i < 8; i++)
		wrong += word[20 + i] != fpu_in[i];
	CHECK("ktr.8", "fpu_words_read", mk == 0 && d == 0 && !err && !wrong && (uint32_t)word[3] == MXCSR_IN &&
	      (uint16_t)word[0] == 0x37f, "setup %ld dispatch %ld; errors %ld; xmm wrong %ld (xmm0 %lx %lx); MXCSR %lx; "
	      "FCW %lx", mk, d, err, wrong, word[20], word[21], word[3], word[0] & 0xffff);

	long bad = 0;
	for (unsigned i = 0; i < 8; i++) {
		struct cairn_ret2 r = treg(f.thr, XMM_WORD(0) + i, WLIVE, ~fpu_in[i]);
		bad += r.r0 != 0 || r.r1 != ~fpu_in[i];
	}
	struct cairn_ret2 mx = treg(f.thr, CAIRN_REG_MXCSR, WLIVE, ~0UL);
	struct cairn_ret2 plain = treg(f.thr, CAIRN_REG_MXCSR, 0, 0);	/* (not stopped) */
	uint64_t mx_back = live(f.thr, CAIRN_REG_MXCSR, &err);
	long s = cairn_asnd_send(f.snd, 0);
	long d2 = cairn_thread_dispatch(f.thr, 0, 0);
	long wrong2 = 0;
	for (unsigned i = 0; i < 8; i++)
		wrong2 += fpu_out[i] != ~fpu_in[i];
	drain();
	CHECK("ktr.9", "fpu_words_written_and_masked", !bad && mx.r0 == 0 && mx.r1 == MXCSR_KEPT && !err &&
	      plain.r0 == CAIRN_EBUSY && mx_back == MXCSR_KEPT && s == 0 && d2 == 0 && f_rounds == 1 && !wrong2 &&
	      fpu_mxcsr_out == 0xffbf && cairn_kcheck() == 0, "xmm writes bad %ld; MXCSR write %ld/%lx, back %lx; "
	      "without LIVE %ld; send %ld dispatch %ld rounds %ld; xmm seen wrong %ld (xmm0 %lx); MXCSR seen %x", bad,
	      mx.r0, mx.r1, mx_back, plain.r0, s, d2, f_rounds, wrong2, fpu_out[0], fpu_mxcsr_out);
}

/* ---- ktr.10: FAULT_REG's FPU words ---- */

static struct remote g;
static volatile long g_back;

static void fpu_faulter(cairn_word tid)
{
	(void)tid;
	fpu_fault();
	g_back = 1;
	for (;;)
		cairn_thread_dispatch(ME, 0, 0);
}

static void test_fault_fpu(void)
{
	fault_in[0] = FX4;
	fault_in[1] = ~FX4;
	long mk = make_thread(&g, comp_cf, fpu_faulter, 0, my_rcv);
	long d = mk ? mk : cairn_thread_dispatch(g.thr, 0, 0);	/* faults, the keeper resumes it, it dispatches back */
	drain();
	CHECK("ktr.10", "fault_reg_fpu_words", mk == 0 && d == 0 && k_calls == 1 && k_vector == 6 &&
	      k_rip == (long)fpu_fault_at && k_read[0].r0 == 0 && k_read[0].r1 == FX4 && k_read[1].r0 == 0 &&
	      k_read[1].r1 == ~FX4 && k_inval == CAIRN_EINVAL && k_range == CAIRN_ERANGE && k_live.r0 == 0 &&
	      k_live.r1 == FX4 && k_after == (long)FX4 && k_mxcsr.r0 == 0 && k_mxcsr.r1 == MXCSR_KEPT &&
	      k_write[0].r0 == 0 && k_write[1].r0 == 0 && k_write[2].r0 == 0 && g_back == 1 &&
	      fault_out[0] == FX4_NEW && fault_out[1] == ~FX4_NEW && cairn_kcheck() == 0,
	      "setup %ld dispatch %ld; keeper calls %ld vector %ld rip %lx (want %lx); xmm4 %ld/%lx %ld/%lx; a1=4 %ld, "
	      "74 %ld, LIVE %ld/%lx, after %lx; MXCSR %ld/%lx; writes %ld %ld %ld; back %ld, xmm4 seen %lx %lx", mk, d,
	      k_calls, k_vector, k_rip, (long)fpu_fault_at, k_read[0].r0, k_read[0].r1, k_read[1].r0, k_read[1].r1,
	      k_inval, k_range, k_live.r0, k_live.r1, k_after, k_mxcsr.r0, k_mxcsr.r1, k_write[0].r0, k_write[1].r0,
	      k_write[2].r0, g_back, fault_out[0], fault_out[1]);
}

/* ---- ktr.11: D, blocked inside S's gate ---- */

static struct remote dt;
static struct cairn_ret2 d_res;
static volatile long d_stage;

static void deep_waiter(cairn_word tid)
{
	(void)tid;
	d_res = cairn_sinv_call(wait_gate, dt.rcv, 0, 0, 0);
	d_stage = 1;
	for (;;)
		cairn_thread_dispatch(ME, 0, 0);
}

static void test_in_gate(void)
{
	long mk = make_thread(&dt, COMP, deep_waiter, 0, my_rcv);
	long d1 = mk ? mk : cairn_thread_dispatch(dt.thr, 0, 0);	/* it blocks in S */
	long rd = treg(dt.thr, CAIRN_REG_RIP, LIVE, 0).r0;
	long wr = treg(dt.thr, CAIRN_REG_RIP, WLIVE, (uint64_t)capture).r0;
	long wx = treg(dt.thr, XMM_WORD(0), WLIVE, 1).r0;
	long plain = treg(dt.thr, CAIRN_REG_RIP, 0, 0).r0;
	long runs = (long)cap_runs;
	long s = cairn_asnd_send(dt.snd, 0);
	long d2 = cairn_thread_dispatch(dt.thr, 0, 0);
	drain();
	CHECK("ktr.11", "inside_a_gate_busy", mk == 0 && d1 == 0 && rd == CAIRN_EBUSY && wr == CAIRN_EBUSY &&
	      wx == CAIRN_EBUSY && plain == CAIRN_EBUSY && s == 0 && d2 == 0 && d_stage == 1 && d_res.r0 == 0x41 &&
	      d_res.r1 == 0x41 && (long)cap_runs == runs, "setup %ld dispatch %ld; LIVE read %ld write %ld xmm %ld, "
	      "without %ld; send %ld dispatch %ld stage %ld results %lx %lx", mk, d1, rd, wr, wx, plain, s, d2,
	      d_stage, d_res.r0, d_res.r1);
}

/* ---- ktr.12: Q, stopped at home ---- */

static struct remote q;
#define Q_STATUS 0x9f9fUL

static void quitter(cairn_word tid)
{
	(void)tid;
	cairn_debug_stop(Q_STATUS);
}

static void test_stopped(void)
{
	long mk = make_thread(&q, COMP, quitter, 0, my_rcv);
	long d = mk ? mk : cairn_thread_dispatch(q.thr, 0, 0);	/* it stops */
	uint64_t rbx0 = treg(q.thr, CAIRN_REG_RBX, 0, 0).r1;
	long e4 = treg(q.thr, CAIRN_REG_RDI, 4, 0).r0;
	long e8 = treg(q.thr, CAIRN_REG_RDI, 8, 0).r0;
	long e63 = treg(q.thr, CAIRN_REG_RDI, 1UL << 63, 0).r0;
	long ew = treg(q.thr, CAIRN_REG_RBX, 4 | CAIRN_REG_WRITE, 0x77).r0;
	long er = treg(q.thr, 1UL << 63, 0, 0).r0;
	uint64_t rbx1 = treg(q.thr, CAIRN_REG_RBX, 0, 0).r1;
	struct cairn_ret2 st = treg(q.thr, CAIRN_REG_RDI, LIVE, 0);
	struct cairn_ret2 lw = treg(q.thr, CAIRN_REG_RAX, WLIVE, 0x4321);
	struct cairn_ret2 pr = treg(q.thr, CAIRN_REG_RAX, 0, 0);
	drain();
	CHECK("ktr.12", "stopped_a1_checked", mk == 0 && d == 0 && e4 == CAIRN_EINVAL && e8 == CAIRN_EINVAL &&
	      e63 == CAIRN_EINVAL && ew == CAIRN_EINVAL && er == CAIRN_ERANGE && rbx1 == rbx0 && st.r0 == 0 &&
	      st.r1 == Q_STATUS && lw.r0 == 0 && pr.r0 == 0 && pr.r1 == 0x4321,
	      "setup %ld dispatch %ld; a1 4 %ld, 8 %ld, 2^63 %ld, 4|WRITE %ld (rbx %lx -> %lx); 2^63 %ld; LIVE rdi "
	      "%ld/%lx, write %ld, read %ld/%lx", mk, d, e4, e8, e63, ew, rbx0, rbx1, er, st.r0, st.r1, lw.r0, pr.r0,
	      pr.r1);
}

/* ---- ktr.13: Y, running on core 1 ---- */

static struct remote y;
static volatile long y_inside, y_go, y_done;

static void core1_spinner(cairn_word tid)
{
	(void)tid;
	__atomic_store_n(&y_inside, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&y_go, __ATOMIC_ACQUIRE))
		;
	__atomic_store_n(&y_done, 1, __ATOMIC_RELEASE);
}

static void test_other_core(void)
{
	long mk = make_thread(&y, COMP, core1_spinner, 1, 0);
	long s = mk ? mk : cairn_asnd_send(y.snd, 0);	/* starts it on core 1 */
	bool inside = s == 0 && await_ms(&y_inside, 1, 4000);
	long rd = inside ? (long)treg(y.thr, CAIRN_REG_RIP, LIVE, 0).r0 : 0;
	long wr = inside ? (long)treg(y.thr, CAIRN_REG_RIP, WLIVE, (uint64_t)capture).r0 : 0;
	long wx = inside ? (long)treg(y.thr, XMM_WORD(0), WLIVE, 1).r0 : 0;
	long runs = (long)cap_runs;
	__atomic_store_n(&y_go, 1, __ATOMIC_RELEASE);
	bool done = inside && await_ms(&y_done, 1, 4000);
	CHECK("ktr.13", "running_elsewhere_busy", mk == 0 && s == 0 && inside && rd == CAIRN_EBUSY &&
	      wr == CAIRN_EBUSY && wx == CAIRN_EBUSY && done && (long)cap_runs == runs,
	      "setup %ld send %ld inside %d; LIVE read %ld write %ld xmm %ld; done %d", mk, s, inside, rd, wr, wx, done);
}

int main(const void *root)
{
	review_init(root);
	my_rcv = slot();
	if (cairn_captbl_act_rcv(CT, my_rcv, ME, 0) || build()) {
		cairn_printf("kthreadreg: setup failed\n");
		return 1;
	}
	long mk = make_thread(&b, COMP, blocker, 0, my_rcv);
	test_blocked_read(mk);
	test_blocked_refusals();
	test_blocked_write();
	test_never_run();
	test_preempted();
	test_fpu();
	test_fault_fpu();
	test_in_gate();
	test_stopped();
	if (R->cores >= 2)
		test_other_core();
	else
		cairn_printf("kthreadreg: one core: ktr.13 needs two\n");
	return 0;
}
