/* SPDX-License-Identifier: MIT */
/*
 * net layer, TLS: STARTTLS with plaintext injection, implicit TLS, many
 * concurrent TLS clients, bulk data and buffered records, handshake failures
 * and timeouts, and the channel-binding hook.
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
#include <unistd.h>
#include <openssl/ssl.h>

#define LOCALHOST "127.0.0.1"

struct tls_fixture {
	char dir[256];
	char cert[300], key[300];
	struct net_tls_ctx *server;
	SSL_CTX *client;
};

static int
setup(void **state)
{
	struct tls_fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");
	struct err err;

	snprintf(fx->dir, sizeof(fx->dir), "%s/coffer-net-tls-XXXXXX",
		 tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	test_make_cert(fx->dir, fx->cert, fx->key, sizeof(fx->cert));
	fx->server = net_tls_ctx_create_server(fx->cert, fx->key, &err);
	if (fx->server == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	fx->client = test_client_ssl_ctx();
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct tls_fixture *fx = *state;

	net_tls_ctx_destroy(&fx->server);
	SSL_CTX_free(fx->client);
	unlink(fx->cert);
	unlink(fx->key);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void
expect_line(struct tclient *tc, const char *want)
{
	char line[1024];

	assert_true(tclient_line(tc, line, sizeof(line)) >= 0);
	assert_string_equal(line, want);
}

static void
client_open(struct test_env *env, struct tclient *tc)
{
	int fd = test_connect_tcp(LOCALHOST, env->port);

	assert_true(fd >= 0);
	tclient_init(tc, fd);
}

/* Compares the server's tls-exporter with ours: both ends of one channel. */
static void
check_channel_binding(struct tclient *tc)
{
	static const char label[] = "EXPORTER-Channel-Binding";
	char line[256], version[32], hex[65], want[65];
	uint8_t cb[32];
	int peer_cert;

	assert_int_equal(tclient_send_str(tc, "TLSINFO\n"), 0);
	assert_true(tclient_line(tc, line, sizeof(line)) >= 0);
	assert_int_equal(sscanf(line, "TLSINFO %31s %64s %d", version, hex,
				&peer_cert),
			 3);
	assert_int_equal(SSL_export_keying_material(tc->ssl, cb, sizeof(cb),
						    label, sizeof(label) - 1,
						    NULL, 0, 0),
			 1);
	for (size_t i = 0; i < sizeof(cb); i++)
		snprintf(want + 2 * i, 3, "%02x", cb[i]);
	assert_string_equal(hex, want);
	assert_string_equal(version, SSL_get_version(tc->ssl));
	assert_int_equal(peer_cert, 0);
}

/* Busy polling on a TLS connection: the worker watches the raw socket
   for the next record after each answer. */
static void
test_tls_busy_poll(void **state)
{
	struct tls_fixture *fx = *state;
	struct net_server_settings set = { .busy_poll_us = 1000 };
	struct test_env *env = calloc(1, sizeof(*env));
	struct tclient tc;

	env->tls = fx->server;
	test_env_start(env, &set, NULL);
	client_open(env, &tc);
	assert_int_equal(tclient_send_str(&tc, "STARTTLS\n"), 0);
	expect_line(&tc, "OK");
	assert_int_equal(tclient_start_tls(&tc, fx->client), 0);
	expect_line(&tc, "TLS");
	assert_int_equal(tclient_ping_pong(&tc, "tls ping", 2000, 0), 0);
	assert_int_equal(tclient_send_str(&tc, "QUIT\n"), 0);
	expect_line(&tc, "BYE");
	assert_true(tclient_wait_eof(&tc));
	tclient_close(&tc);
	assert_true(test_env_finish(env));
}

static void
test_starttls_discards_injection(void **state)
{
	struct tls_fixture *fx = *state;
	struct test_env *env = calloc(1, sizeof(*env));
	struct tclient tc;
	char line[256];

	env->tls = fx->server;
	test_env_start(env, NULL, NULL);
	client_open(env, &tc);
	assert_int_equal(tclient_send_str(&tc, "INFO\n"), 0);
	assert_true(tclient_line(&tc, line, sizeof(line)) >= 0);
	assert_non_null(strstr(line, " imap 0 "));
	/* the injected command arrives in the same segment as STARTTLS */
	assert_int_equal(tclient_send_str(&tc, "STARTTLS\nQUIT\n"), 0);
	expect_line(&tc, "OK");
	assert_int_equal(tclient_start_tls(&tc, fx->client), 0);
	expect_line(&tc, "TLS");
	/* the next line is the answer to this INFO, not a BYE */
	assert_int_equal(tclient_send_str(&tc, "INFO\n"), 0);
	assert_true(tclient_line(&tc, line, sizeof(line)) >= 0);
	assert_true(strncmp(line, "INFO 127.0.0.1 127.0.0.1 imap 1 ", 32) ==
		    0);
	check_channel_binding(&tc);
	/* a second STARTTLS is refused by the net layer */
	assert_int_equal(tclient_send_str(&tc, "STARTTLS\n"), 0);
	expect_line(&tc, "OK");
	expect_line(&tc, "ERR TLS is already active");
	assert_int_equal(tclient_send_str(&tc, "line secret\n"), 0);
	expect_line(&tc, "line secret");
	assert_int_equal(tclient_send_str(&tc, "QUIT\n"), 0);
	expect_line(&tc, "BYE");
	assert_true(tclient_wait_eof(&tc));
	tclient_close(&tc);
	assert_int_equal(atomic_load(&env->tls_ready), 1);
	assert_true(test_env_finish(env));
}

static void
test_starttls_plaintext_after_reply(void **state)
{
	struct tls_fixture *fx = *state;
	struct test_env *env = calloc(1, sizeof(*env));
	struct tclient tc;
	char reason[128];

	env->tls = fx->server;
	test_env_start(env, NULL, NULL);
	client_open(env, &tc);
	assert_int_equal(tclient_send_str(&tc, "STARTTLS\n"), 0);
	expect_line(&tc, "OK");
	/* plaintext where the handshake belongs: the handshake fails */
	assert_int_equal(tclient_send_str(&tc, "QUIT\r\nline evil\r\n"), 0);
	assert_true(tclient_wait_eof(&tc));
	tclient_close(&tc);
	assert_true(test_wait_count(&env->closed_hooks, 1, 3000));
	test_env_last_reason(env, reason, sizeof(reason));
	assert_string_equal(reason, "TLS handshake failed");
	assert_int_equal(atomic_load(&env->tls_ready), 0);
	assert_true(test_env_finish(env));
}

static void
test_starttls_silent_client(void **state)
{
	struct tls_fixture *fx = *state;
	struct net_server_settings set = { .tls_handshake_timeout_ms = 400 };
	struct test_env *env = calloc(1, sizeof(*env));
	struct tclient tc;
	char reason[128];
	double cpu;

	env->tls = fx->server;
	test_env_start(env, &set, NULL);
	client_open(env, &tc);
	cpu = test_cpu_seconds();
	assert_int_equal(tclient_send_str(&tc, "STARTTLS\n"), 0);
	expect_line(&tc, "OK");
	assert_true(tclient_wait_eof(&tc));
	cpu = test_cpu_seconds() - cpu;
	print_message("CPU while STARTTLS waits for the handshake: %.3f s\n",
		      cpu);
	assert_true(cpu < 0.15);
	tclient_close(&tc);
	assert_true(test_wait_count(&env->closed_hooks, 1, 3000));
	test_env_last_reason(env, reason, sizeof(reason));
	assert_string_equal(reason, "TLS handshake timed out");
	assert_true(test_env_finish(env));
}

static void
test_implicit_tls(void **state)
{
	struct tls_fixture *fx = *state;
	struct test_env *env = calloc(1, sizeof(*env));
	struct tclient tc;
	char line[256], batch[320 * 40];
	size_t len = 0;
	int fd;

	env->input_max = 1024; /* smaller than a TLS record */
	test_env_start(env, NULL, fx->server);
	fd = test_connect_tcp_rcvbuf(LOCALHOST, env->port, 16384);
	assert_true(fd >= 0);
	tclient_init(&tc, fd);
	assert_int_equal(tclient_start_tls(&tc, fx->client), 0);
	assert_int_equal(tclient_send_str(&tc, "INFO\n"), 0);
	assert_true(tclient_line(&tc, line, sizeof(line)) >= 0);
	assert_true(strncmp(line, "INFO 127.0.0.1 127.0.0.1 imaps 1 ", 33) ==
		    0);
	check_channel_binding(&tc);
	/* one record holds many lines; the server's 1 KiB buffer takes
	   them in parts while OpenSSL keeps the rest decrypted */
	for (int i = 0; i < 320; i++)
		len += (size_t)snprintf(batch + len, sizeof(batch) - len,
					"line %04d %s\n", i,
					"abcdefghijklmnopqrstuvwxyz");
	assert_int_equal(tclient_send(&tc, batch, len), 0);
	for (int i = 0; i < 320; i++) {
		char want[64];

		snprintf(want, sizeof(want),
			 "line %04d abcdefghijklmnopqrstuvwxyz", i);
		expect_line(&tc, want);
	}
	/* bulk output through TLS with a slow reader */
	assert_int_equal(tclient_send_str(&tc, "BIG 3000000\n"), 0);
	assert_int_equal(tclient_pattern(&tc, 3000000, 8192, 50), 0);
	assert_true(atomic_load(&env->max_pending) <= 65536 + TEST_CHUNK);
	assert_int_equal(tclient_send_str(&tc, "QUIT\n"), 0);
	expect_line(&tc, "BYE");
	assert_true(tclient_wait_eof(&tc));
	tclient_close(&tc);
	assert_true(test_env_finish(env));
}

struct tls_group {
	struct tls_fixture *fx;
	struct test_env *env;
	pthread_barrier_t *barrier;
	int first, count;
	atomic_uint *failures;
};

static void *
tls_group_main(void *arg)
{
	struct tls_group *g = arg;
	struct tclient *tcs = calloc((size_t)g->count, sizeof(*tcs));
	char line[128], want[128];

	for (int i = 0; i < g->count; i++) {
		int fd = test_connect_tcp(LOCALHOST, g->env->port);

		tclient_init(&tcs[i], fd);
		if (fd < 0 || tclient_start_tls(&tcs[i], g->fx->client) < 0)
			atomic_fetch_add(g->failures, 1);
	}
	/* all clients of all threads are connected at this point */
	pthread_barrier_wait(g->barrier);
	for (int i = 0; i < g->count; i++) {
		snprintf(want, sizeof(want), "line client %d", g->first + i);
		if (tcs[i].ssl == NULL ||
		    tclient_send_str(&tcs[i], want) < 0 ||
		    tclient_send_str(&tcs[i], "\n") < 0)
			atomic_fetch_add(g->failures, 1);
	}
	for (int i = 0; i < g->count; i++) {
		snprintf(want, sizeof(want), "line client %d", g->first + i);
		if (tcs[i].ssl == NULL ||
		    tclient_line(&tcs[i], line, sizeof(line)) < 0 ||
		    strcmp(line, want) != 0)
			atomic_fetch_add(g->failures, 1);
	}
	pthread_barrier_wait(g->barrier);
	for (int i = 0; i < g->count; i++)
		tclient_close(&tcs[i]);
	free(tcs);
	return NULL;
}

static void
test_many_tls_clients(void **state)
{
	enum { THREADS = 8, PER_THREAD = 25 };
	struct tls_fixture *fx = *state;
	struct test_env *env = calloc(1, sizeof(*env));
	struct tls_group groups[THREADS];
	pthread_t threads[THREADS];
	pthread_barrier_t barrier;
	atomic_uint failures = 0;
	unsigned open_conns;

	test_raise_nofile();
	test_env_start(env, NULL, fx->server);
	pthread_barrier_init(&barrier, NULL, THREADS + 1);
	for (int t = 0; t < THREADS; t++) {
		groups[t] = (struct tls_group){ fx, env, &barrier,
						t * PER_THREAD, PER_THREAD,
						&failures };
		assert_int_equal(pthread_create(&threads[t], NULL,
						tls_group_main, &groups[t]),
				 0);
	}
	pthread_barrier_wait(&barrier);
	open_conns = net_server_connection_count(env->srv);
	pthread_barrier_wait(&barrier);
	for (int t = 0; t < THREADS; t++)
		pthread_join(threads[t], NULL);
	pthread_barrier_destroy(&barrier);
	print_message("%u TLS connections open at once\n", open_conns);
	assert_int_equal(open_conns, THREADS * PER_THREAD);
	assert_int_equal(atomic_load(&failures), 0);
	assert_true(test_wait_count(&env->destroyed, THREADS * PER_THREAD,
				    10000));
	assert_true(test_env_finish(env));
}

static void
test_tls_handshake_failures(void **state)
{
	struct tls_fixture *fx = *state;
	struct net_server_settings set = { .tls_handshake_timeout_ms = 300 };
	struct test_env *env = calloc(1, sizeof(*env));
	struct tclient tc;
	char reason[128];
	uint64_t start;
	double cpu;

	test_env_start(env, &set, fx->server);
	/* plaintext to an implicit-TLS port */
	client_open(env, &tc);
	assert_int_equal(tclient_send_str(&tc, "INFO\r\n"), 0);
	assert_true(tclient_wait_eof(&tc));
	tclient_close(&tc);
	assert_true(test_wait_count(&env->closed_hooks, 1, 3000));
	test_env_last_reason(env, reason, sizeof(reason));
	assert_string_equal(reason, "TLS handshake failed");

	/* silence: the handshake timeout closes it; waiting costs no CPU */
	start = time_mono_ms();
	cpu = test_cpu_seconds();
	client_open(env, &tc);
	assert_true(tclient_wait_eof(&tc));
	cpu = test_cpu_seconds() - cpu;
	assert_true(time_mono_ms() - start >= 250);
	print_message("CPU while a handshake waits for the client: %.3f s\n",
		      cpu);
	assert_true(cpu < 0.15);
	tclient_close(&tc);
	assert_true(test_wait_count(&env->closed_hooks, 2, 3000));
	test_env_last_reason(env, reason, sizeof(reason));
	assert_string_equal(reason, "TLS handshake timed out");
	assert_true(test_env_finish(env));
}

static void
test_tls_ctx_errors(void **state)
{
	struct tls_fixture *fx = *state;
	struct err err;

	assert_null(net_tls_ctx_create_server("/nonexistent/cert.pem",
					      fx->key, &err));
	assert_non_null(strstr(err.msg, "/nonexistent/cert.pem"));
	/* a certificate file is no key */
	assert_null(net_tls_ctx_create_server(fx->cert, fx->cert, &err));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_starttls_discards_injection),
		cmocka_unit_test(test_tls_busy_poll),
		cmocka_unit_test(test_starttls_plaintext_after_reply),
		cmocka_unit_test(test_starttls_silent_client),
		cmocka_unit_test(test_implicit_tls),
		cmocka_unit_test(test_many_tls_clients),
		cmocka_unit_test(test_tls_handshake_failures),
		cmocka_unit_test(test_tls_ctx_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
