/* SPDX-License-Identifier: MIT */
/*
 * SEARCH programs ready to run against messages (RFC 3501 section
 * 6.4.4): the parsed AST (imap-search-parse.h) compiled once per command,
 * with sequence sets resolved against the selected mailbox, dates turned
 * into day numbers, SUBJECT/FROM/TO/CC/BCC matched on the cached ENVELOPE
 * (search-envelope.h) and the text keys (HEADER, BODY, TEXT) handed to
 * the MIME layer's matcher (mime-search.h).
 *
 * Evaluation is three-valued so that cheap facts decide first: a message
 * is evaluated with what the index knows (flags, UID, size, INTERNALDATE,
 * keywords); only if the answer is still "maybe" does the caller load the
 * summary (SENT*: the Date header; the ENVELOPE keys) and evaluate again,
 * and only then read the message text. AND and OR children are ordered by that
 * cost, so "SEEN BODY x" never opens the file of an unseen message.
 *
 * Pure code: no store, no I/O. A compiled program lives in the pool given
 * to search_compile() plus the matchers, which search_program_free()
 * releases; it is used by one thread at a time.
 */
#ifndef COFFER_PROTO_IMAP_SEARCH_EVAL_H
#define COFFER_PROTO_IMAP_SEARCH_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/err.h"
#include "lib/pool.h"
#include "mime/mime-search.h"
#include "proto/imap/imap-search-parse.h"
#include "proto/imap/imap-seqset.h"
#include "proto/imap/search-envelope.h"

/* Text keys one command may have (MIME_SEARCH_MAX_KEYS per matcher). */
#define SEARCH_TEXT_KEYS_MAX 256

enum search_result {
	SEARCH_NO = 0,
	SEARCH_YES = 1,
	SEARCH_MAYBE = 2, /* needs facts not given yet */
};

/* What is known of one message. The caller fills the index facts, then
   (if the result was SEARCH_MAYBE) the summary facts, then the text. */
struct search_msg {
	uint32_t seq, uid;
	uint32_t flags; /* IMAP_FLAG_* (= STORE_FLAG_*), RECENT included */
	uint64_t size;	/* RFC822.SIZE */
	int64_t internaldate;
	int internal_zone; /* minutes east of UTC: the server's zone at
			      internaldate (needed if prog->needs_zone) */
	const char *const *keywords;
	size_t keyword_count;

	bool have_summary;
	bool has_date; /* the Date header could be parsed */
	int64_t date;  /* its instant and its own zone */
	int date_zone;
	/* the message's ENVELOPE (search_envelope_set()), NULL if none */
	struct search_envelope *envelope;

	bool have_text;
	const uint64_t *text_masks; /* search_program.n_groups masks */
};

struct search_node;

struct search_program {
	struct search_node *root;
	/* the text keys, 64 per matcher; key i is bit i % 64 of matcher
	   i / 64 */
	struct mime_search *groups[SEARCH_TEXT_KEYS_MAX / MIME_SEARCH_MAX_KEYS];
	size_t n_groups;
	bool needs_keywords; /* KEYWORD or UNKEYWORD is used */
	bool needs_zone;     /* BEFORE, ON or SINCE: internal_zone is used */
	/* The message must be in these sets (top-level sequence-set and
	   UID keys, intersected), NULL if none was given: lets the caller
	   visit only those messages. */
	const struct imap_seqset *seq_filter;
	const struct imap_seqset *uid_filter;
};

/* Compiles ast for a mailbox of `count` messages (count > 0) whose last
   UID is max_uid. Returns 0, or -1 with err: ERR_LIMIT (too many text
   keys, a search string or header name too long), ERR_PARAMS (a key this
   server does not implement; the command should have refused its
   extension first). */
int search_compile(struct pool *pool, const struct imap_search_program *ast,
		   uint32_t count, uint32_t max_uid,
		   struct search_program **prog_r, struct err *err);
/* Frees the matchers (the rest is in the pool). NULL-safe. */
void search_program_free(struct search_program **prog);

/* Evaluates the program against what m knows. */
enum search_result search_eval(const struct search_program *prog,
			       const struct search_msg *m);

/* The day number (days since 1970-01-01) of instant t in a zone of `zone`
   minutes east of UTC: "disregarding time and timezone" (RFC 3501 section
   6.4.4) compares these. */
int64_t search_day(int64_t t, int zone);

#endif
