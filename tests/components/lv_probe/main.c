/*
 * lv_probe: the logger's logview interface (interfaces/logview.toml, components/logger)
 * called raw, at every bound and error, from a component that also writes the log. The
 * system (tests/qemu/systems/logview.toml) is: 0 logger, 1 lv_probe, 2 lv_probe again
 * with args "mode=none", which imports log but not logview. Nothing else logs. Checks:
 *
 *   lv.1 nothing logged: count 0, kept 16; line 0, line ~0 and text 0 0: CAIRN_EINVAL
 *   lv.2 a line of 45 bytes: count 1; its author (this comp_id) and length; its text
 *        word by word, two at a time; past its end (word 6, 30, ~0): CAIRN_EINVAL;
 *        line 1 (not yet written): CAIRN_EINVAL
 *   lv.3 bytes that are not printable ASCII (control, DEL, above 0x7f) kept as '?'
 *   lv.4 an empty line: length 0, no word (text: CAIRN_EINVAL)
 *   lv.5 a line at the logger's bound: cut at 239 bytes; word 29 its last, 30 refused
 *   lv.6 line n read (line), then 16 more lines logged: n is CAIRN_ENOENT (line and
 *        text), never torn; the 16 just logged are kept, and the oldest of them reads
 *   lv.7 (the second instance) logview without the import: CAIRN_ENOENT
 */
#include <cairn/logprint.h>
#include <iface/logview.h>

#define KEPT 16
#define LINE 240		/* the logger's line buffer: 239 bytes and its end */

/* Reads line n's text (len bytes) into out[256], two words a call: 0, or the first error. */
static long text_of(uint64_t n, cairn_word len, char *out)
{
	cairn_word w[32] = { 0 };

	for (unsigned i = 0; i < (len + 7) / 8 && i < 30; i += 2) {
		long r = logview_text(n, i, &w[i + 1]);
		if (r < 0)
			return r;
		w[i] = (cairn_word)r;
	}
	memcpy(out, w, 256);
	return 0;
}

/* Whether line n is by this component, len bytes, its text want. */
static int line_is(const struct cairn_root *rt, uint64_t n, const char *want, cairn_word len)
{
	cairn_word got_len = ~0ul;
	char text[256];
	long author = logview_line(n, &got_len);

	return author == (long)rt->comp_id && got_len == len && text_of(n, len, text) == 0 &&
	       !memcmp(text, want, len) && (len % 8 == 0 || text[len] == 0);
}

static void empty(void)
{
	cairn_word kept = 0, x = 0;
	long count = logview_count(&kept);
	long a = logview_line(0, &x), b = logview_line(~0ul, &x), c = logview_text(0, 0, &x);

	cairn_check("lv.1", "nothing_logged", count == 0 && kept == KEPT && a == CAIRN_EINVAL && b == CAIRN_EINVAL &&
		    c == CAIRN_EINVAL, "count %ld kept %lu; line 0: %ld, line ~0: %ld, text: %ld", count, kept, a, b, c);
}

static void one_line(const struct cairn_root *rt)
{
	const char *s = "lv_probe: a line of 45 bytes, six words long.";
	cairn_word kept = 0, x = 0;

	log_printf("%s\n", s);
	long count = logview_count(&kept);
	int ok = line_is(rt, 0, s, 45);
	long a = logview_text(0, 6, &x), b = logview_text(0, 30, &x), c = logview_text(0, ~0ul, &x);
	long d = logview_line(1, &x);
	cairn_check("lv.2", "one_line", count == 1 && ok && a == CAIRN_EINVAL && b == CAIRN_EINVAL &&
		    c == CAIRN_EINVAL && d == CAIRN_EINVAL, "count %ld, line 0 %s; past its end: %ld %ld %ld; line 1: %ld",
		    count, ok ? "as written" : "differs", a, b, c, d);
}

static void odd_bytes(const struct cairn_root *rt)
{
	log_printf("x\001\033\177\200\377y\n");
	cairn_check("lv.3", "unprintable_kept_as_question_marks", line_is(rt, 1, "x?????y", 7), "line 1 differs");

	cairn_word len = ~0ul, x = 0;
	log_printf("\n");
	long a = logview_line(2, &len), t = logview_text(2, 0, &x);
	cairn_check("lv.4", "empty_line", a == (long)rt->comp_id && len == 0 && t == CAIRN_EINVAL,
		    "author %ld, length %lu, text %ld", a, len, t);
}

static void long_line(const struct cairn_root *rt)
{
	char s[LINE + 16];
	cairn_word x = 0;

	for (unsigned i = 0; i < sizeof(s); i++)
		s[i] = (char)('a' + i % 26);
	for (unsigned i = 0; i < sizeof(s); i += 32) {	/* no NUL: the logger cuts at its bound */
		cairn_word w[4];
		memcpy(w, s + i, sizeof(w));
		log_write(w[0], w[1], w[2], w[3]);
	}
	log_printf("\n");	/* the rest (16 bytes past the cut, and this end) is a line of its own */
	int ok = line_is(rt, 3, s, LINE - 1);
	long a = logview_text(3, 29, &x), b = logview_text(3, 30, &x);
	cairn_check("lv.5", "line_at_the_bound", ok && a > 0 && b == CAIRN_EINVAL, "line 3 %s; word 29: %ld, 30: %ld",
		    ok ? "as written" : "differs", a, b);
}

static void overwritten(const struct cairn_root *rt)
{
	cairn_word kept = 0, len = 0, x = 0;
	long n = logview_count(&kept) - 1;
	long a = logview_line((cairn_word)n, &len);

	for (unsigned i = 0; i < KEPT; i++)
		log_printf("lv_probe: overwrite %02u\n", i);
	long b = logview_line((cairn_word)n, &x), c = logview_text((cairn_word)n, 0, &x);
	long count = logview_count(&kept);
	int last = line_is(rt, (uint64_t)count - 1, "lv_probe: overwrite 15", 22);
	int oldest = line_is(rt, (uint64_t)count - KEPT, "lv_probe: overwrite 00", 22);
	cairn_check("lv.6", "overwritten_is_enoent", a == (long)rt->comp_id && b == CAIRN_ENOENT && c == CAIRN_ENOENT &&
		    count == n + 1 + KEPT && last && oldest, "line %ld: %ld then %ld/%ld; count %ld; last %d oldest %d", n, a,
		    b, c, count, last, oldest);
}

int main(const struct cairn_root *rt)
{
	char mode[8];
	cairn_word kept = 0;

	if (cairn_arg(rt, "mode", mode, sizeof mode) >= 0) {	/* mode=none: no logview */
		long r = logview_count(&kept);
		cairn_check("lv.7", "without_the_import", r == CAIRN_ENOENT, "%ld", r);
		return 0;
	}
	empty();
	one_line(rt);
	odd_bytes(rt);
	long_line(rt);
	overwritten(rt);
	return 0;
}
