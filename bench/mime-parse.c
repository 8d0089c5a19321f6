/* SPDX-License-Identifier: MIT */
/*
 * MIME parser throughput: a 100 KB multipart message and a 10 MB base64
 * attachment, parsed one-shot (mmap-like) and in 64 KB chunks (read()-
 * like), plus summary serialization and a BODY search over a 10 MB text
 * part. Prints MB/s; never asserts on time.
 */
#include "lib/buf.h"
#include "lib/codec.h"
#include "lib/pool.h"
#include "lib/timeutil.h"
#include "mime/mime-parser.h"
#include "mime/mime-search.h"
#include "mime/mime-summary.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static void
b64_lines(struct buf *out, size_t bytes)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "abcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t x = 1;

	for (size_t done = 0; done < bytes; done += 57) {
		for (int i = 0; i < 76; i++) {
			x = x * 1103515245u + 12345u;
			buf_append_c(out, alphabet[(x >> 16) & 63]);
		}
		buf_append_str(out, "\r\n");
	}
}

/* base64 of prose (mostly ASCII, some UTF-8), as real text parts are */
static void
b64_text(struct buf *out, size_t bytes)
{
	static const char words[] =
		"Lorem ipsum dolor sit amet, consectetur adipiscing elit. "
		"Gr\xc3\xbc\xc3\x9f" "e aus M\xc3\xbcnchen, caf\xc3\xa9 "
		"cr\xc3\xa8me br\xc3\xbbl\xc3\xa9" "e.\r\n";
	struct buf text = BUF_INIT;

	while (text.len < bytes)
		buf_append_str(&text, words);
	for (size_t off = 0; off < text.len; off += 57) {
		base64_encode(text.data + off,
			      text.len - off < 57 ? text.len - off : 57, out);
		buf_append_str(out, "\r\n");
	}
	buf_free(&text);
}

static void
make_multipart(struct buf *m)
{
	buf_append_str(m, "From: Bench <bench@example.com>\r\n"
			  "To: a@example.com, b@example.com\r\n"
			  "Subject: =?utf-8?q?Benchmark_message?=\r\n"
			  "Date: Mon, 7 Feb 2022 08:30:00 +0100\r\n"
			  "MIME-Version: 1.0\r\n"
			  "Content-Type: multipart/mixed; "
			  "boundary=\"b-out\"\r\n"
			  "\r\npreamble\r\n");
	for (int i = 0; m->len < 100 * 1024 - 8192; i++) {
		buf_printf(m, "--b-out\r\nContent-Type: multipart/alternative;"
			      " boundary=\"b-alt-%d\"\r\n\r\n--b-alt-%d\r\n"
			      "Content-Type: text/plain; charset=utf-8\r\n"
			      "Content-Transfer-Encoding: quoted-printable\r\n"
			      "\r\n", i, i);
		for (int l = 0; l < 40; l++)
			buf_append_str(m, "Lorem ipsum dolor sit amet, "
					  "consectetur adipiscing elit, "
					  "sed do eiusmod=\r\n");
		buf_printf(m, "--b-alt-%d\r\nContent-Type: text/html\r\n\r\n"
			      "<p>Lorem ipsum</p>\r\n--b-alt-%d--\r\n"
			      "--b-out\r\nContent-Type: image/png; name=x%d.png"
			      "\r\nContent-Transfer-Encoding: base64\r\n\r\n",
			   i, i, i);
		b64_lines(m, 1024);
	}
	buf_append_str(m, "--b-out--\r\n");
}

static void
make_attachment(struct buf *m, const char *type, size_t bytes, bool text)
{
	buf_printf(m, "From: a@example.com\r\nSubject: big\r\n"
		      "Content-Type: multipart/mixed; boundary=zz\r\n\r\n"
		      "--zz\r\n\r\nsee attachment\r\n--zz\r\n"
		      "Content-Type: %s\r\n"
		      "Content-Transfer-Encoding: base64\r\n\r\n", type);
	if (text)
		b64_text(m, bytes);
	else
		b64_lines(m, bytes);
	buf_append_str(m, "--zz--\r\n");
}

static double
mbps(size_t bytes, unsigned int rounds, uint64_t us)
{
	return (double)bytes * rounds / (double)(us == 0 ? 1 : us);
}

static void
bench_parse(const char *name, const struct buf *m, unsigned int rounds)
{
	struct pool *pool = pool_create(65536);
	struct buf blob = BUF_INIT;
	uint64_t start, one, chunked, ser;

	start = time_mono_us();
	for (unsigned int r = 0; r < rounds; r++) {
		(void)mime_parse(pool, m->data, m->len, NULL);
		pool_clear(pool);
	}
	one = time_mono_us() - start;
	start = time_mono_us();
	for (unsigned int r = 0; r < rounds; r++) {
		struct mime_parser *p = mime_parser_create(pool, NULL);
		struct mime_message *msg;

		for (size_t off = 0; off < m->len; off += 65536)
			mime_parser_feed(p, m->data + off,
					 m->len - off < 65536 ? m->len - off
							      : 65536);
		mime_parser_finish(&p, &msg);
		pool_clear(pool);
	}
	chunked = time_mono_us() - start;
	start = time_mono_us();
	for (unsigned int r = 0; r < rounds; r++) {
		struct mime_message *msg = mime_parse(pool, m->data, m->len,
						      NULL);

		buf_clear(&blob);
		mime_summary_serialize(msg, &blob);
		pool_clear(pool);
	}
	ser = time_mono_us() - start;
	printf("%-28s %9zu bytes: parse %7.1f MB/s, 64K chunks %7.1f MB/s, "
	       "parse+summary %7.1f MB/s (%zu-byte blob)\n",
	       name, m->len, mbps(m->len, rounds, one),
	       mbps(m->len, rounds, chunked), mbps(m->len, rounds, ser),
	       blob.len);
	buf_free(&blob);
	pool_destroy(&pool);
}

static void
bench_search(const char *name, const struct buf *m, unsigned int rounds)
{
	struct pool *pool = pool_create(65536);
	struct mime_search *s = mime_search_create();
	struct mime_summary *sum;
	struct buf blob = BUF_INIT;
	struct err err;
	uint64_t start, matched = 0;

	mime_summary_serialize(mime_parse(pool, m->data, m->len, NULL),
			       &blob);
	mime_summary_parse(blob.data, blob.len, pool, &sum, &err);
	mime_search_add(s, MIME_SEARCH_BODY, NULL, "needle not there", 16,
			&err);
	start = time_mono_us();
	for (unsigned int r = 0; r < rounds; r++)
		matched |= mime_search_message(s, sum, m->data, m->len);
	printf("%-28s %9zu bytes: BODY search %7.1f MB/s%s\n", name, m->len,
	       mbps(m->len, rounds, time_mono_us() - start),
	       matched != 0 ? " (matched?)" : "");
	mime_search_destroy(&s);
	buf_free(&blob);
	pool_destroy(&pool);
}

int
main(void)
{
	struct buf multi = BUF_INIT, big = BUF_INIT, bigtext = BUF_INIT;

	make_multipart(&multi);
	make_attachment(&big, "application/pdf", 10 * 1024 * 1024, false);
	make_attachment(&bigtext, "text/plain; charset=utf-8",
			10 * 1024 * 1024, true);
	bench_parse("multipart ~100 KB", &multi, 2000);
	bench_parse("base64 attachment ~10 MB", &big, 20);
	bench_search("multipart ~100 KB", &multi, 200);
	bench_search("base64 text/plain ~10 MB", &bigtext, 3);
	buf_free(&multi);
	buf_free(&big);
	buf_free(&bigtext);
	return 0;
}
