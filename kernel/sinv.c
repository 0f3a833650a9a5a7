/*
 * sinv.c: synchronous invocation by thread migration, and keepers.
 *
 * SINV_CALL moves the calling thread into the gate's component: the kernel pushes
 * where it came from (component, instruction and stack pointer) onto the thread's
 * invocation stack, which lives in the thread object where no component can reach it
 * (the SPEEDOS system stack), and starts it at the gate's entry with
 *     a0 = Root, a1..a4 = the four arguments (untouched), a5 = the gate's badge, the
 *     thread id as the result, stack pointer 0 (the server's runtime picks a stack)
 * (registers as regs.h names them: cairn/abi.h). RETURN pops the frame: the caller
 * continues after its system call with the two results. A confined gate's return
 * clears every other register, FPU and SSE state included (SPEEDOS without
 * permit_enq).
 *
 * A CPU exception in a component with a keeper is an invocation too: the faulting
 * thread enters the keeper with a1 = vector, a2 = error code, a3 = fault address,
 * a4 = instruction pointer, a5 = the keeper gate's badge; FAULT_REG reads and writes
 * the saved registers, and RETURN with CAIRN_FAULT_RESUME resumes them
 * (CAIRN_FAULT_STOP stops the thread). Without a keeper the fault is reported and the thread stopped. Keepers
 * nest: a keeper may call a gate whose component faults into a keeper in turn, up to
 * CAIRN_KEEPER_DEPTH keeper invocations per thread, each with its own fault record
 * (obj.h); FAULT_REG, RETURN and unwinding each use the record of their own level.
 *
 * Restart (Composite's micro-reboot, seL4 has none): COMP_RESTART moves a component to
 * its next generation. Every frame records the generation of the component it entered,
 * and every gate the generation it calls. A call through an older gate returns
 * CAIRN_ESTALE (SINV_RENEW brings the gate up to date); a thread that would go on
 * running in the component at an older generation (when it is switched to, or when an
 * invocation returns into it) is unwound instead: each invocation of the restarted
 * component returns CAIRN_ESTALE to its caller, with every other register cleared as a
 * confined gate's are. A thread whose home component restarted stops. The checks are
 * lazy, so a restart costs the same however many threads were inside.
 */
#include "arch.h"
#include "console.h"
#include <common/string.h>
#include "syscall.h"
#include "core.h"
#include <cairn/root.h>

long activate_sinv(struct call *c, struct cap *slot)
{
	struct cap *comp;
	long err = cap_of_type(c, A1(c), CAIRN_CAP_COMP, &comp);

	if (err)
		return err;
	if (A2(c) >= USER_TOP)
		return CAIRN_EFAULT;
	if (A4(c) & ~(uint64_t)CAIRN_SINV_CONFINED)
		return CAIRN_EINVAL;
	struct comp *target = comp->obj;
	if (obj_ref_check(target))
		return CAIRN_EOVERFLOW;
	cap_copy(slot, &(struct cap){ .type = CAIRN_CAP_SINV, .flags = (uint8_t)A4(c), .gen = target->gen,
				      .obj = target, .a = A2(c), .b = A3(c) });
	return 0;
}

/* Pushes the thread's current place and moves it into comp; false if too deep. */
static bool push(struct thread *t, struct comp *comp, uint64_t flags)
{
	if (t->depth == CAIRN_INV_DEPTH)
		return false;
	t->inv[t->depth++] = (struct inv_frame){ t->comp, regs_ip(&t->regs), regs_sp(&t->regs), flags };
	t->gen[t->depth] = comp->gen;
	t->comp = comp;		/* the frame keeps the old component's reference */
	obj_ref(comp);
	arch_vm_switch(comp->pgtbl_phys);
	return true;
}

/*
 * The thread leaves its innermost invocation (the frame, returned), its address space
 * untouched: THREAD_RETURN's thread is not the one running.
 */
static struct inv_frame leave_frame(struct thread *t)
{
	struct inv_frame f = t->inv[--t->depth];

	obj_unref(t->comp);
	t->comp = f.comp;
	return f;
}

/* The running thread leaves its innermost invocation, loading the space it returns into. */
static struct inv_frame pop(struct thread *t)
{
	struct inv_frame f = leave_frame(t);

	arch_vm_switch(f.comp->pgtbl_phys);
	return f;
}

/* SINV_RENEW: the gate (this slot) calls the component's current generation. */
static long renew(struct cap *gate)
{
	struct comp *comp = gate->obj;

	if (comp->down)
		return CAIRN_EAGAIN;	/* restarting: not ready for calls yet */
	gate->gen = comp->gen;
	return comp->gen;
}

long sinv_invoke(struct call *c, struct cap *cap, unsigned op)
{
	struct thread *t = c->self;
	struct regs *r = c->r;
	struct comp *target = cap->obj;

	if (op == CAIRN_OP_SINV_RENEW)
		return renew(cap);
	if (op != CAIRN_OP_SINV_CALL)
		return CAIRN_ENOSYS;
	if (cap->gen != target->gen)
		return CAIRN_ESTALE;
	if (!push(t, target, cap->flags & INV_CONFINED))
		return CAIRN_EDEPTH;
	regs_set_ip(r, cap->a);
	regs_set_sp(r, 0);
	regs_set_arg0(r, CAIRN_ROOT_VA);
	regs_set_arg5(r, cap->b);
	return t->id;		/* the result: syscall_dispatch sets it */
}

/*
 * Sets the saved registers to a return from a system call at ip, sp with results r0,
 * r1 and nothing else of the callee's: every other register, flags and FPU/SSE state
 * reset. For a thread that is running, the caller must also clear cur_regs.
 */
static void clear_regs(struct thread *t, uint64_t ip, uint64_t sp, uint64_t r0, uint64_t r1)
{
	arch_regs_syscall_return(&t->regs, ip, sp, r0, r1);
	arch_fpu_init(t->fpu);
}

/* The keeper invocations among the thread's frames below frame d. */
static unsigned keepers_below(const struct thread *t, unsigned d)
{
	unsigned n = 0;

	for (unsigned i = 0; i < d; i++)
		n += (t->inv[i].flags & INV_FAULT) != 0;
	return n;
}

/* The fault record of the keeper invocation in frame d: each keeper level has its own. */
static struct fault_rec *fault_rec(struct thread *t, unsigned d)
{
	return &t->fault[keepers_below(t, d)];
}

/* Gives the thread back the registers and FPU/SSE state of the fault frame d handled. */
static void fault_restore(struct thread *t, unsigned d)
{
	struct fault_rec *f = fault_rec(t, d);

	t->regs = f->regs;
	memcpy(t->fpu, f->fpu, FPU_SIZE);
}

/*
 * Pops invocations until the thread is in a component at the generation it entered:
 * a popped gate call returns CAIRN_ESTALE to its caller, a popped keeper invocation
 * gives back the registers of its own fault (the faulting component handles it again).
 * False if the thread's home component restarted (nothing is left to return to).
 */
bool sinv_unwind(struct thread *t)
{
	while (thread_stale(t)) {
		if (t->depth == 0)
			return false;
		struct inv_frame f = pop(t);
		if (f.flags & INV_FAULT)
			fault_restore(t, t->depth);	/* the frame just popped */
		else
			clear_regs(t, f.ip, f.sp, (uint64_t)CAIRN_ESTALE, 0);
	}
	return true;
}

/* The calling thread is stale (its component restarted under it): unwind it now. */
long sinv_stale_self(struct call *c)
{
	struct thread *t = c->self;

	if (!sinv_unwind(t)) {
		c->next = thread_stop(t, CAIRN_EVENT_STOP);
		return 0;
	}
	this_cpu()->cur_regs = NULL;	/* entry.S loads all of the new registers */
	c->next = &t->regs;
	return (long)regs_result(&t->regs);
}

/* RETURN from the keeper invocation just popped (it was frame t->depth). */
static long fault_return(struct call *c)
{
	struct thread *t = c->self;

	if (A0(c) == CAIRN_FAULT_RESUME) {
		fault_restore(t, t->depth);
		this_cpu()->cur_regs = NULL;	/* resume exactly the saved registers */
		c->next = &t->regs;
		return (long)regs_result(&t->regs);
	}
	c->next = thread_stop(t, CAIRN_EVENT_STOP);
	return 0;
}

static long sinv_return(struct call *c)
{
	struct thread *t = c->self;
	struct regs *r = c->r;

	if (t->depth == 0)
		return CAIRN_EINVAL;	/* no invocation to return from */
	if ((t->inv[t->depth - 1].flags & INV_FAULT) && A0(c) > CAIRN_FAULT_STOP)
		return CAIRN_EINVAL;
	uint64_t r0 = A0(c), r1 = A1(c);
	struct inv_frame f = pop(t);
	if (thread_stale(t))
		return sinv_stale_self(c);	/* back into a component that restarted */
	if (f.flags & INV_FAULT)
		return fault_return(c);
	if (f.flags & INV_CONFINED) {	/* nothing a confined callee leaves survives */
		clear_regs(t, f.ip, f.sp, r0, r1);
		this_cpu()->cur_regs = NULL;	/* nothing live either: entry.S reloads all of t */
		return (long)r0;
	}
	regs_set_ip(r, f.ip);
	regs_set_sp(r, f.sp);
	regs_set_result(r, r0);
	regs_set_result2(r, r1);
	return (long)r0;
}

/*
 * Reads (a1 = 0) or writes register a0 (a CAIRN_REG_* number) of saved, for FAULT_REG
 * and THREAD_REG: the value, after the write, in rdx.
 */
static long reg_access(struct call *c, struct regs *saved)
{
	uint64_t *reg = arch_regs_slot(saved, A0(c));

	if (A1(c) & ~(uint64_t)(CAIRN_REG_WRITE | CAIRN_REG_LIVE))
		return CAIRN_EINVAL;
	if (!reg)
		return CAIRN_ERANGE;
	if (A1(c) & CAIRN_REG_WRITE) {
		uint64_t value = A2(c);
		long err = arch_regs_check_write(saved, reg, &value);
		if (err)
			return err;
		*reg = value;
	}
	regs_set_result2(c->r, *reg);
	return 0;
}

/* FAULT_REG: the keeper reads or writes the faulting registers. */
static long fault_reg(struct call *c)
{
	struct thread *t = c->self;

	if (t->depth == 0 || !(t->inv[t->depth - 1].flags & INV_FAULT))
		return CAIRN_EINVAL;	/* only inside a keeper invocation */
	return reg_access(c, &fault_rec(t, t->depth - 1)->regs);	/* this keeper's fault */
}

/*
 * THREAD_REG: reads or writes the saved registers of t, which must be stopped (so
 * they are its last ones: the fault's, or DEBUG_STOP's with the status in rdi). A
 * stopped thread runs again only from THREAD_RESTART, which sets them afresh. Not
 * inside a confined gate: they are the callee's, which such a gate never lets out.
 * With CAIRN_REG_LIVE, t need only run nowhere and execute in its home component
 * (depth 0): its saved registers are then whole (switch_to stored them), and they are
 * where it resumes (a checkpoint's read and its restore).
 */
long thread_reg(struct call *c, struct thread *t)
{
	if ((A1(c) & CAIRN_REG_LIVE) ? t == c->self || t->depth || core_running_elsewhere(t)
				      : t->state != THREAD_STOPPED)
		return CAIRN_EBUSY;
	for (unsigned d = 0; d < t->depth; d++)
		if (t->inv[d].flags & INV_CONFINED)
			return CAIRN_EACCES;
	return reg_access(c, &t->regs);
}

/*
 * THREAD_RETURN: t, not running, returns from its innermost invocation, which entered
 * the caller's component, with results a0, a1, as if it ran RETURN there itself (its
 * other registers cleared, as a confined gate's). Its server ends a call on the
 * waiter's behalf (seL4's reply), so that it waits in its own code: anything the
 * caller's component did not already decide by letting it run is out of reach.
 */
long thread_return(struct call *c, struct thread *t)
{
	unsigned d = t->depth;

	if (t == c->self || t->state != THREAD_RUNNABLE || core_running_elsewhere(t))
		return CAIRN_EBUSY;
	if (!d || t->comp != c->self->comp || (t->inv[d - 1].flags & INV_FAULT))
		return CAIRN_EINVAL;
	if (thread_stale(t) || t->gen[d - 1] != t->inv[d - 1].comp->gen)
		return CAIRN_ESTALE;	/* its call is not the caller's generation's, or returns into a restarted one */
	struct inv_frame f = leave_frame(t);	/* (not its last reference: the caller runs in it) */
	clear_regs(t, f.ip, f.sp, A0(c), A1(c));
	return 0;
}

/*
 * Whether a fault of t can go to its component's keeper: there is one, the fault is
 * not the keeper's own (the innermost invocation is not a keeper invocation), and a
 * fault record and an invocation frame are free. Otherwise the thread stops, as seL4
 * suspends a thread whose fault cannot be delivered.
 */
static bool keeper_takes(const struct thread *t)
{
	unsigned d = t->depth;

	return t->comp->keeper.obj && !(d && (t->inv[d - 1].flags & INV_FAULT)) &&
	       keepers_below(t, d) < CAIRN_KEEPER_DEPTH && d < CAIRN_INV_DEPTH;
}

/* A CPU exception in user mode (trap.c): to the keeper, or stop and report. */
struct regs *kernel_user_fault(struct regs *r)
{
	struct thread *t = thread_of(r);

	if (!keeper_takes(t)) {
		arch_report_fault(boot_name(t), &t->regs);
		return thread_stop(t, CAIRN_EVENT_STOP);
	}
	struct fault_rec *f = fault_rec(t, t->depth);	/* the keeper invocation's, to be */
	f->regs = t->regs;
	arch_fpu_save(f->fpu);
	struct cap gate = t->comp->keeper;
	push(t, gate.obj, INV_FAULT);	/* a frame is free: keeper_takes */
	arch_regs_init(r, gate.a, 0, CAIRN_ROOT_VA);	/* r is t->regs: the fault's are in f */
	regs_set_arg1(r, regs_fault_vector(&f->regs));
	regs_set_arg2(r, regs_fault_code(&f->regs));
	regs_set_arg3(r, arch_fault_address());
	regs_set_arg4(r, regs_ip(&f->regs));
	regs_set_arg5(r, gate.b);
	regs_set_result(r, t->id);
	return r;
}

long null_invoke(struct call *c, unsigned op)
{
	switch (op) {
	case CAIRN_OP_NULL:
		return 0;
	case CAIRN_OP_DEBUG_WRITE:
		if (A1(c) > CAIRN_DEBUG_WRITE_MAX)
			return CAIRN_EINVAL;
		if (!arch_vm_user_readable(c->self->comp->pgtbl_phys, A0(c), A1(c)))
			return CAIRN_EFAULT;
		kputs_n((const char *)A0(c), A1(c));	/* mapped in the current space */
		return (long)A1(c);
	case CAIRN_OP_DEBUG_STOP:
		kprintf("%s: stopped (exit %ld)\n", boot_name(c->self), (long)A0(c));
		c->next = thread_stop(c->self, CAIRN_EVENT_STOP);
		return 0;
	case CAIRN_OP_RETURN:
		return sinv_return(c);
	case CAIRN_OP_FAULT_REG:
		return fault_reg(c);
	case CAIRN_OP_KCHECK:
		return kernel_test_mode ? kernel_check() : CAIRN_ENOSYS;
	case CAIRN_OP_KCOUNT:
		return kernel_test_mode ? (long)this_cpu()->syscalls : CAIRN_ENOSYS;
	case CAIRN_OP_CORE:
		return c->self->core;
	default:
		return CAIRN_ENOSYS;
	}
}
