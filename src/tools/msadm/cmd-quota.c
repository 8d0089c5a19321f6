/* SPDX-License-Identifier: MIT */
/*
 * msadm quota get userid: prints the effective quota in KiB (0 =
 *	unlimited), followed by " (default)" when it is quota_limit.
 * msadm quota set userid kib|default: sets the user's own quota, or
 *	removes it ("default", a Coffer addition) so quota_limit applies.
 */
#include "tools/msadm/msadm.h"
#include "lib/strnum.h"

#include <stdio.h>
#include <string.h>

struct quota_ctx {
	bool clear;
	uint64_t kib;
};

static int
set_quota(struct account *a, void *context, struct err *err)
{
	struct quota_ctx *qc = context;

	if (qc->clear) {
		a->has_quota = false;
		a->quota_kib = 0;
		return 0;
	}
	return account_set_quota(a, qc->kib, err);
}

static int
quota_get(struct msadm *ctx, struct userdb *db, const char *userid)
{
	struct account *a = NULL;
	struct err err;
	int ret = userdb_lookup(db, userid, &a, &err);

	if (ret < 0)
		return msadm_fail(ctx, &err);
	if (ret == 0)
		return msadm_error(ctx, "no account %s", userid);
	printf("%llu%s\n", (unsigned long long)account_quota_kib(ctx->cfg, a),
	       a->has_quota ? "" : " (default)");
	account_destroy(&a);
	return CLI_EXIT_OK;
}

int
msadm_cmd_quota(struct msadm *ctx, const struct msadm_cmd *cmd, int argc,
		char **argv)
{
	char userid[ACCOUNT_USERID_MAX + 1];
	struct quota_ctx qc = {false, 0};
	struct userdb *db;
	struct err err;
	bool get;

	if (argc < 3)
		return msadm_usage(ctx, cmd);
	get = strcmp(argv[1], "get") == 0;
	if (get ? argc != 3 : strcmp(argv[1], "set") != 0 || argc != 4)
		return msadm_usage(ctx, cmd);
	if (!get) {
		qc.clear = strcmp(argv[3], "default") == 0;
		if (!qc.clear && str_to_u64(argv[3], &qc.kib) < 0) {
			msadm_error(ctx, "quota must be a number of KiB or "
					 "default");
			return msadm_usage(ctx, cmd);
		}
	}
	if (msadm_userid(ctx, argv[2], userid) < 0)
		return CLI_EXIT_USAGE;
	if ((db = msadm_db(ctx, !get)) == NULL)
		return CLI_EXIT_FAIL;
	if (get)
		return quota_get(ctx, db, userid);
	if (userdb_update(db, userid, set_quota, &qc, &err) < 0)
		return msadm_fail(ctx, &err);
	return CLI_EXIT_OK;
}
