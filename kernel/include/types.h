/*
 * types.h: the basic types of the kernel. Only the compiler's freestanding headers are
 * used, so the same code builds for the kernel and for host unit tests.
 */
#ifndef KERNEL_TYPES_H
#define KERNEL_TYPES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define noreturn    __attribute__((noreturn))
#define packed      __attribute__((packed))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define PAGE_SIZE  4096UL
#define PAGE_SHIFT 12
#define PAGE_DOWN(x) ((uint64_t)(x) & ~(uint64_t)(PAGE_SIZE - 1))
#define PAGE_UP(x)   PAGE_DOWN((uint64_t)(x) + PAGE_SIZE - 1)

#endif
