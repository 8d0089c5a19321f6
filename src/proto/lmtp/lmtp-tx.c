/* SPDX-License-Identifier: MIT */
/* The LMTP mail transaction: envelope, recipients, spooled message. */
#include "proto/lmtp/lmtp-private.h"
#include "proto/lmtp/lmtp-spool.h"
#include "lib/mem.h"
#include "net/conn.h"

#include <stdlib.h>

/* Pool blocks: envelopes are small, recipients a few hundred octets. */
#define LMTP_TX_POOL_BLOCK 4096

struct lmtp_tx *
lmtp_tx_create(struct lmtp_session *s, const struct lmtp_command *cmd)
{
	struct lmtp_tx *tx = xcalloc(1, sizeof(*tx));

	tx->pool = pool_create(LMTP_TX_POOL_BLOCK);
	tx->id = ++s->tx_count;
	tx->sender = pool_strdup(tx->pool, cmd->path.mailbox);
	tx->body = cmd->body;
	lmtp_rcpt_ctx_init(&tx->rcpt_ctx, tx->pool);
	tx->rcpt_ctx.cfg = s->cfg;
	tx->rcpt_ctx.userdb = s->server->set.userdb;
	tx->rcpt_ctx.store = s->server->set.store;
	/* domain_map is keyed by the listening IP address */
	tx->rcpt_ctx.local_addr =
	    conn_local_port(s->conn) != 0 ? conn_local_addr(s->conn) : NULL;
	tx->rcpt_ctx.size_hint = cmd->has_size ? cmd->size : 0;
	tx->rcpt_ctx.session_id = conn_session_id(s->conn);
	vec_init(&tx->rcpts);
	return tx;
}

void
lmtp_tx_destroy(struct lmtp_tx **txp)
{
	struct lmtp_tx *tx = *txp;

	if (tx == NULL)
		return;
	/* a rollback: the spool file goes, nothing reached the store */
	lmtp_spool_destroy(&tx->spool);
	lmtp_rcpt_ctx_deinit(&tx->rcpt_ctx);
	vec_free(&tx->rcpts);
	pool_destroy(&tx->pool);
	free(tx);
	*txp = NULL;
}
