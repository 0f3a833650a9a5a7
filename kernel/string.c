/*
 * string.c: memory and string functions for the kernel. memcpy and memset use the
 * string instructions (a word at a time when everything is 8-byte aligned): zeroing
 * and copying whole frames is what retyping and the booter do most.
 */
#include "string.h"

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;

	if (((uintptr_t)dst | (uintptr_t)src | n) % 8 == 0) {
		size_t q = n / 8;
		__asm__ volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(q) :: "memory");
	} else {
		__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) :: "memory");
	}
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	char *d = dst;
	const char *s = src;

	if (d < s)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;

	if (((uintptr_t)dst | n) % 8 == 0) {
		size_t q = n / 8;
		uint64_t v = 0x0101010101010101ULL * (unsigned char)c;
		__asm__ volatile("rep stosq" : "+D"(d), "+c"(q) : "a"(v) : "memory");
	} else {
		__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	}
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			break;
	}
	return 0;
}
