/*
 * captbl.c: capability-table nodes and slots (see cap.h). Decode, then invoke: the
 * lookups here return errors and change nothing; cap_copy and cap_clear are the
 * invoke steps and cannot fail.
 */
#include "cap.h"
#include "frame.h"
#include "memlayout.h"

struct frame *obj_frame(const void *obj)
{
	return frame_get(&frames, v2p(obj));
}

void obj_ref(void *obj)
{
	if (obj)
		obj_frame(obj)->refs++;
}

void obj_unref(void *obj)
{
	if (obj)
		obj_frame(obj)->refs--;
}

int obj_ref_check(const void *obj)
{
	return obj && obj_frame(obj)->refs >= FRAME_REFS_MAX ? CAIRN_EOVERFLOW : 0;
}

int cap_copy_check(const struct cap *src)
{
	if (src->obj && cap_owns(src) && obj_frame(src->obj)->caps >= FRAME_CAPS_MAX)
		return CAIRN_EOVERFLOW;
	return obj_ref_check(src->obj);
}

int captbl_get(struct captbl_root *t, uint64_t idx, struct cap **out)
{
	if (idx >= CAIRN_CAPTBL_MAX)
		return CAIRN_ERANGE;
	struct cap *c = captbl_lookup(t, idx);
	if (!c || c->type == CAIRN_CAP_NONE)
		return CAIRN_ENOENT;
	*out = c;
	return 0;
}

int captbl_get_fwd(struct captbl_root *t, uint64_t idx, struct cap **out)
{
	int err = captbl_get(t, idx, out);

	if (err || likely((*out)->type != CAIRN_CAP_FWD))
		return err;
	*out = fwd_target(*out);
	return *out ? 0 : CAIRN_ENOENT;
}

int captbl_get_free(struct captbl_root *t, uint64_t idx, struct cap **out)
{
	if (idx >= CAIRN_CAPTBL_MAX)
		return CAIRN_ERANGE;
	if (idx == CAIRN_CAP_NULL)
		return CAIRN_EINVAL;
	struct cap *c = captbl_lookup(t, idx);
	if (!c)
		return CAIRN_ENOENT;
	if (c->type != CAIRN_CAP_NONE)
		return CAIRN_EBUSY;
	*out = c;
	return 0;
}

int captbl_cons(struct captbl_root *root, uint64_t pos, struct captbl_leaf *leaf)
{
	if (pos >= CAIRN_CAPTBL_ROOT_SLOTS)
		return CAIRN_ERANGE;
	if (root->leaf[pos] || obj_frame(leaf)->used & 0x8000)	/* the slot taken, or the leaf hooked */
		return CAIRN_EBUSY;
	struct frame *lf = obj_frame(leaf);
	if (obj_ref_check(leaf))
		return CAIRN_EOVERFLOW;
	root->leaf[pos] = leaf;
	lf->used |= 0x8000;
	lf->refs++;
	obj_frame(root)->used++;
	return 0;
}

int captbl_decons(struct captbl_root *root, uint64_t pos)
{
	if (pos >= CAIRN_CAPTBL_ROOT_SLOTS)
		return CAIRN_ERANGE;
	struct captbl_leaf *leaf = root->leaf[pos];
	if (!leaf)
		return CAIRN_ENOENT;
	struct frame *lf = obj_frame(leaf);
	if (lf->used & 0x7fff)		/* capabilities still in it */
		return CAIRN_EBUSY;
	root->leaf[pos] = NULL;
	lf->used &= ~0x8000;
	lf->refs--;
	obj_frame(root)->used--;
	if (!lf->caps)
		lf->obj = OBJ_NONE;	/* nothing names it: destroyed */
	return 0;
}

/* The leaf holding slot c: slots are 32-byte aligned inside a page-aligned leaf. */
static struct frame *slot_leaf(const struct cap *c)
{
	return obj_frame((const void *)PAGE_DOWN((uint64_t)c));
}

void cap_copy(struct cap *dst, const struct cap *src)
{
	*dst = *src;
	obj_ref(dst->obj);
	if (cap_owns(dst))
		obj_frame(dst->obj)->caps++;
	slot_leaf(dst)->used++;
}

void cap_clear(struct cap *c)
{
	if (cap_owns(c))
		obj_frame(c->obj)->caps--;
	obj_unref(c->obj);
	slot_leaf(c)->used--;
	*c = (struct cap){ 0 };
}
