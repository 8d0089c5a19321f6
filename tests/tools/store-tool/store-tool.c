/* SPDX-License-Identifier: MIT */
/*
 * store-tool: a test helper that works on an account's mail through the
 * store API, as cofferd would (same ms.conf, same per-account mail root).
 *
 *   store-tool [-c file] append <user> [<mailbox>] [<file>...]
 *	Appends each file (or standard input) as one message, bytes as
 *	given, in one transaction; prints "<uidvalidity> <uid>" per
 *	message. The account's store and INBOX are created when missing.
 *   store-tool [-c file] status <user> [<mailbox>]
 *	Prints "messages=<n> uidvalidity=<v> uidnext=<u> size=<bytes>".
 *
 * <mailbox> defaults to INBOX; an argument containing '/' or naming an
 * existing file is taken as a file. Exit status 0, 1 on failure, 2 for
 * usage errors.
 */
#include "auth/account.h"
#include "auth/userdb.h"
#include "config/cli.h"
#include "store/store.h"
#include "lib/buf.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MESSAGE_MAX (64 * 1024 * 1024)

static const struct cli_spec spec = {
    .prog = "store-tool",
    .usage = "append <user> [<mailbox>] [<file>...] | "
	     "status <user> [<mailbox>]",
};

/* Opens the account's store, honouring a per-account mail root. */
static int
open_user(struct ms_config *cfg, struct store *store, const char *name,
	  struct store_user **user_r, struct err *err)
{
	char userid[ACCOUNT_USERID_MAX + 1];
	struct account *acct = NULL;
	struct userdb *db = NULL;
	int ret;

	if (account_canonicalize(cfg, name, NULL, userid, sizeof(userid), err) <
	    0)
		return -1;
	if (userdb_open(cfg, USERDB_OPEN_READ, &db, err) < 0)
		return -1;
	ret = userdb_lookup(db, userid, &acct, err);
	userdb_close(&db);
	if (ret < 0)
		return -1;
	ret = store_user_open(store, acct != NULL ? acct->userid : userid,
			      acct != NULL ? acct->userdir : NULL, true, user_r,
			      err);
	account_destroy(&acct);
	return ret;
}

/* Adds one message (a file, or standard input for NULL) to txn. */
static int
add_one(struct store_append *txn, const char *path, struct err *err)
{
	struct buf msg = BUF_INIT;
	int ret;

	ret = file_read_all(path != NULL ? path : "/dev/stdin", MESSAGE_MAX,
			    &msg, err);
	if (ret == 0 &&
	    (store_append_msg_begin(txn, time_now(), 0, NULL, 0, err) < 0 ||
	     store_append_msg_write(txn, msg.data, msg.len, err) < 0 ||
	     store_append_msg_finish(txn, err) < 0))
		ret = -1;
	buf_free(&msg);
	return ret;
}

/* Appends every file (or standard input) in one transaction. */
static int
append(struct store_user *user, const char *mailbox, char **files, int nfiles,
       struct err *err)
{
	struct store_uid_set uids = {0};
	struct store_append *txn;
	uint32_t uidvalidity;
	int ret = 0;

	if (store_append_begin(user, mailbox, &txn, err) < 0)
		return -1;
	if (nfiles == 0)
		ret = add_one(txn, NULL, err);
	for (int i = 0; i < nfiles && ret == 0; i++)
		ret = add_one(txn, files[i], err);
	if (ret < 0) {
		store_append_abort(&txn);
		return -1;
	}
	if (store_append_commit(&txn, &uidvalidity, &uids, err) < 0)
		return -1;
	for (size_t i = 0; i < uids.n; i++) {
		for (uint32_t uid = uids.r[i].lo; uid <= uids.r[i].hi; uid++)
			printf("%u %u\n", uidvalidity, uid);
	}
	store_uid_set_free(&uids);
	return 0;
}

static bool
is_file_arg(const char *arg)
{
	return strchr(arg, '/') != NULL || access(arg, F_OK) == 0;
}

static int
run(struct ms_config *cfg, int argc, char **argv, struct err *err)
{
	struct store_settings set;
	struct store_user *user = NULL;
	struct store *store = NULL;
	const char *mailbox = STORE_INBOX;
	int first = 2, ret = -1;

	if (argc >= 3 && !is_file_arg(argv[2])) {
		mailbox = argv[2];
		first = 3;
	}
	store_settings_init(&set);
	set.userdir = cfg->userdir;
	set.shared_root_dir = cfg->shared_root_dir;
	set.fsync = false; /* test data: no need to survive a power cut */
	if (store_create(&set, &store, err) < 0)
		return -1;
	if (open_user(cfg, store, argv[1], &user, err) < 0)
		goto out;
	if (strcmp(argv[0], "status") == 0) {
		struct store_status st;

		ret = store_mailbox_status(
		    user, mailbox,
		    STORE_STATUS_MESSAGES | STORE_STATUS_UIDVALIDITY |
			STORE_STATUS_UIDNEXT | STORE_STATUS_SIZE,
		    &st, err);
		if (ret == 0)
			printf("messages=%u uidvalidity=%u uidnext=%u "
			       "size=%llu\n",
			       st.messages, st.uidvalidity, st.uidnext,
			       (unsigned long long)st.size);
		goto out;
	}
	ret = append(user, mailbox, argv + first, argc - first, err);
out:
	store_user_close(&user);
	store_destroy(&store);
	return ret;
}

int
main(int argc, char **argv)
{
	struct log_settings ls = {.sink = LOG_SINK_STDERR,
				  .label = "store-tool",
				  .min_level = LOG_LEVEL_WARNING};
	struct cli_options opts;
	struct ms_config *cfg;
	struct err err;
	int idx, ret;

	idx = cli_parse(&spec, argc, argv, &opts);
	if (idx == CLI_DONE)
		return CLI_EXIT_OK;
	if (idx == CLI_ERROR)
		return CLI_EXIT_USAGE;
	argc -= idx;
	argv += idx;
	if (argc < 2 || (strcmp(argv[0], "append") != 0 &&
			 strcmp(argv[0], "status") != 0)) {
		cli_usage(&spec);
		return CLI_EXIT_USAGE;
	}
	if (cli_load_config(&spec, &opts, &cfg) != 0)
		return CLI_EXIT_USAGE;
	log_open(&ls);
	ret = run(cfg, argc, argv, &err);
	if (ret < 0)
		fprintf(stderr, "store-tool: %s\n", err.msg);
	config_unref(&cfg);
	return ret < 0 ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
