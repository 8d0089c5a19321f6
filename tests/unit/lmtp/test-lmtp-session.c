/* SPDX-License-Identifier: MIT */
/* LMTP sessions end to end: a real net server, user database and store,
   driven over loopback sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "lmtp-test-util.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "net/server.h"
#include "proto/lmtp/lmtp-command.h"
#include "store/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
setup_with(void **state, const char *extra, unsigned idle_ms)
{
	struct lmtp_fixture *f = calloc(1, sizeof(*f));

	lmtp_fixture_init(f, extra);
	f->idle_timeout_ms = idle_ms;
	lmtp_fixture_add_user(f, "joe@example.com", "joseph@example.org",
			      ACCOUNT_ENABLED, 0);
	lmtp_fixture_add_user(f, "ann@example.com", NULL, ACCOUNT_ENABLED, 0);
	lmtp_fixture_add_user(f, "off@example.com", NULL, ACCOUNT_DISABLED, 0);
	lmtp_fixture_add_user(f, "tiny@example.com", NULL, ACCOUNT_ENABLED, 1);
	lmtp_fixture_start(f);
	*state = f;
	return 0;
}

static int
setup(void **state)
{
	return setup_with(state, "<shared_root name=\"Staff\"/>", 0);
}

static int
setup_limits(void **state)
{
	return setup_with(state,
			  "<max_message_size>1000</max_message_size>"
			  "<lmtp_max_recipients>2</lmtp_max_recipients>",
			  0);
}

static int
setup_8bit(void **state)
{
	return setup_with(state, "<allow8bitheaders>true</allow8bitheaders>",
			  0);
}

/* A small output ceiling (max_net_buffer): replies overflow it unless
   the session waits for them to drain. */
static int
setup_small_output(void **state)
{
	struct lmtp_fixture *f = calloc(1, sizeof(*f));

	lmtp_fixture_init(f, NULL);
	f->max_net_buffer = 8192;
	lmtp_fixture_add_user(f, "joe@example.com", NULL, ACCOUNT_ENABLED, 0);
	lmtp_fixture_start(f);
	*state = f;
	return 0;
}

static int
setup_timeout(void **state)
{
	return setup_with(state, NULL, 400);
}

static int
teardown(void **state)
{
	struct lmtp_fixture *f = *state;

	lmtp_fixture_deinit(f);
	free(f);
	return 0;
}

static void
message_text(struct lmtp_fixture *f, const char *userid, bool shared,
	     const char *mailbox, uint32_t seq, struct buf *out)
{
	buf_clear(out);
	lmtp_fixture_message(f, userid, shared, mailbox, seq, out);
	buf_cstr(out);
}

/* Waits until the session's spool file is gone (the server notices a
   lost connection asynchronously). */
static void
wait_spool_empty(struct lmtp_fixture *f)
{
	for (int i = 0; i < 500 && lmtp_fixture_spool_files(f) > 0; i++)
		usleep(10000);
	assert_int_equal(lmtp_fixture_spool_files(f), 0);
}

static void
test_lhlo(void **state)
{
	struct lmtp_fixture *f = *state;
	struct lclient c;
	char line[512];

	lclient_open(&c, f);
	lclient_send(&c, "LHLO client.example.com\r\n");
	assert_int_equal(lclient_line(&c, line, sizeof(line)), 20);
	assert_string_equal(line, "250-lmtp.example.com");
	lclient_line(&c, line, sizeof(line));
	assert_string_equal(line, "250-PIPELINING");
	lclient_line(&c, line, sizeof(line));
	assert_string_equal(line, "250-ENHANCEDSTATUSCODES");
	lclient_line(&c, line, sizeof(line));
	assert_string_equal(line, "250-8BITMIME");
	lclient_line(&c, line, sizeof(line));
	assert_string_equal(line, "250-SIZE 52428800");
	lclient_line(&c, line, sizeof(line));
	assert_string_equal(line, "250 CHUNKING");
	lclient_send(&c, "EHLO x\r\nHELO x\r\nNOOP\r\nVRFY joe\r\nHELP\r\n"
			 "QUIT\r\n");
	lclient_expect(&c, "500 5.5.1");
	lclient_expect(&c, "500 5.5.1");
	lclient_expect(&c, "250 2.0.0");
	lclient_expect(&c, "252 2.0.0");
	lclient_expect(&c, "214 2.0.0");
	lclient_expect(&c, "221 2.0.0");
	assert_true(lclient_wait_eof(&c));
	lclient_close(&c);
}

static void
test_deliver(void **state)
{
	struct lmtp_fixture *f = *state;
	struct buf msg = BUF_INIT;
	struct lclient c;
	const char *text;

	lclient_open(&c, f);
	lclient_lhlo(&c);
	lclient_send(&c, "MAIL FROM:<sender@remote.org> BODY=8BITMIME\r\n");
	lclient_expect(&c, "250 2.1.0 <sender@remote.org>");
	lclient_send(&c, "RCPT TO:<Joe@Example.com>\r\n");
	lclient_expect(&c, "250 2.1.5 <Joe@Example.com>");
	lclient_send(&c, "DATA\r\n");
	lclient_expect(&c, "354 ");
	lclient_send(&c, "Subject: hello\r\nMessage-ID: <m1@remote.org>\r\n"
			 "\r\n..dotted\nbare lf\r\n\xe9t\xe9\r\n.\r\n");
	lclient_expect(&c, "250 2.0.0 <Joe@Example.com> Saved");
	lclient_send(&c, "QUIT\r\n");
	lclient_expect(&c, "221");
	lclient_close(&c);

	assert_int_equal(
	    lmtp_fixture_count(f, "joe@example.com", false, "INBOX"), 1);
	message_text(f, "joe@example.com", false, "INBOX", 1, &msg);
	text = (const char *)msg.data;
	assert_true(str_has_prefix(text, "Return-Path: <sender@remote.org>\r\n"
					 "Received: from client.example.com "
					 "([127.0.0.1])\r\n\tby "
					 "lmtp.example.com (Coffer) with "
					 "LMTP id "));
	assert_non_null(strstr(text, "\r\n\tfor <Joe@Example.com>;\r\n\t"));
	assert_non_null(strstr(text, "\r\nSubject: hello\r\nMessage-ID: "
				     "<m1@remote.org>\r\n\r\n.dotted\r\n"
				     "bare lf\r\n\xe9t\xe9\r\n"));
	assert_true(str_has_suffix(text, "\xe9t\xe9\r\n"));
	assert_int_equal(lmtp_fixture_spool_files(f), 0);
	buf_free(&msg);
}

static void
test_pipelined_mixed(void **state)
{
	struct lmtp_fixture *f = *state;
	struct lclient c;
	struct buf msg = BUF_INIT;

	lclient_open(&c, f);
	/* one write: the whole envelope, then the message and QUIT */
	lclient_send(&c, "LHLO client.example.com\r\n"
			 "MAIL FROM:<>\r\n"
			 "RCPT TO:<joe@example.com>\r\n"
			 "RCPT TO:<nobody@example.com>\r\n"
			 "RCPT TO:<off@example.com>\r\n"
			 "RCPT TO:<ann@example.com>\r\n"
			 "RCPT TO:<joseph@example.org>\r\n"
			 "DATA\r\n");
	lclient_expect(&c, "250 CHUNKING");
	lclient_expect(&c, "250 2.1.0 <>");
	lclient_expect(&c, "250 2.1.5 <joe@example.com>");
	lclient_expect(&c, "550 5.1.1 <nobody@example.com>");
	lclient_expect(&c, "550 5.2.1 <off@example.com>");
	lclient_expect(&c, "250 2.1.5 <ann@example.com>");
	lclient_expect(&c, "250 2.1.5 <joseph@example.org>");
	lclient_expect(&c, "354");
	lclient_send(&c, "Subject: multi\r\n\r\nbody\r\n.\r\nQUIT\r\n");
	/* RFC 2033 section 4.2: one reply per accepted RCPT, in order;
	   the alias gives joe a second copy */
	lclient_expect(&c, "250 2.0.0 <joe@example.com>");
	lclient_expect(&c, "250 2.0.0 <ann@example.com>");
	lclient_expect(&c, "250 2.0.0 <joseph@example.org>");
	lclient_expect(&c, "221");
	assert_true(lclient_wait_eof(&c));
	lclient_close(&c);
	assert_int_equal(
	    lmtp_fixture_count(f, "joe@example.com", false, "INBOX"), 2);
	assert_int_equal(
	    lmtp_fixture_count(f, "ann@example.com", false, "INBOX"), 1);
	/* single instance: one file, linked into all three places */
	assert_int_equal(lmtp_fixture_nlink(f, "ann@example.com", "INBOX", 1),
			 3);
	/* several recipients: no FOR clause */
	message_text(f, "ann@example.com", false, "INBOX", 1, &msg);
	assert_null(strstr((const char *)msg.data, "for <"));
	assert_non_null(strstr((const char *)msg.data, "Return-Path: <>\r\n"));
	buf_free(&msg);
}

static void
create_mailbox(struct lmtp_fixture *f, const char *userid, bool shared,
	       const char *name)
{
	struct store_user *user;
	struct err err;

	if (shared)
		assert_int_equal(store_shared_open(f->store, userid,
						   f->cfg->shared_roots[0].path,
						   true, &user, &err),
				 0);
	else
		assert_int_equal(
		    store_user_open(f->store, userid, NULL, true, &user, &err),
		    0);
	assert_int_equal(store_mailbox_create(user, name, NULL, &err), 0);
	store_user_close(&user);
}

static void
send_message(struct lclient *c, const char *rcpts[], size_t n, const char *body)
{
	char line[600];

	lclient_send(c, "MAIL FROM:<s@x.org>\r\n");
	lclient_expect(c, "250 2.1.0");
	for (size_t i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "RCPT TO:<%s>\r\n", rcpts[i]);
		lclient_send(c, line);
		lclient_expect(c, "250 2.1.5");
	}
	lclient_send(c, "DATA\r\n");
	lclient_expect(c, "354");
	lclient_send(c, body);
	lclient_send(c, ".\r\n");
	for (size_t i = 0; i < n; i++)
		lclient_expect(c, "250 2.0.0");
}

static void
test_plus_and_shared(void **state)
{
	struct lmtp_fixture *f = *state;
	const char *rcpts[] = {"joe+work@example.com",
			       "joe+nothere@example.com",
			       "shared+staff/bugs@example.com",
			       "shared+Staff/nothere@example.com"};
	struct lclient c;

	create_mailbox(f, "joe@example.com", false, "work");
	create_mailbox(f, "Staff", true, "Staff/bugs");
	lclient_open(&c, f);
	lclient_lhlo(&c);
	send_message(&c, rcpts, 4, "Subject: plus\r\n\r\nx\r\n");
	lclient_close(&c);
	assert_int_equal(
	    lmtp_fixture_count(f, "joe@example.com", false, "work"), 1);
	assert_int_equal(
	    lmtp_fixture_count(f, "joe@example.com", false, "INBOX"), 1);
	assert_int_equal(lmtp_fixture_count(f, "Staff", true, "Staff/bugs"), 1);
	assert_int_equal(lmtp_fixture_count(f, "Staff", true, "Staff"), 1);
}

static void
test_bdat(void **state)
{
	struct lmtp_fixture *f = *state;
	struct buf msg = BUF_INIT;
	struct lclient c;

	lclient_open(&c, f);
	lclient_lhlo(&c);
	lclient_send(&c, "MAIL FROM:<s@x.org>\r\nRCPT TO:<joe@example.com>\r\n"
			 "RCPT TO:<ann@example.com>\r\n"
			 /* a CR ends one chunk, its LF starts the next */
			 "BDAT 22\r\nSubject: chunks\r\n\r\n.x\r"
			 "BDAT 7\r\n\nlast\n\r"
			 "BDAT 0 LAST\r\n");
	lclient_expect(&c, "250 2.1.0");
	lclient_expect(&c, "250 2.1.5");
	lclient_expect(&c, "250 2.1.5");
	lclient_expect(&c, "250 2.0.0 22 octets received");
	lclient_expect(&c, "250 2.0.0 7 octets received");
	lclient_expect(&c, "250 2.0.0 <joe@example.com>");
	lclient_expect(&c, "250 2.0.0 <ann@example.com>");
	/* DATA is refused once BDAT was used in a transaction; so is RCPT */
	lclient_send(&c, "MAIL FROM:<>\r\nRCPT TO:<ann@example.com>\r\n"
			 "BDAT 3\r\nabcDATA\r\nRCPT TO:<joe@example.com>\r\n"
			 "BDAT 2 LAST\r\nde");
	lclient_expect(&c, "250 2.1.0");
	lclient_expect(&c, "250 2.1.5");
	lclient_expect(&c, "250 2.0.0 3 octets");
	lclient_expect(&c, "503 5.5.1");
	lclient_expect(&c, "503 5.5.1");
	lclient_expect(&c, "250 2.0.0 <ann@example.com>");
	lclient_send(&c, "QUIT\r\n");
	lclient_expect(&c, "221");
	lclient_close(&c);

	message_text(f, "joe@example.com", false, "INBOX", 1, &msg);
	assert_true(str_has_suffix((const char *)msg.data,
				   "\r\nSubject: chunks\r\n\r\n.x\r\n"
				   "last\r\n\r\n"));
	message_text(f, "ann@example.com", false, "INBOX", 2, &msg);
	assert_true(str_has_suffix((const char *)msg.data, "\r\nabcde"));
	buf_free(&msg);
}

static void
test_bdat_refused(void **state)
{
	struct lmtp_fixture *f = *state;
	struct lclient c;

	lclient_open(&c, f);
	/* before LHLO and outside a transaction: 503, the chunk is read
	   and dropped */
	lclient_send(&c, "BDAT 6\r\nNOOP\r\nLHLO x.org\r\n"
			 "BDAT 6 LAST\r\nRSET\r\nNOOP\r\n");
	lclient_expect(&c, "503 5.5.1 Send LHLO first");
	lclient_expect(&c, "250 CHUNKING");
	lclient_expect(&c, "503 5.5.1 Send MAIL first");
	lclient_expect(&c, "250 2.0.0 OK");
	/* no accepted recipient: a chunk gets 503, BDAT LAST gets no reply
	   at all (RFC 2033 section 4.3) */
	lclient_send(&c, "MAIL FROM:<>\r\nRCPT TO:<nobody@example.com>\r\n"
			 "BDAT 4\r\nQUITBDAT 4 LAST\r\nQUITNOOP\r\n");
	lclient_expect(&c, "250 2.1.0");
	lclient_expect(&c, "550 5.1.1");
	lclient_expect(&c, "503 5.5.1 No valid recipients");
	lclient_expect(&c, "250 2.0.0 OK");
	/* an unreadable chunk size ends the session */
	lclient_send(&c, "BDAT 12x\r\n");
	lclient_expect(&c, "501 5.5.4");
	assert_true(lclient_wait_eof(&c));
	lclient_close(&c);
	assert_int_equal(
	    lmtp_fixture_count(f, "joe@example.com", false, "INBOX"), 0);
}

static void
test_sequence_errors(void **state)
{
	struct lmtp_fixture *f = *state;
	struct lclient c;

	lclient_open(&c, f);
	lclient_send(&c, "MAIL FROM:<>\r\nRCPT TO:<joe@example.com>\r\n"
			 "DATA\r\nLHLO x.org\r\nRCPT TO:<joe@example.com>\r\n"
			 "DATA\r\nMAIL FROM:<>\r\nMAIL FROM:<>\r\nDATA\r\n"
			 "RCPT TO:<joe@example.com> FOO=BAR\r\n"
			 "RSET\r\nRCPT TO:<joe@example.com>\r\nQUIT\r\n");
	lclient_expect(&c, "503 5.5.1 Send LHLO first");
	lclient_expect(&c, "503 5.5.1 Send LHLO first");
	lclient_expect(&c, "503 5.5.1 Send LHLO first");
	lclient_expect(&c, "250 CHUNKING");
	lclient_expect(&c, "503 5.5.1 Send MAIL first");
	lclient_expect(&c, "503 5.5.1 Send MAIL first");
	lclient_expect(&c, "250 2.1.0");
	lclient_expect(&c, "503 5.5.1 Nested MAIL");
	/* RFC 2033 section 4.2: DATA without a successful RCPT */
	lclient_expect(&c, "503 5.5.1 No valid recipients");
	lclient_expect(&c, "555 5.5.4");
	lclient_expect(&c, "250 2.0.0 Reset");
	lclient_expect(&c, "503 5.5.1 Send MAIL first");
	lclient_expect(&c, "221");
	lclient_close(&c);
}

static void
test_too_many_errors(void **state)
{
	struct lmtp_fixture *f = *state;
	struct lclient c;

	lclient_open(&c, f);
	for (int i = 0; i < 9; i++) {
		lclient_send(&c, "FOO\r\n");
		lclient_expect(&c, "500 5.5.1");
	}
	lclient_send(&c, "NOOP\r\nBAR\r\nNOOP\r\n");
	lclient_expect(&c, "250");
	lclient_expect(&c, "500 5.5.1");
	lclient_expect(&c, "421 4.7.0");
	assert_true(lclient_wait_eof(&c));
	lclient_close(&c);
}

static void
test_long_line(void **state)
{
	struct lmtp_fixture *f = *state;
	char big[5100];
	struct lclient c;

	lclient_open(&c, f);
	/* in one write, so that the next command sits in the same read */
	memset(big, 'A', 5000);
	memcpy(big, "NOOP ", 5);
	memcpy(big + 5000, "\r\nNOOP\r\n", 8);
	lclient_send_raw(&c, big, 5008);
	lclient_expect(&c, "500 5.5.2 Line too long");
	lclient_expect(&c, "250 2.0.0 OK");
	/* in pieces: one error only, and the line is dropped to its end */
	lclient_send_raw(&c, big, 3000);
	lclient_expect(&c, "500 5.5.2 Line too long");
	lclient_send_raw(&c, big, 3000);
	lclient_send(&c, "\r\nNOOP\r\n");
	lclient_expect(&c, "250 2.0.0 OK");
	/* a line of exactly the limit is fine */
	memset(big, ' ', LMTP_LINE_MAX - 2);
	memcpy(big, "NOOP", 4);
	lclient_send_raw(&c, big, LMTP_LINE_MAX - 2);
	lclient_send(&c, "\r\n");
	lclient_expect(&c, "250 2.0.0 OK");
	lclient_close(&c);
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
	send_message(&c, rcpt, 1, "Subject: ok\r\n\r\ncaf\xc3\xa9\r\n");
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
	send_message(&c, rcpt, 1, "Subject: caf\xc3\xa9\r\n\r\n\xc3\xa9\r\n");
	lclient_close(&c);
	message_text(f, "joe@example.com", false, "INBOX", 1, &msg);
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

static void
test_lost_connection(void **state)
{
	struct lmtp_fixture *f = *state;
	struct lclient c;

	lclient_open(&c, f);
	lclient_lhlo(&c);
	lclient_send(&c, "MAIL FROM:<>\r\nRCPT TO:<joe@example.com>\r\n"
			 "DATA\r\n");
	lclient_expect(&c, "250");
	lclient_expect(&c, "250");
	lclient_expect(&c, "354");
	lclient_send(&c, "Subject: cut\r\n\r\nhalf a message\r\n");
	for (int i = 0; i < 500 && lmtp_fixture_spool_files(f) == 0; i++)
		usleep(10000);
	assert_int_equal(lmtp_fixture_spool_files(f), 1);
	lclient_close(&c);
	wait_spool_empty(f);
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
	wait_spool_empty(f);
	assert_int_equal(
	    lmtp_fixture_count(f, "joe@example.com", false, "INBOX"), 0);
}

static void
test_idle_timeout(void **state)
{
	struct lmtp_fixture *f = *state;
	uint64_t start = time_mono_ms();
	struct lclient c;

	lclient_open(&c, f);
	lclient_lhlo(&c);
	lclient_send(&c, "MAIL FROM:<>\r\nRCPT TO:<joe@example.com>\r\n"
			 "DATA\r\n");
	lclient_expect(&c, "250");
	lclient_expect(&c, "250");
	lclient_expect(&c, "354");
	lclient_send(&c, "Subject: slow\r\n");
	lclient_expect(&c, "421 4.4.2");
	assert_true(lclient_wait_eof(&c));
	assert_true(time_mono_ms() - start >= 350);
	lclient_close(&c);
	wait_spool_empty(f);
}

static void
test_unix_socket(void **state)
{
	struct lmtp_fixture *f = *state;
	const char *rcpt[] = {"ann@example.com"};
	struct buf msg = BUF_INIT;
	struct lclient c;

	lclient_open_unix(&c, f);
	lclient_lhlo(&c);
	send_message(&c, rcpt, 1, "Subject: local\r\n\r\nx\r\n");
	lclient_close(&c);
	message_text(f, "ann@example.com", false, "INBOX", 1, &msg);
	assert_non_null(strstr((const char *)msg.data,
			       "Received: from client.example.com\r\n\tby "));
	buf_free(&msg);
}

static void
test_shutdown(void **state)
{
	struct lmtp_fixture *f = *state;
	struct lclient c;

	lclient_open(&c, f);
	lclient_lhlo(&c);
	lclient_send(&c, "MAIL FROM:<>\r\nRCPT TO:<joe@example.com>\r\n"
			 "DATA\r\n");
	lclient_expect(&c, "250");
	lclient_expect(&c, "250");
	lclient_expect(&c, "354");
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
		send_message(&c, rcpt, 1, body);
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

		message_text(f, "joe@example.com", false, "INBOX", seq, &msg);
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
	    cmocka_unit_test_setup_teardown(test_lhlo, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deliver, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pipelined_mixed, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_plus_and_shared, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_bdat, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bdat_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sequence_errors, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_too_many_errors, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_long_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_limits, setup_limits,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_8bit_header, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_8bit_header_allowed,
					    setup_8bit, teardown),
	    cmocka_unit_test_setup_teardown(test_quota_at_delivery, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_lost_connection, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_idle_timeout, setup_timeout,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_unix_socket, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_shutdown, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unread_replies,
					    setup_small_output, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
