/* SPDX-License-Identifier: MIT */
/* SASL test fixture and exchange drivers (see sasl-test.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sasl-test.h"
#include "auth/account.h"
#include "auth/password.h"
#include "auth/userdb.h"
#include "lib/buf.h"
#include "lib/codec.h"
#include "lib/fsutil.h"

#include <gsasl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
add_account(struct sasl_fx *fx, const char *userid, const char *password,
	    const char *alias, enum account_status status, bool keys)
{
	struct account *a = account_create(userid);
	struct password_opts opts = {.cram_md5 = true};
	const char *warning;
	struct err err;

	if (password_set(a, password, &opts, &warning, &err) < 0)
		fail_msg("password_set: %s", err.msg);
	if (!keys) {
		a->scram_sha1 = NULL;
		a->scram_sha256 = NULL;
		a->cram_md5 = NULL;
	}
	if (alias != NULL && account_add_alias(a, alias, &err) < 0)
		fail_msg("alias: %s", err.msg);
	a->status = status;
	if (userdb_add(fx->db, a, false, &err) < 0)
		fail_msg("userdb_add: %s", err.msg);
	account_destroy(&a);
}

struct ms_config *
sasl_fx_config(struct sasl_fx *fx, const char *extra)
{
	char text[2048];
	struct ms_config *cfg;
	struct err err;

	snprintf(text, sizeof(text),
		 "<ms_options><data_dir>%s</data_dir>"
		 "<domain>example.com</domain>%s</ms_options>",
		 fx->dir, extra);
	if (config_load_data("ms.conf", text, strlen(text), &cfg, &err) < 0)
		fail_msg("config: %s", err.msg);
	return cfg;
}

int
sasl_fx_setup(void **state)
{
	struct sasl_fx *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");
	static const uint8_t secret[32] = "a fixed secret for decoy salts.";
	struct sasl_server_settings set = {
	    .hostname = "mail.example.com",
	    .secret = secret,
	    .secret_len = sizeof(secret),
	};
	struct err err;

	snprintf(fx->dir, sizeof(fx->dir), "%s/coffer-sasl-XXXXXX",
		 tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	fx->cfg = sasl_fx_config(fx, "");
	if (userdb_open(fx->cfg, USERDB_OPEN_CREATE, &fx->db, &err) < 0)
		fail_msg("userdb_open: %s", err.msg);
	add_account(fx, ALICE, ALICE_PW, "a.smith@example.com", ACCOUNT_ENABLED,
		    true);
	add_account(fx, BOB, BOB_PW, NULL, ACCOUNT_DISABLED, true);
	add_account(fx, NOKEYS, "nokeys-pw", NULL, ACCOUNT_ENABLED, false);
	set.userdb = fx->db;
	fx->srv = sasl_server_create(&set, fx->cfg, &err);
	if (fx->srv == NULL)
		fail_msg("sasl_server_create: %s", err.msg);
	fx->plain.local_addr = "127.0.0.1";
	fx->plain.service = "imap";
	fx->tls = fx->plain;
	fx->tls.tls = true;
	fx->tls.tls_bits = 256;
	for (unsigned t = 0; t < NET_TLS_CB_COUNT; t++) {
		fx->tls.cb_len[t] = 32;
		memset(fx->tls.cb[t], 'A' + (int)t, 32);
	}
	*state = fx;
	return 0;
}

int
sasl_fx_teardown(void **state)
{
	struct sasl_fx *fx = *state;
	struct err err;

	sasl_server_destroy(&fx->srv);
	userdb_close(&fx->db);
	config_unref(&fx->cfg);
	rm_rf(fx->dir, &err);
	free(fx);
	return 0;
}

static int
client_cb(Gsasl *ctx, Gsasl_session *gs, Gsasl_property prop)
{
	(void)ctx;
	(void)gs;
	(void)prop;
	return GSASL_NO_CALLBACK;
}

static void
set_cb_prop(Gsasl_session *cs, Gsasl_property prop, const uint8_t *data,
	    size_t len)
{
	struct buf b = BUF_INIT;

	if (data == NULL)
		return;
	base64_encode(data, len, &b);
	gsasl_property_set(cs, prop, buf_cstr(&b));
	buf_free(&b);
}

static Gsasl_session *
client_start(Gsasl *ctx, const char *mech, const struct gsasl_client_opts *opts)
{
	Gsasl_session *cs;

	if (gsasl_client_start(ctx, mech, &cs) != GSASL_OK)
		fail_msg("gsasl_client_start(%s)", mech);
	if (opts->authid != NULL)
		gsasl_property_set(cs, GSASL_AUTHID, opts->authid);
	if (opts->password != NULL)
		gsasl_property_set(cs, GSASL_PASSWORD, opts->password);
	if (opts->authzid != NULL)
		gsasl_property_set(cs, GSASL_AUTHZID, opts->authzid);
	set_cb_prop(cs, GSASL_CB_TLS_EXPORTER, opts->cb_exporter, opts->cb_len);
	set_cb_prop(cs, GSASL_CB_TLS_UNIQUE, opts->cb_unique, opts->cb_len);
	return cs;
}

void
run_gsasl(struct sasl_fx *fx, const struct ms_config *cfg,
	  const struct sasl_channel *ch, const char *mech,
	  const struct gsasl_client_opts *opts, struct exchange *ex)
{
	struct sasl_session_settings set = {
	    .cfg = cfg,
	    .channel = ch,
	    .success_data_as_challenge = true,
	};
	struct buf chal = BUF_INIT;
	Gsasl *ctx;
	Gsasl_session *cs;
	char *out = NULL;
	int rc = GSASL_NEEDS_MORE;

	memset(ex, 0, sizeof(*ex));
	if (gsasl_init(&ctx) != GSASL_OK)
		fail_msg("gsasl_init");
	gsasl_callback_set(ctx, client_cb);
	cs = client_start(ctx, mech, opts);
	if (opts->initial) {
		rc = gsasl_step64(cs, "", &out);
		if (rc != GSASL_OK && rc != GSASL_NEEDS_MORE)
			fail_msg("gsasl client %s: %s", mech,
				 gsasl_strerror(rc));
		ex->sess = sasl_session_start_base64(
		    fx->srv, &set, mech, strlen(mech), *out != '\0' ? out : "=",
		    strlen(*out ? out : "="), &chal, &ex->status);
		gsasl_free(out);
	} else {
		ex->sess =
		    sasl_session_start_base64(fx->srv, &set, mech, strlen(mech),
					      NULL, 0, &chal, &ex->status);
	}
	while (ex->status == SASL_CONTINUE) {
		rc = gsasl_step64(cs, buf_cstr(&chal), &out);
		buf_clear(&chal);
		if (rc != GSASL_OK && rc != GSASL_NEEDS_MORE) {
			ex->status =
			    sasl_session_step_base64(ex->sess, "*", 1, &chal);
			break;
		}
		ex->status =
		    sasl_session_step_base64(ex->sess, out, strlen(out), &chal);
		gsasl_free(out);
		out = NULL;
	}
	ex->client_ok = rc == GSASL_OK;
	buf_free(&chal);
	gsasl_finish(cs);
	gsasl_done(ctx);
}

struct sasl_session *
start_raw(struct sasl_fx *fx, const struct ms_config *cfg,
	  const struct sasl_channel *ch, const char *mech, const void *initial,
	  size_t len, enum sasl_status *status_r, struct buf *chal)
{
	struct sasl_session_settings set = {
	    .cfg = cfg,
	    .channel = ch,
	    .success_data_as_challenge = true,
	};

	return sasl_session_start(fx->srv, &set, mech, strlen(mech), initial,
				  len, chal, status_r);
}
