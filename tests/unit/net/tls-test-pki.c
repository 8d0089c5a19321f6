/* SPDX-License-Identifier: MIT */
/* Test PKI and in-memory handshakes (see tls-test-pki.h). */
#include "tls-test-pki.h"
#include "lib/panic.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (ext == NULL || X509_add_ext(x, ext, -1) != 1)
		i_panic("cannot add extension %d", nid);
	X509_EXTENSION_free(ext);
}

static void
add_name(X509_NAME *n, const char *field, const char *value)
{
	if (value != NULL && X509_NAME_add_entry_by_txt(
				 n, field, MBSTRING_UTF8,
				 (const unsigned char *)value, -1, -1, 0) != 1)
		i_panic("cannot add %s", field);
}

static EVP_PKEY *
make_key(enum pki_key_type type)
{
	switch (type) {
	case PKI_KEY_EC:
		return EVP_EC_gen("P-256");
	case PKI_KEY_RSA:
		return EVP_RSA_gen(2048);
	case PKI_KEY_ED25519:
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	}
	return NULL;
}

void
pki_make(struct pki_cert *out, const struct pki_name *name,
	 const struct pki_cert *issuer, bool ca, enum pki_key_type type)
{
	static long serial = 1;
	X509_NAME *subj;
	X509 *x = X509_new();
	EVP_PKEY *key = make_key(type);
	X509 *signer_cert;
	EVP_PKEY *signer_key;
	char san[300];

	if (x == NULL || key == NULL)
		i_panic("cannot create a test key");
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	subj = X509_get_subject_name(x);
	add_name(subj, "CN", name->cn);
	add_name(subj, "emailAddress", name->email);
	add_name(subj, "UID", name->uid);
	signer_cert = issuer != NULL ? issuer->cert : x;
	signer_key = issuer != NULL ? issuer->key : key;
	X509_set_issuer_name(x, X509_get_subject_name(signer_cert));
	if (ca) {
		add_ext(x, signer_cert, NID_basic_constraints,
			"critical,CA:TRUE");
		add_ext(x, signer_cert, NID_key_usage,
			"critical,keyCertSign,cRLSign");
	} else {
		add_ext(x, signer_cert, NID_basic_constraints, "CA:FALSE");
		add_ext(x, signer_cert, NID_ext_key_usage,
			"serverAuth,clientAuth");
	}
	add_ext(x, signer_cert, NID_subject_key_identifier, "hash");
	if (name->san_email != NULL) {
		snprintf(san, sizeof(san), "email:%s", name->san_email);
		add_ext(x, signer_cert, NID_subject_alt_name, san);
	}
	if (X509_sign(x, signer_key,
		      EVP_PKEY_get_id(signer_key) == EVP_PKEY_ED25519
			  ? NULL
			  : EVP_sha256()) == 0)
		i_panic("X509_sign failed");
	out->cert = x;
	out->key = key;
}

void
pki_free(struct pki_cert *c)
{
	X509_free(c->cert);
	EVP_PKEY_free(c->key);
	c->cert = NULL;
	c->key = NULL;
}

static FILE *
open_w(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		i_panic("fopen(%s) failed: %m", path);
	return f;
}

void
pki_write_cert_pem(const char *path, const struct pki_cert *c,
		   const struct pki_cert *chain)
{
	FILE *f = open_w(path);

	if (PEM_write_X509(f, c->cert) != 1 ||
	    (chain != NULL && PEM_write_X509(f, chain->cert) != 1))
		i_panic("PEM write to %s failed", path);
	fclose(f);
}

void
pki_write_key_pem(const char *path, const struct pki_cert *c,
		  const char *password)
{
	FILE *f = open_w(path);

	if (PEM_write_PrivateKey(
		f, c->key, password != NULL ? EVP_aes_256_cbc() : NULL,
		(const unsigned char *)password,
		password != NULL ? (int)strlen(password) : 0, NULL, NULL) != 1)
		i_panic("PEM key write to %s failed", path);
	fclose(f);
}

void
pki_write_cert_der(const char *path, const struct pki_cert *c)
{
	FILE *f = open_w(path);

	if (i2d_X509_fp(f, c->cert) != 1)
		i_panic("DER write to %s failed", path);
	fclose(f);
}

void
pki_write_key_der(const char *path, const struct pki_cert *c)
{
	FILE *f = open_w(path);

	if (i2d_PrivateKey_fp(f, c->key) != 1)
		i_panic("DER key write to %s failed", path);
	fclose(f);
}

void
pki_write_p12(const char *path, const struct pki_cert *c,
	      const struct pki_cert *chain, const char *password)
{
	STACK_OF(X509) *ca = sk_X509_new_null();
	PKCS12 *p12;
	FILE *f;

	if (chain != NULL)
		sk_X509_push(ca, chain->cert);
	p12 = PKCS12_create(password, "coffer", c->key, c->cert, ca, 0, 0, 0, 0,
			    0);
	if (p12 == NULL)
		i_panic("PKCS12_create failed");
	f = open_w(path);
	if (i2d_PKCS12_fp(f, p12) != 1)
		i_panic("PKCS#12 write to %s failed", path);
	fclose(f);
	PKCS12_free(p12);
	sk_X509_free(ca);
}

SSL_CTX *
pki_client_ctx(const struct pki_cert *c, const struct pki_cert *chain,
	       int min_version, int max_version)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL)
		i_panic("SSL_CTX_new failed");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	/* allow TLS 1.0/1.1 attempts to test refusals */
	SSL_CTX_set_security_level(ctx, 0);
	if (min_version != 0)
		SSL_CTX_set_min_proto_version(ctx, min_version);
	if (max_version != 0)
		SSL_CTX_set_max_proto_version(ctx, max_version);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
	if (c != NULL && (SSL_CTX_use_certificate(ctx, c->cert) != 1 ||
			  SSL_CTX_use_PrivateKey(ctx, c->key) != 1))
		i_panic("client certificate rejected");
	if (chain != NULL && SSL_CTX_add1_chain_cert(ctx, chain->cert) != 1)
		i_panic("client chain rejected");
	return ctx;
}

/* One round of handshake steps on both sides; true when both are done. */
static bool
step(SSL *s, SSL *c, bool *failed)
{
	int rs = SSL_do_handshake(s), rc = SSL_do_handshake(c);

	if (rs <= 0) {
		int e = SSL_get_error(s, rs);

		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			*failed = true;
	}
	if (rc <= 0) {
		int e = SSL_get_error(c, rc);

		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			*failed = true;
	}
	return rs == 1 && rc == 1;
}

bool
pki_handshake(SSL_CTX *sctx, SSL_CTX *cctx, SSL_SESSION *session,
	      SSL **server_r, SSL **client_r)
{
	SSL *s = SSL_new(sctx), *c = SSL_new(cctx);
	BIO *sbio, *cbio;
	bool failed = false, done = false;

	if (s == NULL || c == NULL || BIO_new_bio_pair(&sbio, 0, &cbio, 0) != 1)
		i_panic("cannot set up a handshake");
	SSL_set_bio(s, sbio, sbio);
	SSL_set_bio(c, cbio, cbio);
	SSL_set_accept_state(s);
	SSL_set_connect_state(c);
	if (session != NULL)
		SSL_set_session(c, session);
	for (int i = 0; i < 50 && !done && !failed; i++)
		done = step(s, c, &failed);
	ERR_clear_error();
	*server_r = s;
	*client_r = c;
	return done && !failed;
}

void
pki_pump(SSL *server, SSL *client)
{
	char buf[64];

	for (int i = 0; i < 4; i++) {
		(void)SSL_write(server, "s", 1);
		(void)SSL_read(client, buf, sizeof(buf));
		(void)SSL_write(client, "c", 1);
		(void)SSL_read(server, buf, sizeof(buf));
	}
	ERR_clear_error();
}

void
pki_close(SSL *server, SSL *client)
{
	if (server != NULL && client != NULL) {
		(void)SSL_shutdown(client);
		(void)SSL_shutdown(server);
		(void)SSL_shutdown(client);
	}
	ERR_clear_error();
	SSL_free(server);
	SSL_free(client);
}

void
pki_tmpdir(char *path, size_t size, const char *tag)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(path, size, "%s/coffer-%s-XXXXXX", tmp != NULL ? tmp : "/tmp",
		 tag);
	if (mkdtemp(path) == NULL)
		i_panic("mkdtemp(%s) failed: %m", path);
}

void
pki_rmdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[1024];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		(void)unlink(path);
	}
	closedir(d);
	(void)rmdir(dir);
}
