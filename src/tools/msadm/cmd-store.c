/* SPDX-License-Identifier: MIT */
/*
 * Subcommands that work on an account's mail store:
 *   du [-r] userid                  usage (-r: recalculated from the files)
 *   reconstruct [-n] userid [mbox]  verify and rebuild indexes (-n: report)
 */
#include "tools/msadm/msadm.h"
#include "mime/mime-summary.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

/* Opens the store of an account (with its own mail root if it has one).
   *no_store_r tells that the account exists but has no mail yet. */
static int
open_user_store(struct msadm *ctx, const char *name, bool create,
		struct store **store_r, struct store_user **user_r,
		bool *no_store_r, struct err *err)
{
	char userid[ACCOUNT_USERID_MAX + 1];
	struct store_settings set;
	struct account *acct = NULL;
	struct userdb *db;
	int ret;

	if (msadm_userid(ctx, name, userid) < 0)
		return err_set(err, ERR_PARAMS, "invalid user name");
	if ((db = msadm_db(ctx, false)) == NULL)
		return err_set(err, ERR_INTERNAL, "no user database");
	ret = userdb_lookup(db, userid, &acct, err);
	if (ret <= 0)
		return ret < 0 ? -1
			       : err_set(err, ERR_NOTFOUND, "%s: no such user",
					 userid);
	store_settings_init(&set);
	set.userdir = ctx->cfg->userdir;
	set.shared_root_dir = ctx->cfg->shared_root_dir;
	set.cache_builder = mime_summary_build;
	if (store_create(&set, store_r, err) < 0) {
		account_destroy(&acct);
		return -1;
	}
	ret = store_user_open(*store_r, acct->userid, acct->userdir, create,
			      user_r, err);
	account_destroy(&acct);
	if (ret < 0) {
		*no_store_r = err->code == ERR_NOTFOUND;
		store_destroy(store_r);
	}
	return ret;
}

int
msadm_cmd_du(struct msadm *ctx, const struct msadm_cmd *cmd, int argc,
	     char **argv)
{
	struct store *store = NULL;
	struct store_user *user = NULL;
	uint64_t bytes, msgs, rbytes, rmsgs;
	bool recalc = false;
	bool no_store = false;
	struct msadm_opts o;
	struct err err;
	int c, ret;

	msadm_opts_init(&o, argc, argv);
	while ((c = msadm_opts_next(&o, "r")) != -1) {
		if (c != 'r')
			return msadm_usage(ctx, cmd);
		recalc = true;
	}
	if (o.ind != argc - 1)
		return msadm_usage(ctx, cmd);
	if (open_user_store(ctx, argv[o.ind], false, &store, &user, &no_store,
			    &err) < 0) {
		if (!no_store)
			return msadm_fail(ctx, &err);
		char userid[ACCOUNT_USERID_MAX + 1];

		/* an account that never received mail has no store yet */
		if (msadm_userid(ctx, argv[o.ind], userid) < 0)
			return CLI_EXIT_USAGE;
		printf("0\t0\t0\t%s\n", userid);
		return CLI_EXIT_OK;
	}
	ret = store_user_usage(user, &bytes, &msgs, &err);
	if (ret == 0 && recalc) {
		ret = store_user_usage_recalc(user, &rbytes, &rmsgs, &err);
		if (ret == 0 && (rbytes != bytes || rmsgs != msgs))
			msadm_warning(ctx,
				      "%s: index says %llu bytes in %llu "
				      "messages, files %llu bytes in %llu; "
				      "run msadm reconstruct",
				      store_user_id(user),
				      (unsigned long long)bytes,
				      (unsigned long long)msgs,
				      (unsigned long long)rbytes,
				      (unsigned long long)rmsgs);
		bytes = rbytes;
		msgs = rmsgs;
	}
	if (ret == 0)
		/* KiB as the quota counts them: int(bytes / 1024) */
		printf("%llu\t%llu\t%llu\t%s\n",
		       (unsigned long long)(bytes / 1024),
		       (unsigned long long)bytes, (unsigned long long)msgs,
		       store_user_id(user));
	store_user_close(&user);
	store_destroy(&store);
	return ret < 0 ? msadm_fail(ctx, &err) : CLI_EXIT_OK;
}

static void
report(void *vctx, const struct store_reconstruct_report *rep)
{
	bool *dry = vctx;

	if (!rep->changed) {
		printf("%s: ok, %u messages\n", rep->mailbox, rep->messages);
		return;
	}
	printf("%s: %s%u messages, %u adopted, %u missing, %u new UIDs%s%s\n",
	       rep->mailbox, *dry ? "would change: " : "repaired: ",
	       rep->messages, rep->adopted, rep->missing,
	       rep->uids_reassigned,
	       rep->index_was_damaged ? ", index rebuilt" : "",
	       rep->uidvalidity_changed ? ", new UIDVALIDITY" : "");
}

int
msadm_cmd_reconstruct(struct msadm *ctx, const struct msadm_cmd *cmd,
		      int argc, char **argv)
{
	struct store *store = NULL;
	struct store_user *user = NULL;
	bool dry = false, no_store = false;
	struct msadm_opts o;
	struct err err;
	int c, ret;

	msadm_opts_init(&o, argc, argv);
	while ((c = msadm_opts_next(&o, "n")) != -1) {
		if (c != 'n')
			return msadm_usage(ctx, cmd);
		dry = true;
	}
	if (o.ind != argc - 1 && o.ind != argc - 2)
		return msadm_usage(ctx, cmd);
	/* a repair may create the account's INBOX; a report changes nothing */
	if (open_user_store(ctx, argv[o.ind], !dry, &store, &user, &no_store,
			    &err) < 0)
		return msadm_fail(ctx, &err);
	ret = store_reconstruct(user, o.ind == argc - 2 ? argv[o.ind + 1]
							: NULL,
				dry, report, &dry, &err);
	store_user_close(&user);
	store_destroy(&store);
	return ret < 0 ? msadm_fail(ctx, &err) : CLI_EXIT_OK;
}
