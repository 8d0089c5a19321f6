/* SPDX-License-Identifier: MIT */
/* Harness of the POP3 session tests (see pop3-test.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pop3-test.h"
#include "store-test-util.h"
#include "proto/common/login.h"
#include "proto/pop3/pop3.h"
#include "net/listener.h"
#include "net/tls.h"
#include "config/config.h"
#include "lib/mem.h"
#include "lib/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct pop3_stub stub = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* --- the scripted login backend ----------------------------------------- */

struct ms_config *
service_env_config(struct service_env *env)
{
	return config_ref(env->cfg);
}

int
proto_login_password(struct service_env *env, const struct login_request *req,
		     struct login_result *res)
{
	static const struct {
		const char *user;
		enum login_status status;
	} users[] = {
	    {"alice@example.com", LOGIN_OK},
	    {"bob@example.com", LOGIN_OK},
	    {"disabled@example.com", LOGIN_ACCOUNT_DISABLED},
	    {"denied@example.com", LOGIN_SERVICE_DENIED},
	    {"temp@example.com", LOGIN_TEMPFAIL},
	};

	(void)env;
	atomic_fetch_add(&stub.logins, 1);
	memset(res, 0, sizeof(*res));
	if (strchr(req->name, '@') != NULL)
		str_copy(res->userid, req->name, sizeof(res->userid));
	else
		snprintf(res->userid, sizeof(res->userid), "%s@example.com",
			 req->name);
	pthread_mutex_lock(&stub.lock);
	str_copy(stub.last_authzid, req->authzid != NULL ? req->authzid : "",
		 sizeof(stub.last_authzid));
	pthread_mutex_unlock(&stub.lock);
	if (atomic_load(&stub.nologin)) {
		res->status = LOGIN_NOLOGIN;
		str_copy(res->alert, "Down for maintenance",
			 sizeof(res->alert));
		return 0;
	}
	res->status = LOGIN_FAILED;
	for (size_t i = 0; i < N_ELEMENTS(users); i++) {
		if (strcmp(res->userid, users[i].user) == 0 &&
		    strcmp(req->password, "secret") == 0)
			res->status = users[i].status;
	}
	if (res->status == LOGIN_OK)
		res->account = account_create(res->userid);
	else
		res->delay_ms = atomic_load(&stub.delay_ms);
	return 0;
}

int
proto_login_failed(struct service_env *env, const struct login_request *req,
		   const char *reason, struct login_result *res)
{
	(void)env;
	(void)req;
	(void)reason;
	memset(res, 0, sizeof(*res));
	res->status = LOGIN_FAILED;
	res->delay_ms = atomic_load(&stub.delay_ms);
	return 0;
}

void
login_result_clear(struct login_result *res)
{
	account_destroy(&res->account);
}

void
proto_log_logout(const struct conn *c, const char *protocol, const char *userid,
		 const char *reason)
{
	(void)c;
	(void)protocol;
	(void)userid;
	(void)reason;
	atomic_fetch_add(&stub.logouts, 1);
}

/* --- the server --------------------------------------------------------- */

static void *
run_server(void *arg)
{
	net_server_run(arg);
	return NULL;
}

void
pop3_env_start(struct pop3_env *e, const struct pop3_env_opts *o)
{
	struct net_server_settings set = {0};
	struct net_listener_settings ls = {0};
	struct pop3_env_opts none = {0};
	char conf[2048];
	struct err err;
	int fd;

	if (o == NULL)
		o = &none;
	memset(e, 0, sizeof(*e));
	atomic_store(&stub.delay_ms, 0);
	atomic_store(&stub.logins, 0);
	atomic_store(&stub.logouts, 0);
	atomic_store(&stub.nologin, false);
	e->dir = xstrdup(test_tmpdir());
	e->store = test_store(e->dir, 0);
	assert_int_equal(store_user_open(e->store, "alice@example.com", NULL,
					 true, &e->alice, &err),
			 0);
	/* TLS is not there by default: passwords in the clear allowed */
	snprintf(conf, sizeof(conf), "<ms_options>%s%s</ms_options>",
		 o->conf != NULL && strstr(o->conf, "login_disabled") != NULL
		     ? ""
		     : "<login_disabled>false</login_disabled>",
		 o->conf != NULL ? o->conf : "");
	if (config_load_data("test.conf", conf, strlen(conf), &e->cfg, &err) <
	    0)
		fail_msg("config: %s", err.msg);
	/* tests may shorten what the configuration clamps */
	if (o->pop_timeout > 0)
		e->cfg->pop_timeout = o->pop_timeout;
	if (o->max_net_buffer > 0)
		e->cfg->max_net_buffer = o->max_net_buffer;
	e->env.store = e->store;
	e->env.cfg = e->cfg;
	e->env.hostname = "test.example.com";
	e->env.data_dir = e->dir;
	if (o->tls) {
		test_make_cert(e->dir, e->cert, e->key, sizeof(e->cert));
		e->env.tls = net_tls_ctx_create_server(e->cert, e->key, &err);
		assert_non_null(e->env.tls);
	}
	set.max_net_buffer = o->max_net_buffer;
	set.thread_pool_min = 2;
	set.stop_timeout_ms = 2000;
	e->srv = net_server_create(&set, &err);
	assert_non_null(e->srv);
	assert_int_equal(pop3_service.init(&e->env, &e->svc_ctx, &err), 0);
	assert_int_equal(net_listen_tcp("127.0.0.1", 0, 64, &fd, 1, &err), 1);
	e->port = net_socket_local_port(fd);
	ls.name = "pop3";
	ls.accept = pop3_service.accept;
	ls.ctx = e->svc_ctx;
	assert_int_equal(net_server_add_listener(e->srv, fd, &ls, &err), 0);
	assert_int_equal(pthread_create(&e->thread, NULL, run_server, e->srv),
			 0);
}

void
pop3_env_stop(struct pop3_env *e)
{
	net_server_stop(e->srv, 2000);
	pthread_join(e->thread, NULL);
	net_server_destroy(&e->srv);
	pop3_service.deinit(e->svc_ctx);
	net_tls_ctx_destroy(&e->env.tls);
	store_user_close(&e->alice);
	store_destroy(&e->store);
	config_unref(&e->cfg);
	test_tmpdir_remove(e->dir);
	free(e->dir);
}

uint32_t
pop3_env_append(struct pop3_env *e, const void *msg, size_t len)
{
	struct store_uid_set uids = {0};
	struct store_append *txn;
	struct err err;
	uint32_t uid, uidv;

	if (store_append_begin(e->alice, "INBOX", &txn, &err) < 0 ||
	    store_append_msg_begin(txn, 1700000000, 0, NULL, 0, &err) < 0 ||
	    store_append_msg_write(txn, msg, len, &err) < 0 ||
	    store_append_msg_finish(txn, &err) < 0 ||
	    store_append_commit(&txn, &uidv, &uids, &err) < 0)
		fail_msg("append: %s", err.msg);
	uid = uids.r[0].lo;
	store_uid_set_free(&uids);
	return uid;
}

uint32_t
pop3_env_append_str(struct pop3_env *e, const char *msg)
{
	return pop3_env_append(e, msg, strlen(msg));
}

uint32_t
pop3_env_count(struct pop3_env *e)
{
	struct store_status st;
	struct err err;

	assert_int_equal(store_mailbox_status(e->alice, "INBOX",
					      STORE_STATUS_MESSAGES, &st, &err),
			 0);
	return st.messages;
}

/* --- clients ------------------------------------------------------------ */

void
pc_open(struct pop3_env *e, struct tclient *tc)
{
	int fd = test_connect_tcp("127.0.0.1", e->port);

	assert_true(fd >= 0);
	tclient_init(tc, fd);
	pc_expect_reply(tc, "+OK");
}

void
pc_send(struct tclient *tc, const char *line)
{
	assert_int_equal(tclient_send_str(tc, line), 0);
	assert_int_equal(tclient_send_str(tc, "\r\n"), 0);
}

void
pc_read(struct tclient *tc, char *line)
{
	int n = tclient_line(tc, line, 512);

	if (n < 0)
		fail_msg("no reply line");
	if (n == 0 || line[n - 1] != '\r')
		fail_msg("reply without CRLF: '%s'", line);
	line[n - 1] = '\0';
}

void
pc_expect_reply(struct tclient *tc, const char *prefix)
{
	char line[512];

	pc_read(tc, line);
	if (!str_has_prefix(line, prefix))
		fail_msg("expected '%s...', got '%s'", prefix, line);
}

void
pc_expect(struct tclient *tc, const char *cmd, const char *prefix)
{
	pc_send(tc, cmd);
	pc_expect_reply(tc, prefix);
}

void
pc_login(struct pop3_env *e, struct tclient *tc)
{
	(void)e;
	pc_expect(tc, "USER alice", "+OK");
	pc_expect(tc, "PASS secret", "+OK");
}

size_t
pc_multiline(struct tclient *tc, struct buf *out)
{
	char line[16384];
	size_t stuffed = 0;

	for (;;) {
		int n = tclient_line(tc, line, sizeof(line));

		if (n < 0)
			fail_msg("multi-line response cut short");
		stuffed += (size_t)n + 1;
		if (n == 2 && memcmp(line, ".\r", 2) == 0)
			return stuffed;
		/* RFC 1939 section 3: strip the stuffed termination octet */
		if (line[0] == '.')
			buf_append(out, line + 1, (size_t)n - 1);
		else
			buf_append(out, line, (size_t)n);
		buf_append_c(out, '\n');
	}
}
