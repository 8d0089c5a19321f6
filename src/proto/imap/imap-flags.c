/* SPDX-License-Identifier: MIT */
/* Flag lists and STORE arguments. */
#include "proto/imap/imap-flags.h"
#include "proto/imap/imap-ext.h"
#include "lib/hash.h"
#include "lib/str.h"
#include "lib/strnum.h"

#include <string.h>

static const struct {
	enum imap_flag flag;
	const char *name;
} system_flags[] = {
    {IMAP_FLAG_SEEN, "\\Seen"},	      {IMAP_FLAG_ANSWERED, "\\Answered"},
    {IMAP_FLAG_FLAGGED, "\\Flagged"}, {IMAP_FLAG_DELETED, "\\Deleted"},
    {IMAP_FLAG_DRAFT, "\\Draft"},     {IMAP_FLAG_RECENT, "\\Recent"},
};

const char *
imap_flag_name(enum imap_flag flag)
{
	for (size_t i = 0; i < N_ELEMENTS(system_flags); i++) {
		if (system_flags[i].flag == flag)
			return system_flags[i].name;
	}
	return NULL;
}

bool
imap_flag_keyword_is_valid(const char *s, size_t len)
{
	if (len == 0 || len > IMAP_KEYWORD_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!imap_is_atom_char((unsigned char)s[i]))
			return false;
	}
	return true;
}

/* RFC 3501 section 9: flag names are case-insensitive */
static bool
system_flag_matches(const struct imap_arg *arg, const char *name)
{
	return arg->len == strlen(name) &&
	       mem_eq_icase(arg->u.str, name, arg->len);
}

static int
parse_system_flag(const struct imap_arg *arg, unsigned *system,
		  const char **error_r)
{
	for (size_t i = 0; i < N_ELEMENTS(system_flags); i++) {
		if (!system_flag_matches(arg, system_flags[i].name))
			continue;
		if (system_flags[i].flag == IMAP_FLAG_RECENT) {
			/* RFC 3501 section 2.3.2 */
			*error_r = "\\Recent cannot be set";
			return -1;
		}
		*system |= system_flags[i].flag;
		return 0;
	}
	*error_r = "Invalid system flag";
	return -1;
}

int
imap_flags_parse(struct pool *pool, const struct imap_arg *args, size_t count,
		 struct imap_flags *flags_r, const char **error_r)
{
	const char **keywords = pool_alloc_array(pool, count, sizeof(char *));
	struct hash seen;
	size_t n = 0;
	int ret = 0;

	memset(flags_r, 0, sizeof(*flags_r));
	hash_init(&seen, true);
	for (size_t i = 0; i < count && ret == 0; i++) {
		const struct imap_arg *arg = &args[i];
		const char *kw;

		if (arg->type == IMAP_ARG_ATOM &&
		    (arg->flags & IMAP_ARG_FLAG_BACKSLASH) != 0) {
			ret = parse_system_flag(arg, &flags_r->system, error_r);
			continue;
		}
		if (!imap_arg_get_atom(arg, &kw) ||
		    !imap_flag_keyword_is_valid(kw, arg->len)) {
			*error_r = "Invalid flag keyword";
			ret = -1;
			continue;
		}
		if (hash_get(&seen, kw, arg->len) == NULL) {
			hash_put(&seen, kw, arg->len, (void *)kw);
			keywords[n++] = kw;
		}
	}
	hash_free(&seen);
	if (ret < 0)
		return -1;
	flags_r->keywords = keywords;
	flags_r->keyword_count = n;
	return 0;
}

int
imap_flags_parse_list(struct pool *pool, const struct imap_arg *arg,
		      struct imap_flags *flags_r, const char **error_r)
{
	const struct imap_arg *list;
	size_t count;

	if (!imap_arg_get_list(arg, &list, &count)) {
		*error_r = "Flag list expected";
		return -1;
	}
	return imap_flags_parse(pool, list, count, flags_r, error_r);
}

int
imap_flags_append(struct buf *out, const struct imap_flags *flags)
{
	size_t start = out->len;
	bool first = true;

	if (buf_append_c(out, '(') < 0)
		goto full;
	for (size_t i = 0; i < N_ELEMENTS(system_flags); i++) {
		if ((flags->system & system_flags[i].flag) == 0)
			continue;
		if ((!first && buf_append_c(out, ' ') < 0) ||
		    buf_append_str(out, system_flags[i].name) < 0)
			goto full;
		first = false;
	}
	for (size_t i = 0; i < flags->keyword_count; i++) {
		if ((!first && buf_append_c(out, ' ') < 0) ||
		    buf_append_str(out, flags->keywords[i]) < 0)
			goto full;
		first = false;
	}
	if (buf_append_c(out, ')') < 0)
		goto full;
	return 0;
full:
	buf_truncate(out, start);
	return -1;
}

bool
imap_arg_get_modseq(const struct imap_arg *arg, bool allow_zero,
		    uint64_t *modseq_r)
{
	uint64_t v;

	if (arg->type != IMAP_ARG_ATOM || arg->flags != 0 || arg->len == 0)
		return false;
	/* mod-sequence-value = 1*DIGIT, 1 <= n <= 9,223,372,036,854,775,807 */
	if (mem_to_u64(arg->u.str, arg->len, INT64_MAX, &v) != arg->len)
		return false;
	if (v == 0 && !allow_zero)
		return false;
	*modseq_r = v;
	return true;
}

/* store-modifiers = SP "(" store-modifier *(SP store-modifier) ")" */
static int
parse_store_modifiers(const struct imap_arg *arg,
		      struct imap_store_request *req, const char **error_r)
{
	const struct imap_arg *mods;
	size_t count;

	imap_arg_get_list(arg, &mods, &count);
	if (count == 0) {
		*error_r = "Empty STORE modifier list";
		return -1;
	}
	for (size_t i = 0; i < count; i++) {
		if (!imap_arg_atom_equals(&mods[i], "UNCHANGEDSINCE")) {
			*error_r = "Unknown STORE modifier";
			return -1;
		}
		/* RFC 7162 section 7: only a single UNCHANGEDSINCE */
		if (req->unchangedsince_set) {
			*error_r = "UNCHANGEDSINCE given twice";
			return -1;
		}
		if (i + 1 == count ||
		    !imap_arg_get_modseq(&mods[++i], true,
					 &req->unchangedsince)) {
			*error_r = "Invalid UNCHANGEDSINCE value";
			return -1;
		}
		req->unchangedsince_set = true;
		req->ext |= IMAP_EXT_CONDSTORE;
	}
	return 0;
}

/* store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) */
static bool
parse_store_att(const struct imap_arg *arg, struct imap_store_request *req)
{
	const char *s;
	size_t len;

	if (!imap_arg_get_atom(arg, &s))
		return false;
	len = arg->len;
	req->mode = IMAP_STORE_REPLACE;
	if (len > 0 && (s[0] == '+' || s[0] == '-')) {
		req->mode = s[0] == '+' ? IMAP_STORE_ADD : IMAP_STORE_REMOVE;
		s++;
		len--;
	}
	if (len == 5 && mem_eq_icase(s, "FLAGS", 5)) {
		req->silent = false;
		return true;
	}
	if (len == 12 && mem_eq_icase(s, "FLAGS.SILENT", 12)) {
		req->silent = true;
		return true;
	}
	return false;
}

int
imap_store_parse(struct pool *pool, const struct imap_arg *args, size_t count,
		 struct imap_store_request *req_r, const char **error_r)
{
	size_t i = 0;

	memset(req_r, 0, sizeof(*req_r));
	if (count > 0 && args[0].type == IMAP_ARG_LIST) {
		if (parse_store_modifiers(&args[0], req_r, error_r) < 0)
			return -1;
		i++;
	}
	if (i == count || !parse_store_att(&args[i], req_r)) {
		*error_r = "Invalid STORE data item";
		return -1;
	}
	i++;
	if (i == count) {
		*error_r = "Missing flags";
		return -1;
	}
	/* flag-list / (flag *(SP flag)) */
	if (args[i].type == IMAP_ARG_LIST) {
		if (i + 1 != count) {
			*error_r = "Unexpected arguments after flag list";
			return -1;
		}
		return imap_flags_parse_list(pool, &args[i], &req_r->flags,
					     error_r);
	}
	return imap_flags_parse(pool, args + i, count - i, &req_r->flags,
				error_r);
}
