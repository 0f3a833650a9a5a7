/*
 * http.h: the web example's request parser (http.c; docs/network.md "The web
 * example"), a pure function of the bytes received so far, host-tested
 * (tests/host/test_http.c). What a peer sends is hostile: the parser reads at most
 * `len` bytes, never past them, and judges a request only by them.
 */
#ifndef WEB_HTTP_H
#define WEB_HTTP_H

#include <stddef.h>

#define HTTP_REQ_MAX 2048	/* a request line and its headers, the empty line included */
#define HTTP_PATH_MAX 256	/* a request target */

enum http_result {
	HTTP_MORE = 0,		/* no fault yet, and no end of the headers: wait for more */
	HTTP_GET,		/* a complete GET: path in req */
	HTTP_BAD,		/* malformed, or HTTP_REQ_MAX bytes without the end: 400 */
	HTTP_METHOD,		/* well-formed, but not GET: 405 */
	HTTP_VERSION,		/* well-formed, but not HTTP/1.0 or 1.1: 505 */
};

struct http_req {
	char path[HTTP_PATH_MAX + 1];	/* the target up to '?' (NUL-terminated), for HTTP_GET */
	unsigned minor;			/* HTTP/1.minor */
	size_t end;			/* bytes of the request (through the empty line) */
};

/*
 * Parses buf[0..len): a request line `METHOD SP target SP HTTP/d.d`, header lines
 * `name: value` (a token, a colon, then printable ASCII or tabs), and an empty line;
 * lines end with CRLF or a bare LF. A byte that cannot be part of a valid request so far
 * is HTTP_BAD at once, without waiting for the line to end; len >= HTTP_REQ_MAX with
 * no end yet is HTTP_BAD. The target must start with '/' and be at most HTTP_PATH_MAX
 * bytes. Obsolete line folding is HTTP_BAD.
 */
enum http_result http_parse(const char *buf, size_t len, struct http_req *req);

#endif
