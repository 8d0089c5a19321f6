/* SPDX-License-Identifier: MIT */
/*
 * net layer, memory: the heap cost of an idle plaintext connection, with
 * 2000 connections that each completed a request and went idle (their I/O
 * buffers released).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "net-test.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define HEAP_FROM_SANITIZER 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define HEAP_FROM_SANITIZER 1
#endif

#ifdef HEAP_FROM_SANITIZER
/* From the sanitizers' allocator interface (gcc ships no header for it). */
size_t __sanitizer_get_current_allocated_bytes(void);

/* The sanitizers replace malloc; they count the bytes handed out. */
static size_t
heap_used(void)
{
	return __sanitizer_get_current_allocated_bytes();
}
#else
static size_t
heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}
#endif

#define LOCALHOST "127.0.0.1"

static void
connect_and_echo(struct test_env *env, int *fd_r)
{
	struct tclient tc;
	char line[64];

	*fd_r = test_connect_tcp(LOCALHOST, env->port);
	assert_true(*fd_r >= 0);
	tclient_init(&tc, *fd_r);
	assert_int_equal(tclient_send_str(&tc, "line hello\n"), 0);
	assert_true(tclient_line(&tc, line, sizeof(line)) >= 0);
	assert_string_equal(line, "line hello");
}

static void
test_idle_connection_memory(void **state)
{
	enum { CONNS = 2000, WARMUP = 32 };
	struct test_env *env = calloc(1, sizeof(*env));
	int *fds = calloc(CONNS, sizeof(*fds));
	size_t before, after, per_conn;
	double cpu;

	(void)state;
	test_raise_nofile();
	test_env_start(env, NULL, NULL);
	/* warm up what is allocated once (thread caches, tables) */
	for (int i = 0; i < WARMUP; i++)
		connect_and_echo(env, &fds[i]);
	for (int i = 0; i < WARMUP; i++)
		close(fds[i]);
	assert_true(test_wait_count(&env->destroyed, WARMUP, 5000));

	before = heap_used();
	for (int i = 0; i < CONNS; i++)
		connect_and_echo(env, &fds[i]);
	/* let every worker cycle end: buffers are freed when idle */
	usleep(300 * 1000);
	after = heap_used();
	per_conn = after > before ? (after - before) / CONNS : 0;
	print_message("%d idle connections: heap %zu -> %zu bytes, %zu bytes "
		      "per connection (net layer plus the test protocol's "
		      "small state)\n",
		      CONNS, before, after, per_conn);
	assert_true(per_conn < 4096);
	/* idle connections cost no CPU either (one timer scan per tick) */
	cpu = test_cpu_seconds();
	usleep(500 * 1000);
	cpu = test_cpu_seconds() - cpu;
	print_message("CPU of %d idle connections over 0.5 s: %.3f s\n", CONNS,
		      cpu);
	assert_true(cpu < 0.1);

	for (int i = 0; i < CONNS; i++)
		close(fds[i]);
	assert_true(test_wait_count(&env->destroyed, CONNS + WARMUP, 10000));
	test_env_stop(env, 2000);
	free(fds);
	free(env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_connection_memory),
	};

#ifndef HEAP_FROM_SANITIZER
	/* one arena, so mallinfo2() sees the allocations of every thread */
	mallopt(M_ARENA_MAX, 1);
#endif
	return cmocka_run_group_tests(tests, NULL, NULL);
}
