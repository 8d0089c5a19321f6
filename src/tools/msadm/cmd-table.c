/* SPDX-License-Identifier: MIT */
/* The msadm subcommands (M-Box guide 3.2.4) and "help". */
#include "tools/msadm/msadm.h"

#include <stdio.h>
#include <string.h>

const struct msadm_cmd msadm_cmds[] = {
    {"add", "{-p password|-m|-d} [-r|-n] [-f] userid [name=value ...]",
     msadm_cmd_add},
    {"del", "[-k] userid", msadm_cmd_del},
    {"ren", "[-l] new_userid userid", msadm_cmd_ren},
    {"passwd", "-p password userid", msadm_cmd_passwd},
    {"list", "[-d domain_regex] [-u user_regex] [-v] [-p]", msadm_cmd_list},
    {"du", "[-r] userid", msadm_cmd_du},
    {"reconstruct", "[-n] userid [mailbox]", msadm_cmd_reconstruct},
    {"path", "[-e] userid", msadm_cmd_path},
    {"quota", "get userid | quota set userid kib", msadm_cmd_quota},
    {"service", "imap|pop|sieve grant|allow|deny|default|query userid",
     msadm_cmd_service},
    {"acl", "list|set|delete owner mailbox [userid [rights]]",
     msadm_cmd_unavailable},
    {"expire_mail",
     "-p admin_password [-f file [-c] [-n conns] | -l | "
     "userid]",
     msadm_cmd_unavailable},
    {"migrate", "-p password userid [name=value ...]", msadm_cmd_unavailable},
    {"dump", "vacation userid", msadm_cmd_unavailable},
    {"help", "[subcommand]", msadm_cmd_help},
    {NULL, NULL, NULL},
};

const struct msadm_cmd *
msadm_cmd_find(const char *name)
{
	for (const struct msadm_cmd *c = msadm_cmds; c->name != NULL; c++) {
		if (strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

int
msadm_cmd_help(struct msadm *ctx, const struct msadm_cmd *cmd, int argc,
	       char **argv)
{
	const struct msadm_cmd *one = NULL;

	if (argc > 2)
		return msadm_usage(ctx, cmd);
	if (argc == 2 && (one = msadm_cmd_find(argv[1])) == NULL) {
		msadm_error(ctx, "unknown subcommand '%s'", argv[1]);
		return CLI_EXIT_USAGE;
	}
	for (const struct msadm_cmd *c = msadm_cmds; c->name != NULL; c++) {
		if (one == NULL || c == one)
			printf("%s %s\n", c->name, c->usage);
	}
	return CLI_EXIT_OK;
}

int
msadm_cmd_unavailable(struct msadm *ctx, const struct msadm_cmd *cmd, int argc,
		      char **argv)
{
	/* never leave a password visible in ps */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-p") == 0 && i + 1 < argc)
			msadm_wipe_arg(argv[++i]);
		else if (strncmp(argv[i], "-p", 2) == 0)
			msadm_wipe_arg(argv[i] + 2);
	}
	/* Registered so that scripts get a clear answer; these arrive with
	   the store tools, ACLs, expiry, migration and Sieve. */
	return msadm_error(ctx, "%s: not yet available in this version",
			   cmd->name);
}
