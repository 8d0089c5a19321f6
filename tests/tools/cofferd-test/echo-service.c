/* SPDX-License-Identifier: MIT */
/*
 * Test services for cofferd's own tests: a line protocol that exercises
 * the daemon and the shared login code without any real protocol.
 *
 *   "echo"  listens on sieve_host/sieve_port (the ManageSieve slot, which
 *           has no service yet);
 *   "echo2" listens on msevent_host/msevent_port (by default the Unix
 *           socket <run_dir>/mseventd).
 *
 * Protocol (lines end in LF; a CR before it is dropped):
 *   greeting          "+OK echo ready <session id>"
 *   LOGIN u p [authz] proto_login_password(); "+OK LOGIN <userid>" or,
 *                     after the failed-login delay, "-ERR LOGIN <status>
 *                     delay=<ms> [alert]"
 *   SLEEP <ms>        "+OK SLEEPING" at once, then blocks the worker (like
 *                     disk I/O), then "+OK SLEPT"
 *   ALERT             "+OK ALERT <login_alert of the current config>"
 *   QUIT              "+OK BYE", close after flush
 *   <other>           echoed back
 * On server stop: "* BYE shutting down", close after flush.
 * With login_alert "echo-init-fails" in ms.conf, init() fails.
 */
#include "proto/common/login.h"
#include "proto/common/service.h"
#include "lib/mem.h"
#include "lib/str.h"
#include "lib/strnum.h"
#include "net/conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ECHO_LINE_MAX 1024
#define ECHO_SLEEP_MAX_MS 60000

struct echo_service {
	struct service_env *env;
	const char *name;
};

struct echo_session {
	struct echo_service *svc;
	char userid[ACCOUNT_USERID_MAX + 1];
	/* a failed login's answer, sent when the delay timer fires */
	char pending[512];
	bool waiting;
};

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0)
		;
}

static const char *
status_name(enum login_status status)
{
	switch (status) {
	case LOGIN_OK:
		return "OK";
	case LOGIN_FAILED:
		return "FAILED";
	case LOGIN_ACCOUNT_DISABLED:
		return "DISABLED";
	case LOGIN_SERVICE_DENIED:
		return "DENIED";
	case LOGIN_NOLOGIN:
		return "NOLOGIN";
	case LOGIN_TEMPFAIL:
		return "TEMPFAIL";
	}
	return "?";
}

static void
cmd_login(struct conn *c, struct echo_session *s, char *args)
{
	char *parts[3] = {NULL, NULL, NULL};
	struct login_request req = {
	    .service = CONFIG_SERVICE_IMAP,
	    .protocol = s->svc->name,
	    .conn = c,
	};
	struct login_result res;
	int n = str_split(args, ' ', parts, 3);

	if (n < 2) {
		conn_write_str(c,
			       "-ERR usage: LOGIN user password [authzid]\n");
		return;
	}
	req.name = parts[0];
	req.password = parts[1];
	req.authzid = n == 3 ? parts[2] : NULL;
	if (proto_login_password(s->svc->env, &req, &res) < 0) {
		conn_write_str(c, "-ERR LOGIN bad request\n");
		return;
	}
	if (res.status == LOGIN_OK) {
		str_copy(s->userid, res.userid, sizeof(s->userid));
		conn_printf(c, "+OK LOGIN %s\n", res.userid);
	} else {
		snprintf(s->pending, sizeof(s->pending),
			 "-ERR LOGIN %s delay=%u%s%s\n",
			 status_name(res.status), res.delay_ms,
			 res.alert[0] != '\0' ? " " : "", res.alert);
		if (res.delay_ms == 0) {
			conn_write_str(c, s->pending);
		} else {
			/* answer later without blocking a worker, and read
			   nothing meanwhile */
			s->waiting = true;
			conn_want_input(c, false);
			conn_set_timeout(c, res.delay_ms);
		}
	}
	login_result_clear(&res);
}

static void
cmd_alert(struct conn *c, struct echo_session *s)
{
	struct ms_config *cfg = service_env_config(s->svc->env);

	conn_printf(c, "+OK ALERT %s\n", cfg->login_alert);
	config_unref(&cfg);
}

static void
handle_line(struct conn *c, struct echo_session *s, char *line)
{
	uint32_t ms;

	if (strncmp(line, "LOGIN ", 6) == 0) {
		cmd_login(c, s, line + 6);
	} else if (strncmp(line, "SLEEP ", 6) == 0 &&
		   str_to_u32(line + 6, &ms) == 0 && ms <= ECHO_SLEEP_MAX_MS) {
		/* tell the client the command runs, then block */
		conn_write_str(c, "+OK SLEEPING\n");
		(void)conn_flush(c);
		sleep_ms(ms);
		conn_write_str(c, "+OK SLEPT\n");
	} else if (strcmp(line, "ALERT") == 0) {
		cmd_alert(c, s);
	} else if (strcmp(line, "QUIT") == 0) {
		conn_write_str(c, "+OK BYE\n");
		conn_close_after_flush(c, "QUIT");
	} else {
		conn_printf(c, "%s\n", line);
	}
}

static void
read_lines(struct conn *c, struct echo_session *s)
{
	const uint8_t *data;
	size_t len;

	while (!s->waiting && !conn_is_closed(c)) {
		const uint8_t *nl;
		char line[ECHO_LINE_MAX + 1];
		size_t n;

		data = conn_input_data(c, &len);
		nl = memchr(data, '\n', len);
		if (nl == NULL) {
			if (conn_input_full(c)) {
				conn_write_str(c, "-ERR line too long\n");
				conn_close_after_flush(c, "line too long");
			} else if (conn_input_eof(c)) {
				conn_close(c, "EOF");
			}
			return;
		}
		n = (size_t)(nl - data);
		if (n > 0 && data[n - 1] == '\r')
			n--;
		memcpy(line, data, MIN(n, ECHO_LINE_MAX));
		line[MIN(n, ECHO_LINE_MAX)] = '\0';
		conn_input_consume(c, (size_t)(nl - data) + 1);
		handle_line(c, s, line);
	}
}

static void
echo_run(struct conn *c, unsigned events, void *ctx)
{
	struct echo_session *s = ctx;

	if (events & CONN_EV_START)
		conn_printf(c, "+OK %s ready %s\n", s->svc->name,
			    conn_session_id(c));
	if (events & CONN_EV_SHUTDOWN) {
		conn_write_str(c, "* BYE shutting down\n");
		conn_close_after_flush(c, "server shutting down");
		return;
	}
	if ((events & CONN_EV_TIMEOUT) && s->waiting) {
		s->waiting = false;
		conn_write_str(c, s->pending);
		conn_want_input(c, true);
	}
	read_lines(c, s);
}

static void
echo_destroy(struct conn *c, void *ctx)
{
	struct echo_session *s = ctx;

	proto_log_logout(c, s->svc->name, s->userid, NULL);
	free(s);
}

static const struct conn_handler echo_handler = {
    .run = echo_run,
    .destroy = echo_destroy,
};

static void
echo_accept(struct conn *c, void *ctx)
{
	struct echo_session *s = xcalloc(1, sizeof(*s));

	s->svc = ctx;
	conn_set_input_max(c, ECHO_LINE_MAX);
	conn_set_handler(c, &echo_handler, s);
}

/* login_alert "echo-init-fails" makes init() fail, for the tests of
   start-up failures. */
static int
echo_init_named(struct service_env *env, void **ctx_r, const char *name,
		struct err *err)
{
	struct ms_config *cfg = service_env_config(env);
	bool fail = strcmp(cfg->login_alert, "echo-init-fails") == 0;
	struct echo_service *svc;

	config_unref(&cfg);
	if (fail)
		return err_set(err, ERR_PARAMS, "init failed on purpose");
	svc = xcalloc(1, sizeof(*svc));

	svc->env = env;
	svc->name = name;
	*ctx_r = svc;
	return 0;
}

static int
echo_init(struct service_env *env, void **ctx_r, struct err *err)
{
	return echo_init_named(env, ctx_r, "echo", err);
}

static int
echo2_init(struct service_env *env, void **ctx_r, struct err *err)
{
	return echo_init_named(env, ctx_r, "echo2", err);
}

static void
echo_deinit(void *ctx)
{
	free(ctx);
}

static size_t
fill(const struct config_listen_list *list, const char *label,
     struct service_listen out[SERVICE_LISTEN_MAX])
{
	size_t n = MIN(list->n, (size_t)SERVICE_LISTEN_MAX);

	for (size_t i = 0; i < n; i++) {
		out[i].addr = &list->v[i];
		out[i].implicit_tls = false;
		out[i].label = label;
	}
	return n;
}

static size_t
echo_listeners(const struct ms_config *cfg,
	       struct service_listen out[SERVICE_LISTEN_MAX])
{
	return fill(&cfg->sieve_host, "echo", out);
}

static size_t
echo2_listeners(const struct ms_config *cfg,
		struct service_listen out[SERVICE_LISTEN_MAX])
{
	return fill(&cfg->msevent_host, "echo2", out);
}

const struct service_def echo_service = {
    .name = "echo",
    .listeners = echo_listeners,
    .init = echo_init,
    .deinit = echo_deinit,
    .accept = echo_accept,
};

const struct service_def echo2_service = {
    .name = "echo2",
    .listeners = echo2_listeners,
    .init = echo2_init,
    .deinit = echo_deinit,
    .accept = echo_accept,
};
