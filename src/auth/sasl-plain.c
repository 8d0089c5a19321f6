/* SPDX-License-Identifier: MIT */
/*
 * PLAIN (RFC 4616) and LOGIN (draft-murchison-sasl-login): the client sends
 * a name and a clear-text password. These mechanisms verify nothing
 * themselves: the outcome carries the credentials to the same check as an
 * IMAP LOGIN command (proto_login_password()).
 */
#include "auth/sasl-private.h"
#include "auth/account.h"
#include "lib/mem.h"

#include <string.h>

static enum sasl_status
plain_parse(struct sasl_session *s, const uint8_t *in, size_t len)
{
	/* RFC 4616 section 2:
	   message = [authzid] UTF8NUL authcid UTF8NUL passwd */
	const uint8_t *nul1 = memchr(in, '\0', len), *nul2;
	size_t zlen, clen, plen;
	char *authzid = NULL, *authcid, *password;

	if (nul1 == NULL)
		return sasl__fail(s, SASL_FAIL_MALFORMED, "PLAIN: no NUL");
	zlen = (size_t)(nul1 - in);
	nul2 = memchr(nul1 + 1, '\0', len - zlen - 1);
	if (nul2 == NULL)
		return sasl__fail(s, SASL_FAIL_MALFORMED,
				  "PLAIN: one NUL only");
	clen = (size_t)(nul2 - nul1 - 1);
	plen = len - zlen - clen - 2;
	sasl__claim(s, nul1 + 1, clen);
	/* NUL MUST NOT appear in any field: a third one is an error */
	if (memchr(nul2 + 1, '\0', plen) != NULL)
		return sasl__fail(s, SASL_FAIL_MALFORMED,
				  "PLAIN: NUL in the password");
	if (plen == 0 || plen > ACCOUNT_PASSWORD_MAX)
		return sasl__fail(s, SASL_FAIL_MALFORMED,
				  "PLAIN: empty or too long password");
	authcid = sasl__name_dup(s, nul1 + 1, clen);
	if (authcid == NULL)
		return sasl__fail(s, SASL_FAIL_MALFORMED,
				  "PLAIN: invalid authentication identity");
	if (zlen > 0) {
		authzid = sasl__name_dup(s, in, zlen);
		if (authzid == NULL)
			return sasl__fail(
			    s, SASL_FAIL_MALFORMED,
			    "PLAIN: invalid authorization identity");
	}
	password = xstrndup((const char *)nul2 + 1, plen);
	(void)sasl__password(s, authcid, authzid, password);
	xfree_secret(password, plen);
	return SASL_DONE;
}

static enum sasl_status
plain_start(struct sasl_session *s, const uint8_t *initial, size_t len,
	    struct buf *challenge)
{
	(void)challenge;
	/* without an initial response: an empty challenge (RFC 4422
	   section 3.3) */
	if (initial == NULL)
		return SASL_CONTINUE;
	return plain_parse(s, initial, len);
}

static enum sasl_status
plain_step(struct sasl_session *s, const uint8_t *in, size_t len,
	   struct buf *challenge)
{
	(void)challenge;
	return plain_parse(s, in, len);
}

const struct sasl_mech_def sasl_mech_plain = {
    .mech = SASL_MECH_PLAIN,
    .name = "PLAIN",
    .initial_response = true,
    .start = plain_start,
    .step = plain_step,
};

/* --- LOGIN -----------------------------------------------------------------
 */

struct login_state {
	char *user; /* NULL until the client sent it */
};

#define LOGIN_USER_PROMPT "Username:"
#define LOGIN_PASS_PROMPT "Password:"

static enum sasl_status
login_user(struct sasl_session *s, const uint8_t *in, size_t len,
	   struct buf *challenge)
{
	struct login_state *st = s->state;

	sasl__claim(s, in, len);
	st->user = sasl__name_dup(s, in, len);
	if (st->user == NULL)
		return sasl__fail(s, SASL_FAIL_MALFORMED,
				  "LOGIN: invalid user name");
	buf_append_str(challenge, LOGIN_PASS_PROMPT);
	return SASL_CONTINUE;
}

static enum sasl_status
login_start(struct sasl_session *s, const uint8_t *initial, size_t len,
	    struct buf *challenge)
{
	s->state = pool_alloc(s->pool, sizeof(struct login_state));
	/* clients may send the user name as an initial response */
	if (initial != NULL && len > 0)
		return login_user(s, initial, len, challenge);
	buf_append_str(challenge, LOGIN_USER_PROMPT);
	return SASL_CONTINUE;
}

static enum sasl_status
login_step(struct sasl_session *s, const uint8_t *in, size_t len,
	   struct buf *challenge)
{
	struct login_state *st = s->state;
	char *password;

	if (st->user == NULL)
		return login_user(s, in, len, challenge);
	if (len == 0 || len > ACCOUNT_PASSWORD_MAX ||
	    memchr(in, '\0', len) != NULL)
		return sasl__fail(s, SASL_FAIL_MALFORMED,
				  "LOGIN: empty, long or NUL in password");
	password = xstrndup((const char *)in, len);
	(void)sasl__password(s, st->user, NULL, password);
	xfree_secret(password, len);
	return SASL_DONE;
}

const struct sasl_mech_def sasl_mech_login = {
    .mech = SASL_MECH_LOGIN,
    .name = "LOGIN",
    .initial_response = true,
    .start = login_start,
    .step = login_step,
};
