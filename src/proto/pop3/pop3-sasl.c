/* SPDX-License-Identifier: MIT */
/* POP3 AUTH mechanisms: PLAIN over the shared login checks (see
   pop3-sasl.h). */
#include "proto/pop3/pop3-sasl.h"
#include "proto/pop3/pop3-parse.h"
#include "proto/pop3/pop3-private.h"
#include "lib/mem.h"
#include "lib/str.h"

#include <string.h>

/* RFC 4616 section 2 asks for 255 octets per part; user ids may be up to
   ACCOUNT_USERID_MAX and passwords up to ACCOUNT_PASSWORD_MAX. */
#define PLAIN_PART_MAX ACCOUNT_PASSWORD_MAX

struct pop3_sasl {
	struct pop3_session *session;
	unsigned steps;
};

static const struct {
	const char *name;
	bool plaintext; /* carries a password in the clear */
} mechanisms[] = {
    {"PLAIN", true},
};

static bool
mech_offered(const struct pop3_session *s, size_t i)
{
	return !mechanisms[i].plaintext || pop3_auth_plaintext_allowed(s);
}

void
pop3_sasl_mechanisms(const struct pop3_session *s, const char *sep,
		     struct buf *out)
{
	bool first = true;

	for (size_t i = 0; i < N_ELEMENTS(mechanisms); i++) {
		if (!mech_offered(s, i))
			continue;
		if (!first)
			buf_append_str(out, sep);
		buf_append_str(out, mechanisms[i].name);
		first = false;
	}
}

struct pop3_sasl *
pop3_sasl_begin(struct pop3_session *s, const char *mech)
{
	struct pop3_sasl *sasl;

	for (size_t i = 0; i < N_ELEMENTS(mechanisms); i++) {
		if (str_eq_icase(mech, mechanisms[i].name) &&
		    mech_offered(s, i)) {
			sasl = xcalloc(1, sizeof(*sasl));
			sasl->session = s;
			return sasl;
		}
	}
	return NULL;
}

static enum pop3_sasl_status
plain_step(struct pop3_sasl *sasl, const uint8_t *in, size_t len,
	   struct login_result *res)
{
	struct pop3_session *s = sasl->session;
	struct login_request req;
	struct pop3_plain plain;
	char *authzid, *authcid, *passwd;
	size_t passwd_len;

	if (pop3_parse_plain(in, len, PLAIN_PART_MAX, &plain) < 0)
		return POP3_SASL_MALFORMED;
	/* NUL-terminated copies (the parser refused NULs inside parts) */
	authzid = xstrndup(plain.authzid, plain.authzid_len);
	authcid = xstrndup(plain.authcid, plain.authcid_len);
	passwd = xstrndup(plain.passwd, plain.passwd_len);
	passwd_len = plain.passwd_len;

	memset(&req, 0, sizeof(req));
	req.service = CONFIG_SERVICE_POP;
	req.protocol = "pop3";
	req.name = authcid;
	req.password = passwd;
	req.authzid = authzid;
	req.conn = s->conn;
	if (proto_login_password(s->env, &req, res) < 0)
		res->status = LOGIN_FAILED;
	xfree_secret(passwd, passwd_len);
	free(authcid);
	free(authzid);
	return POP3_SASL_DONE;
}

enum pop3_sasl_status
pop3_sasl_step(struct pop3_sasl *sasl, bool have_input, const uint8_t *in,
	       size_t len, struct buf *challenge, struct login_result *res)
{
	(void)challenge;
	sasl->steps++;
	/* PLAIN is a single client message (RFC 4616 section 2). Without an
	   initial response the server sends an empty challenge (RFC 5034
	   section 4); a second empty-handed step is a protocol error. */
	if (!have_input)
		return sasl->steps == 1 ? POP3_SASL_CONTINUE
					: POP3_SASL_MALFORMED;
	return plain_step(sasl, in, len, res);
}

void
pop3_sasl_end(struct pop3_sasl **sasl)
{
	if (*sasl == NULL)
		return;
	xfree(sasl);
}
