/*
 * ownerlimit: an object's count of owning capabilities stops at its limit instead of
 * wrapping. The frame table counts a leaf's owning capabilities in 16 bits: with every
 * slot of a second capability table holding a copy of one leaf's capability, the copy
 * that would make 65,536 owners is refused with CAIRN_EOVERFLOW and nothing changes,
 * so unhooking the leaf cannot destroy it while it is named. Checks:
 *
 *   ov.1  65,534 copies of a hooked leaf's capability (65,535 owners) succeed, the
 *         next gets CAIRN_EOVERFLOW, its destination stays empty, the kernel invariant
 *         check is clean
 *   ov.2  at the limit, INDIR_SET (whose target would be one more owner) gets
 *         CAIRN_EOVERFLOW too and the indirection stays empty
 *   ov.3  at the limit, the leaf can be unhooked and hooked again and its slots used:
 *         it still exists; the invariant check is clean
 *   ov.4  after removing one copy the refused copy succeeds; every copy removed, the
 *         leaf, the second table and its leaves deactivate and their frames go back to
 *         untyped memory: the same count as before; the invariant check is clean
 * Run as the first boot module with "ktest".
 */
#include <cairn/build.h>
#include <cairn/cairn.h>
#include <cairn/root.h>

#define MEM  CAIRN_SLOT_MEMORY
#define CT   CAIRN_SLOT_CAPTBL
#define K    CAIRN_FRAME_KERNEL

#define OWNERS_MAX 0xffff	/* the limit under test: all a 16-bit count holds */
#define LPOS       300		/* where the leaf is hooked in our table (the allocator uses 1, 2, ...) */
#define ROOT_SLOTS CAIRN_CAPTBL_MAX

static struct cairn_alloc A = { .mem = MEM, .ct = CT, .cursor = 32UL << 20, .end = 0,
				.next_slot = CAIRN_SLOT_FREE, .last_slot = 128 };

#define CHECK(id, name, cond, ...) cairn_check(id, name, (cond), __VA_ARGS__)

static unsigned slot(void)
{
	return cairn_reserve_slots(&A) ? 0 : cairn_slot(&A);
}

static unsigned leaf_slot, table;	/* ours: the leaf under test, the second root */
static unsigned table_leaves[CAIRN_CAPTBL_ROOT_SLOTS];
static uint64_t leaf_frame, table_frames[CAIRN_CAPTBL_ROOT_SLOTS + 1];

/* Our slots for everything made here, first: our table grows now, not later. */
static int take_slots(void)
{
	leaf_slot = slot();
	table = slot();
	for (unsigned pos = 0; pos < CAIRN_CAPTBL_ROOT_SLOTS; pos++)
		table_leaves[pos] = slot();
	return leaf_slot && table && table_leaves[CAIRN_CAPTBL_ROOT_SLOTS - 1];
}

/* A second root with all its leaves hooked: ROOT_SLOTS - 1 free slots (slot 0 never). */
static long make_table(void)
{
	table_frames[0] = cairn_frame(&A, K);
	long r = cairn_captbl_act_captbl(CT, table, MEM, table_frames[0], 0);
	for (unsigned pos = 0; !r && pos < CAIRN_CAPTBL_ROOT_SLOTS; pos++) {
		table_frames[pos + 1] = cairn_frame(&A, K);
		r = cairn_captbl_act_captbl(CT, table_leaves[pos], MEM, table_frames[pos + 1], 1);
		if (!r)
			r = cairn_captbl_cons(table, pos, table_leaves[pos]);
	}
	return r;
}

/* Copies of the leaf's capability into the table's slots [from, to): the first error. */
static long copies(unsigned from, unsigned to)
{
	for (unsigned i = from; i < to; i++) {
		long r = cairn_captbl_copy(table, i, CT, leaf_slot);
		if (r)
			return r;
	}
	return 0;
}

static long removals(unsigned from, unsigned to)
{
	long bad = 0;
	for (unsigned i = from; i < to; i++)
		bad += cairn_captbl_remove(table, i) != 0;
	return bad;
}

/* Takes the second table and the leaf apart; the number of calls that failed. */
static long teardown(void)
{
	long bad = cairn_captbl_decons(CT, LPOS) != 0;
	bad += cairn_captbl_deact(CT, leaf_slot) != 0;
	bad += cairn_mem_retype(MEM, leaf_frame, CAIRN_FRAME_UNTYPED) != 0;
	for (unsigned pos = 0; pos < CAIRN_CAPTBL_ROOT_SLOTS; pos++) {
		bad += cairn_captbl_decons(table, pos) != 0;
		bad += cairn_captbl_deact(CT, table_leaves[pos]) != 0;
	}
	bad += cairn_captbl_deact(CT, table) != 0;
	for (unsigned i = 0; i <= CAIRN_CAPTBL_ROOT_SLOTS; i++)
		bad += cairn_mem_retype(MEM, table_frames[i], CAIRN_FRAME_UNTYPED) != 0;
	return bad;
}

int main(const struct cairn_root *root)
{
	A.end = root->mem_end;
	if (root->magic != CAIRN_ROOT_MAGIC || root->mem_end == 0) {
		cairn_check("ov.0", "first_component", 0, "run this as the first boot module");
		return 1;
	}
	unsigned ind = slot(), spare = slot();
	long set_up = cairn_captbl_act_indir(CT, ind, MEM, cairn_frame(&A, K));
	set_up |= !take_slots();
	long untyped = cairn_mem_count(MEM, CAIRN_FRAME_UNTYPED);

	leaf_frame = cairn_frame(&A, K);
	set_up |= cairn_captbl_act_captbl(CT, leaf_slot, MEM, leaf_frame, 1);
	set_up |= cairn_captbl_cons(CT, LPOS, leaf_slot);
	set_up |= make_table();

	/* 1 owner (ours) + OWNERS_MAX - 1 copies in slots 1 .. OWNERS_MAX - 1. */
	long filled = set_up ? set_up : copies(1, OWNERS_MAX);
	long over = cairn_captbl_copy(table, OWNERS_MAX, CT, leaf_slot);
	long empty = cairn_captbl_remove(table, OWNERS_MAX);
	long k1 = cairn_kcheck();
	CHECK("ov.1", "copy_past_the_owner_limit_is_refused", !set_up && filled == 0 && over == CAIRN_EOVERFLOW &&
	      empty == CAIRN_ENOENT && k1 == 0, "set-up %ld, copies %ld, one more %ld, its slot %ld, kcheck %ld",
	      set_up, filled, over, empty, k1);

	long iset = cairn_indir_set(ind, CT, leaf_slot);
	long mint = cairn_indir_mint(ind, spare);
	CHECK("ov.2", "indirection_target_past_the_owner_limit_is_refused", iset == CAIRN_EOVERFLOW &&
	      mint == CAIRN_ENOENT, "set %ld, mint %ld", iset, mint);

	long dc = cairn_captbl_decons(CT, LPOS);
	long k3a = cairn_kcheck();
	long cs = cairn_captbl_cons(CT, LPOS, leaf_slot);
	unsigned in_leaf = LPOS * CAIRN_CAPTBL_LEAF_SLOTS + 5;
	long put = cairn_captbl_copy(CT, in_leaf, CT, MEM);
	long used = cairn_mem_count(in_leaf, CAIRN_FRAME_UNTYPED);
	long taken = cairn_captbl_remove(CT, in_leaf);
	long k3b = cairn_kcheck();
	CHECK("ov.3", "leaf_at_the_owner_limit_survives_unhooking", dc == 0 && k3a == 0 && cs == 0 && put == 0 &&
	      used > 0 && taken == 0 && k3b == 0, "decons %ld, kcheck %ld, cons %ld, copy into it %ld, use %ld, "
	      "remove %ld, kcheck %ld", dc, k3a, cs, put, used, taken, k3b);

	long rm = cairn_captbl_remove(table, 1);
	long again = cairn_captbl_copy(table, OWNERS_MAX, CT, leaf_slot);
	long over2 = cairn_captbl_copy(table, 1, CT, leaf_slot);
	long bad = removals(2, OWNERS_MAX + 1);
	long down = teardown();
	long untyped2 = cairn_mem_count(MEM, CAIRN_FRAME_UNTYPED);
	long k4 = cairn_kcheck();
	CHECK("ov.4", "removing_copies_makes_room_again", rm == 0 && again == 0 && over2 == CAIRN_EOVERFLOW &&
	      bad == 0 && down == 0 && untyped2 == untyped && k4 == 0,
	      "remove %ld, copy %ld, one more %ld; %ld removals and %ld teardown calls failed; untyped %ld, was %ld; "
	      "kcheck %ld", rm, again, over2, bad, down, untyped2, untyped, k4);
	return 0;
}
