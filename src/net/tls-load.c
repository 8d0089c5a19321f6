/* SPDX-License-Identifier: MIT */
/*
 * Loading the server certificate and key into an OpenSSL context: PEM
 * chains, DER files and PKCS#12 bundles, encrypted keys. Files are read
 * with a size bound and key material is wiped from our buffers after use.
 */
#include "net/tls-private.h"
#include "lib/buf.h"
#include "lib/fsutil.h"
#include "lib/mem.h"
#include "lib/str.h"

#include <string.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

/* Certificates and keys are small; a chain of ten 4096-bit certificates is
   under 20 KiB. */
#define TLS_FILE_MAX (1024 * 1024)
/* Certificates after the leaf in a PEM chain. */
#define TLS_CHAIN_MAX 16

static int
tls_password_cb(char *buf, int size, int rwflag, void *userdata)
{
	const char *password = userdata;
	size_t len;

	(void)rwflag;
	if (password == NULL || size <= 0)
		return 0;
	len = strlen(password);
	if (len > (size_t)size)
		return -1;
	memcpy(buf, password, len);
	return (int)len;
}

/* Reads a whole file into *b (wipe_buf() it). */
static int
read_file(const char *path, struct buf *b, struct err *err)
{
	buf_init(b, 0);
	return file_read_all(path, TLS_FILE_MAX, b, err);
}

static void
wipe_buf(struct buf *b)
{
	if (b->data != NULL)
		mem_wipe(b->data, b->cap);
	buf_free(b);
}

static bool
is_pem(const struct buf *b)
{
	return mem_find_icase(b->data, b->len, "-----BEGIN ", 11) != NULL;
}

static bool
is_pkcs12_name(const char *path)
{
	size_t len = strlen(path);

	return len > 4 && (str_eq_icase(path + len - 4, ".p12") ||
			   str_eq_icase(path + len - 4, ".pfx"));
}

static int
load_chain_pem(SSL_CTX *sctx, BIO *bio, const char *path, struct err *err)
{
	X509 *x = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL);
	unsigned count = 0;

	if (x == NULL)
		return tls__openssl_err(err, ERR_PARAMS, path,
					"no PEM certificate");
	if (SSL_CTX_use_certificate(sctx, x) != 1) {
		X509_free(x);
		return tls__openssl_err(err, ERR_PARAMS, path,
					"unusable certificate");
	}
	X509_free(x);
	(void)SSL_CTX_clear_chain_certs(sctx);
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (++count > TLS_CHAIN_MAX) {
			X509_free(x);
			return err_set(err, ERR_PARAMS,
				       "%s: more than %d chain certificates",
				       path, TLS_CHAIN_MAX);
		}
		if (SSL_CTX_add0_chain_cert(sctx, x) != 1) {
			X509_free(x);
			return tls__openssl_err(err, ERR_PARAMS, path,
						"unusable chain certificate");
		}
	}
	/* the loop ends with "no start line": that is the end of file */
	ERR_clear_error();
	return 0;
}

static int
load_cert_plain(SSL_CTX *sctx, const char *path, struct err *err)
{
	struct buf b;
	BIO *bio;
	int ret;

	if (read_file(path, &b, err) < 0) {
		buf_free(&b);
		return -1;
	}
	bio = BIO_new_mem_buf(b.data, (int)b.len);
	if (bio == NULL) {
		buf_free(&b);
		return tls__openssl_err(err, ERR_INTERNAL, path, "BIO");
	}
	if (is_pem(&b)) {
		ret = load_chain_pem(sctx, bio, path, err);
	} else {
		X509 *x = d2i_X509_bio(bio, NULL);

		ret = 0;
		if (x == NULL || SSL_CTX_use_certificate(sctx, x) != 1)
			ret = tls__openssl_err(err, ERR_PARAMS, path,
					       "not a PEM or DER certificate");
		X509_free(x);
	}
	BIO_free(bio);
	buf_free(&b);
	return ret;
}

static EVP_PKEY *
parse_key(const struct buf *b, const char *password)
{
	BIO *bio = BIO_new_mem_buf(b->data, (int)b->len);
	EVP_PKEY *key = NULL;

	if (bio == NULL)
		return NULL;
	if (is_pem(b)) {
		key = PEM_read_bio_PrivateKey(bio, NULL, tls_password_cb,
					      (void *)password);
	} else {
		key = d2i_PrivateKey_bio(bio, NULL);
		if (key == NULL && BIO_reset(bio) == 1)
			key = d2i_PKCS8PrivateKey_bio(
			    bio, NULL, tls_password_cb, (void *)password);
	}
	BIO_free(bio);
	return key;
}

static int
load_key_plain(SSL_CTX *sctx, const char *path, const char *password,
	       struct err *err)
{
	struct buf b;
	EVP_PKEY *key;

	if (read_file(path, &b, err) < 0) {
		wipe_buf(&b);
		return -1;
	}
	key = parse_key(&b, password);
	wipe_buf(&b);
	if (key == NULL)
		return tls__openssl_err(err, ERR_PARAMS, path,
					password != NULL
					    ? "no private key, or wrong "
					      "tls_key_password"
					    : "no private key (encrypted "
					      "keys need tls_key_password)");
	if (SSL_CTX_use_PrivateKey(sctx, key) != 1) {
		EVP_PKEY_free(key);
		return tls__openssl_err(err, ERR_PARAMS, path,
					"private key does not match the "
					"certificate");
	}
	EVP_PKEY_free(key);
	return 0;
}

static int
use_pkcs12(SSL_CTX *sctx, const char *path, X509 *cert, EVP_PKEY *key,
	   STACK_OF(X509) * ca, struct err *err)
{
	if (cert == NULL || key == NULL)
		return err_set(err, ERR_PARAMS,
			       "%s: PKCS#12 file without certificate and key",
			       path);
	if (SSL_CTX_use_certificate(sctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(sctx, key) != 1)
		return tls__openssl_err(err, ERR_PARAMS, path,
					"unusable certificate or key");
	if (ca != NULL && sk_X509_num(ca) > TLS_CHAIN_MAX)
		return err_set(err, ERR_PARAMS,
			       "%s: more than %d chain certificates", path,
			       TLS_CHAIN_MAX);
	/* set1: the context takes its own references */
	if (ca != NULL && SSL_CTX_set1_chain(sctx, ca) != 1)
		return tls__openssl_err(err, ERR_PARAMS, path,
					"unusable chain certificate");
	return 0;
}

static int
load_pkcs12(SSL_CTX *sctx, const char *path, const char *password,
	    struct err *err)
{
	STACK_OF(X509) *ca = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	PKCS12 *p12 = NULL;
	struct buf b;
	BIO *bio;
	int ret = -1;

	if (read_file(path, &b, err) < 0) {
		wipe_buf(&b);
		return -1;
	}
	bio = BIO_new_mem_buf(b.data, (int)b.len);
	if (bio != NULL)
		p12 = d2i_PKCS12_bio(bio, NULL);
	BIO_free(bio);
	if (p12 == NULL) {
		tls__openssl_err(err, ERR_PARAMS, path, "not a PKCS#12 file");
	} else if (PKCS12_parse(p12, password != NULL ? password : "", &key,
				&cert, &ca) != 1) {
		tls__openssl_err(err, ERR_PARAMS, path,
				 "cannot decrypt (wrong tls_key_password?)");
	} else {
		ret = use_pkcs12(sctx, path, cert, key, ca, err);
	}
	PKCS12_free(p12);
	X509_free(cert);
	EVP_PKEY_free(key);
	sk_X509_pop_free(ca, X509_free);
	wipe_buf(&b);
	return ret;
}

int
tls__load_identity(SSL_CTX *sctx, const struct net_tls_settings *set,
		   struct err *err)
{
	const char *password =
	    set->key_password != NULL && set->key_password[0] != '\0'
		? set->key_password
		: NULL;
	const char *key_file = set->key_file != NULL && set->key_file[0] != '\0'
				   ? set->key_file
				   : set->cert_file;

	if (set->cert_file == NULL || set->cert_file[0] == '\0')
		return err_set(err, ERR_PARAMS, "no certificate file given");
	if (is_pkcs12_name(set->cert_file))
		return load_pkcs12(sctx, set->cert_file, password, err);
	if (load_cert_plain(sctx, set->cert_file, err) < 0 ||
	    load_key_plain(sctx, key_file, password, err) < 0)
		return -1;
	if (SSL_CTX_check_private_key(sctx) != 1)
		return tls__openssl_err(err, ERR_PARAMS, key_file,
					"private key does not match the "
					"certificate");
	return 0;
}
