/* SPDX-License-Identifier: MIT */
/* msadm add {-p password|-m|-d} [-r|-n] [-f] userid [name=value ...] */
#include "tools/msadm/msadm.h"
#include "lib/str.h"
#include "lib/strnum.h"

#include <string.h>

/* M-Box attribute names (and short Coffer names) that are account fields
   rather than free properties. */
static int
add_property(struct msadm *ctx, struct account *a, const char *name,
	     const char *value, struct err *err)
{
	char alias[ACCOUNT_USERID_MAX + 1];
	uint64_t kib;

	if (str_eq_icase(name, "mailLocalAddress") ||
	    str_eq_icase(name, "alias")) {
		if (account_canonicalize(ctx->cfg, value, NULL, alias,
					 sizeof(alias), err) < 0)
			return -1;
		return account_add_alias(a, alias, err);
	}
	if (str_eq_icase(name, "mboxMessageSizeQuota") ||
	    str_eq_icase(name, "quota")) {
		if (str_to_u64(value, &kib) < 0)
			return err_set(err, ERR_PARAMS,
				       "%s: expected a number of KiB", name);
		return account_set_quota(a, kib, err);
	}
	if (str_eq_icase(name, "isodeMboxMailExpirationPolicy") ||
	    str_eq_icase(name, "expiration"))
		return account_add_expiration(a, value, err);
	if (str_eq_icase(name, "mboxRootUserDir") ||
	    str_eq_icase(name, "userdir"))
		return account_set_userdir(a, value, err);
	if (str_eq_icase(name, "userPassword") ||
	    str_eq_icase(name, "password") ||
	    str_eq_icase(name, "authPassword"))
		return err_set(err, ERR_PARAMS,
			       "%s: passwords are set with -p, never stored "
			       "as properties",
			       name);
	return account_add_prop(a, name, value, err);
}

static bool
has_prop(const struct account *a, const char *name)
{
	for (size_t i = 0; i < a->props.n; i++) {
		if (str_eq_icase(a->props.v[i].name, name))
			return true;
	}
	return false;
}

static int
build(struct msadm *ctx, struct account *a, int argc, char **argv, bool routing,
      struct err *err)
{
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (eq == NULL || eq == argv[i])
			return err_set(err, ERR_PARAMS,
				       "expected name=value, got '%.64s'",
				       argv[i]);
		*eq = '\0';
		if (add_property(ctx, a, argv[i], eq + 1, err) < 0)
			return -1;
	}
	/* -r: the LASER routing attributes of M-Box, mail and
	   mailLocalAddress = the user id; the user id always routes to the
	   account, so only mail is recorded. */
	if (routing && !has_prop(a, "mail"))
		return account_add_prop(a, "mail", a->userid, err);
	return 0;
}

static bool
account_exists(struct userdb *db, const char *userid)
{
	struct account *a;
	struct err err;
	int ret = userdb_lookup(db, userid, &a, &err);

	account_destroy(&a);
	return ret > 0;
}

int
msadm_cmd_add(struct msadm *ctx, const struct msadm_cmd *cmd, int argc,
	      char **argv)
{
	char userid[ACCOUNT_USERID_MAX + 1];
	struct password_opts popts;
	const char *password = NULL, *warning = NULL;
	bool routing = ctx->cfg->auto_add_laser_routing, force = false;
	enum account_status status = ACCOUNT_ENABLED;
	struct msadm_opts o;
	struct account *a;
	struct userdb *db;
	struct err err;
	int modes = 0, c, ret;

	msadm_opts_init(&o, argc, argv);
	while ((c = msadm_opts_next(&o, "p:mdrnf")) != -1) {
		switch (c) {
		case 'p':
			password = o.arg;
			status = ACCOUNT_ENABLED;
			modes++;
			break;
		case 'm':
			status = ACCOUNT_MIGRATING;
			modes++;
			break;
		case 'd':
			status = ACCOUNT_DISABLED;
			modes++;
			break;
		case 'r':
			routing = true;
			break;
		case 'n':
			routing = false;
			break;
		case 'f':
			force = true;
			break;
		default:
			return msadm_usage(ctx, cmd);
		}
	}
	if (modes != 1 || o.ind >= argc)
		return msadm_usage(ctx, cmd);
	if (msadm_userid(ctx, argv[o.ind], userid) < 0)
		return CLI_EXIT_USAGE;
	if ((db = msadm_db(ctx, true)) == NULL)
		return CLI_EXIT_FAIL;
	a = account_create(userid);
	a->status = status;
	ret = build(ctx, a, argc - o.ind - 1, argv + o.ind + 1, routing, &err);
	if (ret == 0 && password != NULL) {
		msadm_password_opts(ctx, &popts);
		ret = password_set(a, password, &popts, &warning, &err);
		msadm_wipe_arg((char *)password);
	}
	if (ret == 0)
		ret = userdb_add(db, a, force, &err);
	account_destroy(&a);
	if (ret < 0 && err.code == ERR_EXISTS && !force &&
	    account_exists(db, userid))
		return msadm_error(ctx,
				   "account %s exists (use -f to replace "
				   "it)",
				   userid);
	if (ret < 0)
		return msadm_fail(ctx, &err);
	if (warning != NULL)
		msadm_warning(ctx, "%s: %s", userid, warning);
	return CLI_EXIT_OK;
}
