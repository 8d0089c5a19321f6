/* SPDX-License-Identifier: MIT */
/* Shared by imap-search-parse.c and imap-search-write.c. */
#ifndef COFFER_PROTO_IMAP_IMAP_SEARCH_PRIVATE_H
#define COFFER_PROTO_IMAP_IMAP_SEARCH_PRIVATE_H

#include "proto/imap/imap-search-parse.h"

/* The search key name for a key type ("SENTSINCE"); NULL for the types
   without a name of their own (sequence sets, AND). */
const char *imap_search__key_name(enum imap_search_key_type type);

#endif
