/* SPDX-License-Identifier: MIT */
/*
 * LIST (RFC 3501 section 6.3.8) with LIST-EXTENDED (RFC 5258), CHILDREN
 * (RFC 3348), SPECIAL-USE (RFC 6154) and LIST-STATUS (RFC 5819), and LSUB
 * (RFC 3501 section 6.3.9).
 *
 * Two phases: the matching names are collected first (one pass over the
 * account's mailboxes, patterns compiled once, no backtracking), then
 * written out with yields when the output is full, so a client with
 * 100,000 mailboxes never makes us buffer them all as responses.
 *
 * Names are matched in their wire form (modified UTF-7), the form the
 * client wrote its patterns in.
 */
#include "proto/imap/imap-server-cmd.h"
#include "proto/imap/imap-list-parse.h"
#include "proto/imap/imap-mailbox.h"
#include "proto/imap/imap-match.h"
#include "proto/imap/imap-utf7.h"
#include "lib/hash.h"
#include "lib/vec.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

enum list_attr {
	ATTR_NOSELECT = 0x01,
	ATTR_NONEXISTENT = 0x02, /* RFC 5258: implies \Noselect */
	ATTR_HASCHILDREN = 0x04,
	ATTR_HASNOCHILDREN = 0x08,
	ATTR_SUBSCRIBED = 0x10,
};

struct list_entry {
	const char *name; /* internal UTF-8 */
	const char *special_use;
	unsigned attrs;
	unsigned match; /* enum imap_match_result */
	bool returned;	/* gets a LIST response */
	bool childinfo; /* RFC 5258 section 3.5 */
};

struct list_ctx {
	struct imap_cmd *cmd;
	const struct imap_list_request *req;
	bool lsub;
	struct imap_match **matches;
	size_t match_count;
	struct imap_status_request status;
	/* every candidate, and name -> index + 1 */
	VEC(struct list_entry) entries;
	struct hash by_name;
	struct hash subscribed; /* names subscribed (values unused) */
	struct buf wire;	/* scratch: a name in modified UTF-7 */
	size_t pos;		/* next entry to write */
	/* keep names that do not match too (their ancestors may) */
	bool keep_all;
};

static void
list_cleanup(struct imap_cmd *cmd)
{
	struct list_ctx *lc = cmd->ctx;

	vec_free(&lc->entries);
	hash_free(&lc->by_name);
	hash_free(&lc->subscribed);
	buf_free(&lc->wire);
}

static unsigned
match_name(struct list_ctx *lc, const char *name)
{
	unsigned res = IMAP_MATCH_NO;

	buf_clear(&lc->wire);
	if (imap_utf8_to_utf7(name, strlen(name), &lc->wire) < 0)
		return IMAP_MATCH_NO;
	for (size_t i = 0; i < lc->match_count; i++)
		res |= imap_match(lc->matches[i], (const char *)lc->wire.data,
				  lc->wire.len);
	return res;
}

static struct list_entry *
find_entry(struct list_ctx *lc, const char *name)
{
	uintptr_t idx = (uintptr_t)hash_get_str(&lc->by_name, name);

	return idx == 0 ? NULL : &lc->entries.v[idx - 1];
}

static struct list_entry *
add_entry(struct list_ctx *lc, const char *name, unsigned match)
{
	struct list_entry *e = vec_push_new(&lc->entries);

	e->name = pool_strdup(lc->cmd->pool, name);
	e->match = match;
	hash_put_str(&lc->by_name, e->name, (void *)(uintptr_t)lc->entries.n);
	return e;
}

static int
collect_mailbox(void *ctx, const struct store_mailbox_info *info)
{
	struct list_ctx *lc = ctx;
	unsigned match = match_name(lc, info->name);
	struct list_entry *e;

	if (!lc->keep_all && (match & IMAP_MATCH_YES) == 0)
		return 0;
	e = add_entry(lc, info->name, match);

	e->attrs = (info->noselect ? ATTR_NOSELECT : 0) |
		   (info->has_children ? ATTR_HASCHILDREN : ATTR_HASNOCHILDREN);
	if (hash_get_str(&lc->subscribed, info->name) != NULL)
		e->attrs |= ATTR_SUBSCRIBED;
	if (info->special_use != NULL)
		e->special_use = pool_strdup(lc->cmd->pool, info->special_use);
	return 0;
}

static int
collect_subscription(void *ctx, const char *name)
{
	struct list_ctx *lc = ctx;
	char *copy = pool_strdup(lc->cmd->pool, name);

	hash_put_str(&lc->subscribed, copy, copy);
	return 0;
}

/* Subscribed names that are not mailboxes are candidates too when the
   subscriptions are what is listed (RFC 5258 section 3.1 SUBSCRIBED). */
static int
add_nonexistent(void *ctx, const char *name)
{
	struct list_ctx *lc = ctx;
	struct list_entry *e;

	if (find_entry(lc, name) == NULL) {
		e = add_entry(lc, name, match_name(lc, name));
		e->attrs = ATTR_NONEXISTENT | ATTR_SUBSCRIBED;
	}
	return 0;
}

/* Does the entry satisfy the selection options? */
static bool
selected(const struct list_ctx *lc, const struct list_entry *e)
{
	unsigned sel = lc->req->select_opts;

	if (lc->lsub || (sel & IMAP_LIST_SELECT_SUBSCRIBED) != 0) {
		if ((e->attrs & ATTR_SUBSCRIBED) == 0)
			return false;
	}
	if ((sel & IMAP_LIST_SELECT_SPECIAL_USE) != 0 && e->special_use == NULL)
		return false;
	return true;
}

/* RFC 5258 RECURSIVEMATCH and RFC 3501 LSUB with "%": a parent matching
   the pattern is returned for a selected descendant that does not match
   it (with CHILDINFO, or \Noselect in LSUB). */
static void
mark_ancestors(struct list_ctx *lc, const char *name)
{
	char *copy = pool_strdup(lc->cmd->pool, name), *slash;

	while ((slash = strrchr(copy, STORE_HIERARCHY_SEP)) != NULL) {
		struct list_entry *a;

		*slash = '\0';
		a = find_entry(lc, copy);
		if (a == NULL) {
			a = add_entry(lc, copy, match_name(lc, copy));
			a->attrs = ATTR_NONEXISTENT;
		}
		if ((a->match & IMAP_MATCH_YES) != 0) {
			a->childinfo = true;
			a->returned = true;
		}
	}
}

static void
choose(struct list_ctx *lc)
{
	bool recursive = lc->lsub || (lc->req->select_opts &
				      IMAP_LIST_SELECT_RECURSIVEMATCH) != 0;
	size_t n = lc->entries.n;

	/* entries added by mark_ancestors() are parents only */
	for (size_t i = 0; i < n; i++) {
		struct list_entry *e = &lc->entries.v[i];

		if (!selected(lc, e))
			continue;
		if ((e->match & IMAP_MATCH_YES) != 0)
			e->returned = true;
		else if (recursive)
			mark_ancestors(lc, e->name);
	}
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct list_entry *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* Collects and chooses what to return. Returns -1 with err set. */
static int
collect(struct list_ctx *lc, struct err *err)
{
	struct store_user *user = lc->cmd->session->user;
	unsigned ret = lc->req->return_opts, sel = lc->req->select_opts;
	bool want_subs = lc->lsub || (sel & IMAP_LIST_SELECT_SUBSCRIBED) != 0 ||
			 (ret & IMAP_LIST_RETURN_SUBSCRIBED) != 0;

	lc->keep_all =
	    lc->lsub || (sel & (IMAP_LIST_SELECT_SUBSCRIBED |
				IMAP_LIST_SELECT_RECURSIVEMATCH)) != 0;
	hash_init(&lc->by_name, false);
	hash_init(&lc->subscribed, false);
	if (want_subs &&
	    store_subscriptions(user, collect_subscription, lc, err) < 0)
		return -1;
	if (store_mailbox_list(user, collect_mailbox, lc, err) < 0)
		return -1;
	if ((lc->lsub || (sel & IMAP_LIST_SELECT_SUBSCRIBED) != 0) &&
	    store_subscriptions(user, add_nonexistent, lc, err) < 0)
		return -1;
	choose(lc);
	/* entries appended as parents or subscriptions go to their place;
	   the walk's own order has parents first, which sorting by name
	   keeps ('/' sorts the parent before its children) */
	if (lc->entries.n > 1)
		qsort(lc->entries.v, lc->entries.n, sizeof(lc->entries.v[0]),
		      entry_cmp);
	hash_free(&lc->by_name);
	return 0;
}

static void
append_attr(struct buf *b, const char *attr)
{
	if (b->len > 0 && b->data[b->len - 1] != '(')
		buf_append_c(b, ' ');
	buf_append_str(b, attr);
}

static void
write_entry(struct list_ctx *lc, const struct list_entry *e)
{
	struct imap_session *s = lc->cmd->session;
	struct buf *b = imap_out_begin(s);
	unsigned ret = lc->req->return_opts;

	buf_append_str(b, lc->lsub ? "* LSUB (" : "* LIST (");
	if (lc->lsub) {
		/* RFC 3501 section 6.3.9: \Noselect also marks a parent
		   that is only listed for its subscribed children */
		if ((e->attrs & (ATTR_NOSELECT | ATTR_NONEXISTENT)) != 0 ||
		    (e->attrs & ATTR_SUBSCRIBED) == 0)
			append_attr(b, "\\Noselect");
	} else {
		if ((e->attrs & ATTR_NONEXISTENT) != 0)
			append_attr(b, "\\NonExistent");
		else if ((e->attrs & ATTR_NOSELECT) != 0)
			append_attr(b, "\\Noselect");
		if ((e->attrs & ATTR_HASCHILDREN) != 0)
			append_attr(b, "\\HasChildren");
		else if ((e->attrs & ATTR_HASNOCHILDREN) != 0)
			append_attr(b, "\\HasNoChildren");
		if ((e->attrs & ATTR_SUBSCRIBED) != 0 &&
		    ((ret & IMAP_LIST_RETURN_SUBSCRIBED) != 0 ||
		     (lc->req->select_opts & IMAP_LIST_SELECT_SUBSCRIBED) != 0))
			append_attr(b, "\\Subscribed");
		/* RFC 6154 section 2: allowed in any LIST */
		if (e->special_use != NULL)
			append_attr(b, e->special_use);
	}
	buf_append_str(b, ") \"/\" ");
	imap_mailbox_append(b, e->name, strlen(e->name), false);
	if (e->childinfo && !lc->lsub)
		buf_append_str(b, " (\"CHILDINFO\" (\"SUBSCRIBED\"))");
	imap_out_send(s);
}

static enum imap_cmd_result
list_write(struct imap_cmd *cmd)
{
	struct list_ctx *lc = cmd->ctx;
	struct imap_session *s = cmd->session;
	bool status = (lc->req->return_opts & IMAP_LIST_RETURN_STATUS) != 0;

	for (; lc->pos < lc->entries.n; lc->pos++) {
		const struct list_entry *e = &lc->entries.v[lc->pos];
		struct err err;

		if (!e->returned)
			continue;
		if (imap_output_full(s))
			return IMAP_CMD_YIELD;
		write_entry(lc, e);
		/* RFC 5819 section 2: STATUS for selectable mailboxes;
		   one that vanished meanwhile is skipped */
		if (status &&
		    (e->attrs & (ATTR_NOSELECT | ATTR_NONEXISTENT)) == 0)
			(void)imap_status_write(s, e->name, &lc->status, &err);
	}
	return imap_cmd_ok(cmd,
			   lc->lsub ? "Lsub completed." : "List completed.");
}

/* Compiles the patterns; false after finishing the command. */
static bool
compile(struct list_ctx *lc)
{
	const struct imap_list_request *req = lc->req;

	lc->matches = pool_alloc_array(lc->cmd->pool, req->pattern_count + 1,
				       sizeof(*lc->matches));
	for (size_t i = 0; i < req->pattern_count; i++) {
		struct imap_match *m;

		/* RFC 5258 section 3: "" is no pattern in extended LIST */
		if (req->patterns[i].len == 0)
			continue;
		m = imap_match_create_ref(
		    lc->cmd->pool, req->ref, req->ref_len, req->patterns[i].str,
		    req->patterns[i].len, STORE_HIERARCHY_SEP);
		if (m == NULL) {
			imap_cmd_bad(lc->cmd, "Pattern too long.");
			return false;
		}
		lc->matches[lc->match_count++] = m;
	}
	return true;
}

static enum imap_cmd_result
list_run(struct imap_cmd *cmd, struct list_ctx *lc)
{
	const struct imap_list_request *req = lc->req;
	const char *error;
	struct err err;

	if ((req->return_opts & IMAP_LIST_RETURN_STATUS) != 0 &&
	    imap_status_parse(req->status_items, req->status_count, &lc->status,
			      &error) < 0)
		return imap_cmd_bad(cmd, error);
	/* RFC 3501 section 6.3.8: an empty pattern asks for the hierarchy
	   delimiter and the root; there is one namespace with prefix "" */
	if (!req->extended && req->pattern_count == 1 &&
	    req->patterns[0].len == 0) {
		if (!lc->lsub)
			imap_out_untagged(cmd->session,
					  "LIST (\\Noselect) \"/\" \"\"");
		return imap_cmd_ok(cmd, lc->lsub ? "Lsub completed."
						 : "List completed.");
	}
	if (!compile(lc))
		return IMAP_CMD_DONE;
	cmd->ctx = lc;
	cmd->cleanup = list_cleanup;
	if (lc->match_count > 0 && collect(lc, &err) < 0)
		return imap_cmd_fail(cmd, &err);
	cmd->func = list_write;
	return list_write(cmd);
}

enum imap_cmd_result
cmd_list(struct imap_cmd *cmd)
{
	struct imap_list_request *req;
	struct list_ctx *lc;
	const char *error;

	if (imap_list_parse(cmd->pool, cmd->args, cmd->count, &req, &error) < 0)
		return imap_cmd_bad(cmd, error);
	lc = pool_alloc(cmd->pool, sizeof(*lc));
	lc->cmd = cmd;
	lc->req = req;
	return list_run(cmd, lc);
}

/* LSUB reference mailbox (RFC 3501 section 6.3.9). */
enum imap_cmd_result
cmd_lsub(struct imap_cmd *cmd)
{
	struct imap_list_request *req;
	struct imap_list_pattern *pattern;
	struct list_ctx *lc;

	if (!imap_cmd_check_count(cmd, 2, 2))
		return IMAP_CMD_DONE;
	req = pool_alloc(cmd->pool, sizeof(*req));
	pattern = pool_alloc(cmd->pool, sizeof(*pattern));
	if (!imap_arg_get_astring(&cmd->args[0], &req->ref, &req->ref_len) ||
	    !imap_arg_get_list_mailbox(&cmd->args[1], &pattern->str,
				       &pattern->len))
		return imap_cmd_bad(cmd, "Invalid LSUB arguments.");
	req->patterns = pattern;
	req->pattern_count = 1;
	lc = pool_alloc(cmd->pool, sizeof(*lc));
	lc->cmd = cmd;
	lc->req = req;
	lc->lsub = true;
	return list_run(cmd, lc);
}
