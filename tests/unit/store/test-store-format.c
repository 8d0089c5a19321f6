/* SPDX-License-Identifier: MIT */
/* Unit tests for mdir file formats and name encodings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store/mdir-format.h"
#include "store/store-path.h"

#include <stdio.h>
#include <string.h>

static void
test_record_roundtrip(void **state)
{
	struct store_uid_range ranges[] = { { 1, 5 }, { 9, 9 }, { 12, 400 } };
	struct mdir_str kw[] = { { "$Forwarded", 10 }, { "Work", 4 } };
	struct mdir_rec_iter it;
	struct buf b = BUF_INIT;
	struct mdir_op op, out;
	struct err err;

	(void)state;
	mdir_rec_begin(&b);
	memset(&op, 0, sizeof(op));
	op.type = MDIR_OP_APPEND;
	op.u.append.uid = 42;
	op.u.append.flags = STORE_FLAG_SEEN | STORE_FLAG_DRAFT;
	op.u.append.size = 12345;
	op.u.append.internaldate = -5;
	op.u.append.savedate = 1700000000;
	memset(op.u.append.guid, 0xab, 16);
	op.u.append.kw = kw;
	op.u.append.nkw = 2;
	op.u.append.staging.p = "stage.1";
	op.u.append.staging.len = 7;
	op.u.append.blob = (const uint8_t *)"BLOB";
	op.u.append.blob_len = 4;
	mdir_rec_add(&b, &op);
	memset(&op, 0, sizeof(op));
	op.type = MDIR_OP_FLAGS;
	op.u.flags.mode = STORE_FLAGS_REMOVE;
	op.u.flags.flags = STORE_FLAG_DELETED;
	op.u.flags.unseen_delta = -3;
	op.u.flags.ranges.r = ranges;
	op.u.flags.ranges.n = 3;
	mdir_rec_add(&b, &op);
	memset(&op, 0, sizeof(op));
	op.type = MDIR_OP_CLOSE;
	op.u.close.next_gen = 7;
	mdir_rec_add(&b, &op);
	mdir_rec_finish(&b);

	assert_int_equal(mdir_rec_parse(b.data, b.len, &it, &err), 0);
	assert_true(mdir_rec_next(&it, &out));
	assert_int_equal(out.type, MDIR_OP_APPEND);
	assert_int_equal(out.u.append.uid, 42);
	assert_int_equal(out.u.append.size, 12345);
	assert_true(out.u.append.internaldate == -5);
	assert_int_equal(out.u.append.nkw, 2);
	assert_memory_equal(out.u.append.kw[1].p, "Work", 4);
	assert_memory_equal(out.u.append.staging.p, "stage.1", 7);
	assert_memory_equal(out.u.append.blob, "BLOB", 4);
	assert_true(mdir_rec_next(&it, &out));
	assert_int_equal(out.type, MDIR_OP_FLAGS);
	assert_int_equal(out.u.flags.unseen_delta, -3);
	assert_int_equal(out.u.flags.ranges.n, 3);
	{
		uint32_t lo, hi;

		mdir_ranges_get(&out.u.flags.ranges, 2, &lo, &hi);
		assert_int_equal(lo, 12);
		assert_int_equal(hi, 400);
	}
	assert_true(mdir_rec_next(&it, &out));
	assert_int_equal(out.type, MDIR_OP_CLOSE);
	assert_int_equal(out.u.close.next_gen, 7);
	assert_false(mdir_rec_next(&it, &out));

	/* every single-byte corruption and every truncation is rejected */
	for (size_t i = 0; i < b.len; i++) {
		b.data[i] ^= 0x40;
		assert_int_equal(mdir_rec_parse(b.data, b.len, &it, &err), -1);
		b.data[i] ^= 0x40;
		assert_int_equal(mdir_rec_parse(b.data, i, &it, &err), -1);
	}
	buf_free(&b);
}

static void
test_record_bad_ops(void **state)
{
	struct mdir_rec_iter it;
	struct buf b = BUF_INIT;
	struct mdir_op op;
	struct store_uid_range bad = { 5, 4 };
	struct err err;

	(void)state;
	/* a range with lo > hi passes the checksum but not validation */
	mdir_rec_begin(&b);
	memset(&op, 0, sizeof(op));
	op.type = MDIR_OP_EXPUNGE;
	op.u.expunge.ranges.r = &bad;
	op.u.expunge.ranges.n = 1;
	mdir_rec_add(&b, &op);
	mdir_rec_finish(&b);
	assert_int_equal(mdir_rec_parse(b.data, b.len, &it, &err), -1);
	assert_int_equal(err.code, ERR_CORRUPT);
	/* unknown op type */
	mdir_rec_begin(&b);
	buf_append(&b, "\x63\0\0\0\0\0\0\0", 8);
	mdir_rec_finish(&b);
	assert_int_equal(mdir_rec_parse(b.data, b.len, &it, &err), -1);
	/* empty record is valid (no ops) */
	mdir_rec_begin(&b);
	mdir_rec_finish(&b);
	assert_int_equal(mdir_rec_parse(b.data, b.len, &it, &err), 0);
	assert_false(mdir_rec_next(&it, &op));
	buf_free(&b);
}

static void
test_index_header(void **state)
{
	struct mdir_index_header h, out;
	uint8_t data[MDIR_INDEX_HEADER_SIZE];
	struct err err;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.uidvalidity = 1234;
	h.uidnext = 99;
	h.gen = 3;
	h.base_seq = 1000;
	h.highestmodseq = 999;
	h.messages = 10;
	h.unseen = 4;
	h.body_len = 10 * MDIR_INDEX_RECORD_SIZE + 2;
	mdir_index_header_encode(&h, data);
	assert_int_equal(mdir_index_header_decode(data, sizeof(data), &out,
						  &err), 0);
	assert_int_equal(out.uidnext, 99);
	assert_true(out.base_seq == 1000);
	data[20] ^= 1;
	assert_int_equal(mdir_index_header_decode(data, sizeof(data), &out,
						  &err), -1);
	data[20] ^= 1;
	/* inconsistent: more unseen than messages */
	h.unseen = 11;
	mdir_index_header_encode(&h, data);
	assert_int_equal(mdir_index_header_decode(data, sizeof(data), &out,
						  &err), -1);
}

static void
test_msg_names(void **state)
{
	uint8_t guid[16], out[16];
	char name[MDIR_MSG_NAME_MAX];
	uint32_t uid;

	(void)state;
	for (int i = 0; i < 16; i++)
		guid[i] = (uint8_t)(i * 17);
	mdir_msg_name(4294967295u, guid, name);
	assert_int_equal(mdir_msg_name_parse(name, &uid, out), 0);
	assert_int_equal(uid, 4294967295u);
	assert_memory_equal(guid, out, 16);
	assert_int_equal(mdir_msg_name_parse("0.00112233445566778899aabbccddeeff",
					     &uid, out), -1);
	assert_int_equal(mdir_msg_name_parse("4294967296.00112233445566778899aabbccddeeff",
					     &uid, out), -1);
	assert_int_equal(mdir_msg_name_parse("12.0011", &uid, out), -1);
	assert_int_equal(mdir_msg_name_parse("foo.eml", &uid, out), -1);
}

static void
roundtrip(const char *name, size_t len, const char *expect)
{
	struct buf enc = BUF_INIT, dec = BUF_INIT;
	struct err err;

	assert_int_equal(store_path_encode_component(name, len, &enc, &err),
			 0);
	if (expect != NULL)
		assert_string_equal(buf_cstr(&enc), expect);
	assert_int_equal(store_path_decode_component(buf_cstr(&enc), &dec), 0);
	assert_int_equal(dec.len, len);
	assert_memory_equal(dec.data, name, len);
	assert_true(enc.data[0] != '.');
	assert_null(memchr(enc.data, '/', enc.len));
	buf_free(&enc);
	buf_free(&dec);
}

static void
test_path_encoding(void **state)
{
	struct buf b = BUF_INIT;
	char longname[300];
	struct err err;

	(void)state;
	roundtrip("INBOX", 5, "INBOX");
	roundtrip("..", 2, "%2E.");
	roundtrip(".hidden", 7, "%2Ehidden");
	roundtrip("a/b", 3, "a%2Fb");
	roundtrip("100%", 4, "100%25");
	roundtrip("caf\xc3\xa9", 5, "caf\xc3\xa9");
	roundtrip("tab\there", 8, "tab%09here");
	roundtrip("nul\0x", 5, "nul%00x");
	roundtrip("", 0, "%");
	/* non-canonical encodings are rejected: injective mapping */
	assert_int_equal(store_path_decode_component("%41", &b), -1);
	assert_int_equal(store_path_decode_component("%2", &b), -1);
	assert_int_equal(store_path_decode_component(".x", &b), -1);
	assert_int_equal(store_path_decode_component("a/b", &b), -1);
	memset(longname, 'x', sizeof(longname));
	buf_clear(&b);
	assert_int_equal(store_path_encode_component(longname, 241, &b, &err),
			 -1);
	buf_clear(&b);
	assert_int_equal(store_account_dir("/u", "Bob@Example.COM", &b, &err),
			 0);
	assert_string_equal(buf_cstr(&b), "/u/Example.COM/Bob");
	buf_clear(&b);
	assert_int_equal(store_account_dir("/u", "../x@..", &b, &err), 0);
	assert_string_equal(buf_cstr(&b), "/u/%2E./%2E.%2Fx");
	assert_int_equal(store_account_dir("/u", "nodomain", &b, &err), -1);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_roundtrip),
		cmocka_unit_test(test_record_bad_ops),
		cmocka_unit_test(test_index_header),
		cmocka_unit_test(test_msg_names),
		cmocka_unit_test(test_path_encoding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
