/*
 * run.c: the one path every call takes: issued with every register set, its result
 * checked against the defined errors and against what the model implies, recorded for
 * the failure report, and applied to the model when it succeeds.
 */
#include "hostile.h"

/* Registers in and out of hostile_raw: rax rdi rsi rdx r10 r8 r9 rbx rbp r12-r15 rsp. */
struct regs_io {
	uint64_t in[14], out[14];
};

/*
 * Issues one syscall with every register set from io->in (callee-saved ones too, to
 * patterns), and stores every register afterwards in io->out. It saves and restores
 * the callee-saved registers itself, so even a confined gate's return, which clears
 * them, cannot disturb the C code around it.
 */
void hostile_raw(struct regs_io *io);
__asm__(".text\n.globl hostile_raw\nhostile_raw:\n"
	"\tpush %rbx\n\tpush %rbp\n\tpush %r12\n\tpush %r13\n\tpush %r14\n\tpush %r15\n"
	"\tpush %rdi\n"
	"\tmov %rsp, 104(%rdi)\n"
	"\tmov 56(%rdi), %rbx\n\tmov 64(%rdi), %rbp\n\tmov 72(%rdi), %r12\n"
	"\tmov 80(%rdi), %r13\n\tmov 88(%rdi), %r14\n\tmov 96(%rdi), %r15\n"
	"\tmov 0(%rdi), %rax\n\tmov 16(%rdi), %rsi\n\tmov 24(%rdi), %rdx\n"
	"\tmov 32(%rdi), %r10\n\tmov 40(%rdi), %r8\n\tmov 48(%rdi), %r9\n"
	"\tmov 8(%rdi), %rdi\n"
	"\tsyscall\n"
	"\tmov %rsp, %rcx\n"
	"\tmov (%rsp), %r11\n"
	"\tmov %rax, 112(%r11)\n\tmov %rdi, 120(%r11)\n\tmov %rsi, 128(%r11)\n"
	"\tmov %rdx, 136(%r11)\n\tmov %r10, 144(%r11)\n\tmov %r8, 152(%r11)\n"
	"\tmov %r9, 160(%r11)\n\tmov %rbx, 168(%r11)\n\tmov %rbp, 176(%r11)\n"
	"\tmov %r12, 184(%r11)\n\tmov %r13, 192(%r11)\n\tmov %r14, 200(%r11)\n"
	"\tmov %r15, 208(%r11)\n\tmov %rcx, 216(%r11)\n"
	"\tpop %rdi\n"
	"\tpop %r15\n\tpop %r14\n\tpop %r13\n\tpop %r12\n\tpop %rbp\n\tpop %rbx\n"
	"\tret\n");

uint64_t ncalls;
uint64_t nsrc[5];		/* r w e s t */
uint64_t nret[20];		/* [0] results, [n] error -n, [19] anything else */
uint64_t ntcap[4];
uint64_t nlocal[4];
unsigned tcap_deepest;
uint64_t nfail, fail_at = ~0UL, kcheck_bad_at = ~0UL;
static uint64_t kcheck_good_at;
const char *fail_what;
int stop_random;		/* the model is wrong: random calls would be unsafe */

#define RING 12
static struct call ring[RING];

static void print_call(const char *tag, const struct call *c, int done)
{
	cairn_printf("hostile: %s #%lu %c cap %u op 0x%x a %lx %lx %lx %lx %lx %lx", tag, c->n, c->src, c->cap,
		     c->op, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
	if (done)
		cairn_printf(" -> %ld rdx %lx", c->ret, c->rdx);
	cairn_printf("\n");
}

void fail(const struct call *c, const char *what)
{
	if (nfail++ == 0) {
		fail_at = c->n;
		fail_what = what;
	}
	if (nfail > 6)
		return;
	cairn_printf("\nhostile: FAIL at call #%lu (seed 0x%lx): %s\n", c->n, (unsigned long)hostile_seed, what);
	for (uint64_t i = c->n >= RING ? c->n - RING + 1 : 0; i <= c->n; i++)
		if (ring[i % RING].n == i)
			print_call(i == c->n ? "failed" : "before", &ring[i % RING], 1);
}

/* The model and the kernel disagree: random calls stop, since their safety rests on it. */
void diverge(const struct call *c, const char *what)
{
	stop_random = 1;
	fail(c, what);
}

#define COUNT_ERROR(name, n, text) + 1
enum { NERRORS = 0 CAIRN_ERRORS(COUNT_ERROR) };
#undef COUNT_ERROR

static int valid_ret(long r)
{
	return r >= -NERRORS;
}

/* True if the operation legitimately returns something in rdx when it succeeds. */
static int returns_rdx(const struct call *c)
{
	return c->ret >= 0 && (c->op == CAIRN_OP_RCV_EVENT || c->op == CAIRN_OP_FAULT_REG ||
			       c->op == CAIRN_OP_THREAD_REG || c->op == CAIRN_OP_TCAP_BUDGET);
}

static void issue(struct call *c)
{
	struct regs_io io;
	uint64_t pat = (c->n + 1) * 0x9e3779b97f4a7c15ULL;
	uint64_t e0 = echo_calls, d0 = deep_calls;

	io.in[0] = CAIRN_CALL(c->cap, c->op);
	for (unsigned i = 0; i < 6; i++)
		io.in[1 + i] = c->a[i];
	for (unsigned i = 7; i < 13; i++)
		io.in[i] = pat ^ ((uint64_t)i << 56);
	hostile_raw(&io);
	c->ret = (long)io.out[0];
	c->rdx = io.out[3];
	c->gated = echo_calls != e0 || deep_calls != d0;
	c->changed = 0;
	if (c->gated)	/* the gate's code ran: registers are whatever it left */
		return;
	for (unsigned i = 1; i < 14; i++)
		if (io.out[i] != io.in[i] && !(i == 3 && returns_rdx(c)))
			c->changed |= (uint16_t)(1u << i);
}

static void check_registers(const struct call *c)
{
	static const char *names[14] = { "rax", "rdi", "rsi", "rdx", "r10", "r8", "r9", "rbx", "rbp",
					 "r12", "r13", "r14", "r15", "rsp" };

	if (!c->changed)
		return;
	cairn_printf("hostile: call #%lu changed:", c->n);
	for (unsigned i = 1; i < 14; i++)
		if (c->changed & (1u << i))
			cairn_printf(" %s", names[i]);
	cairn_printf("\n");
	fail(c, "a register other than the results changed");
}

/* What the model implies this call must return, or ANY. */
static long predict_null(const struct call *c)
{
	if (c->op >> 16)
		return CAIRN_ENOSYS;
	switch (c->op) {
	case CAIRN_OP_NULL:        return 0;
	case CAIRN_OP_DEBUG_WRITE:
		if (c->a[1] > CAIRN_DEBUG_WRITE_MAX)
			return CAIRN_EINVAL;
		if (c->a[0] >= SCRATCH_LO && c->a[0] < SCRATCH_HI && c->src != 'e')
			return c->a[1] ? CAIRN_EFAULT : 0;	/* tame_write() kept it: a page is unmapped */
		return ANY;
	case CAIRN_OP_RETURN:
	case CAIRN_OP_FAULT_REG:   return CAIRN_EINVAL;	/* nothing to return from here */
	case CAIRN_OP_KCHECK:      return 0;
	case CAIRN_OP_KCOUNT:      return ANY;	/* a count: see kcount_ok() */
	case CAIRN_OP_CORE:        return 0;	/* this thread stays on core 0 */
	case CAIRN_OP_DEBUG_STOP:  return ANY;
	default:                   return CAIRN_ENOSYS;
	}
}

uint64_t exec_always;	/* CAIRN_MAP_EXEC if the CPU has no NX: every page executes */

static long predict_lookup(const struct call *c, unsigned root)
{
	uint64_t va = c->a[0] & ~(PAGE - 1);

	if (c->a[0] >= USER_TOP_VA)
		return CAIRN_EFAULT;
	if (root == O_P0 && (va < SCRATCH_LO || va >= SCRATCH_HI))
		return ANY;	/* the boot-made part of our own space is not modelled */
	int m = find_map(root, va);
	if (m < 0)
		return CAIRN_ENOENT;
	return (long)(maps[m].pa | (maps[m].rights & (CAIRN_MAP_WRITE | CAIRN_MAP_EXEC | CAIRN_MAP_DEVICE)) |
		      exec_always);
}

/*
 * An interrupt line operation on irq: its line, then (bind) the send it names, then
 * the line's state. A narrowing's destination is left to the table model (ANY).
 */
static long predict_irq(const struct call *c, const struct mcap *irq)
{
	struct mcap *x;

	if (c->op == CAIRN_OP_IRQ_NARROW)
		return ANY;
	if (c->op != CAIRN_OP_IRQ_BIND && c->op != CAIRN_OP_IRQ_UNBIND && c->op != CAIRN_OP_IRQ_ACK)
		return CAIRN_ENOSYS;
	if (c->a[0] >= CAIRN_IRQ_LINES)
		return CAIRN_ERANGE;
	if (irq_line_reserved(c->a[0]))
		return CAIRN_ENOTSUP;	/* the cascade, the PCI pins */
	if (!(irq_mask[irq->obj] >> c->a[0] & 1))
		return CAIRN_EACCES;	/* not one of its lines */
	if (c->op == CAIRN_OP_IRQ_UNBIND)
		return line_thread[c->a[0]] ? 0 : CAIRN_ENOENT;
	if (c->op == CAIRN_OP_IRQ_ACK)
		return !line_thread[c->a[0]] ? CAIRN_ENOENT : line_mode[c->a[0]] & CAIRN_IRQ_LEVEL ? 0 : CAIRN_EINVAL;
	if (c->a[1] >= CAIRN_CAPTBL_MAX)
		return CAIRN_ERANGE;
	if (!(x = mcap(c->a[1])))
		return CAIRN_ENOENT;
	if (x->type != CAIRN_CAP_ASND)
		return CAIRN_EBADF;
	if ((c->a[2] & ~(uint64_t)CAIRN_IRQ_MODES) || (c->a[2] && (c->a[0] == 0 || c->a[0] >= CAIRN_IRQ_MSI)))
		return CAIRN_EINVAL;	/* a mode is a pin's */
	if (line_thread[c->a[0]])
		return CAIRN_EBUSY;
	return c->a[0] >= CAIRN_IRQ_MSI ? ANY : 0;	/* its message: msi_ok */
}

/*
 * A successful bind of an MSI line returned its message: data the line's vector (0x20
 * + line: fixed delivery, edge), the address the local APICs' with an 8-bit
 * destination and nothing else set. Anything else succeeds with 0.
 */
static int msi_ok(const struct call *c)
{
	if (c->cap == CAIRN_CAP_NULL || c->op != CAIRN_OP_IRQ_BIND || c->ret < 0 || !mcap_of(c->cap, CAIRN_CAP_IRQ))
		return 1;
	if (c->a[0] < CAIRN_IRQ_MSI)
		return c->ret == 0;
	return CAIRN_MSI_DATA(c->ret) == 0x20 + c->a[0] && (CAIRN_MSI_ADDR(c->ret) & ~0xff000u) == 0xfee00000u;
}

/*
 * MEM_RETYPE, MEM_DERIVE and DEVMEM_DERIVE on the memory or device-memory capability
 * m: what its range implies, or ANY.
 */
static long predict_memory(const struct call *c, const struct mcap *m)
{
	const struct mrange *r = &mrange[m->obj];
	uint64_t base = c->a[1], end = c->a[2];
	struct mcap *dst;

	if (c->op == CAIRN_OP_MEM_RETYPE) {
		if (c->a[0] & (PAGE - 1))
			return CAIRN_EINVAL;
		return c->a[0] < r->base || c->a[0] >= r->end ? CAIRN_ERANGE : ANY;
	}
	if (((base | end) & (PAGE - 1)) || base >= end)
		return CAIRN_EINVAL;
	if (base < r->base || end > r->end || c->a[0] >= CAIRN_CAPTBL_MAX)
		return CAIRN_ERANGE;
	if (c->a[0] == CAIRN_CAP_NULL)
		return CAIRN_EINVAL;
	if (!(dst = mslot(O_R0, c->a[0])))
		return CAIRN_ENOENT;
	return dst->type ? CAIRN_EBUSY : 0;
}

/*
 * IOMMU_* on the IOMMU capability m (its requester ids mrange[m->obj]): every error;
 * the hostile machine has no IOMMU, so an attach of an I/O root ends in CAIRN_ENOTSUP.
 */
static long predict_iommu(const struct call *c, const struct mcap *m)
{
	const struct mrange *r = &mrange[m->obj];
	int in = c->a[0] >= r->base && c->a[0] < r->end;
	struct mcap *x;

	if (c->op == CAIRN_OP_IOMMU_NARROW) {
		if (c->a[0] >= CAIRN_CAPTBL_MAX)
			return CAIRN_ERANGE;
		if (c->a[0] == CAIRN_CAP_NULL)
			return CAIRN_EINVAL;
		if (!(x = mslot(O_R0, c->a[0])))
			return CAIRN_ENOENT;
		if (x->type)
			return CAIRN_EBUSY;
		return c->a[1] >= c->a[2] || c->a[1] < r->base || c->a[2] > r->end ? CAIRN_EINVAL : 0;
	}
	if (c->op == CAIRN_OP_IOMMU_DETACH)
		return in ? CAIRN_ENOTSUP : CAIRN_ERANGE;
	if (c->op != CAIRN_OP_IOMMU_ATTACH)
		return CAIRN_ENOSYS;
	if (c->a[1] >= CAIRN_CAPTBL_MAX)
		return CAIRN_ERANGE;
	if (!(x = mcap(c->a[1])))
		return CAIRN_ENOENT;
	if (x->type != CAIRN_CAP_PGTBL)
		return CAIRN_EBADF;
	if (!in)
		return CAIRN_ERANGE;
	return x->flags == IO_ROOT ? CAIRN_ENOTSUP : CAIRN_EINVAL;	/* else a CPU root or a lower node */
}

/* A capability argument looked up in our table as the kernel does: its error, or 0 and *out. */
static long lookup(uint64_t idx, unsigned type, struct mcap **out)
{
	struct mcap *x;

	if (idx >= CAIRN_CAPTBL_MAX)
		return CAIRN_ERANGE;
	if (!(x = mcap(idx)))
		return CAIRN_ENOENT;
	if (x->type != type)
		return CAIRN_EBADF;
	if (type == CAIRN_CAP_THREAD && x->flags)
		return CAIRN_EACCES;	/* a local capability is no argument */
	*out = x;
	return 0;
}

/*
 * CAPTBL_ACT_TCAP in root: the destination, the thread a1, the parent a2, then the
 * thread's tcap (one in its life) and the parent's depth.
 */
static long predict_act_tcap(const struct call *c, unsigned root)
{
	struct mcap *dst, *t, *p;
	long err;

	if (c->a[0] >= CAIRN_CAPTBL_MAX)
		return CAIRN_ERANGE;
	if (c->a[0] == CAIRN_CAP_NULL)
		return CAIRN_EINVAL;
	if (!(dst = mslot(root, c->a[0])))
		return CAIRN_ENOENT;
	if (dst->type)
		return CAIRN_EBUSY;
	if ((err = lookup(c->a[1], CAIRN_CAP_THREAD, &t)) || (err = lookup(c->a[2], CAIRN_CAP_TCAP, &p)))
		return err;
	if (ob[t->obj].tmade)
		return CAIRN_EBUSY;
	return ob[p->obj].tdepth >= CAIRN_TCAP_DEPTH ? CAIRN_EDEPTH : 0;
}

/*
 * TCAP_DELEGATE from tcap m: the child a0 (a direct child, EINVAL), the priority a2 (no
 * more urgent than m's, EACCES), the budget a1 (CAIRN_TCAP_INF from any; else no more
 * than m has left, ERANGE: certain only if m's is never spent, or 0, or a1 is more than
 * m ever had). TCAP_BUDGET:
 * tcap_budget_ok() checks its results.
 */
static long predict_tcap(const struct call *c, const struct mcap *m)
{
	const struct obj *self = &ob[m->obj];
	struct mcap *ch;
	long err;

	if (c->op == CAIRN_OP_TCAP_BUDGET)
		return ANY;
	if (c->op != CAIRN_OP_TCAP_DELEGATE)
		return CAIRN_ENOSYS;
	if ((err = lookup(c->a[0], CAIRN_CAP_TCAP, &ch)))
		return err;
	if (ob[ch->obj].tparent != m->obj)
		return CAIRN_EINVAL;
	if (c->a[2] < self->tprio || c->a[2] > UINT32_MAX)
		return CAIRN_EACCES;
	if (self->tbud == CAIRN_TCAP_INF || c->a[1] == CAIRN_TCAP_INF)
		return 0;	/* CAIRN_TCAP_INF: no limit of its own, any tcap may give it */
	if (c->a[1] > self->tbud)
		return CAIRN_ERANGE;
	return self->tbud == 0 ? 0 : ANY;
}

/*
 * THREAD_DISPATCH of thread m (random calls send only those safe() lets through): the
 * tcap a1, then the core; our own thread returns at once (ETIME on a chain the model
 * knows is empty). Another thread the random calls name has never run (the episodes'
 * threads live only inside an episode), so it is runnable: ETIME on an empty chain;
 * in an episode it runs (ANY).
 */
static long predict_dispatch(const struct call *c, const struct mcap *m)
{
	unsigned on = ob[m->obj].on;
	struct mcap *x;
	long err;

	if (c->a[1]) {
		if ((err = lookup(c->a[1], CAIRN_CAP_TCAP, &x)))
			return err;
		on = x->obj;
	}
	if (ob[m->obj].core != 0)
		return CAIRN_EXDEV;	/* we run on core 0 */
	if (m->obj == O_T0)
		return chain_time(on) == 0 ? CAIRN_ETIME : 0;
	return c->src != 'e' && chain_time(on) == 0 ? CAIRN_ETIME : ANY;
}

/*
 * THREAD_LOCAL on an ordinary thread capability: the table a0 (a root), then its slot
 * a1, which must be free; nothing else can fail (no thread here nears 2^31 references).
 */
static long predict_mint_local(const struct call *c)
{
	struct mcap *t, *dst;
	long err = lookup(c->a[0], CAIRN_CAP_CAPTBL, &t);

	if (err)
		return err;
	if (t->flags)
		return CAIRN_EINVAL;
	if (c->a[1] >= CAIRN_CAPTBL_MAX)
		return CAIRN_ERANGE;
	if (c->a[1] == CAIRN_CAP_NULL)
		return CAIRN_EINVAL;
	if (!(dst = mslot(t->obj, c->a[1])))
		return CAIRN_ENOENT;
	return dst->type ? CAIRN_EBUSY : 0;
}

/*
 * An operation on a local thread capability: anything but a plain dispatch is EACCES;
 * a thread not in our component now is EBUSY (the ones random calls name never ran,
 * so each is in its home; ours is in COMP0, where this program makes its calls); then
 * as any dispatch.
 */
static long predict_local(const struct call *c, const struct mcap *m)
{
	if (c->op != CAIRN_OP_THREAD_DISPATCH || c->a[0] || c->a[1])
		return CAIRN_EACCES;
	if (m->obj != O_T0 && ob[m->obj].home != O_C0)
		return CAIRN_EBUSY;
	return predict_dispatch(c, m);
}

/*
 * THREAD_REG (kernel/sinv.c thread_reg): ours runs, EBUSY whatever a1 says. Without
 * CAIRN_REG_LIVE, whether another thread is stopped is not modelled. With it, a thread
 * random calls name never ran, so it runs nowhere and is in no invocation: the answer
 * is reg_access's, a1's other bits (EINVAL) before the index (ERANGE) before the write's
 * checks (arch_regs_check_write). The episodes' helper did run: not modelled.
 */
static long predict_thread_reg(const struct call *c, const struct mcap *m)
{
	uint64_t idx = c->a[0], a1 = c->a[1], v = c->a[2];

	if (m->obj == O_T0)
		return CAIRN_EBUSY;
	if (c->src == 'e' || !(a1 & CAIRN_REG_LIVE))
		return ANY;
	if (a1 & ~(uint64_t)(CAIRN_REG_WRITE | CAIRN_REG_LIVE))
		return CAIRN_EINVAL;
	if (idx >= CAIRN_REG_END)
		return CAIRN_ERANGE;
	if (!(a1 & CAIRN_REG_WRITE))
		return 0;
	if (idx == CAIRN_REG_CS || idx == CAIRN_REG_SS || idx == CAIRN_REG_VECTOR || idx == CAIRN_REG_ERROR)
		return CAIRN_EACCES;
	if (idx == CAIRN_REG_RIP || idx == CAIRN_REG_RSP)
		return v < USER_TOP_VA ? 0 : CAIRN_EFAULT;
	return 0;
}

static long predict_typed(const struct call *c, const struct mcap *m)
{
	uint32_t op = c->op;
	struct mcap *s;

	switch (m->type) {
	case CAIRN_CAP_CAPTBL:
		if (m->flags)
			return CAIRN_EINVAL;
		/* a line's binding references its thread: the last capability cannot destroy it */
		if (op == CAIRN_OP_CAPTBL_DEACT && c->a[0] && (s = mslot(m->obj, c->a[0])) &&
		    s->type == CAIRN_CAP_THREAD && owns(s) && bound(s->obj))
			return CAIRN_EBUSY;
		/* so does a tcap: its child's, or one a thread runs on */
		if (op == CAIRN_OP_CAPTBL_DEACT && c->a[0] && (s = mslot(m->obj, c->a[0])) &&
		    s->type == CAIRN_CAP_THREAD && owns(s) && tcap_held(s->obj))
			return CAIRN_EBUSY;
		/* a local thread capability owns nothing: its DEACT only empties the slot */
		if (op == CAIRN_OP_CAPTBL_DEACT && c->a[0] && (s = mslot(m->obj, c->a[0])) &&
		    s->type == CAIRN_CAP_THREAD && !owns(s))
			return 0;
		if (op == CAIRN_OP_CAPTBL_ACT_TCAP)
			return predict_act_tcap(c, m->obj);
		return ANY;
	case CAIRN_CAP_PGTBL:
		if (m->flags != 4 && m->flags != IO_ROOT)
			return CAIRN_EINVAL;
		if (op == CAIRN_OP_PGTBL_LOOKUP)
			return predict_lookup(c, m->obj);
		if (op == CAIRN_OP_PGTBL_DECONS && (c->a[1] < 1 || c->a[1] > 3))
			return CAIRN_EINVAL;
		return op <= CAIRN_OP_PGTBL_LOOKUP ? ANY : CAIRN_ENOSYS;
	case CAIRN_CAP_MEMORY:
		if (op == CAIRN_OP_MEM_COUNT)
			return c->a[0] > CAIRN_FRAME_RESERVED ? CAIRN_EINVAL : ANY;
		if (op == CAIRN_OP_MEM_RETYPE || op == CAIRN_OP_MEM_DERIVE)
			return predict_memory(c, m);
		return CAIRN_ENOSYS;
	case CAIRN_CAP_COMP:
		if (op == CAIRN_OP_COMP_READY)
			return 0;	/* the generation: nothing here restarts (random.c) */
		if (op != CAIRN_OP_COMP_KEEPER)
			return CAIRN_ENOSYS;
		return c->a[0] ? ANY : 0;
	case CAIRN_CAP_THREAD:
		if (m->flags)
			return predict_local(c, m);
		if (op == CAIRN_OP_THREAD_LOCAL)
			return predict_mint_local(c);
		if (op == CAIRN_OP_THREAD_TLS)
			return c->a[0] >= USER_TOP_VA ? CAIRN_EFAULT : 0;
		if (op == CAIRN_OP_THREAD_CORE)	/* a running core, not for ourselves */
			return c->a[0] >= hostile_cores ? CAIRN_ERANGE : m->obj == O_T0 ? CAIRN_EBUSY : 0;
		if (op == CAIRN_OP_THREAD_REG)
			return predict_thread_reg(c, m);
		if (op == CAIRN_OP_THREAD_RETURN)	/* ours runs; the others never ran (but the episodes' helper) */
			return m->obj == O_T0 ? CAIRN_EBUSY : c->src == 'e' ? ANY : CAIRN_EINVAL;
		if (op == CAIRN_OP_THREAD_TCAP) {	/* none of ours runs on another core */
			struct mcap *x;
			return lookup(c->a[0], CAIRN_CAP_TCAP, &x);
		}
		return op == CAIRN_OP_THREAD_DISPATCH ? predict_dispatch(c, m) : CAIRN_ENOSYS;
	case CAIRN_CAP_RCV:
		if (op != CAIRN_OP_RCV_WAIT && op != CAIRN_OP_RCV_EVENT)
			return CAIRN_ENOSYS;
		return m->obj == O_T0 ? ANY : CAIRN_EACCES;
	case CAIRN_CAP_ASND:
		if (op != CAIRN_OP_ASND_SEND)
			return CAIRN_ENOSYS;
		return c->a[0] & ~(uint64_t)CAIRN_SEND_YIELD ? CAIRN_EINVAL : 0;
	case CAIRN_CAP_SINV:
		if (op == CAIRN_OP_SINV_RENEW)
			return 0;	/* the generation, as COMP_READY's */
		return op == CAIRN_OP_SINV_CALL ? ANY : CAIRN_ENOSYS;
	case CAIRN_CAP_IRQ:
		return predict_irq(c, m);
	case CAIRN_CAP_DEVMEM:
		return op == CAIRN_OP_DEVMEM_DERIVE ? predict_memory(c, m) : CAIRN_ENOSYS;
	case CAIRN_CAP_IOMMU:
		return predict_iommu(c, m);
	case CAIRN_CAP_TCAP:
		return predict_tcap(c, m);
	default:
		return ANY;	/* never held: no IOPORT capability ever reaches our tables */
	}
}

static long predict(const struct call *c)
{
	if (c->cap == CAIRN_CAP_NULL)
		return predict_null(c);
	if (c->cap >= CAIRN_CAPTBL_MAX)
		return CAIRN_ERANGE;
	struct mcap *m = mcap(c->cap);
	if (!m)
		return CAIRN_ENOENT;
	if ((c->op >> 16) || CAIRN_OP_TYPE(c->op) != m->type)
		return CAIRN_EBADF;
	return predict_typed(c, m);
}

/* ---- running a call ---- */

/* KCOUNT counts every system call: at least each of ours since the last count. */
static int kcount_ok(const struct call *c)
{
	static long last;
	static uint64_t next_n;
	int ok = c->ret - last >= (long)(c->n + 1 - next_n);

	last = c->ret;
	next_n = c->n + 1;
	return ok;
}

/*
 * A THREAD_REG that succeeded (another thread, stopped or, with CAIRN_REG_LIVE, running
 * nowhere) did what FAULT_REG's checks allow, no more: a1 no more than WRITE and LIVE, a
 * register or FPU word that exists (below CAIRN_REG_END), a write of neither a segment,
 * the vector nor the error code, rip and rsp below the top of user space, rflags with
 * IF set and no IOPL, NT, VM or AC, MXCSR with neither DAZ nor a reserved bit (its
 * high half, MXCSR_MASK, as written), any other value as written
 * (kernel/arch/x86_64/cpu.c arch_regs_check_write).
 */
static int thread_reg_ok(const struct call *c)
{
	uint64_t idx = c->a[0], v = c->a[2];

	if (c->op != CAIRN_OP_THREAD_REG || c->ret != 0)
		return 1;
	if (idx >= CAIRN_REG_END || (c->a[1] & ~(uint64_t)(CAIRN_REG_WRITE | CAIRN_REG_LIVE)))
		return 0;
	if (!(c->a[1] & CAIRN_REG_WRITE))
		return 1;
	switch (idx) {
	case CAIRN_REG_CS: case CAIRN_REG_SS: case CAIRN_REG_VECTOR: case CAIRN_REG_ERROR:
		return 0;
	case CAIRN_REG_RIP: case CAIRN_REG_RSP:
		return v < USER_TOP_VA && c->rdx == v;
	case CAIRN_REG_RFLAGS:
		return (c->rdx & 0x200) && !(c->rdx & 0x67000);
	case CAIRN_REG_MXCSR:
		return c->rdx == (v & 0xffffffff0000ffbfUL);
	default:
		return c->rdx == v;
	}
}

/*
 * TCAP_BUDGET on a tcap the model knows: its priority in rdx; the budget INT64_MAX if
 * never spent, 0 if it has none, else at most what it was given. And a random dispatch
 * of another thread (safe() lets one through only if it cannot run it) must fail.
 */
static int tcap_ok(const struct call *c)
{
	struct mcap *m;

	if (c->cap == CAIRN_CAP_NULL || !(m = mcap(c->cap)))
		return 1;
	if (c->op == CAIRN_OP_THREAD_DISPATCH && m->type == CAIRN_CAP_THREAD && c->src != 'e')
		return m->obj == O_T0 || c->ret < 0;
	if (c->op != CAIRN_OP_TCAP_BUDGET || m->type != CAIRN_CAP_TCAP)
		return 1;
	const struct obj *t = &ob[m->obj];
	if (c->ret < 0 || c->rdx != t->tprio)
		return 0;
	return t->tbud == CAIRN_TCAP_INF ? c->ret == INT64_MAX : (uint64_t)c->ret <= t->tbud;
}

static void count(const struct call *c)
{
	static const char src_names[5] = { 'r', 'w', 'e', 's', 't' };

	for (unsigned i = 0; i < 5; i++)
		nsrc[i] += c->src == src_names[i];
	if (c->gated || c->ret >= 0)
		nret[0]++;
	else
		nret[c->ret >= -18 ? -c->ret : 19]++;
	if (c->ret >= 0 && !c->gated) {
		ntcap[0] += c->op == CAIRN_OP_CAPTBL_ACT_TCAP;
		ntcap[1] += c->op == CAIRN_OP_TCAP_DELEGATE;
		ntcap[2] += c->op == CAIRN_OP_THREAD_TCAP;
		ntcap[3] += c->op == CAIRN_OP_THREAD_DISPATCH;
		nlocal[0] += c->op == CAIRN_OP_THREAD_LOCAL;
	}
	struct mcap *m = c->cap ? mcap(c->cap) : NULL;
	if (m && m->type == CAIRN_CAP_THREAD && m->flags && CAIRN_OP_TYPE(c->op) == CAIRN_CAP_THREAD && !(c->op >> 16))
		nlocal[c->ret >= 0 ? 1 : c->ret == CAIRN_EBUSY ? 2 : 3]++;
}

long run(struct call *c)
{
	c->n = ncalls++;
	long want = predict(c);

	if (c->n >= HOSTILE_TRACE_FROM)
		print_call("call", c, 0);	/* before: the kernel may not come back */
	issue(c);
	ring[c->n % RING] = *c;
	count(c);
	if (c->n >= HOSTILE_TRACE_FROM)
		print_call("done", c, 1);
	check_registers(c);
	if (c->gated) {
		/* every gate the random traffic can reach enters echo(): results are (a1, a2) */
		if (c->op == CAIRN_OP_SINV_CALL && c->src != 'e' && (c->ret != (long)c->a[1] || c->rdx != c->a[2]))
			fail(c, "a gate's two results did not come back");
		return c->ret;
	}
	if (!valid_ret(c->ret))
		fail(c, "a return outside the defined errors");
	else if (c->op == CAIRN_OP_KCHECK && c->cap == CAIRN_CAP_NULL && c->ret != 0) {
		if (kcheck_bad_at == ~0UL)
			kcheck_bad_at = c->n;
		cairn_printf("hostile: kcheck failed at call #%lu; the last one that passed: call #%lu\n", c->n,
			     kcheck_good_at);
		fail(c, "the invariant check found problems");
	} else if (c->op == CAIRN_OP_KCHECK && c->cap == CAIRN_CAP_NULL && kcheck_bad_at == ~0UL)
		kcheck_good_at = c->n;
	else if (c->op == CAIRN_OP_DEBUG_WRITE && !c->cap && c->ret >= 0 && (uint64_t)c->ret != c->a[1])
		fail(c, "a console write returned neither its length nor an error");
	else if (c->op == CAIRN_OP_KCOUNT && !c->cap && !kcount_ok(c))
		fail(c, "the system call count missed some of ours");
	else if (!thread_reg_ok(c))
		fail(c, "THREAD_REG read or wrote what FAULT_REG's checks refuse");
	else if (!msi_ok(c))
		fail(c, "an interrupt line's bind returned a wrong message");
	else if (!tcap_ok(c))
		fail(c, "TCAP_BUDGET, or a dispatch that must fail, not as the model of the tcaps implies");
	else if (want != ANY && c->ret != want) {
		cairn_printf("hostile: call #%lu returned %ld, the model implies %ld\n", c->n, c->ret, want);
		fail(c, "not the result the model of the table implies");
	}
	if (c->ret >= 0)
		apply(c);
	return c->ret;
}

long call(char src, unsigned cap, uint32_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		 uint64_t a4, uint64_t a5)
{
	struct call c = { .src = src, .cap = cap, .op = op, .a = { a0, a1, a2, a3, a4, a5 } };
	return run(&c);
}
