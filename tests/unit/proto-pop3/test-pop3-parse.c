/* SPDX-License-Identifier: MIT */
/* POP3 command lines, message numbers, TOP counts and PLAIN messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "proto/pop3/pop3-parse.h"
#include "lib/macros.h"

#include <string.h>

static enum pop3_parse_result
parse(const char *line, struct pop3_cmd *cmd)
{
	return pop3_parse_command(line, strlen(line), cmd);
}

static void
assert_arg(const struct pop3_arg *arg, const char *expect)
{
	assert_int_equal(arg->len, strlen(expect));
	assert_memory_equal(arg->p, expect, arg->len);
}

static void
test_commands(void **state)
{
	struct pop3_cmd cmd;

	(void)state;
	assert_int_equal(parse("STAT", &cmd), POP3_PARSE_OK);
	assert_int_equal(cmd.verb, POP3_CMD_STAT);
	assert_int_equal(cmd.nargs, 0);
	/* RFC 1939 section 3: keywords are case-insensitive */
	assert_int_equal(parse("sTaT", &cmd), POP3_PARSE_OK);
	assert_int_equal(cmd.verb, POP3_CMD_STAT);
	assert_int_equal(parse("top 1 10", &cmd), POP3_PARSE_OK);
	assert_int_equal(cmd.verb, POP3_CMD_TOP);
	assert_int_equal(cmd.nargs, 2);
	assert_arg(&cmd.args[0], "1");
	assert_arg(&cmd.args[1], "10");
	/* extra spaces are tolerated */
	assert_int_equal(parse("  LIST   7  ", &cmd), POP3_PARSE_OK);
	assert_int_equal(cmd.verb, POP3_CMD_LIST);
	assert_int_equal(cmd.nargs, 1);
	assert_arg(&cmd.args[0], "7");
	assert_int_equal(parse("LIST", &cmd), POP3_PARSE_OK);
	assert_int_equal(cmd.nargs, 0);
	assert_int_equal(parse("UIDL 3", &cmd), POP3_PARSE_OK);
	assert_int_equal(parse("AUTH", &cmd), POP3_PARSE_OK);
	assert_int_equal(parse("AUTH PLAIN", &cmd), POP3_PARSE_OK);
	assert_int_equal(parse("AUTH PLAIN =", &cmd), POP3_PARSE_OK);
	assert_int_equal(cmd.nargs, 2);
	assert_arg(&cmd.args[1], "=");
	assert_int_equal(parse("USER alice@example.com", &cmd), POP3_PARSE_OK);
	assert_arg(&cmd.args[0], "alice@example.com");
	/* UTF-8 passes through */
	assert_int_equal(parse("USER j\xc3\xb6rg", &cmd), POP3_PARSE_OK);
	assert_int_equal(parse("APOP a b", &cmd), POP3_PARSE_OK);
	for (int v = 0; v < POP3_CMD_COUNT; v++)
		assert_int_equal(strlen(pop3_parse_verb_name(v)) >= 3, 1);
	assert_string_equal(pop3_parse_verb_name(POP3_CMD_COUNT), "?");
}

static void
test_pass(void **state)
{
	struct pop3_cmd cmd;

	(void)state;
	/* RFC 1939 section 7: spaces are part of the password */
	assert_int_equal(parse("PASS  my secret ", &cmd), POP3_PARSE_OK);
	assert_int_equal(cmd.verb, POP3_CMD_PASS);
	assert_int_equal(cmd.nargs, 1);
	assert_arg(&cmd.args[0], " my secret ");
	assert_int_equal(parse("pass x", &cmd), POP3_PARSE_OK);
	assert_arg(&cmd.args[0], "x");
	assert_int_equal(parse("PASS", &cmd), POP3_PARSE_SYNTAX);
	assert_int_equal(cmd.verb, POP3_CMD_PASS);
	assert_int_equal(parse("PASS ", &cmd), POP3_PARSE_SYNTAX);
}

static void
test_errors(void **state)
{
	struct pop3_cmd cmd;

	(void)state;
	assert_int_equal(parse("", &cmd), POP3_PARSE_EMPTY);
	assert_int_equal(parse("   ", &cmd), POP3_PARSE_EMPTY);
	assert_int_equal(parse("XYZZY", &cmd), POP3_PARSE_UNKNOWN);
	assert_int_equal(parse("RE", &cmd), POP3_PARSE_UNKNOWN);
	assert_int_equal(parse("RETRX 1", &cmd), POP3_PARSE_UNKNOWN);
	assert_int_equal(parse("STAT\t", &cmd), POP3_PARSE_BAD_CHAR);
	assert_int_equal(pop3_parse_command("STAT\0", 5, &cmd),
			 POP3_PARSE_BAD_CHAR);
	assert_int_equal(parse("RETR 1\x7f", &cmd), POP3_PARSE_BAD_CHAR);
	assert_int_equal(parse("RETR\r", &cmd), POP3_PARSE_BAD_CHAR);
	/* arity */
	assert_int_equal(parse("STAT 1", &cmd), POP3_PARSE_SYNTAX);
	assert_int_equal(cmd.verb, POP3_CMD_STAT);
	assert_int_equal(parse("RETR", &cmd), POP3_PARSE_SYNTAX);
	assert_int_equal(parse("RETR 1 2", &cmd), POP3_PARSE_SYNTAX);
	assert_int_equal(parse("TOP 1", &cmd), POP3_PARSE_SYNTAX);
	assert_int_equal(parse("TOP 1 2 3", &cmd), POP3_PARSE_SYNTAX);
	assert_int_equal(parse("LIST 1 2", &cmd), POP3_PARSE_SYNTAX);
	assert_int_equal(parse("USER", &cmd), POP3_PARSE_SYNTAX);
	assert_int_equal(parse("USER a b", &cmd), POP3_PARSE_SYNTAX);
	assert_int_equal(parse("AUTH a b c", &cmd), POP3_PARSE_SYNTAX);
	assert_int_equal(parse("APOP a", &cmd), POP3_PARSE_SYNTAX);
	assert_int_equal(parse("QUIT now", &cmd), POP3_PARSE_SYNTAX);
}

static void
test_numbers(void **state)
{
	struct pop3_arg a;
	uint32_t n;
	uint64_t c;
	const char *bad_msg[] = {"",   "0",	     "-1",	    "+1",  "1a",
				 " 1", "4294967296", "99999999999", "0x10"};
	const char *bad_count[] = {"", "-0", "1.0", "18446744073709551616",
				   "99999999999999999999"};

	(void)state;
	a.p = "1";
	a.len = 1;
	assert_int_equal(pop3_parse_msgnum(&a, &n), 0);
	assert_int_equal(n, 1);
	a.p = "4294967295";
	a.len = strlen(a.p);
	assert_int_equal(pop3_parse_msgnum(&a, &n), 0);
	assert_int_equal(n, UINT32_MAX);
	a.p = "007";
	a.len = 3;
	assert_int_equal(pop3_parse_msgnum(&a, &n), 0);
	assert_int_equal(n, 7);
	for (size_t i = 0; i < N_ELEMENTS(bad_msg); i++) {
		a.p = bad_msg[i];
		a.len = strlen(a.p);
		assert_int_equal(pop3_parse_msgnum(&a, &n), -1);
	}
	a.p = "0";
	a.len = 1;
	assert_int_equal(pop3_parse_count(&a, &c), 0);
	assert_int_equal(c, 0);
	a.p = "9999999999999999999";
	a.len = strlen(a.p);
	assert_int_equal(pop3_parse_count(&a, &c), 0);
	for (size_t i = 0; i < N_ELEMENTS(bad_count); i++) {
		a.p = bad_count[i];
		a.len = strlen(a.p);
		assert_int_equal(pop3_parse_count(&a, &c), -1);
	}
}

static int
plain(const char *msg, size_t len, struct pop3_plain *p)
{
	return pop3_parse_plain((const uint8_t *)msg, len, 255, p);
}

static void
test_plain(void **state)
{
	struct pop3_plain p;
	char big[600];

	(void)state;
	assert_int_equal(plain("\0alice\0secret", 13, &p), 0);
	assert_int_equal(p.authzid_len, 0);
	assert_int_equal(p.authcid_len, 5);
	assert_memory_equal(p.authcid, "alice", 5);
	assert_int_equal(p.passwd_len, 6);
	assert_memory_equal(p.passwd, "secret", 6);
	assert_int_equal(plain("admin\0alice\0pw", 14, &p), 0);
	assert_int_equal(p.authzid_len, 5);
	assert_memory_equal(p.authzid, "admin", 5);
	/* spaces and UTF-8 inside parts */
	assert_int_equal(plain("\0j\xc3\xb6rg\0a b", 10, &p), 0);

	assert_int_equal(plain("", 0, &p), -1);
	assert_int_equal(plain("alice", 5, &p), -1);
	assert_int_equal(plain("\0alice", 6, &p), -1);
	assert_int_equal(plain("\0alice\0", 7, &p), -1);  /* no passwd */
	assert_int_equal(plain("\0\0secret", 8, &p), -1); /* no authcid */
	assert_int_equal(plain("\0a\0b\0c", 7, &p), -1);  /* third NUL */
	assert_int_equal(plain("\0a\0\xff", 4, &p), -1);  /* not UTF-8 */
	assert_int_equal(plain("\xc0\x80\0a\0b", 6, &p), -1);
	memset(big, 'x', sizeof(big));
	big[0] = '\0';
	big[2] = '\0';
	/* a 597-octet password is over this limit */
	assert_int_equal(plain(big, sizeof(big), &p), -1);
	assert_int_equal(
	    pop3_parse_plain((const uint8_t *)big, sizeof(big), 1024, &p), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_commands), cmocka_unit_test(test_pass),
	    cmocka_unit_test(test_errors),   cmocka_unit_test(test_numbers),
	    cmocka_unit_test(test_plain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
