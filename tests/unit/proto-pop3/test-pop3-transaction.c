/* SPDX-License-Identifier: MIT */
/* POP3 sessions, TRANSACTION and UPDATE: STAT, LIST, UIDL, RETR, TOP,
   DELE, RSET, NOOP, QUIT; byte-stuffing on the wire, pipelining, large
   messages and listings under a small output bound, IN-USE, dropped
   connections, LOGIN-DELAY, idle timeout, messages expunged meanwhile. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pop3-test.h"
#include "store/store.h"
#include "lib/mem.h"
#include "lib/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MSG1 "From: a@example.com\r\nSubject: one\r\n\r\nbody 1\r\n"
#define MSG2                                                                \
	"From: b@example.com\r\nSubject: two\r\n\r\n.starts with a dot\r\n" \
	"..two dots\r\n.\r\nline 4\r\nline 5\r\n"
#define MSG3 "Subject: three\r\n\r\nno final line end"

static void
setup_three(struct pop3_env *e, uint32_t uids[3])
{
	uids[0] = pop3_env_append_str(e, MSG1);
	uids[1] = pop3_env_append_str(e, MSG2);
	uids[2] = pop3_env_append_str(e, MSG3);
}

static void
expect_body(struct tclient *tc, const char *want)
{
	struct buf got = BUF_INIT;

	pc_multiline(tc, &got);
	if (strcmp(buf_cstr(&got), want) != 0)
		fail_msg("got '%s', want '%s'", buf_cstr(&got), want);
	buf_free(&got);
}

static void
test_commands(void **state)
{
	struct pop3_env e;
	struct tclient tc;
	struct store_status st;
	struct err err;
	uint32_t uids[3];
	char line[512], want[512];

	(void)state;
	pop3_env_start(&e, NULL);
	setup_three(&e, uids);
	assert_int_equal(store_mailbox_status(e.alice, "INBOX",
					      STORE_STATUS_UIDVALIDITY, &st,
					      &err),
			 0);
	pc_open(&e, &tc);
	pc_login(&e, &tc);
	snprintf(want, sizeof(want), "+OK 3 %zu",
		 strlen(MSG1) + strlen(MSG2) + strlen(MSG3));
	pc_expect(&tc, "STAT", want);

	pc_expect(&tc, "LIST", "+OK 3 messages");
	snprintf(want, sizeof(want), "1 %zu\r\n2 %zu\r\n3 %zu\r\n",
		 strlen(MSG1), strlen(MSG2), strlen(MSG3));
	expect_body(&tc, want);
	snprintf(want, sizeof(want), "+OK 2 %zu", strlen(MSG2));
	pc_expect(&tc, "LIST 2", want);
	pc_expect(&tc, "LIST 4", "-ERR No such message, only 3 messages");
	pc_expect(&tc, "LIST 0", "-ERR");

	/* UIDL: "<uidvalidity>.<uid>", as IMAP sees them */
	snprintf(want, sizeof(want), "+OK 3 %u.%u", st.uidvalidity, uids[2]);
	pc_expect(&tc, "UIDL 3", want);
	pc_expect(&tc, "UIDL", "+OK");
	snprintf(want, sizeof(want), "1 %u.%u\r\n2 %u.%u\r\n3 %u.%u\r\n",
		 st.uidvalidity, uids[0], st.uidvalidity, uids[1],
		 st.uidvalidity, uids[2]);
	expect_body(&tc, want);

	/* RETR: the stored bytes; the size is that of LIST */
	snprintf(want, sizeof(want), "+OK %zu octets", strlen(MSG1));
	pc_expect(&tc, "RETR 1", want);
	expect_body(&tc, MSG1);
	pc_expect(&tc, "RETR 2", "+OK");
	expect_body(&tc, MSG2);
	/* the last line gets its CRLF before the terminator */
	pc_expect(&tc, "RETR 3", "+OK");
	expect_body(&tc, MSG3 "\r\n");

	/* TOP */
	pc_expect(&tc, "TOP 2 0", "+OK");
	expect_body(&tc, "From: b@example.com\r\nSubject: two\r\n\r\n");
	pc_expect(&tc, "TOP 2 2", "+OK");
	expect_body(&tc, "From: b@example.com\r\nSubject: two\r\n\r\n"
			 ".starts with a dot\r\n..two dots\r\n");
	pc_expect(&tc, "TOP 1 99999999999", "+OK");
	expect_body(&tc, MSG1);
	pc_expect(&tc, "TOP 9 1", "-ERR");

	/* DELE / RSET / NOOP */
	pc_expect(&tc, "DELE 2", "+OK Message 2 deleted");
	pc_expect(&tc, "DELE 2", "-ERR Message 2 already deleted");
	pc_expect(&tc, "RETR 2", "-ERR");
	pc_expect(&tc, "LIST 2", "-ERR");
	pc_expect(&tc, "UIDL 2", "-ERR");
	pc_expect(&tc, "TOP 2 1", "-ERR");
	snprintf(want, sizeof(want), "+OK 2 %zu", strlen(MSG1) + strlen(MSG3));
	pc_expect(&tc, "STAT", want);
	pc_expect(&tc, "LIST", "+OK 2 messages");
	{
		struct buf got = BUF_INIT;

		pc_multiline(&tc, &got);
		assert_null(strstr(buf_cstr(&got), "\n2 "));
		assert_int_equal(strncmp(buf_cstr(&got), "1 ", 2), 0);
		buf_free(&got);
	}
	pc_expect(&tc, "RSET", "+OK Maildrop has 3 messages");
	pc_expect(&tc, "NOOP", "+OK");
	pc_send(&tc, "NOOP");
	pc_read(&tc, line);
	assert_string_equal(line, "+OK");
	pc_expect(&tc, "DELE 1", "+OK");
	pc_expect(&tc, "DELE 3", "+OK");
	pc_expect(&tc, "QUIT", "+OK Logging out (1 messages left)");
	assert_true(tclient_wait_eof(&tc));
	tclient_close(&tc);

	/* the UPDATE state expunged exactly messages 1 and 3 */
	assert_int_equal(pop3_env_count(&e), 1);
	pc_open(&e, &tc);
	pc_login(&e, &tc);
	snprintf(want, sizeof(want), "+OK 1 %u.%u", st.uidvalidity, uids[1]);
	pc_expect(&tc, "UIDL 1", want);
	pc_expect(&tc, "DELE 1", "+OK");
	pc_expect(&tc, "QUIT", "+OK Logging out (maildrop empty)");
	tclient_close(&tc);
	assert_int_equal(pop3_env_count(&e), 0);
	pop3_env_stop(&e);
}

static void
test_pipelining(void **state)
{
	struct pop3_env e;
	struct tclient tc;
	uint32_t uids[3];

	(void)state;
	pop3_env_start(&e, NULL);
	setup_three(&e, uids);
	pc_open(&e, &tc);
	/* RFC 2449 section 6.6: everything in one write, answers in order */
	assert_int_equal(tclient_send_str(&tc, "USER alice\r\nPASS secret\r\n"
					       "STAT\r\nLIST\r\nRETR 2\r\n"
					       "UIDL\r\nTOP 1 0\r\nDELE 1\r\n"
					       "XYZZY\r\nNOOP\r\nQUIT\r\n"),
			 0);
	pc_expect_reply(&tc, "+OK");
	pc_expect_reply(&tc, "+OK Maildrop");
	pc_expect_reply(&tc, "+OK 3 ");
	pc_expect_reply(&tc, "+OK 3 messages");
	{
		struct buf b = BUF_INIT;

		pc_multiline(&tc, &b);
		pc_expect_reply(&tc, "+OK");
		buf_clear(&b);
		pc_multiline(&tc, &b);
		assert_non_null(strstr(buf_cstr(&b), "..two dots"));
		pc_expect_reply(&tc, "+OK");
		buf_clear(&b);
		pc_multiline(&tc, &b);
		pc_expect_reply(&tc, "+OK");
		buf_clear(&b);
		pc_multiline(&tc, &b);
		buf_free(&b);
	}
	pc_expect_reply(&tc, "+OK Message 1 deleted");
	pc_expect_reply(&tc, "-ERR Unknown command");
	pc_expect_reply(&tc, "+OK");
	pc_expect_reply(&tc, "+OK Logging out (2 messages left)");
	assert_true(tclient_wait_eof(&tc));
	tclient_close(&tc);
	assert_int_equal(pop3_env_count(&e), 2);
	pop3_env_stop(&e);
}

/* A large message with many dot lines, read slowly through an 8 KiB
   output bound: the content must arrive intact and the connection must
   never be closed for overflowing its buffer. */
static void
test_large_message(void **state)
{
	struct pop3_env_opts o = {.max_net_buffer = 8192};
	struct pop3_env e;
	struct tclient tc;
	struct buf msg = BUF_INIT, got = BUF_INIT;
	char line[512];

	(void)state;
	pop3_env_start(&e, &o);
	buf_append_str(&msg, "Subject: big\r\n\r\n");
	for (int i = 0; msg.len < 3 * 1024 * 1024; i++)
		buf_printf(&msg, "%s%d %s\r\n", i % 3 == 0 ? "." : "", i,
			   "lorem ipsum dolor sit amet consectetur");
	pop3_env_append(&e, msg.data, msg.len);
	pc_open(&e, &tc);
	pc_login(&e, &tc);
	pc_send(&tc, "RETR 1");
	pc_read(&tc, line);
	snprintf(line + 100, 100, "+OK %zu octets", msg.len);
	assert_string_equal(line, line + 100);
	usleep(200000); /* let the server hit its bound */
	pc_multiline(&tc, &got);
	assert_int_equal(got.len, msg.len);
	assert_memory_equal(got.data, msg.data, got.len);
	pc_expect(&tc, "NOOP", "+OK");
	pc_expect(&tc, "QUIT", "+OK");
	tclient_close(&tc);
	buf_free(&msg);
	buf_free(&got);
	pop3_env_stop(&e);
}

static void
test_large_listing(void **state)
{
	struct pop3_env_opts o = {.max_net_buffer = 4096};
	struct pop3_env e;
	struct tclient tc;
	struct buf got = BUF_INIT;
	enum { N = 1500 };
	unsigned lines = 0;

	(void)state;
	pop3_env_start(&e, &o);
	for (int i = 0; i < N; i++)
		pop3_env_append_str(&e, MSG1);
	pc_open(&e, &tc);
	pc_login(&e, &tc);
	pc_expect(&tc, "DELE 7", "+OK");
	/* two listings pipelined behind each other */
	assert_int_equal(tclient_send_str(&tc, "UIDL\r\nLIST\r\nSTAT\r\n"), 0);
	usleep(100000);
	pc_expect_reply(&tc, "+OK");
	pc_multiline(&tc, &got);
	for (size_t i = 0; i < got.len; i++)
		lines += got.data[i] == '\n';
	assert_int_equal(lines, N - 1);
	pc_expect_reply(&tc, "+OK");
	buf_clear(&got);
	pc_multiline(&tc, &got);
	assert_non_null(strstr(buf_cstr(&got), "1500 "));
	assert_null(strstr(buf_cstr(&got), "\n7 "));
	pc_expect_reply(&tc, "+OK 1499 ");
	tclient_close(&tc);
	buf_free(&got);
	pop3_env_stop(&e);
}

static void
test_in_use_and_drop(void **state)
{
	struct pop3_env e;
	struct tclient a, b;

	(void)state;
	pop3_env_start(&e, NULL);
	pop3_env_append_str(&e, MSG1);
	pop3_env_append_str(&e, MSG2);
	pc_open(&e, &a);
	pc_login(&e, &a);
	pc_expect(&a, "DELE 1", "+OK");
	/* RFC 2449 section 8.1.2 */
	pc_open(&e, &b);
	pc_expect(&b, "USER alice", "+OK");
	pc_expect(&b, "PASS secret", "-ERR [IN-USE]");
	/* another account is not affected */
	pc_expect(&b, "USER bob", "+OK");
	pc_expect(&b, "PASS secret", "+OK");
	tclient_close(&b);
	/* the connection drops: no UPDATE state, the lock is released */
	tclient_close(&a);
	for (int i = 0; i < 50; i++) {
		pc_open(&e, &b);
		pc_expect(&b, "USER alice", "+OK");
		pc_send(&b, "PASS secret");
		{
			char line[512];

			pc_read(&b, line);
			if (str_has_prefix(line, "+OK"))
				break;
			assert_true(str_has_prefix(line, "-ERR [IN-USE]"));
		}
		tclient_close(&b);
		usleep(20000);
	}
	pc_expect(&b, "STAT", "+OK 2 ");
	pc_expect(&b, "QUIT", "+OK");
	tclient_close(&b);
	assert_int_equal(pop3_env_count(&e), 2);
	pop3_env_stop(&e);
}

static void
test_login_delay(void **state)
{
	struct pop3_env_opts o = {.conf = "<login_delay>600</login_delay>"};
	struct pop3_env e;
	struct tclient tc;

	(void)state;
	pop3_env_start(&e, &o);
	pc_open(&e, &tc);
	pc_login(&e, &tc);
	pc_expect(&tc, "QUIT", "+OK");
	tclient_close(&tc);
	pc_open(&e, &tc);
	pc_expect(&tc, "USER alice", "+OK");
	pc_expect(&tc, "PASS secret", "-ERR [LOGIN-DELAY]");
	/* the session stays in AUTHORIZATION */
	pc_expect(&tc, "CAPA", "+OK");
	tclient_close(&tc);
	pop3_env_stop(&e);
}

static void
test_idle_timeout(void **state)
{
	struct pop3_env_opts o = {.pop_timeout = 1};
	struct pop3_env e;
	struct tclient tc;
	char buf[64];

	(void)state;
	pop3_env_start(&e, &o);
	pop3_env_append_str(&e, MSG1);
	pc_open(&e, &tc);
	pc_login(&e, &tc);
	pc_expect(&tc, "DELE 1", "+OK");
	/* RFC 1939 section 3: no response, no UPDATE state */
	assert_int_equal(recv(tc.fd, buf, sizeof(buf), 0), 0);
	tclient_close(&tc);
	assert_int_equal(pop3_env_count(&e), 1);
	/* and the maildrop is free again */
	pc_open(&e, &tc);
	pc_login(&e, &tc);
	tclient_close(&tc);
	pop3_env_stop(&e);
}

static void
test_expunged_meanwhile(void **state)
{
	struct store_flag_update del = {.mode = STORE_FLAGS_ADD,
					.flags = STORE_FLAG_DELETED};
	struct store_uid_set set = {0};
	struct store_mailbox *box;
	struct pop3_env e;
	struct tclient tc;
	struct err err;
	uint32_t uids[3];

	(void)state;
	pop3_env_start(&e, NULL);
	setup_three(&e, uids);
	pc_open(&e, &tc);
	pc_login(&e, &tc);
	/* an IMAP session expunges message 2 */
	assert_int_equal(store_mailbox_open(e.alice, "INBOX", 0, &box, &err),
			 0);
	store_uid_set_add(&set, uids[1], uids[1]);
	assert_int_equal(store_update_flags(box, &set, &del, NULL, &err), 0);
	assert_int_equal(store_expunge(box, &set, &err), 0);
	store_uid_set_free(&set);
	store_mailbox_close(&box);
	pc_expect(&tc, "RETR 2", "-ERR Message 2 was removed");
	pc_expect(&tc, "LIST 2", "+OK 2 ");
	pc_expect(&tc, "RETR 1", "+OK");
	{
		struct buf b = BUF_INIT;

		pc_multiline(&tc, &b);
		buf_free(&b);
	}
	pc_expect(&tc, "DELE 2", "+OK");
	pc_expect(&tc, "QUIT", "+OK");
	tclient_close(&tc);
	assert_int_equal(pop3_env_count(&e), 2);
	pop3_env_stop(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_commands),
	    cmocka_unit_test(test_pipelining),
	    cmocka_unit_test(test_large_message),
	    cmocka_unit_test(test_large_listing),
	    cmocka_unit_test(test_in_use_and_drop),
	    cmocka_unit_test(test_login_delay),
	    cmocka_unit_test(test_idle_timeout),
	    cmocka_unit_test(test_expunged_meanwhile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
