/*
 * logger: serves the "log" interface. Each client's text is gathered into its own line
 * buffer, found by the gate's badge (the client's component number, set by the booter:
 * a client cannot pose as another), and printed line by line. It keeps the last KEPT
 * complete lines with their authors, which the "logview" interface reads back
 * (interfaces/logview.toml). Its main thread only initialises; every call runs on the
 * caller's thread (thread migration), so calls of several clients run at once.
 */
#define CAIRN_SERVE_LOG
#define CAIRN_SERVE_LOGVIEW
#include <iface/log.h>
#include <iface/logview.h>
#include <cairn/sysdesc.h>

#define CLIENTS (CAIRN_SD_COMPS + 1)	/* badges are component numbers, 1..CAIRN_SD_COMPS */
#define LINE    240
#define KEPT    16			/* lines kept for logview */
#define WORDS   (LINE / 8)

static struct {
	char text[LINE];
	unsigned len;
} line[CLIENTS];
static long printed;

/*
 * The kept lines: line n is in kept[n % KEPT] while its seq is n + 1. A writer sets
 * seq to 0 before it changes the slot and to n + 1 after (a sequence lock), so a
 * reader that sees the same seq before and after its reads read one whole line. One
 * writer at a time (keeping): a writer that finds it taken does not wait for it (the
 * taker may be preempted by the very thread that waits), and its line is printed but
 * not kept.
 */
static struct {
	uint64_t seq;
	uint64_t author, len;
	uint64_t text[WORDS];		/* printable ASCII, NUL-padded */
} kept[KEPT];
static uint64_t lines;			/* lines kept so far: 2^64 lines cannot be written */
static uint8_t keeping;

static void keep(unsigned who, const char *s, unsigned len)
{
	if (__atomic_exchange_n(&keeping, 1, __ATOMIC_ACQUIRE))
		return;
	uint64_t n = lines, w[WORDS] = { 0 };
	char *t = (char *)w;
	for (unsigned i = 0; i < len; i++)
		t[i] = s[i] >= 0x20 && s[i] <= 0x7e ? s[i] : '?';
	__atomic_store_n(&kept[n % KEPT].seq, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&kept[n % KEPT].author, who, __ATOMIC_RELAXED);
	__atomic_store_n(&kept[n % KEPT].len, len, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < WORDS; i++)
		__atomic_store_n(&kept[n % KEPT].text[i], w[i], __ATOMIC_RELAXED);
	__atomic_store_n(&kept[n % KEPT].seq, n + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&lines, n + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&keeping, 0, __ATOMIC_RELEASE);
}

static void put(unsigned who, char ch)
{
	if (ch != '\n' && line[who].len < LINE - 1) {
		line[who].text[line[who].len++] = ch;
		return;
	}
	cairn_printf("[log c%u] %.*s\n", who, (int)line[who].len, line[who].text);
	keep(who, line[who].text, line[who].len);
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

long logview_count_serve(cairn_word client, cairn_word *second)
{
	(void)client;
	*second = KEPT;
	return (long)__atomic_load_n(&lines, __ATOMIC_ACQUIRE);
}

/*
 * Reads line n's author, length and text words w, w + 1 (w < WORDS) into out[4]: 0,
 * CAIRN_EINVAL if n is not yet written, CAIRN_ENOENT if it is no longer kept or is
 * being written.
 */
static long read_line(uint64_t n, unsigned w, uint64_t out[4])
{
	if (n >= __atomic_load_n(&lines, __ATOMIC_ACQUIRE))
		return CAIRN_EINVAL;
	if (__atomic_load_n(&kept[n % KEPT].seq, __ATOMIC_ACQUIRE) != n + 1)
		return CAIRN_ENOENT;
	out[0] = __atomic_load_n(&kept[n % KEPT].author, __ATOMIC_RELAXED);
	out[1] = __atomic_load_n(&kept[n % KEPT].len, __ATOMIC_RELAXED);
	out[2] = __atomic_load_n(&kept[n % KEPT].text[w], __ATOMIC_RELAXED);
	out[3] = w + 1 < WORDS ? __atomic_load_n(&kept[n % KEPT].text[w + 1], __ATOMIC_RELAXED) : 0;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&kept[n % KEPT].seq, __ATOMIC_RELAXED) == n + 1 ? 0 : CAIRN_ENOENT;
}

long logview_line_serve(cairn_word n, cairn_word client, cairn_word *second)
{
	uint64_t r[4];
	long e = read_line(n, 0, r);

	(void)client;
	if (e)
		return e;
	*second = r[1];
	return (long)r[0];
}

long logview_text_serve(cairn_word n, cairn_word word, cairn_word client, cairn_word *second)
{
	uint64_t r[4];
	long e = read_line(n, word < WORDS ? (unsigned)word : 0, r);

	(void)client;
	if (e)
		return e;
	if (word >= WORDS || word * 8 >= r[1])
		return CAIRN_EINVAL;
	*second = r[3];
	return (long)r[2];
}

int main(const struct cairn_root *rt)
{
	cairn_printf("logger: component %lu ready to serve 'log' and 'logview' (called on its clients' threads)\n",
		     rt->comp_id);
	return 0;
}
