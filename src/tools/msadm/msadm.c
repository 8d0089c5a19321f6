/* SPDX-License-Identifier: MIT */
/* msadm: main program, shared helpers and privilege handling. */
#include "tools/msadm/msadm.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/str.h"
#include "store/store-path.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct cli_spec msadm_spec = {
    "msadm",
    "[subcommand [arguments]]",
    "Without a subcommand, commands are read from standard input, one per\n"
    "line. Run \"msadm help\" for the list of subcommands.\n",
};

static void ATTR_FORMAT(3, 0)
    print_prefixed(const struct msadm *ctx, const char *kind, const char *fmt,
		   va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (ctx->line > 0)
		fprintf(stderr, "msadm: line %u: %s%s\n", ctx->line, kind, msg);
	else
		fprintf(stderr, "msadm: %s%s\n", kind, msg);
}

int
msadm_error(const struct msadm *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_prefixed(ctx, "", fmt, ap);
	va_end(ap);
	return CLI_EXIT_FAIL;
}

void
msadm_warning(const struct msadm *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_prefixed(ctx, "warning: ", fmt, ap);
	va_end(ap);
}

int
msadm_fail(const struct msadm *ctx, const struct err *err)
{
	msadm_error(ctx, "%s", err->msg);
	return err->code == ERR_PARAMS ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
}

int
msadm_usage(const struct msadm *ctx, const struct msadm_cmd *cmd)
{
	if (ctx->line > 0)
		fprintf(stderr, "msadm: line %u: usage: %s %s\n", ctx->line,
			cmd->name, cmd->usage);
	else
		fprintf(stderr, "usage: msadm [-c file] %s %s\n", cmd->name,
			cmd->usage);
	return CLI_EXIT_USAGE;
}

struct userdb *
msadm_db(struct msadm *ctx, bool write)
{
	struct err err;

	if (ctx->db != NULL && write && !ctx->db_writable)
		userdb_close(&ctx->db);
	if (ctx->db == NULL) {
		if (userdb_open(ctx->cfg,
				write ? USERDB_OPEN_CREATE : USERDB_OPEN_READ,
				&ctx->db, &err) < 0) {
			msadm_error(ctx, "%s", err.msg);
			return NULL;
		}
		ctx->db_writable = write;
	}
	return ctx->db;
}

int
msadm_userid(const struct msadm *ctx, const char *name, char *out)
{
	struct err err;

	if (account_canonicalize(ctx->cfg, name, NULL, out,
				 ACCOUNT_USERID_MAX + 1, &err) < 0) {
		msadm_error(ctx, "%s", err.msg);
		return -1;
	}
	return 0;
}

int
msadm_mail_dir(const struct msadm *ctx, const char *userid,
	       const struct account *acct, struct buf *out, struct err *err)
{
	const char *root = acct != NULL && acct->userdir != NULL
			       ? acct->userdir
			       : ctx->cfg->userdir;

	return store_account_dir(root, userid, out, err);
}

void
msadm_password_opts(const struct msadm *ctx, struct password_opts *o)
{
	memset(o, 0, sizeof(*o));
	/* CRAM-MD5 contexts are password-equivalent: only keep them when
	   the mechanism is explicitly enabled. */
	for (size_t i = 0; i < ctx->cfg->mech_list.n; i++) {
		if (str_eq_icase(ctx->cfg->mech_list.v[i], "CRAM-MD5"))
			o->cram_md5 = true;
	}
}

void
msadm_wipe_arg(char *arg)
{
	mem_wipe(arg, strlen(arg));
}

int
msadm_run(struct msadm *ctx, int argc, char **argv)
{
	const struct msadm_cmd *cmd;

	if (argc == 0)
		return 0;
	cmd = msadm_cmd_find(argv[0]);
	if (cmd == NULL) {
		msadm_error(ctx, "unknown subcommand '%s' (try \"msadm help\")",
			    argv[0]);
		return CLI_EXIT_USAGE;
	}
	return cmd->run(ctx, cmd, argc, argv);
}

/* Started as root: create data_dir for ms_user if needed, then become
   ms_user so that every file belongs to the user the services run as. */
static int
drop_privileges(const struct ms_config *cfg)
{
	struct passwd *pw;

	if (geteuid() != 0 || strcmp(cfg->ms_user, "root") == 0)
		return 0;
	errno = 0;
	pw = getpwnam(cfg->ms_user);
	if (pw == NULL) {
		fprintf(stderr, "msadm: ms_user %s does not exist%s%s\n",
			cfg->ms_user, errno != 0 ? ": " : "",
			errno != 0 ? strerror(errno) : "");
		return -1;
	}
	if (access(cfg->data_dir, F_OK) < 0 && errno == ENOENT) {
		if (mkdir(cfg->data_dir, 0750) < 0 ||
		    chown(cfg->data_dir, pw->pw_uid, pw->pw_gid) < 0) {
			fprintf(stderr, "msadm: cannot create %s: %s\n",
				cfg->data_dir, strerror(errno));
			return -1;
		}
	}
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		fprintf(stderr, "msadm: cannot switch to user %s: %s\n",
			cfg->ms_user, strerror(errno));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct msadm ctx = {0};
	struct cli_options opts;
	struct log_settings log = {LOG_SINK_STDERR, "msadm", NULL,
				   LOG_LEVEL_WARNING};
	int first, ret;

	first = cli_parse(&msadm_spec, argc, argv, &opts);
	if (first < 0)
		return first == CLI_DONE ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	log.label = opts.label;
	(void)log_open(&log);
	ret = cli_load_config(&msadm_spec, &opts, &ctx.cfg);
	if (ret != 0)
		return ret;
	umask(077);
	if (drop_privileges(ctx.cfg) < 0) {
		config_unref(&ctx.cfg);
		return CLI_EXIT_FAIL;
	}
	if (first < argc)
		ret = msadm_run(&ctx, argc - first, argv + first);
	else
		ret = msadm_batch(&ctx, STDIN_FILENO);
	userdb_close(&ctx.db);
	config_unref(&ctx.cfg);
	if (fflush(stdout) != 0 && ret == 0)
		ret = CLI_EXIT_FAIL;
	return ret;
}
