/* SPDX-License-Identifier: MIT */
/*
 * GSSAPI (RFC 4752, Kerberos V5) through libgsasl, which drives the
 * GSS-API context and the security-layer negotiation; it offers "no
 * security layer" only (RFC 4752 section 3.1), which is all Coffer uses.
 * The service principal is <service>/<gssapi_hostname> from the keytab that
 * sasl_server_create() exported as KRB5_KTNAME.
 *
 * The client principal name@REALM is mapped to a login name: "name" when
 * REALM is listed in gssapi_realms, else "name@realm" in lower case; it is
 * then canonicalised and must be an account. Principals with an instance
 * (name/instance@REALM) are refused.
 */
#include "auth/sasl-private.h"
#include "lib/mem.h"
#include "lib/str.h"

#include <string.h>
#include <gsasl.h>

struct gssapi_state {
	Gsasl *gsasl;
	Gsasl_session *gs;
	char *principal; /* from the validation callback */
	char *authzid;
};

static int
gssapi_callback(Gsasl *ctx, Gsasl_session *gs, Gsasl_property prop)
{
	struct sasl_session *s = gsasl_session_hook_get(gs);
	struct gssapi_state *st;
	const char *p;

	(void)ctx;
	if (s == NULL || prop != GSASL_VALIDATE_GSSAPI)
		return GSASL_NO_CALLBACK;
	st = s->state;
	p = gsasl_property_fast(gs, GSASL_GSSAPI_DISPLAY_NAME);
	if (p == NULL)
		return GSASL_AUTHENTICATION_ERROR;
	st->principal = sasl__name_dup(s, p, strlen(p));
	p = gsasl_property_fast(gs, GSASL_AUTHZID);
	if (p != NULL && *p != '\0')
		st->authzid = sasl__name_dup(s, p, strlen(p));
	/* the mapping to an account happens after the exchange */
	return st->principal != NULL ? GSASL_OK : GSASL_AUTHENTICATION_ERROR;
}

/* name@REALM -> login name, or NULL if the principal is not a user. */
static const char *
principal_login(struct sasl_session *s, const char *principal)
{
	const char *at = strrchr(principal, '@');
	const char *realm;
	char *name;

	if (at == NULL || at == principal || at[1] == '\0' ||
	    memchr(principal, '/', (size_t)(at - principal)) != NULL)
		return NULL;
	realm = at + 1;
	for (size_t i = 0; i < s->cfg->gssapi_realms.n; i++) {
		/* Kerberos realms are case-sensitive */
		if (strcmp(s->cfg->gssapi_realms.v[i], realm) == 0)
			return pool_strndup(s->pool, principal,
					    (size_t)(at - principal));
	}
	name = pool_strdup(s->pool, principal);
	str_lower(name + (at - principal) + 1);
	return name;
}

static enum sasl_status
gssapi_finish(struct sasl_session *s, struct gssapi_state *st)
{
	struct account *acct = NULL;
	const char *login;
	int ret;

	if (st->principal == NULL)
		return sasl__fail(s, SASL_FAIL_CREDENTIALS,
				  "GSSAPI: no client principal");
	sasl__claim(s, st->principal, strlen(st->principal));
	login = principal_login(s, st->principal);
	if (login == NULL)
		return sasl__fail(s, SASL_FAIL_CREDENTIALS,
				  "GSSAPI: principal is not a user");
	ret = sasl__lookup(s, login, &acct, NULL);
	if (ret < 0)
		return SASL_FAILED;
	if (ret == 0)
		return sasl__fail(s, SASL_FAIL_CREDENTIALS,
				  "GSSAPI: no account for the principal");
	(void)sasl__verified(s, acct->userid, st->authzid);
	account_destroy(&acct);
	return SASL_DONE;
}

static enum sasl_status
gssapi_step(struct sasl_session *s, const uint8_t *in, size_t len,
	    struct buf *challenge)
{
	struct gssapi_state *st = s->state;
	char *out = NULL;
	size_t out_len = 0;
	int rc;

	rc = gsasl_step(st->gs, (const char *)in, len, &out, &out_len);
	if (rc == GSASL_NEEDS_MORE || rc == GSASL_OK)
		buf_append(challenge, out, out_len);
	gsasl_free(out);
	if (rc == GSASL_NEEDS_MORE)
		return SASL_CONTINUE;
	if (rc != GSASL_OK)
		return sasl__fail(s, SASL_FAIL_CREDENTIALS, "GSSAPI: %s",
				  gsasl_strerror(rc));
	/* RFC 4752 has no additional data with success */
	buf_clear(challenge);
	return gssapi_finish(s, st);
}

static enum sasl_status
gssapi_start(struct sasl_session *s, const uint8_t *initial, size_t len,
	     struct buf *challenge)
{
	struct gssapi_state *st = pool_alloc(s->pool, sizeof(*st));
	int rc;

	s->state = st;
	rc = gsasl_init(&st->gsasl);
	if (rc != GSASL_OK)
		return sasl__fail(s, SASL_FAIL_TEMP, "GSSAPI: %s",
				  gsasl_strerror(rc));
	gsasl_callback_set(st->gsasl, gssapi_callback);
	rc = gsasl_server_start(st->gsasl, "GSSAPI", &st->gs);
	if (rc != GSASL_OK)
		return sasl__fail(s, SASL_FAIL_TEMP, "GSSAPI: %s",
				  gsasl_strerror(rc));
	gsasl_session_hook_set(st->gs, s);
	if (gsasl_property_set(st->gs, GSASL_SERVICE,
			       s->ch->service != NULL ? s->ch->service
						      : "imap") != GSASL_OK ||
	    gsasl_property_set(st->gs, GSASL_HOSTNAME,
			       s->srv->gssapi_hostname) != GSASL_OK)
		return sasl__fail(s, SASL_FAIL_TEMP, "GSSAPI: properties");
	/* client-first: the first token may come after an empty challenge */
	if (initial == NULL || len == 0)
		return SASL_CONTINUE;
	return gssapi_step(s, initial, len, challenge);
}

static void
gssapi_deinit(struct sasl_session *s)
{
	struct gssapi_state *st = s->state;

	if (st == NULL)
		return;
	if (st->gs != NULL)
		gsasl_finish(st->gs);
	if (st->gsasl != NULL)
		gsasl_done(st->gsasl);
}

const struct sasl_mech_def sasl_mech_gssapi = {
    .mech = SASL_MECH_GSSAPI,
    .name = "GSSAPI",
    .initial_response = true,
    .start = gssapi_start,
    .step = gssapi_step,
    .deinit = gssapi_deinit,
};
