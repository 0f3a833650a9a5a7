/*
 * serial.c: the kernel console on COM1, a 16550 UART driven by polling: 115200 baud,
 * 8 data bits, no parity, one stop bit. Polling keeps the console usable from any
 * context, panics included.
 */
#include "arch.h"
#include "cpu.h"

#define COM1 0x3f8
#define UART_THR 0	/* transmit holding register */
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_THR_EMPTY 0x20

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

static void put_raw(char c)
{
	for (int spin = 0; spin < 100000 && !(inb(COM1 + UART_LSR) & LSR_THR_EMPTY); spin++)
		cpu_relax();
	outb(COM1 + UART_THR, (uint8_t)c);
}

void arch_console_putc(char c)
{
	if (c == '\n')
		put_raw('\r');
	put_raw(c);
}
