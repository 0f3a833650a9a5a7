/*
 * indir.c: indirections and their forwarders (cap.h: struct indir). An indirection
 * is made empty (CAPTBL_ACT_INDIR), given a target (INDIR_SET: a copy of any
 * capability but another indirection or forwarder, so a forwarder is one step from
 * what it acts as), and hands out forwarders (INDIR_MINT) that anyone may copy on.
 * INDIR_RESCIND voids them all in constant work. What a forwarder acts as is resolved
 * where capabilities are looked up (captbl_get_fwd).
 */
#include "frame.h"
#include "syscall.h"

long activate_indir(struct call *c, struct cap *slot)
{
	void *node;

	return memory_activate(c, slot, OBJ_INDIR, CAIRN_CAP_INDIR, 0, &node);
}

/* a0 = source table, a1 = slot in it: its capability becomes the target. */
static long set(struct call *c, struct indir *x)
{
	struct cap *src_t, *src;
	long err = cap_of_type(c, A0(c), CAIRN_CAP_CAPTBL, &src_t);

	if (err == 0 && src_t->flags != 0)
		err = CAIRN_EINVAL;
	if (err == 0)
		err = captbl_get((struct captbl_root *)src_t->obj, A1(c), &src);
	if (err == 0 && (src->type == CAIRN_CAP_INDIR || src->type == CAIRN_CAP_FWD))
		err = CAIRN_EINVAL;
	if (err == 0 && x->target.type != CAIRN_CAP_NONE)
		err = CAIRN_EBUSY;
	if (err == 0)
		err = cap_copy_check(src);
	if (err)
		return err;
	cap_copy(&x->target, src);
	return 0;
}

/* a0 = slot here: a forwarder to the current target. */
static long mint(struct call *c, struct cap *cap, struct indir *x)
{
	struct cap *dst;
	long err = captbl_get_free(c->ct, A0(c), &dst);

	if (err == 0 && x->target.type == CAIRN_CAP_NONE)
		err = CAIRN_ENOENT;
	if (err == 0)
		err = obj_ref_check(x);
	if (err)
		return err;
	cap_copy(dst, &(struct cap){ .type = CAIRN_CAP_FWD, .obj = cap->obj, .a = x->gen });
	return 0;
}

/* Every forwarder minted so far is void: the target goes, the generation moves on. */
static long rescind(struct indir *x)
{
	if (x->target.type == CAIRN_CAP_NONE)
		return CAIRN_ENOENT;
	cap_clear(&x->target);
	x->gen++;
	return 0;
}

long indir_invoke(struct call *c, struct cap *cap, unsigned op)
{
	struct indir *x = cap->obj;

	switch (op) {
	case CAIRN_OP_INDIR_SET:     return set(c, x);
	case CAIRN_OP_INDIR_MINT:    return mint(c, cap, x);
	case CAIRN_OP_INDIR_RESCIND: return rescind(x);
	default:                     return CAIRN_ENOSYS;
	}
}
