/*
 * common/cmdline.h: reading command lines (lib/libcommon/cmdline.c): words separated
 * by spaces, each "key=value" or a bare "key". Pure code: the kernel reads its boot
 * command line and module lines with it, user programs their module arguments
 * (cairn_root.args, cairn_module.args).
 */
#ifndef COMMON_CMDLINE_H
#define COMMON_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Finds the first word that is key or starts with "key=". Copies its value ("" for a
 * bare key) into val, truncated to size - 1 characters and NUL-terminated. Returns
 * true if the key is present. val may be NULL when only presence matters.
 */
bool cmdline_get(const char *cmdline, const char *key, char *val, size_t size);

/*
 * The program name of a module command line: the last path component of its first
 * word, without a trailing ".elf" ("build/user/hello.elf x=1" -> "hello"). Truncated
 * to size - 1 characters; "" for an empty command line.
 */
void cmdline_progname(const char *cmdline, char *name, size_t size);

#endif
