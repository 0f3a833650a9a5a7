/*
 * arch.h (host): what kernel/arch/x86_64/serial.c needs of the architecture's header,
 * for test_serial.c: the console's two calls (kernel/arch/x86_64/include/arch.h);
 * cpu.h here supplies the port accessors, which reach the test's simulated UART.
 */
#ifndef HOST_ARCH_H
#define HOST_ARCH_H

#include "types.h"
#include "cpu.h"

void arch_console_init(void);
void arch_console_putc(char c);

#endif
