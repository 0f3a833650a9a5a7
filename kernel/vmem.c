/*
 * vmem.c: page-table capabilities: decoding the operations of pgtbl.h. Operations that
 * walk addresses are made on a root (level 4, a CPU root or an I/O root: pgtbl.h);
 * other nodes are named only to be hooked.
 */
#include "frame.h"
#include "pgtbl.h"
#include "syscall.h"

/* a3 = level 1..4, or PGTBL_IO_ROOT: an I/O root, made empty (no kernel half). */
long activate_pgtbl(struct call *c, struct cap *slot)
{
	uint64_t level = A3(c);
	uint64_t *node;

	if ((level < 1 || level > PGTBL_LEVELS) && level != PGTBL_IO_ROOT)
		return CAIRN_EINVAL;
	long err = memory_activate(c, slot, level == PGTBL_IO_ROOT ? OBJ_PGTBL_IO : PGTBL_OBJ(level),
				   CAIRN_CAP_PGTBL, (uint8_t)level, (void **)&node);
	if (err == 0 && level == PGTBL_LEVELS)
		pgtbl_init_root(node);
	return err;
}

/*
 * PGTBL_MAP: a1 names the authority, and its type says what is mapped: a MEMORY
 * capability a USER frame (which gains a reference), a DEVMEM capability a device page
 * (uncached, never executable, no reference). Any other type, and a DEVMEM capability
 * on an I/O root (no device reaches another's pages by DMA): CAIRN_EBADF.
 */
static long map(struct call *c, uint64_t *root, bool io)
{
	struct cap *auth;
	long err = captbl_get_fwd(c->ct, A1(c), &auth);

	if (err)
		return err;
	if (likely(auth->type == CAIRN_CAP_MEMORY)) {
		err = memory_frame(auth, A2(c), CAIRN_FRAME_USER);
		return err ? err : pgtbl_map(root, A0(c), A2(c), (unsigned)A3(c));
	}
	if (auth->type != CAIRN_CAP_DEVMEM || io)
		return CAIRN_EBADF;
	err = memory_device_page(auth, A2(c), A3(c));
	return err ? err : pgtbl_map_device(root, A0(c), A2(c), (unsigned)A3(c));
}

long pgtbl_invoke(struct call *c, struct cap *cap, unsigned op)
{
	uint64_t *root = cap->obj;
	struct cap *child;
	long err;

	bool io = cap->flags == PGTBL_IO_ROOT;

	if (cap->flags != PGTBL_LEVELS && !io)
		return CAIRN_EINVAL;	/* addresses are walked from a root */
	switch (op) {
	case CAIRN_OP_PGTBL_CONS:
		err = cap_of_type(c, A1(c), CAIRN_CAP_PGTBL, &child);
		if (err)
			return err;
		if (child->flags >= PGTBL_LEVELS)
			return CAIRN_EINVAL;
		return pgtbl_cons(root, A0(c), child->obj, child->flags);
	case CAIRN_OP_PGTBL_DECONS:
		if (A1(c) < 1 || A1(c) >= PGTBL_LEVELS)
			return CAIRN_EINVAL;
		return pgtbl_decons(root, A0(c), (int)A1(c));
	case CAIRN_OP_PGTBL_MAP:
		if (A3(c) & ~(uint64_t)(io ? CAIRN_MAP_WRITE : CAIRN_MAP_WRITE | CAIRN_MAP_EXEC))
			return CAIRN_EINVAL;	/* a device executes nothing */
		return map(c, root, io);
	case CAIRN_OP_PGTBL_UNMAP:
		return pgtbl_unmap(root, A0(c));
	case CAIRN_OP_PGTBL_LOOKUP:
		return pgtbl_lookup(root, A0(c));
	default:
		return CAIRN_ENOSYS;
	}
}
