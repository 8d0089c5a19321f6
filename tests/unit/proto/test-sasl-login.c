/* SPDX-License-Identifier: MIT */
/* SASL exchanges into logins (proto/common/sasl-login.h): every outcome
   of an exchange reaches the shared login checks with the right status,
   delay and authorization identity; the capability list's formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "proto/common/sasl-login.h"
#include "auth/password.h"
#include "auth/userdb.h"
#include "lib/fsutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define PW "pencil"

struct fixture {
	char dir[64];
	struct ms_config *cfg;
	struct userdb *db;
	struct sasl_server *sasl;
	struct service_env env;
	struct sasl_channel ch;
};

static void
add(struct fixture *f, const char *userid, enum account_status status,
    enum config_access imap)
{
	struct account *a = account_create(userid);
	struct password_opts opts = {.cram_md5 = true};
	const char *warning;
	struct err err;

	a->status = status;
	a->service[CONFIG_SERVICE_IMAP] = imap;
	if (password_set(a, PW, &opts, &warning, &err) < 0 ||
	    userdb_add(f->db, a, false, &err) < 0)
		fail_msg("%s", err.msg);
	account_destroy(&a);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err err;
	char text[512];

	snprintf(f->dir, sizeof(f->dir), "/tmp/coffer-sasl-login-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(text, sizeof(text),
		 "<ms_options><data_dir>%s</data_dir><domain>example.com"
		 "</domain><login_disabled>false</login_disabled>"
		 "<admin_user>boss@example.com</admin_user><sasl><mech_list>"
		 "PLAIN CRAM-MD5 SCRAM-SHA-256</mech_list></sasl></ms_options>",
		 f->dir);
	if (config_load_data("ms.conf", text, strlen(text), &f->cfg, &err) <
		0 ||
	    userdb_open(f->cfg, USERDB_OPEN_CREATE, &f->db, &err) < 0)
		fail_msg("%s", err.msg);
	add(f, "alice@example.com", ACCOUNT_ENABLED, CONFIG_ACCESS_DEFAULT);
	add(f, "dis@example.com", ACCOUNT_DISABLED, CONFIG_ACCESS_DEFAULT);
	add(f, "denied@example.com", ACCOUNT_ENABLED, CONFIG_ACCESS_DENY);
	add(f, "boss@example.com", ACCOUNT_ENABLED, CONFIG_ACCESS_DEFAULT);
	f->sasl = sasl_server_create(
	    &(struct sasl_server_settings){.userdb = f->db,
					   .hostname = "mail.example.com"},
	    f->cfg, &err);
	assert_non_null(f->sasl);
	service_env_init(&f->env, f->cfg);
	f->env.userdb = f->db;
	f->env.sasl = f->sasl;
	f->env.data_dir = f->cfg->data_dir;
	f->ch.local_addr = "127.0.0.1";
	f->ch.service = "imap";
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	struct err err;

	service_env_deinit(&f->env);
	sasl_server_destroy(&f->sasl);
	userdb_close(&f->db);
	config_unref(&f->cfg);
	rm_rf(f->dir, &err);
	free(f);
	return 0;
}

/* Runs PLAIN or a raw first message and concludes it. */
static void
conclude(struct fixture *f, const char *mech, const void *msg, size_t len,
	 struct login_result *res)
{
	struct sasl_session_settings set = {.cfg = f->cfg, .channel = &f->ch};
	struct login_request req = {.service = CONFIG_SERVICE_IMAP,
				    .protocol = "imap"};
	struct buf chal = BUF_INIT;
	enum sasl_status st;
	struct sasl_session *s = sasl_session_start(
	    f->sasl, &set, mech, strlen(mech), msg, len, &chal, &st);

	assert_int_not_equal(st, SASL_CONTINUE);
	assert_int_equal(sasl_login_finish(&f->env, s, &req, res), 0);
	sasl_session_destroy(&s);
	buf_free(&chal);
}

static void
test_plain(void **state)
{
	struct fixture *f = *state;
	struct login_result res;

	conclude(f, "PLAIN", "\0alice\0" PW, 13, &res);
	assert_int_equal(res.status, LOGIN_OK);
	assert_string_equal(res.userid, "alice@example.com");
	login_result_clear(&res);
	conclude(f, "PLAIN", "\0alice\0wrong", 12, &res);
	assert_int_equal(res.status, LOGIN_FAILED);
	assert_true(res.delay_ms > 0);
	/* authorization identities: only admin_user may name another */
	conclude(f, "PLAIN", "alice\0boss\0" PW, 17, &res);
	assert_int_equal(res.status, LOGIN_OK);
	assert_string_equal(res.userid, "alice@example.com");
	login_result_clear(&res);
	conclude(f, "PLAIN", "boss\0alice\0" PW, 17, &res);
	assert_int_equal(res.status, LOGIN_FAILED);
	conclude(f, "PLAIN", "dis\0alice\0" PW, 16, &res);
	assert_int_equal(res.status, LOGIN_FAILED);
	conclude(f, "PLAIN", "\0dis\0" PW, 11, &res);
	assert_int_equal(res.status, LOGIN_ACCOUNT_DISABLED);
}

/* A CRAM-MD5 exchange (a mechanism that verifies by itself). */
static void
cram(struct fixture *f, const char *user, const char *password,
     struct login_result *res)
{
	struct sasl_session_settings set = {.cfg = f->cfg, .channel = &f->ch};
	struct login_request req = {.service = CONFIG_SERVICE_IMAP,
				    .protocol = "imap"};
	struct buf chal = BUF_INIT, resp = BUF_INIT;
	unsigned char mac[16];
	unsigned len = sizeof(mac);
	char hex[33];
	enum sasl_status st;
	struct sasl_session *s = sasl_session_start(f->sasl, &set, "CRAM-MD5",
						    8, NULL, 0, &chal, &st);

	assert_int_equal(st, SASL_CONTINUE);
	HMAC(EVP_md5(), password, (int)strlen(password), chal.data, chal.len,
	     mac, &len);
	for (unsigned i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	buf_printf(&resp, "%s %s", user, hex);
	buf_clear(&chal);
	st = sasl_session_step(s, resp.data, resp.len, &chal);
	assert_int_not_equal(st, SASL_CONTINUE);
	assert_int_equal(sasl_login_finish(&f->env, s, &req, res), 0);
	sasl_session_destroy(&s);
	buf_free(&chal);
	buf_free(&resp);
}

static void
test_verified(void **state)
{
	struct fixture *f = *state;
	struct login_result res;

	cram(f, "alice", PW, &res);
	assert_int_equal(res.status, LOGIN_OK);
	assert_non_null(res.account);
	login_result_clear(&res);
	cram(f, "alice", "wrong", &res);
	assert_int_equal(res.status, LOGIN_FAILED);
	assert_true(res.delay_ms > 0);
	/* status and service access only after the proof */
	cram(f, "dis", PW, &res);
	assert_int_equal(res.status, LOGIN_ACCOUNT_DISABLED);
	cram(f, "denied", PW, &res);
	assert_int_equal(res.status, LOGIN_SERVICE_DENIED);
}

static void
test_failures(void **state)
{
	struct fixture *f = *state;
	struct sasl_session_settings set = {.cfg = f->cfg, .channel = &f->ch};
	struct login_request req = {.service = CONFIG_SERVICE_IMAP,
				    .protocol = "imap"};
	struct login_result res;
	struct buf chal = BUF_INIT;
	enum sasl_status st;
	struct sasl_session *s;

	/* malformed: counted and delayed like a failed login (against the
	   name it claimed; without a connection there is no address) */
	conclude(f, "PLAIN", "\0alice\0", 7, &res);
	assert_int_equal(res.status, LOGIN_FAILED);
	assert_true(res.delay_ms > 0);
	/* a mechanism not offered, a cancel: nothing was tried */
	conclude(f, "LOGIN", NULL, 0, &res);
	assert_int_equal(res.status, LOGIN_FAILED);
	assert_int_equal(res.delay_ms, 0);
	s = sasl_session_start_base64(f->sasl, &set, "PLAIN", 5, NULL, 0, &chal,
				      &st);
	assert_int_equal(st, SASL_CONTINUE);
	assert_int_equal(sasl_session_step_base64(s, "*", 1, &chal),
			 SASL_FAILED);
	assert_int_equal(sasl_login_finish(&f->env, s, &req, &res), 0);
	assert_int_equal(res.status, LOGIN_FAILED);
	assert_int_equal(res.delay_ms, 0);
	sasl_session_destroy(&s);
	buf_free(&chal);
}

static void
test_mechs(void **state)
{
	struct fixture *f = *state;
	struct service_env none = {0};
	struct buf out = BUF_INIT;

	sasl_login_mechs(&f->env, f->cfg, &f->ch, "AUTH=", " ", &out);
	assert_string_equal(buf_cstr(&out),
			    "AUTH=SCRAM-SHA-256 AUTH=CRAM-MD5 AUTH=PLAIN");
	buf_clear(&out);
	sasl_login_mechs(&f->env, f->cfg, &f->ch, "", "\r\n", &out);
	assert_string_equal(buf_cstr(&out),
			    "SCRAM-SHA-256\r\nCRAM-MD5\r\nPLAIN");
	buf_clear(&out);
	sasl_login_mechs(&none, f->cfg, &f->ch, "", " ", &out);
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain),
	    cmocka_unit_test(test_verified),
	    cmocka_unit_test(test_failures),
	    cmocka_unit_test(test_mechs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
