/*
 * serial.c: the kernel console on COM1, a 16550 UART driven by polling: 115200 baud,
 * 8 data bits, no parity, one stop bit. Polling keeps the console usable from any
 * context, panics included.
 *
 * COM1 is not the kernel's alone: a description may grant its ports to a user-level
 * driver, which reads the console's input there (docs/devices.md, "Serial (16550)").
 * That driver can make the kernel's output wrong (a rate, a divisor latch left open,
 * loopback) or slow (a rate so low that the transmitter empties late or never), never
 * stop it. Polls come from a budget of at most SPINS, and each byte adds REFILL: a
 * UART at 115200 baud empties within a byte's time (87 us, under REFILL polls on
 * hardware where a port read takes 1 us; QEMU's at once), so it keeps the budget full,
 * while a slow or stuck one drains it and then gets REFILL polls a byte, its bytes
 * overwriting one another. So n bytes cost at most SPINS + n * REFILL polls: a
 * DEBUG_WRITE of CAIRN_DEBUG_WRITE_MAX bytes (twice as many with every '\n' a "\r\n")
 * about 2.2 million, some 2 s at 1 us a poll, whatever the UART does; the same write
 * takes 0.36 s on a UART that works.
 */
#include "arch.h"
#include <cairn/abi.h>

#define COM1 CAIRN_CONSOLE_PORT
#define UART_THR 0	/* transmit holding register */
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_THR_EMPTY 0x20
#define SPINS  100000	/* polls the budget holds at most */
#define REFILL 256	/* polls each byte adds to it */

/* Polls left. The cores share it without a lock: a race costs a poll more or less. */
static int budget = SPINS;

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
	budget = budget > SPINS - REFILL ? SPINS : budget + REFILL;
	for (; budget > 0 && !(inb(COM1 + UART_LSR) & LSR_THR_EMPTY); budget--)
		cpu_relax();
	outb(COM1 + UART_THR, (uint8_t)c);
}
