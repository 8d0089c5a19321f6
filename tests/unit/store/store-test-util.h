/* SPDX-License-Identifier: MIT */
/* Helpers shared by the store unit tests. */
#ifndef COFFER_TEST_STORE_UTIL_H
#define COFFER_TEST_STORE_UTIL_H

#include "store/store.h"

/* Creates a temporary userdir and returns its path (static buffer). */
const char *test_tmpdir(void);
void test_tmpdir_remove(const char *dir);
/* The log mode under test: $COFFER_STORE_LOG_MODE = link | append. */
enum store_log_mode test_log_mode(void);
struct store *test_store(const char *dir, unsigned compact_records);
/* Appends a simple message with the given subject; returns its UID. */
uint32_t test_append(struct store_user *user, const char *mailbox,
		     const char *subject, uint32_t flags);
/* A trivial cache builder: the blob is "size=<n>". */
int test_cache_builder(const uint8_t *msg, size_t len, struct buf *out);

#endif
