/* SPDX-License-Identifier: MIT */
/* The user database front end: argument checks, iteration and login
   checks on top of a back-end. */
#include "auth/userdb-private.h"
#include "auth/password.h"
#include "lib/macros.h"
#include "lib/mem.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct userdb_iter {
	struct userdb *db;
	userdb_names names;
	size_t pos;
};

/*
 * Password checks are CPU-bound, and a yescrypt check with libxcrypt's
 * default cost also allocates 16 MiB. Running more of them at once than
 * there are CPUs finishes none sooner, but a login storm on 16 worker
 * threads would hold 256 MiB; so at most one per online CPU runs, and the
 * others wait their turn.
 */
static void
gate_init(struct userdb_hash_gate *g)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	g->running = 0;
	g->max = ncpu > 0 ? (unsigned)MIN(ncpu, 256L) : 1;
}

static void
gate_enter(struct userdb_hash_gate *g)
{
	pthread_mutex_lock(&g->lock);
	while (g->running >= g->max)
		pthread_cond_wait(&g->cond, &g->lock);
	g->running++;
	pthread_mutex_unlock(&g->lock);
}

static void
gate_leave(struct userdb_hash_gate *g)
{
	pthread_mutex_lock(&g->lock);
	g->running--;
	pthread_cond_signal(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

int
userdb_open(struct ms_config *cfg, enum userdb_open_flags flags,
	    struct userdb **db_r, struct err *err)
{
	/* Only the local back-end exists so far; the LDAP back-end will be
	   chosen here from the <sasl> options. */
	if (userdb_local_open(cfg, flags, db_r, err) < 0)
		return -1;
	gate_init(&(*db_r)->gate);
	return 0;
}

void
userdb_close(struct userdb **dbp)
{
	struct userdb *db = *dbp;

	if (db == NULL)
		return;
	*dbp = NULL;
	pthread_cond_destroy(&db->gate.cond);
	pthread_mutex_destroy(&db->gate.lock);
	db->v->close(db);
}

void
userdb_verify_dummy(struct userdb *db, const char *password)
{
	gate_enter(&db->gate);
	password_verify_dummy(password);
	gate_leave(&db->gate);
}

static int
check_name(const char *name, struct err *err)
{
	if (!account_userid_valid(name))
		return err_set(err, ERR_PARAMS, "not a canonical user id: %.*s",
			       64, name);
	return 0;
}

int
userdb_lookup(struct userdb *db, const char *name, struct account **acct_r,
	      struct err *err)
{
	*acct_r = NULL;
	if (check_name(name, err) < 0)
		return -1;
	return db->v->lookup(db, name, acct_r, err);
}

int
userdb_add(struct userdb *db, const struct account *acct, bool overwrite,
	   struct err *err)
{
	if (check_name(acct->userid, err) < 0)
		return -1;
	return db->v->add(db, acct, overwrite, err);
}

int
userdb_update(struct userdb *db, const char *userid, userdb_update_fn *fn,
	      void *ctx, struct err *err)
{
	if (check_name(userid, err) < 0)
		return -1;
	return db->v->update(db, userid, fn, ctx, err);
}

int
userdb_delete(struct userdb *db, const char *userid, struct err *err)
{
	if (check_name(userid, err) < 0)
		return -1;
	return db->v->remove(db, userid, err);
}

int
userdb_rename(struct userdb *db, const char *old_userid, const char *new_userid,
	      struct err *err)
{
	if (check_name(old_userid, err) < 0 || check_name(new_userid, err) < 0)
		return -1;
	if (strcmp(old_userid, new_userid) == 0)
		return err_set(err, ERR_PARAMS,
			       "old and new user id are the "
			       "same");
	return db->v->rename(db, old_userid, new_userid, err);
}

static int
compile(const char *re, regex_t *out, const char *what, struct err *err)
{
	char msg[128];
	int rc;

	rc = regcomp(out, re, REG_EXTENDED | REG_ICASE | REG_NOSUB);
	if (rc != 0) {
		regerror(rc, out, msg, sizeof(msg));
		regfree(out);
		return err_set(err, ERR_PARAMS, "invalid %s expression: %s",
			       what, msg);
	}
	return 0;
}

/* Orders user ids by domain, then local part. */
static int
cmp_names(const void *a, const void *b)
{
	const char *na = *(char *const *)a, *nb = *(char *const *)b;
	const char *da = strrchr(na, '@'), *db = strrchr(nb, '@');
	size_t la = (size_t)(da - na), lb = (size_t)(db - nb);
	int ret = strcmp(da, db);

	if (ret == 0)
		ret = memcmp(na, nb, MIN(la, lb));
	if (ret == 0)
		ret = la < lb ? -1 : la > lb;
	return ret;
}

struct userdb_iter *
userdb_iter_init(struct userdb *db, const char *domain_re, const char *user_re,
		 struct err *err)
{
	struct userdb_iter *iter;
	regex_t dre, ure;
	int ret;

	if (domain_re != NULL && compile(domain_re, &dre, "domain", err) < 0)
		return NULL;
	if (user_re != NULL && compile(user_re, &ure, "user", err) < 0) {
		if (domain_re != NULL)
			regfree(&dre);
		return NULL;
	}
	iter = xcalloc(1, sizeof(*iter));
	iter->db = db;
	ret = db->v->list(db, domain_re != NULL ? &dre : NULL,
			  user_re != NULL ? &ure : NULL, &iter->names, err);
	if (domain_re != NULL)
		regfree(&dre);
	if (user_re != NULL)
		regfree(&ure);
	if (ret < 0) {
		userdb_iter_deinit(&iter);
		return NULL;
	}
	if (iter->names.n > 1)
		qsort(iter->names.v, iter->names.n, sizeof(iter->names.v[0]),
		      cmp_names);
	return iter;
}

int
userdb_iter_next(struct userdb_iter *iter, struct account **acct_r,
		 struct err *err)
{
	*acct_r = NULL;
	while (iter->pos < iter->names.n) {
		const char *name = iter->names.v[iter->pos++];
		int ret = iter->db->v->lookup(iter->db, name, acct_r, err);

		if (ret < 0) {
			err_prefix(err, "%s", name);
			return -1;
		}
		/* an alias, or deleted since the listing: skip it */
		if (ret > 0 && strcmp((*acct_r)->userid, name) == 0)
			return 1;
		account_destroy(acct_r);
	}
	return 0;
}

void
userdb_iter_deinit(struct userdb_iter **iterp)
{
	struct userdb_iter *iter = *iterp;

	if (iter == NULL)
		return;
	*iterp = NULL;
	for (size_t i = 0; i < iter->names.n; i++)
		free(iter->names.v[i]);
	vec_free(&iter->names);
	free(iter);
}

int
userdb_authenticate(struct userdb *db, const char *name, const char *password,
		    struct account **acct_r, struct err *err)
{
	struct account *acct = NULL;
	bool ok;
	int ret;

	if (acct_r != NULL)
		*acct_r = NULL;
	ret = userdb_lookup(db, name, &acct, err);
	if (ret < 0) {
		/* still spend the time a verification takes */
		userdb_verify_dummy(db, password);
		return -1;
	}
	gate_enter(&db->gate);
	ok = password_check(acct, password);
	gate_leave(&db->gate);
	if (!ok) {
		if (acct == NULL)
			err_set(err, ERR_NOTFOUND, "unknown user");
		else if (acct->password == NULL)
			err_set(err, ERR_PERM, "account has no password");
		else
			err_set(err, ERR_PARAMS, "wrong password");
		account_destroy(&acct);
		return 0;
	}
	if (acct->status != ACCOUNT_ENABLED) {
		err_set(err, ERR_PERM, "account is %s",
			account_status_name(acct->status));
		account_destroy(&acct);
		return 0;
	}
	if (acct_r != NULL)
		*acct_r = acct;
	else
		account_destroy(&acct);
	return 1;
}

const char *
userdb_location(const struct userdb *db)
{
	return db->v->location(db);
}
