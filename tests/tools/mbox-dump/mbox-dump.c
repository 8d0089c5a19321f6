/* SPDX-License-Identifier: MIT */
/*
 * mbox-dump: a test tool that reads mail through the store API.
 *
 *   mbox-dump -c ms.conf [-s] OWNER
 *       one line per mailbox: "<name>\t<messages>"
 *   mbox-dump -c ms.conf [-s] OWNER MAILBOX [OUTDIR]
 *       one line per message: "<uid> <size> <flags>"; with OUTDIR, each
 *       message is also written to OUTDIR/<uid>.eml
 *
 * OWNER is a canonical user id, or with -s the name of a shared root of
 * ms.conf. The store is only read (views are opened read-only). Exit
 * status: 0, 1 for errors (no such account or mailbox), 2 for usage.
 */
#include "auth/userdb.h"
#include "config/config.h"
#include "lib/fsutil.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct dump {
	struct ms_config *cfg;
	struct store *store;
	struct store_user *user;
};

static int
usage(void)
{
	fprintf(stderr, "usage: mbox-dump -c ms.conf [-s] OWNER "
			"[MAILBOX [OUTDIR]]\n");
	return 2;
}

static int
fail(const char *what, const struct err *err)
{
	fprintf(stderr, "mbox-dump: %s: %s\n", what, err->msg);
	return 1;
}

static int
list_cb(void *ctx, const struct store_mailbox_info *info)
{
	struct dump *d = ctx;
	struct store_status st = {0};
	struct err err;

	if (!info->noselect &&
	    store_mailbox_status(d->user, info->name, STORE_STATUS_MESSAGES,
				 &st, &err) < 0) {
		fail(info->name, &err);
		return -1;
	}
	printf("%s\t%u\n", info->name, st.messages);
	return 0;
}

static int
copy_message(struct store_mailbox *box, uint32_t seq, uint32_t uid,
	     const char *outdir)
{
	char path[4096], buf[65536];
	struct err err;
	int in, out;
	ssize_t n;

	if (store_msg_open(box, seq, &in, &err) < 0)
		return fail("message", &err);
	snprintf(path, sizeof(path), "%s/%" PRIu32 ".eml", outdir, uid);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		perror(path);
		close(in);
		return 1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write_full(out, buf, (size_t)n) < 0) {
			n = -1;
			break;
		}
	}
	close(in);
	if (close(out) < 0 || n < 0) {
		perror(path);
		return 1;
	}
	return 0;
}

static int
dump_mailbox(struct dump *d, const char *name, const char *outdir)
{
	struct store_mailbox *box;
	struct err err;
	int ret = 0;

	if (store_mailbox_open(d->user, name, STORE_OPEN_READONLY, &box, &err) <
	    0)
		return fail(name, &err);
	for (uint32_t seq = 1; seq <= store_mailbox_count(box) && ret == 0;
	     seq++) {
		struct store_msg_info info;

		if (store_msg_info(box, seq, &info) < 0)
			continue;
		printf("%" PRIu32 " %" PRIu64 " %" PRIu32 "\n", info.uid,
		       info.size, info.flags);
		if (outdir != NULL)
			ret = copy_message(box, seq, info.uid, outdir);
	}
	store_mailbox_close(&box);
	return ret;
}

/* The account's own mail root (per-user userdir) when it has one. */
static int
open_user(struct dump *d, const char *owner, struct err *err)
{
	struct account *acct = NULL;
	struct userdb *db;
	int ret;

	if (userdb_open(d->cfg, USERDB_OPEN_READ, &db, err) < 0)
		return -1;
	ret = userdb_lookup(db, owner, &acct, err);
	userdb_close(&db);
	if (ret < 0)
		return -1;
	ret = store_user_open(d->store, owner,
			      acct != NULL ? acct->userdir : NULL, false,
			      &d->user, err);
	account_destroy(&acct);
	return ret;
}

static int
open_shared(struct dump *d, const char *name, struct err *err)
{
	for (size_t i = 0; i < d->cfg->shared_root_count; i++) {
		const struct config_shared_root *r = &d->cfg->shared_roots[i];

		if (strcmp(r->name, name) == 0)
			return store_shared_open(d->store, r->name, r->path,
						 false, &d->user, err);
	}
	return err_set(err, ERR_NOTFOUND, "no shared root %s", name);
}

int
main(int argc, char **argv)
{
	const char *conf = NULL;
	struct store_settings set;
	struct dump d = {0};
	bool shared = false;
	struct err err;
	int opt, ret;

	while ((opt = getopt(argc, argv, "c:s")) != -1) {
		if (opt == 'c')
			conf = optarg;
		else if (opt == 's')
			shared = true;
		else
			return usage();
	}
	if (conf == NULL || argc - optind < 1 || argc - optind > 3)
		return usage();
	if (config_load(conf, false, &d.cfg, &err) < 0)
		return fail(conf, &err);
	store_settings_init(&set);
	set.userdir = d.cfg->userdir;
	set.shared_root_dir = d.cfg->shared_root_dir;
	if (store_create(&set, &d.store, &err) < 0)
		return fail("store", &err);
	ret = shared ? open_shared(&d, argv[optind], &err)
		     : open_user(&d, argv[optind], &err);
	if (ret < 0) {
		ret = fail(argv[optind], &err);
	} else if (argc - optind == 1) {
		ret = store_mailbox_list(d.user, list_cb, &d, &err) < 0 ? 1 : 0;
	} else {
		ret =
		    dump_mailbox(&d, argv[optind + 1],
				 argc - optind == 3 ? argv[optind + 2] : NULL);
	}
	if (d.user != NULL)
		store_user_close(&d.user);
	store_destroy(&d.store);
	config_unref(&d.cfg);
	return ret;
}
