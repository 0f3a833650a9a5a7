/*
 * ioports: the range check of IOPORT capabilities and IOPORT_NARROW. Boot it as the
 * first module with "ioport" on its line (it holds the whole range in CAIRN_SLOT_IOPORT).
 * Every access that would wrap past 2^64 or leave a capability's range, at every width,
 * returns CAIRN_ERANGE and touches no port; the exact edges (the last port each width
 * reaches, the first it does not) are checked both ways, on the whole range and on a
 * narrowed one; ports that reset the machine (0xcf9, 0x64, 0x92) are refused through
 * a capability that does not cover them, and the machine is still running afterwards.
 */
#include <cairn/cairn.h>
#include <cairn/root.h>

#define CT   CAIRN_SLOT_CAPTBL
#define IO   CAIRN_SLOT_IOPORT
#define CMOS CAIRN_SLOT_FREE		/* narrowed: the CMOS ports 0x70..0x71 */
#define SUB  (CAIRN_SLOT_FREE + 1)	/* narrowed from CMOS: 0x71 */
#define SPARE (CAIRN_SLOT_FREE + 2)	/* stays empty */
#define IN   CAIRN_OP_IOPORT_IN
#define OUT  CAIRN_OP_IOPORT_OUT
#define TOP  ((cairn_word)0)		/* 2^64, as the wrapping ports below count down from it */

static const unsigned widths[] = { 1, 2, 4 };

/* Both directions of one access; out writes 0 (what the wrapped ports would get). */
static long in(unsigned io, cairn_word port, cairn_word width)
{
	return cairn_call(io, IN, port, width, 0, 0, 0, 0);
}

static long out(unsigned io, cairn_word port, cairn_word width, cairn_word v)
{
	return cairn_call(io, OUT, port, width, v, 0, 0, 0);
}

/* The first access refused() found wrong, for the report. */
static struct { cairn_word port; unsigned width; long in, out; } first_bad;

/*
 * Counts the accesses through io at port, every width, in and out, that do not return
 * CAIRN_ERANGE. A port near 2^64 makes port + width wrap for some widths: each must
 * fail as out of range, not reach port & 0xffff.
 */
static int refused(unsigned io, cairn_word port)
{
	int bad = 0;

	for (unsigned i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		long a = in(io, port, widths[i]), b = out(io, port, widths[i], 0);
		if (a == CAIRN_ERANGE && b == CAIRN_ERANGE)
			continue;
		if (!bad++ && !first_bad.width)
			first_bad.port = port, first_bad.width = widths[i], first_bad.in = a, first_bad.out = b;
	}
	return bad;
}

#define FIRST_BAD     "port 0x%lx width %u: in %ld, out %ld"
#define FIRST_BAD_ARGS first_bad.port, first_bad.width, first_bad.in, first_bad.out

static void test_wrapping(void)
{
	int bad = 0;

	for (cairn_word k = 1; k <= 8; k++)	/* 2^64 - 1 .. 2^64 - 8 */
		bad += refused(IO, TOP - k);
	bad += refused(IO, 1UL << 32 | 0x70);	/* would truncate to 0x70 */
	bad += refused(IO, 1UL << 63);
	cairn_check("io.1", "wrapping_ports_refused", bad == 0, "%d wrong, the first " FIRST_BAD, bad, FIRST_BAD_ARGS);
}

/* The whole range: port 0x10000 - w is the last a width-w access reaches. */
static void test_edges(void)
{
	long ok = 0, range = 0, inval = 0;

	for (unsigned i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		unsigned w = widths[i];
		ok += in(IO, CAIRN_IOPORT_END - w, w) >= 0;
		for (unsigned p = CAIRN_IOPORT_END - w + 1; p <= CAIRN_IOPORT_END; p++)
			range += in(IO, p, w) == CAIRN_ERANGE && out(IO, p, w, 0) == CAIRN_ERANGE;
	}
	/* a bad width is refused first, whatever the port */
	cairn_word bad_widths[] = { 0, 3, 8, 1UL << 32 | 1, TOP - 1 };
	for (unsigned i = 0; i < sizeof(bad_widths) / sizeof(bad_widths[0]); i++)
		inval += in(IO, 0x70, bad_widths[i]) == CAIRN_EINVAL && in(IO, TOP - 1, bad_widths[i]) == CAIRN_EINVAL;
	cairn_check("io.2", "range_edges", ok == 3 && range == 1 + 2 + 4 && inval == 5,
		    "last ports reached %ld of 3, first ports refused %ld of 7, bad widths refused %ld of 5",
		    ok, range, inval);
}

static void test_narrow(void)
{
	long e[] = {
		cairn_ioport_narrow(IO, 0, 0x70, 0x72),			/* slot 0 */
		cairn_ioport_narrow(IO, CT, 0x70, 0x72),		/* occupied */
		cairn_ioport_narrow(IO, CAIRN_CAPTBL_MAX, 0x70, 0x72),	/* past the table */
		cairn_call(IO, CAIRN_OP_IOPORT_NARROW, CMOS, 0x70, 0x70, 0, 0, 0),	/* empty */
		cairn_call(IO, CAIRN_OP_IOPORT_NARROW, CMOS, 0x72, 0x70, 0, 0, 0),	/* reversed */
		cairn_call(IO, CAIRN_OP_IOPORT_NARROW, CMOS, 0xffff, CAIRN_IOPORT_END + 1, 0, 0, 0),
		cairn_call(IO, CAIRN_OP_IOPORT_NARROW, CMOS, 0x70, TOP - 1, 0, 0, 0),
		cairn_call(IO, CAIRN_OP_IOPORT_NARROW, CMOS, TOP - 1, 0x10, 0, 0, 0),
		cairn_call(IO, CAIRN_OP_IOPORT_NARROW, CMOS, TOP - 0x10, 0x10, 0, 0, 0),
		cairn_call(CT, CAIRN_OP_IOPORT_NARROW, CMOS, 0x70, 0x72, 0, 0, 0),	/* not IOPORT */
	};
	long want[] = { CAIRN_EINVAL, CAIRN_EBUSY, CAIRN_ERANGE, CAIRN_EINVAL, CAIRN_EINVAL,
			CAIRN_EINVAL, CAIRN_EINVAL, CAIRN_EINVAL, CAIRN_EINVAL, CAIRN_EBADF };
	unsigned n = sizeof(e) / sizeof(e[0]), bad = n;

	for (unsigned i = 0; i < n; i++)
		if (e[i] != want[i]) {
			bad = i;
			break;
		}
	/* every refusal left CMOS empty: the narrowings into it now succeed */
	long whole = cairn_ioport_narrow(IO, SPARE, 0, CAIRN_IOPORT_END);
	long made = cairn_ioport_narrow(IO, CMOS, 0x70, 0x72);
	long wider = cairn_ioport_narrow(CMOS, SUB, 0x70, 0x73), below = cairn_ioport_narrow(CMOS, SUB, 0x6f, 0x71);
	long sub = cairn_ioport_narrow(CMOS, SUB, 0x71, 0x72);
	long rm = cairn_captbl_remove(CT, SPARE);
	cairn_check("io.3", "narrow_errors", bad == n && whole == 0 && made == 0 && wider == CAIRN_EINVAL &&
		    below == CAIRN_EINVAL && sub == 0 && rm == 0,
		    "call %u: got %ld, want %ld; whole %ld, made %ld, wider %ld, below %ld, sub %ld, remove %ld",
		    bad, bad < n ? e[bad] : 0, bad < n ? want[bad] : 0, whole, made, wider, below, sub, rm);
}

/* A narrowed capability: [0x70, 0x72), and [0x71, 0x72) narrowed from it. */
static void test_narrowed(void)
{
	int bad = 0;
	long idx = out(CMOS, 0x70, 1, 0x80), sec = in(CMOS, 0x71, 1), pair = in(CMOS, 0x70, 2);
	long sub = in(SUB, 0x71, 1), sub_lo = in(SUB, 0x70, 1), sub_2 = in(SUB, 0x71, 2);
	first_bad.width = 0;
	bad += refused(CMOS, 0x6f) + refused(CMOS, 0x72);
	bad += in(CMOS, 0x71, 2) != CAIRN_ERANGE || in(CMOS, 0x70, 4) != CAIRN_ERANGE;
	for (cairn_word k = 1; k <= 8; k++)
		bad += refused(CMOS, TOP - k) + refused(SUB, TOP - k);
	cairn_check("io.4", "narrowed_range", idx == 0 && sec >= 0 && sec <= 0xff && pair >= 0 && sub >= 0 &&
		    sub_lo == CAIRN_ERANGE && sub_2 == CAIRN_ERANGE && bad == 0,
		    "in range: out %ld, in %ld, in/2 %ld, sub %ld; outside: sub 0x70 %ld, sub 0x71/2 %ld; "
		    "%d wrong, the first " FIRST_BAD, idx, sec, pair, sub, sub_lo, sub_2, bad, FIRST_BAD_ARGS);
}

/*
 * Machine reset: the PCI reset control register (0xcf9, 6: hard reset), the keyboard
 * controller's pulse of the reset line (0x64, 0xfe), fast reset through port A (0x92,
 * 1). A capability that does not cover them reaches none; had one gone through, QEMU
 * (-no-reboot) would have ended here without the line below.
 */
static void test_reset_ports(void)
{
	long a = out(CMOS, 0xcf9, 1, 6), b = out(CMOS, 0x64, 1, 0xfe), c = out(CMOS, 0x92, 1, 1);
	long d = out(SUB, 0xcf9, 1, 6), e = out(SUB, 0xcf8, 4, 0), f = cairn_ioport_narrow(CMOS, SPARE, 0xcf9, 0xcfa);
	cairn_check("io.5", "reset_ports_need_a_grant", a == CAIRN_ERANGE && b == CAIRN_ERANGE && c == CAIRN_ERANGE &&
		    d == CAIRN_ERANGE && e == CAIRN_ERANGE && f == CAIRN_EINVAL,
		    "0xcf9 %ld, 0x64 %ld, 0x92 %ld, 0xcf9 %ld, 0xcf8/4 %ld, narrow to 0xcf9 %ld", a, b, c, d, e, f);
}

int main(const void *root)
{
	(void)root;
	test_wrapping();
	test_edges();
	test_narrow();
	test_narrowed();
	test_reset_ports();
	return 0;
}
