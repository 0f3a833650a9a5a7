/*
 * test_memops.c: host unit tests for lib/libcommon/arch/x86_64/memops.h, the bodies of
 * memcpy and memset the kernel and every user program use: every length from 0 to 72
 * at every alignment of source and destination, the bytes around left alone, and a
 * copy front to back over an overlap with the destination below the source (memmove's
 * forward case), against byte-by-byte references.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../../lib/libcommon/arch/x86_64/memops.h"

#define SPAN 128
#define MAXN 72

static void pattern(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed * 131 + i * 7 + 1);
}

static void copy_every_length_and_alignment(void **state)
{
	unsigned char src[SPAN], dst[SPAN], want[SPAN];

	(void)state;
	for (size_t n = 0; n <= MAXN; n++)
		for (size_t so = 0; so < 8; so++)
			for (size_t d = 0; d < 8; d++) {
				pattern(src, SPAN, 1);
				pattern(dst, SPAN, 2);
				memcpy(want, dst, SPAN);
				for (size_t i = 0; i < n; i++)
					want[d + i] = src[so + i];
				arch_copy(dst + d, src + so, n);
				assert_memory_equal(dst, want, SPAN);
			}
}

static void copy_forward_over_an_overlap(void **state)
{
	unsigned char buf[SPAN], want[SPAN];

	(void)state;
	for (size_t dist = 1; dist <= 17; dist++)
		for (size_t n = 0; n <= MAXN; n++)
			for (size_t d = 0; d < 8; d++) {
				pattern(buf, SPAN, 3);
				memcpy(want, buf, SPAN);
				for (size_t i = 0; i < n; i++)	/* front to back, as memmove for dst < src */
					want[d + i] = want[d + dist + i];
				arch_copy(buf + d, buf + d + dist, n);
				assert_memory_equal(buf, want, SPAN);
			}
}

static void fill_every_length_and_alignment(void **state)
{
	unsigned char dst[SPAN], want[SPAN];

	(void)state;
	for (size_t n = 0; n <= MAXN; n++)
		for (size_t d = 0; d < 8; d++)
			for (int c = 0; c < 512; c += 255) {	/* 0, 255, and 510: only its low byte counts */
				pattern(dst, SPAN, 4);
				memcpy(want, dst, SPAN);
				memset(want + d, (unsigned char)c, n);
				arch_fill(dst + d, c, n);
				assert_memory_equal(dst, want, SPAN);
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(copy_every_length_and_alignment),
		cmocka_unit_test(copy_forward_over_an_overlap),
		cmocka_unit_test(fill_every_length_and_alignment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
