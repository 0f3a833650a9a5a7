/*
 * test_args.c: a component's arguments (lib/libcairn/args.c, contract in cairn/root.h):
 * cairn_arg's values, bare keys, absent keys, keys that are prefixes of others, a
 * buffer one byte short, a field without a NUL; cairn_args_known's unknown, repeated
 * and keyless words. Each Root sits in a heap buffer of exactly its size, and each
 * output buffer is filled with a sentinel, so AddressSanitizer and the checks catch a
 * read past the field or a write past the value's NUL.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <cairn/abi.h>
#include <cairn/root.h>

#define SENTINEL 0x5a

static struct cairn_root *root_of(const char *args)
{
	struct cairn_root *rt = calloc(1, sizeof(*rt));

	assert_non_null(rt);
	assert_true(strlen(args) < sizeof(rt->args));
	strcpy(rt->args, args);
	return rt;
}

/* cairn_arg(key) is want, written with its NUL and nothing after. */
static void want_value(const char *args, const char *key, const char *want)
{
	struct cairn_root *rt = root_of(args);
	char b[CAIRN_MODULE_ARGS_MAX + 8];

	memset(b, SENTINEL, sizeof(b));
	assert_int_equal(cairn_arg(rt, key, b, sizeof(b)), strlen(want));
	assert_string_equal(b, want);
	for (size_t i = strlen(want) + 1; i < sizeof(b); i++)
		assert_int_equal((unsigned char)b[i], SENTINEL);
	/* the exact size fits; one byte less is CAIRN_ERANGE and leaves b alone */
	memset(b, SENTINEL, sizeof(b));
	assert_int_equal(cairn_arg(rt, key, b, strlen(want) + 1), strlen(want));
	memset(b, SENTINEL, sizeof(b));
	assert_int_equal(cairn_arg(rt, key, b, strlen(want)), CAIRN_ERANGE);
	for (size_t i = 0; i < sizeof(b); i++)
		assert_int_equal((unsigned char)b[i], SENTINEL);
	free(rt);
}

static void want_absent(const char *args, const char *key)
{
	struct cairn_root *rt = root_of(args);
	char b[8];

	memset(b, SENTINEL, sizeof(b));
	assert_int_equal(cairn_arg(rt, key, b, sizeof(b)), CAIRN_ENOENT);
	assert_int_equal((unsigned char)b[0], SENTINEL);
	free(rt);
}

static void test_values(void **state)
{
	(void)state;
	want_value("address=10.0.2.15/24 gateway=10.0.2.2", "address", "10.0.2.15/24");
	want_value("address=10.0.2.15/24 gateway=10.0.2.2", "gateway", "10.0.2.2");
	want_value("  a=1   b=2  ", "b", "2");
	want_value("x=a=b", "x", "a=b");		/* the first '=' splits */
	want_value("k=1 k=2", "k", "1");		/* the first word wins */
	want_value("empty= z=1", "empty", "");
}

static void test_bare(void **state)
{
	(void)state;
	want_value("dhcp", "dhcp", "");
	want_value("verbose dhcp", "dhcp", "");
}

static void test_absent(void **state)
{
	(void)state;
	want_absent("", "dhcp");
	want_absent("   ", "dhcp");
	want_absent("dhcpx address=1", "dhcp");	/* a longer key is another key */
	want_absent("dh", "dhcp");			/* so is a shorter one */
	want_absent("addr=1 xaddress=2", "address");
	want_absent("a=address", "address");		/* values are not keys */
}

/* cairn_arg_flag: a bare word (or "key="), not a key with a value, not a longer key. */
static void test_flag(void **state)
{
	(void)state;
	struct cairn_root *rt = root_of("ktest q35 vtd= cpu=1 spinx");

	assert_int_equal(cairn_arg_flag(rt, "q35"), 1);
	assert_int_equal(cairn_arg_flag(rt, "ktest"), 1);
	assert_int_equal(cairn_arg_flag(rt, "vtd"), 1);
	assert_int_equal(cairn_arg_flag(rt, "cpu"), 0);	/* has a value */
	assert_int_equal(cairn_arg_flag(rt, "spin"), 0);	/* only a longer word */
	assert_int_equal(cairn_arg_flag(rt, "gp"), 0);
	memset(rt->args, 'a', sizeof(rt->args));		/* no NUL */
	assert_int_equal(cairn_arg_flag(rt, "a"), 0);
	free(rt);
}

/* A value needs room for its NUL: size 0 holds none, size 1 a bare key's; an empty key
 * is no key. */
static void test_sizes(void **state)
{
	struct cairn_root *rt = root_of("dhcp n=12345");
	char b[1] = { SENTINEL };

	(void)state;
	assert_int_equal(cairn_arg(rt, "n", 0, 0), CAIRN_ERANGE);
	assert_int_equal(cairn_arg(rt, "dhcp", 0, 0), CAIRN_ERANGE);
	assert_int_equal(cairn_arg(rt, "dhcp", b, 1), 0);
	assert_int_equal(b[0], 0);
	assert_int_equal(cairn_arg(rt, "", b, 1), CAIRN_EINVAL);
	free(rt);
}

/* The longest args the field holds, and a field with no NUL: never read past. */
static void test_field_bounds(void **state)
{
	struct cairn_root *rt = calloc(1, sizeof(*rt));
	char b[CAIRN_MODULE_ARGS_MAX];
	const char *known[] = { "k" };

	(void)state;
	assert_non_null(rt);
	memset(rt->args, 'v', sizeof(rt->args) - 1);
	memcpy(rt->args, "k=", 2);
	assert_int_equal(cairn_arg(rt, "k", b, sizeof(b)), CAIRN_MODULE_ARGS_MAX - 3);
	assert_int_equal(cairn_args_known(rt, known, 1, 0, 0), 0);
	rt->args[CAIRN_MODULE_ARGS_MAX - 1] = 'v';	/* no NUL in the field */
	assert_int_equal(cairn_arg(rt, "k", b, sizeof(b)), CAIRN_EINVAL);
	assert_int_equal(cairn_args_known(rt, known, 1, 0, 0), CAIRN_EINVAL);
	free(rt);
}

/* cairn_args_known(args) with the keys address, gateway, dhcp: want, and the word. */
/* cairn_arg_u64(key) on args returns want, and *v is then value (or untouched: 77). */
static void want_u64(const char *args, const char *key, long want, uint64_t value)
{
	struct cairn_root *rt = root_of(args);
	uint64_t v = 77;

	assert_int_equal(cairn_arg_u64(rt, key, &v), want);
	assert_int_equal(v, want ? 77 : value);
	free(rt);
}

static void test_u64(void **state)
{
	(void)state;
	want_u64("every_ms=200 rounds=3", "every_ms", 0, 200);
	want_u64("every_ms=200 rounds=3", "rounds", 0, 3);
	want_u64("n=0", "n", 0, 0);
	want_u64("n=007", "n", 0, 7);
	want_u64("n=9999999999999999999", "n", 0, 9999999999999999999ULL);	/* 19 digits: the most */
	want_u64("n=10000000000000000000", "n", CAIRN_EINVAL, 0);		/* 20: refused, not wrapped */
	want_u64("n=", "n", CAIRN_EINVAL, 0);
	want_u64("n", "n", CAIRN_EINVAL, 0);
	want_u64("n=12x", "n", CAIRN_EINVAL, 0);
	want_u64("n=-1", "n", CAIRN_EINVAL, 0);
	want_u64("n=+1", "n", CAIRN_EINVAL, 0);
	want_u64("m=1", "n", CAIRN_ENOENT, 0);
	want_u64("", "n", CAIRN_ENOENT, 0);
}

static void want_known(const char *args, long want, const char *word)
{
	static const char *const known[] = { "address", "gateway", "dhcp" };
	struct cairn_root *rt = root_of(args);
	char bad[16];

	memset(bad, SENTINEL, sizeof(bad));
	assert_int_equal(cairn_args_known(rt, known, 3, bad, sizeof(bad)), want);
	if (word)
		assert_string_equal(bad, word);
	else
		assert_int_equal((unsigned char)bad[0], SENTINEL);
	free(rt);
}

static void test_known(void **state)
{
	(void)state;
	want_known("", 0, 0);
	want_known("dhcp", 0, 0);
	want_known("address=1 gateway=2", 0, 0);
	want_known("adress=1", CAIRN_EINVAL, "adress=1");
	want_known("dhcp averyveryverylongkey=1", CAIRN_EINVAL, "averyveryverylo");	/* cut to bad's size */
	want_known("dhcp x", CAIRN_EINVAL, "x");
	want_known("dhcp=yes dhcp", CAIRN_EINVAL, "dhcp");	/* the second of a key */
	want_known("address=1 =2", CAIRN_EINVAL, "=2");	/* no key */
	want_known("gateway gatewayx", CAIRN_EINVAL, "gatewayx");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_bare),
		cmocka_unit_test(test_flag),
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_field_bounds),
		cmocka_unit_test(test_known),
		cmocka_unit_test(test_u64),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
