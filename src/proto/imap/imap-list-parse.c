/* SPDX-License-Identifier: MIT */
/* LIST / LIST-EXTENDED arguments (RFC 3501, RFC 5258, 6154, 5819). */
#include "proto/imap/imap-list-parse.h"
#include "proto/imap/imap-ext.h"

#include <string.h>

struct option_def {
	const char *name;
	unsigned bit;
	uint32_t ext;
};

static const struct option_def select_opts[] = {
    {"SUBSCRIBED", IMAP_LIST_SELECT_SUBSCRIBED, IMAP_EXT_LIST_EXTENDED},
    {"REMOTE", IMAP_LIST_SELECT_REMOTE, IMAP_EXT_LIST_EXTENDED},
    {"RECURSIVEMATCH", IMAP_LIST_SELECT_RECURSIVEMATCH, IMAP_EXT_LIST_EXTENDED},
    {"SPECIAL-USE", IMAP_LIST_SELECT_SPECIAL_USE,
     IMAP_EXT_LIST_EXTENDED | IMAP_EXT_SPECIAL_USE},
};

static const struct option_def return_opts[] = {
    {"SUBSCRIBED", IMAP_LIST_RETURN_SUBSCRIBED, IMAP_EXT_LIST_EXTENDED},
    {"CHILDREN", IMAP_LIST_RETURN_CHILDREN, IMAP_EXT_LIST_EXTENDED},
    {"SPECIAL-USE", IMAP_LIST_RETURN_SPECIAL_USE,
     IMAP_EXT_LIST_EXTENDED | IMAP_EXT_SPECIAL_USE},
    {"STATUS", IMAP_LIST_RETURN_STATUS,
     IMAP_EXT_LIST_EXTENDED | IMAP_EXT_LIST_STATUS},
};

static const struct option_def *
find_option(const struct option_def *defs, size_t n, const struct imap_arg *arg)
{
	for (size_t i = 0; i < n; i++) {
		if (imap_arg_atom_equals(arg, defs[i].name))
			return &defs[i];
	}
	return NULL;
}

static int
parse_select(struct imap_list_request *req, const struct imap_arg *arg,
	     const char **error_r)
{
	const struct imap_arg *list;
	size_t count;

	imap_arg_get_list(arg, &list, &count);
	req->extended = true;
	req->ext |= IMAP_EXT_LIST_EXTENDED;
	for (size_t i = 0; i < count; i++) {
		const struct option_def *def =
		    find_option(select_opts, N_ELEMENTS(select_opts), &list[i]);

		if (def == NULL) {
			*error_r = "Unknown LIST selection option";
			return -1;
		}
		req->select_opts |= def->bit;
		req->ext |= def->ext;
	}
	/* RFC 5258 section 6: list-select-mod-opt needs a base option */
	if ((req->select_opts & IMAP_LIST_SELECT_RECURSIVEMATCH) != 0 &&
	    (req->select_opts & IMAP_LIST_SELECT_SUBSCRIBED) == 0) {
		*error_r = "RECURSIVEMATCH needs SUBSCRIBED";
		return -1;
	}
	return 0;
}

/* status-option = "STATUS" SP "(" status-att *(SP status-att) ")" */
static int
parse_status_items(struct imap_list_request *req, const struct imap_arg *arg,
		   const char **error_r)
{
	const struct imap_arg *list;
	size_t count;
	const char *atom;

	if (arg == NULL || !imap_arg_get_list(arg, &list, &count) ||
	    count == 0) {
		*error_r = "STATUS return option needs a list of items";
		return -1;
	}
	for (size_t i = 0; i < count; i++) {
		if (!imap_arg_get_atom(&list[i], &atom)) {
			*error_r = "Invalid STATUS item";
			return -1;
		}
	}
	req->status_items = list;
	req->status_count = count;
	return 0;
}

static int
parse_return(struct imap_list_request *req, const struct imap_arg *arg,
	     const char **error_r)
{
	const struct imap_arg *list;
	size_t count;

	if (arg == NULL || !imap_arg_get_list(arg, &list, &count)) {
		*error_r = "RETURN options expected";
		return -1;
	}
	req->extended = true;
	req->ext |= IMAP_EXT_LIST_EXTENDED;
	for (size_t i = 0; i < count; i++) {
		const struct option_def *def =
		    find_option(return_opts, N_ELEMENTS(return_opts), &list[i]);

		if (def == NULL || (req->return_opts & def->bit) != 0) {
			*error_r = "Unknown or repeated LIST return option";
			return -1;
		}
		req->return_opts |= def->bit;
		req->ext |= def->ext;
		if (def->bit == IMAP_LIST_RETURN_STATUS &&
		    parse_status_items(req, i + 1 < count ? &list[++i] : NULL,
				       error_r) < 0)
			return -1;
	}
	return 0;
}

static int
parse_patterns(struct pool *pool, struct imap_list_request *req,
	       const struct imap_arg *arg, const char **error_r)
{
	const struct imap_arg *list = arg;
	struct imap_list_pattern *pats;
	size_t count = 1;

	/* mbox-or-pat = list-mailbox / patterns */
	if (imap_arg_get_list(arg, &list, &count)) {
		req->extended = true;
		req->ext |= IMAP_EXT_LIST_EXTENDED;
		if (count == 0) {
			*error_r = "Empty pattern list";
			return -1;
		}
	}
	pats = pool_alloc_array(pool, count, sizeof(*pats));
	for (size_t i = 0; i < count; i++) {
		if (!imap_arg_get_list_mailbox(&list[i], &pats[i].str,
					       &pats[i].len)) {
			*error_r = "Invalid mailbox pattern";
			return -1;
		}
	}
	req->patterns = pats;
	req->pattern_count = count;
	return 0;
}

int
imap_list_parse(struct pool *pool, const struct imap_arg *args, size_t count,
		struct imap_list_request **req_r, const char **error_r)
{
	struct imap_list_request *req = pool_alloc(pool, sizeof(*req));
	size_t i = 0;

	if (count > 0 && args[0].type == IMAP_ARG_LIST) {
		if (parse_select(req, &args[0], error_r) < 0)
			return -1;
		i++;
	}
	if (count - i < 2) {
		*error_r = "Missing LIST arguments";
		return -1;
	}
	if (!imap_arg_get_astring(&args[i], &req->ref, &req->ref_len)) {
		*error_r = "Invalid reference";
		return -1;
	}
	if (parse_patterns(pool, req, &args[i + 1], error_r) < 0)
		return -1;
	i += 2;
	if (i < count) {
		if (!imap_arg_atom_equals(&args[i], "RETURN")) {
			*error_r = "Unexpected LIST arguments";
			return -1;
		}
		if (parse_return(req, i + 1 < count ? &args[i + 1] : NULL,
				 error_r) < 0)
			return -1;
		i += 2;
	}
	if (i < count) {
		*error_r = "Unexpected LIST arguments";
		return -1;
	}
	*req_r = req;
	return 0;
}
