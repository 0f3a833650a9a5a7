/*
 * review_idle_root: an idle core must not keep a user's page-table root (DESIGN.md
 * §10) even when the thread it took off its ready list turned out stale and stopped
 * (review of ae7b652, finding A).
 *
 * thread_idle loads the kernel's tables once, before its loop. If the thread it takes
 * is stale, switch_prepare unwinds it: each invocation popped loads its caller's root
 * (sinv.c pop -> arch_vm_switch); if the home component restarted too, the thread
 * stops and switch_prepare returns NULL, and thread_idle gives up the lock and halts
 * with the home component's root still loaded.
 *
 *   rv.a1  thread X (home H, with its own root) waits on core 1 inside a gate of
 *          component G; core 0 restarts G and H and sends to X; core 1 takes X, unwinds
 *          it into H (loading H's root), stops it and idles: KCHECK is clean
 *   rv.a2  core 0 then destroys X, H and H's root and makes the root's frame a user
 *          page of garbage; a send wakes core 1, which runs a thread (no triple fault)
 */
#include "review_common.h"

#define GARBAGE_VA 0x300000000UL

static struct remote x;
static unsigned gate;
static volatile long x_in_gate, ran;

/* X inside G: consumes the send that started it, says so, and waits. */
static struct cairn_ret2 parked(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge,
				cairn_word tid)
{
	(void)a, (void)b, (void)c, (void)d, (void)badge, (void)tid;
	cairn_rcv_wait(x.rcv);
	__atomic_store_n(&x_in_gate, 1, __ATOMIC_RELEASE);
	cairn_rcv_wait(x.rcv);	/* blocks: core 1 idles */
	__atomic_store_n(&x_in_gate, 2, __ATOMIC_RELEASE);
	return (struct cairn_ret2){ 0, 0 };
}
CAIRN_GATE(parked_entry, parked)

static void x_main(cairn_word tid)
{
	(void)tid;
	cairn_sinv_call(gate, 0, 0, 0, 0);
}

static void run_and_stop(cairn_word tid)
{
	(void)tid;
	__atomic_add_fetch(&ran, 1, __ATOMIC_RELEASE);
}

/* Maps at va in pt what this program's own tables map there. */
static long map_like(unsigned pt, uint64_t va)
{
	long e = cairn_pgtbl_lookup(PT, va);

	if (e < 0)
		return 0;
	long r = cairn_pgtbl_path(&A, pt, va);
	return r ? r : cairn_pgtbl_map(pt, va, MEM, (uint64_t)e & ~0xfffUL, (unsigned)e & 3);
}

static long unmap_all(unsigned pt, uint64_t lo, uint64_t hi)
{
	long r = 0;

	for (uint64_t va = lo; va < hi; va += 4096)
		if (cairn_pgtbl_lookup(pt, va) >= 0)
			r |= cairn_pgtbl_unmap(pt, va);
	for (uint64_t va = lo & ~0x1fffffUL; va < hi; va += 0x200000) {
		long e = cairn_pgtbl_decons(pt, va, 1);
		if (e != CAIRN_ENOENT)
			r |= e;
	}
	return r | cairn_pgtbl_decons(pt, 0, 2) | cairn_pgtbl_decons(pt, 0, 3);
}

int main(const void *root)
{
	review_init(root);
	if (!CHECK("rv.a0", "two_cores", R->cores >= 2, "red tape says %lu cores", (unsigned long)R->cores))
		return 1;
	unsigned me_rcv = slot(), hroot = slot(), h = slot(), g = slot();
	uint64_t root_frame = cairn_frame(&A, K), lo = CAIRN_ROOT_VA, hi = (uint64_t)_end;
	gate = slot();

	/* Our endpoint: X's scheduler, so we hear when X blocks and stops. */
	long r = cairn_captbl_act_rcv(CT, me_rcv, ME, 0);
	/* H: X's home, with a root of its own mapping our pages. G: shares our tables. */
	if (r == 0)
		r = cairn_captbl_act_pgtbl(CT, hroot, MEM, root_frame, 4);
	for (uint64_t va = lo; r == 0 && va < hi; va += 4096)
		r = map_like(hroot, va);
	if (r == 0)
		r = cairn_captbl_act_comp(CT, h, MEM, cairn_frame(&A, K), CT, hroot, (uint64_t)_start);
	if (r == 0)
		r = cairn_captbl_act_comp(CT, g, MEM, cairn_frame(&A, K), CT, PT, (uint64_t)_start);
	if (r == 0)
		r = cairn_captbl_act_sinv(CT, gate, g, (cairn_word)parked_entry, 0, 0);
	if (r == 0)
		r = make_thread(&x, h, x_main, 1, me_rcv);
	if (r == 0)
		r = cairn_asnd_send(x.snd, 0);
	if (r == 0 && !(await(&x_in_gate, 1) && await_event(me_rcv, x.tid, CAIRN_EVENT_BLOCK)))
		r = -100;
	/* X waits inside G on core 1, which idles. Restart both; wake X. */
	long gh = r ? 0 : cairn_comp_restart(h), gg = r ? 0 : cairn_comp_restart(g);
	if (r == 0 && (gh < 0 || gg < 0))
		r = -101;
	if (r == 0)
		r = cairn_asnd_send(x.snd, 0);
	int stopped = r == 0 && await_event(me_rcv, x.tid, CAIRN_EVENT_STOP);
	long k = cairn_kcheck();
	CHECK("rv.a1", "idle_core_unloads_unwound_root", r == 0 && stopped && k == 0,
	      "setup %ld, X stopped %d, X ran on %ld, kcheck %ld (1 = an idle core keeps a user's root)",
	      r, stopped, x_in_gate, k);

	/* The root core 1 may still hold: destroyed, its frame garbage; then wake core 1. */
	long d = cairn_captbl_remove(CT, x.snd) | cairn_captbl_remove(CT, x.rcv) | cairn_captbl_deact(CT, x.thr);
	if (d == 0)
		d = cairn_captbl_deact(CT, h);
	if (d == 0)
		d = unmap_all(hroot, lo, hi);
	if (d == 0)
		d = cairn_captbl_deact(CT, hroot);
	if (d == 0)
		d = cairn_mem_retype(MEM, root_frame, CAIRN_FRAME_UNTYPED);
	if (d == 0)
		d = cairn_mem_retype(MEM, root_frame, U);
	if (d == 0)
		d = cairn_pgtbl_path(&A, PT, GARBAGE_VA);
	if (d == 0)
		d = cairn_pgtbl_map(PT, GARBAGE_VA, MEM, root_frame, CAIRN_MAP_WRITE);
	for (unsigned i = 0; d == 0 && i < 512; i++)
		((volatile uint64_t *)GARBAGE_VA)[i] = 0x00000000fffff067UL + ((uint64_t)i << 12);
	struct remote z;
	if (d == 0)
		d = make_thread(&z, COMP, run_and_stop, 1, 0);
	if (d == 0)
		d = cairn_asnd_send(z.snd, 0);
	int woke = d == 0 && await(&ran, 1);
	CHECK("rv.a2", "idle_core_survives_root_reuse", d == 0 && woke, "setup %ld, woke %d", d, woke);
	return 0;
}
