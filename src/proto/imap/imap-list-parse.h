/* SPDX-License-Identifier: MIT */
/*
 * LIST command arguments (RFC 3501 section 6.3.8) with the LIST-EXTENDED
 * syntax of RFC 5258 section 6: selection options, several patterns and
 * return options, including SPECIAL-USE (RFC 6154 section 6) and STATUS
 * (RFC 5819 section 2):
 *
 *   list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat
 *	    [SP list-return-opts]
 *
 * Options a server does not know are BAD (RFC 5258 section 3), and so is
 * RECURSIVEMATCH without SUBSCRIBED (list-select-mod-opt needs a
 * list-select-base-opt). The request says which extensions it relies on.
 * The reference and patterns stay in wire form (modified UTF-7 or UTF-8);
 * combine them with imap_match_create_ref(). Reentrant.
 */
#ifndef COFFER_PROTO_IMAP_IMAP_LIST_PARSE_H
#define COFFER_PROTO_IMAP_IMAP_LIST_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/pool.h"
#include "proto/imap/imap-arg.h"

enum imap_list_select {
	IMAP_LIST_SELECT_SUBSCRIBED = 0x01,
	IMAP_LIST_SELECT_REMOTE = 0x02,
	IMAP_LIST_SELECT_RECURSIVEMATCH = 0x04,
	IMAP_LIST_SELECT_SPECIAL_USE = 0x08,
};

enum imap_list_return {
	IMAP_LIST_RETURN_SUBSCRIBED = 0x01,
	IMAP_LIST_RETURN_CHILDREN = 0x02,
	IMAP_LIST_RETURN_SPECIAL_USE = 0x04,
	IMAP_LIST_RETURN_STATUS = 0x08,
};

struct imap_list_pattern {
	const char *str;
	size_t len;
};

struct imap_list_request {
	unsigned select_opts; /* enum imap_list_select */
	unsigned return_opts; /* enum imap_list_return */
	const char *ref;
	size_t ref_len;
	const struct imap_list_pattern *patterns;
	size_t pattern_count;
	/* RETURN (STATUS (<status-att> ...)): the items, atoms */
	const struct imap_arg *status_items;
	size_t status_count;
	/* any RFC 5258 syntax was used: the answer follows RFC 5258 */
	bool extended;
	uint32_t ext; /* enum imap_ext bits needed */
};

/* Parses the arguments after LIST. Returns 0, or -1 with a message for
   the client (BAD) in *error_r. */
int imap_list_parse(struct pool *pool, const struct imap_arg *args,
		    size_t count, struct imap_list_request **req_r,
		    const char **error_r);

#endif
