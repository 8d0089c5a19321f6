/* SPDX-License-Identifier: MIT */
/*
 * RCPT TO resolution: from a forward-path to the store that receives the
 * message, or to the reply that refuses the recipient.
 *
 * The local part is split at its first '+' into the address and a detail
 * ("joe+lists/ietf@example.com": address joe@example.com, detail
 * "lists/ietf"). Then, in this order:
 *   1. "<lmtp_shared_name>+<root>[/<sub>]@<any domain>" names a shared
 *      root of ms.conf (<shared_root name=...>, case-insensitive) and a
 *      folder below it (M-Store's "shared+bugreports", seed section 13).
 *      "shared@domain" without a detail is an ordinary address;
 *   2. the address is canonicalised (account_canonicalize(): lower case,
 *      the default domain of the listener's local address for unqualified
 *      names, so "<Postmaster>" works) and compared with the shared roots'
 *      email addresses: "qa@example.com" delivers to that root's top
 *      mailbox, "qa+sub@example.com" into its folder "sub" (seed 5.1);
 *   3. otherwise it is looked up in the user database by user id or alias
 *      (mailLocalAddress).
 * Refusals: unknown address 550 5.1.1; a disabled account 550 5.2.1 (an
 * account being migrated still receives mail); no mail store yet while
 * lmtp_autocreate is off 450 4.2.1; over quota 452 4.2.2, or 552 5.2.2
 * when over_quota_temp_error is false -- an account is over quota when
 * its usage has reached the limit, or would exceed it by the MAIL SIZE=
 * declared; user database or store trouble 451 4.3.0 (logged).
 *
 * The folder named by the detail is only remembered here: whether it
 * exists is decided at delivery (lmtp-deliver.h), which falls back to
 * INBOX (or the shared root's top mailbox).
 *
 * A context belongs to one transaction (one thread). Stores are opened
 * once per account and transaction and shared by its recipients.
 */
#ifndef COFFER_PROTO_LMTP_RCPT_H
#define COFFER_PROTO_LMTP_RCPT_H

#include <stdint.h>
#include "lib/hash.h"
#include "lib/pool.h"

struct ms_config;
struct userdb;
struct store;
struct store_user;
struct lmtp_path;
struct lmtp_status;

enum lmtp_rcpt_kind {
	LMTP_RCPT_USER,	  /* an account */
	LMTP_RCPT_SHARED, /* a shared root */
};

struct lmtp_rcpt {
	/* The mailbox as the client sent it (replies and logs). */
	const char *address;
	enum lmtp_rcpt_kind kind;
	/* The canonical user id, or the shared root's name. */
	const char *owner;
	/* The mailbox used when the detail names no existing folder: "INBOX"
	   or the shared root's top mailbox (its name). */
	const char *top;
	/* The folder asked for by the detail (already prefixed with the
	   root's name for shared roots), or NULL. */
	const char *folder;
	/* The opened store (owned by the context). */
	struct store_user *user;
};

struct lmtp_rcpt_ctx {
	const struct ms_config *cfg;
	struct userdb *userdb;
	struct store *store;
	/* The listener address the client connected to (domain_map), or
	   NULL for a Unix socket. */
	const char *local_addr;
	/* MAIL SIZE=, 0 if not declared. */
	uint64_t size_hint;
	/* For log lines. */
	const char *session_id;
	/* Recipients and their strings live here. */
	struct pool *pool;
	/* private: opened stores by owner */
	struct hash users;
};

/* Prepares ctx; the caller then sets the public fields above. */
void lmtp_rcpt_ctx_init(struct lmtp_rcpt_ctx *ctx, struct pool *pool);
/* Closes the stores opened for the transaction. */
void lmtp_rcpt_ctx_deinit(struct lmtp_rcpt_ctx *ctx);

/* Resolves one forward-path. Returns NULL and sets *rcpt_r (allocated
   from ctx->pool) when the recipient is accepted, or the refusal status.
   Blocking (user database and store lookups): worker threads only. */
const struct lmtp_status *lmtp_rcpt_resolve(struct lmtp_rcpt_ctx *ctx,
					    const struct lmtp_path *path,
					    struct lmtp_rcpt **rcpt_r);

#endif
