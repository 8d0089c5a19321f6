/* SPDX-License-Identifier: MIT */
/* LMTP sessions under stress: limits, refused messages, lost connections,
   timeouts, shutdown, clients that do not read, concurrent sessions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "lmtp-test-util.h"
#include "lib/str.h"
#include "lib/timeutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
setup(void **state)
{
	*state = lmtp_test_fixture(NULL, 0, 0);
	return 0;
}

static int
setup_limits(void **state)
{
	*state =
	    lmtp_test_fixture("<max_message_size>1000</max_message_size>"
			      "<lmtp_max_recipients>2</lmtp_max_recipients>",
			      0, 0);
	return 0;
}

static int
setup_8bit(void **state)
{
	*state = lmtp_test_fixture("<allow8bitheaders>true</allow8bitheaders>",
				   0, 0);
	return 0;
}

static int
setup_timeout(void **state)
{
	*state = lmtp_test_fixture(NULL, 400, 0);
	return 0;
}

/* A small output ceiling (max_net_buffer): replies overflow it unless
   the session waits for them to drain. */
static int
setup_small_output(void **state)
{
	*state = lmtp_test_fixture(NULL, 0, 8192);
	return 0;
}

static void
test_limits(void **state)
{
	struct lmtp_fixture *f = *state;
	char body[3000];
	struct lclient c;

	lclient_open(&c, f);
	lclient_lhlo(&c);
	lclient_send(&c, "MAIL FROM:<> SIZE=1001\r\nMAIL FROM:<> SIZE=1000\r\n"
			 "RCPT TO:<joe@example.com>\r\n"
			 "RCPT TO:<ann@example.com>\r\n"
			 "RCPT TO:<joseph@example.org>\r\nDATA\r\n");
	/* RFC 1870: a declared size over the maximum */
	lclient_expect(&c, "552 5.3.4");
	lclient_expect(&c, "250 2.1.0");
	lclient_expect(&c, "250 2.1.5");
	lclient_expect(&c, "250 2.1.5");
	/* lmtp_max_recipients: 452 4.5.3 and the others stay */
	lclient_expect(&c, "452 4.5.3 <joseph@example.org>");
	lclient_expect(&c, "354");
	memset(body, 'x', sizeof(body));
	memcpy(body + 1000, "\r\n", 2);
	lclient_send_raw(&c, body, sizeof(body));
	lclient_send(&c, "\r\n.\r\n");
	lclient_expect(&c, "552 5.3.4 <joe@example.com>");
	lclient_expect(&c, "552 5.3.4 <ann@example.com>");
	/* the same with BDAT: refused by the chunk size */
	lclient_send(&c, "MAIL FROM:<>\r\nRCPT TO:<joe@example.com>\r\n"
			 "BDAT 600\r\n");
	lclient_send_raw(&c, body, 600);
	lclient_send(&c, "BDAT 600\r\n");
	lclient_send_raw(&c, body, 600);
	lclient_send(&c, "BDAT 1 LAST\r\nx");
	lclient_expect(&c, "250 2.1.0");
	lclient_expect(&c, "250 2.1.5");
	lclient_expect(&c, "250 2.0.0 600 octets");
	lclient_expect(&c, "552 5.3.4");
	lclient_expect(&c, "552 5.3.4 <joe@example.com>");
	lclient_close(&c);
	assert_int_equal(
	    lmtp_fixture_count(f, "joe@example.com", false, "INBOX"), 0);
	assert_int_equal(lmtp_fixture_spool_files(f), 0);
}

static void
test_8bit_header(void **state)
{
	struct lmtp_fixture *f = *state;
	const char *rcpt[] = {"joe@example.com"};
	struct lclient c;

	lclient_open(&c, f);
	lclient_lhlo(&c);
	lclient_send(&c, "MAIL FROM:<>\r\nRCPT TO:<joe@example.com>\r\n"
			 "RCPT TO:<ann@example.com>\r\nDATA\r\n");
	lclient_expect(&c, "250");
	lclient_expect(&c, "250");
	lclient_expect(&c, "250");
	lclient_expect(&c, "354");
	lclient_send(&c, "Subject: caf\xc3\xa9\r\n\r\nx\r\n.\r\n");
	lclient_expect(&c, "554 5.6.0 <joe@example.com>");
	lclient_expect(&c, "554 5.6.0 <ann@example.com>");
	/* 8-bit in the body is fine */
	lclient_send_message(&c, rcpt, 1, "Subject: ok\r\n\r\ncaf\xc3\xa9\r\n");
	lclient_close(&c);
	assert_int_equal(
	    lmtp_fixture_count(f, "joe@example.com", false, "INBOX"), 1);
}

static void
test_8bit_header_allowed(void **state)
{
	struct lmtp_fixture *f = *state;
	const char *rcpt[] = {"joe@example.com"};
	struct buf msg = BUF_INIT;
	struct lclient c;

	lclient_open(&c, f);
	lclient_lhlo(&c);
	lclient_send_message(&c, rcpt, 1,
			     "Subject: caf\xc3\xa9\r\n\r\n\xc3\xa9\r\n");
	lclient_close(&c);
	lmtp_fixture_text(f, "joe@example.com", false, "INBOX", 1, &msg);
	assert_true(str_has_suffix((const char *)msg.data,
				   "Subject: cafC)\r\n\r\n\xc3\xa9\r\n"));
	buf_free(&msg);
}

static void
test_quota_at_delivery(void **state)
{
	struct lmtp_fixture *f = *state;
	char body[3000];
	struct lclient c;

	memset(body, 'q', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	memcpy(body, "Subject: big\r\n\r\n", 16);
	lclient_open(&c, f);
	lclient_lhlo(&c);
	/* no SIZE=: accepted at RCPT, refused by the store's commit */
	lclient_send(&c, "MAIL FROM:<>\r\nRCPT TO:<tiny@example.com>\r\n"
			 "RCPT TO:<ann@example.com>\r\nDATA\r\n");
	lclient_expect(&c, "250");
	lclient_expect(&c, "250 2.1.5 <tiny@example.com>");
	lclient_expect(&c, "250 2.1.5 <ann@example.com>");
	lclient_expect(&c, "354");
	lclient_send(&c, body);
	lclient_send(&c, "\r\n.\r\n");
	lclient_expect(&c, "452 4.2.2 <tiny@example.com>");
	lclient_expect(&c, "250 2.0.0 <ann@example.com>");
	/* with SIZE= it is refused at RCPT */
	lclient_send(&c, "MAIL FROM:<> SIZE=3000\r\n"
			 "RCPT TO:<tiny@example.com>\r\n");
	lclient_expect(&c, "250");
	lclient_expect(&c, "452 4.2.2 <tiny@example.com>");
	lclient_close(&c);
	assert_int_equal(
	    lmtp_fixture_count(f, "tiny@example.com", false, "INBOX"), 0);
	assert_int_equal(
	    lmtp_fixture_count(f, "ann@example.com", false, "INBOX"), 1);
}

/* Opens a session with one transaction for joe@example.com that is in
   DATA, waiting for message content. */
static void
open_in_data(struct lmtp_fixture *f, struct lclient *c)
{
	lclient_open(c, f);
	lclient_lhlo(c);
	lclient_send(c, "MAIL FROM:<>\r\nRCPT TO:<joe@example.com>\r\n"
			"DATA\r\n");
	lclient_expect(c, "250");
	lclient_expect(c, "250");
	lclient_expect(c, "354");
}

static void
test_lost_connection(void **state)
{
	struct lmtp_fixture *f = *state;
	struct lclient c;

	open_in_data(f, &c);
	lclient_send(&c, "Subject: cut\r\n\r\nhalf a message\r\n");
	for (int i = 0; i < 500 && lmtp_fixture_spool_files(f) == 0; i++)
		usleep(10000);
	assert_int_equal(lmtp_fixture_spool_files(f), 1);
	lclient_close(&c);
	lmtp_fixture_wait_spool_empty(f);
	assert_int_equal(
	    lmtp_fixture_count(f, "joe@example.com", false, "INBOX"), 0);
	/* the same with BDAT, and with RSET */
	lclient_open(&c, f);
	lclient_lhlo(&c);
	lclient_send(&c, "MAIL FROM:<>\r\nRCPT TO:<joe@example.com>\r\n"
			 "BDAT 10\r\n0123456789RSET\r\n");
	lclient_expect(&c, "250");
	lclient_expect(&c, "250");
	lclient_expect(&c, "250 2.0.0 10 octets");
	lclient_expect(&c, "250 2.0.0 Reset");
	assert_int_equal(lmtp_fixture_spool_files(f), 0);
	lclient_send(&c, "MAIL FROM:<>\r\nRCPT TO:<joe@example.com>\r\n"
			 "BDAT 100 LAST\r\nonly part");
	lclient_expect(&c, "250");
	lclient_expect(&c, "250");
	lclient_close(&c);
	lmtp_fixture_wait_spool_empty(f);
	assert_int_equal(
	    lmtp_fixture_count(f, "joe@example.com", false, "INBOX"), 0);
}

static void
test_idle_timeout(void **state)
{
	struct lmtp_fixture *f = *state;
	uint64_t start = time_mono_ms();
	struct lclient c;

	open_in_data(f, &c);
	lclient_send(&c, "Subject: slow\r\n");
	lclient_expect(&c, "421 4.4.2");
	assert_true(lclient_wait_eof(&c));
	assert_true(time_mono_ms() - start >= 350);
	lclient_close(&c);
	lmtp_fixture_wait_spool_empty(f);
}

static void
test_shutdown(void **state)
{
	struct lmtp_fixture *f = *state;
	struct lclient c;

	open_in_data(f, &c);
	lclient_send(&c, "Subject: stop\r\n");
	lmtp_fixture_stop(f);
	lclient_expect(&c, "421 4.3.2");
	assert_true(lclient_wait_eof(&c));
	lclient_close(&c);
	assert_int_equal(lmtp_fixture_spool_files(f), 0);
	assert_int_equal(
	    lmtp_fixture_count(f, "joe@example.com", false, "INBOX"), 0);
}

#define MANY_RCPTS 1000

struct sender {
	struct lclient *c;
	struct buf script;
};

static void *
send_script(void *ctx)
{
	struct sender *snd = ctx;

	lclient_send_raw(snd->c, snd->script.data, snd->script.len);
	return NULL;
}

/* A client that sends everything before it reads a reply: 1000 long
   recipients give far more replies than max_net_buffer holds. The session
   must pause (output high-water mark) instead of overflowing. */
static void
test_unread_replies(void **state)
{
	struct lmtp_fixture *f = *state;
	char detail[200], line[512];
	struct sender snd = {NULL, BUF_INIT};
	struct lclient c;
	pthread_t t;

	memset(detail, 'd', sizeof(detail) - 1);
	detail[sizeof(detail) - 1] = '\0';
	lclient_open_rcvbuf(&c, f, 4096);
	snd.c = &c;
	buf_append_str(&snd.script, "LHLO x.org\r\nMAIL FROM:<>\r\n");
	for (int i = 0; i < MANY_RCPTS; i++)
		buf_printf(&snd.script, "RCPT TO:<joe+%s%d@example.com>\r\n",
			   detail, i);
	buf_append_str(&snd.script, "DATA\r\nSubject: many\r\n\r\nx\r\n.\r\n"
				    "QUIT\r\n");
	assert_int_equal(pthread_create(&t, NULL, send_script, &snd), 0);
	usleep(500000);
	lclient_expect(&c, "250 CHUNKING");
	lclient_expect(&c, "250 2.1.0");
	for (int i = 0; i < MANY_RCPTS; i++)
		lclient_expect(&c, "250 2.1.5 <joe+");
	lclient_expect(&c, "354");
	for (int i = 0; i < MANY_RCPTS; i++) {
		assert_int_equal(lclient_reply(&c, line, sizeof(line)), 250);
		if (i == 0)
			usleep(300000); /* let the output fill up once more */
	}
	lclient_expect(&c, "221");
	pthread_join(t, NULL);
	lclient_close(&c);
	buf_free(&snd.script);
	assert_int_equal(
	    lmtp_fixture_count(f, "joe@example.com", false, "INBOX"),
	    MANY_RCPTS);
	/* one file for all */
	assert_int_equal(lmtp_fixture_nlink(f, "joe@example.com", "INBOX", 1),
			 MANY_RCPTS);
}

#define CONCURRENT_CLIENTS 8
#define CONCURRENT_MESSAGES 10

struct worker {
	struct lmtp_fixture *f;
	int id;
};

static void *
concurrent_client(void *ctx)
{
	struct worker *w = ctx;
	const char *rcpt[] = {"joe@example.com"};
	struct lclient c;

	lclient_open(&c, w->f);
	lclient_lhlo(&c);
	for (int i = 0; i < CONCURRENT_MESSAGES; i++) {
		char body[128];

		snprintf(body, sizeof(body), "Subject: m-%d-%d\r\n\r\nx\r\n",
			 w->id, i);
		lclient_send_message(&c, rcpt, 1, body);
	}
	lclient_close(&c);
	return NULL;
}

static void
test_concurrent(void **state)
{
	struct lmtp_fixture *f = *state;
	struct worker w[CONCURRENT_CLIENTS];
	pthread_t t[CONCURRENT_CLIENTS];
	bool seen[CONCURRENT_CLIENTS][CONCURRENT_MESSAGES] = {{false}};
	struct buf msg = BUF_INIT;
	uint32_t count;

	for (int i = 0; i < CONCURRENT_CLIENTS; i++) {
		w[i].f = f;
		w[i].id = i;
		assert_int_equal(
		    pthread_create(&t[i], NULL, concurrent_client, &w[i]), 0);
	}
	for (int i = 0; i < CONCURRENT_CLIENTS; i++)
		pthread_join(t[i], NULL);
	count = lmtp_fixture_count(f, "joe@example.com", false, "INBOX");
	assert_int_equal(count, CONCURRENT_CLIENTS * CONCURRENT_MESSAGES);
	/* every acknowledged message is there exactly once */
	for (uint32_t seq = 1; seq <= count; seq++) {
		const char *subj;
		int id, n;

		lmtp_fixture_text(f, "joe@example.com", false, "INBOX", seq,
				  &msg);
		subj = strstr((const char *)msg.data, "Subject: m-");
		assert_non_null(subj);
		assert_int_equal(sscanf(subj, "Subject: m-%d-%d", &id, &n), 2);
		assert_false(seen[id][n]);
		seen[id][n] = true;
	}
	buf_free(&msg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_limits, setup_limits,
					    lmtp_test_teardown),
	    cmocka_unit_test_setup_teardown(test_8bit_header, setup,
					    lmtp_test_teardown),
	    cmocka_unit_test_setup_teardown(test_8bit_header_allowed,
					    setup_8bit, lmtp_test_teardown),
	    cmocka_unit_test_setup_teardown(test_quota_at_delivery, setup,
					    lmtp_test_teardown),
	    cmocka_unit_test_setup_teardown(test_lost_connection, setup,
					    lmtp_test_teardown),
	    cmocka_unit_test_setup_teardown(test_idle_timeout, setup_timeout,
					    lmtp_test_teardown),
	    cmocka_unit_test_setup_teardown(test_shutdown, setup,
					    lmtp_test_teardown),
	    cmocka_unit_test_setup_teardown(
		test_unread_replies, setup_small_output, lmtp_test_teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent, setup,
					    lmtp_test_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
