/*
 * serial.c: the kernel console on COM1, a 16550 UART driven by polling: 115200 baud,
 * 8 data bits, no parity, one stop bit. Polling keeps the console usable from any
 * context, panics included.
 *
 * COM1 is not the kernel's alone: a description may grant its ports to a user-level
 * driver, which reads the console's input there (docs/devices.md, "Serial (16550)").
 * That driver can make the kernel's output wrong (a rate, a divisor latch left open,
 * loopback) or slow (a rate so low that the transmitter never seems to empty), never
 * stop it: a write waits for the transmitter at most SPINS polls, and once a wait
 * has run out the UART counts as stuck and the next writes poll once each, until a
 * poll finds the transmitter empty again. So a DEBUG_WRITE of CAIRN_DEBUG_WRITE_MAX
 * bytes costs at most SPINS + CAIRN_DEBUG_WRITE_MAX polls, whatever the UART does.
 */
#include "arch.h"
#include "cpu.h"
#include <cairn/abi.h>

#define COM1 CAIRN_CONSOLE_PORT
#define UART_THR 0	/* transmit holding register */
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_THR_EMPTY 0x20
#define SPINS 100000	/* polls a write waits at most: 16 bytes at 115200 baud take 1.4 ms */

/* The last wait ran out. Shared by the cores unlocked: a stale view costs a poll or a wait. */
static bool stuck;

void arch_console_init(void)
{
	outb(COM1 + UART_IER, 0x00);	/* no interrupts */
	outb(COM1 + UART_LCR, 0x80);	/* divisor latch */
	outb(COM1 + 0, 0x01);		/* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + UART_LCR, 0x03);	/* 8N1 */
	outb(COM1 + UART_FCR, 0xc7);	/* FIFOs on and cleared */
	outb(COM1 + UART_MCR, 0x03);	/* DTR, RTS */
}

void arch_console_putc(char c)
{
	if (c == '\n')
		arch_console_putc('\r');
	int spins = stuck ? 1 : SPINS;
	while (spins-- && !(inb(COM1 + UART_LSR) & LSR_THR_EMPTY))
		cpu_relax();
	stuck = spins < 0;
	outb(COM1 + UART_THR, (uint8_t)c);
}
