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
 *   cm.8  the kernel invariant check (run last)
 *   cm.9  delegate_at: the copy works at the chosen slot and is in the tree; its errors
 *         (slot outside the delegated range, taken, to itself, empty source) change nothing
 *   cm.10 mem_share_at: the page is seen at the chosen address, the owner's revoke makes a
 *         read there fault; its errors (address unaligned, outside the range, taken, no
 *         page of the manager's) change nothing
 *   cm.11 copies: every copy once, parents first, right fields; a holder left out hides
 *         its copies and those below them; past max only the count
 *   cm.12 the unmapping hook: called before each mapping goes, children first, then the owner's
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

/* ---- placed copies, the list of copies, the unmapping hook (after cm.7: they leave nothing) ---- */

#define SLOT(i) (CAPMGR_SLOT0 + (uint64_t)(i))
#define PAGE(i) (CAPMGR_VA + (uint64_t)(i) * 4096)

/* Whether the manager's record of holder i is still was (a copy of it taken before). */
static int holder_same(unsigned i, const struct capmgr_holder *was)
{
	return !__builtin_memcmp(&M.holder[i], was, sizeof(*was));
}

static void test_delegate_at(void)
{
	unsigned nodes = M.nodes;
	long a1 = capmgr_delegate_at(&M, 0, HELD, 1, SLOT(77));
	long a2 = a1 > 0 ? capmgr_delegate_at(&M, 1, (uint64_t)a1, 2, SLOT(CAPMGR_SLOTS - 1)) : a1;
	long next = capmgr_delegate(&M, 0, HELD, 3);		/* a sibling, made the usual way */
	long u1 = try_use(1, SLOT(77)), u2 = try_use(2, SLOT(CAPMGR_SLOTS - 1)), u3 = try_use(3, (uint64_t)next);
	unsigned made = M.nodes - nodes;			/* h0's record and three copies */

	struct capmgr_holder h1 = M.holder[1], h6 = M.holder[6];
	unsigned before = M.nodes;
	long e[8] = {
		capmgr_delegate_at(&M, 0, 120, 6, SLOT(5)),			/* into h6, which has no leaf yet */
		capmgr_delegate_at(&M, 0, HELD, 1, CAPMGR_SLOT0 - 1),		/* below the range */
		capmgr_delegate_at(&M, 0, HELD, 1, CAPMGR_SLOT0 + CAPMGR_SLOTS),	/* past it */
		capmgr_delegate_at(&M, 0, HELD, 1, SLOT(77)),			/* taken */
		capmgr_delegate_at(&M, 6, HELD, 1, SLOT(77)),			/* taken, a source with no record */
		capmgr_delegate_at(&M, 0, HELD, 0, SLOT(5)),			/* to itself */
		capmgr_delegate_at(&M, 0, 120, 1, SLOT(5)),			/* an empty source slot */
		capmgr_delegate_at(&M, 6, 120, 1, SLOT(5)),			/* the same, no record either */
	};
	long free5 = try_use(1, SLOT(5)), still1 = try_use(1, SLOT(77));
	int same = M.nodes == before && holder_same(1, &h1) && holder_same(6, &h6);

	long n = capmgr_revoke(&M, 0, HELD);
	long r1 = try_use(1, SLOT(77)), r2 = try_use(2, SLOT(CAPMGR_SLOTS - 1)), r3 = try_use(3, (uint64_t)next);
	CHECK("cm.9", "delegate_at", a1 == (long)SLOT(77) && a2 == (long)SLOT(CAPMGR_SLOTS - 1) &&
	      next > 0 && u1 == 142 && u2 == 142 && u3 == 142 && made == 4 &&
	      e[0] == CAIRN_ENOENT && e[1] == CAIRN_EINVAL && e[2] == CAIRN_EINVAL && e[3] == CAIRN_EBUSY &&
	      e[4] == CAIRN_EBUSY && e[5] == CAIRN_EINVAL && e[6] == CAIRN_ENOENT && e[7] == CAIRN_ENOENT && same &&
	      free5 == CAIRN_ENOENT && still1 == 142 && n == 3 && r1 == CAIRN_ENOENT && r2 == CAIRN_ENOENT &&
	      r3 == CAIRN_ENOENT && M.nodes == nodes,
	      "at %#lx %#lx, then delegate %#lx; use %ld %ld %ld; records +%u (want 4); errors %ld %ld %ld %ld %ld "
	      "%ld %ld %ld (want -ENOENT, -EINVAL x2, -EBUSY x2, -EINVAL, -ENOENT x2), unchanged %d (h6's leaf too), slot 5 gets %ld, 77 %ld; "
	      "revoked %ld (want 3), then %ld %ld %ld, records %u -> %u", a1, a2, next, u1, u2, u3, made,
	      e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7], same, free5, still1, n, r1, r2, r3, nodes, M.nodes);
}

static void test_share_at(void)
{
	unsigned nodes = M.nodes, pages = M.holder[0].pages;
	long va0 = capmgr_mem_alloc(&M, 0, 1);
	long w = try_peek(0, (uint64_t)va0, 1, 0xfeed);
	long s1 = capmgr_mem_share_at(&M, 0, (uint64_t)va0, 1, PAGE(37));
	long s2 = s1 > 0 ? capmgr_mem_share_at(&M, 1, (uint64_t)s1, 2, PAGE(CAPMGR_PAGES - 1)) : s1;
	long seen1 = try_peek(1, PAGE(37), 0, 0), seen2 = try_peek(2, PAGE(CAPMGR_PAGES - 1), 0, 0);

	struct capmgr_holder h0 = M.holder[0], h1 = M.holder[1], h2 = M.holder[2];
	unsigned before = M.nodes;
	long e[9] = {
		capmgr_mem_share_at(&M, 0, (uint64_t)va0, 1, PAGE(40) + 8),		/* unaligned */
		capmgr_mem_share_at(&M, 0, (uint64_t)va0, 1, CAPMGR_VA + (1UL << 44)),	/* far past: page 0 if cut to 32 bits */
		capmgr_mem_alloc_at(&M, 1, CAPMGR_VA + (1UL << 44) + 4096),		/* the same for alloc_at */
		capmgr_mem_share_at(&M, 0, (uint64_t)va0, 1, CAPMGR_VA - 4096),	/* below the range */
		capmgr_mem_share_at(&M, 0, (uint64_t)va0, 1, PAGE(CAPMGR_PAGES)),	/* past it */
		capmgr_mem_share_at(&M, 0, (uint64_t)va0, 1, PAGE(37)),		/* taken */
		capmgr_mem_share_at(&M, 0, (uint64_t)va0, 2, PAGE(CAPMGR_PAGES - 1)),	/* taken, a share of it */
		capmgr_mem_share_at(&M, 0, PAGE(200), 1, PAGE(40)),			/* no page of the manager's */
		capmgr_mem_share_at(&M, 0, (uint64_t)va0, 0, PAGE(40)),		/* to itself */
	};
	faults = 0;
	long free40 = try_peek(1, PAGE(40), 0, 0);
	int same = M.nodes == before && holder_same(0, &h0) && holder_same(1, &h1) && holder_same(2, &h2);

	long n = capmgr_mem_revoke(&M, 0, (uint64_t)va0);
	long r1 = try_peek(1, PAGE(37), 0, 0), r2 = try_peek(2, PAGE(CAPMGR_PAGES - 1), 0, 0);
	long r0 = try_peek(0, (uint64_t)va0, 0, 0);
	int given = !(M.holder[1].page_used[37 / 64] >> (37 % 64) & 1) &&
		   !(M.holder[2].page_used[(CAPMGR_PAGES - 1) / 64] >> ((CAPMGR_PAGES - 1) % 64) & 1);
	long f = capmgr_mem_free(&M, 0, (uint64_t)va0);
	CHECK("cm.10", "mem_share_at", va0 > 0 && w == 0xfeed && s1 == (long)PAGE(37) &&
	      s2 == (long)PAGE(CAPMGR_PAGES - 1) && seen1 == 0xfeed && seen2 == 0xfeed && e[0] == CAIRN_EINVAL &&
	      e[1] == CAIRN_EINVAL && e[2] == CAIRN_EINVAL && e[3] == CAIRN_EINVAL && e[4] == CAIRN_EINVAL &&
	      e[5] == CAIRN_EBUSY && e[6] == CAIRN_EBUSY && e[7] == CAIRN_ENOENT && e[8] == CAIRN_EINVAL && same && free40 == CAIRN_EFAULT && n == 2 &&
	      r1 == CAIRN_EFAULT && r2 == CAIRN_EFAULT && r0 == 0xfeed && faults == 3 && given && f == 0 &&
	      M.nodes == nodes && M.holder[0].pages == pages,
	      "page %#lx (write %#lx) at %#lx %#lx seen %#lx %#lx; errors %ld %ld %ld %ld %ld %ld %ld %ld %ld (want -EINVAL x5, "
	      "-EBUSY x2, -ENOENT, -EINVAL), unchanged %d, page 40 reads %ld; revoked %ld (want 2): reads %ld %ld, "
	      "owner %#lx, faults %ld, pages given back %d; free %ld, records %u -> %u", va0, w, s1, s2, seen1, seen2,
	      e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7], e[8], same, free40, n, r1, r2, r0, faults, given, f, nodes, M.nodes);
}

/* How many of out[0..n) are want. */
static unsigned listed(const struct capmgr_copy *out, unsigned n, const struct capmgr_copy *want)
{
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++)
		k += out[i].kind == want->kind && out[i].holder == want->holder && out[i].where == want->where &&
		     out[i].from == want->from && out[i].from_where == want->from_where;
	return k;
}

/* Whether each of out[0..n) comes after the copy it was made from, if that is a copy listed. */
static int parents_first(const struct capmgr_copy *out, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = i; j < n; j++)
			if (out[j].kind == out[i].kind && out[j].holder == out[i].from && out[j].where == out[i].from_where)
				return 0;
	return 1;
}

/* Whether each of want[0..nw) is listed in out[0..n) exactly once. */
static int all_once(const struct capmgr_copy *out, unsigned n, const struct capmgr_copy *want, unsigned nw)
{
	for (unsigned i = 0; i < nw; i++)
		if (listed(out, n, &want[i]) != 1)
			return 0;
	return 1;
}

static void test_copies(void)
{
	unsigned nodes = M.nodes;
	/* h0 -> h1 -> h2 and h0 -> h3 (its gate); h0 -> h1 -> h2 (a page) */
	long a1 = capmgr_delegate(&M, 0, HELD, 1);
	long a2 = capmgr_delegate(&M, 1, (uint64_t)a1, 2);
	long a3 = capmgr_delegate(&M, 0, HELD, 3);
	long va0 = capmgr_mem_alloc(&M, 0, 1);
	long p1 = capmgr_mem_share(&M, 0, (uint64_t)va0, 1);
	long p2 = capmgr_mem_share(&M, 1, (uint64_t)p1, 2);
	const struct capmgr_copy want[5] = {	/* kind, holder, from, where, from_where */
		{ CAPMGR_CAP, 1, 0, (uint64_t)a1, HELD }, { CAPMGR_CAP, 2, 1, (uint64_t)a2, (uint64_t)a1 },
		{ CAPMGR_CAP, 3, 0, (uint64_t)a3, HELD }, { CAPMGR_PAGE, 1, 0, (uint64_t)p1, (uint64_t)va0 },
		{ CAPMGR_PAGE, 2, 1, (uint64_t)p2, (uint64_t)p1 },
	};
	struct capmgr_copy out[8], part[3];
	const struct capmgr_copy guard = { 0x5a, 0x5a5a, 0x5a5a, 0x5a5a5a5a, 0x5a5a5a5a };

	unsigned all = capmgr_copies(&M, (1u << NH) - 1, out, 8);
	int full = all == 5 && all_once(out, all, want, 5) && parents_first(out, all);
	unsigned some = capmgr_copies(&M, ((1u << NH) - 1) & ~2u, out + 5, 3);	/* without h1 */
	int cut = some == 1 && listed(out + 5, 1, &want[2]) == 1;
	unsigned none = capmgr_copies(&M, 0x6, part, 3);			/* h1 and h2: not h0 */
	part[0] = part[1] = part[2] = guard;
	unsigned few = capmgr_copies(&M, (1u << NH) - 1, part, 2);
	int head = listed(part, 1, &out[0]) == 1 && listed(part + 1, 1, &out[1]) == 1 &&
		   listed(part + 2, 1, &guard) == 1;
	unsigned zero = capmgr_copies(&M, (1u << NH) - 1, part + 2, 0);

	long n = capmgr_revoke(&M, 0, HELD), f = capmgr_mem_free(&M, 0, (uint64_t)va0);
	unsigned after = capmgr_copies(&M, ~0u, out, 8);
	CHECK("cm.11", "copies", a1 > 0 && a2 > 0 && a3 > 0 && va0 > 0 && p1 > 0 && p2 > 0 && full && cut &&
	      none == 0 && few == 5 && head && zero == 5 && listed(part + 2, 1, &guard) == 1 && n == 3 && f == 0 &&
	      after == 0 && M.nodes == nodes,
	      "all %u (want 5) each once, parents first: %d; without h1 %u (want 1, h3's): %d; without h0 %u; "
	      "max 2: %u, the first two and the guard: %d; max 0: %u; revoked %ld free %ld, then %u, records %u -> %u",
	      all, full, some, cut, none, few, head, zero, n, f, after, nodes, M.nodes);
}

/* The unmapping hook's record: each call's holder and address, and whether the page was still in use. */
static struct unmap_log {
	unsigned n;
	unsigned holder[8];
	uint64_t va[8];
	int mapped[8];
} gone;	/* the hook's ctx */

static void unmapping(void *ctx, unsigned holder, uint64_t va)
{
	struct unmap_log *u = ctx;
	unsigned i = (unsigned)((va - CAPMGR_VA) / 4096);

	if (u->n < 8) {
		u->holder[u->n] = holder;
		u->va[u->n] = va;
		u->mapped[u->n] = holder < NH && (M.holder[holder].page_used[i / 64] >> (i % 64) & 1);
	}
	u->n++;
}

/* Whether call i of the hook was for holder h at va, before its page went. */
static int unmapped(unsigned i, unsigned h, long va)
{
	return gone.holder[i] == h && gone.va[i] == (uint64_t)va && gone.mapped[i];
}

static void test_unmapping(void)
{
	unsigned nodes = M.nodes;
	long va0 = capmgr_mem_alloc(&M, 0, 1);
	long s3 = capmgr_mem_share(&M, 0, (uint64_t)va0, 3);
	M.ctx = &gone;
	M.unmapping = unmapping;
	long n = capmgr_mem_revoke(&M, 0, (uint64_t)va0);
	int revoked = gone.n == 1 && unmapped(0, 3, s3);	/* the owner's page stays */

	long s1 = capmgr_mem_share(&M, 0, (uint64_t)va0, 1);
	long s2 = capmgr_mem_share(&M, 1, (uint64_t)s1, 2);
	gone.n = 0;
	long f = capmgr_mem_free(&M, 0, (uint64_t)va0);
	int freed = gone.n == 3 && unmapped(0, 2, s2) && unmapped(1, 1, s1) && unmapped(2, 0, va0);
	M.unmapping = 0;
	M.ctx = 0;
	CHECK("cm.12", "unmapping_hook", va0 > 0 && s3 > 0 && n == 1 && revoked && s1 > 0 && s2 > 0 && f == 0 &&
	      freed && M.nodes == nodes,
	      "revoke %ld of h3's %#lx: %d; free of %#lx shared to h1 %#lx, h2 %#lx (%ld): %u calls (want 3): "
	      "h%u %#lx (%d), h%u %#lx (%d), h%u %#lx (%d); records %u -> %u", n, s3, revoked, va0, s1, s2, f, gone.n,
	      gone.holder[0], gone.va[0], gone.mapped[0], gone.holder[1], gone.va[1], gone.mapped[1], gone.holder[2],
	      gone.va[2], gone.mapped[2], nodes, M.nodes);
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
	test_delegate_at();
	test_share_at();
	test_copies();
	test_unmapping();
	long k = cairn_kcheck();
	CHECK("cm.8", "kernel_invariants_hold", k == 0, "kcheck found %ld problems", k);
	return 0;
}
