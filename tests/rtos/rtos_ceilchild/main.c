/*
 * rtos_ceilchild: reports the priority ceiling its process was given, found by
 * trying (tests/rtos/rtos_ceiling): its exit status is RCL_STATUS(ceiling, main
 * thread's priority, odd), the ceiling being the most urgent priority
 * thread_set_params accepts, every more urgent one being EACCES; odd is 1 if a
 * priority gave anything else, or the ceiling differs from what its TLS page says.
 */
#include <cairn/rtos.h>
#include "../rtos_ceiling/rcl.h"

int main(void)
{
	const struct rtos_tls *tls = rcl_tls();
	unsigned prio = RTOS_SCHED_PRIO(tls->sched), ceiling = 256, odd = 0;

	for (unsigned p = 0; p <= RTOS_PRIO_LOWEST && ceiling == 256; p++) {
		sched_param_t s = { SCHEDP_PRIO, (uint16_t)p };
		int r = thread_set_params(&s, 1);
		if (!r)
			ceiling = p;
		else if (r != EACCES)
			odd = 1;
	}
	odd |= ceiling != tls->ceiling;
	return RCL_STATUS(ceiling, prio, odd);
}
