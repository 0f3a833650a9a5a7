/*
 * lifecycle: components made and destroyed with capability operations alone, 1,000
 * times. Each round builds a whole component (capability table root and leaf, a
 * four-level page table mapping our image, the component, a thread homed in it with
 * its receive endpoint), runs the thread there once, then takes everything apart in
 * the order the kernel requires and gives every frame back to untyped memory and
 * every slot back to the allocator.
 *
 *   lc.1  1,000 rounds, each thread ran in its own component; untyped frames and free
 *         slots exactly as after the first round (nothing leaks, nothing is lost)
 *   lc.2  a component cannot be destroyed while its thread or its tables hold it, and
 *         a frame cannot be retyped while anything holds it (EBUSY, nothing changes)
 *   lc.3  the kernel invariant check
 * Run as the first boot module with "ktest".
 */
#include <cairn/build.h>
#include <cairn/cairn.h>
#include <cairn/root.h>

#define MEM  CAIRN_SLOT_MEMORY
#define CT   CAIRN_SLOT_CAPTBL
#define PT   CAIRN_SLOT_PGTBL
#define ME   CAIRN_SLOT_THREAD
#define K    CAIRN_FRAME_KERNEL
#define PAGE 4096UL
#define IMAGE_VA CAIRN_IMAGE_BASE
#define ROUNDS 1000
#define BACK 9		/* in a built component's table: our thread, to hand the core back */

extern char _end[];

static uint64_t free_frames[64];
static unsigned free_slots[64];
static struct cairn_alloc A = { .mem = MEM, .ct = CT, .cursor = 32UL << 20, .end = 0,
				.next_slot = CAIRN_SLOT_FREE, .last_slot = 128, .free_frame = free_frames,
				.free_slot = free_slots, .free_cap = 64 };

#define CHECK(id, name, cond, ...) cairn_check(id, name, (cond), __VA_ARGS__)

enum { S_CT, S_LEAF, S_PML4, S_PDPT, S_PD, S_PT, S_COMP, S_THREAD, S_RCV, NSLOTS };
#define NFRAMES S_RCV	/* every slot but the endpoint's names a frame */

struct built {
	unsigned s[NSLOTS];
	uint64_t f[NFRAMES];
};

volatile long runs;
static unsigned my_rcv;

/*
 * The built component's entry: counts a run, then hands the core back for good. No
 * stack: a thread left here forever must not hold one of our pool's.
 */
__asm__(".text\n.globl visit\nvisit:\n"
	"\tlock incq runs(%rip)\n"
	"1:\tmovabs $0x0000050000000009, %rax\n"	/* CAIRN_CALL(BACK, THREAD_DISPATCH) */
	"\txor %edi, %edi\n"
	"\tsyscall\n"
	"\tjmp 1b\n");
extern char visit[];
_Static_assert(BACK == 9 && CAIRN_OP_THREAD_DISPATCH == 0x0500, "visit's call word");

/* Maps our image, as we map it, into the built page table. */
static long map_image(unsigned pml4)
{
	for (uint64_t va = IMAGE_VA; va < (uint64_t)_end; va += PAGE) {
		long e = cairn_pgtbl_lookup(PT, va);
		long r = e < 0 ? e : cairn_pgtbl_map(pml4, va, MEM, (uint64_t)e & ~(PAGE - 1), (unsigned)e & 3);
		if (r)
			return r;
	}
	return 0;
}

static long build(struct built *b)
{
	static const unsigned levels[] = { [S_PML4] = 4, [S_PDPT] = 3, [S_PD] = 2, [S_PT] = 1 };
	long r = cairn_reserve_slots(&A);

	for (unsigned i = 0; i < NSLOTS; i++)
		b->s[i] = cairn_slot(&A);
	for (unsigned i = 0; i < NFRAMES; i++)
		b->f[i] = cairn_frame(&A, K);
	if (!r)
		r = cairn_captbl_act_captbl(CT, b->s[S_CT], MEM, b->f[S_CT], 0);
	if (!r)
		r = cairn_captbl_act_captbl(CT, b->s[S_LEAF], MEM, b->f[S_LEAF], 1);
	if (!r)
		r = cairn_captbl_cons(b->s[S_CT], 0, b->s[S_LEAF]);
	for (unsigned i = S_PML4; !r && i <= S_PT; i++)
		r = cairn_captbl_act_pgtbl(CT, b->s[i], MEM, b->f[i], levels[i]);
	for (unsigned i = S_PDPT; !r && i <= S_PT; i++)
		r = cairn_pgtbl_cons(b->s[S_PML4], IMAGE_VA, b->s[i]);
	if (!r)
		r = map_image(b->s[S_PML4]);
	if (!r)
		r = cairn_captbl_act_comp(CT, b->s[S_COMP], MEM, b->f[S_COMP], b->s[S_CT], b->s[S_PML4],
					  (cairn_word)visit);
	if (!r) {
		long tid = cairn_captbl_act_thread(CT, b->s[S_THREAD], MEM, b->f[S_THREAD], b->s[S_COMP], 0);
		r = tid < 0 ? tid : 0;
	}
	if (!r)
		r = cairn_captbl_act_rcv(CT, b->s[S_RCV], b->s[S_THREAD], my_rcv);
	if (!r)
		r = cairn_captbl_copy(b->s[S_CT], BACK, CT, ME);
	return r;
}

/* Takes b apart: every object destroyed, every frame untyped, every slot free. */
static long destroy(struct built *b)
{
	long r = cairn_captbl_remove(CT, b->s[S_RCV]);

	r |= cairn_captbl_deact(CT, b->s[S_THREAD]);
	r |= cairn_captbl_deact(CT, b->s[S_COMP]);
	for (uint64_t va = IMAGE_VA; va < (uint64_t)_end; va += PAGE)
		r |= cairn_pgtbl_unmap(b->s[S_PML4], va);
	for (unsigned level = 1; level <= 3; level++)
		r |= cairn_pgtbl_decons(b->s[S_PML4], IMAGE_VA, level);
	r |= cairn_captbl_remove(b->s[S_CT], BACK);
	r |= cairn_captbl_decons(b->s[S_CT], 0);
	for (unsigned i = 0; i < NFRAMES; i++)
		if (i != S_THREAD && i != S_COMP)
			r |= cairn_captbl_deact(CT, b->s[i]);
	for (unsigned i = 0; i < NFRAMES; i++)
		r |= cairn_frame_put(&A, b->f[i]);
	for (unsigned i = 0; i < NSLOTS; i++)
		cairn_slot_put(&A, b->s[i]);
	return r;
}

static long free_slot_count(void)
{
	return (long)A.last_slot - (long)A.next_slot + (long)A.nfree_slots;
}

static void test_rounds(void)
{
	long untyped0 = 0, slots0 = 0, bad = 0, first_bad = -1;

	for (int round = 0; round < ROUNDS; round++) {
		struct built b;
		long before = runs;
		long r = build(&b);
		if (!r)
			r = cairn_thread_dispatch(b.s[S_THREAD], 0, 0);
		if (!r && runs != before + 1)
			r = CAIRN_EIO;		/* the thread did not run */
		r |= destroy(&b);
		if (r && first_bad < 0)
			first_bad = round;
		bad += r != 0;
		if (round == 0) {
			untyped0 = cairn_mem_count(MEM, CAIRN_FRAME_UNTYPED);
			slots0 = free_slot_count();
		}
	}
	long untyped1 = cairn_mem_count(MEM, CAIRN_FRAME_UNTYPED), slots1 = free_slot_count();
	CHECK("lc.1", "thousand_components_give_everything_back", !bad && runs == ROUNDS && untyped1 == untyped0 &&
	      slots1 == slots0, "%ld rounds failed (first %ld); %ld runs of %d; untyped frames %ld -> %ld, free slots "
	      "%ld -> %ld", bad, first_bad, runs, ROUNDS, untyped0, untyped1, slots0, slots1);
}

static void test_order(void)
{
	struct built b;
	long r = build(&b);
	long untyped = cairn_mem_count(MEM, CAIRN_FRAME_UNTYPED);
	long e1 = cairn_captbl_deact(CT, b.s[S_COMP]);			/* its thread is homed there */
	long e2 = cairn_captbl_deact(CT, b.s[S_THREAD]);		/* the endpoint references it */
	long e3 = cairn_mem_retype(MEM, b.f[S_CT], CAIRN_FRAME_UNTYPED);	/* a live table */
	long e4 = cairn_captbl_deact(CT, b.s[S_PT]);			/* hooked, with mappings */
	long e5 = cairn_captbl_decons(b.s[S_CT], 0);			/* the leaf holds BACK */
	long runs_before = runs;
	long d = cairn_thread_dispatch(b.s[S_THREAD], 0, 0);		/* all intact: it still runs */
	long gone = destroy(&b);
	long untyped_after = cairn_mem_count(MEM, CAIRN_FRAME_UNTYPED);
	CHECK("lc.2", "destroy_order_is_enforced", !r && e1 == CAIRN_EBUSY && e2 == CAIRN_EBUSY && e3 == CAIRN_EBUSY &&
	      e4 == CAIRN_EBUSY && e5 == CAIRN_EBUSY && !d && runs == runs_before + 1 && !gone &&
	      untyped_after == untyped + NFRAMES, "build %ld; %ld %ld %ld %ld %ld; dispatch %ld ran %ld; destroy %ld; "
	      "untyped %ld -> %ld", r, e1, e2, e3, e4, e5, d, runs - runs_before, gone, untyped, untyped_after);
}

int main(const struct cairn_root *rt)
{
	A.end = rt->mem_end;
	if (rt->mem_end == 0) {
		CHECK("lc.0", "first_component", 0, "run this as the first boot module");
		return 1;
	}
	my_rcv = cairn_slot(&A);
	cairn_captbl_act_rcv(CT, my_rcv, ME, 0);
	test_rounds();
	test_order();
	long k = cairn_kcheck();
	CHECK("lc.3", "kernel_invariants_hold", k == 0, "kcheck found %ld problems", k);
	return 0;
}
