/*
 * test_http.c: the web example's request parser (components/web/http.c, http.h) at
 * every bound: whole requests and every prefix of them (HTTP_MORE until the last
 * byte), the request's size at and past HTTP_REQ_MAX, the target's at and past
 * HTTP_PATH_MAX, the method's at and past 16, every malformed form refused as soon as a
 * byte shows it, other methods and versions told apart from malformed ones. Each input
 * is copied into a heap block of exactly its length, so AddressSanitizer catches a
 * read past it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../components/web/http.h"

static enum http_result parse_n(const char *s, size_t n, struct http_req *q)
{
	char *b = malloc(n ? n : 1);

	assert_non_null(b);
	memcpy(b, s, n);
	memset(q, 0x5a, sizeof(*q));
	enum http_result r = http_parse(b, n, q);
	free(b);
	return r;
}

static enum http_result parse(const char *s, struct http_req *q)
{
	return parse_n(s, strlen(s), q);
}

/* s is a complete request with result want; every proper prefix is HTTP_MORE. */
static void want_whole(const char *s, enum http_result want)
{
	struct http_req q;
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		if (parse_n(s, i, &q) != HTTP_MORE)
			fail_msg("prefix of %zu bytes of \"%s\" is not HTTP_MORE", i, s);
	assert_int_equal(parse(s, &q), want);
	assert_int_equal(q.end, n);
}

/* s is refused (HTTP_BAD), and so is every longer input that starts with it. */
static void want_bad(const char *s)
{
	struct http_req q;
	char more[256];

	if (parse(s, &q) != HTTP_BAD)
		fail_msg("\"%s\" is not HTTP_BAD", s);
	snprintf(more, sizeof more, "%s / HTTP/1.1\r\nHost: x\r\n\r\n", s);
	if (parse(more, &q) != HTTP_BAD)
		fail_msg("\"%s\" is not HTTP_BAD", more);
}

static void test_get(void **state)
{
	struct http_req q;

	(void)state;
	want_whole("GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
		   HTTP_GET);
	assert_string_equal(parse("GET / HTTP/1.1\r\n\r\n", &q) == HTTP_GET ? q.path : "", "/");
	assert_int_equal(q.minor, 1);
	assert_int_equal(parse("GET /quit HTTP/1.0\r\n\r\n", &q), HTTP_GET);
	assert_string_equal(q.path, "/quit");
	assert_int_equal(q.minor, 0);
	want_whole("GET /x?y=1 HTTP/1.0\n\n", HTTP_GET);	/* bare LF */
	assert_int_equal(parse("GET /x?y=1 HTTP/1.0\n\n", &q), HTTP_GET);
	assert_string_equal(q.path, "/x");			/* up to '?' */
	assert_int_equal(parse("GET /?a HTTP/1.1\r\nA:\r\nB: \t v \r\n\r\n", &q), HTTP_GET);
	assert_string_equal(q.path, "/");
	/* bytes after the request: its end says where it stopped */
	assert_int_equal(parse("GET / HTTP/1.1\r\n\r\nGET /more", &q), HTTP_GET);
	assert_int_equal(q.end, strlen("GET / HTTP/1.1\r\n\r\n"));
}

static void test_methods_versions(void **state)
{
	struct http_req q;

	(void)state;
	want_whole("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", HTTP_METHOD);
	want_whole("get / HTTP/1.1\r\n\r\n", HTTP_METHOD);	/* methods are case-sensitive */
	want_whole("GETX / HTTP/1.1\r\n\r\n", HTTP_METHOD);
	want_whole("GET / HTTP/2.0\r\n\r\n", HTTP_VERSION);
	want_whole("GET / HTTP/1.2\r\n\r\n", HTTP_VERSION);
	want_whole("GET / HTTP/0.9\r\n\r\n", HTTP_VERSION);
	/* a method token of 16 characters is one; of 17, refused */
	assert_int_equal(parse("ABCDEFGHIJKLMNOP / HTTP/1.1\r\n\r\n", &q), HTTP_METHOD);
	assert_int_equal(parse("ABCDEFGHIJKLMNOPQ", &q), HTTP_BAD);
}

static void test_malformed(void **state)
{
	(void)state;
	want_bad(" GET");			/* no method */
	want_bad("\r\nGET");			/* an empty line first */
	want_bad("GET\t/");			/* not SP */
	want_bad("GET  /");			/* an empty target */
	want_bad("GET *");			/* not origin-form */
	want_bad("GET http://x/");		/* absolute-form */
	want_bad("G\x01");			/* a control byte: at once */
	want_bad("GET /\x7f");
	want_bad("GET /\x80");
	want_bad("GET /\r");			/* HTTP/0.9 */
	want_bad("GET /\n");
	want_bad("GET / HTTX");
	want_bad("GET / http/1.1");
	want_bad("GET / HTTP/x");
	want_bad("GET / HTTP/1,1");
	want_bad("GET / HTTP/1.x");
	want_bad("GET / HTTP/11.1");
	want_bad("GET / HTTP/1.1 ");		/* anything after the version */
	want_bad("GET / HTTP/1.1\rX");		/* CR without LF */
	want_bad("GET / HTTP/1.1\r\n Folded: x");	/* obsolete folding, or space first */
	want_bad("GET / HTTP/1.1\r\n\tFolded: x");
	want_bad("GET / HTTP/1.1\r\nNo colon\r\n");
	want_bad("GET / HTTP/1.1\r\nName : x\r\n");	/* space before the colon */
	want_bad("GET / HTTP/1.1\r\n: x\r\n");	/* no name */
	want_bad("GET / HTTP/1.1\r\nA: b\x01");	/* a control byte in a value */
	want_bad("GET / HTTP/1.1\r\nA: \xc3\xa9");	/* not ASCII */
	want_bad("GET / HTTP/1.1\r\nA: b\r\r");
	want_bad("GET / HTTP/1.1\r\n\r\r");	/* the empty line's CR without LF */

	struct http_req q;
	static const char nul[] = "GET /\0 HTTP/1.1\r\n\r\n";
	assert_int_equal(parse_n(nul, sizeof nul - 1, &q), HTTP_BAD);
	static const char nul2[] = "GET / HTTP/1.1\r\nA: \0\r\n\r\n";
	assert_int_equal(parse_n(nul2, sizeof nul2 - 1, &q), HTTP_BAD);
	assert_int_equal(parse_n("", 0, &q), HTTP_MORE);
}

/* A request of exactly n bytes: "GET / HTTP/1.1\r\nX: aaaa...\r\n\r\n". */
static char *sized(size_t n)
{
	static const char head[] = "GET / HTTP/1.1\r\nX: ", tail[] = "\r\n\r\n";
	char *s = malloc(n + 1);

	assert_true(n >= sizeof head + sizeof tail);
	memcpy(s, head, sizeof head - 1);
	memset(s + sizeof head - 1, 'a', n - (sizeof head - 1) - (sizeof tail - 1));
	memcpy(s + n - (sizeof tail - 1), tail, sizeof tail);
	return s;
}

static void test_size_bound(void **state)
{
	struct http_req q;
	char *s;

	(void)state;
	s = sized(HTTP_REQ_MAX);		/* at the bound: whole */
	assert_int_equal(parse(s, &q), HTTP_GET);
	assert_int_equal(q.end, HTTP_REQ_MAX);
	assert_int_equal(parse_n(s, HTTP_REQ_MAX - 1, &q), HTTP_MORE);	/* one short: wait */
	free(s);
	s = sized(HTTP_REQ_MAX + 1);		/* one past: its first HTTP_REQ_MAX bytes have no end */
	assert_int_equal(parse(s, &q), HTTP_BAD);
	assert_int_equal(parse_n(s, HTTP_REQ_MAX, &q), HTTP_BAD);
	assert_int_equal(parse_n(s, HTTP_REQ_MAX - 1, &q), HTTP_MORE);
	free(s);
	s = sized(4 * HTTP_REQ_MAX);
	assert_int_equal(parse(s, &q), HTTP_BAD);
	free(s);
	/* a complete request within the bound followed by more: whole, whatever follows */
	s = sized(HTTP_REQ_MAX + 100);
	memcpy(s, "GET / HTTP/1.1\r\n\r\n", 18);
	assert_int_equal(parse(s, &q), HTTP_GET);
	assert_int_equal(q.end, 18);
	free(s);
}

static void test_path_bound(void **state)
{
	struct http_req q;
	char s[HTTP_PATH_MAX + 64];

	(void)state;
	strcpy(s, "GET /");
	memset(s + 5, 'p', HTTP_PATH_MAX - 1);	/* a target of HTTP_PATH_MAX bytes */
	strcpy(s + 4 + HTTP_PATH_MAX, " HTTP/1.1\r\n\r\n");
	assert_int_equal(parse(s, &q), HTTP_GET);
	assert_int_equal(strlen(q.path), HTTP_PATH_MAX);
	assert_int_equal(q.path[HTTP_PATH_MAX - 1], 'p');
	memset(s + 5, 'p', HTTP_PATH_MAX);	/* one more */
	strcpy(s + 5 + HTTP_PATH_MAX, " HTTP/1.1\r\n\r\n");
	assert_int_equal(parse(s, &q), HTTP_BAD);
	assert_int_equal(parse_n(s, 5 + HTTP_PATH_MAX, &q), HTTP_BAD);	/* at once, before the SP */
	assert_int_equal(parse_n(s, 4 + HTTP_PATH_MAX, &q), HTTP_MORE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_methods_versions),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_size_bound),
		cmocka_unit_test(test_path_bound),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
