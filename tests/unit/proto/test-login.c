/* SPDX-License-Identifier: MIT */
/* Unit tests for the shared login checks (proto/common/login.h) and the
   service environment (service.h): every outcome, the order of the
   checks, authorization identities, delays and nologin. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "proto/common/login.h"
#include "proto/common/service.h"
#include "auth/password.h"
#include "auth/userdb.h"
#include "lib/fsutil.h"
#include "lib/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PW "c0rrect horse"

struct fixture {
	char dir[64];
	struct ms_config *cfg;
	struct userdb *db;
	struct service_env env;
};

static struct ms_config *
load(const char *dir, const char *extra)
{
	struct ms_config *cfg;
	char text[1024];
	struct err err;

	snprintf(text, sizeof(text),
		 "<ms_options><data_dir>%s</data_dir>"
		 "<domain>example.com</domain>%s</ms_options>",
		 dir, extra);
	if (config_load_data("ms.conf", text, strlen(text), &cfg, &err) < 0)
		fail_msg("%s", err.msg);
	return cfg;
}

static void
add_account(struct fixture *f, const char *userid, const char *password,
	    enum account_status status, void (*tweak)(struct account *))
{
	struct account *a = account_create(userid);
	struct password_opts opts = {.scram_iterations = 4096};
	const char *warning;
	struct err err;

	a->status = status;
	if (password != NULL &&
	    password_set(a, password, &opts, &warning, &err) < 0)
		fail_msg("%s", err.msg);
	if (tweak != NULL)
		tweak(a);
	if (userdb_add(f->db, a, false, &err) < 0)
		fail_msg("%s", err.msg);
	account_destroy(&a);
}

static void
deny_imap(struct account *a)
{
	a->service[CONFIG_SERVICE_IMAP] = CONFIG_ACCESS_DENY;
}

static void
allow_pop(struct account *a)
{
	a->service[CONFIG_SERVICE_POP] = CONFIG_ACCESS_ALLOW;
}

static void
with_alias(struct account *a)
{
	struct err err;

	assert_int_equal(account_add_alias(a, "al@example.org", &err), 0);
}

static int
setup_with(void **state, const char *extra)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err err;

	snprintf(f->dir, sizeof(f->dir), "/tmp/coffer-login-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	f->cfg = load(f->dir, extra);
	if (userdb_open(f->cfg, USERDB_OPEN_CREATE, &f->db, &err) < 0)
		fail_msg("%s", err.msg);
	service_env_init(&f->env, f->cfg);
	f->env.userdb = f->db;
	f->env.data_dir = f->cfg->data_dir;
	add_account(f, "alice@example.com", PW, ACCOUNT_ENABLED, with_alias);
	add_account(f, "dis@example.com", PW, ACCOUNT_DISABLED, NULL);
	add_account(f, "mig@example.com", PW, ACCOUNT_MIGRATING, NULL);
	add_account(f, "nopw@example.com", NULL, ACCOUNT_ENABLED, NULL);
	add_account(f, "denied@example.com", PW, ACCOUNT_ENABLED, deny_imap);
	add_account(f, "popper@example.com", PW, ACCOUNT_ENABLED, allow_pop);
	add_account(f, "boss@example.com", PW, ACCOUNT_ENABLED, NULL);
	*state = f;
	return 0;
}

static int
setup(void **state)
{
	return setup_with(state, "<admin_user>boss@example.com</admin_user>"
				 "<accessible_services>pop=deny"
				 "</accessible_services>");
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	struct err err;

	service_env_deinit(&f->env);
	userdb_close(&f->db);
	config_unref(&f->cfg);
	rm_rf(f->dir, &err);
	free(f);
	return 0;
}

/* Runs a password login for the IMAP service; returns the status. */
static enum login_status
try_login(struct fixture *f, const char *name, const char *password,
	  const char *authzid, struct login_result *res)
{
	struct login_request req = {
	    .service = CONFIG_SERVICE_IMAP,
	    .protocol = "imap",
	    .name = name,
	    .password = password,
	    .authzid = authzid,
	};

	assert_int_equal(proto_login_password(&f->env, &req, res), 0);
	return res->status;
}

static void
test_success(void **state)
{
	struct fixture *f = *state;
	struct login_result res;

	assert_int_equal(try_login(f, "alice", PW, NULL, &res), LOGIN_OK);
	assert_string_equal(res.userid, "alice@example.com");
	assert_non_null(res.account);
	assert_string_equal(res.account->userid, "alice@example.com");
	assert_int_equal(res.delay_ms, 0);
	login_result_clear(&res);
	assert_null(res.account);
	login_result_clear(&res);

	/* case, qualified names and aliases all reach the account */
	assert_int_equal(try_login(f, "ALICE@Example.COM", PW, NULL, &res),
			 LOGIN_OK);
	assert_string_equal(res.userid, "alice@example.com");
	login_result_clear(&res);
	assert_int_equal(try_login(f, "al@example.org", PW, NULL, &res),
			 LOGIN_OK);
	assert_string_equal(res.userid, "alice@example.com");
	login_result_clear(&res);
}

static void
test_failures_look_alike(void **state)
{
	struct fixture *f = *state;
	struct login_result wrong, unknown, nopw;

	assert_int_equal(try_login(f, "alice", "bad", NULL, &wrong),
			 LOGIN_FAILED);
	assert_int_equal(try_login(f, "zed", "bad", NULL, &unknown),
			 LOGIN_FAILED);
	assert_int_equal(try_login(f, "nopw", "bad", NULL, &nopw),
			 LOGIN_FAILED);
	/* without a connection only the name counts: first failure each */
	assert_int_equal(wrong.delay_ms, 500);
	assert_int_equal(unknown.delay_ms, 500);
	assert_int_equal(nopw.delay_ms, 500);
	assert_null(wrong.account);
	assert_null(unknown.account);
	assert_string_equal(unknown.userid, "zed@example.com");
	assert_int_equal(try_login(f, "alice", "bad", NULL, &wrong),
			 LOGIN_FAILED);
	assert_int_equal(wrong.delay_ms, 1000);
	/* a success forgets the name's failures */
	assert_int_equal(try_login(f, "alice", PW, NULL, &wrong), LOGIN_OK);
	login_result_clear(&wrong);
	assert_int_equal(try_login(f, "alice", "bad", NULL, &wrong),
			 LOGIN_FAILED);
	assert_int_equal(wrong.delay_ms, 500);
}

static void
test_invalid_names(void **state)
{
	struct fixture *f = *state;
	const char *names[] = {"",
			       "a b",
			       "x/y",
			       "a@b@c",
			       "tab\there",
			       "ctl\x01",
			       "@example.com",
			       "bob@",
			       "\xc3\xa9t\xc3\xa9"};
	char long_name[600];
	struct login_result res;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(try_login(f, names[i], PW, NULL, &res),
				 LOGIN_FAILED);
		assert_string_equal(res.userid, "");
		assert_null(res.account);
	}
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(try_login(f, long_name, PW, NULL, &res), LOGIN_FAILED);
}

static void
test_refusals_after_password(void **state)
{
	struct fixture *f = *state;
	struct login_result res;

	assert_int_equal(try_login(f, "dis", PW, NULL, &res),
			 LOGIN_ACCOUNT_DISABLED);
	assert_null(res.account);
	assert_int_equal(res.delay_ms, 0);
	assert_int_equal(try_login(f, "mig", PW, NULL, &res),
			 LOGIN_ACCOUNT_DISABLED);
	assert_int_equal(try_login(f, "denied", PW, NULL, &res),
			 LOGIN_SERVICE_DENIED);
	assert_string_equal(res.userid, "denied@example.com");
	/* a wrong password never tells that the account is disabled */
	assert_int_equal(try_login(f, "dis", "bad", NULL, &res), LOGIN_FAILED);
	assert_int_equal(try_login(f, "denied", "bad", NULL, &res),
			 LOGIN_FAILED);
}

static void
test_service_rules(void **state)
{
	struct fixture *f = *state;
	struct login_request req = {
	    .service = CONFIG_SERVICE_POP,
	    .protocol = "pop3",
	    .name = "alice",
	    .password = PW,
	};
	struct login_result res;

	/* accessible_services pop=deny applies without a user rule */
	assert_int_equal(proto_login_password(&f->env, &req, &res), 0);
	assert_int_equal(res.status, LOGIN_SERVICE_DENIED);
	/* an explicit user grant wins over it */
	req.name = "popper";
	assert_int_equal(proto_login_password(&f->env, &req, &res), 0);
	assert_int_equal(res.status, LOGIN_OK);
	login_result_clear(&res);
}

static void
write_nologin(struct fixture *f, const char *text, size_t len)
{
	char path[128];
	struct err err;

	snprintf(path, sizeof(path), "%s/nologin", f->dir);
	assert_int_equal(file_write_atomic(path, text, len, 0644, false, &err),
			 0);
}

static void
test_nologin(void **state)
{
	struct fixture *f = *state;
	struct login_result res;
	char msg[16];
	char path[128];

	assert_false(service_env_nologin(&f->env, msg, sizeof(msg)));
	assert_string_equal(msg, "");
	write_nologin(f, "Back at 10:00\r\nsecond line\n", 27);
	assert_int_equal(try_login(f, "alice", PW, NULL, &res), LOGIN_NOLOGIN);
	assert_string_equal(res.alert, "Back at 10:00");
	assert_null(res.account);
	/* checked after the password: a wrong one is just a failure */
	assert_int_equal(try_login(f, "alice", "bad", NULL, &res),
			 LOGIN_FAILED);
	/* truncated to the caller's buffer, control bytes replaced */
	write_nologin(f, "a\tb\x01\xff long line!", 16);
	assert_true(service_env_nologin(&f->env, msg, sizeof(msg)));
	assert_string_equal(msg, "a?b?? long line");
	/* an empty file still closes logins */
	write_nologin(f, "", 0);
	assert_true(service_env_nologin(&f->env, msg, sizeof(msg)));
	assert_string_equal(msg, "");
	assert_true(service_env_nologin(&f->env, NULL, 0));
	snprintf(path, sizeof(path), "%s/nologin", f->dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(try_login(f, "alice", PW, NULL, &res), LOGIN_OK);
	login_result_clear(&res);
}

static void
test_authzid(void **state)
{
	struct fixture *f = *state;
	struct login_result res;

	/* naming oneself is always fine (RFC 4616 section 2) */
	assert_int_equal(try_login(f, "alice", PW, "Alice@example.com", &res),
			 LOGIN_OK);
	assert_string_equal(res.userid, "alice@example.com");
	login_result_clear(&res);
	assert_int_equal(try_login(f, "alice", PW, "", &res), LOGIN_OK);
	login_result_clear(&res);
	/* one's own alias is oneself too */
	assert_int_equal(try_login(f, "alice", PW, "al@example.org", &res),
			 LOGIN_OK);
	assert_string_equal(res.userid, "alice@example.com");
	login_result_clear(&res);
	/* only admin_user may act for somebody else */
	assert_int_equal(try_login(f, "alice", PW, "boss", &res), LOGIN_FAILED);
	assert_null(res.account);
	assert_int_equal(try_login(f, "boss", PW, "alice", &res), LOGIN_OK);
	assert_string_equal(res.userid, "alice@example.com");
	assert_string_equal(res.account->userid, "alice@example.com");
	login_result_clear(&res);
	/* the target's own state still applies */
	assert_int_equal(try_login(f, "boss", PW, "dis", &res),
			 LOGIN_ACCOUNT_DISABLED);
	assert_int_equal(try_login(f, "boss", PW, "denied", &res),
			 LOGIN_SERVICE_DENIED);
	assert_int_equal(try_login(f, "boss", PW, "nobody-here", &res),
			 LOGIN_FAILED);
	assert_int_equal(try_login(f, "boss", PW, "not valid", &res),
			 LOGIN_FAILED);
	assert_int_equal(try_login(f, "boss", "bad", "alice", &res),
			 LOGIN_FAILED);
}

static void
test_no_admin(void **state)
{
	struct fixture *f;
	struct login_result res;

	assert_int_equal(setup_with((void **)&f, ""), 0);
	/* without admin_user nobody may act for another user */
	assert_int_equal(try_login(f, "boss", PW, "alice", &res), LOGIN_FAILED);
	teardown((void **)&f);
}

static void
test_verified(void **state)
{
	struct fixture *f = *state;
	struct login_request req = {
	    .service = CONFIG_SERVICE_IMAP,
	    .protocol = "imap",
	    .name = "alice",
	};
	struct login_result res;

	assert_int_equal(
	    proto_login_verified(&f->env, &req, "alice@example.com", &res), 0);
	assert_int_equal(res.status, LOGIN_OK);
	assert_non_null(res.account);
	login_result_clear(&res);
	proto_login_verified(&f->env, &req, "dis@example.com", &res);
	assert_int_equal(res.status, LOGIN_ACCOUNT_DISABLED);
	proto_login_verified(&f->env, &req, "gone@example.com", &res);
	assert_int_equal(res.status, LOGIN_FAILED);
	proto_login_verified(&f->env, &req, "bad name", &res);
	assert_int_equal(res.status, LOGIN_FAILED);
	req.authzid = "alice";
	proto_login_verified(&f->env, &req, "boss@example.com", &res);
	assert_int_equal(res.status, LOGIN_OK);
	assert_string_equal(res.userid, "alice@example.com");
	login_result_clear(&res);
	/* a disabled admin cannot act for anybody */
	proto_login_verified(&f->env, &req, "dis@example.com", &res);
	assert_int_equal(res.status, LOGIN_ACCOUNT_DISABLED);
	assert_int_equal(proto_login_verified(&f->env, &req, NULL, &res), -1);
}

static void
test_failed_elsewhere(void **state)
{
	struct fixture *f = *state;
	struct login_request req = {
	    .service = CONFIG_SERVICE_IMAP,
	    .protocol = "imap",
	    .name = "alice",
	};
	struct login_result res;

	assert_int_equal(proto_login_failed(&f->env, &req, "bad proof", &res),
			 0);
	assert_int_equal(res.status, LOGIN_FAILED);
	assert_int_equal(res.delay_ms, 500);
	assert_string_equal(res.userid, "alice@example.com");
	req.name = NULL;
	assert_int_equal(proto_login_failed(&f->env, &req, NULL, &res), 0);
	assert_int_equal(res.status, LOGIN_FAILED);
	assert_string_equal(res.userid, "");
	/* the same name counts on after a password failure */
	req.name = "alice";
	proto_login_failed(&f->env, &req, "bad proof", &res);
	assert_int_equal(res.delay_ms, 1000);
	assert_int_equal(try_login(f, "alice", "bad", NULL, &res),
			 LOGIN_FAILED);
	assert_int_equal(res.delay_ms, 2000);
}

static void
test_unusable_requests(void **state)
{
	struct fixture *f = *state;
	struct login_request req = {
	    .service = CONFIG_SERVICE_IMAP,
	    .protocol = "imap",
	    .name = "alice",
	    .password = NULL,
	};
	struct login_result res;

	assert_int_equal(proto_login_password(&f->env, &req, &res), -1);
	req.password = PW;
	req.protocol = NULL;
	assert_int_equal(proto_login_password(&f->env, &req, &res), -1);
	req.protocol = "imap";
	req.service = CONFIG_SERVICE_COUNT;
	assert_int_equal(proto_login_password(&f->env, &req, &res), -1);
	assert_int_equal(proto_login_password(&f->env, NULL, &res), -1);
	assert_int_equal(proto_login_failed(&f->env, NULL, "x", &res), -1);
}

/* The fastest of a few logins: robust against a loaded machine. */
static uint64_t
fastest_us(struct fixture *f, const char *name)
{
	struct login_result res;
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 5; i++) {
		uint64_t t0 = time_mono_us(), t;

		try_login(f, name, "bad", NULL, &res);
		t = time_mono_us() - t0;
		if (t < best)
			best = t;
	}
	return best;
}

/* Unknown users, invalid names and wrong passwords cost the same: each
   verifies a yescrypt hash (a dummy one when there is no account). A
   loose bound keeps this robust while catching a missing verification,
   which would be hundreds of times faster. */
static void
test_same_timing(void **state)
{
	struct fixture *f = *state;
	uint64_t wrong = fastest_us(f, "alice");
	uint64_t unknown = fastest_us(f, "zed");
	uint64_t invalid = fastest_us(f, "not valid");

	assert_true(unknown * 4 > wrong && wrong * 4 > unknown);
	assert_true(invalid * 4 > wrong && wrong * 4 > invalid);
}

static void
test_config_holder(void **state)
{
	struct fixture *f = *state;
	struct ms_config *next = load(f->dir, "<login_alert>new</login_alert>");
	struct ms_config *cur = service_env_config(&f->env);

	assert_ptr_equal(cur, f->cfg);
	service_env_set_config(&f->env, next);
	config_unref(&next);
	/* the old snapshot stays usable by whoever holds it */
	assert_string_equal(cur->login_alert, "");
	config_unref(&cur);
	cur = service_env_config(&f->env);
	assert_string_equal(cur->login_alert, "new");
	config_unref(&cur);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_success, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failures_look_alike, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_invalid_names, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_refusals_after_password, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_service_rules, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_nologin, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_authzid, setup, teardown),
	    cmocka_unit_test(test_no_admin),
	    cmocka_unit_test_setup_teardown(test_verified, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failed_elsewhere, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_unusable_requests, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_same_timing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_config_holder, setup,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
