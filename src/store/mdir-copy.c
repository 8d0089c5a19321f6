/* SPDX-License-Identifier: MIT */
/*
 * COPY and MOVE (RFC 3501 section 6.4.7, RFC 6851). Message files are
 * hard-linked into the destination (single-instance storage), so a copy
 * costs a link and a log record; the cache blob travels along.
 *
 * MOVE is a copy followed by an expunge of the sources. If the process dies
 * between the two, the message exists in both mailboxes: a MOVE can leave a
 * duplicate, never lose mail.
 */
#include "store/mdir-private.h"
#include "lib/log.h"
#include "lib/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct copy_item {
	uint32_t uid;
	struct mdir_index_record rec;
	uint32_t flags;
	VEC(char *) kw;
	struct buf blob;
	bool have_blob;
	char staging[MDIR_STAGING_MAX + 1];
};

static void
item_free(struct copy_item *it)
{
	for (size_t i = 0; i < it->kw.n; i++)
		free(it->kw.v[i]);
	vec_free(&it->kw);
	buf_free(&it->blob);
}

/* Collects everything needed about the source messages under one lock. */
static void
collect(struct mdir_box *box, const struct store_uid_set *uids,
	struct copy_item **items_r, size_t *n_r)
{
	struct mdir_state *st = box->st;
	VEC(struct copy_item) items = VEC_INIT;

	pthread_rwlock_rdlock(&st->lock);
	for (size_t r = 0; r < uids->n; r++) {
		bool found;

		for (uint32_t pos = mdir_find_uid(st, uids->r[r].lo, &found);
		     pos < st->n && st->uid[pos] <= uids->r[r].hi; pos++) {
			struct copy_item *it;
			const struct mdir_tail *t;
			const struct mdir_kwset *ks;

			/* only messages this view knows about */
			if (mdir_mailbox_seq(&box->pub, st->uid[pos]) == 0)
				continue;
			it = vec_push_new(&items);
			it->uid = st->uid[pos];
			it->flags = st->flags[pos];
			mdir_cold(st, pos, &it->rec, &t);
			ks = &st->kwsets.v[st->kwset[pos]];
			for (uint16_t k = 0; k < ks->n; k++)
				vec_push(&it->kw,
					 xstrdup(st->kw_names.v[ks->idx[k]]));
			if (t != NULL && t->blob != NULL) {
				buf_append(&it->blob, t->blob, t->blob_len);
				it->have_blob = true;
			} else if (t == NULL && it->rec.cache_gen != 0) {
				it->have_blob =
					mdir_cache_read(st, it->rec.cache_gen,
							it->rec.cache_off,
							it->rec.cache_len,
							&it->blob, NULL) == 0;
			}
			if (t != NULL && t->staging != NULL)
				snprintf(it->staging, sizeof(it->staging),
					 "%s", t->staging);
		}
	}
	pthread_rwlock_unlock(&st->lock);
	*items_r = items.v;
	*n_r = items.n;
}

/* Adds one source message to the destination transaction. */
static int
add_item(struct mdir_box *box, struct mdir_append *txn, struct copy_item *it,
	 bool *skipped_r, struct err *err)
{
	struct mdir_state *st = box->st;
	char name[MDIR_MSG_NAME_MAX];
	/* a committed message: its data was synced by its own append */
	bool durable = true;
	struct err lerr;

	*skipped_r = false;
	mdir_msg_name(it->uid, it->rec.guid, name);
	if (it->staging[0] != '\0')
		(void)renameat(st->tmp_fd, it->staging, st->msg_fd, name);
	if (mdir_append_add_fd(txn, st->msg_fd, name, it->rec.internaldate,
			       it->flags,
			       (const char *const *)it->kw.v, it->kw.n,
			       it->rec.guid,
			       it->have_blob ? it->blob.data : NULL,
			       (uint32_t)it->blob.len, &durable, &lerr) < 0) {
		if (lerr.code == ERR_NOTFOUND) {
			/* expunged meanwhile: RFC 3501 allows skipping */
			*skipped_r = true;
			return 0;
		}
		if (err != NULL)
			*err = lerr;
		return -1;
	}
	return 0;
}

int
mdir_copy(struct store_mailbox *pub, const struct store_uid_set *uids,
	  struct store_user *dst_user, const char *dst_name, bool move,
	  struct store_copy_result *res, struct err *err)
{
	struct mdir_box *box = (struct mdir_box *)pub;
	struct store_append *tpub;
	struct store_uid_set dst = { 0 }, moved = { 0 };
	struct copy_item *items;
	size_t n, added = 0;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	if (move && (box->flags & STORE_OPEN_READONLY))
		return err_set(err, ERR_PERM, "mailbox is read-only");
	if (mdir_append_begin(dst_user, dst_name, &tpub, err) < 0)
		return -1;
	/* moving inside one account leaves its usage as it was (the source
	   copies are expunged), so it must work even at the quota limit */
	if (move && strcmp(dst_user->dir, box->pub.user->dir) == 0)
		mdir_append_no_quota(tpub);
	collect(box, uids, &items, &n);
	for (size_t i = 0; i < n; i++) {
		bool skipped;

		if (add_item(box, (struct mdir_append *)tpub, &items[i],
			     &skipped, err) < 0)
			goto out;
		if (!skipped) {
			store_uid_set_add(&res->src, items[i].uid,
					  items[i].uid);
			store_uid_set_add(&moved, items[i].uid, items[i].uid);
			added++;
		}
	}
	if (added == 0) {
		store_append_abort(&tpub);
		ret = 0;
		goto out;
	}
	if (store_append_commit(&tpub, &res->uidvalidity, &dst, err) < 0)
		goto out;
	res->dst = dst;
	memset(&dst, 0, sizeof(dst));
	if (move && mdir_expunge_uids(box, &moved, true, err) < 0)
		goto out;
	ret = 0;
out:
	store_append_abort(&tpub);
	for (size_t i = 0; i < n; i++)
		item_free(&items[i]);
	free(items);
	store_uid_set_free(&moved);
	store_uid_set_free(&dst);
	if (ret < 0)
		store_copy_result_free(res);
	return ret;
}
