/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the MIME text parsers. The first byte picks one:
 * RFC 2047 decoding, dates (parse/format round trip), address lists,
 * Content-Type/Disposition with RFC 2231, header subsets, transfer
 * decoders (chunked == one-shot), charsets (chunked == one-shot) and
 * the i;unicode-casemap form. Outputs meant to be UTF-8 must be valid.
 */
#include "lib/buf.h"
#include "lib/pool.h"
#include "lib/utf8.h"
#include "mime/mime-address.h"
#include "mime/mime-casemap.h"
#include "mime/mime-charset.h"
#include "mime/mime-content.h"
#include "mime/mime-date.h"
#include "mime/mime-decode.h"
#include "mime/mime-header.h"
#include "mime/mime-rfc2047.h"
#include "mime-imap-check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(expr)                                                           \
	do {                                                                  \
		if (!(expr)) {                                                \
			fprintf(stderr, "check failed: %s\n", #expr);         \
			abort();                                              \
		}                                                             \
	} while (0)

static void
fuzz_date(const uint8_t *d, size_t n)
{
	char out[MIME_DATE_RFC5322_SIZE], imap[MIME_DATE_IMAP_SIZE];
	int64_t t, t2;
	int tz, tz2;

	if (mime_date_parse(d, n, &t, &tz) < 0)
		return;
	mime_date_format_imap(t, tz, imap);
	mime_date_format_rfc5322(t, tz, out);
	CHECK(mime_date_parse(out, strlen(out), &t2, &tz2) == 0);
	CHECK(t2 == t && tz2 == tz);
	CHECK(mime_date_parse(imap, strlen(imap), &t2, &tz2) == 0);
	CHECK(t2 == t && tz2 == tz);
}

static void
fuzz_address(struct pool *pool, const uint8_t *d, size_t n)
{
	struct buf list = BUF_INIT, env = BUF_INIT;

	mime_address_write_imap(mime_address_parse(pool, d, n), &list);
	buf_append_str(&env, "(NIL NIL");
	for (int i = 0; i < 6; i++) {
		buf_append_c(&env, ' ');
		buf_append(&env, list.data, list.len);
	}
	buf_append_str(&env, " NIL NIL)");
	CHECK(check_envelope((const char *)env.data, env.len));
	buf_free(&list);
	buf_free(&env);
}

static void
fuzz_content(struct pool *pool, const uint8_t *d, size_t n)
{
	struct mime_content c;
	const char *v;

	for (int sub = 0; sub < 2; sub++) {
		(void)mime_content_parse(pool, d, n, sub == 1, &c);
		for (unsigned int i = 0; i < c.n_params; i++)
			CHECK(c.params[i].name[0] != '\0');
		v = mime_content_param_decode(pool, &c, "name");
		CHECK(v == NULL || utf8_valid(v, strlen(v)));
		v = mime_content_param_decode(pool, &c, "filename");
		CHECK(v == NULL || utf8_valid(v, strlen(v)));
	}
}

static void
fuzz_header(const uint8_t *d, size_t n)
{
	static const char *const names[] = { "Subject", "FROM", "x-a" };
	struct mime_header_iter it;
	struct mime_header_field f;
	struct buf a = BUF_INIT, b = BUF_INIT;

	mime_header_filter(d, n, names, 3, false, &a);
	mime_header_filter(d, n, names, 3, true, &b);
	CHECK(a.len + b.len <= n + n);
	mime_header_iter_init(&it, d, n);
	while (mime_header_iter_next(&it, &f)) {
		CHECK(f.raw >= d && f.raw + f.raw_len <= d + n);
		buf_clear(&a);
		mime_header_unfold(f.value, f.value_len, &a);
	}
	buf_free(&a);
	buf_free(&b);
}

static void
fuzz_decoders(const uint8_t *d, size_t n)
{
	for (int enc = MIME_ENC_BASE64; enc <= MIME_ENC_QP; enc++) {
		struct buf one = BUF_INIT, many = BUF_INIT;
		struct mime_decoder dec;

		mime_decoder_init(&dec, enc);
		mime_decoder_feed(&dec, d, n, &one);
		mime_decoder_finish(&dec, &one);
		for (size_t i = 0; i < n; i++)
			mime_decoder_feed(&dec, d + i, 1, &many);
		mime_decoder_finish(&dec, &many);
		CHECK(one.len == many.len);
		CHECK(one.len == 0 ||
		      memcmp(one.data, many.data, one.len) == 0);
		buf_free(&one);
		buf_free(&many);
	}
}

static void
fuzz_charset(const uint8_t *d, size_t n)
{
	char name[17];
	size_t k = 0;
	struct buf one = BUF_INIT, many = BUF_INIT;
	struct mime_charset *cs;

	while (k < n && k < 16 && d[k] != '\n') {
		name[k] = (char)d[k];
		k++;
	}
	name[k] = '\0';
	d += k;
	n -= k;
	mime_charset_to_utf8(name, d, n, &one);
	CHECK(utf8_valid(one.data == NULL ? (const uint8_t *)"" : one.data,
			 one.len));
	cs = mime_charset_create(name);
	for (size_t i = 0; i < n; i++)
		mime_charset_convert(cs, d + i, 1, &many);
	mime_charset_flush(cs, &many);
	mime_charset_destroy(&cs);
	CHECK(utf8_valid(many.data == NULL ? (const uint8_t *)"" : many.data,
			 many.len));
	buf_free(&one);
	buf_free(&many);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool *pool;
	struct buf out = BUF_INIT;

	if (size < 1 || size > 64 * 1024)
		return 0;
	pool = pool_create(4096);
	switch (data[0] % 8) {
	case 0:
		mime_rfc2047_decode(data + 1, size - 1, &out);
		CHECK(utf8_valid(out.data == NULL ? (const uint8_t *)"" :
				 out.data, out.len));
		break;
	case 1:
		fuzz_date(data + 1, size - 1);
		break;
	case 2:
		fuzz_address(pool, data + 1, size - 1);
		break;
	case 3:
		fuzz_content(pool, data + 1, size - 1);
		break;
	case 4:
		fuzz_header(data + 1, size - 1);
		break;
	case 5:
		fuzz_decoders(data + 1, size - 1);
		break;
	case 6:
		fuzz_charset(data + 1, size - 1);
		break;
	default:
		mime_casemap_append(data + 1, size - 1, &out);
		CHECK(utf8_valid(out.data == NULL ? (const uint8_t *)"" :
				 out.data, out.len));
		break;
	}
	buf_free(&out);
	pool_destroy(&pool);
	return 0;
}
