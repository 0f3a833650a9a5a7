/*
 * memops.h: the x86_64 bodies of memcpy and memset (lib/libcommon/string.c): the
 * string instructions, eight bytes at a time and then the last n mod 8 one at a time,
 * whatever the alignment (x86 reads and writes unaligned words; each step of a rep
 * string instruction counts as one instruction under -icount, so a byte loop costs
 * eight times a word loop: the network path copies frames at odd offsets). Zeroing
 * and copying whole frames is what retyping and the booter do most. The build picks
 * this directory by the include path (lib/libcommon/arch/$(ARCH)), as the kernel's
 * arch/.
 */
#ifndef COMMON_ARCH_MEMOPS_H
#define COMMON_ARCH_MEMOPS_H

#include <stddef.h>
#include <stdint.h>

/* Copies n bytes from src to dst, front to back (so also for dst < src when they
 * overlap: each word is read before the write that could reach it). */
static inline void arch_copy(void *dst, const void *src, size_t n)
{
	size_t q = n / 8, r = n % 8;

	__asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(q) :: "memory");
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(r) :: "memory");
}

/* Sets n bytes at dst to c. */
static inline void arch_fill(void *dst, int c, size_t n)
{
	size_t q = n / 8, r = n % 8;
	uint64_t v = 0x0101010101010101ULL * (unsigned char)c;

	__asm__ volatile("rep stosq" : "+D"(dst), "+c"(q) : "a"(v) : "memory");
	__asm__ volatile("rep stosb" : "+D"(dst), "+c"(r) : "a"(v) : "memory");
}

#endif
