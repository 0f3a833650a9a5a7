/*
 * cmdline.c: command-line parsing (contract in common/cmdline.h).
 */
#include <common/cmdline.h>

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

/* Finds key's word; sets *val and *len to its value (empty for a bare key). */
static bool find(const char *cmdline, const char *key, const char **val, size_t *len)
{
	size_t klen = 0;

	while (key[klen])
		klen++;
	for (const char *w = cmdline; *w;) {
		size_t n = word_len(w);
		bool match = n >= klen;
		for (size_t i = 0; match && i < klen; i++)
			match = w[i] == key[i];
		if (match && (n == klen || w[klen] == '=')) {
			*val = n == klen ? w + n : w + klen + 1;
			*len = n == klen ? 0 : n - klen - 1;
			return true;
		}
		w += n;
		while (*w == ' ')
			w++;
	}
	return false;
}

bool cmdline_get(const char *cmdline, const char *key, char *val, size_t size)
{
	const char *v;
	size_t n;

	if (!find(cmdline, key, &v, &n))
		return false;
	copy_out(val, size, v, n);
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
