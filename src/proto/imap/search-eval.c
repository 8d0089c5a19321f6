/* SPDX-License-Identifier: MIT */
/* Compiled SEARCH programs and their evaluation (search-eval.h). */
#include "proto/imap/search-eval.h"
#include "lib/str.h"
#include "mime/mime-casemap.h"
#include "proto/imap/imap-flags.h"

#include <stdlib.h>
#include <string.h>

/* What a node needs to be decided. */
enum level {
	LEVEL_INDEX = 0,   /* flags, UID, size, INTERNALDATE, keywords */
	LEVEL_SUMMARY = 1, /* the Date header, the ENVELOPE */
	LEVEL_TEXT = 2,	   /* header and body text */
};

struct search_node {
	enum imap_search_key_type type;
	enum level level; /* the most expensive fact in the subtree */
	union {
		struct imap_seqset set; /* SEQSET: seq numbers; UID: UIDs */
		int64_t day;
		uint64_t number;
		const char *keyword;
		struct {
			uint32_t group;
			uint64_t bit;
		} text;
		struct {
			enum search_envelope_field field;
			const uint8_t *needle; /* canonical form */
			size_t len;
		} env;
		struct {
			struct search_node *v;
			size_t n;
		} list;
	} u;
};

struct compile_ctx {
	struct pool *pool;
	struct search_program *prog;
	uint32_t count, max_uid;
	unsigned text_keys;
	struct imap_seqset seq_filter, uid_filter;
	bool have_seq_filter, have_uid_filter;
	struct err *err;
};

int64_t
search_day(int64_t t, int zone)
{
	int64_t local = t + (int64_t)zone * 60;

	/* floor division: dates before 1970 have negative day numbers */
	return local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
}

static int compile_node(struct compile_ctx *cc,
			const struct imap_search_key *key,
			struct search_node *node);

static enum search_envelope_field
envelope_field(enum imap_search_key_type type)
{
	switch (type) {
	case IMAP_SEARCH_BCC:
		return SEARCH_ENVELOPE_BCC;
	case IMAP_SEARCH_CC:
		return SEARCH_ENVELOPE_CC;
	case IMAP_SEARCH_FROM:
		return SEARCH_ENVELOPE_FROM;
	case IMAP_SEARCH_TO:
		return SEARCH_ENVELOPE_TO;
	default:
		return SEARCH_ENVELOPE_SUBJECT;
	}
}

/* "contains the specified string in the envelope structure's ... field"
   (RFC 3501 section 6.4.4): matched on the cached ENVELOPE. */
static int
compile_envelope(struct compile_ctx *cc, const struct imap_search_key *key,
		 struct search_node *node)
{
	struct buf canon = BUF_INIT;

	/* the bounds of mime_search_add(), for the same kind of string */
	if (key->u.str.len > MIME_SEARCH_NEEDLE_MAX / 2 * 3)
		return err_set(cc->err, ERR_LIMIT, "search string too long");
	mime_casemap_append(key->u.str.data, key->u.str.len, &canon);
	if (canon.len > MIME_SEARCH_NEEDLE_MAX) {
		buf_free(&canon);
		return err_set(cc->err, ERR_LIMIT, "search string too long");
	}
	node->level = LEVEL_SUMMARY;
	node->u.env.field = envelope_field(key->type);
	node->u.env.len = canon.len;
	node->u.env.needle =
	    pool_memdup(cc->pool, canon.len > 0 ? canon.data : (uint8_t *)"",
			canon.len > 0 ? canon.len : 1);
	buf_free(&canon);
	return 0;
}

static int
compile_text(struct compile_ctx *cc, const struct imap_search_key *key,
	     struct search_node *node)
{
	struct search_program *prog = cc->prog;
	enum mime_search_type type = MIME_SEARCH_HEADER;
	const char *field = NULL, *needle = key->u.str.data;
	size_t len = key->u.str.len;
	uint32_t group = cc->text_keys / MIME_SEARCH_MAX_KEYS;
	int idx;

	if (key->type == IMAP_SEARCH_BODY) {
		type = MIME_SEARCH_BODY;
	} else if (key->type == IMAP_SEARCH_TEXT) {
		type = MIME_SEARCH_TEXT;
	} else {
		field = key->u.header.field;
		needle = key->u.header.value;
		len = key->u.header.value_len;
	}
	if (cc->text_keys == SEARCH_TEXT_KEYS_MAX)
		return err_set(cc->err, ERR_LIMIT, "too many text keys");
	if (group == prog->n_groups)
		prog->groups[prog->n_groups++] = mime_search_create();
	idx = mime_search_add(prog->groups[group], type, field, needle, len,
			      cc->err);
	if (idx < 0) {
		/* the parser checked the field name's characters: the
		   matcher only refuses names beyond its length bound */
		cc->err->code = ERR_LIMIT;
		return -1;
	}
	cc->text_keys++;
	node->level = LEVEL_TEXT;
	node->u.text.group = group;
	node->u.text.bit = 1ull << idx;
	return 0;
}

/* Sequence sets are resolved now: "*" is the last message or UID. A
   number beyond the mailbox matches nothing (as in Dovecot: a SEARCH
   is not an error when the client's view is a little stale). */
static int
compile_set(struct compile_ctx *cc, const struct imap_search_key *key,
	    struct search_node *node)
{
	uint32_t star = key->type == IMAP_SEARCH_UID ? cc->max_uid : cc->count;
	const char *error;

	if (imap_seqset_parse(cc->pool, key->u.seqset.set, key->u.seqset.len,
			      star, 0, 0, &node->u.set, &error) < 0)
		return err_set(cc->err, ERR_PARAMS, "%s", error);
	return 0;
}

static int
cmp_level(const void *a, const void *b)
{
	const struct search_node *x = a, *y = b;

	return (int)x->level - (int)y->level;
}

static int
compile_list(struct compile_ctx *cc, const struct imap_search_key *key,
	     struct search_node *node)
{
	size_t n = key->u.list.count;
	struct search_node *v = pool_alloc_array(cc->pool, n, sizeof(*v));

	node->level = LEVEL_INDEX;
	for (size_t i = 0; i < n; i++) {
		if (compile_node(cc, &key->u.list.keys[i], &v[i]) < 0)
			return -1;
		if (v[i].level > node->level)
			node->level = v[i].level;
	}
	/* cheap facts first, so that AND and OR short-circuit before a
	   file is read; the order of equal-cost keys does not matter */
	if (key->type != IMAP_SEARCH_NOT)
		qsort(v, n, sizeof(*v), cmp_level);
	node->u.list.v = v;
	node->u.list.n = n;
	return 0;
}

static int
compile_node(struct compile_ctx *cc, const struct imap_search_key *key,
	     struct search_node *node)
{
	memset(node, 0, sizeof(*node));
	node->type = key->type;
	node->level = LEVEL_INDEX;
	switch (key->type) {
	case IMAP_SEARCH_ALL:
	case IMAP_SEARCH_ANSWERED:
	case IMAP_SEARCH_DELETED:
	case IMAP_SEARCH_DRAFT:
	case IMAP_SEARCH_FLAGGED:
	case IMAP_SEARCH_NEW:
	case IMAP_SEARCH_OLD:
	case IMAP_SEARCH_RECENT:
	case IMAP_SEARCH_SEEN:
	case IMAP_SEARCH_UNANSWERED:
	case IMAP_SEARCH_UNDELETED:
	case IMAP_SEARCH_UNDRAFT:
	case IMAP_SEARCH_UNFLAGGED:
	case IMAP_SEARCH_UNSEEN:
		return 0;
	case IMAP_SEARCH_KEYWORD:
	case IMAP_SEARCH_UNKEYWORD:
		node->u.keyword =
		    pool_strndup(cc->pool, key->u.str.data, key->u.str.len);
		cc->prog->needs_keywords = true;
		return 0;
	case IMAP_SEARCH_BCC:
	case IMAP_SEARCH_CC:
	case IMAP_SEARCH_FROM:
	case IMAP_SEARCH_SUBJECT:
	case IMAP_SEARCH_TO:
		return compile_envelope(cc, key, node);
	case IMAP_SEARCH_BODY:
	case IMAP_SEARCH_TEXT:
	case IMAP_SEARCH_HEADER:
		return compile_text(cc, key, node);
	case IMAP_SEARCH_BEFORE:
	case IMAP_SEARCH_ON:
	case IMAP_SEARCH_SINCE:
		node->u.day = search_day(key->u.date, 0);
		cc->prog->needs_zone = true;
		return 0;
	case IMAP_SEARCH_SENTBEFORE:
	case IMAP_SEARCH_SENTON:
	case IMAP_SEARCH_SENTSINCE:
		node->u.day = search_day(key->u.date, 0);
		node->level = LEVEL_SUMMARY;
		return 0;
	case IMAP_SEARCH_LARGER:
	case IMAP_SEARCH_SMALLER:
		node->u.number = key->u.number;
		return 0;
	case IMAP_SEARCH_SEQSET:
	case IMAP_SEARCH_UID:
		return compile_set(cc, key, node);
	case IMAP_SEARCH_NOT:
	case IMAP_SEARCH_OR:
	case IMAP_SEARCH_AND:
		return compile_list(cc, key, node);
	default:
		/* extension keys: refused with their extension */
		return err_set(cc->err, ERR_PARAMS, "unsupported search key");
	}
}

/* Top-level sequence sets and UID sets restrict which messages need to
   be looked at at all. */
static void
collect_filters(struct compile_ctx *cc, const struct search_node *root)
{
	for (size_t i = 0; i < root->u.list.n; i++) {
		const struct search_node *n = &root->u.list.v[i];
		struct imap_seqset *f;
		bool *have;

		if (n->type == IMAP_SEARCH_SEQSET) {
			f = &cc->seq_filter;
			have = &cc->have_seq_filter;
		} else if (n->type == IMAP_SEARCH_UID) {
			f = &cc->uid_filter;
			have = &cc->have_uid_filter;
		} else {
			continue;
		}
		if (*have) {
			struct imap_seqset both;

			imap_seqset_intersect(cc->pool, f, &n->u.set, &both);
			*f = both;
		} else {
			*f = n->u.set;
			*have = true;
		}
	}
	if (cc->have_seq_filter)
		cc->prog->seq_filter = &cc->seq_filter;
	if (cc->have_uid_filter)
		cc->prog->uid_filter = &cc->uid_filter;
}

int
search_compile(struct pool *pool, const struct imap_search_program *ast,
	       uint32_t count, uint32_t max_uid, struct search_program **prog_r,
	       struct err *err)
{
	struct compile_ctx *cc = pool_alloc(pool, sizeof(*cc));
	struct search_program *prog = pool_alloc(pool, sizeof(*prog));

	memset(cc, 0, sizeof(*cc));
	memset(prog, 0, sizeof(*prog));
	cc->pool = pool;
	cc->prog = prog;
	cc->count = count;
	cc->max_uid = max_uid;
	cc->err = err;
	prog->root = pool_alloc(pool, sizeof(*prog->root));
	if (compile_node(cc, ast->root, prog->root) < 0) {
		search_program_free(&prog);
		return -1;
	}
	if (prog->root->type == IMAP_SEARCH_AND)
		collect_filters(cc, prog->root);
	*prog_r = prog;
	return 0;
}

void
search_program_free(struct search_program **progp)
{
	struct search_program *prog = *progp;

	if (prog == NULL)
		return;
	for (size_t i = 0; i < prog->n_groups; i++)
		mime_search_destroy(&prog->groups[i]);
	prog->n_groups = 0;
	*progp = NULL;
}

/* --- evaluation -------------------------------------------------------- */

static enum search_result
result(bool b)
{
	return b ? SEARCH_YES : SEARCH_NO;
}

static enum search_result eval_node(const struct search_node *n,
				    const struct search_msg *m);

static bool
has_keyword(const struct search_msg *m, const char *keyword)
{
	/* keywords compare case-insensitively, as the flag library
	   de-duplicates them */
	for (size_t i = 0; i < m->keyword_count; i++) {
		if (str_eq_icase(m->keywords[i], keyword))
			return true;
	}
	return false;
}

static enum search_result
eval_list(const struct search_node *n, const struct search_msg *m)
{
	bool is_or = n->type == IMAP_SEARCH_OR;
	enum search_result r, acc = is_or ? SEARCH_NO : SEARCH_YES;

	if (n->type == IMAP_SEARCH_NOT) {
		r = eval_node(&n->u.list.v[0], m);
		return r == SEARCH_MAYBE ? r : result(r == SEARCH_NO);
	}
	for (size_t i = 0; i < n->u.list.n; i++) {
		r = eval_node(&n->u.list.v[i], m);
		/* OR: one YES decides; AND: one NO decides */
		if (r == (is_or ? SEARCH_YES : SEARCH_NO))
			return r;
		if (r == SEARCH_MAYBE)
			acc = SEARCH_MAYBE;
	}
	return acc;
}

static enum search_result
eval_date(const struct search_node *n, int64_t day)
{
	switch (n->type) {
	case IMAP_SEARCH_BEFORE:
	case IMAP_SEARCH_SENTBEFORE:
		return result(day < n->u.day);
	case IMAP_SEARCH_ON:
	case IMAP_SEARCH_SENTON:
		return result(day == n->u.day);
	default:
		return result(day >= n->u.day);
	}
}

static enum search_result
eval_node(const struct search_node *n, const struct search_msg *m)
{
	uint32_t f = m->flags;

	switch (n->type) {
	case IMAP_SEARCH_ALL:
		return SEARCH_YES;
	case IMAP_SEARCH_ANSWERED:
		return result((f & IMAP_FLAG_ANSWERED) != 0);
	case IMAP_SEARCH_DELETED:
		return result((f & IMAP_FLAG_DELETED) != 0);
	case IMAP_SEARCH_DRAFT:
		return result((f & IMAP_FLAG_DRAFT) != 0);
	case IMAP_SEARCH_FLAGGED:
		return result((f & IMAP_FLAG_FLAGGED) != 0);
	case IMAP_SEARCH_RECENT:
		return result((f & IMAP_FLAG_RECENT) != 0);
	case IMAP_SEARCH_SEEN:
		return result((f & IMAP_FLAG_SEEN) != 0);
	case IMAP_SEARCH_UNANSWERED:
		return result((f & IMAP_FLAG_ANSWERED) == 0);
	case IMAP_SEARCH_UNDELETED:
		return result((f & IMAP_FLAG_DELETED) == 0);
	case IMAP_SEARCH_UNDRAFT:
		return result((f & IMAP_FLAG_DRAFT) == 0);
	case IMAP_SEARCH_UNFLAGGED:
		return result((f & IMAP_FLAG_FLAGGED) == 0);
	case IMAP_SEARCH_UNSEEN:
		return result((f & IMAP_FLAG_SEEN) == 0);
	case IMAP_SEARCH_NEW:
		/* "equivalent to (RECENT UNSEEN)" */
		return result((f & (IMAP_FLAG_RECENT | IMAP_FLAG_SEEN)) ==
			      IMAP_FLAG_RECENT);
	case IMAP_SEARCH_OLD:
		/* "equivalent to NOT RECENT" */
		return result((f & IMAP_FLAG_RECENT) == 0);
	case IMAP_SEARCH_KEYWORD:
		return result(has_keyword(m, n->u.keyword));
	case IMAP_SEARCH_UNKEYWORD:
		return result(!has_keyword(m, n->u.keyword));
	case IMAP_SEARCH_BEFORE:
	case IMAP_SEARCH_ON:
	case IMAP_SEARCH_SINCE:
		return eval_date(n,
				 search_day(m->internaldate, m->internal_zone));
	case IMAP_SEARCH_SENTBEFORE:
	case IMAP_SEARCH_SENTON:
	case IMAP_SEARCH_SENTSINCE:
		if (!m->have_summary)
			return SEARCH_MAYBE;
		/* no usable Date header: no sent date to compare */
		if (!m->has_date)
			return SEARCH_NO;
		return eval_date(n, search_day(m->date, m->date_zone));
	case IMAP_SEARCH_LARGER:
		return result(m->size > n->u.number);
	case IMAP_SEARCH_SMALLER:
		return result(m->size < n->u.number);
	case IMAP_SEARCH_SEQSET:
		return result(imap_seqset_contains(&n->u.set, m->seq));
	case IMAP_SEARCH_UID:
		return result(imap_seqset_contains(&n->u.set, m->uid));
	case IMAP_SEARCH_BCC:
	case IMAP_SEARCH_CC:
	case IMAP_SEARCH_FROM:
	case IMAP_SEARCH_SUBJECT:
	case IMAP_SEARCH_TO:
		if (!m->have_summary)
			return SEARCH_MAYBE;
		return result(m->envelope != NULL &&
			      search_envelope_match(m->envelope, n->u.env.field,
						    n->u.env.needle,
						    n->u.env.len));
	case IMAP_SEARCH_BODY:
	case IMAP_SEARCH_TEXT:
	case IMAP_SEARCH_HEADER:
		if (!m->have_text)
			return SEARCH_MAYBE;
		return result(
		    (m->text_masks[n->u.text.group] & n->u.text.bit) != 0);
	case IMAP_SEARCH_NOT:
	case IMAP_SEARCH_OR:
	case IMAP_SEARCH_AND:
		return eval_list(n, m);
	default:
		return SEARCH_NO;
	}
}

enum search_result
search_eval(const struct search_program *prog, const struct search_msg *m)
{
	return eval_node(prog->root, m);
}
