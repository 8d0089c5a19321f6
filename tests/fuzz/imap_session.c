/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the IMAP server as a whole: a session is driven through
 * its connection events with the input as the client's bytes, over a real
 * store in a temporary directory. The connection is a stand-in for the
 * net layer (the conn.h functions below): input arrives in chunks chosen
 * by the first input byte and only while the session wants input, output
 * is counted and thrown away, a full output buffer is drained with
 * CONN_EV_DRAINED, wakeups and timers become their events. Logins are
 * mocked: "alice" / "secret" succeeds, anything else fails after a delay.
 *
 * Checks: no crash, leak or sanitizer report, no session that stops
 * making progress, no output beyond the buffer limit. With
 * $COFFER_FUZZ_TRACE set, the server's output goes to stderr.
 */
#include "config/config.h"
#include "lib/buf.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/str.h"
#include "mime/mime-summary.h"
#include "net/conn.h"
#include "net/tls.h"
#include "proto/common/login.h"
#include "proto/common/service.h"
#include "proto/imap/imap-server-private.h"
#include "store/store.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_MAX 131072 /* max_net_buffer */
#define OUT_HIGH 65536 /* conn_output_full() */
#define RUNS_MAX 20000 /* more runs than this means a stuck session */

struct conn {
	const struct conn_handler *h;
	void *ctx;
	struct buf in;
	size_t in_max;
	size_t out_pending;
	bool want_input, closed, eof, wakeup, drained_armed, timer_armed;
	bool trace; /* $COFFER_FUZZ_TRACE: output to stderr */
	char reason[128];
};

/* --- The net layer's connection, as the session sees it -------------- */

void
conn_set_handler(struct conn *c, const struct conn_handler *h, void *ctx)
{
	c->h = h;
	c->ctx = ctx;
}

const uint8_t *
conn_input_data(struct conn *c, size_t *len_r)
{
	*len_r = c->in.len;
	return c->in.data;
}

void
conn_input_consume(struct conn *c, size_t n)
{
	if (n > c->in.len)
		abort();
	buf_consume(&c->in, n);
}

bool
conn_input_eof(const struct conn *c)
{
	return c->eof;
}

void
conn_set_input_max(struct conn *c, size_t max)
{
	c->in_max = max;
}

void
conn_want_input(struct conn *c, bool want)
{
	c->want_input = want;
}

int
conn_write(struct conn *c, const void *data, size_t len)
{
	if (c->closed)
		return -1;
	if (c->trace)
		fwrite(data, 1, len, stderr);
	c->out_pending += len;
	if (c->out_pending > OUT_MAX) {
		/* the net layer closes a slow reader; a session that
		   respects conn_output_full() never gets here */
		fprintf(stderr, "output overflow\n");
		abort();
	}
	return 0;
}

int
conn_write_str(struct conn *c, const char *s)
{
	return conn_write(c, s, strlen(s));
}

int
conn_flush(struct conn *c)
{
	return c->closed ? -1 : 0;
}

bool
conn_output_full(struct conn *c)
{
	if (c->out_pending < OUT_HIGH)
		return false;
	c->drained_armed = true;
	return true;
}

void
conn_close(struct conn *c, const char *reason)
{
	if (!c->closed)
		str_copy(c->reason, reason, sizeof(c->reason));
	c->closed = true;
}

void
conn_close_after_flush(struct conn *c, const char *reason)
{
	conn_close(c, reason);
}

bool
conn_is_closed(const struct conn *c)
{
	return c->closed;
}

const char *
conn_close_reason(const struct conn *c)
{
	return c->closed ? c->reason : NULL;
}

void
conn_set_timeout(struct conn *c, unsigned msecs)
{
	c->timer_armed = msecs > 0;
}

void
conn_wakeup(struct conn *c)
{
	c->wakeup = true;
}

const char *
conn_session_id(const struct conn *c)
{
	(void)c;
	return "fuzz";
}

const char *
conn_peer_addr(const struct conn *c)
{
	(void)c;
	return "127.0.0.1";
}

bool
conn_is_tls(const struct conn *c)
{
	(void)c;
	return false;
}

int
conn_start_tls(struct conn *c, struct net_tls_ctx *ctx, struct err *err)
{
	(void)c;
	(void)ctx;
	return err_set(err, ERR_NOTPOSSIBLE, "no TLS in the fuzzer");
}

int
conn_set_tcp_keepalive(struct conn *c, unsigned idle_secs, struct err *err)
{
	(void)c;
	(void)idle_secs;
	(void)err;
	return 0;
}

/* --- The service environment and logins ------------------------------ */

struct ms_config *
service_env_config(struct service_env *env)
{
	return config_ref(env->cfg);
}

bool
service_env_nologin(struct service_env *env, char *msg, size_t size)
{
	(void)env;
	if (size > 0)
		msg[0] = '\0';
	return false;
}

int
proto_login_password(struct service_env *env, const struct login_request *req,
		     struct login_result *res)
{
	(void)env;
	memset(res, 0, sizeof(*res));
	if (strcmp(req->name, "alice") == 0 &&
	    strcmp(req->password, "secret") == 0 && req->authzid == NULL) {
		res->status = LOGIN_OK;
		str_copy(res->userid, "alice@example.com", sizeof(res->userid));
		return 0;
	}
	res->status =
	    strcmp(req->name, "nologin") == 0 ? LOGIN_NOLOGIN : LOGIN_FAILED;
	res->delay_ms = 1;
	return 0;
}

void
login_result_clear(struct login_result *res)
{
	res->account = NULL;
}

void
proto_log_logout(const struct conn *c, const char *protocol, const char *userid,
		 const char *reason)
{
	(void)c;
	(void)protocol;
	(void)userid;
	(void)reason;
}

/* --- The driver ------------------------------------------------------ */

struct fuzz_env {
	struct service_env env;
	char dir[256];
};

/* The driver's one environment, created by the first input and removed
   at exit (the replay driver and libFuzzer both end by exit()). */
static struct fuzz_env *fe;

static void
remove_dir(void)
{
	struct err err;

	if (fe != NULL)
		(void)rm_rf(fe->dir, &err);
}

static struct fuzz_env *
fuzz_env(void)
{
	struct store_settings set;
	const char *tmp;
	struct err err;
	struct ms_config *cfg;

	if (fe != NULL)
		return fe;
	fe = xcalloc(1, sizeof(*fe));
	tmp = getenv("TMPDIR");
	if (snprintf(fe->dir, sizeof(fe->dir), "%s/coffer-fuzz-imap-XXXXXX",
		     tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp") >=
		(int)sizeof(fe->dir) ||
	    mkdtemp(fe->dir) == NULL)
		abort();
	atexit(remove_dir);
	if (config_load_data("fuzz.conf",
			     "<ms_options><login_disabled>false"
			     "</login_disabled><max_message_size>100000"
			     "</max_message_size></ms_options>",
			     sizeof("<ms_options><login_disabled>false"
				    "</login_disabled><max_message_size>"
				    "100000</max_message_size></ms_options>") -
				 1,
			     &cfg, &err) < 0)
		abort();
	store_settings_init(&set);
	set.userdir = fe->dir;
	set.fsync = false;
	set.cache_builder = mime_summary_build;
	memset(&fe->env, 0, sizeof(fe->env));
	fe->env.cfg = cfg;
	fe->env.hostname = "fuzz";
	if (store_create(&set, &fe->env.store, &err) < 0)
		abort();
	return fe;
}

static void
empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	struct err err;

	if (d == NULL)
		abort();
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (rm_rf_at(dirfd(d), de->d_name, &err) < 0)
			abort();
	}
	closedir(d);
}

/* Delivers the next chunk of client bytes, as far as the session reads. */
static bool
deliver(struct conn *c, const uint8_t *data, size_t size, size_t *pos,
	uint32_t *seed)
{
	size_t room, n;

	if (*pos >= size || !c->want_input || c->in.len >= c->in_max)
		return false;
	*seed = *seed * 1103515245u + 12345u;
	n = *seed == 0 ? size : 1 + (*seed >> 16) % 300;
	room = c->in_max - c->in.len;
	n = MIN(MIN(n, room), size - *pos);
	buf_append(&c->in, data + *pos, n);
	*pos += n;
	return true;
}

static void
run(struct conn *c, unsigned events, unsigned *runs)
{
	if (c->closed)
		return;
	if (++*runs > RUNS_MAX) {
		fprintf(stderr, "session makes no progress\n");
		abort();
	}
	c->h->run(c, events, c->ctx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_env *env = fuzz_env();
	struct conn c;
	uint32_t seed;
	size_t pos = 1;
	unsigned runs = 0;

	if (size < 1)
		return 0;
	seed = data[0] == 0 ? 0 : data[0];
	memset(&c, 0, sizeof(c));
	c.want_input = true;
	c.in_max = 8192;
	c.trace = getenv("COFFER_FUZZ_TRACE") != NULL;
	(void)imap_session_create(&env->env, &c);
	run(&c, CONN_EV_START, &runs);
	for (;;) {
		unsigned ev = 0;

		if (deliver(&c, data, size, &pos, &seed))
			ev |= CONN_EV_INPUT;
		if (c.drained_armed) {
			c.out_pending = 0;
			c.drained_armed = false;
			ev |= CONN_EV_DRAINED;
		}
		if (c.wakeup) {
			c.wakeup = false;
			ev |= CONN_EV_WAKEUP;
		}
		if (ev == 0 && pos >= size && !c.eof) {
			/* the client is done: end of input */
			c.eof = true;
			ev |= CONN_EV_INPUT;
		} else if (ev == 0 && pos >= size && c.timer_armed) {
			/* nothing else will happen: the timer fires
			   (a login delay, or the inactivity timeout) */
			c.timer_armed = false;
			ev |= CONN_EV_TIMEOUT;
		}
		if (ev == 0 || c.closed)
			break;
		c.out_pending = 0;
		run(&c, ev, &runs);
	}
	if (!c.closed)
		run(&c, CONN_EV_SHUTDOWN, &runs);
	c.h->closed(&c, c.ctx);
	c.h->destroy(&c, c.ctx);
	buf_free(&c.in);
	/* every input starts with an empty account */
	empty_dir(env->dir);
	return 0;
}
