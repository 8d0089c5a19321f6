/* SPDX-License-Identifier: MIT */
/*
 * Flag changes (STORE, RFC 3501 section 6.4.6, with RFC 7162 UNCHANGEDSINCE)
 * and expunges (RFC 3501 section 6.4.3, RFC 4315 UID EXPUNGE). Each is one
 * log record built against the exact current state, so its effects (and
 * the counter deltas that let STATUS work without loading the mailbox) are
 * precise.
 */
#include "store/mdir-private.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/str.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static int
validate_keywords(const char *const *kw, size_t n, struct err *err)
{
	if (n > STORE_KEYWORDS_PER_MESSAGE_MAX)
		return err_set(err, ERR_LIMIT, "too many keywords");
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(kw[i]);

		if (len == 0 || len > STORE_KEYWORD_MAX_LEN)
			return err_set(err, ERR_PARAMS, "invalid keyword");
		for (size_t j = 0; j < len; j++) {
			unsigned char c = (unsigned char)kw[i][j];

			/* RFC 3501 atom-char minus the list/resp specials */
			if (c <= 0x20 || c >= 0x7f ||
			    strchr("(){%*\"\\]", c) != NULL)
				return err_set(err, ERR_PARAMS,
					       "invalid keyword");
		}
	}
	return 0;
}

/* Fails if adding these keywords would exceed the per-mailbox limit. */
static int
check_keyword_room(struct mdir_state *st, const char *const *kw, size_t n,
		   struct err *err)
{
	size_t missing = 0;

	for (size_t i = 0; i < n; i++) {
		uint16_t idx;

		if (mdir_keyword_index(st, kw[i], strlen(kw[i]), false,
				       &idx) == 0)
			missing++;
	}
	if (st->kw_names.n + missing > STORE_KEYWORDS_PER_MAILBOX_MAX)
		return err_set(err, ERR_LIMIT,
			       "too many distinct keywords in mailbox");
	return 0;
}

struct flags_ctx {
	struct mdir_box *box;
	const struct store_uid_set *uids;
	const struct store_flag_update *upd;
	struct store_uid_set *modified;
	struct store_uid_set apply;
	struct mdir_str kw[STORE_KEYWORDS_PER_MESSAGE_MAX];
};

static uint32_t
new_flags(uint32_t old, const struct store_flag_update *upd)
{
	switch (upd->mode) {
	case STORE_FLAGS_ADD:
		return old | upd->flags;
	case STORE_FLAGS_REMOVE:
		return old & ~upd->flags;
	default:
		return upd->flags & STORE_FLAGS_STORABLE;
	}
}

static int
build_flags(struct mdir_state *st, struct buf *rec, void *vctx,
	    struct err *err)
{
	struct flags_ctx *c = vctx;
	int32_t unseen = 0, deleted = 0;
	struct mdir_op op;
	uint32_t prev = UINT32_MAX;
	bool any = false;

	if (check_keyword_room(st, c->upd->keywords, c->upd->keyword_count,
			       err) < 0)
		return -1;
	c->apply.n = 0;
	if (c->modified != NULL)
		c->modified->n = 0;
	for (size_t r = 0; r < c->uids->n; r++) {
		uint32_t lo = c->uids->r[r].lo, hi = c->uids->r[r].hi;
		bool found;

		for (uint32_t pos = mdir_find_uid(st, lo, &found);
		     pos < st->n && st->uid[pos] <= hi; pos++) {
			uint32_t old = st->flags[pos];
			uint32_t nf = new_flags(old, c->upd);

			if (c->upd->unchangedsince != 0 &&
			    st->modseq[pos] > c->upd->unchangedsince) {
				if (c->modified != NULL)
					store_uid_set_add(c->modified,
							  st->uid[pos],
							  st->uid[pos]);
				continue;
			}
			/* adjacent positions share a range: the UIDs between
			   them are not in the mailbox */
			if (any && prev + 1 == pos)
				c->apply.r[c->apply.n - 1].hi = st->uid[pos];
			else
				store_uid_set_add(&c->apply, st->uid[pos],
						  st->uid[pos]);
			prev = pos;
			any = true;
			unseen += ((nf & STORE_FLAG_SEEN) == 0) -
				  ((old & STORE_FLAG_SEEN) == 0);
			deleted += ((nf & STORE_FLAG_DELETED) != 0) -
				   ((old & STORE_FLAG_DELETED) != 0);
		}
	}
	if (!any)
		return 0;
	memset(&op, 0, sizeof(op));
	op.type = MDIR_OP_FLAGS;
	op.u.flags.mode = (uint8_t)c->upd->mode;
	op.u.flags.flags = c->upd->flags & STORE_FLAGS_STORABLE;
	op.u.flags.nkw = (uint16_t)c->upd->keyword_count;
	for (size_t i = 0; i < c->upd->keyword_count; i++) {
		c->kw[i].p = c->upd->keywords[i];
		c->kw[i].len = (uint16_t)strlen(c->upd->keywords[i]);
	}
	op.u.flags.kw = c->kw;
	op.u.flags.unseen_delta = unseen;
	op.u.flags.deleted_delta = deleted;
	op.u.flags.ranges.r = c->apply.r;
	op.u.flags.ranges.n = (uint32_t)c->apply.n;
	mdir_rec_add(rec, &op);
	return 1;
}

static void
applied_own(struct mdir_state *st, uint64_t seq, void *vctx)
{
	struct mdir_box *box = *(struct mdir_box **)vctx;

	(void)st;
	vec_push(&box->own_seqs, seq);
}

static void
change_hook(struct mdir_box *box)
{
	struct store *store = box->st->store;

	if (store->set.change_hook != NULL && box->user != NULL)
		store->set.change_hook(store->set.change_hook_ctx,
				       box->user->pub.userid, box->name);
}

int
mdir_update_flags(struct store_mailbox *pub, const struct store_uid_set *uids,
		  const struct store_flag_update *upd,
		  struct store_uid_set *modified_r, struct err *err)
{
	struct mdir_box *box = (struct mdir_box *)pub;
	struct flags_ctx ctx;
	int ret;

	if (box->flags & STORE_OPEN_READONLY)
		return err_set(err, ERR_PERM, "mailbox is read-only");
	if (validate_keywords(upd->keywords, upd->keyword_count, err) < 0)
		return -1;
	memset(&ctx, 0, sizeof(ctx));
	ctx.box = box;
	ctx.uids = uids;
	ctx.upd = upd;
	ctx.modified = modified_r;
	/* flag changes are not fsynced: they are never acknowledged as
	   durable, and a record cut by a power failure is skipped */
	ret = mdir_commit(box->st, build_flags, applied_own, &ctx, false, err);
	store_uid_set_free(&ctx.apply);
	if (ret > 0)
		change_hook(box);
	return ret < 0 ? -1 : 0;
}

struct expunge_ctx {
	struct mdir_box *box;
	const struct store_uid_set *uids;
	bool force; /* MOVE: expunge these UIDs whatever their flags */
	struct store_uid_set ranges;
	VEC(struct mdir_index_record) gone;
	VEC(char *) staging;
};

static bool
in_set(const struct store_uid_set *set, uint32_t uid)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (set->r[mid].hi < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < set->n && set->r[lo].lo <= uid;
}

static int
build_expunge(struct mdir_state *st, struct buf *rec, void *vctx,
	      struct err *err)
{
	struct expunge_ctx *c = vctx;
	struct mdir_op op;
	uint64_t bytes = 0;
	int32_t unseen = 0, deleted = 0;
	uint32_t count = 0;
	bool prev = false;

	(void)err;
	c->ranges.n = 0;
	c->gone.n = 0;
	for (size_t i = 0; i < c->staging.n; i++)
		free(c->staging.v[i]);
	c->staging.n = 0;
	for (uint32_t pos = 0; pos < st->n; pos++) {
		struct mdir_index_record r;
		const struct mdir_tail *t;
		uint32_t uid = st->uid[pos];

		if ((!c->force && (st->flags[pos] & STORE_FLAG_DELETED) == 0) ||
		    (c->uids != NULL && !in_set(c->uids, uid))) {
			prev = false;
			continue;
		}
		/* adjacent positions may share a range: every UID between
		   them is absent from the mailbox */
		if (prev)
			c->ranges.r[c->ranges.n - 1].hi = uid;
		else
			store_uid_set_add(&c->ranges, uid, uid);
		prev = true;
		mdir_cold(st, pos, &r, &t);
		r.uid = uid;
		vec_push(&c->gone, r);
		if (t != NULL && t->staging != NULL)
			vec_push(&c->staging, xstrdup(t->staging));
		bytes += r.size;
		count++;
		if ((st->flags[pos] & STORE_FLAG_SEEN) == 0)
			unseen--;
		if (st->flags[pos] & STORE_FLAG_DELETED)
			deleted--;
	}
	if (count == 0)
		return 0;
	memset(&op, 0, sizeof(op));
	op.type = MDIR_OP_EXPUNGE;
	op.u.expunge.count = count;
	op.u.expunge.bytes = bytes;
	op.u.expunge.unseen_delta = unseen;
	op.u.expunge.deleted_delta = deleted;
	op.u.expunge.ranges.r = c->ranges.r;
	op.u.expunge.ranges.n = (uint32_t)c->ranges.n;
	mdir_rec_add(rec, &op);
	return 1;
}

int
mdir_expunge_uids(struct mdir_box *box, const struct store_uid_set *uids,
		  bool force, struct err *err)
{
	struct mdir_state *st = box->st;
	struct expunge_ctx ctx;
	int ret;

	if (box->flags & STORE_OPEN_READONLY)
		return err_set(err, ERR_PERM, "mailbox is read-only");
	memset(&ctx, 0, sizeof(ctx));
	ctx.box = box;
	ctx.uids = uids;
	ctx.force = force;
	ret = mdir_commit(st, build_expunge, NULL, &ctx, st->store->set.fsync,
			  err);
	if (ret > 0) {
		/* the record is the truth; files of expunged messages are
		   garbage now (compaction removes any we fail to delete) */
		for (size_t i = 0; i < ctx.gone.n; i++) {
			char name[MDIR_MSG_NAME_MAX];

			mdir_msg_name(ctx.gone.v[i].uid, ctx.gone.v[i].guid,
				      name);
			if (unlinkat(st->msg_fd, name, 0) < 0 &&
			    errno != ENOENT)
				log_warning("mdir: unlink(msg/%s) failed: %m",
					    name);
		}
		for (size_t i = 0; i < ctx.staging.n; i++)
			unlinkat(st->tmp_fd, ctx.staging.v[i], 0);
		change_hook(box);
	}
	for (size_t i = 0; i < ctx.staging.n; i++)
		free(ctx.staging.v[i]);
	vec_free(&ctx.staging);
	vec_free(&ctx.gone);
	store_uid_set_free(&ctx.ranges);
	return ret < 0 ? -1 : 0;
}

int
mdir_expunge(struct store_mailbox *pub, const struct store_uid_set *uids,
	     struct err *err)
{
	return mdir_expunge_uids((struct mdir_box *)pub, uids, false, err);
}
