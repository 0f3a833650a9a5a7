/*
 * echo: a client of the serial driver (components/serial) for systems/echo_serial.toml.
 * It prompts, gathers the bytes that arrive into a line and prints each line back on
 * the console (printable bytes as they are, the others as \xNN); the line "quit"
 * stops the driver, and with it the system. No line editing: bytes in, bytes out.
 */
#include <iface/serial.h>

#define LINE 120

static char line[LINE];
static unsigned len;

static void show(void)
{
	char out[4 * LINE + 1];
	unsigned k = 0;

	for (unsigned i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[k++] = (char)c;
		} else {
			const char *hex = "0123456789abcdef";
			out[k++] = '\\', out[k++] = 'x', out[k++] = hex[c >> 4], out[k++] = hex[c & 15];
		}
	}
	out[k] = 0;
	cairn_printf("echo: '%s'\n", out);
}

/* Takes one byte; returns 1 once the line "quit" ended. */
static int take(char c)
{
	if (c == '\r' || c == '\n') {
		int quit = len == 4 && !memcmp(line, "quit", 4);
		if (len || c == '\n')
			show();
		len = 0;
		if (!quit)
			cairn_printf("echo> \n");
		return quit;
	}
	if (len < LINE)
		line[len++] = c;
	return 0;
}

int main(const struct cairn_root *rt)
{
	(void)rt;
	cairn_printf("echo: type on the serial port the driver reads; a line 'quit' ends\necho> \n");
	for (;;) {
		cairn_word w = 0;
		long n = serial_read(sizeof(w), &w);
		if (n < 0) {
			cairn_printf("echo: the driver refused a read (error %ld)\n", n);
			return n;
		}
		if (n == 0)
			cairn_yield();
		for (long i = 0; i < n; i++)
			if (take((char)(w >> (8 * i)))) {
				serial_stop();
				return 0;
			}
	}
}
