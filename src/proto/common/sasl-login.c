/* SPDX-License-Identifier: MIT */
/* SASL exchanges into logins for the protocol services (sasl-login.h). */
#include "proto/common/sasl-login.h"
#include "lib/log.h"
#include "net/conn.h"
#include "net/tls.h"

#include <string.h>

void
sasl_login_channel(struct conn *c, const char *service, struct sasl_channel *ch)
{
	memset(ch, 0, sizeof(*ch));
	sasl_channel_set_tls(ch, conn_tls_ssl(c), conn_tls_peer_cert(c));
	ch->local_addr = conn_local_addr(c);
	ch->service = service;
}

void
sasl_login_mechs(struct service_env *env, const struct ms_config *cfg,
		 const struct sasl_channel *ch, const char *prefix,
		 const char *sep, struct buf *out)
{
	enum sasl_mech mechs[SASL_MECH_COUNT];
	size_t n;

	if (env->sasl == NULL)
		return;
	n = sasl_mechs_offered(env->sasl, cfg, ch, mechs);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_append_str(out, sep);
		buf_printf(out, "%s%s", prefix, sasl_mech_name(mechs[i]));
	}
}

static int
finish_done(struct service_env *env, struct sasl_session *sess,
	    struct login_request *req, struct login_result *res)
{
	const struct sasl_outcome *o = sasl_session_outcome(sess);

	req->name = o->authcid;
	req->authzid = o->authzid[0] != '\0' ? o->authzid : NULL;
	if (o->kind == SASL_OUTCOME_PASSWORD) {
		req->password = o->password;
		return proto_login_password(env, req, res);
	}
	return proto_login_verified(env, req, o->authcid, res);
}

int
sasl_login_finish(struct service_env *env, struct sasl_session *sess,
		  const struct login_request *base, struct login_result *res)
{
	struct login_request req = *base;
	const char *claimed = sasl_session_claimed_name(sess);

	enum sasl_failure failure = sasl_session_failure(sess);

	memset(res, 0, sizeof(*res));
	res->status = LOGIN_FAILED;
	/* no mechanism was chosen, or no credentials were tried */
	if (failure == SASL_FAIL_MECH || failure == SASL_FAIL_CANCELLED)
		return 0;
	req.mech = sasl_mech_name(sasl_session_mech(sess)); /* chosen */
	req.password = NULL;
	req.authzid = NULL;
	switch (failure) {
	case SASL_FAIL_NONE:
		return finish_done(env, sess, &req, res);
	case SASL_FAIL_CREDENTIALS:
	case SASL_FAIL_MALFORMED:
		/* the detail is built from fixed texts and escaped names */
		req.name = claimed[0] != '\0' ? claimed : NULL;
		return proto_login_failed(
		    env, &req, sasl_session_failure_detail(sess), res);
	case SASL_FAIL_TEMP:
		res->status = LOGIN_TEMPFAIL;
		log_err("%s %s authentication: %s [%s]", req.protocol, req.mech,
			sasl_session_failure_detail(sess),
			req.conn != NULL ? conn_session_id(req.conn) : "-");
		return 0;
	case SASL_FAIL_MECH:
	case SASL_FAIL_CANCELLED:
		break;
	}
	return 0;
}
