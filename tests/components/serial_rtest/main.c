/*
 * serial_rtest: the client of tests/qemu/systems/serial_restart.toml (COM2) and
 * serial_restart_com1.toml (COM1). After it says "serial_rtest: ready" the test feeds
 * the driver's UART "before\n", PATTERN bytes ("0-9a-zA-Z" over and over) and "\n". It checks that a ring nobody reads fills to exactly
 * its size and holds the rest back in the UART (none dropped), reads the first line,
 * crashes the driver (its keeper, the booter, restarts it: the bytes its ring held are
 * gone), and checks that input comes back: what arrives afterwards is the stream's
 * tail, in order, up to its last byte.
 */
#include <iface/serial.h>
#include <iface/serial_crash.h>

#define FIRST   "before\n"
#define PATTERN 2048
#define RING    1024	/* the driver's ring (components/serial) */
#define WAIT_S  30

static uint8_t after[PATTERN + 1];
static uint64_t deadline;

static uint8_t pattern(unsigned i)
{
	static const char abc[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

	return (uint8_t)abc[i % (sizeof(abc) - 1)];
}

static int in_time(void)
{
	return cairn_cycles() < deadline;
}

/* Waits until the driver has received at least n bytes; returns what status says. */
static long received_at_least(long n, cairn_word *dropped)
{
	long r;

	while ((r = serial_status(dropped)) >= 0 && r < n && in_time())
		cairn_yield();
	return r;
}

static void full_ring(void)
{
	cairn_word dropped = 0;
	long r = received_at_least(RING, &dropped);

	for (unsigned i = 0; i < 2000; i++)	/* time for more to arrive, if it wrongly could */
		cairn_yield();
	r = serial_status(&dropped);
	cairn_check("serr.1", "full_ring_holds_back", r == RING && dropped == 0, "received %ld, dropped %lu",
		    r, (unsigned long)dropped);
}

static void first_line(void)
{
	char got[sizeof(FIRST)] = { 0 };
	cairn_word w = 0;
	long a = serial_read(4, &w);

	memcpy(got, &w, 4);
	long b = serial_read(sizeof(FIRST) - 1 - 4, &w);
	memcpy(got + 4, &w, sizeof(FIRST) - 1 - 4);
	cairn_check("serr.2", "first_line", a == 4 && b == 3 && !memcmp(got, FIRST, sizeof(FIRST)),
		    "reads %ld and %ld", a, b);
}

/* Reads what comes after the restart up to the stream's last byte, "\n", or the deadline. */
static unsigned take_rest(unsigned *errors)
{
	unsigned n = 0;

	while (n < sizeof(after) && (!n || after[n - 1] != '\n') && in_time()) {
		cairn_word w = 0;
		long r = serial_read(8, &w);
		if (r <= 0) {
			*errors += r < 0;
			cairn_yield();
			continue;
		}
		for (long i = 0; i < r && n < sizeof(after); i++)
			after[n++] = (uint8_t)(w >> (8 * i));
	}
	return n;
}

int main(const struct cairn_root *rt)
{
	deadline = cairn_cycles() + WAIT_S * rt->tsc_hz;
	cairn_printf("serial_rtest: ready\n");
	full_ring();
	first_line();
	long c = serial_crash_crash();
	cairn_check("serr.3", "crash_returns_stale", c == CAIRN_ESTALE, "crash returned %ld", c);
	unsigned errors = 0, n = take_rest(&errors), k = PATTERN + 1 - n, bad = n;
	for (unsigned j = 0; j + 1 < n && bad == n; j++)
		if (after[j] != pattern(k + j))
			bad = j;
	int whole = n > 1 && after[n - 1] == '\n' && bad == n;
	cairn_check("serr.4", "input_back_after_restart", whole,
		    "%u bytes after the restart (%u refused reads), first difference at %u", n, errors, bad);
	cairn_word dropped = 0;
	long r = serial_status(&dropped);
	cairn_printf("serial_rtest: %u bytes after the restart, the pattern's from byte %u of %u on\n", n, k,
		     PATTERN);
	cairn_check("serr.5", "fresh_counts", r == (long)n && dropped == 0, "received %ld, dropped %lu", r,
		    (unsigned long)dropped);
	cairn_check("serr.6", "stop", serial_stop() == 0, "stop refused");
	return 0;
}
