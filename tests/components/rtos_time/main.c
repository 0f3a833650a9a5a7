/*
 * rtos_time: the RTOS API's clock in a booter-built component: time_current moves
 * forward and agrees with the time stamp counter and the red tape's frequency;
 * timer_precision is one tick of the APIC timer.
 */
#include <cairn/bench.h>
#include <cairn/cairn.h>
#include <cairn/rtos.h>

static uint64_t usec_of(const struct time *t)
{
	return t->sec * 1000000 + t->usec;
}

int main(const struct cairn_root *rt)
{
	struct time a, b;

	time_current(&a);
	uint64_t t0 = bench_rdtsc();
	while (bench_rdtsc() - t0 < rt->tsc_hz / 100)	/* 10 ms of counter */
		;
	time_current(&b);
	uint64_t since_boot = (bench_rdtsc() - rt->boot_tsc) / (rt->tsc_hz / 1000000);
	uint64_t d = usec_of(&b) - usec_of(&a);
	cairn_check("rtime.1", "time_current_advances", usec_of(&b) > usec_of(&a) && d >= 10000 && d < 11000 &&
		    b.usec < 1000000, "%lu.%06u then %lu.%06u", a.sec, a.usec, b.sec, b.usec);
	cairn_check("rtime.2", "time_current_is_since_boot", usec_of(&b) <= since_boot &&
		    since_boot - usec_of(&b) < 1000, "%lu us, counter says %lu us", usec_of(&b), since_boot);
	uint32_t p = timer_precision();
	uint64_t want = (1000000000 + rt->timer_hz - 1) / rt->timer_hz;
	cairn_check("rtime.3", "timer_precision_is_one_tick", p >= 1 && p == (want ? want : 1),
		    "%u ns, timer at %lu Hz", p, rt->timer_hz);
	return 0;
}
