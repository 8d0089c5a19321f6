/* SPDX-License-Identifier: MIT */
/*
 * net layer, plaintext I/O: pipelined echo with many clients, streaming
 * input read in one turn, output backpressure and the max_net_buffer cap, pausing input, idle timeouts,
 * EOF, peer resets and over-long input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "net-test.h"
#include "lib/timeutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LOCALHOST "127.0.0.1"

static struct test_env *
env_new(void)
{
	return calloc(1, sizeof(struct test_env));
}

static void
expect_line(struct tclient *tc, const char *want)
{
	char line[1024];

	assert_true(tclient_line(tc, line, sizeof(line)) >= 0);
	assert_string_equal(line, want);
}

static struct tclient *
client_new(struct test_env *env)
{
	struct tclient *tc = malloc(sizeof(*tc));
	int fd = test_connect_tcp(LOCALHOST, env->port);

	assert_true(fd >= 0);
	tclient_init(tc, fd);
	return tc;
}

static void
client_free(struct tclient *tc)
{
	tclient_close(tc);
	free(tc);
}

/* RST instead of FIN on close. */
static void
client_reset(struct tclient *tc)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	(void)setsockopt(tc->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	client_free(tc);
}

static void
test_echo_many_clients(void **state)
{
	enum { CLIENTS = 500, LINES = 20 };
	struct test_env *env = env_new();
	struct tclient *tcs = calloc(CLIENTS, sizeof(*tcs));
	char line[128], want[128], batch[LINES * 48];

	(void)state;
	test_raise_nofile();
	test_env_start(env, NULL, NULL);
	for (int i = 0; i < CLIENTS; i++) {
		int fd = test_connect_tcp(LOCALHOST, env->port);

		assert_true(fd >= 0);
		tclient_init(&tcs[i], fd);
	}
	/* every client pipelines all its lines in one write */
	for (int i = 0; i < CLIENTS; i++) {
		size_t len = 0;

		for (int j = 0; j < LINES; j++)
			len += (size_t)snprintf(batch + len,
						sizeof(batch) - len,
						"line c%d n%d\r\n", i, j);
		assert_int_equal(tclient_send(&tcs[i], batch, len), 0);
	}
	for (int i = 0; i < CLIENTS; i++) {
		for (int j = 0; j < LINES; j++) {
			snprintf(want, sizeof(want), "line c%d n%d", i, j);
			assert_true(tclient_line(&tcs[i], line,
						 sizeof(line)) >= 0);
			assert_string_equal(line, want);
		}
	}
	for (int i = 0; i < CLIENTS; i++)
		tclient_close(&tcs[i]);
	assert_true(test_wait_count(&env->destroyed, CLIENTS, 10000));
	assert_int_equal(net_server_connection_count(env->srv), 0);
	free(tcs);
	assert_true(test_env_finish(env));
}

/* A client streaming input without pause (a message upload) is read in
   the same worker turn while its socket keeps filling the buffer
   (conn_next_in_turn()); nothing may be lost or reordered, and with a
   single worker another client must still be served meanwhile. */
struct streamer {
	struct tclient *tc;
	int lines;
};

static void *
streamer_send(void *arg)
{
	struct streamer *st = arg;
	char batch[64 * 1024];
	size_t len = 0;

	for (int i = 0; i < st->lines; i++) {
		len += (size_t)snprintf(batch + len, sizeof(batch) - len,
					"stream line %d of the upload\r\n", i);
		if (len > sizeof(batch) - 64 || i == st->lines - 1) {
			if (tclient_send(st->tc, batch, len) < 0)
				return (void *)1;
			len = 0;
		}
	}
	return NULL;
}

static void
test_streaming_input(void **state)
{
	struct net_server_settings set = { .thread_pool_min = 1,
					   .thread_pool_max = 1 };
	struct test_env *env = env_new();
	struct streamer st;
	struct tclient *pinger;
	char line[128], want[128];
	pthread_t th;
	void *ret;

	(void)state;
	env->input_max = 65536;
	test_env_start(env, &set, NULL);
	st.tc = client_new(env);
	st.lines = 100000; /* about 3.3 MB */
	pinger = client_new(env);
	assert_int_equal(pthread_create(&th, NULL, streamer_send, &st), 0);
	assert_int_equal(tclient_ping_pong(pinger, "ping", 200, 0), 0);
	for (int i = 0; i < st.lines; i++) {
		snprintf(want, sizeof(want), "stream line %d of the upload", i);
		assert_true(tclient_line(st.tc, line, sizeof(line)) >= 0);
		assert_string_equal(line, want);
	}
	assert_int_equal(pthread_join(th, &ret), 0);
	assert_null(ret);
	client_free(pinger);
	client_free(st.tc);
	assert_true(test_wait_count(&env->destroyed, 2, 5000));
	assert_true(test_env_finish(env));
}

static void
test_big_output_slow_reader(void **state)
{
	const uint64_t total = 10u * 1024 * 1024;
	const size_t high_water = 65536; /* min(64 KiB, 131072 / 2) */
	struct test_env *env = env_new();
	struct tclient tc;
	char cmd[64];
	int fd;

	(void)state;
	test_env_start(env, NULL, NULL);
	fd = test_connect_tcp_rcvbuf(LOCALHOST, env->port, 16384);
	assert_true(fd >= 0);
	tclient_init(&tc, fd);
	snprintf(cmd, sizeof(cmd), "BIG %llu\nline after\n",
		 (unsigned long long)total);
	assert_int_equal(tclient_send_str(&tc, cmd), 0);
	/* slow: 8 KiB at a time with a pause */
	assert_int_equal(tclient_pattern(&tc, total, 8192, 100), 0);
	expect_line(&tc, "line after");
	print_message("BIG %llu bytes: max output buffered %zu (high-water "
		      "%zu + chunk %d)\n",
		      (unsigned long long)total, atomic_load(&env->max_pending),
		      high_water, TEST_CHUNK);
	assert_true(atomic_load(&env->max_pending) <= high_water + TEST_CHUNK);
	/* the reader was slow enough for backpressure to engage */
	assert_true(atomic_load(&env->max_pending) >= high_water);
	tclient_close(&tc);
	assert_true(test_env_finish(env));
}

static void
test_never_reading_client(void **state)
{
	struct test_env *env = env_new();
	struct tclient tc;
	char reason[128];
	int fd;

	(void)state;
	test_env_start(env, NULL, NULL);
	fd = test_connect_tcp_rcvbuf(LOCALHOST, env->port, 4096);
	assert_true(fd >= 0);
	tclient_init(&tc, fd);
	assert_int_equal(tclient_send_str(&tc, "FLOOD\n"), 0);
	assert_true(test_wait_count(&env->write_failures, 1, 30000));
	assert_true(test_wait_count(&env->closed_hooks, 1, 5000));
	print_message("never-reading client: closed with %zu bytes "
		      "buffered at most\n",
		      atomic_load(&env->max_pending));
	assert_true(atomic_load(&env->max_pending) <= 131072);
	test_env_last_reason(env, reason, sizeof(reason));
	assert_non_null(strstr(reason, "overflow"));
	tclient_close(&tc);
	assert_true(test_env_finish(env));
}

struct writer_args {
	struct tclient *tc;
	int lines;
};

static void *
pause_writer(void *arg)
{
	struct writer_args *wa = arg;
	char line[128];

	for (int i = 0; i < wa->lines; i++) {
		int n = snprintf(line, sizeof(line),
				 "line %06d %0*d\n", i, 80, 0);

		if (tclient_send(wa->tc, line, (size_t)n) < 0)
			break;
	}
	return NULL;
}

static void
test_want_input_pause_resume(void **state)
{
	enum { LINES = 3000 };
	struct test_env *env = env_new();
	struct writer_args wa;
	struct tclient tc;
	pthread_t writer;
	char line[256], want[256];
	int fd;

	(void)state;
	env->input_max = 1024;
	test_env_start(env, NULL, NULL);
	fd = test_connect_tcp(LOCALHOST, env->port);
	assert_true(fd >= 0);
	tclient_init(&tc, fd);
	assert_int_equal(tclient_send_str(&tc, "PAUSE 300\n"), 0);
	expect_line(&tc, "PAUSED");
	/* ~270 KiB arrive while the server does not read */
	wa.tc = &tc;
	wa.lines = LINES;
	assert_int_equal(pthread_create(&writer, NULL, pause_writer, &wa), 0);
	for (int i = 0; i < LINES; i++) {
		snprintf(want, sizeof(want), "line %06d %0*d", i, 80, 0);
		assert_true(tclient_line(&tc, line, sizeof(line)) >= 0);
		assert_string_equal(line, want);
	}
	pthread_join(writer, NULL);
	print_message("paused input: max buffered %zu of 1024\n",
		      atomic_load(&env->max_input));
	assert_true(atomic_load(&env->max_input) <= 1024);
	assert_int_equal(atomic_load(&env->pause_violations), 0);
	assert_int_equal(atomic_load(&env->timeouts), 1);
	tclient_close(&tc);
	assert_true(test_env_finish(env));
}

static void
test_idle_timeout(void **state)
{
	struct test_env *env = env_new();
	struct tclient *tc;
	uint64_t start;
	char reason[128];

	(void)state;
	test_env_start(env, NULL, NULL);
	tc = client_new(env);
	start = time_mono_ms();
	assert_int_equal(tclient_send_str(tc, "TIMEOUT 300\n"), 0);
	expect_line(tc, "TIMEOUT");
	assert_true(time_mono_ms() - start >= 250);
	assert_true(tclient_wait_eof(tc));
	client_free(tc);
	assert_true(test_wait_count(&env->closed_hooks, 1, 2000));
	test_env_last_reason(env, reason, sizeof(reason));
	assert_string_equal(reason, "Idle timeout");

	/* disarmed before expiry: no TIMEOUT, the connection lives on */
	tc = client_new(env);
	assert_int_equal(tclient_send_str(tc, "TIMEOUT 200\nTIMEOUT 0\n"), 0);
	usleep(700 * 1000);
	assert_int_equal(tclient_send_str(tc, "line alive\n"), 0);
	expect_line(tc, "line alive");
	assert_int_equal(atomic_load(&env->timeouts), 1);

	/* re-armed: fires once, at the later deadline */
	assert_int_equal(tclient_send_str(tc, "TIMEOUT 100\nTIMEOUT 600\n"),
			 0);
	start = time_mono_ms();
	expect_line(tc, "TIMEOUT");
	assert_true(time_mono_ms() - start >= 500);
	assert_int_equal(atomic_load(&env->timeouts), 2);
	client_free(tc);
	assert_true(test_env_finish(env));
}

static void
test_tcp_keepalive(void **state)
{
	struct test_env *env = env_new();
	struct tclient *tc;

	(void)state;
	test_env_start(env, NULL, NULL);
	tc = client_new(env);
	assert_int_equal(tclient_send_str(tc, "KEEPALIVE 0\n"), 0);
	expect_line(tc, "KEEPALIVE 0");
	assert_int_equal(tclient_send_str(tc, "KEEPALIVE 120\n"), 0);
	expect_line(tc, "KEEPALIVE 120");
	assert_int_equal(tclient_send_str(tc, "KEEPALIVE 86400\n"), 0);
	expect_line(tc, "KEEPALIVE 32767");
	assert_int_equal(tclient_send_str(tc, "KEEPALIVE 0\n"), 0);
	expect_line(tc, "KEEPALIVE 0");
	client_free(tc);
	assert_true(test_env_finish(env));
}

static void
test_eof_and_quit(void **state)
{
	struct test_env *env = env_new();
	struct tclient *tc;
	char reason[128];
	double cpu;

	(void)state;
	test_env_start(env, NULL, NULL);
	/* half-close: the complete lines are answered, then EOF */
	tc = client_new(env);
	assert_int_equal(tclient_send_str(tc, "line 1\nline 2\nline 3"), 0);
	shutdown(tc->fd, SHUT_WR);
	expect_line(tc, "line 1");
	expect_line(tc, "line 2");
	assert_true(tclient_wait_eof(tc));
	client_free(tc);
	assert_true(test_wait_count(&env->destroyed, 1, 2000));
	test_env_last_reason(env, reason, sizeof(reason));
	assert_string_equal(reason, "Disconnected");

	/* QUIT: the reply is flushed, later input is never run */
	tc = client_new(env);
	assert_int_equal(tclient_send_str(tc, "line a\nQUIT\nline b\n"), 0);
	expect_line(tc, "line a");
	expect_line(tc, "BYE");
	assert_true(tclient_wait_eof(tc));
	client_free(tc);
	assert_true(test_wait_count(&env->destroyed, 2, 2000));
	test_env_last_reason(env, reason, sizeof(reason));
	assert_string_equal(reason, "Logged out");

	/* half-close while input is paused: nothing spins meanwhile, the
	   buffered line is answered on resume, then EOF is seen */
	tc = client_new(env);
	assert_int_equal(tclient_send_str(tc, "PAUSE 400\nline p\n"), 0);
	expect_line(tc, "PAUSED");
	shutdown(tc->fd, SHUT_WR);
	cpu = test_cpu_seconds();
	expect_line(tc, "line p");
	cpu = test_cpu_seconds() - cpu;
	assert_true(tclient_wait_eof(tc));
	print_message("CPU while paused with a half-closed peer: %.3f s\n",
		      cpu);
	assert_true(cpu < 0.15);
	client_free(tc);
	assert_true(test_env_finish(env));
}

static void
test_peer_reset(void **state)
{
	struct test_env *env = env_new();
	struct tclient *tc;

	(void)state;
	test_env_start(env, NULL, NULL);
	/* reset while the handler works: its reply meets a dead socket */
	tc = client_new(env);
	assert_int_equal(tclient_send_str(tc, "SLEEP 200\n"), 0);
	usleep(50 * 1000);
	client_reset(tc);
	assert_true(test_wait_count(&env->destroyed, 1, 3000));

	/* reset while idle and reading */
	tc = client_new(env);
	assert_int_equal(tclient_send_str(tc, "line x\n"), 0);
	expect_line(tc, "line x");
	client_reset(tc);
	assert_true(test_wait_count(&env->destroyed, 2, 3000));

	/* reset while input is paused: noticed at once, not at the timer */
	tc = client_new(env);
	assert_int_equal(tclient_send_str(tc, "PAUSE 10000\n"), 0);
	expect_line(tc, "PAUSED");
	client_reset(tc);
	assert_true(test_wait_count(&env->destroyed, 3, 3000));
	assert_int_equal(atomic_load(&env->timeouts), 0);

	/* CLOSE: immediate close by the protocol */
	tc = client_new(env);
	assert_int_equal(tclient_send_str(tc, "CLOSE\n"), 0);
	assert_true(tclient_wait_eof(tc));
	client_free(tc);
	assert_true(test_wait_count(&env->destroyed, 4, 3000));
	assert_true(test_env_finish(env));
}

static void
test_line_too_long(void **state)
{
	struct test_env *env = env_new();
	struct tclient *tc;
	char data[300];

	(void)state;
	env->input_max = 128;
	test_env_start(env, NULL, NULL);
	tc = client_new(env);
	memset(data, 'x', sizeof(data));
	assert_int_equal(tclient_send(tc, data, sizeof(data)), 0);
	expect_line(tc, "ERR line too long");
	assert_true(tclient_wait_eof(tc));
	client_free(tc);
	assert_true(atomic_load(&env->max_input) <= 128);
	assert_true(test_env_finish(env));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_many_clients),
		cmocka_unit_test(test_streaming_input),
		cmocka_unit_test(test_big_output_slow_reader),
		cmocka_unit_test(test_never_reading_client),
		cmocka_unit_test(test_want_input_pause_resume),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_tcp_keepalive),
		cmocka_unit_test(test_eof_and_quit),
		cmocka_unit_test(test_peer_reset),
		cmocka_unit_test(test_line_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
