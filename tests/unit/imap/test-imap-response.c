/* SPDX-License-Identifier: MIT */
/* Unit tests for response building, capabilities and mailbox names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "proto/imap/imap-mailbox.h"
#include "proto/imap/imap-response.h"
#include "proto/imap/imap-search-parse.h"

#include <string.h>

static void
test_status(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	imap_response_status(&b, "a1", IMAP_STATUS_OK, NULL, "NOOP completed");
	imap_response_status(&b, NULL, IMAP_STATUS_OK, "UIDNEXT 4392",
			     "Predicted next UID");
	imap_response_status(&b, "a2", IMAP_STATUS_NO,
			     "BADCHARSET (" IMAP_SEARCH_CHARSETS ")",
			     "Unsupported charset");
	imap_response_status(&b, "a3", IMAP_STATUS_BAD, NULL, "");
	imap_response_status(&b, NULL, IMAP_STATUS_BYE, NULL, NULL);
	imap_response_status(&b, NULL, IMAP_STATUS_PREAUTH, "", "hi");
	assert_string_equal(buf_cstr(&b),
			    "a1 OK NOOP completed\r\n"
			    "* OK [UIDNEXT 4392] Predicted next UID\r\n"
			    "a2 NO [BADCHARSET (US-ASCII UTF-8)] Unsupported "
			    "charset\r\n"
			    "a3 BAD BAD\r\n"
			    "* BYE BYE\r\n"
			    "* PREAUTH hi\r\n");
	buf_clear(&b);
	/* client bytes can neither split the line nor end the code */
	imap_response_status(&b, "t", IMAP_STATUS_BAD, "X a]b\r\n",
			     "Unknown command FOO\r\n* OK caf\xc3\xa9");
	assert_string_equal(buf_cstr(&b), "t BAD [X a?b??] Unknown command "
					  "FOO??* OK caf??\r\n");
	buf_clear(&b);
	imap_response_continue(&b, "Ready for literal data");
	imap_response_continue(&b, NULL);
	imap_response_continue_base64(&b, "", 0);
	imap_response_continue_base64(&b, "hi", 2);
	assert_string_equal(buf_cstr(&b), "+ Ready for literal data\r\n"
					  "+ OK\r\n+ \r\n+ aGk=\r\n");
	buf_free(&b);
	buf_init(&b, 8);
	assert_int_equal(
	    imap_response_status(&b, "tag", IMAP_STATUS_OK, NULL, "long text"),
	    -1);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void
test_capabilities(void **state)
{
	struct imap_capabilities *caps = imap_capabilities_create();
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(imap_capabilities_add(caps, "IDLE"), 0);
	assert_int_equal(imap_capabilities_add(caps, "AUTH=PLAIN"), 0);
	assert_int_equal(imap_capabilities_add(caps, "LITERAL+"), 0);
	assert_int_equal(imap_capabilities_add(caps, "idle"), 0);
	assert_int_equal(imap_capabilities_add(caps, "imap4rev1"), 0);
	assert_int_equal(imap_capabilities_add(caps, "UTF8=ACCEPT"), 0);
	/* RFC 7888 section 5: never LITERAL+ and LITERAL- together */
	assert_int_equal(imap_capabilities_add(caps, "LITERAL-"), -1);
	assert_int_equal(imap_capabilities_add(caps, "BAD NAME"), -1);
	assert_int_equal(imap_capabilities_add(caps, ""), -1);
	assert_int_equal(imap_capabilities_add(caps, "X(Y)"), -1);
	assert_true(imap_capabilities_has(caps, "auth=plain"));
	assert_true(imap_capabilities_has(caps, "IMAP4REV1"));
	assert_int_equal(imap_response_capability(&b, caps), 0);
	assert_string_equal(buf_cstr(&b),
			    "* CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN LITERAL+ "
			    "UTF8=ACCEPT\r\n");
	imap_capabilities_remove(caps, "literal+");
	imap_capabilities_remove(caps, "NOT-THERE");
	assert_int_equal(imap_capabilities_add(caps, "LITERAL-"), 0);
	buf_clear(&b);
	imap_capabilities_append(caps, &b);
	assert_string_equal(buf_cstr(&b),
			    "IMAP4rev1 IDLE AUTH=PLAIN UTF8=ACCEPT LITERAL-");
	buf_free(&b);
	imap_capabilities_destroy(&caps);
	assert_null(caps);
	imap_capabilities_destroy(&caps);
}

static const char *
decode(const char *wire, bool utf8)
{
	static struct buf b;
	const char *error;

	buf_free(&b);
	if (imap_mailbox_decode(wire, strlen(wire), utf8, '/', &b, &error) < 0)
		return error;
	return buf_cstr(&b);
}

static const char *
encode(const char *name, bool utf8)
{
	static struct buf b;

	buf_free(&b);
	if (imap_mailbox_append(&b, name, strlen(name), utf8) < 0)
		return "ERR";
	return buf_cstr(&b);
}

static void
test_mailbox_names(void **state)
{
	(void)state;
	assert_string_equal(decode("INBOX", false), "INBOX");
	assert_string_equal(decode("inbox", false), "INBOX");
	assert_string_equal(decode("iNbOx/Sub", false), "INBOX/Sub");
	assert_string_equal(decode("inboxes", false), "inboxes");
	assert_string_equal(decode("x/inbox", false), "x/inbox");
	assert_string_equal(decode("Entw&APw-rfe", false), "Entw\xc3\xbc"
							   "rfe");
	assert_string_equal(decode("a&-b", false), "a&b");
	assert_string_equal(decode("&Jjo!", false),
			    "Mailbox name is not valid modified UTF-7");
	assert_string_equal(decode("caf\xc3\xa9", false),
			    "Mailbox name is not valid modified UTF-7");
	assert_string_equal(decode("a&AAk-b", false),
			    "Mailbox name contains invalid characters");
	assert_string_equal(decode("a&AIU-b", false),
			    "Mailbox name contains invalid characters");
	assert_string_equal(decode("a&ICg-b", false),
			    "Mailbox name contains invalid characters");
	/* UTF8=ACCEPT (RFC 6855): UTF-8 as is, no modified UTF-7 */
	assert_string_equal(decode("caf\xc3\xa9", true), "caf\xc3\xa9");
	assert_string_equal(decode("Entw&APw-rfe", true), "Entw&APw-rfe");
	assert_string_equal(decode("caf\xc3", true),
			    "Mailbox name contains invalid characters");
	assert_string_equal(decode("a\tb", true),
			    "Mailbox name contains invalid characters");
	assert_string_equal(decode("inbox/x", true), "INBOX/x");
	assert_string_equal(decode("", false), "");
	assert_string_equal(decode("", true), "");

	assert_string_equal(encode("INBOX", false), "INBOX");
	assert_string_equal(encode("Sent Items", false), "\"Sent Items\"");
	assert_string_equal(encode("Entw\xc3\xbcrfe", false), "Entw&APw-rfe");
	assert_string_equal(encode("a&b", false), "a&-b");
	assert_string_equal(encode("caf\xc3\xa9 x", false), "\"caf&AOk- x\"");
	assert_string_equal(encode("caf\xc3\xa9", true), "\"caf\xc3\xa9\"");
	assert_string_equal(encode("caf\xc3", false), "ERR");
	assert_string_equal(encode("caf\xc3", true), "ERR");
	assert_string_equal(encode("NIL", false), "\"NIL\"");
	assert_string_equal(encode("", false), "\"\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_status),
	    cmocka_unit_test(test_capabilities),
	    cmocka_unit_test(test_mailbox_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
