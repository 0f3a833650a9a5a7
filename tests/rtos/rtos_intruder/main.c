/*
 * rtos_intruder: writes where its parent keeps data (the parent's first heap page,
 * RTOS_HEAP_BASE). In its own address space nothing is mapped there: the store
 * faults, and only this process ends (tests/rtos/rtos_proc).
 */
#include <cairn/rtos.h>
#include <cairn/rtos_abi.h>

int main(void)
{
	*(volatile unsigned long *)RTOS_HEAP_BASE = 0xbad;
	io_print("intruder: the store went through (must never appear)\n");
	return 0;
}
