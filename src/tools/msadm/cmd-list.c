/* SPDX-License-Identifier: MIT */
/*
 * msadm list [-d domain_regex] [-u user_regex] [-v] [-p]: one user id per
 * line; -v adds the account's fields and properties as indented
 * "key: value" lines (as in the record), -p the stored password hash (a
 * hash, never a password).
 */
#include "tools/msadm/msadm.h"

#include <stdio.h>

static void
print_details(const struct account *a, bool verbose, bool password)
{
	if (password)
		printf("\tpassword: %s\n",
		       a->password != NULL ? a->password : "(none)");
	if (!verbose)
		return;
	printf("\tstatus: %s\n", account_status_name(a->status));
	for (size_t i = 0; i < a->aliases.n; i++)
		printf("\talias: %s\n", a->aliases.v[i]);
	if (a->has_quota)
		printf("\tquota: %llu\n", (unsigned long long)a->quota_kib);
	for (int s = 0; s < CONFIG_SERVICE_COUNT; s++) {
		if (a->service[s] != CONFIG_ACCESS_DEFAULT)
			printf("\tservice-%s: %s\n", config_service_name(s),
			       a->service[s] == CONFIG_ACCESS_ALLOW ? "allow"
								    : "deny");
	}
	for (size_t i = 0; i < a->expiration.n; i++)
		printf("\texpiration: %s\n", a->expiration.v[i]);
	if (a->userdir != NULL)
		printf("\tuserdir: %s\n", a->userdir);
	for (size_t i = 0; i < a->props.n; i++)
		printf("\tprop: %s=%s\n", a->props.v[i].name,
		       a->props.v[i].value);
}

int
msadm_cmd_list(struct msadm *ctx, const struct msadm_cmd *cmd, int argc,
	       char **argv)
{
	const char *domain_re = NULL, *user_re = NULL;
	bool verbose = false, password = false;
	struct userdb_iter *iter;
	struct msadm_opts o;
	struct account *a;
	struct userdb *db;
	struct err err;
	int c, ret, status = CLI_EXIT_OK;

	msadm_opts_init(&o, argc, argv);
	while ((c = msadm_opts_next(&o, "d:u:vp")) != -1) {
		switch (c) {
		case 'd':
			domain_re = o.arg;
			break;
		case 'u':
			user_re = o.arg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'p':
			password = true;
			break;
		default:
			return msadm_usage(ctx, cmd);
		}
	}
	if (o.ind != argc)
		return msadm_usage(ctx, cmd);
	if ((db = msadm_db(ctx, false)) == NULL)
		return CLI_EXIT_FAIL;
	iter = userdb_iter_init(db, domain_re, user_re, &err);
	if (iter == NULL)
		return msadm_fail(ctx, &err);
	while ((ret = userdb_iter_next(iter, &a, &err)) != 0) {
		if (ret < 0) {
			/* report a damaged record and go on */
			status = msadm_error(ctx, "%s", err.msg);
			continue;
		}
		printf("%s\n", a->userid);
		print_details(a, verbose, password);
		account_destroy(&a);
	}
	userdb_iter_deinit(&iter);
	return status;
}
