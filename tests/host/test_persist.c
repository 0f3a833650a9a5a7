/*
 * test_persist.c: the copy-on-write arbitration of lib/libboot/persist.c (docs/persistence.md,
 * "Taking a checkpoint"), deterministically: collect (the checkpointer's thread), keeper
 * (a persistent component's first write after a pause) and settle (the booter's thread,
 * before a manager's page is shared or unmapped) on one page at once, each interleaving
 * forced at a chosen kernel call. A published copy must always be the pause's bytes.
 *
 * The test #includes persist.c whole (its statics are what is tested; the Makefile
 * compiles only this file), after stubs for what it calls: the kernel's system calls
 * (macros aim persist.c's calls at them; the real wrappers, inline, stay unused) and the
 * booter's other files. CAIRN_GATE is made a plain symbol: the handlers are called
 * directly, on the test's thread.
 *
 * The model. Frames are pages of one memfd, all mapped at `phys` for the test's own view
 * (the component's stores land there, the checks read there). A page table is a list of
 * (table, va) -> (frame, rights). The booter's own table (CAIRN_SLOT_PGTBL) is real: its
 * windows, CAIRN_BOOT_PERSIST_VA on, are reserved with MAP_FIXED_NOREPLACE, and a map
 * maps the frame's page of the memfd there with MAP_FIXED (read-only unless
 * CAIRN_MAP_WRITE), an unmap puts PROT_NONE back. So a window aliases its frame as the
 * MMU makes it: a store of the component after collect mapped a page is seen by collect's
 * memcpy (which a copy at map time would hide), a write through a read-only window or a
 * touch of an unmapped one crashes the test, and mapping a window twice fails it.
 *
 * The component writes as the MMU and the kernel run a store: to a writable page it lands;
 * to a present read-only one it faults into keeper(), and is run again if the keeper
 * resumes it. A hook runs a function once, just after the kernel call it names took
 * effect: that is how a first write, or settle, or collect, comes "meanwhile".
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../lib/libboot/libboot.h"
#include <common/elf.h>
#include <cairn/capmgr.h>
#include <cairn/gate.h>
#include <cairn/persist.h>
#include <iface/persist.h>

#define PG 4096UL

/* --- the frames and the page tables ------------------------------------------------- */

#define NFRAMES   32
#define FRAME0    0x200000UL			/* frame k's address: FRAME0 + k * PG */
#define FRAME(k)  (FRAME0 + (uint64_t)(k) * PG)
#define PT_COMP   40				/* component 0's (persistent) page table */
#define PT_CKPT   41				/* component 1's, the checkpointer: the buffer */

static int memfd = -1;
static uint8_t *phys;				/* every frame, for the test */

static uint8_t *frame_bytes(uint64_t f)
{
	assert_true(f >= FRAME0 && f < FRAME(NFRAMES) && !(f & (PG - 1)));
	return phys + (f - FRAME0);
}

struct pte {
	unsigned pt, rights;
	uint64_t va, frame;
};
static struct pte ptes[64];
static unsigned nptes;

static struct pte *pte_find(unsigned pt, uint64_t va)
{
	for (unsigned k = 0; k < nptes; k++)
		if (ptes[k].pt == pt && ptes[k].va == va)
			return &ptes[k];
	return 0;
}

static void pte_set(unsigned pt, uint64_t va, uint64_t frame, unsigned rights)
{
	assert_null(pte_find(pt, va));
	assert_true(nptes < sizeof(ptes) / sizeof(ptes[0]));
	ptes[nptes++] = (struct pte){ .pt = pt, .va = va, .frame = frame, .rights = rights };
}

/* The booter's windows: which frame each page maps (0: none). */
#define WPAGES (CAIRN_BOOT_PERSIST_SIZE / PG)
static uint64_t window[WPAGES];

static unsigned window_page(uint64_t va)
{
	assert_true(va >= CAIRN_BOOT_PERSIST_VA && va < CAIRN_BOOT_PERSIST_VA + CAIRN_BOOT_PERSIST_SIZE &&
		    !(va & (PG - 1)));
	return (unsigned)((va - CAIRN_BOOT_PERSIST_VA) / PG);
}

static void window_reserve(void)
{
	void *p = mmap((void *)CAIRN_BOOT_PERSIST_VA, CAIRN_BOOT_PERSIST_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p != (void *)CAIRN_BOOT_PERSIST_VA) {
		fprintf(stderr, "test_persist: cannot reserve the windows at %#lx\n", CAIRN_BOOT_PERSIST_VA);
		exit(1);
	}
}

/* --- the kernel calls persist.c makes, with a log and a hook ------------------------- */

enum { OP_MAP, OP_UNMAP };

struct call {
	int op;
	unsigned pt;
	uint64_t va, frame;
};
static struct call calls[512];
static unsigned ncalls;

/* Runs fn once, just after the next call that matches (frame 0: any). */
static struct {
	int op;
	unsigned pt;
	uint64_t va, frame;
	void (*fn)(void);
} hook;

static void at(int op, unsigned pt, uint64_t va, uint64_t frame, void (*fn)(void))
{
	hook.op = op, hook.pt = pt, hook.va = va, hook.frame = frame, hook.fn = fn;
}

static void logged(int op, unsigned pt, uint64_t va, uint64_t frame)
{
	if (ncalls < sizeof(calls) / sizeof(calls[0]))
		calls[ncalls++] = (struct call){ op, pt, va, frame };
	if (hook.fn && hook.op == op && hook.pt == pt && hook.va == va && (!hook.frame || hook.frame == frame)) {
		void (*fn)(void) = hook.fn;
		hook.fn = 0;
		fn();
	}
}

/* How many calls op of table pt at va were made since the log was cleared. */
static unsigned count(int op, unsigned pt, uint64_t va)
{
	unsigned n = 0;

	for (unsigned k = 0; k < ncalls; k++)
		n += calls[k].op == op && calls[k].pt == pt && calls[k].va == va;
	return n;
}

static long stub_pgtbl_map(unsigned pt, cairn_word va, unsigned mem, cairn_word frame, unsigned rights)
{
	(void)mem;
	(void)frame_bytes(frame);
	if (pt == CAIRN_SLOT_PGTBL) {
		unsigned k = window_page(va);
		assert_int_equal(window[k], 0);	/* (a window is one user's at a time) */
		void *p = mmap((void *)va, PG, PROT_READ | (rights & CAIRN_MAP_WRITE ? PROT_WRITE : 0),
			       MAP_SHARED | MAP_FIXED, memfd, (off_t)(frame - FRAME0));
		assert_ptr_equal(p, (void *)va);
		window[k] = frame;
	} else {
		if (pte_find(pt, va))
			return CAIRN_EBUSY;
		pte_set(pt, va, frame, rights);
	}
	logged(OP_MAP, pt, va, frame);
	return 0;
}

static long stub_pgtbl_unmap(unsigned pt, cairn_word va)
{
	uint64_t frame;

	if (pt == CAIRN_SLOT_PGTBL) {
		unsigned k = window_page(va);
		assert_int_not_equal(window[k], 0);
		void *p = mmap((void *)va, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		assert_ptr_equal(p, (void *)va);
		frame = window[k];
		window[k] = 0;
	} else {
		struct pte *e = pte_find(pt, va);
		if (!e)
			return CAIRN_ENOENT;
		frame = e->frame;
		*e = ptes[--nptes];
	}
	logged(OP_UNMAP, pt, va, frame);
	return 0;
}

static long stub_pgtbl_lookup(unsigned pt, cairn_word va)
{
	const struct pte *e = pte_find(pt, va);

	return e ? (long)(e->frame | e->rights) : CAIRN_ENOENT;
}

/* A persistent thread's registers: register k holds REG(k); it runs nowhere and is in its code. */
#define REG(k) (0x1000 + (uint64_t)(k) * 8)
#define THREAD 50

static struct cairn_ret2 stub_thread_reg(unsigned thread, unsigned idx, int write, cairn_word value)
{
	(void)value;
	assert_int_equal(thread, THREAD);
	assert_false(write & CAIRN_REG_WRITE);
	if (!(write & CAIRN_REG_LIVE))
		return (struct cairn_ret2){ CAIRN_EBUSY, 0 };	/* not stopped */
	return (struct cairn_ret2){ 0, REG(idx) };
}

static struct cairn_ret2 stub_fault_reg(unsigned idx, int write, cairn_word value)
{
	(void)write, (void)value;
	return (struct cairn_ret2){ 0, idx == CAIRN_REG_RSP ? 0x7ffeffffff00UL : 0 };
}

static long stub_captbl_act_sinv(unsigned ct, unsigned slot, unsigned comp, cairn_word entry, cairn_word badge,
				 unsigned flags)
{
	(void)ct, (void)slot, (void)comp, (void)entry, (void)badge, (void)flags;
	return 0;
}

static unsigned keepers;	/* cairn_comp_keeper calls */

static long stub_comp_keeper(unsigned comp, unsigned gate)
{
	(void)comp, (void)gate;
	keepers++;
	return 0;
}

static long stub_asnd_send(unsigned asnd, unsigned flags)
{
	(void)asnd, (void)flags;
	return 0;
}

#define cairn_pgtbl_map stub_pgtbl_map
#define cairn_pgtbl_unmap stub_pgtbl_unmap
#define cairn_pgtbl_lookup stub_pgtbl_lookup
#define cairn_thread_reg stub_thread_reg
#define cairn_fault_reg stub_fault_reg
#define cairn_captbl_act_sinv stub_captbl_act_sinv
#define cairn_comp_keeper stub_comp_keeper
#define cairn_asnd_send stub_asnd_send

/* --- the booter's other files ---------------------------------------------------------- */

struct booter *boot_server;
static unsigned printed;	/* cairn_printf lines */
static uint64_t manager_bits;	/* boot_manager_pages(0, 0): component 0's manager pages */

int cairn_printf(const char *fmt, ...)
{
	(void)fmt;
	printed++;
	return 0;
}

unsigned cairn_slot(struct cairn_alloc *a)
{
	(void)a;
	return 77;
}

long boot_reserve_slots(struct booter *b)
{
	(void)b;
	return 0;
}

/* Component 0's image: code at IMAGE_LO, one writable page of data after it. */
#define DATA_VA (IMAGE_LO + 0x1000)

long boot_image(struct booter *b, const char *image, struct elf_image *img, const char **file)
{
	(void)b, (void)image;
	*file = "ledger";
	*img = (struct elf_image){ .nseg = 2 };
	img->seg[0] = (struct elf_segment){ .vaddr = IMAGE_LO, .memsz = 0x1000, .flags = 0 };
	img->seg[1] = (struct elf_segment){ .vaddr = DATA_VA + 0x10, .memsz = 0x800, .flags = ELF_SEG_W };
	return 0;
}

const struct cairn_module *boot_module(const struct booter *b, const char *name)
{
	(void)b, (void)name;
	return 0;
}

uint64_t boot_frame(unsigned pt, uint64_t va, int want_write)
{
	const struct pte *e = pte_find(pt, va);

	return e && (!want_write || (e->rights & CAIRN_MAP_WRITE)) ? e->frame : 0;
}

long boot_tcap_pause(struct booter *b, struct bcomp *c, uint64_t *left)
{
	(void)b, (void)c;
	*left = 1000;
	return 0;
}

void boot_tcap_resume(struct booter *b, struct bcomp *c, uint64_t left)
{
	(void)b, (void)c, (void)left;
}

uint64_t boot_manager_pages(unsigned holder, unsigned word)
{
	return holder == 0 && word == 0 ? manager_bits : 0;
}

const struct capmgr_copy *boot_manager_kept(unsigned *n)
{
	static struct capmgr_copy none[1];

	*n = 0;
	return none;
}

long boot_manager_alloc_at(unsigned holder, uint64_t va, uint64_t tid)
{
	(void)holder, (void)va, (void)tid;
	return CAIRN_ENOSYS;
}

long boot_manager_copy_again(const struct capmgr_copy *c, uint64_t tid)
{
	(void)c, (void)tid;
	return CAIRN_ENOSYS;
}

long boot_manager_clear(unsigned holder, uint64_t tid)
{
	(void)holder, (void)tid;
	return 0;
}

long boot_iface_gate(struct booter *b, unsigned client, unsigned slot, cairn_word entry, unsigned fn)
{
	(void)b, (void)client, (void)slot, (void)entry, (void)fn;
	return 0;
}

/* The entry points are symbols only: the test calls the handlers (keeper, gate) itself. */
#undef CAIRN_GATE
#define CAIRN_GATE(name, handler) char name[1];

#include "../../lib/libboot/persist.c"

/* --- the system: component 0 persistent, component 1 the checkpointer ----------------- */

#define STACK_PAGES 1
#define HEAP_PAGES  2
#define MGR_VA      CAPMGR_VA			/* component 0's page from the manager */
#define BUF_VA      0x20000000UL		/* the checkpointer's buffer */
#define RECORDS     6				/* a thread, 4 listed pages, the manager's page */
#define BUF_PAGES   (PERSIST_TABLE_PAGES + RECORDS)
#define BUF_FRAME(k) FRAME(16 + (k))		/* the buffer's page k */
#define NEW         0xee			/* what the component writes after the pause */
#define CKPT_BADGE(fn) ((cairn_word)(fn) << 16 | 2)	/* component 1's gate of fn */

static struct cairn_sd_comp comps[2] = {
	{ .name = "ledger", .image = "ledger", .persistent = 1, .stack = STACK_PAGES * PG,
	  .heap = HEAP_PAGES * PG, .budget = 4 },
	{ .name = "ckpt", .image = "ckpt" },
};
static struct cairn_sd_system desc = { .name = "test", .cores = 1, .ncomps = 2, .comp = comps };
static struct booter bt;

/* Component 0's persistent pages, in the order of their records (1..5), and their frames 1..5. */
static const uint64_t page_va[RECORDS - 1] = {
	DATA_VA, STACK_TOP_VA - PG, HEAP_VA, HEAP_VA + PG, MGR_VA,
};

/* What page record rec holds at the pause. */
static uint8_t pause_byte(unsigned rec)
{
	return (uint8_t)(0x40 + rec);
}

/* The bytes of record rec in the buffer. */
static const uint8_t *buf_rec(unsigned rec)
{
	return frame_bytes(BUF_FRAME(PERSIST_TABLE_PAGES + rec));
}

static int page_is(const uint8_t *p, uint8_t v)
{
	for (unsigned k = 0; k < PG; k++)
		if (p[k] != v)
			return 0;
	return 1;
}

/* Component 0's listed page at va (persist.c's own lookup). */
static struct cow *page(uint64_t va)
{
	struct cow *w = cow_find(0, va);

	assert_non_null(w);
	return w;
}

static unsigned state(uint64_t va)
{
	return __atomic_load_n(&page(va)->state, __ATOMIC_ACQUIRE);
}

/* Whether component 0 maps va writable. */
static int writable(uint64_t va)
{
	const struct pte *e = pte_find(PT_COMP, va);

	assert_non_null(e);
	return (e->rights & CAIRN_MAP_WRITE) != 0;
}

static long collect_upto(uint64_t upto)
{
	struct cairn_ret2 r = gate(upto, 0, 0, 0, CKPT_BADGE(PERSIST_COLLECT), 1);

	return r.r0;
}

/* Component 0 stores v over its page at va (whole), as the MMU and the kernel run it: CAIRN_FAULT_RESUME (it landed) or _STOP. */
static long store(uint64_t va, uint8_t v)
{
	for (int tries = 0; tries < 2; tries++) {
		const struct pte *e = pte_find(PT_COMP, va);
		if (!e)
			return keeper(14, PF_WRITE, va, 0x401234, 1, 9).r0;
		if (e->rights & CAIRN_MAP_WRITE) {
			memset(frame_bytes(e->frame), v, PG);
			return CAIRN_FAULT_RESUME;
		}
		struct cairn_ret2 r = keeper(14, PF_PRESENT | PF_WRITE, va, 0x401234, 1, 9);
		if (r.r0 != CAIRN_FAULT_RESUME)
			return r.r0;
	}
	fail_msg("a store resumed by the keeper faulted again");
	return CAIRN_FAULT_STOP;
}

/* persist.c's state back to the build's (its statics: this test is its only user). */
static void persist_reset(void)
{
	busy = started = 0;
	memset(cow, 0, sizeof(cow));
	nlinks = npages = nrecs = dyn = 0;
	memset(where, 0, sizeof(where));
	listed = CAIRN_ENOENT;
	flight = collected = lost = 0;
	memset(&out, 0, sizeof(out));
	memset(scratch, 0, sizeof(scratch));
}

/*
 * A fresh system, started, then a capture (the pause): every persistent page of component
 * 0 holds pause_byte(its record), read-only now; the buffer is zero beyond its table.
 */
static int setup(void **ctx)
{
	(void)ctx;
	persist_reset();
	memset(phys, 0, NFRAMES * PG);
	nptes = ncalls = keepers = printed = 0;
	hook.fn = 0;
	manager_bits = 1;
	bt = (struct booter){ .sd = &desc, .a = { .mem = 3 } };
	for (unsigned i = 0; i < 2; i++)
		bt.c[i] = (struct bcomp){ .sd = &comps[i], .pt = i ? PT_CKPT : PT_COMP, .thread = THREAD, .comp = 60 + i };
	boot_server = &bt;
	for (unsigned p = 0; p < RECORDS - 1; p++) {
		pte_set(PT_COMP, page_va[p], FRAME(1 + p), CAIRN_MAP_WRITE);
		memset(frame_bytes(FRAME(1 + p)), pause_byte(1 + p), PG);
	}
	pte_set(PT_COMP, IMAGE_LO, FRAME(10), CAIRN_MAP_EXEC);	/* the code: not persistent */
	for (unsigned k = 0; k < BUF_PAGES; k++)
		pte_set(PT_CKPT, BUF_VA + k * PG, BUF_FRAME(k), CAIRN_MAP_WRITE);

	assert_int_equal(boot_persist_hold(&bt), 0);
	assert_int_equal(keepers, 1);
	assert_int_equal(npages, RECORDS - 2);
	assert_int_equal(gate(0, 0, 0, 0, CKPT_BADGE(PERSIST_START), 1).r0, 0);
	struct cairn_ret2 r = gate(BUF_VA, BUF_PAGES, 0, 0, CKPT_BADGE(PERSIST_CAPTURE), 1);
	assert_int_equal(r.r0, RECORDS);
	assert_int_equal(dyn, 1);
	ncalls = 0;
	return 0;
}

/* --- the pause ------------------------------------------------------------------------ */

/* The pause: each page PROTECTED and read-only, nothing of theirs copied yet; the table and the registers in the buffer. */
static void test_pause(void **ctx)
{
	const struct persist_header *h = (const void *)frame_bytes(BUF_FRAME(0));
	const uint64_t *regs_out = (const void *)buf_rec(0);

	(void)ctx;
	for (unsigned p = 0; p < RECORDS - 1; p++) {
		assert_int_equal(state(page_va[p]), COW_PROTECTED);
		assert_false(writable(page_va[p]));
		assert_int_equal(page(page_va[p])->rec, 1 + p);
		assert_true(page_is(buf_rec(1 + p), 0));
	}
	assert_true(h->magic == PERSIST_MAGIC);
	assert_int_equal(h->records, RECORDS);
	assert_int_equal(h->rec[0].kind, PERSIST_THREAD);
	assert_int_equal(h->rec[5].kind, PERSIST_PAGE);
	assert_true(h->rec[5].key == MGR_VA);
	for (unsigned k = 0; k < PERSIST_REGS; k++)
		assert_true(regs_out[k] == REG(k));
}

/* --- 1. collect alone ----------------------------------------------------------------- */

/* No one writes: collect copies every page, each COPIED and still read-only (collect maps none). */
static void test_collect_alone(void **ctx)
{
	(void)ctx;
	assert_int_equal(collect_upto(PERSIST_RECORDS_MAX), RECORDS - 1);
	for (unsigned p = 0; p < RECORDS - 1; p++) {
		assert_true(page_is(buf_rec(1 + p), pause_byte(1 + p)));
		assert_int_equal(state(page_va[p]), COW_COPIED);
		assert_false(writable(page_va[p]));
		assert_int_equal(count(OP_MAP, PT_COMP, page_va[p]), 0);
	}
	assert_int_equal(collect_upto(PERSIST_RECORDS_MAX), 0);	/* (done) */
	assert_int_equal(store(DATA_VA, NEW), CAIRN_FAULT_RESUME);	/* its first write copies nothing */
	assert_int_equal(count(OP_MAP, CAIRN_SLOT_PGTBL, KEEPER_WINDOW(0)), 0);
	assert_int_equal(state(DATA_VA), COW_WRITABLE);
	assert_true(page_is(buf_rec(1), pause_byte(1)));
}

/* --- 2. a first write before collect ------------------------------------------------- */

/* The keeper copies the pause's bytes and maps the page writable; collect then passes it by. */
static void test_first_write(void **ctx)
{
	(void)ctx;
	assert_int_equal(store(DATA_VA, NEW), CAIRN_FAULT_RESUME);
	assert_int_equal(count(OP_MAP, CAIRN_SLOT_PGTBL, KEEPER_WINDOW(0)), 1);
	assert_int_equal(state(DATA_VA), COW_WRITABLE);
	assert_true(writable(DATA_VA));
	assert_true(page_is(frame_bytes(FRAME(1)), NEW));
	assert_true(page_is(buf_rec(1), pause_byte(1)));

	assert_int_equal(collect_upto(2), 0);	/* record 1 only: taken already */
	assert_int_equal(store(DATA_VA, NEW + 1), CAIRN_FAULT_RESUME);	/* no fault now */
	assert_int_equal(count(OP_MAP, CAIRN_SLOT_PGTBL, KEEPER_WINDOW(0)), 1);
	assert_int_equal(collect_upto(PERSIST_RECORDS_MAX), RECORDS - 2);	/* the others */
	assert_true(page_is(buf_rec(1), pause_byte(1)));
	assert_int_equal(state(DATA_VA), COW_WRITABLE);
}

/* --- 3. the race: a first write while collect copies the same page -------------------- */

static void first_write(void)
{
	assert_int_equal(store(DATA_VA, NEW), CAIRN_FAULT_RESUME);
}

/*
 * Collect has claimed the page (COPYING) and mapped it, and has not read it yet: the
 * first write comes (the keeper copies the pause's bytes, maps it writable) and the new
 * bytes land, so collect reads them. It must not publish them.
 */
static void test_race_during_read(void **ctx)
{
	(void)ctx;
	at(OP_MAP, CAIRN_SLOT_PGTBL, GATE_WINDOW, FRAME(1), first_write);
	long n = collect_upto(2);
	assert_null(hook.fn);
	assert_true(page_is(scratch, NEW));	/* (collect's copy was the new bytes) */
	assert_true(page_is(buf_rec(1), pause_byte(1)));
	assert_int_equal(n, 0);
	assert_int_equal(state(DATA_VA), COW_WRITABLE);
	assert_true(writable(DATA_VA));
	assert_int_equal(count(OP_MAP, CAIRN_SLOT_PGTBL, KEEPER_WINDOW(0)), 1);
	assert_int_equal(collect_upto(PERSIST_RECORDS_MAX), RECORDS - 2);
	assert_true(page_is(buf_rec(1), pause_byte(1)));
}

/* Collect has read the page into scratch, not yet published: the first write and its bytes come. Collect loses it. */
static void test_race_after_read(void **ctx)
{
	(void)ctx;
	at(OP_UNMAP, CAIRN_SLOT_PGTBL, GATE_WINDOW, FRAME(1), first_write);
	long n = collect_upto(2);
	assert_null(hook.fn);
	assert_true(page_is(scratch, pause_byte(1)));
	assert_true(page_is(buf_rec(1), pause_byte(1)));
	assert_int_equal(n, 0);
	assert_true(page_is(frame_bytes(FRAME(1)), NEW));
	assert_int_equal(state(DATA_VA), COW_WRITABLE);
	assert_int_equal(count(OP_MAP, CAIRN_SLOT_PGTBL, KEEPER_WINDOW(0)), 1);
}

/*
 * Collect won the page (COPIED) and is putting scratch into the buffer: the first write
 * comes then; the keeper copies nothing (the copy that stands is collect's) and the new
 * bytes land in the page, not in the buffer.
 */
static void test_race_after_publish(void **ctx)
{
	(void)ctx;
	at(OP_MAP, CAIRN_SLOT_PGTBL, GATE_WINDOW, BUF_FRAME(PERSIST_TABLE_PAGES + 1), first_write);
	assert_int_equal(collect_upto(2), 1);
	assert_null(hook.fn);
	assert_int_equal(count(OP_MAP, CAIRN_SLOT_PGTBL, KEEPER_WINDOW(0)), 0);
	assert_true(page_is(buf_rec(1), pause_byte(1)));
	assert_true(page_is(frame_bytes(FRAME(1)), NEW));
	assert_int_equal(state(DATA_VA), COW_WRITABLE);
	assert_true(writable(DATA_VA));
}

static long inner;	/* what a collect run inside the keeper answered */

static void collect_now(void)
{
	inner = collect_upto(2);
}

/*
 * The keeper, preempted while it copies (the page PROTECTED still, read-only): collect
 * claims the page, copies and publishes it. Both copies are the pause's bytes; the keeper
 * then maps it writable and the write lands.
 */
static void test_race_inside_keeper(void **ctx)
{
	(void)ctx;
	inner = -1;
	at(OP_MAP, CAIRN_SLOT_PGTBL, KEEPER_WINDOW(0), FRAME(1), collect_now);
	first_write();
	assert_null(hook.fn);
	assert_int_equal(inner, 1);
	assert_true(page_is(buf_rec(1), pause_byte(1)));
	assert_true(page_is(frame_bytes(FRAME(1)), NEW));
	assert_int_equal(state(DATA_VA), COW_WRITABLE);
	assert_true(writable(DATA_VA));
}

/* --- 4. settle: a manager's page shared or unmapped ------------------------------------ */

/* Gone: copied first (the pause's bytes), GONE; the keeper and collect leave it alone then. */
static void test_settle_gone(void **ctx)
{
	(void)ctx;
	bt.settle(&bt, 0, MGR_VA, 1);
	assert_int_equal(count(OP_MAP, CAIRN_SLOT_PGTBL, BOOTER_WINDOW), 1);
	assert_true(page_is(buf_rec(5), pause_byte(5)));
	assert_null(cow_find(0, MGR_VA));
	assert_int_equal(cow[npages].state, COW_GONE);

	memset(frame_bytes(FRAME(5)), NEW, PG);	/* (the frame is someone else's now) */
	assert_int_equal(keeper(14, PF_PRESENT | PF_WRITE, MGR_VA, 0x401234, 1, 9).r0, CAIRN_FAULT_STOP);
	assert_int_equal(collect_upto(PERSIST_RECORDS_MAX), RECORDS - 2);
	assert_int_equal(count(OP_MAP, CAIRN_SLOT_PGTBL, KEEPER_WINDOW(0)), 0);
	assert_int_equal(cow[npages].state, COW_GONE);
	assert_true(page_is(buf_rec(5), pause_byte(5)));
}

/* Shared: copied first, COPIED, read-only still; collect passes it by, its first write copies nothing. */
static void test_settle_share(void **ctx)
{
	(void)ctx;
	bt.settle(&bt, 0, MGR_VA, 0);
	assert_true(page_is(buf_rec(5), pause_byte(5)));
	assert_int_equal(state(MGR_VA), COW_COPIED);
	assert_false(writable(MGR_VA));
	assert_int_equal(collect_upto(PERSIST_RECORDS_MAX), RECORDS - 2);
	assert_int_equal(store(MGR_VA, NEW), CAIRN_FAULT_RESUME);
	assert_int_equal(count(OP_MAP, CAIRN_SLOT_PGTBL, KEEPER_WINDOW(0)), 0);
	assert_int_equal(state(MGR_VA), COW_WRITABLE);
	assert_true(page_is(buf_rec(5), pause_byte(5)));
	assert_true(page_is(frame_bytes(FRAME(5)), NEW));

	bt.settle(&bt, 0, MGR_VA, 0);	/* writable: nothing to take */
	assert_int_equal(state(MGR_VA), COW_WRITABLE);
	assert_int_equal(count(OP_MAP, CAIRN_SLOT_PGTBL, BOOTER_WINDOW), 1);
}

static void unmap_now(void)
{
	bt.settle(&bt, 0, MGR_VA, 1);
	memset(frame_bytes(FRAME(5)), NEW, PG);	/* (freed, and reused) */
}

/* Collect copying the page when it goes: settle's copy stands, collect's is dropped. */
static void test_settle_while_collect(void **ctx)
{
	(void)ctx;
	at(OP_MAP, CAIRN_SLOT_PGTBL, GATE_WINDOW, FRAME(5), unmap_now);
	long n = collect_upto(PERSIST_RECORDS_MAX);
	assert_null(hook.fn);
	assert_true(page_is(scratch, NEW));
	assert_true(page_is(buf_rec(5), pause_byte(5)));
	assert_int_equal(n, RECORDS - 2);
	assert_int_equal(cow[npages].state, COW_GONE);
}

/* --- 5. faults that are not a first write ---------------------------------------------- */

struct bad_fault {
	cairn_word vector, error, addr, badge;
};

/* Each is stopped, nothing copied or mapped, the page's state as it was. */
static void test_other_faults(void **ctx)
{
	static const struct bad_fault bad[] = {
		{ 14, PF_PRESENT, DATA_VA, 1 },				/* a read */
		{ 14, PF_PRESENT | PF_FETCH, DATA_VA, 1 },		/* an execution */
		{ 14, PF_WRITE, DATA_VA, 1 },				/* not present */
		{ 14, PF_PRESENT | PF_WRITE | PF_RSVD, DATA_VA, 1 },	/* a reserved bit */
		{ 14, PF_PRESENT | PF_WRITE | PF_FETCH, DATA_VA, 1 },
		{ 13, PF_PRESENT | PF_WRITE, DATA_VA, 1 },		/* not a page fault */
		{ 14, PF_PRESENT | PF_WRITE, IMAGE_LO, 1 },		/* a page not listed */
		{ 14, PF_PRESENT | PF_WRITE, MGR_VA + PG, 1 },		/* a manager's page not given */
		{ 14, PF_PRESENT | PF_WRITE, DATA_VA, 0 },		/* a badge not made */
		{ 14, PF_PRESENT | PF_WRITE, DATA_VA, 3 },
	};

	(void)ctx;
	for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		uint32_t faults = bt.c[0].faults;
		struct cairn_ret2 r = keeper(bad[k].vector, bad[k].error, bad[k].addr, 0x401234, bad[k].badge, 9);
		assert_int_equal(r.r0, CAIRN_FAULT_STOP);
		assert_int_equal(bt.c[0].faults, faults + (bad[k].badge == 1));
		if (bad[k].badge == 1)
			assert_true(bt.c[0].down && bt.c[0].fault_vector == bad[k].vector &&
				    bt.c[0].fault_error == bad[k].error && bt.c[0].fault_tid == 9);
		bt.c[0].down = 0;
	}
	assert_int_equal(ncalls, 0);
	assert_int_equal(state(DATA_VA), COW_PROTECTED);
	assert_true(page_is(buf_rec(1), 0));

	assert_int_equal(store(DATA_VA, NEW), CAIRN_FAULT_RESUME);	/* then a write fault where it is writable: */
	assert_int_equal(keeper(14, PF_PRESENT | PF_WRITE, DATA_VA, 0x401234, 1, 9).r0, CAIRN_FAULT_STOP);
	assert_int_equal(count(OP_MAP, CAIRN_SLOT_PGTBL, KEEPER_WINDOW(0)), 1);
	assert_true(page_is(buf_rec(1), pause_byte(1)));
}

/* --- the next pause ------------------------------------------------------------------- */

/*
 * A page not written since the pause before stays read-only and is not mapped again; a
 * written one is made read-only; the next capture's collect copies each as it is then.
 */
static void test_next_pause(void **ctx)
{
	(void)ctx;
	assert_int_equal(store(DATA_VA, NEW), CAIRN_FAULT_RESUME);
	assert_int_equal(collect_upto(PERSIST_RECORDS_MAX), RECORDS - 2);
	memset(frame_bytes(BUF_FRAME(PERSIST_TABLE_PAGES + 1)), 0, PG);
	ncalls = 0;
	assert_int_equal(gate(BUF_VA, BUF_PAGES, 0, 0, CKPT_BADGE(PERSIST_CAPTURE), 1).r0, RECORDS);
	assert_int_equal(count(OP_UNMAP, PT_COMP, DATA_VA), 1);
	for (unsigned p = 1; p < RECORDS - 1; p++)	/* (the manager's page too) */
		assert_int_equal(count(OP_UNMAP, PT_COMP, page_va[p]), 0);
	for (unsigned p = 0; p < RECORDS - 1; p++) {
		assert_int_equal(state(page_va[p]), COW_PROTECTED);
		assert_false(writable(page_va[p]));
	}
	assert_int_equal(collect_upto(PERSIST_RECORDS_MAX), RECORDS - 1);
	assert_true(page_is(buf_rec(1), NEW));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_pause, setup),
		cmocka_unit_test_setup(test_collect_alone, setup),
		cmocka_unit_test_setup(test_first_write, setup),
		cmocka_unit_test_setup(test_race_during_read, setup),
		cmocka_unit_test_setup(test_race_after_read, setup),
		cmocka_unit_test_setup(test_race_after_publish, setup),
		cmocka_unit_test_setup(test_race_inside_keeper, setup),
		cmocka_unit_test_setup(test_settle_gone, setup),
		cmocka_unit_test_setup(test_settle_share, setup),
		cmocka_unit_test_setup(test_settle_while_collect, setup),
		cmocka_unit_test_setup(test_other_faults, setup),
		cmocka_unit_test_setup(test_next_pause, setup),
	};

	memfd = memfd_create("frames", 0);
	if (memfd < 0 || ftruncate(memfd, NFRAMES * PG))
		return perror("test_persist: memfd"), 1;
	phys = mmap(0, NFRAMES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (phys == MAP_FAILED)
		return perror("test_persist: mmap"), 1;
	window_reserve();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
