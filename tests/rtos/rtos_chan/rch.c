/*
 * rch.c: the conformance program for channels, shared memory and events
 * (docs/rtos.md): each call's success and every error it returns, blocking, waking
 * and preemption, streams through SPSC and MPMC rings, and, with the peer process
 * tests/rtos/rtos_chanpeer, the same across two processes. TEST ids rch.chan.<n>,
 * rch.shm.<n>, rch.evt.<n> and rch.x.<n> (tests/qemu/tests.toml lists them). The
 * process ends when main returns, which stops the RTOS. The EFAULT checks run in
 * second rtos_chan processes (run_faults).
 */
#include "rch.h"
#include <common/fmt.h>

#define ROOT ((const struct cairn_root *)CAIRN_ROOT_VA)
#define JOIN_POLL_US 100

int rch_eq(const char *id, const char *name, long got, long want)
{
	return rch_check(id, name, got == want, "got %ld, want %ld", got, want);
}

int rch_want(struct rch_cases *c, int ok, const char *fmt, ...)
{
	va_list ap;
	size_t len = strlen(c->why);

	c->n++;
	if (ok)
		return 1;
	c->bad++;
	if (len + 3 < sizeof(c->why)) {
		if (len) {
			memcpy(c->why + len, "; ", 3);
			len += 2;
		}
		va_start(ap, fmt);
		fmt_vsnprintf(c->why + len, sizeof(c->why) - len, fmt, ap);
		va_end(ap);
	}
	return 0;
}

int rch_want_eq(struct rch_cases *c, const char *what, long got, long want)
{
	return rch_want(c, got == want, "%s %ld (want %ld)", what, got, want);
}

int rch_done(const char *id, const char *name, struct rch_cases *c)
{
	int ok = c->n && !c->bad;

	if (ok)
		rch_check(id, name, 1, "%u cases", c->n);
	else
		rch_check(id, name, 0, "%u of %u cases wrong: %s", c->bad, c->n, c->why);
	c->n = c->bad = 0;
	c->why[0] = 0;
	return ok;
}

uint64_t rch_ticks(uint64_t us)
{
	return us / 1000000 * ROOT->tsc_hz + us % 1000000 * ROOT->tsc_hz / 1000000;
}

uint64_t rch_us(uint64_t ticks)
{
	return ticks / (ROOT->tsc_hz / 1000000);
}

int rch_sleep(uint32_t us)
{
	timer_t t = timer_create();
	struct time rel;

	time_create(&rel, us / 1000000, us % 1000000);
	int r = timer_start(t, &rel);
	if (!r)
		r = timer_wait(t);
	timer_free(t);
	return r;
}

thread_t rch_spawn(void (*fn)(void), int rel)
{
	sched_param_t p = { rel < 0 ? SCHEDP_RPRIO : SCHEDP_RLPRIO, (uint16_t)(rel < 0 ? -rel : rel) };

	return thread_create(fn, rel ? &p : 0, rel ? 1 : 0, 0);
}

int rch_join_within(thread_t t, uint64_t us)
{
	if (!t)
		return RCH_HUNG;
	for (uint64_t waited = 0; waited <= us; waited += JOIN_POLL_US) {
		int r = thread_get_exit_status(t);
		if (r != EAGAIN)
			return r;
		rch_sleep(JOIN_POLL_US);
	}
	thread_kill(t);
	thread_get_exit_status(t);
	return RCH_HUNG;
}

int rch_join(thread_t t)
{
	return rch_join_within(t, 1000000);
}

/*
 * The EFAULT checks: each runs in a second rtos_chan process, told which by an item
 * on RCH_FAULT_NAME, so that a fault ends only that process; it prints its TEST line
 * and ends with 0 (pass) or 1. Any other end (a fault) is reported here.
 */
static const struct {
	const char *id, *name;
	int (*run)(void);
} faults[] = {
	{ "rch.chan.16", "bad_address_efault", rch_chan_faults },
	{ "rch.evt.25", "bad_address_efault", rch_evt_faults },
};

static void run_faults(void)
{
	for (uint64_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		chan_t c = channel_create(8, 1, RCH_FAULT_NAME, CHAN_SPSC);
		chan_s_t s = c ? channel_get_send(c) : 0;
		int sent = s ? channel_send(s, &i, 8, 0) : 0;
		proc_t pid = sent == 8 ? process_create_fs("/bin/rtos_chan", 0, 0, 0, 0, 0) : 0;
		int st = EAGAIN;
		for (int n = 0; pid && n < 10000 && st == EAGAIN; n++) {
			rch_sleep(100);
			st = process_get_exit_status(pid);
		}
		if (st != 0 && st != 1)
			rch_check(faults[i].id, faults[i].name, 0,
				  "its process (%lu, channel %lu, send %d) ended with %d%s", pid, c, sent, st,
				  st == EFAULT ? ": it faulted" : "");
		if (s)
			channel_close(s);
		if (c)
			channel_destroy(c);
	}
}

/* In a second rtos_chan: the EFAULT check the first one asked for. */
static int fault_child(chan_r_t job)
{
	uint64_t i = ~0UL;
	int r = channel_recv(job, &i, 8, 0);

	channel_close(job);
	if (r != 8 || i >= sizeof(faults) / sizeof(faults[0]))
		return 2;
	return !faults[i].run();
}

int main(void)
{
	chan_r_t job = channel_retrieve_recv(8, 1, RCH_FAULT_NAME);

	if (job)
		return fault_child(job);
	rch_chan();
	rch_shm();
	rch_evt();
	rch_cross();
	run_faults();
	return 0;
}
