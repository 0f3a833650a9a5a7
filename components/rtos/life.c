/*
 * life.c: the lives of processes: one is created with its main thread, ends when
 * its last thread does (or at once, by process_exit or a fault), and is reaped by
 * the S of a core once none of its threads runs. What a process held here - block
 * points, timers, channels, regions - goes when it ends.
 *
 * Above threads (thread.c), the making of processes (proc.c), timers, sharing and sockets;
 * the gates and S are above it.
 */
#include "rtos.h"

/* Locked: everything a dead process held here (block points, timers, sharing, sockets, ports). */
static void proc_objects_free(struct rproc *p)
{
	unsigned pi = (unsigned)(p - procs);

	for (unsigned i = 0; i < MAX_TIMERS; i++)
		if (timers[i].used && timers[i].proc == pi)
			timer_drop(&timers[i]);
	for (unsigned i = 0; i < MAX_BPS; i++)
		if (bps[i].used && bps[i].proc == pi)
			watch_bp_free(&bps[i], CAIRN_EBADF);
	share_proc_end(p);
	sock_proc_end(p);
	port_proc_end(p);
}

/*
 * Locked. A process running elf (len bytes) with its main thread as sched_word says
 * on core, within limits (RTOS_LIMITS, its ceiling stated: sched_check has passed the
 * main thread's priority against it); 0 and *err.
 */
struct rproc *proc_create(const char *name, const void *elf, uint64_t len, const struct proc_args *a, long *err)
{
	struct rproc *p = proc_new(name, elf, len, a, err);

	if (!p)
		return 0;
	if (thread_new(p, 0, a->sched_word, RTOS_STACK_DEFAULT, a->core, err))
		return p;
	p->dying = 1;
	proc_free(p);
	return 0;
}

/* Locked: a process running the program at path in the file system; 0 and *err. */
struct rproc *proc_start(const char *path, const struct proc_args *a, long *err)
{
	const void *elf;
	uint64_t len;
	const char *name = path;

	*err = rtos_file(path, &elf, &len);
	if (*err)
		return 0;
	for (const char *c = path; *c; c++)
		if (*c == '/')
			name = c + 1;
	return proc_create(name, elf, len, a, err);
}

/* Locked: every thread of p ends; p goes when S has reaped them. */
void proc_end(struct rproc *p, long status)
{
	if (p->dying)
		return;
	p->dying = 1;
	sched.deaths |= 1u << sched_holder();	/* (if no thread of it is left to end) */
	p->status = status;
	proc_objects_free(p);
	for (unsigned i = 0; i < MAX_THREADS; i++)
		if (threads[i].proc == p && threads[i].state != T_FREE && threads[i].state != T_DEAD &&
		    threads[i].state != T_ZOMBIE)
			thread_end(&threads[i], status);
	for (unsigned i = 0; i < MAX_THREADS; i++)
		if (threads[i].proc == p && threads[i].state == T_ZOMBIE)
			threads[i].state = T_FREE;
}

/*
 * The S of core, locked: frees the dead threads of core and the processes that have
 * none left (only after something ended: a timer interrupt costs no scan). No thread
 * of core runs meanwhile (its S does), so none of them is in the kernel.
 */
void reap(unsigned core)
{
	if (!(sched.deaths >> core & 1))
		return;
	sched.deaths &= ~(1u << core);
	for (unsigned i = 0; i < MAX_THREADS; i++) {
		if (threads[i].state != T_DEAD || threads[i].core != core)
			continue;
		if (&threads[i] == sched.core[core].current)
			sched.deaths |= 1u << core;	/* still on its way out: next time */
		else
			thread_free(&threads[i]);
	}
	for (unsigned i = 0; i < MAX_PROCS; i++)
		if (procs[i].used && procs[i].dying && !procs[i].nthreads)
			proc_free(&procs[i]);
}
