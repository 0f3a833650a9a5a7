/*
 * devirq: a user-level driver. Through its IOPORT capability it programs the CMOS
 * real-time clock for periodic interrupts, binds ISA line 8 to its own receive
 * endpoint, and takes and acknowledges interrupts; it checks the port and line errors
 * too. Boot it as the first module with "ioport" on its line.
 */
#include <cairn/cairn.h>
#include <cairn/root.h>

#define CT  CAIRN_SLOT_CAPTBL
#define ME  CAIRN_SLOT_THREAD
#define IO  CAIRN_SLOT_IOPORT
#define IRQ CAIRN_SLOT_IRQ
#define RTC_LINE 8

static void cmos_write(unsigned reg, unsigned v)
{
	cairn_ioport_out(IO, 0x70, 1, 0x80 | reg);	/* bit 7: NMI stays off */
	cairn_ioport_out(IO, 0x71, 1, v);
}

static long cmos_read(unsigned reg)
{
	cairn_ioport_out(IO, 0x70, 1, 0x80 | reg);
	return cairn_ioport_in(IO, 0x71, 1);
}

/*
 * The ports the kernel drives itself are refused (EACCES), an access that only
 * overlaps one of them too; COM1, the kernel's console, is not among them since a
 * description may grant it to the console's input driver: its line status reads.
 */
static void test_ports(void)
{
	long lsr = cairn_ioport_in(IO, 0x3fd, 1);	/* COM1's line status */
	long e1 = cairn_ioport_in(IO, 0x21, 1);		/* the kernel's PIC, master */
	long e2 = cairn_ioport_out(IO, 0x43, 1, 0);	/* the kernel's PIT */
	long e3 = cairn_ioport_out(IO, 0xf4, 4, 0);	/* QEMU's exit port */
	long e4 = cairn_ioport_in(IO, 0x70, 3);
	long e5 = cairn_ioport_in(IO, 0xfffe, 4);
	long e6 = cairn_ioport_in(CT, 0x70, 1);
	long e7 = cairn_call(IO, 0x0a05, 0, 0, 0, 0, 0, 0);
	long e8 = cairn_ioport_in(IO, 0x61, 1);		/* port B */
	long e9 = cairn_ioport_in(IO, 0x9f, 2);		/* 0x9f, and 0xa0: the PIC, slave */
	long e10 = cairn_ioport_in(IO, 0xf2, 4);	/* 0xf2, 0xf3, and 0xf4..0xf5: the exit port */
	cairn_check("dev.1", "port_errors", lsr >= 0 && lsr <= 0xff && e1 == CAIRN_EACCES && e2 == CAIRN_EACCES &&
		    e3 == CAIRN_EACCES && e4 == CAIRN_EINVAL && e5 == CAIRN_ERANGE && e6 == CAIRN_EBADF &&
		    e7 == CAIRN_ENOSYS && e8 == CAIRN_EACCES && e9 == CAIRN_EACCES && e10 == CAIRN_EACCES,
		    "COM1 lsr %ld; %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld", lsr, e1, e2, e3, e4, e5, e6, e7, e8,
		    e9, e10);
}

int main(const void *root)
{
	(void)root;
	unsigned rcv = CAIRN_SLOT_FREE, snd = CAIRN_SLOT_FREE + 1;
	long r = cairn_captbl_act_rcv(CT, rcv, ME, 0);
	r |= cairn_captbl_act_asnd(CT, snd, rcv);
	long a = cmos_read(0x0a), b = cmos_read(0x0b);
	/*
	 * Bound before the clock ticks: an edge that came while the line was masked would
	 * be delivered at the bind (QEMU's I/O APIC keeps it) after its flag was cleared.
	 */
	cmos_read(0x0c);
	long bind = cairn_irq_bind(IRQ, RTC_LINE, snd, 0);
	cmos_write(0x0a, (a & 0xf0) | 0x06);		/* 1024 Hz */
	cmos_write(0x0b, b | 0x40);			/* periodic interrupts on */
	long woken = 0, flagged = 0;
	for (int i = 0; i < 5; i++) {
		woken += cairn_rcv_wait(rcv) > 0;
		flagged += (cmos_read(0x0c) & 0x40) != 0;	/* acknowledge: periodic flag */
	}
	long unbind = cairn_irq_unbind(IRQ, RTC_LINE);
	cmos_write(0x0b, b & ~0x40);
	cmos_read(0x0c);
	cairn_check("dev.2", "rtc_interrupts_reach_the_driver", r == 0 && bind == 0 && woken == 5 &&
		    flagged == 5 && unbind == 0, "setup %ld bind %ld woken %ld flagged %ld unbind %ld",
		    r, bind, woken, flagged, unbind);
	test_ports();
	return 0;
}
