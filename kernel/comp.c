/*
 * comp.c: components: a capability table, a page table and the address where new
 * threads start, plus the keeper that faults in it go to, and its generation (obj.h:
 * what a restart changes).
 */
#include "frame.h"
#include "memlayout.h"
#include <common/string.h>
#include "syscall.h"

static uint32_t next_comp_id = 1;

void comp_init(struct comp *c, struct captbl_root *ct, uint64_t *pt, uint64_t entry)
{
	memset(c, 0, sizeof(*c));
	c->captbl = ct;
	c->pgtbl = pt;
	c->pgtbl_phys = v2p(pt);
	c->entry = entry;
	c->refs = &obj_frame(c)->refs;
	c->id = next_comp_id++;
	obj_ref(ct);
	obj_ref(pt);
}

void comp_release(struct comp *c)
{
	obj_unref(c->captbl);
	obj_unref(c->pgtbl);
	obj_unref(c->keeper.obj);
}

long activate_comp(struct call *c, struct cap *slot)
{
	struct cap *ct, *pt;
	struct comp *comp;
	long err = cap_of_type(c, A3(c), CAIRN_CAP_CAPTBL, &ct);

	if (err == 0)
		err = cap_of_type(c, A4(c), CAIRN_CAP_PGTBL, &pt);
	if (err)
		return err;
	if (ct->flags != 0 || pt->flags != 4)
		return CAIRN_EINVAL;	/* a component needs two roots */
	if (A5(c) >= USER_TOP)
		return CAIRN_EFAULT;
	err = memory_activate(c, slot, OBJ_COMP, CAIRN_CAP_COMP, 0, (void **)&comp);
	if (err == 0)
		comp_init(comp, ct->obj, pt->obj, A5(c));
	return err;
}

/*
 * COMP_RESTART: the next generation, down until COMP_READY. Threads inside and gates
 * to it become stale (sinv.c); the caller too, if it runs in the component. Past
 * COMP_GEN_MAX there is no next generation: a wrap would make every gate and thread
 * of generation 0 current again, so the restart is refused, nothing changed.
 */
static long restart(struct call *c, struct comp *comp)
{
	if (comp->gen == COMP_GEN_MAX)
		return CAIRN_EOVERFLOW;
	comp->gen++;
	comp->down = 1;
	if (c->self->comp == comp)
		return sinv_stale_self(c);
	return comp->gen;
}

long comp_invoke(struct call *c, struct cap *cap, unsigned op)
{
	struct comp *comp = cap->obj;
	struct cap *gate = NULL;

	if (op == CAIRN_OP_COMP_RESTART)
		return restart(c, comp);
	if (op == CAIRN_OP_COMP_READY) {
		comp->down = 0;
		return comp->gen;
	}
	if (op != CAIRN_OP_COMP_KEEPER)
		return CAIRN_ENOSYS;
	if (A0(c)) {
		long err = cap_of_type(c, A0(c), CAIRN_CAP_SINV, &gate);
		if (err == 0)
			err = cap_copy_check(gate);
		if (err)
			return err;
	}
	obj_unref(comp->keeper.obj);
	comp->keeper = gate ? *gate : (struct cap){ 0 };
	obj_ref(comp->keeper.obj);
	return 0;
}
