/*
 * greeter: the smallest RTOS program worth running, the one systems/shell.toml starts
 * at boot and the shell's `run greeter` starts again: it says hello with the time since
 * boot and ends (its exit status 0).
 */
#include <cairn/cairn.h>
#include <cairn/rtos.h>

int main(void)
{
	struct time now = { 0 };

	time_current(&now);
	cairn_printf("greeter: hello from an RTOS process, %lu.%06u s after boot; bye\n", (unsigned long)now.sec,
		     now.usec);
	return 0;
}
