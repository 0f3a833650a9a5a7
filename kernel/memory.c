/*
 * memory.c: memory capabilities. A MEMORY capability is authority over the physical
 * frames in [a, b): to retype them, to put kernel objects in them, to map them and to
 * derive capabilities over parts of the range.
 * Types and reference counts live in the frame table (frame.h).
 *
 * A DEVMEM capability is authority over the device pages in [a, b) (devmem.h): to map
 * them (PGTBL_MAP, uncached) and to derive capabilities over parts of the range. It
 * can do nothing else: no device page is ever retyped, since MEM_RETYPE takes only a
 * MEMORY capability, and every device page the frame table describes is RESERVED
 * there (not usable RAM), which frame_retype refuses either way.
 */
#include "arch.h"
#include "devmem.h"
#include "frame.h"
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

long memory_frame(struct cap *mem, uint64_t frame, uint8_t type)
{
	long err = frame_in(mem, frame);

	if (err)
		return err;
	return frame_get(&frames, frame)->type == type ? 0 : CAIRN_EACCES;
}

long memory_activate(struct call *c, struct cap *slot, uint8_t obj, uint8_t type, uint8_t flags, void **out)
{
	struct cap *mem;
	uint64_t frame = A2(c);
	long err = cap_of_type(c, A1(c), CAIRN_CAP_MEMORY, &mem);

	if (err == 0)
		err = memory_frame(mem, frame, CAIRN_FRAME_KERNEL);
	if (err)
		return err;
	struct frame *f = frame_get(&frames, frame);
	if (f->refs || f->obj != OBJ_NONE)
		return CAIRN_EBUSY;
	memset(p2v(frame), 0, PAGE_SIZE);
	f->obj = obj;
	f->used = 0;
	*out = p2v(frame);
	cap_copy(slot, &(struct cap){ .type = type, .flags = flags, .obj = *out });
	return 0;
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

bool memory_is_device_page(uint64_t pa)
{
	const struct frame *f = frame_get(&frames, pa);

	return devmem_not_ram(&devmem, pa) && !arch_device_page_kernel(pa) && (!f || f->type == CAIRN_FRAME_RESERVED);
}

/*
 * Checks a device page for mapping with rights (PGTBL_MAP through a DEVMEM capability):
 * CAIRN_EINVAL unaligned, CAIRN_ERANGE outside dev's range, CAIRN_EACCES executable
 * (device memory never is) or not a device page: RAM, beyond the physical limit, the
 * kernel's own, or a frame the frame table has typed.
 */
long memory_device_page(struct cap *dev, uint64_t pa, uint64_t rights)
{
	if (pa & (PAGE_SIZE - 1))
		return CAIRN_EINVAL;
	if (pa < dev->a || pa >= dev->b)
		return CAIRN_ERANGE;
	return rights & CAIRN_MAP_EXEC || !memory_is_device_page(pa) ? CAIRN_EACCES : 0;
}

/*
 * MEM_DERIVE and DEVMEM_DERIVE: put in slot a0 of the caller's table a new capability
 * of mem's type over [a1, a2), which must be page aligned, non-empty and inside mem's
 * own range: authority can be narrowed, never widened. Decode, then invoke: every check
 * comes before the one change. Neither type names an object, so the new capability
 * adds no reference (cap.h).
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
	cap_copy(dst, &(struct cap){ .type = mem->type, .a = base, .b = end });
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

long devmem_invoke(struct call *c, struct cap *cap, unsigned op)
{
	return op == CAIRN_OP_DEVMEM_DERIVE ? derive(c, cap) : CAIRN_ENOSYS;
}
