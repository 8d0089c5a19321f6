/* SPDX-License-Identifier: MIT */
/* SEARCH program parser (RFC 3501 section 6.4.4 and extensions). */
#include "proto/imap/imap-search-parse.h"
#include "proto/imap/imap-search-private.h"
#include "proto/imap/imap-date.h"
#include "proto/imap/imap-ext.h"
#include "proto/imap/imap-flags.h"
#include "proto/imap/imap-seqset.h"
#include "lib/str.h"
#include "lib/strnum.h"
#include "lib/utf8.h"

#include <string.h>

/* "OR OR OR a b c d" nests one level per OR: clients build such chains
   for multi-term searches. Each level costs three small stack frames. */
#define DEFAULT_MAX_DEPTH 128
#define DEFAULT_MAX_NODES 10000
/* RFC 5322 section 2.2 does not bound field names; a line does (998) */
#define HEADER_NAME_MAX 998
/* RFC 8474 section 7: objectid = 1*255(ALPHA / DIGIT / "_" / "-") */
#define OBJECTID_MAX 255

enum arg_kind {
	KIND_NONE,
	KIND_STRING,
	KIND_KEYWORD,
	KIND_HEADER,
	KIND_DATE,
	KIND_SIZE,     /* number64 (RFC 9051) */
	KIND_INTERVAL, /* nz-number (RFC 5032) */
	KIND_SEQSET,
	KIND_MODSEQ,
	KIND_OBJECTID,
	KIND_NOT,
	KIND_OR,
};

struct key_def {
	const char *name;
	enum imap_search_key_type type;
	enum arg_kind kind;
	uint32_t ext;
};

static const struct key_def key_defs[] = {
    /* RFC 3501 section 6.4.4 */
    {"ALL", IMAP_SEARCH_ALL, KIND_NONE, 0},
    {"ANSWERED", IMAP_SEARCH_ANSWERED, KIND_NONE, 0},
    {"BCC", IMAP_SEARCH_BCC, KIND_STRING, 0},
    {"BEFORE", IMAP_SEARCH_BEFORE, KIND_DATE, 0},
    {"BODY", IMAP_SEARCH_BODY, KIND_STRING, 0},
    {"CC", IMAP_SEARCH_CC, KIND_STRING, 0},
    {"DELETED", IMAP_SEARCH_DELETED, KIND_NONE, 0},
    {"DRAFT", IMAP_SEARCH_DRAFT, KIND_NONE, 0},
    {"FLAGGED", IMAP_SEARCH_FLAGGED, KIND_NONE, 0},
    {"FROM", IMAP_SEARCH_FROM, KIND_STRING, 0},
    {"HEADER", IMAP_SEARCH_HEADER, KIND_HEADER, 0},
    {"KEYWORD", IMAP_SEARCH_KEYWORD, KIND_KEYWORD, 0},
    {"LARGER", IMAP_SEARCH_LARGER, KIND_SIZE, 0},
    {"NEW", IMAP_SEARCH_NEW, KIND_NONE, 0},
    {"NOT", IMAP_SEARCH_NOT, KIND_NOT, 0},
    {"OLD", IMAP_SEARCH_OLD, KIND_NONE, 0},
    {"ON", IMAP_SEARCH_ON, KIND_DATE, 0},
    {"OR", IMAP_SEARCH_OR, KIND_OR, 0},
    {"RECENT", IMAP_SEARCH_RECENT, KIND_NONE, 0},
    {"SEEN", IMAP_SEARCH_SEEN, KIND_NONE, 0},
    {"SENTBEFORE", IMAP_SEARCH_SENTBEFORE, KIND_DATE, 0},
    {"SENTON", IMAP_SEARCH_SENTON, KIND_DATE, 0},
    {"SENTSINCE", IMAP_SEARCH_SENTSINCE, KIND_DATE, 0},
    {"SINCE", IMAP_SEARCH_SINCE, KIND_DATE, 0},
    {"SMALLER", IMAP_SEARCH_SMALLER, KIND_SIZE, 0},
    {"SUBJECT", IMAP_SEARCH_SUBJECT, KIND_STRING, 0},
    {"TEXT", IMAP_SEARCH_TEXT, KIND_STRING, 0},
    {"TO", IMAP_SEARCH_TO, KIND_STRING, 0},
    {"UID", IMAP_SEARCH_UID, KIND_SEQSET, 0},
    {"UNANSWERED", IMAP_SEARCH_UNANSWERED, KIND_NONE, 0},
    {"UNDELETED", IMAP_SEARCH_UNDELETED, KIND_NONE, 0},
    {"UNDRAFT", IMAP_SEARCH_UNDRAFT, KIND_NONE, 0},
    {"UNFLAGGED", IMAP_SEARCH_UNFLAGGED, KIND_NONE, 0},
    {"UNKEYWORD", IMAP_SEARCH_UNKEYWORD, KIND_KEYWORD, 0},
    {"UNSEEN", IMAP_SEARCH_UNSEEN, KIND_NONE, 0},
    /* RFC 7162 section 3.1.5 */
    {"MODSEQ", IMAP_SEARCH_MODSEQ, KIND_MODSEQ, IMAP_EXT_CONDSTORE},
    /* RFC 5032 section 3 */
    {"OLDER", IMAP_SEARCH_OLDER, KIND_INTERVAL, IMAP_EXT_WITHIN},
    {"YOUNGER", IMAP_SEARCH_YOUNGER, KIND_INTERVAL, IMAP_EXT_WITHIN},
    /* RFC 8514 section 5 */
    {"SAVEDBEFORE", IMAP_SEARCH_SAVEDBEFORE, KIND_DATE, IMAP_EXT_SAVEDATE},
    {"SAVEDON", IMAP_SEARCH_SAVEDON, KIND_DATE, IMAP_EXT_SAVEDATE},
    {"SAVEDSINCE", IMAP_SEARCH_SAVEDSINCE, KIND_DATE, IMAP_EXT_SAVEDATE},
    {"SAVEDATESUPPORTED", IMAP_SEARCH_SAVEDATESUPPORTED, KIND_NONE,
     IMAP_EXT_SAVEDATE},
    /* RFC 8474 section 7 */
    {"EMAILID", IMAP_SEARCH_EMAILID, KIND_OBJECTID, IMAP_EXT_OBJECTID},
    {"THREADID", IMAP_SEARCH_THREADID, KIND_OBJECTID, IMAP_EXT_OBJECTID},
};

struct search_ctx {
	struct pool *pool;
	unsigned max_depth;
	unsigned max_nodes;
	unsigned nodes;
	uint32_t ext;
	bool ascii_only; /* CHARSET US-ASCII */
	const char *error;
};

/* The arguments of one level: the program or a parenthesised list. */
struct cursor {
	const struct imap_arg *args;
	size_t count;
	size_t pos;
};

static int
fail(struct search_ctx *ctx, const char *error)
{
	ctx->error = error;
	return -1;
}

static const struct imap_arg *
next_arg(struct cursor *cur)
{
	return cur->pos < cur->count ? &cur->args[cur->pos++] : NULL;
}

const char *
imap_search__key_name(enum imap_search_key_type type)
{
	for (size_t i = 0; i < N_ELEMENTS(key_defs); i++) {
		if (key_defs[i].type == type)
			return key_defs[i].name;
	}
	return NULL;
}

static const struct key_def *
find_key(const struct imap_arg *arg)
{
	for (size_t i = 0; i < N_ELEMENTS(key_defs); i++) {
		if (imap_arg_atom_equals(arg, key_defs[i].name))
			return &key_defs[i];
	}
	return NULL;
}

/* A substring argument: astring in the program's charset. */
static int
parse_string(struct search_ctx *ctx, const struct imap_arg *arg,
	     const char **str_r, size_t *len_r)
{
	if (arg == NULL || !imap_arg_get_astring(arg, str_r, len_r))
		return fail(ctx, "Search string expected");
	for (size_t i = 0; i < *len_r; i++) {
		if ((unsigned char)(*str_r)[i] < 0x80)
			continue;
		if (ctx->ascii_only)
			return fail(ctx, "8-bit characters with CHARSET "
					 "US-ASCII");
		if (!utf8_valid(*str_r, *len_r))
			return fail(ctx, "Search string is not valid UTF-8");
		break;
	}
	return 0;
}

/* header-fld-name = astring, holding an RFC 5322 section 3.6.8 field
   name: printable US-ASCII except ":" */
static int
parse_header(struct search_ctx *ctx, struct cursor *cur,
	     struct imap_search_key *key)
{
	const struct imap_arg *arg = next_arg(cur);
	const char *name;
	size_t len;

	if (arg == NULL || !imap_arg_get_astring(arg, &name, &len) ||
	    len == 0 || len > HEADER_NAME_MAX)
		return fail(ctx, "Invalid header field name");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 33 || c > 126 || c == ':')
			return fail(ctx, "Invalid header field name");
	}
	key->u.header.field = name;
	return parse_string(ctx, next_arg(cur), &key->u.header.value,
			    &key->u.header.value_len);
}

/* 1*DIGIT up to max; nz-number also forbids 0 and leading zeros */
static bool
get_number(const struct imap_arg *arg, uint64_t max, bool nz, uint64_t *num_r)
{
	if (arg == NULL || arg->type != IMAP_ARG_ATOM || arg->flags != 0 ||
	    arg->len == 0)
		return false;
	if (nz && arg->u.str[0] == '0')
		return false;
	return mem_to_u64(arg->u.str, arg->len, max, num_r) == arg->len;
}

static int
parse_seqset(struct search_ctx *ctx, const struct imap_arg *arg,
	     struct imap_search_key *key)
{
	if (arg == NULL || arg->type != IMAP_ARG_ATOM ||
	    (arg->flags & ~IMAP_ARG_FLAG_WILDCARD) != 0 ||
	    !imap_seqset_is_valid(arg->u.str, arg->len, IMAP_SEQSET_FLAG_DOLLAR,
				  0))
		return fail(ctx, "Invalid sequence set");
	key->u.seqset.set = arg->u.str;
	key->u.seqset.len = arg->len;
	/* RFC 5182 section 2.1 */
	key->u.seqset.dollar = arg->len == 1 && arg->u.str[0] == '$';
	if (key->u.seqset.dollar)
		ctx->ext |= IMAP_EXT_SEARCHRES;
	return 0;
}

/* RFC 7162 section 7: entry-flag-name = DQUOTE "/flags/" attr-flag DQUOTE */
static int
parse_modseq_entry(struct search_ctx *ctx, struct cursor *cur,
		   struct imap_search_key *key)
{
	const struct imap_arg *name = next_arg(cur);
	const struct imap_arg *type = next_arg(cur);
	const char *flag;
	size_t len;

	if (name->len <= 7 || !mem_eq_icase(name->u.str, "/flags/", 7))
		return fail(ctx, "Invalid MODSEQ entry name");
	flag = name->u.str + 7;
	len = name->len - 7;
	/* attr-flag: "\" atom (system flags, extensions) or a keyword */
	if (flag[0] == '\\' ? !imap_flag_keyword_is_valid(flag + 1, len - 1)
			    : !imap_flag_keyword_is_valid(flag, len))
		return fail(ctx, "Invalid MODSEQ entry name");
	key->u.modseq.flag = flag;
	if (type != NULL && imap_arg_atom_equals(type, "PRIV"))
		key->u.modseq.entry = IMAP_SEARCH_MODSEQ_PRIV;
	else if (type != NULL && imap_arg_atom_equals(type, "SHARED"))
		key->u.modseq.entry = IMAP_SEARCH_MODSEQ_SHARED;
	else if (type != NULL && imap_arg_atom_equals(type, "ALL"))
		key->u.modseq.entry = IMAP_SEARCH_MODSEQ_ALL;
	else
		return fail(ctx, "Invalid MODSEQ entry type");
	return 0;
}

/* search-modsequence = "MODSEQ" [search-modseq-ext] SP
   mod-sequence-valzer (RFC 7162 section 7) */
static int
parse_modseq(struct search_ctx *ctx, struct cursor *cur,
	     struct imap_search_key *key)
{
	const struct imap_arg *arg;

	if (cur->pos < cur->count &&
	    cur->args[cur->pos].type == IMAP_ARG_QUOTED &&
	    parse_modseq_entry(ctx, cur, key) < 0)
		return -1;
	arg = next_arg(cur);
	if (arg == NULL ||
	    !imap_arg_get_modseq(arg, true, &key->u.modseq.modseq))
		return fail(ctx, "Invalid MODSEQ value");
	return 0;
}

static int
parse_objectid(struct search_ctx *ctx, const struct imap_arg *arg,
	       struct imap_search_key *key)
{
	const char *s;

	if (arg == NULL || !imap_arg_get_atom(arg, &s) ||
	    arg->len > OBJECTID_MAX)
		return fail(ctx, "Invalid object ID");
	for (size_t i = 0; i < arg->len; i++) {
		if (!ascii_isalpha(s[i]) && !ascii_isdigit(s[i]) &&
		    s[i] != '_' && s[i] != '-')
			return fail(ctx, "Invalid object ID");
	}
	key->u.str.data = s;
	key->u.str.len = arg->len;
	return 0;
}

static int parse_key(struct search_ctx *ctx, struct cursor *cur, unsigned depth,
		     struct imap_search_key *key);

/* Parses n keys (0: all remaining ones) of cur into a list node. */
static int
parse_keys(struct search_ctx *ctx, struct cursor *cur, unsigned depth, size_t n,
	   enum imap_search_key_type type, struct imap_search_key *key)
{
	/* every key takes at least one argument */
	size_t max = n != 0 ? n : cur->count - cur->pos;
	struct imap_search_key *keys;
	size_t count = 0;

	if (depth > ctx->max_depth)
		return fail(ctx, "Search program nested too deeply");
	keys = pool_alloc_array(ctx->pool, max, sizeof(*keys));
	while (count < max && (n != 0 || cur->pos < cur->count)) {
		if (parse_key(ctx, cur, depth, &keys[count++]) < 0)
			return -1;
	}
	if (count == 0)
		return fail(ctx, "Missing search key");
	key->type = type;
	key->u.list.keys = keys;
	key->u.list.count = count;
	return 0;
}

static int
parse_key_args(struct search_ctx *ctx, struct cursor *cur, unsigned depth,
	       const struct key_def *def, struct imap_search_key *key)
{
	const struct imap_arg *arg;
	uint64_t num;

	key->type = def->type;
	ctx->ext |= def->ext;
	switch (def->kind) {
	case KIND_NONE:
		return 0;
	case KIND_STRING:
		return parse_string(ctx, next_arg(cur), &key->u.str.data,
				    &key->u.str.len);
	case KIND_KEYWORD:
		/* flag-keyword = atom */
		arg = next_arg(cur);
		if (arg == NULL || !imap_arg_get_atom(arg, &key->u.str.data) ||
		    !imap_flag_keyword_is_valid(arg->u.str, arg->len))
			return fail(ctx, "Invalid keyword");
		key->u.str.len = arg->len;
		return 0;
	case KIND_HEADER:
		return parse_header(ctx, cur, key);
	case KIND_DATE:
		arg = next_arg(cur);
		if (arg == NULL || !imap_arg_get_date(arg, &key->u.date))
			return fail(ctx, "Invalid date");
		return 0;
	case KIND_SIZE:
		/* RFC 9051 section 9: "LARGER" SP number64 */
		if (!get_number(next_arg(cur), INT64_MAX, false, &num))
			return fail(ctx, "Invalid size");
		key->u.number = num;
		return 0;
	case KIND_INTERVAL:
		/* RFC 5032 section 3: nz-number, 32-bit (RFC 3501) */
		if (!get_number(next_arg(cur), UINT32_MAX, true, &num))
			return fail(ctx, "Invalid interval");
		key->u.number = num;
		return 0;
	case KIND_SEQSET:
		return parse_seqset(ctx, next_arg(cur), key);
	case KIND_MODSEQ:
		return parse_modseq(ctx, cur, key);
	case KIND_OBJECTID:
		return parse_objectid(ctx, next_arg(cur), key);
	case KIND_NOT:
		return parse_keys(ctx, cur, depth + 1, 1, IMAP_SEARCH_NOT, key);
	case KIND_OR:
		return parse_keys(ctx, cur, depth + 1, 2, IMAP_SEARCH_OR, key);
	}
	return fail(ctx, "Unknown search key");
}

static int
parse_key(struct search_ctx *ctx, struct cursor *cur, unsigned depth,
	  struct imap_search_key *key)
{
	const struct imap_arg *arg = next_arg(cur);
	const struct key_def *def;

	if (arg == NULL)
		return fail(ctx, "Missing search key");
	if (++ctx->nodes > ctx->max_nodes)
		return fail(ctx, "Search program too large");
	if (arg->type == IMAP_ARG_LIST) {
		/* "(" search-key *(SP search-key) ")" */
		struct cursor sub = {arg->u.list, arg->len, 0};

		return parse_keys(ctx, &sub, depth + 1, 0, IMAP_SEARCH_AND,
				  key);
	}
	if (arg->type != IMAP_ARG_ATOM && arg->type != IMAP_ARG_NIL)
		return fail(ctx, "Invalid search key");
	if (arg->len > 0 && (ascii_isdigit(arg->u.str[0]) ||
			     arg->u.str[0] == '*' || arg->u.str[0] == '$')) {
		key->type = IMAP_SEARCH_SEQSET;
		return parse_seqset(ctx, arg, key);
	}
	def = find_key(arg);
	if (def == NULL)
		return fail(ctx, "Unknown search key");
	return parse_key_args(ctx, cur, depth, def, key);
}

/* search-return-opts = SP "RETURN" SP "(" [search-return-opt
 *(SP search-return-opt)] ")" (RFC 4466 section 3) */
static int
parse_return(struct search_ctx *ctx, const struct imap_arg *arg,
	     struct imap_search_program *prog)
{
	static const struct {
		const char *name;
		unsigned opt;
		uint32_t ext;
	} opts[] = {
	    {"MIN", IMAP_SEARCH_RETURN_MIN, IMAP_EXT_ESEARCH},
	    {"MAX", IMAP_SEARCH_RETURN_MAX, IMAP_EXT_ESEARCH},
	    {"ALL", IMAP_SEARCH_RETURN_ALL, IMAP_EXT_ESEARCH},
	    {"COUNT", IMAP_SEARCH_RETURN_COUNT, IMAP_EXT_ESEARCH},
	    {"SAVE", IMAP_SEARCH_RETURN_SAVE, IMAP_EXT_SEARCHRES},
	};
	const struct imap_arg *list;
	size_t count;

	if (arg == NULL || !imap_arg_get_list(arg, &list, &count))
		return fail(ctx, "RETURN options expected");
	prog->has_return = true;
	for (size_t i = 0; i < count; i++) {
		size_t j;

		for (j = 0; j < N_ELEMENTS(opts); j++) {
			if (imap_arg_atom_equals(&list[i], opts[j].name))
				break;
		}
		if (j == N_ELEMENTS(opts))
			return fail(ctx, "Unknown RETURN option");
		prog->return_opts |= opts[j].opt;
		ctx->ext |= opts[j].ext;
	}
	if (count == 0) {
		/* RFC 4731 section 3.1: "()" is equivalent to "(ALL)" */
		prog->return_opts = IMAP_SEARCH_RETURN_ALL;
		ctx->ext |= IMAP_EXT_ESEARCH;
	}
	return 0;
}

/* charset = atom / quoted (RFC 4466 section 3) */
static enum imap_search_parse_result
parse_charset(struct search_ctx *ctx, const struct imap_arg *arg,
	      struct imap_search_program *prog)
{
	const char *name;
	size_t len;

	if (arg == NULL ||
	    !(arg->type == IMAP_ARG_QUOTED || imap_arg_get_atom(arg, &name))) {
		fail(ctx, "Charset name expected");
		return IMAP_SEARCH_PARSE_BAD;
	}
	name = arg->u.str;
	len = arg->len;
	if (len == 5 && mem_eq_icase(name, "UTF-8", 5)) {
		prog->charset = "UTF-8";
	} else if (len == 8 && mem_eq_icase(name, "US-ASCII", 8)) {
		prog->charset = "US-ASCII";
		ctx->ascii_only = true;
	} else {
		/* RFC 3501 section 6.4.4: NO, not BAD */
		fail(ctx, "Unsupported charset");
		return IMAP_SEARCH_PARSE_BADCHARSET;
	}
	return IMAP_SEARCH_PARSE_OK;
}

enum imap_search_parse_result
imap_search_parse(struct pool *pool, const struct imap_arg *args, size_t count,
		  const struct imap_search_settings *set,
		  struct imap_search_program **program_r, const char **error_r)
{
	struct search_ctx ctx = {.pool = pool};
	struct cursor cur = {args, count, 0};
	struct imap_search_program *prog;
	enum imap_search_parse_result ret;

	ctx.max_depth = set != NULL && set->max_depth != 0 ? set->max_depth
							   : DEFAULT_MAX_DEPTH;
	ctx.max_nodes = set != NULL && set->max_nodes != 0 ? set->max_nodes
							   : DEFAULT_MAX_NODES;
	prog = pool_alloc(pool, sizeof(*prog));
	prog->root = pool_alloc(pool, sizeof(*prog->root));
	if (cur.pos < count && imap_arg_atom_equals(&args[cur.pos], "RETURN")) {
		cur.pos++;
		if (parse_return(&ctx, next_arg(&cur), prog) < 0)
			goto bad;
	}
	if (cur.pos < count &&
	    imap_arg_atom_equals(&args[cur.pos], "CHARSET")) {
		if (set != NULL && set->utf8) {
			/* RFC 6855 section 3: conflicting charset labels */
			fail(&ctx, "CHARSET not allowed with UTF8=ACCEPT");
			goto bad;
		}
		cur.pos++;
		ret = parse_charset(&ctx, next_arg(&cur), prog);
		if (ret != IMAP_SEARCH_PARSE_OK) {
			*error_r = ctx.error;
			return ret;
		}
	}
	if (parse_keys(&ctx, &cur, 0, 0, IMAP_SEARCH_AND, prog->root) < 0)
		goto bad;
	prog->ext = ctx.ext;
	prog->nodes = ctx.nodes;
	*program_r = prog;
	return IMAP_SEARCH_PARSE_OK;
bad:
	*error_r = ctx.error;
	return IMAP_SEARCH_PARSE_BAD;
}
