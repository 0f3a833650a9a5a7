/*
 * test_pgtbl.c: host unit tests for kernel/arch/x86_64/pgtbl.c against the contract in
 * pgtbl.h.
 *
 * Page-table nodes and user frames live in a simulated physical memory (memlayout.h of
 * tests/host/include): nodes are KERNEL frames given their PGTBL_OBJ kind as
 * memory_activate does, mapped frames are USER frames; the global frame table
 * `frames` (frame.c) holds their reference and "used" counts. This file provides what
 * vm.c provides on the machine: pgtbl_nx, kernel_pml4_phys (a RESERVED frame, like
 * the kernel image, whose upper half holds recognizable entries) and arch_tlb_flush,
 * which counts its calls. The kernel entries point outside the simulated memory, so a
 * walk that strays into the kernel half traps in p2v.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "memlayout.h"
#include "pgtbl.h"
#include "simmem.h"

#define P        PAGE_SIZE
#define HOOKED   0x8000

#define KPML4_PA      P				/* frame 1 */
#define KENTRY(i)     (0x00000cafe0000003ULL | ((uint64_t)(i) << 12))
#define KLOW(i)       (0x00000bad00000001ULL | ((uint64_t)(i) << 12))

#define GiB      (1ULL << 30)
#define L1_SPAN  (2ULL << 20)		/* what one level-1 table maps */
#define L2_SPAN  GiB
#define L3_SPAN  (512 * GiB)

uint64_t pgtbl_nx;
uint64_t kernel_pml4_phys;

static unsigned nflush;
static uint64_t *flush_root;
static uint64_t flush_va;

void arch_tlb_flush(uint64_t *root, uint64_t va)
{
	nflush++;
	flush_root = root;
	flush_va = va;
}

static uint64_t next_frame;

static int setup(void **state)
{
	uint64_t *k;

	(void)state;
	/* frame 0 and the kernel's PML4 (frame 1) stay RESERVED, as on the machine */
	if (sim_setup(&frames, 0xa5, 2))
		return -1;
	next_frame = 2;
	kernel_pml4_phys = KPML4_PA;
	k = p2v(KPML4_PA);
	for (unsigned i = 0; i < 512; i++)
		k[i] = i < USER_PML4_ENTRIES ? KLOW(i) : KENTRY(i);
	pgtbl_nx = PTE_NX;
	nflush = 0;
	flush_root = NULL;
	flush_va = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return sim_teardown(&frames);
}

static uint64_t take_frame(uint8_t type)
{
	uint64_t pa = next_frame++ * P;

	assert_true(pa < host_phys_size);
	assert_int_equal(frame_retype(&frames, pa, type), 0);
	return pa;
}

/* A fresh page-table node of the level, a root made as activate_pgtbl makes it. */
static uint64_t *node(int level)
{
	uint64_t pa = take_frame(CAIRN_FRAME_KERNEL);
	uint64_t *t = p2v(pa);

	frame_get(&frames, pa)->obj = PGTBL_OBJ(level);
	if (level == PGTBL_LEVELS)
		pgtbl_init_root(t);
	return t;
}

static uint64_t user_frame(void)
{
	return take_frame(CAIRN_FRAME_USER);
}

static struct frame *FR(const void *t)
{
	return frame_get(&frames, v2p(t));
}

static struct frame *FP(uint64_t pa)
{
	return frame_get(&frames, pa);
}

static unsigned idx(uint64_t va, int level)
{
	return (unsigned)(va >> (12 + 9 * (level - 1))) & 511;
}

static void cons_ok(uint64_t *root, uint64_t va, uint64_t *child, int level)
{
	assert_int_equal(pgtbl_cons(root, va, child, level), 0);
}

/* Fresh level 3, 2 and 1 nodes hooked for va; returns the level-1 node. */
static uint64_t *path(uint64_t *root, uint64_t va)
{
	uint64_t *l3 = node(3), *l2 = node(2), *l1 = node(1);

	cons_ok(root, va, l3, 3);
	cons_ok(root, va, l2, 2);
	cons_ok(root, va, l1, 1);
	return l1;
}

/* The entry that holds a table node: present, user, writable, executable, at child. */
static void expect_table_entry(uint64_t e, const uint64_t *child)
{
	assert_int_equal(e & PTE_ADDR, v2p(child));
	assert_true(e & PTE_P);
	assert_true(e & PTE_U);
	assert_true(e & PTE_W);		/* rights are set at the leaves */
	assert_false(e & PTE_NX);
}

/* Everything an operation could change: memory, frame table, TLB flushes. */
struct snap {
	struct sim_snap sim;
	unsigned nflush;
};

static void take(struct snap *s)
{
	sim_take(&s->sim, &frames);
	s->nflush = nflush;
}

static void same(struct snap *s)
{
	sim_same(&s->sim, &frames);
	assert_int_equal(nflush, s->nflush);
}

/* ---- pgtbl_init_root ---- */

static void pgtbl_init_root_copies_kernel_half(void **state)
{
	uint64_t *root = node(4);
	const uint64_t *k = p2v(KPML4_PA);

	(void)state;
	for (unsigned i = 0; i < USER_PML4_ENTRIES; i++)
		assert_int_equal(root[i], 0);
	for (unsigned i = USER_PML4_ENTRIES; i < 512; i++)
		assert_int_equal(root[i], KENTRY(i));
	for (unsigned i = 0; i < 512; i++)	/* the source is untouched */
		assert_int_equal(k[i], i < USER_PML4_ENTRIES ? KLOW(i) : KENTRY(i));
	assert_int_equal(FR(root)->used, 0);
	assert_int_equal(FR(root)->refs, 0);
	assert_int_equal(nflush, 0);
}

static void pgtbl_init_root_touches_only_the_root(void **state)
{
	uint64_t *root = node(4);
	struct snap s;

	(void)state;
	memset(root, 0, P);
	take(&s);
	pgtbl_init_root(root);
	/* expected: the snapshot with the kernel's upper half copied into the root */
	memcpy(s.sim.mem + v2p(root) + USER_PML4_ENTRIES * 8,
	       s.sim.mem + KPML4_PA + USER_PML4_ENTRIES * 8, P / 2);
	same(&s);
}

/* ---- pgtbl_cons ---- */

static void pgtbl_cons_level3(void **state)
{
	uint64_t *root = node(4), *l3 = node(3);
	uint64_t va = 5 * L3_SPAN + 0x1234000;

	(void)state;
	assert_false(pgtbl_present(root, va, 3));
	cons_ok(root, va, l3, 3);
	expect_table_entry(root[idx(va, 4)], l3);
	assert_true(pgtbl_present(root, va, 3));
	assert_int_equal(FR(l3)->refs, 1);
	assert_int_equal(FR(l3)->used, HOOKED);
	assert_int_equal(FR(root)->used, 1);
	assert_int_equal(FR(root)->refs, 0);
	for (unsigned i = USER_PML4_ENTRIES; i < 512; i++)
		assert_int_equal(root[i], KENTRY(i));
}

static void pgtbl_cons_level2(void **state)
{
	uint64_t *root = node(4), *l3 = node(3), *l2 = node(2);
	uint64_t va = 7 * L2_SPAN + 3 * L1_SPAN;

	(void)state;
	cons_ok(root, va, l3, 3);
	assert_false(pgtbl_present(root, va, 2));
	cons_ok(root, va, l2, 2);
	expect_table_entry(l3[idx(va, 3)], l2);
	assert_true(pgtbl_present(root, va, 2));
	assert_int_equal(FR(l2)->refs, 1);
	assert_int_equal(FR(l2)->used, HOOKED);
	assert_int_equal(FR(l3)->used, HOOKED | 1);
	assert_int_equal(FR(l3)->refs, 1);
	assert_int_equal(FR(root)->used, 1);
}

static void pgtbl_cons_level1(void **state)
{
	uint64_t *root = node(4), *l3 = node(3), *l2 = node(2), *l1 = node(1);
	uint64_t va = 0x40000000 + 9 * L1_SPAN;

	(void)state;
	cons_ok(root, va, l3, 3);
	cons_ok(root, va, l2, 2);
	cons_ok(root, va, l1, 1);
	expect_table_entry(l2[idx(va, 2)], l1);
	assert_true(pgtbl_present(root, va, 1));
	assert_false(pgtbl_present(root, va + L1_SPAN, 1));
	assert_int_equal(FR(l1)->refs, 1);
	assert_int_equal(FR(l1)->used, HOOKED);
	assert_int_equal(FR(l2)->used, HOOKED | 1);
	assert_int_equal(FR(l3)->used, HOOKED | 1);
	assert_int_equal(FR(root)->used, 1);
}

static void pgtbl_cons_siblings_count(void **state)
{
	uint64_t *root = node(4), *l3 = node(3);

	(void)state;
	cons_ok(root, 0, l3, 3);
	for (uint64_t i = 0; i < 4; i++)
		cons_ok(root, i * 100 * L2_SPAN, node(2), 2);
	assert_int_equal(FR(l3)->used, HOOKED | 4);
	cons_ok(root, L3_SPAN, node(3), 3);
	cons_ok(root, USER_TOP - 1, node(3), 3);
	assert_int_equal(FR(root)->used, 3);
}

static void pgtbl_cons_va_outside_user_efault(void **state)
{
	static const uint64_t bad[] = {
		USER_TOP, USER_TOP + P, 0x0000800000000000ULL,
		0xffff800000000000ULL, 0xffffffff80000000ULL, UINT64_MAX,
	};
	uint64_t *root = node(4), *l3 = node(3);
	struct snap s;

	(void)state;
	take(&s);
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(pgtbl_cons(root, bad[i], l3, 3), CAIRN_EFAULT);
		assert_int_equal(pgtbl_cons(root, bad[i], l3, 2), CAIRN_EFAULT);
		assert_int_equal(pgtbl_cons(root, bad[i], l3, 1), CAIRN_EFAULT);
	}
	same(&s);
}

static void pgtbl_cons_last_user_region(void **state)
{
	uint64_t *root = node(4);
	uint64_t va = USER_TOP - 1;

	(void)state;
	path(root, va);
	assert_true(pgtbl_present(root, va, 1));
	assert_int_equal(FR(root)->used, 1);
	assert_true(root[USER_PML4_ENTRIES - 1] & PTE_P);
	assert_int_equal(root[USER_PML4_ENTRIES], KENTRY(USER_PML4_ENTRIES));
}

static void pgtbl_cons_child_level_efault(void **state)
{
	static const int bad[] = { 0, -1, 4, 5, 1000 };
	uint64_t *root = node(4), *l3 = node(3);
	struct snap s;

	(void)state;
	take(&s);
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(pgtbl_cons(root, 0x1000, l3, bad[i]), CAIRN_EFAULT);
	same(&s);
}

static void pgtbl_cons_missing_upper_enoent(void **state)
{
	uint64_t *root = node(4), *l2 = node(2), *l1 = node(1);
	uint64_t va = 0x200000;
	struct snap s;

	(void)state;
	take(&s);
	assert_int_equal(pgtbl_cons(root, va, l2, 2), CAIRN_ENOENT);
	assert_int_equal(pgtbl_cons(root, va, l1, 1), CAIRN_ENOENT);
	same(&s);
	cons_ok(root, va, node(3), 3);
	take(&s);
	assert_int_equal(pgtbl_cons(root, va, l1, 1), CAIRN_ENOENT);
	same(&s);
	cons_ok(root, va, l2, 2);
	cons_ok(root, va, l1, 1);
}

static void pgtbl_cons_entry_in_use_ebusy(void **state)
{
	uint64_t *root = node(4), *a3 = node(3), *b3 = node(3);
	uint64_t *a2 = node(2), *b2 = node(2), *a1 = node(1), *b1 = node(1);
	uint64_t va = 3 * L2_SPAN;
	struct snap s;

	(void)state;
	cons_ok(root, va, a3, 3);
	cons_ok(root, va, a2, 2);
	cons_ok(root, va, a1, 1);
	take(&s);
	/* other addresses covered by the same entries */
	assert_int_equal(pgtbl_cons(root, va + L2_SPAN, b3, 3), CAIRN_EBUSY);
	assert_int_equal(pgtbl_cons(root, va + L1_SPAN, b2, 2), CAIRN_EBUSY);
	assert_int_equal(pgtbl_cons(root, va + 5 * P, b1, 1), CAIRN_EBUSY);
	same(&s);
	assert_int_equal(FR(b3)->used | FR(b2)->used | FR(b1)->used, 0);
}

static void pgtbl_cons_child_hooked_elsewhere_ebusy(void **state)
{
	uint64_t *root = node(4), *root2 = node(4);
	uint64_t va = 0x1000, other = va + L1_SPAN;
	uint64_t *l1 = path(root, va);
	struct snap s;

	(void)state;
	path(root2, va);
	assert_int_equal(pgtbl_decons(root2, va, 1), 0);	/* root2: an empty level-1 slot */
	cons_ok(root, other, node(1), 1);
	assert_int_equal(pgtbl_decons(root, other, 1), 0);	/* root: one too */
	take(&s);
	assert_int_equal(pgtbl_cons(root, other, l1, 1), CAIRN_EBUSY);
	assert_int_equal(pgtbl_cons(root2, va, l1, 1), CAIRN_EBUSY);
	same(&s);
	assert_int_equal(FR(l1)->refs, 1);
}

/* ---- pgtbl_map ---- */

static void pgtbl_map_sets_entry(void **state)
{
	uint64_t *root = node(4), va = 0x403000;
	uint64_t *l1 = path(root, va), pa = user_frame();

	(void)state;
	assert_int_equal(pgtbl_map(root, va, pa, 0), 0);
	assert_int_equal(l1[idx(va, 1)] & PTE_ADDR, pa);
	assert_true(l1[idx(va, 1)] & PTE_P);
	assert_true(l1[idx(va, 1)] & PTE_U);
	assert_int_equal(FP(pa)->refs, 1);
	assert_int_equal(FR(l1)->used, HOOKED | 1);
	assert_int_equal(FR(l1)->refs, 1);
	assert_int_equal(pgtbl_lookup(root, va), (int64_t)pa);
	assert_int_equal(l1[idx(va, 1) + 1], 0);
	assert_int_equal(l1[idx(va, 1) - 1], 0);
}

/* Maps one frame with rights; checks the W and NX bits and what lookup reports. */
static void map_rights(unsigned rights, bool w, bool nx)
{
	uint64_t *root = node(4), va = 0x7000;
	uint64_t *l1 = path(root, va), pa = user_frame();
	uint64_t e;

	assert_int_equal(pgtbl_map(root, va, pa, rights), 0);
	e = l1[idx(va, 1)];
	assert_int_equal(!!(e & PTE_W), w);
	assert_int_equal(!!(e & PTE_NX), nx);
	assert_int_equal(e & ~(PTE_ADDR | PTE_W | PTE_NX), PTE_P | PTE_U);
	assert_int_equal(pgtbl_lookup(root, va),
			 (int64_t)(pa | (w ? CAIRN_MAP_WRITE : 0) | (nx ? 0 : CAIRN_MAP_EXEC)));
}

static void pgtbl_map_rights_read(void **state)
{
	(void)state;
	map_rights(0, false, true);
}

static void pgtbl_map_rights_write(void **state)
{
	(void)state;
	map_rights(CAIRN_MAP_WRITE, true, true);
}

static void pgtbl_map_rights_exec(void **state)
{
	(void)state;
	map_rights(CAIRN_MAP_EXEC, false, false);
}

static void pgtbl_map_rights_write_exec(void **state)
{
	(void)state;
	map_rights(CAIRN_MAP_WRITE | CAIRN_MAP_EXEC, true, false);
}

static void pgtbl_map_without_cpu_nx(void **state)
{
	/* Without NX every mapping is executable, and lookup says so. */
	(void)state;
	pgtbl_nx = 0;
	map_rights(0, false, false);
}

static void pgtbl_map_va_efault(void **state)
{
	static const uint64_t bad[] = {
		0, 0x800, USER_BASE - 1, USER_BASE + 1, 0x1800, 0x2fff,
		USER_TOP - P + 1, USER_TOP, USER_TOP + P, 0xffff800000000000ULL,
		PAGE_DOWN(UINT64_MAX),
	};
	uint64_t *root = node(4), pa = user_frame();
	struct snap s;

	(void)state;
	path(root, 0x1000);
	path(root, USER_TOP - P);
	take(&s);
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(pgtbl_map(root, bad[i], pa, CAIRN_MAP_WRITE), CAIRN_EFAULT);
	same(&s);
}

static void pgtbl_map_user_bounds(void **state)
{
	uint64_t *root = node(4), pa = user_frame();

	(void)state;
	path(root, USER_BASE);
	path(root, USER_TOP - P);
	assert_int_equal(pgtbl_map(root, USER_BASE, pa, 0), 0);
	assert_int_equal(pgtbl_map(root, USER_TOP - P, pa, 0), 0);
	assert_int_equal(pgtbl_lookup(root, USER_BASE), (int64_t)pa);
	assert_int_equal(pgtbl_lookup(root, USER_TOP - P), (int64_t)pa);
	assert_int_equal(FP(pa)->refs, 2);
}

static void pgtbl_map_no_level1_enoent(void **state)
{
	uint64_t *root = node(4), va = 0x200000, pa = user_frame();
	struct snap s;

	(void)state;
	take(&s);
	assert_int_equal(pgtbl_map(root, va, pa, 0), CAIRN_ENOENT);
	same(&s);
	cons_ok(root, va, node(3), 3);
	take(&s);
	assert_int_equal(pgtbl_map(root, va, pa, 0), CAIRN_ENOENT);
	same(&s);
	cons_ok(root, va, node(2), 2);
	take(&s);
	assert_int_equal(pgtbl_map(root, va, pa, 0), CAIRN_ENOENT);
	same(&s);
	cons_ok(root, va + L1_SPAN, node(1), 1);	/* the neighbouring 2 MiB */
	take(&s);
	assert_int_equal(pgtbl_map(root, va, pa, 0), CAIRN_ENOENT);
	same(&s);
}

static void pgtbl_map_mapped_ebusy(void **state)
{
	uint64_t *root = node(4), va = 0x5000, pa = user_frame(), pb = user_frame();
	struct snap s;

	(void)state;
	path(root, va);
	assert_int_equal(pgtbl_map(root, va, pa, CAIRN_MAP_WRITE), 0);
	take(&s);
	assert_int_equal(pgtbl_map(root, va, pb, CAIRN_MAP_EXEC), CAIRN_EBUSY);
	assert_int_equal(pgtbl_map(root, va, pa, CAIRN_MAP_WRITE), CAIRN_EBUSY);
	same(&s);
	assert_int_equal(pgtbl_lookup(root, va), (int64_t)(pa | CAIRN_MAP_WRITE));
	assert_int_equal(FP(pb)->refs, 0);
}

static void pgtbl_map_frame_twice(void **state)
{
	uint64_t *root = node(4), pa = user_frame();
	uint64_t *l1 = path(root, 0x1000);

	(void)state;
	assert_int_equal(pgtbl_map(root, 0x1000, pa, 0), 0);
	assert_int_equal(pgtbl_map(root, 0x2000, pa, CAIRN_MAP_WRITE), 0);
	assert_int_equal(FP(pa)->refs, 2);
	assert_int_equal(FR(l1)->used, HOOKED | 2);
	assert_int_equal(pgtbl_unmap(root, 0x1000), 0);
	assert_int_equal(FP(pa)->refs, 1);
	assert_int_equal(pgtbl_lookup(root, 0x2000), (int64_t)(pa | CAIRN_MAP_WRITE));
}

/*
 * A frame's reference count stops at FRAME_REFS_MAX (frame.h): a mapping or a hook
 * past it is refused with CAIRN_EOVERFLOW and changes nothing; one below it works.
 */
static void pgtbl_map_refs_limit_eoverflow(void **state)
{
	uint64_t *root = node(4), va = 0x7000, pa = user_frame();
	struct snap s;

	(void)state;
	path(root, va);
	FP(pa)->refs = FRAME_REFS_MAX;	/* as if mapped that many times elsewhere */
	take(&s);
	assert_int_equal(pgtbl_map(root, va, pa, CAIRN_MAP_WRITE), CAIRN_EOVERFLOW);
	same(&s);
	assert_int_equal(pgtbl_lookup(root, va), CAIRN_ENOENT);
	FP(pa)->refs = FRAME_REFS_MAX - 1;
	assert_int_equal(pgtbl_map(root, va, pa, CAIRN_MAP_WRITE), 0);
	assert_int_equal(FP(pa)->refs, FRAME_REFS_MAX);
}

static void pgtbl_cons_refs_limit_eoverflow(void **state)
{
	uint64_t *root = node(4), *l3 = node(3), va = 5 * L2_SPAN;
	struct snap s;

	(void)state;
	FR(l3)->refs = FRAME_REFS_MAX;	/* as if named by that many capabilities */
	take(&s);
	assert_int_equal(pgtbl_cons(root, va, l3, 3), CAIRN_EOVERFLOW);
	same(&s);
	FR(l3)->refs = FRAME_REFS_MAX - 1;
	cons_ok(root, va, l3, 3);
	assert_int_equal(FR(l3)->refs, FRAME_REFS_MAX);
}

/* ---- pgtbl_map_device: device pages (devmem.h) ---- */

#define DEVICE_PA 0xfed00000ULL		/* beyond the simulated memory: no frame-table entry */

static void pgtbl_map_device_entry_and_lookup(void **state)
{
	uint64_t *root = node(4), va = 0x20000;
	uint64_t *l1 = path(root, va);
	struct snap s;

	(void)state;
	assert_null(FP(DEVICE_PA));
	take(&s);
	assert_int_equal(pgtbl_map_device(root, va, DEVICE_PA, CAIRN_MAP_WRITE), 0);
	uint64_t e = l1[idx(va, 1)];
	assert_int_equal(e & PTE_ADDR, DEVICE_PA);
	assert_true((e & (PTE_P | PTE_U | PTE_W | PTE_PCD | PTE_PWT | PTE_DEV)) ==
		    (PTE_P | PTE_U | PTE_W | PTE_PCD | PTE_PWT | PTE_DEV));
	assert_true(e & PTE_NX);			/* never executable */
	assert_int_equal(FR(l1)->used, HOOKED | 1);
	assert_int_equal(pgtbl_lookup(root, va + 5),
			 (int64_t)(DEVICE_PA | CAIRN_MAP_WRITE | CAIRN_MAP_DEVICE));
	assert_int_equal(pgtbl_map_device(root, va + P, DEVICE_PA, 0), 0);	/* read-only, again */
	assert_false(l1[idx(va + P, 1)] & PTE_W);
	assert_int_equal(pgtbl_lookup(root, va + P), (int64_t)(DEVICE_PA | CAIRN_MAP_DEVICE));
	assert_int_equal(pgtbl_unmap(root, va), 0);	/* counts no frame */
	assert_int_equal(pgtbl_unmap(root, va + P), 0);
	assert_int_equal(nflush - s.nflush, 2);
	s.nflush = nflush;
	same(&s);
}

static void pgtbl_map_device_takes_no_reference(void **state)
{
	uint64_t *root = node(4), va = 0x20000, pa = user_frame();
	uint64_t *l1 = path(root, va);

	(void)state;
	/* A frame with an entry (the caller checks it is RESERVED on the machine): untouched. */
	assert_int_equal(pgtbl_map_device(root, va, pa, 0), 0);
	assert_int_equal(FP(pa)->refs, 0);
	assert_int_equal(pgtbl_decons(root, va, 1), CAIRN_EBUSY);	/* the table maps a page */
	assert_int_equal(pgtbl_unmap(root, va), 0);
	assert_int_equal(FP(pa)->refs, 0);
	assert_int_equal(pgtbl_decons(root, va, 1), 0);
	assert_int_equal(FR(l1)->used, 0);
}

static void pgtbl_map_device_errors(void **state)
{
	uint64_t *root = node(4), va = 0x20000;
	struct snap s;

	(void)state;
	take(&s);
	assert_int_equal(pgtbl_map_device(root, va, DEVICE_PA, 0), CAIRN_ENOENT);	/* no tables */
	same(&s);
	path(root, va);
	assert_int_equal(pgtbl_map_device(root, va, DEVICE_PA, 0), 0);
	take(&s);
	assert_int_equal(pgtbl_map_device(root, va, DEVICE_PA, 0), CAIRN_EBUSY);
	assert_int_equal(pgtbl_map_device(root, va + 8, DEVICE_PA, 0), CAIRN_EFAULT);
	assert_int_equal(pgtbl_map_device(root, 0, DEVICE_PA, 0), CAIRN_EFAULT);
	assert_int_equal(pgtbl_map_device(root, USER_TOP, DEVICE_PA, 0), CAIRN_EFAULT);
	same(&s);
}

/* ---- pgtbl_unmap ---- */

static void pgtbl_unmap_removes(void **state)
{
	uint64_t *root = node(4), va = 0x3ff000, pa = user_frame();
	uint64_t *l1 = path(root, va);

	(void)state;
	assert_int_equal(pgtbl_map(root, va, pa, CAIRN_MAP_WRITE), 0);
	nflush = 0;
	assert_int_equal(pgtbl_unmap(root, va), 0);
	assert_int_equal(l1[idx(va, 1)], 0);
	assert_int_equal(FP(pa)->refs, 0);
	assert_int_equal(FR(l1)->used, HOOKED);
	assert_int_equal(FR(l1)->refs, 1);
	assert_int_equal(pgtbl_lookup(root, va), CAIRN_ENOENT);
	assert_int_equal(nflush, 1);
	assert_ptr_equal(flush_root, root);
	assert_int_equal(flush_va, va);
	assert_int_equal(frame_retype(&frames, pa, CAIRN_FRAME_UNTYPED), 0);
}

static void pgtbl_unmap_none_enoent(void **state)
{
	uint64_t *root = node(4), va = 0x8000, pa = user_frame();
	struct snap s;

	(void)state;
	take(&s);
	assert_int_equal(pgtbl_unmap(root, va), CAIRN_ENOENT);	/* no tables */
	same(&s);
	path(root, va);
	assert_int_equal(pgtbl_map(root, va + P, pa, 0), 0);
	take(&s);
	assert_int_equal(pgtbl_unmap(root, va), CAIRN_ENOENT);	/* no mapping */
	assert_int_equal(pgtbl_unmap(root, 0), CAIRN_ENOENT);	/* the null page */
	same(&s);
	assert_int_equal(pgtbl_unmap(root, va + P), 0);
	assert_int_equal(pgtbl_unmap(root, va + P), CAIRN_ENOENT);
}

static void pgtbl_unmap_bad_va_efault(void **state)
{
	/* Not in pgtbl.h for unmap; the same address checks as map, and nothing changes. */
	uint64_t *root = node(4), va = 0x8000, pa = user_frame();
	struct snap s;

	(void)state;
	path(root, va);
	path(root, USER_TOP - P);
	assert_int_equal(pgtbl_map(root, va, pa, 0), 0);
	assert_int_equal(pgtbl_map(root, USER_TOP - P, pa, 0), 0);
	take(&s);
	assert_int_equal(pgtbl_unmap(root, USER_TOP), CAIRN_EFAULT);
	assert_int_equal(pgtbl_unmap(root, 0xffff800000000000ULL), CAIRN_EFAULT);
	assert_int_equal(pgtbl_unmap(root, va + 0x10), CAIRN_EFAULT);
	assert_int_equal(pgtbl_unmap(root, USER_TOP - P + 1), CAIRN_EFAULT);
	same(&s);
}

/* ---- pgtbl_lookup ---- */

static void pgtbl_lookup_any_address_in_page(void **state)
{
	uint64_t *root = node(4), va = 0x10000, pa = user_frame();

	(void)state;
	path(root, va);
	assert_int_equal(pgtbl_map(root, va, pa, CAIRN_MAP_EXEC), 0);
	assert_int_equal(pgtbl_lookup(root, va + 1), (int64_t)(pa | CAIRN_MAP_EXEC));
	assert_int_equal(pgtbl_lookup(root, va + P - 1), (int64_t)(pa | CAIRN_MAP_EXEC));
	assert_int_equal(pgtbl_lookup(root, va + P), CAIRN_ENOENT);
	assert_int_equal(pgtbl_lookup(root, va - 1), CAIRN_ENOENT);
}

static void pgtbl_lookup_enoent(void **state)
{
	uint64_t *root = node(4);
	struct snap s;

	(void)state;
	take(&s);
	assert_int_equal(pgtbl_lookup(root, 0x1000), CAIRN_ENOENT);
	assert_int_equal(pgtbl_lookup(root, 0), CAIRN_ENOENT);
	assert_int_equal(pgtbl_lookup(root, USER_TOP - 1), CAIRN_ENOENT);
	same(&s);
	path(root, 0x1000);
	assert_int_equal(pgtbl_lookup(root, 0x1000), CAIRN_ENOENT);
	assert_int_equal(pgtbl_lookup(root, 0), CAIRN_ENOENT);
}

static void pgtbl_lookup_efault(void **state)
{
	uint64_t *root = node(4);
	struct snap s;

	(void)state;
	path(root, USER_TOP - P);
	take(&s);
	assert_int_equal(pgtbl_lookup(root, USER_TOP), CAIRN_EFAULT);
	assert_int_equal(pgtbl_lookup(root, USER_TOP + 0x123), CAIRN_EFAULT);
	assert_int_equal(pgtbl_lookup(root, 0x0000800000000000ULL), CAIRN_EFAULT);
	assert_int_equal(pgtbl_lookup(root, 0xffff800000000000ULL), CAIRN_EFAULT);
	assert_int_equal(pgtbl_lookup(root, UINT64_MAX), CAIRN_EFAULT);
	same(&s);
}

/* ---- pgtbl_decons ---- */

static void pgtbl_decons_nonempty_ebusy(void **state)
{
	uint64_t *root = node(4), va = 0x600000, pa = user_frame();
	struct snap s;

	(void)state;
	path(root, va);
	assert_int_equal(pgtbl_map(root, va, pa, 0), 0);
	take(&s);
	assert_int_equal(pgtbl_decons(root, va, 1), CAIRN_EBUSY);
	assert_int_equal(pgtbl_decons(root, va, 2), CAIRN_EBUSY);
	assert_int_equal(pgtbl_decons(root, va, 3), CAIRN_EBUSY);
	same(&s);
	assert_int_equal(pgtbl_unmap(root, va), 0);
	take(&s);
	assert_int_equal(pgtbl_decons(root, va, 2), CAIRN_EBUSY);	/* the level 1 is hooked */
	assert_int_equal(pgtbl_decons(root, va, 3), CAIRN_EBUSY);
	same(&s);
}

static void pgtbl_decons_empty_ok(void **state)
{
	uint64_t *root = node(4), va = 0x600000, pa = user_frame();
	uint64_t *l1 = path(root, va);
	uint64_t *l3 = p2v(root[idx(va, 4)] & PTE_ADDR);
	uint64_t *l2 = p2v(l3[idx(va, 3)] & PTE_ADDR);

	(void)state;
	assert_int_equal(pgtbl_map(root, va, pa, 0), 0);
	assert_int_equal(pgtbl_unmap(root, va), 0);
	nflush = 0;
	assert_int_equal(pgtbl_decons(root, va, 1), 0);
	assert_int_equal(l2[idx(va, 2)], 0);
	assert_int_equal(FR(l1)->refs, 0);
	assert_int_equal(FR(l1)->used, 0);
	assert_int_equal(FR(l1)->obj, OBJ_NONE);	/* no capability named it: destroyed */
	assert_int_equal(FR(l2)->used, HOOKED);
	assert_int_equal(nflush, 1);
	assert_ptr_equal(flush_root, root);
	assert_int_equal(flush_va, va);
	assert_false(pgtbl_present(root, va, 1));
	assert_int_equal(pgtbl_map(root, va, pa, 0), CAIRN_ENOENT);
}

static void pgtbl_decons_each_level(void **state)
{
	uint64_t *root = node(4), va = 5 * L3_SPAN + 6 * L2_SPAN + 7 * L1_SPAN;
	uint64_t *l3 = node(3), *l2 = node(2), *l1 = node(1);

	(void)state;
	cons_ok(root, va, l3, 3);
	cons_ok(root, va, l2, 2);
	cons_ok(root, va, l1, 1);
	assert_int_equal(pgtbl_decons(root, va, 1), 0);
	assert_int_equal(FR(l2)->used, HOOKED);
	assert_int_equal(pgtbl_decons(root, va, 2), 0);
	assert_int_equal(FR(l3)->used, HOOKED);
	assert_int_equal(FR(l2)->refs, 0);
	assert_int_equal(pgtbl_decons(root, va, 3), 0);
	assert_int_equal(FR(root)->used, 0);
	assert_int_equal(FR(l3)->refs, 0);
	assert_int_equal(FR(l3)->used, 0);
	assert_int_equal(root[idx(va, 4)], 0);
	assert_int_equal(nflush, 3);
}

static void pgtbl_decons_none_enoent(void **state)
{
	uint64_t *root = node(4), va = 0x200000;
	struct snap s;

	(void)state;
	take(&s);
	assert_int_equal(pgtbl_decons(root, va, 3), CAIRN_ENOENT);
	assert_int_equal(pgtbl_decons(root, va, 2), CAIRN_ENOENT);
	assert_int_equal(pgtbl_decons(root, va, 1), CAIRN_ENOENT);
	same(&s);
	cons_ok(root, va, node(3), 3);
	take(&s);
	assert_int_equal(pgtbl_decons(root, va, 2), CAIRN_ENOENT);
	assert_int_equal(pgtbl_decons(root, va, 1), CAIRN_ENOENT);
	same(&s);
	cons_ok(root, va, node(2), 2);
	cons_ok(root, va, node(1), 1);
	take(&s);
	assert_int_equal(pgtbl_decons(root, va + L1_SPAN, 1), CAIRN_ENOENT);
	assert_int_equal(pgtbl_decons(root, va + L2_SPAN, 2), CAIRN_ENOENT);
	assert_int_equal(pgtbl_decons(root, va + L3_SPAN, 3), CAIRN_ENOENT);
	same(&s);
}

static void pgtbl_decons_bad_arguments_efault(void **state)
{
	uint64_t *root = node(4), va = 0x200000;
	struct snap s;

	(void)state;
	path(root, va);
	path(root, USER_TOP - 1);
	take(&s);
	assert_int_equal(pgtbl_decons(root, USER_TOP, 1), CAIRN_EFAULT);
	assert_int_equal(pgtbl_decons(root, USER_TOP, 3), CAIRN_EFAULT);
	assert_int_equal(pgtbl_decons(root, 0xffff800000000000ULL, 3), CAIRN_EFAULT);
	assert_int_equal(pgtbl_decons(root, va, 0), CAIRN_EFAULT);
	assert_int_equal(pgtbl_decons(root, va, 4), CAIRN_EFAULT);
	assert_int_equal(pgtbl_decons(root, va, -1), CAIRN_EFAULT);
	same(&s);
}

static void pgtbl_decons_then_cons_elsewhere(void **state)
{
	uint64_t *root = node(4), va = 0x200000, other = 0x400000;
	uint64_t *l1 = path(root, va);

	(void)state;
	assert_int_equal(pgtbl_decons(root, va, 1), 0);
	cons_ok(root, other, l1, 1);
	assert_int_equal(FR(l1)->refs, 1);
	assert_int_equal(FR(l1)->used, HOOKED);
	assert_true(pgtbl_present(root, other, 1));
	assert_false(pgtbl_present(root, va, 1));
}

/* ---- everything together ---- */

static void pgtbl_lifecycle_restores_counts(void **state)
{
	static const uint64_t vas[] = {
		USER_BASE, USER_BASE + P, 0x200000, 0x40000000, 0x8000000000ULL,
		0x8000001000ULL, USER_TOP - P,
	};
	uint64_t *root = node(4), pa[4], *tables[3 * ARRAY_SIZE(vas)];
	unsigned nt = 0, built = 0, maps = 0, flushes;
	struct snap s;

	(void)state;
	for (unsigned i = 0; i < 4; i++)
		pa[i] = user_frame();
	for (unsigned i = 0; i < ARRAY_SIZE(tables); i++) {
		tables[i] = node(1 + i % 3);
		FR(tables[i])->caps = 1;	/* named by a capability: kept when unhooked */
	}
	take(&s);
	for (unsigned i = 0; i < ARRAY_SIZE(vas); i++)	/* build what is missing */
		for (int level = 3; level >= 1; level--)
			if (!pgtbl_present(root, vas[i], level)) {
				uint64_t *t = NULL;
				for (unsigned j = 0; j < ARRAY_SIZE(tables); j++)
					if (tables[j] && FR(tables[j])->obj == PGTBL_OBJ(level)) {
						t = tables[j];
						tables[j] = NULL;
						break;
					}
				assert_non_null(t);
				cons_ok(root, vas[i], t, level);
				nt++;
				built++;
			}
	for (unsigned i = 0; i < ARRAY_SIZE(vas); i++, maps++)
		assert_int_equal(pgtbl_map(root, vas[i], pa[i % 4], i % 4), 0);
	for (unsigned i = 0; i < ARRAY_SIZE(vas); i++)
		assert_int_equal(pgtbl_lookup(root, vas[i]), (int64_t)(pa[i % 4] | (i % 4)));
	assert_int_equal(FP(pa[0])->refs, 2);
	assert_int_equal(FP(pa[3])->refs, 1);
	flushes = nflush;
	for (unsigned i = 0; i < ARRAY_SIZE(vas); i++)
		assert_int_equal(pgtbl_unmap(root, vas[i]), 0);
	for (int level = 1; level <= 3; level++)		/* tear down bottom-up */
		for (unsigned i = 0; i < ARRAY_SIZE(vas); i++)
			if (pgtbl_present(root, vas[i], level)) {
				assert_int_equal(pgtbl_decons(root, vas[i], level), 0);
				nt--;
			}
	assert_int_equal(nt, 0);
	assert_int_equal(built, 12);	/* 3 + 1 + 2 + 3 + 3 nodes for the addresses above */
	assert_int_equal(nflush - flushes, maps + built);	/* each unmap and decons */
	s.nflush = nflush;
	same(&s);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(pgtbl_init_root_copies_kernel_half),
		T(pgtbl_init_root_touches_only_the_root),
		T(pgtbl_cons_level3),
		T(pgtbl_cons_level2),
		T(pgtbl_cons_level1),
		T(pgtbl_cons_siblings_count),
		T(pgtbl_cons_va_outside_user_efault),
		T(pgtbl_cons_last_user_region),
		T(pgtbl_cons_child_level_efault),
		T(pgtbl_cons_missing_upper_enoent),
		T(pgtbl_cons_entry_in_use_ebusy),
		T(pgtbl_cons_child_hooked_elsewhere_ebusy),
		T(pgtbl_map_sets_entry),
		T(pgtbl_map_rights_read),
		T(pgtbl_map_rights_write),
		T(pgtbl_map_rights_exec),
		T(pgtbl_map_rights_write_exec),
		T(pgtbl_map_without_cpu_nx),
		T(pgtbl_map_va_efault),
		T(pgtbl_map_user_bounds),
		T(pgtbl_map_no_level1_enoent),
		T(pgtbl_map_mapped_ebusy),
		T(pgtbl_map_frame_twice),
		T(pgtbl_map_refs_limit_eoverflow),
		T(pgtbl_cons_refs_limit_eoverflow),
		T(pgtbl_map_device_entry_and_lookup),
		T(pgtbl_map_device_takes_no_reference),
		T(pgtbl_map_device_errors),
		T(pgtbl_unmap_removes),
		T(pgtbl_unmap_none_enoent),
		T(pgtbl_unmap_bad_va_efault),
		T(pgtbl_lookup_any_address_in_page),
		T(pgtbl_lookup_enoent),
		T(pgtbl_lookup_efault),
		T(pgtbl_decons_nonempty_ebusy),
		T(pgtbl_decons_empty_ok),
		T(pgtbl_decons_each_level),
		T(pgtbl_decons_none_enoent),
		T(pgtbl_decons_bad_arguments_efault),
		T(pgtbl_decons_then_cons_elsewhere),
		T(pgtbl_lifecycle_restores_counts),
	};

	return cmocka_run_group_tests_name("pgtbl", tests, NULL, NULL);
}
