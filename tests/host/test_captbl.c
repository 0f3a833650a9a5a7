/*
 * test_captbl.c: host unit tests for kernel/captbl.c against the contract in cap.h.
 *
 * Roots, leaves and the objects capabilities name all live in frames of a simulated
 * physical memory (memlayout.h of tests/host/include), retyped KERNEL and given their
 * object kind as memory_activate does; the global frame table `frames` (frame.c)
 * holds their reference and "used" counts. Every refused operation must leave the
 * table nodes and the whole frame table as they were.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cap.h"
#include "frame.h"
#include "simmem.h"
#include "memlayout.h"

#define P        PAGE_SIZE
#define HOOKED   0x8000
#define LEAF     CAIRN_CAPTBL_LEAF_SLOTS
#define ROOTN    CAIRN_CAPTBL_ROOT_SLOTS
#define MAX      CAIRN_CAPTBL_MAX


static uint64_t next_frame;	/* the next UNTYPED frame to hand out */

static int setup(void **state)
{
	(void)state;
	next_frame = 1;		/* frame 0 stays RESERVED, as on the machine */
	return sim_setup(&frames, 0xa5, 1);
}

static int teardown(void **state)
{
	(void)state;
	return sim_teardown(&frames);
}

/* A fresh kernel object of the given kind in its own frame (memory_activate). */
static void *kobj(uint8_t kind)
{
	uint64_t pa = next_frame++ * P;

	assert_true(pa < host_phys_size);
	assert_int_equal(frame_retype(&frames, pa, CAIRN_FRAME_KERNEL), 0);
	frame_get(&frames, pa)->obj = kind;
	return p2v(pa);
}

static struct captbl_root *new_root(void)
{
	return kobj(OBJ_CAPTBL_ROOT);
}

static struct captbl_leaf *new_leaf(void)
{
	return kobj(OBJ_CAPTBL_LEAF);
}

static struct frame *FR(const void *obj)
{
	return frame_get(&frames, v2p(obj));
}

/* A capability to obj (a thread, say), or one without an object when obj is NULL. */
static struct cap mkcap(void *obj)
{
	return (struct cap){ .type = obj ? CAIRN_CAP_THREAD : CAIRN_CAP_IRQ, .obj = obj,
			     .a = 0x1111, .b = 0x2222 };
}

static void cons_ok(struct captbl_root *r, uint64_t pos, struct captbl_leaf *l)
{
	assert_int_equal(captbl_cons(r, pos, l), 0);
}

/* A snapshot of everything an operation could change (simmem.h). */
struct snap {
	struct sim_snap sim;
};

static void take(struct snap *s)
{
	sim_take(&s->sim, &frames);
}

static void same(struct snap *s)
{
	sim_same(&s->sim, &frames);
}

/* ---- captbl_lookup ---- */

static void captbl_lookup_out_of_range_null(void **state)
{
	struct captbl_root *r = new_root();

	(void)state;
	cons_ok(r, ROOTN - 1, new_leaf());
	assert_non_null(captbl_lookup(r, MAX - 1));
	assert_null(captbl_lookup(r, MAX));
	assert_null(captbl_lookup(r, MAX + 1));
	assert_null(captbl_lookup(r, (uint64_t)MAX * 2));
	assert_null(captbl_lookup(r, UINT64_MAX));
}

static void captbl_lookup_absent_leaf_null(void **state)
{
	struct captbl_root *r = new_root();

	(void)state;
	assert_null(captbl_lookup(r, 0));
	assert_null(captbl_lookup(r, 1));
	assert_null(captbl_lookup(r, LEAF));
	assert_null(captbl_lookup(r, MAX - 1));
	cons_ok(r, 1, new_leaf());
	assert_null(captbl_lookup(r, LEAF - 1));
	assert_non_null(captbl_lookup(r, LEAF));
	assert_null(captbl_lookup(r, 2 * LEAF));
}

static void captbl_lookup_index_mapping(void **state)
{
	static const uint64_t pos[] = { 0, 1, 2, 7, 300, ROOTN - 1 };
	static const uint64_t slot[] = { 0, 1, 64, LEAF - 1 };
	struct captbl_root *r = new_root();
	struct captbl_leaf *l[ARRAY_SIZE(pos)];

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(pos); i++) {
		l[i] = new_leaf();
		cons_ok(r, pos[i], l[i]);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(pos); i++)
		for (unsigned j = 0; j < ARRAY_SIZE(slot); j++)
			assert_ptr_equal(captbl_lookup(r, pos[i] * LEAF + slot[j]),
					 &l[i]->slot[slot[j]]);
	assert_null(captbl_lookup(r, 3 * LEAF));	/* leaf 3 is absent */
	assert_null(captbl_lookup(r, 299 * LEAF + LEAF - 1));
}

/* ---- captbl_get ---- */

static void captbl_get_out_of_range_erange(void **state)
{
	struct captbl_root *r = new_root();
	struct cap *out = (struct cap *)0x1;

	(void)state;
	cons_ok(r, ROOTN - 1, new_leaf());
	assert_int_equal(captbl_get(r, MAX, &out), CAIRN_ERANGE);
	assert_int_equal(captbl_get(r, MAX + 5, &out), CAIRN_ERANGE);
	assert_int_equal(captbl_get(r, UINT64_MAX, &out), CAIRN_ERANGE);
	assert_ptr_equal(out, (struct cap *)0x1);
}

static void captbl_get_absent_leaf_enoent(void **state)
{
	struct captbl_root *r = new_root();
	struct cap *out = (struct cap *)0x1;

	(void)state;
	assert_int_equal(captbl_get(r, 5, &out), CAIRN_ENOENT);
	assert_int_equal(captbl_get(r, MAX - 1, &out), CAIRN_ENOENT);
	cons_ok(r, 0, new_leaf());
	assert_int_equal(captbl_get(r, LEAF + 5, &out), CAIRN_ENOENT);
	assert_ptr_equal(out, (struct cap *)0x1);
}

static void captbl_get_empty_slot_enoent(void **state)
{
	struct captbl_root *r = new_root();
	struct cap *out = (struct cap *)0x1;

	(void)state;
	cons_ok(r, 0, new_leaf());
	assert_int_equal(captbl_get(r, 0, &out), CAIRN_ENOENT);	/* the null capability */
	assert_int_equal(captbl_get(r, 1, &out), CAIRN_ENOENT);
	assert_int_equal(captbl_get(r, LEAF - 1, &out), CAIRN_ENOENT);
	assert_ptr_equal(out, (struct cap *)0x1);
}

static void captbl_get_found(void **state)
{
	struct captbl_root *r = new_root();
	struct captbl_leaf *l = new_leaf();
	struct cap c = mkcap(kobj(OBJ_THREAD)), *out = NULL;

	(void)state;
	cons_ok(r, 2, l);
	cap_copy(&l->slot[9], &c);
	assert_int_equal(captbl_get(r, 2 * LEAF + 9, &out), 0);
	assert_ptr_equal(out, &l->slot[9]);
	assert_memory_equal(out, &c, sizeof(c));
}

/* ---- captbl_get_free ---- */

static void captbl_get_free_slot0_einval(void **state)
{
	struct captbl_root *r = new_root();
	struct cap *out = (struct cap *)0x1;

	(void)state;
	assert_int_equal(captbl_get_free(r, CAIRN_CAP_NULL, &out), CAIRN_EINVAL);
	cons_ok(r, 0, new_leaf());
	assert_int_equal(captbl_get_free(r, CAIRN_CAP_NULL, &out), CAIRN_EINVAL);
	assert_ptr_equal(out, (struct cap *)0x1);
}

static void captbl_get_free_used_ebusy(void **state)
{
	struct captbl_root *r = new_root();
	struct captbl_leaf *l = new_leaf();
	struct cap c = mkcap(NULL), *out = (struct cap *)0x1;

	(void)state;
	cons_ok(r, 1, l);
	cap_copy(&l->slot[3], &c);
	assert_int_equal(captbl_get_free(r, LEAF + 3, &out), CAIRN_EBUSY);
	assert_ptr_equal(out, (struct cap *)0x1);
}

static void captbl_get_free_absent_leaf_enoent(void **state)
{
	struct captbl_root *r = new_root();
	struct cap *out = (struct cap *)0x1;

	(void)state;
	assert_int_equal(captbl_get_free(r, 1, &out), CAIRN_ENOENT);
	assert_int_equal(captbl_get_free(r, MAX - 1, &out), CAIRN_ENOENT);
	assert_ptr_equal(out, (struct cap *)0x1);
}

static void captbl_get_free_out_of_range_erange(void **state)
{
	struct captbl_root *r = new_root();
	struct cap *out = (struct cap *)0x1;

	(void)state;
	cons_ok(r, ROOTN - 1, new_leaf());
	assert_int_equal(captbl_get_free(r, MAX, &out), CAIRN_ERANGE);
	assert_int_equal(captbl_get_free(r, UINT64_MAX, &out), CAIRN_ERANGE);
	assert_ptr_equal(out, (struct cap *)0x1);
}

static void captbl_get_free_ok(void **state)
{
	/* Slot 0 of the table is special; slot 0 of other leaves is an ordinary slot. */
	struct captbl_root *r = new_root();
	struct captbl_leaf *l0 = new_leaf(), *l1 = new_leaf(), *ln = new_leaf();
	struct cap *out = NULL;

	(void)state;
	cons_ok(r, 0, l0);
	cons_ok(r, 1, l1);
	cons_ok(r, ROOTN - 1, ln);
	assert_int_equal(captbl_get_free(r, 1, &out), 0);
	assert_ptr_equal(out, &l0->slot[1]);
	assert_int_equal(captbl_get_free(r, LEAF, &out), 0);
	assert_ptr_equal(out, &l1->slot[0]);
	assert_int_equal(captbl_get_free(r, MAX - 1, &out), 0);
	assert_ptr_equal(out, &ln->slot[LEAF - 1]);
}

/* ---- cons and decons ---- */

static void captbl_cons_hooks_leaf(void **state)
{
	struct captbl_root *r = new_root();
	struct captbl_leaf *l = new_leaf();

	(void)state;
	cons_ok(r, 5, l);
	assert_ptr_equal(r->leaf[5], l);
	assert_int_equal(FR(l)->refs, 1);
	assert_int_equal(FR(l)->used, HOOKED);
	assert_int_equal(FR(r)->used, 1);
	assert_int_equal(FR(r)->refs, 0);
	assert_int_equal(FR(l)->obj, OBJ_CAPTBL_LEAF);
}

static void captbl_cons_counts_leaves(void **state)
{
	struct captbl_root *r = new_root();

	(void)state;
	for (uint64_t pos = 0; pos < 8; pos++) {
		cons_ok(r, pos * 64 + (pos == 7 ? 63 : 0), new_leaf());
		assert_int_equal(FR(r)->used, pos + 1);
	}
	assert_non_null(r->leaf[ROOTN - 1]);
}

static void captbl_cons_out_of_range_erange(void **state)
{
	struct captbl_root *r = new_root();
	struct captbl_leaf *l = new_leaf();
	struct snap s;

	(void)state;
	take(&s);
	assert_int_equal(captbl_cons(r, ROOTN, l), CAIRN_ERANGE);
	assert_int_equal(captbl_cons(r, ROOTN + 1, l), CAIRN_ERANGE);
	assert_int_equal(captbl_cons(r, UINT64_MAX, l), CAIRN_ERANGE);
	same(&s);
}

static void captbl_cons_occupied_ebusy(void **state)
{
	struct captbl_root *r = new_root();
	struct captbl_leaf *a = new_leaf(), *b = new_leaf();
	struct snap s;

	(void)state;
	cons_ok(r, 3, a);
	take(&s);
	assert_int_equal(captbl_cons(r, 3, b), CAIRN_EBUSY);
	assert_int_equal(captbl_cons(r, 3, a), CAIRN_EBUSY);
	same(&s);
	assert_int_equal(FR(b)->used, 0);
	assert_int_equal(FR(b)->refs, 0);
}

static void captbl_cons_hooked_elsewhere_ebusy(void **state)
{
	struct captbl_root *r = new_root(), *r2 = new_root();
	struct captbl_leaf *l = new_leaf();
	struct snap s;

	(void)state;
	cons_ok(r, 0, l);
	take(&s);
	assert_int_equal(captbl_cons(r, 1, l), CAIRN_EBUSY);
	assert_int_equal(captbl_cons(r2, 0, l), CAIRN_EBUSY);
	same(&s);
	assert_null(r->leaf[1]);
	assert_null(r2->leaf[0]);
	assert_int_equal(FR(r2)->used, 0);
}

static void captbl_decons_restores(void **state)
{
	struct captbl_root *r = new_root();
	struct captbl_leaf *l = new_leaf();

	(void)state;
	cons_ok(r, 9, l);
	assert_int_equal(captbl_decons(r, 9), 0);
	assert_null(r->leaf[9]);
	assert_int_equal(FR(l)->refs, 0);
	assert_int_equal(FR(l)->used, 0);
	assert_int_equal(FR(r)->used, 0);
	assert_null(captbl_lookup(r, 9 * LEAF + 1));
}

static void captbl_decons_then_cons_elsewhere(void **state)
{
	struct captbl_root *r = new_root(), *r2 = new_root();
	struct captbl_leaf *l = new_leaf();

	(void)state;
	cons_ok(r, 9, l);
	assert_int_equal(captbl_decons(r, 9), 0);
	cons_ok(r2, 4, l);
	assert_int_equal(FR(l)->refs, 1);
	assert_int_equal(FR(l)->used, HOOKED);
	assert_int_equal(FR(r)->used, 0);
	assert_int_equal(FR(r2)->used, 1);
}

static void captbl_decons_out_of_range_erange(void **state)
{
	struct captbl_root *r = new_root();
	struct snap s;

	(void)state;
	cons_ok(r, ROOTN - 1, new_leaf());
	take(&s);
	assert_int_equal(captbl_decons(r, ROOTN), CAIRN_ERANGE);
	assert_int_equal(captbl_decons(r, UINT64_MAX), CAIRN_ERANGE);
	same(&s);
}

static void captbl_decons_absent_enoent(void **state)
{
	struct captbl_root *r = new_root();
	struct snap s;

	(void)state;
	cons_ok(r, 1, new_leaf());
	take(&s);
	assert_int_equal(captbl_decons(r, 0), CAIRN_ENOENT);
	assert_int_equal(captbl_decons(r, 2), CAIRN_ENOENT);
	assert_int_equal(captbl_decons(r, ROOTN - 1), CAIRN_ENOENT);
	same(&s);
}

static void captbl_decons_nonempty_ebusy(void **state)
{
	struct captbl_root *r = new_root();
	struct captbl_leaf *l = new_leaf();
	struct cap c = mkcap(kobj(OBJ_THREAD));
	struct snap s;

	(void)state;
	cons_ok(r, 2, l);
	cap_copy(&l->slot[LEAF - 1], &c);
	take(&s);
	assert_int_equal(captbl_decons(r, 2), CAIRN_EBUSY);
	same(&s);
	cap_clear(&l->slot[LEAF - 1]);
	assert_int_equal(captbl_decons(r, 2), 0);
	assert_int_equal(FR(l)->refs, 0);
	assert_int_equal(FR(l)->used, 0);
	assert_int_equal(FR(r)->used, 0);
}

static void captbl_decons_nonempty_no_object_ebusy(void **state)
{
	struct captbl_root *r = new_root();
	struct captbl_leaf *l = new_leaf();
	struct cap c = mkcap(NULL);
	struct snap s;

	(void)state;
	cons_ok(r, 2, l);
	cap_copy(&l->slot[0], &c);
	take(&s);
	assert_int_equal(captbl_decons(r, 2), CAIRN_EBUSY);
	same(&s);
	cap_clear(&l->slot[0]);
	assert_int_equal(captbl_decons(r, 2), 0);
}

/* ---- cap_copy, cap_clear and object references ---- */

static void captbl_cap_copy_counts(void **state)
{
	struct captbl_root *r = new_root();
	struct captbl_leaf *l = new_leaf();
	void *obj = kobj(OBJ_THREAD);
	struct cap c = mkcap(obj);

	(void)state;
	cons_ok(r, 0, l);
	cap_copy(&l->slot[7], &c);
	assert_memory_equal(&l->slot[7], &c, sizeof(c));
	assert_int_equal(obj_frame(obj)->refs, 1);
	assert_int_equal(FR(l)->used, HOOKED | 1);
	assert_int_equal(FR(l)->refs, 1);	/* the root's; slots add none to their leaf */
	assert_int_equal(FR(r)->used, 1);
	cap_copy(&l->slot[8], &l->slot[7]);
	assert_int_equal(obj_frame(obj)->refs, 2);
	assert_int_equal(FR(l)->used, HOOKED | 2);
}

static void captbl_cap_copy_no_object(void **state)
{
	struct captbl_root *r = new_root();
	struct captbl_leaf *l = new_leaf();
	struct cap c = mkcap(NULL);
	struct frame before[SIM_FRAMES];

	(void)state;
	cons_ok(r, 0, l);
	memcpy(before, fmem, sizeof(before));
	cap_copy(&l->slot[7], &c);
	assert_memory_equal(&l->slot[7], &c, sizeof(c));
	assert_int_equal(FR(l)->used, HOOKED | 1);
	FR(l)->used = HOOKED;	/* everything else is untouched */
	assert_memory_equal(fmem, before, sizeof(before));
}

static void captbl_cap_clear_counts(void **state)
{
	struct captbl_root *r = new_root();
	struct captbl_leaf *l = new_leaf();
	void *obj = kobj(OBJ_THREAD);
	struct cap c = mkcap(obj), zero = { 0 };

	(void)state;
	cons_ok(r, 0, l);
	cap_copy(&l->slot[7], &c);
	cap_copy(&l->slot[8], &c);
	cap_clear(&l->slot[7]);
	assert_memory_equal(&l->slot[7], &zero, sizeof(zero));
	assert_int_equal(obj_frame(obj)->refs, 1);
	assert_int_equal(FR(l)->used, HOOKED | 1);
	cap_clear(&l->slot[8]);
	assert_int_equal(obj_frame(obj)->refs, 0);
	assert_int_equal(FR(l)->used, HOOKED);
	assert_int_equal(FR(l)->refs, 1);
}

static void captbl_cap_clear_no_object(void **state)
{
	struct captbl_root *r = new_root();
	struct captbl_leaf *l = new_leaf();
	struct cap c = mkcap(NULL), zero = { 0 };
	struct frame before[SIM_FRAMES];

	(void)state;
	cons_ok(r, 0, l);
	cap_copy(&l->slot[7], &c);
	memcpy(before, fmem, sizeof(before));
	cap_clear(&l->slot[7]);
	assert_memory_equal(&l->slot[7], &zero, sizeof(zero));
	assert_int_equal(FR(l)->used, HOOKED);
	FR(l)->used = HOOKED | 1;
	assert_memory_equal(fmem, before, sizeof(before));
}

static void captbl_cap_copy_across_leaves(void **state)
{
	struct captbl_root *r = new_root();
	struct captbl_leaf *a = new_leaf(), *b = new_leaf();
	void *obj = kobj(OBJ_COMP);
	struct cap c = mkcap(obj), *src, *dst;

	(void)state;
	cons_ok(r, 0, a);
	cons_ok(r, 1, b);
	assert_int_equal(captbl_get_free(r, 5, &src), 0);
	cap_copy(src, &c);
	assert_int_equal(captbl_get_free(r, LEAF + 5, &dst), 0);
	cap_copy(dst, src);
	assert_int_equal(FR(a)->used, HOOKED | 1);
	assert_int_equal(FR(b)->used, HOOKED | 1);
	assert_int_equal(obj_frame(obj)->refs, 2);
	cap_clear(src);
	assert_int_equal(FR(a)->used, HOOKED);
	assert_int_equal(FR(b)->used, HOOKED | 1);
	assert_int_equal(obj_frame(obj)->refs, 1);
	assert_int_equal(captbl_get(r, LEAF + 5, &dst), 0);
	assert_ptr_equal(dst->obj, obj);
}

static void captbl_cap_to_table_nodes(void **state)
{
	/* Capabilities to the root and to a leaf count in refs, never in used. */
	struct captbl_root *r = new_root();
	struct captbl_leaf *l = new_leaf();
	struct cap cr = { .type = CAIRN_CAP_CAPTBL, .flags = 0, .obj = r };
	struct cap cl = { .type = CAIRN_CAP_CAPTBL, .flags = 1, .obj = l };

	(void)state;
	cons_ok(r, 0, l);
	cap_copy(&l->slot[1], &cr);
	cap_copy(&l->slot[2], &cl);
	assert_int_equal(FR(r)->refs, 1);
	assert_int_equal(FR(r)->used, 1);
	assert_int_equal(FR(l)->refs, 2);
	assert_int_equal(FR(l)->used, HOOKED | 2);
	assert_int_equal(captbl_decons(r, 0), CAIRN_EBUSY);
	cap_clear(&l->slot[1]);
	cap_clear(&l->slot[2]);
	assert_int_equal(FR(r)->refs, 0);
	assert_int_equal(FR(l)->refs, 1);
	assert_int_equal(captbl_decons(r, 0), 0);
	assert_int_equal(FR(l)->refs, 0);
}

static void captbl_obj_ref_unref(void **state)
{
	void *obj = kobj(OBJ_THREAD);
	struct frame before[SIM_FRAMES];

	(void)state;
	assert_int_equal(obj_frame(obj)->refs, 0);
	obj_ref(obj);
	obj_ref(obj);
	assert_int_equal(obj_frame(obj)->refs, 2);
	assert_int_equal(FR(obj)->refs, 2);
	obj_unref(obj);
	assert_int_equal(obj_frame(obj)->refs, 1);
	memcpy(before, fmem, sizeof(before));
	obj_ref(NULL);
	obj_unref(NULL);
	assert_memory_equal(fmem, before, sizeof(before));
}

static void captbl_leaf_fill_and_empty(void **state)
{
	struct captbl_root *r = new_root();
	struct captbl_leaf *l0 = new_leaf(), *l1 = new_leaf();
	void *obj = kobj(OBJ_THREAD);
	struct cap c = mkcap(obj), *slot;

	(void)state;
	cons_ok(r, 0, l0);
	cons_ok(r, 1, l1);
	for (uint64_t i = 1; i < 2 * LEAF; i++) {
		assert_int_equal(captbl_get_free(r, i, &slot), 0);
		cap_copy(slot, &c);
	}
	assert_int_equal(FR(l0)->used, HOOKED | (LEAF - 1));
	assert_int_equal(FR(l1)->used, HOOKED | LEAF);
	assert_int_equal(obj_frame(obj)->refs, 2 * LEAF - 1);
	for (uint64_t i = 1; i < 2 * LEAF; i++) {
		assert_int_equal(captbl_get_free(r, i, &slot), CAIRN_EBUSY);
		assert_int_equal(captbl_get(r, i, &slot), 0);
		cap_clear(slot);
	}
	assert_int_equal(obj_frame(obj)->refs, 0);
	assert_int_equal(FR(l0)->used, HOOKED);
	assert_int_equal(FR(l1)->used, HOOKED);
}

static void captbl_lifecycle_restores_counts(void **state)
{
	static const uint64_t pos[] = { 0, 3, ROOTN - 1 };
	struct captbl_root *r = new_root();
	struct captbl_leaf *l[ARRAY_SIZE(pos)];
	void *obj = kobj(OBJ_COMP);
	struct cap *slot;
	struct snap s;

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(pos); i++) {
		l[i] = new_leaf();
		FR(l[i])->caps = 1;	/* as if a capability named it: it survives decons */
	}
	take(&s);
	for (unsigned i = 0; i < ARRAY_SIZE(pos); i++)
		cons_ok(r, pos[i], l[i]);
	for (unsigned i = 0; i < ARRAY_SIZE(pos); i++) {
		for (uint64_t j = 1; j < 4; j++) {
			struct cap c = mkcap(j & 1 ? obj : NULL);
			assert_int_equal(captbl_get_free(r, pos[i] * LEAF + j, &slot), 0);
			cap_copy(slot, &c);
		}
		assert_int_equal(captbl_decons(r, pos[i]), CAIRN_EBUSY);
	}
	assert_int_equal(obj_frame(obj)->refs, 2 * ARRAY_SIZE(pos));
	assert_int_equal(FR(r)->used, ARRAY_SIZE(pos));
	for (unsigned i = 0; i < ARRAY_SIZE(pos); i++) {
		for (uint64_t j = 1; j < 4; j++) {
			assert_int_equal(captbl_get(r, pos[i] * LEAF + j, &slot), 0);
			cap_clear(slot);
		}
		assert_int_equal(captbl_decons(r, pos[i]), 0);
	}
	same(&s);
}

/* A leaf no capability names is destroyed when it is unhooked; a named one is kept. */
static void captbl_decons_destroys_unnamed_leaf(void **state)
{
	struct captbl_root *r = new_root();
	struct captbl_leaf *named = new_leaf(), *unnamed = new_leaf();

	(void)state;
	FR(named)->caps = 1;
	cons_ok(r, 1, named);
	cons_ok(r, 2, unnamed);
	assert_int_equal(captbl_decons(r, 1), 0);
	assert_int_equal(captbl_decons(r, 2), 0);
	assert_int_equal(FR(named)->obj, OBJ_CAPTBL_LEAF);
	assert_int_equal(FR(unnamed)->obj, OBJ_NONE);
	assert_int_equal(FR(unnamed)->refs, 0);
}

/*
 * The counts stop at their limits (frame.h): cap_copy_check refuses a copy that would
 * take its object past FRAME_REFS_MAX references or, for an owning capability,
 * FRAME_CAPS_MAX owners; captbl_cons refuses a hook past FRAME_REFS_MAX. A refused
 * hook changes nothing.
 */
static void captbl_cap_copy_check_limits(void **state)
{
	void *thread = kobj(OBJ_THREAD), *comp = kobj(OBJ_COMP);
	struct cap owner = mkcap(thread), gate = { .type = CAIRN_CAP_SINV, .obj = comp }, none = mkcap(NULL);

	(void)state;
	assert_int_equal(cap_copy_check(&owner), 0);
	assert_int_equal(cap_copy_check(&none), 0);
	assert_int_equal(obj_ref_check(NULL), 0);
	FR(thread)->caps = FRAME_CAPS_MAX - 1;
	assert_int_equal(cap_copy_check(&owner), 0);
	FR(thread)->caps = FRAME_CAPS_MAX;
	assert_int_equal(cap_copy_check(&owner), CAIRN_EOVERFLOW);
	FR(comp)->caps = FRAME_CAPS_MAX;	/* a gate is no owner: only its references count */
	FR(comp)->refs = FRAME_REFS_MAX - 1;
	assert_int_equal(cap_copy_check(&gate), 0);
	assert_int_equal(obj_ref_check(comp), 0);
	FR(comp)->refs = FRAME_REFS_MAX;
	assert_int_equal(cap_copy_check(&gate), CAIRN_EOVERFLOW);
	assert_int_equal(obj_ref_check(comp), CAIRN_EOVERFLOW);
	FR(thread)->caps = 1;
	FR(thread)->refs = FRAME_REFS_MAX;
	assert_int_equal(cap_copy_check(&owner), CAIRN_EOVERFLOW);
}

static void captbl_cons_refs_limit_eoverflow(void **state)
{
	struct captbl_root *r = new_root();
	struct captbl_leaf *l = new_leaf();
	struct snap s;

	(void)state;
	FR(l)->refs = FRAME_REFS_MAX;
	FR(l)->caps = 1;
	take(&s);
	assert_int_equal(captbl_cons(r, 4, l), CAIRN_EOVERFLOW);
	same(&s);
	FR(l)->refs = FRAME_REFS_MAX - 1;
	cons_ok(r, 4, l);
	assert_int_equal(FR(l)->refs, FRAME_REFS_MAX);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(captbl_lookup_out_of_range_null),
		T(captbl_lookup_absent_leaf_null),
		T(captbl_lookup_index_mapping),
		T(captbl_get_out_of_range_erange),
		T(captbl_get_absent_leaf_enoent),
		T(captbl_get_empty_slot_enoent),
		T(captbl_get_found),
		T(captbl_get_free_slot0_einval),
		T(captbl_get_free_used_ebusy),
		T(captbl_get_free_absent_leaf_enoent),
		T(captbl_get_free_out_of_range_erange),
		T(captbl_get_free_ok),
		T(captbl_cons_hooks_leaf),
		T(captbl_cons_counts_leaves),
		T(captbl_cons_out_of_range_erange),
		T(captbl_cons_occupied_ebusy),
		T(captbl_cons_hooked_elsewhere_ebusy),
		T(captbl_decons_restores),
		T(captbl_decons_then_cons_elsewhere),
		T(captbl_decons_out_of_range_erange),
		T(captbl_decons_absent_enoent),
		T(captbl_decons_nonempty_ebusy),
		T(captbl_decons_nonempty_no_object_ebusy),
		T(captbl_cap_copy_counts),
		T(captbl_cap_copy_no_object),
		T(captbl_cap_clear_counts),
		T(captbl_cap_clear_no_object),
		T(captbl_cap_copy_across_leaves),
		T(captbl_cap_to_table_nodes),
		T(captbl_obj_ref_unref),
		T(captbl_leaf_fill_and_empty),
		T(captbl_lifecycle_restores_counts),
		T(captbl_decons_destroys_unnamed_leaf),
		T(captbl_cap_copy_check_limits),
		T(captbl_cons_refs_limit_eoverflow),
	};

	return cmocka_run_group_tests_name("captbl", tests, NULL, NULL);
}
