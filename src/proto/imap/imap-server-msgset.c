/* SPDX-License-Identifier: MIT */
/*
 * Sequence sets of commands on the selected mailbox (RFC 3501 section 9
 * sequence-set): message numbers or UIDs, mapped onto the view's sequence
 * numbers without touching every message: a UID range becomes one
 * sequence range by two binary searches, since UIDs ascend with sequence
 * numbers (RFC 3501 section 2.3.1.1).
 */
#include "proto/imap/imap-server-cmd.h"
#include "lib/vec.h"
#include "store/store.h"

/* The first sequence number whose UID is >= uid; count + 1 if none. */
static uint32_t
lower_bound(struct store_mailbox *box, uint32_t count, uint32_t uid)
{
	uint32_t lo = 1, hi = count + 1;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (store_mailbox_uid(box, mid) < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
uids_to_seqs(struct imap_cmd *cmd, const struct imap_seqset *uids,
	     struct imap_seqset *seqs_r)
{
	struct store_mailbox *box = cmd->session->box;
	uint32_t count = store_mailbox_count(box);
	struct imap_seq_range *r;
	size_t n = 0;

	r = pool_alloc_array(cmd->pool, uids->count + 1, sizeof(*r));
	for (size_t i = 0; i < uids->count; i++) {
		uint32_t first = lower_bound(box, count, uids->ranges[i].lo);
		uint32_t end =
		    uids->ranges[i].hi == UINT32_MAX
			? count + 1
			: lower_bound(box, count, uids->ranges[i].hi + 1);

		if (first < end) {
			r[n].lo = first;
			r[n].hi = end - 1;
			n++;
		}
	}
	imap_seqset_from_ranges(cmd->pool, r, n, seqs_r);
}

bool
imap_cmd_get_msgset(struct imap_cmd *cmd, const struct imap_arg *arg,
		    struct imap_seqset *seqs_r)
{
	struct store_mailbox *box = cmd->session->box;
	uint32_t count = store_mailbox_count(box);
	struct imap_seqset set;
	const char *error;

	if (arg->type != IMAP_ARG_ATOM) {
		imap_cmd_bad(cmd, "Invalid sequence set.");
		return false;
	}
	if (cmd->uid && count == 0) {
		/* no UIDs at all: "*" names nothing, the set is empty */
		if (!imap_seqset_is_valid(arg->u.str, arg->len, 0, 0)) {
			imap_cmd_bad(cmd, "Invalid UID set.");
			return false;
		}
		imap_seqset_init_empty(seqs_r);
		return true;
	}
	if (imap_seqset_parse(cmd->pool, arg->u.str, arg->len,
			      cmd->uid ? store_mailbox_uid(box, count) : count,
			      0, 0, &set, &error) < 0) {
		imap_cmd_bad(cmd, count == 0 && !cmd->uid
				      ? "No messages in the mailbox."
				      : error);
		return false;
	}
	if (cmd->uid) {
		uids_to_seqs(cmd, &set, seqs_r);
		return true;
	}
	if (imap_seqset_max(&set) > count) {
		imap_cmd_bad(cmd, "Invalid message sequence number.");
		return false;
	}
	*seqs_r = set;
	return true;
}

void
imap_msgset_uids(struct imap_session *s, const struct imap_seqset *seqs,
		 struct store_uid_set *uids_r)
{
	for (size_t i = 0; i < seqs->count; i++) {
		uint32_t lo = 0, prev = 0;

		for (uint32_t seq = seqs->ranges[i].lo;; seq++) {
			uint32_t uid = store_mailbox_uid(s->box, seq);

			if (uid == 0)
				break;
			if (lo == 0) {
				lo = uid;
			} else if (uid != prev + 1) {
				store_uid_set_add(uids_r, lo, prev);
				lo = uid;
			}
			prev = uid;
			if (seq == seqs->ranges[i].hi)
				break;
		}
		if (lo != 0)
			store_uid_set_add(uids_r, lo, prev);
	}
}
