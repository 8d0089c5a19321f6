/* SPDX-License-Identifier: MIT */
/*
 * Server TLS contexts: protocol and cipher policy, client certificates,
 * session resumption, and the reload that swaps in a new OpenSSL context
 * while connections keep the one they started with.
 */
#include "net/tls-private.h"
#include "lib/mem.h"
#include "lib/panic.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

/* Suites that are never acceptable, appended to every cipher list as
   permanent removals ("!"), so no later element of the administrator's
   string can bring them back: anonymous key exchange, NULL encryption,
   export grade, RC4, single DES and MD5 MACs. SSLv2 and SSLv3 as protocols
   are excluded by the minimum protocol version. */
#define TLS_FORBIDDEN_CIPHERS ":!aNULL:!eNULL:!EXPORT:!RC4:!DES:!MD5"
/* Longest cipher string accepted (ms.conf allows 1024). */
#define TLS_CIPHER_LIST_MAX 2048
/* Session id context: required for resumption once client certificates
   are verified; any constant works as all services share one context. */
#define TLS_SESSION_ID_CONTEXT "coffer"
/* Stateful session cache entries (TLS 1.2 clients without tickets). */
#define TLS_SESSION_CACHE_SIZE 20000
#define TLS_SESSION_TIMEOUT_SECS 3600
/* SSL_CTX_{get,set}_tlsext_ticket_keys(): name, HMAC and AES keys. */
#define TLS_TICKET_KEYS_LEN 80

struct net_tls_ctx {
	pthread_mutex_t lock;
	SSL_CTX *ssl_ctx; /* current; under lock */
};

int
tls__openssl_err(struct err *err, enum err_code code, const char *what,
		 const char *problem)
{
	unsigned long e = ERR_peek_last_error();
	char detail[256];

	if (e == 0) {
		err_set(err, code, "%s: %s", what, problem);
	} else {
		ERR_error_string_n(e, detail, sizeof(detail));
		err_set(err, code, "%s: %s (%s)", what, problem, detail);
	}
	ERR_clear_error();
	return -1;
}

static int
tls_verify_accept_all(int preverify_ok, X509_STORE_CTX *store)
{
	/* tls_force_verify: keep the handshake going; the error stays in
	   SSL_get_verify_result() and the certificate is never used as an
	   identity (conn_tls_peer_cert() returns NULL). */
	(void)preverify_ok;
	(void)store;
	return 1;
}

static int
set_protocols(SSL_CTX *sctx, const struct net_tls_settings *set,
	      struct err *err)
{
	char list[TLS_CIPHER_LIST_MAX];
	int min = set->min_version == 0 ? TLS1_2_VERSION : set->min_version;
	const char *ciphers =
	    set->cipher_list != NULL && set->cipher_list[0] != '\0'
		? set->cipher_list
		: "DEFAULT";

	if (min != TLS1_2_VERSION && min != TLS1_3_VERSION)
		return err_set(err, ERR_PARAMS,
			       "minimum TLS version must be 1.2 or 1.3");
	if (SSL_CTX_set_min_proto_version(sctx, min) != 1)
		return tls__openssl_err(err, ERR_PARAMS, "TLS version",
					"not supported");
	if ((size_t)snprintf(list, sizeof(list), "%s%s", ciphers,
			     TLS_FORBIDDEN_CIPHERS) >= sizeof(list))
		return err_set(err, ERR_PARAMS, "cipher list too long");
	if (SSL_CTX_set_cipher_list(sctx, list) != 1)
		return tls__openssl_err(err, ERR_PARAMS, "cipher list",
					"selects no usable cipher");
	/* "@SECLEVEL=0" in the list would re-enable tiny keys and MD5
	   signatures: level 1 is the floor. */
	if (SSL_CTX_get_security_level(sctx) < 1)
		SSL_CTX_set_security_level(sctx, 1);
	if (set->ciphersuites != NULL && set->ciphersuites[0] != '\0' &&
	    SSL_CTX_set_ciphersuites(sctx, set->ciphersuites) != 1)
		return tls__openssl_err(err, ERR_PARAMS, "TLS 1.3 suites",
					"no usable suite");
	return 0;
}

static int
set_client_ca_list(SSL_CTX *sctx, const char *ca_file, const char *ca_path,
		   struct err *err)
{
	STACK_OF(X509_NAME) *names = sk_X509_NAME_new_null();

	if (names == NULL)
		return tls__openssl_err(err, ERR_INTERNAL, "CA list", "memory");
	/* the CertificateRequest names the acceptable issuers */
	if ((ca_file != NULL &&
	     SSL_add_file_cert_subjects_to_stack(names, ca_file) != 1) ||
	    (ca_path != NULL &&
	     SSL_add_dir_cert_subjects_to_stack(names, ca_path) != 1)) {
		sk_X509_NAME_pop_free(names, X509_NAME_free);
		return tls__openssl_err(err, ERR_PARAMS,
					ca_file != NULL ? ca_file : ca_path,
					"no CA certificates");
	}
	SSL_CTX_set_client_CA_list(sctx, names);
	return 0;
}

static int
set_trust(SSL_CTX *sctx, const struct net_tls_settings *set, struct err *err)
{
	const char *ca_file = set->ca_file != NULL && set->ca_file[0] != '\0'
				  ? set->ca_file
				  : NULL;
	const char *ca_path = set->ca_path != NULL && set->ca_path[0] != '\0'
				  ? set->ca_path
				  : NULL;
	int mode;

	if (ca_file != NULL || ca_path != NULL) {
		if (SSL_CTX_load_verify_locations(sctx, ca_file, ca_path) != 1)
			return tls__openssl_err(err, ERR_PARAMS,
						ca_file != NULL ? ca_file
								: ca_path,
						"cannot load CA certificates");
	}
	if (set->client_certs == NET_TLS_CLIENT_CERTS_NONE)
		return 0;
	if (ca_file == NULL && ca_path == NULL)
		return err_set(err, ERR_PARAMS,
			       "client certificates need tls_ca_file or "
			       "tls_ca_path");
	if (set_client_ca_list(sctx, ca_file, ca_path, err) < 0)
		return -1;
	mode = SSL_VERIFY_PEER;
	if (set->client_certs == NET_TLS_CLIENT_CERTS_REQUIRE)
		mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
	SSL_CTX_set_verify(sctx, mode,
			   set->client_certs == NET_TLS_CLIENT_CERTS_REQUEST &&
				   set->accept_unverified
			       ? tls_verify_accept_all
			       : NULL);
	SSL_CTX_set_verify_depth(sctx, (int)MIN(set->verify_depth, 100u));
	return 0;
}

static void
set_sessions(SSL_CTX *sctx)
{
	(void)SSL_CTX_set_session_id_context(
	    sctx, (const unsigned char *)TLS_SESSION_ID_CONTEXT,
	    sizeof(TLS_SESSION_ID_CONTEXT) - 1);
	(void)SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_SERVER);
	(void)SSL_CTX_sess_set_cache_size(sctx, TLS_SESSION_CACHE_SIZE);
	(void)SSL_CTX_set_timeout(sctx, TLS_SESSION_TIMEOUT_SECS);
	/* tickets (RFC 5077, RFC 8446 section 4.6.1) stay enabled */
}

static SSL_CTX *
build(const struct net_tls_settings *set, struct err *err)
{
	SSL_CTX *sctx;

	ERR_clear_error();
	sctx = SSL_CTX_new(TLS_server_method());
	if (sctx == NULL) {
		tls__openssl_err(err, ERR_INTERNAL, "TLS", "SSL_CTX_new()");
		return NULL;
	}
	/* Renegotiation only adds attack surface (and tls-exporter is
	   undefined with it, RFC 9266 section 2); an EOF without
	   close_notify is a normal disconnect for protocols whose commands
	   are self-delimiting. */
	SSL_CTX_set_options(
	    sctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF |
		      SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* RELEASE_BUFFERS: idle connections drop their record buffers.
	   Our output buffer moves when it is compacted or grown, and we
	   accept partial writes like send(). */
	SSL_CTX_set_mode(sctx, SSL_MODE_RELEASE_BUFFERS |
				   SSL_MODE_ENABLE_PARTIAL_WRITE |
				   SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (set_protocols(sctx, set, err) < 0 ||
	    set_trust(sctx, set, err) < 0 ||
	    tls__load_identity(sctx, set, err) < 0) {
		SSL_CTX_free(sctx);
		return NULL;
	}
	set_sessions(sctx);
	return sctx;
}

struct net_tls_ctx *
net_tls_ctx_create(const struct net_tls_settings *set, struct err *err)
{
	struct net_tls_ctx *ctx;
	SSL_CTX *sctx = build(set, err);

	if (sctx == NULL)
		return NULL;
	ctx = xcalloc(1, sizeof(*ctx));
	pthread_mutex_init(&ctx->lock, NULL);
	ctx->ssl_ctx = sctx;
	return ctx;
}

struct net_tls_ctx *
net_tls_ctx_create_server(const char *cert_file, const char *key_file,
			  struct err *err)
{
	struct net_tls_settings set = {
	    .cert_file = cert_file,
	    .key_file = key_file,
	};

	return net_tls_ctx_create(&set, err);
}

int
net_tls_ctx_reload(struct net_tls_ctx *ctx, const struct net_tls_settings *set,
		   struct err *err)
{
	unsigned char keys[TLS_TICKET_KEYS_LEN];
	SSL_CTX *sctx = build(set, err), *old;

	if (sctx == NULL)
		return -1;
	pthread_mutex_lock(&ctx->lock);
	old = ctx->ssl_ctx;
	/* Tickets issued under the old context keep resuming. */
	if (SSL_CTX_get_tlsext_ticket_keys(old, keys, sizeof(keys)) == 1)
		(void)SSL_CTX_set_tlsext_ticket_keys(sctx, keys, sizeof(keys));
	mem_wipe(keys, sizeof(keys));
	ctx->ssl_ctx = sctx;
	pthread_mutex_unlock(&ctx->lock);
	/* connections using it hold their own references */
	SSL_CTX_free(old);
	ERR_clear_error();
	return 0;
}

void
net_tls_ctx_destroy(struct net_tls_ctx **ctxp)
{
	struct net_tls_ctx *ctx = *ctxp;

	if (ctx == NULL)
		return;
	*ctxp = NULL;
	SSL_CTX_free(ctx->ssl_ctx);
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}

SSL_CTX *
net_tls_ctx_get_ssl_ctx(struct net_tls_ctx *ctx)
{
	SSL_CTX *sctx;

	pthread_mutex_lock(&ctx->lock);
	sctx = ctx->ssl_ctx;
	pthread_mutex_unlock(&ctx->lock);
	return sctx;
}

SSL *
tls__ssl_new(struct net_tls_ctx *ctx, struct err *err)
{
	SSL *ssl;

	ERR_clear_error();
	/* SSL_new() takes a reference on the context, so a reload may free
	   ours as soon as we unlock */
	pthread_mutex_lock(&ctx->lock);
	ssl = SSL_new(ctx->ssl_ctx);
	pthread_mutex_unlock(&ctx->lock);
	if (ssl == NULL)
		tls__openssl_err(err, ERR_INTERNAL, "TLS", "SSL_new()");
	return ssl;
}
