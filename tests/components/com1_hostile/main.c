/*
 * com1_hostile: a component granted COM1, the kernel's console, by its description
 * (tests/qemu/systems/com1_hostile.toml), that does to the UART what a driver holding
 * COM1 can do (docs/syscalls.md, "Operations on IOPORT"): each step spoils COM1, has
 * the kernel print through it (DEBUG_WRITE, which must return), reads what the kernel's
 * bytes did, then puts COM1 back as the kernel set it (arch_console_init: 115200 8N1,
 * FIFOs on, DTR and RTS) before printing its check. Nothing else prints meanwhile: the
 * system is this component alone, on one core.
 */
#include <cairn/cairn.h>

#define THR 0		/* out: transmit holding register */
#define RBR 0		/* in: receive buffer */
#define DLL 0		/* DLAB set: divisor, low byte */
#define DLM 1		/* DLAB set: divisor, high byte */
#define IIR 2		/* in: interrupt identification; bits 7:6 say whether FIFOs are on */
#define FCR 2		/* out: FIFO control */
#define LCR 3
#define MCR 4
#define LSR 5
#define LCR_DLAB 0x80
#define LCR_8N1  0x03
#define MCR_IDLE 0x03	/* DTR, RTS: the kernel's */
#define MCR_LOOP 0x10
#define FCR_ON   0xc1	/* FIFOs on, not cleared */
#define LSR_DR   0x01
#define LSR_IDLE 0x60	/* transmitter empty: THR and shift register */

static unsigned io, base;

static long in(unsigned reg)
{
	return cairn_ioport_in(io, base + reg, 1);
}

static void out(unsigned reg, unsigned v)
{
	cairn_ioport_out(io, base + reg, 1, v);
}

static void set_divisor(unsigned d)
{
	out(LCR, LCR_DLAB);
	out(DLL, d & 0xff);
	out(DLM, d >> 8);
	out(LCR, LCR_8N1);
}

/* COM1 as the kernel runs it. */
static void restore(void)
{
	set_divisor(1);
	out(FCR, FCR_ON);
	out(MCR, MCR_IDLE);
}

/* The divisor latch left open: the kernel's byte lands in the divisor's low half. */
static void latch_open(void)
{
	out(LCR, LCR_DLAB | LCR_8N1);
	long n = cairn_debug_write("Z", 1);
	long dll = in(DLL), dlm = in(DLM);
	restore();
	cairn_check("hc.1", "divisor_latch_open", n == 1 && dll == 'Z' && dlm == 0,
		    "write %ld, divisor 0x%lx%02lx, want 0x005a", n, dlm, dll);
}

/* Loopback: the kernel's bytes come back into the receiver, none reaches the line. */
static void loopback(void)
{
	char got[17] = { 0 };
	unsigned k = 0;

	while (in(LSR) & LSR_DR)		/* nothing waits: the test feeds no input */
		in(RBR);
	out(MCR, MCR_IDLE | MCR_LOOP);
	long n = cairn_debug_write("l00p", 4);
	while (k < 16 && (in(LSR) & LSR_DR))
		got[k++] = (char)in(RBR);
	restore();
	cairn_check("hc.2", "loopback", n == 4 && k == 4 && !memcmp(got, "l00p", 4),
		    "write %ld, %u bytes back: '%s'", n, k, got);
}

/* FIFOs off: the kernel writes byte by byte, each after THR empties; a long line whole. */
static void fifo_off(void)
{
	out(FCR, 0);
	long iir = in(IIR);
	cairn_printf("com1_hostile: fifo off: 0123456789abcdefghijklmnopqrstuvwxyz"
		     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz\n");
	long lsr = in(LSR);
	restore();
	cairn_check("hc.3", "fifo_off", (iir & 0xc0) == 0 && (lsr & LSR_IDLE) == LSR_IDLE,
		    "IIR 0x%lx (FIFO bits 0 wanted), LSR 0x%lx after the line", iir, lsr);
}

/* The slowest rate (divisor 0xffff): the kernel writes on, and never touches the rate. */
static void slow_rate(void)
{
	set_divisor(0xffff);
	cairn_printf("com1_hostile: at 1.76 baud, this line is the kernel's to write\n");
	out(LCR, LCR_DLAB | LCR_8N1);
	long dll = in(DLL), dlm = in(DLM);
	out(LCR, LCR_8N1);
	long lcr = in(LCR);
	restore();
	cairn_check("hc.4", "slow_rate", dll == 0xff && dlm == 0xff && lcr == LCR_8N1,
		    "divisor 0x%02lx%02lx, LCR 0x%lx after the line", dlm, dll, lcr);
}

int main(const struct cairn_root *rt)
{
	if (rt->nioports != 1 || rt->ioport[0].first != CAIRN_CONSOLE_PORT || rt->ioport[0].end != CAIRN_CONSOLE_PORT + 8) {
		cairn_printf("com1_hostile: needs COM1's eight ports, granted alone\n");
		return CAIRN_EINVAL;
	}
	io = rt->ioport[0].slot;
	base = rt->ioport[0].first;
	latch_open();
	loopback();
	fifo_off();
	slow_rate();
	return 0;
}
