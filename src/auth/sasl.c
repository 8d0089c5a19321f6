/* SPDX-License-Identifier: MIT */
/*
 * SASL sessions: mechanism selection, the exchange's state machine, its
 * bounds, the base64 wire form, and the helpers the mechanisms share.
 */
#include "auth/sasl.h"
#include "auth/sasl-private.h"
#include "auth/userdb.h"
#include "lib/codec.h"
#include "lib/mem.h"
#include "lib/panic.h"
#include "lib/rand.h"
#include "lib/str.h"
#include "lib/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

static const struct sasl_mech_def *const mech_defs[SASL_MECH_COUNT] = {
    [SASL_MECH_SCRAM_SHA_256_PLUS] = &sasl_mech_scram_sha256_plus,
    [SASL_MECH_SCRAM_SHA_256] = &sasl_mech_scram_sha256,
    [SASL_MECH_SCRAM_SHA_1_PLUS] = &sasl_mech_scram_sha1_plus,
    [SASL_MECH_SCRAM_SHA_1] = &sasl_mech_scram_sha1,
    [SASL_MECH_GSSAPI] = &sasl_mech_gssapi,
    [SASL_MECH_EXTERNAL] = &sasl_mech_external,
    [SASL_MECH_CRAM_MD5] = &sasl_mech_cram_md5,
    [SASL_MECH_PLAIN] = &sasl_mech_plain,
    [SASL_MECH_LOGIN] = &sasl_mech_login,
};

const char *
sasl_mech_name(enum sasl_mech mech)
{
	i_assert(mech < SASL_MECH_COUNT);
	return mech_defs[mech]->name;
}

bool
sasl_mech_parse(const char *name, size_t len, enum sasl_mech *mech_r)
{
	for (unsigned i = 0; i < SASL_MECH_COUNT; i++) {
		const char *n = mech_defs[i]->name;

		if (strlen(n) == len && mem_eq_icase(n, name, len)) {
			*mech_r = (enum sasl_mech)i;
			return true;
		}
	}
	return false;
}

/* --- the process-wide state ---------------------------------------------- */

struct sasl_server *
sasl_server_create(const struct sasl_server_settings *set,
		   const struct ms_config *cfg, struct err *err)
{
	struct sasl_server *srv;

	i_assert(set->userdb != NULL);
	if (cfg->gssapi_keytab[0] != '\0' &&
	    access(cfg->gssapi_keytab, R_OK) < 0) {
		err_set_errno(err, "access", cfg->gssapi_keytab);
		err_prefix(err, "gssapi_keytab");
		return NULL;
	}
	srv = xcalloc(1, sizeof(*srv));
	srv->userdb = set->userdb;
	srv->hostname =
	    xstrdup(set->hostname != NULL && *set->hostname ? set->hostname
							    : "localhost");
	if (set->secret != NULL && set->secret_len >= 16) {
		/* a fixed-size key whatever the caller's length */
		(void)EVP_Digest(set->secret, set->secret_len, srv->secret,
				 NULL, EVP_sha256(), NULL);
	} else {
		rand_bytes(srv->secret, sizeof(srv->secret));
	}
	if (cfg->gssapi_keytab[0] != '\0') {
		/* read by the Kerberos library when GSSAPI accepts a
		   context; process-wide, hence before threads start */
		if (setenv("KRB5_KTNAME", cfg->gssapi_keytab, 1) < 0) {
			err_set_errno(err, "setenv", "KRB5_KTNAME");
			sasl_server_destroy(&srv);
			return NULL;
		}
		srv->gssapi = true;
		srv->gssapi_hostname = xstrdup(cfg->gssapi_hostname[0] != '\0'
						   ? cfg->gssapi_hostname
						   : srv->hostname);
	}
	return srv;
}

void
sasl_server_destroy(struct sasl_server **srvp)
{
	struct sasl_server *srv = *srvp;

	if (srv == NULL)
		return;
	*srvp = NULL;
	mem_wipe(srv->secret, sizeof(srv->secret));
	free(srv->hostname);
	free(srv->gssapi_hostname);
	free(srv);
}

void
sasl_config_check(const struct ms_config *cfg,
		  void (*warn)(const char *msg, void *ctx), void *ctx)
{
	enum sasl_mech mech;
	char msg[128];

	for (size_t i = 0; i < cfg->mech_list.n; i++) {
		const char *name = cfg->mech_list.v[i];

		if (!sasl_mech_parse(name, strlen(name), &mech)) {
			snprintf(msg, sizeof(msg),
				 "mech_list: %s is not implemented; ignored",
				 name);
			warn(msg, ctx);
		} else if (mech == SASL_MECH_GSSAPI &&
			   cfg->gssapi_keytab[0] == '\0') {
			warn("mech_list: GSSAPI needs gssapi_keytab; not "
			     "offered",
			     ctx);
		}
	}
}

/* --- what is offered ----------------------------------------------------- */

void
sasl_channel_set_tls(struct sasl_channel *ch, SSL *ssl, X509 *peer_cert)
{
	ch->tls = ssl != NULL;
	ch->tls_bits = 0;
	ch->peer_cert = ssl != NULL ? peer_cert : NULL;
	for (unsigned t = 0; t < NET_TLS_CB_COUNT; t++) {
		int len =
		    net_tls_channel_binding(ssl, (enum net_tls_cb)t, ch->cb[t]);

		ch->cb_len[t] = len > 0 ? (size_t)len : 0;
	}
	if (ssl != NULL)
		ch->tls_bits = (unsigned)MAX(SSL_get_cipher_bits(ssl, NULL), 0);
}

static bool
is_plus(enum sasl_mech mech)
{
	return mech == SASL_MECH_SCRAM_SHA_256_PLUS ||
	       mech == SASL_MECH_SCRAM_SHA_1_PLUS;
}

static bool
listed(const struct ms_config *cfg, enum sasl_mech mech)
{
	enum sasl_mech m;

	/* CRAM-MD5 needs secrets msadm only stores when it is named */
	if (cfg->mech_list.n == 0)
		return mech != SASL_MECH_CRAM_MD5;
	for (size_t i = 0; i < cfg->mech_list.n; i++) {
		const char *name = cfg->mech_list.v[i];

		if (!sasl_mech_parse(name, strlen(name), &m))
			continue;
		/* RFC 5802 section 6: a server supporting channel binding
		   SHOULD advertise both variants */
		if (m == mech || (is_plus(mech) && m == mech + 1))
			return true;
	}
	return false;
}

static bool
has_channel_binding(const struct sasl_channel *ch)
{
	for (unsigned t = 0; t < NET_TLS_CB_COUNT; t++) {
		if (ch->cb_len[t] > 0)
			return true;
	}
	return false;
}

bool
sasl_mech_offered(const struct sasl_server *srv, const struct ms_config *cfg,
		  const struct sasl_channel *ch, enum sasl_mech mech)
{
	if (mech >= SASL_MECH_COUNT || !listed(cfg, mech))
		return false;
	/* no mechanism adds a security layer: TLS is all there is */
	if (cfg->min_ssf > (ch->tls ? ch->tls_bits : 0))
		return false;
	switch (mech) {
	case SASL_MECH_PLAIN:
	case SASL_MECH_LOGIN:
		return ch->tls || !cfg->login_disabled;
	case SASL_MECH_SCRAM_SHA_256_PLUS:
	case SASL_MECH_SCRAM_SHA_1_PLUS:
		return ch->tls && has_channel_binding(ch);
	case SASL_MECH_EXTERNAL:
		return ch->peer_cert != NULL;
	case SASL_MECH_GSSAPI:
		return srv->gssapi;
	default:
		return true;
	}
}

size_t
sasl_mechs_offered(const struct sasl_server *srv, const struct ms_config *cfg,
		   const struct sasl_channel *ch,
		   enum sasl_mech out[SASL_MECH_COUNT])
{
	size_t n = 0;

	for (unsigned m = 0; m < SASL_MECH_COUNT; m++) {
		if (sasl_mech_offered(srv, cfg, ch, (enum sasl_mech)m))
			out[n++] = (enum sasl_mech)m;
	}
	return n;
}

bool
sasl__plus_offered(const struct sasl_session *s)
{
	return sasl_mech_offered(s->srv, s->cfg, s->ch,
				 SASL_MECH_SCRAM_SHA_256_PLUS) ||
	       sasl_mech_offered(s->srv, s->cfg, s->ch,
				 SASL_MECH_SCRAM_SHA_1_PLUS);
}

/* --- helpers for the mechanisms ------------------------------------------ */

enum sasl_status
sasl__fail(struct sasl_session *s, enum sasl_failure why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->detail, sizeof(s->detail), fmt, ap);
	va_end(ap);
	s->failure = why;
	s->status = SASL_FAILED;
	return SASL_FAILED;
}

enum sasl_status
sasl__verified(struct sasl_session *s, const char *userid, const char *authzid)
{
	s->outcome.kind = SASL_OUTCOME_VERIFIED;
	s->outcome.authcid = pool_strdup(s->pool, userid);
	s->outcome.authzid =
	    pool_strdup(s->pool, authzid != NULL ? authzid : "");
	s->outcome.password = NULL;
	s->status = SASL_DONE;
	return SASL_DONE;
}

enum sasl_status
sasl__password(struct sasl_session *s, const char *authcid, const char *authzid,
	       const char *password)
{
	s->outcome.kind = SASL_OUTCOME_PASSWORD;
	s->outcome.authcid = pool_strdup(s->pool, authcid);
	s->outcome.authzid =
	    pool_strdup(s->pool, authzid != NULL ? authzid : "");
	s->outcome.password = pool_strdup(s->pool, password);
	s->status = SASL_DONE;
	return SASL_DONE;
}

void
sasl__claim(struct sasl_session *s, const void *name, size_t len)
{
	str_escape_log(s->claimed, sizeof(s->claimed), name,
		       MIN(len, (size_t)SASL_NAME_MAX));
}

char *
sasl__name_dup(struct sasl_session *s, const void *name, size_t len)
{
	if (len == 0 || len > SASL_NAME_MAX || memchr(name, '\0', len) ||
	    !utf8_valid(name, len))
		return NULL;
	return pool_strndup(s->pool, name, len);
}

int
sasl__lookup(struct sasl_session *s, const char *name, struct account **acct_r,
	     char *canon_r)
{
	char buf[ACCOUNT_USERID_MAX + 1],
	    *canon = canon_r != NULL ? canon_r : buf;
	struct err err;
	int ret;

	*acct_r = NULL;
	if (account_canonicalize(s->cfg, name, s->ch->local_addr, canon,
				 ACCOUNT_USERID_MAX + 1, &err) < 0) {
		canon[0] = '\0';
		return 0;
	}
	ret = userdb_lookup(s->srv->userdb, canon, acct_r, &err);
	if (ret < 0) {
		sasl__fail(s, SASL_FAIL_TEMP, "user database: %s", err.msg);
		return -1;
	}
	return ret;
}

/* --- sessions ------------------------------------------------------------- */

static struct sasl_session *
session_new(struct sasl_server *srv, const struct sasl_session_settings *set)
{
	struct sasl_session *s = xcalloc(1, sizeof(*s));

	s->srv = srv;
	s->cfg = set->cfg;
	s->ch = set->channel;
	s->success_as_challenge = set->success_data_as_challenge;
	s->pool = pool_create(1024);
	s->status = SASL_CONTINUE;
	buf_init(&s->success_data, 0);
	return s;
}

/* Chooses the mechanism the client named; false (session failed) if it
   is unknown or not offered on this connection. */
static bool
choose(struct sasl_session *s, const char *name, size_t name_len)
{
	enum sasl_mech mech;
	char shown[64];

	if (!sasl_mech_parse(name, name_len, &mech) ||
	    !sasl_mech_offered(s->srv, s->cfg, s->ch, mech)) {
		str_escape_log(shown, sizeof(shown), name, MIN(name_len, 40u));
		(void)sasl__fail(s, SASL_FAIL_MECH,
				 "mechanism %s not available", shown);
		return false;
	}
	s->def = mech_defs[mech];
	s->outcome.mech = mech;
	return true;
}

static enum sasl_status
begin(struct sasl_session *s, const uint8_t *initial, size_t initial_len,
      struct buf *challenge)
{
	/* RFC 4959 section 3, RFC 5034 section 4: an initial response to a
	   mechanism that takes none is refused */
	if (initial != NULL && !s->def->initial_response)
		return sasl__fail(s, SASL_FAIL_MALFORMED,
				  "%s takes no initial response", s->def->name);
	if (initial != NULL && initial_len > SASL_INPUT_MAX)
		return sasl__fail(s, SASL_FAIL_MALFORMED,
				  "initial response too long");
	s->status = s->def->start(s, initial, initial_len, challenge);
	return s->status;
}

struct sasl_session *
sasl_session_start(struct sasl_server *srv,
		   const struct sasl_session_settings *set,
		   const char *mech_name, size_t name_len,
		   const uint8_t *initial, size_t initial_len,
		   struct buf *challenge, enum sasl_status *status_r)
{
	struct sasl_session *s = session_new(srv, set);

	*status_r = choose(s, mech_name, name_len)
			? begin(s, initial, initial_len, challenge)
			: SASL_FAILED;
	return s;
}

enum sasl_status
sasl_session_step(struct sasl_session *s, const uint8_t *response, size_t len,
		  struct buf *challenge)
{
	i_assert(s->status == SASL_CONTINUE && s->def != NULL);
	if (response == NULL)
		response = (const uint8_t *)"";
	if (++s->steps > SASL_MAX_STEPS)
		return sasl__fail(s, SASL_FAIL_MALFORMED, "too many steps");
	if (len > SASL_INPUT_MAX)
		return sasl__fail(s, SASL_FAIL_MALFORMED, "response too long");
	s->status = s->def->step(s, response, len, challenge);
	return s->status;
}

/* Strict base64 of a client message into *out. */
static int
decode_b64(const char *in, size_t len, struct buf *out)
{
	if (len > SASL_INPUT_B64_MAX)
		return -1;
	buf_init(out, SASL_INPUT_MAX);
	return base64_decode(in, len, out);
}

static void
encode_challenge(const struct buf *raw, struct buf *b64)
{
	(void)base64_encode(raw->data, raw->len, b64);
}

struct sasl_session *
sasl_session_start_base64(struct sasl_server *srv,
			  const struct sasl_session_settings *set,
			  const char *mech_name, size_t name_len,
			  const char *initial, size_t initial_len,
			  struct buf *challenge_b64, enum sasl_status *status_r)
{
	struct sasl_session *s = session_new(srv, set);
	struct buf raw = BUF_INIT, chal = BUF_INIT;
	const uint8_t *ir = NULL;

	if (!choose(s, mech_name, name_len)) {
		*status_r = SASL_FAILED;
		return s;
	}
	/* "=" is an empty initial response (RFC 4959 section 3, RFC 5034
	   section 4) */
	if (initial != NULL && !(initial_len == 1 && initial[0] == '=') &&
	    decode_b64(initial, initial_len, &raw) < 0) {
		*status_r = sasl__fail(s, SASL_FAIL_MALFORMED,
				       "initial response is not base64");
	} else {
		if (initial != NULL)
			ir = raw.data != NULL ? raw.data : (const uint8_t *)"";
		*status_r = begin(s, ir, raw.len, &chal);
		if (*status_r == SASL_CONTINUE)
			encode_challenge(&chal, challenge_b64);
	}
	if (raw.data != NULL)
		mem_wipe(raw.data, raw.cap);
	buf_free(&raw);
	buf_free(&chal);
	return s;
}

enum sasl_status
sasl_session_step_base64(struct sasl_session *s, const char *line, size_t len,
			 struct buf *challenge_b64)
{
	struct buf raw = BUF_INIT, chal = BUF_INIT;
	enum sasl_status status;

	i_assert(s->status == SASL_CONTINUE);
	if (len == 1 && line[0] == '*')
		return sasl__fail(s, SASL_FAIL_CANCELLED, "cancelled");
	if (decode_b64(line, len, &raw) < 0) {
		buf_free(&raw);
		return sasl__fail(s, SASL_FAIL_MALFORMED,
				  "response is not base64");
	}
	status = sasl_session_step(
	    s, raw.data != NULL ? raw.data : (const uint8_t *)"", raw.len,
	    &chal);
	if (status == SASL_CONTINUE)
		encode_challenge(&chal, challenge_b64);
	if (raw.data != NULL)
		mem_wipe(raw.data, raw.cap);
	buf_free(&raw);
	buf_free(&chal);
	return status;
}

const struct sasl_outcome *
sasl_session_outcome(const struct sasl_session *s)
{
	i_assert(s->status == SASL_DONE);
	return &s->outcome;
}

const uint8_t *
sasl_session_success_data(const struct sasl_session *s, size_t *len_r)
{
	*len_r = s->success_data.len;
	return s->success_data.len > 0 ? s->success_data.data : NULL;
}

enum sasl_failure
sasl_session_failure(const struct sasl_session *s)
{
	return s->status == SASL_FAILED ? s->failure : SASL_FAIL_NONE;
}

const char *
sasl_session_failure_detail(const struct sasl_session *s)
{
	return s->detail;
}

const char *
sasl_session_claimed_name(const struct sasl_session *s)
{
	return s->claimed;
}

enum sasl_mech
sasl_session_mech(const struct sasl_session *s)
{
	return s->def != NULL ? s->outcome.mech : SASL_MECH_COUNT;
}

void
sasl_session_destroy(struct sasl_session **sp)
{
	struct sasl_session *s = *sp;

	if (s == NULL)
		return;
	*sp = NULL;
	if (s->def != NULL && s->def->deinit != NULL)
		s->def->deinit(s);
	if (s->outcome.password != NULL)
		mem_wipe((char *)s->outcome.password,
			 strlen(s->outcome.password));
	buf_free(&s->success_data);
	pool_destroy(&s->pool);
	free(s);
}
