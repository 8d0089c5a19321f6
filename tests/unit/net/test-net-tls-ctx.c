/* SPDX-License-Identifier: MIT */
/*
 * net layer, TLS contexts: certificate formats and passwords, protocol and
 * cipher policy, client certificates (request, require, tls_force_verify
 * semantics, depth), session resumption, reload, and channel bindings --
 * all over in-memory handshakes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "tls-test-pki.h"
#include "net/tls.h"
#include "lib/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

struct fx {
	char dir[256];
	struct pki_cert root, inter, server, server2, client, rogue;
	char cert[300], key[300], cert2[300], key2[300], ca[300];
};

static void
fx_path(struct fx *fx, char *out, const char *name)
{
	snprintf(out, 300, "%s/%s", fx->dir, name);
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	pki_tmpdir(fx->dir, sizeof(fx->dir), "tls-ctx");
	pki_make(&fx->root, &(struct pki_name){.cn = "Test Root"}, NULL, true,
		 PKI_KEY_EC);
	pki_make(&fx->inter, &(struct pki_name){.cn = "Test Intermediate"},
		 &fx->root, true, PKI_KEY_EC);
	pki_make(&fx->server, &(struct pki_name){.cn = "localhost"}, &fx->root,
		 false, PKI_KEY_EC);
	pki_make(&fx->server2, &(struct pki_name){.cn = "second"}, &fx->root,
		 false, PKI_KEY_RSA);
	pki_make(
	    &fx->client,
	    &(struct pki_name){.cn = "alice", .san_email = "alice@example.com"},
	    &fx->inter, false, PKI_KEY_EC);
	pki_make(&fx->rogue, &(struct pki_name){.cn = "mallory"}, NULL, false,
		 PKI_KEY_EC);
	fx_path(fx, fx->cert, "server.pem");
	fx_path(fx, fx->key, "server.key");
	fx_path(fx, fx->cert2, "server2.pem");
	fx_path(fx, fx->key2, "server2.key");
	fx_path(fx, fx->ca, "ca.pem");
	pki_write_cert_pem(fx->cert, &fx->server, NULL);
	pki_write_key_pem(fx->key, &fx->server, NULL);
	pki_write_cert_pem(fx->cert2, &fx->server2, NULL);
	pki_write_key_pem(fx->key2, &fx->server2, NULL);
	pki_write_cert_pem(fx->ca, &fx->root, &fx->inter);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	pki_free(&fx->root);
	pki_free(&fx->inter);
	pki_free(&fx->server);
	pki_free(&fx->server2);
	pki_free(&fx->client);
	pki_free(&fx->rogue);
	pki_rmdir(fx->dir);
	free(fx);
	return 0;
}

static struct net_tls_ctx *
create_ok(const struct net_tls_settings *set)
{
	struct err err;
	struct net_tls_ctx *ctx = net_tls_ctx_create(set, &err);

	if (ctx == NULL)
		fail_msg("net_tls_ctx_create: %s", err.msg);
	return ctx;
}

/* Handshake against ctx; returns success and frees everything. */
static bool
try_handshake(struct net_tls_ctx *ctx, SSL_CTX *cctx)
{
	SSL *s, *c;
	bool ok =
	    pki_handshake(net_tls_ctx_get_ssl_ctx(ctx), cctx, NULL, &s, &c);

	SSL_free(s);
	SSL_free(c);
	return ok;
}

static bool
same_cert(X509 *a, X509 *b)
{
	return a != NULL && b != NULL && X509_cmp(a, b) == 0;
}

/* --- loading ------------------------------------------------------------ */

static void
test_formats(void **state)
{
	struct fx *fx = *state;
	char der[300], derkey[300], p12[300], enc[300];
	struct net_tls_ctx *ctx;
	SSL_CTX *cctx = pki_client_ctx(NULL, NULL, 0, 0);
	SSL *s, *c;

	fx_path(fx, der, "server.der");
	fx_path(fx, derkey, "server.key.der");
	fx_path(fx, p12, "server.p12");
	fx_path(fx, enc, "server-enc.key");
	pki_write_cert_der(der, &fx->server);
	pki_write_key_der(derkey, &fx->server);
	pki_write_p12(p12, &fx->server2, &fx->root, "p12secret");
	pki_write_key_pem(enc, &fx->server, "keysecret");

	/* DER certificate and key */
	ctx = create_ok(
	    &(struct net_tls_settings){.cert_file = der, .key_file = derkey});
	assert_true(try_handshake(ctx, cctx));
	net_tls_ctx_destroy(&ctx);
	assert_null(ctx);

	/* encrypted PEM key with its password */
	ctx =
	    create_ok(&(struct net_tls_settings){.cert_file = fx->cert,
						 .key_file = enc,
						 .key_password = "keysecret"});
	assert_true(try_handshake(ctx, cctx));
	net_tls_ctx_destroy(&ctx);

	/* PKCS#12 with key and chain */
	ctx = create_ok(&(struct net_tls_settings){
	    .cert_file = p12, .key_password = "p12secret"});
	assert_true(
	    pki_handshake(net_tls_ctx_get_ssl_ctx(ctx), cctx, NULL, &s, &c));
	assert_true(same_cert(SSL_get0_peer_certificate(c), fx->server2.cert));
	assert_int_equal(sk_X509_num(SSL_get_peer_cert_chain(c)), 2);
	SSL_free(s);
	SSL_free(c);
	net_tls_ctx_destroy(&ctx);

	/* key in the certificate file (key_file empty) */
	{
		char both[300];
		FILE *f;

		fx_path(fx, both, "both.pem");
		pki_write_cert_pem(both, &fx->server, NULL);
		f = fopen(both, "a");
		assert_non_null(f);
		PEM_write_PrivateKey(f, fx->server.key, NULL, NULL, 0, NULL,
				     NULL);
		fclose(f);
		ctx = create_ok(&(struct net_tls_settings){.cert_file = both,
							   .key_file = ""});
		assert_true(try_handshake(ctx, cctx));
		net_tls_ctx_destroy(&ctx);
	}
	SSL_CTX_free(cctx);
}

static void
expect_error(const struct net_tls_settings *set, enum err_code code,
	     const char *needle)
{
	struct err err = {0};
	struct net_tls_ctx *ctx = net_tls_ctx_create(set, &err);

	assert_null(ctx);
	if (strstr(err.msg, needle) == NULL)
		fail_msg("error '%s' lacks '%s'", err.msg, needle);
	if (code != ERR_NONE)
		assert_int_equal(err.code, code);
}

static void
test_load_errors(void **state)
{
	struct fx *fx = *state;
	char enc[300], junk[300], p12[300];
	FILE *f;

	fx_path(fx, enc, "enc.key");
	fx_path(fx, junk, "junk.pem");
	fx_path(fx, p12, "bundle.p12");
	pki_write_key_pem(enc, &fx->server, "right");
	pki_write_p12(p12, &fx->server, NULL, "right");
	f = fopen(junk, "w");
	fputs("this is not a certificate\n", f);
	fclose(f);

	expect_error(&(struct net_tls_settings){.cert_file = "/nonexistent/"
							     "cert.pem"},
		     ERR_NOTFOUND, "/nonexistent/cert.pem");
	expect_error(&(struct net_tls_settings){.cert_file = ""}, ERR_PARAMS,
		     "no certificate");
	expect_error(&(struct net_tls_settings){.cert_file = junk}, ERR_PARAMS,
		     junk);
	expect_error(&(struct net_tls_settings){.cert_file = fx->cert,
						.key_file = fx->key2},
		     ERR_PARAMS, "does not match");
	expect_error(
	    &(struct net_tls_settings){.cert_file = fx->cert, .key_file = enc},
	    ERR_PARAMS, "tls_key_password");
	expect_error(&(struct net_tls_settings){.cert_file = fx->cert,
						.key_file = enc,
						.key_password = "wrong"},
		     ERR_PARAMS, "wrong tls_key_password");
	expect_error(&(struct net_tls_settings){.cert_file = p12,
						.key_password = "wrong"},
		     ERR_PARAMS, "tls_key_password");
	expect_error(&(struct net_tls_settings){.cert_file = fx->cert,
						.key_file = fx->key,
						.ca_file = "/nonexistent/ca"},
		     ERR_PARAMS, "/nonexistent/ca");
	expect_error(
	    &(struct net_tls_settings){.cert_file = fx->cert,
				       .key_file = fx->key,
				       .client_certs =
					   NET_TLS_CLIENT_CERTS_REQUIRE},
	    ERR_PARAMS, "tls_ca_file");
	expect_error(&(struct net_tls_settings){.cert_file = fx->cert,
						.key_file = fx->key,
						.min_version = TLS1_1_VERSION},
		     ERR_PARAMS, "1.2 or 1.3");
}

/* --- protocol and cipher policy ----------------------------------------- */

static bool
forbidden(const SSL_CIPHER *ci)
{
	int cipher = SSL_CIPHER_get_cipher_nid(ci);
	int auth = SSL_CIPHER_get_auth_nid(ci);
	int digest = SSL_CIPHER_get_digest_nid(ci);

	return cipher == NID_undef || auth == NID_auth_null ||
	       cipher == NID_rc4 || cipher == NID_des_cbc || digest == NID_md5;
}

static void
test_cipher_policy(void **state)
{
	struct fx *fx = *state;
	struct net_tls_ctx *ctx;
	STACK_OF(SSL_CIPHER) * list;
	SSL_CTX *cctx;
	SSL *s, *c;

	ctx = create_ok(&(struct net_tls_settings){
	    .cert_file = fx->cert,
	    .key_file = fx->key,
	    .cipher_list = "ALL:COMPLEMENTOFALL:eNULL:aNULL:RC4:@SECLEVEL=0"});
	list = SSL_CTX_get_ciphers(net_tls_ctx_get_ssl_ctx(ctx));
	assert_true(sk_SSL_CIPHER_num(list) > 10);
	for (int i = 0; i < sk_SSL_CIPHER_num(list); i++) {
		if (forbidden(sk_SSL_CIPHER_value(list, i)))
			fail_msg(
			    "forbidden cipher %s",
			    SSL_CIPHER_get_name(sk_SSL_CIPHER_value(list, i)));
	}
	assert_true(SSL_CTX_get_security_level(net_tls_ctx_get_ssl_ctx(ctx)) >=
		    1);
	/* a client offering only anonymous suites gets nothing */
	cctx = pki_client_ctx(NULL, NULL, 0, TLS1_2_VERSION);
	SSL_CTX_set_cipher_list(cctx, "aNULL:eNULL:@SECLEVEL=0");
	assert_false(try_handshake(ctx, cctx));
	SSL_CTX_free(cctx);
	net_tls_ctx_destroy(&ctx);

	/* a list with nothing usable is refused */
	expect_error(&(struct net_tls_settings){.cert_file = fx->cert,
						.key_file = fx->key,
						.cipher_list = "aNULL:eNULL"},
		     ERR_PARAMS, "cipher list");
	expect_error(&(struct net_tls_settings){.cert_file = fx->cert,
						.key_file = fx->key,
						.ciphersuites = "NO_SUCH"},
		     ERR_PARAMS, "TLS 1.3");

	/* a TLS 1.2 list and TLS 1.3 suites take effect */
	ctx = create_ok(&(struct net_tls_settings){
	    .cert_file = fx->cert,
	    .key_file = fx->key,
	    .cipher_list = "ECDHE-ECDSA-CHACHA20-POLY1305",
	    .ciphersuites = "TLS_CHACHA20_POLY1305_SHA256"});
	cctx = pki_client_ctx(NULL, NULL, 0, TLS1_2_VERSION);
	assert_true(
	    pki_handshake(net_tls_ctx_get_ssl_ctx(ctx), cctx, NULL, &s, &c));
	assert_string_equal(SSL_get_cipher_name(s),
			    "ECDHE-ECDSA-CHACHA20-POLY1305");
	SSL_free(s);
	SSL_free(c);
	SSL_CTX_free(cctx);
	cctx = pki_client_ctx(NULL, NULL, TLS1_3_VERSION, 0);
	assert_true(
	    pki_handshake(net_tls_ctx_get_ssl_ctx(ctx), cctx, NULL, &s, &c));
	assert_string_equal(SSL_get_cipher_name(s),
			    "TLS_CHACHA20_POLY1305_SHA256");
	SSL_free(s);
	SSL_free(c);
	SSL_CTX_free(cctx);
	net_tls_ctx_destroy(&ctx);
}

static void
test_protocol_versions(void **state)
{
	struct fx *fx = *state;
	struct net_tls_ctx *ctx;
	SSL_CTX *old = pki_client_ctx(NULL, NULL, TLS1_VERSION, TLS1_1_VERSION);
	SSL_CTX *v12 = pki_client_ctx(NULL, NULL, 0, TLS1_2_VERSION);
	SSL_CTX *v13 = pki_client_ctx(NULL, NULL, TLS1_3_VERSION, 0);

	/* default: TLS 1.2 and 1.3, never older */
	ctx = create_ok(&(struct net_tls_settings){.cert_file = fx->cert,
						   .key_file = fx->key});
	assert_false(try_handshake(ctx, old));
	assert_true(try_handshake(ctx, v12));
	assert_true(try_handshake(ctx, v13));
	net_tls_ctx_destroy(&ctx);

	ctx = create_ok(
	    &(struct net_tls_settings){.cert_file = fx->cert,
				       .key_file = fx->key,
				       .min_version = TLS1_3_VERSION});
	assert_false(try_handshake(ctx, v12));
	assert_true(try_handshake(ctx, v13));
	net_tls_ctx_destroy(&ctx);
	SSL_CTX_free(old);
	SSL_CTX_free(v12);
	SSL_CTX_free(v13);
}

/* --- client certificates ------------------------------------------------ */

/* Handshake result and whether the server holds a verified client
   certificate (what conn_tls_peer_cert() checks). */
static bool
client_hs(struct net_tls_ctx *ctx, const struct pki_cert *cert,
	  const struct pki_cert *chain, bool *verified_r)
{
	SSL_CTX *cctx = pki_client_ctx(cert, chain, 0, 0);
	SSL *s, *c;
	bool ok =
	    pki_handshake(net_tls_ctx_get_ssl_ctx(ctx), cctx, NULL, &s, &c);

	if (ok)
		pki_pump(s, c); /* TLS 1.3: the server reads the cert */
	*verified_r = SSL_get0_peer_certificate(s) != NULL &&
		      SSL_get_verify_result(s) == X509_V_OK;
	SSL_free(s);
	SSL_free(c);
	SSL_CTX_free(cctx);
	return ok;
}

static void
test_client_certs(void **state)
{
	struct fx *fx = *state;
	struct net_tls_settings set = {
	    .cert_file = fx->cert,
	    .key_file = fx->key,
	    .ca_file = fx->ca,
	    .client_certs = NET_TLS_CLIENT_CERTS_REQUEST,
	    .verify_depth = 5,
	    .accept_unverified = true,
	};
	struct net_tls_ctx *ctx = create_ok(&set);
	bool verified;

	/* request + accept_unverified (tls_force_verify true) */
	assert_true(client_hs(ctx, NULL, NULL, &verified));
	assert_false(verified);
	assert_true(client_hs(ctx, &fx->client, &fx->inter, &verified));
	assert_true(verified);
	assert_true(client_hs(ctx, &fx->rogue, NULL, &verified));
	assert_false(verified);
	net_tls_ctx_destroy(&ctx);

	/* request, unverifiable certificates refused */
	set.accept_unverified = false;
	ctx = create_ok(&set);
	assert_true(client_hs(ctx, NULL, NULL, &verified));
	assert_true(client_hs(ctx, &fx->client, &fx->inter, &verified));
	assert_true(verified);
	assert_false(client_hs(ctx, &fx->rogue, NULL, &verified));
	net_tls_ctx_destroy(&ctx);

	/* depth 0: the intermediate is one too many */
	set.verify_depth = 0;
	set.accept_unverified = true;
	ctx = create_ok(&set);
	assert_true(client_hs(ctx, &fx->client, &fx->inter, &verified));
	assert_false(verified);
	net_tls_ctx_destroy(&ctx);

	/* require: no certificate or a bad one ends the handshake */
	set.verify_depth = 5;
	set.client_certs = NET_TLS_CLIENT_CERTS_REQUIRE;
	ctx = create_ok(&set);
	assert_false(client_hs(ctx, NULL, NULL, &verified));
	assert_false(client_hs(ctx, &fx->rogue, NULL, &verified));
	assert_true(client_hs(ctx, &fx->client, &fx->inter, &verified));
	assert_true(verified);
	net_tls_ctx_destroy(&ctx);

	/* none: not even asked for */
	set.client_certs = NET_TLS_CLIENT_CERTS_NONE;
	ctx = create_ok(&set);
	assert_true(client_hs(ctx, &fx->client, &fx->inter, &verified));
	assert_false(verified);
	net_tls_ctx_destroy(&ctx);
}

/* --- sessions and reload ------------------------------------------------ */

/* Full handshake, then returns the client's session for resumption. */
static SSL_SESSION *
first_session(struct net_tls_ctx *ctx, SSL_CTX *cctx)
{
	SSL *s, *c;
	SSL_SESSION *sess;

	assert_true(
	    pki_handshake(net_tls_ctx_get_ssl_ctx(ctx), cctx, NULL, &s, &c));
	pki_pump(s, c);
	sess = SSL_get1_session(c);
	assert_non_null(sess);
	pki_close(s, c);
	return sess;
}

static bool
resumes(struct net_tls_ctx *ctx, SSL_CTX *cctx, SSL_SESSION *sess,
	X509 **cert_r)
{
	SSL *s, *c;
	bool reused;

	assert_true(
	    pki_handshake(net_tls_ctx_get_ssl_ctx(ctx), cctx, sess, &s, &c));
	reused = SSL_session_reused(c) != 0;
	if (cert_r != NULL) {
		*cert_r = SSL_get1_peer_certificate(c);
	}
	SSL_free(s);
	SSL_free(c);
	return reused;
}

static void
test_resumption(void **state)
{
	struct fx *fx = *state;
	struct net_tls_ctx *ctx = create_ok(&(struct net_tls_settings){
	    .cert_file = fx->cert,
	    .key_file = fx->key,
	    .ca_file = fx->ca,
	    .client_certs = NET_TLS_CLIENT_CERTS_REQUEST,
	    .accept_unverified = true});
	int versions[] = {TLS1_2_VERSION, TLS1_3_VERSION};

	for (size_t i = 0; i < 2; i++) {
		SSL_CTX *cctx =
		    pki_client_ctx(NULL, NULL, versions[i], versions[i]);
		SSL_SESSION *sess = first_session(ctx, cctx);

		assert_true(resumes(ctx, cctx, sess, NULL));
		SSL_SESSION_free(sess);
		SSL_CTX_free(cctx);
	}
	net_tls_ctx_destroy(&ctx);
}

static void
test_reload(void **state)
{
	struct fx *fx = *state;
	struct net_tls_settings set = {.cert_file = fx->cert,
				       .key_file = fx->key};
	struct net_tls_ctx *ctx = create_ok(&set);
	SSL_CTX *cctx = pki_client_ctx(NULL, NULL, TLS1_3_VERSION, 0);
	SSL_SESSION *sess = first_session(ctx, cctx);
	SSL *old_s, *old_c, *s, *c;
	struct err err;
	char buf[8];
	X509 *seen = NULL;

	/* a connection established before the reload */
	assert_true(pki_handshake(net_tls_ctx_get_ssl_ctx(ctx), cctx, NULL,
				  &old_s, &old_c));

	/* a broken reload keeps the old context */
	set.cert_file = "/nonexistent/cert.pem";
	assert_int_equal(net_tls_ctx_reload(ctx, &set, &err), -1);
	assert_int_equal(err.code, ERR_NOTFOUND);
	assert_true(
	    pki_handshake(net_tls_ctx_get_ssl_ctx(ctx), cctx, NULL, &s, &c));
	assert_true(same_cert(SSL_get0_peer_certificate(c), fx->server.cert));
	SSL_free(s);
	SSL_free(c);

	/* the new certificate serves new handshakes */
	set.cert_file = fx->cert2;
	set.key_file = fx->key2;
	assert_int_equal(net_tls_ctx_reload(ctx, &set, &err), 0);
	assert_true(
	    pki_handshake(net_tls_ctx_get_ssl_ctx(ctx), cctx, NULL, &s, &c));
	assert_true(same_cert(SSL_get0_peer_certificate(c), fx->server2.cert));
	SSL_free(s);
	SSL_free(c);

	/* the old connection still works on the old context */
	assert_int_equal(SSL_write(old_c, "ping", 4), 4);
	assert_int_equal(SSL_read(old_s, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "ping", 4);
	SSL_free(old_s);
	SSL_free(old_c);

	/* a ticket from before the reload still resumes (the session keeps
	   the certificate it was made with) */
	assert_true(resumes(ctx, cctx, sess, &seen));
	X509_free(seen);
	SSL_SESSION_free(sess);
	SSL_CTX_free(cctx);
	net_tls_ctx_destroy(&ctx);
	net_tls_ctx_destroy(&ctx); /* NULL-safe */
}

/* --- channel bindings ---------------------------------------------------- */

static void
expect_same_cb(SSL *s, SSL *c, enum net_tls_cb type, int want_len)
{
	uint8_t a[NET_TLS_CB_MAX], b[NET_TLS_CB_MAX];
	int la = net_tls_channel_binding(s, type, a);
	int lb = net_tls_channel_binding(c, type, b);

	assert_int_equal(la, want_len);
	assert_int_equal(lb, want_len);
	if (want_len > 0)
		assert_memory_equal(a, b, (size_t)want_len);
}

static void
test_channel_bindings(void **state)
{
	struct fx *fx = *state;
	struct net_tls_ctx *ctx = create_ok(&(struct net_tls_settings){
	    .cert_file = fx->cert, .key_file = fx->key});
	SSL_CTX *c12 = pki_client_ctx(NULL, NULL, 0, TLS1_2_VERSION);
	SSL_CTX *c13 = pki_client_ctx(NULL, NULL, TLS1_3_VERSION, 0);
	uint8_t cb[NET_TLS_CB_MAX], hash[EVP_MAX_MD_SIZE];
	unsigned hash_len;
	SSL_SESSION *sess;
	SSL *s, *c;

	assert_string_equal(net_tls_cb_name(NET_TLS_CB_UNIQUE), "tls-unique");
	assert_string_equal(net_tls_cb_name(NET_TLS_CB_EXPORTER),
			    "tls-exporter");
	assert_string_equal(net_tls_cb_name(NET_TLS_CB_SERVER_END_POINT),
			    "tls-server-end-point");
	assert_int_equal(net_tls_channel_binding(NULL, NET_TLS_CB_EXPORTER, cb),
			 0);

	/* TLS 1.2 (with the extended master secret): all three */
	assert_true(
	    pki_handshake(net_tls_ctx_get_ssl_ctx(ctx), c12, NULL, &s, &c));
	expect_same_cb(s, c, NET_TLS_CB_UNIQUE, 12);
	expect_same_cb(s, c, NET_TLS_CB_EXPORTER, 32);
	expect_same_cb(s, c, NET_TLS_CB_SERVER_END_POINT, 32);
	/* tls-server-end-point is SHA-256 of the DER certificate here */
	X509_digest(fx->server.cert, EVP_sha256(), hash, &hash_len);
	assert_int_equal(
	    net_tls_channel_binding(s, NET_TLS_CB_SERVER_END_POINT, cb), 32);
	assert_memory_equal(cb, hash, 32);
	sess = SSL_get1_session(c);
	pki_close(s, c);

	/* TLS 1.2 resumed: tls-unique is the server's Finished now */
	assert_true(
	    pki_handshake(net_tls_ctx_get_ssl_ctx(ctx), c12, sess, &s, &c));
	assert_true(SSL_session_reused(s));
	expect_same_cb(s, c, NET_TLS_CB_UNIQUE, 12);
	SSL_SESSION_free(sess);
	SSL_free(s);
	SSL_free(c);

	/* TLS 1.3: no tls-unique */
	assert_true(
	    pki_handshake(net_tls_ctx_get_ssl_ctx(ctx), c13, NULL, &s, &c));
	expect_same_cb(s, c, NET_TLS_CB_UNIQUE, 0);
	expect_same_cb(s, c, NET_TLS_CB_EXPORTER, 32);
	expect_same_cb(s, c, NET_TLS_CB_SERVER_END_POINT, 32);
	SSL_free(s);
	SSL_free(c);
	net_tls_ctx_destroy(&ctx);
	SSL_CTX_free(c12);
	SSL_CTX_free(c13);
}

static void
test_cb_cert_algorithms(void **state)
{
	struct fx *fx = *state;
	struct pki_cert ed;
	char cert[300], key[300];
	struct net_tls_ctx *ctx;
	SSL_CTX *cctx = pki_client_ctx(NULL, NULL, 0, 0);
	SSL *s, *c;

	/* RSA with SHA-256 (server2) */
	ctx = create_ok(&(struct net_tls_settings){.cert_file = fx->cert2,
						   .key_file = fx->key2});
	assert_true(
	    pki_handshake(net_tls_ctx_get_ssl_ctx(ctx), cctx, NULL, &s, &c));
	expect_same_cb(s, c, NET_TLS_CB_SERVER_END_POINT, 32);
	SSL_free(s);
	SSL_free(c);
	net_tls_ctx_destroy(&ctx);

	/* Ed25519 signs without a separate hash: undefined */
	pki_make(&ed, &(struct pki_name){.cn = "ed"}, NULL, false,
		 PKI_KEY_ED25519);
	fx_path(fx, cert, "ed.pem");
	fx_path(fx, key, "ed.key");
	pki_write_cert_pem(cert, &ed, NULL);
	pki_write_key_pem(key, &ed, NULL);
	ctx = create_ok(
	    &(struct net_tls_settings){.cert_file = cert, .key_file = key});
	assert_true(
	    pki_handshake(net_tls_ctx_get_ssl_ctx(ctx), cctx, NULL, &s, &c));
	expect_same_cb(s, c, NET_TLS_CB_SERVER_END_POINT, 0);
	expect_same_cb(s, c, NET_TLS_CB_EXPORTER, 32);
	SSL_free(s);
	SSL_free(c);
	net_tls_ctx_destroy(&ctx);
	pki_free(&ed);
	SSL_CTX_free(cctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_formats),
	    cmocka_unit_test(test_load_errors),
	    cmocka_unit_test(test_cipher_policy),
	    cmocka_unit_test(test_protocol_versions),
	    cmocka_unit_test(test_client_certs),
	    cmocka_unit_test(test_resumption),
	    cmocka_unit_test(test_reload),
	    cmocka_unit_test(test_channel_bindings),
	    cmocka_unit_test(test_cb_cert_algorithms),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
