/* SPDX-License-Identifier: MIT */
/* msadm passwd -p password userid */
#include "tools/msadm/msadm.h"

struct passwd_ctx {
	const char *password;
	struct password_opts opts;
	const char *warning;
};

static int
set_password(struct account *a, void *context, struct err *err)
{
	struct passwd_ctx *pc = context;

	return password_set(a, pc->password, &pc->opts, &pc->warning, err);
}

int
msadm_cmd_passwd(struct msadm *ctx, const struct msadm_cmd *cmd, int argc,
		 char **argv)
{
	char userid[ACCOUNT_USERID_MAX + 1];
	struct passwd_ctx pc = {0};
	char *password = NULL;
	struct msadm_opts o;
	struct userdb *db;
	struct err err;
	int c, ret;

	msadm_opts_init(&o, argc, argv);
	while ((c = msadm_opts_next(&o, "p:")) != -1) {
		if (c != 'p')
			return msadm_usage(ctx, cmd);
		password = (char *)o.arg;
	}
	if (password == NULL || o.ind != argc - 1) {
		if (password != NULL)
			msadm_wipe_arg(password);
		return msadm_usage(ctx, cmd);
	}
	pc.password = password;
	msadm_password_opts(ctx, &pc.opts);
	if (msadm_userid(ctx, argv[o.ind], userid) < 0)
		ret = CLI_EXIT_USAGE;
	else if ((db = msadm_db(ctx, true)) == NULL)
		ret = CLI_EXIT_FAIL;
	else if (userdb_update(db, userid, set_password, &pc, &err) < 0)
		ret = msadm_fail(ctx, &err);
	else
		ret = CLI_EXIT_OK;
	msadm_wipe_arg(password);
	if (pc.warning != NULL)
		msadm_warning(ctx, "%s: %s", userid, pc.warning);
	return ret;
}
