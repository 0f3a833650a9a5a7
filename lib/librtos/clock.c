/*
 * clock.c: the RTOS API's clock (cairn/rtos.h): time since the kernel started, from
 * the time stamp counter and the frequency the red tape gives (no kernel entry).
 */
#include <cairn/cairn.h>
#include <cairn/rtos.h>
#include "check.h"

#define ROOT ((const struct cairn_root *)CAIRN_ROOT_VA)

void time_current(struct time *result)
{
	uint64_t hz = ROOT->tsc_hz ? ROOT->tsc_hz : 1;
	uint64_t delta = cairn_cycles() - ROOT->boot_tsc;

	if (rtos_check_pages(result, sizeof(*result), 1))
		return;		/* a pointer it may not write: nothing written */
	result->sec = delta / hz;
	result->usec = (uint32_t)((delta % hz) * 1000000 / hz);
}

/* One tick of the timer that expires timers, in nanoseconds (at least 1). */
uint32_t timer_precision(void)
{
	uint64_t hz = ROOT->timer_hz;

	if (!hz || hz >= 1000000000)
		return 1;
	return (uint32_t)((1000000000 + hz - 1) / hz);
}
