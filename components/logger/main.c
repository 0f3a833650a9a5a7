/*
 * logger: serves the "log" interface. Each client's text is gathered into its own line
 * buffer, found by the gate's badge (the client's component number, set by the booter:
 * a client cannot pose as another), and printed line by line. Its main thread only
 * initialises; every call runs on the caller's thread (thread migration).
 */
#define CAIRN_SERVE_LOG
#include <iface/log.h>

#define CLIENTS 32
#define LINE    240

static struct {
	char text[LINE];
	unsigned len;
} line[CLIENTS];
static long printed;

static void put(unsigned who, char ch)
{
	if (ch != '\n' && line[who].len < LINE - 1) {
		line[who].text[line[who].len++] = ch;
		return;
	}
	cairn_printf("[log c%u] %.*s\n", who, (int)line[who].len, line[who].text);
	line[who].len = 0;
	printed++;
}

long log_write_serve(cairn_word w0, cairn_word w1, cairn_word w2, cairn_word w3, cairn_word client)
{
	cairn_word w[4] = { w0, w1, w2, w3 };
	const char *s = (const char *)w;
	long n = 0;

	if (client >= CLIENTS)
		return CAIRN_EINVAL;
	while (n < 32 && s[n])
		put((unsigned)client, s[n++]);
	return n;
}

long log_lines_serve(cairn_word client)
{
	(void)client;
	return printed;
}

int main(const struct cairn_root *rt)
{
	cairn_printf("logger: component %lu ready to serve 'log' (called on its clients' threads)\n",
		     rt->comp_id);
	return 0;
}
