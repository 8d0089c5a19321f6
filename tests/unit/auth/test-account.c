/* SPDX-License-Identifier: MIT */
/* Unit tests for accounts: canonicalisation, service access, records,
   passwords and the secrets derived from them (RFC test vectors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "auth/account-record.h"
#include "auth/account.h"
#include "auth/cram-md5.h"
#include "auth/password.h"
#include "auth/scram.h"
#include "lib/codec.h"

#include <stdio.h>
#include <string.h>

static struct ms_config *
conf(const char *body)
{
	struct ms_config *cfg;
	struct err err;
	char text[2048];

	snprintf(text, sizeof(text), "<ms_options>%s</ms_options>", body);
	if (config_load_data("ms.conf", text, strlen(text), &cfg, &err) < 0)
		fail_msg("%s", err.msg);
	return cfg;
}

static void
canon_ok(const struct ms_config *cfg, const char *in, const char *addr,
	 const char *expected)
{
	char out[ACCOUNT_USERID_MAX + 1];
	struct err err;

	if (account_canonicalize(cfg, in, addr, out, sizeof(out), &err) < 0)
		fail_msg("%s: %s", in, err.msg);
	assert_string_equal(out, expected);
	assert_true(account_userid_valid(out));
}

static void
canon_bad(const struct ms_config *cfg, const char *in)
{
	char out[ACCOUNT_USERID_MAX + 1];
	struct err err;

	assert_int_equal(
	    account_canonicalize(cfg, in, NULL, out, sizeof(out), &err), -1);
	assert_int_equal(err.code, ERR_PARAMS);
}

static void
test_canonicalize(void **state)
{
	struct ms_config *cfg =
	    conf("<domain>Example.NET</domain>"
		 "<domain_map local_addr='1.1.1.1' domain='ISP.net'/>"
		 "<domain_map local_addr='2.2.2.2' domain='example.com'/>");
	char long_local[80], long_name[400], small[8];
	struct err err;

	(void)state;
	/* M-Box guide 2.2.3: the examples of virtual servers */
	canon_ok(cfg, "test", "1.1.1.1", "test@isp.net");
	canon_ok(cfg, "test", "2.2.2.2", "test@example.com");
	canon_ok(cfg, "test@example.net", "1.1.1.1", "test@example.net");
	canon_ok(cfg, "test@example.net", "2.2.2.2", "test@example.net");
	canon_ok(cfg, "Test", NULL, "test@example.net");
	canon_ok(cfg, "test", "9.9.9.9", "test@example.net");
	canon_ok(cfg, "Joe.Bloggs+Tag@Mail.Example.ORG", NULL,
		 "joe.bloggs+tag@mail.example.org");
	canon_bad(cfg, "");
	canon_bad(cfg, "a b");
	canon_bad(cfg, "a/b");
	canon_bad(cfg, "../etc");
	canon_bad(cfg, ".hidden");
	canon_bad(cfg, "a@b@c");
	canon_bad(cfg, "a@");
	canon_bad(cfg, "@b.c");
	canon_bad(cfg, "a\x01");
	canon_bad(cfg, "a\n@b.c");
	canon_bad(cfg, "\"quoted\"@b.c");
	canon_bad(cfg, "a@[1.2.3.4]");
	canon_bad(cfg, "a@b_c.d");
	canon_bad(cfg, "j\xc3\xa9r\xc3\xb4me");
	memset(long_local, 'a', sizeof(long_local));
	long_local[65] = '\0';
	canon_bad(cfg, long_local);
	long_local[64] = '\0';
	snprintf(long_name, sizeof(long_name), "%s@example.net", long_local);
	canon_ok(cfg, long_local, NULL, long_name);
	memset(long_name, 'b', sizeof(long_name));
	long_name[sizeof(long_name) - 1] = '\0';
	canon_bad(cfg, long_name);
	assert_int_equal(account_canonicalize(cfg, "abcdef", NULL, small,
					      sizeof(small), &err),
			 -1);
	assert_false(account_userid_valid("Joe@example.com"));
	assert_false(account_userid_valid("joe"));
	config_unref(&cfg);
}

static void
test_service_access(void **state)
{
	struct ms_config *open = conf("");
	struct ms_config *strict =
	    conf("<accessible_services>pop=deny, imap=grant"
		 "</accessible_services>");
	struct account *a = account_create("u@x.org");
	bool expl;

	(void)state;
	assert_int_equal(
	    account_service_access(open, NULL, CONFIG_SERVICE_POP, &expl),
	    CONFIG_ACCESS_ALLOW);
	assert_false(expl);
	assert_int_equal(
	    account_service_access(strict, a, CONFIG_SERVICE_POP, &expl),
	    CONFIG_ACCESS_DENY);
	assert_false(expl);
	/* unlisted: allowed (Coffer decision) */
	assert_int_equal(
	    account_service_access(strict, a, CONFIG_SERVICE_SIEVE, &expl),
	    CONFIG_ACCESS_ALLOW);
	a->service[CONFIG_SERVICE_POP] = CONFIG_ACCESS_ALLOW;
	a->service[CONFIG_SERVICE_IMAP] = CONFIG_ACCESS_DENY;
	assert_int_equal(
	    account_service_access(strict, a, CONFIG_SERVICE_POP, &expl),
	    CONFIG_ACCESS_ALLOW);
	assert_true(expl);
	assert_int_equal(
	    account_service_access(open, a, CONFIG_SERVICE_IMAP, &expl),
	    CONFIG_ACCESS_DENY);
	assert_true(expl);
	assert_int_equal(account_quota_kib(open, a), 0);
	a->has_quota = true;
	a->quota_kib = 5;
	assert_int_equal(account_quota_kib(open, a), 5);
	account_destroy(&a);
	config_unref(&open);
	config_unref(&strict);
}

static void
test_fields(void **state)
{
	struct account *a = account_create("u@x.org");
	struct err err;

	(void)state;
	assert_int_equal(account_add_alias(a, "v@x.org", &err), 0);
	assert_int_equal(account_add_alias(a, "v@x.org", &err), 0);
	assert_int_equal(account_add_alias(a, "u@x.org", &err), 0);
	assert_int_equal(a->aliases.n, 1);
	assert_int_equal(account_add_alias(a, "V@x.org", &err), -1);
	assert_int_equal(account_add_prop(a, "givenName", "Ann", &err), 0);
	assert_int_equal(account_add_prop(a, "givenName", "Anna", &err), 0);
	assert_int_equal(account_add_prop(a, "userPassword", "x", &err), -1);
	assert_int_equal(account_add_prop(a, "mailLocalAddress", "x", &err),
			 -1);
	assert_int_equal(account_add_prop(a, "1x", "x", &err), -1);
	assert_int_equal(account_add_prop(a, "x", "a\nb", &err), -1);
	assert_int_equal(account_remove_prop(a, "GIVENNAME"), 2);
	assert_int_equal(account_add_expiration(a, "INBOX$86400", &err), 0);
	assert_int_equal(account_add_expiration(a, "INBOX$soon", &err), -1);
	assert_int_equal(account_set_userdir(a, "relative", &err), -1);
	assert_int_equal(account_set_quota(a, ACCOUNT_QUOTA_MAX + 1, &err), -1);
	for (int i = 0; i < ACCOUNT_MAX_ALIASES; i++) {
		char alias[64];

		snprintf(alias, sizeof(alias), "a%d@x.org", i);
		if (account_add_alias(a, alias, &err) < 0)
			break;
	}
	assert_int_equal(a->aliases.n, ACCOUNT_MAX_ALIASES);
	assert_int_equal(account_add_alias(a, "one-more@x.org", &err), -1);
	assert_int_equal(err.code, ERR_LIMIT);
	account_destroy(&a);
	assert_null(a);
}

static struct account *
full_account(void)
{
	struct account *a = account_create("alice@example.com");
	const char *warning;
	struct password_opts opts = {.cram_md5 = true};
	struct err err;

	assert_int_equal(password_set(a, "s3cret", &opts, &warning, &err), 0);
	assert_null(warning);
	account_add_alias(a, "a.smith@example.com", &err);
	account_add_alias(a, "alice@example.org", &err);
	account_set_quota(a, 102400, &err);
	a->service[CONFIG_SERVICE_POP] = CONFIG_ACCESS_DENY;
	a->service[CONFIG_SERVICE_SIEVE] = CONFIG_ACCESS_ALLOW;
	account_add_expiration(a, "INBOX$86400", &err);
	account_add_expiration(a, "Junk$NONE", &err);
	account_set_userdir(a, "/srv/mail", &err);
	account_add_prop(a, "givenName",
			 "Al\xc3\xad"
			 "ce",
			 &err);
	account_add_prop(a, "mail", "alice@example.com", &err);
	a->status = ACCOUNT_DISABLED;
	return a;
}

static void
test_record_round_trip(void **state)
{
	struct account *a = full_account(), *b;
	struct buf out = BUF_INIT, again = BUF_INIT;
	struct err err;

	(void)state;
	assert_int_equal(account_record_format(a, &out, &err), 0);
	b = account_record_parse(out.data, out.len, &err);
	assert_non_null(b);
	assert_int_equal(account_record_format(b, &again, &err), 0);
	assert_int_equal(out.len, again.len);
	assert_memory_equal(out.data, again.data, out.len);
	assert_string_equal(b->userid, "alice@example.com");
	assert_int_equal(b->status, ACCOUNT_DISABLED);
	assert_string_equal(b->password, a->password);
	assert_string_equal(b->scram_sha256, a->scram_sha256);
	assert_string_equal(b->cram_md5, a->cram_md5);
	assert_int_equal(b->aliases.n, 2);
	assert_int_equal(b->quota_kib, 102400);
	assert_int_equal(b->service[CONFIG_SERVICE_POP], CONFIG_ACCESS_DENY);
	assert_int_equal(b->service[CONFIG_SERVICE_IMAP],
			 CONFIG_ACCESS_DEFAULT);
	assert_int_equal(b->expiration.n, 2);
	assert_string_equal(b->userdir, "/srv/mail");
	assert_int_equal(b->props.n, 2);
	assert_string_equal(b->props.v[1].value, "alice@example.com");
	assert_non_null(strstr(buf_cstr(&out), "\nstatus: disabled\n"));
	assert_non_null(strstr(buf_cstr(&out), "\npassword: $y$"));
	account_destroy(&b);
	/* an invalid field is refused on write */
	a->userid = "Alice@example.com";
	buf_clear(&again);
	assert_int_equal(account_record_format(a, &again, &err), -1);
	assert_int_equal(again.len, 0);
	account_destroy(&a);
	buf_free(&out);
	buf_free(&again);
}

static void
expect_corrupt(const char *text, const char *msg)
{
	struct err err;
	struct account *a = account_record_parse(text, strlen(text), &err);

	if (a != NULL)
		fail_msg("accepted: %s", text);
	assert_int_equal(err.code, ERR_CORRUPT);
	assert_string_equal(err.msg, msg);
}

#define HEAD "coffer-account 1\nuserid: u@x.org\nstatus: enabled\n"

static void
test_record_corrupt(void **state)
{
	struct account *a;
	struct err err;

	(void)state;
	a = account_record_parse(HEAD "# a comment\n\nalias: v@x.org\n",
				 strlen(HEAD) + 28, &err);
	assert_non_null(a);
	account_destroy(&a);
	expect_corrupt("", "userid or status missing");
	expect_corrupt("coffer-account 2\n",
		       "line 1: not a coffer-account 1 record");
	expect_corrupt("coffer-account 1\nuserid: u@x.org\n",
		       "userid or status missing");
	expect_corrupt(HEAD "alias: v@x.org", "line 4: incomplete last line");
	expect_corrupt(HEAD "colour: blue\n", "line 4: unknown key");
	expect_corrupt(HEAD "status: disabled\n", "line 4: repeated key");
	expect_corrupt(HEAD "alias: v@x.org\nalias: v@x.org\n",
		       "line 5: invalid or repeated alias");
	expect_corrupt(HEAD "alias: u@x.org\n",
		       "line 4: the userid is listed as an alias");
	expect_corrupt("coffer-account 1\nalias: u@x.org\nuserid: u@x.org\n"
		       "status: enabled\n",
		       "the userid is listed as an alias");
	expect_corrupt(HEAD "alias: ../x@y.z\n",
		       "line 4: invalid or repeated alias");
	expect_corrupt(HEAD "quota: -1\n", "line 4: invalid quota");
	expect_corrupt(HEAD "quota: 99999999999999999999\n",
		       "line 4: invalid quota");
	expect_corrupt(HEAD "password: secret text\n",
		       "line 4: invalid password hash");
	expect_corrupt(HEAD "password: *0\n", "line 4: invalid password hash");
	expect_corrupt(HEAD "scram-sha-1: "
			    "SCRAM-SHA-1$4096:c2FsdA==$AA==:AA==\n",
		       "line 4: invalid SCRAM-SHA-1 stored keys");
	expect_corrupt(HEAD "scram-sha-256: SCRAM-SHA-1$1:c2FsdA==$"
			    "AAAAAAAAAAAAAAAAAAAAAAAAAAA=:"
			    "AAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
		       "line 4: invalid SCRAM-SHA-256 stored keys");
	expect_corrupt(HEAD "cram-md5: 1234\n",
		       "line 4: invalid cram-md5 secret");
	expect_corrupt(HEAD "service-imap: maybe\n",
		       "line 4: service access must be allow or deny");
	expect_corrupt(HEAD "expiration: INBOX\n",
		       "line 4: invalid expiration policy (expected "
		       "<mailbox>$<seconds> or <mailbox>$NONE)");
	expect_corrupt(HEAD "userdir: relative\n",
		       "line 4: invalid mail root (expected an absolute path)");
	expect_corrupt(HEAD "prop: novalue\n",
		       "line 4: property must be name=value");
	expect_corrupt(HEAD "prop: userPassword=x\n",
		       "line 4: invalid or reserved property name: "
		       "userPassword");
	expect_corrupt(HEAD "status enabled\n",
		       "line 4: expected \"key: value\"");
	expect_corrupt(HEAD "prop: a=b\tc\n",
		       "line 4: line too long or with control characters");
	expect_corrupt(HEAD "prop: a=\xff\n", "record is not UTF-8 text");
	expect_corrupt("coffer-account 1\nuserid: U@x.org\nstatus: enabled\n",
		       "line 2: invalid userid");
	expect_corrupt("coffer-account 1\nuserid: u@x.org\nstatus: gone\n",
		       "line 3: status must be enabled, disabled or migrating");
}

static void
test_passwords(void **state)
{
	struct account *a = account_create("u@x.org");
	struct password_opts opts = {0};
	struct buf hash = BUF_INIT;
	const char *warning;
	struct err err;

	(void)state;
	assert_int_equal(
	    password_set(a, "correct horse", &opts, &warning, &err), 0);
	assert_true(strncmp(a->password, "$y$", 3) == 0);
	assert_non_null(a->scram_sha1);
	assert_non_null(a->scram_sha256);
	assert_null(a->cram_md5);
	assert_true(password_check(a, "correct horse"));
	assert_false(password_check(a, "correct horsf"));
	assert_false(password_check(a, ""));
	assert_false(password_check(NULL, "x"));
	/* hashes from elsewhere still verify */
	assert_true(password_verify("$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiN"
				    "uHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y"
				    "77vwPZN.Pq.H91p5hVO1",
				    "secret"));
	assert_false(password_verify("garbage", "secret"));
	assert_false(password_verify("$y$broken", "secret"));
	assert_int_equal(password_set(a, "", &opts, &warning, &err), -1);
	/* SASLprep refuses a control character: no SCRAM keys, a warning */
	assert_int_equal(password_set(a, "bell\x07", &opts, &warning, &err), 0);
	assert_non_null(warning);
	assert_null(a->scram_sha256);
	assert_true(password_check(a, "bell\x07"));
	password_clear(a);
	assert_null(a->password);
	assert_false(password_check(a, "bell\x07"));
	assert_int_equal(password_hash("x", &hash, &err), 0);
	assert_true(password_hash_valid(buf_cstr(&hash)));
	buf_free(&hash);
	account_destroy(&a);
}

/* Checks stored keys against an RFC example exchange: the client proof
   must verify (RFC 5802 section 3) and the server signature match. */
static void
check_scram_vector(enum scram_hash hash, const char *salt_b64,
		   const char *auth_message, const char *proof_b64,
		   const char *signature_b64)
{
	struct buf salt = BUF_INIT, proof = BUF_INIT, sig = BUF_INIT,
		   norm = BUF_INIT;
	uint8_t client_sig[32], client_key[32], stored[32], server_sig[32];
	struct scram_keys keys, parsed;
	struct buf text = BUF_INIT;
	struct err err;
	size_t len;

	assert_int_equal(base64_decode(salt_b64, strlen(salt_b64), &salt), 0);
	assert_int_equal(base64_decode(proof_b64, strlen(proof_b64), &proof),
			 0);
	assert_int_equal(
	    base64_decode(signature_b64, strlen(signature_b64), &sig), 0);
	assert_int_equal(scram_normalize_password("pencil", &norm), 0);
	assert_int_equal(scram_keys_compute(hash, norm.data, norm.len,
					    salt.data, salt.len, 4096, &keys,
					    &err),
			 0);
	len = keys.key_len;
	assert_int_equal(scram_hmac(hash, keys.stored_key, len, auth_message,
				    strlen(auth_message), client_sig),
			 len);
	for (size_t i = 0; i < len; i++)
		client_key[i] = proof.data[i] ^ client_sig[i];
	assert_int_equal(scram_digest(hash, client_key, len, stored), len);
	assert_memory_equal(stored, keys.stored_key, len);
	assert_int_equal(scram_hmac(hash, keys.server_key, len, auth_message,
				    strlen(auth_message), server_sig),
			 len);
	assert_int_equal(sig.len, len);
	assert_memory_equal(server_sig, sig.data, len);
	/* the RFC 5803 form reads back */
	assert_int_equal(scram_keys_format(&keys, &text), 0);
	assert_int_equal(scram_keys_parse(hash, buf_cstr(&text), &parsed, &err),
			 0);
	assert_memory_equal(parsed.stored_key, keys.stored_key, len);
	assert_int_equal(parsed.iterations, 4096);
	assert_int_equal(
	    scram_keys_parse(hash == SCRAM_SHA_1 ? SCRAM_SHA_256 : SCRAM_SHA_1,
			     buf_cstr(&text), &parsed, &err),
	    -1);
	buf_free(&salt);
	buf_free(&proof);
	buf_free(&sig);
	buf_free(&norm);
	buf_free(&text);
}

static void
test_scram_vectors(void **state)
{
	(void)state;
	/* RFC 5802 section 5 */
	check_scram_vector(
	    SCRAM_SHA_1, "QSXCR+Q6sek8bf92",
	    "n=user,r=fyko+d2lbbFgONRv9qkxdawL,"
	    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
	    "s=QSXCR+Q6sek8bf92,i=4096,"
	    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j",
	    "v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", "rmF9pqV8S7suAoZWja4dJRkFsKQ=");
	/* RFC 7677 section 3 */
	check_scram_vector(
	    SCRAM_SHA_256, "W22ZaJ0SNY7soEsUEjb6gQ==",
	    "n=user,r=rOprNGfwEbeRWgbNEkqO,"
	    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	    "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,"
	    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
	    "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
	    "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
}

static void
test_scram_parse(void **state)
{
	struct scram_keys k;
	struct buf norm = BUF_INIT;
	struct err err;
	static const char *const bad[] = {
	    "",
	    "SCRAM-SHA-1",
	    "SCRAM-SHA-1$",
	    "SCRAM-SHA-1$4096:c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	    "SCRAM-SHA-1$0:c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAA=:"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	    "SCRAM-SHA-1$x:c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAA=:"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	    "SCRAM-SHA-1$4096:$AAAAAAAAAAAAAAAAAAAAAAAAAAA=:"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	    "SCRAM-SHA-1$4096:c2FsdA==$AAAA:AAAA",
	    "SCRAM-SHA-1$4096:c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAA=:"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAA=:x",
	    "SCRAM-SHA-1$99999999999:c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAA=:"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	};

	(void)state;
	assert_int_equal(
	    scram_keys_parse(SCRAM_SHA_1,
			     "SCRAM-SHA-1$4096:c2FsdA==$AAAAAAAAAAAAAAAA"
			     "AAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
			     &k, &err),
	    0);
	assert_int_equal(k.salt_len, 4);
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		if (scram_keys_parse(SCRAM_SHA_1, bad[i], &k, &err) == 0)
			fail_msg("accepted %s", bad[i]);
	}
	/* RFC 4013 section 3 examples: SOFT HYPHEN maps to nothing,
	   U+00AA maps to "a" (NFKC), U+0007 is prohibited */
	assert_int_equal(scram_normalize_password("I\xc2\xadX", &norm), 0);
	assert_string_equal(buf_cstr(&norm), "IX");
	buf_clear(&norm);
	assert_int_equal(scram_normalize_password("\xc2\xaa", &norm), 0);
	assert_string_equal(buf_cstr(&norm), "a");
	buf_clear(&norm);
	assert_int_equal(scram_normalize_password("\x07", &norm), -1);
	assert_int_equal(scram_normalize_password("\xc2\xad", &norm), -1);
	buf_free(&norm);
}

static void
test_cram_md5(void **state)
{
	static const char challenge[] =
	    "<1896.697170952@postoffice.reston.mci.net>";
	char secret[CRAM_MD5_SECRET_HEX_LEN + 1], hex[33];
	uint8_t digest[16];
	char long_key[100];

	(void)state;
	/* RFC 2195 section 2 */
	cram_md5_secret("tanstaaftanstaaf", 16, secret);
	assert_true(cram_md5_secret_valid(secret));
	assert_true(
	    cram_md5_response(secret, challenge, strlen(challenge), digest));
	hex_encode(digest, sizeof(digest), hex);
	assert_string_equal(hex, "b913a602c7eda7a495b4e6e7334d3890");
	/* RFC 2202 test case 6: a 80-byte key is hashed first */
	memset(long_key, 0xaa, 80);
	cram_md5_secret(long_key, 80, secret);
	assert_true(cram_md5_response(
	    secret, "Test Using Larger Than Block-Size Key - Hash Key First",
	    54, digest));
	hex_encode(digest, sizeof(digest), hex);
	assert_string_equal(hex, "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd");
	assert_false(cram_md5_secret_valid("xyz"));
	assert_false(cram_md5_response("00", "x", 1, digest));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_canonicalize),
	    cmocka_unit_test(test_service_access),
	    cmocka_unit_test(test_fields),
	    cmocka_unit_test(test_record_round_trip),
	    cmocka_unit_test(test_record_corrupt),
	    cmocka_unit_test(test_passwords),
	    cmocka_unit_test(test_scram_vectors),
	    cmocka_unit_test(test_scram_parse),
	    cmocka_unit_test(test_cram_md5),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
