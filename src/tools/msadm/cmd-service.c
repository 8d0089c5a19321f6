/* SPDX-License-Identifier: MIT */
/*
 * msadm service imap|pop|sieve grant|allow|deny|default|query userid
 * (M-Box guide 3.2.4). query prints "<service> allow|deny
 * explicit|implicit": explicit for a per-user rule, implicit when
 * accessible_services (or Coffer's default of allow) decides.
 */
#include "tools/msadm/msadm.h"

#include <stdio.h>
#include <string.h>

struct service_ctx {
	enum config_service svc;
	enum config_access access;
};

static int
set_rule(struct account *a, void *context, struct err *err)
{
	struct service_ctx *sc = context;

	(void)err;
	a->service[sc->svc] = sc->access;
	return 0;
}

static int
query(struct msadm *ctx, struct userdb *db, const char *userid,
      enum config_service svc)
{
	struct account *a = NULL;
	enum config_access access;
	struct err err;
	bool expl;
	int ret = userdb_lookup(db, userid, &a, &err);

	if (ret < 0)
		return msadm_fail(ctx, &err);
	if (ret == 0)
		return msadm_error(ctx, "no account %s", userid);
	access = account_service_access(ctx->cfg, a, svc, &expl);
	printf("%s %s %s\n", config_service_name(svc),
	       access == CONFIG_ACCESS_ALLOW ? "allow" : "deny",
	       expl ? "explicit" : "implicit");
	account_destroy(&a);
	return CLI_EXIT_OK;
}

int
msadm_cmd_service(struct msadm *ctx, const struct msadm_cmd *cmd, int argc,
		  char **argv)
{
	char userid[ACCOUNT_USERID_MAX + 1];
	struct service_ctx sc;
	struct userdb *db;
	struct err err;
	bool is_query;

	if (argc != 4 || !config_service_parse(argv[1], &sc.svc))
		return msadm_usage(ctx, cmd);
	is_query = strcmp(argv[2], "query") == 0;
	if (strcmp(argv[2], "default") == 0)
		sc.access = CONFIG_ACCESS_DEFAULT;
	else if (!is_query && !config_access_parse(argv[2], &sc.access))
		return msadm_usage(ctx, cmd);
	if (msadm_userid(ctx, argv[3], userid) < 0)
		return CLI_EXIT_USAGE;
	if ((db = msadm_db(ctx, !is_query)) == NULL)
		return CLI_EXIT_FAIL;
	if (is_query)
		return query(ctx, db, userid, sc.svc);
	if (userdb_update(db, userid, set_rule, &sc, &err) < 0)
		return msadm_fail(ctx, &err);
	return CLI_EXIT_OK;
}
