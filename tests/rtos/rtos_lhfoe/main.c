/*
 * rtos_lhfoe: the hostile process of tests/rtos/rtos_lochostile. For RUN_US its
 * threads, at the level the bystander rtos_lhpeer shares, do random things with their
 * local THREAD capabilities (cairn/rtos_abi.h, *Local switches*): switch to random
 * slots (their own, other threads', empty and out-of-range ones, ones with a deadline
 * or a tcap), write random values into their TLS page's ran_since (the slice claim the
 * rtos takes while a lease holds), yield, block and wake on a semaphore, spin, exit,
 * create threads, kill each other, change level; an EDF thread per core runs out of
 * its budget and is switched to by hand while throttled. Then every thread ends and
 * the process returns 0 (1 if it could not start).
 */
#include <cairn/cairn.h>
#include <cairn/rtos.h>
#include <cairn/rtos_abi.h>

#define ROOT   ((const struct cairn_root *)CAIRN_ROOT_VA)
#define LEVEL  100		/* the peer's level (rtos_lochostile) */
#define RUN_US 150000
#define MAXW   4		/* workers alive per core, at most */
#define NTAB   (2 * MAXW)
#define SEED   0u		/* another value: another run of the same kinds of abuse */

static volatile int stop;
static unsigned ncores = 1;
static sem_t sem;
static volatile thread_t workers[NTAB], edf[2];

static uint64_t us_ticks(uint64_t us)
{
	return us * (ROOT->tsc_hz / 1000000);
}

static struct rtos_tls *tls(void)
{
	struct rtos_tls *t;

	__asm__ volatile("mov %%fs:0, %0" : "=r"(t));
	return t;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static unsigned idx(thread_t t)
{
	return (unsigned)((t & 0xffff) - 1);
}

static void spin(uint64_t us, int claim)
{
	uint64_t end = cairn_cycles() + us_ticks(us);

	while (cairn_cycles() < end)
		if (claim)
			tls()->ran_since = cairn_cycles();	/* a fresh slice, always */
}

/* A slot to switch to: mostly local capabilities (any), sometimes anything but a gate. */
static unsigned some_slot(uint64_t *s)
{
	uint64_t r = rnd(s);

	if (r % 4)
		return RTOS_LOCAL_SLOT(r / 4 % (RTOS_LOCAL_SLOTS + 4));
	unsigned x = (unsigned)(r / 4 % 512);
	return x >= RTOS_GATE_BASE && x < RTOS_LOCAL_BASE ? x + RTOS_LOCAL_BASE : x;
}

static void worker(void);

static thread_t spawn(void (*fn)(void), unsigned core, unsigned prio)
{
	sched_param_t p[2] = { { SCHEDP_CORE_ID, (uint16_t)core }, { SCHEDP_PRIO, (uint16_t)prio } };

	return thread_create(fn, p, 2, 0);
}

/* A new worker in a free entry of the table (a zombie's status taken), on core. */
static void add_worker(uint64_t *s, unsigned core)
{
	for (unsigned i = 0; i < NTAB; i++) {
		thread_t w = workers[i];
		if (w && thread_get_exit_status(w) == EAGAIN)
			continue;
		workers[i] = 0;
		workers[i] = spawn(worker, core, LEVEL + (unsigned)(rnd(s) % 4 == 0));
		return;
	}
}

static void act(uint64_t *s)
{
	uint64_t r = rnd(s), now = cairn_cycles();
	thread_t w;

	switch (r % 16) {
	case 0: case 1: case 2:
		cairn_thread_dispatch(some_slot(s), r % 16 == 2 ? rnd(s) % 3 : 0, r % 32 == 2 ? rnd(s) % 100 : 0);
		break;
	case 3:
		w = edf[rnd(s) % 2];
		if (w)
			cairn_thread_dispatch(RTOS_LOCAL_SLOT(idx(w)), 0, 0);
		break;
	case 4: {
		static const int64_t d[] = { 0, 1, -1, 1000, -1000, -100000000, 100000000 };
		uint64_t v = r / 16 % 3 == 0 ? rnd(s) : r / 16 % 3 == 1 ? ~0UL : now + (uint64_t)d[rnd(s) % 7];
		tls()->ran_since = v;
		break;
	}
	case 5: case 6:
		thread_yield();
		break;
	case 7:
		spin(rnd(s) % 300, r & 16);
		break;
	case 8:
		if (semaphore_try_take(sem))
			semaphore_give(sem);
		break;
	case 9:
		if (r % 64 == 9)
			semaphore_take(sem);
		else
			semaphore_give(sem);
		break;
	case 10:
		if (r % 128 == 10)
			thread_exit(7);
		break;
	case 11:
		add_worker(s, (unsigned)(rnd(s) % ncores));
		break;
	case 12:
		w = workers[rnd(s) % NTAB];
		if (r % 64 == 12 && w && w != thread_self())
			thread_kill(w);
		break;
	case 13: {
		sched_param_t p = { SCHEDP_PRIO, (uint16_t)(LEVEL + (r / 16 % 3 == 0)) };
		thread_set_params(&p, 1);
		break;
	}
	default:
		cairn_thread_dispatch(RTOS_LOCAL_SLOT(rnd(s) % 16), 0, 0);
		break;
	}
}

static void worker(void)
{
	uint64_t s = (cairn_cycles() ^ (thread_self() * 0x9e3779b97f4a7c15UL)) + SEED * 0x2545F4914F6CDD1DUL;

	while (!stop)
		act(&s);
}

/* An EDF thread at LEVEL: spends its budget spinning, so it is throttled in its own code. */
static void edf_thread(void)
{
	uint64_t s = cairn_cycles() ^ thread_self();

	while (!stop) {
		spin(50 + rnd(&s) % 100, 0);
		if (rnd(&s) % 4 == 0)
			thread_yield();
		else if (rnd(&s) % 4 == 0)
			semaphore_give(sem);
	}
}

static void nap(timer_t t, uint32_t us)
{
	struct time d;

	time_create(&d, 0, us);
	timer_start(t, &d);
	timer_wait(t);
}

int main(void)
{
	sched_param_t up = { SCHEDP_PRIO, LEVEL - 1 };
	uint64_t s = cairn_cycles() | 1, end = cairn_cycles() + us_ticks(RUN_US);
	timer_t t = timer_create();

	sem = semaphore_create(0, 0);
	if (!t || !sem || thread_set_params(&up, 1))
		return 1;
	thread_t probe = spawn(worker, 1, LEVEL);	/* stop is 0: a worker (on core 1, if there is one) */
	ncores = probe ? 2 : 1;
	workers[0] = probe;
	for (unsigned c = 0; c < ncores; c++) {
		sched_param_t p[4] = { { SCHEDP_CORE_ID, (uint16_t)c }, { SCHEDP_PRIO, LEVEL },
				       { SCHEDP_BUDGET, 200 }, { SCHEDP_WINDOW, 2000 } };
		edf[c] = thread_create(edf_thread, p, 4, 0);
	}
	while (cairn_cycles() < end) {
		add_worker(&s, (unsigned)(rnd(&s) % ncores));
		nap(t, 1000);
	}
	stop = 1;
	int left = 1;
	while (left) {			/* every thread ends (a blocked one is given the semaphore) */
		left = 0;
		for (unsigned i = 0; i < NTAB + 2; i++) {
			thread_t w = i < NTAB ? workers[i] : edf[i - NTAB];
			if (w && thread_get_exit_status(w) == EAGAIN)
				left = 1;
		}
		semaphore_give(sem);
		nap(t, 500);
	}
	semaphore_destroy(sem);
	timer_free(t);
	return 0;
}
