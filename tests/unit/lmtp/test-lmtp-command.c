/* SPDX-License-Identifier: MIT */
/* Unit tests for the LMTP command-line parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "proto/lmtp/lmtp-command.h"
#include "proto/lmtp/lmtp-status.h"

#include <stdio.h>
#include <string.h>

static const struct lmtp_status *
parse(const char *line, struct lmtp_command *cmd)
{
	const struct lmtp_status *st = NULL;

	if (lmtp_command_parse(line, strlen(line), cmd, &st) == 0)
		return NULL;
	assert_non_null(st);
	return st;
}

static void
expect_error(const char *line, const struct lmtp_status *want)
{
	struct lmtp_command cmd;
	const struct lmtp_status *st = parse(line, &cmd);

	if (st != want)
		fail_msg("\"%s\": got %s, want %u %s", line,
			 st == NULL ? "success" : st->text, want->code,
			 want->text);
}

static void
test_verbs(void **state)
{
	struct lmtp_command cmd;

	assert_null(parse("LHLO mx.example.com", &cmd));
	assert_int_equal(cmd.verb, LMTP_VERB_LHLO);
	assert_string_equal(cmd.domain, "mx.example.com");
	assert_null(parse("lhlo [192.0.2.1] extra words", &cmd));
	assert_string_equal(cmd.domain, "[192.0.2.1]");
	assert_null(parse("LHLO [IPv6:2001:db8::1]", &cmd));
	assert_null(parse("lhlo under_score.example", &cmd));
	assert_null(parse("DATA", &cmd));
	assert_int_equal(cmd.verb, LMTP_VERB_DATA);
	assert_null(parse("data  ", &cmd)); /* trailing white space */
	assert_null(parse("RSET", &cmd));
	assert_null(parse("QUIT", &cmd));
	assert_int_equal(cmd.verb, LMTP_VERB_QUIT);
	assert_null(parse("NOOP", &cmd));
	assert_null(parse("NOOP anything goes", &cmd));
	assert_null(parse("HELP", &cmd));
	assert_null(parse("VRFY joe", &cmd));
	assert_null(parse("HELO x.org", &cmd));
	assert_int_equal(cmd.verb, LMTP_VERB_HELO);
	assert_null(parse("EHLO x.org", &cmd));
	assert_int_equal(cmd.verb, LMTP_VERB_EHLO);
	assert_string_equal(lmtp_command_verb_name(LMTP_VERB_BDAT), "BDAT");
}

static void
test_verb_errors(void **state)
{
	expect_error("", &lmtp_st_empty_line);
	expect_error("XYZZY", &lmtp_st_unknown_cmd);
	expect_error("DATAX", &lmtp_st_unknown_cmd);
	expect_error("STARTTLS", &lmtp_st_unknown_cmd);
	expect_error(" DATA", &lmtp_st_unknown_cmd);
	expect_error("DATA now", &lmtp_st_no_params);
	expect_error("RSET x", &lmtp_st_no_params);
	expect_error("QUIT x", &lmtp_st_no_params);
	expect_error("VRFY", &lmtp_st_missing_arg);
	expect_error("LHLO", &lmtp_st_missing_arg);
	expect_error("LHLO   ", &lmtp_st_missing_arg);
	expect_error("LHLO a(b)", &lmtp_st_bad_domain);
	expect_error("LHLO [", &lmtp_st_bad_domain);
	expect_error("LHLO []", &lmtp_st_bad_domain);
	expect_error("NOOP \x01", &lmtp_st_bad_chars);
	expect_error("NOOP \xc3\xa9", &lmtp_st_bad_chars);
	expect_error("NOOP \t", &lmtp_st_bad_chars);
	expect_error("NOOP \x7f", &lmtp_st_bad_chars);
}

static void
test_nul_is_bad(void **state)
{
	struct lmtp_command cmd;
	const struct lmtp_status *st;

	assert_int_equal(lmtp_command_parse("NOOP\0x", 6, &cmd, &st), -1);
	assert_ptr_equal(st, &lmtp_st_bad_chars);
	/* the length is honoured, not the NUL */
	assert_int_equal(lmtp_command_parse("QUITXXXX", 4, &cmd, &st), 0);
	assert_int_equal(cmd.verb, LMTP_VERB_QUIT);
}

static void
test_mail(void **state)
{
	struct lmtp_command cmd;

	assert_null(parse("MAIL FROM:<joe@example.com>", &cmd));
	assert_int_equal(cmd.verb, LMTP_VERB_MAIL);
	assert_false(cmd.path.null);
	assert_string_equal(cmd.path.mailbox, "joe@example.com");
	assert_string_equal(cmd.path.local, "joe");
	assert_string_equal(cmd.path.domain, "example.com");
	assert_false(cmd.has_size);
	assert_int_equal(cmd.body, LMTP_BODY_DEFAULT);

	assert_null(parse("mail from:<>", &cmd));
	assert_true(cmd.path.null);
	assert_string_equal(cmd.path.mailbox, "");

	assert_null(parse("MAIL FROM: <a.b-c+d@[192.0.2.1]> SIZE=1234 "
			  "BODY=8BITMIME  ",
			  &cmd));
	assert_string_equal(cmd.path.domain, "[192.0.2.1]");
	assert_true(cmd.has_size);
	assert_int_equal(cmd.size, 1234);
	assert_int_equal(cmd.body, LMTP_BODY_8BITMIME);

	assert_null(parse("MAIL FROM:<\"john \\\"q\\\" doe\"@x.org> "
			  "body=7bit size=0",
			  &cmd));
	assert_true(cmd.path.quoted);
	assert_string_equal(cmd.path.local, "john \"q\" doe");
	assert_string_equal(cmd.path.mailbox, "\"john \\\"q\\\" doe\"@x.org");
	assert_int_equal(cmd.body, LMTP_BODY_7BIT);
	assert_int_equal(cmd.size, 0);

	/* a quoted '>' does not end the path */
	assert_null(parse("MAIL FROM:<\"a>b\"@x.org>", &cmd));
	assert_string_equal(cmd.path.local, "a>b");

	/* source routes are dropped */
	assert_null(parse("MAIL FROM:<@a.org,@b.org:joe@c.org>", &cmd));
	assert_string_equal(cmd.path.mailbox, "joe@c.org");

	/* tolerated sender oddities */
	assert_null(parse("MAIL FROM:<bounce..x_y@host_name.example>", &cmd));

	/* SIZE saturates beyond 2^64-1 */
	assert_null(parse("MAIL FROM:<> SIZE=99999999999999999999", &cmd));
	assert_int_equal(cmd.size, UINT64_MAX);
	assert_null(parse("MAIL FROM:<> SIZE=18446744073709551615", &cmd));
	assert_int_equal(cmd.size, UINT64_MAX);
}

static void
test_mail_errors(void **state)
{
	expect_error("MAIL", &lmtp_st_syntax);
	expect_error("MAIL FROM", &lmtp_st_syntax);
	expect_error("MAIL TO:<a@b>", &lmtp_st_syntax);
	expect_error("MAIL FROM:", &lmtp_st_bad_sender);
	expect_error("MAIL FROM:joe@x.org", &lmtp_st_bad_sender);
	expect_error("MAIL FROM:<joe@x.org", &lmtp_st_bad_sender);
	expect_error("MAIL FROM:<joe>", &lmtp_st_bad_sender);
	expect_error("MAIL FROM:<postmaster>", &lmtp_st_bad_sender);
	expect_error("MAIL FROM:<@x.org>", &lmtp_st_bad_sender);
	expect_error("MAIL FROM:<joe@>", &lmtp_st_bad_sender);
	expect_error("MAIL FROM:<joe@x.org>SIZE=1", &lmtp_st_bad_sender);
	expect_error("MAIL FROM:<jo e@x.org>", &lmtp_st_bad_sender);
	expect_error("MAIL FROM:<\"unterminated@x.org>", &lmtp_st_bad_sender);
	expect_error("MAIL FROM:<@a.org joe@x.org>", &lmtp_st_bad_sender);
	expect_error("MAIL FROM:<joe@[1.2.3.4>", &lmtp_st_bad_sender);
	expect_error("MAIL FROM:<> SIZE=", &lmtp_st_syntax);
	expect_error("MAIL FROM:<> SIZE=12a", &lmtp_st_param_value);
	expect_error("MAIL FROM:<> SIZE=123456789012345678901",
		     &lmtp_st_param_value);
	expect_error("MAIL FROM:<> SIZE", &lmtp_st_param_value);
	expect_error("MAIL FROM:<> SIZE=1 SIZE=2", &lmtp_st_syntax);
	expect_error("MAIL FROM:<> BODY=7BIT BODY=7BIT", &lmtp_st_syntax);
	expect_error("MAIL FROM:<> BODY=BINARYMIME", &lmtp_st_param_unknown);
	expect_error("MAIL FROM:<> SMTPUTF8", &lmtp_st_param_unknown);
	expect_error("MAIL FROM:<> RET=FULL", &lmtp_st_param_unknown);
	expect_error("MAIL FROM:<> =x", &lmtp_st_syntax);
	expect_error("MAIL FROM:<> A=b=c", &lmtp_st_syntax);
}

static void
test_rcpt(void **state)
{
	struct lmtp_command cmd;

	assert_null(parse("RCPT TO:<joe+lists/ietf@Example.COM>", &cmd));
	assert_int_equal(cmd.verb, LMTP_VERB_RCPT);
	assert_string_equal(cmd.path.local, "joe+lists/ietf");
	assert_string_equal(cmd.path.domain, "Example.COM");
	assert_null(parse("rcpt to:<Postmaster>", &cmd));
	assert_string_equal(cmd.path.local, "Postmaster");
	assert_string_equal(cmd.path.domain, "");
	assert_string_equal(cmd.path.mailbox, "Postmaster");
	assert_null(parse("RCPT TO: <a@b.c>  ", &cmd));

	expect_error("RCPT TO:<>", &lmtp_st_bad_rcpt);
	expect_error("RCPT TO:<joe>", &lmtp_st_bad_rcpt);
	expect_error("RCPT TO:<\"postmaster\">", &lmtp_st_bad_rcpt);
	expect_error("RCPT TO:<a@b.c> NOTIFY=NEVER", &lmtp_st_param_unknown);
	expect_error("RCPT FROM:<a@b.c>", &lmtp_st_syntax);
}

static void
test_path_limit(void **state)
{
	char line[600], local[300];
	struct lmtp_command cmd;

	/* "<" + local + "@x.org" + ">" = 256 octets: the largest path */
	memset(local, 'a', 248);
	local[248] = '\0';
	snprintf(line, sizeof(line), "MAIL FROM:<%s@x.org>", local);
	assert_null(parse(line, &cmd));
	assert_int_equal(strlen(cmd.path.mailbox), 254);
	snprintf(line, sizeof(line), "MAIL FROM:<%sa@x.org>", local);
	expect_error(line, &lmtp_st_bad_sender);
	/* the same in a quoted local part */
	memset(local, 'b', 246);
	local[246] = '\0';
	snprintf(line, sizeof(line), "RCPT TO:<\"%s\"@x.org>", local);
	assert_null(parse(line, &cmd));
	snprintf(line, sizeof(line), "RCPT TO:<\"%sb\"@x.org>", local);
	expect_error(line, &lmtp_st_bad_rcpt);
	/* a domain longer than 255 octets */
	memset(local, 'd', 260);
	local[260] = '\0';
	snprintf(line, sizeof(line), "MAIL FROM:<a@%s>", local);
	expect_error(line, &lmtp_st_bad_sender);
}

static void
test_bdat(void **state)
{
	struct lmtp_command cmd;

	assert_null(parse("BDAT 0 LAST", &cmd));
	assert_int_equal(cmd.verb, LMTP_VERB_BDAT);
	assert_int_equal(cmd.size, 0);
	assert_true(cmd.last);
	assert_null(parse("bdat 000123", &cmd));
	assert_int_equal(cmd.size, 123);
	assert_false(cmd.last);
	assert_null(parse("BDAT 18446744073709551615 last ", &cmd));
	assert_int_equal(cmd.size, UINT64_MAX);
	assert_true(cmd.last);

	expect_error("BDAT", &lmtp_st_bad_chunk_size);
	expect_error("BDAT ", &lmtp_st_bad_chunk_size);
	expect_error("BDAT x", &lmtp_st_bad_chunk_size);
	expect_error("BDAT -1", &lmtp_st_bad_chunk_size);
	expect_error("BDAT 18446744073709551616", &lmtp_st_bad_chunk_size);
	expect_error("BDAT 1 FIRST", &lmtp_st_bad_chunk_size);
	expect_error("BDAT 1 LAST x", &lmtp_st_bad_chunk_size);
	expect_error("BDAT 1LAST", &lmtp_st_bad_chunk_size);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_verbs),
	    cmocka_unit_test(test_verb_errors),
	    cmocka_unit_test(test_nul_is_bad),
	    cmocka_unit_test(test_mail),
	    cmocka_unit_test(test_mail_errors),
	    cmocka_unit_test(test_rcpt),
	    cmocka_unit_test(test_path_limit),
	    cmocka_unit_test(test_bdat),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
