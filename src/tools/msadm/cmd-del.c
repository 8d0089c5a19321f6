/* SPDX-License-Identifier: MIT */
/* msadm del [-k] userid: delete an account and, unless -k, its mail. */
#include "tools/msadm/msadm.h"
#include "lib/fsutil.h"

#include <string.h>

int
msadm_cmd_del(struct msadm *ctx, const struct msadm_cmd *cmd, int argc,
	      char **argv)
{
	char userid[ACCOUNT_USERID_MAX + 1];
	struct buf dir = BUF_INIT;
	struct account *acct = NULL;
	bool keep = false;
	struct msadm_opts o;
	struct userdb *db;
	struct err err;
	int c, ret;

	msadm_opts_init(&o, argc, argv);
	while ((c = msadm_opts_next(&o, "k")) != -1) {
		if (c != 'k')
			return msadm_usage(ctx, cmd);
		keep = true;
	}
	if (o.ind != argc - 1)
		return msadm_usage(ctx, cmd);
	if (msadm_userid(ctx, argv[o.ind], userid) < 0)
		return CLI_EXIT_USAGE;
	if ((db = msadm_db(ctx, true)) == NULL)
		return CLI_EXIT_FAIL;
	/* the record says where the mail is; read it before it goes (a
	   damaged record can still be deleted) */
	ret = userdb_lookup(db, userid, &acct, &err);
	if (ret < 0 && err.code == ERR_CORRUPT)
		ret = 0;
	if (ret > 0 && strcmp(acct->userid, userid) != 0) {
		ret = msadm_error(ctx, "%s is an alias of %s, not an account",
				  userid, acct->userid);
		account_destroy(&acct);
		return ret;
	}
	if (ret >= 0 && msadm_mail_dir(ctx, userid, acct, &dir, &err) < 0)
		ret = -1;
	if (ret >= 0)
		ret = userdb_delete(db, userid, &err);
	if (ret >= 0 && !keep)
		ret = rm_rf(buf_cstr(&dir), &err);
	account_destroy(&acct);
	buf_free(&dir);
	return ret < 0 ? msadm_fail(ctx, &err) : CLI_EXIT_OK;
}
