/* SPDX-License-Identifier: MIT */
/* Validation helpers of mime-summary.c (in mime-summary-check.c). */
#ifndef COFFER_MIME_MIME_SUMMARY_PRIVATE_H
#define COFFER_MIME_MIME_SUMMARY_PRIVATE_H

#include "mime/mime-summary.h"

/* Checks the decoded part table (byte ranges, tree shape) and links
   first_child / next_sibling / n_children. */
bool mime_summary__tree_valid(struct mime_summary *s);
/* True if s[0..len) is one parenthesised IMAP list of NIL, numbers,
   quoted strings, literals and nested lists, as the writers produce. */
bool mime_summary__imap_value_valid(const char *s, size_t len);

#endif
