/*
 * check.c: the kernel invariant check, for tests (CAIRN_OP_KCHECK, only when booted
 * with "ktest"). It recomputes every reference count from the objects themselves and
 * compares with the frame table:
 *   - every capability's object lies in a KERNEL frame that holds an object of the
 *     capability's kind (no slot points at freed memory);
 *   - every frame's reference count equals the references found (and its count of
 *     owning capabilities the owning capabilities found): capabilities,
 *     hooked table nodes, mappings, components' tables, threads' components and
 *     schedulers, interrupt bindings, the first program's first thread;
 *   - every table node's count of used entries matches its contents;
 *   - a mapping marked as a device page's maps a device page (devmem.h) and counts no
 *     reference; any other mapping maps a USER frame, so never a device page;
 *   - the per-type frame counts match the table;
 *   - every device attached to the IOMMU translates through a live I/O root, which the
 *     attachment references (vtd.c); an I/O root's entries are checked as any table's,
 *     all 512 (it has no kernel half: none of them is used, which is how arch_tlb_flush
 *     tells an I/O root), so a frame mapped for DMA is a referenced USER frame, never
 *     retyped while mapped;
 *   - what each core still uses outside the kernel is live, and each core's own state
 *     (per-core area, APIC ID against the MADT, kernel stack) is its own (check_cores).
 * It walks all memory: O(frames), which is why it exists only in test mode.
 */
#include "arch.h"
#include "console.h"
#include "core.h"
#include "frame.h"
#include "pgtbl.h"
#include <common/string.h>
#include "syscall.h"

bool kernel_test_mode;

static uint32_t *counted;	/* recomputed references, one per frame */
static uint16_t *owners;	/* recomputed owning capabilities */
static long problems;

static void problem(const char *what, uint64_t pa)
{
	if (problems++ < 8)
		kprintf("kcheck: %s (frame 0x%lx)\n", what, pa);
}

static void count(const void *obj)
{
	if (!obj)
		return;
	uint64_t pa = v2p(obj);
	if (!frame_get(&frames, pa))
		problem("a reference outside memory", pa);
	else
		counted[pa >> PAGE_SHIFT]++;
}

static bool kind_ok(const struct cap *c, uint8_t obj)
{
	switch (c->type) {
	case CAIRN_CAP_CAPTBL: return obj == (c->flags ? OBJ_CAPTBL_LEAF : OBJ_CAPTBL_ROOT);
	case CAIRN_CAP_PGTBL:  return c->flags == PGTBL_IO_ROOT ? obj == OBJ_PGTBL_IO :
				      c->flags >= 1 && c->flags <= 4 && obj == PGTBL_OBJ(c->flags);
	case CAIRN_CAP_COMP:
	case CAIRN_CAP_SINV:   return obj == OBJ_COMP;
	case CAIRN_CAP_THREAD:
	case CAIRN_CAP_RCV:
	case CAIRN_CAP_TCAP:
	case CAIRN_CAP_ASND:   return obj == OBJ_THREAD;
	case CAIRN_CAP_INDIR:
	case CAIRN_CAP_FWD:    return obj == OBJ_INDIR;
	default:               return false;
	}
}

static void check_cap(const struct cap *c)
{
	if (c->type == CAIRN_CAP_NONE || !c->obj)
		return;
	struct frame *f = frame_get(&frames, v2p(c->obj));
	if (!f || f->type != CAIRN_FRAME_KERNEL || !kind_ok(c, f->obj))
		problem("a capability to freed or mistyped memory", v2p(c->obj));
	count(c->obj);
	if (f && cap_owns(c))
		owners[v2p(c->obj) >> PAGE_SHIFT]++;
}

static void check_leaf(uint64_t pa, const struct captbl_leaf *l, const struct frame *f)
{
	unsigned used = 0;

	for (unsigned i = 0; i < CAIRN_CAPTBL_LEAF_SLOTS; i++) {
		used += l->slot[i].type != CAIRN_CAP_NONE;
		check_cap(&l->slot[i]);
	}
	if (used != (f->used & 0x7fffu))
		problem("a leaf's used count is wrong", pa);
}

static void check_root(uint64_t pa, const struct captbl_root *r, const struct frame *f)
{
	unsigned used = 0;

	for (unsigned i = 0; i < CAIRN_CAPTBL_ROOT_SLOTS; i++) {
		used += r->leaf[i] != NULL;
		count(r->leaf[i]);
	}
	if (used != f->used)
		problem("a root's used count is wrong", pa);
}

static void check_pgtbl(uint64_t pa, const uint64_t *t, const struct frame *f)
{
	unsigned used = 0, n = f->obj == OBJ_PGTBL4 ? USER_PML4_ENTRIES : 512;

	for (unsigned i = 0; i < n; i++) {
		if (!(t[i] & 1))
			continue;
		used++;
		if (f->obj == OBJ_PGTBL_IO && i >= USER_PML4_ENTRIES)	/* arch_tlb_flush tells them by that */
			problem("an I/O root has an entry in the kernel half", pa);
		uint64_t target = t[i] & 0x000ffffffffff000ULL;
		struct frame *tf = frame_get(&frames, target);
		bool leaf = f->obj == OBJ_PGTBL1;
		if (leaf && arch_pte_device(t[i])) {	/* counts no reference */
			if (!memory_is_device_page(target))
				problem("a device mapping of a page that is not a device page", target);
			continue;
		}
		uint8_t below = f->obj == OBJ_PGTBL_IO ? OBJ_PGTBL3 : f->obj + 1;
		if (!tf || (leaf ? tf->type != CAIRN_FRAME_USER : tf->obj != below))
			problem(leaf ? "a mapping of a non-user frame" : "a table entry to a non-table", target);
		else
			counted[target >> PAGE_SHIFT]++;
	}
	if (used != (f->used & 0x7fffu))
		problem("a page table's used count is wrong", pa);
}

static void check_thread(uint64_t pa, const struct thread *t)
{
	if (t->core >= kernel_cores)
		problem("a thread on a core that does not run", pa);
	count(t->home);
	count(t->comp);
	for (unsigned i = 0; i < t->depth; i++)
		count(t->inv[i].comp);
	count(t->sched);
	if (t->on != t)
		count(t->on);
	count(t->tc.parent);
	if (!t->on || (t->tc.parent && (!t->tc.made || t->tc.depth != t->tc.parent->tc.depth + 1)))
		problem("a thread on no tcap, or a tcap off its parent's depth", pa);
}

static void check_object(uint64_t pa, struct frame *f)
{
	void *o = p2v(pa);

	switch (f->obj) {
	case OBJ_CAPTBL_LEAF: check_leaf(pa, o, f); break;
	case OBJ_CAPTBL_ROOT: check_root(pa, o, f); break;
	case OBJ_COMP: {
		struct comp *c = o;
		count(c->captbl);
		count(c->pgtbl);
		check_cap(&c->keeper);
		break;
	}
	case OBJ_THREAD: check_thread(pa, o); break;
	case OBJ_INDIR: {
		struct indir *x = o;
		check_cap(&x->target);
		if (f->used != (x->target.type != CAIRN_CAP_NONE))
			problem("an indirection's used count is wrong", pa);
		break;
	}
	case OBJ_NONE:
		if (f->type == CAIRN_FRAME_KERNEL && f->refs)
			problem("references to a frame without an object", pa);
		break;
	default: check_pgtbl(pa, o, f); break;
	}
}

/* An object of kind obj lives at pa: a KERNEL frame that holds it and is referenced. */
static bool live(uint64_t pa, uint8_t obj)
{
	const struct frame *f = frame_get(&frames, pa);

	return f && f->type == CAIRN_FRAME_KERNEL && f->obj == obj && f->refs;
}

/*
 * What each core still uses outside the kernel (DESIGN.md §10), none of which holds
 * a reference: the thread it runs and the page-table root it has loaded must be live,
 * and an idle core (no current thread) must hold neither a thread nor a user's root;
 * its ready list holds live threads of its own, each once, and nothing else is
 * marked as on a list. There is no pending result to check: no call idles half-way
 * (syscall.c).
 */
static void check_cores(void)
{
	uint64_t listed = 0, marked = 0;

	if (kernel_cores != arch_cores_online())
		problem("the cores that run threads are not the cores online", kernel_cores);
	for (unsigned k = 0; k < kernel_cores; k++) {
		const struct percpu *c = &cpus[k];
		if (!arch_core_state_ok(k))
			problem("a core's own state is not its own (self, id, APIC ID or stack)", k);
		const struct thread *cur = c->cur_regs ? thread_of(c->cur_regs) : NULL;
		uint64_t root = arch_vm_loaded(k);
		if (cur && (!live(v2p(cur), OBJ_THREAD) || cur->core != k))
			problem("a core runs a thread that is gone or not its own", v2p(cur));
		else if (cur && root != cur->comp->pgtbl_phys)
			problem("a core's address space is not its thread's", root);
		if (!cur && root != kernel_pml4_phys)
			problem("an idle core keeps a user's page tables", root);
		if (root != kernel_pml4_phys && !live(root, OBJ_PGTBL4))
			problem("a core has page tables loaded that are gone", root);
		for (const struct thread *t = c->ready_head; t; t = t->ready_next) {
			if (!live(v2p(t), OBJ_THREAD) || t->core != k || !t->ready || listed > frames.nframes) {
				problem("a ready list holds what it should not", v2p(t));
				break;
			}
			listed++;
		}
	}
	for (uint64_t i = 0; i < frames.nframes; i++)
		if (frames.f[i].type == CAIRN_FRAME_KERNEL && frames.f[i].obj == OBJ_THREAD)
			marked += ((const struct thread *)p2v(i << PAGE_SHIFT))->ready != 0;
	if (marked != listed)
		problem("threads marked ready and threads on ready lists differ", marked);
}

long kernel_check(void)
{
	uint64_t n = frames.nframes;
	uint64_t types[4] = { 0 };

	counted = frames.scratch;
	owners = (uint16_t *)(frames.scratch + n);
	problems = 0;
	memset(frames.scratch, 0, n * (sizeof(*counted) + sizeof(*owners)));
	for (unsigned l = 0; l < IRQ_REFS; l++)
		count(irq_line_thread(l));
	for (unsigned rid = 0; rid < CAIRN_IOMMU_RIDS; rid++) {
		uint64_t *io = arch_iommu_root(rid);
		if (io && !live(v2p(io), OBJ_PGTBL_IO))
			problem("a device translates through what is not an I/O root", v2p(io));
		count(io);
	}
	count(boot_main());
	check_cores();
	for (uint64_t i = 0; i < n; i++) {
		struct frame *f = &frames.f[i];
		types[f->type & 3]++;
		if (f->type == CAIRN_FRAME_KERNEL)
			check_object(i << PAGE_SHIFT, f);
		if (f->type == CAIRN_FRAME_UNTYPED && (f->refs || f->obj))
			problem("an untyped frame in use", i << PAGE_SHIFT);
	}
	for (uint64_t i = 0; i < n; i++)
		if (frames.f[i].type != CAIRN_FRAME_RESERVED && (counted[i] != frames.f[i].refs ||
								  owners[i] != frames.f[i].caps))
			problem("a reference count differs from the references", i << PAGE_SHIFT);
	for (unsigned t = 0; t < 4; t++)
		if (types[t] != frames.count[t])
			problem("the per-type frame counts are wrong", t);
	return problems;
}
