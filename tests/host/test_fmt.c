/*
 * test_fmt.c: host unit tests for lib/libcommon/fmt.c against the contract in common/fmt.h.
 *
 * Where fmt.h promises C behaviour, results are compared with the host's snprintf
 * over tables of formats and values; %p, "(null)" and unknown conversions, which fmt.h
 * defines on its own, are checked against literal strings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <common/fmt.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BUFSZ 512

/* Heap blocks of a test, freed by its teardown even when the test fails. */
static void *heap;

static int free_heap(void **state)
{
	(void)state;
	free(heap);
	heap = NULL;
	return 0;
}

/*
 * vsn: fmt_vsnprintf through "...", without a format attribute, so formats that C's
 * printf does not know (unknown conversions, %p rules) compile under -Werror.
 */
static int vsn(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return r;
}

/* Formats into a fresh buffer and checks both the text and the return value. */
#define CHECK_FMT(expect, ...)                                                  \
	do {                                                                    \
		char b_[BUFSZ];                                                 \
		int r_;                                                         \
		memset(b_, 0x5a, sizeof(b_));                                   \
		r_ = vsn(b_, sizeof(b_), __VA_ARGS__);                          \
		assert_string_equal(b_, (expect));                              \
		assert_int_equal(r_, (int)strlen(expect));                      \
	} while (0)

/* ---- comparison with the host's snprintf ---- */

enum argkind { A_INT, A_UINT, A_LONG, A_ULONG, A_LLONG, A_ULLONG, A_SIZE, A_PTRDIFF,
	       A_STR, A_STAR_INT, A_STAR_STR, A_STAR_STAR_STR, A_NONE };

struct row {
	const char *fmt;
	enum argkind kind;
	long long i;		/* signed values, and '*' values */
	unsigned long long u;	/* unsigned values */
	const char *s;
	int star2;		/* second '*' value */
};

#define RI(f, v)   { f, A_INT, (v), 0, NULL, 0 }
#define RU(f, v)   { f, A_UINT, 0, (v), NULL, 0 }
#define RL(f, v)   { f, A_LONG, (v), 0, NULL, 0 }
#define RUL(f, v)  { f, A_ULONG, 0, (v), NULL, 0 }
#define RLL(f, v)  { f, A_LLONG, (v), 0, NULL, 0 }
#define RULL(f, v) { f, A_ULLONG, 0, (v), NULL, 0 }
#define RZ(f, v)   { f, A_SIZE, 0, (v), NULL, 0 }
#define RZD(f, v)  { f, A_PTRDIFF, (v), 0, NULL, 0 }
#define RS(f, v)   { f, A_STR, 0, 0, (v), 0 }
#define RSI(f, w, v)  { f, A_STAR_INT, (w), 0, NULL, (v) }
#define RSS(f, w, v)  { f, A_STAR_STR, (w), 0, (v), 0 }
#define RSSS(f, w, p, v) { f, A_STAR_STAR_STR, (w), 0, (v), (p) }
#define RN(f)      { f, A_NONE, 0, 0, NULL, 0 }

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"
static int run_both(const struct row *r, char *mine, char *libc, size_t size, int *rl)
{
	int rm = 0;

	switch (r->kind) {
	case A_INT:
		rm = fmt_snprintf(mine, size, r->fmt, (int)r->i);
		*rl = snprintf(libc, size, r->fmt, (int)r->i);
		break;
	case A_UINT:
		rm = fmt_snprintf(mine, size, r->fmt, (unsigned)r->u);
		*rl = snprintf(libc, size, r->fmt, (unsigned)r->u);
		break;
	case A_LONG:
		rm = fmt_snprintf(mine, size, r->fmt, (long)r->i);
		*rl = snprintf(libc, size, r->fmt, (long)r->i);
		break;
	case A_ULONG:
		rm = fmt_snprintf(mine, size, r->fmt, (unsigned long)r->u);
		*rl = snprintf(libc, size, r->fmt, (unsigned long)r->u);
		break;
	case A_LLONG:
		rm = fmt_snprintf(mine, size, r->fmt, (long long)r->i);
		*rl = snprintf(libc, size, r->fmt, (long long)r->i);
		break;
	case A_ULLONG:
		rm = fmt_snprintf(mine, size, r->fmt, (unsigned long long)r->u);
		*rl = snprintf(libc, size, r->fmt, (unsigned long long)r->u);
		break;
	case A_SIZE:
		rm = fmt_snprintf(mine, size, r->fmt, (size_t)r->u);
		*rl = snprintf(libc, size, r->fmt, (size_t)r->u);
		break;
	case A_PTRDIFF:
		rm = fmt_snprintf(mine, size, r->fmt, (ptrdiff_t)r->i);
		*rl = snprintf(libc, size, r->fmt, (ptrdiff_t)r->i);
		break;
	case A_STR:
		rm = fmt_snprintf(mine, size, r->fmt, r->s);
		*rl = snprintf(libc, size, r->fmt, r->s);
		break;
	case A_STAR_INT:
		rm = fmt_snprintf(mine, size, r->fmt, (int)r->i, r->star2);
		*rl = snprintf(libc, size, r->fmt, (int)r->i, r->star2);
		break;
	case A_STAR_STR:
		rm = fmt_snprintf(mine, size, r->fmt, (int)r->i, r->s);
		*rl = snprintf(libc, size, r->fmt, (int)r->i, r->s);
		break;
	case A_STAR_STAR_STR:
		rm = fmt_snprintf(mine, size, r->fmt, (int)r->i, r->star2, r->s);
		*rl = snprintf(libc, size, r->fmt, (int)r->i, r->star2, r->s);
		break;
	case A_NONE:
		rm = fmt_snprintf(mine, size, r->fmt);
		*rl = snprintf(libc, size, r->fmt);
		break;
	}
	return rm;
}
#pragma GCC diagnostic pop

static void compare_table(const struct row *rows, size_t n)
{
	static const size_t sizes[] = { BUFSZ, 4, 1 };

	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
			char mine[BUFSZ], libc[BUFSZ];
			int rm, rl = 0;

			memset(mine, 0x5a, sizeof(mine));
			memset(libc, 0x5a, sizeof(libc));
			rm = run_both(&rows[i], mine, libc, sizes[k], &rl);
			if (rm != rl || memcmp(mine, libc, sizes[k]) != 0)
				print_error("format \"%s\" (row %zu, size %zu): got %d \"%.*s\", "
					    "libc %d \"%.*s\"\n", rows[i].fmt, i, sizes[k],
					    rm, (int)sizes[k], mine, rl, (int)sizes[k], libc);
			assert_int_equal(rm, rl);
			assert_memory_equal(mine, libc, sizes[k]);
			if (sizes[k] < BUFSZ)	/* nothing past size is touched */
				assert_int_equal((unsigned char)mine[sizes[k]], 0x5a);
		}
	}
}

static void fmt_libc_plain_text(void **state)
{
	(void)state;
	static const struct row rows[] = {
		RN(""), RN("hello"), RN("100%%"), RN("%%%%"), RN("a%%b"),
	};
	compare_table(rows, ARRAY_SIZE(rows));
}

static void fmt_libc_int(void **state)
{
	(void)state;
	static const struct row rows[] = {
		RI("%d", 0), RI("%d", 1), RI("%d", -1), RI("%d", 42), RI("%d", -42),
		RI("%d", INT_MAX), RI("%d", INT_MIN), RI("%i", -123456), RI("%i", INT_MIN),
		RI("[%5d]", 42), RI("[%5d]", -42), RI("[%-5d]", 42), RI("[%-5d]", -42),
		RI("[%05d]", 42), RI("[%05d]", -42), RI("[%05d]", 0), RI("[%1d]", 12345),
		RI("[%2d]", INT_MIN), RI("[%012d]", INT_MIN), RI("[%-012d]", 7),
		RI("[%200d]", -9), RI("[%-200d]", 9), RI("[%0200d]", -9),
		RI("x%dy%%", 5),
	};
	compare_table(rows, ARRAY_SIZE(rows));
}

static void fmt_libc_unsigned(void **state)
{
	(void)state;
	static const struct row rows[] = {
		RU("%u", 0), RU("%u", 1), RU("%u", UINT_MAX), RU("%u", (unsigned)-1),
		RU("%x", 0), RU("%x", 0xdeadbeef), RU("%X", 0xdeadbeef), RU("%x", UINT_MAX),
		RU("%X", 0xabcdef), RU("%o", 0), RU("%o", 8), RU("%o", UINT_MAX),
		RU("[%08x]", 0xbeef), RU("[%-8x]", 0xbeef), RU("[%8X]", 0xbeef),
		RU("[%012o]", 0777), RU("[%3u]", 123456), RU("[%010u]", UINT_MAX),
		RU("%#x", 0), RU("%#x", 0xbeef), RU("%#X", 0xbeef), RU("[%#10x]", 0xbeef),
		RU("[%-#10x]", 0xbeef), RU("[%#010x]", 0xbeef),
	};
	compare_table(rows, ARRAY_SIZE(rows));
}

static void fmt_libc_hh(void **state)
{
	(void)state;
	static const struct row rows[] = {
		RI("%hhd", 0), RI("%hhd", 127), RI("%hhd", 128), RI("%hhd", 200),
		RI("%hhd", 255), RI("%hhd", -1), RI("%hhd", -128), RI("%hhd", 0x1234),
		RI("%hhi", -129), RU("%hhu", (unsigned)-1), RU("%hhu", 256), RU("%hhu", 0x1ff),
		RU("%hhx", (unsigned)-1), RU("%hhX", 0xabc), RU("%hho", (unsigned)-1),
		RI("[%5hhd]", -1), RI("[%-5hhd]", 300), RU("[%04hhx]", 0x1f),
	};
	compare_table(rows, ARRAY_SIZE(rows));
}

static void fmt_libc_h(void **state)
{
	(void)state;
	static const struct row rows[] = {
		RI("%hd", 0), RI("%hd", 32767), RI("%hd", 32768), RI("%hd", 40000),
		RI("%hd", -1), RI("%hd", -32768), RI("%hd", 0x12345), RI("%hi", -32769),
		RU("%hu", (unsigned)-1), RU("%hu", 65536), RU("%hx", (unsigned)-1),
		RU("%hX", 0xabcde), RU("%ho", (unsigned)-1), RI("[%08hd]", -2),
	};
	compare_table(rows, ARRAY_SIZE(rows));
}

static void fmt_libc_l(void **state)
{
	(void)state;
	static const struct row rows[] = {
		RL("%ld", 0), RL("%ld", -1), RL("%ld", LONG_MAX), RL("%ld", LONG_MIN),
		RL("%li", LONG_MIN), RL("%ld", 4294967296L), RUL("%lu", ULONG_MAX),
		RUL("%lu", (unsigned long)-1), RUL("%lx", (unsigned long)-1),
		RUL("%lX", 0xfedcba9876543210UL), RUL("%lo", ULONG_MAX),
		RL("[%25ld]", LONG_MIN), RL("[%-25ld]", LONG_MIN), RL("[%025ld]", LONG_MIN),
		RUL("[%018lx]", 0xffffffffUL),
	};
	compare_table(rows, ARRAY_SIZE(rows));
}

static void fmt_libc_ll(void **state)
{
	(void)state;
	static const struct row rows[] = {
		RLL("%lld", 0), RLL("%lld", -1), RLL("%lld", INT64_MAX), RLL("%lld", INT64_MIN),
		RLL("%lli", INT64_MIN), RULL("%llu", UINT64_MAX),
		RULL("%llu", (unsigned long long)-1), RULL("%llx", UINT64_MAX),
		RULL("%llX", 0x0123456789abcdefULL), RULL("%llo", UINT64_MAX),
		RULL("%llx", 0x8000000000000000ULL), RULL("[%020llu]", 1),
		RLL("[%-22lld]", INT64_MIN), RLL("[%022lld]", INT64_MIN),
	};
	compare_table(rows, ARRAY_SIZE(rows));
}

static void fmt_libc_z(void **state)
{
	(void)state;
	static const struct row rows[] = {
		RZ("%zu", 0), RZ("%zu", SIZE_MAX), RZ("%zu", (size_t)-1), RZ("%zx", SIZE_MAX),
		RZ("%zX", 0xabcdef12345ULL), RZ("%zo", SIZE_MAX), RZ("[%10zu]", 4096),
		RZD("%zd", -1), RZD("%zd", PTRDIFF_MIN), RZD("%zd", PTRDIFF_MAX),
		RZD("%zi", -77),
	};
	compare_table(rows, ARRAY_SIZE(rows));
}

static void fmt_libc_char(void **state)
{
	(void)state;
	static const struct row rows[] = {
		RI("%c", 'A'), RI("%c", 'z'), RI("[%3c]", 'x'), RI("[%-3c]", 'x'),
		RI("[%1c]", '!'), RI("%c", 0x141), RI("<%c>", ' '),
	};
	compare_table(rows, ARRAY_SIZE(rows));
}

static void fmt_libc_string(void **state)
{
	(void)state;
	static const struct row rows[] = {
		RS("%s", "hello"), RS("%s", ""), RS("[%10s]", "hello"), RS("[%-10s]", "hello"),
		RS("[%2s]", "hello"), RS("%.3s", "hello"), RS("%.0s", "hello"),
		RS("%.10s", "hello"), RS("[%10.3s]", "hello"), RS("[%-10.3s]", "hello"),
		RS("[%.5s]", "hello"), RS("[%5s]", ""), RS("[%-200s]", "x"),
		RS("<%s>", "a%d b"),
	};
	compare_table(rows, ARRAY_SIZE(rows));
}

static void fmt_libc_star(void **state)
{
	(void)state;
	static const struct row rows[] = {
		RSI("[%*d]", 8, 42), RSI("[%*d]", 8, -42), RSI("[%-*d]", 8, 42),
		RSI("[%0*d]", 8, -42), RSI("[%*d]", 0, 42), RSI("[%*d]", 1, 12345),
		RSI("[%*x]", 6, 0xab), RSS("[%*s]", 7, "abc"), RSS("[%-*s]", 7, "abc"),
		RSS("[%.*s]", 2, "abc"), RSS("[%.*s]", 0, "abc"), RSS("[%.*s]", 9, "abc"),
		RSSS("[%*.*s]", 6, 2, "abcdef"), RSSS("[%-*.*s]", 6, 4, "abcdef"),
	};
	compare_table(rows, ARRAY_SIZE(rows));
}

/* ---- behaviour fmt.h defines itself ---- */

static void fmt_two_chars(void **state)
{
	(void)state;
	CHECK_FMT("ab", "%c%c", 'a', 'b');
}

static void fmt_char_nul_counts(void **state)
{
	char b[8];
	int r;

	(void)state;
	memset(b, 0x5a, sizeof(b));
	r = fmt_snprintf(b, sizeof(b), "a%cb", 0);
	assert_int_equal(r, 3);
	assert_int_equal(b[0], 'a');
	assert_int_equal(b[1], '\0');
	assert_int_equal(b[2], 'b');
	assert_int_equal(b[3], '\0');
}

static void fmt_percent_literal(void **state)
{
	(void)state;
	CHECK_FMT("%", "%%");
	CHECK_FMT("50% off", "50%% off");
}

static void fmt_string_null(void **state)
{
	(void)state;
	CHECK_FMT("(null)", "%s", (const char *)NULL);
	CHECK_FMT("[(null)]", "[%s]", (const char *)NULL);
}

static void fmt_string_null_width(void **state)
{
	(void)state;
	CHECK_FMT("  (null)", "%8s", (const char *)NULL);
	CHECK_FMT("(null)  |", "%-8s|", (const char *)NULL);
}

static void fmt_string_precision_unterminated(void **state)
{
	/* Precision bounds the read: the array has no NUL (ASan checks the read). */
	char *p = heap = malloc(3);

	(void)state;
	assert_non_null(p);
	memcpy(p, "abc", 3);
	CHECK_FMT("abc", "%.3s", p);
	CHECK_FMT("ab", "%.2s", p);
	CHECK_FMT("[  abc]", "[%5.3s]", p);
	CHECK_FMT("ab", "%.*s", 2, p);
}

static void fmt_pointer_null(void **state)
{
	(void)state;
	CHECK_FMT("0x0", "%p", (void *)NULL);
}

static void fmt_pointer_small(void **state)
{
	(void)state;
	CHECK_FMT("0x1", "%p", (void *)(uintptr_t)1);
	CHECK_FMT("0xf", "%p", (void *)(uintptr_t)0xf);
	CHECK_FMT("0x1000", "%p", (void *)(uintptr_t)0x1000);
}

static void fmt_pointer_lowercase(void **state)
{
	(void)state;
	CHECK_FMT("0xdeadbeef", "%p", (void *)(uintptr_t)0xdeadbeefu);
	CHECK_FMT("0xabcdef0123", "%p", (void *)(uintptr_t)0xABCDEF0123ull);
}

static void fmt_pointer_max(void **state)
{
	(void)state;
	CHECK_FMT("0xffffffffffffffff", "%p", (void *)UINTPTR_MAX);
	CHECK_FMT("0xffff800000000000", "%p", (void *)(uintptr_t)0xffff800000000000ull);
}

static void fmt_pointer_in_text(void **state)
{
	(void)state;
	CHECK_FMT("at 0x10 and 0x0.", "at %p and %p.", (void *)(uintptr_t)0x10, (void *)NULL);
}

static void fmt_unknown_conversion(void **state)
{
	(void)state;
	CHECK_FMT("%q", "%q");
	CHECK_FMT("a%yb", "a%yb");
	CHECK_FMT("%k%w", "%k%w");
}

static void fmt_unknown_conversion_takes_no_arg(void **state)
{
	(void)state;
	CHECK_FMT("%q5", "%q%d", 5);
	CHECK_FMT("%k-abc", "%k-%s", "abc");
}

static void fmt_trailing_percent_stays_in_bounds(void **state)
{
	/* A lone '%' at the end: the NUL must end the format (ASan checks the read). */
	static const char text[] = "abc%";
	char *f = heap = malloc(sizeof(text));
	char b[16];
	int r;

	(void)state;
	assert_non_null(f);
	memcpy(f, text, sizeof(text));
	memset(b, 0x5a, sizeof(b));
	r = vsn(b, sizeof(b), f);
	assert_true(r >= 3 && r < (int)sizeof(b));
	assert_int_equal((int)strlen(b), r);
	assert_memory_equal(b, "abc", 3);
}

/* ---- fmt_vsnprintf truncation ---- */

static void fmt_size_zero_writes_nothing(void **state)
{
	char b[8];

	(void)state;
	memset(b, 0x5a, sizeof(b));
	assert_int_equal(fmt_snprintf(b, 0, "hello %d", 12345), 11);
	for (size_t i = 0; i < sizeof(b); i++)
		assert_int_equal((unsigned char)b[i], 0x5a);
}

static void fmt_size_zero_null_buffer(void **state)
{
	(void)state;
	assert_int_equal(fmt_snprintf(NULL, 0, "%s-%d", "abc", -7), 6);
	assert_int_equal(vsn(NULL, 0, ""), 0);
}

static void fmt_size_one_writes_nul(void **state)
{
	char b[8];

	(void)state;
	memset(b, 0x5a, sizeof(b));
	assert_int_equal(fmt_snprintf(b, 1, "hello"), 5);
	assert_int_equal(b[0], '\0');
	for (size_t i = 1; i < sizeof(b); i++)
		assert_int_equal((unsigned char)b[i], 0x5a);
}

static void fmt_exact_fit(void **state)
{
	char b[8];

	(void)state;
	memset(b, 0x5a, sizeof(b));
	assert_int_equal(fmt_snprintf(b, 6, "%s", "hello"), 5);
	assert_string_equal(b, "hello");
	assert_int_equal((unsigned char)b[6], 0x5a);
}

static void fmt_one_short(void **state)
{
	char b[8];

	(void)state;
	memset(b, 0x5a, sizeof(b));
	assert_int_equal(fmt_snprintf(b, 5, "%s", "hello"), 5);
	assert_string_equal(b, "hell");
	assert_int_equal((unsigned char)b[5], 0x5a);
}

static void fmt_truncate_middle_of_number(void **state)
{
	char b[8];

	(void)state;
	memset(b, 0x5a, sizeof(b));
	assert_int_equal(fmt_snprintf(b, 4, "%08d", 42), 8);
	assert_string_equal(b, "000");
	assert_int_equal((unsigned char)b[4], 0x5a);
	assert_int_equal(fmt_snprintf(b, 3, "%d", INT_MIN), 11);
	assert_string_equal(b, "-2");
}

static void fmt_truncate_long_output(void **state)
{
	/* Output far longer than the buffer: the return value is the full length. */
	char *b = heap = malloc(16);

	(void)state;
	assert_non_null(b);
	assert_int_equal(fmt_snprintf(b, 16, "%-300s|%400d", "x", 1), 701);
	assert_int_equal(strlen(b), 15);
	assert_int_equal(b[0], 'x');
	for (int i = 1; i < 15; i++)
		assert_int_equal(b[i], ' ');
}

static void fmt_return_empty(void **state)
{
	char b[4] = "zzz";

	(void)state;
	assert_int_equal(fmt_snprintf(b, sizeof(b), "%s", ""), 0);
	assert_int_equal(b[0], '\0');
}

static void fmt_vsnprintf_direct(void **state)
{
	char b[32];

	(void)state;
	assert_int_equal(vsn(b, sizeof(b), "%s=%x", "v", 255u), 4);
	assert_string_equal(b, "v=ff");
}

/* ---- fmt_format with a sink ---- */

struct counter {
	int calls;
	char text[2048];
};

static void count_sink(void *ctx, char c)
{
	struct counter *k = ctx;

	if (k->calls < (int)sizeof(k->text))
		k->text[k->calls] = c;
	k->calls++;
}

static int fmt_to_counter(struct counter *k, const char *fmt, ...)
{
	va_list ap;
	int r;

	memset(k, 0, sizeof(*k));
	va_start(ap, fmt);
	r = fmt_format(count_sink, k, fmt, ap);
	va_end(ap);
	return r;
}

static void fmt_format_counts(void **state)
{
	struct counter k;

	(void)state;
	assert_int_equal(fmt_to_counter(&k, "n=%d s=%s p=%p", -5, "ok", (void *)NULL), 15);
	assert_int_equal(k.calls, 15);
	assert_memory_equal(k.text, "n=-5 s=ok p=0x0", 15);
}

static void fmt_format_empty(void **state)
{
	struct counter k;

	(void)state;
	assert_int_equal(fmt_to_counter(&k, ""), 0);
	assert_int_equal(k.calls, 0);
}

static void fmt_format_no_nul_emitted(void **state)
{
	struct counter k;

	(void)state;
	assert_int_equal(fmt_to_counter(&k, "abc"), 3);
	assert_int_equal(k.calls, 3);
	assert_memory_equal(k.text, "abc", 3);
}

static void fmt_format_wide(void **state)
{
	/* Widths beyond any internal buffer still reach the sink in full. */
	struct counter k;

	(void)state;
	assert_int_equal(fmt_to_counter(&k, "%1000d", 7), 1000);
	assert_int_equal(k.calls, 1000);
	for (int i = 0; i < 999; i++)
		assert_int_equal(k.text[i], ' ');
	assert_int_equal(k.text[999], '7');
}

static void fmt_format_char_nul(void **state)
{
	struct counter k;

	(void)state;
	assert_int_equal(fmt_to_counter(&k, "%c", 0), 1);
	assert_int_equal(k.calls, 1);
	assert_int_equal(k.text[0], '\0');
}

static void fmt_format_matches_snprintf(void **state)
{
	struct counter k;
	char b[128];
	int r;

	(void)state;
	r = fmt_snprintf(b, sizeof(b), "[%-6s|%06x|%lld|%hhu]", "ab", 0xbeefu,
			 (long long)INT64_MIN, (unsigned char)255);
	assert_int_equal(fmt_to_counter(&k, "[%-6s|%06x|%lld|%hhu]", "ab", 0xbeefu,
					 (long long)INT64_MIN, (unsigned char)255), r);
	assert_int_equal(k.calls, r);
	assert_memory_equal(k.text, b, (size_t)r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fmt_libc_plain_text),
		cmocka_unit_test(fmt_libc_int),
		cmocka_unit_test(fmt_libc_unsigned),
		cmocka_unit_test(fmt_libc_hh),
		cmocka_unit_test(fmt_libc_h),
		cmocka_unit_test(fmt_libc_l),
		cmocka_unit_test(fmt_libc_ll),
		cmocka_unit_test(fmt_libc_z),
		cmocka_unit_test(fmt_libc_char),
		cmocka_unit_test(fmt_libc_string),
		cmocka_unit_test(fmt_libc_star),
		cmocka_unit_test(fmt_two_chars),
		cmocka_unit_test(fmt_char_nul_counts),
		cmocka_unit_test(fmt_percent_literal),
		cmocka_unit_test(fmt_string_null),
		cmocka_unit_test(fmt_string_null_width),
		cmocka_unit_test(fmt_pointer_null),
		cmocka_unit_test(fmt_pointer_small),
		cmocka_unit_test(fmt_pointer_lowercase),
		cmocka_unit_test(fmt_pointer_max),
		cmocka_unit_test(fmt_pointer_in_text),
		cmocka_unit_test(fmt_unknown_conversion),
		cmocka_unit_test(fmt_unknown_conversion_takes_no_arg),
		cmocka_unit_test(fmt_size_zero_writes_nothing),
		cmocka_unit_test(fmt_size_zero_null_buffer),
		cmocka_unit_test(fmt_size_one_writes_nul),
		cmocka_unit_test(fmt_exact_fit),
		cmocka_unit_test(fmt_one_short),
		cmocka_unit_test(fmt_truncate_middle_of_number),
		cmocka_unit_test_teardown(fmt_truncate_long_output, free_heap),
		cmocka_unit_test(fmt_return_empty),
		cmocka_unit_test(fmt_vsnprintf_direct),
		cmocka_unit_test(fmt_format_counts),
		cmocka_unit_test(fmt_format_empty),
		cmocka_unit_test(fmt_format_no_nul_emitted),
		cmocka_unit_test(fmt_format_wide),
		cmocka_unit_test(fmt_format_char_nul),
		cmocka_unit_test(fmt_format_matches_snprintf),
		/* Last: an ASan report ends the program, so these must not hide the others. */
		cmocka_unit_test_teardown(fmt_trailing_percent_stays_in_bounds, free_heap),
		cmocka_unit_test_teardown(fmt_string_precision_unterminated, free_heap),
	};

	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
