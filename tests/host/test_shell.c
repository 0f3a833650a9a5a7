/*
 * test_shell.c: the shell's line reader and command parser (components/shell/line.c,
 * line.h): lines ended by CR, LF or CRLF (the LF after a CR is no empty line), erase,
 * tab, every control byte and every byte above 0x7e dropped, a line of exactly
 * SHELL_LINE_MAX characters kept and one of SHELL_LINE_MAX + 1 refused whole (its bytes
 * past the bound never stored, erase not undoing the refusal, the next line afresh), and
 * every command with its arguments at, below and above what it takes, and the counts
 * of trace and log at and past their bounds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../../components/shell/line.h"

/* Feeds s (n bytes); returns the result of the last byte, *lines counting SHELL_LINEs. */
static enum shell_take feed(struct shell_line *l, const char *s, size_t n, unsigned *lines)
{
	enum shell_take r = SHELL_NONE;

	for (size_t i = 0; i < n; i++) {
		r = shell_take(l, (unsigned char)s[i]);
		if (lines && r == SHELL_LINE)
			++*lines;
	}
	return r;
}

static void test_line_ends(void **state)
{
	struct shell_line l = { 0 };
	unsigned lines = 0;

	(void)state;
	assert_int_equal(feed(&l, "ps\r", 3, &lines), SHELL_LINE);
	assert_string_equal(l.text, "ps");
	assert_int_equal(shell_take(&l, '\n'), SHELL_NONE);	/* CRLF: one line */
	assert_int_equal(feed(&l, "help\n", 5, &lines), SHELL_LINE);
	assert_string_equal(l.text, "help");
	assert_int_equal(shell_take(&l, '\n'), SHELL_LINE);	/* LF LF: an empty line */
	assert_string_equal(l.text, "");
	assert_int_equal(shell_take(&l, '\r'), SHELL_LINE);
	assert_int_equal(shell_take(&l, '\r'), SHELL_LINE);	/* CR CR: two */
	assert_int_equal(lines, 2);
}

static void test_bytes(void **state)
{
	struct shell_line l = { 0 };

	(void)state;
	assert_int_equal(shell_take(&l, 'a'), SHELL_ECHO);
	assert_int_equal(shell_take(&l, '\t'), SHELL_ECHO);	/* a space */
	assert_int_equal(shell_take(&l, '~'), SHELL_ECHO);
	for (unsigned c = 0; c < 256; c++) {
		if (c == '\r' || c == '\n' || c == '\t' || c == '\b' || (c >= 0x20 && c <= 0x7f))
			continue;
		assert_int_equal(shell_take(&l, (unsigned char)c), SHELL_NONE);
	}
	assert_int_equal(shell_take(&l, '\n'), SHELL_LINE);
	assert_string_equal(l.text, "a ~");
}

static void test_erase(void **state)
{
	struct shell_line l = { 0 };

	(void)state;
	assert_int_equal(shell_take(&l, '\b'), SHELL_NONE);	/* nothing to erase */
	feed(&l, "pz", 2, 0);
	assert_int_equal(shell_take(&l, 0x7f), SHELL_ERASE);
	assert_int_equal(shell_take(&l, 's'), SHELL_ECHO);
	assert_int_equal(shell_take(&l, '\n'), SHELL_LINE);
	assert_string_equal(l.text, "ps");
	feed(&l, "ab\b\b", 4, 0);
	assert_int_equal(shell_take(&l, '\b'), SHELL_NONE);
	assert_int_equal(shell_take(&l, '\r'), SHELL_LINE);
	assert_string_equal(l.text, "");
}

static void test_bound(void **state)
{
	struct shell_line l = { 0 };
	char s[3 * SHELL_LINE_MAX];

	(void)state;
	memset(s, 'x', sizeof(s));
	assert_int_equal(feed(&l, s, SHELL_LINE_MAX, 0), SHELL_ECHO);
	assert_int_equal(shell_take(&l, '\n'), SHELL_LINE);	/* exactly the bound: kept */
	assert_int_equal(strlen(l.text), SHELL_LINE_MAX);

	assert_int_equal(feed(&l, s, SHELL_LINE_MAX, 0), SHELL_ECHO);
	assert_int_equal(shell_take(&l, 'y'), SHELL_NONE);	/* one past: dropped */
	assert_int_equal(l.len, SHELL_LINE_MAX);
	assert_int_equal(shell_take(&l, '\b'), SHELL_NONE);	/* erase does not undo it */
	assert_int_equal(feed(&l, s, sizeof(s), 0), SHELL_NONE);
	assert_int_equal(l.len, SHELL_LINE_MAX);
	assert_int_equal(l.text[SHELL_LINE_MAX], 0);		/* never written past */
	assert_int_equal(shell_take(&l, '\r'), SHELL_TOO_LONG);
	assert_string_equal(l.text, "");
	assert_int_equal(shell_take(&l, '\n'), SHELL_NONE);	/* its CRLF's LF */
	assert_int_equal(feed(&l, "ps\n", 3, 0), SHELL_LINE);	/* the next line afresh */
	assert_string_equal(l.text, "ps");
}

static enum shell_cmd parse(const char *s, struct shell_parsed *p)
{
	memset(p, 0x5a, sizeof(*p));
	return shell_parse(s, p);
}

static void test_commands(void **state)
{
	struct shell_parsed p;

	(void)state;
	assert_int_equal(parse("", &p), SHELL_CMD_EMPTY);
	assert_int_equal(parse("    ", &p), SHELL_CMD_EMPTY);
	assert_int_equal(parse("help", &p), SHELL_CMD_HELP);
	assert_int_equal(parse("  ps  ", &p), SHELL_CMD_PS);
	assert_int_equal(parse("quit", &p), SHELL_CMD_QUIT);
	assert_int_equal(parse("restart logger", &p), SHELL_CMD_RESTART);
	assert_int_equal(p.arg_len, 6);
	assert_memory_equal(p.arg, "logger", 6);
	assert_int_equal(parse(" restart   a_b  ", &p), SHELL_CMD_RESTART);
	assert_int_equal(p.arg_len, 3);
	assert_memory_equal(p.arg, "a_b", 3);
	assert_int_equal(parse("restart", &p), SHELL_CMD_USAGE);
	assert_int_equal(parse("restart a b", &p), SHELL_CMD_USAGE);
	assert_int_equal(parse("ps x", &p), SHELL_CMD_USAGE);
	assert_int_equal(parse("help me now", &p), SHELL_CMD_USAGE);
	assert_int_equal(parse("quit now", &p), SHELL_CMD_USAGE);
	assert_int_equal(p.word_len, 4);
	/* not the commands: prefixes, longer words, case */
	assert_int_equal(parse("run hello", &p), SHELL_CMD_RUN);
	assert_int_equal(p.arg_len, 5);
	assert_memory_equal(p.arg, "hello", 5);
	assert_int_equal(parse("run", &p), SHELL_CMD_USAGE);
	assert_int_equal(parse("run a b", &p), SHELL_CMD_USAGE);
	const char *unknown[] = { "p", "pss", "hel", "helpx", "PS", "Quit", "restar", "restarts x", "[Aquit",
				  "tracer", "lo", "logs 3", "runs x", "Run x" };
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		assert_int_equal(parse(unknown[i], &p), SHELL_CMD_UNKNOWN);
		assert_ptr_equal(p.word, unknown[i]);
		assert_int_equal(p.word_len, strcspn(unknown[i], " "));
	}
}

static void test_counts(void **state)
{
	struct shell_parsed p;

	(void)state;
	assert_int_equal(parse("trace", &p), SHELL_CMD_TRACE);
	assert_int_equal(p.count, SHELL_COUNT_DEFAULT);
	assert_int_equal(parse("log", &p), SHELL_CMD_LOG);
	assert_int_equal(p.count, SHELL_COUNT_DEFAULT);
	assert_int_equal(parse(" log  1 ", &p), SHELL_CMD_LOG);
	assert_int_equal(p.count, 1);
	assert_int_equal(parse("trace 256", &p), SHELL_CMD_TRACE);	/* SHELL_COUNT_MAX */
	assert_int_equal(p.count, SHELL_COUNT_MAX);
	assert_int_equal(parse("trace 007", &p), SHELL_CMD_TRACE);
	assert_int_equal(p.count, 7);
	/* not a count 1..SHELL_COUNT_MAX in decimal digits: refused, whatever the command */
	const char *bad[] = { "trace 0", "log 000", "trace 257", "log 999", "trace 0256", "log 4294967297",
			      "trace -1", "log +3", "trace 1x", "log x", "trace 0x10", "log 1 2" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], &p), SHELL_CMD_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_erase),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_counts),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
