/*
 * memory.c: memory capabilities. A MEMORY capability is authority over the physical
 * frames in [a, b): to retype them, to put kernel objects in them, to map them and to
 * derive capabilities over parts of the range.
 * Types and reference counts live in the frame table (frame.h).
 */
#include "frame.h"
#include "memlayout.h"
#include <common/string.h>
#include "syscall.h"

/* Checks that frame is in the memory capability's range and page aligned. */
static long frame_in(struct cap *mem, uint64_t frame)
{
	if (frame & (PAGE_SIZE - 1))
		return CAIRN_EINVAL;
	if (frame < mem->a || frame >= mem->b || !frame_get(&frames, frame))
		return CAIRN_ERANGE;
	return 0;
}

/* The frame table entry of a frame the MEMORY capability mem_idx covers, with type. */
static long frame_typed(struct call *c, uint64_t mem_idx, uint64_t frame, uint8_t type, struct frame **out)
{
	struct cap *mem;
	long err = cap_of_type(c, mem_idx, CAIRN_CAP_MEMORY, &mem);

	if (err == 0)
		err = frame_in(mem, frame);
	if (err)
		return err;
	*out = frame_get(&frames, frame);
	return (*out)->type == type ? 0 : CAIRN_EACCES;
}

/* Finds a frame for an object of kind obj: KERNEL, unused. Zeroes it and claims it. */
long memory_take_frame(struct call *c, uint64_t mem_idx, uint64_t frame, uint8_t obj, void **out)
{
	struct frame *f;
	long err = frame_typed(c, mem_idx, frame, CAIRN_FRAME_KERNEL, &f);

	if (err)
		return err;
	if (f->refs || f->obj != OBJ_NONE)
		return CAIRN_EBUSY;
	memset(p2v(frame), 0, PAGE_SIZE);
	f->obj = obj;
	f->used = 0;
	*out = p2v(frame);
	return 0;
}

/* Checks a frame for mapping: covered by the capability, USER. */
long memory_user_frame(struct call *c, uint64_t mem_idx, uint64_t frame)
{
	struct frame *f;

	return frame_typed(c, mem_idx, frame, CAIRN_FRAME_USER, &f);
}

static long count(struct cap *mem, uint64_t type)
{
	long n = 0;

	if (type > CAIRN_FRAME_RESERVED)
		return CAIRN_EINVAL;
	for (uint64_t pa = mem->a; pa < mem->b; pa += PAGE_SIZE) {
		struct frame *f = frame_get(&frames, pa);
		if (!f)
			break;
		n += f->type == type;
	}
	return n;
}

/*
 * MEM_DERIVE: puts in slot a0 of the caller's table a new MEMORY capability over
 * [a1, a2), which must be page aligned, non-empty and inside mem's own range: authority
 * can be narrowed, never widened. Decode, then invoke: every check comes before the one
 * change. A MEMORY capability names no object, so the new one adds no reference (cap.h).
 */
static long derive(struct call *c, struct cap *mem)
{
	uint64_t base = A1(c), end = A2(c);
	struct cap *dst;

	if (((base | end) & (PAGE_SIZE - 1)) || base >= end)
		return CAIRN_EINVAL;
	if (base < mem->a || end > mem->b)
		return CAIRN_ERANGE;
	long err = captbl_get_free(c->ct, A0(c), &dst);
	if (err)
		return err;
	cap_copy(dst, &(struct cap){ .type = CAIRN_CAP_MEMORY, .a = base, .b = end });
	return 0;
}

long memory_invoke(struct call *c, struct cap *cap, unsigned op)
{
	switch (op) {
	case CAIRN_OP_MEM_RETYPE: {
		long err = frame_in(cap, A0(c));
		if (err)
			return err;
		struct frame *f = frame_get(&frames, A0(c));
		if (f->type == CAIRN_FRAME_KERNEL && f->obj != OBJ_NONE)
			return CAIRN_EBUSY;	/* an object lives there */
		return frame_retype(&frames, A0(c), (uint8_t)(A1(c) > 255 ? 255 : A1(c)));
	}
	case CAIRN_OP_MEM_COUNT:
		return count(cap, A0(c));
	case CAIRN_OP_MEM_DERIVE:
		return derive(c, cap);
	default:
		return CAIRN_ENOSYS;
	}
}
