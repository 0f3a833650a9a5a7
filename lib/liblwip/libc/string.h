/*
 * string.h for lwIP (lib/liblwip): a freestanding compiler brings none. The functions
 * are libcommon's (include/common/string.h), which every program links.
 */
#ifndef CAIRN_LWIP_STRING_H
#define CAIRN_LWIP_STRING_H
#include <common/string.h>
#endif
