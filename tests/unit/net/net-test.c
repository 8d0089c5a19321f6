/* SPDX-License-Identifier: MIT */
/* Shared harness of the net tests: the line protocol and the server. */
#include "net-test.h"
#include "net/listener.h"
#include "lib/mem.h"
#include "lib/panic.h"
#include "lib/strnum.h"
#include "lib/timeutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

struct echo_conn {
	struct test_env *env;
	unsigned id;
	atomic_int in_run;
	uint64_t big_left, big_pos;
	size_t paused_len;
	bool pausing;
	bool no_shutdown;
};

static void
atomic_max(atomic_size_t *max, size_t value)
{
	size_t cur = atomic_load(max);

	while (value > cur && !atomic_compare_exchange_weak(max, &cur, value))
		;
}

static void
note_pending(struct echo_conn *ec, struct conn *c)
{
	atomic_max(&ec->env->max_pending, conn_output_pending(c));
}

/* Returns true when the whole BIG response has been written. */
static bool
big_produce(struct echo_conn *ec, struct conn *c)
{
	uint8_t chunk[TEST_CHUNK];

	while (ec->big_left > 0) {
		size_t n = ec->big_left < TEST_CHUNK ? ec->big_left
						     : TEST_CHUNK;

		if (conn_output_full(c))
			return false;
		for (size_t i = 0; i < n; i++)
			chunk[i] = test_pattern(ec->big_pos + i);
		if (conn_write(c, chunk, n) < 0)
			return false;
		note_pending(ec, c);
		ec->big_left -= n;
		ec->big_pos += n;
	}
	return true;
}

static void
flood(struct echo_conn *ec, struct conn *c)
{
	static const uint8_t chunk[TEST_CHUNK];

	for (int i = 0; i < 100000; i++) {
		if (conn_write(c, chunk, sizeof(chunk)) < 0) {
			atomic_fetch_add(&ec->env->write_failures, 1);
			return;
		}
		note_pending(ec, c);
	}
}

static unsigned
cmd_arg(const char *cmd, const char *prefix)
{
	uint32_t v = 0;

	(void)str_to_u32(cmd + strlen(prefix), &v);
	return v;
}

static void
cmd_wakereg(struct echo_conn *ec, struct conn *c)
{
	struct test_env *env = ec->env;
	bool ok = false;

	pthread_mutex_lock(&env->wake_lock);
	if (env->wake_count < TEST_WAKE_MAX) {
		conn_ref(c);
		env->wake_conns[env->wake_count] = c;
		env->wake_ids[env->wake_count] = ec->id;
		env->wake_count++;
		ok = true;
	}
	pthread_mutex_unlock(&env->wake_lock);
	if (ok)
		conn_printf(c, "REG %u\n", ec->id);
	else
		conn_write_str(c, "ERR full\n");
}

/* The hooks later code needs: the SSL object (channel bindings) and the
   peer certificate. Answers with the RFC 9266 tls-exporter value. */
static void
tls_info(struct conn *c)
{
	static const char label[] = "EXPORTER-Channel-Binding";
	SSL *ssl = conn_tls_ssl(c);
	uint8_t cb[32];
	char hex[65];

	if (ssl == NULL ||
	    SSL_export_keying_material(ssl, cb, sizeof(cb), label,
				       sizeof(label) - 1, NULL, 0, 0) != 1) {
		conn_write_str(c, "TLSINFO none\n");
		return;
	}
	for (size_t i = 0; i < sizeof(cb); i++)
		snprintf(hex + 2 * i, 3, "%02x", cb[i]);
	conn_printf(c, "TLSINFO %s %s %d\n", SSL_get_version(ssl), hex,
		    conn_tls_peer_cert(c) != NULL ? 1 : 0);
}

/* Runs one command line; returns false to stop reading lines for now. */
static bool
run_command(struct echo_conn *ec, struct conn *c, const char *cmd)
{
	struct test_env *env = ec->env;
	struct err err;

	if (strncmp(cmd, "BIG ", 4) == 0) {
		ec->big_left = cmd_arg(cmd, "BIG ");
		ec->big_pos = 0;
		if (big_produce(ec, c))
			return true;
		conn_want_input(c, false);
		return false;
	} else if (strcmp(cmd, "FLOOD") == 0) {
		flood(ec, c);
		return false;
	} else if (strncmp(cmd, "PAUSE ", 6) == 0) {
		conn_write_str(c, "PAUSED\n");
		conn_want_input(c, false);
		ec->pausing = true;
		ec->paused_len = 0;
		(void)conn_input_data(c, &ec->paused_len);
		conn_set_timeout(c, cmd_arg(cmd, "PAUSE "));
		return false;
	} else if (strncmp(cmd, "TIMEOUT ", 8) == 0) {
		conn_set_timeout(c, cmd_arg(cmd, "TIMEOUT "));
	} else if (strncmp(cmd, "KEEPALIVE ", 10) == 0) {
		if (conn_set_tcp_keepalive(c, cmd_arg(cmd, "KEEPALIVE "),
					   &err) < 0)
			conn_printf(c, "ERR %s\n", err.msg);
		else
			conn_printf(c, "KEEPALIVE %u\n", conn_tcp_keepalive(c));
	} else if (strncmp(cmd, "SLEEP ", 6) == 0) {
		usleep(cmd_arg(cmd, "SLEEP ") * 1000u);
		conn_write_str(c, "SLEPT\n");
	} else if (strcmp(cmd, "QUIT") == 0) {
		conn_write_str(c, "BYE\n");
		conn_close_after_flush(c, "Logged out");
		return false;
	} else if (strcmp(cmd, "CLOSE") == 0) {
		conn_close(c, "Closed on request");
		return false;
	} else if (strcmp(cmd, "STARTTLS") == 0) {
		conn_write_str(c, "OK\n");
		if (conn_start_tls(c, env->tls, &err) < 0)
			conn_printf(c, "ERR %s\n", err.msg);
		return false;
	} else if (strcmp(cmd, "INFO") == 0) {
		conn_printf(c, "INFO %s %s %s %d %s\n", conn_peer_addr(c),
			    conn_local_addr(c), conn_listener_name(c),
			    conn_is_tls(c) ? 1 : 0, conn_session_id(c));
	} else if (strcmp(cmd, "TLSINFO") == 0) {
		tls_info(c);
	} else if (strcmp(cmd, "WAKEREG") == 0) {
		cmd_wakereg(ec, c);
	} else if (strcmp(cmd, "NOSHUT") == 0) {
		ec->no_shutdown = true;
		conn_write_str(c, "OK\n");
	} else {
		conn_printf(c, "ERR unknown %s\n", cmd);
	}
	return true;
}

static bool
is_command(const uint8_t *p, size_t len)
{
	return len > 0 && p[0] >= 'A' && p[0] <= 'Z';
}

static void
process_lines(struct echo_conn *ec, struct conn *c)
{
	for (;;) {
		size_t len, line_len;
		const uint8_t *data = conn_input_data(c, &len);
		const uint8_t *nl = memchr(data, '\n', len);
		char cmd[256];

		if (nl == NULL) {
			if (conn_input_full(c)) {
				conn_write_str(c, "ERR line too long\n");
				conn_close_after_flush(c, "Line too long");
			} else if (conn_input_eof(c)) {
				conn_close_after_flush(c, "Disconnected");
			}
			return;
		}
		line_len = (size_t)(nl - data);
		if (line_len > 0 && data[line_len - 1] == '\r')
			line_len--;
		if (!is_command(data, line_len) || line_len >= sizeof(cmd)) {
			if (conn_write(c, data, line_len) < 0 ||
			    conn_write(c, "\n", 1) < 0)
				return;
			conn_input_consume(c, (size_t)(nl - data) + 1);
			continue;
		}
		memcpy(cmd, data, line_len);
		cmd[line_len] = '\0';
		conn_input_consume(c, (size_t)(nl - data) + 1);
		if (!run_command(ec, c, cmd))
			return;
	}
}

/* Returns true if run() should stop here. */
static bool
handle_events(struct echo_conn *ec, struct conn *c, unsigned events)
{
	struct test_env *env = ec->env;
	size_t len;

	if ((events & CONN_EV_TLS_READY) != 0) {
		atomic_fetch_add(&env->tls_ready, 1);
		conn_write_str(c, "TLS\n");
	}
	if ((events & CONN_EV_WAKEUP) != 0) {
		atomic_fetch_add(&env->wakeups, 1);
		conn_printf(c, "W %u\n", ec->id);
	}
	if ((events & CONN_EV_TIMEOUT) != 0) {
		atomic_fetch_add(&env->timeouts, 1);
		if (ec->pausing) {
			(void)conn_input_data(c, &len);
			if (len != ec->paused_len)
				atomic_fetch_add(&env->pause_violations, 1);
			ec->pausing = false;
			conn_want_input(c, true);
		} else {
			conn_write_str(c, "TIMEOUT\n");
			conn_close_after_flush(c, "Idle timeout");
			return true;
		}
	}
	if ((events & CONN_EV_SHUTDOWN) != 0) {
		atomic_fetch_add(&env->shutdowns, 1);
		if (!ec->no_shutdown) {
			conn_write_str(c, "SHUTDOWN\n");
			conn_close_after_flush(c, "Server shutting down");
			return true;
		}
	}
	return false;
}

static void
echo_run(struct conn *c, unsigned events, void *ctx)
{
	struct echo_conn *ec = ctx;
	size_t len;

	if (atomic_fetch_add(&ec->in_run, 1) != 0)
		atomic_fetch_add(&ec->env->wrong_thread, 1);
	(void)conn_input_data(c, &len);
	atomic_max(&ec->env->max_input, len);
	if (handle_events(ec, c, events))
		goto out;
	if (ec->big_left > 0) {
		if (!big_produce(ec, c))
			goto out;
		conn_want_input(c, true);
	}
	if (!ec->pausing)
		process_lines(ec, c);
out:
	atomic_fetch_sub(&ec->in_run, 1);
}

static void
echo_closed(struct conn *c, void *ctx)
{
	struct echo_conn *ec = ctx;
	struct test_env *env = ec->env;

	atomic_fetch_add(&env->closed_hooks, 1);
	pthread_mutex_lock(&env->reason_lock);
	snprintf(env->last_reason, sizeof(env->last_reason), "%s",
		 conn_close_reason(c));
	pthread_mutex_unlock(&env->reason_lock);
}

static void
echo_destroy(struct conn *c, void *ctx)
{
	struct echo_conn *ec = ctx;

	(void)c;
	atomic_fetch_add(&ec->env->destroyed, 1);
	free(ec);
}

static const struct conn_handler echo_handler = {
	.run = echo_run,
	.closed = echo_closed,
	.destroy = echo_destroy,
};

static void
echo_accept(struct conn *c, void *ctx)
{
	struct test_env *env = ctx;
	struct echo_conn *ec = xcalloc(1, sizeof(*ec));

	ec->env = env;
	ec->id = atomic_fetch_add(&env->next_id, 1);
	atomic_fetch_add(&env->accepted, 1);
	conn_set_handler(c, &echo_handler, ec);
	if (env->input_max != 0)
		conn_set_input_max(c, env->input_max);
}

static void *
run_thread(void *arg)
{
	struct test_env *env = arg;

	net_server_run(env->srv);
	return NULL;
}

void
test_env_start_fd(struct test_env *env, const struct net_server_settings *set,
		  int fd, struct net_tls_ctx *implicit_tls)
{
	struct net_server_settings def = { .thread_pool_min = 2 };
	struct net_listener_settings ls = {
		.name = implicit_tls != NULL ? "imaps" : "imap",
		.id = implicit_tls != NULL ? 2 : 1,
		.tls = implicit_tls,
		.accept = echo_accept,
		.ctx = env,
	};
	struct err err;

	pthread_mutex_init(&env->wake_lock, NULL);
	pthread_mutex_init(&env->reason_lock, NULL);
	env->srv = net_server_create(set != NULL ? set : &def, &err);
	if (env->srv == NULL)
		i_panic("net_server_create: %s", err.msg);
	env->port = net_socket_local_port(fd);
	if (net_server_add_listener(env->srv, fd, &ls, &err) < 0)
		i_panic("net_server_add_listener: %s", err.msg);
	if (pthread_create(&env->thread, NULL, run_thread, env) != 0)
		i_panic("pthread_create failed");
}

void
test_env_start(struct test_env *env, const struct net_server_settings *set,
	       struct net_tls_ctx *implicit_tls)
{
	struct err err;
	int fd;

	if (net_listen_tcp("127.0.0.1", 0, 1024, &fd, 1, &err) != 1)
		i_panic("net_listen_tcp: %s", err.msg);
	test_env_start_fd(env, set, fd, implicit_tls);
}

void
test_env_stop(struct test_env *env, unsigned timeout_ms)
{
	pthread_mutex_lock(&env->wake_lock);
	for (unsigned i = 0; i < env->wake_count; i++)
		conn_unref(&env->wake_conns[i]);
	env->wake_count = 0;
	pthread_mutex_unlock(&env->wake_lock);

	net_server_stop(env->srv, timeout_ms);
	pthread_join(env->thread, NULL);
	net_server_destroy(&env->srv);
	pthread_mutex_destroy(&env->wake_lock);
	pthread_mutex_destroy(&env->reason_lock);
}

bool
test_env_finish(struct test_env *env)
{
	bool clean;

	test_env_stop(env, 2000);
	clean = atomic_load(&env->wrong_thread) == 0 &&
		atomic_load(&env->destroyed) == atomic_load(&env->accepted);
	if (!clean)
		fprintf(stderr, "wrong_thread=%u destroyed=%u accepted=%u\n",
			atomic_load(&env->wrong_thread),
			atomic_load(&env->destroyed),
			atomic_load(&env->accepted));
	free(env);
	return clean;
}

bool
test_wait_count(atomic_uint *counter, unsigned value, unsigned timeout_ms)
{
	uint64_t end = time_mono_ms() + timeout_ms;

	while (atomic_load(counter) < value) {
		if (time_mono_ms() >= end)
			return false;
		usleep(2000);
	}
	return true;
}

void
test_env_last_reason(struct test_env *env, char *buf, size_t size)
{
	pthread_mutex_lock(&env->reason_lock);
	snprintf(buf, size, "%s", env->last_reason);
	pthread_mutex_unlock(&env->reason_lock);
}

double
test_cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

void
test_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}
