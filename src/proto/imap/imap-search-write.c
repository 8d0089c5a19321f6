/* SPDX-License-Identifier: MIT */
/* Writes a parsed SEARCH program back in canonical IMAP syntax. */
#include "proto/imap/imap-search-parse.h"
#include "proto/imap/imap-search-private.h"
#include "proto/imap/imap-date.h"
#include "proto/imap/imap-quote.h"
#include "lib/buf.h"

#include <inttypes.h>
#include <string.h>

static int append_key(struct buf *out, const struct imap_search_key *key);

static int
append_keys(struct buf *out, const struct imap_search_key *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if ((i > 0 && buf_append_c(out, ' ') < 0) ||
		    append_key(out, &keys[i]) < 0)
			return -1;
	}
	return 0;
}

static int
append_modseq(struct buf *out, const struct imap_search_key *key)
{
	static const char *const entries[] = {"all", "priv", "shared"};

	if (buf_append_str(out, "MODSEQ ") < 0)
		return -1;
	if (key->u.modseq.flag != NULL) {
		struct buf name = BUF_INIT;
		int ret;

		/* entry-flag-name = DQUOTE "/flags/" attr-flag DQUOTE */
		buf_printf(&name, "/flags/%s", key->u.modseq.flag);
		ret = imap_append_quoted(out, name.data, name.len, 0);
		buf_free(&name);
		if (ret < 0 ||
		    buf_printf(out, " %s ", entries[key->u.modseq.entry]) < 0)
			return -1;
	}
	return buf_printf(out, "%" PRIu64, key->u.modseq.modseq);
}

static int
append_key(struct buf *out, const struct imap_search_key *key)
{
	const char *name = imap_search__key_name(key->type);

	switch (key->type) {
	case IMAP_SEARCH_SEQSET:
		return buf_append(out, key->u.seqset.set, key->u.seqset.len);
	case IMAP_SEARCH_UID:
		return buf_printf(out, "UID %.*s", (int)key->u.seqset.len,
				  key->u.seqset.set);
	case IMAP_SEARCH_AND:
		if (buf_append_c(out, '(') < 0 ||
		    append_keys(out, key->u.list.keys, key->u.list.count) < 0)
			return -1;
		return buf_append_c(out, ')');
	case IMAP_SEARCH_NOT:
	case IMAP_SEARCH_OR:
		if (buf_printf(out, "%s ", name) < 0)
			return -1;
		return append_keys(out, key->u.list.keys, key->u.list.count);
	case IMAP_SEARCH_MODSEQ:
		return append_modseq(out, key);
	case IMAP_SEARCH_HEADER:
		if (buf_append_str(out, "HEADER ") < 0 ||
		    imap_append_astring(out, key->u.header.field,
					strlen(key->u.header.field), 0) < 0 ||
		    buf_append_c(out, ' ') < 0)
			return -1;
		return imap_append_astring(out, key->u.header.value,
					   key->u.header.value_len, 0);
	case IMAP_SEARCH_BEFORE:
	case IMAP_SEARCH_ON:
	case IMAP_SEARCH_SINCE:
	case IMAP_SEARCH_SENTBEFORE:
	case IMAP_SEARCH_SENTON:
	case IMAP_SEARCH_SENTSINCE:
	case IMAP_SEARCH_SAVEDBEFORE:
	case IMAP_SEARCH_SAVEDON:
	case IMAP_SEARCH_SAVEDSINCE:
		if (buf_printf(out, "%s ", name) < 0)
			return -1;
		return imap_date_append_date(out, key->u.date);
	case IMAP_SEARCH_LARGER:
	case IMAP_SEARCH_SMALLER:
	case IMAP_SEARCH_OLDER:
	case IMAP_SEARCH_YOUNGER:
		return buf_printf(out, "%s %" PRIu64, name, key->u.number);
	case IMAP_SEARCH_KEYWORD:
	case IMAP_SEARCH_UNKEYWORD:
	case IMAP_SEARCH_EMAILID:
	case IMAP_SEARCH_THREADID:
		return buf_printf(out, "%s %.*s", name, (int)key->u.str.len,
				  key->u.str.data);
	case IMAP_SEARCH_BCC:
	case IMAP_SEARCH_BODY:
	case IMAP_SEARCH_CC:
	case IMAP_SEARCH_FROM:
	case IMAP_SEARCH_SUBJECT:
	case IMAP_SEARCH_TEXT:
	case IMAP_SEARCH_TO:
		if (buf_printf(out, "%s ", name) < 0)
			return -1;
		return imap_append_astring(out, key->u.str.data, key->u.str.len,
					   0);
	default:
		return buf_append_str(out, name);
	}
}

int
imap_search_program_append(struct buf *out,
			   const struct imap_search_program *prog)
{
	static const char *const opts[] = {"MIN", "MAX", "ALL", "COUNT",
					   "SAVE"};
	size_t start = out->len;
	bool first = true;

	if (prog->has_return) {
		if (buf_append_str(out, "RETURN (") < 0)
			goto full;
		for (unsigned i = 0; i < N_ELEMENTS(opts); i++) {
			if ((prog->return_opts & (1u << i)) == 0)
				continue;
			if (buf_printf(out, "%s%s", first ? "" : " ", opts[i]) <
			    0)
				goto full;
			first = false;
		}
		if (buf_append_str(out, ") ") < 0)
			goto full;
	}
	if (prog->charset != NULL &&
	    buf_printf(out, "CHARSET %s ", prog->charset) < 0)
		goto full;
	if (append_keys(out, prog->root->u.list.keys,
			prog->root->u.list.count) < 0)
		goto full;
	return 0;
full:
	buf_truncate(out, start);
	return -1;
}
