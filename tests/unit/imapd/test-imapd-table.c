/* SPDX-License-Identifier: MIT */
/* The IMAP server's command table: order, names and flags. */
#include "proto/imap/imap-server-cmd.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static void
test_sorted_and_found(void **state)
{
	const struct imap_cmd_def *table;
	size_t n = imap_cmd_table(&table);

	(void)state;
	assert_true(n > 30);
	for (size_t i = 0; i < n; i++) {
		const char *name = table[i].name;

		/* bsearch needs strictly ascending names */
		if (i > 0)
			assert_true(strcmp(table[i - 1].name, name) < 0);
		for (const char *p = name; *p != '\0'; p++)
			assert_true((*p >= 'A' && *p <= 'Z') || *p == ' ' ||
				    *p == '-');
		assert_ptr_equal(imap_cmd_find(name), &table[i]);
		assert_non_null(table[i].func);
		assert_true((table[i].flags & IMAP_CMD_F_STATES) != 0);
	}
	assert_null(imap_cmd_find("fetch"));
	assert_null(imap_cmd_find("UID"));
	assert_null(imap_cmd_find("UID LOGIN"));
	assert_null(imap_cmd_find(""));
	assert_null(imap_cmd_find("ZZZZ"));
}

static void
test_flags(void **state)
{
	const struct imap_cmd_def *table;
	size_t n = imap_cmd_table(&table);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		const struct imap_cmd_def *d = &table[i];
		bool uid = strncmp(d->name, "UID ", 4) == 0;

		assert_int_equal(uid, (d->flags & IMAP_CMD_F_UID) != 0);
		/* RFC 3501 section 7.4.1: exactly FETCH, STORE and SEARCH */
		assert_int_equal((d->flags & IMAP_CMD_F_NO_EXPUNGE) != 0,
				 strcmp(d->name, "FETCH") == 0 ||
				     strcmp(d->name, "STORE") == 0 ||
				     strcmp(d->name, "SEARCH") == 0);
		if (uid || (d->flags & IMAP_CMD_F_USES_SEQS) != 0)
			assert_int_equal(d->flags & IMAP_CMD_F_STATES,
					 IMAP_CMD_F_SELECTED);
		/* only APPEND streams literals */
		assert_int_equal(d->literal != NULL,
				 strcmp(d->name, "APPEND") == 0);
	}
	assert_int_equal(imap_cmd_find("LOGIN")->flags & IMAP_CMD_F_STATES,
			 IMAP_CMD_F_NOAUTH);
	assert_int_equal(imap_cmd_find("ENABLE")->flags & IMAP_CMD_F_STATES,
			 IMAP_CMD_F_AUTH);
	assert_int_equal(imap_cmd_find("LOGOUT")->flags & IMAP_CMD_F_STATES,
			 IMAP_CMD_F_STATES);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sorted_and_found),
	    cmocka_unit_test(test_flags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
