/*
 * iommu.c: IOMMU capabilities: DMA confined to I/O page tables. An IOMMU capability
 * names the PCI requester ids (bus << 8 | device << 3 | function) [a, b), with
 * b <= CAIRN_IOMMU_RIDS. IOMMU_ATTACH makes a device translate its DMA through an I/O
 * root (pgtbl.h: built, mapped and unmapped with the PGTBL operations, holding only
 * USER frames, each referenced while mapped); IOMMU_DETACH leaves it reaching nothing.
 * An attached root holds a reference from the attachment (its context entry, vtd.c),
 * so it cannot be deactivated while a device uses it. Without an IOMMU the kernel
 * drives, attach and detach say CAIRN_ENOTSUP; narrowing works either way, so a booter
 * hands out the same capabilities on every machine. docs/devices.md, "DMA and the
 * IOMMU", has the design; docs/syscalls.md the operations.
 */
#include "arch.h"
#include "pgtbl.h"
#include "syscall.h"

/* IOMMU_ATTACH: a0 = requester id, a1 = an I/O root. */
static long attach(struct call *c, struct cap *cap)
{
	struct cap *pt;
	long err = cap_of_type(c, A1(c), CAIRN_CAP_PGTBL, &pt);

	if (err)
		return err;
	if (!cap_inside(cap, A0(c), 1))
		return CAIRN_ERANGE;
	if (pt->flags != PGTBL_IO_ROOT)
		return CAIRN_EINVAL;	/* a CPU root or a lower node */
	err = obj_ref_check(pt->obj);
	if (!err)
		err = arch_iommu_attach((unsigned)A0(c), pt->obj);
	if (!err)
		obj_ref(pt->obj);
	return err;
}

static long detach(struct call *c, struct cap *cap)
{
	uint64_t *root;

	if (!cap_inside(cap, A0(c), 1))
		return CAIRN_ERANGE;
	long err = arch_iommu_detach((unsigned)A0(c), &root);
	if (!err)
		obj_unref(root);
	return err;
}

long iommu_invoke(struct call *c, struct cap *cap, unsigned op)
{
	switch (op) {
	case CAIRN_OP_IOMMU_ATTACH: return attach(c, cap);
	case CAIRN_OP_IOMMU_DETACH: return detach(c, cap);
	case CAIRN_OP_IOMMU_NARROW: return cap_narrow(c, cap);
	default:                    return CAIRN_ENOSYS;
	}
}
