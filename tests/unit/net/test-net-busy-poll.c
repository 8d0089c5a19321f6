/* SPDX-License-Identifier: MIT */
/*
 * net layer, busy polling (busy-poll.c): a worker that keeps watching a
 * connection after its answer must serve quick clients correctly, leave
 * slow ones to epoll, end its watch for a posted event or a closed peer,
 * and never let two threads into one connection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "net-test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOCALHOST "127.0.0.1"

static struct test_env *
env_start(unsigned busy_poll_us)
{
	struct net_server_settings set = { .busy_poll_us = busy_poll_us };
	struct test_env *env = calloc(1, sizeof(*env));

	assert_non_null(env);
	test_env_start(env, &set, NULL);
	return env;
}

static void
client_open(struct test_env *env, struct tclient *tc)
{
	int fd = test_connect_tcp(LOCALHOST, env->port);

	assert_true(fd >= 0);
	tclient_init(tc, fd);
}

/* One line at a time, each answer awaited: the pattern busy polling is
   for. pause_us > 0 makes the client slower than the window. */
static void
ping_pong(struct tclient *tc, int id, int rounds, unsigned pause_us)
{
	char tag[32];

	snprintf(tag, sizeof(tag), "ping c%d", id);
	assert_int_equal(tclient_ping_pong(tc, tag, rounds, pause_us), 0);
}

static void
test_quick_client(void **state)
{
	struct test_env *env = env_start(NET_MAX_BUSY_POLL_US);
	struct tclient tc;

	(void)state;
	client_open(env, &tc);
	ping_pong(&tc, 0, 5000, 0);
	tclient_close(&tc);
	assert_true(test_wait_count(&env->destroyed, 1, 5000));
	assert_true(test_env_finish(env));
}

/* Slower than the window: the watch gives up, epoll takes over, and the
   next command still gets its answer. */
static void
test_slow_client(void **state)
{
	struct test_env *env = env_start(50);
	struct tclient tc;

	(void)state;
	client_open(env, &tc);
	ping_pong(&tc, 0, 100, 2000);
	/* and quick again */
	ping_pong(&tc, 1, 1000, 0);
	tclient_close(&tc);
	assert_true(test_env_finish(env));
}

struct pinger {
	struct test_env *env;
	int id;
};

static void *
pinger_main(void *arg)
{
	struct pinger *p = arg;
	struct tclient tc;

	client_open(p->env, &tc);
	ping_pong(&tc, p->id, 1000, 0);
	tclient_close(&tc);
	return NULL;
}

/* More quick clients than pollers: the others go through epoll, and the
   watch of one must not hold up the rest. */
static void
test_many_quick_clients(void **state)
{
	enum { CLIENTS = 12 };
	struct test_env *env = env_start(NET_MAX_BUSY_POLL_US);
	struct pinger p[CLIENTS];
	pthread_t t[CLIENTS];

	(void)state;
	for (int i = 0; i < CLIENTS; i++) {
		p[i] = (struct pinger){ .env = env, .id = i };
		assert_int_equal(pthread_create(&t[i], NULL, pinger_main,
						&p[i]),
				 0);
	}
	for (int i = 0; i < CLIENTS; i++)
		pthread_join(t[i], NULL);
	assert_true(test_wait_count(&env->destroyed, CLIENTS, 5000));
	assert_true(test_env_finish(env));
}

static struct conn *
registered_conn(struct test_env *env)
{
	struct conn *c;

	pthread_mutex_lock(&env->wake_lock);
	assert_int_equal(env->wake_count, 1);
	c = env->wake_conns[0];
	pthread_mutex_unlock(&env->wake_lock);
	return c;
}

/* A wakeup from another thread while the worker watches the socket ends
   the watch and is delivered at once, not when the window runs out. */
static void
test_wakeup_during_watch(void **state)
{
	struct test_env *env = env_start(NET_MAX_BUSY_POLL_US);
	struct tclient tc;
	char line[128], want[32];
	unsigned id;
	struct conn *c;

	(void)state;
	client_open(env, &tc);
	assert_int_equal(tclient_send_str(&tc, "WAKEREG\n"), 0);
	assert_true(tclient_line(&tc, line, sizeof(line)) >= 0);
	assert_int_equal(sscanf(line, "REG %u", &id), 1);
	snprintf(want, sizeof(want), "W %u", id);
	c = registered_conn(env);
	for (int i = 0; i < 300; i++) {
		/* the answer to this line starts a watch; the wakeup comes
		   while it lasts (or just after: both must work) */
		assert_int_equal(tclient_send_str(&tc, "quick\n"), 0);
		assert_true(tclient_line(&tc, line, sizeof(line)) >= 0);
		assert_string_equal(line, "quick");
		conn_wakeup(c);
		assert_true(tclient_line(&tc, line, sizeof(line)) >= 0);
		assert_string_equal(line, want);
	}
	tclient_close(&tc);
	assert_true(test_env_finish(env));
}

/* The client goes away during the watch: the connection closes. */
static void
test_eof_during_watch(void **state)
{
	struct test_env *env = env_start(NET_MAX_BUSY_POLL_US);

	(void)state;
	for (unsigned i = 1; i <= 200; i++) {
		struct tclient tc;

		client_open(env, &tc);
		ping_pong(&tc, (int)i, 3, 0);
		tclient_close(&tc);
		assert_true(test_wait_count(&env->destroyed, i, 5000));
	}
	assert_true(test_env_finish(env));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quick_client),
		cmocka_unit_test(test_slow_client),
		cmocka_unit_test(test_many_quick_clients),
		cmocka_unit_test(test_wakeup_during_watch),
		cmocka_unit_test(test_eof_during_watch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
