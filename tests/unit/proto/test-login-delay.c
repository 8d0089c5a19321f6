/* SPDX-License-Identifier: MIT */
/* Unit tests for the failed-login delay table: growth, ceiling, the two
   counters, expiry, eviction and odd keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "proto/common/login-delay.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static void
test_growth_and_ceiling(void **state)
{
	struct login_delay *ld = login_delay_create(NULL);
	const unsigned expected[] = {500, 1000, 2000, 4000, 8000, 8000, 8000};

	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
		assert_int_equal(login_delay_failure(ld, "192.0.2.1",
						     "a@example.com", 1000 + i),
				 expected[i]);
	assert_int_equal(login_delay_count(ld, "192.0.2.1", true, 2000), 7);
	assert_int_equal(login_delay_count(ld, "a@example.com", false, 2000),
			 7);
	/* failures far beyond the ceiling cannot overflow anything */
	for (unsigned i = 0; i < 1000; i++)
		assert_int_equal(
		    login_delay_failure(ld, "192.0.2.1", NULL, 3000 + i), 8000);
	login_delay_destroy(&ld);
	assert_null(ld);
	login_delay_destroy(&ld);
}

static void
test_larger_counter_wins(void **state)
{
	struct login_delay *ld = login_delay_create(NULL);

	/* one client guessing many names: the address counter grows */
	assert_int_equal(login_delay_failure(ld, "192.0.2.7", "u1@x.org", 1),
			 500);
	assert_int_equal(login_delay_failure(ld, "192.0.2.7", "u2@x.org", 2),
			 1000);
	assert_int_equal(login_delay_failure(ld, "192.0.2.7", "u3@x.org", 3),
			 2000);
	/* many clients guessing one name: the name counter grows */
	assert_int_equal(login_delay_failure(ld, "198.51.100.1", "u3@x.org", 4),
			 1000);
	assert_int_equal(login_delay_failure(ld, "198.51.100.2", "u3@x.org", 5),
			 2000);
	/* an unknown name is counted like a known one: nothing here knows
	   which names exist */
	assert_int_equal(login_delay_count(ld, "u1@x.org", false, 6), 1);
	login_delay_destroy(&ld);
}

static void
test_window_expiry(void **state)
{
	struct login_delay_settings set = {.window_ms = 1000};
	struct login_delay *ld = login_delay_create(&set);

	assert_int_equal(login_delay_failure(ld, "192.0.2.1", "n@x.org", 0),
			 500);
	assert_int_equal(login_delay_failure(ld, "192.0.2.1", "n@x.org", 999),
			 1000);
	/* the window runs from the last failure */
	assert_int_equal(login_delay_count(ld, "192.0.2.1", true, 1998), 2);
	assert_int_equal(login_delay_count(ld, "192.0.2.1", true, 1999), 0);
	assert_int_equal(login_delay_failure(ld, "192.0.2.1", "n@x.org", 2500),
			 500);
	login_delay_destroy(&ld);
}

static void
test_success_forgets_name(void **state)
{
	struct login_delay *ld = login_delay_create(NULL);

	login_delay_failure(ld, "192.0.2.1", "n@x.org", 1);
	login_delay_failure(ld, "192.0.2.1", "n@x.org", 2);
	login_delay_success(ld, "n@x.org");
	assert_int_equal(login_delay_count(ld, "n@x.org", false, 3), 0);
	/* the address keeps its history: it only costs on a failure */
	assert_int_equal(login_delay_count(ld, "192.0.2.1", true, 3), 2);
	login_delay_success(ld, "unknown@x.org");
	login_delay_success(ld, NULL);
	login_delay_success(ld, "");
	login_delay_destroy(&ld);
}

static void
test_bounded_table(void **state)
{
	struct login_delay_settings set = {.max_entries = 4};
	struct login_delay *ld = login_delay_create(&set);
	char addr[32];

	for (unsigned i = 0; i < 100; i++) {
		snprintf(addr, sizeof(addr), "10.0.0.%u", i);
		assert_int_equal(login_delay_failure(ld, addr, NULL, i), 500);
	}
	/* only the most recent four are remembered */
	assert_int_equal(login_delay_count(ld, "10.0.0.0", true, 100), 0);
	assert_int_equal(login_delay_count(ld, "10.0.0.95", true, 100), 0);
	for (unsigned i = 96; i < 100; i++) {
		snprintf(addr, sizeof(addr), "10.0.0.%u", i);
		assert_int_equal(login_delay_count(ld, addr, true, 100), 1);
	}
	/* a counter that fails again moves to the young end */
	login_delay_failure(ld, "10.0.0.96", NULL, 101);
	login_delay_failure(ld, "10.0.0.200", NULL, 102);
	assert_int_equal(login_delay_count(ld, "10.0.0.96", true, 103), 2);
	assert_int_equal(login_delay_count(ld, "10.0.0.97", true, 103), 0);
	login_delay_destroy(&ld);
}

static void
test_odd_keys(void **state)
{
	struct login_delay *ld = login_delay_create(NULL);
	char long_name[2000];

	/* nothing to count: no delay */
	assert_int_equal(login_delay_failure(ld, NULL, NULL, 1), 0);
	assert_int_equal(login_delay_failure(ld, "", "", 1), 0);
	assert_int_equal(login_delay_count(ld, NULL, true, 1), 0);
	/* the same text as address and as name are different counters */
	login_delay_failure(ld, "same", NULL, 1);
	assert_int_equal(login_delay_count(ld, "same", false, 1), 0);
	/* over-long keys are cut, not refused */
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(login_delay_failure(ld, NULL, long_name, 2), 500);
	assert_int_equal(login_delay_failure(ld, NULL, long_name, 3), 1000);
	login_delay_destroy(&ld);
}

static void
test_settings(void **state)
{
	struct login_delay_settings set = {.base_ms = 100, .max_ms = 50};
	struct login_delay *ld = login_delay_create(&set);

	/* a ceiling below the base is raised to it */
	assert_int_equal(login_delay_failure(ld, "a", NULL, 1), 100);
	assert_int_equal(login_delay_failure(ld, "a", NULL, 2), 100);
	login_delay_destroy(&ld);
}

#define THREADS 4
#define ROUNDS 20000

struct hammer {
	struct login_delay *ld;
	unsigned id;
	unsigned bad; /* delays outside [0, max] */
};

static void *
hammer_run(void *arg)
{
	struct hammer *h = arg;
	char addr[32], name[32];

	for (unsigned i = 0; i < ROUNDS; i++) {
		unsigned d;

		snprintf(addr, sizeof(addr), "10.%u.0.%u", h->id, i % 97);
		snprintf(name, sizeof(name), "u%u@x.org", i % 89);
		d = login_delay_failure(h->ld, addr, name, i);
		if (d < 500 || d > 8000)
			h->bad++;
		if (i % 7 == 0)
			login_delay_success(h->ld, name);
	}
	return NULL;
}

/* Workers of every service share one table: many threads at once must
   keep it consistent and bounded. */
static void
test_threads(void **state)
{
	struct login_delay_settings set = {.max_entries = 64};
	struct login_delay *ld = login_delay_create(&set);
	struct hammer h[THREADS];
	pthread_t t[THREADS];
	unsigned remembered = 0;
	char key[32];

	for (unsigned i = 0; i < THREADS; i++) {
		h[i] = (struct hammer){ld, i, 0};
		assert_int_equal(pthread_create(&t[i], NULL, hammer_run, &h[i]),
				 0);
	}
	for (unsigned i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(h[i].bad, 0);
	}
	for (unsigned i = 0; i < 89; i++) {
		snprintf(key, sizeof(key), "u%u@x.org", i);
		remembered += login_delay_count(ld, key, false, ROUNDS) > 0;
	}
	assert_true(remembered <= 64);
	login_delay_destroy(&ld);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_growth_and_ceiling),
	    cmocka_unit_test(test_larger_counter_wins),
	    cmocka_unit_test(test_window_expiry),
	    cmocka_unit_test(test_success_forgets_name),
	    cmocka_unit_test(test_bounded_table),
	    cmocka_unit_test(test_odd_keys),
	    cmocka_unit_test(test_settings),
	    cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
