/*
 * http.c: the web example's request parser (http.h states the contract). It scans
 * the bytes received so far from the start each time more arrive (at most
 * HTTP_REQ_MAX, so at most a few KiB of work per segment) and keeps no state of its
 * own: whatever a peer sends, it reads only buf[0..min(len, HTTP_REQ_MAX)).
 */
#include "http.h"

#define METHOD_MAX 16			/* a method token longer than any real one is refused */
#define P_OK (-1)			/* a step succeeded (internal to this file) */

struct cur {
	const char *b;
	size_t n, i;
};

/* A token's character (RFC 9110 tchar). */
static int tchar(unsigned char c)
{
	static const char extra[] = "!#$%&'*+-.^_`|~";

	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	for (const char *e = extra; *e; e++)
		if (c == (unsigned char)*e)
			return 1;
	return 0;
}

static int vchar(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

static int at_end(const struct cur *c)
{
	return c->i >= c->n;
}

/* CRLF or LF. */
static int line_end(struct cur *c)
{
	if (at_end(c))
		return HTTP_MORE;
	if (c->b[c->i] == '\r') {
		c->i++;
		if (at_end(c))
			return HTTP_MORE;
	}
	if (c->b[c->i] != '\n')
		return HTTP_BAD;
	c->i++;
	return P_OK;
}

/* Exactly the characters of s. */
static int literal(struct cur *c, const char *s)
{
	for (; *s; s++, c->i++) {
		if (at_end(c))
			return HTTP_MORE;
		if (c->b[c->i] != *s)
			return HTTP_BAD;
	}
	return P_OK;
}

static int digit(struct cur *c, unsigned *d)
{
	if (at_end(c))
		return HTTP_MORE;
	if (c->b[c->i] < '0' || c->b[c->i] > '9')
		return HTTP_BAD;
	*d = (unsigned)(c->b[c->i++] - '0');
	return P_OK;
}

/* `METHOD SP target SP HTTP/d.d` and its line end; *get whether the method is GET. */
static int request_line(struct cur *c, struct http_req *req, int *get)
{
	size_t m = c->i, t;
	unsigned major = 0;
	int r;

	while (!at_end(c) && tchar((unsigned char)c->b[c->i]))
		if (++c->i - m > METHOD_MAX)
			return HTTP_BAD;
	if (at_end(c))
		return HTTP_MORE;
	if (c->i == m || c->b[c->i] != ' ')
		return HTTP_BAD;
	*get = c->i - m == 3 && c->b[m] == 'G' && c->b[m + 1] == 'E' && c->b[m + 2] == 'T';
	t = ++c->i;
	while (!at_end(c) && vchar((unsigned char)c->b[c->i])) {
		if (c->b[t] != '/' || c->i - t >= HTTP_PATH_MAX)
			return HTTP_BAD;
		c->i++;
	}
	if (at_end(c))
		return HTTP_MORE;
	if (c->i == t || c->b[c->i] != ' ')
		return HTTP_BAD;	/* an empty target, or none: HTTP/0.9, a control byte */
	size_t plen = 0;
	while (t + plen < c->i && c->b[t + plen] != '?') {
		req->path[plen] = c->b[t + plen];
		plen++;
	}
	req->path[plen] = 0;
	c->i++;
	if ((r = literal(c, "HTTP/")) != P_OK || (r = digit(c, &major)) != P_OK || (r = literal(c, ".")) != P_OK ||
	    (r = digit(c, &req->minor)) != P_OK)
		return r;
	if ((r = line_end(c)) != P_OK)
		return r;
	if (major != 1 || req->minor > 1)
		req->minor = ~0u;	/* well-formed, not ours: HTTP_VERSION once complete */
	return P_OK;
}

/* One header line `name: value` and its end, or the empty line (*last). */
static int header(struct cur *c, int *last)
{
	size_t s = c->i;

	if (at_end(c))
		return HTTP_MORE;
	if (c->b[c->i] == '\r' || c->b[c->i] == '\n') {
		*last = 1;
		return line_end(c);
	}
	while (!at_end(c) && tchar((unsigned char)c->b[c->i]))
		c->i++;
	if (at_end(c))
		return HTTP_MORE;
	if (c->i == s || c->b[c->i] != ':')
		return HTTP_BAD;	/* no name, a space before the colon, obsolete folding */
	c->i++;
	while (!at_end(c) && (vchar((unsigned char)c->b[c->i]) || c->b[c->i] == ' ' || c->b[c->i] == '\t'))
		c->i++;
	return line_end(c);
}

enum http_result http_parse(const char *buf, size_t len, struct http_req *req)
{
	struct cur c = { buf, len < HTTP_REQ_MAX ? len : HTTP_REQ_MAX, 0 };
	int get = 0, last = 0, r;

	req->path[0] = 0;
	req->minor = 0;
	req->end = 0;
	r = request_line(&c, req, &get);
	while (r == P_OK && !last)
		r = header(&c, &last);
	if (r == HTTP_MORE)
		return len >= HTTP_REQ_MAX ? HTTP_BAD : HTTP_MORE;
	if (r != P_OK)
		return (enum http_result)r;
	req->end = c.i;
	if (req->minor == ~0u)
		return HTTP_VERSION;
	return get ? HTTP_GET : HTTP_METHOD;
}
