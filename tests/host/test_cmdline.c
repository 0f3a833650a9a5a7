/*
 * test_cmdline.c: host unit tests for kernel/cmdline.c against the contract in cmdline.h.
 *
 * Output buffers are filled with a sentinel byte before each call, so the tests also
 * check that nothing is written past the terminating NUL, and nothing at all for size 0.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <common/cmdline.h>

#define BUFSZ 64
#define SENTINEL 0x5a

/* cmdline_get with a large buffer: present, with exactly this value. */
static void expect_get(const char *cl, const char *key, const char *want)
{
	char b[BUFSZ];
	size_t n = strlen(want);
	bool found;

	memset(b, SENTINEL, sizeof(b));
	found = cmdline_get(cl, key, b, sizeof(b));
	if (!found)
		print_error("cmdline \"%s\": key \"%s\" not found\n", cl, key);
	assert_true(found);
	assert_string_equal(b, want);
	assert_int_equal((unsigned char)b[n + 1], SENTINEL);
}

/* cmdline_get: absent, and val is not touched. */
static void expect_absent(const char *cl, const char *key)
{
	char b[BUFSZ];
	bool found;

	memset(b, SENTINEL, sizeof(b));
	found = cmdline_get(cl, key, b, sizeof(b));
	if (found)
		print_error("cmdline \"%s\": key \"%s\" found\n", cl, key);
	assert_false(found);
	assert_int_equal((unsigned char)b[0], SENTINEL);
	assert_false(cmdline_get(cl, key, NULL, 0));
}

/* cmdline_progname with a large buffer. */
static void expect_progname(const char *cl, const char *want)
{
	char b[BUFSZ];

	memset(b, SENTINEL, sizeof(b));
	cmdline_progname(cl, b, sizeof(b));
	assert_string_equal(b, want);
	assert_int_equal((unsigned char)b[strlen(want) + 1], SENTINEL);
}

/* ---- cmdline_get ---- */

static void cmdline_get_key_value(void **state)
{
	(void)state;
	expect_get("mem=128", "mem", "128");
	expect_get("a=1 b=2 c=3", "b", "2");
	expect_get("a=1 b=2 c=3", "c", "3");
}

static void cmdline_get_bare_key(void **state)
{
	(void)state;
	expect_get("quiet", "quiet", "");
	expect_get("a=1 quiet b=2", "quiet", "");
	expect_get("a=1 quiet", "quiet", "");
}

static void cmdline_get_missing_key(void **state)
{
	(void)state;
	expect_absent("a=1 b=2", "c");
	expect_absent("quiet", "loud");
}

static void cmdline_get_key_prefix_of_word(void **state)
{
	(void)state;
	expect_absent("memory=5", "mem");
	expect_absent("memory", "mem");
	expect_get("memory=5 mem=7", "mem", "7");
}

static void cmdline_get_key_prefix_of_key(void **state)
{
	(void)state;
	expect_get("ktest=boot", "ktest", "boot");
	expect_absent("ktests=boot", "ktest");
	expect_absent("ktest=boot", "ktes");
}

static void cmdline_get_word_prefix_of_key(void **state)
{
	(void)state;
	expect_absent("mem=5", "memory");
	expect_absent("me", "mem");
}

static void cmdline_get_key_only_at_word_start(void **state)
{
	(void)state;
	expect_absent("xmem=5", "mem");
	expect_absent("a=mem=5", "mem");
	expect_absent("a=mem", "mem");
}

static void cmdline_get_first_occurrence_wins(void **state)
{
	(void)state;
	expect_get("x=1 x=2", "x", "1");
	expect_get("x x=2", "x", "");
	expect_get("x=2 x", "x", "2");
}

static void cmdline_get_multiple_spaces(void **state)
{
	(void)state;
	expect_get("a=1   b=2    c", "b", "2");
	expect_get("a=1   b=2    c", "c", "");
}

static void cmdline_get_leading_trailing_spaces(void **state)
{
	(void)state;
	expect_get("   a=1 b=2   ", "a", "1");
	expect_get("   a=1 b=2   ", "b", "2");
	expect_get("  quiet  ", "quiet", "");
	expect_absent("   ", "a");
}

static void cmdline_get_empty_cmdline(void **state)
{
	(void)state;
	expect_absent("", "a");
}

static void cmdline_get_empty_value(void **state)
{
	(void)state;
	expect_get("key=", "key", "");
	expect_get("key= b=2", "key", "");
	expect_get("key= b=2", "b", "2");
}

static void cmdline_get_value_with_equals(void **state)
{
	(void)state;
	expect_get("a=b=c", "a", "b=c");
	expect_get("a==", "a", "=");
}

static void cmdline_get_truncates(void **state)
{
	(void)state;
	char b[8];

	memset(b, SENTINEL, sizeof(b));
	assert_true(cmdline_get("x=1 name=abcdefgh y=2", "name", b, 5));
	assert_string_equal(b, "abcd");
	assert_int_equal((unsigned char)b[5], SENTINEL);
}

static void cmdline_get_exact_fit(void **state)
{
	(void)state;
	char b[8];

	memset(b, SENTINEL, sizeof(b));
	assert_true(cmdline_get("name=abcd", "name", b, 5));
	assert_string_equal(b, "abcd");
	assert_int_equal((unsigned char)b[5], SENTINEL);
}

static void cmdline_get_size_one(void **state)
{
	(void)state;
	char b[4];

	memset(b, SENTINEL, sizeof(b));
	assert_true(cmdline_get("name=abc", "name", b, 1));
	assert_int_equal(b[0], '\0');
	assert_int_equal((unsigned char)b[1], SENTINEL);
}

static void cmdline_get_size_zero(void **state)
{
	(void)state;
	char b[4];

	memset(b, SENTINEL, sizeof(b));
	assert_true(cmdline_get("name=abc", "name", b, 0));
	assert_true(cmdline_get("name", "name", b, 0));
	for (size_t i = 0; i < sizeof(b); i++)
		assert_int_equal((unsigned char)b[i], SENTINEL);
}

static void cmdline_get_null_val(void **state)
{
	(void)state;
	assert_true(cmdline_get("a=1 b", "a", NULL, 0));
	assert_true(cmdline_get("a=1 b", "b", NULL, 0));
	assert_true(cmdline_get("a=1 b", "a", NULL, 16));
	assert_false(cmdline_get("a=1 b", "c", NULL, 0));
	assert_false(cmdline_get("a=1 b", "c", NULL, 16));
}

/* ---- cmdline_progname ---- */

static void cmdline_progname_path(void **state)
{
	(void)state;
	expect_progname("build/user/hello.elf x=1", "hello");
	expect_progname("/boot/init.elf", "init");
	expect_progname("a/b/c/prog", "prog");
}

static void cmdline_progname_no_slash(void **state)
{
	(void)state;
	expect_progname("hello.elf", "hello");
	expect_progname("hello", "hello");
}

static void cmdline_progname_elf_only_at_end(void **state)
{
	(void)state;
	expect_progname("hello.elfx", "hello.elfx");
	expect_progname("hello.elf.bin", "hello.elf.bin");
	expect_progname("hello.elf.elf", "hello.elf");
	expect_progname("a.elf/b", "b");
	expect_progname("hello.ELF", "hello.ELF");
	expect_progname("hello.el", "hello.el");
	expect_progname("hello x.elf", "hello");
}

static void cmdline_progname_exactly_elf(void **state)
{
	(void)state;
	/* As POSIX basename with a suffix: a name that is only the suffix keeps it. */
	expect_progname(".elf", ".elf");
	expect_progname("dir/.elf", ".elf");
	expect_progname("a.elf", "a");
}

static void cmdline_progname_args_ignored(void **state)
{
	(void)state;
	expect_progname("prog a/b.elf c", "prog");
	expect_progname("dir/prog.elf   x=1 y/z", "prog");
}

static void cmdline_progname_trailing_slash(void **state)
{
	(void)state;
	expect_progname("dir/", "");
}

static void cmdline_progname_truncates(void **state)
{
	(void)state;
	char b[8];

	memset(b, SENTINEL, sizeof(b));
	cmdline_progname("build/user/hello.elf x=1", b, 4);
	assert_string_equal(b, "hel");
	assert_int_equal((unsigned char)b[4], SENTINEL);

	memset(b, SENTINEL, sizeof(b));
	cmdline_progname("build/user/hello.elf", b, 6);
	assert_string_equal(b, "hello");
	assert_int_equal((unsigned char)b[6], SENTINEL);
}

static void cmdline_progname_size_one(void **state)
{
	(void)state;
	char b[4];

	memset(b, SENTINEL, sizeof(b));
	cmdline_progname("hello.elf", b, 1);
	assert_int_equal(b[0], '\0');
	assert_int_equal((unsigned char)b[1], SENTINEL);
}

static void cmdline_progname_size_zero(void **state)
{
	(void)state;
	char b[4];

	memset(b, SENTINEL, sizeof(b));
	cmdline_progname("hello.elf", b, 0);
	for (size_t i = 0; i < sizeof(b); i++)
		assert_int_equal((unsigned char)b[i], SENTINEL);
}

static void cmdline_progname_empty(void **state)
{
	(void)state;
	expect_progname("", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cmdline_get_key_value),
		cmocka_unit_test(cmdline_get_bare_key),
		cmocka_unit_test(cmdline_get_missing_key),
		cmocka_unit_test(cmdline_get_key_prefix_of_word),
		cmocka_unit_test(cmdline_get_key_prefix_of_key),
		cmocka_unit_test(cmdline_get_word_prefix_of_key),
		cmocka_unit_test(cmdline_get_key_only_at_word_start),
		cmocka_unit_test(cmdline_get_first_occurrence_wins),
		cmocka_unit_test(cmdline_get_multiple_spaces),
		cmocka_unit_test(cmdline_get_leading_trailing_spaces),
		cmocka_unit_test(cmdline_get_empty_cmdline),
		cmocka_unit_test(cmdline_get_empty_value),
		cmocka_unit_test(cmdline_get_value_with_equals),
		cmocka_unit_test(cmdline_get_truncates),
		cmocka_unit_test(cmdline_get_exact_fit),
		cmocka_unit_test(cmdline_get_size_one),
		cmocka_unit_test(cmdline_get_size_zero),
		cmocka_unit_test(cmdline_get_null_val),
		cmocka_unit_test(cmdline_progname_path),
		cmocka_unit_test(cmdline_progname_no_slash),
		cmocka_unit_test(cmdline_progname_elf_only_at_end),
		cmocka_unit_test(cmdline_progname_exactly_elf),
		cmocka_unit_test(cmdline_progname_args_ignored),
		cmocka_unit_test(cmdline_progname_trailing_slash),
		cmocka_unit_test(cmdline_progname_truncates),
		cmocka_unit_test(cmdline_progname_size_one),
		cmocka_unit_test(cmdline_progname_size_zero),
		cmocka_unit_test(cmdline_progname_empty),
	};

	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
