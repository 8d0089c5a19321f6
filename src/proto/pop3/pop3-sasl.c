/* SPDX-License-Identifier: MIT */
/* POP3 AUTH mechanisms over the SASL layer (see pop3-sasl.h). */
#include "proto/pop3/pop3-sasl.h"
#include "proto/pop3/pop3-private.h"
#include "proto/common/sasl-login.h"
#include "lib/mem.h"

#include <string.h>

struct pop3_sasl {
	struct pop3_session *session;
	/* the connection as SASL sees it (borrowed by the exchange) */
	struct sasl_channel channel;
	struct sasl_session *exchange; /* NULL until the first step */
	char mech[32];
};

void
pop3_sasl_mechanisms(const struct pop3_session *s, const char *sep,
		     struct buf *out)
{
	struct sasl_channel ch;

	/* RFC 5034 section 4: the service name of GSSAPI is "pop" */
	sasl_login_channel(s->conn, "pop", &ch);
	sasl_login_mechs(s->env, s->cfg, &ch, "", sep, out);
}

struct pop3_sasl *
pop3_sasl_begin(struct pop3_session *s, const char *mech)
{
	struct pop3_sasl *sasl;
	enum sasl_mech m;

	if (s->env->sasl == NULL || strlen(mech) >= sizeof(sasl->mech) ||
	    !sasl_mech_parse(mech, strlen(mech), &m))
		return NULL;
	sasl = xcalloc(1, sizeof(*sasl));
	sasl->session = s;
	sasl_login_channel(s->conn, "pop", &sasl->channel);
	if (!sasl_mech_offered(s->env->sasl, s->cfg, &sasl->channel, m)) {
		free(sasl);
		return NULL;
	}
	memcpy(sasl->mech, mech, strlen(mech) + 1);
	return sasl;
}

enum pop3_sasl_status
pop3_sasl_step(struct pop3_sasl *sasl, bool have_input, const uint8_t *in,
	       size_t len, struct buf *challenge, struct login_result *res)
{
	struct pop3_session *s = sasl->session;
	struct sasl_session_settings set = {
	    .cfg = s->cfg,
	    .channel = &sasl->channel,
	    /* RFC 5034 section 4: no additional data with success */
	    .success_data_as_challenge = true,
	};
	struct login_request req;
	enum sasl_status st;

	if (sasl->exchange == NULL)
		sasl->exchange = sasl_session_start(
		    s->env->sasl, &set, sasl->mech, strlen(sasl->mech),
		    have_input ? (in != NULL ? in : (const uint8_t *)"") : NULL,
		    len, challenge, &st);
	else
		st = sasl_session_step(sasl->exchange, in, len, challenge);
	if (st == SASL_CONTINUE)
		return POP3_SASL_CONTINUE;
	if (st == SASL_FAILED &&
	    sasl_session_failure(sasl->exchange) == SASL_FAIL_MALFORMED)
		return POP3_SASL_MALFORMED;
	memset(&req, 0, sizeof(req));
	req.service = CONFIG_SERVICE_POP;
	req.protocol = "pop3";
	req.conn = s->conn;
	if (sasl_login_finish(s->env, sasl->exchange, &req, res) < 0)
		res->status = LOGIN_FAILED;
	return POP3_SASL_DONE;
}

void
pop3_sasl_end(struct pop3_sasl **sasl)
{
	if (*sasl == NULL)
		return;
	sasl_session_destroy(&(*sasl)->exchange);
	xfree(sasl);
}
