/* SPDX-License-Identifier: MIT */
/*
 * msadm: the account administration tool. One subcommand from the command
 * line, or many from standard input (one per line). Results go to stdout,
 * errors to stderr; exit status 0 on success, 1 when an operation failed,
 * 2 for usage errors. Single-threaded.
 */
#ifndef COFFER_TOOLS_MSADM_H
#define COFFER_TOOLS_MSADM_H

#include <stdbool.h>
#include <stddef.h>
#include "auth/account.h"
#include "auth/password.h"
#include "auth/userdb.h"
#include "config/cli.h"
#include "lib/buf.h"
#include "lib/macros.h"

struct msadm {
	struct ms_config *cfg;
	struct userdb *db; /* opened on first use by msadm_db() */
	bool db_writable;  /* db was opened with USERDB_OPEN_CREATE */
	unsigned line;	   /* line number in batch mode, else 0 */
};

struct msadm_cmd {
	const char *name;
	const char *usage; /* arguments after the name */
	/* argv[0] is the subcommand name. Returns an exit status. */
	int (*run)(struct msadm *ctx, const struct msadm_cmd *cmd, int argc,
		   char **argv);
};

/* The subcommand table (cmd-table.c), terminated by a NULL name. */
extern const struct msadm_cmd msadm_cmds[];
const struct msadm_cmd *msadm_cmd_find(const char *name);

/* Runs one command line; returns its exit status. */
int msadm_run(struct msadm *ctx, int argc, char **argv);
/* Reads commands from fd until EOF (batch.c); returns the highest exit
   status of all lines. */
int msadm_batch(struct msadm *ctx, int fd);
/* Splits a command line like a shell: blanks separate words, '...' quotes
   literally, "..." quotes with \\, \", \$ and \` escapes, \ escapes one
   character elsewhere. Words are stored in `words` (NUL-separated) and
   pointers in argv (at most max). Returns the word count, or -1 with a
   message in *error_r for unterminated quotes or too many words. */
int msadm_split(const char *line, struct buf *words, char **argv, int max,
		const char **error_r);

/* Prints "msadm: [line N: ]<message>" on stderr and returns 1. */
int msadm_error(const struct msadm *ctx, const char *fmt, ...)
    ATTR_FORMAT(2, 3);
/* The error of a failed operation; ERR_PARAMS gives 2, the rest 1. */
int msadm_fail(const struct msadm *ctx, const struct err *err);
/* Prints the usage line of cmd on stderr and returns 2. */
int msadm_usage(const struct msadm *ctx, const struct msadm_cmd *cmd);
/* Prints a warning on stderr. */
void msadm_warning(const struct msadm *ctx, const char *fmt, ...)
    ATTR_FORMAT(2, 3);

/* The user database, opened on first use, or NULL after printing the
   error. Only writers create a missing database (read-only subcommands
   leave the disk untouched). */
struct userdb *msadm_db(struct msadm *ctx, bool write);
/* Canonicalises a user name argument into out (ACCOUNT_USERID_MAX + 1
   bytes); prints the error and returns -1 if it is invalid. */
int msadm_userid(const struct msadm *ctx, const char *name, char *out);
/* The mail directory of an account: <userdir>/<domain>/<local>, with the
   account's own mail root if it has one (acct may be NULL). */
int msadm_mail_dir(const struct msadm *ctx, const char *userid,
		   const struct account *acct, struct buf *out,
		   struct err *err);

/* Option parsing of subcommands, getopt style without global state. */
struct msadm_opts {
	int argc;
	char **argv;
	int ind;	 /* next argument; operands start here at the end */
	const char *arg; /* value of an option taking one */
	int pos;	 /* position inside clustered flags */
	char bad;	 /* the offending option after '?' */
};
void msadm_opts_init(struct msadm_opts *o, int argc, char **argv);
/* spec lists option letters, a ':' after a letter takes a value.
   Returns the letter, -1 at the first operand or after "--", or '?' for
   an unknown option or a missing value. */
int msadm_opts_next(struct msadm_opts *o, const char *spec);

/* Subcommands (cmd-*.c). */
int msadm_cmd_add(struct msadm *ctx, const struct msadm_cmd *cmd, int argc,
		  char **argv);
int msadm_cmd_del(struct msadm *ctx, const struct msadm_cmd *cmd, int argc,
		  char **argv);
int msadm_cmd_ren(struct msadm *ctx, const struct msadm_cmd *cmd, int argc,
		  char **argv);
int msadm_cmd_passwd(struct msadm *ctx, const struct msadm_cmd *cmd, int argc,
		     char **argv);
int msadm_cmd_list(struct msadm *ctx, const struct msadm_cmd *cmd, int argc,
		   char **argv);
int msadm_cmd_path(struct msadm *ctx, const struct msadm_cmd *cmd, int argc,
		   char **argv);
int msadm_cmd_quota(struct msadm *ctx, const struct msadm_cmd *cmd, int argc,
		    char **argv);
int msadm_cmd_service(struct msadm *ctx, const struct msadm_cmd *cmd, int argc,
		      char **argv);
int msadm_cmd_help(struct msadm *ctx, const struct msadm_cmd *cmd, int argc,
		   char **argv);
int msadm_cmd_du(struct msadm *ctx, const struct msadm_cmd *cmd, int argc,
		 char **argv);
int msadm_cmd_reconstruct(struct msadm *ctx, const struct msadm_cmd *cmd,
			  int argc, char **argv);
/* The subcommands of features still to come. */
int msadm_cmd_unavailable(struct msadm *ctx, const struct msadm_cmd *cmd,
			  int argc, char **argv);

/* Password options for this configuration (CRAM-MD5 only if enabled). */
void msadm_password_opts(const struct msadm *ctx, struct password_opts *o);
/* Overwrites a password argument in place (it may show in ps). */
void msadm_wipe_arg(char *arg);

#endif
