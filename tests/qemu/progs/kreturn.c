/*
 * kreturn: THREAD_RETURN, a server ending a waiting thread's call on its behalf
 * (docs/syscalls.md "CAIRN_OP_THREAD_RETURN"; kernel/sinv.c thread_return). First boot
 * module, kernel booted with "ktest". This program's first thread (M) schedules every
 * thread it makes; S, K, MID and CF are further components over this program's own
 * tables, so a thread can be inside one of them while its code and data stay
 * reachable. M acts from inside S (or K) by calling a gate whose handler makes the
 * THREAD_RETURN; a thread "parks" inside S by dispatching back to M from a handler.
 *
 *   kr.1  success: A calls into S, where the handler puts markers into rbx, rbp,
 *         r8-r10, r12-r15 and xmm0-15 and parks; from inside S, THREAD_RETURN on A with
 *         two distinctive results is 0; dispatched next, A resumes right after its own
 *         (raw) SINV_CALL with exactly those results in rax and rdx, its rsp as it was
 *         (its locals intact), every other general register zero (neither S's markers
 *         nor A's own values), rflags 0x202, xmm0-15 zero, FCW and MXCSR at reset;
 *         the handler never resumes; KCHECK is clean
 *   kr.2  refusals while A is parked in S, then nothing changed: through a local
 *         capability (EACCES); on the caller itself (EBUSY); from a component other
 *         than the one A is in: M at home, M inside K (EINVAL); then A, dispatched,
 *         resumes inside S's handler with every marker still in its registers, and
 *         the handler's own RETURN gives A its results
 *   kr.3  A calls into S again: an ordinary call returns normally, and a second
 *         parked call is ended by THREAD_RETURN (through cairn_sinv_call, as
 *         components/rtos/bp.c uses it); on A back in its own code, depth 0:
 *         THREAD_RETURN from M at home is EINVAL, and so is it from inside S (A is
 *         not in S); A then runs on
 *   kr.4  W blocks in RCV_WAIT inside S: EBUSY; woken by a send and dispatched, its
 *         wait returns the activation and the handler's RETURN reaches W
 *   kr.5  X stops (DEBUG_STOP) inside S, X2 faults there (S has no keeper): each
 *         EBUSY; each stays stopped (a dispatch is EINVAL) and THREAD_REG still reads
 *         its status, or the fault's vector
 *   kr.6  F faults in CF, whose keeper enters K; parked inside the keeper invocation,
 *         THREAD_RETURN from inside K is EINVAL; dispatched, the keeper goes on and
 *         its CAIRN_FAULT_STOP stops F (THREAD_REG: rdi = CAIRN_FAULT_STOP)
 *   kr.7  E calls MID, which calls S, where E parks; MID restarts (COMP_RESTART):
 *         THREAD_RETURN from inside S is ESTALE; dispatched, E resumes in S's handler
 *         with its markers intact, and its RETURN into MID is unwound by the kernel
 *         (E's call of MID returns CAIRN_ESTALE, MID never sees the result); KCHECK
 *         is clean
 *   kr.8  (two cores or more) Y runs on core 1 inside S: THREAD_RETURN from core 0
 *         inside S is EBUSY; Y's call then returns its handler's results
 *   kr.9  E2 parks in S; S restarts (COMP_RESTART, COMP_READY, the gate renewed): the
 *         new S may not end the old one's call, THREAD_RETURN is ESTALE; dispatched,
 *         E2 is unwound by the kernel (its call returns CAIRN_ESTALE, not the results)
 *         and S's old handler never resumes; KCHECK is clean. Last: S is a new
 *         generation afterwards
 */
#include "review_common.h"	/* the slots' names, R, the allocator A and slot() */
#include <stdbool.h>
#include <stddef.h>

/* Each parked call that THREAD_RETURN ends leaves its gate stack taken (docs/syscalls.md). */
CAIRN_GATE_STACKS(64);

static unsigned my_rcv;

/* ---- registers around a parked call ---- */

#define STR_(x) #x
#define STR(x) STR_(x)
#define MARK 0x5e5e5e5e5e5e5e5e		/* what S leaves in the registers of a parked call */
#define CALL_DISPATCH_ME 0x0000050000000004
_Static_assert(CALL_DISPATCH_ME == CAIRN_CALL(ME, CAIRN_OP_THREAD_DISPATCH), "dispatch to M");

/*
 * park_marked(): loads MARK into rbx, rbp, r8-r10, r12-r15 and xmm0-15, dispatches to M
 * (the caller parks), and once resumed stores what those registers hold then into
 * park_seen: [0] the dispatch's result, [1..9] rbx rbp r8 r9 r10 r12 r13 r14 r15, [10..25]
 * the low halves of xmm0-15.
 */
#define PARK_SEEN 26
uint64_t park_seen[PARK_SEEN];
void park_marked(void);
__asm__(".text\n.globl park_marked\npark_marked:\n"
	"\tpush %rbx\n\tpush %rbp\n\tpush %r12\n\tpush %r13\n\tpush %r14\n\tpush %r15\n"
	"\tmovabs $" STR(MARK) ", %rax\n"
	"\tmov %rax, %rbx\n\tmov %rax, %rbp\n\tmov %rax, %r8\n\tmov %rax, %r9\n\tmov %rax, %r10\n"
	"\tmov %rax, %r12\n\tmov %rax, %r13\n\tmov %rax, %r14\n\tmov %rax, %r15\n"
	"\tmovq %rax, %xmm0\n\tmovq %rax, %xmm1\n\tmovq %rax, %xmm2\n\tmovq %rax, %xmm3\n"
	"\tmovq %rax, %xmm4\n\tmovq %rax, %xmm5\n\tmovq %rax, %xmm6\n\tmovq %rax, %xmm7\n"
	"\tmovq %rax, %xmm8\n\tmovq %rax, %xmm9\n\tmovq %rax, %xmm10\n\tmovq %rax, %xmm11\n"
	"\tmovq %rax, %xmm12\n\tmovq %rax, %xmm13\n\tmovq %rax, %xmm14\n\tmovq %rax, %xmm15\n"
	"\tmovabs $" STR(CALL_DISPATCH_ME) ", %rax\n"
	"\txor %edi, %edi\n\txor %esi, %esi\n"
	"\tsyscall\n"
	"\tmov %rax, park_seen+0(%rip)\n"
	"\tmov %rbx, park_seen+8(%rip)\n\tmov %rbp, park_seen+16(%rip)\n\tmov %r8, park_seen+24(%rip)\n"
	"\tmov %r9, park_seen+32(%rip)\n\tmov %r10, park_seen+40(%rip)\n\tmov %r12, park_seen+48(%rip)\n"
	"\tmov %r13, park_seen+56(%rip)\n\tmov %r14, park_seen+64(%rip)\n\tmov %r15, park_seen+72(%rip)\n"
	"\tmovq %xmm0, %rax\n\tmov %rax, park_seen+80(%rip)\n\tmovq %xmm1, %rax\n\tmov %rax, park_seen+88(%rip)\n"
	"\tmovq %xmm2, %rax\n\tmov %rax, park_seen+96(%rip)\n\tmovq %xmm3, %rax\n\tmov %rax, park_seen+104(%rip)\n"
	"\tmovq %xmm4, %rax\n\tmov %rax, park_seen+112(%rip)\n\tmovq %xmm5, %rax\n\tmov %rax, park_seen+120(%rip)\n"
	"\tmovq %xmm6, %rax\n\tmov %rax, park_seen+128(%rip)\n\tmovq %xmm7, %rax\n\tmov %rax, park_seen+136(%rip)\n"
	"\tmovq %xmm8, %rax\n\tmov %rax, park_seen+144(%rip)\n\tmovq %xmm9, %rax\n\tmov %rax, park_seen+152(%rip)\n"
	"\tmovq %xmm10, %rax\n\tmov %rax, park_seen+160(%rip)\n\tmovq %xmm11, %rax\n\tmov %rax, park_seen+168(%rip)\n"
	"\tmovq %xmm12, %rax\n\tmov %rax, park_seen+176(%rip)\n\tmovq %xmm13, %rax\n\tmov %rax, park_seen+184(%rip)\n"
	"\tmovq %xmm14, %rax\n\tmov %rax, park_seen+192(%rip)\n\tmovq %xmm15, %rax\n\tmov %rax, park_seen+200(%rip)\n"
	"\tpop %r15\n\tpop %r14\n\tpop %r13\n\tpop %r12\n\tpop %rbp\n\tpop %rbx\n"
	"\tret\n");

/* Whether a parked call, resumed, found the dispatch's 0 and every marker in place. */
static bool park_intact(void)
{
	bool ok = park_seen[0] == 0;

	for (unsigned i = 1; i < PARK_SEEN; i++)
		ok &= park_seen[i] == MARK;
	return ok;
}

/*
 * raw_call(io): a system call with rax, rdi, rsi, rdx, r10, r8, r9 from in[], pattern
 * in rbx, rbp, r12-r15 and xmm0-15; afterwards every general register, rflags and the
 * FXSAVE image as they came back, and rsp just before the syscall in sp. It keeps the
 * callee-saved registers itself (cairn_sinv_call would hide what came back in them).
 */
struct raw_io {
	uint64_t in[7];		/* rax rdi rsi rdx r10 r8 r9 */
	uint64_t pattern;
	uint64_t sp;
	uint64_t out[17];	/* rax rbx rcx rdx rsi rdi rbp rsp r8 r9 r10 r11 r12 r13 r14 r15 rflags */
	uint8_t fx[512] __attribute__((aligned(16)));
};
enum { O_RAX, O_RBX, O_RCX, O_RDX, O_RSI, O_RDI, O_RBP, O_RSP, O_R8, O_R9, O_R10, O_R11, O_R12, O_R13, O_R14,
       O_R15, O_RFLAGS };
_Static_assert(offsetof(struct raw_io, pattern) == 56 && offsetof(struct raw_io, sp) == 64 &&
	       offsetof(struct raw_io, out) == 72 && offsetof(struct raw_io, fx) == 208, "raw_call's offsets");

void raw_call(struct raw_io *io);
__asm__(".text\n.globl raw_call\nraw_call:\n"
	"\tpush %rbx\n\tpush %rbp\n\tpush %r12\n\tpush %r13\n\tpush %r14\n\tpush %r15\n"
	"\tpush %rdi\n"
	"\tmov 56(%rdi), %rbx\n\tmov %rbx, %rbp\n\tmov %rbx, %r12\n\tmov %rbx, %r13\n"
	"\tmov %rbx, %r14\n\tmov %rbx, %r15\n"
	"\tmovq %rbx, %xmm0\n\tmovq %rbx, %xmm1\n\tmovq %rbx, %xmm2\n\tmovq %rbx, %xmm3\n"
	"\tmovq %rbx, %xmm4\n\tmovq %rbx, %xmm5\n\tmovq %rbx, %xmm6\n\tmovq %rbx, %xmm7\n"
	"\tmovq %rbx, %xmm8\n\tmovq %rbx, %xmm9\n\tmovq %rbx, %xmm10\n\tmovq %rbx, %xmm11\n"
	"\tmovq %rbx, %xmm12\n\tmovq %rbx, %xmm13\n\tmovq %rbx, %xmm14\n\tmovq %rbx, %xmm15\n"
	"\tmov %rsp, 64(%rdi)\n"
	"\tmov 0(%rdi), %rax\n\tmov 16(%rdi), %rsi\n\tmov 24(%rdi), %rdx\n"
	"\tmov 32(%rdi), %r10\n\tmov 40(%rdi), %r8\n\tmov 48(%rdi), %r9\n"
	"\tmov 8(%rdi), %rdi\n"
	"\tsyscall\n"
	"\tmov %rsp, %r11\n"			/* (r11 as the syscall left it: not checked) */
	"\txchg %rdi, (%rsp)\n"
	"\tmov %rax, 72(%rdi)\n\tmov %rbx, 80(%rdi)\n\tmov %rcx, 88(%rdi)\n\tmov %rdx, 96(%rdi)\n"
	"\tmov %rsi, 104(%rdi)\n\tmov %rbp, 120(%rdi)\n\tmov %r11, 128(%rdi)\n"
	"\tmov %r8, 136(%rdi)\n\tmov %r9, 144(%rdi)\n\tmov %r10, 152(%rdi)\n"
	"\tmov %r12, 168(%rdi)\n\tmov %r13, 176(%rdi)\n\tmov %r14, 184(%rdi)\n\tmov %r15, 192(%rdi)\n"
	"\tmov (%rsp), %rax\n\tmov %rax, 112(%rdi)\n"
	"\tpushfq\n\tpop %rax\n\tmov %rax, 200(%rdi)\n"
	"\tfxsave 208(%rdi)\n"
	"\tpop %rdi\n"
	"\tpop %r15\n\tpop %r14\n\tpop %r13\n\tpop %r12\n\tpop %rbp\n\tpop %rbx\n"
	"\tret\n");

/* ---- S, K, MID, CF and their gates ---- */

enum { PLAIN, PARK };
static volatile long parks, park_resumes;

/* S: a = PLAIN returns (b + 1, c + 1) at once; PARK parks first (park_marked). */
static struct cairn_ret2 park(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
			      cairn_word tid)
{
	(void)d, (void)badge, (void)tid;
	if (a == PARK) {
		parks++;
		park_marked();
		park_resumes++;
	}
	return (struct cairn_ret2){ b + 1, c + 1 };
}
CAIRN_GATE(park_entry, park)

/* S and K: THREAD_RETURN on thread slot a with results b, c, from inside the gate's component. */
static struct cairn_ret2 ret(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
			     cairn_word tid)
{
	(void)d, (void)badge, (void)tid;
	return (struct cairn_ret2){ (cairn_word)cairn_thread_return((unsigned)a, b, c), 0 };
}
CAIRN_GATE(ret_entry, ret)

/* S: waits on endpoint a, returns (activations + 0x40, 0x41). */
static struct cairn_ret2 waits(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
			       cairn_word tid)
{
	(void)b, (void)c, (void)d, (void)badge, (void)tid;
	long n = cairn_rcv_wait((unsigned)a);
	return (struct cairn_ret2){ (cairn_word)n + 0x40, 0x41 };
}
CAIRN_GATE(wait_entry, waits)

#define STOP_STATUS 0x5707
static struct cairn_ret2 stops(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
			       cairn_word tid)
{
	(void)a, (void)b, (void)c, (void)d, (void)badge, (void)tid;
	cairn_debug_stop(STOP_STATUS);
	return (struct cairn_ret2){ 0, 0 };
}
CAIRN_GATE(stop_entry, stops)

static struct cairn_ret2 faults(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
				cairn_word tid)
{
	static volatile uint64_t nowhere = 8;	/* unmapped: a page fault */

	(void)a, (void)b, (void)c, (void)d, (void)badge, (void)tid;
	*(volatile long *)nowhere = 1;
	return (struct cairn_ret2){ 0, 0 };
}
CAIRN_GATE(fault_entry, faults)

/* S (kr.8): spins until told to go, with y_inside set. */
static volatile long y_inside, y_go, y_done;

static struct cairn_ret2 spins(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
			       cairn_word tid)
{
	(void)a, (void)b, (void)c, (void)d, (void)badge, (void)tid;
	__atomic_store_n(&y_inside, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&y_go, __ATOMIC_ACQUIRE))
		;
	return (struct cairn_ret2){ 0x51, 0x52 };
}
CAIRN_GATE(spin_entry, spins)

/* K: CF's keeper; parks inside the keeper invocation, then stops the faulting thread. */
static volatile long k_calls, k_resumes;
static volatile cairn_word k_vector;

static struct cairn_ret2 keeper(cairn_word vector, cairn_word error, cairn_word addr, cairn_word rip,
				cairn_word badge, cairn_word tid)
{
	(void)error, (void)addr, (void)rip, (void)badge, (void)tid;
	k_calls++;
	k_vector = vector;
	cairn_thread_dispatch(ME, 0, 0);
	k_resumes++;
	return (struct cairn_ret2){ CAIRN_FAULT_STOP, 0 };
}
CAIRN_GATE(keeper_entry, keeper)

/* MID: calls S's park gate with PARK; counts the calls that came back. */
static unsigned park_gate;
static volatile long mid_calls, mid_backs;

static struct cairn_ret2 mid(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
			     cairn_word tid)
{
	(void)c, (void)d, (void)badge, (void)tid;
	mid_calls++;
	struct cairn_ret2 r = cairn_sinv_call(park_gate, PARK, a, b, 0);
	mid_backs++;
	return r;
}
CAIRN_GATE(mid_entry, mid)

static unsigned comp_s, comp_k, comp_mid, comp_cf;
static unsigned sret_gate, kret_gate, wait_gate, stop_gate, fault_gate, spin_gate, mid_gate, keeper_gate;

static long new_comp(unsigned *c)
{
	*c = slot();
	return cairn_captbl_act_comp(CT, *c, MEM, cairn_frame(&A, K), CT, PT, (uint64_t)_start);
}

static long new_gate(unsigned *g, unsigned comp, char *entry)
{
	*g = slot();
	return cairn_captbl_act_sinv(CT, *g, comp, (uint64_t)entry, 0, 0);
}

static long build(void)
{
	long r = new_comp(&comp_s) | new_comp(&comp_k) | new_comp(&comp_mid) | new_comp(&comp_cf);

	if (r == 0)
		r = new_gate(&park_gate, comp_s, park_entry) | new_gate(&sret_gate, comp_s, ret_entry) |
		    new_gate(&wait_gate, comp_s, wait_entry) | new_gate(&stop_gate, comp_s, stop_entry) |
		    new_gate(&fault_gate, comp_s, fault_entry) |
		    new_gate(&spin_gate, comp_s, spin_entry) | new_gate(&kret_gate, comp_k, ret_entry) |
		    new_gate(&keeper_gate, comp_k, keeper_entry) | new_gate(&mid_gate, comp_mid, mid_entry);
	if (r == 0)
		r = cairn_comp_keeper(comp_cf, keeper_gate);
	return r;
}

/* THREAD_RETURN on thr from inside S, from inside K. */
static long sret(unsigned thr, cairn_word r0, cairn_word r1)
{
	return (long)cairn_sinv_call(sret_gate, thr, r0, r1, 0).r0;
}

static long kret(unsigned thr, cairn_word r0, cairn_word r1)
{
	return (long)cairn_sinv_call(kret_gate, thr, r0, r1, 0).r0;
}

/* ---- threads ---- */

static void drain(void)
{
	while (cairn_rcv_event(my_rcv).r1 != CAIRN_EVENT_NONE)
		;
}

/* kr.1-kr.3: the client, A. */
#define R0 0x7e7e0000c0ffee01UL
#define R1 0x7e7e0000c0ffee02UL
#define R2 0x1234UL
#define R3 0x5678UL
#define PATTERN 0x0a0a0a0a0a0a0a0aUL
#define CANARY 0xca11ab1e0000beefUL

static struct raw_io io;
static struct cairn_ret2 a_first, a_plain, a_again;
static volatile long a_stage, a_loops;
static volatile bool a_canary;
static struct remote a;

static void client(cairn_word tid)
{
	volatile uint64_t canary[4] = { CANARY, CANARY + 1, CANARY + 2, CANARY + 3 };

	(void)tid;
	a_first = cairn_sinv_call(park_gate, PARK, 0x100, 0x200, 0);	/* kr.2 */
	a_stage = 1;
	cairn_thread_dispatch(ME, 0, 0);
	io.in[0] = CAIRN_CALL(park_gate, CAIRN_OP_SINV_CALL);		/* kr.1 */
	io.in[1] = 0x1d1;
	io.in[2] = PARK;
	io.in[3] = 0x300;
	io.in[4] = 0x400;
	io.in[5] = 0x4d4;
	io.in[6] = 0x6d6;
	io.pattern = PATTERN;
	raw_call(&io);
	a_canary = canary[0] == CANARY && canary[1] == CANARY + 1 && canary[2] == CANARY + 2 &&
		   canary[3] == CANARY + 3;
	a_stage = 2;
	cairn_thread_dispatch(ME, 0, 0);
	a_plain = cairn_sinv_call(park_gate, PLAIN, 5, 6, 0);		/* kr.3 */
	a_again = cairn_sinv_call(park_gate, PARK, 0x700, 0x800, 0);
	a_stage = 3;
	for (;;) {
		cairn_thread_dispatch(ME, 0, 0);
		a_loops++;
	}
}

/* What came back to A's raw call: exactly R0, R1, its own rsp, the rest at reset. */
static bool raw_reset(unsigned *bad)
{
	static const unsigned zero[] = { O_RBX, O_RSI, O_RDI, O_RBP, O_R8, O_R9, O_R10, O_R12, O_R13, O_R14, O_R15 };
	const uint8_t *fx = io.fx;
	unsigned n = 0;

	for (unsigned i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		n += io.out[zero[i]] != 0;
	for (unsigned i = 160; i < 160 + 16 * 16; i++)	/* xmm0-15 */
		n += fx[i] != 0;
	n += *(const uint16_t *)fx != 0x37f;		/* FCW */
	n += *(const uint32_t *)(fx + 24) != 0x1f80;	/* MXCSR */
	n += io.out[O_RFLAGS] != 0x202;
	*bad = n;
	return io.out[O_RAX] == R0 && io.out[O_RDX] == R1 && io.out[O_RSP] == io.sp && n == 0;
}

static void test_client(void)
{
	unsigned la = slot();
	long mk = make_thread(&a, COMP, client, 0, my_rcv);
	if (mk == 0)
		mk = cairn_thread_local(a.thr, CT, la);

	/* kr.2: A parks in S; refusals; A resumes there */
	long d1 = mk ? mk : cairn_thread_dispatch(a.thr, 0, 0);
	long parked1 = parks;
	long e_local = sret(la, R0, R1);
	long e_self = sret(ME, R0, R1);
	long e_home = cairn_thread_return(a.thr, R0, R1);
	long e_k = kret(a.thr, R0, R1);
	for (unsigned i = 0; i < PARK_SEEN; i++)
		park_seen[i] = 0;
	long d2 = cairn_thread_dispatch(a.thr, 0, 0);
	bool intact = park_intact();
	cairn_check("kr.2", "refusals_change_nothing", mk == 0 && d1 == 0 && parked1 == 1 && e_local == CAIRN_EACCES &&
		    e_self == CAIRN_EBUSY && e_home == CAIRN_EINVAL && e_k == CAIRN_EINVAL && d2 == 0 && intact &&
		    park_resumes == 1 && a_stage == 1 && a_first.r0 == 0x101 && a_first.r1 == 0x201,
		    "setup %ld, dispatch %ld (parked %ld); local %ld, self %ld, from home %ld, from K %ld; then "
		    "dispatch %ld, markers intact %d (dispatch result %lx, rbx %lx, xmm15 %lx), resumed %ld, stage %ld, "
		    "results %lx %lx", mk, d1, parked1, e_local, e_self, e_home, e_k, d2, intact, park_seen[0],
		    park_seen[1], park_seen[25], park_resumes, a_stage, a_first.r0, a_first.r1);

	/* kr.1: A parks in S again, with its raw call; S returns it */
	long d3 = cairn_thread_dispatch(a.thr, 0, 0);
	long parked2 = parks;
	long ok = sret(a.thr, R0, R1);
	long k1 = cairn_kcheck();
	long d4 = cairn_thread_dispatch(a.thr, 0, 0);
	unsigned bad = 0;
	bool reset = raw_reset(&bad);
	cairn_check("kr.1", "return_on_its_behalf", d3 == 0 && parked2 == 2 && ok == 0 && k1 == 0 && d4 == 0 &&
		    a_stage == 2 && reset && a_canary && park_resumes == 1 && cairn_kcheck() == 0,
		    "dispatch %ld (parked %ld), THREAD_RETURN %ld (kcheck %ld), dispatch %ld, stage %ld; rax %lx rdx %lx "
		    "rsp %lx (was %lx), rbx %lx r12 %lx rflags %lx, %u registers not at reset; locals intact %d; "
		    "the handler resumed %ld", d3, parked2, ok, k1, d4, a_stage, io.out[O_RAX], io.out[O_RDX],
		    io.out[O_RSP], io.sp, io.out[O_RBX], io.out[O_R12], io.out[O_RFLAGS], bad, a_canary, park_resumes);

	/* kr.3: an ordinary call, a second parked one ended by THREAD_RETURN; then A at home */
	long d5 = cairn_thread_dispatch(a.thr, 0, 0);
	long parked3 = parks;
	long ok2 = sret(a.thr, R2, R3);
	long e_depth0 = ok2 ? ok2 : cairn_thread_return(a.thr, 1, 2);	/* back in C0, depth 0 */
	long d6 = cairn_thread_dispatch(a.thr, 0, 0);
	long e_home0 = cairn_thread_return(a.thr, 1, 2);	/* in its own code */
	long e_s = sret(a.thr, 1, 2);				/* not in S */
	long loops = a_loops;
	long d7 = cairn_thread_dispatch(a.thr, 0, 0);
	drain();
	cairn_check("kr.3", "second_invocation", d5 == 0 && parked3 == 3 && a_plain.r0 == 6 && a_plain.r1 == 7 &&
		    ok2 == 0 && e_depth0 == CAIRN_EINVAL && d6 == 0 && a_stage == 3 && a_again.r0 == R2 &&
		    a_again.r1 == R3 && e_home0 == CAIRN_EINVAL && e_s == CAIRN_EINVAL && d7 == 0 &&
		    a_loops == loops + 1 && park_resumes == 1 && cairn_kcheck() == 0,
		    "dispatch %ld: plain %lx %lx, parked %ld, THREAD_RETURN %ld, before it ran %ld; dispatch %ld, stage "
		    "%ld, results %lx %lx; at home: from home %ld, from S %ld; dispatch %ld (ran on %d)", d5,
		    a_plain.r0, a_plain.r1, parked3, ok2, e_depth0, d6, a_stage, a_again.r0, a_again.r1, e_home0, e_s,
		    d7, a_loops == loops + 1);
}

/* kr.4: W blocks inside S. */
static struct remote w;
static struct cairn_ret2 w_res;
static volatile long w_stage;

static void waiter(cairn_word tid)
{
	(void)tid;
	w_res = cairn_sinv_call(wait_gate, w.rcv, 0, 0, 0);
	w_stage = 1;
	for (;;)
		cairn_thread_dispatch(ME, 0, 0);
}

static void test_blocked(void)
{
	long mk = make_thread(&w, COMP, waiter, 0, my_rcv);
	long d1 = mk ? mk : cairn_thread_dispatch(w.thr, 0, 0);	/* it blocks in S */
	long again = cairn_thread_dispatch(w.thr, 0, 0);		/* EAGAIN: blocked */
	long e = sret(w.thr, R0, R1);
	long s = cairn_asnd_send(w.snd, 0);
	long d2 = cairn_thread_dispatch(w.thr, 0, 0);
	drain();
	cairn_check("kr.4", "blocked_busy", mk == 0 && d1 == 0 && again == CAIRN_EAGAIN && e == CAIRN_EBUSY && s == 0 &&
		    d2 == 0 && w_stage == 1 && w_res.r0 == 0x41 && w_res.r1 == 0x41,
		    "setup %ld, dispatch %ld, again %ld; THREAD_RETURN %ld; send %ld, dispatch %ld, stage %ld, results "
		    "%lx %lx", mk, d1, again, e, s, d2, w_stage, w_res.r0, w_res.r1);
}

/* kr.5: X stops inside S, X2 faults there. */
static struct remote x, x2;
static volatile long x_back;

static void stopper(cairn_word tid)
{
	(void)tid;
	cairn_sinv_call(stop_gate, 0, 0, 0, 0);
	x_back = 1;
}

static void fault_caller(cairn_word tid)
{
	(void)tid;
	cairn_sinv_call(fault_gate, 0, 0, 0, 0);
	x_back = 2;
}

static void test_stopped(void)
{
	long mk = make_thread(&x, COMP, stopper, 0, my_rcv);
	long d1 = mk ? mk : cairn_thread_dispatch(x.thr, 0, 0);	/* it stops in S */
	long e = sret(x.thr, R0, R1);
	struct cairn_ret2 rdi = cairn_thread_reg(x.thr, CAIRN_REG_RDI, 0, 0);
	long d2 = cairn_thread_dispatch(x.thr, 0, 0);
	long mk2 = make_thread(&x2, COMP, fault_caller, 0, my_rcv);
	long f1 = mk2 ? mk2 : cairn_thread_dispatch(x2.thr, 0, 0);	/* it faults in S: stopped */
	long ef = sret(x2.thr, R0, R1);
	struct cairn_ret2 vec = cairn_thread_reg(x2.thr, CAIRN_REG_VECTOR, 0, 0);
	long f2 = cairn_thread_dispatch(x2.thr, 0, 0);
	drain();
	cairn_check("kr.5", "stopped_busy", mk == 0 && d1 == 0 && e == CAIRN_EBUSY && rdi.r0 == 0 &&
		    rdi.r1 == STOP_STATUS && d2 == CAIRN_EINVAL && mk2 == 0 && f1 == 0 && ef == CAIRN_EBUSY &&
		    vec.r0 == 0 && vec.r1 == 14 && f2 == CAIRN_EINVAL && x_back == 0,
		    "DEBUG_STOP: setup %ld, dispatch %ld; THREAD_RETURN %ld; THREAD_REG %ld rdi %lx; dispatch %ld; "
		    "a fault: setup %ld, dispatch %ld; THREAD_RETURN %ld; THREAD_REG %ld vector %lu; dispatch %ld; "
		    "came back %ld", mk, d1, e, (long)rdi.r0, rdi.r1, d2, mk2, f1, ef, (long)vec.r0, vec.r1, f2, x_back);
}

/* kr.6: F faults in CF into its keeper, in K. */
static struct remote f;

static void faulter(cairn_word tid)
{
	static volatile uint64_t nowhere = 8;	/* unmapped: a page fault */

	(void)tid;
	*(volatile long *)nowhere = 1;
}

static void test_keeper(void)
{
	long mk = make_thread(&f, comp_cf, faulter, 0, my_rcv);
	long d1 = mk ? mk : cairn_thread_dispatch(f.thr, 0, 0);	/* it parks in its keeper */
	long calls = k_calls;
	long e = kret(f.thr, R0, R1);
	long resumes = k_resumes;
	long d2 = cairn_thread_dispatch(f.thr, 0, 0);		/* the keeper stops it */
	struct cairn_ret2 rdi = cairn_thread_reg(f.thr, CAIRN_REG_RDI, 0, 0);
	drain();
	cairn_check("kr.6", "keeper_invocation", mk == 0 && d1 == 0 && calls == 1 && k_vector == 14 &&
		    e == CAIRN_EINVAL && resumes == 0 && d2 == 0 && k_resumes == 1 && rdi.r0 == 0 &&
		    rdi.r1 == CAIRN_FAULT_STOP,
		    "setup %ld, dispatch %ld, keeper calls %ld (vector %lu); THREAD_RETURN %ld; dispatch %ld, keeper "
		    "resumed %ld; THREAD_REG %ld rdi %lx", mk, d1, calls, k_vector, e, d2, k_resumes, (long)rdi.r0,
		    rdi.r1);
}

/* kr.7: E calls MID, MID calls S; MID restarts. */
static struct remote e;
static struct cairn_ret2 e_res;
static volatile long e_stage;

static void nester(cairn_word tid)
{
	(void)tid;
	e_res = cairn_sinv_call(mid_gate, 0x900, 0xa00, 0, 0);
	e_stage = 1;
	for (;;)
		cairn_thread_dispatch(ME, 0, 0);
}

static void test_stale(void)
{
	long mk = make_thread(&e, COMP, nester, 0, my_rcv);
	long p0 = parks, r0 = park_resumes;
	long d1 = mk ? mk : cairn_thread_dispatch(e.thr, 0, 0);	/* it parks in S, through MID */
	long parked = parks - p0;
	long gen = cairn_comp_restart(comp_mid);
	long st = sret(e.thr, R0, R1);
	for (unsigned i = 0; i < PARK_SEEN; i++)
		park_seen[i] = 0;
	long d2 = cairn_thread_dispatch(e.thr, 0, 0);
	bool intact = park_intact();
	long ready = cairn_comp_ready(comp_mid);
	drain();
	cairn_check("kr.7", "caller_restarted_stale", mk == 0 && d1 == 0 && parked == 1 && mid_calls == 1 && gen >= 1 &&
		    st == CAIRN_ESTALE && d2 == 0 && intact && park_resumes == r0 + 1 && mid_backs == 0 &&
		    e_stage == 1 && e_res.r0 == CAIRN_ESTALE && ready >= 0 && cairn_kcheck() == 0,
		    "setup %ld, dispatch %ld (parked %ld, MID called %ld); restart %ld; THREAD_RETURN %ld; dispatch %ld, "
		    "markers intact %d, handler resumed %ld, MID got back %ld, stage %ld, result %ld; ready %ld", mk,
		    d1, parked, mid_calls, gen, st, d2, intact, park_resumes - r0, mid_backs, e_stage, (long)e_res.r0,
		    ready);
}

/* kr.8: Y runs inside S on core 1. */
static struct remote y;
static struct cairn_ret2 y_res;

static void spinner(cairn_word tid)
{
	(void)tid;
	y_res = cairn_sinv_call(spin_gate, 0, 0, 0, 0);
	__atomic_store_n(&y_done, 1, __ATOMIC_RELEASE);
}

static void test_other_core(void)
{
	long mk = make_thread(&y, COMP, spinner, 1, 0);
	long s = mk ? mk : cairn_asnd_send(y.snd, 0);	/* starts it on core 1 */
	bool inside = s == 0 && await_ms(&y_inside, 1, 4000);
	long eb = inside ? sret(y.thr, R0, R1) : 0;
	__atomic_store_n(&y_go, 1, __ATOMIC_RELEASE);
	bool done = inside && await_ms(&y_done, 1, 4000);
	cairn_check("kr.8", "running_elsewhere_busy", mk == 0 && s == 0 && inside && eb == CAIRN_EBUSY && done &&
		    y_res.r0 == 0x51 && y_res.r1 == 0x52,
		    "setup %ld, send %ld, inside S on core 1 %d; THREAD_RETURN %ld; done %d, results %lx %lx", mk, s,
		    inside, eb, done, y_res.r0, y_res.r1);
}

/* kr.9: E2 parks in S; S restarts. */
static struct remote e2;
static struct cairn_ret2 e2_res;
static volatile long e2_stage;

static void parker(cairn_word tid)
{
	(void)tid;
	e2_res = cairn_sinv_call(park_gate, PARK, 0x900, 0xa00, 0);
	e2_stage = 1;
	for (;;)
		cairn_thread_dispatch(ME, 0, 0);
}

static void test_server_restarted(void)
{
	long mk = make_thread(&e2, COMP, parker, 0, my_rcv);
	long p0 = parks, r0 = park_resumes;
	long d1 = mk ? mk : cairn_thread_dispatch(e2.thr, 0, 0);	/* it parks in S */
	long parked = parks - p0;
	long gen = cairn_comp_restart(comp_s);
	long ready = cairn_comp_ready(comp_s);
	long renew = cairn_sinv_renew(sret_gate);
	long st = sret(e2.thr, R0, R1);
	long d2 = cairn_thread_dispatch(e2.thr, 0, 0);
	drain();
	cairn_check("kr.9", "server_restarted_stale", mk == 0 && d1 == 0 && parked == 1 && gen >= 1 && ready >= 0 &&
		    renew == gen && st == CAIRN_ESTALE && d2 == 0 && park_resumes == r0 && e2_stage == 1 &&
		    e2_res.r0 == CAIRN_ESTALE && cairn_kcheck() == 0,
		    "setup %ld, dispatch %ld (parked %ld); restart %ld, ready %ld, renew %ld; THREAD_RETURN %ld; "
		    "dispatch %ld, handler resumed %ld, stage %ld, result %ld", mk, d1, parked, gen, ready, renew, st, d2,
		    park_resumes - r0, e2_stage, (long)e2_res.r0);
}

int main(const void *root)
{
	R = root;
	A.end = R->mem_end;
	my_rcv = slot();
	if (cairn_captbl_act_rcv(CT, my_rcv, ME, 0) || build()) {
		cairn_printf("kreturn: setup failed\n");
		return 1;
	}
	test_client();
	test_blocked();
	test_stopped();
	test_keeper();
	test_stale();
	if (R->cores >= 2)
		test_other_core();
	else
		cairn_printf("kreturn: one core: kr.8 needs two\n");
	test_server_restarted();
	return 0;
}
