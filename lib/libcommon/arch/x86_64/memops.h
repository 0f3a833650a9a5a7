/*
 * memops.h: the x86_64 bodies of memcpy and memset (lib/libcommon/string.c): the
 * string instructions, a word at a time when everything is 8-byte aligned. Zeroing and
 * copying whole frames is what retyping and the booter do most. The build picks this
 * directory by the include path (lib/libcommon/arch/$(ARCH)), as the kernel's arch/.
 */
#ifndef COMMON_ARCH_MEMOPS_H
#define COMMON_ARCH_MEMOPS_H

#include <stddef.h>
#include <stdint.h>

/* Copies n bytes from src to dst, front to back (so also for dst < src when they overlap). */
static inline void arch_copy(void *dst, const void *src, size_t n)
{
	if (((uintptr_t)dst | (uintptr_t)src | n) % 8 == 0) {
		size_t q = n / 8;
		__asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(q) :: "memory");
	} else {
		__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) :: "memory");
	}
}

/* Sets n bytes at dst to c. */
static inline void arch_fill(void *dst, int c, size_t n)
{
	if (((uintptr_t)dst | n) % 8 == 0) {
		size_t q = n / 8;
		uint64_t v = 0x0101010101010101ULL * (unsigned char)c;
		__asm__ volatile("rep stosq" : "+D"(dst), "+c"(q) : "a"(v) : "memory");
	} else {
		__asm__ volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(c) : "memory");
	}
}

#endif
