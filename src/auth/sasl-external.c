/* SPDX-License-Identifier: MIT */
/*
 * EXTERNAL (RFC 4422 appendix A) over a TLS client certificate: the user
 * is named by a field of a certificate that verified against tls_ca_file /
 * tls_ca_path (conn_tls_peer_cert() never returns unverified ones), chosen
 * by tls_client_identity, and must be an account.
 */
#include "auth/sasl-private.h"
#include "lib/str.h"
#include "lib/utf8.h"

#include <string.h>
#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Copies an ASN.1 string as UTF-8 if it is a plausible name. */
static bool
asn1_name(const ASN1_STRING *str, char *out, size_t size)
{
	unsigned char *utf8 = NULL;
	int len = ASN1_STRING_to_UTF8(&utf8, str);
	bool ok = len > 0 && (size_t)len < size &&
		  memchr(utf8, '\0', (size_t)len) == NULL &&
		  utf8_valid(utf8, (size_t)len);

	if (ok) {
		memcpy(out, utf8, (size_t)len);
		out[len] = '\0';
	}
	OPENSSL_free(utf8);
	return ok;
}

static bool
subject_field(X509 *cert, int nid, char *out, size_t size)
{
	X509_NAME *name = X509_get_subject_name(cert);
	int i = X509_NAME_get_index_by_NID(name, nid, -1);

	if (i < 0)
		return false;
	return asn1_name(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)),
			 out, size);
}

static bool
san_email(X509 *cert, char *out, size_t size)
{
	GENERAL_NAMES *names =
	    X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	bool found = false;

	for (int i = 0; names != NULL && i < sk_GENERAL_NAME_num(names); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);

		if (gn->type == GEN_EMAIL &&
		    asn1_name(gn->d.rfc822Name, out, size)) {
			found = true;
			break;
		}
	}
	GENERAL_NAMES_free(names);
	return found;
}

int
sasl_cert_identity(const struct ms_config *cfg, X509 *cert, char *out,
		   size_t size)
{
	for (size_t i = 0; cert != NULL && i < cfg->tls_client_identity.n;
	     i++) {
		const char *field = cfg->tls_client_identity.v[i];

		if (strcmp(field, "email") == 0 &&
		    (san_email(cert, out, size) ||
		     subject_field(cert, NID_pkcs9_emailAddress, out, size)))
			return 1;
		if (strcmp(field, "cn") == 0 &&
		    subject_field(cert, NID_commonName, out, size))
			return 1;
		if (strcmp(field, "uid") == 0 &&
		    subject_field(cert, NID_userId, out, size))
			return 1;
	}
	return 0;
}

static enum sasl_status
external_finish(struct sasl_session *s, const uint8_t *authzid, size_t len)
{
	char identity[SASL_NAME_MAX + 1];
	struct account *acct = NULL;
	const char *az = NULL;
	int ret;

	/* RFC 4422 appendix A.1: the message is the authorization identity
	   to act as, empty to act as the identity of the credentials */
	if (len > 0 && (az = sasl__name_dup(s, authzid, len)) == NULL)
		return sasl__fail(s, SASL_FAIL_MALFORMED,
				  "EXTERNAL: invalid authorization identity");
	if (sasl_cert_identity(s->cfg, s->ch->peer_cert, identity,
			       sizeof(identity)) == 0)
		return sasl__fail(s, SASL_FAIL_CREDENTIALS,
				  "EXTERNAL: the certificate names no user "
				  "(tls_client_identity)");
	sasl__claim(s, identity, strlen(identity));
	ret = sasl__lookup(s, identity, &acct, NULL);
	if (ret < 0)
		return SASL_FAILED;
	if (ret == 0)
		return sasl__fail(s, SASL_FAIL_CREDENTIALS,
				  "EXTERNAL: no account for the certificate");
	(void)sasl__verified(s, acct->userid, az);
	account_destroy(&acct);
	return SASL_DONE;
}

static enum sasl_status
external_start(struct sasl_session *s, const uint8_t *initial, size_t len,
	       struct buf *challenge)
{
	(void)challenge;
	if (s->ch->peer_cert == NULL)
		return sasl__fail(s, SASL_FAIL_CREDENTIALS,
				  "EXTERNAL: no verified client certificate");
	if (initial == NULL)
		return SASL_CONTINUE;
	return external_finish(s, initial, len);
}

static enum sasl_status
external_step(struct sasl_session *s, const uint8_t *in, size_t len,
	      struct buf *challenge)
{
	(void)challenge;
	return external_finish(s, in, len);
}

const struct sasl_mech_def sasl_mech_external = {
    .mech = SASL_MECH_EXTERNAL,
    .name = "EXTERNAL",
    .initial_response = true,
    .start = external_start,
    .step = external_step,
};
