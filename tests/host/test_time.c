/*
 * test_time.c: the RTOS API's time arithmetic (lib/librtos/time.c): normalising,
 * carries and borrows, ERANGE at both ends leaving the destination unchanged, and
 * EFAULT (nothing written) for a pointer librtos's check refuses: a stand-in for
 * that check (lib/librtos/check.h) refuses NULL and one object, `refused`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cairn/rtos.h>
#include "../../lib/librtos/check.h"

static struct time refused = { 7, 8 };

int rtos_check_pages(const void *p, size_t len, int write)
{
	(void)write;
	return !p || (p < (const void *)(&refused + 1) && (const char *)p + len > (const char *)&refused) ? EFAULT : 0;
}

static void check(const struct time *t, uint64_t sec, uint32_t usec)
{
	assert_int_equal(t->sec, sec);
	assert_int_equal(t->usec, usec);
}

static void create_normalises(void **state)
{
	(void)state;
	struct time t;

	time_create(&t, 1, 2);
	check(&t, 1, 2);
	time_create(&t, 1, 2500000);
	check(&t, 3, 500000);
	time_create(&t, UINT64_MAX, 1000000);	/* saturates rather than wrapping */
	check(&t, UINT64_MAX, 999999);
}

static void add_carries(void **state)
{
	(void)state;
	struct time a = { 1, 600000 }, b = { 2, 500000 };

	assert_int_equal(time_add(&a, &b), 0);
	check(&a, 4, 100000);
	struct time c = { 0, 999999 }, d = { 0, 1 };
	assert_int_equal(time_add(&c, &d), 0);
	check(&c, 1, 0);
	struct time e = { 5, 3000000 }, f = { 0, 0 };	/* unnormalised input */
	assert_int_equal(time_add(&e, &f), 0);
	check(&e, 8, 0);
}

static void add_overflow_is_erange(void **state)
{
	(void)state;
	struct time a = { UINT64_MAX, 500000 }, b = { 0, 500000 };

	assert_int_equal(time_add(&a, &b), ERANGE);
	check(&a, UINT64_MAX, 500000);
	struct time c = { UINT64_MAX - 1, 0 }, d = { 2, 0 };
	assert_int_equal(time_add(&c, &d), ERANGE);
	check(&c, UINT64_MAX - 1, 0);
	struct time e = { UINT64_MAX, 999999 }, f = { 0, 0 };
	assert_int_equal(time_add(&e, &f), 0);
	check(&e, UINT64_MAX, 999999);
}

static void sub_borrows(void **state)
{
	(void)state;
	struct time a = { 4, 100000 }, b = { 1, 600000 };

	assert_int_equal(time_sub(&a, &b), 0);
	check(&a, 2, 500000);
	struct time c = { 3, 5 }, d = { 3, 5 };
	assert_int_equal(time_sub(&c, &d), 0);
	check(&c, 0, 0);
}

static void sub_negative_is_erange(void **state)
{
	(void)state;
	struct time a = { 1, 0 }, b = { 1, 1 };

	assert_int_equal(time_sub(&a, &b), ERANGE);
	check(&a, 1, 0);
	struct time c = { 0, 5 }, d = { 1, 0 };
	assert_int_equal(time_sub(&c, &d), ERANGE);
	check(&c, 0, 5);
}

static void bad_pointer_is_efault(void **state)
{
	(void)state;
	struct time a = { 1, 0 }, b = { 2, 0 };

	assert_int_equal(time_add(&refused, &b), EFAULT);
	assert_int_equal(time_add(&a, &refused), EFAULT);
	assert_int_equal(time_add(0, &b), EFAULT);
	assert_int_equal(time_add(&a, 0), EFAULT);
	assert_int_equal(time_sub(&refused, &a), EFAULT);
	assert_int_equal(time_sub(&b, &refused), EFAULT);
	assert_int_equal(time_sub(&b, 0), EFAULT);
	check(&a, 1, 0);
	check(&b, 2, 0);
	time_create(&refused, 1, 2);
	time_create(0, 1, 2);
	check(&refused, 7, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(create_normalises),
		cmocka_unit_test(add_carries),
		cmocka_unit_test(add_overflow_is_erange),
		cmocka_unit_test(sub_borrows),
		cmocka_unit_test(sub_negative_is_erange),
		cmocka_unit_test(bad_pointer_is_efault),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
