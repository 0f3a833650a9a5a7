/*
 * rtos_wait.h: for the RTOS test programs. Waits for a thread or a process to end,
 * napping between looks so that less urgent threads run meanwhile.
 */
#ifndef TESTS_RTOS_WAIT_H
#define TESTS_RTOS_WAIT_H

#include <cairn/rtos.h>

/*
 * What status (thread_get_exit_status or process_get_exit_status) says of h once it
 * says anything but EAGAIN, napping us microseconds on timer t between looks.
 */
static inline int rtos_wait_exit(int (*status)(size_t), size_t h, timer_t t, uint32_t us)
{
	struct time d;
	int s;

	time_create(&d, 0, us);
	while ((s = status(h)) == EAGAIN) {
		timer_start(t, &d);
		timer_wait(t);
	}
	return s;
}

#endif
