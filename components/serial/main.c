/*
 * serial: a user-level driver for a 16550 UART's input side (docs/devices.md, "Serial
 * (16550)"), serving the "serial" interface (interfaces/serial.toml). Its description
 * grants it the UART's eight ports (the first I/O-port range of its red tape) and its
 * interrupt line; the booter binds that line to this component's first thread.
 *
 * The first thread sets the UART up for receive interrupts and then waits: on each
 * wake it drains the receive FIFO into a ring while the line status says data is
 * ready, at most DRAIN_MAX bytes a wake, so a device that claims data forever cannot
 * hold the driver in one loop. Clients take bytes from the ring through gates that run
 * on their own threads (thread migration), so the ring has one producer (this thread)
 * and any number of consumers: the producer alone moves head, consumers claim bytes
 * by moving tail with a compare-and-swap. A full ring leaves bytes in the UART (flow
 * control: QEMU's UART then holds them back, a real one overruns and says so), and
 * the read that makes room re-arms the interrupt.
 */
#define CAIRN_SERVE_SERIAL
#include <iface/serial.h>

/* 16550 registers, offsets from the base port (DLAB clear but while setting the rate). */
#define RBR 0		/* in: receive buffer */
#define DLL 0		/* DLAB set: divisor, low byte */
#define IER 1		/* interrupt enable */
#define DLM 1		/* DLAB set: divisor, high byte */
#define FCR 2		/* out: FIFO control */
#define LCR 3		/* line control */
#define MCR 4		/* modem control */
#define LSR 5		/* line status */
#define UART_PORTS 8

#define IER_RDA   0x01	/* interrupt when data is available (or the FIFO times out) */
#define IER_THRE  0x02	/* interrupt when the transmit register is empty: at once */
#define FCR_SETUP 0xc1	/* FIFOs on, interrupt at 14 bytes; neither cleared: nothing is lost */
#define LCR_DLAB  0x80
#define LCR_8N1   0x03
#define MCR_IDLE  0x03	/* DTR, RTS */
#define MCR_OUT2  0x08	/* routes the UART's interrupt to the interrupt controller */
#define LSR_DR    0x01	/* a byte is ready */
#define LSR_OE    0x02	/* a byte was lost: the FIFO overran */
#define DIVISOR   1	/* 115200 baud */

#define RING      1024	/* bytes kept for clients; a power of two */
#define DRAIN_MAX 64	/* bytes taken per wake at most */

static uint8_t ring[RING];
static uint32_t head, tail;	/* free-running: head - tail bytes are held */
static uint64_t received, dropped;
static unsigned io, base;
static int stopping, throttled;

static long uart_in(unsigned reg)
{
	return cairn_ioport_in(io, base + reg, 1);
}

static void uart_out(unsigned reg, unsigned v)
{
	cairn_ioport_out(io, base + reg, 1, v);
}

static int full(void)
{
	return head - __atomic_load_n(&tail, __ATOMIC_SEQ_CST) >= RING;
}

/* The producer's step: one byte into the ring, which has room. */
static void keep(uint8_t b)
{
	ring[head % RING] = b;
	__atomic_store_n(&head, head + 1, __ATOMIC_RELEASE);
	__atomic_fetch_add(&received, 1, __ATOMIC_RELAXED);
}

/*
 * Takes what the UART holds while the ring has room, at most DRAIN_MAX bytes; returns
 * 1 if it left bytes there (the cap, or a full ring: then throttled is set).
 */
static int drain(void)
{
	for (unsigned n = 0; n < DRAIN_MAX; n++) {
		long lsr = uart_in(LSR);
		if (lsr < 0 || !(lsr & LSR_DR))
			return 0;
		if (lsr & LSR_OE)
			__atomic_fetch_add(&dropped, 1, __ATOMIC_RELAXED);
		if (full()) {
			/* seq_cst with the read's CAS and exchange: one of the two sees the other */
			__atomic_store_n(&throttled, 1, __ATOMIC_SEQ_CST);
			return !full();		/* a read made room meanwhile: re-armed here */
		}
		long b = uart_in(RBR);
		if (b >= 0)
			keep((uint8_t)b);
	}
	return 1;
}

/*
 * While the UART holds bytes it asserts its line, and an edge-triggered controller
 * does not interrupt again: turning the interrupt off and on makes a new edge, so the
 * driver's thread wakes once more.
 */
static void rearm(void)
{
	uart_out(IER, 0);
	uart_out(IER, __atomic_load_n(&stopping, __ATOMIC_ACQUIRE) ? IER_RDA | IER_THRE : IER_RDA);
}

/* One wake's work: what the cap left comes with the next wake. */
static void service(void)
{
	if (drain())
		rearm();
}

/* 115200 8N1: the kernel's console (arch_console_init) already runs so, and keeps it. */
static void uart_line(void)
{
	if (base == CAIRN_CONSOLE_PORT)
		return;
	uart_out(LCR, LCR_DLAB);
	uart_out(DLL, DIVISOR);
	uart_out(DLM, 0);
	uart_out(LCR, LCR_8N1);
}

/*
 * 115200 8N1, FIFOs on, receive interrupts through OUT2; a byte already there is kept,
 * and so are the bytes the transmit FIFO holds (the kernel's output, on COM1).
 */
static void uart_init(void)
{
	uart_out(IER, 0);
	uart_line();
	drain();			/* before the FIFO's mode changes */
	uart_out(FCR, FCR_SETUP);
	uart_out(MCR, MCR_IDLE | MCR_OUT2);
	uart_out(IER, IER_RDA);
	drain();
}

static void uart_quiet(void)
{
	uart_out(IER, 0);
	uart_out(MCR, MCR_IDLE);
}

long serial_read_serve(cairn_word max, cairn_word client, cairn_word *bytes)
{
	(void)client;
	*bytes = 0;
	if (max < 1 || max > sizeof(cairn_word))
		return CAIRN_EINVAL;
	for (;;) {
		uint32_t t = __atomic_load_n(&tail, __ATOMIC_ACQUIRE);
		uint32_t n = __atomic_load_n(&head, __ATOMIC_ACQUIRE) - t;
		cairn_word w = 0;
		if (n > max)
			n = (uint32_t)max;
		for (uint32_t i = 0; i < n; i++)
			w |= (cairn_word)ring[(t + i) % RING] << (8 * i);
		if (!n || __atomic_compare_exchange_n(&tail, &t, t + n, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
			if (n && __atomic_exchange_n(&throttled, 0, __ATOMIC_SEQ_CST))
				rearm();	/* room again: what waits in the UART comes */
			*bytes = w;
			return n;
		}
	}
}

long serial_status_serve(cairn_word client, cairn_word *lost)
{
	(void)client;
	*lost = __atomic_load_n(&dropped, __ATOMIC_RELAXED);
	return (long)__atomic_load_n(&received, __ATOMIC_RELAXED);
}

long serial_stop_serve(cairn_word client)
{
	(void)client;
	__atomic_store_n(&stopping, 1, __ATOMIC_RELEASE);
	uart_out(IER, IER_RDA | IER_THRE);	/* the UART's own interrupt wakes the thread */
	return 0;
}

int main(const struct cairn_root *rt)
{
	const struct cairn_ioport_range *p = &rt->ioport[0];

	if (rt->nioports < 1 || p->end - p->first != UART_PORTS) {
		cairn_printf("serial: '%s' needs one I/O-port range of %u ports: it stops\n", rt->name, UART_PORTS);
		return CAIRN_EINVAL;
	}
	io = p->slot;
	base = p->first;
	uart_init();
	cairn_printf("serial: component %lu drives the 16550 at 0x%x: ready\n", rt->comp_id, base);
	while (!__atomic_load_n(&stopping, __ATOMIC_ACQUIRE)) {
		cairn_rcv_wait(CAIRN_SLOT_RCV);
		service();
	}
	uart_quiet();
	cairn_printf("serial: stopped: %lu bytes received, %lu dropped\n", (unsigned long)received,
		     (unsigned long)dropped);
	return 0;
}
