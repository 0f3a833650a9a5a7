/*
 * syscall.h: what the per-type operation handlers share. Each handler decodes its
 * arguments (every check, no change), then invokes (changes that cannot fail). It
 * returns the status (regs_set_result), and may set *next to resume another thread
 * instead.
 */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include "cap.h"
#include "obj.h"

struct call {
	struct thread *self;		/* the calling thread */
	struct regs *r;			/* its registers; the arguments are a0..a5 */
	struct captbl_root *ct;		/* the caller's capability table */
	struct regs *next;		/* the thread to resume: self unless changed */
};

/* The call's arguments a0..a5 (regs.h says where the architecture passes them). */
#define A0(c) regs_arg0((c)->r)
#define A1(c) regs_arg1((c)->r)
#define A2(c) regs_arg2((c)->r)
#define A3(c) regs_arg3((c)->r)
#define A4(c) regs_arg4((c)->r)
#define A5(c) regs_arg5((c)->r)

/*
 * Looks up a capability argument of the given type in the caller's table (a forwarder:
 * its target); a local THREAD capability is CAIRN_EACCES (it allows dispatch only).
 */
int cap_of_type(struct call *c, uint64_t idx, uint8_t type, struct cap **out);
/*
 * For capabilities over a range [a, b) of numbers (IOPORT, IOMMU): whether [first,
 * first + n) lies inside it (no sum is formed: first + n could wrap past 2^64); and
 * the NARROW operation, a0 = slot here, a1 = first, a2 = end: a copy over [a1, a2)
 * only (CAIRN_EINVAL if that is empty or not inside).
 */
bool cap_inside(const struct cap *cap, uint64_t first, uint64_t n);
long cap_narrow(struct call *c, struct cap *cap);

long captbl_invoke(struct call *c, struct cap *cap, unsigned op);
long pgtbl_invoke(struct call *c, struct cap *cap, unsigned op);
long memory_invoke(struct call *c, struct cap *cap, unsigned op);
long comp_invoke(struct call *c, struct cap *cap, unsigned op);
long thread_invoke(struct call *c, struct cap *cap, unsigned op);
long rcv_invoke(struct call *c, struct cap *cap, unsigned op);
long tcap_invoke(struct call *c, struct cap *cap, unsigned op);
long asnd_invoke(struct call *c, struct cap *cap, unsigned op);
long sinv_invoke(struct call *c, struct cap *cap, unsigned op);
long irq_invoke(struct call *c, struct cap *cap, unsigned op);
long ioport_invoke(struct call *c, struct cap *cap, unsigned op);
long indir_invoke(struct call *c, struct cap *cap, unsigned op);
long devmem_invoke(struct call *c, struct cap *cap, unsigned op);
long iommu_invoke(struct call *c, struct cap *cap, unsigned op);
long null_invoke(struct call *c, unsigned op);

/*
 * Activations, called by captbl_invoke with the destination slot already checked. Each
 * decodes its own arguments, then calls memory_activate, the last check and the
 * change: the frame a2, covered by the MEMORY capability a1, must be KERNEL and hold
 * no object; it is zeroed and claimed for an object of kind obj, whose first
 * capability (type, flags) goes in slot. The caller then initialises the object
 * (*out), which cannot fail.
 */
long memory_activate(struct call *c, struct cap *slot, uint8_t obj, uint8_t type, uint8_t flags, void **out);
/*
 * memory.c: checks a frame for an operation: page aligned, covered by the MEMORY
 * capability mem (CAIRN_EINVAL, CAIRN_ERANGE), of the given type (CAIRN_EACCES).
 */
long memory_frame(struct cap *mem, uint64_t frame, uint8_t type);
/*
 * memory.c: the whole rule of devmem.h for the page at pa (page aligned): no RAM, not
 * the kernel's, below the physical limit, RESERVED if the frame table describes it.
 */
bool memory_is_device_page(uint64_t pa);
/* memory.c: checks that pa is a device page the DEVMEM capability dev covers, for rights. */
long memory_device_page(struct cap *dev, uint64_t pa, uint64_t rights);
long activate_pgtbl(struct call *c, struct cap *slot);
long activate_comp(struct call *c, struct cap *slot);
long activate_thread(struct call *c, struct cap *slot);
long activate_rcv(struct call *c, struct cap *slot);
long activate_tcap(struct call *c, struct cap *slot);
long activate_asnd(struct call *c, struct cap *slot);
long activate_indir(struct call *c, struct cap *slot);
long activate_sinv(struct call *c, struct cap *slot);

/* irq.c, for the invariant check: the i-th of the IRQ_REFS references the lines hold, or NULL. */
#define IRQ_REFS (CAIRN_IRQ_LINES + CAIRN_MAX_CORES)	/* each line's thread, each core's timer's */
struct thread *irq_line_thread(unsigned i);

/* sinv.c: THREAD_REG and THREAD_RETURN on t. */
long thread_reg(struct call *c, struct thread *t);
long thread_return(struct call *c, struct thread *t);
/* sinv.c: unwinds the calling thread, whose component restarted under it (obj.h). */
long sinv_stale_self(struct call *c);

/* check.c: the kernel invariant check (debug builds of tests); returns problems found. */
long kernel_check(void);
extern bool kernel_test_mode;
/* fastpath.c: the handler entry.S calls; syscall_dispatch under "nofastpath". */
struct regs *fastpath(uint64_t call, struct regs *r);
extern struct regs *(*syscall_handler)(uint64_t call, struct regs *r);

#endif
