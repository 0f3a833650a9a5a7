/*
 * bench_capmgr: delegation, revocation and rescinding, in guest instructions:
 *   capmgr_delegate        one capmgr_delegate of a gate to another component
 *   capmgr_revoke_per_node capmgr_revoke of a tree of 14 copies (fan-out 2, depth 3,
 *                          across seven components), per copy removed
 *   indir_rescind          one INDIR_RESCIND with a forwarder and 100 copies of it out
 * The holders are mirror components (cairn/build.h). Each measurement checks what it
 * measured: the slot came back, the tree's 14 copies went, every forwarder is void.
 * It must be the first boot module.
 */
#include <cairn/bench.h>
#include <cairn/build.h>
#include <cairn/cairn.h>
#include <cairn/capmgr.h>
#include <cairn/root.h>

#define MEM  CAIRN_SLOT_MEMORY
#define CT   CAIRN_SLOT_CAPTBL
#define PT   CAIRN_SLOT_PGTBL
#define NH   7
#define HELD 9
#define COPY_POS 7		/* root position of the leaf holding forwarder copies */
#define COPIES 100

extern char _start[], _end[];

static uint64_t free_frames[64];
static unsigned free_slots[64];
static struct cairn_alloc A = { .mem = MEM, .ct = CT, .cursor = 32UL << 20, .end = 0,
				.next_slot = CAIRN_SLOT_FREE, .last_slot = 128, .free_frame = free_frames,
				.free_slot = free_slots, .free_cap = 64 };
static struct capmgr M;
static struct cairn_mirror h[NH];
static uint64_t samples[BENCH_SAMPLES];
static uint64_t overhead;
static int failed;

static void fail(const char *what, long r)
{
	cairn_printf("bench_capmgr: %s failed: %ld\n", what, r);
	failed = 1;
}

/* Times one evaluation of expr into samples[i] (after the warm-up), keeping its value in r. */
#define TIMED(i, r, expr)                                               \
	do {                                                            \
		uint64_t t0_ = bench_rdtsc();                           \
		r = (expr);                                             \
		uint64_t t1_ = bench_rdtsc();                           \
		if (i >= 0)                                             \
			samples[i] = t1_ - t0_ - overhead;              \
	} while (0)

static void bench_delegate(void)
{
	for (int i = -BENCH_WARMUP; i < BENCH_SAMPLES && !failed; i++) {
		long r;
		TIMED(i, r, capmgr_delegate(&M, 0, HELD, 1));
		if (r < CAPMGR_SLOT0)
			fail("delegate", r);
		else if ((r = capmgr_revoke(&M, 0, HELD)) != 1)
			fail("revoke after delegate", r);
	}
	if (!failed)
		bench_report_ops("capmgr_delegate", "delegate", samples, BENCH_SAMPLES, 1);
}

/* h0 -> h1, h2; each of those -> two more; each of those -> two more: 14 copies. */
static long grow(void)
{
	long a = capmgr_delegate(&M, 0, HELD, 1), b = capmgr_delegate(&M, 0, HELD, 2);
	long lvl1[2] = { a, b }, who1[2] = { 1, 2 }, n = 2;
	for (int j = 0; j < 2; j++)
		for (int k = 0; k < 2; k++) {
			unsigned to = (unsigned)(3 + 2 * j + k);
			long c = capmgr_delegate(&M, (unsigned)who1[j], (uint64_t)lvl1[j], to);
			long d = capmgr_delegate(&M, to, (uint64_t)c, (unsigned)who1[j] == 1 ? 2 : 1);
			long e = capmgr_delegate(&M, to, (uint64_t)c, 0);
			if (c < 0 || d < 0 || e < 0)
				return c < 0 ? c : d < 0 ? d : e;
			n += 3;
		}
	return n;
}

static void bench_revoke(void)
{
	for (int i = -BENCH_WARMUP; i < BENCH_SAMPLES && !failed; i++) {
		long n = grow(), r;
		if (n != 14) {
			fail("growing the tree", n);
			break;
		}
		TIMED(i, r, capmgr_revoke(&M, 0, HELD));
		if (r != 14 || M.nodes)
			fail("revoke of the tree", r);
	}
	if (!failed)
		bench_report_ops("capmgr_revoke_per_node", "copy_removed", samples, BENCH_SAMPLES, 14);
}

static void bench_rescind(void)
{
	unsigned ind = cairn_slot(&A), fwd = cairn_slot(&A), leaf = cairn_slot(&A);
	long r = cairn_captbl_act_indir(CT, ind, MEM, cairn_frame(&A, CAIRN_FRAME_KERNEL));
	if (!r)
		r = cairn_captbl_act_captbl(CT, leaf, MEM, cairn_frame(&A, CAIRN_FRAME_KERNEL), 1);
	if (!r)
		r = cairn_captbl_cons(CT, COPY_POS, leaf);
	for (int i = -BENCH_WARMUP; i < BENCH_SAMPLES && !failed && !r; i++) {
		r = cairn_indir_set(ind, CT, MEM);
		if (!r)
			r = cairn_indir_mint(ind, fwd);
		for (unsigned k = 0; k < COPIES && !r; k++)
			r = cairn_captbl_copy(CT, COPY_POS * 128 + k, CT, fwd);
		if (r)
			break;
		TIMED(i, r, cairn_indir_rescind(ind));
		long use = cairn_mem_count(COPY_POS * 128 + COPIES - 1, CAIRN_FRAME_UNTYPED);
		if (r || use != CAIRN_ENOENT)
			fail("rescind", r ? r : use);
		for (unsigned k = 0; k < COPIES; k++)
			cairn_captbl_remove(CT, COPY_POS * 128 + k);
		cairn_captbl_remove(CT, fwd);
	}
	if (r)
		fail("setting up the indirection", r);
	if (!failed)
		bench_report_ops("indir_rescind", "rescind", samples, BENCH_SAMPLES, 1);
}

int main(const struct cairn_root *root)
{
	A.end = root->mem_end;
	overhead = bench_overhead();
	capmgr_init(&M, &A);
	long r = 0;
	for (unsigned i = 0; i < NH && !r; i++) {
		r = cairn_mirror(&A, &h[i], PT, CAIRN_IMAGE_BASE, (uint64_t)_end, (uint64_t)_start);
		if (!r)
			r = capmgr_holder(&M, h[i].ct, h[i].pt, 0);
		r = r < 0 ? r : 0;
	}
	if (!r)		/* h0's original: any capability will do; its own page table */
		r = cairn_captbl_copy(h[0].ct, HELD, CT, PT);
	if (r) {
		fail("setup", r);
		return 1;
	}
	bench_delegate();
	bench_revoke();
	bench_rescind();
	return failed;
}
