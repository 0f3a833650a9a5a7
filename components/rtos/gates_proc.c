/*
 * gates_proc.c: the calls on processes and a process's memory, and the keeper's
 * decision on a fault (gates.h): each decodes its arguments, checks them, and only
 * then changes anything; a handle is looked up and used under one hold of the lock
 * (handle.h).
 */
#define RTOS_IF_proc(m, ...) m(__VA_ARGS__)	/* this file serves the process calls */
#include "gates.h"
#include <common/fmt.h>

static long gate_process_exit(struct rthread *t, const struct rtos_args *a)
{
	long status = (long)a->a;

	sched_lock(t->core);
	proc_end(t->proc, status);
	sched_gone(t);
}

/*
 * Locked: whether t's process may create a process as *a says (its ceiling made
 * explicit there: 0 is the creator's; its budget read from t's TLS page, once).
 * EINVAL for a malformed word or budget; EACCES for a ceiling more urgent than the
 * creator's, a main thread more urgent than the new ceiling, or a budget under the
 * creator's (budget_check).
 */
static long child_check(struct rthread *t, struct proc_args *a)
{
	unsigned own = t->proc->ceiling, c = RTOS_LIMIT_CEILING(a->limits);

	a->creator = t->proc;
	a->cpu = *(volatile uint64_t *)&thread_tls(t)->cpu;
	if (!RTOS_LIMITS_VALID(a->limits))
		return CAIRN_EINVAL;
	if (!c)
		c = own;
	if (c < own)
		return CAIRN_EACCES;
	a->limits = RTOS_LIMITS(RTOS_LIMIT_PAGES(a->limits), RTOS_LIMIT_THREADS(a->limits), c);
	long err = budget_check(t->proc, a->cpu);
	return err ? err : sched_check(0, a->sched_word, a->core, c);
}

/* Locked: p, just made by t's process, is its child; the caller runs on (unlocked). */
static long child_made(struct rthread *t, struct rproc *p)
{
	p->parent = proc_handle(t->proc);
	sched_preempt(t);
	return (long)proc_handle(p);
}

/* Creates a process from the program at a path of the file system (in the msg). */
static long gate_proc_create(struct rthread *t, const struct rtos_args *a)
{
	struct proc_args pa = { .sched_word = a->a, .limits = a->b };
	char path[CAIRN_ROMFS_PATH_MAX];
	const volatile char *msg = thread_msg(t);
	unsigned n = 0;
	long err;

	for (; n < sizeof(path) - 1 && (path[n] = msg[n]); n++)
		;
	if (n == sizeof(path) - 1)
		return CAIRN_EINVAL;
	path[n] = 0;
	if ((err = sched_place(t, &pa.sched_word, &pa.core)))
		return err;
	sched_lock(t->core);
	struct rproc *p = (err = child_check(t, &pa)) ? 0 : proc_start(path, &pa, &err);
	if (!p) {
		sched_unlock();
		return err;
	}
	return child_made(t, p);
}

static long gate_proc_status(struct rthread *t, const struct rtos_args *a)
{
	uint64_t id = a->a;
	long r;

	sched_lock(t->core);
	struct rproc *p = proc_of(t, id);
	if (!p)		/* (the caller's own handle: its creator's, never its own) */
		r = id == proc_handle(t->proc) ? CAIRN_EINVAL : CAIRN_EBADF;
	else if (p->used)
		r = CAIRN_EAGAIN;
	else {
		p->reported = 1;
		r = p->status;
	}
	sched_unlock();
	return r;
}

/* Creates a process from an ELF image the caller put in a region (b bytes of it). */
static long gate_proc_image(struct rthread *t, const struct rtos_args *a)
{
	uint64_t id = a->a, len = a->b;
	struct proc_args pa = { .sched_word = a->c, .limits = a->d };
	char name[RTOS_NAME_MAX];
	unsigned mapped = 0;

	if (msg_name(t, name) <= 0)
		return CAIRN_EINVAL;
	long err = sched_place(t, &pa.sched_word, &pa.core);
	if (err)
		return err;
	sched_lock(t->core);
	struct shm *s = shm_of(t, id);
	struct rproc *p = 0;
	err = child_check(t, &pa);
	if (!err && !(s && s->owner == t->proc - procs && len && len <= s->npages * PAGE))
		err = CAIRN_EINVAL;
	if (!err) {
		for (; !err && mapped < s->npages; mapped++)
			err = window_map(IMAGE_WIN + mapped * PAGE, s->frame[mapped]);
		if (!err)
			p = proc_create(name, (const void *)IMAGE_WIN, len, &pa, &err);
		while (mapped--)
			cairn_pgtbl_unmap(CAIRN_SLOT_PGTBL, IMAGE_WIN + mapped * PAGE);
	}
	if (!p) {
		sched_unlock();
		return err;
	}
	return child_made(t, p);
}

/* Reads the crashed process's stack through t's own report window (cairn_crash_report's read). */
static long read_stack(void *ctx, uint64_t va, void *dst, uint64_t len)
{
	struct rthread *t = ctx;
	uint64_t win = REPORT_WIN(t - threads);
	long e = cairn_pgtbl_lookup(t->proc->pt, va);

	if (e < 0 || window_map(win, (uint64_t)e & ~(PAGE - 1)))
		return CAIRN_ENOENT;	/* the top of the stack */
	memcpy(dst, (const char *)win + (va & (PAGE - 1)), len);
	return cairn_pgtbl_unmap(CAIRN_SLOT_PGTBL, win);
}

/*
 * t's process ended by a fault, reported as the booter reports a component
 * (cairn_crash_report): its image is the program's name (build/user/<name>.elf), its
 * stack read from the process's page table on the faulting thread, which alone uses
 * its report window.
 */
static void report_fault(struct rthread *t, cairn_word vector, cairn_word error, cairn_word rip)
{
	struct rproc *p = t->proc;
	char head[CAIRN_NAME_MAX + 40];
	struct cairn_crash c = { head, p->name, t->tid, vector, error, rip, cairn_fault_reg(CAIRN_REG_RSP, 0, 0).r1,
				 p->text_lo, p->text_hi, read_stack, t };

	fmt_snprintf(head, sizeof(head), "rtos: process '%s' ended by a fault", p->name);
	cairn_crash_report(&c);
}

/*
 * The keeper's decision on a fault of t: librtos's pointer probe (struct rtos_tls)
 * resumes with EFAULT; any other fault ends t's process (only it: nothing else is
 * touched) and is reported on the console, with its stack (report_fault).
 */
long gate_fault(struct rthread *t, cairn_word vector, cairn_word error, cairn_word addr, cairn_word rip)
{
	volatile struct rtos_tls *w = thread_tls(t);
	uint64_t rd = w->probe_read, wr = w->probe_write, fix = w->probe_fixup;

	if ((vector == CPU_FAULT_PF || vector == CPU_FAULT_GP) && rip && (rip == rd || rip == wr) && fix &&
	    !cairn_fault_reg(CAIRN_REG_RAX, 1, (cairn_word)CAIRN_EFAULT).r0 &&
	    !cairn_fault_reg(CAIRN_REG_RIP, 1, fix).r0)
		return CAIRN_FAULT_RESUME;
	cairn_printf("rtos: process '%s' faulted (vector %lu, error %#lx, address %#lx, rip %#lx): "
		     "it ends\n", t->proc->name, vector, error, addr, rip);
	report_fault(t, vector, error, rip);
	sched_lock(t->core);
	proc_end(t->proc, CAIRN_EFAULT);
	sched_gone(t);
}

/* ---- memory ---- */

static long gate_mem_get(struct rthread *t, const struct rtos_args *a)
{
	uint64_t at = a->a, len = a->b, align = a->c, va = 0;

	sched_lock(t->core);
	long r = proc_mem_get(t->proc, at, len, align, &va);
	sched_unlock();
	return r ? r : (long)va;
}

static long gate_mem_free(struct rthread *t, const struct rtos_args *a)
{
	uint64_t at = a->a, len = a->b;

	sched_lock(t->core);
	long r = proc_mem_free(t->proc, at, len);
	sched_unlock();
	return r;
}

/* Locked: the count `what` (enum rtos_stat) names, for p. */
static long stat_count(struct rproc *p, unsigned what)
{
	switch (what) {
	case RTOS_STAT_UNTYPED:
		return cairn_mem_count(CAIRN_SLOT_MEMORY, CAIRN_FRAME_UNTYPED);
	case RTOS_STAT_SLOTS:
		return (long)(mem.last_slot - mem.next_slot + mem.nfree_slots);
	case RTOS_STAT_THREADS: {
		long n = 0;
		for (unsigned i = 0; i < MAX_THREADS; i++)
			n += threads[i].state != T_FREE;
		return n;
	}
	case RTOS_STAT_PROCS: {
		long n = 0;
		for (unsigned i = 0; i < MAX_PROCS; i++)
			n += procs[i].used;
		return n;
	}
	case RTOS_STAT_PAGES:
		return p->npages;
	case RTOS_STAT_SOCKS:
	case RTOS_STAT_NET_BUFS:
		return sock_stat(p, what);
	case RTOS_STAT_CHANS: {
		long n = 0;
		for (unsigned i = 0; i < MAX_CHANS; i++)
			n += chans[i].used;
		for (unsigned i = 0; i < MAX_ENDS; i++)
			n += ends[i].used;
		for (unsigned i = 0; i < MAX_SHM; i++)
			n += shms[i].used;
		return n;
	}
	case RTOS_STAT_WATCHES:
		return watch_count();
	case RTOS_STAT_PORTS:
		return port_stat(p);
	default:
		return CAIRN_EINVAL;
	}
}

static long gate_stats(struct rthread *t, const struct rtos_args *a)
{
	sched_lock(t->core);
	long r = stat_count(t->proc, (unsigned)a->a);
	sched_unlock();
	return r;
}

RTOS_SERVE_FAMILY
