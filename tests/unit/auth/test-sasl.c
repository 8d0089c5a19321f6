/* SPDX-License-Identifier: MIT */
/*
 * SASL: mechanism names and the offered list (mech_list, TLS,
 * login_disabled, min_ssf), PLAIN, LOGIN and CRAM-MD5 against libgsasl's
 * client, malformed exchanges and the base64 wire form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sasl-test.h"
#include "lib/buf.h"
#include "lib/codec.h"

#include <stdio.h>
#include <string.h>

static void
expect_offered(struct sasl_fx *fx, const struct ms_config *cfg,
	       const struct sasl_channel *ch, const char *want)
{
	enum sasl_mech mechs[SASL_MECH_COUNT];
	size_t n = sasl_mechs_offered(fx->srv, cfg, ch, mechs);
	char got[512] = "";

	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strcat(got, " ");
		strcat(got, sasl_mech_name(mechs[i]));
	}
	assert_string_equal(got, want);
}

static void
test_names(void **state)
{
	enum sasl_mech m;

	(void)state;
	for (unsigned i = 0; i < SASL_MECH_COUNT; i++) {
		const char *name = sasl_mech_name((enum sasl_mech)i);

		assert_true(sasl_mech_parse(name, strlen(name), &m));
		assert_int_equal(m, i);
	}
	assert_true(sasl_mech_parse("scram-sha-256-plus", 18, &m));
	assert_int_equal(m, SASL_MECH_SCRAM_SHA_256_PLUS);
	assert_false(sasl_mech_parse("DIGEST-MD5", 10, &m));
	assert_false(sasl_mech_parse("PLAINX", 6, &m));
	assert_false(sasl_mech_parse("PLAIN", 4, &m));
	assert_false(sasl_mech_parse("", 0, &m));
}

static void
collect(const char *msg, void *ctx)
{
	strcat(ctx, msg);
	strcat(ctx, "|");
}

static void
test_policy(void **state)
{
	struct sasl_fx *fx = *state;
	struct sasl_channel ext = fx->tls;
	struct ms_config *cfg;
	char warnings[512] = "";

	/* defaults: login_disabled, no CRAM-MD5 */
	expect_offered(fx, fx->cfg, &fx->plain, "SCRAM-SHA-256 SCRAM-SHA-1");
	expect_offered(fx, fx->cfg, &fx->tls,
		       "SCRAM-SHA-256-PLUS SCRAM-SHA-256 SCRAM-SHA-1-PLUS "
		       "SCRAM-SHA-1 PLAIN LOGIN");
	/* a client certificate adds EXTERNAL */
	ext.peer_cert = (X509 *)1; /* only tested for NULL here */
	expect_offered(fx, fx->cfg, &ext,
		       "SCRAM-SHA-256-PLUS SCRAM-SHA-256 SCRAM-SHA-1-PLUS "
		       "SCRAM-SHA-1 EXTERNAL PLAIN LOGIN");
	/* TLS without any channel binding: no -PLUS */
	ext = fx->tls;
	memset(ext.cb_len, 0, sizeof(ext.cb_len));
	expect_offered(fx, fx->cfg, &ext,
		       "SCRAM-SHA-256 SCRAM-SHA-1 PLAIN LOGIN");

	cfg = sasl_fx_config(fx, "<login_disabled>false</login_disabled>");
	expect_offered(fx, cfg, &fx->plain,
		       "SCRAM-SHA-256 SCRAM-SHA-1 PLAIN LOGIN");
	config_unref(&cfg);

	/* naming SCRAM-X enables SCRAM-X-PLUS; CRAM-MD5 only when named */
	cfg = sasl_fx_config(fx, "<sasl><mech_list>plain cram-md5 SCRAM-SHA-1 "
				 "DIGEST-MD5 GSSAPI</mech_list></sasl>");
	expect_offered(fx, cfg, &fx->plain, "SCRAM-SHA-1 CRAM-MD5");
	expect_offered(fx, cfg, &fx->tls,
		       "SCRAM-SHA-1-PLUS SCRAM-SHA-1 CRAM-MD5 PLAIN");
	sasl_config_check(cfg, collect, warnings);
	assert_string_equal(warnings,
			    "mech_list: DIGEST-MD5 is not implemented; "
			    "ignored|mech_list: GSSAPI needs gssapi_keytab; "
			    "not offered|");
	config_unref(&cfg);

	/* naming only the -PLUS variant */
	cfg = sasl_fx_config(fx, "<sasl><mech_list>SCRAM-SHA-256-PLUS"
				 "</mech_list></sasl>");
	expect_offered(fx, cfg, &fx->plain, "");
	expect_offered(fx, cfg, &fx->tls, "SCRAM-SHA-256-PLUS");
	config_unref(&cfg);

	/* min_ssf: only TLS provides a layer */
	cfg = sasl_fx_config(fx, "<sasl><min_ssf>1</min_ssf></sasl>");
	expect_offered(fx, cfg, &fx->plain, "");
	expect_offered(fx, cfg, &fx->tls,
		       "SCRAM-SHA-256-PLUS SCRAM-SHA-256 SCRAM-SHA-1-PLUS "
		       "SCRAM-SHA-1 PLAIN LOGIN");
	config_unref(&cfg);
	cfg = sasl_fx_config(fx, "<sasl><min_ssf>512</min_ssf></sasl>");
	expect_offered(fx, cfg, &fx->tls, "");
	config_unref(&cfg);

	/* the default list warns about nothing */
	warnings[0] = '\0';
	sasl_config_check(fx->cfg, collect, warnings);
	assert_string_equal(warnings, "");
}

static void
test_not_offered(void **state)
{
	struct sasl_fx *fx = *state;
	struct buf chal = BUF_INIT;
	enum sasl_status st;
	struct sasl_session *s;

	/* PLAIN outside TLS with login_disabled */
	s = start_raw(fx, fx->cfg, &fx->plain, "PLAIN", "\0a\0b", 4, &st,
		      &chal);
	assert_int_equal(st, SASL_FAILED);
	assert_int_equal(sasl_session_failure(s), SASL_FAIL_MECH);
	sasl_session_destroy(&s);
	assert_null(s);
	s = start_raw(fx, fx->cfg, &fx->tls, "X-UNKNOWN", NULL, 0, &st, &chal);
	assert_int_equal(sasl_session_failure(s), SASL_FAIL_MECH);
	assert_int_equal(sasl_session_mech(s), SASL_MECH_COUNT);
	assert_non_null(strstr(sasl_session_failure_detail(s), "X-UNKNOWN"));
	sasl_session_destroy(&s);
	/* CRAM-MD5 is not offered by default */
	s = start_raw(fx, fx->cfg, &fx->tls, "CRAM-MD5", NULL, 0, &st, &chal);
	assert_int_equal(sasl_session_failure(s), SASL_FAIL_MECH);
	sasl_session_destroy(&s);
	sasl_session_destroy(&s);
	buf_free(&chal);
}

/* --- PLAIN and LOGIN ----------------------------------------------------- */

static void
expect_password(struct exchange *ex, const char *authcid, const char *authzid,
		const char *password)
{
	const struct sasl_outcome *o;

	assert_int_equal(ex->status, SASL_DONE);
	o = sasl_session_outcome(ex->sess);
	assert_int_equal(o->kind, SASL_OUTCOME_PASSWORD);
	assert_string_equal(o->authcid, authcid);
	assert_string_equal(o->authzid, authzid);
	assert_string_equal(o->password, password);
	sasl_session_destroy(&ex->sess);
}

static void
test_plain(void **state)
{
	struct sasl_fx *fx = *state;
	struct exchange ex;

	run_gsasl(fx, fx->cfg, &fx->tls, "PLAIN",
		  &(struct gsasl_client_opts){
		      .authid = "alice", .password = ALICE_PW, .initial = true},
		  &ex);
	expect_password(&ex, "alice", "", ALICE_PW);
	/* after an empty challenge, with an authorization identity */
	run_gsasl(fx, fx->cfg, &fx->tls, "PLAIN",
		  &(struct gsasl_client_opts){.authid = "admin",
					      .password = "secret",
					      .authzid = ALICE,
					      .initial = false},
		  &ex);
	assert_string_equal(sasl_session_claimed_name(ex.sess), "admin");
	expect_password(&ex, "admin", ALICE, "secret");
}

static void
test_login(void **state)
{
	struct sasl_fx *fx = *state;
	struct buf chal = BUF_INIT;
	struct exchange ex;
	enum sasl_status st;
	struct sasl_session *s;

	run_gsasl(fx, fx->cfg, &fx->tls, "LOGIN",
		  &(struct gsasl_client_opts){.authid = "alice",
					      .password = ALICE_PW},
		  &ex);
	expect_password(&ex, "alice", "", ALICE_PW);
	/* the user name as an initial response */
	s = start_raw(fx, fx->cfg, &fx->tls, "LOGIN", "bob", 3, &st, &chal);
	assert_int_equal(st, SASL_CONTINUE);
	assert_string_equal(buf_cstr(&chal), "Password:");
	buf_clear(&chal);
	assert_int_equal(sasl_session_step(s, (const uint8_t *)"pw", 2, &chal),
			 SASL_DONE);
	assert_string_equal(sasl_session_outcome(s)->password, "pw");
	sasl_session_destroy(&s);
	/* an empty password is malformed */
	s = start_raw(fx, fx->cfg, &fx->tls, "LOGIN", NULL, 0, &st, &chal);
	assert_string_equal(buf_cstr(&chal), "Username:");
	assert_int_equal(sasl_session_step(s, (const uint8_t *)"u", 1, &chal),
			 SASL_CONTINUE);
	assert_int_equal(sasl_session_step(s, (const uint8_t *)"", 0, &chal),
			 SASL_FAILED);
	assert_int_equal(sasl_session_failure(s), SASL_FAIL_MALFORMED);
	sasl_session_destroy(&s);
	buf_free(&chal);
}

static void
expect_malformed(struct sasl_fx *fx, const char *mech, const void *msg,
		 size_t len)
{
	struct buf chal = BUF_INIT;
	enum sasl_status st;
	struct sasl_session *s =
	    start_raw(fx, fx->cfg, &fx->tls, mech, msg, len, &st, &chal);

	assert_int_equal(st, SASL_FAILED);
	assert_int_equal(sasl_session_failure(s), SASL_FAIL_MALFORMED);
	sasl_session_destroy(&s);
	buf_free(&chal);
}

static void
test_plain_malformed(void **state)
{
	struct sasl_fx *fx = *state;
	char big[1100];

	expect_malformed(fx, "PLAIN", "", 0);
	expect_malformed(fx, "PLAIN", "user", 4);
	expect_malformed(fx, "PLAIN", "\0user", 5);
	expect_malformed(fx, "PLAIN", "\0user\0", 6);	     /* no password */
	expect_malformed(fx, "PLAIN", "\0\0pw", 4);	     /* no authcid */
	expect_malformed(fx, "PLAIN", "\0u\0p\0w", 6);	     /* third NUL */
	expect_malformed(fx, "PLAIN", "\0\xff\xfe\0pw", 6);  /* not UTF-8 */
	expect_malformed(fx, "PLAIN", "\xc0\x80\0u\0pw", 7); /* overlong */
	memset(big, 'p', sizeof(big));
	big[0] = '\0';
	big[2] = '\0';
	expect_malformed(fx, "PLAIN", big, sizeof(big)); /* long password */
	memset(big, 'u', sizeof(big));
	big[0] = '\0';
	big[sizeof(big) - 3] = '\0';
	expect_malformed(fx, "PLAIN", big, sizeof(big)); /* long name */
}

/* --- CRAM-MD5 ------------------------------------------------------------ */

static void
test_cram_md5(void **state)
{
	struct sasl_fx *fx = *state;
	struct ms_config *cfg =
	    sasl_fx_config(fx, "<sasl><mech_list>CRAM-MD5</mech_list></sasl>");
	struct buf chal = BUF_INIT;
	struct exchange ex;
	enum sasl_status st;
	struct sasl_session *s;

	run_gsasl(fx, cfg, &fx->plain, "CRAM-MD5",
		  &(struct gsasl_client_opts){.authid = "alice",
					      .password = ALICE_PW},
		  &ex);
	assert_int_equal(ex.status, SASL_DONE);
	assert_int_equal(sasl_session_outcome(ex.sess)->kind,
			 SASL_OUTCOME_VERIFIED);
	assert_string_equal(sasl_session_outcome(ex.sess)->authcid, ALICE);
	sasl_session_destroy(&ex.sess);
	/* an alias names the account */
	run_gsasl(fx, cfg, &fx->plain, "CRAM-MD5",
		  &(struct gsasl_client_opts){.authid = "A.Smith",
					      .password = ALICE_PW},
		  &ex);
	assert_int_equal(ex.status, SASL_DONE);
	assert_string_equal(sasl_session_outcome(ex.sess)->authcid, ALICE);
	sasl_session_destroy(&ex.sess);

	/* wrong password, unknown user, no secret: one failure class */
	const struct gsasl_client_opts bad[] = {
	    {.authid = "alice", .password = "wrong"},
	    {.authid = "nobody", .password = "x"},
	    {.authid = "nokeys", .password = "nokeys-pw"},
	};
	for (size_t i = 0; i < 3; i++) {
		run_gsasl(fx, cfg, &fx->plain, "CRAM-MD5", &bad[i], &ex);
		assert_int_equal(ex.status, SASL_FAILED);
		assert_int_equal(sasl_session_failure(ex.sess),
				 SASL_FAIL_CREDENTIALS);
		sasl_session_destroy(&ex.sess);
	}

	/* the challenge is an RFC 822 msg-id with our host name */
	s = start_raw(fx, cfg, &fx->plain, "CRAM-MD5", NULL, 0, &st, &chal);
	assert_int_equal(st, SASL_CONTINUE);
	assert_true(chal.data[0] == '<');
	assert_non_null(strstr(buf_cstr(&chal), "@mail.example.com>"));
	assert_int_equal(
	    sasl_session_step(s, (const uint8_t *)"alice zz", 8, &chal),
	    SASL_FAILED);
	assert_int_equal(sasl_session_failure(s), SASL_FAIL_MALFORMED);
	sasl_session_destroy(&s);
	/* no initial response allowed (RFC 4959 section 3) */
	s = start_raw(fx, cfg, &fx->plain, "CRAM-MD5", "x", 1, &st, &chal);
	assert_int_equal(sasl_session_failure(s), SASL_FAIL_MALFORMED);
	sasl_session_destroy(&s);
	buf_free(&chal);
	config_unref(&cfg);
}

/* --- the wire form ------------------------------------------------------- */

static void
test_base64_wire(void **state)
{
	struct sasl_fx *fx = *state;
	struct sasl_session_settings set = {.cfg = fx->cfg,
					    .channel = &fx->tls,
					    .success_data_as_challenge = true};
	struct buf chal = BUF_INIT, line = BUF_INIT;
	enum sasl_status st;
	struct sasl_session *s;

	/* not base64, bad padding, white space */
	const char *bad[] = {"AGFsaWNlAHB3!", "AGFsaWNlAHB3=", "=AAA",
			     "AGFs aWNl", "AAA=BBB"};
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		s = sasl_session_start_base64(fx->srv, &set, "PLAIN", 5, bad[i],
					      strlen(bad[i]), &chal, &st);
		assert_int_equal(st, SASL_FAILED);
		assert_int_equal(sasl_session_failure(s), SASL_FAIL_MALFORMED);
		assert_int_equal(sasl_session_mech(s), SASL_MECH_PLAIN);
		sasl_session_destroy(&s);
	}
	/* "=" is an empty initial response: PLAIN rejects an empty one */
	s = sasl_session_start_base64(fx->srv, &set, "PLAIN", 5, "=", 1, &chal,
				      &st);
	assert_int_equal(sasl_session_failure(s), SASL_FAIL_MALFORMED);
	sasl_session_destroy(&s);
	/* no initial response: "+ " with an empty challenge, then a line */
	s = sasl_session_start_base64(fx->srv, &set, "PLAIN", 5, NULL, 0, &chal,
				      &st);
	assert_int_equal(st, SASL_CONTINUE);
	assert_int_equal(chal.len, 0);
	base64_encode("\0alice\0pw", 9, &line);
	assert_int_equal(
	    sasl_session_step_base64(s, buf_cstr(&line), line.len, &chal),
	    SASL_DONE);
	sasl_session_destroy(&s);
	/* "*" cancels */
	s = sasl_session_start_base64(fx->srv, &set, "LOGIN", 5, NULL, 0, &chal,
				      &st);
	buf_clear(&chal);
	assert_int_equal(sasl_session_step_base64(s, "*", 1, &chal),
			 SASL_FAILED);
	assert_int_equal(sasl_session_failure(s), SASL_FAIL_CANCELLED);
	sasl_session_destroy(&s);
	/* a challenge comes back base64-encoded */
	s = sasl_session_start_base64(fx->srv, &set, "LOGIN", 5, NULL, 0, &chal,
				      &st);
	assert_string_equal(buf_cstr(&chal), "VXNlcm5hbWU6");
	sasl_session_destroy(&s);
	/* a response longer than the bound is refused before decoding */
	buf_clear(&line);
	for (size_t i = 0; i < SASL_INPUT_B64_MAX + 4; i += 4)
		buf_append_str(&line, "AAAA");
	s = sasl_session_start_base64(fx->srv, &set, "PLAIN", 5, NULL, 0, &chal,
				      &st);
	assert_int_equal(
	    sasl_session_step_base64(s, buf_cstr(&line), line.len, &chal),
	    SASL_FAILED);
	assert_int_equal(sasl_session_failure(s), SASL_FAIL_MALFORMED);
	sasl_session_destroy(&s);
	buf_free(&chal);
	buf_free(&line);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_policy),
	    cmocka_unit_test(test_not_offered),
	    cmocka_unit_test(test_plain),
	    cmocka_unit_test(test_login),
	    cmocka_unit_test(test_plain_malformed),
	    cmocka_unit_test(test_cram_md5),
	    cmocka_unit_test(test_base64_wire),
	};

	return cmocka_run_group_tests(tests, sasl_fx_setup, sasl_fx_teardown);
}
