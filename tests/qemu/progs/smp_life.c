/*
 * smp_life: what a core keeps after it leaves the kernel (DESIGN.md §10, issue 19).
 * A core that idles holds nothing: not the thread it ran last, not that thread's
 * page tables, no result still to write, and a thread made ready there is never
 * forgotten. Each check sets up what a hostile program would: a core idles, another
 * core destroys or changes what the idle one used last, reuses the memory, then
 * wakes the idle core. First boot module, kernel booted with "ktest", two cores.
 *
 *   life.1  a thread stops on core 1 (core 1 idles inside that call); core 0
 *           destroys it and makes its frame a capability-table leaf full of MEMORY
 *           capabilities; core 1 wakes: every capability is intact, KCHECK clean
 *   life.2  a thread of another address space stops on core 1; core 0 destroys the
 *           thread, its component and its page-table root, and makes the root's
 *           frame a user page of garbage; core 1 wakes and runs a thread (the
 *           machine does not triple-fault), KCHECK clean
 *   life.3  a thread waits on core 1 with known callee-saved and SSE registers;
 *           core 0 changes its TLS base, then moves it (to the same core); each
 *           time it wakes with every register as it left them
 *   life.4  two sends back to back each start a different thread on idle core 1,
 *           twenty times over (the first of a round spins so the second preempts
 *           it): every thread runs every round
 */
#include "review_common.h"	/* threads on core 1, bounded waits (shared with review_*) */

#define LEAF_POS   6		/* a root position this program does not use otherwise */
#define GARBAGE_VA 0x300000000UL
#define ROUNDS     20

/* A thread of comp on core 1, with no scheduler, started by a send. */
static long remote_in(struct remote *w, unsigned comp, void (*fn)(cairn_word))
{
	return make_thread(w, comp, fn, 1, 0);
}

static long remote(struct remote *w, void (*fn)(cairn_word))
{
	return make_thread(w, COMP, fn, 1, 0);
}

/* Destroys a stopped thread once its core has let go of it: its last capability. */
static long destroy(struct remote *w)
{
	long r = cairn_captbl_remove(CT, w->snd) | cairn_captbl_remove(CT, w->rcv), d;

	for (long i = 0; (d = cairn_captbl_deact(CT, w->thr)) == CAIRN_EBUSY && i < 1000000; i++)
		;
	return r ? r : d;
}

/* Runs, says so, and stops (returning stops the thread: DEBUG_STOP). */
static volatile long ran;

static void run_and_stop(cairn_word tid)
{
	(void)tid;
	__atomic_add_fetch(&ran, 1, __ATOMIC_RELEASE);
}

/* Wakes idle core 1 with a new thread there; true if that thread ran. */
static int wake_core1(long *setup)
{
	struct remote z;
	long before = ran;

	*setup = remote(&z, run_and_stop);
	if (*setup == 0)
		*setup = cairn_asnd_send(z.snd, 0);
	return *setup == 0 && await(&ran, before + 1);
}

/* ---- life.1: a call's result is not written into a frame reused meanwhile ---- */

static void test_result_after_reuse(void)
{
	struct remote w;
	uint64_t pages = cairn_frame(&A, U);
	long r = remote(&w, run_and_stop), woke_setup = 0;

	cairn_frame(&A, U);	/* the next frame: each capability covers both */
	if (r == 0)
		r = cairn_asnd_send(w.snd, 0);
	if (r == 0 && !await(&ran, 1))
		r = -100;
	if (r == 0)
		r = destroy(&w);
	/* Its frame becomes a leaf of this table, every slot a MEMORY capability. */
	unsigned leaf = slot();
	if (r == 0)
		r = cairn_captbl_act_captbl(CT, leaf, MEM, w.frame, 1);
	if (r == 0)
		r = cairn_captbl_cons(CT, LEAF_POS, leaf);
	unsigned base = LEAF_POS * CAIRN_CAPTBL_LEAF_SLOTS;
	for (unsigned i = 0; r == 0 && i < CAIRN_CAPTBL_LEAF_SLOTS; i++)
		r = cairn_mem_derive(MEM, base + i, pages, pages + 2 * 4096);
	long users = cairn_mem_count(base, U), reserved = cairn_mem_count(base, CAIRN_FRAME_RESERVED);
	int woke = r == 0 && wake_core1(&woke_setup);
	unsigned wrong = 0;
	for (unsigned i = 0; r == 0 && i < CAIRN_CAPTBL_LEAF_SLOTS; i++)
		wrong += cairn_mem_count(base + i, U) != users ||
			 cairn_mem_count(base + i, CAIRN_FRAME_RESERVED) != reserved;
	long k = cairn_kcheck();
	CHECK("life.1", "no_result_into_reused_frame", r == 0 && woke && wrong == 0 && k == 0,
	      "setup %ld, woke %d (%ld), %u of %u capabilities changed, kcheck %ld",
	      r, woke, woke_setup, wrong, CAIRN_CAPTBL_LEAF_SLOTS, k);
}

/* ---- life.2: an idle core keeps no page-table root ---- */

/* Maps at va in pt what this program's own tables map there. */
static long map_like(unsigned pt, uint64_t va)
{
	long e = cairn_pgtbl_lookup(PT, va);

	if (e < 0)
		return 0;
	long r = cairn_pgtbl_path(&A, pt, va);
	return r ? r : cairn_pgtbl_map(pt, va, MEM, (uint64_t)e & ~0xfffUL, (unsigned)e & 3);
}

/* Unmaps everything map_like mapped, then unhooks the nodes under the root. */
static long unmap_all(unsigned pt, uint64_t lo, uint64_t hi)
{
	long r = 0;

	for (uint64_t va = lo; va < hi; va += 4096)
		if (cairn_pgtbl_lookup(pt, va) >= 0)
			r |= cairn_pgtbl_unmap(pt, va);
	for (uint64_t va = lo & ~0x1fffffUL; va < hi; va += 0x200000) {
		long e = cairn_pgtbl_decons(pt, va, 1);
		if (e != CAIRN_ENOENT)	/* no node where nothing was mapped */
			r |= e;
	}
	return r | cairn_pgtbl_decons(pt, 0, 2) | cairn_pgtbl_decons(pt, 0, 3);
}

static void test_root_after_reuse(void)
{
	unsigned root = slot(), comp = slot();
	uint64_t root_frame = cairn_frame(&A, K);
	uint64_t lo = CAIRN_ROOT_VA, hi = (uint64_t)_end;
	struct remote w;
	long woke_setup = 0, before = ran;
	long r = cairn_captbl_act_pgtbl(CT, root, MEM, root_frame, 4);

	/* Another address space with this program's pages (all below 1 GiB). */
	for (uint64_t va = lo; r == 0 && va < hi; va += 4096)
		r = map_like(root, va);
	if (r == 0)
		r = cairn_captbl_act_comp(CT, comp, MEM, cairn_frame(&A, K), CT, root, (uint64_t)_start);
	if (r == 0)
		r = remote_in(&w, comp, run_and_stop);
	if (r == 0)
		r = cairn_asnd_send(w.snd, 0);
	if (r == 0 && !await(&ran, before + 1))
		r = -100;
	/* Core 1 idles: the thread, its component and its root go, the frame is reused. */
	if (r == 0)
		r = destroy(&w);
	if (r == 0)
		r = cairn_captbl_deact(CT, comp);
	if (r == 0)
		r = unmap_all(root, lo, hi);
	if (r == 0)
		r = cairn_captbl_deact(CT, root);
	if (r == 0)
		r = cairn_mem_retype(MEM, root_frame, CAIRN_FRAME_UNTYPED);
	if (r == 0)
		r = cairn_mem_retype(MEM, root_frame, U);
	if (r == 0)
		r = cairn_pgtbl_path(&A, PT, GARBAGE_VA);
	if (r == 0)
		r = cairn_pgtbl_map(PT, GARBAGE_VA, MEM, root_frame, CAIRN_MAP_WRITE);
	for (unsigned i = 0; r == 0 && i < 512; i++)
		((volatile uint64_t *)GARBAGE_VA)[i] = 0x00000000fffff067UL + ((uint64_t)i << 12);
	int woke = r == 0 && wake_core1(&woke_setup);
	long k = cairn_kcheck();
	CHECK("life.2", "idle_core_keeps_no_root", r == 0 && woke && k == 0,
	      "setup %ld, woke %d (%ld), kcheck %ld", r, woke, woke_setup, k);
}

/* ---- life.3: a waiting thread's registers survive changes from another core ---- */

/*
 * long regs_wait(call): sets rbx, rbp, r12-r15 and xmm6 to known patterns, makes the
 * system call `call` (RCV_WAIT), and stores what those registers hold afterwards in
 * regs_seen[0..6]. Callee-saved registers are restored before it returns.
 */
uint64_t regs_seen[7];
long regs_wait(uint64_t call);
__asm__(
	"	.text\n"
	"	.globl regs_wait\n"
	"regs_wait:\n"
	"	push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
	"	movabs $0x1111111111111111, %rbx\n"
	"	movabs $0x2222222222222222, %rbp\n"
	"	movabs $0x3333333333333333, %r12\n"
	"	movabs $0x4444444444444444, %r13\n"
	"	movabs $0x5555555555555555, %r14\n"
	"	movabs $0x6666666666666666, %r15\n"
	"	movabs $0x7777777777777777, %rax\n"
	"	movq %rax, %xmm6\n"
	"	mov %rdi, %rax\n"
	"	syscall\n"
	"	lea regs_seen(%rip), %rcx\n"
	"	mov %rbx, 0(%rcx)\n"
	"	mov %rbp, 8(%rcx)\n"
	"	mov %r12, 16(%rcx)\n"
	"	mov %r13, 24(%rcx)\n"
	"	mov %r14, 32(%rcx)\n"
	"	mov %r15, 40(%rcx)\n"
	"	movq %xmm6, 48(%rcx)\n"
	"	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
	"	ret\n");

static struct remote waiter;
static volatile long waits_done, regs_bad[2];

/* Waits three times: the send that starts it, then once per change made to it. */
static void register_waiter(cairn_word tid)
{
	uint64_t call = CAIRN_CALL(waiter.rcv, CAIRN_OP_RCV_WAIT);

	(void)tid;
	regs_wait(call);
	__atomic_store_n(&waits_done, 1, __ATOMIC_RELEASE);
	for (int round = 0; round < 2; round++) {
		regs_wait(call);
		long bad = 0;
		for (unsigned i = 0; i < 7; i++)
			bad += regs_seen[i] != 0x1111111111111111UL * (i + 1);
		regs_bad[round] = bad;
		__atomic_store_n(&waits_done, round + 2, __ATOMIC_RELEASE);
	}
}

/* Changes the waiting thread from here as soon as it waits (until then: EBUSY). */
static long change_waiter(int round)
{
	long r;

	for (long i = 0; i < 1000000; i++) {
		r = round == 0 ? cairn_thread_tls(waiter.thr, 0x7000) : cairn_thread_core(waiter.thr, 1);
		if (r != CAIRN_EBUSY)
			break;
	}
	return r;
}

static void test_registers_kept(void)
{
	long r = remote(&waiter, register_waiter), changed[2] = { -1, -1 };

	if (r == 0)
		r = cairn_asnd_send(waiter.snd, 0);
	if (r == 0 && !await(&waits_done, 1))
		r = -100;
	for (int round = 0; round < 2 && r == 0; round++) {
		changed[round] = change_waiter(round);
		if (changed[round] == 0)
			r = cairn_asnd_send(waiter.snd, 0);
		if (r == 0 && !await(&waits_done, round + 2))
			r = -101 - round;
	}
	CHECK("life.3", "waiting_thread_keeps_registers", r == 0 && changed[0] == 0 && changed[1] == 0 &&
	      regs_bad[0] == 0 && regs_bad[1] == 0,
	      "setup %ld, TLS %ld: %ld registers lost; CORE %ld: %ld registers lost",
	      r, changed[0], regs_bad[0], changed[1], regs_bad[1]);
}

/* ---- life.4: every thread a send starts on another core runs ---- */

static struct remote pair[2];
static volatile long pair_runs[2];

static void pair_thread(unsigned me)
{
	for (;;) {
		cairn_rcv_wait(pair[me].rcv);
		if (me == 0)	/* long enough for the second send to land */
			for (uint64_t end = cairn_cycles() + R->tsc_hz / 1000; cairn_cycles() < end;)
				;
		__atomic_add_fetch(&pair_runs[me], 1, __ATOMIC_RELEASE);
	}
}

static void pair_first(cairn_word tid)
{
	(void)tid;
	pair_thread(0);
}

static void pair_second(cairn_word tid)
{
	(void)tid;
	pair_thread(1);
}

static void test_no_lost_wakeup(void)
{
	long r = remote(&pair[0], pair_first) | remote(&pair[1], pair_second);
	long round = 0;

	/* Round n: both run once more (the first round starts them: its wait is pending). */
	for (; r == 0 && round < ROUNDS; round++) {
		r = cairn_asnd_send(pair[0].snd, 0) | cairn_asnd_send(pair[1].snd, 0);
		if (r == 0 && !(await(&pair_runs[0], round + 1) && await(&pair_runs[1], round + 1)))
			break;
	}
	CHECK("life.4", "back_to_back_sends_run_both", r == 0 && round == ROUNDS &&
	      pair_runs[0] == ROUNDS && pair_runs[1] == ROUNDS,
	      "setup %ld, %ld of %d rounds: first ran %ld, second %ld", r, round, ROUNDS,
	      pair_runs[0], pair_runs[1]);
}

int main(const void *root)
{
	R = root;
	A.end = R->mem_end;
	if (!CHECK("life.0", "two_cores", R->cores >= 2, "red tape says %lu cores", (unsigned long)R->cores))
		return 1;
	test_result_after_reuse();
	test_root_after_reuse();
	test_registers_kept();
	test_no_lost_wakeup();
	return 0;
}
