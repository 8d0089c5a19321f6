/* SPDX-License-Identifier: MIT */
/*
 * net layer, lifecycle: wakeups from foreign threads (racing with close),
 * graceful stop with in-flight work, the connection limit, running out of
 * descriptors, generic work, watched fds and signals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "net-test.h"
#include "lib/timeutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
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

static void
client_open(struct test_env *env, struct tclient *tc)
{
	int fd = test_connect_tcp(LOCALHOST, env->port);

	assert_true(fd >= 0);
	tclient_init(tc, fd);
}

/* --- wakeups ----------------------------------------------------------- */

struct waker {
	struct test_env *env;
	atomic_bool stop;
	unsigned rounds;
};

static void *
waker_main(void *arg)
{
	struct waker *w = arg;
	struct test_env *env = w->env;

	while (!atomic_load(&w->stop)) {
		pthread_mutex_lock(&env->wake_lock);
		for (unsigned i = 0; i < env->wake_count; i++)
			conn_wakeup(env->wake_conns[i]);
		pthread_mutex_unlock(&env->wake_lock);
		w->rounds++;
		usleep(500);
	}
	return NULL;
}

/* Reads lines up to the INFO answer; every wakeup line must carry the
   client's own connection number. Returns the number of wakeup lines. */
static unsigned
check_wakeups(struct tclient *tc, unsigned id)
{
	char line[256], want[32];
	unsigned count = 0;

	snprintf(want, sizeof(want), "W %u", id);
	assert_int_equal(tclient_send_str(tc, "INFO\n"), 0);
	for (;;) {
		assert_true(tclient_line(tc, line, sizeof(line)) >= 0);
		if (strncmp(line, "INFO ", 5) == 0)
			return count;
		assert_string_equal(line, want);
		count++;
	}
}

static void
test_wakeup_foreign_thread(void **state)
{
	enum { CLIENTS = 64 };
	struct test_env *env = env_new();
	struct tclient *tcs = calloc(CLIENTS, sizeof(*tcs));
	unsigned ids[CLIENTS], total = 0;
	struct waker w = { .env = env };
	pthread_t thread;
	char line[64];

	(void)state;
	test_env_start(env, NULL, NULL);
	for (int i = 0; i < CLIENTS; i++) {
		client_open(env, &tcs[i]);
		assert_int_equal(tclient_send_str(&tcs[i], "WAKEREG\n"), 0);
		assert_true(tclient_line(&tcs[i], line, sizeof(line)) >= 0);
		assert_int_equal(sscanf(line, "REG %u", &ids[i]), 1);
	}
	assert_int_equal(pthread_create(&thread, NULL, waker_main, &w), 0);
	/* half the clients go away while being woken up: the waker keeps
	   its references, its wakeups become no-ops */
	usleep(50 * 1000);
	for (int i = 0; i < CLIENTS; i += 2) {
		if (i % 4 == 0)
			assert_int_equal(tclient_send_str(&tcs[i], "CLOSE\n"),
					 0);
		tclient_close(&tcs[i]);
	}
	usleep(100 * 1000);
	atomic_store(&w.stop, true);
	pthread_join(thread, NULL);
	for (int i = 1; i < CLIENTS; i += 2)
		total += check_wakeups(&tcs[i], ids[i]);
	print_message("%u waker rounds, %u wakeups delivered to %d open "
		      "connections (coalesced)\n",
		      w.rounds, total, CLIENTS / 2);
	assert_true(total >= CLIENTS / 2);
	/* closed ones are not destroyed while the waker holds references */
	assert_true(test_wait_count(&env->closed_hooks, CLIENTS / 2, 3000));
	assert_int_equal(atomic_load(&env->destroyed), 0);
	for (int i = 1; i < CLIENTS; i += 2)
		tclient_close(&tcs[i]);
	assert_true(test_wait_count(&env->closed_hooks, CLIENTS, 3000));
	free(tcs);
	/* drops the waker's references: destroy() runs on this thread */
	assert_true(test_env_finish(env));
}

/* --- graceful stop ----------------------------------------------------- */

struct stopper {
	struct test_env *env;
	uint64_t elapsed;
};

static void *
stopper_main(void *arg)
{
	struct stopper *s = arg;
	uint64_t start = time_mono_ms();

	test_env_stop(s->env, 1000);
	s->elapsed = time_mono_ms() - start;
	return NULL;
}

static void
test_graceful_stop(void **state)
{
	struct test_env *env = env_new();
	struct tclient idle, busy, stubborn;
	struct stopper s = { .env = env };
	pthread_t thread;
	unsigned port;

	(void)state;
	test_env_start(env, NULL, NULL);
	port = env->port;
	client_open(env, &idle);
	client_open(env, &busy);
	client_open(env, &stubborn);
	assert_int_equal(tclient_send_str(&idle, "line 1\n"), 0);
	expect_line(&idle, "line 1");
	assert_int_equal(tclient_send_str(&stubborn, "NOSHUT\n"), 0);
	expect_line(&stubborn, "OK");
	/* in-flight work when the stop begins */
	assert_int_equal(tclient_send_str(&busy, "SLEEP 500\n"), 0);
	usleep(100 * 1000);
	assert_int_equal(pthread_create(&thread, NULL, stopper_main, &s), 0);

	expect_line(&idle, "SHUTDOWN");
	assert_true(tclient_wait_eof(&idle));
	expect_line(&busy, "SLEPT");
	expect_line(&busy, "SHUTDOWN");
	assert_true(tclient_wait_eof(&busy));
	/* ignores SHUTDOWN: closed when the stop timeout expires */
	assert_true(tclient_wait_eof(&stubborn));
	pthread_join(thread, NULL);
	print_message("stop took %llu ms (timeout 1000)\n",
		      (unsigned long long)s.elapsed);
	assert_true(s.elapsed >= 900 && s.elapsed < 3000);
	assert_int_equal(atomic_load(&env->shutdowns), 3);
	assert_int_equal(atomic_load(&env->destroyed), 3);
	/* nothing listens any more */
	assert_true(test_connect_tcp(LOCALHOST, port) < 0);
	tclient_close(&idle);
	tclient_close(&busy);
	tclient_close(&stubborn);
	free(env);
}

static void
stop_from_worker(void *ctx)
{
	net_server_stop_async(ctx, 1000);
}

static void
test_stop_async_and_before_run(void **state)
{
	struct test_env *env = env_new();
	struct net_server_settings set = { 0 };
	struct net_server *srv;
	struct tclient tc;
	struct err err;

	(void)state;
	test_env_start(env, NULL, NULL);
	client_open(env, &tc);
	assert_int_equal(tclient_send_str(&tc, "line 1\n"), 0);
	expect_line(&tc, "line 1");
	/* a worker (an administrative command) asks for the stop */
	net_server_post(env->srv, stop_from_worker, env->srv);
	expect_line(&tc, "SHUTDOWN");
	assert_true(tclient_wait_eof(&tc));
	tclient_close(&tc);
	pthread_join(env->thread, NULL); /* run() returned by itself */
	net_server_destroy(&env->srv);
	assert_int_equal(atomic_load(&env->destroyed), 1);
	pthread_mutex_destroy(&env->wake_lock);
	pthread_mutex_destroy(&env->reason_lock);
	free(env);

	/* stopped before it ran: run() returns at once */
	srv = net_server_create(&set, &err);
	assert_non_null(srv);
	net_server_stop(srv, 1000);
	assert_true(net_server_stopping(srv));
	net_server_run(srv);
	net_server_destroy(&srv);
}

/* --- limits ------------------------------------------------------------ */

static void
test_max_connections(void **state)
{
	struct net_server_settings set = { .max_connections = 3 };
	struct test_env *env = env_new();
	struct tclient tcs[4];

	(void)state;
	test_env_start(env, &set, NULL);
	for (int i = 0; i < 3; i++) {
		client_open(env, &tcs[i]);
		assert_int_equal(tclient_send_str(&tcs[i], "line x\n"), 0);
		expect_line(&tcs[i], "line x");
	}
	client_open(env, &tcs[3]);
	assert_true(tclient_wait_eof(&tcs[3]));
	tclient_close(&tcs[3]);
	assert_int_equal(tclient_send_str(&tcs[0], "line y\n"), 0);
	expect_line(&tcs[0], "line y");
	/* room again after one leaves */
	tclient_close(&tcs[1]);
	assert_true(test_wait_count(&env->destroyed, 1, 3000));
	client_open(env, &tcs[1]);
	assert_int_equal(tclient_send_str(&tcs[1], "line z\n"), 0);
	expect_line(&tcs[1], "line z");
	for (int i = 0; i < 3; i++)
		tclient_close(&tcs[i]);
	assert_true(test_env_finish(env));
}

static void
connect_loopback(int fd, unsigned port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 10 };

	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
}

static void
test_out_of_descriptors(void **state)
{
	struct test_env *env = env_new();
	struct rlimit saved, low;
	struct tclient tc;
	int fillers[64], nfill = 0, fd;
	double cpu;

	(void)state;
	test_env_start(env, NULL, NULL);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	/* no descriptor left for accept(): fill every hole below fd + 1 */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	low = saved;
	low.rlim_cur = (rlim_t)fd + 1;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	while (nfill < 64 && (fillers[nfill] = dup(fd)) >= 0)
		nfill++;
	connect_loopback(fd, env->port);
	tclient_init(&tc, fd);
	assert_int_equal(tclient_send_str(&tc, "line queued\n"), 0);
	cpu = test_cpu_seconds();
	usleep(600 * 1000);
	cpu = test_cpu_seconds() - cpu;
	print_message("CPU while accept() fails with EMFILE: %.3f s in "
		      "0.6 s\n",
		      cpu);
	/* paused, not spinning */
	assert_true(cpu < 0.3);
	assert_int_equal(atomic_load(&env->accepted), 0);
	while (nfill > 0)
		close(fillers[--nfill]);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	expect_line(&tc, "line queued");
	tclient_close(&tc);
	assert_true(test_env_finish(env));
}

/* --- generic work and watched descriptors ----------------------------- */

struct counter_ctx {
	atomic_uint calls;
	atomic_bool other_thread;
	pthread_t main_thread;
};

static void
post_fn(void *ctx)
{
	struct counter_ctx *cc = ctx;

	if (!pthread_equal(pthread_self(), cc->main_thread))
		atomic_store(&cc->other_thread, true);
	atomic_fetch_add(&cc->calls, 1);
}

static void
watch_cb(int fd, void *ctx)
{
	char byte;

	assert_int_equal(read(fd, &byte, 1), 1);
	post_fn(ctx);
}

static void
test_post_and_watch(void **state)
{
	struct test_env *env = env_new();
	struct counter_ctx post = { .main_thread = pthread_self() };
	struct counter_ctx watch = { .main_thread = pthread_self() };
	struct net_fd_watch *w;
	struct err err;
	int pipefd[2];

	(void)state;
	test_env_start(env, NULL, NULL);
	for (int i = 0; i < 100; i++)
		net_server_post(env->srv, post_fn, &post);
	assert_true(test_wait_count(&post.calls, 100, 3000));
	assert_true(atomic_load(&post.other_thread));

	assert_int_equal(pipe(pipefd), 0);
	w = net_server_add_fd(env->srv, pipefd[0], watch_cb, &watch, &err);
	assert_non_null(w);
	for (unsigned i = 1; i <= 5; i++) {
		assert_int_equal(write(pipefd[1], "x", 1), 1);
		assert_true(test_wait_count(&watch.calls, i, 3000));
	}
	net_server_remove_fd(env->srv, &w);
	assert_null(w);
	assert_int_equal(write(pipefd[1], "y", 1), 1);
	usleep(100 * 1000);
	assert_int_equal(atomic_load(&watch.calls), 5);
	assert_true(atomic_load(&watch.other_thread));
	close(pipefd[0]);
	close(pipefd[1]);
	assert_true(test_env_finish(env));
}

/* --- signals ----------------------------------------------------------- */

static void
reload_fn(void *ctx)
{
	atomic_fetch_add((atomic_uint *)ctx, 1);
}

static void *
run_main(void *arg)
{
	net_server_run(arg);
	return NULL;
}

static void
test_signals(void **state)
{
	atomic_uint reloads = 0;
	struct net_server_settings set = {
		.handle_signals = true,
		.reload = reload_fn,
		.reload_ctx = &reloads,
		.stop_timeout_ms = 500,
	};
	struct net_server *srv;
	struct err err;
	pthread_t thread;

	(void)state;
	srv = net_server_create(&set, &err);
	assert_non_null(srv);
	assert_int_equal(pthread_create(&thread, NULL, run_main, srv), 0);
	assert_int_equal(kill(getpid(), SIGHUP), 0);
	assert_true(test_wait_count(&reloads, 1, 3000));
	assert_int_equal(kill(getpid(), SIGTERM), 0);
	pthread_join(thread, NULL); /* SIGTERM ended net_server_run() */
	assert_true(net_server_stopping(srv));
	net_server_destroy(&srv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wakeup_foreign_thread),
		cmocka_unit_test(test_graceful_stop),
		cmocka_unit_test(test_stop_async_and_before_run),
		cmocka_unit_test(test_max_connections),
		cmocka_unit_test(test_out_of_descriptors),
		cmocka_unit_test(test_post_and_watch),
		/* last: leaves SIGTERM, SIGINT and SIGHUP blocked */
		cmocka_unit_test(test_signals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
