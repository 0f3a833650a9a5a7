/*
 * fmt.c: printf-style formatting (contract in common/fmt.h). Pure: no state, no output
 * of its own; the kernel console, libcairn and the host tests drive it through a sink.
 */
#include <stdbool.h>
#include <stdint.h>
#include <common/fmt.h>

struct spec {
	bool left;		/* '-' */
	bool zero;		/* '0' */
	bool alt;		/* '#': 0x before a nonzero hexadecimal number */
	int width;
	int prec;		/* -1: none */
	int len;		/* 'H' hh, 'h', 0 int, 'l' long/long long/size_t */
};

struct out {
	fmt_sink sink;
	void *ctx;
	int n;
};

static void put(struct out *o, char c)
{
	o->sink(o->ctx, c);
	o->n++;
}

static void pad(struct out *o, char c, int count)
{
	while (count-- > 0)
		put(o, c);
}

/* Emits prefix and digits as one field, padded to the spec's width. */
static void field(struct out *o, const struct spec *s, const char *prefix, const char *body, int blen)
{
	int plen = 0;

	while (prefix[plen])
		plen++;
	int fill = s->width - plen - blen;
	if (!s->left && !s->zero)
		pad(o, ' ', fill);
	for (int i = 0; i < plen; i++)
		put(o, prefix[i]);
	if (!s->left && s->zero)
		pad(o, '0', fill);
	for (int i = 0; i < blen; i++)
		put(o, body[i]);
	if (s->left)
		pad(o, ' ', fill);
}

static void number(struct out *o, const struct spec *s, uint64_t v, bool neg, unsigned base, bool upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int i = sizeof(buf);

	do {
		buf[--i] = digits[v % base];
		v /= base;
	} while (v);
	field(o, s, neg ? "-" : prefix, buf + i, (int)sizeof(buf) - i);
}

static void string(struct out *o, const struct spec *s, const char *str)
{
	struct spec sp = *s;
	int len = 0;

	if (!str)
		str = "(null)";
	while ((sp.prec < 0 || len < sp.prec) && str[len])	/* precision first: str may end there */
		len++;
	sp.zero = false;
	field(o, &sp, "", str, len);
}

static int64_t arg_signed(const struct spec *s, va_list *ap)
{
	switch (s->len) {
	case 'H': return (signed char)va_arg(*ap, int);
	case 'h': return (short)va_arg(*ap, int);
	case 'l': return va_arg(*ap, long long);
	default:  return va_arg(*ap, int);
	}
}

static uint64_t arg_unsigned(const struct spec *s, va_list *ap)
{
	switch (s->len) {
	case 'H': return (unsigned char)va_arg(*ap, unsigned);
	case 'h': return (unsigned short)va_arg(*ap, unsigned);
	case 'l': return va_arg(*ap, unsigned long long);
	default:  return va_arg(*ap, unsigned);
	}
}

/* Reads flags, width, precision and length at *p; leaves *p on the conversion. */
static void parse_spec(const char **p, struct spec *s, va_list *ap)
{
	const char *f = *p;

	*s = (struct spec){ .prec = -1 };
	for (;; f++) {
		if (*f == '-')
			s->left = true;
		else if (*f == '0')
			s->zero = true;
		else if (*f == '#')
			s->alt = true;
		else
			break;
	}
	if (*f == '*') {
		s->width = va_arg(*ap, int);
		if (s->width < 0) {
			s->left = true;
			s->width = -s->width;
		}
		f++;
	}
	while (*f >= '0' && *f <= '9')
		s->width = s->width * 10 + (*f++ - '0');
	if (*f == '.') {
		f++;
		s->prec = 0;
		if (*f == '*') {
			s->prec = va_arg(*ap, int);
			f++;
		}
		while (*f >= '0' && *f <= '9')
			s->prec = s->prec * 10 + (*f++ - '0');
	}
	if (*f == 'h') {
		s->len = (f[1] == 'h') ? 'H' : 'h';
		f += (f[1] == 'h') ? 2 : 1;
	} else if (*f == 'l' || *f == 'z') {	/* long, long long and size_t are 64-bit */
		s->len = 'l';
		f += (f[0] == 'l' && f[1] == 'l') ? 2 : 1;
	}
	*p = f;
}

/* Converts the directive [start, conv]; *conv is its conversion character. */
static void convert(struct out *o, const struct spec *s, const char *start, const char *conv, va_list *ap)
{
	switch (*conv) {
	case 'd':
	case 'i': {
		int64_t v = arg_signed(s, ap);
		number(o, s, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, false, "");
		break;
	}
	case 'u': number(o, s, arg_unsigned(s, ap), false, 10, false, ""); break;
	case 'x':
	case 'X': {
		uint64_t v = arg_unsigned(s, ap);
		number(o, s, v, false, 16, *conv == 'X', s->alt && v ? (*conv == 'X' ? "0X" : "0x") : "");
		break;
	}
	case 'o': number(o, s, arg_unsigned(s, ap), false, 8, false, ""); break;
	case 'p': number(o, s, (uintptr_t)va_arg(*ap, void *), false, 16, false, "0x"); break;
	case 's': string(o, s, va_arg(*ap, const char *)); break;
	case 'c': {
		char ch = (char)va_arg(*ap, int);
		struct spec sp = *s;
		sp.zero = false;
		field(o, &sp, "", &ch, 1);
		break;
	}
	case '%': put(o, '%'); break;
	default:	/* unknown: print the directive as written */
		for (const char *q = start; q <= conv; q++)
			put(o, *q);
	}
}

int fmt_format(fmt_sink sink, void *ctx, const char *fmt, va_list ap)
{
	struct out o = { sink, ctx, 0 };
	va_list aq;

	va_copy(aq, ap);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		const char *start = p++;
		struct spec s;
		parse_spec(&p, &s, &aq);
		if (!*p) {	/* a lone '%' at the end */
			for (const char *q = start; q < p; q++)
				put(&o, *q);
			break;
		}
		convert(&o, &s, start, p, &aq);
	}
	va_end(aq);
	return o.n;
}

struct buf {
	char *p;
	size_t room;	/* bytes left for characters, the NUL excluded */
};

static void buf_sink(void *ctx, char c)
{
	struct buf *b = ctx;

	if (b->room) {
		*b->p++ = c;
		b->room--;
	}
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf b = { buf, size ? size - 1 : 0 };
	int n = fmt_format(buf_sink, &b, fmt, ap);

	if (size)
		*b.p = '\0';
	return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
