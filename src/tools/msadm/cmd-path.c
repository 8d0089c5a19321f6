/* SPDX-License-Identifier: MIT */
/* msadm path [-e] userid: where the account's mail is (or would be). */
#include "tools/msadm/msadm.h"
#include "lib/str.h"

#include <stdio.h>
#include <string.h>

int
msadm_cmd_path(struct msadm *ctx, const struct msadm_cmd *cmd, int argc,
	       char **argv)
{
	char userid[ACCOUNT_USERID_MAX + 1];
	struct account *acct = NULL;
	struct buf dir = BUF_INIT;
	bool exact = false;
	struct msadm_opts o;
	struct userdb *db;
	struct err err;
	int c, ret;

	msadm_opts_init(&o, argc, argv);
	while ((c = msadm_opts_next(&o, "e")) != -1) {
		if (c != 'e')
			return msadm_usage(ctx, cmd);
		exact = true;
	}
	if (o.ind != argc - 1)
		return msadm_usage(ctx, cmd);
	/* -e: the name exactly as given, without canonicalisation */
	if (exact) {
		if (str_copy(userid, argv[o.ind], sizeof(userid)) >=
		    sizeof(userid)) {
			msadm_error(ctx, "user name too long");
			return CLI_EXIT_USAGE;
		}
	} else if (msadm_userid(ctx, argv[o.ind], userid) < 0)
		return CLI_EXIT_USAGE;
	if ((db = msadm_db(ctx, false)) == NULL)
		return CLI_EXIT_FAIL;
	/* an existing account may have its own mail root */
	ret = account_userid_valid(userid)
		  ? userdb_lookup(db, userid, &acct, &err)
		  : 0;
	if (ret > 0 && strcmp(acct->userid, userid) != 0)
		account_destroy(&acct);
	if (ret >= 0)
		ret = msadm_mail_dir(ctx, userid, acct, &dir, &err);
	if (ret >= 0)
		printf("%s\n", buf_cstr(&dir));
	account_destroy(&acct);
	buf_free(&dir);
	return ret < 0 ? msadm_fail(ctx, &err) : CLI_EXIT_OK;
}
