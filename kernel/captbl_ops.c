/*
 * captbl_ops.c: the operations on CAPTBL capabilities: copy, remove, construct,
 * deconstruct, and the activation and deactivation of every kind of object. The node
 * logic they stand on is captbl.c; each object's own activation is in its type's file.
 */
#include "core.h"
#include "frame.h"
#include "memlayout.h"
#include "syscall.h"

/*
 * The references added without an EOVERFLOW check (frame.h) fit above FRAME_REFS_MAX:
 * each is held by an object that fills a frame, at most FRAME_OBJ_REFS by one (a
 * thread's: its home, its component, one per invocation frame, its scheduler), plus
 * the interrupt bindings and the boot program's thread, and no more frames exist than
 * the direct map covers.
 */
#define FRAME_OBJ_REFS (CAIRN_INV_DEPTH + 3)
_Static_assert((uint64_t)FRAME_REFS_MAX + (DIRECT_MAP_MAX >> PAGE_SHIFT) * FRAME_OBJ_REFS +
	       CAIRN_IRQ_LINES + CAIRN_MAX_CORES + 1 <= UINT32_MAX, "frame.refs cannot wrap");

static long activate_captbl(struct call *c, struct cap *slot)
{
	uint64_t level = A3(c);
	void *node;

	if (level > 1)
		return CAIRN_EINVAL;
	return memory_activate(c, slot, level ? OBJ_CAPTBL_LEAF : OBJ_CAPTBL_ROOT, CAIRN_CAP_CAPTBL,
			       (uint8_t)level, &node);
}

/*
 * Destroys the object of the last capability to it. Table nodes must be empty and
 * unhooked, a thread must not be running; the frame stays KERNEL, with no object, for
 * MEM_RETYPE or a new activation.
 */
static long deactivate(struct call *c, struct cap *slot)
{
	if (!cap_owns(slot)) {
		cap_clear(slot);
		return 0;
	}
	struct frame *f = obj_frame(slot->obj);
	if (f->refs != 1 || f->used)
		return CAIRN_EBUSY;
	if (slot->type == CAIRN_CAP_THREAD && (slot->obj == c->self || core_running_elsewhere(slot->obj)))
		return CAIRN_EBUSY;
	if (slot->type == CAIRN_CAP_COMP)
		comp_release(slot->obj);
	if (slot->type == CAIRN_CAP_THREAD) {
		thread_release(slot->obj);
		core_forget(slot->obj);
	}
	cap_clear(slot);
	f->obj = OBJ_NONE;
	return 0;
}

static long copy(struct call *c, struct captbl_root *dst_t)
{
	struct cap *dst, *src_t, *src;
	long err = cap_of_type(c, A1(c), CAIRN_CAP_CAPTBL, &src_t);

	if (err == 0 && src_t->flags != 0)
		err = CAIRN_EINVAL;
	if (err == 0)
		err = captbl_get((struct captbl_root *)src_t->obj, A2(c), &src);
	if (err == 0)
		err = captbl_get_free(dst_t, A0(c), &dst);
	if (err == 0)
		err = cap_copy_check(src);
	if (err)
		return err;
	cap_copy(dst, src);
	return 0;
}

/* Each kind's activation, by op (CAPTBL_ACT_CAPTBL .. CAPTBL_ACT_TCAP: cairn/abi.h). */
#define ACT(op) [(op) - CAIRN_OP_CAPTBL_ACT_CAPTBL]
static long (*const activators[])(struct call *c, struct cap *slot) = {
	ACT(CAIRN_OP_CAPTBL_ACT_CAPTBL) = activate_captbl, ACT(CAIRN_OP_CAPTBL_ACT_PGTBL) = activate_pgtbl,
	ACT(CAIRN_OP_CAPTBL_ACT_COMP) = activate_comp, ACT(CAIRN_OP_CAPTBL_ACT_THREAD) = activate_thread,
	ACT(CAIRN_OP_CAPTBL_ACT_RCV) = activate_rcv, ACT(CAIRN_OP_CAPTBL_ACT_ASND) = activate_asnd,
	ACT(CAIRN_OP_CAPTBL_ACT_SINV) = activate_sinv, ACT(CAIRN_OP_CAPTBL_ACT_INDIR) = activate_indir,
	ACT(CAIRN_OP_CAPTBL_ACT_TCAP) = activate_tcap,
};

static long activate(struct call *c, struct captbl_root *t, unsigned op)
{
	struct cap *slot;

	if (op < CAIRN_OP_CAPTBL_ACT_CAPTBL || op > CAIRN_OP_CAPTBL_ACT_TCAP)
		return CAIRN_ENOSYS;
	long err = captbl_get_free(t, A0(c), &slot);
	return err ? err : activators[op - CAIRN_OP_CAPTBL_ACT_CAPTBL](c, slot);
}

long captbl_invoke(struct call *c, struct cap *cap, unsigned op)
{
	struct captbl_root *t = cap->obj;
	struct cap *slot, *leaf;
	long err;

	if (cap->flags != 0)
		return CAIRN_EINVAL;	/* operations name slots from a root */
	switch (op) {
	case CAIRN_OP_CAPTBL_COPY:
		return copy(c, t);
	case CAIRN_OP_CAPTBL_REMOVE:
	case CAIRN_OP_CAPTBL_DEACT:
		if (A0(c) == CAIRN_CAP_NULL)
			return CAIRN_EINVAL;
		err = captbl_get(t, A0(c), &slot);
		if (err)
			return err;
		if (op == CAIRN_OP_CAPTBL_DEACT)
			return deactivate(c, slot);
		if (cap_owns(slot) && obj_frame(slot->obj)->caps == 1)
			return CAIRN_EBUSY;	/* the last owning capability: deactivate it */
		cap_clear(slot);
		return 0;
	case CAIRN_OP_CAPTBL_CONS:
		err = cap_of_type(c, A1(c), CAIRN_CAP_CAPTBL, &leaf);
		if (err)
			return err;
		if (leaf->flags != 1)
			return CAIRN_EINVAL;
		return captbl_cons(t, A0(c), leaf->obj);
	case CAIRN_OP_CAPTBL_DECONS:
		return captbl_decons(t, A0(c));
	default:
		return activate(c, t, op);
	}
}
