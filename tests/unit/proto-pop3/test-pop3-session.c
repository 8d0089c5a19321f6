/* SPDX-License-Identifier: MIT */
/* POP3 sessions, AUTHORIZATION side: greeting, CAPA, USER/PASS, AUTH
   PLAIN, login outcomes and delays, STLS, error limits, timeouts and
   shutdown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pop3-test.h"
#include "lib/codec.h"
#include "lib/str.h"
#include "lib/timeutil.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Reads a CAPA listing into caps (one capability per line). */
static void
read_capa(struct tclient *tc, struct buf *caps)
{
	pc_expect(tc, "CAPA", "+OK");
	buf_clear(caps);
	pc_multiline(tc, caps);
}

static bool
has_cap(struct buf *caps, const char *line)
{
	char needle[128];

	snprintf(needle, sizeof(needle), "%s\r\n", line);
	return strstr(buf_cstr(caps), needle) != NULL;
}

static void
test_capa(void **state)
{
	struct pop3_env e;
	struct tclient tc;
	struct buf caps = BUF_INIT;
	const char *always[] = {
	    "TOP",	  "UIDL",	  "RESP-CODES", "AUTH-RESP-CODE",
	    "PIPELINING", "EXPIRE NEVER", "USER",	"SASL PLAIN"};

	(void)state;
	pop3_env_start(&e, NULL);
	pc_open(&e, &tc);
	read_capa(&tc, &caps);
	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		if (!has_cap(&caps, always[i]))
			fail_msg("CAPA lacks %s: %s", always[i],
				 buf_cstr(&caps));
	assert_non_null(strstr(buf_cstr(&caps), "IMPLEMENTATION Coffer-"));
	assert_null(strstr(buf_cstr(&caps), "STLS"));
	assert_null(strstr(buf_cstr(&caps), "LOGIN-DELAY"));
	/* the same in the TRANSACTION state (RFC 2449 section 5) */
	pc_login(&e, &tc);
	read_capa(&tc, &caps);
	assert_true(has_cap(&caps, "USER"));
	assert_true(has_cap(&caps, "SASL PLAIN"));
	/* AUTH without arguments lists the mechanisms (RFC 1734 style) */
	pc_expect(&tc, "QUIT", "+OK");
	tclient_close(&tc);
	pc_open(&e, &tc);
	pc_expect(&tc, "AUTH", "+OK");
	buf_clear(&caps);
	pc_multiline(&tc, &caps);
	assert_string_equal(buf_cstr(&caps), "PLAIN\r\n");
	tclient_close(&tc);
	buf_free(&caps);
	pop3_env_stop(&e);
}

static void
test_login_disabled(void **state)
{
	struct pop3_env_opts o = {.conf =
				      "<login_disabled>true</login_disabled>"
				      "<login_delay>30</login_delay>"};
	struct pop3_env e;
	struct tclient tc;
	struct buf caps = BUF_INIT;

	(void)state;
	pop3_env_start(&e, &o);
	pc_open(&e, &tc);
	read_capa(&tc, &caps);
	assert_false(has_cap(&caps, "USER"));
	assert_null(strstr(buf_cstr(&caps), "SASL"));
	assert_true(has_cap(&caps, "LOGIN-DELAY 30"));
	pc_expect(&tc, "USER alice", "-ERR [AUTH] Plaintext");
	pc_expect(&tc, "PASS secret", "-ERR");
	pc_expect(&tc, "AUTH PLAIN AGFsaWNlAHNlY3JldA==", "-ERR [AUTH]");
	pc_expect(&tc, "AUTH", "+OK");
	buf_clear(&caps);
	pc_multiline(&tc, &caps);
	assert_int_equal(caps.len, 0);
	assert_int_equal(atomic_load(&stub.logins), 0);
	pc_expect(&tc, "QUIT", "+OK");
	assert_true(tclient_wait_eof(&tc));
	tclient_close(&tc);
	buf_free(&caps);
	pop3_env_stop(&e);
}

static void
test_user_pass(void **state)
{
	struct pop3_env e;
	struct tclient tc;

	(void)state;
	pop3_env_start(&e, NULL);
	pop3_env_append_str(&e, "Subject: x\r\n\r\nhello\r\n");
	pc_open(&e, &tc);
	/* TRANSACTION commands before login */
	pc_expect(&tc, "STAT", "-ERR");
	pc_expect(&tc, "RETR 1", "-ERR");
	pc_expect(&tc, "PASS secret", "-ERR");
	/* every name is accepted by USER (RFC 1939 section 13) */
	pc_expect(&tc, "USER nosuchuser", "+OK");
	pc_expect(&tc, "PASS secret", "-ERR [AUTH] Authentication failed");
	/* a failed PASS needs a new USER */
	pc_expect(&tc, "PASS secret", "-ERR");
	pc_expect(&tc, "USER alice", "+OK");
	pc_expect(&tc, "PASS wrong", "-ERR [AUTH]");
	pc_expect(&tc, "USER alice", "+OK");
	pc_expect(&tc, "PASS secret", "+OK Maildrop locked and ready, 1 ");
	/* AUTHORIZATION commands in the TRANSACTION state */
	pc_expect(&tc, "USER alice", "-ERR");
	pc_expect(&tc, "AUTH PLAIN", "-ERR");
	pc_expect(&tc, "STLS", "-ERR");
	pc_expect(&tc, "STAT", "+OK 1 21");
	pc_expect(&tc, "QUIT", "+OK");
	assert_true(tclient_wait_eof(&tc));
	tclient_close(&tc);
	pop3_env_stop(&e);
	assert_true(atomic_load(&stub.logouts) >= 1);
}

static void
test_login_outcomes(void **state)
{
	static const struct {
		const char *user, *reply;
	} cases[] = {
	    {"disabled", "-ERR [AUTH] Account is disabled"},
	    {"denied", "-ERR [AUTH] POP3 access is not allowed"},
	    {"temp", "-ERR [SYS/TEMP]"},
	    {"alice@example.com", "+OK"},
	};
	struct pop3_env e;
	struct tclient tc;
	char cmd[128];

	(void)state;
	pop3_env_start(&e, NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pc_open(&e, &tc);
		snprintf(cmd, sizeof(cmd), "USER %s", cases[i].user);
		pc_expect(&tc, cmd, "+OK");
		pc_expect(&tc, "PASS secret", cases[i].reply);
		tclient_close(&tc);
	}
	/* nologin: the alert, then the connection closes */
	atomic_store(&stub.nologin, true);
	pc_open(&e, &tc);
	pc_expect(&tc, "USER alice", "+OK");
	pc_expect(&tc, "PASS secret", "-ERR [SYS/TEMP] Down for maintenance");
	assert_true(tclient_wait_eof(&tc));
	tclient_close(&tc);
	pop3_env_stop(&e);
}

static void
test_failure_delay_and_limit(void **state)
{
	struct pop3_env e;
	struct tclient tc;
	uint64_t t0;

	(void)state;
	pop3_env_start(&e, NULL);
	atomic_store(&stub.delay_ms, 400);
	pc_open(&e, &tc);
	/* the delayed answer keeps pipelined commands waiting, in order */
	t0 = time_mono_ms();
	assert_int_equal(tclient_send_str(&tc, "USER alice\r\nPASS bad\r\n"
					       "NOOP\r\nCAPA\r\n"),
			 0);
	pc_expect_reply(&tc, "+OK");
	pc_expect_reply(&tc, "-ERR [AUTH] Authentication failed");
	assert_true(time_mono_ms() - t0 >= 380);
	pc_expect_reply(&tc, "-ERR"); /* NOOP before login */
	pc_expect_reply(&tc, "+OK");  /* CAPA */
	{
		struct buf caps = BUF_INIT;

		pc_multiline(&tc, &caps);
		buf_free(&caps);
	}
	atomic_store(&stub.delay_ms, 0);
	/* the fifth failure closes the connection */
	for (int i = 2; i <= 5; i++) {
		pc_expect(&tc, "USER alice", "+OK");
		pc_expect(&tc, "PASS bad", "-ERR [AUTH]");
	}
	assert_true(tclient_wait_eof(&tc));
	tclient_close(&tc);
	pop3_env_stop(&e);
}

static void
b64(const void *data, size_t len, char *out, size_t size)
{
	struct buf b = BUF_INIT;

	base64_encode(data, len, &b);
	str_copy(out, buf_cstr(&b), size);
	buf_free(&b);
}

static void
test_auth_plain(void **state)
{
	struct pop3_env e;
	struct tclient tc;
	char enc[256], cmd[300];

	(void)state;
	pop3_env_start(&e, NULL);
	/* with an initial response (RFC 5034 section 4) */
	pc_open(&e, &tc);
	b64("\0alice\0secret", 13, enc, sizeof(enc));
	snprintf(cmd, sizeof(cmd), "AUTH PLAIN %s", enc);
	pc_expect(&tc, cmd, "+OK Maildrop locked");
	pc_expect(&tc, "QUIT", "+OK");
	tclient_close(&tc);

	/* without: an empty challenge "+ " first; lower-case mechanism */
	pc_open(&e, &tc);
	pc_expect(&tc, "AUTH plain", "+ ");
	b64("alice@example.com\0alice\0secret", 30, enc, sizeof(enc));
	pc_expect(&tc, enc, "+OK");
	pthread_mutex_lock(&stub.lock);
	assert_string_equal(stub.last_authzid, "alice@example.com");
	pthread_mutex_unlock(&stub.lock);
	tclient_close(&tc);

	pc_open(&e, &tc);
	/* "*" cancels */
	pc_expect(&tc, "AUTH PLAIN", "+ ");
	pc_expect(&tc, "*", "-ERR Authentication cancelled");
	/* bad base64, in the initial response and in a response */
	pc_expect(&tc, "AUTH PLAIN AGFsaWNl=AHNlY3JldA",
		  "-ERR [AUTH] Invalid authentication exchange");
	pc_expect(&tc, "AUTH PLAIN", "+ ");
	pc_expect(&tc, "!!!!", "-ERR [AUTH] Invalid");
	/* "=" is an empty initial response: not a PLAIN message */
	pc_expect(&tc, "AUTH PLAIN =", "-ERR [AUTH]");
	/* malformed PLAIN messages */
	b64("alice\0secret", 12, enc, sizeof(enc));
	snprintf(cmd, sizeof(cmd), "AUTH PLAIN %s", enc);
	pc_expect(&tc, cmd, "-ERR [AUTH]");
	/* that was the fourth failure: the fifth (wrong password) closes */
	b64("\0alice\0wrong", 12, enc, sizeof(enc));
	snprintf(cmd, sizeof(cmd), "AUTH PLAIN %s", enc);
	pc_expect(&tc, cmd, "-ERR [AUTH] Authentication failed");
	assert_true(tclient_wait_eof(&tc));
	tclient_close(&tc);

	pc_open(&e, &tc);
	/* a PLAIN message near its maximum exceeds the command-line limit
	   but fits the AUTH response limit */
	{
		char msg[600 + 7 + 1024], big[2400];

		memset(msg, 'a', 600);
		memcpy(msg + 600, "\0alice\0", 7);
		memset(msg + 607, 'p', 1024);
		b64(msg, sizeof(msg), big, sizeof(big));
		assert_true(strlen(big) > 2048);
		pc_expect(&tc, "AUTH PLAIN", "+ ");
		pc_expect(&tc, big, "-ERR [AUTH] Authentication failed");
		/* the same as an initial response is too long a command */
		memmove(big + 11, big, strlen(big) + 1);
		memcpy(big, "AUTH PLAIN ", 11);
		pc_expect(&tc, big, "-ERR Line too long");
	}
	/* unknown mechanisms */
	pc_expect(&tc, "AUTH CRAM-MD5", "-ERR");
	pc_expect(&tc, "AUTH XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "-ERR");
	/* the session still works */
	pc_expect(&tc, "AUTH PLAIN", "+ ");
	b64("\0alice\0secret", 13, enc, sizeof(enc));
	pc_expect(&tc, enc, "+OK");
	pc_expect(&tc, "AUTH PLAIN", "-ERR");
	tclient_close(&tc);
	pop3_env_stop(&e);
}

static void
test_bad_input(void **state)
{
	struct pop3_env e;
	struct tclient tc;
	char big[6000];

	(void)state;
	pop3_env_start(&e, NULL);
	pc_open(&e, &tc);
	pc_expect(&tc, "XYZZY", "-ERR Unknown command");
	pc_expect(&tc, "", "-ERR");
	pc_expect(&tc, "STAT\tx", "-ERR");
	/* over-long lines: one -ERR each, the session survives */
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	pc_expect(&tc, big, "-ERR Line too long");
	memcpy(big, "USER ", 5);
	pc_expect(&tc, big, "-ERR Line too long");
	pc_expect(&tc, "NOOP", "-ERR"); /* wrong state */
	pc_login(&e, &tc);
	pc_expect(&tc, "RETR", "-ERR Invalid arguments");
	pc_expect(&tc, "RETR x", "-ERR Invalid message number");
	pc_expect(&tc, "TOP 1 -1", "-ERR");
	/* the tenth protocol error closes the connection */
	pc_expect(&tc, "XYZZY", "-ERR Too many bad commands");
	assert_true(tclient_wait_eof(&tc));
	tclient_close(&tc);

	/* commands followed by the end of input are still answered */
	pc_open(&e, &tc);
	assert_int_equal(tclient_send_str(&tc, "CAPA\r\nNOOP\r\n"), 0);
	shutdown(tc.fd, SHUT_WR);
	pc_expect_reply(&tc, "+OK Capability list follows");
	{
		struct buf caps = BUF_INIT;

		pc_multiline(&tc, &caps);
		buf_free(&caps);
	}
	pc_expect_reply(&tc, "-ERR");
	assert_true(tclient_wait_eof(&tc));
	tclient_close(&tc);

	/* an over-long AUTH response ends the exchange */
	pc_open(&e, &tc);
	pc_expect(&tc, "AUTH PLAIN", "+ ");
	memset(big, 'A', sizeof(big) - 1);
	pc_expect(&tc, big, "-ERR Line too long");
	pc_expect(&tc, "CAPA", "+OK");
	tclient_close(&tc);

	/* a line cut by the end of input is dropped; the session ends */
	pc_open(&e, &tc);
	assert_int_equal(tclient_send_str(&tc, "NOOP"), 0);
	shutdown(tc.fd, SHUT_WR);
	assert_true(tclient_wait_eof(&tc));
	tclient_close(&tc);
	pop3_env_stop(&e);
}

static void
test_preauth_timeout(void **state)
{
	struct pop3_env_opts o = {.conf =
				      "<preauth_timeout>1</preauth_timeout>"};
	struct pop3_env e;
	struct tclient tc;
	char buf[64];
	uint64_t t0;

	(void)state;
	pop3_env_start(&e, &o);
	pc_open(&e, &tc);
	t0 = time_mono_ms();
	/* RFC 1939 section 3: closed without any response */
	assert_int_equal(recv(tc.fd, buf, sizeof(buf), 0), 0);
	assert_true(time_mono_ms() - t0 >= 900);
	tclient_close(&tc);
	pop3_env_stop(&e);
}

static void
test_stls(void **state)
{
	struct pop3_env_opts o = {
	    .conf = "<login_disabled>true</login_disabled>",
	    .tls = true,
	};
	struct pop3_env e;
	struct tclient tc;
	struct buf caps = BUF_INIT;
	SSL_CTX *ctx = test_client_ssl_ctx();

	(void)state;
	pop3_env_start(&e, &o);
	pc_open(&e, &tc);
	read_capa(&tc, &caps);
	assert_true(has_cap(&caps, "STLS"));
	assert_false(has_cap(&caps, "USER"));
	pc_expect(&tc, "USER alice",
		  "-ERR [AUTH] Plaintext authentication "
		  "is not allowed without TLS (use STLS)");
	/* a command sent along with STLS is discarded, never run under
	   TLS (RFC 2595 section 4; command injection) */
	assert_int_equal(tclient_send_str(&tc, "STLS\r\nUSER alice\r\n"), 0);
	pc_expect_reply(&tc, "+OK Begin TLS");
	assert_int_equal(tclient_start_tls(&tc, ctx), 0);
	pc_expect(&tc, "PASS secret", "-ERR"); /* the USER was dropped */
	read_capa(&tc, &caps);
	assert_false(has_cap(&caps, "STLS"));
	assert_true(has_cap(&caps, "USER"));
	assert_true(has_cap(&caps, "SASL PLAIN"));
	pc_expect(&tc, "STLS", "-ERR Command not permitted when TLS active");
	pc_login(&e, &tc);
	pc_expect(&tc, "QUIT", "+OK");
	tclient_close(&tc);
	SSL_CTX_free(ctx);
	buf_free(&caps);
	pop3_env_stop(&e);
}

static void
test_shutdown(void **state)
{
	struct pop3_env e;
	struct tclient tc, tc2;

	(void)state;
	pop3_env_start(&e, NULL);
	pop3_env_append_str(&e, "Subject: x\r\n\r\nhello\r\n");
	pc_open(&e, &tc);
	pc_login(&e, &tc);
	pc_expect(&tc, "DELE 1", "+OK");
	pc_open(&e, &tc2);
	net_server_stop(e.srv, 2000);
	pc_expect_reply(&tc, "-ERR [SYS/TEMP] Server shutting down");
	assert_true(tclient_wait_eof(&tc));
	pc_expect_reply(&tc2, "-ERR [SYS/TEMP] Server shutting down");
	tclient_close(&tc);
	tclient_close(&tc2);
	/* no QUIT: nothing was deleted */
	assert_int_equal(pop3_env_count(&e), 1);
	pop3_env_stop(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_capa),
	    cmocka_unit_test(test_login_disabled),
	    cmocka_unit_test(test_user_pass),
	    cmocka_unit_test(test_login_outcomes),
	    cmocka_unit_test(test_failure_delay_and_limit),
	    cmocka_unit_test(test_auth_plain),
	    cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_preauth_timeout),
	    cmocka_unit_test(test_stls),
	    cmocka_unit_test(test_shutdown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
