/*
 * args.c: a component's arguments (cairn_root.args; contract in cairn/root.h): words
 * separated by spaces, each "key=value" or a bare "key". The booter copies them from
 * the description's `args` (docs/systems.md), the kernel and the test runner from a
 * module line. Nothing here reads past the field, NUL or not.
 */
#include <cairn/abi.h>
#include <cairn/root.h>

/* One word: its key [key, key + klen), its value [val, val + vlen) ("" if bare). */
struct word {
	const char *key, *val;
	unsigned long klen, vlen;
};

/* The length of rt->args, or CAIRN_EINVAL if the field has no NUL. */
static long args_len(const struct cairn_root *rt)
{
	for (long n = 0; n < CAIRN_MODULE_ARGS_MAX; n++)
		if (!rt->args[n])
			return n;
	return CAIRN_EINVAL;
}

/* The word at or after *pos in s[0, n): 1 and *w, *pos past it; 0 if none is left. */
static int next_word(const char *s, unsigned long n, unsigned long *pos, struct word *w)
{
	unsigned long i = *pos;

	while (i < n && s[i] == ' ')
		i++;
	if (i == n)
		return 0;
	unsigned long end = i, eq = 0;
	while (end < n && s[end] != ' ') {
		if (!eq && s[end] == '=')
			eq = end;
		end++;
	}
	w->key = s + i;
	w->klen = (eq ? eq : end) - i;
	w->val = eq ? s + eq + 1 : s + end;
	w->vlen = eq ? end - eq - 1 : 0;
	*pos = end;
	return 1;
}

/* key (NUL-terminated) is the word's key. */
static int is_key(const struct word *w, const char *key)
{
	unsigned long i = 0;

	for (; i < w->klen; i++)
		if (key[i] != w->key[i])
			return 0;
	return key[i] == 0;
}

static void copy(char *dst, const char *src, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		dst[i] = src[i];
	dst[n] = 0;
}

long cairn_arg(const struct cairn_root *rt, const char *key, char *buf, unsigned long size)
{
	long n = args_len(rt);
	unsigned long pos = 0;
	struct word w;

	if (n < 0)
		return n;
	if (!key || !*key)
		return CAIRN_EINVAL;
	while (next_word(rt->args, (unsigned long)n, &pos, &w)) {
		if (!is_key(&w, key))
			continue;
		if (!buf || w.vlen >= size)
			return CAIRN_ERANGE;
		copy(buf, w.val, w.vlen);
		return (long)w.vlen;
	}
	return CAIRN_ENOENT;
}

/* The word's key is one of known[0, n). */
static int known_key(const struct word *w, const char *const *known, unsigned n)
{
	for (unsigned k = 0; k < n; k++)
		if (is_key(w, known[k]))
			return 1;
	return 0;
}

/* A word before s + before has the key of w. */
static int key_before(const char *s, unsigned long before, const struct word *w)
{
	unsigned long pos = 0;
	struct word o;

	while (next_word(s, before, &pos, &o))
		if (o.klen == w->klen && o.key != w->key) {
			unsigned long i = 0;
			while (i < o.klen && o.key[i] == w->key[i])
				i++;
			if (i == o.klen)
				return 1;
		}
	return 0;
}

long cairn_args_known(const struct cairn_root *rt, const char *const *known, unsigned n,
		      char *bad, unsigned long size)
{
	long len = args_len(rt);
	unsigned long pos = 0;
	struct word w;

	if (len < 0)
		return len;
	while (next_word(rt->args, (unsigned long)len, &pos, &w)) {
		if (w.klen && known_key(&w, known, n) && !key_before(rt->args, (unsigned long)(w.key - rt->args), &w))
			continue;
		if (bad && size) {
			unsigned long wl = (unsigned long)(rt->args + pos - w.key);
			copy(bad, w.key, wl < size ? wl : size - 1);
		}
		return CAIRN_EINVAL;
	}
	return 0;
}

long cairn_arg_u64(const struct cairn_root *rt, const char *key, uint64_t *v)
{
	char s[20];	/* 19 digits and the NUL: below 10^19, no overflow */
	long n = cairn_arg(rt, key, s, sizeof(s));
	uint64_t x = 0;

	if (n == CAIRN_ENOENT)
		return n;
	if (n <= 0)
		return CAIRN_EINVAL;	/* empty, or too long (ERANGE) */
	for (long i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return CAIRN_EINVAL;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return 0;
}

int cairn_arg_flag(const struct cairn_root *rt, const char *key)
{
	char v[1];

	return cairn_arg(rt, key, v, sizeof(v)) == 0;
}
