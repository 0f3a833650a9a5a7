/*
 * fastpath.c: the common system calls, straight through: the null call, invocation
 * (SINV_CALL), return (RETURN), dispatch (THREAD_DISPATCH without a deadline; on a
 * local capability, to a thread in the caller's component), and the wait and send of
 * asynchronous activations (RCV_WAIT, ASND_SEND: thread.c's work, without the general
 * path's decoding). Each precondition is an
 * unlikely() check (a stale gate or a return into a restarted component among them:
 * sinv.c); anything unusual falls back to the general path (syscall_dispatch), which
 * handles every case and gives the same results. The kernel command line
 * "nofastpath" turns this file off (syscall_handler), so tests can compare.
 */
#include "arch.h"
#include "syscall.h"
#include <cairn/root.h>

/* What entry.S calls for every system call: "nofastpath" points it at the general path. */
struct regs *(*syscall_handler)(uint64_t call, struct regs *r) = fastpath;


/* The address-space switch comes last: its asm clobbers memory. */
static struct regs *fast_call(struct thread *t, struct regs *r, struct cap *gate)
{
	struct comp *target = gate->obj;
	unsigned d = t->depth;
	struct inv_frame *f = &t->inv[d];

	f->comp = t->comp;
	f->ip = regs_ip(r);
	f->sp = regs_sp(r);
	f->flags = gate->flags;		/* a gate's are CAIRN_SINV_CONFINED or none (activate_sinv) */
	t->depth = d + 1;
	t->gen[d + 1] = gate->gen;	/* the target's: checked by the caller */
	(*target->refs)++;		/* obj_ref, without finding the frame */
	t->comp = target;
	regs_set_ip(r, gate->a);
	regs_set_arg5(r, gate->b);
	regs_set_sp(r, 0);
	regs_set_arg0(r, CAIRN_ROOT_VA);
	regs_set_result(r, t->id);
	arch_vm_switch(target->pgtbl_phys);
	return r;
}

static struct regs *fast_return(struct thread *t, struct regs *r, struct inv_frame *f)
{
	struct comp *caller = f->comp;

	t->depth--;
	(*t->comp->refs)--;
	t->comp = caller;
	regs_set_ip(r, f->ip);
	regs_set_sp(r, f->sp);
	regs_set_result(r, regs_arg0(r));
	regs_set_result2(r, regs_arg1(r));
	arch_vm_switch(caller->pgtbl_phys);
	return r;
}

/*
 * RCV_WAIT on the caller's own endpoint, ASND_SEND with valid flags: the work of
 * thread.c's rcv_wait and asnd_send without the general path's second lookup. Out of
 * line, so that fastpath's own cases keep their registers.
 */
static __attribute__((noinline)) struct regs *fast_signal(uint64_t call, struct regs *r)
{
	struct thread *t = thread_of(r);
	struct cap *c = captbl_lookup(t->comp->captbl, CAIRN_CALL_CAP(call));
	bool wait = CAIRN_CALL_OP(call) == CAIRN_OP_RCV_WAIT;	/* else ASND_SEND */

	if (!c || c->type != CAIRN_OP_TYPE(CAIRN_CALL_OP(call)) || (wait ? c->obj != t : regs_arg0(r) & ~(uint64_t)CAIRN_SEND_YIELD))
		return syscall_dispatch(call, r);
	struct regs *next = wait ? rcv_wait(t) : asnd_send(t, c->obj, regs_arg0(r));
	return next == r || !next ? next : switch_prepare(next);
}

/*
 * A capability's type and flags in one compare: a plain THREAD capability is
 * CAIRN_CAP_THREAD; a local one (CAIRN_THREAD_LOCAL) dispatches here too, if its
 * thread executes in the caller's component (else thread.c says why not).
 */
static inline unsigned type_flags(const struct cap *c)
{
	return c->type | (unsigned)c->flags << 8;
}
#define LOCAL_THREAD (CAIRN_CAP_THREAD | CAIRN_THREAD_LOCAL << 8)

struct regs *fastpath(uint64_t call, struct regs *r)
{
	struct thread *t = thread_of(r);
	unsigned idx = CAIRN_CALL_CAP(call);
	uint64_t op = CAIRN_CALL_OP(call);

	if (idx == CAIRN_CAP_NULL) {
		if (likely(op == CAIRN_OP_NULL)) {
			regs_set_result(r, 0);
			return r;
		}
		if (likely(op == CAIRN_OP_RETURN && t->depth)) {
			struct inv_frame *f = &t->inv[t->depth - 1];
			if (likely(!f->flags && t->gen[t->depth - 1] == f->comp->gen))
				return fast_return(t, r, f);
		}
		return syscall_dispatch(call, r);
	}
	struct cap *c = op == CAIRN_OP_SINV_CALL ? captbl_lookup(t->comp->captbl, idx) : NULL;
	if (c) {
		if (likely(c->type == CAIRN_CAP_SINV && t->depth < CAIRN_INV_DEPTH && c->gen == ((struct comp *)c->obj)->gen))
			return fast_call(t, r, c);
		return syscall_dispatch(call, r);
	}
	if (op == CAIRN_OP_THREAD_DISPATCH && (c = captbl_lookup(t->comp->captbl, idx))) {
		unsigned tf = type_flags(c);
		struct thread *next = c->obj;
		if (likely(regs_arg0(r) == 0 && regs_arg1(r) == 0 &&
			   (tf == CAIRN_CAP_THREAD || (tf == LOCAL_THREAD && next->comp == t->comp)) &&
			   next != t && next->state == THREAD_RUNNABLE && next->core == t->core && !t->kicked &&
			   (next->on == t->on || tcap_left(next->on)) && !thread_stale(next))) {
			regs_set_result(r, 0);
			return switch_prepare(&next->regs);
		}
		return syscall_dispatch(call, r);
	}
	if (op == CAIRN_OP_RCV_WAIT)
		return fast_signal(call, r);
	return op == CAIRN_OP_ASND_SEND ? fast_signal(call, r) : syscall_dispatch(call, r);
}
