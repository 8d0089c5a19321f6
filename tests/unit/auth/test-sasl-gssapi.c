/* SPDX-License-Identifier: MIT */
/*
 * SASL GSSAPI against a real Kerberos KDC: the test creates a realm in a
 * temporary directory, runs krb5kdc on a free loopback port (stopped by its
 * PID at the end), gets a ticket for a user and authenticates with
 * libgsasl's client in process. Skipped when the MIT KDC tools
 * (krb5-kdc, krb5-admin-server, krb5-user) are not installed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sasl-test.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gsasl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define REALM "COFFER.TEST"
#define HOST "mail.coffer.test"

extern char **environ;

struct krb_fx {
	struct sasl_fx *sasl;
	char dir[300];
	char keytab[400];
	pid_t kdc;
	bool skip;
};

static int
free_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		port = -1;
	else
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static bool
port_open(int port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	return ok;
}

/* Starts a command with stdin from the text in (may be NULL) and its
   output appended to commands.log (never a pipe). With wait, returns its
   exit status (-1 if it did not exit normally), else its PID (-1 if it
   could not start). */
static pid_t
spawn(struct krb_fx *fx, const char *const argv[], const char *in, bool wait)
{
	posix_spawn_file_actions_t fa;
	char log[400], input[400];
	pid_t pid;
	int status;

	snprintf(log, sizeof(log), "%s/commands.log", fx->dir);
	posix_spawn_file_actions_init(&fa);
	if (in != NULL) {
		FILE *f;

		snprintf(input, sizeof(input), "%s/stdin", fx->dir);
		f = fopen(input, "w");
		fputs(in, f);
		fclose(f);
		posix_spawn_file_actions_addopen(&fa, 0, input, O_RDONLY, 0);
	}
	posix_spawn_file_actions_addopen(&fa, 1, log,
					 O_WRONLY | O_CREAT | O_APPEND, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv,
			 environ) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	if (pid < 0 || !wait)
		return pid;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static bool
make_realm(struct krb_fx *fx, int port)
{
	char path[400], text[2048], cc[400];

	snprintf(path, sizeof(path), "%s/krb5.conf", fx->dir);
	snprintf(text, sizeof(text),
		 "[libdefaults]\n default_realm = %s\n dns_lookup_kdc = false\n"
		 " dns_lookup_realm = false\n rdns = false\n"
		 " dns_canonicalize_hostname = false\n"
		 "[realms]\n %s = {\n  kdc = 127.0.0.1:%d\n }\n",
		 REALM, REALM, port);
	write_file(path, text);
	setenv("KRB5_CONFIG", path, 1);
	snprintf(path, sizeof(path), "%s/kdc.conf", fx->dir);
	snprintf(text, sizeof(text),
		 "[kdcdefaults]\n kdc_ports = %d\n kdc_tcp_ports = %d\n"
		 "[realms]\n %s = {\n  database_name = %s/principal\n"
		 "  key_stash_file = %s/stash\n  acl_file = %s/kadm5.acl\n }\n"
		 "[logging]\n kdc = FILE:%s/kdc.log\n",
		 port, port, REALM, fx->dir, fx->dir, fx->dir, fx->dir);
	write_file(path, text);
	setenv("KRB5_KDC_PROFILE", path, 1);
	snprintf(cc, sizeof(cc), "FILE:%s/ccache", fx->dir);
	setenv("KRB5CCNAME", cc, 1);
	snprintf(fx->keytab, sizeof(fx->keytab), "%s/coffer.keytab", fx->dir);
	snprintf(text, sizeof(text), "ktadd -k %s imap/%s", fx->keytab, HOST);

	const char *const create[] = {"kdb5_util", "create", "-s",	  "-r",
				      REALM,	   "-P",     "master-pw", NULL};
	const char *const alice[] = {"kadmin.local", "-q",
				     "addprinc -pw alice-krb alice", NULL};
	const char *const admin[] = {
	    "kadmin.local", "-q", "addprinc -pw admin-krb alice/admin", NULL};
	const char *const svc[] = {"kadmin.local", "-q",
				   "addprinc -randkey imap/" HOST, NULL};
	const char *const ktadd[] = {"kadmin.local", "-q", text, NULL};
	return spawn(fx, create, NULL, true) == 0 &&
	       spawn(fx, alice, NULL, true) == 0 &&
	       spawn(fx, admin, NULL, true) == 0 &&
	       spawn(fx, svc, NULL, true) == 0 &&
	       spawn(fx, ktadd, NULL, true) == 0;
}

static bool
kinit(struct krb_fx *fx, const char *principal, const char *password)
{
	char pw[64];
	const char *const argv[] = {"kinit", (char *)principal, NULL};

	snprintf(pw, sizeof(pw), "%s\n", password);
	return spawn(fx, argv, pw, true) == 0;
}

static int
setup(void **state)
{
	struct krb_fx *fx = calloc(1, sizeof(*fx));
	char pidfile[400];
	void *inner;
	int port;

	if (sasl_fx_setup(&inner) < 0)
		return -1;
	fx->sasl = inner;
	*state = fx;
	if (access("/usr/sbin/krb5kdc", X_OK) < 0 ||
	    access("/usr/sbin/kdb5_util", X_OK) < 0) {
		fx->skip = true;
		return 0;
	}
	snprintf(fx->dir, sizeof(fx->dir), "%s/krb", fx->sasl->dir);
	mkdir(fx->dir, 0700);
	port = free_port();
	if (port < 0 || !make_realm(fx, port))
		return -1;
	snprintf(pidfile, sizeof(pidfile), "%s/kdc.pid", fx->dir);
	const char *const kdc[] = {"/usr/sbin/krb5kdc", "-n", "-P", pidfile,
				   NULL};
	fx->kdc = spawn(fx, kdc, NULL, false);
	if (fx->kdc < 0)
		return -1;
	for (int i = 0; i < 100 && !port_open(port); i++)
		usleep(50000);
	return port_open(port) ? 0 : -1;
}

static int
teardown(void **state)
{
	struct krb_fx *fx = *state;
	void *inner = fx->sasl;

	if (fx->kdc > 0) {
		kill(fx->kdc, SIGTERM);
		waitpid(fx->kdc, NULL, 0);
	}
	sasl_fx_teardown(&inner);
	free(fx);
	return 0;
}

static struct sasl_server *
gssapi_server(struct krb_fx *fx, struct ms_config **cfg_r, const char *realms)
{
	char extra[1024];
	struct sasl_server_settings set = {.userdb = fx->sasl->db,
					   .hostname = "other.host"};
	struct sasl_server *srv;
	struct err err;

	snprintf(extra, sizeof(extra),
		 "<sasl><gssapi_keytab>%s</gssapi_keytab>"
		 "<gssapi_hostname>%s</gssapi_hostname>"
		 "<gssapi_realms>%s</gssapi_realms></sasl>",
		 fx->keytab, HOST, realms);
	*cfg_r = sasl_fx_config(fx->sasl, extra);
	srv = sasl_server_create(&set, *cfg_r, &err);
	if (srv == NULL)
		fail_msg("%s", err.msg);
	return srv;
}

/* A GSSAPI exchange with the ticket in the credential cache. */
static enum sasl_status
exchange(struct sasl_server *srv, const struct ms_config *cfg,
	 const char *authzid, struct sasl_session **s_r)
{
	struct sasl_channel ch = {.local_addr = "127.0.0.1", .service = "imap"};
	struct sasl_session_settings set = {
	    .cfg = cfg, .channel = &ch, .success_data_as_challenge = true};
	struct buf chal = BUF_INIT;
	enum sasl_status st;
	Gsasl *ctx;
	Gsasl_session *cs;
	char *out = NULL;
	int rc;

	assert_int_equal(gsasl_init(&ctx), GSASL_OK);
	assert_int_equal(gsasl_client_start(ctx, "GSSAPI", &cs), GSASL_OK);
	gsasl_property_set(cs, GSASL_SERVICE, "imap");
	gsasl_property_set(cs, GSASL_HOSTNAME, HOST);
	if (authzid != NULL)
		gsasl_property_set(cs, GSASL_AUTHZID, authzid);
	rc = gsasl_step64(cs, "", &out);
	assert_true(rc == GSASL_NEEDS_MORE || rc == GSASL_OK);
	*s_r = sasl_session_start_base64(srv, &set, "GSSAPI", 6, out,
					 strlen(out), &chal, &st);
	gsasl_free(out);
	while (st == SASL_CONTINUE) {
		rc = gsasl_step64(cs, buf_cstr(&chal), &out);
		buf_clear(&chal);
		if (rc != GSASL_OK && rc != GSASL_NEEDS_MORE)
			fail_msg("client: %s", gsasl_strerror(rc));
		st = sasl_session_step_base64(*s_r, out, strlen(out), &chal);
		gsasl_free(out);
	}
	buf_free(&chal);
	gsasl_finish(cs);
	gsasl_done(ctx);
	return st;
}

static void
test_gssapi(void **state)
{
	struct krb_fx *fx = *state;
	struct ms_config *cfg, *other;
	struct sasl_server *srv, *srv2;
	struct sasl_session *s;

	if (fx->skip)
		skip();
	assert_true(kinit(fx, "alice@" REALM, "alice-krb"));
	srv = gssapi_server(fx, &cfg, REALM);
	assert_true(
	    sasl_mech_offered(srv, cfg, &fx->sasl->plain, SASL_MECH_GSSAPI));
	/* alice@COFFER.TEST -> "alice" -> alice@example.com */
	if (exchange(srv, cfg, NULL, &s) != SASL_DONE)
		fail_msg("GSSAPI: %s", sasl_session_failure_detail(s));
	assert_string_equal(sasl_session_outcome(s)->authcid, ALICE);
	assert_string_equal(sasl_session_outcome(s)->authzid, "");
	assert_string_equal(sasl_session_claimed_name(s), "alice@" REALM);
	sasl_session_destroy(&s);
	/* an authorization identity travels in the last token */
	assert_int_equal(exchange(srv, cfg, BOB, &s), SASL_DONE);
	assert_string_equal(sasl_session_outcome(s)->authzid, BOB);
	sasl_session_destroy(&s);

	/* a realm not listed: alice@coffer.test is no account */
	srv2 = gssapi_server(fx, &other, "");
	assert_int_equal(exchange(srv2, other, NULL, &s), SASL_FAILED);
	assert_int_equal(sasl_session_failure(s), SASL_FAIL_CREDENTIALS);
	sasl_session_destroy(&s);

	/* principals with an instance are not users */
	assert_true(kinit(fx, "alice/admin@" REALM, "admin-krb"));
	assert_int_equal(exchange(srv, cfg, NULL, &s), SASL_FAILED);
	assert_int_equal(sasl_session_failure(s), SASL_FAIL_CREDENTIALS);
	sasl_session_destroy(&s);

	sasl_server_destroy(&srv);
	sasl_server_destroy(&srv2);
	config_unref(&cfg);
	config_unref(&other);
}

static void
test_keytab_errors(void **state)
{
	struct krb_fx *fx = *state;
	struct sasl_server_settings set = {.userdb = fx->sasl->db};
	struct ms_config *cfg =
	    sasl_fx_config(fx->sasl, "<sasl><gssapi_keytab>/nonexistent/keytab"
				     "</gssapi_keytab></sasl>");
	struct err err;

	/* without a keytab GSSAPI is simply not offered */
	assert_false(sasl_mech_offered(fx->sasl->srv, fx->sasl->cfg,
				       &fx->sasl->plain, SASL_MECH_GSSAPI));
	/* an unreadable keytab is a start-up error */
	assert_null(sasl_server_create(&set, cfg, &err));
	assert_non_null(strstr(err.msg, "gssapi_keytab"));
	assert_non_null(strstr(err.msg, "/nonexistent/keytab"));
	config_unref(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keytab_errors),
	    cmocka_unit_test(test_gssapi),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
