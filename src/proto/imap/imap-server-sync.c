/* SPDX-License-Identifier: MIT */
/* Unsolicited mailbox updates: queued by imap_sync(), written as output
   room allows (see imap-server-sync.h). */
#include "proto/imap/imap-server-sync.h"
#include "proto/imap/imap-flags.h"
#include "lib/log.h"
#include "net/conn.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

/* The store's flag bits are the library's (RFC 3501 section 2.3.2 system
   flags), so they convert without a table. */
_Static_assert((int)STORE_FLAG_SEEN == (int)IMAP_FLAG_SEEN &&
		   (int)STORE_FLAG_ANSWERED == (int)IMAP_FLAG_ANSWERED &&
		   (int)STORE_FLAG_FLAGGED == (int)IMAP_FLAG_FLAGGED &&
		   (int)STORE_FLAG_DELETED == (int)IMAP_FLAG_DELETED &&
		   (int)STORE_FLAG_DRAFT == (int)IMAP_FLAG_DRAFT &&
		   (int)STORE_FLAG_RECENT == (int)IMAP_FLAG_RECENT,
	       "store and IMAP flag bits differ");

void
imap_sync_init(struct imap_session *s)
{
	const char *const *names;
	struct imap_sync_state *st = &s->sync;

	imap_sync_deinit(s);
	st->exists = store_mailbox_count(s->box);
	st->recent = store_mailbox_recent_count(s->box);
	st->keywords = store_mailbox_keywords(s->box, &names);
}

void
imap_sync_deinit(struct imap_session *s)
{
	struct imap_sync_state *st = &s->sync;

	vec_free(&st->expunged);
	vec_free(&st->flag_uids);
	memset(st, 0, sizeof(*st));
}

static void
on_expunge(void *ctx, uint32_t seq, uint32_t uid)
{
	struct imap_session *s = ctx;

	(void)uid;
	vec_push(&s->sync.expunged, seq);
}

static void
on_exists(void *ctx, uint32_t count)
{
	struct imap_session *s = ctx;

	(void)count;
	s->sync.exists_pending = true;
}

static void
on_flags(void *ctx, uint32_t seq)
{
	struct imap_session *s = ctx;
	uint32_t uid = store_mailbox_uid(s->box, seq);

	/* kept as UIDs: sequence numbers shift with expunges written
	   before them */
	if (uid != 0) {
		vec_push(&s->sync.flag_uids, uid);
		s->sync.flags_sorted = false;
	}
}

static const struct store_sync_ops sync_ops = {
    .expunge = on_expunge,
    .exists = on_exists,
    .flags = on_flags,
};

int
imap_sync(struct imap_session *s, unsigned flags, struct err *err)
{
	if (s->box == NULL)
		return 0;
	if (store_mailbox_sync(s->box, flags, &sync_ops, s, err) < 0) {
		log_info("imap(%s): %s: selected mailbox lost: %s",
			 s->userid != NULL ? s->userid : "-",
			 conn_session_id(s->conn), err->msg);
		return -1;
	}
	return 0;
}

const char *
imap_sync_bye_text(const struct err *err)
{
	switch (err->code) {
	case ERR_NOTFOUND:
		return "Selected mailbox was deleted, have to disconnect.";
	case ERR_CORRUPT:
	case ERR_NOTPOSSIBLE:
		/* RFC 3501 section 2.3.1.1: UIDVALIDITY changed */
		return "Mailbox UIDVALIDITY changed, have to disconnect.";
	default:
		return "Internal error while synchronising the mailbox.";
	}
}

bool
imap_sync_pending(const struct imap_session *s)
{
	const struct imap_sync_state *st = &s->sync;

	return st->expunged.n > 0 || st->exists_pending ||
	       st->flags_done < st->flag_uids.n;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts the pending flag UIDs and drops duplicates: one FETCH per
   message however often it changed. */
static void
sort_flag_uids(struct imap_sync_state *st)
{
	size_t n = st->flag_uids.n - st->flags_done, out = 0;
	uint32_t *v;

	if (st->flags_sorted || n == 0)
		return;
	v = st->flag_uids.v + st->flags_done;
	qsort(v, n, sizeof(*v), cmp_u32);
	for (size_t i = 0; i < n; i++) {
		if (out == 0 || v[out - 1] != v[i])
			v[out++] = v[i];
	}
	st->flag_uids.n = st->flags_done + out;
	st->flags_sorted = true;
}

/* "* <seq> FETCH ([UID <uid> ]FLAGS (...))" for a message whose flags
   changed (RFC 3501 section 7.4.2). */
static void
write_flags_fetch(struct imap_session *s, uint32_t seq, bool uid)
{
	struct store_msg_info info;
	struct imap_flags fl;
	struct buf *b;

	if (store_msg_info(s->box, seq, &info) < 0)
		return;
	fl.system = info.flags;
	fl.keyword_count = store_msg_keywords(s->box, seq, &fl.keywords);
	b = imap_out_begin(s);
	buf_printf(b, "* %u FETCH (", seq);
	if (uid)
		buf_printf(b, "UID %u ", info.uid);
	buf_append_str(b, "FLAGS ");
	imap_flags_append(b, &fl);
	buf_append_c(b, ')');
	(void)imap_out_send(s);
}

void
imap_sync_write_flags(struct imap_session *s)
{
	const char *const *names;
	size_t n = store_mailbox_keywords(s->box, &names);
	struct imap_flags fl = {IMAP_FLAGS_STORABLE, names, n};
	struct buf *b;

	/* RFC 3501 section 7.2.6 */
	b = imap_out_begin(s);
	buf_append_str(b, "* FLAGS ");
	imap_flags_append(b, &fl);
	(void)imap_out_send(s);
	/* RFC 3501 section 7.1 PERMANENTFLAGS; "\*": new keywords can be
	   created */
	b = imap_out_begin(s);
	buf_append_str(b, "* OK [PERMANENTFLAGS ");
	if (s->box_readonly) {
		buf_append_str(b, "()] Read-only mailbox.");
	} else {
		fl.system &= ~(unsigned)IMAP_FLAG_RECENT;
		imap_flags_append(b, &fl);
		if (n < STORE_KEYWORDS_PER_MAILBOX_MAX) {
			buf_truncate(b, b->len - 1); /* the ")" */
			buf_append_str(b, " \\*)");
		}
		buf_append_str(b, "] Flags permitted.");
	}
	(void)imap_out_send(s);
	s->sync.keywords = n;
}

static bool
write_counts(struct imap_session *s)
{
	struct imap_sync_state *st = &s->sync;
	uint32_t count = store_mailbox_count(s->box);
	uint32_t recent = store_mailbox_recent_count(s->box);
	const char *const *names;

	st->exists_pending = false;
	/* RFC 3501 section 7.3.1; the client's count only grows here,
	   expunges were written first */
	if (count != st->exists) {
		imap_out_untagged(s, "%u EXISTS", count);
		st->exists = count;
	}
	if (recent != st->recent) {
		imap_out_untagged(s, "%u RECENT", recent);
		st->recent = recent;
	}
	if (store_mailbox_keywords(s->box, &names) > st->keywords)
		imap_sync_write_flags(s);
	return !imap_output_full(s);
}

bool
imap_sync_write(struct imap_session *s, bool uid)
{
	struct imap_sync_state *st = &s->sync;
	const char *const *names;

	if (s->box == NULL)
		return true;
	/* RFC 3501 section 7.4.1: in the order the store reported them,
	   each number valid after the ones before */
	for (size_t i = st->expunges_done; i < st->expunged.n; i++) {
		if (imap_output_full(s)) {
			st->expunges_done = i;
			return false;
		}
		imap_out_untagged(s, "%u EXPUNGE", st->expunged.v[i]);
		if (st->exists > 0)
			st->exists--;
	}
	vec_clear(&st->expunged);
	st->expunges_done = 0;
	if (st->exists_pending || st->exists != store_mailbox_count(s->box) ||
	    store_mailbox_keywords(s->box, &names) > st->keywords) {
		if (!write_counts(s))
			return false;
	}
	sort_flag_uids(st);
	while (st->flags_done < st->flag_uids.n) {
		uint32_t seq;

		if (imap_output_full(s))
			return false;
		seq = store_mailbox_seq(s->box,
					st->flag_uids.v[st->flags_done++]);
		if (seq != 0)
			write_flags_fetch(s, seq, uid);
	}
	vec_clear(&st->flag_uids);
	st->flags_done = 0;
	if (st->flag_uids.cap > 1024)
		vec_free(&st->flag_uids);
	if (st->expunged.cap > 1024)
		vec_free(&st->expunged);
	return true;
}
