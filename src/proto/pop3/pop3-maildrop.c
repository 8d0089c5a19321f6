/* SPDX-License-Identifier: MIT */
/* The POP3 maildrop over the store (see pop3-maildrop.h). */
#include "proto/pop3/pop3-maildrop.h"
#include "store/store-lock.h"
#include "store/store.h"
#include "lib/log.h"
#include "lib/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pop3_maildrop {
	struct store_user *user;
	struct store_mailbox *box;
	struct store_maildrop_lock *lock;
	uint32_t count, uidvalidity;
	uint32_t deleted_count;
	uint64_t total_size, deleted_size;
	/* sizes as at login, per message-number - 1: they stay the same for
	   the session even if IMAP expunges a message meanwhile */
	uint64_t *sizes;
	/* one bit per message-number - 1 */
	uint8_t *deleted;
	uint8_t *retrieved;
};

static bool
bit_get(const uint8_t *bits, uint32_t i)
{
	return (bits[i / 8] >> (i % 8)) & 1;
}

static void
bit_set(uint8_t *bits, uint32_t i)
{
	bits[i / 8] |= (uint8_t)(1u << (i % 8));
}

int
pop3_maildrop_open(struct store *store, const char *userid, const char *userdir,
		   unsigned login_delay, struct pop3_maildrop **drop_r,
		   struct err *err)
{
	struct pop3_maildrop *drop = xcalloc(1, sizeof(*drop));
	size_t nbytes;

	if (store_user_open(store, userid, userdir, true, &drop->user, err) <
		0 ||
	    store_maildrop_lock(drop->user, POP3_LOCK_NAME, login_delay,
				&drop->lock, err) < 0 ||
	    store_mailbox_open(drop->user, STORE_INBOX, STORE_OPEN_NO_RECENT,
			       &drop->box, err) < 0) {
		pop3_maildrop_close(&drop);
		return -1;
	}
	drop->count = store_mailbox_count(drop->box);
	drop->uidvalidity = store_mailbox_uidvalidity(drop->box);
	drop->sizes = xcalloc(drop->count + 1, sizeof(*drop->sizes));
	for (uint32_t seq = 1; seq <= drop->count; seq++) {
		struct store_msg_info info;

		if (store_msg_info(drop->box, seq, &info) == 0)
			drop->sizes[seq - 1] = info.size;
		drop->total_size += drop->sizes[seq - 1];
	}
	nbytes = drop->count / 8 + 1;
	drop->deleted = xcalloc(nbytes, 1);
	drop->retrieved = xcalloc(nbytes, 1);
	*drop_r = drop;
	return 0;
}

void
pop3_maildrop_close(struct pop3_maildrop **dropp)
{
	struct pop3_maildrop *drop = *dropp;

	if (drop == NULL)
		return;
	*dropp = NULL;
	if (drop->box != NULL)
		store_mailbox_close(&drop->box);
	store_maildrop_unlock(&drop->lock);
	if (drop->user != NULL)
		store_user_close(&drop->user);
	free(drop->sizes);
	free(drop->deleted);
	free(drop->retrieved);
	free(drop);
}

uint32_t
pop3_maildrop_count(const struct pop3_maildrop *drop)
{
	return drop->count;
}

uint32_t
pop3_maildrop_live_count(const struct pop3_maildrop *drop)
{
	return drop->count - drop->deleted_count;
}

uint64_t
pop3_maildrop_live_size(const struct pop3_maildrop *drop)
{
	return drop->total_size - drop->deleted_size;
}

uint32_t
pop3_maildrop_deleted_count(const struct pop3_maildrop *drop)
{
	return drop->deleted_count;
}

bool
pop3_maildrop_is_deleted(const struct pop3_maildrop *drop, uint32_t msg)
{
	return msg >= 1 && msg <= drop->count &&
	       bit_get(drop->deleted, msg - 1);
}

bool
pop3_maildrop_valid(const struct pop3_maildrop *drop, uint32_t msg)
{
	return msg >= 1 && msg <= drop->count &&
	       !bit_get(drop->deleted, msg - 1);
}

uint64_t
pop3_maildrop_size(const struct pop3_maildrop *drop, uint32_t msg)
{
	return msg >= 1 && msg <= drop->count ? drop->sizes[msg - 1] : 0;
}

void
pop3_maildrop_uidl(struct pop3_maildrop *drop, uint32_t msg,
		   char uidl_r[POP3_UIDL_MAX])
{
	snprintf(uidl_r, POP3_UIDL_MAX, "%u.%u", drop->uidvalidity,
		 store_mailbox_uid(drop->box, msg));
}

int
pop3_maildrop_open_msg(struct pop3_maildrop *drop, uint32_t msg, int *fd_r,
		       struct err *err)
{
	return store_msg_open(drop->box, msg, fd_r, err);
}

void
pop3_maildrop_mark_retrieved(struct pop3_maildrop *drop, uint32_t msg)
{
	if (msg >= 1 && msg <= drop->count)
		bit_set(drop->retrieved, msg - 1);
}

void
pop3_maildrop_delete(struct pop3_maildrop *drop, uint32_t msg)
{
	if (!pop3_maildrop_valid(drop, msg))
		return;
	bit_set(drop->deleted, msg - 1);
	drop->deleted_count++;
	drop->deleted_size += pop3_maildrop_size(drop, msg);
}

void
pop3_maildrop_reset(struct pop3_maildrop *drop)
{
	memset(drop->deleted, 0, drop->count / 8 + 1);
	drop->deleted_count = 0;
	drop->deleted_size = 0;
}

/* UIDs of the messages whose bit is set in `bits` and not in `exclude`,
   ascending (message-numbers follow UID order). */
static void
collect_uids(struct pop3_maildrop *drop, const uint8_t *bits,
	     const uint8_t *exclude, struct store_uid_set *set)
{
	for (uint32_t i = 0; i < drop->count; i++) {
		uint32_t uid;

		if (!bit_get(bits, i) ||
		    (exclude != NULL && bit_get(exclude, i)))
			continue;
		uid = store_mailbox_uid(drop->box, i + 1);
		if (uid != 0)
			store_uid_set_add(set, uid, uid);
	}
}

int
pop3_maildrop_commit(struct pop3_maildrop *drop, struct err *err)
{
	struct store_flag_update seen = {.mode = STORE_FLAGS_ADD,
					 .flags = STORE_FLAG_SEEN};
	struct store_flag_update del = {.mode = STORE_FLAGS_ADD,
					.flags = STORE_FLAG_DELETED};
	struct store_uid_set uids = {0};
	struct err serr;
	int ret = 0;

	/* \Seen for retrieved messages that stay: a courtesy to IMAP
	   clients, so its failure is only logged */
	collect_uids(drop, drop->retrieved, drop->deleted, &uids);
	if (uids.n > 0 &&
	    store_update_flags(drop->box, &uids, &seen, NULL, &serr) < 0)
		log_warning("pop3: %s: setting \\Seen failed: %s",
			    store_user_id(drop->user), serr.msg);
	store_uid_set_free(&uids);

	if (drop->deleted_count == 0)
		return 0;
	collect_uids(drop, drop->deleted, NULL, &uids);
	if (store_update_flags(drop->box, &uids, &del, NULL, err) < 0 ||
	    store_expunge(drop->box, &uids, err) < 0)
		ret = -1;
	store_uid_set_free(&uids);
	return ret;
}

int
pop3_maildrop_heartbeat(struct pop3_maildrop *drop, struct err *err)
{
	return store_maildrop_lock_refresh(drop->lock, err);
}
