/*
 * cairn/logprint.h: printf to the system's log interface (interfaces/log.toml) for a
 * component that imports "log": the text goes 32 bytes per call, in registers.
 */
#ifndef CAIRN_LOGPRINT_H
#define CAIRN_LOGPRINT_H

#include <iface/log.h>
#include "../common/fmt.h"

/* Formats like cairn_printf (at most 256 bytes) and writes it to the log. */
static inline __attribute__((format(printf, 1, 2))) long log_printf(const char *fmt, ...)
{
	char buf[256 + 32] = { 0 };
	va_list ap;

	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, 256, fmt, ap);
	va_end(ap);
	if (n > 255)
		n = 255;
	for (int i = 0; i < n; i += 32) {
		cairn_word w[4];
		memcpy(w, buf + i, sizeof(w));
		long r = log_write(w[0], w[1], w[2], w[3]);
		if (r < 0)
			return r;
	}
	return n;
}

#endif
