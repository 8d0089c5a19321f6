/* SPDX-License-Identifier: MIT */
/*
 * Delivery targets: THE place where Sieve will decide what happens to a
 * message for one recipient.
 *
 * lmtp_deliver_targets() is called once per accepted recipient after the
 * message is complete and durable in the spool. It returns the mailboxes
 * the message goes to. Today the rule is fixed:
 *   - the folder named by the address detail ("joe+lists/ietf") when that
 *     mailbox exists and is selectable;
 *   - otherwise INBOX (for a shared root: the root's top mailbox).
 * A Sieve implementation replaces the body of this function: it runs the
 * global script and then the recipient's active script (seed section 7.1)
 * with the envelope (sender, recipient address and its detail, for
 * :detail of RFC 5233) and the message (the spool file), and turns their
 * actions into targets: "keep" is the default target above, "fileinto"
 * adds a target with its flags and keywords (RFC 5232 imap4flags),
 * "discard" returns none (the recipient still gets 250), and actions that
 * send mail (redirect, vacation) are queued elsewhere. Delivering to
 * several targets stays one store transaction per target.
 *
 * Called on the session's worker thread; may block (Sieve scripts and
 * mailbox lookups read the store).
 */
#ifndef COFFER_PROTO_LMTP_DELIVER_H
#define COFFER_PROTO_LMTP_DELIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lmtp_rcpt;
struct store_user;

/* Largest number of targets one recipient may get. */
#define LMTP_TARGETS_MAX 16

/* The message being delivered (valid during the call). */
struct lmtp_message {
	/* The complete message file as stored: trace fields and CRLF line
	   ends. Must not be modified. */
	const char *path;
	uint64_t size;
	/* The envelope sender ("" for "<>"). */
	const char *sender;
	/* The Message-ID field's value, "" if none. */
	const char *msgid;
	/* Time of receipt (INTERNALDATE), seconds since the epoch. */
	int64_t received;
	/* The message's parsed summary (the store's cache blob), built once
	   for all recipients; NULL if it could not be built. */
	const uint8_t *cache;
	size_t cache_len;
	/* The file's data is durable: the store synced it when it linked
	   the first recipient's copy, so later links skip that sync
	   (store_append_add_file_cached()). */
	bool durable;
};

struct lmtp_target {
	struct store_user *user; /* where: the recipient's store */
	const char *mailbox;	 /* which mailbox; lives as long as rcpt */
	/* The mailbox to use instead should this one have vanished
	   meanwhile (NULL: none), e.g. INBOX for a plus folder. */
	const char *fallback;
	uint32_t flags; /* enum store_flag bits to set */
	const char *const *keywords;
	size_t keyword_count;
};

/* Fills targets[0..max) for the recipient and returns how many (0: the
   message is dropped for this recipient, who still gets 250). */
size_t lmtp_deliver_targets(const struct lmtp_message *msg,
			    const struct lmtp_rcpt *rcpt,
			    struct lmtp_target *targets, size_t max);

#endif
