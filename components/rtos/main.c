/*
 * main.c: the rtos component's scheduler threads. The first, S_0, is the thread the
 * booter built: it bound core 0's timer (interrupt line 0) to it and gave it memory
 * and the programs (docs/rtos.md). On a system of several cores S_0 starts an S_k on
 * each other core, which binds that core's timer with the IRQ capability for line 0
 * the booter granted. Then S_0 starts the first program as the first process. Each
 * S_k serves as its core's idle thread and timer thread: the timer, or a kick from
 * another core, runs it at once, naming the thread it preempted. When the last
 * process has ended, S_0 returns and the rtos component ends with it - unless the
 * description exports the "rtos" interface (run.c): then only after a bye. S_0 also
 * sleeps armed on the socket link's event queue (sock.c), so `net`'s wake-up runs it,
 * and every S takes the link's events at each pass; a run posted wakes it too, and it
 * starts the program at its next pass. Likewise for the ports processes watch
 * (ports.c): every S looks at them at each pass, S_0 sleeps armed on the sync ones and
 * looks at the async ones every PORT_POLL_US while idle.
 */
#include "rtos.h"
#include <cairn/gate.h>

#define RETRY_TICKS 2000	/* how soon S looks again after sending a thread back */

/* Takes the events of core's S: which thread an interrupt or kick preempted (0: none); marks stops. */
static struct rthread *take_events(struct rcore *k)
{
	struct rthread *preempted = 0;

	for (;;) {
		struct cairn_ret2 e = cairn_rcv_event(k->rcv);
		if (e.r0 <= 0 || e.r1 == CAIRN_EVENT_NONE)
			return preempted;
		if (e.r1 == CAIRN_EVENT_OVERFLOW) {
			/*
			 * Events were lost. Only the thread S last ran here can have been
			 * preempted; take it for preempted (run() sends it back if it holds
			 * the lock). A lost STOP shows when a stopped thread is dispatched
			 * (sched_switch ends it).
			 */
			if (k->current)
				preempted = k->current;
			continue;
		}
		struct rthread *t = thread_by_tid((uint32_t)e.r0);
		if (!t)
			continue;	/* not ours: a booter-run component the timer preempted */
		if (e.r1 == CAIRN_EVENT_TIMEOUT)
			preempted = t;
		else if (e.r1 == CAIRN_EVENT_STOP)
			t->stopped = sched.stops = 1;
	}
}

/* Locked: threads that stopped in the kernel (a fault in rtos code: never a process's). */
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

static int any_process(void)
{
	for (unsigned i = 0; i < MAX_PROCS; i++)
		if (procs[i].used)
			return 1;
	return 0;
}

/*
 * One pass of core c's S with the lock free: put back the thread an interrupt
 * preempted (to the back of its queue when its slice is over), fire due timers, reap
 * the dead, and switch to the best thread, or idle until the next timer if there is
 * none. Returns at once when S_0 finds no process left.
 */
static void schedule(unsigned c, struct rthread *preempted)
{
	struct rcore *k = &sched.core[c];

	sched_lock(c);
	k->armed = 0;		/* (the kernel's deadline may be spent: set it again) */
	if (preempted && (preempted != k->current || k->lease_end))
		sched_adopt(k, preempted);	/* its process switched to it itself (lease.c) */
	end_stopped();
	sock_poll();
	port_poll();
	struct rthread *cur = k->current;
	uint64_t now = cairn_cycles();
	if (cur && cur->state == T_RUNNING)
		rq_add(cur, !(preempted == cur && now >= k->slice_end));
	k->current = 0;
	timers_expire(c, now);
	edf_release(c, now);
	budget_due(now);
	reap(c);
	if (c == 0)
		run_take();
	struct rthread *next = rq_take(k);
	if (next) {
		sched_switch_s(k, next);
		return;
	}
	if (c == 0 && ((!any_process() && !run_kept()) || sock_arm() || port_arm())) {
		sched_unlock();	/* none left; or net's events, or a port's step, came as S armed for them: look again */
		return;
	}
	uint64_t due = c == 0 ? port_due(sched_next_event(c)) : sched_next_event(c);
	if (due) {
		k->armed = due;
		cairn_thread_dispatch(k->self, k->armed, 0);	/* arms the timer */
	}
	sched_unlock();
	cairn_rcv_wait(k->rcv);
}

/* Core c's S schedules; S_0 until the last process has ended and been reaped (and no run is kept). */
static void run(unsigned c)
{
	struct rcore *k = &sched.core[c];
	struct rthread *sent = 0;	/* the thread sent back last, if that dispatch did not switch */

	while (c != 0 || any_process() || k->current || run_kept()) {
		struct rthread *p = take_events(k);
		int holds = __atomic_load_n(&sched.lock, __ATOMIC_RELAXED) == c + 1;
		if (!p && holds)
			p = sent;	/* a kick kept on S made its dispatch return at once: the holder is still that one */
		sent = 0;
		if (p && (holds || (p == k->deciding && p->state != T_DEAD && p != k->current))) {
			/* p was inside a decision: let it finish, then look again. It
			   finishes on the rtos's time (its process's budget may be spent:
			   budget.c), and is bound to its own again as soon as this runs */
			k->armed = cairn_cycles() + RETRY_TICKS;
			unsigned own = p->proc->tc ? p->proc->tc->slot : 0;
			p->lent = own != 0;	/* until then, whoever dispatches it names its own */
			long r = cairn_thread_dispatch(p->slot, k->armed, own ? CAIRN_SLOT_TCAP : 0);
			if (own)
				cairn_thread_tcap(p->slot, own);
			p->lent = 0;
			sent = p;
			if (r == 0)
				continue;
			p->stopped = 1;
			uint32_t mine = c + 1;	/* it stopped inside: its decision is void */
			__atomic_compare_exchange_n(&sched.lock, &mine, 0, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
		}
		schedule(c, p);
	}
}

/* S_k, k > 0, on its own core: binds that core's timer, then schedules there for good. */
static void core_main(cairn_word tid)
{
	unsigned c = (unsigned)cairn_core();
	struct rcore *k = &sched.core[c];
	long r = cairn_irq_bind(CAIRN_SLOT_IRQ, CAIRN_IRQ_TIMER, k->wake, 0);

	(void)tid;
	if (r)
		cairn_printf("rtos: core %u: binding its timer: error %ld\n", c, r);
	__atomic_store_n(&k->ready, 1, __ATOMIC_RELEASE);
	run(c);
}

/*
 * S_0's receive endpoint and a send to it; an S_k on every other core of the system
 * (root->cores), placed there, its scheduler none (the kernel runs it at its timer and
 * at kicks), started by a send (cairn_core_thread). Waits until each has its timer.
 * More cores than MAX_CORES: CAIRN_EOVERFLOW, and the RTOS does not start.
 */
static long start_cores(void)
{
	long r = 0;

	if (root->cores > MAX_CORES) {	/* tools/system.py refuses such a description */
		cairn_printf("rtos: the system has %lu cores, the RTOS schedules at most %u: it stops\n",
			     (unsigned long)root->cores, MAX_CORES);
		return CAIRN_EOVERFLOW;
	}
	sched.ncores = (unsigned)root->cores;
	sched.core[0].self = CAIRN_SLOT_THREAD;
	sched.core[0].rcv = CAIRN_SLOT_RCV;
	cairn_reserve_slots(&mem);
	sched.core[0].wake = cairn_slot(&mem);
	r = cairn_captbl_act_asnd(CAIRN_SLOT_CAPTBL, sched.core[0].wake, CAIRN_SLOT_RCV);
	for (unsigned c = 1; !r && c < sched.ncores; c++) {
		struct rcore *k = &sched.core[c];
		struct cairn_core_thread t;
		r = cairn_core_thread(&mem, c, core_main, &t);
		k->self = t.thread;
		k->rcv = t.rcv;
		k->wake = t.wake;
		while (!r && !__atomic_load_n(&k->ready, __ATOMIC_ACQUIRE))
			cpu_relax();
	}
	if (r)
		cairn_printf("rtos: starting the schedulers of %u cores: error %ld\n", sched.ncores, r);
	else if (sched.ncores > 1)
		cairn_printf("rtos: a scheduler on each of %u cores\n", sched.ncores);
	return r;
}

/* Starts the program /etc/init names. */
static long start_first(void)
{
	char path[CAIRN_ROMFS_PATH_MAX];
	const void *data;
	uint64_t len;
	long err;

	err = rtos_file("/etc/init", &data, &len);
	if (!err && (len == 0 || len >= sizeof(path)))
		err = CAIRN_EINVAL;
	if (err) {
		cairn_printf("rtos: no /etc/init in %s (error %ld)\n", ROMFS_MODULE, err);
		return err;
	}
	memcpy(path, data, len);
	path[len] = 0;
	sched_lock(0);
	const struct proc_args a = { .sched_word = PROC_DEFAULT_PRIO };
	struct rproc *p = proc_start(path, &a, &err);
	sched_unlock();
	if (!p)
		cairn_printf("rtos: cannot start '%s' (error %ld)\n", path, err);
	return p ? 0 : err;
}

int main(const struct cairn_root *rt)
{
	state_init(rt);
	gates_init();
	budget_init();
	sock_init();
	cairn_printf("rtos: %lu KiB for processes\n", (rt->mem_end - rt->mem_base) >> 10);
	if (proc_view_init() || start_cores() || start_first()) {
		run_end();
		return 1;
	}
	run_serve();
	run(0);
	run_end();
	sock_report();
	sock_bye();
	cairn_printf("rtos: no process left: the RTOS stops\n");
	return 0;
}
