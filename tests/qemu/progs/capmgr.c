/*
 * capmgr: delegation and revocation (cairn/capmgr.h) over real components. This
 * program is the manager: it makes seven mirror components h0..h6 (their own
 * capability tables and page tables, our code) and registers them as holders. Access
 * is checked from inside each holder: a gate into the holder runs code there, in its
 * table and address space, which invokes a slot or reads an address and says what
 * happened. A keeper turns a fault of that read into a result instead of a stop.
 *
 *   cm.1  a gate delegated down a tree of depth 3 and fan-out 2 works in every holder
 *   cm.2  revoking a middle node: its subtree loses access, it and the rest keep theirs
 *   cm.3  revoking the root: every copy goes, the root and an unrelated holder keep theirs
 *   cm.4  delegate/revoke errors change nothing
 *   cm.5  a page shared down a tree is seen everywhere; revoked, a read faults everywhere
 *   cm.6  budgets: allocation past a holder's budget is ENOMEM and nothing else breaks
 *   cm.7  release of a holder, 200 rounds: untyped frames and free slots come back exactly
 *   cm.8  the kernel invariant check
 * Run as the first boot module with "ktest".
 */
#include <cairn/build.h>
#include <cairn/cairn.h>
#include <cairn/capmgr.h>
#include <cairn/gate.h>
#include <cairn/root.h>

#define MEM  CAIRN_SLOT_MEMORY
#define CT   CAIRN_SLOT_CAPTBL
#define PT   CAIRN_SLOT_PGTBL
#define K    CAIRN_FRAME_KERNEL
#define U    CAIRN_FRAME_USER
#define NH   7
#define HELD 9			/* the slot of a holder's own (original) gate */
#define BUDGET 4

extern char _start[], _end[];

static uint64_t free_frames[256];
static unsigned free_slots[256];
static struct cairn_alloc A = { .mem = MEM, .ct = CT, .cursor = 32UL << 20, .end = 0,
				.next_slot = CAIRN_SLOT_FREE, .last_slot = 128, .free_frame = free_frames,
				.free_slot = free_slots, .free_cap = 256 };
static struct capmgr M;
static struct cairn_mirror h[NH], keeper_m, server;
static unsigned use_gate[NH];	/* here: a gate into holder i running use() */
static unsigned peek_gate[NH];	/* here: a gate into holder i running peek() */
static long hid[NH];

#define CHECK(id, name, cond, ...) cairn_check(id, name, (cond), __VA_ARGS__)

/* ---- code that runs inside a holder ---- */

/* The server: proves a call arrived (a + b + its badge). */
static struct cairn_ret2 add(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word badge, cairn_word tid)
{
	(void)c, (void)d, (void)tid;
	return (struct cairn_ret2){ (long)(a + b + badge), 0 };
}
CAIRN_GATE(add_entry, add)

/* In a holder: invokes the gate in slot (from its own table): the result or the error. */
static struct cairn_ret2 use(cairn_word slot, cairn_word b, cairn_word c, cairn_word d, cairn_word badge, cairn_word tid)
{
	(void)b, (void)c, (void)d, (void)badge, (void)tid;
	return (struct cairn_ret2){ cairn_sinv_call((unsigned)slot, 40, 2, 0, 0).r0, 0 };
}
CAIRN_GATE(use_entry, use)

/* Reads a word; a fault there resumes at cm_read_fault with CAIRN_EFAULT (the keeper). */
long cm_read(uint64_t va);
__asm__(".text\n.globl cm_read\ncm_read:\n"
	".globl cm_read_at\ncm_read_at:\n\tmov (%rdi), %rax\n\tret\n"
	".globl cm_read_fault\ncm_read_fault:\n\tmov $-5, %rax\n\tret\n");
extern char cm_read_at[], cm_read_fault[];

/* In a holder: reads the word at va (or writes it first, if w). */
static struct cairn_ret2 peek(cairn_word va, cairn_word w, cairn_word value, cairn_word d, cairn_word badge,
			      cairn_word tid)
{
	(void)d, (void)badge, (void)tid;
	if (w)
		*(volatile uint64_t *)va = value;
	return (struct cairn_ret2){ cm_read(va), 0 };
}
CAIRN_GATE(peek_entry, peek)

static volatile long faults;

/* The holders' keeper: a fault in cm_read resumes at its fault exit; others stop. */
static struct cairn_ret2 keeper(cairn_word vector, cairn_word error, cairn_word addr, cairn_word rip,
				cairn_word badge, cairn_word tid)
{
	(void)error, (void)addr, (void)badge, (void)tid;
	if (vector != 14 || rip != (cairn_word)cm_read_at)
		return (struct cairn_ret2){ CAIRN_FAULT_STOP, 0 };
	faults++;
	cairn_fault_reg(CAIRN_REG_RIP, 1, (cairn_word)cm_read_fault);
	return (struct cairn_ret2){ CAIRN_FAULT_RESUME, 0 };
}
CAIRN_GATE(keeper_entry, keeper)

/* ---- the manager's side ---- */

static long try_use(unsigned i, uint64_t slot)
{
	return cairn_sinv_call(use_gate[i], slot, 0, 0, 0).r0;
}

static long try_peek(unsigned i, uint64_t va, int write, uint64_t value)
{
	return cairn_sinv_call(peek_gate[i], va, (cairn_word)write, value, 0).r0;
}

static long setup(void)
{
	unsigned kg = cairn_slot(&A);
	long r = cairn_mirror(&A, &keeper_m, PT, CAIRN_IMAGE_BASE, (uint64_t)_end, (uint64_t)_start);
	if (!r)
		r = cairn_mirror(&A, &server, PT, CAIRN_IMAGE_BASE, (uint64_t)_end, (uint64_t)_start);
	if (!r)
		r = cairn_captbl_act_sinv(CT, kg, keeper_m.comp, (cairn_word)keeper_entry, 0, 0);
	capmgr_init(&M, &A);
	for (unsigned i = 0; i < NH && !r; i++) {
		r = cairn_mirror(&A, &h[i], PT, CAIRN_IMAGE_BASE, (uint64_t)_end, (uint64_t)_start);
		if (!r)
			r = cairn_comp_keeper(h[i].comp, kg);
		use_gate[i] = cairn_slot(&A);
		peek_gate[i] = cairn_slot(&A);
		if (!r)
			r = cairn_captbl_act_sinv(CT, use_gate[i], h[i].comp, (cairn_word)use_entry, 0, 0);
		if (!r)
			r = cairn_captbl_act_sinv(CT, peek_gate[i], h[i].comp, (cairn_word)peek_entry, 0, 0);
		if (!r)
			r = hid[i] = capmgr_holder(&M, h[i].ct, h[i].pt, BUDGET);
		r = r < 0 ? r : 0;
	}
	return r;
}

/* A gate into the server with badge, made here and copied into holder i's HELD slot. */
static long give_gate(unsigned i, uint64_t badge)
{
	unsigned g = cairn_slot(&A);
	long r = cairn_captbl_act_sinv(CT, g, server.comp, (cairn_word)add_entry, badge, 0);
	if (!r)
		r = cairn_captbl_copy(h[i].ct, HELD, CT, g);
	cairn_captbl_remove(CT, g);
	cairn_slot_put(&A, g);
	return r;
}

/* Which holders the slot in at[i] works for: a bit each (want: result 42 + badge). */
static unsigned working(const long *at, uint64_t badge)
{
	unsigned mask = 0;
	for (unsigned i = 0; i < NH; i++)
		if (at[i] && try_use(i, (uint64_t)at[i]) == 42 + (long)badge)
			mask |= 1u << i;
	return mask;
}

static void test_tree(void)
{
	long at[NH] = { 0 };
	long g0 = give_gate(0, 100), g6 = give_gate(6, 100);	/* h6: the same server, not through h0 */
	at[0] = HELD;
	at[6] = HELD;
	/* h0 -> h1, h2; h1 -> h3, h4; h3 -> h5: depth 3, fan-out 2 */
	at[1] = capmgr_delegate(&M, 0, HELD, 1);
	at[2] = capmgr_delegate(&M, 0, HELD, 2);
	at[3] = capmgr_delegate(&M, 1, (uint64_t)at[1], 3);
	at[4] = capmgr_delegate(&M, 1, (uint64_t)at[1], 4);
	at[5] = capmgr_delegate(&M, 3, (uint64_t)at[3], 5);
	unsigned all = working(at, 100);
	CHECK("cm.1", "delegated_tree_works", !g0 && !g6 && all == 0x7f,
	      "gates %ld %ld; slots %ld %ld %ld %ld %ld; working holders %#x (want 0x7f)", g0, g6, at[1], at[2],
	      at[3], at[4], at[5], all);

	long n1 = capmgr_revoke(&M, 1, (uint64_t)at[1]);
	unsigned after1 = working(at, 100);
	long e3 = try_use(3, (uint64_t)at[3]), e5 = try_use(5, (uint64_t)at[5]);
	CHECK("cm.2", "revoke_middle_node", n1 == 3 && after1 == 0x47 && e3 == CAIRN_ENOENT && e5 == CAIRN_ENOENT,
	      "removed %ld (want 3), working %#x (want 0x47: h0 h1 h2 h6), h3 gets %ld, h5 %ld", n1, after1, e3, e5);

	at[3] = capmgr_delegate(&M, 1, (uint64_t)at[1], 3);	/* grows again below h1 */
	long n0 = capmgr_revoke(&M, 0, HELD);
	unsigned after0 = working(at, 100);
	CHECK("cm.3", "revoke_root", n0 == 3 && after0 == 0x41 && M.nodes == 0,
	      "removed %ld (want 3: h1 h2 h3), working %#x (want 0x41: h0 and the unrelated h6), records left %u",
	      n0, after0, M.nodes);

	unsigned nodes = M.nodes;
	long e1 = capmgr_delegate(&M, 0, 120, 1);		/* empty slot */
	long e2 = capmgr_delegate(&M, 0, HELD, 0);		/* to itself */
	long e4 = capmgr_delegate(&M, 0, HELD, NH + 3);	/* no such holder */
	long e6 = capmgr_revoke(&M, 2, HELD);			/* nothing delegated from it */
	long e7 = capmgr_revoke(&M, 0, HELD);			/* revoked already */
	long e8 = capmgr_delegate(&M, 0, CAIRN_CAPTBL_MAX, 1);
	unsigned still = working(at, 100);
	CHECK("cm.4", "errors_change_nothing", e1 == CAIRN_ENOENT && e2 == CAIRN_EINVAL && e4 == CAIRN_EINVAL &&
	      e6 == CAIRN_ENOENT && e7 == CAIRN_ENOENT && e8 == CAIRN_ERANGE && M.nodes == nodes && still == 0x41,
	      "%ld %ld %ld %ld %ld %ld; records %u -> %u, working %#x", e1, e2, e4, e6, e7, e8, nodes, M.nodes, still);
}

static void test_pages(void)
{
	long va0 = capmgr_mem_alloc(&M, 0, 1);
	long w = try_peek(0, (uint64_t)va0, 1, 0x5eed);
	long va1 = capmgr_mem_share(&M, 0, (uint64_t)va0, 1);
	long va2 = capmgr_mem_share(&M, 1, (uint64_t)va1, 2);	/* a share of a share */
	long va3 = capmgr_mem_share(&M, 0, (uint64_t)va0, 3);
	long seen1 = try_peek(1, (uint64_t)va1, 0, 0), seen2 = try_peek(2, (uint64_t)va2, 0, 0);
	long seen3 = try_peek(3, (uint64_t)va3, 0, 0);
	faults = 0;
	long n = capmgr_mem_revoke(&M, 0, (uint64_t)va0);
	long r1 = try_peek(1, (uint64_t)va1, 0, 0), r2 = try_peek(2, (uint64_t)va2, 0, 0);
	long r3 = try_peek(3, (uint64_t)va3, 0, 0), r0 = try_peek(0, (uint64_t)va0, 0, 0);
	CHECK("cm.5", "page_revoked_everywhere", va0 > 0 && w == 0x5eed && seen1 == 0x5eed && seen2 == 0x5eed &&
	      seen3 == 0x5eed && n == 3 && r1 == CAIRN_EFAULT && r2 == CAIRN_EFAULT && r3 == CAIRN_EFAULT &&
	      r0 == 0x5eed && faults == 3,
	      "page at %#lx in h0 (write %#lx), shared to %#lx %#lx %#lx seen %#lx %#lx %#lx; revoked %ld: "
	      "reads %ld %ld %ld (faults %ld), the owner still reads %#lx", va0, w, va1, va2, va3, seen1, seen2,
	      seen3, n, r1, r2, r3, faults, r0);
	capmgr_mem_free(&M, 0, (uint64_t)va0);

	long a = capmgr_mem_alloc(&M, 4, BUDGET - 1);
	long over = capmgr_mem_alloc(&M, 4, 2);
	long last = capmgr_mem_alloc(&M, 4, 1);
	long more = capmgr_mem_alloc(&M, 4, 1);
	long other = capmgr_mem_alloc(&M, 5, BUDGET);		/* another holder's own budget */
	long works = try_peek(4, (uint64_t)last, 1, 7);
	long freed = capmgr_mem_free(&M, 4, (uint64_t)last), again = capmgr_mem_alloc(&M, 4, 1);
	long e1 = capmgr_mem_alloc(&M, 4, 0), e2 = capmgr_mem_free(&M, 4, 0x1234000);
	long e3 = capmgr_mem_share(&M, 4, 0x1234000, 5);
	CHECK("cm.6", "budget_enomem", a > 0 && over == CAIRN_ENOMEM && last > 0 && more == CAIRN_ENOMEM &&
	      other > 0 && works == 7 && freed == 0 && again > 0 && M.holder[4].pages == BUDGET &&
	      e1 == CAIRN_EINVAL && e2 == CAIRN_ENOENT && e3 == CAIRN_ENOENT,
	      "%d pages %#lx, 2 more %ld, 1 more %#lx, then %ld; h5 %#lx; use %ld; free %ld realloc %#lx; pages %u; "
	      "errors %ld %ld %ld", BUDGET - 1, a, over, last, more, other, works, freed, again,
	      M.holder[4].pages, e1, e2, e3);
}

/* A holder gets caps and pages, delegates and shares, and is released: 200 times. */
static void test_release(void)
{
	struct cairn_mirror x;
	long r = cairn_mirror(&A, &x, PT, CAIRN_IMAGE_BASE, (uint64_t)_end, (uint64_t)_start);
	long u0 = 0, s0 = 0, bad = r;
	unsigned nodes = M.nodes;	/* the pages cm.6 left with h4 and h5 */

	for (int round = 0; round < 200 && !bad; round++) {
		long xi = capmgr_holder(&M, x.ct, x.pt, BUDGET);
		long got = capmgr_delegate(&M, 0, HELD, (unsigned)xi);
		long back = got > 0 ? capmgr_delegate(&M, (unsigned)xi, (uint64_t)got, 2) : got;
		long pg = capmgr_mem_alloc(&M, (unsigned)xi, 2);
		long sh = pg > 0 ? capmgr_mem_share(&M, (unsigned)xi, (uint64_t)pg, 1) : pg;
		capmgr_release(&M, (unsigned)xi);
		M.nholders--;		/* the record is reused for the next round */
		bad = got < 0 || back < 0 || pg < 0 || sh < 0 ? (got < 0 ? got : back < 0 ? back : pg < 0 ? pg : sh) : 0;
		if (round == 0) {	/* after the first round: its page-table nodes stay with the mirror */
			u0 = cairn_mem_count(MEM, CAIRN_FRAME_UNTYPED);
			s0 = (long)A.nfree_slots - (long)A.next_slot;
		}
	}
	long u1 = cairn_mem_count(MEM, CAIRN_FRAME_UNTYPED);
	long s1 = (long)A.nfree_slots - (long)A.next_slot;
	CHECK("cm.7", "release_gives_everything_back", !bad && u1 == u0 && s1 == s0 && M.nodes == nodes,
	      "error %ld; untyped frames %ld -> %ld, free slots %ld -> %ld, records %u -> %u", bad, u0, u1, s0, s1,
	      nodes, M.nodes);
}

int main(const struct cairn_root *root)
{
	A.end = root->mem_end;
	long r = setup();
	if (r) {
		CHECK("cm.1", "delegated_tree_works", 0, "setup failed: %ld", r);
		return 1;
	}
	test_tree();
	test_pages();
	test_release();
	long k = cairn_kcheck();
	CHECK("cm.8", "kernel_invariants_hold", k == 0, "kcheck found %ld problems", k);
	return 0;
}
