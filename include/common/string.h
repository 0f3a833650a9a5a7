/*
 * common/string.h: the few C string and memory functions the kernel and user code use
 * (lib/libcommon/string.c). The compiler may also emit calls to memcpy, memset and
 * memmove on its own.
 */
#ifndef COMMON_STRING_H
#define COMMON_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);

#endif
