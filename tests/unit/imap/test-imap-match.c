/* SPDX-License-Identifier: MIT */
/* Unit tests for LIST pattern matching, checked against a naive model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "lib/pool.h"
#include "lib/str.h"
#include "proto/imap/imap-match.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static struct pool *pool;

static int
setup(void **state)
{
	(void)state;
	pool = pool_create(4096);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	pool_destroy(&pool);
	return 0;
}

static unsigned
match(const char *pattern, const char *name)
{
	struct imap_match *m =
	    imap_match_create(pool, pattern, strlen(pattern), '/');

	assert_non_null(m);
	return imap_match(m, name, strlen(name));
}

#define YES IMAP_MATCH_YES
#define KIDS IMAP_MATCH_CHILDREN

static void
test_basic(void **state)
{
	(void)state;
	assert_int_equal(match("*", "a/b/c"), YES | KIDS);
	assert_int_equal(match("%", "a"), YES);
	assert_int_equal(match("%", "a/b"), 0);
	assert_int_equal(match("%/%", "a"), KIDS);
	assert_int_equal(match("%/%", "a/b"), YES);
	assert_int_equal(match("%/%", "a/b/c"), 0);
	assert_int_equal(match("a/*", "a"), KIDS);
	assert_int_equal(match("a/*", "a/"), YES | KIDS);
	assert_int_equal(match("a/*", "b"), 0);
	assert_int_equal(match("a", "a"), YES);
	assert_int_equal(match("a", "A"), 0);
	assert_int_equal(match("", ""), YES);
	assert_int_equal(match("", "a"), 0);
	assert_int_equal(match("a%", "a"), YES);
	assert_int_equal(match("a%", "abc"), YES);
	assert_int_equal(match("a*", "a"), YES | KIDS);
	assert_int_equal(match("*b", "a/b"), YES | KIDS);
	assert_int_equal(match("%b", "a/b"), 0);
	assert_int_equal(match("a%b%c", "axxbyyc"), YES);
	assert_int_equal(match("a%%*%b", "a/x/b"), YES | KIDS);
	assert_int_equal(match("Sent*", "Sent Items"), YES | KIDS);
	/* 8-bit bytes are ordinary */
	assert_int_equal(match("caf\xc3\xa9/%", "caf\xc3\xa9/x"), YES);
}

static void
test_inbox(void **state)
{
	(void)state;
	/* RFC 3501 section 5.1: INBOX in any case */
	assert_int_equal(match("inbox", "INBOX"), YES);
	assert_int_equal(match("InBoX", "INBOX"), YES);
	assert_int_equal(match("INBOX", "inbox"), YES);
	assert_int_equal(match("inbox/%", "INBOX/Sub"), YES);
	assert_int_equal(match("inbox/%", "INBOX"), KIDS);
	assert_int_equal(match("inb*", "INBOX"), YES | KIDS);
	assert_int_equal(match("%", "INBOX"), YES);
	/* only the INBOX prefix, only as a whole first level */
	assert_int_equal(match("inbox/sub", "INBOX/Sub"), 0);
	assert_int_equal(match("inbox2", "INBOX2"), 0);
	assert_int_equal(match("inboxes", "INBOXES"), 0);
	assert_int_equal(match("x/inbox", "x/INBOX"), 0);
}

static void
test_reference(void **state)
{
	struct imap_match *m;

	(void)state;
	/* RFC 3501 section 6.3.8 examples */
	m = imap_match_create_ref(pool, "archive/", 8, "%", 1, '/');
	assert_int_equal(imap_match(m, "archive/2023", 12), YES);
	assert_int_equal(imap_match(m, "archive", 7), KIDS);
	assert_int_equal(imap_match(m, "archive/2023/x", 14), 0);
	m = imap_match_create_ref(pool, "~smith/Mail/", 12, "foo.*", 5, '/');
	assert_int_equal(imap_match(m, "~smith/Mail/foo.bar", 19), YES | KIDS);
	m = imap_match_create_ref(pool, "", 0, "INBOX", 5, '/');
	assert_int_equal(imap_match(m, "INBOX", 5), YES);
}

static void
test_limits(void **state)
{
	char big[IMAP_MATCH_MAX_PATTERN + 1];
	char name[4000];
	struct imap_match *m;

	(void)state;
	memset(big, '*', sizeof(big));
	assert_null(imap_match_create(pool, big, sizeof(big), '/'));
	assert_null(imap_match_create_ref(pool, big, 600, big, 600, '/'));
	/* a pathological pattern at the size limit, against a long name:
	   linear, no backtracking */
	for (size_t i = 0; i < IMAP_MATCH_MAX_PATTERN; i++)
		big[i] = i % 2 == 0 ? '*' : 'a';
	big[IMAP_MATCH_MAX_PATTERN - 1] = 'b';
	m = imap_match_create(pool, big, IMAP_MATCH_MAX_PATTERN, '/');
	assert_non_null(m);
	memset(name, 'a', sizeof(name));
	for (int i = 0; i < 100; i++)
		assert_int_equal(imap_match(m, name, sizeof(name)), KIDS);
	name[sizeof(name) - 1] = 'b';
	assert_int_equal(imap_match(m, name, sizeof(name)), YES | KIDS);
	m = imap_match_create(pool, "*a*a*a*a*a*a*a*a*a*a*a*a*b", 26, '/');
	name[sizeof(name) - 1] = 'a';
	assert_int_equal(imap_match(m, name, sizeof(name)), KIDS);
}

/* --- model --------------------------------------------------------------- */

static bool
model_match(const char *p, const char *n, bool icase_left)
{
	if (*p == '\0')
		return *n == '\0';
	if (*p == '*')
		return model_match(p + 1, n, icase_left) ||
		       (*n != '\0' && model_match(p, n + 1, false));
	if (*p == '%')
		return model_match(p + 1, n, icase_left) ||
		       (*n != '\0' && *n != '/' &&
			model_match(p, n + 1, false));
	if (*n == '\0')
		return false;
	return (*p == *n ||
		(icase_left && ascii_tolower(*p) == ascii_tolower(*n))) &&
	       model_match(p + 1, n + 1, icase_left);
}

/* icase applies to the first five name bytes: model it by folding those
   bytes of the name to the pattern's case where they match ignoring
   case; simpler: try the name with its INBOX prefix in both cases. */
static bool
model(const char *pattern, const char *name)
{
	size_t len = strlen(name);
	char tmp[64];

	if (len >= 5 && strncasecmp(name, "INBOX", 5) == 0 &&
	    (len == 5 || name[5] == '/')) {
		/* enumerate the 32 case variants of the prefix */
		for (unsigned v = 0; v < 32; v++) {
			snprintf(tmp, sizeof(tmp), "%s", name);
			for (int i = 0; i < 5; i++)
				tmp[i] = (v >> i) & 1 ? ascii_tolower(tmp[i])
						      : ascii_toupper(tmp[i]);
			if (model_match(pattern, tmp, false))
				return true;
		}
		return false;
	}
	return model_match(pattern, name, false);
}

static bool
model_children(const char *pattern, const char *name)
{
	static const char alphabet[] = "abIi/";
	char tmp[64];
	size_t base = strlen(name);

	/* non-empty suffixes over the pattern's alphabet, as long as the
	   longest pattern */
	for (size_t slen = 1; slen <= 4; slen++) {
		unsigned total = 1;

		for (size_t i = 0; i < slen; i++)
			total *= 5;
		for (unsigned v = 0; v < total; v++) {
			unsigned x = v;

			snprintf(tmp, sizeof(tmp), "%s/", name);
			for (size_t i = 0; i < slen; i++) {
				tmp[base + 1 + i] = alphabet[x % 5];
				x /= 5;
			}
			tmp[base + 1 + slen] = '\0';
			if (model(pattern, tmp))
				return true;
		}
	}
	return false;
}

static void
test_model(void **state)
{
	static const char pat_chars[] = "ab/*%Ii";
	static const char name_chars[] = "ab/Ii";
	uint32_t seed = 5;

	(void)state;
	for (int round = 0; round < 4000; round++) {
		char pattern[8], name[10];
		size_t plen, nlen;
		unsigned got, want;

		seed = seed * 1103515245u + 12345u;
		plen = (seed >> 16) % 5;
		for (size_t i = 0; i < plen; i++) {
			seed = seed * 1103515245u + 12345u;
			pattern[i] = pat_chars[(seed >> 16) % 7];
		}
		pattern[plen] = '\0';
		seed = seed * 1103515245u + 12345u;
		nlen = (seed >> 16) % 7;
		for (size_t i = 0; i < nlen; i++) {
			seed = seed * 1103515245u + 12345u;
			name[i] = name_chars[(seed >> 16) % 5];
		}
		name[nlen] = '\0';
		if (round % 10 == 0) /* make INBOX cases frequent */
			snprintf(name, sizeof(name), "%s%s",
				 round % 20 == 0 ? "inbox" : "INBOX",
				 round % 30 == 0 ? "/a" : "");
		if (round % 7 == 0)
			snprintf(pattern, sizeof(pattern), "%s",
				 round % 14 == 0 ? "iNb%" : "Inbox/*");
		got = match(pattern, name);
		want = (model(pattern, name) ? YES : 0) |
		       (model_children(pattern, name) ? KIDS : 0);
		if (got != want)
			fail_msg("pattern \"%s\" name \"%s\": got %u want %u",
				 pattern, name, got, want);
		if (round % 500 == 0)
			pool_clear(pool);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic),     cmocka_unit_test(test_inbox),
	    cmocka_unit_test(test_reference), cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_model),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
