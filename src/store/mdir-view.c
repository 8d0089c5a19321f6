/* SPDX-License-Identifier: MIT */
/*
 * Views: a session's picture of a mailbox (its sequence numbers), the
 * accessors protocols use per message, and synchronisation, which tells the
 * session what changed since it last looked. A view holds only UIDs (4
 * bytes per message); everything else is read from the shared state.
 */
#include "store/mdir-private.h"
#include "lib/log.h"
#include "lib/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define BOX(b) ((struct mdir_box *)(b))
#define CBOX(b) ((const struct mdir_box *)(b))

struct recent_ctx {
	uint32_t from, to;
	bool ours;
};

static int
build_recent(struct mdir_state *st, struct buf *rec, void *ctx,
	     struct err *err)
{
	struct recent_ctx *rc = ctx;
	struct mdir_op op;

	(void)err;
	if (st->recent_next >= st->uidnext)
		return 0;
	rc->from = st->recent_next;
	rc->to = st->uidnext;
	memset(&op, 0, sizeof(op));
	op.type = MDIR_OP_RECENT;
	op.u.recent.next = st->uidnext;
	mdir_rec_add(rec, &op);
	return 1;
}

static void
applied_recent(struct mdir_state *st, uint64_t seq, void *ctx)
{
	(void)st;
	(void)seq;
	((struct recent_ctx *)ctx)->ours = true;
}

/* Claims \Recent for messages no session has seen yet (RFC 3501 section
   2.3.2: exactly one session sees a message as recent). The claim is a log
   record; whoever's record comes first owns the range. */
/* A read-only view (IMAP EXAMINE) shows the messages nobody has claimed
   as recent without claiming them: RFC 3501 section 6.3.2, "EXAMINE MUST
   NOT cause messages to lose the \Recent flag". */
static void
peek_recent(struct mdir_box *box)
{
	uint32_t from, to;

	pthread_rwlock_rdlock(&box->st->lock);
	from = box->st->recent_next;
	to = box->st->uidnext;
	pthread_rwlock_unlock(&box->st->lock);
	if (to > box->uidnext)
		to = box->uidnext;
	if (box->recent.n > 0 && from <= vec_last(&box->recent).hi)
		from = vec_last(&box->recent).hi + 1;
	if (to > from) {
		struct store_uid_range *r = vec_push_new(&box->recent);

		r->lo = from;
		r->hi = to - 1;
	}
}

void
mdir_claim_recent(struct mdir_box *box)
{
	struct recent_ctx rc = { 0, 0, false };
	struct err err;

	if (box->flags & STORE_OPEN_NO_RECENT)
		return;
	if (box->flags & STORE_OPEN_READONLY) {
		peek_recent(box);
		return;
	}
	if (mdir_commit(box->st, build_recent, applied_recent, &rc, false,
			&err) < 0) {
		log_warning("mdir: claiming \\Recent failed: %s", err.msg);
		return;
	}
	if (rc.ours && rc.to > rc.from) {
		struct store_uid_range *r = vec_push_new(&box->recent);

		r->lo = rc.from;
		r->hi = rc.to - 1;
	}
}

static bool
is_recent(const struct mdir_box *box, uint32_t uid)
{
	for (size_t i = 0; i < box->recent.n; i++) {
		if (uid >= box->recent.v[i].lo && uid <= box->recent.v[i].hi)
			return true;
	}
	return false;
}

int
mdir_mailbox_open(struct store_user *user, const char *name, unsigned flags,
		  struct store_mailbox **box_r, struct err *err)
{
	struct mdir_user *u = (struct mdir_user *)user;
	struct mdir_state *st;
	struct mdir_box *box;
	char cbuf[STORE_MAILBOX_NAME_MAX + 8];
	int fd;

	if (mdir_mailbox_open_dir(u, name, &fd, err) < 0 ||
	    mdir_state_get(user->store, fd, &st, err) < 0)
		return -1;
	box = xcalloc(1, sizeof(*box));
	box->pub.v = &mdir_vfuncs;
	box->pub.user = user;
	box->user = u;
	box->st = st;
	box->name = xstrdup(mdir_canonical_name(name, cbuf, sizeof(cbuf)));
	box->flags = flags;
	pthread_rwlock_rdlock(&st->lock);
	vec_reserve(&box->uids, st->n);
	if (st->n > 0)
		memcpy(box->uids.v, st->uid, (size_t)st->n * sizeof(uint32_t));
	box->uids.n = st->n;
	box->synced_seq = st->seq;
	box->modseq_reported = st->highestmodseq;
	box->uidnext = st->uidnext;
	pthread_rwlock_unlock(&st->lock);
	mdir_claim_recent(box);
	*box_r = &box->pub;
	return 0;
}

void
mdir_mailbox_close(struct store_mailbox *pub)
{
	struct mdir_box *box = BOX(pub);

	mdir_watch_remove(box->st, box);
	mdir_state_put(&box->st);
	vec_free(&box->uids);
	vec_free(&box->recent);
	vec_free(&box->own_seqs);
	vec_free(&box->kw_scratch);
	vec_free(&box->names_scratch);
	free(box->name);
	free(box);
}

const char *
mdir_mailbox_name(const struct store_mailbox *box)
{
	return CBOX(box)->name;
}

bool
mdir_mailbox_readonly(const struct store_mailbox *box)
{
	return (CBOX(box)->flags & STORE_OPEN_READONLY) != 0;
}

uint32_t
mdir_mailbox_uidvalidity(const struct store_mailbox *box)
{
	return CBOX(box)->st->header.uidvalidity;
}

uint32_t
mdir_mailbox_uidnext(const struct store_mailbox *box)
{
	return CBOX(box)->uidnext;
}

uint64_t
mdir_mailbox_highestmodseq(const struct store_mailbox *box)
{
	return CBOX(box)->modseq_reported;
}

uint32_t
mdir_mailbox_count(const struct store_mailbox *box)
{
	return (uint32_t)CBOX(box)->uids.n;
}

uint32_t
mdir_mailbox_recent_count(const struct store_mailbox *pub)
{
	const struct mdir_box *box = CBOX(pub);
	uint32_t count = 0;

	for (size_t i = 0; i < box->recent.n; i++) {
		/* view UIDs are sorted: count those inside the range */
		size_t lo = 0, hi = box->uids.n;

		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (box->uids.v[mid] < box->recent.v[i].lo)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < box->uids.n &&
		       box->uids.v[lo] <= box->recent.v[i].hi;
		     lo++)
			count++;
	}
	return count;
}

/* Finds the state position of a view UID; caller holds st->lock. */
static bool
locate(struct mdir_box *box, uint32_t uid, uint32_t *pos_r)
{
	const struct mdir_state *st = box->st;
	bool found;
	uint32_t h = box->hint;

	/* sequential access (FETCH 1:*) hits the hint or the next slot */
	if (h < st->n && st->uid[h] == uid) {
		*pos_r = h;
		return true;
	}
	if (h + 1 < st->n && st->uid[h + 1] == uid) {
		*pos_r = box->hint = h + 1;
		return true;
	}
	*pos_r = mdir_find_uid(st, uid, &found);
	if (found)
		box->hint = *pos_r;
	return found;
}

uint32_t
mdir_mailbox_first_unseen(struct store_mailbox *pub)
{
	struct mdir_box *box = BOX(pub);
	uint32_t seq = 0;

	pthread_rwlock_rdlock(&box->st->lock);
	for (size_t i = 0; i < box->uids.n && seq == 0; i++) {
		uint32_t pos;

		if (locate(box, box->uids.v[i], &pos) &&
		    (box->st->flags[pos] & STORE_FLAG_SEEN) == 0)
			seq = (uint32_t)i + 1;
	}
	pthread_rwlock_unlock(&box->st->lock);
	return seq;
}

size_t
mdir_mailbox_keywords(struct store_mailbox *pub, const char *const **names_r)
{
	struct mdir_box *box = BOX(pub);

	vec_clear(&box->names_scratch);
	pthread_rwlock_rdlock(&box->st->lock);
	for (size_t i = 0; i < box->st->kw_names.n; i++)
		vec_push(&box->names_scratch, box->st->kw_names.v[i]);
	pthread_rwlock_unlock(&box->st->lock);
	*names_r = (const char *const *)box->names_scratch.v;
	return box->names_scratch.n;
}

int
mdir_msg_info(struct store_mailbox *pub, uint32_t seq,
	      struct store_msg_info *info)
{
	struct mdir_box *box = BOX(pub);
	struct mdir_state *st = box->st;
	struct mdir_index_record r;
	const struct mdir_tail *t;
	uint32_t pos;

	if (seq == 0 || seq > box->uids.n)
		return -1;
	memset(info, 0, sizeof(*info));
	info->uid = box->uids.v[seq - 1];
	pthread_rwlock_rdlock(&st->lock);
	if (!locate(box, info->uid, &pos)) {
		info->expunged = true;
	} else {
		mdir_cold(st, pos, &r, &t);
		info->flags = st->flags[pos];
		info->modseq = st->modseq[pos];
		info->size = r.size;
		info->internaldate = r.internaldate;
		info->savedate = r.savedate;
		memcpy(info->guid, r.guid, 16);
	}
	pthread_rwlock_unlock(&st->lock);
	if (is_recent(box, info->uid))
		info->flags |= STORE_FLAG_RECENT;
	return 0;
}

size_t
mdir_msg_keywords(struct store_mailbox *pub, uint32_t seq,
		  const char *const **names_r)
{
	struct mdir_box *box = BOX(pub);
	struct mdir_state *st = box->st;
	uint32_t pos;

	vec_clear(&box->kw_scratch);
	*names_r = NULL;
	if (seq == 0 || seq > box->uids.n)
		return 0;
	pthread_rwlock_rdlock(&st->lock);
	if (locate(box, box->uids.v[seq - 1], &pos)) {
		const struct mdir_kwset *ks = &st->kwsets.v[st->kwset[pos]];

		for (uint16_t i = 0; i < ks->n; i++)
			vec_push(&box->kw_scratch, st->kw_names.v[ks->idx[i]]);
	}
	pthread_rwlock_unlock(&st->lock);
	*names_r = (const char *const *)box->kw_scratch.v;
	return box->kw_scratch.n;
}

uint32_t
mdir_mailbox_seq(struct store_mailbox *pub, uint32_t uid)
{
	const struct mdir_box *box = CBOX(pub);
	size_t lo = 0, hi = box->uids.n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (box->uids.v[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < box->uids.n && box->uids.v[lo] == uid ? (uint32_t)lo + 1
							   : 0;
}

uint32_t
mdir_mailbox_uid(struct store_mailbox *pub, uint32_t seq)
{
	const struct mdir_box *box = CBOX(pub);

	return seq == 0 || seq > box->uids.n ? 0 : box->uids.v[seq - 1];
}

/* Looks up what is needed to find a message's file. */
static int
msg_location(struct mdir_box *box, uint32_t seq, uint32_t *uid_r,
	     uint8_t guid[16], char *staging, size_t staging_size,
	     struct err *err)
{
	struct mdir_state *st = box->st;
	struct mdir_index_record r;
	const struct mdir_tail *t;
	uint32_t pos;
	int ret = 0;

	if (seq == 0 || seq > box->uids.n)
		return err_set(err, ERR_PARAMS, "no such message");
	staging[0] = '\0';
	*uid_r = box->uids.v[seq - 1];
	pthread_rwlock_rdlock(&st->lock);
	if (!locate(box, *uid_r, &pos)) {
		ret = err_set(err, ERR_EXPUNGED, "message was expunged");
	} else {
		mdir_cold(st, pos, &r, &t);
		memcpy(guid, r.guid, 16);
		if (t != NULL && t->staging != NULL)
			snprintf(staging, staging_size, "%s", t->staging);
	}
	pthread_rwlock_unlock(&st->lock);
	return ret;
}

int
mdir_msg_open(struct store_mailbox *pub, uint32_t seq, int *fd_r,
	      struct err *err)
{
	struct mdir_box *box = BOX(pub);
	char name[MDIR_MSG_NAME_MAX], staging[MDIR_STAGING_MAX + 1];
	uint8_t guid[16];
	uint32_t uid = 0;
	int fd;

	if (msg_location(box, seq, &uid, guid, staging, sizeof(staging),
			 err) < 0)
		return -1;
	mdir_msg_name(uid, guid, name);
	fd = openat(box->st->msg_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && staging[0] != '\0') {
		/* committed but not yet renamed into msg/: finish that */
		if (renameat(box->st->tmp_fd, staging, box->st->msg_fd,
			     name) < 0 &&
		    errno != ENOENT)
			return err_set_errno(err, "rename", staging);
		fd = openat(box->st->msg_fd, name, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		if (errno == ENOENT)
			return err_set(err, ERR_EXPUNGED,
				       "message file is gone: %s", name);
		return err_set_errno(err, "open", name);
	}
	*fd_r = fd;
	return 0;
}

/* Parses the message file with the configured builder. */
static int
build_blob(struct mdir_box *box, uint32_t seq, struct buf *out,
	   struct err *err)
{
	store_cache_builder_fn *builder = box->st->store->set.cache_builder;
	struct stat sb;
	void *m;
	int fd, ret;

	if (builder == NULL)
		return 0;
	if (mdir_msg_open(&box->pub, seq, &fd, err) < 0)
		return -1;
	if (fstat(fd, &sb) < 0) {
		close(fd);
		return err_set_errno(err, "fstat", "message");
	}
	if (sb.st_size == 0) {
		close(fd);
		ret = builder((const uint8_t *)"", 0, out);
		return ret < 0 ? err_set(err, ERR_INTERNAL, "cache builder "
							    "failed") : 1;
	}
	m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return err_set_errno(err, "mmap", "message");
	ret = builder(m, (size_t)sb.st_size, out);
	munmap(m, (size_t)sb.st_size);
	return ret < 0 ? err_set(err, ERR_INTERNAL, "cache builder failed") : 1;
}

int
mdir_msg_cache(struct store_mailbox *pub, uint32_t seq, struct buf *out,
	       struct err *err)
{
	struct mdir_box *box = BOX(pub);
	struct mdir_state *st = box->st;
	struct mdir_index_record r;
	const struct mdir_tail *t;
	size_t start = out->len;
	uint32_t pos;
	bool have = false;

	if (seq == 0 || seq > box->uids.n)
		return err_set(err, ERR_PARAMS, "no such message");
	pthread_rwlock_rdlock(&st->lock);
	if (locate(box, box->uids.v[seq - 1], &pos)) {
		mdir_cold(st, pos, &r, &t);
		if (t != NULL && t->blob != NULL) {
			buf_append(out, t->blob, t->blob_len);
			have = true;
		} else if (t == NULL && r.cache_gen != 0) {
			have = mdir_cache_read(st, r.cache_gen, r.cache_off,
					       r.cache_len, out, NULL) == 0;
		}
	}
	pthread_rwlock_unlock(&st->lock);
	if (have)
		return 1;
	buf_truncate(out, start);
	return build_blob(box, seq, out, err);
}
