/*
 * test_serial.c: host unit tests for kernel/arch/x86_64/serial.c, the kernel console on
 * COM1, against a simulated 16550 whose transmitter empties a given number of line
 * status polls after each byte (tests/host/include/cpu.h routes inb and outb here).
 * COM1 may belong to a user-level driver (docs/devices.md, "Serial (16550)"), which can
 * make the transmitter slow or never empty; the contract (docs/syscalls.md,
 * "Operations on IOPORT") is that output then costs at most SPINS polls plus REFILL a
 * byte, never a hang, and that a working UART gets every byte in order, none written
 * over another.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "arch.h"
#include <cairn/abi.h>

#define SPINS  100000	/* the documented budget (docs/syscalls.md) */
#define REFILL 256	/* and what each byte adds */
#define NEVER  UINT64_MAX
#define THR 0
#define LSR 5
#define LSR_THR_EMPTY 0x20
#define OUT_MAX 20000

/* The simulated UART: what was written, and how its transmitter behaves. */
static struct {
	uint64_t delay;		/* polls after a byte before THRE shows; NEVER: stuck */
	uint64_t left;		/* polls left before the current byte has gone */
	uint64_t polls;		/* LSR reads */
	unsigned overwritten;	/* bytes written while THRE was clear */
	unsigned n;		/* bytes written to THR */
	char out[OUT_MAX];
	int recording;		/* writes go to reg_* (arch_console_init's) */
	uint16_t reg_port[16];
	uint8_t reg_val[16];
	unsigned nreg;
} uart;

uint8_t inb(uint16_t port)
{
	assert_int_equal(port, CAIRN_CONSOLE_PORT + LSR);	/* the kernel reads LSR alone */
	uart.polls++;
	if (!uart.left)
		return LSR_THR_EMPTY;
	if (uart.left != NEVER)
		uart.left--;
	return 0;
}

void outb(uint16_t port, uint8_t v)
{
	if (uart.recording) {
		assert_true(uart.nreg < 16);
		uart.reg_port[uart.nreg] = port, uart.reg_val[uart.nreg++] = v;
		return;
	}
	assert_int_equal(port, CAIRN_CONSOLE_PORT + THR);	/* the kernel writes THR alone */
	uart.overwritten += uart.left != 0;
	if (uart.n < OUT_MAX)
		uart.out[uart.n] = (char)v;
	uart.n++;
	uart.left = uart.delay;
}

/* A fresh count, the transmitter empty, each next byte taking delay polls. */
static void reset(uint64_t delay)
{
	uart.delay = delay, uart.left = 0;
	uart.polls = 0, uart.overwritten = 0, uart.n = 0;
}

/* Bytes through a working UART until the budget is full again, whatever came before. */
static void refill(void)
{
	reset(0);
	for (unsigned i = 0; i < SPINS / REFILL + 1; i++)
		arch_console_putc('.');
}

/* The line the kernel's console runs at: what components/serial keeps on COM1. */
static void init_sets_115200_8n1(void **state)
{
	(void)state;
	static const uint8_t want_reg[] = { 1, 3, 0, 1, 3, 2, 4 };
	static const uint8_t want_val[] = { 0x00, 0x80, 0x01, 0x00, 0x03, 0xc7, 0x03 };

	uart.nreg = 0, uart.recording = 1;
	arch_console_init();
	uart.recording = 0;
	assert_int_equal(uart.nreg, 7);
	for (unsigned i = 0; i < 7; i++) {
		assert_int_equal(uart.reg_port[i], CAIRN_CONSOLE_PORT + want_reg[i]);
		assert_int_equal(uart.reg_val[i], want_val[i]);
	}
}

/* A working UART, even one slow to empty (under REFILL polls a byte): every byte in order. */
static void working_uart_loses_nothing(void **state)
{
	(void)state;
	static const char text[] = "cairn\nconsole\n";
	refill();
	reset(REFILL - 1);
	for (unsigned r = 0; r < 1000; r++)
		for (const char *s = text; *s; s++)
			arch_console_putc(*s);
	assert_int_equal(uart.n, 1000 * 16);
	assert_int_equal(uart.overwritten, 0);
	assert_memory_equal(uart.out, "cairn\r\nconsole\r\n", 16);
	assert_memory_equal(uart.out + 16 * 999, "cairn\r\nconsole\r\n", 16);
}

/*
 * A transmitter that stops emptying: the first byte goes at once (it was empty), the
 * second waits SPINS polls, each next one REFILL.
 */
static void stuck_uart_is_bounded(void **state)
{
	(void)state;
	refill();
	reset(NEVER);
	for (unsigned i = 0; i < CAIRN_DEBUG_WRITE_MAX; i++)
		arch_console_putc('\n');
	unsigned bytes = 2 * CAIRN_DEBUG_WRITE_MAX;
	assert_int_equal(uart.n, bytes);
	assert_true(uart.polls <= SPINS + (uint64_t)bytes * REFILL);
	assert_int_equal(uart.polls, 1 + SPINS + (uint64_t)(bytes - 2) * REFILL);
	assert_int_equal(uart.overwritten, bytes - 1);
}

/* A rate too low for the console (2,000 polls a byte): bounded, and a burst still waits. */
static void slow_uart_is_bounded(void **state)
{
	(void)state;
	refill();
	reset(2000);
	for (unsigned i = 0; i < CAIRN_DEBUG_WRITE_MAX; i++)
		arch_console_putc('x');
	assert_int_equal(uart.n, CAIRN_DEBUG_WRITE_MAX);
	assert_true(uart.polls <= SPINS + (uint64_t)CAIRN_DEBUG_WRITE_MAX * REFILL);
	/* the full budget carries the first bytes through whole: 2000 - 256 net a byte */
	assert_true(uart.overwritten <= CAIRN_DEBUG_WRITE_MAX - SPINS / (2000 - REFILL));
}

/* Once the UART works again, the budget comes back: a long wait is waited out whole. */
static void budget_comes_back(void **state)
{
	(void)state;
	reset(NEVER);
	for (unsigned i = 0; i < 1000; i++)
		arch_console_putc('x');
	refill();
	reset(SPINS - 1);
	arch_console_putc('a');		/* sent at once: THRE was set */
	arch_console_putc('b');		/* waits SPINS - 1 polls for 'a', then is sent */
	assert_int_equal(uart.overwritten, 0);
	assert_int_equal(uart.polls, 1 + SPINS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_sets_115200_8n1),
		cmocka_unit_test(working_uart_loses_nothing),
		cmocka_unit_test(stuck_uart_is_bounded),
		cmocka_unit_test(slow_uart_is_bounded),
		cmocka_unit_test(budget_comes_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
