/*
 * arch/cc.h: Cairn's compiler and platform definitions for lwIP (docs/network.md
 * "The port"): GCC on x86_64, little endian, freestanding. The C library headers
 * lwIP asks for that a freestanding compiler lacks are left out (no inttypes.h, no
 * ctype.h) or given by lib/liblwip/libc/ (string.h, stdlib.h). Diagnostics go to the
 * console; a failed assertion stops the component (its keeper, the booter, may
 * restart it).
 */
#ifndef CAIRN_LWIP_ARCH_CC_H
#define CAIRN_LWIP_ARCH_CC_H

#include <cairn/cairn.h>

#define BYTE_ORDER LITTLE_ENDIAN

#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H    1
#define LWIP_NO_LIMITS_H   1	/* GCC's asks for a C library's */
#define X8_F  "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "lu"

#define LWIP_PLATFORM_DIAG(x) do { cairn_printf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) do { \
		cairn_printf("lwip: assertion \"%s\" failed at %s:%d\n", x, __FILE__, __LINE__); \
		cairn_exit(1); \
	} while (0)

/* A random 32-bit word (lib/liblwip/sys_arch.c): local ports, ISNs. */
unsigned lwip_cairn_rand(void);
#define LWIP_RAND() ((u32_t)lwip_cairn_rand())

#endif
