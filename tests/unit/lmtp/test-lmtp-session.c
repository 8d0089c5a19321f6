/* SPDX-License-Identifier: MIT */
/* LMTP sessions end to end (the protocol): a real net server, user
   database and store, driven over loopback sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "lmtp-test-util.h"
#include "lib/str.h"
#include "proto/lmtp/lmtp-command.h"

#include <string.h>

static int
setup(void **state)
{
	*state = lmtp_test_fixture("<shared_root name=\"Staff\"/>", 0, 0);
	return 0;
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
	lmtp_fixture_text(f, "joe@example.com", false, "INBOX", 1, &msg);
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
	lmtp_fixture_text(f, "ann@example.com", false, "INBOX", 1, &msg);
	assert_null(strstr((const char *)msg.data, "for <"));
	assert_non_null(strstr((const char *)msg.data, "Return-Path: <>\r\n"));
	buf_free(&msg);
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

	lmtp_fixture_create_mailbox(f, "joe@example.com", false, "work");
	lmtp_fixture_create_mailbox(f, "Staff", true, "Staff/bugs");
	lclient_open(&c, f);
	lclient_lhlo(&c);
	lclient_send_message(&c, rcpts, 4, "Subject: plus\r\n\r\nx\r\n");
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

	lmtp_fixture_text(f, "joe@example.com", false, "INBOX", 1, &msg);
	assert_true(str_has_suffix((const char *)msg.data,
				   "\r\nSubject: chunks\r\n\r\n.x\r\n"
				   "last\r\n\r\n"));
	lmtp_fixture_text(f, "ann@example.com", false, "INBOX", 2, &msg);
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
test_unix_socket(void **state)
{
	struct lmtp_fixture *f = *state;
	const char *rcpt[] = {"ann@example.com"};
	struct buf msg = BUF_INIT;
	struct lclient c;

	lclient_open_unix(&c, f);
	lclient_lhlo(&c);
	lclient_send_message(&c, rcpt, 1, "Subject: local\r\n\r\nx\r\n");
	lclient_close(&c);
	lmtp_fixture_text(f, "ann@example.com", false, "INBOX", 1, &msg);
	assert_non_null(strstr((const char *)msg.data,
			       "Received: from client.example.com\r\n\tby "));
	buf_free(&msg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_lhlo, setup,
					    lmtp_test_teardown),
	    cmocka_unit_test_setup_teardown(test_deliver, setup,
					    lmtp_test_teardown),
	    cmocka_unit_test_setup_teardown(test_pipelined_mixed, setup,
					    lmtp_test_teardown),
	    cmocka_unit_test_setup_teardown(test_plus_and_shared, setup,
					    lmtp_test_teardown),
	    cmocka_unit_test_setup_teardown(test_bdat, setup,
					    lmtp_test_teardown),
	    cmocka_unit_test_setup_teardown(test_bdat_refused, setup,
					    lmtp_test_teardown),
	    cmocka_unit_test_setup_teardown(test_sequence_errors, setup,
					    lmtp_test_teardown),
	    cmocka_unit_test_setup_teardown(test_too_many_errors, setup,
					    lmtp_test_teardown),
	    cmocka_unit_test_setup_teardown(test_long_line, setup,
					    lmtp_test_teardown),
	    cmocka_unit_test_setup_teardown(test_unix_socket, setup,
					    lmtp_test_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
