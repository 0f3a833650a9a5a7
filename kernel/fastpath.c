/*
 * fastpath.c: the common system calls, straight through: the null call, invocation
 * (SINV_CALL), return (RETURN) and dispatch (THREAD_DISPATCH without a deadline). Each
 * precondition is an unlikely() check; anything unusual falls back to the general
 * path (syscall_dispatch), which handles every case and gives the same results. The
 * kernel command line "nofastpath" turns this file off (syscall_handler), so tests
 * can compare.
 */
#include "arch.h"
#include "frame.h"
#include "memlayout.h"
#include "syscall.h"
#include <cairn/root.h>

/* What entry.S calls for every system call: "nofastpath" points it at the general path. */
struct regs *(*syscall_handler)(uint64_t call, struct regs *r) = fastpath;

static inline void ref(void *obj, int d)
{
	frames.f[dm2p(obj) >> PAGE_SHIFT].refs += d;
}

static struct regs *fast_call(struct thread *t, struct regs *r, struct cap *gate)
{
	struct comp *target = gate->obj;
	struct inv_frame *f = &t->inv[t->depth++];

	*f = (struct inv_frame){ t->comp, r->rip, r->rsp, gate->flags & CAIRN_SINV_CONFINED };
	ref(target, 1);
	t->comp = target;
	arch_vm_switch(target->pgtbl_phys);
	r->rip = gate->a;
	r->rsp = 0;
	r->rdi = CAIRN_ROOT_VA;
	r->r9 = gate->b;
	r->rax = t->id;
	return r;
}

static struct regs *fast_return(struct thread *t, struct regs *r, struct inv_frame *f)
{
	t->depth--;
	ref(t->comp, -1);
	t->comp = f->comp;
	arch_vm_switch(f->comp->pgtbl_phys);
	r->rip = f->rip;
	r->rsp = f->rsp;
	r->rax = r->rdi;
	r->rdx = r->rsi;
	return r;
}

struct regs *fastpath(uint64_t call, struct regs *r)
{
	struct thread *t = thread_of(r);
	unsigned idx = CAIRN_CALL_CAP(call);
	uint64_t op = CAIRN_CALL_OP(call);

	if (idx == CAIRN_CAP_NULL) {
		if (likely(op == CAIRN_OP_NULL)) {
			r->rax = 0;
			return r;
		}
		if (likely(op == CAIRN_OP_RETURN && t->depth)) {
			struct inv_frame *f = &t->inv[t->depth - 1];
			if (likely(!f->flags))
				return fast_return(t, r, f);
		}
		return syscall_dispatch(call, r);
	}
	struct cap *c = captbl_lookup(t->comp->captbl, idx);
	if (unlikely(!c))
		return syscall_dispatch(call, r);
	if (likely(c->type == CAIRN_CAP_SINV && op == CAIRN_OP_SINV_CALL && t->depth < CAIRN_INV_DEPTH))
		return fast_call(t, r, c);
	if (likely(c->type == CAIRN_CAP_THREAD && op == CAIRN_OP_THREAD_DISPATCH && r->rdi == 0)) {
		struct thread *next = c->obj;
		if (likely(next != t && next->state == THREAD_RUNNABLE)) {
			r->rax = 0;
			return switch_prepare(&next->regs);
		}
	}
	return syscall_dispatch(call, r);
}
