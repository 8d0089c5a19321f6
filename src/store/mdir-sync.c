/* SPDX-License-Identifier: MIT */
/*
 * Synchronising a view with its mailbox: what the session must be told
 * (RFC 3501 section 7.4.1 EXPUNGE, 7.3.1 EXISTS, 7.4.2 FETCH FLAGS).
 * Changes are computed under the state lock and reported after it is
 * released, so callbacks may call the accessors.
 */
#include "store/mdir-private.h"
#include "lib/mem.h"

#include <stdlib.h>
#include <string.h>

struct sync_report {
	VEC(uint32_t) expunged_pos; /* view positions (0-based), ascending */
	VEC(uint32_t) expunged_uid;
	VEC(uint32_t) changed_seq;  /* sequence numbers after the sync */
	uint32_t added;
};

static bool
own_change(const struct mdir_box *box, uint64_t modseq)
{
	for (size_t i = 0; i < box->own_seqs.n; i++) {
		if (box->own_seqs.v[i] == modseq)
			return true;
	}
	return false;
}

/* Drops view messages that left the mailbox; both arrays are sorted, so
   one merge pass finds them. */
static void
find_expunged(struct mdir_box *box, struct sync_report *rep)
{
	const struct mdir_state *st = box->st;
	uint32_t j = 0, out = 0;

	for (uint32_t i = 0; i < box->uids.n; i++) {
		uint32_t uid = box->uids.v[i];

		while (j < st->n && st->uid[j] < uid)
			j++;
		if (j < st->n && st->uid[j] == uid) {
			box->uids.v[out++] = uid;
			continue;
		}
		vec_push(&rep->expunged_pos, i);
		vec_push(&rep->expunged_uid, uid);
	}
	box->uids.n = out;
}

/* Appends messages that are new to the view. */
static void
find_added(struct mdir_box *box, struct sync_report *rep)
{
	const struct mdir_state *st = box->st;
	uint32_t last = box->uids.n > 0 ? vec_last(&box->uids) : 0;
	bool found;
	uint32_t pos = mdir_find_uid(st, last + 1, &found);

	vec_reserve(&box->uids, st->n - pos);
	for (; pos < st->n; pos++) {
		if (st->uid[pos] > last) {
			box->uids.v[box->uids.n++] = st->uid[pos];
			rep->added++;
		}
	}
}

/* Messages whose flags changed since last reported, excluding the view's
   own changes (which the session has already shown to its client). */
static void
find_changed(struct mdir_box *box, uint32_t old_count,
	     struct sync_report *rep)
{
	const struct mdir_state *st = box->st;
	uint32_t j = 0;

	if (st->highestmodseq <= box->modseq_reported)
		return;
	for (uint32_t i = 0; i < old_count && i < box->uids.n; i++) {
		uint32_t uid = box->uids.v[i];

		while (j < st->n && st->uid[j] < uid)
			j++;
		if (j >= st->n || st->uid[j] != uid)
			continue; /* expunged, kept in the view */
		if (st->modseq[j] > box->modseq_reported &&
		    !own_change(box, st->modseq[j]))
			vec_push(&rep->changed_seq, i + 1);
	}
}

int
mdir_mailbox_sync(struct store_mailbox *pub, unsigned flags,
		  const struct store_sync_ops *ops, void *ctx,
		  struct err *err)
{
	struct mdir_box *box = (struct mdir_box *)pub;
	struct mdir_state *st = box->st;
	struct sync_report rep;
	uint32_t old_count;
	int ret = 0;

	memset(&rep, 0, sizeof(rep));
	pthread_rwlock_wrlock(&st->lock);
	if (mdir_state_refresh_locked(st, err) < 0) {
		pthread_rwlock_unlock(&st->lock);
		return -1;
	}
	if (st->deleted_mailbox) {
		pthread_rwlock_unlock(&st->lock);
		return err_set(err, ERR_NOTFOUND, "Mailbox was deleted");
	}
	/* Nothing committed since the last sync and no expunge left
	   unreported: nothing to do. Every change, own ones included, is a
	   log record that advances st->seq. This keeps a sync after each
	   IMAP command O(1) instead of O(messages). */
	if (st->seq == box->synced_seq && !box->expunges_deferred) {
		pthread_rwlock_unlock(&st->lock);
		return 0;
	}
	if ((flags & STORE_SYNC_NO_EXPUNGE) == 0) {
		find_expunged(box, &rep);
		box->expunges_deferred = false;
	} else if (st->seq != box->synced_seq) {
		box->expunges_deferred = true;
	}
	old_count = (uint32_t)box->uids.n;
	find_added(box, &rep);
	find_changed(box, old_count, &rep);
	box->modseq_reported = st->highestmodseq;
	box->synced_seq = st->seq;
	box->uidnext = st->uidnext;
	vec_clear(&box->own_seqs);
	pthread_rwlock_unlock(&st->lock);

	/* descending, so each number is valid when reported (RFC 3501
	   section 7.4.1: later numbers shift after each EXPUNGE) */
	for (size_t i = rep.expunged_pos.n; i > 0; i--) {
		uint32_t pos = rep.expunged_pos.v[i - 1];

		if (ops != NULL && ops->expunge != NULL)
			ops->expunge(ctx, pos + 1,
				     rep.expunged_uid.v[i - 1]);
	}
	if (rep.added > 0) {
		mdir_claim_recent(box);
		if (ops != NULL && ops->exists != NULL)
			ops->exists(ctx, (uint32_t)box->uids.n);
	}
	for (size_t i = 0; i < rep.changed_seq.n; i++) {
		if (ops != NULL && ops->flags != NULL)
			ops->flags(ctx, rep.changed_seq.v[i]);
	}
	vec_free(&rep.expunged_pos);
	vec_free(&rep.expunged_uid);
	vec_free(&rep.changed_seq);
	return ret;
}
