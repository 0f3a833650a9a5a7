/*
 * runner: the test runner. tools/test.py boots it as the first program (boot module 0)
 * when a test lists several programs or expects how one ends (docs/testing.md). It
 * starts the other modules one after the other, each as its own component built with
 * capability operations (libcairn's, cairn/build.h: the booter's too) as the kernel
 * builds the first program: its image and a stack, a read-only Root page (name,
 * arguments, the machine's facts, the modules that say "image" mapped as in ours), and
 * the fixed slots of cairn/root.h: its tables, itself, its first thread, a copy of our
 * MEMORY and IRQ capabilities, and of IOPORT if its arguments say "ioport".
 *
 * It runs each on the boot core as the kernel ran the first program: dispatched while
 * it can run (the kernel comes back to us, the first program's first thread, whenever
 * a thread of the boot core without a scheduler blocks or stops). So a program behaves
 * as if it ran alone: it gets no receive endpoint or scheduler it did not make. When
 * its first thread has stopped, THREAD_REG tells how: a fault (vector < 32) or
 * DEBUG_STOP (status in rdi); with "id=<id> expect=fault:<vector>|exit:<status>" in its
 * arguments that is compared and printed as a TEST line.
 *
 * A program that cannot be built (not a loadable image, or more frames than are free:
 * counted before any is taken) is refused with a line naming it, and the next one runs.
 * A stopped program keeps what it had, as when the kernel ran them.
 */
#include <cairn/build.h>
#include <cairn/cairn.h>
#include <cairn/layout.h>
#include <cairn/root.h>
#include <common/cmdline.h>
#include <common/elf.h>

#define MEM   CAIRN_SLOT_MEMORY
#define CT    CAIRN_SLOT_CAPTBL
#define PAGE  4096UL
#define STACK_PAGES 4
#define REGION_SHIFT 21		/* a level-1 table maps 2 MiB */
#define WINDOW_VA CAIRN_BOOT_WINDOW_VA	/* where we see a frame we fill (free in our layout) */

static const struct cairn_root *RT;	/* ours */
static struct cairn_alloc A;		/* our memory and slots */
static uint64_t own_cache;		/* cairn_map's cache for our own table (the window) */
static struct cairn_root red;		/* a program's Root page, being written */

/* Maps frame writable at WINDOW_VA, our window. */
static long window_map(void *ctx, uint64_t frame)
{
	(void)ctx;
	return cairn_map(&A, CAIRN_SLOT_PGTBL, &own_cache, WINDOW_VA, frame, CAIRN_MAP_WRITE);
}

static const struct cairn_window window = { .va = WINDOW_VA, .map = window_map };

static int is_image(const struct cairn_module *m)
{
	return cmdline_get(m->args, "image", NULL, 0);
}

/* Counts the 2 MiB regions [va, end) enters after `*last` (level 1-3 tables it may need). */
static uint64_t regions(uint64_t va, uint64_t end, uint64_t *last)
{
	uint64_t n = 0;

	for (va &= ~(PAGE - 1); va < end; va += PAGE)
		if ((va >> REGION_SHIFT) + 1 != *last) {
			*last = (va >> REGION_SHIFT) + 1;
			n++;
		}
	return n;
}

/*
 * At most the frames build() takes for m: five objects, the image, stack and Root
 * pages, three tables for every 2 MiB region it maps into, the leaves of our table
 * for a slot per object and table (cairn_reserve_slots keeps 16 free, so a leaf of
 * 128 gives at least 112) and the tables of our window.
 */
static uint64_t need_frames(const struct elf_image *img)
{
	uint64_t last = 0, n = 5 + STACK_PAGES + 1 + 3;
	uint64_t r = regions(CAIRN_ROOT_VA, CAIRN_ROOT_VA + PAGE, &last);

	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		n += ((s->vaddr + s->memsz + PAGE - 1) / PAGE) - s->vaddr / PAGE;
		r += regions(s->vaddr, s->vaddr + s->memsz, &last);
	}
	for (unsigned i = 0; i < RT->nmodules; i++)
		if (is_image(&RT->module[i]))
			r += regions(RT->module[i].va, RT->module[i].va + RT->module[i].size, &last);
	r += regions(CAIRN_STACK_TOP - STACK_PAGES * PAGE, CAIRN_STACK_TOP, &last);
	return n + 3 * r + (5 + 3 * r) / 112 + 1;
}

/* A program's Root page, as the kernel fills the first program's. */
static void red_tape(struct cairn_root *rt, const struct cairn_module *m, unsigned n)
{
	memset(rt, 0, sizeof(*rt));
	rt->magic = CAIRN_ROOT_MAGIC;
	rt->comp_id = n;
	unsigned len = (unsigned)strlen(m->name);
	memcpy(rt->name, m->name, len < CAIRN_NAME_MAX ? len : CAIRN_NAME_MAX - 1);
	memcpy(rt->args, m->args, sizeof(rt->args));
	rt->cores = RT->cores;
	rt->tsc_hz = RT->tsc_hz;
	rt->timer_hz = RT->timer_hz;
	rt->boot_tsc = RT->boot_tsc;
	rt->mem_base = RT->mem_base;
	rt->mem_end = RT->mem_end;
	rt->ecam = RT->ecam;
	rt->heap_va = CAIRN_HEAP_VA;
	rt->heap_end = CAIRN_HEAP_VA + CAIRN_BUILD_SPACE;
	rt->stack_top = CAIRN_STACK_TOP;
	rt->free_slot = CAIRN_SLOT_FREE;
	rt->generation = 1;
	for (unsigned i = 0; i < RT->nmodules; i++)
		if (is_image(&RT->module[i]))
			rt->module[rt->nmodules++] = RT->module[i];
}

struct child {
	unsigned ct, leaf, pt, comp, thread;	/* slots in our table */
	uint64_t pt_cache;
	long tid;
};

/* Its page table: image (img, checked), stack, Root page and the image modules (as ours map). */
static long fill_space(struct child *c, const struct cairn_module *m, const struct elf_image *img, unsigned n)
{
	struct cairn_space space = { .a = &A, .pt = c->pt, .cache = &c->pt_cache };
	struct cairn_loader l = { .window = &window, .page = cairn_map_page, .ctx = &space };
	long r = cairn_load_elf(&l, (const char *)m->va, img);

	if (!r)
		r = cairn_zero_map(&A, c->pt, &c->pt_cache, CAIRN_STACK_TOP - STACK_PAGES * PAGE,
				   STACK_PAGES * PAGE, CAIRN_MAP_WRITE);
	for (unsigned i = 0; !r && i < RT->nmodules; i++) {
		const struct cairn_module *im = &RT->module[i];
		if (is_image(im))
			r = cairn_share(&A, c->pt, &c->pt_cache, im->va & ~(PAGE - 1),
					im->size + (im->va & (PAGE - 1)), 0);
	}
	uint64_t root = r ? 0 : cairn_frame(&A, CAIRN_FRAME_USER);
	if (!r && !root)
		r = CAIRN_ENOMEM;
	red_tape(&red, m, n);
	if (!r)
		r = cairn_window_fill(&window, root, 0, &red, sizeof(red));
	if (!r)
		r = cairn_map(&A, c->pt, &c->pt_cache, CAIRN_ROOT_VA, root, 0);
	return r;
}

/* A fresh slot of ours for a new object, also kept in *slot. */
static unsigned object(unsigned *slot)
{
	*slot = cairn_slot(&A);
	return *slot;
}

/* Builds module m's component (img: its checked image) and first thread; 0 or the first error. */
static long build(struct child *c, const struct cairn_module *m, const struct elf_image *img, unsigned n,
		  int ioport)
{
	uint64_t entry = img->entry;
	long r = cairn_reserve_slots(&A);

	if (!r)
		r = cairn_captbl_act_captbl(CT, object(&c->ct), MEM, cairn_frame(&A, CAIRN_FRAME_KERNEL), 0);
	if (!r)
		r = cairn_captbl_act_captbl(CT, object(&c->leaf), MEM, cairn_frame(&A, CAIRN_FRAME_KERNEL), 1);
	if (!r)
		r = cairn_captbl_cons(c->ct, 0, c->leaf);
	if (!r)
		r = cairn_captbl_act_pgtbl(CT, object(&c->pt), MEM, cairn_frame(&A, CAIRN_FRAME_KERNEL), 4);
	if (!r)
		r = fill_space(c, m, img, n);
	if (!r)
		r = cairn_captbl_act_comp(CT, object(&c->comp), MEM, cairn_frame(&A, CAIRN_FRAME_KERNEL),
					  c->ct, c->pt, entry);
	if (!r) {
		c->tid = cairn_captbl_act_thread(CT, object(&c->thread), MEM, cairn_frame(&A, CAIRN_FRAME_KERNEL),
						 c->comp, 0);
		r = c->tid < 0 ? c->tid : 0;
	}
	const unsigned give[][2] = { { CAIRN_SLOT_CAPTBL, c->ct }, { CAIRN_SLOT_PGTBL, c->pt },
				     { CAIRN_SLOT_COMP, c->comp }, { CAIRN_SLOT_THREAD, c->thread },
				     { CAIRN_SLOT_LEAF0, c->leaf }, { CAIRN_SLOT_MEMORY, MEM },
				     { CAIRN_SLOT_IRQ, CAIRN_SLOT_IRQ }, { CAIRN_SLOT_DEVMEM, CAIRN_SLOT_DEVMEM },
				     { CAIRN_SLOT_IOMMU, CAIRN_SLOT_IOMMU }, { CAIRN_SLOT_TCAP, CAIRN_SLOT_TCAP },
				     { CAIRN_SLOT_IOPORT, CAIRN_SLOT_IOPORT } };	/* IOPORT last: only if asked */
	for (unsigned i = 0; !r && i < sizeof(give) / sizeof(give[0]) - !ioport; i++)
		r = cairn_captbl_copy(c->ct, give[i][0], CT, give[i][1]);
	return r;
}

/* Whether module m (its image checked into *img) can be built from what is free: says why not. */
static int fits(const struct cairn_module *m, struct elf_image *img)
{
	int err = elf_check((const void *)m->va, m->size, CAIRN_IMAGE_BASE, CAIRN_IMAGE_TOP, img);

	if (err) {
		cairn_printf("runner: %s: not a loadable image (elf error %d)\n", m->name, err);
		return 0;
	}
	uint64_t need = need_frames(img);
	long avail = cairn_mem_count(MEM, CAIRN_FRAME_UNTYPED);
	if (avail < 0 || need > (uint64_t)avail) {
		cairn_printf("runner: %s: not enough memory (needs %lu frames, %ld free)\n", m->name,
			     (unsigned long)need, avail);
		return 0;
	}
	return 1;
}

/*
 * Runs the first thread while it can run, until it stops (see the top of the file).
 * While it waits (EAGAIN), or runs on another core (EXDEV: it moved itself), we spin:
 * an interrupt or a send that wakes it runs it at once.
 */
static void run(const struct child *c)
{
	for (;;) {
		long r = cairn_thread_dispatch(c->thread, 0, 0);
		if (r == CAIRN_EINVAL || (r && cairn_thread_reg(c->thread, CAIRN_REG_VECTOR, 0, 0).r0 == 0))
			return;		/* stopped */
		if (r)
			__asm__ volatile("pause");
	}
}

/* "<kind>:<decimal>" for kind and value? */
static int matches(const char *want, const char *kind, uint64_t value)
{
	unsigned k = (unsigned)strlen(kind);
	uint64_t v = 0;
	const char *p = want + k + 1;

	if (memcmp(want, kind, k) || want[k] != ':' || !*p)
		return 0;
	for (; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	return !*p && v == value;
}

/* How its first thread ended, "fault:<vector>" or "exit:<status>", against expect=. */
static void verdict(const struct child *c, const struct cairn_module *m)
{
	char want[32], id[16];
	struct cairn_ret2 v = cairn_thread_reg(c->thread, CAIRN_REG_VECTOR, 0, 0);
	struct cairn_ret2 s = cairn_thread_reg(c->thread, CAIRN_REG_RDI, 0, 0);
	const char *kind = v.r1 < 32 ? "fault" : "exit";
	uint64_t value = v.r1 < 32 ? v.r1 : s.r1;

	if (v.r0 || s.r0)
		cairn_printf("runner: %s: THREAD_REG failed (%ld, %ld)\n", m->name, v.r0, s.r0);
	if (!cmdline_get(m->args, "expect", want, sizeof(want)))
		return;
	if (!cmdline_get(m->args, "id", id, sizeof(id)))
		memcpy(id, "?", 2);
	cairn_check(id, m->name, matches(want, kind, value), "expected %s, got %s:%lu", want, kind,
		    (unsigned long)value);
}

/* Starts module m (the n-th of ours), runs it to its end and says how it ended. */
static void start(const struct cairn_module *m, unsigned n)
{
	struct child c = { 0 };
	struct elf_image img;

	A.cursor = 0;		/* frames given back below earlier programs' are used again */
	if (!fits(m, &img) || build(&c, m, &img, n, cmdline_get(m->args, "ioport", NULL, 0))) {
		cairn_printf("runner: %s: cannot be started\n", m->name);
		return;
	}
	cairn_printf("runner: %s: started as component %u, thread %ld\n", m->name, n, c.tid);
	run(&c);
	verdict(&c, m);
}

int main(const struct cairn_root *rt)
{
	RT = rt;
	A = (struct cairn_alloc){ .mem = MEM, .ct = CT, .end = rt->mem_end,
				  .next_slot = CAIRN_SLOT_FREE, .last_slot = CAIRN_CAPTBL_LEAF_SLOTS };
	for (unsigned i = 0; i < rt->nmodules && i < CAIRN_ROOT_MODULES; i++)
		if (!is_image(&rt->module[i]))
			start(&rt->module[i], i + 1);
	cairn_printf("runner: every program has stopped\n");
	return 0;
}
