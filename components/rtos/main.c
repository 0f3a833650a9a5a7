/*
 * main.c: the rtos component's first thread, S. The booter bound the timer
 * (interrupt line 0) to it and gave it memory and the programs (docs/rtos.md). It
 * starts the first program as the first process, then serves as the idle thread and
 * the timer thread: the timer runs it at once, naming the thread it preempted. When
 * the last process has ended, the rtos component ends too.
 */
#include "rtos.h"

#define RETRY_TICKS 2000	/* how soon S looks again after sending a thread back */
#define SLICES_PER_SECOND 500	/* 2 ms round-robin slices */

const struct cairn_root *root;
struct cairn_alloc mem;
unsigned s_rcv = CAIRN_SLOT_RCV;

static uint64_t free_frames[4096];
static unsigned free_slots[4096];

/* Takes S's events: which thread an interrupt preempted (0: none); marks stops. */
static struct rthread *take_events(void)
{
	struct rthread *preempted = 0;

	for (;;) {
		struct cairn_ret2 e = cairn_rcv_event(s_rcv);
		if (e.r0 <= 0 || e.r1 == CAIRN_EVENT_NONE)
			return preempted;
		struct rthread *t = thread_by_tid((uint32_t)e.r0);
		if (!t)
			continue;	/* not ours: a booter-run component the timer preempted */
		if (e.r1 == CAIRN_EVENT_TIMEOUT)
			preempted = t;
		else if (e.r1 == CAIRN_EVENT_STOP)
			t->stopped = sched.stops = 1;
	}
}

/* Threads that stopped in the kernel (a fault in rtos code: never a process's). */
static void end_stopped(void)
{
	if (!sched.stops)
		return;
	sched.stops = 0;
	for (unsigned i = 0; i < MAX_THREADS; i++) {
		struct rthread *t = &threads[i];
		if (t->state != T_FREE && t->state != T_DEAD && t->state != T_ZOMBIE && t->stopped) {
			cairn_printf("rtos: thread %u of '%s' stopped in the kernel\n", t->tid, t->proc->name);
			thread_end(t, CAIRN_EFAULT);
		}
	}
}

/*
 * One pass of S with the lock free: put back the thread an interrupt preempted (to
 * the back of its queue when its slice is over), fire due timers, reap the dead, and
 * switch to the best thread, or idle until the next timer if there is none.
 */
static int any_process(void)
{
	for (unsigned i = 0; i < MAX_PROCS; i++)
		if (procs[i].used)
			return 1;
	return 0;
}

static void schedule(struct rthread *preempted)
{
	sched_lock();
	end_stopped();
	struct rthread *cur = sched.current;
	uint64_t now = cairn_cycles();
	if (cur && cur->state == T_RUNNING)
		rq_add(cur, !(preempted == cur && now >= sched.slice_end));
	sched.current = 0;
	timers_expire(now);
	edf_release(now);
	reap();
	struct rthread *next = rq_take();
	if (next) {
		sched_switch(next);
		return;
	}
	if (!any_process()) {
		sched_unlock();
		return;
	}
	if (sched_next_event()) {
		sched.armed = sched_next_event();
		cairn_thread_dispatch(CAIRN_SLOT_THREAD, sched.armed);	/* arms the timer */
	}
	sched_unlock();
	cairn_rcv_wait(s_rcv);
}

/* Schedules until the last process has ended and been reaped. */
static void run(void)
{
	while (any_process() || sched.current) {
		struct rthread *p = take_events();
		if (p && p->state != T_DEAD && (sched.locked || p != sched.current)) {
			/* p was inside a decision: let it finish, then look again */
			sched.armed = cairn_cycles() + RETRY_TICKS;
			if (cairn_thread_dispatch(p->slot, sched.armed) == 0)
				continue;
			p->stopped = 1;
			sched.locked = 0;	/* it stopped inside: its decision is void */
		}
		schedule(p);
	}
}

/* The file system the build made of the programs (tools/sysgen.py build_romfs). */
static const struct cairn_module *romfs;

long rtos_file(const char *path, const void **data, uint64_t *len)
{
	if (!romfs)
		return CAIRN_ENOENT;
	return cairn_romfs_find((const void *)romfs->va, romfs->size, path, data, len);
}

/* Starts the program /etc/init names. */
static long start_first(void)
{
	char path[CAIRN_ROMFS_PATH_MAX];
	const void *data;
	uint64_t len;
	long err;

	for (unsigned i = 0; i < root->nmodules; i++)
		if (!strcmp(root->module[i].name, ROMFS_MODULE))
			romfs = &root->module[i];
	err = rtos_file("/etc/init", &data, &len);
	if (!err && (len == 0 || len >= sizeof(path)))
		err = CAIRN_EINVAL;
	if (err) {
		cairn_printf("rtos: no /etc/init in %s (error %ld)\n", ROMFS_MODULE, err);
		return err;
	}
	memcpy(path, data, len);
	path[len] = 0;
	sched_lock();
	struct rproc *p = proc_start(path, 128, 0, &err);
	sched_unlock();
	if (!p)
		cairn_printf("rtos: cannot start '%s' (error %ld)\n", path, err);
	return p ? 0 : err;
}

int main(const struct cairn_root *rt)
{
	root = rt;
	mem = (struct cairn_alloc){ .mem = CAIRN_SLOT_MEMORY, .ct = CAIRN_SLOT_CAPTBL,
				    .cursor = rt->mem_base, .end = rt->mem_end,
				    .next_slot = rt->free_slot, .last_slot = CAIRN_CAPTBL_LEAF_SLOTS,
				    .free_frame = free_frames, .free_slot = free_slots,
				    .free_cap = sizeof(free_slots) / sizeof(free_slots[0]) };
	sched.slice = rt->tsc_hz / SLICES_PER_SECOND;
	cairn_printf("rtos: %lu KiB for processes\n", (rt->mem_end - rt->mem_base) >> 10);
	if (start_first())
		return 1;
	run();
	cairn_printf("rtos: no process left: the RTOS stops\n");
	return 0;
}

/*
 * The gate-stack pool (lib/libcairn/entry.S) sized for this component: every RTOS
 * thread may be waiting in here at once. These replace libcairn's 32.
 */
uint64_t cairn_stack_map;
char cairn_stacks[64][8192] __attribute__((aligned(16)));
