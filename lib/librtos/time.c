/*
 * time.c: the RTOS API's time arithmetic (cairn/rtos.h). Pure but for the pointer
 * checks (check.h): tested on the host (tests/host/test_time.c, with a stand-in for
 * rtos_check_pages). A struct time is normalised (usec < 1,000,000); inputs that are
 * not are normalised first. On ERANGE or EFAULT the destination is left unchanged;
 * time_create given a pointer it may not write writes nothing.
 */
#include <cairn/rtos.h>
#include "check.h"

#define USEC_PER_SEC 1000000u

/* a's value as (sec, usec) with usec < 1e6; false if the carry overflows sec. */
static int normal(const struct time *a, uint64_t *sec, uint32_t *usec)
{
	uint64_t carry = a->usec / USEC_PER_SEC;

	if (a->sec > UINT64_MAX - carry)
		return 0;
	*sec = a->sec + carry;
	*usec = a->usec % USEC_PER_SEC;
	return 1;
}

void time_create(struct time *a, uint64_t sec, uint32_t usec)
{
	uint64_t carry = usec / USEC_PER_SEC;

	if (rtos_check_pages(a, sizeof(*a), 1))
		return;

	a->sec = sec > UINT64_MAX - carry ? UINT64_MAX : sec + carry;
	a->usec = sec > UINT64_MAX - carry ? USEC_PER_SEC - 1 : usec % USEC_PER_SEC;
}

/* EFAULT unless the caller may write *a and read *b. */
static int check(struct time *a, const struct time *b)
{
	return rtos_check_pages(a, sizeof(*a), 1) || rtos_check_pages(b, sizeof(*b), 0) ? EFAULT : 0;
}

int time_add(struct time *a, const struct time *b)
{
	uint64_t as, bs;
	uint32_t au, bu;

	if (check(a, b))
		return EFAULT;
	if (!normal(a, &as, &au) || !normal(b, &bs, &bu))
		return ERANGE;
	uint32_t u = au + bu;
	uint64_t carry = u >= USEC_PER_SEC;
	if (as > UINT64_MAX - bs || as + bs > UINT64_MAX - carry)
		return ERANGE;
	a->sec = as + bs + carry;
	a->usec = u - (carry ? USEC_PER_SEC : 0);
	return 0;
}

int time_sub(struct time *a, const struct time *b)
{
	uint64_t as, bs;
	uint32_t au, bu;

	if (check(a, b))
		return EFAULT;
	if (!normal(a, &as, &au) || !normal(b, &bs, &bu))
		return ERANGE;
	uint64_t borrow = au < bu;
	if (as < bs || as - bs < borrow)
		return ERANGE;		/* the result would be negative */
	a->sec = as - bs - borrow;
	a->usec = au + (borrow ? USEC_PER_SEC : 0) - bu;
	return 0;
}
