/* SPDX-License-Identifier: MIT */
/*
 * SASL SCRAM: SCRAM-SHA-1/256 and -PLUS against libgsasl's client
 * (tls-exporter, tls-unique), tls-server-end-point and protocol abuse with a
 * hand-made client, decoy salts for unknown users, malformed messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sasl-test.h"
#include "auth/scram.h"
#include "lib/buf.h"
#include "lib/codec.h"

#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>

/* --- with libgsasl's client ---------------------------------------------- */

static void
expect_verified(struct exchange *ex, const char *userid, const char *authzid)
{
	const struct sasl_outcome *o;

	if (ex->status != SASL_DONE)
		fail_msg("exchange failed: %s",
			 sasl_session_failure_detail(ex->sess));
	o = sasl_session_outcome(ex->sess);
	assert_int_equal(o->kind, SASL_OUTCOME_VERIFIED);
	assert_string_equal(o->authcid, userid);
	assert_string_equal(o->authzid, authzid);
	assert_null(o->password);
	assert_true(ex->client_ok); /* the client checked our signature */
	sasl_session_destroy(&ex->sess);
}

static void
expect_failure(struct exchange *ex, enum sasl_failure why)
{
	assert_int_equal(ex->status, SASL_FAILED);
	assert_int_equal(sasl_session_failure(ex->sess), why);
	assert_false(ex->client_ok);
	sasl_session_destroy(&ex->sess);
}

static void
test_scram(void **state)
{
	struct sasl_fx *fx = *state;
	const char *mechs[] = {"SCRAM-SHA-1", "SCRAM-SHA-256"};
	struct exchange ex;

	for (size_t i = 0; i < 2; i++) {
		const char *m = mechs[i];

		run_gsasl(fx, fx->cfg, &fx->plain, m,
			  &(struct gsasl_client_opts){.authid = "alice",
						      .password = ALICE_PW,
						      .initial = true},
			  &ex);
		expect_verified(&ex, ALICE, "");
		run_gsasl(fx, fx->cfg, &fx->plain, m,
			  &(struct gsasl_client_opts){.authid = "a.smith",
						      .password = ALICE_PW,
						      .authzid = BOB},
			  &ex);
		expect_verified(&ex, ALICE, BOB);
		/* account status is the caller's business */
		run_gsasl(fx, fx->cfg, &fx->plain, m,
			  &(struct gsasl_client_opts){.authid = BOB,
						      .password = BOB_PW,
						      .initial = true},
			  &ex);
		expect_verified(&ex, BOB, "");

		const struct gsasl_client_opts bad[] = {
		    {.authid = "alice", .password = "wrong"},
		    {.authid = "nobody", .password = "x"},
		    {.authid = NOKEYS, .password = "nokeys-pw"},
		};
		for (size_t j = 0; j < N_ELEMENTS(bad); j++) {
			run_gsasl(fx, fx->cfg, &fx->plain, m, &bad[j], &ex);
			expect_failure(&ex, SASL_FAIL_CREDENTIALS);
		}
	}
}

static void
test_scram_plus(void **state)
{
	struct sasl_fx *fx = *state;
	const uint8_t *exporter = fx->tls.cb[NET_TLS_CB_EXPORTER];
	const uint8_t *unique = fx->tls.cb[NET_TLS_CB_UNIQUE];
	uint8_t other[32];
	struct exchange ex;

	memset(other, 'x', sizeof(other));
	for (int sha1 = 0; sha1 < 2; sha1++) {
		const char *m =
		    sha1 ? "SCRAM-SHA-1-PLUS" : "SCRAM-SHA-256-PLUS";

		run_gsasl(fx, fx->cfg, &fx->tls, m,
			  &(struct gsasl_client_opts){.authid = "alice",
						      .password = ALICE_PW,
						      .cb_exporter = exporter,
						      .cb_len = 32,
						      .initial = true},
			  &ex);
		expect_verified(&ex, ALICE, "");
		run_gsasl(fx, fx->cfg, &fx->tls, m,
			  &(struct gsasl_client_opts){.authid = "alice",
						      .password = ALICE_PW,
						      .cb_unique = unique,
						      .cb_len = 32,
						      .initial = true},
			  &ex);
		expect_verified(&ex, ALICE, "");
		/* a man in the middle sees another channel */
		run_gsasl(fx, fx->cfg, &fx->tls, m,
			  &(struct gsasl_client_opts){.authid = "alice",
						      .password = ALICE_PW,
						      .cb_exporter = other,
						      .cb_len = 32,
						      .initial = true},
			  &ex);
		expect_failure(&ex, SASL_FAIL_CREDENTIALS);
		/* no -PLUS without TLS */
		run_gsasl(fx, fx->cfg, &fx->plain, m,
			  &(struct gsasl_client_opts){.authid = "alice",
						      .password = ALICE_PW,
						      .cb_exporter = exporter,
						      .cb_len = 32,
						      .initial = true},
			  &ex);
		expect_failure(&ex, SASL_FAIL_MECH);
	}
	/* (libgsasl's client will not send "y"; the hand-made client below
	   covers the downgrade check) */
	/* "n" over TLS is fine: the client does not do binding */
	run_gsasl(fx, fx->cfg, &fx->tls, "SCRAM-SHA-256",
		  &(struct gsasl_client_opts){
		      .authid = "alice", .password = ALICE_PW, .initial = true},
		  &ex);
	expect_verified(&ex, ALICE, "");
}

/* --- a hand-made client ------------------------------------------------- */

struct client {
	enum scram_hash hash;
	const char *gs2;      /* "n,,", "p=tls-server-end-point,,", ... */
	const char *user;     /* already saslname-escaped */
	const char *password; /* ASCII: SASLprep is the identity */
	const uint8_t *cb;
	size_t cb_len;
	char bare[256];
	uint8_t server_sig[32];
};

static const char *
attr(const char *msg, char name, char *out, size_t size)
{
	char key[3] = {name, '=', '\0'};
	const char *p = strstr(msg, key), *end;

	if (p == NULL)
		return NULL;
	p += 2;
	end = strchr(p, ',');
	if (end == NULL)
		end = p + strlen(p);
	snprintf(out, size, "%.*s", (int)(end - p), p);
	return out;
}

static void
client_first(struct client *c, struct buf *out)
{
	snprintf(c->bare, sizeof(c->bare), "n=%s,r=fyko+d2lbbFgONRv9qkxdawL",
		 c->user);
	buf_printf(out, "%s%s", c->gs2, c->bare);
}

/* Builds the client-final message for server_first; extra goes before
   the proof ("" or ",x=..."). */
static void
client_final(struct client *c, const char *server_first, const char *extra,
	     struct buf *out)
{
	const EVP_MD *md = c->hash == SCRAM_SHA_1 ? EVP_sha1() : EVP_sha256();
	size_t klen = c->hash == SCRAM_SHA_1 ? 20 : 32;
	char nonce[512], salt_b64[128], iter[16];
	uint8_t salted[32], ckey[32], skey[32], stored[32], sig[32];
	struct buf salt = BUF_INIT, cbind = BUF_INIT, msg = BUF_INIT;
	size_t proof_at;

	assert_non_null(attr(server_first, 'r', nonce, sizeof(nonce)));
	assert_non_null(attr(server_first, 's', salt_b64, sizeof(salt_b64)));
	assert_non_null(attr(server_first, 'i', iter, sizeof(iter)));
	assert_int_equal(base64_decode(salt_b64, strlen(salt_b64), &salt), 0);
	assert_int_equal(
	    PKCS5_PBKDF2_HMAC(c->password, (int)strlen(c->password), salt.data,
			      (int)salt.len, atoi(iter), md, (int)klen, salted),
	    1);
	buf_append_str(&cbind, c->gs2);
	if (c->cb != NULL)
		buf_append(&cbind, c->cb, c->cb_len);
	buf_append_str(out, "c=");
	base64_encode(cbind.data, cbind.len, out);
	buf_printf(out, ",r=%s%s", nonce, extra);
	proof_at = out->len;
	buf_printf(&msg, "%s,%s,", c->bare, server_first);
	buf_append(&msg, out->data, out->len);
	scram_hmac(c->hash, salted, klen, "Client Key", 10, ckey);
	scram_digest(c->hash, ckey, klen, stored);
	scram_hmac(c->hash, stored, klen, msg.data, msg.len, sig);
	for (size_t i = 0; i < klen; i++)
		ckey[i] ^= sig[i];
	buf_append_str(out, ",p=");
	base64_encode(ckey, klen, out);
	scram_hmac(c->hash, salted, klen, "Server Key", 10, skey);
	scram_hmac(c->hash, skey, klen, msg.data, msg.len, c->server_sig);
	(void)proof_at;
	buf_free(&salt);
	buf_free(&cbind);
	buf_free(&msg);
}

/* Runs the hand-made client; returns the final status. */
static enum sasl_status
run_client(struct sasl_fx *fx, const struct sasl_channel *ch, const char *mech,
	   struct client *c, const char *extra, struct sasl_session **s_r)
{
	struct buf first = BUF_INIT, chal = BUF_INIT, final = BUF_INIT;
	enum sasl_status st;
	struct sasl_session *s;

	client_first(c, &first);
	s = start_raw(fx, fx->cfg, ch, mech, first.data, first.len, &st, &chal);
	if (st == SASL_CONTINUE) {
		client_final(c, buf_cstr(&chal), extra, &final);
		buf_clear(&chal);
		st = sasl_session_step(s, final.data, final.len, &chal);
	}
	if (st == SASL_CONTINUE) {
		struct buf v = BUF_INIT;

		buf_append_str(&v, "v=");
		base64_encode(c->server_sig, c->hash == SCRAM_SHA_1 ? 20 : 32,
			      &v);
		assert_string_equal(buf_cstr(&chal), buf_cstr(&v));
		buf_free(&v);
		buf_clear(&chal);
		st = sasl_session_step(s, (const uint8_t *)"", 0, &chal);
	}
	buf_free(&first);
	buf_free(&chal);
	buf_free(&final);
	*s_r = s;
	return st;
}

static void
expect_client(struct sasl_fx *fx, const struct sasl_channel *ch,
	      const char *mech, struct client c, enum sasl_failure want)
{
	struct sasl_session *s;
	enum sasl_status st = run_client(fx, ch, mech, &c, "", &s);

	if (want == SASL_FAIL_NONE) {
		if (st != SASL_DONE)
			fail_msg("%s %s: %s", mech, c.gs2,
				 sasl_session_failure_detail(s));
		assert_string_equal(sasl_session_outcome(s)->authcid, ALICE);
	} else {
		assert_int_equal(st, SASL_FAILED);
		assert_int_equal(sasl_session_failure(s), want);
	}
	sasl_session_destroy(&s);
}

static void
test_channel_binding_types(void **state)
{
	struct sasl_fx *fx = *state;
	const struct sasl_channel *tls = &fx->tls;
	struct sasl_channel no_exporter = fx->tls;
	struct client base = {
	    .hash = SCRAM_SHA_256, .user = "alice", .password = "alice-pw"};
	struct client c;
	uint8_t wrong[32];

	/* alice's SCRAM password is ALICE_PW; use a plain ASCII account:
	   set alice's password in the client to the real one */
	base.password = ALICE_PW;
	memset(wrong, 'w', sizeof(wrong));

	c = base;
	c.gs2 = "p=tls-server-end-point,,";
	c.cb = tls->cb[NET_TLS_CB_SERVER_END_POINT];
	c.cb_len = 32;
	expect_client(fx, tls, "SCRAM-SHA-256-PLUS", c, SASL_FAIL_NONE);
	c.gs2 = "p=tls-server-end-point,a=alice@example.com,";
	expect_client(fx, tls, "SCRAM-SHA-256-PLUS", c, SASL_FAIL_NONE);
	c.gs2 = "p=tls-server-end-point,,";
	c.cb = wrong;
	expect_client(fx, tls, "SCRAM-SHA-256-PLUS", c, SASL_FAIL_CREDENTIALS);
	c.gs2 = "p=tls-exporter,,";
	c.cb = tls->cb[NET_TLS_CB_EXPORTER];
	expect_client(fx, tls, "SCRAM-SHA-256-PLUS", c, SASL_FAIL_NONE);
	/* a binding this connection lacks (TLS 1.2 without EMS, ...) */
	no_exporter.cb_len[NET_TLS_CB_EXPORTER] = 0;
	expect_client(fx, &no_exporter, "SCRAM-SHA-256-PLUS", c,
		      SASL_FAIL_CREDENTIALS);
	/* unknown type, binding with a non-PLUS mechanism, none with -PLUS */
	c.gs2 = "p=tls-foo,,";
	expect_client(fx, tls, "SCRAM-SHA-256-PLUS", c, SASL_FAIL_CREDENTIALS);
	c.gs2 = "p=tls-exporter,,";
	expect_client(fx, tls, "SCRAM-SHA-256", c, SASL_FAIL_CREDENTIALS);
	c = base;
	c.gs2 = "n,,";
	expect_client(fx, tls, "SCRAM-SHA-256-PLUS", c, SASL_FAIL_CREDENTIALS);
	/* "y" is fine where no -PLUS is offered */
	c.gs2 = "y,,";
	expect_client(fx, &fx->plain, "SCRAM-SHA-256", c, SASL_FAIL_NONE);
	expect_client(fx, tls, "SCRAM-SHA-256", c, SASL_FAIL_CREDENTIALS);
	/* escaped names: "a.smith" is alice's alias */
	c.gs2 = "n,,";
	c.user = "a.smith";
	expect_client(fx, &fx->plain, "SCRAM-SHA-256", c, SASL_FAIL_NONE);
	c.user = "a=2Csmith";
	expect_client(fx, &fx->plain, "SCRAM-SHA-256", c,
		      SASL_FAIL_CREDENTIALS);
}

static void
test_extensions_and_success_data(void **state)
{
	struct sasl_fx *fx = *state;
	struct client c = {.hash = SCRAM_SHA_1,
			   .gs2 = "n,,",
			   .user = "alice",
			   .password = ALICE_PW};
	struct sasl_session_settings set = {.cfg = fx->cfg,
					    .channel = &fx->plain};
	struct buf first = BUF_INIT, chal = BUF_INIT, final = BUF_INIT;
	struct sasl_session *s;
	enum sasl_status st;
	const uint8_t *data;
	size_t len;

	/* an unknown optional extension is ignored (RFC 5802 5.1) */
	st = run_client(fx, &fx->plain, "SCRAM-SHA-1", &c, ",x=whatever", &s);
	assert_int_equal(st, SASL_DONE);
	sasl_session_destroy(&s);

	/* success data returned instead of a last challenge */
	client_first(&c, &first);
	s = sasl_session_start(fx->srv, &set, "SCRAM-SHA-1", 11, first.data,
			       first.len, &chal, &st);
	assert_int_equal(st, SASL_CONTINUE);
	client_final(&c, buf_cstr(&chal), "", &final);
	buf_clear(&chal);
	assert_int_equal(sasl_session_step(s, final.data, final.len, &chal),
			 SASL_DONE);
	assert_int_equal(chal.len, 0);
	data = sasl_session_success_data(s, &len);
	assert_non_null(data);
	assert_memory_equal(data, "v=", 2);
	sasl_session_destroy(&s);
	buf_free(&first);
	buf_free(&chal);
	buf_free(&final);
}

/* --- decoys and malformed messages -------------------------------------- */

static void
server_first_of(struct sasl_fx *fx, const char *mech, const char *first,
		char *out, size_t size)
{
	struct buf chal = BUF_INIT;
	enum sasl_status st;
	struct sasl_session *s = start_raw(fx, fx->cfg, &fx->plain, mech, first,
					   strlen(first), &st, &chal);

	assert_int_equal(st, SASL_CONTINUE);
	/* from ",s=" on: salt and iterations */
	snprintf(out, size, "%s", strstr(buf_cstr(&chal), ",s="));
	sasl_session_destroy(&s);
	buf_free(&chal);
}

static void
test_decoy_salts(void **state)
{
	struct sasl_fx *fx = *state;
	char a1[128], a2[128], b[128], real1[128], real2[128], c1[128];

	server_first_of(fx, "SCRAM-SHA-256", "n,,n=ghost,r=abc", a1,
			sizeof(a1));
	server_first_of(fx, "SCRAM-SHA-256", "n,,n=GHOST@example.com,r=xyz", a2,
			sizeof(a2));
	server_first_of(fx, "SCRAM-SHA-256", "n,,n=phantom,r=abc", b,
			sizeof(b));
	server_first_of(fx, "SCRAM-SHA-1", "n,,n=ghost,r=abc", c1, sizeof(c1));
	/* stable for one name (canonicalised), different between names and
	   hashes, with the usual iteration count */
	assert_string_equal(a1, a2);
	assert_string_not_equal(a1, b);
	assert_string_not_equal(a1, c1);
	assert_non_null(strstr(a1, ",i=4096"));
	/* a real user's salt is stable too */
	server_first_of(fx, "SCRAM-SHA-256", "n,,n=alice,r=abc", real1,
			sizeof(real1));
	server_first_of(fx, "SCRAM-SHA-256", "n,,n=a.smith,r=q", real2,
			sizeof(real2));
	assert_string_equal(real1, real2);
}

static void
test_malformed_first(void **state)
{
	struct sasl_fx *fx = *state;
	static const char *const bad[] = {
	    "",
	    "n",
	    "n,",
	    "n,,",
	    "x,,n=alice,r=abc",
	    "p,,n=alice,r=abc",
	    "p=,,n=alice,r=abc",
	    "p=tls unique,,n=alice,r=abc",
	    "n,b=x,n=alice,r=abc",
	    "n,a=,n=alice,r=abc",
	    "n,,m=ext,n=alice,r=abc",
	    "n,,r=abc,n=alice",
	    "n,,n=,r=abc",
	    "n,,n=al=ice,r=abc",
	    "n,,n=alice=2,r=abc",
	    "n,,n=alice=2c,r=abc",
	    "n,,n=alice",
	    "n,,n=alice,r=",
	    "n,,n=alice,r=ab\x7f",
	    "n,,n=alice,r=abc,",
	    "n,,n=alice,r=abc,x",
	    "n,,n=alice,r=abc,1=x",
	    "n,,n=alice,,r=abc",
	    "n,,n=\xff\xfe,r=abc",
	    "n,a=\xc0\xaf,n=alice,r=abc",
	};
	struct buf chal = BUF_INIT;
	enum sasl_status st;

	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		struct sasl_session *s =
		    start_raw(fx, fx->cfg, &fx->plain, "SCRAM-SHA-256", bad[i],
			      strlen(bad[i]), &st, &chal);

		if (st != SASL_FAILED ||
		    sasl_session_failure(s) != SASL_FAIL_MALFORMED)
			fail_msg("accepted client-first '%s'", bad[i]);
		sasl_session_destroy(&s);
	}
	/* NUL inside a name */
	{
		struct sasl_session *s =
		    start_raw(fx, fx->cfg, &fx->plain, "SCRAM-SHA-256",
			      "n,,n=al\0ice,r=abc", 17, &st, &chal);

		assert_int_equal(sasl_session_failure(s), SASL_FAIL_MALFORMED);
		sasl_session_destroy(&s);
	}
	buf_free(&chal);
}

static void
test_malformed_final(void **state)
{
	struct sasl_fx *fx = *state;
	const char *first = "n,,n=alice,r=abc";
	struct buf chal = BUF_INIT, msg = BUF_INIT;
	char nonce[256];
	enum sasl_status st;
	struct {
		const char *tmpl; /* "N" = the full nonce */
		enum sasl_failure want;
	} cases[] = {
	    {"", SASL_FAIL_MALFORMED},
	    {"c=biws,r=N", SASL_FAIL_MALFORMED},
	    {"c=biws,r=N,p=", SASL_FAIL_MALFORMED},
	    {"c=bi ws,r=N,p=AAAA", SASL_FAIL_MALFORMED},
	    {"r=N,c=biws,p=AAAA", SASL_FAIL_MALFORMED},
	    {"c=biws,p=AAAA", SASL_FAIL_MALFORMED},
	    {"c=biws,r=N,p=AAAA,x=y", SASL_FAIL_MALFORMED},
	    {"c=biws,r=N,,p=AAAA", SASL_FAIL_MALFORMED},
	    {"c=biws,r=NX,p=AAAA", SASL_FAIL_CREDENTIALS},
	    {"c=eSws,r=N,p=AAAA", SASL_FAIL_CREDENTIALS},
	    {"c=biw,r=N,p=AAAA", SASL_FAIL_CREDENTIALS},
	    {"c=biws,r=N,p=AAAA", SASL_FAIL_CREDENTIALS},
	    {"c=biws,r=N,p=!!!!", SASL_FAIL_MALFORMED},
	};

	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		struct sasl_session *s =
		    start_raw(fx, fx->cfg, &fx->plain, "SCRAM-SHA-256", first,
			      strlen(first), &st, &chal);

		assert_int_equal(st, SASL_CONTINUE);
		assert_non_null(
		    attr(buf_cstr(&chal), 'r', nonce, sizeof(nonce)));
		buf_clear(&chal);
		buf_clear(&msg);
		for (const char *p = cases[i].tmpl; *p != '\0'; p++) {
			if (*p == 'N')
				buf_append_str(&msg, nonce);
			else
				buf_append_c(&msg, *p);
		}
		st = sasl_session_step(s, msg.data, msg.len, &chal);
		if (st != SASL_FAILED ||
		    sasl_session_failure(s) != cases[i].want)
			fail_msg("client-final '%s': status %d failure %d (%s)",
				 buf_cstr(&msg), st, sasl_session_failure(s),
				 sasl_session_failure_detail(s));
		sasl_session_destroy(&s);
	}
	buf_free(&chal);
	buf_free(&msg);
}

static void
test_data_after_signature(void **state)
{
	struct sasl_fx *fx = *state;
	struct client c = {.hash = SCRAM_SHA_256,
			   .gs2 = "n,,",
			   .user = "alice",
			   .password = ALICE_PW};
	struct buf first = BUF_INIT, chal = BUF_INIT, final = BUF_INIT;
	enum sasl_status st;
	struct sasl_session *s;

	client_first(&c, &first);
	s = start_raw(fx, fx->cfg, &fx->plain, "SCRAM-SHA-256", first.data,
		      first.len, &st, &chal);
	client_final(&c, buf_cstr(&chal), "", &final);
	buf_clear(&chal);
	assert_int_equal(sasl_session_step(s, final.data, final.len, &chal),
			 SASL_CONTINUE);
	assert_int_equal(sasl_session_step(s, (const uint8_t *)"x", 1, &chal),
			 SASL_FAILED);
	assert_int_equal(sasl_session_failure(s), SASL_FAIL_MALFORMED);
	sasl_session_destroy(&s);
	buf_free(&first);
	buf_free(&chal);
	buf_free(&final);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scram),
	    cmocka_unit_test(test_scram_plus),
	    cmocka_unit_test(test_channel_binding_types),
	    cmocka_unit_test(test_extensions_and_success_data),
	    cmocka_unit_test(test_decoy_salts),
	    cmocka_unit_test(test_malformed_first),
	    cmocka_unit_test(test_malformed_final),
	    cmocka_unit_test(test_data_after_signature),
	};

	return cmocka_run_group_tests(tests, sasl_fx_setup, sasl_fx_teardown);
}
