/*
 * prog.c: boot-module programs, run one after another (see prog.h). Loading checks the
 * whole image (elf_check) before it maps anything. A program that faults is stopped
 * and the next one runs: the kernel itself is never disturbed.
 *
 * Frames of a stopped program are not given back: the typed memory of the kernel
 * object model is what will make memory reusable.
 */
#include "prog.h"
#include "arch.h"
#include "cmdline.h"
#include "console.h"
#include "elf.h"
#include "fmt.h"
#include "kmem.h"
#include "string.h"

#define STACK_TOP    (USER_TOP - 16 * PAGE_SIZE)	/* a gap above catches overflows down */
#define STACK_PAGES  4
#define IMAGE_TOP    (STACK_TOP - STACK_PAGES * PAGE_SIZE - PAGE_SIZE)

struct prog {
	struct regs regs;	/* saved user registers: entry.S writes here */
	char name[32];
	char args[160];
	uint64_t image, image_len;	/* the module, physical */
	uint64_t space;
};

static struct prog progs[BOOT_MAX_MODULES];
static unsigned nprogs, current;

void prog_register(const struct bootinfo *bi)
{
	for (unsigned i = 0; i < bi->nmod; i++) {
		struct prog *p = &progs[nprogs++];
		const char *cl = bi->mod[i].cmdline;
		cmdline_progname(cl, p->name, sizeof(p->name));
		while (*cl && *cl != ' ')
			cl++;
		size_t n = strlen(cl);
		if (n >= sizeof(p->args))
			n = sizeof(p->args) - 1;
		memcpy(p->args, cl, n);
		p->image = bi->mod[i].start;
		p->image_len = bi->mod[i].end - bi->mod[i].start;
	}
}

void prog_reserve(struct pmem *pm)
{
	for (unsigned i = 0; i < nprogs; i++)
		pmem_reserve(pm, progs[i].image, progs[i].image_len);
}

static unsigned seg_flags(const struct elf_segment *s)
{
	return ((s->flags & ELF_SEG_W) ? VM_WRITE : 0) | ((s->flags & ELF_SEG_X) ? VM_EXEC : 0);
}

/* Maps one segment page by page; file bytes are copied, the rest is zero. */
static int load_segment(struct prog *p, const struct elf_segment *s)
{
	const char *file = p2v(p->image);

	for (uint64_t va = PAGE_DOWN(s->vaddr); va < s->vaddr + s->memsz; va += PAGE_SIZE) {
		uint64_t frame = kmem_alloc_frame();
		if (!frame || arch_vm_map_user(p->space, va, frame, seg_flags(s), kmem_alloc_frame))
			return -1;
		uint64_t lo = va > s->vaddr ? va : s->vaddr;
		uint64_t hi = va + PAGE_SIZE < s->vaddr + s->filesz ? va + PAGE_SIZE : s->vaddr + s->filesz;
		if (lo < hi)
			memcpy((char *)p2v(frame) + (lo - va), file + s->offset + (lo - s->vaddr), hi - lo);
	}
	return 0;
}

static int load(struct prog *p)
{
	struct elf_image img;
	int err = elf_check(p2v(p->image), p->image_len, USER_BASE, IMAGE_TOP, &img);

	if (err) {
		kprintf("prog %s: not a loadable image (elf error %d)\n", p->name, err);
		return -1;
	}
	p->space = arch_vm_new_space(kmem_alloc_frame);
	if (!p->space)
		return -1;
	for (unsigned i = 0; i < img.nseg; i++)
		if (load_segment(p, &img.seg[i]))
			return -1;
	for (uint64_t va = STACK_TOP - STACK_PAGES * PAGE_SIZE; va < STACK_TOP; va += PAGE_SIZE) {
		uint64_t frame = kmem_alloc_frame();
		if (!frame || arch_vm_map_user(p->space, va, frame, VM_WRITE, kmem_alloc_frame))
			return -1;
	}
	arch_regs_init(&p->regs, img.entry, STACK_TOP, 0);
	return 0;
}

noreturn void prog_run_all(void)
{
	for (; current < nprogs; current++) {
		struct prog *p = &progs[current];
		if (load(p)) {
			kprintf("prog %s: cannot be started\n", p->name);
			continue;
		}
		kprintf("prog %s: started\n", p->name);
		arch_set_current(&p->regs);
		arch_vm_switch(p->space);
		arch_resume(&p->regs);
	}
	kprintf("cairn: all programs have stopped\n");
	arch_qemu_exit(EXIT_DONE);
	arch_halt();
}

/* In tests, compares how the program stopped with its expect= argument. */
static void check_expectation(const struct prog *p, const char *how, uint64_t code)
{
	char want[32], id[16], got[32];

	if (!cmdline_get(p->args, "expect", want, sizeof(want)))
		return;
	if (!cmdline_get(p->args, "id", id, sizeof(id)))
		memcpy(id, "?", 2);
	fmt_snprintf(got, sizeof(got), "%s:%lu", how, code);
	if (strncmp(want, got, sizeof(got)) == 0)
		kprintf("TEST %s %s PASS\n", id, p->name);
	else
		kprintf("TEST %s %s FAIL expected %s, got %s\n", id, p->name, want, got);
}

static noreturn void stop(const char *how, uint64_t code)
{
	struct prog *p = &progs[current];

	kprintf("prog %s: stopped (%s %lu)\n", p->name, how, code);
	check_expectation(p, how, code);
	current++;
	prog_run_all();
}

noreturn void prog_stop_exit(uint64_t status)
{
	stop("exit", status);
}

noreturn void prog_stop_fault(uint64_t vector)
{
	stop("fault", vector);
}

uint64_t prog_space(void)
{
	return progs[current].space;
}

const char *prog_name(void)
{
	return progs[current].name;
}
