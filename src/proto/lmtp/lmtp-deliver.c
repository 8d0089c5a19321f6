/* SPDX-License-Identifier: MIT */
/*
 * Delivery: after the final "." (or BDAT LAST) the spooled message is made
 * durable once and added to each recipient's mailbox, one store
 * transaction per target; each recipient's reply is sent as soon as its
 * copy is committed (RFC 2033 sections 4.2 and 5).
 */
#include "proto/lmtp/lmtp-deliver.h"
#include "proto/lmtp/lmtp-private.h"
#include "proto/lmtp/lmtp-spool.h"
#include "config/config.h"
#include "lib/log.h"
#include "lib/pool.h"
#include "lib/str.h"
#include "mime/mime-summary.h"
#include "net/conn.h"
#include "store/store.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The Sieve hook (see lmtp-deliver.h): today the plus folder if it
   exists, else INBOX or the shared root's top mailbox. */
size_t
lmtp_deliver_targets(const struct lmtp_message *msg,
		     const struct lmtp_rcpt *rcpt, struct lmtp_target *targets,
		     size_t max)
{
	struct lmtp_target *t = &targets[0];

	(void)msg;
	if (max == 0)
		return 0;
	memset(t, 0, sizeof(*t));
	t->user = rcpt->user;
	t->mailbox = rcpt->top;
	/* seed section 6: a plus folder that does not exist falls back to
	   INBOX (Cyrus-like) */
	if (rcpt->folder != NULL &&
	    store_mailbox_kind(rcpt->user, rcpt->folder) ==
		STORE_MAILBOX_SELECTABLE) {
		t->mailbox = rcpt->folder;
		t->fallback = rcpt->top;
	}
	return 1;
}

/* Adds the spool file to one target's mailbox and commits (the store
   makes the copy durable before the commit returns). */
static int
append_target(struct lmtp_message *msg, const struct lmtp_target *t,
	      const char **mailbox_r, uint32_t *uid_r, struct err *err)
{
	const char *mailbox = t->mailbox;

	for (;;) {
		struct store_uid_set uids = {0};
		struct store_append *txn;

		if (store_append_begin(t->user, mailbox, &txn, err) < 0) {
			/* the folder was deleted since the hook looked */
			if (err->code == ERR_NOTFOUND && t->fallback != NULL &&
			    mailbox != t->fallback) {
				mailbox = t->fallback;
				continue;
			}
			return -1;
		}
		if (store_append_add_file_cached(txn, msg->path, msg->received,
						 t->flags, t->keywords,
						 t->keyword_count, msg->cache,
						 msg->cache_len, &msg->durable,
						 err) < 0) {
			store_append_abort(&txn);
			return -1;
		}
		if (store_append_commit(&txn, NULL, &uids, err) < 0)
			return -1;
		*uid_r = uids.n > 0 ? uids.r[0].lo : 0;
		store_uid_set_free(&uids);
		*mailbox_r = mailbox;
		return 0;
	}
}

/* Parses the spooled message once; every recipient's copy gets the same
   summary instead of the store parsing the file again per recipient.
   The octets are read where they still are in memory, else from the
   file. */
static void
summarise(struct lmtp_tx *tx)
{
	struct buf blob = BUF_INIT;
	const uint8_t *data = lmtp_spool_data(tx->spool);
	void *map = MAP_FAILED;

	if (data == NULL) {
		int fd = open(tx->msg.path, O_RDONLY | O_CLOEXEC);

		if (fd >= 0 && tx->msg.size > 0)
			map = mmap(NULL, tx->msg.size, PROT_READ, MAP_PRIVATE,
				   fd, 0);
		if (fd >= 0)
			close(fd);
		if (map == MAP_FAILED)
			return;
		data = map;
	}
	if (mime_summary_build(data, tx->msg.size, &blob) == 0) {
		tx->msg.cache = pool_memdup(tx->pool, blob.data, blob.len);
		tx->msg.cache_len = blob.len;
	}
	if (map != MAP_FAILED)
		munmap(map, tx->msg.size);
	lmtp_spool_release_data(tx->spool);
	buf_free(&blob);
}

static const struct lmtp_status *
status_for_error(struct lmtp_session *s, const struct lmtp_rcpt *rcpt,
		 const struct err *err)
{
	switch (err->code) {
	case ERR_NOQUOTA:
		return s->cfg->over_quota_temp_error ? &lmtp_st_over_quota_temp
						     : &lmtp_st_over_quota_perm;
	case ERR_TOOBIG:
		return &lmtp_st_too_big;
	case ERR_NOTFOUND:
		/* INBOX itself is missing and may not be created here */
		return &lmtp_st_no_mailbox;
	default:
		log_err("lmtp(%s): delivery to <%s> failed: %s",
			conn_session_id(s->conn), rcpt->address, err->msg);
		return &lmtp_st_tempfail;
	}
}

static const struct lmtp_status *
deliver_rcpt(struct lmtp_session *s, struct lmtp_message *msg,
	     const struct lmtp_rcpt *rcpt, const char *msgid_log)
{
	struct lmtp_target targets[LMTP_TARGETS_MAX];
	size_t n =
	    lmtp_deliver_targets(msg, rcpt, targets, N_ELEMENTS(targets));

	for (size_t i = 0; i < n; i++) {
		const char *mailbox;
		struct err err;
		uint32_t uid;

		if (append_target(msg, &targets[i], &mailbox, &uid, &err) < 0)
			return status_for_error(s, rcpt, &err);
		/* seed section 9.2: one INFO line per delivery */
		log_info("lmtp(%s): delivered from=<%s> to=<%s> owner=%s "
			 "mailbox=%s uid=%u size=%llu msgid=%s",
			 conn_session_id(s->conn), msg->sender, rcpt->address,
			 rcpt->owner, mailbox, uid,
			 (unsigned long long)msg->size, msgid_log);
	}
	if (n == 0)
		log_info("lmtp(%s): <%s>: message discarded",
			 conn_session_id(s->conn), rcpt->address);
	s->delivered++;
	return &lmtp_st_saved;
}

void
lmtp_deliver(struct lmtp_session *s)
{
	struct lmtp_tx *tx = s->tx;
	char msgid_log[LMTP_NORM_MSGID_MAX * 4 + 1];
	struct err err;

	if (tx->failed == NULL && lmtp_spool_finish(tx->spool, &err) < 0) {
		log_err("lmtp(%s): spool: %s", conn_session_id(s->conn),
			err.msg);
		tx->failed = &lmtp_st_tempfail;
	}
	str_escape_log(msgid_log, sizeof(msgid_log), tx->norm.msgid,
		       tx->norm.msgid_len);
	tx->msgid_log = pool_strdup(tx->pool, msgid_log);
	if (tx->failed != NULL) {
		log_info("lmtp(%s): message from=<%s> msgid=%s refused: "
			 "%u %s %s",
			 conn_session_id(s->conn), tx->sender, tx->msgid_log,
			 tx->failed->code, tx->failed->enh, tx->failed->text);
	} else {
		tx->msg.path = lmtp_spool_path(tx->spool);
		tx->msg.size = lmtp_spool_size(tx->spool);
		tx->msg.sender = tx->sender;
		tx->msg.msgid = tx->norm.msgid;
		tx->msg.received = tx->received;
		summarise(tx);
	}
	tx->next_rcpt = 0;
	s->state = LMTP_STATE_DELIVER;
	lmtp_deliver_continue(s);
}

void
lmtp_deliver_continue(struct lmtp_session *s)
{
	struct lmtp_tx *tx = s->tx;

	while (tx->next_rcpt < tx->rcpts.n) {
		const struct lmtp_rcpt *rcpt = tx->rcpts.v[tx->next_rcpt];
		const struct lmtp_status *st;

		/* a client that does not read its replies makes us wait
		   (CONN_EV_DRAINED), not buffer without bound */
		if (conn_is_closed(s->conn) || conn_output_full(s->conn))
			return;
		st = tx->failed != NULL
			 ? tx->failed
			 : deliver_rcpt(s, &tx->msg, rcpt, tx->msgid_log);
		tx->next_rcpt++;
		/* RFC 2033 section 4.2: one reply per successful RCPT, in
		   order; section 5: sent as soon as possible */
		lmtp_session_reply_addr(s, st, rcpt->address);
		conn_flush(s->conn);
	}
	lmtp_session_tx_end(s);
}
