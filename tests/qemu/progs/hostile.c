/*
 * hostile: a hostile component. It makes HOSTILE_CALLS system calls with random
 * operations, random capability indices and random arguments, mixed with well-formed
 * calls that build real objects (tables, page tables, components, threads, endpoints,
 * gates) so that the kernel is driven into deep states, and checks that:
 *
 *   hostile.1 random_calls             every call returns a result (>= 0) or one of the
 *                                      defined errors (-1..-14); no register but the
 *                                      documented results changes; whenever this
 *                                      program's model of its tables implies the answer
 *                                      (empty slot, wrong type, a lookup, ...), the
 *                                      kernel gives exactly that answer; and no thread
 *                                      it never dispatched ever runs
 *   hostile.2 invariant_after          KCHECK finds nothing wrong after the calls
 *   hostile.3 memory_returned          after tearing down everything it made, the frame
 *                                      counts (untyped, kernel, user) are back to their
 *                                      start values, less the frames it knowingly kept
 *                                      (objects nothing can name any more: see below)
 *   hostile.4 invariant_after_teardown KCHECK still finds nothing wrong
 *   hostile.5 dispatch_and_gates       the controlled episodes (dispatch, block, wake,
 *                                      send-yield, keeper, 16-deep and confined gates)
 *                                      behaved, in the middle of the hostile traffic
 *
 * It must be the first boot module (it needs CAIRN_SLOT_MEMORY and CAIRN_SLOT_IRQ) and
 * the kernel must be booted with "ktest" (KCHECK answers ENOSYS otherwise):
 *
 *   qemu-system-x86_64 -accel tcg -m 256 -display none -serial stdio -no-reboot \
 *       -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel build/cairn32.elf \
 *       -initrd "build/user/hostile.elf,build/user/afterfaults.elf" -append "ktest"
 *
 * Reproducible: all randomness comes from one xorshift64* generator seeded with
 * HOSTILE_SEED, and the kernel is deterministic here (no timer is ever armed), so a
 * run repeats call for call. On a failure the program prints the failing call's index
 * and the last calls before it; rebuild with -DHOSTILE_TRACE_FROM=<index> to print
 * every call from there on, and with -DHOSTILE_KCHECK_EVERY=1 to find the first call
 * after which the invariant check fails. Seed and length are compile-time settings (a
 * boot module's command line does not reach user programs). For the full million calls
 * (about 7 s under TCG; the default 200000 take about 1.2 s):
 *
 *   rm -f build/user/tests/qemu/progs/hostile.c.o
 *   make user CC="gcc -DHOSTILE_CALLS=1000000"       (or -DHOSTILE_SEED=0x..., ...)
 *
 * (UCFLAGS+=... on make's command line would replace the flags, not add to them), or
 * change the #define below.
 *
 * What is never sent, and why (each would end or stall the test, not test the kernel):
 *   - DEBUG_STOP on the null capability: it stops this thread.
 *   - THREAD_DISPATCH, and ASND_SEND with CAIRN_SEND_YIELD: another thread would run,
 *     possibly at an arbitrary entry with arbitrary arguments. Dispatch is exercised in
 *     controlled episodes instead, with a helper thread running a function of this
 *     program that dispatches back to CAIRN_SLOT_THREAD.
 *   - RCV_WAIT on this thread's own endpoint: nothing would ever wake it (no timer).
 *   - IRQ_BIND of line 0 (the timer): preemption would make runs unrepeatable.
 *   - CAPTBL_REMOVE / CAPTBL_DEACT of slots 1..7 (of any table): the fixed capabilities
 *     are used as arguments, never removed. Nor do random calls write or remove slots
 *     120..127 or name two kernel frames of the pool: the episodes' own, so that every
 *     episode can run whatever state the random traffic left.
 *   - page-table changes (cons, decons, map, unmap) on this program's own page-table
 *     root outside the scratch range [SCRATCH_LO, SCRATCH_HI): it must not unmap its
 *     own code, data or stack. Roots it made take any address.
 *   - a receive endpoint for this thread with a scheduler (ACT_RCV of CAIRN_SLOT_THREAD
 *     with a parent): the scheduler would run when this program stops.
 *   - invocation gates with entries that are not gates of this program, or into
 *     components whose page table is not this program's: SINV_CALL on them would fault
 *     this thread. Every gate it makes enters echo() (or deep() in an episode) in a
 *     component using its own page-table root; random SINV_CALLs on random indices are
 *     fine and frequent.
 *   - DEBUG_WRITE of 65..4096 bytes (console noise; longer ones must fail), or from
 *     memory of its own (image, modules, stack, mapped scratch pages): such writes are
 *     cut to a few dots. Writes that reach an unmapped scratch page, an unmapped or a
 *     kernel address go through as they are and must fail; a write returns its length
 *     or an error.
 * Threads it makes but never dispatches get stray() as their argument: if one ever ran,
 * it would count itself and stop, and hostile.1 fails.
 *
 * The model: to decide those exclusions (which index names its own page table, which
 * component a gate would enter) and to tear everything down afterwards, the program
 * keeps a model of every capability table, page-table node, component and thread it
 * can reach, updated from the arguments of every call that succeeds. Every few
 * thousand calls the model is compared with the kernel through side-effect-free probes;
 * a disagreement is a failure and ends the random part (decisions would be unsafe).
 *
 * What may legitimately stay: the last owning capability of an object cannot be removed,
 * only deactivated, so every object stays nameable from somewhere; but "somewhere" may
 * be a table no capability this program can reach names any more (say a root whose
 * only capability was copied into one of its own leaves, then removed from ours). Such
 * an object can be neither deactivated nor retyped, nor can what it refers to. The
 * teardown computes that set from the model, and hostile.3 requires that exactly those
 * frames stay and every other one comes back, with the kernel's frame counts (untyped,
 * kernel, user) equal to the start values adjusted by the frames kept. Setup plants
 * one such island on purpose (plant_island()), so this accounting is exercised by
 * every run, not only when the random traffic happens to cut a table off.
 */
#include <cairn/cairn.h>
#include <cairn/gate.h>
#include <cairn/root.h>

/* ---- configuration ---- */

#ifndef HOSTILE_CALLS
#define HOSTILE_CALLS 200000UL		/* random and well-formed calls (episodes come on top) */
#endif
#ifndef HOSTILE_SEED
#define HOSTILE_SEED 0x5eed0fca1a5ULL
#endif
#ifndef HOSTILE_TRACE_FROM
#define HOSTILE_TRACE_FROM (~0UL)	/* print every call from this index on */
#endif

#define EPISODE_EVERY   2500		/* calls between controlled episodes */
#define PROGRESS_EVERY  20000		/* calls between progress lines (to place a hang) */
#define VALIDATE_EVERY  4096		/* calls between checks of the model against the kernel */
#ifndef HOSTILE_KCHECK_EVERY
#define HOSTILE_KCHECK_EVERY 2048	/* calls between invariant checks (1: after every call) */
#endif
#define MAX_FAULTERS    6		/* fault episodes (each leaks one stack of the pool) */
#define EP_SLOT         120		/* slots 120..127: the episodes' own (see safe()) */

#define CT    CAIRN_SLOT_CAPTBL
#define PT    CAIRN_SLOT_PGTBL
#define COMP0 CAIRN_SLOT_COMP
#define ME    CAIRN_SLOT_THREAD
#define MEM   CAIRN_SLOT_MEMORY
#define IRQ   CAIRN_SLOT_IRQ

#define PAGE        4096UL
#define POOL_START  (32UL << 20)	/* where the pool's frames are looked for */
#define POOL_KERNEL 64
#define POOL_USER   64
#define SCRATCH_LO  0x200000000UL	/* our own page table may change only here */
#define SCRATCH_HI  0x280000000UL
#define FAULT_VA    0x300000000UL	/* never mapped: a helper faults here */
#define KERNEL_VA   0xffffffff80100000UL
#define USER_TOP_VA 0x7ffffffff000UL

#define LEAF_SLOTS CAIRN_CAPTBL_LEAF_SLOTS
#define ROOT_SLOTS CAIRN_CAPTBL_ROOT_SLOTS
#define ANY        0x7fffffffL		/* predict(): no particular result implied */

extern char _start[], _end[];

static const struct cairn_root *R;

/* ---- the random generator: xorshift64* ---- */

static uint64_t rng = HOSTILE_SEED;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static int chance(unsigned percent)
{
	return below(100) < percent;
}

/* ---- the model: what this program believes the kernel holds ---- */

enum kind { K_NONE, K_ROOT, K_LEAF, K_PT, K_COMP, K_THREAD };

#define MAX_OBJ 256
enum { O_R0 = 1, O_L0, O_P0, O_C0, O_T0, O_FIRST };	/* the boot objects; then frames */

struct mcap {
	uint8_t type, flags;	/* as in the kernel's slot: type; level or gate flags */
	uint16_t obj;		/* the object named (0 for memory and irq) */
};

/* One per frame this program tracks (and the five boot objects): the object id. */
struct obj {
	uint64_t pa;		/* the frame; 0 for boot objects (not ours to return) */
	uint8_t orig, type;	/* frame type at the start, and now */
	uint8_t kind, level;	/* the object in a KERNEL frame, and its table level */
	uint8_t hooked;		/* leaf or page-table node hooked under a root */
	uint8_t has_rcv;	/* thread: its receive endpoint exists */
	uint8_t reserved;	/* a frame kept for the episodes: random calls never name it */
	uint16_t parent, pos;	/* hooked: the root (and, for a leaf, its position) */
	uint64_t va;		/* hooked page-table node: va aligned to its reach */
	uint16_t ct, pt, keeper;	/* component: its tables and its keeper's component */
	uint16_t home, sched;		/* thread: its component and scheduler thread */
};

static struct obj ob[MAX_OBJ];
static unsigned nobj;
static struct mcap leaf_slot[MAX_OBJ][LEAF_SLOTS];	/* leaves' contents */
static uint16_t root_leaf[MAX_OBJ][ROOT_SLOTS];		/* roots' contents */
static uint16_t r0_pos[ROOT_SLOTS];			/* hooked positions of our table */
static unsigned n_r0_pos;

struct mapping {
	uint16_t root;
	uint8_t rights;
	uint64_t va, pa;
};

#define MAX_MAPS 4096
static struct mapping maps[MAX_MAPS];
static unsigned nmaps;

static uint64_t reach(unsigned level)
{
	return 1UL << (12 + 9 * level);
}

static int owning(unsigned type)
{
	return type == CAIRN_CAP_CAPTBL || type == CAIRN_CAP_PGTBL || type == CAIRN_CAP_COMP ||
	       type == CAIRN_CAP_THREAD;
}

static unsigned owning_type(unsigned kind)
{
	switch (kind) {
	case K_ROOT: case K_LEAF: return CAIRN_CAP_CAPTBL;
	case K_PT:                return CAIRN_CAP_PGTBL;
	case K_COMP:              return CAIRN_CAP_COMP;
	case K_THREAD:            return CAIRN_CAP_THREAD;
	default:                  return CAIRN_CAP_NONE;
	}
}

/* The slot idx of root, or NULL if out of range or its leaf is absent. */
static struct mcap *mslot(unsigned root, uint64_t idx)
{
	if (!root || ob[root].kind != K_ROOT || idx >= CAIRN_CAPTBL_MAX)
		return NULL;
	unsigned leaf = root_leaf[root][idx / LEAF_SLOTS];
	return leaf ? &leaf_slot[leaf][idx % LEAF_SLOTS] : NULL;
}

/* A non-empty slot of our own table, or NULL. */
static struct mcap *mcap(uint64_t idx)
{
	struct mcap *m = mslot(O_R0, idx);
	return m && m->type ? m : NULL;
}

static struct mcap *mcap_of(uint64_t idx, unsigned type)
{
	struct mcap *m = mcap(idx);
	return m && m->type == type ? m : NULL;
}

static unsigned obj_at(uint64_t pa)
{
	for (unsigned i = O_FIRST; i < nobj; i++)
		if (ob[i].pa == pa)
			return i;
	return 0;
}

static unsigned track(uint64_t pa, unsigned orig)
{
	if (nobj == MAX_OBJ)
		return 0;
	ob[nobj] = (struct obj){ .pa = pa, .orig = (uint8_t)orig, .type = (uint8_t)orig };
	return nobj++;
}

static void clear_storage(unsigned o)
{
	memset(leaf_slot[o], 0, sizeof(leaf_slot[o]));
	memset(root_leaf[o], 0, sizeof(root_leaf[o]));
}

static void r0_hook(unsigned pos, int on)
{
	for (unsigned i = 0; i < n_r0_pos; i++)
		if (r0_pos[i] == pos) {
			if (!on)
				r0_pos[i] = r0_pos[--n_r0_pos];
			return;
		}
	if (on)
		r0_pos[n_r0_pos++] = (uint16_t)pos;
}

static int find_map(unsigned root, uint64_t va)
{
	for (unsigned i = 0; i < nmaps; i++)
		if (maps[i].root == root && maps[i].va == va)
			return (int)i;
	return -1;
}

/* The hooked page-table node of this level whose reach covers va under root, or 0. */
static unsigned find_node(unsigned root, uint64_t va, unsigned level)
{
	for (unsigned i = O_FIRST; i < nobj; i++)
		if (ob[i].kind == K_PT && ob[i].hooked && ob[i].parent == root && ob[i].level == level &&
		    ob[i].va == (va & ~(reach(level) - 1)))
			return i;
	return 0;
}

/* True if some capability of the object's own type names it (the kernel's "caps"). */
static int has_owning_cap(unsigned o)
{
	unsigned type = owning_type(ob[o].kind);

	for (unsigned l = O_R0; l < nobj; l++)
		if (ob[l].kind == K_LEAF)
			for (unsigned s = 0; s < LEAF_SLOTS; s++)
				if (leaf_slot[l][s].type == type && leaf_slot[l][s].obj == o)
					return 1;
	return 0;
}

static void destroy(unsigned o);

static void model_init(void)
{
	static const struct mcap fixed[8] = {
		[CT] = { CAIRN_CAP_CAPTBL, 0, O_R0 }, [PT] = { CAIRN_CAP_PGTBL, 4, O_P0 },
		[COMP0] = { CAIRN_CAP_COMP, 0, O_C0 }, [ME] = { CAIRN_CAP_THREAD, 0, O_T0 },
		[MEM] = { CAIRN_CAP_MEMORY, 0, 0 }, [IRQ] = { CAIRN_CAP_IRQ, 0, 0 },
		[CAIRN_SLOT_LEAF0] = { CAIRN_CAP_CAPTBL, 1, O_L0 },
	};

	nobj = O_FIRST;
	ob[O_R0] = (struct obj){ .kind = K_ROOT };
	ob[O_L0] = (struct obj){ .kind = K_LEAF, .level = 1, .hooked = 1, .parent = O_R0 };
	ob[O_P0] = (struct obj){ .kind = K_PT, .level = 4 };
	ob[O_C0] = (struct obj){ .kind = K_COMP, .ct = O_R0, .pt = O_P0 };
	ob[O_T0] = (struct obj){ .kind = K_THREAD, .home = O_C0 };
	for (unsigned i = O_R0; i < O_FIRST; i++)
		ob[i].orig = ob[i].type = CAIRN_FRAME_KERNEL;
	root_leaf[O_R0][0] = O_L0;
	r0_hook(0, 1);
	memcpy(leaf_slot[O_L0], fixed, sizeof(fixed));
}

/* ---- calls: one path for every call, with its checks ---- */

struct call {
	uint64_t n;		/* index in the run */
	char src;		/* r random, w well-formed, e episode, s setup, t teardown */
	uint8_t gated;		/* an invocation that entered one of our gates */
	uint16_t changed;	/* registers that came back changed (bit i: regs_io index i) */
	unsigned cap;
	uint32_t op;
	uint64_t a[6];
	long ret;
	uint64_t rdx;
};

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

static uint64_t ncalls, nrandom;
static uint64_t nsrc[5];			/* r w e s t */
static uint64_t nret[16];			/* [0] results, [n] error -n, [15] anything else */
static uint64_t nfail, fail_at = ~0UL, kcheck_bad_at = ~0UL, kcheck_good_at;
static const char *fail_what;
static int stop_random;				/* the model is wrong: random calls would be unsafe */

#define RING 12
static struct call ring[RING];

static volatile uint64_t echo_calls, deep_calls, keeper_calls;

static void print_call(const char *tag, const struct call *c, int done)
{
	cairn_printf("hostile: %s #%lu %c cap %u op 0x%x a %lx %lx %lx %lx %lx %lx", tag, c->n, c->src, c->cap,
		     c->op, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
	if (done)
		cairn_printf(" -> %ld rdx %lx", c->ret, c->rdx);
	cairn_printf("\n");
}

static void fail(const struct call *c, const char *what)
{
	if (nfail++ == 0) {
		fail_at = c->n;
		fail_what = what;
	}
	if (nfail > 6)
		return;
	cairn_printf("\nhostile: FAIL at call #%lu (seed 0x%lx): %s\n", c->n, (unsigned long)HOSTILE_SEED, what);
	for (uint64_t i = c->n >= RING ? c->n - RING + 1 : 0; i <= c->n; i++)
		if (ring[i % RING].n == i)
			print_call(i == c->n ? "failed" : "before", &ring[i % RING], 1);
}

/* The model and the kernel disagree: random calls stop, since their safety rests on it. */
static void diverge(const struct call *c, const char *what)
{
	stop_random = 1;
	fail(c, what);
}

static int valid_ret(long r)
{
	return r >= 0 || (r >= -14 && r <= -1);
}

/* True if the operation legitimately returns something in rdx when it succeeds. */
static int returns_rdx(const struct call *c)
{
	return c->ret >= 0 && (c->op == CAIRN_OP_RCV_EVENT || c->op == CAIRN_OP_FAULT_REG);
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
	case CAIRN_OP_DEBUG_STOP:  return ANY;
	default:                   return CAIRN_ENOSYS;
	}
}

static uint64_t exec_always;	/* CAIRN_MAP_EXEC if the CPU has no NX: every page executes */

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
	return (long)(maps[m].pa | (maps[m].rights & (CAIRN_MAP_WRITE | CAIRN_MAP_EXEC)) | exec_always);
}

static long predict_typed(const struct call *c, const struct mcap *m)
{
	uint32_t op = c->op;

	switch (m->type) {
	case CAIRN_CAP_CAPTBL:
		return m->flags ? CAIRN_EINVAL : ANY;
	case CAIRN_CAP_PGTBL:
		if (m->flags != 4)
			return CAIRN_EINVAL;
		if (op == CAIRN_OP_PGTBL_LOOKUP)
			return predict_lookup(c, m->obj);
		if (op == CAIRN_OP_PGTBL_DECONS && (c->a[1] < 1 || c->a[1] > 3))
			return CAIRN_EINVAL;
		return op <= CAIRN_OP_PGTBL_LOOKUP ? ANY : CAIRN_ENOSYS;
	case CAIRN_CAP_MEMORY:
		if (op == CAIRN_OP_MEM_COUNT)
			return c->a[0] > CAIRN_FRAME_RESERVED ? CAIRN_EINVAL : ANY;
		return op == CAIRN_OP_MEM_RETYPE ? ANY : CAIRN_ENOSYS;
	case CAIRN_CAP_COMP:
		if (op != CAIRN_OP_COMP_KEEPER)
			return CAIRN_ENOSYS;
		return c->a[0] ? ANY : 0;
	case CAIRN_CAP_THREAD:
		if (op == CAIRN_OP_THREAD_TLS)
			return c->a[0] >= USER_TOP_VA ? CAIRN_EFAULT : 0;
		return op == CAIRN_OP_THREAD_DISPATCH ? ANY : CAIRN_ENOSYS;
	case CAIRN_CAP_RCV:
		if (op != CAIRN_OP_RCV_WAIT && op != CAIRN_OP_RCV_EVENT)
			return CAIRN_ENOSYS;
		return m->obj == O_T0 ? ANY : CAIRN_EACCES;
	case CAIRN_CAP_ASND:
		if (op != CAIRN_OP_ASND_SEND)
			return CAIRN_ENOSYS;
		return c->a[0] & ~(uint64_t)CAIRN_SEND_YIELD ? CAIRN_EINVAL : 0;
	case CAIRN_CAP_SINV:
		return op == CAIRN_OP_SINV_CALL ? ANY : CAIRN_ENOSYS;
	case CAIRN_CAP_IRQ:
		if (op != CAIRN_OP_IRQ_BIND && op != CAIRN_OP_IRQ_UNBIND)
			return CAIRN_ENOSYS;
		if (c->a[0] >= 16)
			return CAIRN_ERANGE;
		if (c->a[0] != 0)
			return CAIRN_ENOTSUP;
		return op == CAIRN_OP_IRQ_UNBIND ? CAIRN_ENOENT : ANY;	/* line 0 is never bound */
	default:
		return ANY;
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

/* ---- updating the model after a call that succeeded ---- */

/* The frame stays KERNEL, with no object. */
static void destroy(unsigned o)
{
	ob[o].kind = K_NONE;
	ob[o].level = ob[o].hooked = ob[o].has_rcv = 0;
	ob[o].keeper = ob[o].sched = 0;
	clear_storage(o);
}

/* The frame a2 becomes an object: it must be one of ours, KERNEL and empty. */
static unsigned new_object(const struct call *c, unsigned kind, unsigned level)
{
	unsigned o = obj_at(c->a[2]);

	if (!o || ob[o].type != CAIRN_FRAME_KERNEL || ob[o].kind != K_NONE) {
		diverge(c, "an activation succeeded on a frame that is not an empty kernel frame of ours");
		return 0;
	}
	clear_storage(o);
	ob[o].kind = (uint8_t)kind;
	ob[o].level = (uint8_t)level;
	ob[o].hooked = ob[o].has_rcv = 0;
	ob[o].keeper = ob[o].sched = 0;
	return o;
}

static void apply_activate(const struct call *c, struct mcap *dst)
{
	struct mcap n = { 0, 0, 0 }, *x;
	unsigned o;

	switch (c->op) {
	case CAIRN_OP_CAPTBL_ACT_CAPTBL:
		if ((o = new_object(c, c->a[3] ? K_LEAF : K_ROOT, (unsigned)c->a[3])))
			n = (struct mcap){ CAIRN_CAP_CAPTBL, (uint8_t)c->a[3], (uint16_t)o };
		break;
	case CAIRN_OP_CAPTBL_ACT_PGTBL:
		if ((o = new_object(c, K_PT, (unsigned)c->a[3])))
			n = (struct mcap){ CAIRN_CAP_PGTBL, (uint8_t)c->a[3], (uint16_t)o };
		break;
	case CAIRN_OP_CAPTBL_ACT_COMP:
		if ((o = new_object(c, K_COMP, 0))) {
			ob[o].ct = mcap_of(c->a[3], CAIRN_CAP_CAPTBL) ? mcap(c->a[3])->obj : 0;
			ob[o].pt = mcap_of(c->a[4], CAIRN_CAP_PGTBL) ? mcap(c->a[4])->obj : 0;
			n = (struct mcap){ CAIRN_CAP_COMP, 0, (uint16_t)o };
		}
		break;
	case CAIRN_OP_CAPTBL_ACT_THREAD:
		if ((o = new_object(c, K_THREAD, 0))) {
			ob[o].home = (x = mcap_of(c->a[3], CAIRN_CAP_COMP)) ? x->obj : 0;
			n = (struct mcap){ CAIRN_CAP_THREAD, 0, (uint16_t)o };
		}
		break;
	case CAIRN_OP_CAPTBL_ACT_RCV:
		if (!(x = mcap_of(c->a[1], CAIRN_CAP_THREAD)))
			break;
		n = (struct mcap){ CAIRN_CAP_RCV, 0, x->obj };
		ob[x->obj].has_rcv = 1;
		if (c->a[2] && mcap_of(c->a[2], CAIRN_CAP_RCV))
			ob[x->obj].sched = mcap(c->a[2])->obj;
		break;
	case CAIRN_OP_CAPTBL_ACT_ASND:
		if ((x = mcap_of(c->a[1], CAIRN_CAP_RCV)))
			n = (struct mcap){ CAIRN_CAP_ASND, 0, x->obj };
		break;
	case CAIRN_OP_CAPTBL_ACT_SINV:
		if ((x = mcap_of(c->a[1], CAIRN_CAP_COMP)))
			n = (struct mcap){ CAIRN_CAP_SINV, (uint8_t)c->a[4], x->obj };
		break;
	default:
		diverge(c, "an unknown table operation succeeded");
		return;
	}
	if (!n.type && !stop_random)
		diverge(c, "an activation succeeded with arguments the model says are wrong");
	*dst = n;
}

static void apply_captbl(const struct call *c, unsigned root)
{
	struct mcap *dst = mslot(root, c->a[0]), *x, *src = NULL;
	unsigned l;

	switch (c->op) {
	case CAIRN_OP_CAPTBL_COPY:
		if ((x = mcap_of(c->a[1], CAIRN_CAP_CAPTBL)))
			src = mslot(x->obj, c->a[2]);
		if (!dst || !src || !src->type || dst->type)
			return diverge(c, "a copy succeeded that the model says must fail");
		*dst = *src;
		return;
	case CAIRN_OP_CAPTBL_REMOVE:
	case CAIRN_OP_CAPTBL_DEACT:
		if (!dst || !dst->type)
			return diverge(c, "a remove succeeded on a slot the model says is empty");
		if (c->op == CAIRN_OP_CAPTBL_DEACT && owning(dst->type))
			destroy(dst->obj);
		*dst = (struct mcap){ 0, 0, 0 };
		return;
	case CAIRN_OP_CAPTBL_CONS:
		if (!(x = mcap_of(c->a[1], CAIRN_CAP_CAPTBL)) || root_leaf[root][c->a[0]])
			return diverge(c, "a cons succeeded that the model says must fail");
		root_leaf[root][c->a[0]] = x->obj;
		ob[x->obj].hooked = 1;
		ob[x->obj].parent = (uint16_t)root;
		ob[x->obj].pos = (uint16_t)c->a[0];
		if (root == O_R0)
			r0_hook((unsigned)c->a[0], 1);
		return;
	case CAIRN_OP_CAPTBL_DECONS:
		if (!(l = root_leaf[root][c->a[0]]))
			return diverge(c, "a decons succeeded on an empty position");
		root_leaf[root][c->a[0]] = 0;
		ob[l].hooked = 0;
		if (root == O_R0)
			r0_hook((unsigned)c->a[0], 0);
		if (!has_owning_cap(l))
			destroy(l);	/* nothing names it any more: the kernel destroys it */
		return;
	default:
		if (!dst || dst->type)
			return diverge(c, "an activation succeeded into a slot the model says is not free");
		apply_activate(c, dst);
	}
}

static void apply_pgtbl(const struct call *c, unsigned root)
{
	struct mcap *x;
	unsigned n;
	int m;

	switch (c->op) {
	case CAIRN_OP_PGTBL_CONS:
		if (!(x = mcap_of(c->a[1], CAIRN_CAP_PGTBL)))
			return diverge(c, "a page-table cons succeeded with a child the model does not know");
		ob[x->obj].hooked = 1;
		ob[x->obj].parent = (uint16_t)root;
		ob[x->obj].va = c->a[0] & ~(reach(ob[x->obj].level) - 1);
		return;
	case CAIRN_OP_PGTBL_DECONS:
		if (!(n = find_node(root, c->a[0], (unsigned)c->a[1])))
			return diverge(c, "a page-table decons succeeded on a node the model does not know");
		ob[n].hooked = 0;
		if (!has_owning_cap(n))
			destroy(n);
		return;
	case CAIRN_OP_PGTBL_MAP:
		if (nmaps == MAX_MAPS)
			return diverge(c, "too many mappings to model");
		maps[nmaps++] = (struct mapping){ (uint16_t)root, (uint8_t)c->a[3], c->a[0], c->a[2] };
		return;
	case CAIRN_OP_PGTBL_UNMAP:
		if ((m = find_map(root, c->a[0])) < 0)
			return diverge(c, "an unmap succeeded where the model has no mapping");
		maps[m] = maps[--nmaps];
		return;
	default:
		return;
	}
}

static void apply_retype(const struct call *c)
{
	unsigned o = obj_at(c->a[0]);

	if (!o)		/* a frame outside the pool: from now on it is ours to return */
		o = track(c->a[0], c->a[1] == CAIRN_FRAME_UNTYPED ? CAIRN_FRAME_USER : CAIRN_FRAME_UNTYPED);
	if (!o)
		return diverge(c, "too many frames to model");
	if (ob[o].type == CAIRN_FRAME_KERNEL && ob[o].kind != K_NONE)
		return diverge(c, "a frame holding an object was retyped");
	ob[o].type = (uint8_t)c->a[1];
}

static void apply(const struct call *c)
{
	struct mcap *x;

	if (c->cap == CAIRN_CAP_NULL)
		return;
	if (!(x = mcap(c->cap)) || CAIRN_OP_TYPE(c->op) != x->type)
		return diverge(c, "a call succeeded on a slot that the model says is empty or of another type");
	switch (x->type) {
	case CAIRN_CAP_CAPTBL:
		return apply_captbl(c, x->obj);
	case CAIRN_CAP_PGTBL:
		return apply_pgtbl(c, x->obj);
	case CAIRN_CAP_MEMORY:
		if (c->op == CAIRN_OP_MEM_RETYPE)
			apply_retype(c);
		return;
	case CAIRN_CAP_COMP:
		ob[x->obj].keeper = c->a[0] && mcap_of(c->a[0], CAIRN_CAP_SINV) ? mcap(c->a[0])->obj : 0;
		return;
	default:
		return;
	}
}

/* ---- running a call ---- */

static void count(const struct call *c)
{
	static const char src_names[5] = { 'r', 'w', 'e', 's', 't' };

	for (unsigned i = 0; i < 5; i++)
		nsrc[i] += c->src == src_names[i];
	if (c->gated || c->ret >= 0)
		nret[0]++;
	else
		nret[c->ret >= -14 ? -c->ret : 15]++;
}

static long run(struct call *c)
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
	else if (want != ANY && c->ret != want) {
		cairn_printf("hostile: call #%lu returned %ld, the model implies %ld\n", c->n, c->ret, want);
		fail(c, "not the result the model of the table implies");
	}
	if (c->ret >= 0)
		apply(c);
	return c->ret;
}

static long call(char src, unsigned cap, uint32_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		 uint64_t a4, uint64_t a5)
{
	struct call c = { .src = src, .cap = cap, .op = op, .a = { a0, a1, a2, a3, a4, a5 } };
	return run(&c);
}

/* ---- choosing arguments ---- */

/* A random non-empty slot of our table with this type (flags too, if flags >= 0), or 0. */
static unsigned pick_cap(unsigned type, int flags)
{
	unsigned p0 = (unsigned)below(n_r0_pos), s0 = (unsigned)below(LEAF_SLOTS);

	for (unsigned i = 0; i < n_r0_pos; i++) {
		unsigned pos = r0_pos[(p0 + i) % n_r0_pos];
		const struct mcap *l = leaf_slot[root_leaf[O_R0][pos]];
		for (unsigned j = 0; j < LEAF_SLOTS; j++) {
			unsigned s = (s0 + j) % LEAF_SLOTS;
			if (l[s].type == type && (flags < 0 || l[s].flags == flags))
				return pos * LEAF_SLOTS + s;
		}
	}
	return 0;
}

static unsigned pick_any_cap(void)
{
	for (int tries = 0; tries < 16; tries++) {
		unsigned idx = r0_pos[below(n_r0_pos)] * LEAF_SLOTS + (unsigned)below(LEAF_SLOTS);
		if (mcap(idx))
			return idx;
	}
	return (unsigned)below(301);
}

/* A slot of root (an object) that is empty (want_free) or not, or a random index. */
static uint64_t pick_slot_in(unsigned root, int want_free)
{
	unsigned p0 = (unsigned)below(ROOT_SLOTS), s0 = (unsigned)below(LEAF_SLOTS);

	if (root == O_R0 && root_leaf[O_R0][1] && chance(70))
		p0 = 1;		/* prefer the leaf at position 1: slots 128..255 */
	for (unsigned i = 0; i < ROOT_SLOTS; i++) {
		unsigned pos = (p0 + i) % ROOT_SLOTS, leaf = root_leaf[root][pos];
		if (!leaf)
			continue;
		for (unsigned j = 0; j < LEAF_SLOTS; j++) {
			unsigned s = (s0 + j) % LEAF_SLOTS;
			uint64_t idx = pos * LEAF_SLOTS + s;
			if (idx >= 8 && (leaf_slot[leaf][s].type == 0) == want_free)
				return idx;
		}
	}
	return below(301);
}

static uint64_t near_frame(void);

/* A random tracked frame (not an episode's) satisfying the test, or a frame nearby. */
static uint64_t pick_frame(int type, int empty)
{
	unsigned n = nobj - O_FIRST, o0 = (unsigned)below(n);

	for (unsigned i = 0; i < n; i++) {
		struct obj *o = &ob[O_FIRST + (o0 + i) % n];
		if ((type < 0 || o->type == type) && (!empty || o->kind == K_NONE) && !o->reserved)
			return o->pa;
	}
	return near_frame();
}

static uint64_t near_frame(void)
{
	uint64_t f;

	switch (below(4)) {
	case 0:  f = below(4) * PAGE + (chance(50) ? 0x9e000 : 0); break;	/* low memory */
	case 1:  f = 0x100000 + below(64) * PAGE; break;			/* the kernel image and after */
	case 2:  f = R->mem_end - PAGE * 4 + below(6) * PAGE; break;		/* the top of memory */
	default: f = POOL_START - (1 + below(4)) * PAGE; break;
	}
	return chance(10) ? f + 8 : f;
}

static uint64_t scratch_va(void)
{
	uint64_t va;

	switch (below(4)) {
	case 0:  va = SCRATCH_LO + below(64) * PAGE; break;
	case 1:  va = SCRATCH_LO + (1UL << 30) + below(16) * PAGE; break;
	case 2:  va = SCRATCH_LO + below(4) * (2UL << 20) + below(4) * PAGE; break;
	default: va = SCRATCH_LO + (below(SCRATCH_HI - SCRATCH_LO) & ~(PAGE - 1)); break;
	}
	return chance(5) ? va + below(PAGE) : va;
}

static uint64_t user_va(void)
{
	switch (below(8)) {
	case 0:  return USER_TOP_VA - below(4) * PAGE;
	case 1:  return USER_TOP_VA + below(2) * PAGE;
	case 2:  return 0x800000000000UL;
	case 3:  return below(4) * PAGE;
	case 4:  return 0x400000 + below(16) * PAGE;
	case 5:  return (rnd() & 0x7fffffff000UL);
	case 6:  return (rnd() & 0x7ffffffff000UL);
	default: return scratch_va();
	}
}

static uint64_t edge_value(void)
{
	static const uint64_t v[] = { 0, 1, 2, 3, 4, 7, 8, 15, 16, 255, 256, 511, 512, 4095, 4096, 65535,
				      65536, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000UL,
				      0x7fffffffffffffffUL, 0x8000000000000000UL, ~0UL, ~0UL - 1 };
	return v[below(sizeof(v) / sizeof(v[0]))];
}

extern char echo_entry[];
static void stray(cairn_word tid);

static uint64_t rand_arg(void)
{
	switch (below(13)) {
	case 0:  return below(8);
	case 1:  return below(301);
	case 2:  return 128 + below(128);
	case 3:
	case 4:  return pick_frame(-1, 0);
	case 5:  return near_frame();
	case 6:  return rnd();
	case 7:  return KERNEL_VA + below(64) * 8;
	case 8:  return scratch_va();
	case 9:  return user_va();
	case 10: return pick_any_cap();
	case 11: return chance(50) ? (uint64_t)_start : (uint64_t)echo_entry;
	default: return edge_value();
	}
}

static unsigned rand_cap(void)
{
	switch (below(8)) {
	case 0:  return (unsigned)rnd();
	case 1:
	case 2:  return (unsigned)below(301);
	case 3:  return 1 + (unsigned)below(7);
	default: return pick_any_cap();
	}
}

/* ---- the exclusions (see the header): make a drawn call safe, or drop it ---- */

static long own_code_lookup;	/* PGTBL_LOOKUP of our code page in our own root */

static int is_own_pgtbl(unsigned cap)
{
	struct mcap *m = mcap(cap);

	if (m && m->type == CAIRN_CAP_PGTBL && m->obj == O_P0)
		return 1;
	/* belt and braces: whatever maps our code page as we do is treated as ours */
	return cairn_pgtbl_lookup(cap, (cairn_word)_start) == own_code_lookup;
}

static int is_own_rcv(unsigned cap)
{
	struct mcap *m = mcap(cap);

	if (m && m->type == CAIRN_CAP_RCV && m->obj == O_T0)
		return 1;
	/* an event read succeeds only on our own endpoint (side effect: one event less) */
	return cairn_rcv_event(cap).r0 >= 0;
}

/* True if every page of [p, p + len) is mapped in our scratch range (the model knows). */
static int scratch_mapped(uint64_t p, uint64_t len)
{
	for (uint64_t va = p & ~(PAGE - 1); va < p + len; va += PAGE)
		if (find_map(O_P0, va) < 0)
			return 0;
	return 1;
}

static void tame_write(struct call *c)
{
	static const char dots[] = "........";
	uint64_t p = c->a[0];

	if (c->a[1] > 64 && c->a[1] <= CAIRN_DEBUG_WRITE_MAX)
		c->a[1] &= 7;
	if (p >= SCRATCH_LO && p < SCRATCH_HI) {
		c->a[1] &= 15;		/* kept only if a page is unmapped: it must fail */
		if (!scratch_mapped(p, c->a[1]))
			return;
	}
	if ((p >= PAGE && p < SCRATCH_HI) || (p >= USER_TOP_VA - (1UL << 30) && p < USER_TOP_VA)) {
		c->a[0] = (uint64_t)dots;	/* our image, modules, stack: dots, not our data */
		c->a[1] &= 7;
	}
}

/* Slots 1..7 (fixed) and the episodes' slots are never removed or written over. */
static void protect_slot(struct call *c)
{
	if ((c->a[0] >= 1 && c->a[0] <= 7) || (c->a[0] >= EP_SLOT && c->a[0] < LEAF_SLOTS))
		c->a[0] += 8 + below(300);
}

static int safe(struct call *c)
{
	struct mcap *m;

	switch (c->op) {
	case CAIRN_OP_DEBUG_STOP:
		return c->cap != CAIRN_CAP_NULL;
	case CAIRN_OP_DEBUG_WRITE:
		if (c->cap == CAIRN_CAP_NULL)
			tame_write(c);
		return 1;
	case CAIRN_OP_THREAD_DISPATCH:
		return 0;
	case CAIRN_OP_RCV_WAIT:
		return !is_own_rcv(c->cap);
	case CAIRN_OP_ASND_SEND:
		if (!(c->a[0] & ~(uint64_t)CAIRN_SEND_YIELD))
			c->a[0] = 0;
		return 1;
	case CAIRN_OP_IRQ_BIND:
		if (c->a[0] == 0)
			c->a[0] = 1 + below(40);
		return 1;
	case CAIRN_OP_CAPTBL_COPY:
	case CAIRN_OP_CAPTBL_REMOVE:
	case CAIRN_OP_CAPTBL_DEACT:
	case CAIRN_OP_CAPTBL_ACT_CAPTBL:
	case CAIRN_OP_CAPTBL_ACT_PGTBL:
	case CAIRN_OP_CAPTBL_ACT_COMP:
	case CAIRN_OP_CAPTBL_ACT_THREAD:
	case CAIRN_OP_CAPTBL_ACT_ASND:
		protect_slot(c);
		return 1;
	case CAIRN_OP_CAPTBL_ACT_RCV:
		protect_slot(c);
		if (c->a[1] == ME || ((m = mcap_of(c->a[1], CAIRN_CAP_THREAD)) && m->obj == O_T0))
			c->a[2] = 0;
		return 1;
	case CAIRN_OP_CAPTBL_ACT_SINV:
		protect_slot(c);
		m = mcap_of(c->a[1], CAIRN_CAP_COMP);
		c->a[2] = m && ob[m->obj].pt == O_P0 ? (uint64_t)echo_entry : KERNEL_VA;
		return 1;
	case CAIRN_OP_MEM_RETYPE:	/* the model has room for so many frames */
		return obj_at(c->a[0]) || nobj < MAX_OBJ;
	case CAIRN_OP_PGTBL_MAP:
		if (nmaps == MAX_MAPS)
			return 0;	/* the model has room for so many mappings */
		/* fall through */
	case CAIRN_OP_PGTBL_CONS:
	case CAIRN_OP_PGTBL_DECONS:
	case CAIRN_OP_PGTBL_UNMAP:
		if ((c->a[0] < SCRATCH_LO || c->a[0] >= SCRATCH_HI) && c->cap != CAIRN_CAP_NULL &&
		    is_own_pgtbl(c->cap))
			c->a[0] = scratch_va();
		return 1;
	default:
		return 1;
	}
}

/* ---- random calls ---- */

static const uint32_t op_codes[] = {
#define X_OP(name, code, type, args, result) code,
	CAIRN_OPS(X_OP)
#undef X_OP
};
#define NOPS (sizeof(op_codes) / sizeof(op_codes[0]))

static void random_call(struct call *c)
{
	switch (below(16)) {
	case 0:  c->op = (uint32_t)rnd(); break;		/* high operation bits */
	case 1:
	case 2:  c->op = (uint32_t)below(0x10000); break;
	default: c->op = op_codes[below(NOPS)]; break;
	}
	c->cap = rand_cap();
	for (unsigned i = 0; i < 6; i++)
		c->a[i] = rand_arg();
}

/* ---- well-formed calls: valid-looking operations on what the model holds ---- */

static unsigned pick_root_cap(void)
{
	unsigned r = chance(75) ? 0 : pick_cap(CAIRN_CAP_CAPTBL, 0);
	return r ? r : CT;
}

static unsigned root_of(unsigned cap)
{
	struct mcap *m = mcap(cap);
	return m && m->type == CAIRN_CAP_CAPTBL && !m->flags ? m->obj : O_R0;
}

static uint64_t pick_entry(void)
{
	switch (below(4)) {
	case 0:  return (uint64_t)echo_entry;
	case 1:  return rand_arg();
	default: return (uint64_t)_start;
	}
}

static void wf_activate(struct call *c)
{
	c->cap = pick_root_cap();
	c->a[0] = pick_slot_in(root_of(c->cap), 1);
	c->a[1] = chance(95) ? MEM : rand_arg();
	c->a[2] = chance(90) ? pick_frame(CAIRN_FRAME_KERNEL, 1) : rand_arg();
	switch (below(10)) {
	case 0:
		c->op = CAIRN_OP_CAPTBL_ACT_CAPTBL;
		c->a[3] = chance(95) ? below(2) : rand_arg();
		break;
	case 1:
	case 2:
		c->op = CAIRN_OP_CAPTBL_ACT_PGTBL;
		c->a[3] = chance(95) ? 1 + below(4) : rand_arg();
		break;
	case 3:
		c->op = CAIRN_OP_CAPTBL_ACT_COMP;
		c->a[3] = chance(30) ? CT : pick_cap(CAIRN_CAP_CAPTBL, 0);
		c->a[4] = chance(50) ? PT : pick_cap(CAIRN_CAP_PGTBL, 4);
		c->a[5] = pick_entry();
		break;
	case 4:
	case 5:
		c->op = CAIRN_OP_CAPTBL_ACT_THREAD;
		c->a[3] = pick_cap(CAIRN_CAP_COMP, -1);
		c->a[4] = chance(70) ? (uint64_t)stray : rand_arg();
		break;
	case 6:
		c->op = CAIRN_OP_CAPTBL_ACT_RCV;
		c->a[1] = pick_cap(CAIRN_CAP_THREAD, -1);
		c->a[2] = chance(50) ? 0 : pick_cap(CAIRN_CAP_RCV, -1);
		break;
	case 7:
		c->op = CAIRN_OP_CAPTBL_ACT_ASND;
		c->a[1] = pick_cap(CAIRN_CAP_RCV, -1);
		break;
	default:
		c->op = CAIRN_OP_CAPTBL_ACT_SINV;
		c->a[1] = pick_cap(CAIRN_CAP_COMP, -1);
		c->a[3] = rnd();
		c->a[4] = chance(80) ? below(2) : rand_arg();
		break;
	}
}

/* True if root (an object) has a leaf hooked: slots that can hold capabilities. */
static int has_leaf(unsigned root)
{
	for (unsigned p = 0; p < ROOT_SLOTS; p++)
		if (root_leaf[root][p])
			return 1;
	return 0;
}

static void wf_copy_remove(struct call *c)
{
	c->cap = pick_root_cap();
	unsigned root = root_of(c->cap), x = pick_cap(CAIRN_CAP_CAPTBL, 0);

	if (x && root_of(x) != O_R0 && has_leaf(root_of(x)) && chance(10)) {
		/* a table holding its own capability: once ours go, nothing can reach it */
		c->cap = x;
		c->op = CAIRN_OP_CAPTBL_COPY;
		c->a[0] = pick_slot_in(root_of(x), 1);
		c->a[1] = CT;
		c->a[2] = x;
		return;
	}
	switch (below(4)) {
	case 0:
	case 1:
		c->op = CAIRN_OP_CAPTBL_COPY;
		c->a[0] = pick_slot_in(root, 1);
		c->a[1] = pick_root_cap();
		c->a[2] = pick_slot_in(root_of((unsigned)c->a[1]), 0);
		break;
	case 2:
		c->op = CAIRN_OP_CAPTBL_REMOVE;
		c->a[0] = pick_slot_in(root, 0);
		break;
	default:
		c->op = CAIRN_OP_CAPTBL_DEACT;
		c->a[0] = pick_slot_in(root, 0);
		break;
	}
}

static void wf_cons(struct call *c)
{
	c->cap = pick_root_cap();
	if (!root_leaf[O_R0][1]) {		/* keep a leaf at position 1 most of the time */
		c->cap = CT;
		c->op = CAIRN_OP_CAPTBL_CONS;
		c->a[0] = 1;
		c->a[1] = pick_cap(CAIRN_CAP_CAPTBL, 1);
		return;
	}
	if (chance(50)) {
		c->op = CAIRN_OP_CAPTBL_CONS;
		c->a[0] = chance(80) ? below(8) : below(600);
		c->a[1] = chance(90) ? pick_cap(CAIRN_CAP_CAPTBL, 1) : rand_arg();
	} else {
		c->op = CAIRN_OP_CAPTBL_DECONS;
		c->a[0] = chance(80) ? below(8) : below(600);
	}
}

/* A va under root where a node of this level could be hooked (its parent exists). */
static uint64_t va_for_level(unsigned root, unsigned level)
{
	unsigned o0 = (unsigned)below(nobj);

	if (level < 3 && chance(80))
		for (unsigned i = 0; i < nobj; i++) {
			struct obj *o = &ob[(o0 + i) % nobj];
			if (o->kind == K_PT && o->hooked && o->parent == root && o->level == level + 1)
				return o->va + below(reach(level + 1) / PAGE) * PAGE;
		}
	return user_va();
}

static void wf_pgtbl(struct call *c)
{
	unsigned own = chance(40);
	c->cap = own ? PT : pick_cap(CAIRN_CAP_PGTBL, 4);
	if (!c->cap)
		c->cap = PT;
	unsigned root = mcap(c->cap) ? mcap(c->cap)->obj : O_P0;
	int m;

	switch (nmaps > 512 && chance(30) ? 4 : below(6)) {
	case 0:
	case 1: {
		unsigned child = pick_cap(CAIRN_CAP_PGTBL, (int)(1 + below(3)));
		unsigned level = child && mcap(child) ? mcap(child)->flags : 1;
		c->op = CAIRN_OP_PGTBL_CONS;
		c->a[0] = va_for_level(root, level);
		c->a[1] = child ? child : rand_arg();
		break;
	}
	case 2:
	case 3:
		c->op = CAIRN_OP_PGTBL_MAP;
		c->a[0] = chance(90) ? va_for_level(root, 0) : user_va();
		c->a[1] = chance(95) ? MEM : rand_arg();
		c->a[2] = chance(90) ? pick_frame(CAIRN_FRAME_USER, 0) : rand_arg();
		c->a[3] = chance(95) ? below(4) : rand_arg();
		break;
	case 4:
		c->op = CAIRN_OP_PGTBL_UNMAP;
		m = nmaps && chance(70) ? (int)below(nmaps) : -1;
		c->a[0] = m >= 0 && maps[m].root == root ? maps[m].va : va_for_level(root, 0);
		break;
	default:
		c->op = chance(50) ? CAIRN_OP_PGTBL_LOOKUP : CAIRN_OP_PGTBL_DECONS;
		c->a[1] = 1 + below(3);
		c->a[0] = va_for_level(root, (unsigned)c->a[1]);
		if (chance(10))
			c->a[1] = rand_arg();
		break;
	}
}

static void wf_memory(struct call *c)
{
	c->cap = chance(95) ? MEM : pick_cap(CAIRN_CAP_MEMORY, -1);
	if (chance(3)) {
		c->op = CAIRN_OP_MEM_COUNT;		/* walks all memory: kept rare */
		c->a[0] = chance(90) ? below(4) : rand_arg();
		return;
	}
	c->op = CAIRN_OP_MEM_RETYPE;
	c->a[0] = chance(90) ? pick_frame(-1, 0) : near_frame();
	c->a[1] = chance(95) ? below(3) : rand_arg();
}

static void wf_threads(struct call *c)
{
	switch (below(6)) {
	case 0:
		c->op = CAIRN_OP_COMP_KEEPER;
		c->cap = pick_cap(CAIRN_CAP_COMP, -1);
		c->a[0] = chance(40) ? 0 : pick_cap(CAIRN_CAP_SINV, -1);
		break;
	case 1:
	case 2:
		c->op = CAIRN_OP_SINV_CALL;
		c->cap = pick_cap(CAIRN_CAP_SINV, -1);
		for (unsigned i = 0; i < 6; i++)
			c->a[i] = rand_arg();
		break;
	case 3:
		c->op = CAIRN_OP_ASND_SEND;
		c->cap = pick_cap(CAIRN_CAP_ASND, -1);
		c->a[0] = chance(80) ? 0 : rand_arg();
		break;
	case 4:
		c->op = chance(50) ? CAIRN_OP_RCV_EVENT : CAIRN_OP_RCV_WAIT;
		c->cap = pick_cap(CAIRN_CAP_RCV, -1);
		break;
	default:
		c->op = CAIRN_OP_THREAD_TLS;
		c->cap = pick_cap(CAIRN_CAP_THREAD, -1);
		c->a[0] = user_va();
		break;
	}
}

static void wf_misc(struct call *c)
{
	static const uint32_t null_ops[] = { CAIRN_OP_NULL, CAIRN_OP_DEBUG_WRITE, CAIRN_OP_RETURN,
					     CAIRN_OP_FAULT_REG, CAIRN_OP_IRQ_BIND, CAIRN_OP_IRQ_UNBIND };
	c->op = null_ops[below(6)];
	c->cap = c->op >= CAIRN_OP_IRQ_BIND ? (chance(90) ? IRQ : rand_cap()) : CAIRN_CAP_NULL;
	c->a[0] = c->cap == IRQ ? below(20) : rand_arg();
	c->a[1] = c->op == CAIRN_OP_IRQ_BIND ? pick_cap(CAIRN_CAP_ASND, -1) : below(16);
	c->a[2] = rand_arg();
}

static void well_formed(struct call *c)
{
	switch (below(16)) {
	case 0: case 1: case 2: case 3: wf_activate(c); break;
	case 4: case 5: case 6:         wf_copy_remove(c); break;
	case 7:                         wf_cons(c); break;
	case 8: case 9: case 10:        wf_pgtbl(c); break;
	case 11: case 12:               wf_memory(c); break;
	case 13: case 14:               wf_threads(c); break;
	default:                        wf_misc(c); break;
	}
}

/* ---- gates, the helper thread, and the threads that must never run ---- */

static volatile uint64_t stray_runs;

/* The argument of threads made but never dispatched: running it is a kernel bug. */
static void stray(cairn_word tid)
{
	(void)tid;
	stray_runs++;
}

static volatile cairn_word main_tid;

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
	cairn_thread_dispatch(ME, 0);
	h_waited += cairn_rcv_wait(h_rcv);	/* a send is pending: returns at once */
	h_stage = 3;
	if (h_fault)
		*(volatile long *)FAULT_VA = 1;	/* the keeper stops us here */
}

/* ---- controlled episodes ---- */

static unsigned episodes, faulters;
static uint64_t episode_fail_at = ~0UL;
static const char *episode_what;
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
static uint64_t free_kframe(int reserved)
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
static long make_gate(char src, const unsigned *s, uint64_t entry, unsigned flags, int reserved)
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
	long d3 = call('e', s[0], CAIRN_OP_THREAD_DISPATCH, 0, 0, 0, 0, 0, 0);	/* it ends */
	long d4 = call('e', s[0], CAIRN_OP_THREAD_DISPATCH, 0, 0, 0, 0, 0, 0);
	if (d3 || d4 != CAIRN_EINVAL || h_stage != 3 || h_waited != 2 || !expect_event(rcv, tid, CAIRN_EVENT_STOP))
		return "the helper's end";
	return NULL;
}

/*
 * A helper thread in our component: dispatch (it blocks), dispatch again (EAGAIN), wake
 * it, send with yield (it runs and dispatches back), dispatch (it ends, or faults and
 * our keeper gate stops it), with the events our endpoint gets; then destroy it all.
 */
static void episode_dispatch(int fault)
{
	unsigned s[5], rcv = my_rcv();
	const char *what;

	if (!episode_slots(s, 5))
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
	if (fault && keeper_calls != k0 + 1)
		return episode_fail("the keeper was not called", (long)(keeper_calls - k0), 0);
	if (fault)
		call('e', COMP0, CAIRN_OP_COMP_KEEPER, 0, 0, 0, 0, 0, 0);
	for (int i = fault ? 4 : 2; i >= 0; i--)
		if (call('e', CT, CAIRN_OP_CAPTBL_DEACT, s[i], 0, 0, 0, 0, 0))
			return episode_fail("helper not deactivated", i, 0);
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

static void episode(void)
{
	if (episodes_off || stop_random)
		return;
	episodes++;
	switch (episodes % 3) {
	case 0:
		episode_gates();
		break;
	case 1:
		episode_dispatch(0);
		break;
	default:
		episode_dispatch(faulters < MAX_FAULTERS);
		faulters++;
		break;
	}
}

/* ---- checking the model against the kernel (probes change nothing) ---- */

static unsigned root_cap_slot(unsigned root);

static uint64_t nprobes;

static void probe_mismatch(uint64_t idx, long got, long want, const char *what)
{
	struct call c = { .n = ncalls, .src = 'v', .cap = (unsigned)idx, .ret = got };

	cairn_printf("hostile: probe of slot %lu: %s: got %ld, want %ld\n", idx, what, got, want);
	diverge(&c, "the model of the capability table differs from the kernel");
}

/* Our table: each slot's emptiness, type, and whether a table capability names a root. */
static void probe_own(uint64_t idx, const struct mcap *m)
{
	uint32_t op = CAIRN_OP_NULL;
	long want = CAIRN_ENOENT;

	if (m->type == CAIRN_CAP_CAPTBL) {
		op = 0x01ff;	/* a leaf refuses everything; a root knows no such operation */
		want = m->flags ? CAIRN_EINVAL : CAIRN_ENOSYS;
	} else if (m->type == CAIRN_CAP_PGTBL) {
		op = 0x02ff;
		want = m->flags == 4 ? CAIRN_ENOSYS : CAIRN_EINVAL;
	} else if (m->type) {
		op = ((uint32_t)m->type << 8) | 0xff;
		want = CAIRN_ENOSYS;
	}
	nprobes++;
	long got = cairn_call((unsigned)idx, op, 0, 0, 0, 0, 0, 0);
	if (got != want)
		probe_mismatch(idx, got, want, "type");
}

/* Another root, named by rs: occupancy through an activation that fails after the slot check. */
static void probe_other(unsigned rs, unsigned root)
{
	for (unsigned p = 0; p < ROOT_SLOTS && !stop_random; p++) {
		unsigned leaf = root_leaf[root][p];
		if (!leaf)
			continue;
		for (unsigned s = 0; s < LEAF_SLOTS; s++) {
			uint64_t idx = p * LEAF_SLOTS + s;
			long want = idx == 0 ? CAIRN_EINVAL : leaf_slot[leaf][s].type ? CAIRN_EBUSY : CAIRN_EINVAL;
			nprobes++;
			long got = cairn_call(rs, CAIRN_OP_CAPTBL_ACT_CAPTBL, idx, MEM, 1, 2, 0, 0);
			if (got != want)
				probe_mismatch(idx, got, want, "occupancy in another table");
		}
	}
}

static void validate(int full)
{
	for (unsigned i = 0; i < n_r0_pos && !stop_random; i++) {
		unsigned p = r0_pos[i], leaf = root_leaf[O_R0][p];
		for (unsigned s = p ? 0 : 1; s < LEAF_SLOTS; s++)
			probe_own(p * LEAF_SLOTS + s, &leaf_slot[leaf][s]);
	}
	for (int k = 0; k < 4 && !stop_random; k++) {
		uint64_t idx = below(CAIRN_CAPTBL_MAX);
		if (!root_leaf[O_R0][idx / LEAF_SLOTS] && idx)
			probe_own(idx, &(struct mcap){ 0, 0, 0 });
	}
	if (!full)
		return;
	for (unsigned o = O_FIRST; o < nobj && !stop_random; o++) {
		unsigned rs = ob[o].kind == K_ROOT ? root_cap_slot(o) : 0;
		if (rs)
			probe_other(rs, o);
	}
}

/* ---- setup ---- */

static long start_count[3];

static long count_frames(char src, unsigned type)
{
	return call(src, MEM, CAIRN_OP_MEM_COUNT, type, 0, 0, 0, 0, 0);
}

static int fill_pool(void)
{
	unsigned nk = 0, nu = 0;

	for (uint64_t pa = POOL_START; pa < R->mem_end && (nk < POOL_KERNEL || nu < POOL_USER); pa += PAGE) {
		unsigned type = nk < POOL_KERNEL ? CAIRN_FRAME_KERNEL : CAIRN_FRAME_USER;
		if (call('s', MEM, CAIRN_OP_MEM_RETYPE, pa, type, 0, 0, 0, 0) == 0)
			type == CAIRN_FRAME_KERNEL ? nk++ : nu++;
	}
	return nk == POOL_KERNEL && nu == POOL_USER;
}

/*
 * An island: a root whose only capability is copied into its own leaf, then removed
 * from our table. If the kernel allows it (it does today), nothing can reach the root
 * again; the teardown must then account for exactly it and what it holds.
 */
static uint64_t island;	/* the planted root's frame */

static void plant_island(void)
{
	island = free_kframe(0);
	long r = call('s', CT, CAIRN_OP_CAPTBL_ACT_CAPTBL, 14, MEM, island, 0, 0, 0);
	r |= call('s', CT, CAIRN_OP_CAPTBL_ACT_CAPTBL, 15, MEM, free_kframe(0), 1, 0, 0);
	r |= call('s', 14, CAIRN_OP_CAPTBL_CONS, 0, 15, 0, 0, 0, 0);
	if (r == 0 && call('s', 14, CAIRN_OP_CAPTBL_COPY, 1, CT, 14, 0, 0, 0) == 0)
		call('s', CT, CAIRN_OP_CAPTBL_REMOVE, 14, 0, 0, 0, 0, 0);
}

static int setup(void)
{
	for (unsigned t = 0; t < 3; t++)
		start_count[t] = count_frames('s', t);
	own_code_lookup = cairn_pgtbl_lookup(PT, (cairn_word)_start);
	long r = !fill_pool();
	for (unsigned o = O_FIRST, n = 0; o < nobj && n < 2; o++)	/* the episodes' two frames */
		if (ob[o].type == CAIRN_FRAME_KERNEL)
			ob[o].reserved = 1, n++;
	/* a leaf at position 1 (slots 128..255), our endpoint, a gate, a scratch page */
	r |= call('s', CT, CAIRN_OP_CAPTBL_ACT_CAPTBL, 8, MEM, free_kframe(0), 1, 0, 0);
	r |= call('s', CT, CAIRN_OP_CAPTBL_CONS, 1, 8, 0, 0, 0, 0);
	r |= call('s', CT, CAIRN_OP_CAPTBL_ACT_RCV, 9, ME, 0, 0, 0, 0);
	r |= make_gate('s', (const unsigned[]){ 10, 11 }, (uint64_t)echo_entry, 0, 0);
	uint64_t e0 = echo_calls;
	long x = call('s', 11, CAIRN_OP_SINV_CALL, 0, 0x1111, 0x2222, 0, 0, 0);
	r |= call('s', CT, CAIRN_OP_CAPTBL_ACT_PGTBL, 12, MEM, free_kframe(0), 2, 0, 0);
	r |= call('s', PT, CAIRN_OP_PGTBL_CONS, SCRATCH_LO, 12, 0, 0, 0, 0);
	r |= call('s', CT, CAIRN_OP_CAPTBL_ACT_PGTBL, 13, MEM, free_kframe(0), 1, 0, 0);
	r |= call('s', PT, CAIRN_OP_PGTBL_CONS, SCRATCH_LO, 13, 0, 0, 0, 0);
	r |= call('s', PT, CAIRN_OP_PGTBL_MAP, SCRATCH_LO, MEM, pick_frame(CAIRN_FRAME_USER, 0), CAIRN_MAP_WRITE, 0, 0);
	if (r == 0) {
		*(volatile uint64_t *)SCRATCH_LO = 0x5eed;
		r = *(volatile uint64_t *)SCRATCH_LO != 0x5eed;
		exec_always = (uint64_t)cairn_pgtbl_lookup(PT, SCRATCH_LO) & CAIRN_MAP_EXEC;
	}
	plant_island();
	if (r || x != 0x1111 || echo_calls != e0 + 1 || !main_tid || own_code_lookup < 0 || nfail) {
		cairn_printf("hostile: setup failed (%ld, echo %ld, lookup %ld)\n", r, x, own_code_lookup);
		return 0;
	}
	return 1;
}

/* ---- teardown: destroy everything reachable, then return every frame ---- */

static unsigned destroyed;

/* A slot of leaf 0 (8..127) naming o with its owning type, or 0. */
static unsigned keep_slot(unsigned o)
{
	unsigned type = owning_type(ob[o].kind);

	for (unsigned idx = 8; idx < LEAF_SLOTS; idx++) {
		struct mcap *m = &leaf_slot[O_L0][idx];
		if (m->type == type && m->obj == o)
			return idx;
	}
	return 0;
}

static unsigned free_leaf0_slot(void)
{
	for (unsigned idx = 8; idx < LEAF_SLOTS; idx++)
		if (!leaf_slot[O_L0][idx].type)
			return idx;
	return 0;
}

/* A slot of our table holding a root capability to root, or 0. */
static unsigned root_cap_slot(unsigned root)
{
	if (root == O_R0)
		return CT;
	for (unsigned i = 0; i < n_r0_pos; i++) {
		unsigned p = r0_pos[i];
		for (unsigned s = 0; s < LEAF_SLOTS; s++) {
			struct mcap *m = &leaf_slot[root_leaf[O_R0][p]][s];
			if (m->type == CAIRN_CAP_CAPTBL && !m->flags && m->obj == root)
				return p * LEAF_SLOTS + s;
		}
	}
	return 0;
}

/*
 * Makes sure leaf 0 holds a capability to o (returns its slot, or 0), copying one from
 * any table we can name, through tables named only in other tables if need be.
 */
static uint8_t fetching[MAX_OBJ];

static unsigned fetch(unsigned o)
{
	static const unsigned fixed[O_FIRST] = { 0, CT, CAIRN_SLOT_LEAF0, PT, COMP0, ME };
	unsigned type = owning_type(ob[o].kind), k, dst;

	if (o < O_FIRST)
		return fixed[o];
	if ((k = keep_slot(o)) || !type || fetching[o] || !(dst = free_leaf0_slot()))
		return k;
	fetching[o] = 1;
	for (unsigned r = O_R0; r < nobj; r++) {
		unsigned rs = ob[r].kind == K_ROOT && r != o ? (r == O_R0 ? CT : root_cap_slot(r)) : 0;
		if (!rs && ob[r].kind == K_ROOT && r != o)
			rs = fetch(r);
		if (rs && leaf_slot[O_L0][dst].type)
			dst = free_leaf0_slot();	/* the recursion took it */
		for (unsigned p = 0; rs && p < ROOT_SLOTS; p++) {
			unsigned leaf = root_leaf[r][p];
			for (unsigned s = 0; leaf && s < LEAF_SLOTS; s++) {
				struct mcap *m = &leaf_slot[leaf][s];
				if (dst && m->type == type && m->obj == o &&
				    call('t', CT, CAIRN_OP_CAPTBL_COPY, dst, rs, p * LEAF_SLOTS + s, 0, 0, 0) == 0) {
					fetching[o] = 0;
					return dst;
				}
			}
		}
	}
	fetching[o] = 0;
	return 0;
}

static int live(unsigned o)
{
	return ob[o].kind != K_NONE;
}

static void clear_keepers(void)
{
	for (unsigned o = O_C0; o < nobj; o++) {
		unsigned s;
		if (ob[o].kind == K_COMP && ob[o].keeper && (s = o == O_C0 ? COMP0 : fetch(o)))
			call('t', s, CAIRN_OP_COMP_KEEPER, 0, 0, 0, 0, 0, 0);
	}
}

static void unmap_all(void)
{
	for (unsigned i = nmaps; i-- > 0;) {
		unsigned rs = fetch(maps[i].root);
		if (rs)
			call('t', rs, CAIRN_OP_PGTBL_UNMAP, maps[i].va, 0, 0, 0, 0, 0);
	}
}

static void decons_nodes(void)
{
	for (unsigned level = 1; level <= 3; level++)
		for (unsigned o = O_FIRST; o < nobj; o++) {
			unsigned rs;
			if (ob[o].kind != K_PT || !ob[o].hooked || ob[o].level != level)
				continue;
			fetch(o);	/* so that it can be deactivated once unhooked */
			if ((rs = fetch(ob[o].parent)))
				call('t', rs, CAIRN_OP_PGTBL_DECONS, ob[o].va, level, 0, 0, 0, 0);
		}
}

/* Hooks leaves that hold capabilities but hang nowhere into our table, to empty them. */
static int hook_loose_leaves(void)
{
	int progress = 0;

	for (unsigned o = O_FIRST; o < nobj; o++) {
		if (ob[o].kind != K_LEAF || ob[o].hooked)
			continue;
		int used = 0;
		for (unsigned s = 0; s < LEAF_SLOTS; s++)
			used |= leaf_slot[o][s].type;
		unsigned k = used ? fetch(o) : 0;
		for (unsigned p = 2; k && p < ROOT_SLOTS; p++)
			if (!root_leaf[O_R0][p]) {
				progress |= call('t', CT, CAIRN_OP_CAPTBL_CONS, p, k, 0, 0, 0, 0) == 0;
				break;
			}
	}
	return progress;
}

/* Removes every capability outside leaf 0 whose object leaf 0 holds too (or that owns nothing). */
static int empty_tables(void)
{
	int progress = 0;

	for (unsigned r = O_R0; r < nobj; r++) {
		unsigned rs = ob[r].kind == K_ROOT ? fetch(r) : 0;
		for (unsigned p = 0; rs && p < ROOT_SLOTS; p++) {
			unsigned leaf = root_leaf[r][p];
			if (!leaf || leaf == O_L0)
				continue;
			for (unsigned s = 0; s < LEAF_SLOTS; s++) {
				struct mcap *m = &leaf_slot[leaf][s];
				if (!m->type)
					continue;
				if (owning(m->type) && !fetch(m->obj))
					continue;	/* the last capability we could find: keep it */
				progress |= call('t', rs, CAIRN_OP_CAPTBL_REMOVE, p * LEAF_SLOTS + s, 0, 0, 0, 0, 0) == 0;
			}
		}
	}
	return progress;
}

static int unhook_leaves(int all)
{
	int progress = 0;

	for (unsigned o = O_FIRST; o < nobj; o++) {
		if (ob[o].kind != K_LEAF || !ob[o].hooked)
			continue;
		unsigned rs = fetch(ob[o].parent);
		if (rs && (all || fetch(o)))
			progress |= call('t', rs, CAIRN_OP_CAPTBL_DECONS, ob[o].pos, 0, 0, 0, 0, 0) == 0;
	}
	return progress;
}

/* Deactivates (or removes) what leaf 0 holds; objects still referenced wait a round. */
static int deactivate_kept(void)
{
	int progress = 0;

	for (unsigned idx = 8; idx < LEAF_SLOTS; idx++) {
		struct mcap *m = &leaf_slot[O_L0][idx];
		if (!m->type)
			continue;
		int dup = owning(m->type) && keep_slot(m->obj) != idx;
		uint32_t op = owning(m->type) && !dup ? CAIRN_OP_CAPTBL_DEACT : CAIRN_OP_CAPTBL_REMOVE;
		if (call('t', CT, op, idx, 0, 0, 0, 0, 0) == 0) {
			progress = 1;
			destroyed += op == CAIRN_OP_CAPTBL_DEACT;
		}
	}
	return progress;
}

static void return_frames(void)
{
	for (unsigned o = O_FIRST; o < nobj; o++) {
		if (ob[o].type == ob[o].orig || (ob[o].type == CAIRN_FRAME_KERNEL && live(o)))
			continue;
		if (ob[o].type != CAIRN_FRAME_UNTYPED)
			call('t', MEM, CAIRN_OP_MEM_RETYPE, ob[o].pa, CAIRN_FRAME_UNTYPED, 0, 0, 0, 0);
		if (ob[o].type == CAIRN_FRAME_UNTYPED && ob[o].orig != CAIRN_FRAME_UNTYPED)
			call('t', MEM, CAIRN_OP_MEM_RETYPE, ob[o].pa, ob[o].orig, 0, 0, 0, 0);
	}
}

static void teardown(void)
{
	clear_keepers();
	unmap_all();
	decons_nodes();
	for (int round = 0, progress = 1; round < 64 && progress; round++) {
		progress = hook_loose_leaves();
		progress |= empty_tables();
		progress |= unhook_leaves(round > 8);
		progress |= deactivate_kept();
		if (!progress && round < 10) {	/* one more pass with everything unhooked */
			clear_keepers();
			unmap_all();
			decons_nodes();
			progress = 1;
		}
	}
	return_frames();
}

/* ---- what could not be returned, and why ---- */

/*
 * What this program can still reach: its own root; the leaves hooked under a reachable
 * root ("visible": their slots can be operated on); every object an owning capability
 * in a visible leaf names. An object outside that set can be neither deactivated nor
 * retyped, and whatever it refers to stays referenced: those are "stuck". Exactly the
 * stuck objects (and user frames mapped only under stuck roots) may be kept.
 */
static uint8_t visible[MAX_OBJ], reachable[MAX_OBJ], stuck[MAX_OBJ];

static void mark_reachable(void)
{
	memset(visible, 0, sizeof(visible));
	memset(reachable, 0, sizeof(reachable));
	reachable[O_R0] = 1;
	for (int changed = 1; changed;) {
		changed = 0;
		for (unsigned r = O_R0; r < nobj; r++)
			for (unsigned p = 0; reachable[r] && ob[r].kind == K_ROOT && p < ROOT_SLOTS; p++) {
				unsigned l = root_leaf[r][p];
				if (l && !visible[l])
					changed = visible[l] = 1;
			}
		for (unsigned l = O_R0; l < nobj; l++)
			for (unsigned s = 0; visible[l] && s < LEAF_SLOTS; s++) {
				struct mcap *m = &leaf_slot[l][s];
				if (owning(m->type) && !reachable[m->obj])
					changed = reachable[m->obj] = 1;
			}
	}
}

static int pin(unsigned o)
{
	if (o < O_FIRST || stuck[o] || !live(o))
		return 0;
	return stuck[o] = 1;
}

static int pin_refs(unsigned o)
{
	struct obj *x = &ob[o];
	int changed = 0;

	switch (x->kind) {
	case K_ROOT:		/* its leaves cannot be unhooked */
		for (unsigned p = 0; p < ROOT_SLOTS; p++)
			changed |= pin(root_leaf[o][p]);
		break;
	case K_LEAF:		/* out of sight, its capabilities cannot be removed */
		for (unsigned s = 0; !visible[o] && s < LEAF_SLOTS; s++)
			changed |= leaf_slot[o][s].type ? pin(leaf_slot[o][s].obj) : 0;
		break;
	case K_PT:		/* a root's nodes cannot be unhooked */
		for (unsigned n = O_FIRST; x->level == 4 && n < nobj; n++)
			changed |= ob[n].kind == K_PT && ob[n].hooked && ob[n].parent == o ? pin(n) : 0;
		break;
	case K_COMP:
		changed |= pin(x->ct);
		changed |= pin(x->pt);
		changed |= pin(x->keeper);
		break;
	case K_THREAD:
		changed |= pin(x->home);
		changed |= pin(x->sched);
		break;
	}
	return changed;
}

static void mark_stuck(void)
{
	memset(stuck, 0, sizeof(stuck));
	for (unsigned o = O_FIRST; o < nobj; o++)
		stuck[o] = live(o) && !reachable[o];
	for (int changed = 1; changed;) {
		changed = 0;
		for (unsigned o = O_FIRST; o < nobj; o++)
			if (stuck[o])
				changed |= pin_refs(o);
	}
}

static int mapped_under_stuck(uint64_t pa)
{
	for (unsigned i = 0; i < nmaps; i++)
		if (maps[i].pa == pa && stuck[maps[i].root])
			return 1;
	return 0;
}

static unsigned kept, kept_unreachable, surprises, kept_kind[6];

static void explain_kept(void)
{
	static const char *names[6] = { "no object", "root", "leaf", "pgtbl", "comp", "thread" };

	mark_reachable();
	mark_stuck();
	for (unsigned o = O_FIRST; o < nobj; o++) {
		struct obj *x = &ob[o];
		int is_kept = x->type != x->orig;
		int want = live(o) ? stuck[o] : x->type == CAIRN_FRAME_USER && x->orig != CAIRN_FRAME_USER &&
						   mapped_under_stuck(x->pa);
		kept += is_kept;
		kept_kind[x->kind] += is_kept;
		kept_unreachable += is_kept && live(o) && !reachable[o];
		if (is_kept != want && surprises++ < 8)
			cairn_printf("hostile: frame 0x%lx (%s, type %u, was %u) %s\n", x->pa, names[x->kind], x->type,
				     x->orig, is_kept ? "was kept though it is reachable" : "came back though it is stuck");
		if (is_kept && live(o) && !reachable[o] && kept_unreachable <= 4)
			cairn_printf("hostile: kept: a %s (frame 0x%lx) that no capability we can reach names%s\n",
				     names[x->kind], x->pa, x->pa == island ? " (the island setup planted)" : "");
	}
	cairn_printf("hostile: teardown: %u objects destroyed, %u of %u frames kept", destroyed, kept, nobj - O_FIRST);
	for (unsigned k = 0; k < 6; k++)
		if (kept_kind[k])
			cairn_printf(", %s %u", names[k], kept_kind[k]);
	cairn_printf(" (%u unreachable, the rest held by them)\n", kept_unreachable);
}

/* ---- main ---- */

static void summary(void)
{
	static const char *names[16] = { "ok", "EIO", "EBADF", "ENOMEM", "EACCES", "EFAULT", "EINVAL", "ERANGE",
					 "ENOBUFS", "ENOTSUP", "EAGAIN", "ENOSYS", "EBUSY", "ENOENT", "EDEPTH",
					 "other" };

	cairn_printf("hostile: %lu calls (random %lu, well-formed %lu, in episodes %lu, setup %lu, teardown %lu), "
		     "%lu probes, %u episodes, %lu keeper calls:", ncalls, nsrc[0], nsrc[1], nsrc[2], nsrc[3], nsrc[4],
		     nprobes, episodes, keeper_calls);
	for (unsigned i = 0; i < 16; i++)
		cairn_printf(" %s %lu", names[i], nret[i]);
	cairn_printf("\n");
}

static void random_phase(void)
{
	while (nrandom < HOSTILE_CALLS && !stop_random) {
		struct call c = { 0 };
		if (chance(50)) {
			c.src = 'r';
			random_call(&c);
		} else {
			c.src = 'w';
			well_formed(&c);
		}
		if (!safe(&c))
			continue;
		run(&c);
		nrandom++;
		if (nrandom % EPISODE_EVERY == 0)
			episode();
		if (nrandom % VALIDATE_EVERY == 0)
			validate(nrandom % (8 * VALIDATE_EVERY) == 0);
		if (nrandom % HOSTILE_KCHECK_EVERY == 0)
			call('e', CAIRN_CAP_NULL, CAIRN_OP_KCHECK, 0, 0, 0, 0, 0, 0);
		if (nrandom % PROGRESS_EVERY == 0)
			cairn_printf("\nhostile: %lu calls, %u objects modelled, %u mappings\n", nrandom, nobj, nmaps);
	}
}

int main(const void *root)
{
	R = root;
	cairn_printf("hostile: seed 0x%lx calls %lu\n", (unsigned long)HOSTILE_SEED, (unsigned long)HOSTILE_CALLS);
	if (R->magic != CAIRN_ROOT_MAGIC || R->mem_end == 0) {
		cairn_check("hostile.1", "random_calls", 0, "run this as the first boot module");
		return 1;
	}
	model_init();
	if (!setup()) {
		cairn_check("hostile.1", "random_calls", 0, "setup failed (see above)");
		return 1;
	}
	random_phase();
	if (!stop_random)
		validate(1);
	uint64_t random_fails = nfail, first_fail = fail_at;
	const char *first_what = fail_what;
	long k1 = cairn_kcheck();

	teardown();
	explain_kept();
	long expect[3], now[3];
	for (unsigned t = 0; t < 3; t++) {
		expect[t] = start_count[t];
		for (unsigned o = O_FIRST; o < nobj; o++)
			expect[t] += (ob[o].type == t) - (ob[o].orig == t);
		now[t] = count_frames('t', t);
	}
	long k2 = cairn_kcheck();
	summary();

	cairn_check("hostile.1", "random_calls", random_fails == 0 && nrandom == HOSTILE_CALLS && !stray_runs,
		    "%lu failures, the first at call #%lu: %s (seed 0x%lx); %lu of %lu calls made; "
		    "%lu runs of threads never dispatched", random_fails, first_fail, first_what ? first_what : "-",
		    (unsigned long)HOSTILE_SEED, nrandom, (unsigned long)HOSTILE_CALLS, stray_runs);
	cairn_check("hostile.2", "invariant_after", k1 == 0 && kcheck_bad_at == ~0UL,
		    "kcheck found %ld problems (the first failing kcheck: call #%lu)", k1, kcheck_bad_at);
	int same = now[0] == expect[0] && now[1] == expect[1] && now[2] == expect[2];
	cairn_check("hostile.3", "memory_returned", same && !surprises && nfail == random_fails,
		    "untyped %ld kernel %ld user %ld, want %ld %ld %ld (start %ld %ld %ld less %u frames kept, "
		    "%u unreachable); %u frames not as reachability implies; %lu failed calls in teardown",
		    now[0], now[1], now[2], expect[0], expect[1], expect[2], start_count[0], start_count[1],
		    start_count[2], kept, kept_unreachable, surprises, nfail - random_fails);
	cairn_check("hostile.4", "invariant_after_teardown", k2 == 0, "kcheck found %ld problems", k2);
	cairn_check("hostile.5", "dispatch_and_gates",
		    episode_fail_at == ~0UL && episodes == HOSTILE_CALLS / EPISODE_EVERY,
		    "%u of %lu episodes, failed near call #%lu: %s", episodes,
		    (unsigned long)(HOSTILE_CALLS / EPISODE_EVERY), episode_fail_at, episode_what ? episode_what : "-");
	return 0;
}
