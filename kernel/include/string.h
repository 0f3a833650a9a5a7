/*
 * string.h: the few C string and memory functions the kernel uses. The compiler may
 * also emit calls to memcpy, memset and memmove on its own.
 */
#ifndef KERNEL_STRING_H
#define KERNEL_STRING_H

#include "types.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);

#endif
