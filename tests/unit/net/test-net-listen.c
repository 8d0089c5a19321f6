/* SPDX-License-Identifier: MIT */
/*
 * net layer, listeners: Unix sockets (mode, stale and live sockets, other
 * files), IPv6 loopback, the all-interfaces dual-stack socket, names and
 * bad arguments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "net-test.h"
#include "net/listener.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct dir_fixture {
	char dir[256];
	char path[300];
};

static int
setup(void **state)
{
	struct dir_fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");

	snprintf(fx->dir, sizeof(fx->dir), "%s/coffer-net-listen-XXXXXX",
		 tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/lmtp.sock", fx->dir);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct dir_fixture *fx = *state;

	unlink(fx->path);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* Connects, asks INFO and returns the line. */
static void
info_over(int fd, char *line, size_t size)
{
	struct tclient tc;

	assert_true(fd >= 0);
	tclient_init(&tc, fd);
	assert_int_equal(tclient_send_str(&tc, "INFO\n"), 0);
	assert_true(tclient_line(&tc, line, size) >= 0);
	tclient_close(&tc);
}

static void
test_unix_listener(void **state)
{
	struct dir_fixture *fx = *state;
	struct test_env *env = calloc(1, sizeof(*env));
	struct stat st;
	struct err err;
	char line[256];
	int fd;

	fd = net_listen_unix(fx->path, 0660, 16, &err);
	assert_true(fd >= 0);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	test_env_start_fd(env, NULL, fd, NULL);
	assert_int_equal(env->port, 0);
	info_over(test_connect_unix(fx->path), line, sizeof(line));
	assert_true(strncmp(line, "INFO unix unix imap 0 ", 22) == 0);

	/* live: a second server must not steal the socket */
	assert_int_equal(net_listen_unix(fx->path, 0600, 16, &err), -1);
	assert_int_equal(err.code, ERR_EXISTS);
	info_over(test_connect_unix(fx->path), line, sizeof(line));
	assert_true(test_env_finish(env));
}

static void
test_unix_stale_and_other_files(void **state)
{
	struct dir_fixture *fx = *state;
	struct stat st;
	struct err err;
	int fd;

	/* a crashed server leaves its socket file behind */
	fd = net_listen_unix(fx->path, 0600, 16, &err);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(stat(fx->path, &st), 0);
	fd = net_listen_unix(fx->path, 0640, 16, &err);
	assert_true(fd >= 0);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	close(fd);
	unlink(fx->path);

	/* never replace something that is not a socket */
	fd = open(fx->path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(net_listen_unix(fx->path, 0600, 16, &err), -1);
	assert_int_equal(err.code, ERR_EXISTS);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	unlink(fx->path);

	/* sun_path holds 108 bytes */
	{
		char longpath[200];

		memset(longpath, 'a', sizeof(longpath) - 1);
		longpath[0] = '/';
		longpath[sizeof(longpath) - 1] = '\0';
		assert_int_equal(net_listen_unix(longpath, 0600, 16, &err),
				 -1);
		assert_int_equal(err.code, ERR_PARAMS);
	}
}

static void
test_ipv6_loopback(void **state)
{
	struct test_env *env;
	struct err err;
	char line[256];
	int fd;

	(void)state;
	if (net_listen_tcp("::1", 0, 16, &fd, 1, &err) != 1) {
		print_message("::1 unavailable (%s): skipped\n", err.msg);
		skip();
	}
	env = calloc(1, sizeof(*env));
	test_env_start_fd(env, NULL, fd, NULL);
	info_over(test_connect_tcp("::1", env->port), line, sizeof(line));
	assert_true(strncmp(line, "INFO ::1 ::1 imap 0 ", 20) == 0);
	assert_true(test_env_finish(env));

	/* brackets are accepted too */
	assert_int_equal(net_listen_tcp("[::1]", 0, 16, &fd, 1, &err), 1);
	close(fd);
}

static void
test_all_interfaces(void **state)
{
	struct test_env *env = calloc(1, sizeof(*env));
	struct err err;
	char line[256];
	int fd;

	(void)state;
	assert_int_equal(net_listen_tcp("*", 0, 16, &fd, 1, &err), 1);
	test_env_start_fd(env, NULL, fd, NULL);
	/* IPv4 clients of the dual-stack socket show as IPv4 */
	info_over(test_connect_tcp("127.0.0.1", env->port), line,
		  sizeof(line));
	assert_true(strncmp(line, "INFO 127.0.0.1 127.0.0.1 imap 0 ", 32) ==
		    0);
	fd = test_connect_tcp("::1", env->port);
	if (fd >= 0) {
		info_over(fd, line, sizeof(line));
		assert_true(strncmp(line, "INFO ::1 ::1 imap 0 ", 20) == 0);
	}
	assert_true(test_env_finish(env));
}

static void
test_names_and_errors(void **state)
{
	int fds[NET_LISTEN_MAX_FDS], n, port_fd;
	struct err err;
	unsigned port;

	(void)state;
	/* a name from /etc/hosts; one socket per address */
	n = net_listen_tcp("localhost", 0, 16, fds, NET_LISTEN_MAX_FDS, &err);
	assert_true(n >= 1);
	for (int i = 0; i < n; i++) {
		assert_true(net_socket_local_port(fds[i]) > 0);
		close(fds[i]);
	}
	assert_int_equal(net_listen_tcp("127.0.0.1", 70000, 16, fds, 1, &err),
			 -1);
	assert_int_equal(err.code, ERR_PARAMS);
	assert_int_equal(net_listen_tcp("[::1", 0, 16, fds, 1, &err), -1);
	assert_int_equal(err.code, ERR_PARAMS);

	/* the port is taken */
	assert_int_equal(net_listen_tcp("127.0.0.1", 0, 16, &port_fd, 1, &err),
			 1);
	port = net_socket_local_port(port_fd);
	assert_int_equal(net_listen_tcp("127.0.0.1", port, 16, fds, 1, &err),
			 -1);
	assert_non_null(strstr(err.msg, "bind(127.0.0.1:"));
	close(port_fd);
	assert_int_equal(net_socket_local_port(-1), 0);
}

static void
test_add_listener_rules(void **state)
{
	struct test_env *env = calloc(1, sizeof(*env));
	struct net_listener_settings ls = { .name = "late" };
	struct err err;
	int fd;

	(void)state;
	test_env_start(env, NULL, NULL);
	assert_int_equal(net_listen_tcp("127.0.0.1", 0, 16, &fd, 1, &err), 1);
	/* refused once running (and without an accept callback); the
	   server closed the fd */
	assert_int_equal(net_server_add_listener(env->srv, fd, &ls, &err), -1);
	assert_int_equal(err.code, ERR_PARAMS);
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	assert_true(test_env_finish(env));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unix_listener, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unix_stale_and_other_files,
						setup, teardown),
		cmocka_unit_test(test_ipv6_loopback),
		cmocka_unit_test(test_all_interfaces),
		cmocka_unit_test(test_names_and_errors),
		cmocka_unit_test(test_add_listener_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
