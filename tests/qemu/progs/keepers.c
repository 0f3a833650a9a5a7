/*
 * keepers: two keepers that make memory behave, as Keykos's domain keepers do.
 *
 *   demand paging   a component's region starts unmapped; its keeper maps a fresh
 *                   zeroed frame at the first touch of each page and resumes it
 *   copy-on-write   two components map one of our frames read-only; the first write
 *                   of each makes the keeper give it a private copy, writable
 *
 * The components are mirrors (our code, their own tables and page tables: see
 * cairn/build.h); the keepers are gates into this component, so they run here, with our
 * memory capability and a window in our address space to copy through. Checks:
 *
 *   kp.1  demand paging: 16 pages touched, 16 faults, each page zero at first, the
 *         data kept; touched again, no fault
 *   kp.2  a fault outside the region stops the thread (its scheduler hears STOP) and
 *         nothing is mapped
 *   kp.3  copy-on-write: reads share the frame without faults; the first write of each
 *         component gets a private copy (one fault each), the other still reads the
 *         original, our frame is unchanged, a second write does not fault
 *   kp.4  the kernel invariant check
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
#define U    CAIRN_FRAME_USER
#define K    CAIRN_FRAME_KERNEL
#define PAGE 4096UL

#define DEMAND_VA    0x300000000UL	/* in the demand-paged component */
#define DEMAND_PAGES 64
#define COW_VA       0x340000000UL	/* in the copy-on-write components */
#define SRC_VA       0x380000000UL	/* ours: the shared frame */
#define FROM_VA      0x380001000UL	/* ours: the keeper's window on the original */
#define TO_VA        0x380002000UL	/* ours: the keeper's window on the copy */

#define PF_PRESENT 1	/* page-fault error code bits (Intel SDM vol. 3, 4.7) */
#define PF_WRITE   2

#define BADGE_DEMAND 1
#define BADGE_COW1   2
#define BADGE_COW2   3

extern char _start[], _end[];

static struct cairn_alloc A = { .mem = MEM, .ct = CT, .cursor = 32UL << 20, .end = 0,
				.next_slot = CAIRN_SLOT_FREE, .last_slot = 128 };
static struct cairn_mirror d, c1, c2;
static volatile long demand_faults, cow_faults, refused;

#define CHECK(id, name, cond, ...) cairn_check(id, name, (cond), __VA_ARGS__)

/* ---- the keepers (they run here, in our tables and address space) ---- */

/* Demand paging: a fresh frame (retyping zeroes it) for a missing page of the region. */
static int demand(uint64_t page, cairn_word error)
{
	if (page < DEMAND_VA || page >= DEMAND_VA + DEMAND_PAGES * PAGE || (error & PF_PRESENT))
		return 0;
	uint64_t f = cairn_frame(&A, U);
	if (!f || cairn_pgtbl_map(d.pt, page, MEM, f, CAIRN_MAP_WRITE))
		return 0;
	demand_faults++;
	return 1;
}

/*
 * Copy-on-write: a write to the shared read-only page gets a private, writable copy,
 * filled through two windows of ours (the original read-only, the copy writable).
 */
static int cow(unsigned pt, uint64_t page, cairn_word error)
{
	if (page != COW_VA || (error & (PF_PRESENT | PF_WRITE)) != (PF_PRESENT | PF_WRITE))
		return 0;
	long e = cairn_pgtbl_lookup(pt, page);
	uint64_t copy = cairn_frame(&A, U);
	if (e < 0 || !copy)
		return 0;
	long r = cairn_pgtbl_map(PT, FROM_VA, MEM, (uint64_t)e & ~(PAGE - 1), 0);
	r |= cairn_pgtbl_map(PT, TO_VA, MEM, copy, CAIRN_MAP_WRITE);
	if (!r) {
		const volatile uint64_t *from = (const uint64_t *)FROM_VA;
		volatile uint64_t *to = (uint64_t *)TO_VA;
		for (unsigned i = 0; i < PAGE / 8; i++)
			to[i] = from[i];
	}
	r |= cairn_pgtbl_unmap(PT, FROM_VA) | cairn_pgtbl_unmap(PT, TO_VA);
	r |= cairn_pgtbl_unmap(pt, page);	/* the shared frame keeps its other mappings */
	r |= cairn_pgtbl_map(pt, page, MEM, copy, CAIRN_MAP_WRITE);
	if (r)
		return 0;
	cow_faults++;
	return 1;
}

static struct cairn_ret2 keeper(cairn_word vector, cairn_word error, cairn_word addr, cairn_word rip,
				cairn_word badge, cairn_word tid)
{
	(void)rip, (void)tid;
	uint64_t page = addr & ~(PAGE - 1);
	int ok = vector == 14 && (badge == BADGE_DEMAND ? demand(page, error) :
				  cow(badge == BADGE_COW1 ? c1.pt : c2.pt, page, error));
	refused += !ok;
	return (struct cairn_ret2){ ok ? CAIRN_FAULT_RESUME : CAIRN_FAULT_STOP, 0 };
}
CAIRN_GATE(keeper_entry, keeper)

/* ---- code that runs inside the components ---- */

/* Writes pattern + i into n pages from va after reading each: r0 = pages read back right, r1 = zero first. */
static struct cairn_ret2 touch(cairn_word va, cairn_word n, cairn_word pattern, cairn_word d4, cairn_word badge,
			       cairn_word tid)
{
	(void)d4, (void)badge, (void)tid;
	long zero = 0, right = 0;
	for (cairn_word i = 0; i < n; i++) {
		volatile uint64_t *p = (uint64_t *)(va + i * PAGE + 8 * i);
		zero += *p == 0;
		*p = pattern + i;
	}
	for (cairn_word i = 0; i < n; i++)
		right += *(volatile uint64_t *)(va + i * PAGE + 8 * i) == pattern + i;
	return (struct cairn_ret2){ right, zero };
}
CAIRN_GATE(touch_entry, touch)

/* Reads a word at va, or writes value there first if write. */
static struct cairn_ret2 access(cairn_word va, cairn_word write, cairn_word value, cairn_word d4, cairn_word badge,
				cairn_word tid)
{
	(void)d4, (void)badge, (void)tid;
	volatile uint64_t *p = (uint64_t *)va;
	if (write)
		*p = value;
	return (struct cairn_ret2){ (long)*p, 0 };
}
CAIRN_GATE(access_entry, access)

/* ---- set-up ---- */

static unsigned gate(struct cairn_mirror *m, void *entry)
{
	unsigned g = cairn_slot(&A);
	return cairn_captbl_act_sinv(CT, g, m->comp, (cairn_word)entry, 0, 0) ? 0 : g;
}

/* A mirror whose faults go to keeper() with this badge, with page tables for va. */
static long kept_mirror(struct cairn_mirror *m, cairn_word badge, uint64_t va)
{
	unsigned kg = cairn_slot(&A);
	long r = cairn_mirror(&A, m, PT, CAIRN_IMAGE_BASE, (uint64_t)_end, (uint64_t)_start);

	if (!r)
		r = cairn_pgtbl_path(&A, m->pt, va);
	if (!r)
		r = cairn_captbl_act_sinv(CT, kg, CAIRN_SLOT_COMP, (cairn_word)keeper_entry, badge, 0);
	return r ? r : cairn_comp_keeper(m->comp, kg);
}

static unsigned my_rcv;

/* The thread that reads outside the region: the keeper refuses, so it stops. */
static unsigned outside_gate;
static void outsider(cairn_word tid)
{
	(void)tid;
	cairn_sinv_call(outside_gate, DEMAND_VA + DEMAND_PAGES * PAGE, 0, 0, 0);
	cairn_debug_write("outsider: came back\n", 20);
}

static void test_demand(void)
{
	long r = kept_mirror(&d, BADGE_DEMAND, DEMAND_VA);
	unsigned tg = gate(&d, touch_entry);
	struct cairn_ret2 x = cairn_sinv_call(tg, DEMAND_VA, 16, 0xabc000, 0);
	long faults1 = demand_faults;
	struct cairn_ret2 y = cairn_sinv_call(tg, DEMAND_VA, 16, 0xdef000, 0);
	CHECK("kp.1", "demand_paging_maps_on_first_touch", !r && tg && x.r0 == 16 && x.r1 == 16 && faults1 == 16 &&
	      y.r0 == 16 && y.r1 == 0 && demand_faults == 16 && !refused,
	      "set-up %ld; first pass: %ld right, %lu zero, %ld faults; second: %ld right, %lu zero, %ld faults; "
	      "refused %ld", r, x.r0, x.r1, faults1, y.r0, y.r1, demand_faults, refused);

	outside_gate = gate(&d, access_entry);
	unsigned t = cairn_slot(&A), trcv = cairn_slot(&A);
	long tid = cairn_captbl_act_thread(CT, t, MEM, cairn_frame(&A, K), CAIRN_SLOT_COMP, (cairn_word)outsider);
	cairn_captbl_act_rcv(CT, trcv, t, my_rcv);
	cairn_thread_dispatch(t, 0, 0);
	struct cairn_ret2 ev = cairn_rcv_event(my_rcv);
	long mapped = cairn_pgtbl_lookup(d.pt, DEMAND_VA + DEMAND_PAGES * PAGE);
	CHECK("kp.2", "fault_outside_region_stops_thread", tid > 0 && ev.r0 == tid && ev.r1 == CAIRN_EVENT_STOP &&
	      refused == 1 && demand_faults == 16 && mapped == CAIRN_ENOENT,
	      "event %ld/%lu (thread %ld), refused %ld, faults %ld, lookup %ld", ev.r0, ev.r1, tid, refused,
	      demand_faults, mapped);
}

static void test_cow(void)
{
	uint64_t shared = cairn_frame(&A, U);
	long r = cairn_pgtbl_path(&A, PT, SRC_VA);
	if (!r)
		r = cairn_pgtbl_map(PT, SRC_VA, MEM, shared, CAIRN_MAP_WRITE);
	if (!r)
		*(volatile uint64_t *)SRC_VA = 1111;
	if (!r)
		r = kept_mirror(&c1, BADGE_COW1, COW_VA);
	if (!r)
		r = kept_mirror(&c2, BADGE_COW2, COW_VA);
	if (!r)
		r = cairn_pgtbl_map(c1.pt, COW_VA, MEM, shared, 0);
	if (!r)
		r = cairn_pgtbl_map(c2.pt, COW_VA, MEM, shared, 0);
	unsigned a1 = gate(&c1, access_entry), a2 = gate(&c2, access_entry);
	long read1 = cairn_sinv_call(a1, COW_VA, 0, 0, 0).r0, read2 = cairn_sinv_call(a2, COW_VA, 0, 0, 0).r0;
	long reads_faulted = cow_faults;
	long w1 = cairn_sinv_call(a1, COW_VA, 1, 2222, 0).r0;
	long after1 = cow_faults;
	long again1 = cairn_sinv_call(a1, COW_VA + 8, 1, 3, 0).r0;
	long seen1 = cairn_sinv_call(a1, COW_VA, 0, 0, 0).r0, seen2 = cairn_sinv_call(a2, COW_VA, 0, 0, 0).r0;
	long after_again = cow_faults;
	long w2 = cairn_sinv_call(a2, COW_VA, 1, 4444, 0).r0;
	long final1 = cairn_sinv_call(a1, COW_VA, 0, 0, 0).r0, final2 = cairn_sinv_call(a2, COW_VA, 0, 0, 0).r0;
	uint64_t f1 = (uint64_t)cairn_pgtbl_lookup(c1.pt, COW_VA) & ~(PAGE - 1);
	uint64_t f2 = (uint64_t)cairn_pgtbl_lookup(c2.pt, COW_VA) & ~(PAGE - 1);
	uint64_t orig = *(volatile uint64_t *)SRC_VA;
	CHECK("kp.3", "copy_on_write_gives_private_copies", !r && read1 == 1111 && read2 == 1111 && reads_faulted == 0 &&
	      w1 == 2222 && after1 == 1 && again1 == 3 && seen1 == 2222 && seen2 == 1111 && after_again == 1 &&
	      w2 == 4444 && cow_faults == 2 && final1 == 2222 && final2 == 4444 && f1 != shared && f2 != shared &&
	      f1 != f2 && orig == 1111 && refused == 1,
	      "set-up %ld; reads %ld %ld (faults %ld); c1 writes %ld (faults %ld), again %ld, reads %ld, c2 reads %ld "
	      "(faults %ld); c2 writes %ld (faults %ld); now %ld %ld; frames %#lx %#lx shared %#lx; ours %lu; "
	      "refused %ld", r, read1, read2, reads_faulted, w1, after1, again1, seen1, seen2, after_again, w2,
	      cow_faults, final1, final2, f1, f2, shared, orig, refused);
}

int main(const struct cairn_root *rt)
{
	A.end = rt->mem_end;
	if (rt->mem_end == 0) {
		CHECK("kp.0", "first_component", 0, "run this as the first boot module");
		return 1;
	}
	my_rcv = cairn_slot(&A);
	cairn_captbl_act_rcv(CT, my_rcv, ME, 0);
	test_demand();
	test_cow();
	long k = cairn_kcheck();
	CHECK("kp.4", "kernel_invariants_hold", k == 0, "kcheck found %ld problems", k);
	return 0;
}
