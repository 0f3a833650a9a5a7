/*
 * proc.c: a process's making and unmaking. A process is a component this component
 * builds from an ELF image: its own capability table (holding only gates into here),
 * page table, image, Root page, and this component as its keeper (a fault ends the
 * process). Its threads (thread.c) and its life (life.c) are built on this.
 *
 * Every kernel object, page-table node and mapped frame is recorded (space.c), so
 * that ending a process gives every frame and slot back (proc_free, from reap()).
 */
#include "rtos.h"
#include <common/elf.h>

#define CT  CAIRN_SLOT_CAPTBL
#define IMAGE_LO   CAIRN_IMAGE_BASE	/* cairn/layout.h */
#define IMAGE_HI   CAIRN_IMAGE_TOP

static int window_ready;

/*
 * The gate entries of the calls, in call order, and the keeper's (gates.c): what a
 * process's gates lead to. Set once at start (main.c), before the first process.
 */
static const uint64_t *gate_entry;
static uint64_t keeper_entry;

void proc_gates(const uint64_t *entry, uint64_t keeper)
{
	gate_entry = entry;
	keeper_entry = keeper;
}

/* Maps frame into this component's own window at va (its path made once). */
long window_map(uint64_t va, uint64_t frame)
{
	if (!window_ready) {
		long r = cairn_pgtbl_path(&mem, CAIRN_SLOT_PGTBL, WIN_VA);
		if (r)
			return r;
		window_ready = 1;
	}
	return cairn_pgtbl_map(CAIRN_SLOT_PGTBL, va, CAIRN_SLOT_MEMORY, frame, CAIRN_MAP_WRITE);
}

/* The view (lease.c): a zeroed page, written here, read by every process. */
long proc_view_init(void)
{
	uint64_t f = cairn_frame(&mem, CAIRN_FRAME_USER);
	long r = f ? window_map(VIEW_WIN, f) : CAIRN_ENOMEM;

	if (r)
		return r;
	memset((void *)VIEW_WIN, 0, PAGE);
	view = (struct rtos_view *)VIEW_WIN;
	view_frame = f;
	return 0;
}

/* The window frames are filled through (ctx unused). */
static long fill_map(void *ctx, uint64_t frame)
{
	(void)ctx;
	return window_map(FILL_WIN, frame);
}

static const struct cairn_window fill_win = { .va = FILL_WIN, .map = fill_map };

/* Copies len bytes of src (zeroes if 0) into frame at off. */
static long fill(uint64_t frame, uint64_t off, const void *src, uint64_t len)
{
	return cairn_window_fill(&fill_win, frame, off, src, len);
}

/* cairn_load_elf's page (ctx: the process): a fresh zeroed page at va, recorded. */
static long load_page(void *ctx, uint64_t va, unsigned rights, uint64_t *frame)
{
	return space_zero(ctx, va, rights, frame);
}

/* Loads a checked image into p: a private copy of each loadable page (cairn_load_elf). */
static long load(struct rproc *p, const char *file, const struct elf_image *img)
{
	const struct cairn_loader l = { .window = &fill_win, .page = load_page, .ctx = p };

	return cairn_load_elf(&l, file, img);
}

/* ---- making a process ---- */

static long write_root(struct rproc *p)
{
	static struct cairn_root rt;
	uint64_t f;
	long r = space_zero(p, CAIRN_ROOT_VA, 0, &f);

	if (r)
		return r;
	memset(&rt, 0, sizeof(rt));
	rt.magic = CAIRN_ROOT_MAGIC;
	rt.comp_id = (uint64_t)(p - procs) + 1;
	memcpy(rt.name, p->name, sizeof(rt.name));
	rt.cores = root->cores;
	rt.tsc_hz = root->tsc_hz;
	rt.timer_hz = root->timer_hz;
	rt.boot_tsc = root->boot_tsc;
	rt.build_tsc = cairn_cycles();
	rt.generation = 1;
	memcpy(rt.import[0].name, "rtos", 5);
	rt.import[0].slot = RTOS_GATE_BASE;
	rt.import[0].nfns = RTOS_NCALLS;
	rt.nimports = 1;
	rt.free_slot = RTOS_GATE_BASE + RTOS_NCALLS;
	return fill(f, 0, &rt, sizeof(rt));
}

/* Tables, gates, keeper, image and Root page of p; its first thread is made after. */
static long proc_build(struct rproc *p, const void *elf, uint64_t len)
{
	struct elf_image img;
	long r;

	if (elf_check(elf, len, IMAGE_LO, IMAGE_HI, &img) != ELF_OK)
		return CAIRN_EINVAL;
	for (unsigned i = 0; i < img.nseg; i++)
		if (img.seg[i].flags & ELF_SEG_X) {	/* its code: what a crash report looks for */
			p->text_lo = img.seg[i].vaddr;
			p->text_hi = img.seg[i].vaddr + img.seg[i].memsz;
		}
	p->ct = kobj_make(CAIRN_OP_CAPTBL_ACT_CAPTBL, 0, &p->ct_frame, &r);
	if (p->ct)
		p->leaf = kobj_make(CAIRN_OP_CAPTBL_ACT_CAPTBL, 1, &p->leaf_frame, &r);
	if (p->leaf)
		r = cairn_captbl_cons(p->ct, 0, p->leaf);
	if (!r)
		p->pt = kobj_make(CAIRN_OP_CAPTBL_ACT_PGTBL, 4, &p->pt_frame, &r);
	if (p->pt)
		r = load(p, elf, &img);
	if (!r)
		r = write_root(p);
	if (!r)
		r = space_view(p);
	if (!r) {
		p->comp = kobj_slot();
		p->comp_frame = cairn_frame(&mem, CAIRN_FRAME_KERNEL);
		r = p->comp && p->comp_frame ? cairn_captbl_act_comp(CT, p->comp, CAIRN_SLOT_MEMORY, p->comp_frame,
								      p->ct, p->pt, img.entry) : CAIRN_ENOMEM;
		if (r) {
			if (p->comp_frame)
				cairn_frame_put(&mem, p->comp_frame);
			cairn_slot_put(&mem, p->comp);
			p->comp = 0;
		}
	}
	uint64_t badge = (uint64_t)(p - procs) + 1;
	for (unsigned n = 0; !r && n < RTOS_NCALLS; n++)
		r = cairn_captbl_act_sinv(p->ct, RTOS_GATE_BASE + n, CAIRN_SLOT_COMP, gate_entry[n], badge, 0);
	if (!r) {
		p->keeper = kobj_slot();
		r = p->keeper ? cairn_captbl_act_sinv(CT, p->keeper, CAIRN_SLOT_COMP, keeper_entry,
						     badge, 0) : CAIRN_ENOMEM;
	}
	if (!r)
		r = cairn_comp_keeper(p->comp, p->keeper);
	return r;
}

/*
 * Undoes proc_build, as far as it went: p's gates, tables, pages and keeper go, and
 * p with them (watchers of its end are told).
 */
void proc_free(struct rproc *p)
{
	for (unsigned n = 0; n < RTOS_NCALLS; n++)
		cairn_captbl_remove(p->ct, RTOS_GATE_BASE + n);
	if (p->comp)
		kobj_unmake(p->comp, p->comp_frame);
	space_unmap(p, 0, ~0UL);
	for (unsigned level = 1; level <= 3; level++)
		for (unsigned i = 0; i < p->nnodes; i++) {
			struct node *n = &p->node[i];
			if (n->level != level)
				continue;
			long r = cairn_pgtbl_decons(p->pt, n->va, level);
			if (r)
				cairn_printf("rtos: unhooking a level-%u table of '%s': error %ld\n", level, p->name, r);
			kobj_unmake(n->slot, n->frame);
		}
	p->nnodes = 0;
	if (p->pt)
		kobj_unmake(p->pt, p->pt_frame);
	if (p->leaf) {
		cairn_captbl_decons(p->ct, 0);
		kobj_unmake(p->leaf, p->leaf_frame);
	}
	if (p->ct)
		kobj_unmake(p->ct, p->ct_frame);
	if (p->keeper) {
		cairn_captbl_deact(CT, p->keeper);
		cairn_slot_put(&mem, p->keeper);
	}
	budget_drop(p);
	p->used = 0;
	p->dying = 0;
	watch_notify(RTOS_HANDLE(RTOS_K_PROC, p->gen, p - procs));
}

/*
 * Locked. A process named name running elf (len bytes) within limits (RTOS_LIMITS,
 * its ceiling stated), with no thread yet; 0 and *err (nothing left of it).
 */
struct rproc *proc_new(const char *name, const void *elf, uint64_t len, const struct proc_args *a, long *err)
{
	struct rproc *p = 0;

	for (unsigned i = 0; i < MAX_PROCS && !p; i++)
		if (!procs[i].used)
			p = &procs[i];
	if (!p) {
		*err = CAIRN_ENOMEM;
		return 0;
	}
	uint16_t gen = (uint16_t)(p->gen + 1);
	memset(p, 0, sizeof(*p));
	p->gen = gen ? gen : 1;
	p->used = 1;
	p->reported = 0;
	p->max_pages = RTOS_LIMIT_PAGES(a->limits);
	p->max_threads = RTOS_LIMIT_THREADS(a->limits);
	p->ceiling = RTOS_LIMIT_CEILING(a->limits);
	unsigned i = 0;
	for (; name[i] && i + 1 < sizeof(p->name); i++)
		p->name[i] = name[i];
	*err = proc_build(p, elf, len);
	if (!*err)
		*err = budget_make(p, a->creator, a->cpu);
	if (!*err)
		return p;
	p->dying = 1;
	proc_free(p);
	return 0;
}
