/*
 * objects: the kernel object model, operation by operation: every success and every
 * documented error of typed memory, capability tables, page tables, components,
 * threads (THREAD_REG on a stopped one among them), endpoints, invocation gates,
 * keepers, restarts and indirections. It must be the first boot module
 * (it needs the memory and interrupt capabilities) and the kernel must run with
 * "ktest" (for the invariant check). tests.toml boots it twice: with the fast path and
 * with "nofastpath", so both paths are shown to give the same results.
 *
 * Components made here are mirrors: their page tables map this program's own frames
 * (image, data, Root page), so their code is ours and their memory is shared with us,
 * but each has its own capability table and page-table root.
 */
#include <cairn/build.h>
#include <cairn/cairn.h>
#include <cairn/gate.h>
#include <cairn/root.h>

#define MEM  CAIRN_SLOT_MEMORY
#define CT   CAIRN_SLOT_CAPTBL
#define PT   CAIRN_SLOT_PGTBL
#define ME   CAIRN_SLOT_THREAD
#define K    CAIRN_FRAME_KERNEL
#define U    CAIRN_FRAME_USER

#define SCRATCH_VA 0x200000000UL	/* our own scratch mappings */
#define FAULT_VA   0x300000000UL	/* where the keeper test faults */
#define GATE_SLOT  8			/* a mirror's slot for its onward gate */

extern char _start[], _end[];

static const struct cairn_root *R;
static struct cairn_alloc A = { .mem = MEM, .ct = CT, .cursor = 32UL << 20, .end = 0,
				.next_slot = CAIRN_SLOT_FREE, .last_slot = 128 };

#define CHECK(id, name, cond, ...) cairn_check(id, name, (cond), __VA_ARGS__)

static uint64_t frame(unsigned type)
{
	return cairn_frame(&A, type);
}

/* A fresh slot; past the first leaf, more leaves (at root positions 1, 2, ...). */
static unsigned slot(void)
{
	return cairn_reserve_slots(&A) ? 0 : cairn_slot(&A);
}

/* ---- typed memory ---- */

static void test_memory(void)
{
	long untyped = cairn_mem_count(MEM, CAIRN_FRAME_UNTYPED);
	uint64_t f = frame(U);

	CHECK("mem.1", "retype_user_and_back", f && cairn_mem_count(MEM, CAIRN_FRAME_UNTYPED) == untyped - 1 &&
	      cairn_mem_retype(MEM, f, CAIRN_FRAME_UNTYPED) == 0 &&
	      cairn_mem_count(MEM, CAIRN_FRAME_UNTYPED) == untyped, "untyped %ld", untyped);
	long r1 = cairn_mem_retype(MEM, f, CAIRN_FRAME_UNTYPED);
	long r2 = cairn_mem_retype(MEM, f, CAIRN_FRAME_RESERVED);
	f = frame(K);
	long r3 = cairn_mem_retype(MEM, f, U);
	CHECK("mem.2", "bad_transitions", r1 == CAIRN_EINVAL && r2 == CAIRN_EINVAL && r3 == CAIRN_EINVAL,
	      "%ld %ld %ld", r1, r2, r3);
	cairn_mem_retype(MEM, f, CAIRN_FRAME_UNTYPED);
	r1 = cairn_mem_retype(MEM, 0x100000, CAIRN_FRAME_UNTYPED);	/* the kernel image */
	r2 = cairn_mem_retype(MEM, 0x100000, U);
	CHECK("mem.3", "reserved_frames", r1 == CAIRN_EINVAL && r2 == CAIRN_EINVAL, "%ld %ld", r1, r2);
	r1 = cairn_mem_retype(MEM, f + 8, U);
	r2 = cairn_mem_retype(MEM, R->mem_end, U);
	r3 = cairn_mem_retype(MEM, f, 9);
	CHECK("mem.4", "bad_arguments", r1 == CAIRN_EINVAL && r2 == CAIRN_ERANGE && r3 == CAIRN_EINVAL,
	      "%ld %ld %ld", r1, r2, r3);
	r1 = cairn_mem_retype(ME, f, U);
	r2 = cairn_mem_count(MEM, 7);
	CHECK("mem.5", "wrong_type_and_count_arg", r1 == CAIRN_EBADF && r2 == CAIRN_EINVAL, "%ld %ld", r1, r2);
}

/* ---- capability tables ---- */

static void test_captbl(void)
{
	unsigned leaf = slot(), dst = 128 + 5;
	long r = cairn_captbl_act_captbl(CT, leaf, MEM, frame(K), 1);
	long c = cairn_captbl_cons(CT, 1, leaf);
	long cp = cairn_captbl_copy(CT, dst, CT, MEM);
	long use = cairn_mem_count(dst, CAIRN_FRAME_UNTYPED);
	CHECK("cap.1", "leaf_cons_copy_use", r == 0 && c == 0 && cp == 0 && use > 0,
	      "act %ld cons %ld copy %ld use %ld", r, c, cp, use);

	long e1 = cairn_captbl_copy(CT, dst, CT, MEM);			/* occupied */
	long e2 = cairn_captbl_copy(CT, dst + 1, CT, 120);		/* empty source */
	long e3 = cairn_captbl_copy(CT, CAIRN_CAPTBL_MAX, CT, MEM);	/* out of range */
	long e4 = cairn_captbl_copy(CT, 3 * 128, CT, MEM);		/* absent leaf */
	long e5 = cairn_captbl_copy(CT, 0, CT, MEM);			/* the null slot */
	long e6 = cairn_captbl_copy(CT, dst + 1, MEM, MEM);		/* source not a table */
	CHECK("cap.2", "copy_errors", e1 == CAIRN_EBUSY && e2 == CAIRN_ENOENT && e3 == CAIRN_ERANGE &&
	      e4 == CAIRN_ENOENT && e5 == CAIRN_EINVAL && e6 == CAIRN_EBADF,
	      "%ld %ld %ld %ld %ld %ld", e1, e2, e3, e4, e5, e6);

	r = cairn_captbl_remove(CT, dst);
	use = cairn_mem_count(dst, CAIRN_FRAME_UNTYPED);
	e1 = cairn_captbl_remove(CT, dst);
	e2 = cairn_captbl_remove(CT, 0);
	CHECK("cap.3", "remove_then_use", r == 0 && use == CAIRN_ENOENT && e1 == CAIRN_ENOENT && e2 == CAIRN_EINVAL,
	      "%ld %ld %ld %ld", r, use, e1, e2);

	cairn_captbl_copy(CT, dst, CT, MEM);
	e1 = cairn_captbl_decons(CT, 1);				/* leaf not empty */
	cairn_captbl_remove(CT, dst);
	e2 = cairn_captbl_cons(CT, 1, leaf);				/* position in use */
	e3 = cairn_captbl_cons(CT, 2, CT);				/* a root is no leaf */
	e4 = cairn_captbl_cons(CT, 512, leaf);
	r = cairn_captbl_decons(CT, 1);
	e5 = cairn_captbl_decons(CT, 1);
	CHECK("cap.4", "cons_decons", e1 == CAIRN_EBUSY && e2 == CAIRN_EBUSY && e3 == CAIRN_EINVAL &&
	      e4 == CAIRN_ERANGE && r == 0 && e5 == CAIRN_ENOENT, "%ld %ld %ld %ld %ld %ld", e1, e2, e3, e4, r, e5);

	uint64_t kf;
	unsigned tbl = slot();
	cairn_captbl_act_captbl(CT, tbl, MEM, kf = frame(K), 0);
	e1 = cairn_captbl_remove(CT, tbl);				/* the last reference */
	e2 = cairn_mem_retype(MEM, kf, CAIRN_FRAME_UNTYPED);		/* an object lives there */
	r = cairn_captbl_deact(CT, tbl);
	e3 = cairn_captbl_cons(tbl, 0, leaf);				/* use after deactivate */
	long rt = cairn_mem_retype(MEM, kf, CAIRN_FRAME_UNTYPED);
	CHECK("cap.5", "deactivate", e1 == CAIRN_EBUSY && e2 == CAIRN_EBUSY && r == 0 && e3 == CAIRN_ENOENT && rt == 0,
	      "%ld %ld %ld %ld %ld", e1, e2, r, e3, rt);

	uint64_t uf = frame(U), kf2 = frame(K), used = frame(K);
	unsigned s2 = slot(), s3 = slot();
	cairn_captbl_act_captbl(CT, s3, MEM, used, 1);
	e1 = cairn_captbl_act_captbl(CT, s2, MEM, uf, 1);		/* user frame */
	e2 = cairn_captbl_act_captbl(CT, s2, MEM, A.cursor + 4096 * 64, 1); /* untyped */
	e3 = cairn_captbl_act_captbl(CT, s2, MEM, used, 1);		/* holds an object */
	e4 = cairn_captbl_act_captbl(CT, MEM, MEM, kf2, 1);		/* slot in use */
	e5 = cairn_captbl_act_captbl(CT, s2, MEM, kf2, 2);		/* no level 2 */
	e6 = cairn_captbl_act_captbl(CT, s2, ME, kf2, 1);		/* not memory */
	CHECK("cap.6", "activate_errors", e1 == CAIRN_EACCES && e2 == CAIRN_EACCES && e3 == CAIRN_EBUSY &&
	      e4 == CAIRN_EBUSY && e5 == CAIRN_EINVAL && e6 == CAIRN_EBADF,
	      "%ld %ld %ld %ld %ld %ld", e1, e2, e3, e4, e5, e6);

	e1 = cairn_call(MEM, CAIRN_OP_CAPTBL_COPY, 1, 1, 1, 0, 0, 0);	/* op of another type */
	e2 = cairn_call(CT, 0x01ff, 0, 0, 0, 0, 0, 0);			/* no such captbl op */
	e3 = cairn_captbl_copy(s3, 5, CT, MEM);				/* ops name slots from a root */
	CHECK("cap.7", "wrong_type_and_op", e1 == CAIRN_EBADF && e2 == CAIRN_ENOSYS && e3 == CAIRN_EINVAL,
	      "%ld %ld %ld", e1, e2, e3);

	cairn_captbl_cons(CT, 1, leaf);
	e1 = cairn_captbl_deact(CT, leaf);				/* hooked: 2 references */
	cairn_captbl_decons(CT, 1);
	r = cairn_captbl_deact(CT, leaf);
	CHECK("cap.8", "deactivate_hooked_leaf", e1 == CAIRN_EBUSY && r == 0, "%ld %ld", e1, r);
}

/* ---- page tables ---- */

static long build_path(unsigned root, uint64_t va)
{
	return cairn_pgtbl_path(&A, root, va);
}

static void test_pgtbl(void)
{
	uint64_t f = frame(U);
	long p = build_path(PT, SCRATCH_VA);
	long m = cairn_pgtbl_map(PT, SCRATCH_VA, MEM, f, CAIRN_MAP_WRITE);
	volatile uint64_t *w = (uint64_t *)SCRATCH_VA;
	*w = 0x1234;
	long look = cairn_pgtbl_lookup(PT, SCRATCH_VA + 8);
	CHECK("pt.1", "build_map_write", p == 0 && m == 0 && *w == 0x1234 &&
	      look == (long)(f | CAIRN_MAP_WRITE), "path %ld map %ld lookup %lx", p, m, look);

	uint64_t kf = frame(K), uf = frame(U);
	long e1 = cairn_pgtbl_map(PT, SCRATCH_VA + 4096, MEM, kf, 0);		/* kernel frame */
	long e2 = cairn_pgtbl_map(PT, SCRATCH_VA + 4096, MEM, A.cursor + 4096 * 64, 0); /* untyped */
	long e3 = cairn_pgtbl_map(PT, SCRATCH_VA, MEM, uf, 0);			/* already mapped */
	long e4 = cairn_pgtbl_map(PT, 0xffff800000000000UL, MEM, uf, 0);	/* kernel half */
	long e5 = cairn_pgtbl_map(PT, SCRATCH_VA + (1UL << 30), MEM, uf, 0);	/* no table there */
	long e6 = cairn_pgtbl_map(PT, SCRATCH_VA + 12, MEM, uf, 0);		/* misaligned */
	long e7 = cairn_pgtbl_map(PT, SCRATCH_VA + 4096, MEM, uf, 8);		/* bad rights */
	long e8 = cairn_pgtbl_map(PT, 0, MEM, uf, 0);				/* the null page */
	CHECK("pt.2", "map_errors", e1 == CAIRN_EACCES && e2 == CAIRN_EACCES && e3 == CAIRN_EBUSY &&
	      e4 == CAIRN_EFAULT && e5 == CAIRN_ENOENT && e6 == CAIRN_EFAULT && e7 == CAIRN_EINVAL &&
	      e8 == CAIRN_EFAULT, "%ld %ld %ld %ld %ld %ld %ld %ld", e1, e2, e3, e4, e5, e6, e7, e8);

	long busy = cairn_mem_retype(MEM, f, CAIRN_FRAME_UNTYPED);		/* mapped */
	long un = cairn_pgtbl_unmap(PT, SCRATCH_VA);
	long gone = cairn_pgtbl_lookup(PT, SCRATCH_VA);
	long again = cairn_pgtbl_unmap(PT, SCRATCH_VA);
	long free = cairn_mem_retype(MEM, f, CAIRN_FRAME_UNTYPED);
	CHECK("pt.3", "unmap_and_retype", busy == CAIRN_EBUSY && un == 0 && gone == CAIRN_ENOENT &&
	      again == CAIRN_ENOENT && free == 0, "%ld %ld %ld %ld %ld", busy, un, gone, again, free);

	cairn_pgtbl_map(PT, SCRATCH_VA, MEM, uf, 0);
	e1 = cairn_pgtbl_decons(PT, SCRATCH_VA, 1);		/* the table maps a page */
	cairn_pgtbl_unmap(PT, SCRATCH_VA);
	long d1 = cairn_pgtbl_decons(PT, SCRATCH_VA, 1);
	e2 = cairn_pgtbl_decons(PT, SCRATCH_VA, 1);
	e3 = cairn_pgtbl_decons(PT, SCRATCH_VA, 4);		/* no such child level */
	unsigned leaf1 = A.next_slot - 1;			/* build_path's level-1 node */
	long d2 = cairn_captbl_deact(CT, leaf1);
	e4 = cairn_pgtbl_map(leaf1 - 1, SCRATCH_VA, MEM, uf, 0);	/* not a root */
	CHECK("pt.4", "decons", e1 == CAIRN_EBUSY && d1 == 0 && e2 == CAIRN_ENOENT && e3 == CAIRN_EINVAL &&
	      d2 == 0 && e4 == CAIRN_EINVAL, "%ld %ld %ld %ld %ld %ld", e1, d1, e2, e3, d2, e4);
	(void)kf;
}

/* ---- mirrors: components sharing our code and memory ---- */

#define mirror cairn_mirror

static long make_mirror(struct mirror *m)
{
	long r = cairn_mirror(&A, m, PT, CAIRN_IMAGE_BASE, (uint64_t)_end, (uint64_t)_start);
	return r ? r : cairn_pgtbl_path(&A, m->pt, FAULT_VA);
}

/* ---- invocation ---- */

static volatile int trace[16], ntrace;

static struct cairn_ret2 add(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge, cairn_word tid)
{
	return (struct cairn_ret2){ (long)(a + b + c + d + badge), tid };
}
CAIRN_GATE(add_entry, add)

static struct cairn_ret2 nest(cairn_word level, cairn_word b, cairn_word c, cairn_word d, cairn_word badge, cairn_word tid)
{
	(void)b, (void)c, (void)d, (void)badge;
	trace[ntrace++] = (int)level;
	cairn_word inner = tid;
	if (level < 3) {
		struct cairn_ret2 r = cairn_sinv_call(GATE_SLOT, level + 1, 0, 0, 0);
		if (r.r1 != tid)
			inner = r.r1;
	}
	trace[ntrace++] = 10 + (int)level;
	return (struct cairn_ret2){ (long)level, inner };
}
CAIRN_GATE(nest_entry, nest)

static struct cairn_ret2 recur(cairn_word depth, cairn_word b, cairn_word c, cairn_word d, cairn_word badge, cairn_word tid)
{
	(void)b, (void)c, (void)d, (void)badge, (void)tid;
	struct cairn_ret2 r = cairn_sinv_call(GATE_SLOT, depth + 1, 0, 0, 0);
	if (r.r0 == CAIRN_EDEPTH)
		return (struct cairn_ret2){ (long)depth, 0 };
	return r;
}
CAIRN_GATE(recur_entry, recur)

/* Leaves a pattern in every register and xmm0, then returns 42, 43. */
__asm__(".text\n.globl dirty_entry\ndirty_entry:\n"
	"\tmovabs $0x5151515151515151, %rbx\n"
	"\tmov %rbx, %rbp\n\tmov %rbx, %r8\n\tmov %rbx, %r9\n\tmov %rbx, %r10\n"
	"\tmov %rbx, %r12\n\tmov %rbx, %r13\n\tmov %rbx, %r14\n\tmov %rbx, %r15\n"
	"\tmovq %rbx, %xmm0\n"
	"\tmov $42, %edi\n\tmov $43, %esi\n"
	"\tmovabs $0x0000000300000000, %rax\n\tsyscall\n\tud2\n");
extern char dirty_entry[];

/* Calls gate and stores every register after the return: rbx rbp r8 r9 r10 r12-r15 rdi rsi xmm0. */
static long call_and_look(unsigned gate, uint64_t out[12], uint64_t *rdx)
{
	long rax;
	uint64_t d;
	__asm__ volatile(
		"push %%rbx\n push %%rbp\n push %%r12\n push %%r13\n push %%r14\n push %%r15\n"
		"push %[out]\n"
		"syscall\n"
		"xchg %%r11, (%%rsp)\n"		/* r11 = out; its value is sysret's rflags anyway */
		"mov %%rbx, 0(%%r11)\n mov %%rbp, 8(%%r11)\n mov %%r8, 16(%%r11)\n mov %%r9, 24(%%r11)\n"
		"mov %%r10, 32(%%r11)\n mov %%r12, 40(%%r11)\n mov %%r13, 48(%%r11)\n mov %%r14, 56(%%r11)\n"
		"mov %%r15, 64(%%r11)\n mov %%rdi, 72(%%r11)\n mov %%rsi, 80(%%r11)\n movq %%xmm0, 88(%%r11)\n"
		"add $8, %%rsp\n"
		"pop %%r15\n pop %%r14\n pop %%r13\n pop %%r12\n pop %%rbp\n pop %%rbx\n"
		: "=a"(rax), "=d"(d)
		: "a"(CAIRN_CALL(gate, CAIRN_OP_SINV_CALL)), [out] "r"(out)
		: "rcx", "rsi", "rdi", "r8", "r9", "r10", "r11", "xmm0", "memory");
	*rdx = d;
	return rax;
}

static void test_invocation(void)
{
	struct mirror b, c, d, e;
	long mb = make_mirror(&b), mc = make_mirror(&c), md = make_mirror(&d), me = make_mirror(&e);
	unsigned g = slot();
	long r = cairn_captbl_act_sinv(CT, g, b.comp, (cairn_word)add_entry, 1000, 0);
	struct cairn_ret2 x = cairn_sinv_call(g, 1, 2, 3, 4);
	long ctid = cairn_call(ME, CAIRN_OP_THREAD_TLS, 0, 0, 0, 0, 0, 0);
	(void)ctid;
	CHECK("inv.1", "call_and_return", !(mb | mc | md | me) && r == 0 && x.r0 == 1010,
	      "mirrors %ld %ld %ld %ld gate %ld result %ld", mb, mc, md, me, r, x.r0);
	long tid = (long)x.r1;

	/* b -> c -> d: each mirror's GATE_SLOT invokes the next. */
	unsigned g2 = slot();
	cairn_captbl_act_sinv(CT, g2, b.comp, (cairn_word)nest_entry, 0, 0);
	unsigned tmp = slot();
	cairn_captbl_act_sinv(CT, tmp, c.comp, (cairn_word)nest_entry, 0, 0);
	cairn_captbl_copy(b.ct, GATE_SLOT, CT, tmp);
	cairn_captbl_remove(CT, tmp);
	cairn_captbl_act_sinv(CT, tmp, d.comp, (cairn_word)nest_entry, 0, 0);
	cairn_captbl_copy(c.ct, GATE_SLOT, CT, tmp);
	ntrace = 0;
	x = cairn_sinv_call(g2, 1, 0, 0, 0);
	int order = ntrace == 6 && trace[0] == 1 && trace[1] == 2 && trace[2] == 3 &&
		    trace[3] == 13 && trace[4] == 12 && trace[5] == 11;
	CHECK("inv.2", "nested_three_deep_in_order", order && x.r0 == 1, "trace of %d, result %ld", ntrace, x.r0);
	CHECK("inv.3", "same_thread_in_client_and_servers", (long)x.r1 == tid, "client %ld, innermost %ld", tid, (long)x.r1);

	unsigned g3 = slot();
	cairn_captbl_act_sinv(CT, g3, e.comp, (cairn_word)recur_entry, 0, 0);
	cairn_captbl_copy(e.ct, GATE_SLOT, CT, g3);
	x = cairn_sinv_call(g3, 1, 0, 0, 0);
	long after = cairn_null();
	CHECK("inv.4", "depth_exceeded_is_an_error", x.r0 == CAIRN_INV_DEPTH && after == 0,
	      "deepest %ld (want %d)", x.r0, CAIRN_INV_DEPTH);

	uint64_t regs[12], rdx;
	unsigned open = slot(), conf = slot();
	cairn_captbl_act_sinv(CT, open, b.comp, (cairn_word)dirty_entry, 0, 0);
	cairn_captbl_act_sinv(CT, conf, b.comp, (cairn_word)dirty_entry, 0, CAIRN_SINV_CONFINED);
	long ro = call_and_look(open, regs, &rdx);
	int leaked = regs[0] == 0x5151515151515151 && regs[11] == 0x5151515151515151;
	long rc = call_and_look(conf, regs, &rdx);
	int clean = 1;
	for (int i = 0; i < 12; i++)
		clean &= regs[i] == 0;
	CHECK("inv.5", "confined_gate_clears_registers", ro == 42 && leaked && rc == 42 && rdx == 43 && clean,
	      "open %ld leaked %d; confined %ld rdx %lu clean %d", ro, leaked, rc, (unsigned long)rdx, clean);

	long e1 = cairn_call(CAIRN_CAP_NULL, CAIRN_OP_RETURN, 0, 0, 0, 0, 0, 0);	/* nothing to return from */
	long e2 = cairn_captbl_act_sinv(CT, slot(), b.comp, 0x800000000000UL, 0, 0);
	long e3 = cairn_captbl_act_sinv(CT, slot(), b.comp, CAIRN_IMAGE_BASE, 0, 4);
	long e4 = cairn_captbl_act_sinv(CT, slot(), b.ct, CAIRN_IMAGE_BASE, 0, 0);
	CHECK("inv.6", "gate_errors", e1 == CAIRN_EINVAL && e2 == CAIRN_EFAULT && e3 == CAIRN_EINVAL && e4 == CAIRN_EBADF,
	      "%ld %ld %ld %ld", e1, e2, e3, e4);
}

/* ---- derived memory: authority over part of a MEMORY capability's range ---- */

#define D_SLOT 9	/* in a mirror's table: the derived capability, copied there */

static volatile long derived_results[4];

/* Runs in a mirror: uses the copy in D_SLOT of its table, and derives from it there. */
static struct cairn_ret2 use_derived(cairn_word in, cairn_word out, cairn_word c, cairn_word d,
				     cairn_word badge, cairn_word tid)
{
	(void)c, (void)d, (void)badge, (void)tid;
	derived_results[0] = cairn_mem_retype(D_SLOT, in, U);
	derived_results[1] = cairn_mem_retype(D_SLOT, out, U);
	derived_results[2] = cairn_mem_derive(D_SLOT, D_SLOT + 1, in, in + 4096);
	derived_results[3] = cairn_mem_count(D_SLOT + 1, U);
	return (struct cairn_ret2){ 0, 0 };
}
CAIRN_GATE(use_derived_entry, use_derived)

static void test_derive(void)
{
	uint64_t base = A.cursor, end = base + 8 * 4096, in = base + 4096, out = end;
	unsigned d = slot(), d2 = slot(), e = slot(), obj = slot();
	A.cursor = end;		/* the allocator leaves [base, end) to this test */

	long r = cairn_mem_derive(MEM, d, base, end);
	long n = cairn_mem_count(d, CAIRN_FRAME_UNTYPED);
	long ri = cairn_mem_retype(d, in, U);
	long below = cairn_mem_retype(d, base - 4096, U);
	long above = cairn_mem_retype(d, out, U);
	long nu = cairn_mem_count(d, U);
	long back = cairn_mem_retype(d, in, CAIRN_FRAME_UNTYPED);
	CHECK("mem.6", "derive_and_use", r == 0 && n == 8 && ri == 0 && below == CAIRN_ERANGE &&
	      above == CAIRN_ERANGE && nu == 1 && back == 0, "derive %ld untyped %ld retype in %ld below %ld "
	      "above %ld user %ld back %ld", r, n, ri, below, above, nu, back);

	uint64_t kf = frame(K);		/* outside the derived range */
	long k = cairn_mem_retype(d, in, K);
	long a1 = cairn_captbl_act_captbl(CT, obj, d, in, 1);
	long a2 = cairn_captbl_act_captbl(CT, e, d, kf, 1);
	long dd = cairn_captbl_deact(CT, obj);
	long kb = cairn_mem_retype(d, in, CAIRN_FRAME_UNTYPED);
	long n1 = cairn_mem_derive(d, d2, in, in + 4096);
	long n2 = cairn_mem_derive(d2, e, base, in + 4096);		/* wider than its own */
	long n3 = cairn_mem_count(d2, CAIRN_FRAME_UNTYPED);
	CHECK("mem.7", "derived_builds_objects_and_narrows", k == 0 && a1 == 0 && a2 == CAIRN_ERANGE && dd == 0 &&
	      kb == 0 && n1 == 0 && n2 == CAIRN_ERANGE && n3 == 1, "retype %ld act in %ld act out %ld deact %ld "
	      "back %ld derive %ld wider %ld count %ld", k, a1, a2, dd, kb, n1, n2, n3);
	cairn_mem_retype(MEM, kf, CAIRN_FRAME_UNTYPED);

	long e1 = cairn_mem_derive(MEM, e, base + 8, end);		/* unaligned */
	long e2 = cairn_mem_derive(MEM, e, base, end + 12);
	long e3 = cairn_mem_derive(MEM, e, base, base);			/* empty */
	long e4 = cairn_mem_derive(MEM, e, end, base);			/* inverted */
	long e5 = cairn_mem_derive(d, e, base - 4096, end);		/* outside */
	long e6 = cairn_mem_derive(d, e, base, end + 4096);
	long e7 = cairn_mem_derive(MEM, e, R->mem_end, R->mem_end + 4096);
	CHECK("mem.8", "derive_bad_ranges", e1 == CAIRN_EINVAL && e2 == CAIRN_EINVAL && e3 == CAIRN_EINVAL &&
	      e4 == CAIRN_EINVAL && e5 == CAIRN_ERANGE && e6 == CAIRN_ERANGE && e7 == CAIRN_ERANGE,
	      "%ld %ld %ld %ld %ld %ld %ld", e1, e2, e3, e4, e5, e6, e7);

	e1 = cairn_mem_derive(MEM, d, base, end);			/* occupied */
	e2 = cairn_mem_derive(MEM, 0, base, end);			/* the null slot */
	e3 = cairn_mem_derive(MEM, CAIRN_CAPTBL_MAX, base, end);	/* out of range */
	e4 = cairn_mem_derive(MEM, 3 * 128, base, end);			/* absent leaf */
	e5 = cairn_mem_derive(ME, e, base, end);			/* not memory */
	e6 = cairn_mem_derive(CAIRN_CAP_NULL, e, base, end);
	e7 = cairn_mem_count(e, U);					/* nothing was made */
	CHECK("mem.9", "derive_bad_slot_or_cap", e1 == CAIRN_EBUSY && e2 == CAIRN_EINVAL && e3 == CAIRN_ERANGE &&
	      e4 == CAIRN_ENOENT && e5 == CAIRN_EBADF && e6 == CAIRN_ENOSYS && e7 == CAIRN_ENOENT,
	      "%ld %ld %ld %ld %ld %ld %ld", e1, e2, e3, e4, e5, e6, e7);

	/* Copied into a mirror's table, it is the mirror's authority, and derives there. */
	struct mirror m;
	long mm = make_mirror(&m);
	unsigned g = slot();
	long cp = cairn_captbl_copy(m.ct, D_SLOT, CT, d);
	cairn_captbl_act_sinv(CT, g, m.comp, (cairn_word)use_derived_entry, 0, 0);
	long call = cairn_sinv_call(g, in, out, 0, 0).r0;
	long there = cairn_captbl_copy(m.ct, D_SLOT + 1, CT, MEM);	/* its derived one is there */
	long rm = cairn_captbl_remove(m.ct, D_SLOT);
	long still = cairn_mem_retype(d, in, CAIRN_FRAME_UNTYPED);	/* the original stays */
	long rd = cairn_captbl_remove(CT, d);
	long gone = cairn_mem_count(d, U);
	CHECK("mem.10", "derived_copied_to_another_table", !mm && cp == 0 && call == 0 && derived_results[0] == 0 &&
	      derived_results[1] == CAIRN_ERANGE && derived_results[2] == 0 && derived_results[3] == 1 &&
	      there == CAIRN_EBUSY && rm == 0 && still == 0 && rd == 0 && gone == CAIRN_ENOENT,
	      "mirror %ld copy %ld call %ld; in it: %ld %ld %ld %ld; there %ld remove %ld %ld still %ld gone %ld",
	      mm, cp, call, derived_results[0], derived_results[1], derived_results[2], derived_results[3],
	      there, rm, rd, still, gone);
}

/* ---- threads, endpoints, dispatch ---- */

static volatile long ran, spins;
static unsigned my_rcv;

static void pingpong(cairn_word tid)
{
	(void)tid;
	for (;;) {
		ran++;
		cairn_thread_dispatch(ME, 0, 0);
	}
}

/* Waits on the endpoint whose slot is in `ran`, reports what it got, and repeats. */
static void waiter(cairn_word tid)
{
	(void)tid;
	for (;;) {
		unsigned rcv = (unsigned)ran;
		ran = cairn_rcv_wait(rcv);
		cairn_thread_dispatch(ME, 0, 0);
	}
}

static void quitter(cairn_word tid)
{
	(void)tid;
}

static void deact_main(cairn_word tid)
{
	(void)tid;
	ran = cairn_captbl_deact(CT, ME);	/* main is not running: only its references stop this */
}

static void spinner(cairn_word tid)
{
	(void)tid;
	for (;;)
		spins++;
}

static unsigned thread(void (*fn)(cairn_word), long *tid)
{
	unsigned s = slot();
	*tid = cairn_captbl_act_thread(CT, s, MEM, frame(K), CAIRN_SLOT_COMP, (cairn_word)fn);
	return s;
}

static void test_threads(void)
{
	long tid;
	unsigned t = thread(pingpong, &tid);
	ran = 0;
	long d = 0;
	for (int i = 0; i < 5; i++)
		d |= cairn_thread_dispatch(t, 0, 0);
	CHECK("thd.1", "dispatch_pingpong", tid > 0 && d == 0 && ran == 5, "tid %ld ran %ld", tid, ran);

	long self = cairn_thread_dispatch(ME, 0, 0);
	long qt;
	unsigned q = thread(quitter, &qt);
	cairn_thread_dispatch(q, 0, 0);		/* it stops at once; we run again */
	long stopped = cairn_thread_dispatch(q, 0, 0);
	long deact_self = cairn_captbl_deact(CT, ME);
	long dm;
	unsigned dmt = thread(deact_main, &dm);
	ran = 0;
	cairn_thread_dispatch(dmt, 0, 0);
	CHECK("thd.2", "dispatch_states", self == 0 && stopped == CAIRN_EINVAL && deact_self == CAIRN_EBUSY &&
	      ran == CAIRN_EBUSY, "self %ld stopped %ld deact_self %ld deact_main %ld", self, stopped, deact_self, ran);

	/* THREAD_REG: the registers of the stopped quitter (DEBUG_STOP with status 0), and each error. */
	struct cairn_ret2 vec = cairn_thread_reg(q, CAIRN_REG_VECTOR, 0, 0);
	struct cairn_ret2 status = cairn_thread_reg(q, CAIRN_REG_RDI, 0, 0);
	struct cairn_ret2 set = cairn_thread_reg(q, CAIRN_REG_RAX, 1, 0x1234);
	struct cairn_ret2 get = cairn_thread_reg(q, CAIRN_REG_RAX, 0, 0);
	long busy = cairn_thread_reg(t, CAIRN_REG_RAX, 0, 0).r0;		/* runnable */
	long busy_self = cairn_thread_reg(ME, CAIRN_REG_RAX, 0, 0).r0;		/* running */
	long range = cairn_thread_reg(q, CAIRN_REG_END, 0, 0).r0;	/* past the FPU words */
	long rip = cairn_thread_reg(q, CAIRN_REG_RIP, 1, 0xffff800000000000UL).r0;
	long cs = cairn_thread_reg(q, CAIRN_REG_CS, 1, 0x08).r0;
	long type = cairn_thread_reg(MEM, CAIRN_REG_RAX, 0, 0).r0;
	long empty = cairn_thread_reg(slot(), CAIRN_REG_RAX, 0, 0).r0;
	CHECK("thd.10", "thread_reg", vec.r0 == 0 && vec.r1 >= 32 && status.r0 == 0 && status.r1 == 0 &&
	      set.r0 == 0 && set.r1 == 0x1234 && get.r1 == 0x1234 && busy == CAIRN_EBUSY &&
	      busy_self == CAIRN_EBUSY && range == CAIRN_ERANGE && rip == CAIRN_EFAULT && cs == CAIRN_EACCES &&
	      type == CAIRN_EBADF && empty == CAIRN_ENOENT, "vector %ld/%lu rdi %ld/%lu set %ld/%lx get %lx "
	      "busy %ld %ld range %ld rip %ld cs %ld type %ld empty %ld", vec.r0, vec.r1, status.r0, status.r1,
	      set.r0, set.r1, get.r1, busy, busy_self, range, rip, cs, type, empty);

	my_rcv = slot();
	long r1 = cairn_captbl_act_rcv(CT, my_rcv, ME, 0);
	long wt;
	unsigned w = thread(waiter, &wt), wrcv = slot(), wsnd = slot();
	long r2 = cairn_captbl_act_rcv(CT, wrcv, w, my_rcv);
	long r3 = cairn_captbl_act_asnd(CT, wsnd, wrcv);
	ran = wrcv;
	cairn_thread_dispatch(w, 0, 0);		/* it blocks: we are its scheduler */
	struct cairn_ret2 ev = cairn_rcv_event(my_rcv);
	long blocked = cairn_thread_dispatch(w, 0, 0);
	long s = cairn_asnd_send(wsnd, 0);
	struct cairn_ret2 ev2 = cairn_rcv_event(my_rcv);
	cairn_thread_dispatch(w, 0, 0);
	CHECK("thd.3", "block_wake_events", !(r1 | r2 | r3) && ev.r0 == wt && ev.r1 == CAIRN_EVENT_BLOCK &&
	      blocked == CAIRN_EAGAIN && s == 0 && ev2.r0 == wt && ev2.r1 == CAIRN_EVENT_WAKE && ran == 1,
	      "ev %ld/%lu blocked %ld ev2 %ld/%lu ran %ld", ev.r0, ev.r1, blocked, ev2.r0, ev2.r1, ran);

	long e1 = cairn_rcv_wait(wrcv);				/* not our endpoint */
	long e2 = cairn_captbl_act_rcv(CT, slot(), w, 0);	/* it has one */
	long e3 = cairn_captbl_act_rcv(CT, slot(), w, wsnd);	/* parent not a rcv */
	long e4 = cairn_asnd_send(wsnd, 2);
	struct cairn_ret2 none = cairn_rcv_event(my_rcv);
	CHECK("thd.4", "endpoint_errors", e1 == CAIRN_EACCES && e2 == CAIRN_EBUSY && e3 == CAIRN_EBADF &&
	      e4 == CAIRN_EINVAL && none.r0 == 0 && none.r1 == CAIRN_EVENT_NONE,
	      "%ld %ld %ld %ld %ld", e1, e2, e3, e4, none.r0);

	ran = wrcv;
	cairn_thread_dispatch(w, 0, 0);		/* blocks again */
	cairn_rcv_event(my_rcv);
	long y = cairn_asnd_send(wsnd, CAIRN_SEND_YIELD);	/* runs it now; it dispatches back */
	CHECK("thd.5", "send_yield_switches", y == 0 && ran == 1, "send %ld ran %ld", y, ran);
	while (cairn_rcv_event(my_rcv).r0)
		;

	unsigned irq = CAIRN_SLOT_IRQ, mysnd = slot();
	cairn_captbl_act_asnd(CT, mysnd, my_rcv);
	long b0 = cairn_irq_bind(irq, 0, mysnd, 0);
	long b1 = cairn_irq_bind(irq, 0, mysnd, 0);
	long b2 = cairn_irq_bind(irq, 2, mysnd, 0);		/* the cascade */
	long b3 = cairn_irq_bind(irq, 99, mysnd, 0);
	long st;
	unsigned sp = thread(spinner, &st);
	spins = 0;
	uint64_t t0 = __builtin_ia32_rdtsc();
	long dd = cairn_thread_dispatch(sp, t0 + R->tsc_hz / 1000, 0);	/* 1 ms */
	uint64_t t1 = __builtin_ia32_rdtsc();
	long pend = cairn_rcv_wait(my_rcv);
	struct cairn_ret2 to = cairn_rcv_event(my_rcv);
	long u0 = cairn_irq_unbind(irq, 0), u1 = cairn_irq_unbind(irq, 0);
	CHECK("thd.6", "timer_preempts_to_bound_thread", b0 == 0 && b1 == CAIRN_EBUSY && b2 == CAIRN_ENOTSUP &&
	      b3 == CAIRN_ERANGE && dd == 0 && spins > 0 && t1 - t0 >= R->tsc_hz / 1000 && pend == 1 &&
	      to.r0 == st && to.r1 == CAIRN_EVENT_TIMEOUT && u0 == 0 && u1 == CAIRN_ENOENT,
	      "bind %ld %ld %ld %ld spins %ld pend %ld event %ld/%lu unbind %ld %ld",
	      b0, b1, b2, b3, spins, pend, to.r0, to.r1, u0, u1);

	/* A narrowed IRQ capability binds its own lines only, and narrows no wider. */
	unsigned tmr = slot(), tmr2 = slot(), tmr3 = slot();
	long n0 = cairn_irq_narrow(irq, tmr, 1u << CAIRN_IRQ_TIMER);
	long n1 = cairn_irq_narrow(irq, tmr, 1u << CAIRN_IRQ_TIMER);		/* occupied */
	long n2 = cairn_irq_narrow(tmr, tmr2, 1u << 4);				/* wider */
	long n3 = cairn_irq_narrow(irq, tmr2, 0);
	long n4 = cairn_irq_narrow(tmr, 0, 1);
	long n5 = cairn_irq_narrow(tmr, tmr3, 1);				/* as wide */
	long nb4 = cairn_irq_bind(tmr, 4, mysnd, 0), nu4 = cairn_irq_unbind(tmr, 4);
	long nb0 = cairn_irq_bind(tmr3, 0, mysnd, 0), nb0b = cairn_irq_bind(irq, 0, mysnd, 0);
	long nu0 = cairn_irq_unbind(tmr3, 0), nu0b = cairn_irq_unbind(irq, 0);
	long nx = cairn_irq_narrow(mysnd, tmr2, 1);				/* not an IRQ: EBADF */
	CHECK("thd.6b", "irq_narrow", n0 == 0 && n1 == CAIRN_EBUSY && n2 == CAIRN_EINVAL && n3 == CAIRN_EINVAL &&
	      n4 == CAIRN_EINVAL && n5 == 0 && nb4 == CAIRN_EACCES && nu4 == CAIRN_EACCES && nb0 == 0 &&
	      nb0b == CAIRN_EBUSY && nu0 == 0 && nu0b == CAIRN_ENOENT && nx == CAIRN_EBADF,
	      "narrow %ld %ld %ld %ld %ld %ld bind %ld %ld %ld %ld unbind %ld %ld other %ld",
	      n0, n1, n2, n3, n4, n5, nb4, nu4, nb0, nb0b, nu0, nu0b, nx);
	cairn_captbl_remove(CT, tmr);
	cairn_captbl_remove(CT, tmr3);

	static volatile uint64_t tls_word = 0xfeedface;
	long tl = cairn_thread_tls(ME, (cairn_word)&tls_word);
	uint64_t v;
	__asm__ volatile("mov %%fs:0, %0" : "=r"(v));
	long te = cairn_thread_tls(ME, 0x800000000000UL);
	CHECK("thd.7", "tls", tl == 0 && v == 0xfeedface && te == CAIRN_EFAULT, "%ld %lx %ld", tl, v, te);
	long dq = cairn_captbl_deact(CT, q), dsp = cairn_captbl_deact(CT, sp);
	CHECK("thd.8", "deactivate_threads", dq == 0 && dsp == 0, "%ld %ld", dq, dsp);

	/* An endpoint keeps its thread: the last owning capability stays until it goes. */
	long e5 = cairn_captbl_remove(CT, w);			/* w's only THREAD capability */
	long e6 = cairn_captbl_deact(CT, w);			/* its endpoint still names it */
	unsigned wcopy = slot();
	long cp = cairn_captbl_copy(CT, wcopy, CT, w);
	long rm = cairn_captbl_remove(CT, w);			/* another owner is left */
	long e7 = cairn_captbl_act_rcv(CT, slot(), ME, wrcv);	/* one endpoint per thread */
	CHECK("thd.9", "endpoints_keep_their_thread", e5 == CAIRN_EBUSY && e6 == CAIRN_EBUSY && cp == 0 &&
	      rm == 0 && e7 == CAIRN_EBUSY, "%ld %ld %ld %ld %ld", e5, e6, cp, rm, e7);
}

/* ---- keepers ---- */

static volatile long keeper_calls;
static volatile cairn_word fault_addr;
static volatile long reg_results[6];

/* Tries FAULT_REG's checks from inside a keeper, then stops the thread. */
static struct cairn_ret2 keeper_regs(void)
{
	reg_results[0] = cairn_fault_reg(CAIRN_REG_RFLAGS, 1, 0x3202).r0;	/* IOPL 3, IF */
	reg_results[1] = (long)cairn_fault_reg(CAIRN_REG_RFLAGS, 0, 0).r1;
	reg_results[2] = cairn_fault_reg(CAIRN_REG_RIP, 1, 0xffff800000000000UL).r0;
	reg_results[3] = cairn_fault_reg(CAIRN_REG_CS, 1, 0x08).r0;
	reg_results[4] = cairn_fault_reg(CAIRN_REG_END, 0, 0).r0;	/* past the FPU words */
	reg_results[5] = (long)cairn_fault_reg(CAIRN_REG_RIP, 0, 0).r1;
	return (struct cairn_ret2){ CAIRN_FAULT_STOP, 0 };
}

#define K_PGTBL 9	/* in the keeper mirror's table: the faulting mirror's root */

static struct cairn_ret2 keeper(cairn_word vector, cairn_word error, cairn_word addr, cairn_word rip,
				cairn_word badge, cairn_word tid)
{
	(void)error, (void)rip, (void)tid;
	keeper_calls++;
	fault_addr = addr;
	if (badge == 3)
		return keeper_regs();
	if (badge == 2 || vector != 14)
		return (struct cairn_ret2){ CAIRN_FAULT_STOP, 0 };
	uint64_t f = frame(U);		/* our MEMORY slot is the keeper's too */
	long r = cairn_pgtbl_map(K_PGTBL, addr & ~0xfffUL, MEM, f, CAIRN_MAP_WRITE);
	return (struct cairn_ret2){ r == 0 ? CAIRN_FAULT_RESUME : CAIRN_FAULT_STOP, 0 };
}
CAIRN_GATE(keeper_entry, keeper)

static struct cairn_ret2 toucher(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge, cairn_word tid)
{
	(void)a, (void)b, (void)c, (void)d, (void)badge, (void)tid;
	volatile uint64_t *p = (uint64_t *)(FAULT_VA + 0x10);
	uint64_t before = *p;
	*p = 77;
	return (struct cairn_ret2){ (long)(*p + before), 0 };
}
CAIRN_GATE(toucher_entry, toucher)

static unsigned gate_slot;

static void stopper(cairn_word tid)
{
	(void)tid;
	cairn_sinv_call(gate_slot, 0, 0, 0, 0);	/* faults; the keeper stops us */
	ran = 999;
}

static void test_keepers(void)
{
	struct mirror f, k;
	make_mirror(&f);
	make_mirror(&k);
	unsigned kg = slot(), tg = slot();
	cairn_captbl_copy(k.ct, MEM, CT, MEM);
	cairn_captbl_copy(k.ct, K_PGTBL, CT, f.pt);
	cairn_captbl_act_sinv(CT, kg, k.comp, (cairn_word)keeper_entry, 1, 0);
	long kk = cairn_comp_keeper(f.comp, kg);
	cairn_captbl_act_sinv(CT, tg, f.comp, (cairn_word)toucher_entry, 0, 0);
	keeper_calls = 0;
	struct cairn_ret2 x = cairn_sinv_call(tg, 0, 0, 0, 0);
	CHECK("kpr.1", "keeper_maps_page_and_thread_resumes", kk == 0 && x.r0 == 77 && keeper_calls == 1 &&
	      fault_addr == FAULT_VA + 0x10, "keeper %ld result %ld calls %ld addr %lx", kk, x.r0, keeper_calls,
	      (unsigned long)fault_addr);

	long e1 = cairn_fault_reg(0, 0, 0).r0;		/* not in a keeper */
	long e2 = cairn_comp_keeper(f.comp, MEM);	/* not a gate */
	CHECK("kpr.2", "keeper_errors", e1 == CAIRN_EINVAL && e2 == CAIRN_EBADF, "%ld %ld", e1, e2);

	/* A keeper that stops the thread: its scheduler (us) hears STOP. */
	cairn_pgtbl_unmap(f.pt, FAULT_VA);
	unsigned kg2 = slot();
	cairn_captbl_act_sinv(CT, kg2, k.comp, (cairn_word)keeper_entry, 2, 0);
	cairn_comp_keeper(f.comp, kg2);
	gate_slot = tg;
	long st;
	unsigned s = thread(stopper, &st), srcv = slot();
	cairn_captbl_act_rcv(CT, srcv, s, my_rcv);
	ran = 0;
	cairn_thread_dispatch(s, 0, 0);
	struct cairn_ret2 ev = cairn_rcv_event(my_rcv);
	CHECK("kpr.3", "keeper_stops_thread", ev.r0 == st && ev.r1 == CAIRN_EVENT_STOP && ran == 0,
	      "event %ld/%lu ran %ld", ev.r0, ev.r1, ran);

	/* A keeper cannot give the thread privileges through its registers. */
	unsigned kg3 = slot();
	cairn_captbl_act_sinv(CT, kg3, k.comp, (cairn_word)keeper_entry, 3, 0);
	cairn_comp_keeper(f.comp, kg3);
	unsigned s3 = thread(stopper, &st), srcv3 = slot();
	cairn_captbl_act_rcv(CT, srcv3, s3, my_rcv);
	cairn_thread_dispatch(s3, 0, 0);
	ev = cairn_rcv_event(my_rcv);
	CHECK("kpr.5", "fault_registers_are_checked", ev.r1 == CAIRN_EVENT_STOP && reg_results[0] == 0 &&
	      reg_results[1] == 0x202 && reg_results[2] == CAIRN_EFAULT && reg_results[3] == CAIRN_EACCES &&
	      reg_results[4] == CAIRN_ERANGE && reg_results[5] > (long)CAIRN_IMAGE_BASE && reg_results[5] < (long)_end,
	      "%ld %lx %ld %ld %ld %lx", reg_results[0], reg_results[1], reg_results[2], reg_results[3],
	      reg_results[4], reg_results[5]);

	/* No keeper: the fault is reported and the thread stopped. */
	cairn_comp_keeper(f.comp, 0);
	unsigned s2 = thread(stopper, &st), srcv2 = slot();
	cairn_captbl_act_rcv(CT, srcv2, s2, my_rcv);
	cairn_thread_dispatch(s2, 0, 0);
	ev = cairn_rcv_event(my_rcv);
	struct cairn_ret2 vec = cairn_thread_reg(s2, CAIRN_REG_VECTOR, 0, 0);
	CHECK("kpr.4", "no_keeper_stops_thread", ev.r0 == st && ev.r1 == CAIRN_EVENT_STOP && ran == 0 &&
	      vec.r0 == 0 && vec.r1 == 14, "event %ld/%lu ran %ld; THREAD_REG vector %ld/%lu", ev.r0, ev.r1,
	      ran, vec.r0, vec.r1);
}

/* ---- restart: generations, stale gates, stale threads ---- */

#define R_MAIN 10	/* in a mirror's table: our first thread */
#define R_COMP 11	/* in the keeper mirror's table: the component it restarts */

static volatile long r_stage, r_after, r_result;
static unsigned r_gate;

/* Parks the calling thread inside this gate: back to main, then returns 7. */
static struct cairn_ret2 parker(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge, cairn_word tid)
{
	(void)a, (void)b, (void)c, (void)d, (void)badge, (void)tid;
	r_stage++;
	cairn_thread_dispatch(R_MAIN, 0, 0);
	r_after++;
	return (struct cairn_ret2){ 7, 0 };
}
CAIRN_GATE(parker_entry, parker)

/* Calls on through GATE_SLOT; what it does after the call shows in r_after (+10). */
static struct cairn_ret2 relay(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge, cairn_word tid)
{
	(void)a, (void)b, (void)c, (void)d, (void)badge, (void)tid;
	struct cairn_ret2 r = cairn_sinv_call(GATE_SLOT, 0, 0, 0, 0);
	r_after += 10;
	return (struct cairn_ret2){ r.r0 + 1, 0 };
}
CAIRN_GATE(relay_entry, relay)

/* A client thread (home: us): calls r_gate, reports, hands the core back; repeats. */
static void r_client(cairn_word tid)
{
	(void)tid;
	for (;;) {
		r_result = cairn_sinv_call(r_gate, 0, 0, 0, 0).r0;
		cairn_thread_dispatch(ME, 0, 0);
	}
}

/* A thread homed in a mirror: counts its starts and runs, hands the core back. */
static void r_homed(cairn_word tid)
{
	(void)tid;
	r_stage += 100;
	for (;;) {
		r_stage++;
		cairn_thread_dispatch(R_MAIN, 0, 0);
	}
}

/* Keeper: restarts the faulting component (badge 5: then resumes; 6: then stops). */
static struct cairn_ret2 restarter(cairn_word vector, cairn_word error, cairn_word addr, cairn_word rip,
				   cairn_word badge, cairn_word tid)
{
	(void)vector, (void)error, (void)addr, (void)rip, (void)tid;
	keeper_calls++;
	r_stage = cairn_comp_restart(R_COMP);
	cairn_comp_ready(R_COMP);
	return (struct cairn_ret2){ badge == 5 ? CAIRN_FAULT_RESUME : CAIRN_FAULT_STOP, 0 };
}
CAIRN_GATE(restarter_entry, restarter)

static void test_restart_gates(void)
{
	struct mirror m;
	make_mirror(&m);
	unsigned g = slot(), copy = slot(), down = slot();
	cairn_captbl_act_sinv(CT, g, m.comp, (cairn_word)add_entry, 1000, 0);
	cairn_captbl_copy(CT, copy, CT, g);
	long before = cairn_sinv_call(g, 1, 2, 3, 4).r0;
	long gen = cairn_comp_restart(m.comp);
	long stale = cairn_sinv_call(g, 1, 2, 3, 4).r0;
	long early = cairn_sinv_renew(g);
	cairn_captbl_act_sinv(CT, down, m.comp, (cairn_word)add_entry, 1000, 0);
	long minted = cairn_sinv_call(down, 1, 2, 3, 4).r0;	/* the supervisor's own gate */
	long ready = cairn_comp_ready(m.comp);
	long renew = cairn_sinv_renew(g);
	long after = cairn_sinv_call(g, 1, 2, 3, 4).r0;
	long other = cairn_sinv_call(copy, 1, 2, 3, 4).r0;	/* not renewed */
	CHECK("rst.1", "stale_gate_until_renewed", before == 1010 && gen == 1 && stale == CAIRN_ESTALE &&
	      early == CAIRN_EAGAIN && minted == 1010 && ready == 1 && renew == 1 && after == 1010 &&
	      other == CAIRN_ESTALE, "before %ld, restart %ld, call %ld, renew while down %ld, gate minted while "
	      "down %ld, ready %ld, renew %ld, call %ld, unrenewed copy %ld", before, gen, stale, early, minted,
	      ready, renew, after, other);

	long again = cairn_comp_restart(m.comp), ready2 = cairn_comp_ready(m.comp);
	long e1 = cairn_sinv_renew(MEM), e2 = cairn_comp_restart(MEM), e3 = cairn_comp_ready(g);
	long e4 = cairn_call(m.comp, 0x04ff, 0, 0, 0, 0, 0, 0), e5 = cairn_call(g, 0x08ff, 0, 0, 0, 0, 0, 0);
	long e6 = cairn_thread_restart(ME, 0), e7 = cairn_thread_restart(MEM, 0);
	long still = cairn_sinv_call(g, 1, 2, 3, 4).r0, renew2 = cairn_sinv_renew(g);
	CHECK("rst.2", "restart_errors", again == 2 && ready2 == 2 && e1 == CAIRN_EBADF && e2 == CAIRN_EBADF &&
	      e3 == CAIRN_EBADF && e4 == CAIRN_ENOSYS && e5 == CAIRN_ENOSYS && e6 == CAIRN_EBUSY &&
	      e7 == CAIRN_EBADF && still == CAIRN_ESTALE && renew2 == 2,
	      "restart %ld ready %ld; %ld %ld %ld %ld %ld %ld %ld; call %ld renew %ld", again, ready2, e1, e2, e3,
	      e4, e5, e6, e7, still, renew2);
}

static void test_restart_threads(void)
{
	struct mirror b, c;
	make_mirror(&b);
	make_mirror(&c);
	cairn_captbl_copy(b.ct, R_MAIN, CT, ME);
	cairn_captbl_copy(c.ct, R_MAIN, CT, ME);

	/* A thread parked inside b when b restarts: its call returns ESTALE. */
	r_gate = slot();
	cairn_captbl_act_sinv(CT, r_gate, b.comp, (cairn_word)parker_entry, 0, 0);
	long tid;
	unsigned t = thread(r_client, &tid);
	r_stage = r_after = r_result = 0;
	cairn_thread_dispatch(t, 0, 0);
	long parked = r_stage;
	cairn_comp_restart(b.comp);
	cairn_comp_ready(b.comp);
	cairn_thread_dispatch(t, 0, 0);
	CHECK("rst.3", "thread_inside_restarted_component_gets_estale", parked == 1 && r_result == CAIRN_ESTALE &&
	      r_after == 0, "parked %ld, call returned %ld, code after the park ran %ld times", parked, r_result,
	      r_after);

	/* us -> b (relay) -> c (parker); b restarts: c goes on, the return into b is unwound. */
	unsigned gc = slot();
	cairn_captbl_act_sinv(CT, gc, c.comp, (cairn_word)parker_entry, 0, 0);
	cairn_captbl_copy(b.ct, GATE_SLOT, CT, gc);
	r_gate = slot();
	cairn_captbl_act_sinv(CT, r_gate, b.comp, (cairn_word)relay_entry, 0, 0);
	r_stage = r_after = r_result = 0;
	cairn_thread_dispatch(t, 0, 0);	/* t returns from its dispatch, calls again, parks in c */
	parked = r_stage;
	cairn_comp_restart(b.comp);
	cairn_comp_ready(b.comp);
	cairn_thread_dispatch(t, 0, 0);
	CHECK("rst.4", "return_into_restarted_component_gets_estale", parked == 1 && r_result == CAIRN_ESTALE &&
	      r_after == 1, "parked %ld, call returned %ld, after-code ran %ld (c: 1, b: 10)", parked, r_result,
	      r_after);

	/* A thread homed in c: stops when c restarts; THREAD_RESTART starts it afresh. */
	long htid = 0;
	unsigned h = slot(), hrcv = slot();
	htid = cairn_captbl_act_thread(CT, h, MEM, frame(K), c.comp, (cairn_word)r_homed);
	cairn_captbl_act_rcv(CT, hrcv, h, my_rcv);
	r_stage = 0;
	cairn_thread_dispatch(h, 0, 0);
	long ran1 = r_stage;
	cairn_comp_restart(c.comp);
	cairn_comp_ready(c.comp);
	long d = cairn_thread_dispatch(h, 0, 0);
	struct cairn_ret2 ev = cairn_rcv_event(my_rcv);
	long d2 = cairn_thread_dispatch(h, 0, 0);
	long rs = cairn_thread_restart(h, (cairn_word)r_homed);
	long d3 = cairn_thread_dispatch(h, 0, 0);
	CHECK("rst.5", "thread_of_restarted_home_stops_until_restarted", htid > 0 && ran1 == 101 && d == 0 &&
	      ev.r0 == htid && ev.r1 == CAIRN_EVENT_STOP && d2 == CAIRN_EINVAL && rs == 0 && d3 == 0 &&
	      r_stage == 202, "first run %ld, dispatch %ld, event %ld/%lu, again %ld, restart %ld, dispatch %ld, "
	      "runs %ld (want 202)", ran1, d, ev.r0, ev.r1, d2, rs, d3, r_stage);

	/* THREAD_RESTART of a thread parked inside a gate: its frames are dropped. */
	r_gate = gc;
	cairn_sinv_renew(gc);		/* c restarted above */
	cairn_thread_dispatch(t, 0, 0);	/* parks in c */
	long p2 = r_stage;
	long rt = cairn_thread_restart(t, (cairn_word)pingpong);
	ran = 0;
	cairn_thread_dispatch(t, 0, 0);
	CHECK("rst.6", "thread_restart_leaves_its_invocations", p2 == 203 && rt == 0 && ran == 1,
	      "parked %ld, restart %ld, fresh runs %ld", p2, rt, ran);
}

static void test_restart_keeper(void)
{
	struct mirror f, k;
	make_mirror(&f);
	make_mirror(&k);
	unsigned kg = slot(), tg = slot();
	cairn_captbl_copy(k.ct, R_COMP, CT, f.comp);
	cairn_captbl_act_sinv(CT, kg, k.comp, (cairn_word)restarter_entry, 5, 0);
	cairn_comp_keeper(f.comp, kg);
	cairn_captbl_act_sinv(CT, tg, f.comp, (cairn_word)toucher_entry, 0, 0);
	keeper_calls = 0;
	long x = cairn_sinv_call(tg, 0, 0, 0, 0).r0;
	long gen = r_stage, stale = cairn_sinv_call(tg, 0, 0, 0, 0).r0;
	unsigned kg2 = slot();
	cairn_captbl_act_sinv(CT, kg2, k.comp, (cairn_word)restarter_entry, 6, 0);
	cairn_comp_keeper(f.comp, kg2);
	cairn_sinv_renew(tg);
	long y = cairn_sinv_call(tg, 0, 0, 0, 0).r0;	/* the keeper restarts, then says STOP */
	long after = cairn_null();
	CHECK("rst.7", "keeper_restart_returns_estale_to_the_caller", x == CAIRN_ESTALE && keeper_calls == 2 &&
	      gen == 1 && stale == CAIRN_ESTALE && y == CAIRN_ESTALE && r_stage == 2 && after == 0,
	      "call %ld, keeper calls %ld, generation %ld, next call %ld; with STOP %ld (generation %ld)", x,
	      keeper_calls, gen, stale, y, r_stage);
	cairn_comp_keeper(f.comp, 0);
}

/* ---- indirections: forwarders and rescinding ---- */

#define IND_POS    7			/* root position of the leaf for forwarder copies */
#define IND_SLOT0  (IND_POS * 128)
#define IND_COPIES 100
#define IND_SPARE(i) (IND_SLOT0 + IND_COPIES + (i))	/* more slots of that leaf */

/* Instructions of one INDIR_RESCIND after setting ind's target to MEM again (min of 5). */
static uint64_t rescind_cost(unsigned ind)
{
	uint64_t best = ~0UL;

	for (int i = 0; i < 5; i++) {
		cairn_indir_set(ind, CT, MEM);
		uint64_t t0 = cairn_cycles();
		long r = cairn_indir_rescind(ind);
		uint64_t d = cairn_cycles() - t0;
		if (r == 0 && d < best)
			best = d;
	}
	return best;
}

/* Copies fwd into n slots from IND_SLOT0, each a copy of the one before (copies of copies). */
static long spread(unsigned fwd, unsigned n)
{
	long r = cairn_captbl_copy(CT, IND_SLOT0, CT, fwd);

	for (unsigned i = 1; i < n && !r; i++)
		r = cairn_captbl_copy(CT, IND_SLOT0 + i, CT, IND_SLOT0 + i - 1);
	return r;
}

static void unspread(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		cairn_captbl_remove(CT, IND_SLOT0 + i);
}

static void test_indirection(void)
{
	unsigned ind = slot(), fwd = slot(), leaf = slot(), node = slot();
	uint64_t ind_frame = frame(K);

	if (!node) {
		CHECK("ind.1", "forwarder_acts_as_target", 0, "out of slots in the first leaf");
		return;
	}
	long untyped = cairn_mem_count(MEM, CAIRN_FRAME_UNTYPED);
	long act = cairn_captbl_act_indir(CT, ind, MEM, ind_frame);
	long set = cairn_indir_set(ind, CT, MEM);
	long mint = cairn_indir_mint(ind, fwd);
	long through = cairn_mem_count(fwd, CAIRN_FRAME_UNTYPED);		/* invoked */
	long as_arg = cairn_captbl_act_captbl(CT, node, fwd, frame(K), 1);	/* an argument */
	long wrong = cairn_captbl_copy(fwd, 200, CT, MEM);			/* not a table */
	cairn_captbl_act_captbl(CT, leaf, MEM, frame(K), 1);
	long cons = cairn_captbl_cons(CT, IND_POS, leaf);
	long copies = spread(fwd, IND_COPIES);
	long last = cairn_mem_count(IND_SLOT0 + IND_COPIES - 1, CAIRN_FRAME_UNTYPED);
	CHECK("ind.1", "forwarder_acts_as_target", !act && !set && !mint && through == untyped && !as_arg &&
	      wrong == CAIRN_EBADF && !cons && !copies && last == through - 2,
	      "act %ld set %ld mint %ld count %ld (want %ld), as memory argument %ld, captbl op %ld, "
	      "copies %ld, copy of copy %ld", act, set, mint, through, untyped, as_arg, wrong, copies, last);

	long rescind = cairn_indir_rescind(ind);
	unsigned live = 0;
	for (unsigned i = 0; i < IND_COPIES; i++)
		live += cairn_mem_count(IND_SLOT0 + i, CAIRN_FRAME_UNTYPED) != CAIRN_ENOENT;
	long orig = cairn_mem_count(fwd, CAIRN_FRAME_UNTYPED);
	long arg = cairn_captbl_act_captbl(CT, IND_SPARE(0), fwd, frame(K), 1);
	long again = cairn_indir_rescind(ind), mint2 = cairn_indir_mint(ind, IND_SPARE(1));
	long reset = cairn_indir_set(ind, CT, MEM);
	unsigned fresh = IND_SPARE(2);
	long mint3 = cairn_indir_mint(ind, fresh);
	long works = cairn_mem_count(fresh, CAIRN_FRAME_UNTYPED), stale = cairn_mem_count(fwd, CAIRN_FRAME_UNTYPED);
	long direct = cairn_mem_count(MEM, CAIRN_FRAME_UNTYPED);
	CHECK("ind.2", "rescind_voids_every_copy", !rescind && !live && orig == CAIRN_ENOENT && arg == CAIRN_ENOENT &&
	      again == CAIRN_ENOENT && mint2 == CAIRN_ENOENT && !reset && !mint3 && works > 0 &&
	      stale == CAIRN_ENOENT && direct == works,
	      "rescind %ld, %u of %d copies still work, original %ld, as argument %ld; rescind again %ld, mint %ld; "
	      "new target %ld, new forwarder %ld works %ld, old %ld, the memory itself %ld", rescind, live,
	      IND_COPIES, orig, arg, again, mint2, reset, mint3, works, stale, direct);
	cairn_indir_rescind(ind);
	cairn_captbl_remove(CT, fresh);

	/* Constant work: the same instructions with one holder as with a hundred. */
	unspread(IND_COPIES);
	cairn_captbl_remove(CT, fwd);
	cairn_indir_set(ind, CT, MEM);
	cairn_indir_mint(ind, fwd);
	uint64_t one = rescind_cost(ind);
	cairn_indir_set(ind, CT, MEM);
	cairn_indir_mint(ind, fwd + 0);
	spread(fwd, IND_COPIES);
	uint64_t hundred = rescind_cost(ind);
	CHECK("ind.3", "rescind_constant_work", one == hundred && one < 1000,
	      "INDIR_RESCIND: %lu instructions with 1 forwarder, %lu with %d copies", one, hundred, IND_COPIES + 1);

	unsigned spare = IND_SPARE(3);
	long e1 = cairn_captbl_act_indir(CT, ind, MEM, frame(K));		/* slot in use */
	long e2 = cairn_captbl_act_indir(CT, spare, MEM, frame(U));		/* user frame */
	long e3 = cairn_indir_set(ind, MEM, MEM);				/* source not a table */
	long e4 = cairn_indir_set(ind, leaf, 1);				/* a leaf */
	long e5 = cairn_indir_set(ind, CT, IND_SPARE(4));			/* empty source */
	long e6 = cairn_indir_set(ind, CT, fwd);				/* a forwarder */
	long e7 = cairn_indir_set(ind, CT, ind);				/* an indirection */
	cairn_indir_set(ind, CT, MEM);
	long e8 = cairn_indir_set(ind, CT, ME);					/* has a target */
	long e9 = cairn_indir_mint(ind, fwd);					/* occupied */
	long e10 = cairn_indir_mint(ind, 0);
	long e11 = cairn_call(ind, 0x0bff, 0, 0, 0, 0, 0, 0);
	long e12 = cairn_captbl_deact(CT, ind);					/* has a target */
	cairn_indir_rescind(ind);
	long e13 = cairn_captbl_deact(CT, ind);					/* forwarders left */
	long e14 = cairn_captbl_remove(CT, ind);				/* its last owner */
	unspread(IND_COPIES);
	long rm = cairn_captbl_remove(CT, fwd);
	long deact = cairn_captbl_deact(CT, ind);
	long retype = cairn_mem_retype(MEM, ind_frame, CAIRN_FRAME_UNTYPED);
	CHECK("ind.4", "indirection_errors", e1 == CAIRN_EBUSY && e2 == CAIRN_EACCES && e3 == CAIRN_EBADF &&
	      e4 == CAIRN_EINVAL && e5 == CAIRN_ENOENT && e6 == CAIRN_EINVAL && e7 == CAIRN_EINVAL &&
	      e8 == CAIRN_EBUSY && e9 == CAIRN_EBUSY && e10 == CAIRN_EINVAL && e11 == CAIRN_ENOSYS &&
	      e12 == CAIRN_EBUSY && e13 == CAIRN_EBUSY && e14 == CAIRN_EBUSY && !rm && !deact && !retype,
	      "%ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld; remove forwarder %ld, deactivate %ld, retype %ld",
	      e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12, e13, e14, rm, deact, retype);
	cairn_captbl_decons(CT, IND_POS);
}

int main(const void *root)
{
	R = root;
	A.end = R->mem_end;
	if (R->magic != CAIRN_ROOT_MAGIC || R->mem_end == 0) {
		cairn_check("obj.0", "first_component", 0, "run this as the first boot module");
		return 1;
	}
	test_memory();
	test_captbl();
	test_pgtbl();
	test_invocation();
	test_derive();
	test_threads();
	test_keepers();
	test_restart_gates();
	test_restart_threads();
	test_restart_keeper();
	test_indirection();
	long k = cairn_kcheck();
	CHECK("obj.1", "kernel_invariants_hold", k == 0, "kcheck found %ld problems", k);
	return 0;
}
