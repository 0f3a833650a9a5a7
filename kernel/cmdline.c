/*
 * cmdline.c: boot command line parsing (contract in cmdline.h).
 */
#include "cmdline.h"

static size_t word_len(const char *s)
{
	size_t n = 0;

	while (s[n] && s[n] != ' ')
		n++;
	return n;
}

static void copy_out(char *dst, size_t size, const char *src, size_t n)
{
	if (!dst || !size)
		return;
	if (n > size - 1)
		n = size - 1;
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i];
	dst[n] = '\0';
}

bool cmdline_get(const char *cmdline, const char *key, char *val, size_t size)
{
	size_t klen = 0;

	while (key[klen])
		klen++;
	for (const char *w = cmdline; *w;) {
		size_t n = word_len(w);
		bool match = n >= klen;
		for (size_t i = 0; match && i < klen; i++)
			match = w[i] == key[i];
		if (match && n == klen) {
			copy_out(val, size, "", 0);
			return true;
		}
		if (match && w[klen] == '=') {
			copy_out(val, size, w + klen + 1, n - klen - 1);
			return true;
		}
		w += n;
		while (*w == ' ')
			w++;
	}
	return false;
}

bool cmdline_get_u64(const char *cmdline, const char *key, uint64_t *out)
{
	char buf[24];
	uint64_t v = 0;

	if (!cmdline_get(cmdline, key, buf, sizeof(buf)) || !buf[0])
		return false;
	for (const char *p = buf; *p; p++) {
		if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	return true;
}

void cmdline_progname(const char *cmdline, char *name, size_t size)
{
	size_t n = word_len(cmdline), start = 0;

	for (size_t i = 0; i < n; i++)
		if (cmdline[i] == '/')
			start = i + 1;
	if (n - start > 4 && cmdline[n - 4] == '.' && cmdline[n - 3] == 'e' &&
	    cmdline[n - 2] == 'l' && cmdline[n - 1] == 'f')
		n -= 4;
	copy_out(name, size, cmdline + start, n - start);
}

bool cmdline_list_has(const char *list, const char *word)
{
	size_t wlen = 0;

	while (word[wlen])
		wlen++;
	for (const char *p = list; *p;) {
		size_t n = 0;
		while (p[n] && p[n] != ',')
			n++;
		bool match = n == wlen;
		for (size_t i = 0; match && i < n; i++)
			match = p[i] == word[i];
		if (match)
			return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}
