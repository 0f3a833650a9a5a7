/*
 * boot.c: the first program, started from boot module 0 (see boot.h). Everything here
 * is built from frames of the frame table and accounted as capability operations
 * would account it, so the kernel invariant check holds from the first instruction
 * on. The frames it needs are counted before any is taken: a module that does not fit
 * in what is free is refused whole, like a bad image, and the system ends.
 */
#include "boot.h"
#include "acpi.h"
#include "arch.h"
#include <common/cmdline.h>
#include "console.h"
#include "core.h"
#include "devmem.h"
#include <common/elf.h>
#include <common/fmt.h>
#include "frame.h"
#include "obj.h"
#include "pgtbl.h"
#include <common/string.h>

#define STACK_TOP    (USER_TOP - 16 * PAGE_SIZE)	/* a gap above catches overflows down */
#define STACK_PAGES  4

struct program {
	char name[CAIRN_MODULE_NAME_MAX];
	char args[CAIRN_MODULE_ARGS_MAX];
	uint64_t image, image_len;	/* the module, physical */
};

static struct program progs[BOOT_MAX_MODULES];
static unsigned nprogs;
static struct thread *first;	/* module 0's first thread, referenced */
static uint64_t cursor;		/* take_frame looks for UNTYPED frames from here */

void boot_register(const struct bootinfo *bi)
{
	for (unsigned i = 0; i < bi->nmod; i++) {
		struct program *p = &progs[nprogs++];
		const char *cl = bi->mod[i].cmdline;
		cmdline_progname(cl, p->name, sizeof(p->name));
		while (*cl && *cl != ' ')
			cl++;
		while (*cl == ' ')
			cl++;
		fmt_snprintf(p->args, sizeof(p->args), "%s", cl);
		p->image = bi->mod[i].start;
		p->image_len = bi->mod[i].end - bi->mod[i].start;
	}
}

void boot_reserve(struct pmem *pm)
{
	for (unsigned i = 0; i < nprogs; i++)
		pmem_reserve(pm, progs[i].image, progs[i].image_len);
}

void boot_frames_init(struct pmem *pm, uint64_t top)
{
	uint64_t n = top >> PAGE_SHIFT;
	uint64_t table = pmem_alloc_contig(pm, PAGE_UP(n * sizeof(struct frame)) >> PAGE_SHIFT);
	uint64_t scratch = pmem_alloc_contig(pm, PAGE_UP(n * (sizeof(uint32_t) + sizeof(uint16_t))) >> PAGE_SHIFT);

	if (table == PMEM_NONE || scratch == PMEM_NONE)
		panic("no room for the frame table (%lu frames)", n);
	frame_table_init(&frames, p2v(table), n);
	frames.scratch = p2v(scratch);
	for (unsigned i = 0; i < pm->n; i++)
		frame_table_set(&frames, pm->r[i].base, pm->r[i].end, CAIRN_FRAME_UNTYPED);
	for (unsigned i = 0; i < nprogs; i++)	/* modules: user memory, mapped or not */
		frame_table_set(&frames, PAGE_DOWN(progs[i].image),
				PAGE_UP(progs[i].image + progs[i].image_len), CAIRN_FRAME_USER);
}

/* A frame for build(), which counted its frames first (need_frames): one is always left. */
static uint64_t take_frame(uint8_t type)
{
	for (; cursor < frames.nframes; cursor++)
		if (frames.f[cursor].type == CAIRN_FRAME_UNTYPED) {
			frame_retype(&frames, cursor << PAGE_SHIFT, type);
			return cursor++ << PAGE_SHIFT;
		}
	panic("boot: out of frames after need_frames counted enough");
}

static void *boot_object(uint8_t obj)
{
	uint64_t pa = take_frame(CAIRN_FRAME_KERNEL);

	frame_get(&frames, pa)->obj = obj;
	return p2v(pa);
}

/* Maps pa at va in root, making the missing levels as hooked nodes without capabilities. */
static void boot_map(uint64_t *root, uint64_t va, uint64_t pa, unsigned rights)
{
	for (int level = 3; level >= 1; level--)
		if (!pgtbl_present(root, va, level))
			pgtbl_cons(root, va, boot_object(PGTBL_OBJ(level)), level);
	if (pgtbl_map(root, va, pa, rights))
		panic("boot_map: 0x%lx is mapped twice", va);
}

static void put_cap(struct captbl_root *ct, unsigned slot, struct cap c)
{
	cap_copy(captbl_lookup(ct, slot), &c);
}

/* Copies the segments into fresh user frames; file bytes copied, the rest zero. */
static void load_image(uint64_t *root, const char *file, const struct elf_image *img)
{
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		for (uint64_t va = PAGE_DOWN(s->vaddr); va < s->vaddr + s->memsz; va += PAGE_SIZE) {
			uint64_t frame = take_frame(CAIRN_FRAME_USER);
			boot_map(root, va, frame, elf_rights(s));
			uint64_t lo = va > s->vaddr ? va : s->vaddr;
			uint64_t hi = va + PAGE_SIZE < s->vaddr + s->filesz ? va + PAGE_SIZE : s->vaddr + s->filesz;
			if (lo < hi)
				memcpy((char *)p2v(frame) + (lo - va), file + s->offset + (lo - s->vaddr), hi - lo);
		}
	}
}

/* The first program sees modules 1 .. mapped_modules() - 1, from CAIRN_MODULES_VA up. */
static unsigned mapped_modules(void)
{
	return nprogs < CAIRN_ROOT_MODULES + 1 ? nprogs : CAIRN_ROOT_MODULES + 1;
}

static void fill_root(struct cairn_root *rt, const struct program *p, struct comp *c)
{
	rt->magic = CAIRN_ROOT_MAGIC;
	rt->comp_id = c->id;
	cmdline_progname(p->name, rt->name, sizeof(rt->name));
	rt->cores = kernel_cores;	/* that threads run on (core.h) */
	rt->boot_tsc = boot_tsc;
	rt->free_slot = CAIRN_SLOT_FREE;
	rt->generation = 1;
	rt->tsc_hz = arch_tsc_hz();
	rt->timer_hz = arch_timer_hz();
	rt->heap_va = CAIRN_HEAP_VA;
	rt->heap_end = CAIRN_HEAP_VA + CAIRN_BUILD_SPACE;
	memcpy(rt->args, p->args, sizeof(rt->args));
	rt->mem_end = frames.nframes << PAGE_SHIFT;
	rt->ecam = acpi.ecam;
	uint64_t va = CAIRN_MODULES_VA;
	for (unsigned i = 1; i < mapped_modules(); i++) {
		struct cairn_module *m = &rt->module[rt->nmodules++];
		memcpy(m->name, progs[i].name, sizeof(m->name));
		memcpy(m->args, progs[i].args, sizeof(m->args));
		m->va = va + (progs[i].image & (PAGE_SIZE - 1));
		m->size = progs[i].image_len;
		for (uint64_t pa = PAGE_DOWN(progs[i].image); pa < progs[i].image + progs[i].image_len;
		     pa += PAGE_SIZE, va += PAGE_SIZE)
			boot_map(c->pgtbl, va, pa, 0);
	}
}

/* The fixed capability slots (cairn/root.h). */
static void grant(struct comp *c, struct thread *t, struct captbl_leaf *leaf)
{
	struct captbl_root *ct = c->captbl;

	put_cap(ct, CAIRN_SLOT_CAPTBL, (struct cap){ .type = CAIRN_CAP_CAPTBL, .flags = 0, .obj = ct });
	put_cap(ct, CAIRN_SLOT_PGTBL, (struct cap){ .type = CAIRN_CAP_PGTBL, .flags = 4, .obj = c->pgtbl });
	put_cap(ct, CAIRN_SLOT_COMP, (struct cap){ .type = CAIRN_CAP_COMP, .obj = c });
	put_cap(ct, CAIRN_SLOT_THREAD, (struct cap){ .type = CAIRN_CAP_THREAD, .obj = t });
	put_cap(ct, CAIRN_SLOT_TCAP, (struct cap){ .type = CAIRN_CAP_TCAP, .obj = t });
	put_cap(ct, CAIRN_SLOT_LEAF0, (struct cap){ .type = CAIRN_CAP_CAPTBL, .flags = 1, .obj = leaf });
	put_cap(ct, CAIRN_SLOT_MEMORY, (struct cap){ .type = CAIRN_CAP_MEMORY, .b = frames.nframes << PAGE_SHIFT });
	put_cap(ct, CAIRN_SLOT_IRQ, (struct cap){ .type = CAIRN_CAP_IRQ, .a = CAIRN_IRQ_ALL });
	put_cap(ct, CAIRN_SLOT_DEVMEM, (struct cap){ .type = CAIRN_CAP_DEVMEM, .b = devmem.limit });
	put_cap(ct, CAIRN_SLOT_IOMMU, (struct cap){ .type = CAIRN_CAP_IOMMU, .b = CAIRN_IOMMU_RIDS });
	if (cmdline_get(progs[0].args, "ioport", NULL, 0))
		put_cap(ct, CAIRN_SLOT_IOPORT, (struct cap){ .type = CAIRN_CAP_IOPORT, .b = CAIRN_IOPORT_END });
}

/*
 * Counting the frames build() will take, before it takes any (decode, then invoke).
 * need_range is told every page build() maps, in increasing address order: the Root
 * page, the image's segments (sorted and apart: elf_check), the other modules (from
 * CAIRN_MODULES_VA, above every image), the stack. A fresh root's user half is
 * empty, so a page needs a new level-n node (n = 1..3) exactly when its address
 * differs from the previous page's above the 2^(12 + 9n) bytes one such node spans.
 * If build() maps anything else, count it here too: build() checks the two agree.
 */
struct need {
	uint64_t frames;
	uint64_t prev;		/* the last page counted (~0 at first: in no node of the user half) */
};

static void need_range(struct need *n, uint64_t va, uint64_t end, bool fresh)
{
	for (va = PAGE_DOWN(va); va < end; va += PAGE_SIZE) {
		for (unsigned level = 1; level <= 3; level++) {
			unsigned shift = PAGE_SHIFT + 9 * level;
			n->frames += n->prev >> shift != va >> shift;
		}
		n->frames += fresh;	/* a frame of its own, not a module's */
		n->prev = va;
	}
}

static uint64_t need_frames(const struct elf_image *img)
{
	struct need n = { .frames = 5, .prev = ~0ULL };	/* table root and leaf, page-table root, component, thread */
	uint64_t va = CAIRN_MODULES_VA;

	need_range(&n, CAIRN_ROOT_VA, CAIRN_ROOT_VA + PAGE_SIZE, true);
	for (unsigned i = 0; i < img->nseg; i++)
		need_range(&n, img->seg[i].vaddr, img->seg[i].vaddr + img->seg[i].memsz, true);
	for (unsigned i = 1; i < mapped_modules(); i++) {
		uint64_t pages = (PAGE_UP(progs[i].image + progs[i].image_len) - PAGE_DOWN(progs[i].image)) >> PAGE_SHIFT;
		need_range(&n, va, va + (pages << PAGE_SHIFT), false);
		va += pages << PAGE_SHIFT;
	}
	need_range(&n, STACK_TOP - STACK_PAGES * PAGE_SIZE, STACK_TOP, true);
	return n.frames;
}

/* Builds program p's component and first thread from the frames need_frames counted. */
static void construct(struct program *p, const struct elf_image *img)
{
	struct captbl_root *ct = boot_object(OBJ_CAPTBL_ROOT);
	struct captbl_leaf *leaf = boot_object(OBJ_CAPTBL_LEAF);
	uint64_t *pml4 = boot_object(OBJ_PGTBL4);
	struct comp *c = boot_object(OBJ_COMP);
	struct thread *t = boot_object(OBJ_THREAD);

	captbl_cons(ct, 0, leaf);
	pgtbl_init_root(pml4);
	comp_init(c, ct, pml4, img->entry);
	thread_init(t, c, 0);
	t->tc = (struct tcap){ .budget = CAIRN_TCAP_INF, .made = 1 };	/* the root tcap */
	t->on = t;
	grant(c, t, leaf);
	load_image(pml4, p2v(p->image), img);
	for (uint64_t va = STACK_TOP - STACK_PAGES * PAGE_SIZE; va < STACK_TOP; va += PAGE_SIZE)
		boot_map(pml4, va, take_frame(CAIRN_FRAME_USER), CAIRN_MAP_WRITE);
	uint64_t root_page = take_frame(CAIRN_FRAME_USER);
	boot_map(pml4, CAIRN_ROOT_VA, root_page, 0);
	fill_root(p2v(root_page), p, c);
	regs_set_sp(&t->regs, STACK_TOP);
	first = t;
	obj_ref(t);	/* for good: first_after looks at it */
}

/*
 * Builds program p's component and first thread, or says why not and changes nothing:
 * a bad image, or fewer free frames than it needs.
 */
static bool build(struct program *p)
{
	struct elf_image img;
	int err = elf_check(p2v(p->image), p->image_len, CAIRN_IMAGE_BASE, CAIRN_IMAGE_TOP, &img);

	if (err) {
		kprintf("%s: not a loadable image (elf error %d)\n", p->name, err);
		return false;
	}
	uint64_t need = need_frames(&img), avail = frames.count[CAIRN_FRAME_UNTYPED];
	if (need > avail) {
		kprintf("%s: not enough memory (needs %lu frames, %lu free)\n", p->name, need, avail);
		return false;
	}
	construct(p, &img);
	if (avail - frames.count[CAIRN_FRAME_UNTYPED] != need)
		panic("boot: %s took %lu frames, need_frames counted %lu", p->name,
		      avail - frames.count[CAIRN_FRAME_UNTYPED], need);
	return true;
}

/* The system ends, saying why. */
static noreturn void end(const char *why)
{
	kprintf("%s\n", why);
	arch_qemu_exit(EXIT_DONE);
	arch_halt();
}

/* thread_boot_after: the boot core runs the first thread while it can (thread.c after()). */
static struct regs *first_after(struct thread *t)
{
	if (first != t && first->state == THREAD_RUNNABLE)
		return &first->regs;
	if (first->state == THREAD_STOPPED)
		end("cairn: the first program has stopped");
	return NULL;
}

struct thread *boot_main(void)
{
	return first;
}

const char *boot_name(struct thread *t)
{
	static char buf[24];

	if (t == first)
		return progs[0].name;
	fmt_snprintf(buf, sizeof(buf), "thread %u", t->id);
	return buf;
}

noreturn void boot_start(void)
{
	if (!nprogs || !build(&progs[0]))
		end("cairn: no first program to start");
	kprintf("%s: started\n", progs[0].name);
	thread_boot_after = first_after;
	switch_prepare(&first->regs);
	arch_enter_user(&first->regs);
}
