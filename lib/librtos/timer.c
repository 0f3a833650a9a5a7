/*
 * timer.c: timers (cairn/rtos.h). A timer lives in the rtos component, which fires
 * it from the one-shot hardware timer at its deadline (the next period counted from
 * the deadline, not from when it fired, so periodic timers do not drift). Expiries
 * count until a thread waits for them (timer_wait) or an event set reports them.
 */
#include "call.h"

#define ROOT ((const struct cairn_root *)CAIRN_ROOT_VA)

/* t in time stamp counter ticks; ERANGE if it does not fit. */
static int ticks(const struct time *t, uint64_t *out)
{
	uint64_t hz = ROOT->tsc_hz;

	if (t->usec >= 1000000 || (hz && t->sec > (UINT64_MAX / 2) / hz))
		return EINVAL;
	*out = t->sec * hz + (uint64_t)t->usec * hz / 1000000;
	return 0;
}

timer_t timer_create(void)
{
	long r = rtos_call1(RTOS_TIMER_CREATE, 0);

	return r > 0 ? (timer_t)r : 0;
}

static int set(timer_t tid, const struct time *offset, const struct time *period)
{
	uint64_t o, p = 0;

	if (rtos_check(offset, sizeof(*offset), 0) || (period && rtos_check(period, sizeof(*period), 0)))
		return EFAULT;
	int r = ticks(offset, &o);
	if (!r && period)
		r = ticks(period, &p);
	if (!r && period && !p)
		r = EINVAL;
	if (r)
		return r;
	return (int)rtos_call(RTOS_TIMER_SET, tid, cairn_cycles() + o, p, 0).r0;
}

int timer_start(timer_t tid, const struct time *time)
{
	return set(tid, time, 0);
}

int timer_periodic(timer_t tid, const struct time *offset, const struct time *period)
{
	if (!period)
		return EFAULT;
	return set(tid, offset, period);
}

int timer_cancel(timer_t tid)
{
	return (int)rtos_call1(RTOS_TIMER_CANCEL, tid);
}

int timer_free(timer_t tid)
{
	return (int)rtos_call1(RTOS_TIMER_FREE, tid);
}

int timer_wait(timer_t tid)
{
	return (int)rtos_call1(RTOS_TIMER_WAIT, tid);
}
