/* SPDX-License-Identifier: MIT */
/*
 * SASL over real TLS: EXTERNAL with client certificates (identity fields,
 * tls_client_identity, unknown users, authorization identities) and
 * SCRAM-*-PLUS bound to an actual handshake's channel bindings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sasl-test.h"
#include "tls-test-pki.h"
#include "lib/buf.h"
#include "net/tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ext_fx {
	struct sasl_fx *sasl;
	struct pki_cert ca;
};

static int
setup(void **state)
{
	struct ext_fx *fx = calloc(1, sizeof(*fx));
	void *inner;

	if (sasl_fx_setup(&inner) < 0)
		return -1;
	fx->sasl = inner;
	pki_make(&fx->ca, &(struct pki_name){.cn = "Client CA"}, NULL, true,
		 PKI_KEY_EC);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct ext_fx *fx = *state;
	void *inner = fx->sasl;

	pki_free(&fx->ca);
	sasl_fx_teardown(&inner);
	free(fx);
	return 0;
}

/* EXTERNAL with a certificate for name; returns the status and the
   session (destroy it). */
static struct sasl_session *
external(struct ext_fx *fx, const struct ms_config *cfg,
	 const struct pki_name *name, const char *authzid, enum sasl_status *st)
{
	struct sasl_channel ch = fx->sasl->tls;
	struct pki_cert cert;
	struct buf chal = BUF_INIT;
	struct sasl_session *s;

	pki_make(&cert, name, &fx->ca, false, PKI_KEY_EC);
	ch.peer_cert = cert.cert;
	s = start_raw(fx->sasl, cfg, &ch, "EXTERNAL", authzid,
		      authzid != NULL ? strlen(authzid) : 0, st, &chal);
	if (*st == SASL_CONTINUE) {
		/* no initial response: an empty challenge, then the
		   (empty) authorization identity */
		assert_int_equal(chal.len, 0);
		*st = sasl_session_step(s, (const uint8_t *)"", 0, &chal);
	}
	/* the session only borrowed the certificate */
	pki_free(&cert);
	buf_free(&chal);
	return s;
}

static void
expect_external(struct ext_fx *fx, const struct ms_config *cfg,
		const struct pki_name *name, const char *authzid,
		const char *userid)
{
	enum sasl_status st;
	struct sasl_session *s = external(fx, cfg, name, authzid, &st);

	if (userid == NULL) {
		assert_int_equal(st, SASL_FAILED);
		assert_int_equal(sasl_session_failure(s),
				 SASL_FAIL_CREDENTIALS);
	} else {
		if (st != SASL_DONE)
			fail_msg("EXTERNAL: %s",
				 sasl_session_failure_detail(s));
		assert_int_equal(sasl_session_outcome(s)->kind,
				 SASL_OUTCOME_VERIFIED);
		assert_string_equal(sasl_session_outcome(s)->authcid, userid);
		assert_string_equal(sasl_session_outcome(s)->authzid,
				    authzid != NULL ? authzid : "");
	}
	sasl_session_destroy(&s);
}

static void
test_identity_fields(void **state)
{
	struct ext_fx *fx = *state;
	struct ms_config *cfg = fx->sasl->cfg, *cn_only, *uid;

	/* default "email,cn": subjectAltName first, then the subject */
	expect_external(
	    fx, cfg,
	    &(struct pki_name){.cn = "bob", .san_email = "alice@example.com"},
	    NULL, ALICE);
	expect_external(
	    fx, cfg,
	    &(struct pki_name){.cn = "bob", .email = "A.Smith@Example.com"}, "",
	    ALICE);
	expect_external(fx, cfg, &(struct pki_name){.cn = "alice"}, NULL,
			ALICE);
	/* an authorization identity is passed on for the caller's rules */
	expect_external(fx, cfg, &(struct pki_name){.cn = "alice"}, BOB, ALICE);
	/* no such account, nothing usable */
	expect_external(fx, cfg, &(struct pki_name){.cn = "nobody"}, NULL,
			NULL);
	expect_external(fx, cfg, &(struct pki_name){.uid = "alice"}, NULL,
			NULL);

	cn_only = sasl_fx_config(fx->sasl, "<tls_client_identity>cn"
					   "</tls_client_identity>");
	expect_external(
	    fx, cn_only,
	    &(struct pki_name){.cn = "alice", .san_email = "bob@example.com"},
	    NULL, ALICE);
	expect_external(fx, cn_only,
			&(struct pki_name){.san_email = "alice@example.com"},
			NULL, NULL);
	uid = sasl_fx_config(fx->sasl, "<tls_client_identity>uid,email"
				       "</tls_client_identity>");
	expect_external(fx, uid,
			&(struct pki_name){.uid = "a.smith",
					   .san_email = "bob@example.com"},
			NULL, ALICE);
	config_unref(&cn_only);
	config_unref(&uid);
}

static void
test_cert_identity(void **state)
{
	struct ext_fx *fx = *state;
	struct pki_cert cert;
	char out[64], tiny[4];

	assert_int_equal(
	    sasl_cert_identity(fx->sasl->cfg, NULL, out, sizeof(out)), 0);
	pki_make(&cert,
		 &(struct pki_name){.cn = "J\xc3\xbcrgen",
				    .san_email = "juergen@example.com"},
		 &fx->ca, false, PKI_KEY_EC);
	assert_int_equal(
	    sasl_cert_identity(fx->sasl->cfg, cert.cert, out, sizeof(out)), 1);
	assert_string_equal(out, "juergen@example.com");
	/* too long for the buffer: not truncated, refused */
	assert_int_equal(
	    sasl_cert_identity(fx->sasl->cfg, cert.cert, tiny, sizeof(tiny)),
	    0);
	pki_free(&cert);
}

static void
test_external_not_offered(void **state)
{
	struct ext_fx *fx = *state;
	struct buf chal = BUF_INIT;
	enum sasl_status st;
	struct sasl_session *s;

	s = start_raw(fx->sasl, fx->sasl->cfg, &fx->sasl->tls, "EXTERNAL", "",
		      0, &st, &chal);
	assert_int_equal(sasl_session_failure(s), SASL_FAIL_MECH);
	sasl_session_destroy(&s);
	buf_free(&chal);
}

/* --- a real handshake ---------------------------------------------------- */

static void
test_real_channel(void **state)
{
	struct ext_fx *fx = *state;
	char dir[256], cert_path[300], key_path[300], ca_path[300];
	struct pki_cert server, client;
	struct net_tls_ctx *ctx;
	struct err err;
	struct sasl_channel ch = fx->sasl->tls;
	uint8_t cb[NET_TLS_CB_MAX];
	struct exchange ex;
	SSL_CTX *cctx;
	SSL *s, *c;

	pki_tmpdir(dir, sizeof(dir), "sasl-tls");
	snprintf(cert_path, sizeof(cert_path), "%s/server.pem", dir);
	snprintf(key_path, sizeof(key_path), "%s/server.key", dir);
	snprintf(ca_path, sizeof(ca_path), "%s/ca.pem", dir);
	pki_make(&server, &(struct pki_name){.cn = "localhost"}, &fx->ca, false,
		 PKI_KEY_EC);
	pki_make(
	    &client,
	    &(struct pki_name){.cn = "x", .san_email = "alice@example.com"},
	    &fx->ca, false, PKI_KEY_EC);
	pki_write_cert_pem(cert_path, &server, NULL);
	pki_write_key_pem(key_path, &server, NULL);
	pki_write_cert_pem(ca_path, &fx->ca, NULL);
	ctx = net_tls_ctx_create(
	    &(struct net_tls_settings){.cert_file = cert_path,
				       .key_file = key_path,
				       .ca_file = ca_path,
				       .client_certs =
					   NET_TLS_CLIENT_CERTS_REQUEST,
				       .verify_depth = 5,
				       .accept_unverified = true},
	    &err);
	assert_non_null(ctx);
	cctx = pki_client_ctx(&client, NULL, TLS1_3_VERSION, 0);
	assert_true(
	    pki_handshake(net_tls_ctx_get_ssl_ctx(ctx), cctx, NULL, &s, &c));
	pki_pump(s, c);
	assert_int_equal(SSL_get_verify_result(s), X509_V_OK);

	sasl_channel_set_tls(&ch, s, SSL_get0_peer_certificate(s));
	assert_true(ch.tls);
	assert_true(ch.tls_bits >= 128);
	assert_int_equal(ch.cb_len[NET_TLS_CB_UNIQUE], 0); /* TLS 1.3 */
	assert_int_equal(ch.cb_len[NET_TLS_CB_EXPORTER], 32);
	assert_int_equal(ch.cb_len[NET_TLS_CB_SERVER_END_POINT], 32);
	assert_true(sasl_mech_offered(fx->sasl->srv, fx->sasl->cfg, &ch,
				      SASL_MECH_EXTERNAL));

	/* the client's own view of the binding */
	assert_int_equal(net_tls_channel_binding(c, NET_TLS_CB_EXPORTER, cb),
			 32);
	run_gsasl(fx->sasl, fx->sasl->cfg, &ch, "SCRAM-SHA-256-PLUS",
		  &(struct gsasl_client_opts){.authid = "alice",
					      .password = ALICE_PW,
					      .cb_exporter = cb,
					      .cb_len = 32,
					      .initial = true},
		  &ex);
	assert_int_equal(ex.status, SASL_DONE);
	assert_true(ex.client_ok);
	sasl_session_destroy(&ex.sess);
	run_gsasl(fx->sasl, fx->sasl->cfg, &ch, "EXTERNAL",
		  &(struct gsasl_client_opts){.initial = true}, &ex);
	assert_int_equal(ex.status, SASL_DONE);
	assert_string_equal(sasl_session_outcome(ex.sess)->authcid, ALICE);
	sasl_session_destroy(&ex.sess);

	/* no TLS: nothing set */
	sasl_channel_set_tls(&ch, NULL, NULL);
	assert_false(ch.tls);
	assert_null(ch.peer_cert);
	assert_int_equal(ch.cb_len[NET_TLS_CB_EXPORTER], 0);

	pki_close(s, c);
	SSL_CTX_free(cctx);
	net_tls_ctx_destroy(&ctx);
	pki_free(&server);
	pki_free(&client);
	pki_rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_identity_fields),
	    cmocka_unit_test(test_cert_identity),
	    cmocka_unit_test(test_external_not_offered),
	    cmocka_unit_test(test_real_channel),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
