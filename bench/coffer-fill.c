/* SPDX-License-Identifier: MIT */
/*
 * coffer-fill: fills INBOXes of a Coffer data directory with corpus
 * messages for the benchmarks, through the store API (the same files,
 * index and MIME summary cache cofferd writes), without fsync:
 *
 *   coffer-fill [-c ms.conf] corpus-dir count userid...
 *
 * Each user gets count messages, message i being the set's message i
 * modulo its size, in transactions of BATCH messages. With count 0 the
 * users' stores and INBOXes are only created (corpus-dir may be "-").
 * Run it as ms_user, before the server starts (or while it runs: the
 * store needs no locks). It is set-up, never measured.
 */
#include "config/cli.h"
#include "lib/strnum.h"
#include "loadgen/corpus.h"
#include "mime/mime-summary.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#define FILL_MAX 10000000u
#define BATCH 1000u
/* A fixed INTERNALDATE: the same bytes on every run. */
#define FILL_DATE 1750000000

static const struct cli_spec spec = {
    .prog = "coffer-fill",
    .usage = "corpus-dir count userid...",
    .help = NULL,
};

static int
fill_user(struct store *store, const char *userid, const struct corpus_set *set,
	  uint32_t count, struct err *err)
{
	struct store_user *user;
	uint32_t done = 0;

	/* creates the account's store and INBOX when missing */
	if (store_user_open(store, userid, NULL, true, &user, err) < 0)
		return -1;
	while (done < count) {
		struct store_append *txn;

		if (store_append_begin(user, STORE_INBOX, &txn, err) < 0)
			goto fail;
		for (uint32_t i = 0; i < BATCH && done < count; i++, done++) {
			const struct corpus_msg *m =
			    &set->msgs.v[done % set->msgs.n];

			if (store_append_msg_begin(txn, FILL_DATE, 0, NULL, 0,
						   err) < 0 ||
			    store_append_msg_write(txn, m->data, m->len, err) <
				0 ||
			    store_append_msg_finish(txn, err) < 0) {
				store_append_abort(&txn);
				goto fail;
			}
		}
		if (store_append_commit(&txn, NULL, NULL, err) < 0)
			goto fail;
	}
	store_user_close(&user);
	return 0;
fail:
	store_user_close(&user);
	return -1;
}

static int
run(const struct ms_config *cfg, const struct corpus_set *set, uint32_t count,
    char **users, int nusers)
{
	struct store_settings set_store;
	struct store *store;
	struct err err;

	store_settings_init(&set_store);
	set_store.userdir = cfg->userdir;
	set_store.fsync = false; /* set-up: the page cache is enough */
	/* as cofferd does (daemon-env.c), so that the servers find what
	   they find after their own deliveries */
	set_store.cache_builder = mime_summary_build;
	if (store_create(&set_store, &store, &err) < 0) {
		fprintf(stderr, "coffer-fill: %s\n", err.msg);
		return CLI_EXIT_FAIL;
	}
	for (int i = 0; i < nusers; i++) {
		if (fill_user(store, users[i], set, count, &err) < 0) {
			fprintf(stderr, "coffer-fill: %s: %s\n", users[i],
				err.msg);
			store_destroy(&store);
			return CLI_EXIT_FAIL;
		}
	}
	store_destroy(&store);
	return CLI_EXIT_OK;
}

int
main(int argc, char **argv)
{
	struct cli_options opts;
	struct ms_config *cfg;
	struct corpus corpus;
	uint32_t count;
	struct err err;
	int first, ret;

	first = cli_parse(&spec, argc, argv, &opts);
	if (first < 0)
		return first == CLI_DONE ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	if (argc - first < 3 || str_to_u32(argv[first + 1], &count) < 0 ||
	    count > FILL_MAX) {
		cli_usage(&spec);
		return CLI_EXIT_USAGE;
	}
	if ((ret = cli_load_config(&spec, &opts, &cfg)) != 0)
		return ret;
	corpus_init(&corpus);
	if (count > 0 && corpus_load(&corpus, argv[first], &err) < 0) {
		fprintf(stderr, "coffer-fill: %s: %s\n", argv[first], err.msg);
		ret = CLI_EXIT_FAIL;
	} else {
		ret = run(cfg, count > 0 ? &corpus.sets[0] : NULL, count,
			  argv + first + 2, argc - first - 2);
	}
	corpus_deinit(&corpus);
	config_unref(&cfg);
	return ret;
}
