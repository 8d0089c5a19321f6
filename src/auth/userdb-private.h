/* SPDX-License-Identifier: MIT */
/* User database back-end interface (userdb.c dispatches to it). */
#ifndef COFFER_AUTH_USERDB_PRIVATE_H
#define COFFER_AUTH_USERDB_PRIVATE_H

#include "auth/userdb.h"
#include "lib/vec.h"

#include <pthread.h>
#include <regex.h>

typedef VEC(char *) userdb_names;

/* Every function has the contract of the userdb_*() function of the same
   name; names are canonical and validated by userdb.c. */
struct userdb_vfuncs {
	const char *name;
	void (*close)(struct userdb *db);
	int (*lookup)(struct userdb *db, const char *name,
		      struct account **acct_r, struct err *err);
	int (*add)(struct userdb *db, const struct account *acct,
		   bool overwrite, struct err *err);
	int (*update)(struct userdb *db, const char *userid,
		      userdb_update_fn *fn, void *ctx, struct err *err);
	int (*remove)(struct userdb *db, const char *userid, struct err *err);
	int (*rename)(struct userdb *db, const char *old_userid,
		      const char *new_userid, struct err *err);
	/* Appends the (heap-allocated) user ids matching the filters (NULL =
	   all) to names, in any order. */
	int (*list)(struct userdb *db, const regex_t *domain_re,
		    const regex_t *user_re, userdb_names *names,
		    struct err *err);
	const char *(*location)(const struct userdb *db);
};

/* Bounds the password hash computations running at once (userdb.c). */
struct userdb_hash_gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned running, max;
};

struct userdb {
	const struct userdb_vfuncs *v;
	struct ms_config *cfg;
	struct userdb_hash_gate gate; /* set up by userdb_open() */
};

/* Opens the local back-end (userdb-local.c). */
int userdb_local_open(struct ms_config *cfg, enum userdb_open_flags flags,
		      struct userdb **db_r, struct err *err);

#endif
