/*
 * syscall.c: the system call dispatcher. It finds the capability, checks that the
 * operation belongs to its type, and hands over to that type's handler (one file per
 * type). A call finishes with everything it writes to its thread written: it returns
 * the registers to resume, or NULL when nothing is to run on this core, and entry.S
 * then stores the thread and idles (thread_idle). No call idles half-way. The register convention is in cairn/abi.h; the fast path for invocation and
 * return (fastpath.c) runs before this and falls back to it.
 */
#include "arch.h"
#include "syscall.h"

int cap_of_type(struct call *c, uint64_t idx, uint8_t type, struct cap **out)
{
	int err = captbl_get_fwd(c->ct, idx, out);

	if (err)
		return err;
	if ((*out)->type != type)
		return CAIRN_EBADF;
	return type == CAIRN_CAP_THREAD && (*out)->flags ? CAIRN_EACCES : 0;	/* a local one: dispatch only */
}

bool cap_inside(const struct cap *cap, uint64_t first, uint64_t n)
{
	return first >= cap->a && first <= cap->b && n <= cap->b - first;
}

long cap_narrow(struct call *c, struct cap *cap)
{
	struct cap *dst;
	uint64_t first = A1(c), end = A2(c);
	long err = captbl_get_free(c->ct, A0(c), &dst);

	if (err)
		return err;
	if (first >= end || !cap_inside(cap, first, end - first))
		return CAIRN_EINVAL;
	cap_copy(dst, &(struct cap){ .type = cap->type, .a = first, .b = end });
	return 0;
}

static long invoke(struct call *c, struct cap *cap, unsigned op)
{
	switch (cap->type) {
	case CAIRN_CAP_CAPTBL: return captbl_invoke(c, cap, op);
	case CAIRN_CAP_PGTBL:  return pgtbl_invoke(c, cap, op);
	case CAIRN_CAP_MEMORY: return memory_invoke(c, cap, op);
	case CAIRN_CAP_COMP:   return comp_invoke(c, cap, op);
	case CAIRN_CAP_THREAD: return thread_invoke(c, cap, op);
	case CAIRN_CAP_RCV:    return rcv_invoke(c, cap, op);
	case CAIRN_CAP_ASND:   return asnd_invoke(c, cap, op);
	case CAIRN_CAP_SINV:   return sinv_invoke(c, cap, op);
	case CAIRN_CAP_IRQ:    return irq_invoke(c, cap, op);
	case CAIRN_CAP_IOPORT: return ioport_invoke(c, cap, op);
	case CAIRN_CAP_INDIR:  return indir_invoke(c, cap, op);
	case CAIRN_CAP_DEVMEM: return devmem_invoke(c, cap, op);
	case CAIRN_CAP_IOMMU:  return iommu_invoke(c, cap, op);
	case CAIRN_CAP_TCAP:   return tcap_invoke(c, cap, op);
	default:               return CAIRN_EBADF;
	}
}

static struct regs *switch_stale(struct regs *next);

/* The thread's TLS base differs from the core's: load it. */
static __attribute__((noinline)) struct regs *switch_tls(struct regs *next)
{
	arch_tls_load(&thread_of(next)->arch);
	return next;
}

/*
 * Makes `next` ready to run on this core: its address space and TLS. entry.S does the
 * register switch when the returned regs differ from the current ones. The unusual
 * cases are tail calls, so the common one needs no stack frame. NULL if next cannot
 * run after all and nothing else is to run (a stale thread stopped): the core idles.
 */
struct regs *switch_prepare(struct regs *next)
{
	struct thread *t = thread_of(next);

	if (thread_stale(t))
		return switch_stale(next);
	if (unlikely(t->on != this_cpu()->tc_run))
		tcap_switch(t->on);
	arch_vm_switch(t->comp->pgtbl_phys);
	if (unlikely(!arch_tls_loaded(&t->arch)))
		return switch_tls(next);
	return next;
}

/*
 * The thread's component restarted since it entered it: unwind it (sinv.c), or, if
 * its home restarted, stop it and prepare what runs instead.
 */
static __attribute__((noinline)) struct regs *switch_stale(struct regs *next)
{
	struct thread *t = thread_of(next);
	struct regs *r = sinv_unwind(t) ? next : thread_stop(t, CAIRN_EVENT_STOP);

	return r ? switch_prepare(r) : NULL;
}

struct regs *syscall_dispatch(uint64_t call, struct regs *r)
{
	struct thread *self = thread_of(r);
	struct call c = { self, r, self->comp->captbl, r };
	unsigned idx = CAIRN_CALL_CAP(call);
	unsigned op = (unsigned)CAIRN_CALL_OP(call);
	long ret;

	if (idx == CAIRN_CAP_NULL) {
		ret = (op >> 16) ? CAIRN_ENOSYS : null_invoke(&c, op);
	} else {
		struct cap *cap;
		ret = captbl_get_fwd(c.ct, idx, &cap);
		if (ret == 0)
			ret = (op >> 16) || CAIRN_OP_TYPE(op) != cap->type ? CAIRN_EBADF : invoke(&c, cap, op);
	}
	if (c.next == r) {
		regs_set_result(r, (uint64_t)ret);
		return r;
	}
	if (self->state != THREAD_STOPPED)
		regs_set_result(r, (uint64_t)ret);	/* what the caller sees when it runs again */
	return c.next ? switch_prepare(c.next) : NULL;
}
