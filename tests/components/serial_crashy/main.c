/*
 * serial_crashy: the serial driver (components/serial, compiled here unchanged) plus
 * the test interface serial_crash, whose one call crashes it, for the restart test
 * (tests/qemu/systems/serial_restart.toml).
 */
#include "../../../components/serial/main.c"

#define CAIRN_SERVE_SERIAL_CRASH
#include <iface/serial_crash.h>

long serial_crash_crash_serve(cairn_word client)
{
	(void)client;
	__builtin_trap();
}
