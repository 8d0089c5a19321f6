/* SPDX-License-Identifier: MIT */
/* RCPT TO resolution: accounts, aliases, shared roots, plus-addressing. */
#include "proto/lmtp/lmtp-rcpt.h"
#include "proto/lmtp/lmtp-command.h"
#include "proto/lmtp/lmtp-status.h"
#include "auth/account.h"
#include "auth/userdb.h"
#include "config/config.h"
#include "lib/log.h"
#include "lib/str.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

/* Where the address points, before a store is opened. */
struct target {
	enum lmtp_rcpt_kind kind;
	const struct config_shared_root *root; /* SHARED */
	struct account *acct;		       /* USER */
	const char *detail;		       /* after '+', or NULL */
};

/* A store opened for the transaction, with its quota verdict. */
struct opened {
	struct store_user *user;
	const struct lmtp_status *quota;
};

void
lmtp_rcpt_ctx_init(struct lmtp_rcpt_ctx *ctx, struct pool *pool)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->pool = pool;
	hash_init(&ctx->users, false);
}

void
lmtp_rcpt_ctx_deinit(struct lmtp_rcpt_ctx *ctx)
{
	struct hash_entry *e;

	for (size_t i = 0; hash_next(&ctx->users, &i, &e);) {
		struct opened *o = e->value;

		store_user_close(&o->user);
	}
	hash_free(&ctx->users);
}

static const struct config_shared_root *
shared_root_by_name(const struct ms_config *cfg, const char *name, size_t len)
{
	for (size_t i = 0; i < cfg->shared_root_count; i++) {
		const struct config_shared_root *r = &cfg->shared_roots[i];

		if (strlen(r->name) == len && mem_eq_icase(r->name, name, len))
			return r;
	}
	return NULL;
}

static const struct config_shared_root *
shared_root_by_email(const struct ms_config *cfg, const char *canonical)
{
	for (size_t i = 0; i < cfg->shared_root_count; i++) {
		const struct config_shared_root *r = &cfg->shared_roots[i];

		if (r->email[0] != '\0' && strcmp(r->email, canonical) == 0)
			return r;
	}
	return NULL;
}

static void
log_tempfail(const struct lmtp_rcpt_ctx *ctx, const char *address,
	     const char *what, const struct err *err)
{
	log_err("lmtp(%s): <%s>: %s: %s", ctx->session_id, address, what,
		err->msg);
}

/* Finds what base@domain (the local part without its detail) names. */
static const struct lmtp_status *
find_target(struct lmtp_rcpt_ctx *ctx, const struct lmtp_path *path,
	    const char *base, struct target *t)
{
	char name[LMTP_PATH_MAX + LMTP_DOMAIN_MAX + 2];
	char canonical[ACCOUNT_USERID_MAX + 1];
	struct err err;
	int ret;

	if (t->detail != NULL &&
	    str_eq_icase(base, ctx->cfg->lmtp_shared_name)) {
		const char *slash = strchr(t->detail, STORE_HIERARCHY_SEP);
		size_t len = slash != NULL ? (size_t)(slash - t->detail)
					   : strlen(t->detail);

		t->kind = LMTP_RCPT_SHARED;
		t->root = shared_root_by_name(ctx->cfg, t->detail, len);
		t->detail = slash != NULL ? slash + 1 : NULL;
		return t->root != NULL ? NULL : &lmtp_st_user_unknown;
	}
	if (path->domain[0] != '\0')
		snprintf(name, sizeof(name), "%s@%s", base, path->domain);
	else
		snprintf(name, sizeof(name), "%s", base);
	if (account_canonicalize(ctx->cfg, name, ctx->local_addr, canonical,
				 sizeof(canonical), &err) < 0)
		return &lmtp_st_user_unknown;
	t->root = shared_root_by_email(ctx->cfg, canonical);
	if (t->root != NULL) {
		t->kind = LMTP_RCPT_SHARED;
		return NULL;
	}
	t->kind = LMTP_RCPT_USER;
	ret = userdb_lookup(ctx->userdb, canonical, &t->acct, &err);
	if (ret < 0) {
		log_tempfail(ctx, path->mailbox, "user database", &err);
		return &lmtp_st_tempfail;
	}
	if (ret == 0)
		return &lmtp_st_user_unknown;
	/* RFC 3463 X.2.1: a disabled account does not accept messages; an
	   account being migrated is a real mailbox and keeps receiving */
	if (t->acct->status == ACCOUNT_DISABLED)
		return &lmtp_st_disabled;
	return NULL;
}

static const struct lmtp_status *
over_quota(const struct lmtp_rcpt_ctx *ctx)
{
	return ctx->cfg->over_quota_temp_error ? &lmtp_st_over_quota_temp
					       : &lmtp_st_over_quota_perm;
}

/* Checks the account's usage against its quota (seed section 6). */
static const struct lmtp_status *
check_quota(struct lmtp_rcpt_ctx *ctx, const char *address,
	    struct store_user *user, uint64_t limit)
{
	uint64_t bytes, messages;
	struct err err;

	if (limit == 0)
		return NULL;
	if (store_user_usage(user, &bytes, &messages, &err) < 0) {
		log_tempfail(ctx, address, "quota usage", &err);
		return &lmtp_st_tempfail;
	}
	if (bytes >= limit || ctx->size_hint > limit - bytes)
		return over_quota(ctx);
	return NULL;
}

/* Opens (or reuses) the store of the target. */
static const struct lmtp_status *
open_store(struct lmtp_rcpt_ctx *ctx, const struct lmtp_path *path,
	   const struct target *t, struct store_user **user_r)
{
	const char *owner =
	    t->kind == LMTP_RCPT_SHARED ? t->root->name : t->acct->userid;
	char key[ACCOUNT_USERID_MAX + 16];
	struct store_user *user;
	struct opened *o;
	uint64_t limit = 0;
	struct err err;
	int ret;

	/* shared roots and accounts cannot collide: '#' is no user id */
	snprintf(key, sizeof(key), "%s%s",
		 t->kind == LMTP_RCPT_SHARED ? "#" : "", owner);
	o = hash_get_str(&ctx->users, key);
	if (o != NULL) {
		*user_r = o->user;
		return o->quota;
	}
	if (t->kind == LMTP_RCPT_SHARED) {
		/* a root configured in ms.conf exists: create it on disk */
		ret = store_shared_open(ctx->store, t->root->name,
					t->root->path, true, &user, &err);
	} else {
		ret = store_user_open(ctx->store, t->acct->userid,
				      t->acct->userdir,
				      ctx->cfg->lmtp_autocreate, &user, &err);
		limit = account_quota_kib(ctx->cfg, t->acct) * 1024;
	}
	if (ret < 0) {
		if (err.code == ERR_NOTFOUND && t->kind == LMTP_RCPT_USER)
			return &lmtp_st_no_mailbox;
		log_tempfail(ctx, path->mailbox, "store", &err);
		return &lmtp_st_tempfail;
	}
	store_user_set_quota(user, limit);
	o = pool_alloc(ctx->pool, sizeof(*o));
	o->user = user;
	o->quota = check_quota(ctx, path->mailbox, user, limit);
	hash_put_str(&ctx->users, pool_strdup(ctx->pool, key), o);
	*user_r = user;
	return o->quota;
}

/* The folder a detail asks for, or NULL when it is no valid name. */
static const char *
detail_folder(struct lmtp_rcpt_ctx *ctx, const struct target *t)
{
	const char *folder;
	struct err err;

	if (t->detail == NULL || t->detail[0] == '\0')
		return NULL;
	folder = t->kind == LMTP_RCPT_SHARED
		     ? pool_printf(ctx->pool, "%s%c%s", t->root->name,
				   STORE_HIERARCHY_SEP, t->detail)
		     : pool_strdup(ctx->pool, t->detail);
	if (store_mailbox_name_validate(folder, &err) < 0) {
		log_debug("lmtp(%s): ignoring folder %s: %s", ctx->session_id,
			  folder, err.msg);
		return NULL;
	}
	return folder;
}

const struct lmtp_status *
lmtp_rcpt_resolve(struct lmtp_rcpt_ctx *ctx, const struct lmtp_path *path,
		  struct lmtp_rcpt **rcpt_r)
{
	char base[LMTP_PATH_MAX + 1];
	const struct lmtp_status *st;
	struct store_user *user = NULL;
	struct lmtp_rcpt *rcpt;
	struct target t;
	char *plus;

	memset(&t, 0, sizeof(t));
	str_copy(base, path->local, sizeof(base));
	plus = strchr(base, '+');
	if (plus != NULL) {
		*plus = '\0';
		t.detail = plus + 1;
	}
	st = find_target(ctx, path, base, &t);
	if (st == NULL)
		st = open_store(ctx, path, &t, &user);
	if (st == NULL) {
		rcpt = pool_alloc(ctx->pool, sizeof(*rcpt));
		rcpt->address = pool_strdup(ctx->pool, path->mailbox);
		rcpt->kind = t.kind;
		rcpt->owner = pool_strdup(ctx->pool, t.kind == LMTP_RCPT_SHARED
							 ? t.root->name
							 : t.acct->userid);
		rcpt->top = t.kind == LMTP_RCPT_SHARED
				? pool_strdup(ctx->pool, t.root->name)
				: STORE_INBOX;
		rcpt->folder = detail_folder(ctx, &t);
		rcpt->user = user;
		*rcpt_r = rcpt;
	}
	account_destroy(&t.acct);
	return st;
}
