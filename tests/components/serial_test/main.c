/*
 * serial_test: the client of tests/qemu/systems/serial.toml (COM2) and
 * serial_com1.toml (COM1). It checks that the driver refuses bad reads, says
 * "serial_test: ready" (the line after which the test harness feeds the driver's UART:
 * tests.toml's input_after), then reads what arrives and checks it
 * is exactly the test's input, in order and whole: the line "hello serial", then the
 * bytes 0x01..0x7f three times over (a burst far larger than the 16-byte FIFO). Each
 * line is echoed as it ends; at the end it checks the driver's counts and stops it.
 * Keep the expected stream here in step with the test's `input`.
 */
#include <iface/serial.h>

#define GREETING "hello serial\n"
#define ROUNDS   3
#define TOTAL    (sizeof(GREETING) - 1 + ROUNDS * 127)
#define WAIT_S   30

static uint8_t got[TOTAL];

/* The byte the test sends at position i. */
static uint8_t expected(unsigned i)
{
	if (i < sizeof(GREETING) - 1)
		return (uint8_t)GREETING[i];
	return (uint8_t)(1 + (i - (sizeof(GREETING) - 1)) % 127);
}

static void bad_calls(void)
{
	cairn_word b = 0;
	long e[] = { serial_read(0, &b), serial_read(9, &b), serial_read(~(cairn_word)0, &b),
		     serial_read((cairn_word)1 << 63, &b) };
	int ok = 1;

	for (unsigned i = 0; i < 4; i++)
		ok &= e[i] == CAIRN_EINVAL;
	cairn_check("ser.1", "bad_length_refused", ok, "read(0) %ld, read(9) %ld, read(~0) %ld, read(2^63) %ld",
		    e[0], e[1], e[2], e[3]);
}

/* Echoes a line: printable bytes as they are, the others as \xNN. */
static void echo(const uint8_t *s, unsigned n)
{
	char out[4 * 160 + 1];
	unsigned k = 0;

	for (unsigned i = 0; i < n && k + 4 < sizeof(out); i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\') {
			out[k++] = (char)s[i];
		} else {
			const char *hex = "0123456789abcdef";
			out[k++] = '\\', out[k++] = 'x', out[k++] = hex[s[i] >> 4], out[k++] = hex[s[i] & 15];
		}
	}
	out[k] = 0;
	cairn_printf("serial_test: echo '%s'\n", out);
}

/* Reads until TOTAL bytes came or WAIT_S seconds passed; echoes each line. */
static unsigned take(const struct cairn_root *rt)
{
	uint64_t end = cairn_cycles() + WAIT_S * rt->tsc_hz;
	unsigned n = 0, line = 0;

	while (n < TOTAL && cairn_cycles() < end) {
		cairn_word w = 0;
		long r = serial_read(TOTAL - n < 8 ? TOTAL - n : 8, &w);
		if (r < 0)
			break;
		if (r == 0) {
			cairn_yield();
			continue;
		}
		for (long i = 0; i < r; i++, n++) {
			got[n] = (uint8_t)(w >> (8 * i));
			if (got[n] == '\n') {
				echo(&got[line], n - line);
				line = n + 1;
			}
		}
	}
	if (line < n)
		echo(&got[line], n - line);
	return n;
}

int main(const struct cairn_root *rt)
{
	bad_calls();
	cairn_printf("serial_test: ready\n");
	unsigned n = take(rt), bad = n;
	for (unsigned i = 0; i < n && bad == n; i++)
		if (got[i] != expected(i))
			bad = i;
	cairn_check("ser.2", "bytes_in_order_and_whole", n == TOTAL && bad == n,
		    "%u of %u bytes; first difference at %u: 0x%x, want 0x%x", n, (unsigned)TOTAL, bad,
		    bad < n ? got[bad] : 0, bad < n ? expected(bad) : 0);
	cairn_word lost = 0, more = 0;
	long recv = serial_status(&lost), extra = serial_read(8, &more);
	cairn_check("ser.3", "counts_agree", recv == (long)TOTAL && lost == 0 && extra == 0,
		    "received %ld, dropped %lu, %ld more bytes", recv, (unsigned long)lost, extra);
	cairn_check("ser.4", "stop", serial_stop() == 0, "stop refused");
	return 0;
}
