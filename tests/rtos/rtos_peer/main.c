/* rtos_peer: a process that yields 1,000 times, then ends (tests/rtos/rtos_local, lc.3). */
#include <cairn/rtos.h>

int main(void)
{
	for (int i = 0; i < 1000; i++)
		thread_yield();
	return 0;
}
