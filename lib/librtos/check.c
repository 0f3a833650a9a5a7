/*
 * check.c: the pointer checks every librtos call makes at its entry (check.h), and
 * the copy of a name into the calling thread's msg that the calls taking a channel or
 * region name share.
 */
#include "call.h"

#define PAGE RTOS_CHECK_PAGE

int rtos_probing;

/* rtos_probe where it can fault safely; elsewhere 0 (check.h). */
static long touch(uint64_t a, int write)
{
	return rtos_probing ? rtos_probe((const void *)a, write) : 0;
}

int rtos_check_pages(const void *p, size_t len, int write)
{
	uint64_t a = (uint64_t)p;

	if (!rtos_user_range(a, len))
		return EFAULT;
	for (uint64_t page = a & ~(PAGE - 1); page < a + len; page += PAGE)
		if (touch(page < a ? a : page, write))
			return EFAULT;
	return 0;
}

int rtos_check_array(const void *p, size_t n, size_t size, int write)
{
	if (!n)
		return 0;
	if (n > SIZE_MAX / size)
		return EFAULT;
	return rtos_check_pages(p, n * size, write);
}

/* Whether the caller may read byte a + n, probing its page if n starts one (or is 0). */
static int enter(uint64_t a, size_t n)
{
	if (n && (a + n) % PAGE)
		return 1;	/* a page already probed */
	return rtos_user_range(a + n, 1) && !touch(a + n, 0);
}

long rtos_str_copy(char *dst, const char *s, size_t cap)
{
	uint64_t a = (uint64_t)s;

	for (size_t n = 0; n < cap; n++) {
		if (!enter(a, n))
			return EFAULT;
		if (!(dst[n] = s[n]))
			return (long)n;
	}
	return EINVAL;
}

long rtos_str_len(const char *s)
{
	uint64_t a = (uint64_t)s;
	size_t n = 0;

	for (; enter(a, n); n++)
		if (!s[n])
			return (long)n;
	return EFAULT;
}

int rtos_msg_name(const char *name)
{
	return (int)rtos_str_copy(rtos_tls()->msg, name, RTOS_NAME_MAX);
}
