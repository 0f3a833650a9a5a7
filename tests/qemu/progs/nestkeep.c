/*
 * nestkeep: keepers that nest. A keeper handling a fault calls a gate whose component
 * faults into a second keeper; each keeper invocation has its own fault record, so the
 * outer keeper still reads, and resumes, its own fault after the inner one, and
 * unwinding after a restart gives each level back its own registers. A fault past
 * CAIRN_KEEPER_DEPTH nested keeper invocations stops the thread.
 *
 * The components are mirrors (cairn/build.h: our code and memory, their own tables):
 * F1, F2, F3 fault at the first touch of a page, K1, K2, K3 are their keepers. A test
 * thread (we are its scheduler) calls F1; F1 faults into K1, which, before it maps
 * F1's page, calls F2; F2 faults into K2, which does what the check asks (resume,
 * stop, restart K1, restart itself, call F3). Each toucher loads its own pattern into
 * xmm1 before the faulting store, so resuming with another level's registers or FPU
 * state shows in its results. Checks:
 *
 *   kn.1  the inner keeper resumes: the outer keeper reads the same rip and rsp (its
 *         own fault's) before and after the inner fault, and F1 and F2 both finish
 *         with their own registers and xmm1
 *   kn.2  the inner keeper stops the thread: its scheduler hears STOP, the outer keeper
 *         does not run on
 *   kn.3  the inner keeper restarts the outer keeper's component: the return into it
 *         unwinds to F1's own fault, which enters the new outer keeper, and F1 finishes
 *   kn.4  the inner keeper restarts its own component: F2's own fault comes back and
 *         enters it again; the outer keeper then still reads its own fault
 *   kn.5  a third nested fault (past CAIRN_KEEPER_DEPTH) stops the thread with a report
 *         and its keeper is never entered
 *   kn.6  the kernel invariant check
 *
 * Stacks: a thread that stops or is unwound leaves its gate stacks taken in the shared
 * pool (32); these runs leave 13 and use at most 6 at once.
 * Run as the first boot module with "ktest".
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
#define PAGE 4096UL

/* In a keeper mirror's table. */
#define S_GATE  8	/* the onward gate: K1 into F2, K2 into F3 */
#define S_PT    9	/* the page table of the component it keeps */
#define S_OUTER 10	/* K2: K1's component */
#define S_SELF  11	/* K2: its own component */

#define VA1 0x300000000UL	/* where F1, F2, F3 fault */
#define VA2 0x310000000UL
#define VA3 0x320000000UL
#define PATTERN1 0x1111111111111111UL
#define PATTERN2 0x2222222222222222UL
#define PATTERN3 0x3333333333333333UL

_Static_assert(CAIRN_KEEPER_DEPTH == 2, "kn.5 faults at the third keeper level");

extern char _start[], _end[];

static struct cairn_alloc A = { .mem = MEM, .ct = CT, .cursor = 32UL << 20, .end = 0,
				.next_slot = CAIRN_SLOT_FREE, .last_slot = 128 };

#define CHECK(id, name, cond, ...) cairn_check(id, name, (cond), __VA_ARGS__)

enum inner { RESUME, STOP, RESTART_OUTER, RESTART_SELF, DEEPER };

/* One run's record (mirrors share our memory, so every component writes here). */
static volatile struct {
	enum inner mode;			/* what K2 does at its first entry */
	long k1_entries, k1_after, k2_entries, k2_after, k3_entries;
	cairn_word k1_arg_rip;			/* the rip K1 was entered with */
	cairn_word k1_rip[3], k1_rsp[3];	/* FAULT_REG in K1: before, after the inner call; re-entered */
	cairn_word k2_rip[2];			/* FAULT_REG in K2: first and second entry */
	long inner_r0;				/* what K1's call into F2 returned */
	cairn_word inner_r1;
	long done;				/* calls the test thread finished */
	long f1_r0;				/* its call into F1: the word read back, xmm1 */
	cairn_word f1_r1;
} run;

static uint64_t page1, page2, page3;	/* the frames the keepers map */

/* ---- in the faulting components ---- */

/* Loads pattern into xmm1, stores it at va (the fault), returns what va and xmm1 hold. */
#define TOUCHER(name)                                                                              \
	static struct cairn_ret2 name(cairn_word va, cairn_word pattern, cairn_word c, cairn_word d,  \
				      cairn_word badge, cairn_word tid)                               \
	{                                                                                          \
		(void)c, (void)d, (void)badge, (void)tid;                                          \
		uint64_t x;                                                                        \
		__asm__ volatile("movq %[p], %%xmm1\n\tmovq %[p], (%[va])\n\tmovq %%xmm1, %[x]"      \
				 : [x] "=r"(x) : [p] "r"(pattern), [va] "r"(va) : "xmm1", "memory");   \
		return (struct cairn_ret2){ (long)*(volatile uint64_t *)va, x };                   \
	}                                                                                          \
	CAIRN_GATE(name##_entry, name)

TOUCHER(toucher1)
TOUCHER(toucher2)
TOUCHER(toucher3)

/* ---- the keepers ---- */

static cairn_word reg(unsigned idx)
{
	return cairn_fault_reg(idx, 0, 0).r1;
}

/* Maps frame at va in the kept component (S_PT) and resumes, or stops if that fails. */
static struct cairn_ret2 map_and_resume(uint64_t va, uint64_t frame)
{
	long r = cairn_pgtbl_map(S_PT, va, MEM, frame, CAIRN_MAP_WRITE);
	return (struct cairn_ret2){ r ? CAIRN_FAULT_STOP : CAIRN_FAULT_RESUME, 0 };
}

static const struct cairn_ret2 stop = { CAIRN_FAULT_STOP, 0 };

/* K1: F1's faults. At its first entry it calls F2 before it handles F1's fault. */
static struct cairn_ret2 keeper1(cairn_word vector, cairn_word error, cairn_word addr, cairn_word rip,
				 cairn_word badge, cairn_word tid)
{
	(void)error, (void)badge, (void)tid;
	if (vector != 14 || addr != VA1)
		return stop;		/* not F1's fault: registers of another level */
	if (run.k1_entries++) {
		run.k1_rip[2] = reg(CAIRN_REG_RIP);
		run.k1_rsp[2] = reg(CAIRN_REG_RSP);
		return map_and_resume(VA1, page1);
	}
	run.k1_arg_rip = rip;
	run.k1_rip[0] = reg(CAIRN_REG_RIP);
	run.k1_rsp[0] = reg(CAIRN_REG_RSP);
	struct cairn_ret2 x = cairn_sinv_call(S_GATE, VA2, PATTERN2, 0, 0);
	run.k1_after++;
	run.inner_r0 = x.r0;
	run.inner_r1 = x.r1;
	run.k1_rip[1] = reg(CAIRN_REG_RIP);
	run.k1_rsp[1] = reg(CAIRN_REG_RSP);
	return map_and_resume(VA1, page1);
}
CAIRN_GATE(keeper1_entry, keeper1)

/* K2: F2's faults; its first entry does what run.mode says. */
static struct cairn_ret2 keeper2(cairn_word vector, cairn_word error, cairn_word addr, cairn_word rip,
				 cairn_word badge, cairn_word tid)
{
	(void)error, (void)rip, (void)badge, (void)tid;
	if (vector != 14 || addr != VA2 || run.k2_entries > 1)
		return stop;
	run.k2_rip[run.k2_entries] = reg(CAIRN_REG_RIP);
	if (run.k2_entries++ == 0) {
		switch (run.mode) {
		case STOP:
			return stop;
		case RESTART_OUTER:
			cairn_comp_restart(S_OUTER);
			cairn_comp_ready(S_OUTER);
			break;
		case RESTART_SELF:
			cairn_comp_restart(S_SELF);	/* unwinds this invocation: no return */
			cairn_comp_ready(S_SELF);
			run.k2_after++;
			return stop;
		case DEEPER:
			cairn_sinv_call(S_GATE, VA3, PATTERN3, 0, 0);	/* F3 faults a level too deep */
			run.k2_after++;
			return stop;
		case RESUME:
			break;
		}
	}
	return map_and_resume(VA2, page2);
}
CAIRN_GATE(keeper2_entry, keeper2)

/* K3: must never be entered (it would be the third keeper level). */
static struct cairn_ret2 keeper3(cairn_word vector, cairn_word error, cairn_word addr, cairn_word rip,
				 cairn_word badge, cairn_word tid)
{
	(void)vector, (void)error, (void)addr, (void)rip, (void)badge, (void)tid;
	run.k3_entries++;
	return map_and_resume(VA3, page3);
}
CAIRN_GATE(keeper3_entry, keeper3)

/* ---- set-up and the runs ---- */

static struct cairn_mirror f1, f2, f3, k1, k2, k3;
static unsigned g_f1, my_rcv;

/* The test thread: calls F1, notes the result, hands the core back; repeats. */
static void caller(cairn_word tid)
{
	(void)tid;
	for (;;) {
		struct cairn_ret2 x = cairn_sinv_call(g_f1, VA1, PATTERN1, 0, 0);
		run.f1_r0 = x.r0;
		run.f1_r1 = x.r1;
		run.done++;
		cairn_thread_dispatch(ME, 0, 0);
	}
}

static unsigned gate(unsigned ct, unsigned slot, struct cairn_mirror *m, void *entry, long *err)
{
	if (!slot)
		slot = cairn_slot(&A);
	long r = cairn_captbl_act_sinv(ct, slot, m->comp, (cairn_word)entry, 0, 0);
	if (r && !*err)
		*err = r;
	return slot;
}

/* A faulting mirror f with page tables for va, kept by the keeper mirror k (entry). */
static long kept_pair(struct cairn_mirror *f, struct cairn_mirror *k, uint64_t va, void *entry)
{
	long err = cairn_mirror(&A, f, PT, CAIRN_IMAGE_BASE, (uint64_t)_end, (uint64_t)_start);

	if (!err)
		err = cairn_mirror(&A, k, PT, CAIRN_IMAGE_BASE, (uint64_t)_end, (uint64_t)_start);
	if (!err)
		err = cairn_pgtbl_path(&A, f->pt, va);
	if (!err)
		err = cairn_captbl_copy(k->ct, MEM, CT, MEM);
	if (!err)
		err = cairn_captbl_copy(k->ct, S_PT, CT, f->pt);
	unsigned kg = gate(CT, 0, k, entry, &err);
	return err ? err : cairn_comp_keeper(f->comp, kg);
}

static long setup(void)
{
	long err = kept_pair(&f1, &k1, VA1, keeper1_entry);

	if (!err)
		err = kept_pair(&f2, &k2, VA2, keeper2_entry);
	if (!err)
		err = kept_pair(&f3, &k3, VA3, keeper3_entry);
	g_f1 = gate(CT, 0, &f1, toucher1_entry, &err);
	gate(k1.ct, S_GATE, &f2, toucher2_entry, &err);
	gate(k2.ct, S_GATE, &f3, toucher3_entry, &err);
	if (!err)
		err = cairn_captbl_copy(k2.ct, S_OUTER, CT, k1.comp);
	if (!err)
		err = cairn_captbl_copy(k2.ct, S_SELF, CT, k2.comp);
	page1 = cairn_frame(&A, U);
	page2 = cairn_frame(&A, U);
	page3 = cairn_frame(&A, U);
	my_rcv = cairn_slot(&A);
	if (!err)
		err = cairn_captbl_act_rcv(CT, my_rcv, ME, 0);
	return err ? err : !(page1 && page2 && page3);
}

/*
 * One run: the pages unmapped (each fault happens again), a fresh test thread whose
 * scheduler we are, K2 told what to do; returns the event that ended the run (kind
 * CAIRN_EVENT_NONE if the thread handed the core back) and the thread's id in *tid.
 */
static struct cairn_ret2 one_run(enum inner mode, long *tid)
{
	cairn_pgtbl_unmap(f1.pt, VA1);
	cairn_pgtbl_unmap(f2.pt, VA2);
	cairn_pgtbl_unmap(f3.pt, VA3);
	for (unsigned i = 0; i < sizeof(run); i++)
		((volatile char *)&run)[i] = 0;
	run.mode = mode;
	unsigned t = cairn_slot(&A), trcv = cairn_slot(&A);
	*tid = cairn_captbl_act_thread(CT, t, MEM, cairn_frame(&A, K), CAIRN_SLOT_COMP, (cairn_word)caller);
	cairn_captbl_act_rcv(CT, trcv, t, my_rcv);
	cairn_thread_dispatch(t, 0, 0);
	return cairn_rcv_event(my_rcv);
}

/* F1's call came back with F1's own results. */
static int f1_finished(void)
{
	return run.done == 1 && run.f1_r0 == (long)PATTERN1 && run.f1_r1 == PATTERN1;
}

static void test_resume(void)
{
	long tid;
	struct cairn_ret2 ev = one_run(RESUME, &tid);
	CHECK("kn.1", "outer_keeper_keeps_its_own_fault",
	      ev.r1 == CAIRN_EVENT_NONE && run.k1_entries == 1 && run.k2_entries == 1 && run.k1_after == 1 &&
	      run.k1_rip[0] == run.k1_arg_rip && run.k1_rip[1] == run.k1_rip[0] &&
	      run.k1_rsp[1] == run.k1_rsp[0] && run.k2_rip[0] != run.k1_rip[0] &&
	      run.inner_r0 == (long)PATTERN2 && run.inner_r1 == PATTERN2 && f1_finished(),
	      "event %lu; K1 rip %lx / %lx after the inner fault (entered at %lx, K2 saw %lx), rsp %lx / %lx; "
	      "F2 gave %lx %lx; F1 gave %lx %lx (%ld done)", ev.r1, run.k1_rip[0], run.k1_rip[1], run.k1_arg_rip,
	      run.k2_rip[0], run.k1_rsp[0], run.k1_rsp[1], run.inner_r0, run.inner_r1, run.f1_r0, run.f1_r1,
	      run.done);
}

static void test_stop(void)
{
	long tid;
	struct cairn_ret2 ev = one_run(STOP, &tid);
	CHECK("kn.2", "inner_keeper_stop_stops_the_thread",
	      tid > 0 && ev.r0 == tid && ev.r1 == CAIRN_EVENT_STOP && run.k2_entries == 1 && run.k1_entries == 1 &&
	      run.k1_after == 0 && run.done == 0,
	      "event %ld/%lu (thread %ld), K1 entries %ld after-call %ld, K2 entries %ld, done %ld", ev.r0, ev.r1,
	      tid, run.k1_entries, run.k1_after, run.k2_entries, run.done);
}

static void test_restarts(void)
{
	long tid;
	struct cairn_ret2 ev = one_run(RESTART_OUTER, &tid);
	CHECK("kn.3", "unwinding_the_outer_keeper_restores_its_own_fault",
	      ev.r1 == CAIRN_EVENT_NONE && run.k1_entries == 2 && run.k1_after == 0 && run.k2_entries == 1 &&
	      run.k1_rip[2] == run.k1_rip[0] && run.k1_rsp[2] == run.k1_rsp[0] && f1_finished(),
	      "event %ld/%lu; K1 entries %ld after-call %ld, K2 entries %ld; rip %lx then %lx, rsp %lx then %lx; "
	      "F1 gave %lx %lx (%ld done)", ev.r0, ev.r1, run.k1_entries, run.k1_after, run.k2_entries,
	      run.k1_rip[0], run.k1_rip[2], run.k1_rsp[0], run.k1_rsp[2], run.f1_r0, run.f1_r1, run.done);

	ev = one_run(RESTART_SELF, &tid);
	CHECK("kn.4", "unwinding_the_inner_keeper_restores_its_own_fault",
	      ev.r1 == CAIRN_EVENT_NONE && run.k2_entries == 2 && run.k2_after == 0 &&
	      run.k2_rip[1] == run.k2_rip[0] && run.k1_entries == 1 && run.k1_after == 1 &&
	      run.k1_rip[1] == run.k1_rip[0] && run.k1_rsp[1] == run.k1_rsp[0] && run.inner_r0 == (long)PATTERN2 &&
	      run.inner_r1 == PATTERN2 && f1_finished(),
	      "event %ld/%lu; K2 entries %ld (rip %lx then %lx) after-restart %ld; K1 rip %lx / %lx, rsp %lx / %lx; "
	      "F2 gave %lx %lx; F1 gave %lx %lx (%ld done)", ev.r0, ev.r1, run.k2_entries, run.k2_rip[0],
	      run.k2_rip[1], run.k2_after, run.k1_rip[0], run.k1_rip[1], run.k1_rsp[0], run.k1_rsp[1],
	      run.inner_r0, run.inner_r1, run.f1_r0, run.f1_r1, run.done);
}

static void test_bound(void)
{
	long tid;
	struct cairn_ret2 ev = one_run(DEEPER, &tid);
	CHECK("kn.5", "fault_past_the_keeper_depth_stops_the_thread",
	      tid > 0 && ev.r0 == tid && ev.r1 == CAIRN_EVENT_STOP && run.k3_entries == 0 && run.k2_after == 0 &&
	      run.k1_after == 0 && run.done == 0,
	      "event %ld/%lu (thread %ld), K3 entries %ld, K2 after-call %ld, K1 after-call %ld, done %ld", ev.r0,
	      ev.r1, tid, run.k3_entries, run.k2_after, run.k1_after, run.done);
}

int main(const struct cairn_root *root)
{
	A.end = root->mem_end;
	if (root->magic != CAIRN_ROOT_MAGIC || root->mem_end == 0) {
		cairn_check("kn.0", "first_component", 0, "run this as the first boot module");
		return 1;
	}
	long err = setup();
	if (err) {
		cairn_check("kn.0", "setup", 0, "set-up failed: %ld", err);
		return 1;
	}
	test_resume();
	test_stop();
	test_restarts();
	test_bound();
	long k = cairn_kcheck();
	CHECK("kn.6", "kernel_invariants_hold", k == 0, "kcheck found %ld problems", k);
	return 0;
}
