/* SPDX-License-Identifier: MIT */
/*
 * Channel bindings of a TLS connection (RFC 5056): what SCRAM-*-PLUS binds
 * the authentication to, so that a man in the middle terminating TLS cannot
 * relay it.
 */
#include "net/tls.h"
#include "lib/panic.h"

#include <string.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

/* RFC 9266 section 2: label and length of the tls-exporter value. */
#define TLS_EXPORTER_LABEL "EXPORTER-Channel-Binding"
#define TLS_EXPORTER_LEN 32

const char *
net_tls_cb_name(enum net_tls_cb type)
{
	switch (type) {
	case NET_TLS_CB_UNIQUE:
		return "tls-unique";
	case NET_TLS_CB_SERVER_END_POINT:
		return "tls-server-end-point";
	case NET_TLS_CB_EXPORTER:
		return "tls-exporter";
	}
	i_unreached();
}

/* TLS 1.2 without the extended master secret (RFC 7627) is open to the
   triple handshake attack, which makes tls-unique and exported keys equal
   on two different connections: neither binding is defined then. */
static bool
tls12_bindable(SSL *ssl)
{
	return SSL_version(ssl) == TLS1_2_VERSION &&
	       SSL_get_extms_support(ssl) == 1;
}

static int
cb_unique(SSL *ssl, uint8_t *out)
{
	/* RFC 5929 section 3.1: the first Finished message of the most
	   recent handshake: the client's in a full handshake, the server's
	   in an abbreviated (resumed) one. */
	bool own = SSL_is_server(ssl) ? SSL_session_reused(ssl) != 0
				      : SSL_session_reused(ssl) == 0;
	size_t len;

	if (!tls12_bindable(ssl))
		return 0;
	len = own ? SSL_get_finished(ssl, out, NET_TLS_CB_MAX)
		  : SSL_get_peer_finished(ssl, out, NET_TLS_CB_MAX);
	return len > 0 && len <= NET_TLS_CB_MAX ? (int)len : -1;
}

static int
cb_server_end_point(SSL *ssl, uint8_t *out)
{
	X509 *cert = SSL_is_server(ssl) ? SSL_get_certificate(ssl)
					: SSL_get0_peer_certificate(ssl);
	int md_nid, pk_nid;
	const EVP_MD *md;
	unsigned len;

	if (cert == NULL ||
	    X509_get_signature_info(cert, &md_nid, &pk_nid, NULL, NULL) != 1)
		return 0;
	/* RFC 5929 section 4.1: MD5 and SHA-1 are replaced by SHA-256;
	   without a single hash function the binding is undefined. */
	if (md_nid == NID_md5 || md_nid == NID_sha1)
		md_nid = NID_sha256;
	if (md_nid == NID_undef)
		return 0;
	md = EVP_get_digestbynid(md_nid);
	if (md == NULL || EVP_MD_get_size(md) > NET_TLS_CB_MAX)
		return 0;
	if (X509_digest(cert, md, out, &len) != 1)
		return -1;
	return (int)len;
}

static int
cb_exporter(SSL *ssl, uint8_t *out)
{
	/* RFC 9266 section 2: no context (use_context 0). */
	if (SSL_version(ssl) != TLS1_3_VERSION && !tls12_bindable(ssl))
		return 0;
	if (SSL_export_keying_material(
		ssl, out, TLS_EXPORTER_LEN, TLS_EXPORTER_LABEL,
		strlen(TLS_EXPORTER_LABEL), NULL, 0, 0) != 1)
		return -1;
	return TLS_EXPORTER_LEN;
}

int
net_tls_channel_binding(SSL *ssl, enum net_tls_cb type,
			uint8_t out[NET_TLS_CB_MAX])
{
	int ret = 0;

	if (ssl == NULL || !SSL_is_init_finished(ssl))
		return 0;
	ERR_clear_error();
	switch (type) {
	case NET_TLS_CB_UNIQUE:
		ret = cb_unique(ssl, out);
		break;
	case NET_TLS_CB_SERVER_END_POINT:
		ret = cb_server_end_point(ssl, out);
		break;
	case NET_TLS_CB_EXPORTER:
		ret = cb_exporter(ssl, out);
		break;
	}
	ERR_clear_error();
	return ret;
}
