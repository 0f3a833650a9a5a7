/*
 * stage_serve.c: the code that runs in the stage's components (stage.h): where stage
 * threads start, the gate and keeper entries, the servers A, B, F, P and the keepers,
 * and what each gate call must return (the predictions the callers use).
 *
 * Stacks: a stage thread runs on its own stack in the shared image; a gate it calls
 * runs below the caller's stack pointer (the caller passes it in r15, which the kernel
 * leaves as the caller had it), and a keeper below the faulting stack pointer (read
 * with FAULT_REG). So nothing is taken from libcairn's pool, and a call unwound by a
 * restart (ESTALE) or a thread stopped inside a gate leaves nothing behind.
 */
#include "stage.h"

/* rax words of the calls made from assembly: CAIRN_CALL(0, op) and CAIRN_CALL(rcv, RCV_WAIT). */
#define STR_(x) #x
#define STR(x)  STR_(x)
#define CALL_RETURN    0x0000000300000000
#define CALL_FAULT_REG 0x0000000400000000
#define CALL_SINV_CALL 0x0000080000000000
#define CALL_RCV_WAIT  0x0000060000000000
_Static_assert(CALL_RETURN == CAIRN_CALL(0, CAIRN_OP_RETURN), "RETURN");
_Static_assert(CALL_FAULT_REG == CAIRN_CALL(0, CAIRN_OP_FAULT_REG), "FAULT_REG");
_Static_assert(CALL_SINV_CALL == CAIRN_CALL(0, CAIRN_OP_SINV_CALL), "SINV_CALL");
_Static_assert(CALL_RCV_WAIT == CAIRN_CALL(0, CAIRN_OP_RCV_WAIT), "RCV_WAIT");
_Static_assert(CAIRN_REG_RSP == 20, "FAULT_REG's rsp index");

char stage_stacks[NCREW][1UL << STACK_SHIFT] __attribute__((aligned(4096)));

/* A new stage thread: rsi = its crew index, rax = its id; it runs on its own stack. */
__asm__(".text\n.globl stage_thread_entry\nstage_thread_entry:\n"
	"\tmov %rsi, %rdi\n"
	"\tmov %rax, %rsi\n"
	"\tlea 1(%rdi), %rax\n"
	"\tshl $" STR(STACK_SHIFT) ", %rax\n"
	"\tlea stage_stacks(%rip), %rsp\n"
	"\tadd %rax, %rsp\n"
	"\txor %ebp, %ebp\n"
	"\tcall stage_thread_main\n"
	"\tud2\n");

/*
 * A gate: rsi, rdx, r10, r8 = the arguments, r9 = badge, rax = tid, r15 = the stack
 * the caller left for it (stage_sinv). Returns stage_serve's two results.
 */
__asm__(".text\n.globl stage_gate_entry\nstage_gate_entry:\n"
	"\tmov %r15, %rsp\n"
	"\tand $-16, %rsp\n"
	"\tmov %rsi, %rdi\n"
	"\tmov %rdx, %rsi\n"
	"\tmov %r10, %rdx\n"
	"\tmov %r8, %rcx\n"
	"\tmov %r9, %r8\n"
	"\tmov %rax, %r9\n"
	"\tcall stage_serve\n"
	"\tmov %rax, %rdi\n"
	"\tmov %rdx, %rsi\n"
	"\tmovabs $" STR(CALL_RETURN) ", %rax\n"
	"\tsyscall\n"
	"\tud2\n");

/*
 * A keeper: rsi = vector, rdx = error, r10 = address, r8 = rip, r9 = badge, rax = tid,
 * no stack: it takes one below the faulting thread's (FAULT_REG of rsp), past any red
 * zone, and returns stage_keep's two results (RESUME or STOP).
 */
__asm__(".text\n.globl stage_keeper_entry\nstage_keeper_entry:\n"
	"\tmov %rax, %r12\n"
	"\tmov %rsi, %r13\n"
	"\tmov %rdx, %r14\n"
	"\tmov %r10, %r15\n"
	"\tmov %r8, %rbx\n"
	"\tmov %r9, %rbp\n"
	"\tmov $20, %edi\n"
	"\txor %esi, %esi\n"
	"\txor %edx, %edx\n"
	"\tmovabs $" STR(CALL_FAULT_REG) ", %rax\n"
	"\tsyscall\n"
	"\ttest %rax, %rax\n"
	"\tjnz 1f\n"
	"\tlea -1024(%rdx), %rsp\n"
	"\tand $-16, %rsp\n"
	"\tmov %r13, %rdi\n"
	"\tmov %r14, %rsi\n"
	"\tmov %r15, %rdx\n"
	"\tmov %rbx, %rcx\n"
	"\tmov %rbp, %r8\n"
	"\tmov %r12, %r9\n"
	"\tcall stage_keep\n"
	"\tmov %rax, %rdi\n"
	"\tmov %rdx, %rsi\n"
	"\tmovabs $" STR(CALL_RETURN) ", %rax\n"
	"\tsyscall\n"
	"1:\tud2\n");

/*
 * Invokes a gate; the callee runs 128 bytes below our stack pointer (r15). A call
 * unwound by a restart comes back with every register but rax, rdx, rsp cleared: the
 * callee-saved ones are restored here from our stack.
 */
__asm__(".text\n.globl stage_sinv\nstage_sinv:\n"
	"\tpush %rbx\n\tpush %rbp\n\tpush %r12\n\tpush %r13\n\tpush %r14\n\tpush %r15\n"
	"\tlea -128(%rsp), %r15\n"
	"\tmov %edi, %eax\n"
	"\tmovabs $" STR(CALL_SINV_CALL) ", %r11\n"
	"\tor %r11, %rax\n"
	"\tmov %rcx, %r10\n"
	"\tsyscall\n"
	"\tpop %r15\n\tpop %r14\n\tpop %r13\n\tpop %r12\n\tpop %rbp\n\tpop %rbx\n"
	"\tret\n");

/*
 * RCV_WAIT on rcv with every register the call must keep set from pattern (rbx, rbp,
 * r12-r15, rsi, rdx, r8-r10, xmm6); *diff is nonzero if any came back changed. This is
 * how a thread checks that another core's TLS or core change while it waited (or the
 * wait itself) kept its registers.
 */
__asm__(".text\n.globl stage_wait\nstage_wait:\n"
	"\tpush %rbx\n\tpush %rbp\n\tpush %r12\n\tpush %r13\n\tpush %r14\n\tpush %r15\n"
	"\tpush %rdx\n"
	"\tmov %rsi, %rbx\n"
	"\tlea 1(%rsi), %rbp\n"
	"\tlea 2(%rsi), %r12\n"
	"\tlea 3(%rsi), %r13\n"
	"\tlea 4(%rsi), %r14\n"
	"\tlea 5(%rsi), %r15\n"
	"\tlea 6(%rsi), %r8\n"
	"\tlea 7(%rsi), %r9\n"
	"\tlea 8(%rsi), %r10\n"
	"\tlea 9(%rsi), %rdx\n"
	"\tmovq %rsi, %xmm6\n"
	"\tmov %edi, %eax\n"
	"\tmovabs $" STR(CALL_RCV_WAIT) ", %rcx\n"
	"\tor %rcx, %rax\n"
	"\tsyscall\n"
	"\tmov %rbx, %r11\n\txor %rsi, %r11\n"
	"\tlea 1(%rsi), %rcx\n\txor %rbp, %rcx\n\tor %rcx, %r11\n"
	"\tlea 2(%rsi), %rcx\n\txor %r12, %rcx\n\tor %rcx, %r11\n"
	"\tlea 3(%rsi), %rcx\n\txor %r13, %rcx\n\tor %rcx, %r11\n"
	"\tlea 4(%rsi), %rcx\n\txor %r14, %rcx\n\tor %rcx, %r11\n"
	"\tlea 5(%rsi), %rcx\n\txor %r15, %rcx\n\tor %rcx, %r11\n"
	"\tlea 6(%rsi), %rcx\n\txor %r8, %rcx\n\tor %rcx, %r11\n"
	"\tlea 7(%rsi), %rcx\n\txor %r9, %rcx\n\tor %rcx, %r11\n"
	"\tlea 8(%rsi), %rcx\n\txor %r10, %rcx\n\tor %rcx, %r11\n"
	"\tlea 9(%rsi), %rcx\n\txor %rdx, %rcx\n\tor %rcx, %r11\n"
	"\tmovq %xmm6, %rcx\n\txor %rsi, %rcx\n\tor %rcx, %r11\n"
	"\tpop %rdx\n"
	"\tmov %r11, (%rdx)\n"
	"\tpop %r15\n\tpop %r14\n\tpop %r13\n\tpop %r12\n\tpop %rbp\n\tpop %rbx\n"
	"\tret\n");

uint64_t space_id(void)
{
	return *(volatile uint64_t *)STAGE_ID_VA;
}

/* ---- predictions: what a gate call must return, from the generations (stage.h) ---- */

/*
 * A call through the copy at (holder, slot) into A: (x + 1, A's identity), or ESTALE
 * with rdx as it was (b = x) when the copy is older than A's generation.
 */
long predict_a(unsigned holder, unsigned slot, unsigned target, uint64_t x, uint64_t *r1, int fwd)
{
	uint32_t gen = fwd >= 0 ? W.fwd_gen[fwd] : W.ggen[holder][slot];

	if (fwd >= 0 && !W.fwd_live[fwd]) {
		*r1 = x;
		return CAIRN_ENOENT;	/* rescinded: as an empty slot */
	}
	if (gen != W.cgen[target]) {
		*r1 = x;
		return CAIRN_ESTALE;
	}
	*r1 = SPACE_ID(target);
	return (long)(x + (target == SP_P ? 3 : 1));
}

/*
 * A call through (holder, S_GB) into B with n levels of B's own gate below, then A
 * (or P, bottom_p: B's modes 1 and 2): x + n + 2 (P: + 4) and the bottom's identity.
 * The first stale gate on the way ends it with ESTALE (B renews its copy and passes
 * the error up, rdx 0); past the depth limit, EDEPTH. fresh: as if B's own copies
 * were up to date (what another thread's renewal of them meanwhile makes it).
 */
long predict_b(unsigned holder, unsigned n, uint64_t x, int bottom_p, uint64_t *r1, int fresh)
{
	unsigned bottom = bottom_p ? SP_P : SP_A, gslot = bottom_p ? S_GP : S_GA;

	*r1 = n;
	if (W.ggen[holder][S_GB] != W.cgen[SP_B])
		return CAIRN_ESTALE;
	*r1 = 0;
	unsigned depth = 1;	/* each call checks its gate's generation first, then the depth */
	for (unsigned level = n; level; level--, depth++) {
		if (!fresh && W.ggen[SP_B][S_GB] != W.cgen[SP_B])
			return CAIRN_ESTALE;
		if (depth == CAIRN_INV_DEPTH)
			return CAIRN_EDEPTH;
	}
	if (!fresh && W.ggen[SP_B][gslot] != W.cgen[bottom])
		return CAIRN_ESTALE;
	if (depth == CAIRN_INV_DEPTH)
		return CAIRN_EDEPTH;
	*r1 = SPACE_ID(bottom);
	return (long)(x + n + 1 + (bottom_p ? 3 : 1));
}

/* SINV_RENEW of a copy into target: the generation, or EAGAIN while it is down. */
long predict_renew(unsigned target)
{
	return W.cdown[target] ? CAIRN_EAGAIN : (long)W.cgen[target];
}

/* ---- the servers ---- */

/* A call made by server or keeper code on crew member k's thread, checked. */
static long gcall(unsigned k, uint64_t *count, long want, unsigned cap, uint32_t op, uint64_t a0, uint64_t a1,
		  uint64_t a2)
{
	long r = cairn_call(cap, op, a0, a1, a2, 0, 0, 0);

	(*count)++;
	if (want != ANY && r != want)
		stage_fail(k, "a server's call on its own table", r, want);
	return r;
}

/* Renews the server's own copy (space s, slot) of a gate into target; records its generation. */
static void renew_own(unsigned k, unsigned s, unsigned slot)
{
	long g = cairn_call(slot, CAIRN_OP_SINV_RENEW, 0, 0, 0, 0, 0, 0);

	crew[k].gate_calls++;
	if (g >= 0)
		W.ggen[s][slot] = (uint32_t)g;
	else if (g != CAIRN_EAGAIN)
		stage_fail(k, "B's renewal of its own gate", g, 0);
}

/* A: its own slot S_SCR + k filled and emptied (each error checked), then (x + 1, identity). */
static struct cairn_ret2 serve_a(unsigned k, uint64_t x)
{
	uint64_t *n = &crew[k].gate_calls;
	unsigned s = S_SCR + k;

	/*
	 * On two cores A can restart while k is between its copy and its remove (the call
	 * unwinds with ESTALE): the slot stays filled, as a restart keeps A's table. Empty
	 * it first (seed 0xc0ffee, 2 cores: the copy below got EBUSY).
	 */
	gcall(k, n, ANY, S_CT, CAIRN_OP_CAPTBL_REMOVE, s, 0, 0);
	gcall(k, n, 0, S_CT, CAIRN_OP_CAPTBL_COPY, s, S_CT, S_LEAF);
	gcall(k, n, CAIRN_EBUSY, S_CT, CAIRN_OP_CAPTBL_COPY, s, S_CT, S_LEAF);
	gcall(k, n, 0, S_CT, CAIRN_OP_CAPTBL_REMOVE, s, 0, 0);
	gcall(k, n, CAIRN_ENOENT, S_CT, CAIRN_OP_CAPTBL_REMOVE, s, 0, 0);
	gcall(k, n, 0, CAIRN_CAP_NULL, CAIRN_OP_NULL, 0, 0, 0);
	return (struct cairn_ret2){ (long)(x + 1), space_id() };
}

/*
 * B: n more levels through its own gate, then A (mode 0) or P (mode 1: parking, 2:
 * not): each level adds 1 to the bottom's result.
 */
static struct cairn_ret2 serve_b(unsigned k, uint64_t n, uint64_t x, uint64_t mode)
{
	unsigned g = n ? S_GB : mode ? S_GP : S_GA;
	struct cairn_ret2 r = n ? stage_sinv(g, k, n - 1, x, mode) : stage_sinv(g, k, x, mode == 1, 0);

	crew[k].gate_calls++;
	if (r.r0 == CAIRN_ESTALE)
		renew_own(k, SP_B, g);
	if (r.r0 < 0)
		return (struct cairn_ret2){ r.r0, 0 };
	return (struct cairn_ret2){ r.r0 + 1, r.r1 };
}

/*
 * F and F3: a fault (ud2) with rax = x ^ F_MAGIC and rbx = what the keeper is to do;
 * the keeper resumes past it with rax changed (or stops the thread). Returns rax, rbx.
 */
static __attribute__((noinline)) struct cairn_ret2 serve_f(unsigned k, uint64_t op, uint64_t x)
{
	uint64_t rax = x ^ F_MAGIC, rbx = op == F_STOP ? STOP_TAG : op == F_NEST ? NEST_TAG | k : TAG(k);
	uint64_t out;

	__asm__ volatile("mov %[tag], %%rbx\n"
			 ".globl stage_fault_site\nstage_fault_site:\n"
			 "\tud2\n"
			 "\tmov %%rbx, %[out]\n"
			 : "+a"(rax), [out] "=r"(out)
			 : [tag] "r"(rbx)
			 : "rbx", "memory");
	return (struct cairn_ret2){ (long)rax, out };
}

/* P: parks the caller (dispatches main) if asked, then (x + 3, identity). */
static struct cairn_ret2 serve_p(unsigned k, uint64_t x, uint64_t park)
{
	if (park) {
		crew[k].parked = 1;
		gcall(k, &crew[k].gate_calls, 0, S_MAIN, CAIRN_OP_THREAD_DISPATCH, 0, 0, 0);
		crew[k].parked = 0;
	}
	return (struct cairn_ret2){ (long)(x + 3), space_id() };
}

struct cairn_ret2 stage_serve(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
			      cairn_word tid);

struct cairn_ret2 stage_serve(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
			      cairn_word tid)
{
	unsigned k = (unsigned)a;

	(void)tid;
	if (k >= NCREW)
		return (struct cairn_ret2){ CAIRN_EINVAL, 0 };
	switch (badge & 0xff) {
	case R_A:  return serve_a(k, b);
	case R_B:  return serve_b(k, b, c, d);
	case R_F:
	case R_F3: return serve_f(k, b, c);
	case R_P:  return serve_p(k, b, c);
	default:   return (struct cairn_ret2){ CAIRN_EINVAL, 0 };
	}
}

/* ---- the keepers ---- */

/*
 * Kernel contract (issue 19, finding 6): a keeper that, while handling a fault, calls
 * into a component whose own fault goes to another keeper, finds its own fault record
 * unchanged afterwards (a fault record per invocation level). Today's kernel keeps one
 * per thread, so the inner fault overwrites it: the NEST fault's keeper reports that
 * and puts its registers back, so the thread resumes correctly either way.
 */
int keeper_records_nest(void)
{
	return 1;
}

static uint64_t freg(unsigned k, unsigned idx, int write, uint64_t value)
{
	struct cairn_ret2 r = cairn_fault_reg(idx, write, value);

	crew[k].keeper_calls++;
	if (r.r0 != 0)
		stage_fail(k, "FAULT_REG in a keeper", r.r0, 0);
	if (write && r.r1 != value && idx != CAIRN_REG_RFLAGS)
		stage_fail(k, "FAULT_REG wrote another value", (long)r.r1, (long)value);
	return r.r1;
}

/* K1 for a NEST fault: F3 through its gate (its fault goes to K2), then our record again. */
static void keep_nested(unsigned k)
{
	uint64_t before[CAIRN_REG_COUNT], after;
	int changed = 0;

	for (unsigned i = 0; i < CAIRN_REG_COUNT; i++)
		before[i] = freg(k, i, 0, 0);
	uint64_t y = before[CAIRN_REG_RAX] * 3 + k;
	struct cairn_ret2 r = stage_sinv(S_GF, k, F_RESUME, y, 0);
	crew[k].keeper_calls++;
	if (r.r0 != (long)((y ^ F_MAGIC) + 1) || r.r1 != TAG(k))
		stage_fail(k, "a keeper's call into a component whose keeper resumed it", r.r0,
			   (long)((y ^ F_MAGIC) + 1));
	for (unsigned i = 0; i < CAIRN_REG_COUNT; i++) {
		after = freg(k, i, 0, 0);
		changed |= after != before[i];
	}
	crew[k].nests++;
	if (changed == keeper_records_nest())
		stage_failf(k, 6, keeper_records_nest() ? "a keeper's fault record changed under a nested fault "
				"(issue 19 finding 6)" : "a keeper's fault record survived a nested fault", changed, 0);
	if (!changed)
		return;
	for (unsigned i = 0; i <= CAIRN_REG_RAX; i++)	/* put ours back, so it resumes right */
		freg(k, i, 1, before[i]);
	freg(k, CAIRN_REG_RFLAGS, 1, before[CAIRN_REG_RFLAGS]);
	freg(k, CAIRN_REG_RSP, 1, before[CAIRN_REG_RSP]);
}

struct cairn_ret2 stage_keep(cairn_word vector, cairn_word error, cairn_word addr, cairn_word rip,
			     cairn_word badge, cairn_word tid);

/*
 * K1, K2: the fault must be F's ud2 with our tag in rbx. STOP_TAG: stop the thread;
 * otherwise resume past the ud2 with rax + 1 (NEST: + 2, after nesting).
 */
struct cairn_ret2 stage_keep(cairn_word vector, cairn_word error, cairn_word addr, cairn_word rip,
			     cairn_word badge, cairn_word tid)
{
	(void)error, (void)addr, (void)tid;
	uint64_t rbx = cairn_fault_reg(CAIRN_REG_RBX, 0, 0).r1;
	unsigned k = rbx == STOP_TAG ? V_IDX : (unsigned)(rbx & 0xff);

	if (k >= NCREW)
		return (struct cairn_ret2){ CAIRN_FAULT_STOP, 0 };
	crew[k].keeper_calls++;
	if (vector != 6 || rip != (uint64_t)stage_fault_site || freg(k, CAIRN_REG_RIP, 0, 0) != rip)
		stage_fail(k, "a keeper's fault is not F's ud2", (long)vector, 6);
	if (rbx == STOP_TAG)
		return (struct cairn_ret2){ CAIRN_FAULT_STOP, 0 };
	int nest = (rbx & ~0xffUL) == NEST_TAG;
	if (nest && (badge & 0xff) == R_K1)
		keep_nested(k);
	uint64_t rax = freg(k, CAIRN_REG_RAX, 0, 0);
	freg(k, CAIRN_REG_RIP, 1, rip + 2);
	freg(k, CAIRN_REG_RAX, 1, rax + 1 + nest);
	return (struct cairn_ret2){ CAIRN_FAULT_RESUME, 0 };
}
