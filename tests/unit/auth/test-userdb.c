/* SPDX-License-Identifier: MIT */
/* Unit tests for the local user database: operations, damaged files,
   concurrent writers in several processes and writers killed mid-write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "auth/account.h"
#include "auth/password.h"
#include "auth/userdb.h"
#include "lib/fsutil.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct fixture {
	char dir[64];
	struct ms_config *cfg;
	struct userdb *db;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char text[256];
	struct err err;

	snprintf(f->dir, sizeof(f->dir), "/tmp/coffer-userdb-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(text, sizeof(text),
		 "<ms_options><data_dir>%s</data_dir>"
		 "<domain>x.org</domain></ms_options>",
		 f->dir);
	if (config_load_data("ms.conf", text, strlen(text), &f->cfg, &err) <
		0 ||
	    userdb_open(f->cfg, USERDB_OPEN_CREATE, &f->db, &err) < 0) {
		print_error("%s\n", err.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	struct err err;

	userdb_close(&f->db);
	config_unref(&f->cfg);
	rm_rf(f->dir, &err);
	free(f);
	return 0;
}

static struct account *
make(const char *userid, const char *alias)
{
	struct account *a = account_create(userid);
	struct err err;

	if (alias != NULL)
		assert_int_equal(account_add_alias(a, alias, &err), 0);
	return a;
}

static int
add(struct fixture *f, const char *userid, const char *alias, bool overwrite,
    struct err *err)
{
	struct account *a = make(userid, alias);
	int ret = userdb_add(f->db, a, overwrite, err);

	account_destroy(&a);
	return ret;
}

/* lookup: returns the user id found (static buffer), or NULL. */
static const char *
who(struct fixture *f, const char *name)
{
	static char found[ACCOUNT_USERID_MAX + 1];
	struct account *a;
	struct err err;
	int ret = userdb_lookup(f->db, name, &a, &err);

	if (ret < 0)
		fail_msg("lookup %s: %s", name, err.msg);
	if (ret == 0)
		return NULL;
	snprintf(found, sizeof(found), "%s", a->userid);
	account_destroy(&a);
	return found;
}

static void
path_of(struct fixture *f, const char *tree, const char *name, char *out,
	size_t size)
{
	const char *at = strchr(name, '@');

	snprintf(out, size, "%s/accounts/%s/%s/%.*s", f->dir, tree, at + 1,
		 (int)(at - name), name);
}

/* The owner named by a claim file ("" if none). */
static const char *
claim_owner(struct fixture *f, const char *name)
{
	static char owner[ACCOUNT_USERID_MAX + 2];
	char path[512];
	FILE *fp;

	path_of(f, "names", name, path, sizeof(path));
	owner[0] = '\0';
	fp = fopen(path, "r");
	if (fp == NULL)
		return owner;
	if (fgets(owner, sizeof(owner), fp) == NULL)
		owner[0] = '\0';
	fclose(fp);
	owner[strcspn(owner, "\n")] = '\0';
	return owner;
}

static void
test_add_lookup(void **state)
{
	struct fixture *f = *state;
	struct account *a;
	struct err err;

	assert_null(who(f, "alice@x.org"));
	assert_int_equal(add(f, "alice@x.org", "a.smith@x.org", false, &err),
			 0);
	assert_string_equal(who(f, "alice@x.org"), "alice@x.org");
	assert_string_equal(who(f, "a.smith@x.org"), "alice@x.org");
	assert_string_equal(claim_owner(f, "alice@x.org"), "alice@x.org");
	assert_string_equal(claim_owner(f, "a.smith@x.org"), "alice@x.org");
	assert_null(who(f, "nobody@x.org"));
	/* exists */
	assert_int_equal(add(f, "alice@x.org", NULL, false, &err), -1);
	assert_int_equal(err.code, ERR_EXISTS);
	/* an alias of another account, as alias or as user id */
	assert_int_equal(add(f, "bob@x.org", "a.smith@x.org", false, &err), -1);
	assert_int_equal(err.code, ERR_EXISTS);
	assert_null(who(f, "bob@x.org"));
	assert_string_equal(claim_owner(f, "bob@x.org"), "");
	assert_int_equal(add(f, "a.smith@x.org", NULL, false, &err), -1);
	assert_int_equal(err.code, ERR_EXISTS);
	assert_int_equal(add(f, "bob@x.org", "alice@x.org", false, &err), -1);
	assert_int_equal(err.code, ERR_EXISTS);
	/* overwrite replaces the record and moves alias claims */
	assert_int_equal(add(f, "alice@x.org", "alice2@x.org", true, &err), 0);
	assert_null(who(f, "a.smith@x.org"));
	assert_string_equal(claim_owner(f, "a.smith@x.org"), "");
	assert_string_equal(who(f, "alice2@x.org"), "alice@x.org");
	assert_int_equal(add(f, "bob@x.org", "a.smith@x.org", false, &err), 0);
	assert_int_equal(userdb_lookup(f->db, "Alice@x.org", &a, &err), -1);
	assert_int_equal(err.code, ERR_PARAMS);
}

static void
test_authenticate(void **state)
{
	struct fixture *f = *state;
	struct password_opts opts = {0};
	struct account *a = make("carol@x.org", "c@x.org"), *got;
	const char *warning;
	struct err err;

	assert_int_equal(password_set(a, "pw1", &opts, &warning, &err), 0);
	assert_int_equal(userdb_add(f->db, a, false, &err), 0);
	assert_int_equal(
	    userdb_authenticate(f->db, "carol@x.org", "pw1", &got, &err), 1);
	assert_string_equal(got->userid, "carol@x.org");
	account_destroy(&got);
	assert_int_equal(
	    userdb_authenticate(f->db, "c@x.org", "pw1", NULL, &err), 1);
	assert_int_equal(
	    userdb_authenticate(f->db, "carol@x.org", "pw2", &got, &err), 0);
	assert_null(got);
	assert_int_equal(err.code, ERR_PARAMS);
	assert_int_equal(
	    userdb_authenticate(f->db, "dave@x.org", "pw1", NULL, &err), 0);
	assert_int_equal(err.code, ERR_NOTFOUND);
	a->status = ACCOUNT_DISABLED;
	assert_int_equal(userdb_add(f->db, a, true, &err), 0);
	assert_int_equal(
	    userdb_authenticate(f->db, "carol@x.org", "pw1", NULL, &err), 0);
	assert_int_equal(err.code, ERR_PERM);
	account_destroy(&a);
}

static int
add_alias_fn(struct account *a, void *ctx, struct err *err)
{
	return account_add_alias(a, ctx, err);
}

static int
drop_alias_fn(struct account *a, void *ctx, struct err *err)
{
	account_remove_alias(a, ctx);
	(void)err;
	return 0;
}

/* userdb_update() with a copy of a string argument. */
static int
update(struct fixture *f, const char *userid, userdb_update_fn *fn,
       const char *arg, struct err *err)
{
	char copy[128];

	snprintf(copy, sizeof(copy), "%s", arg != NULL ? arg : "");
	return userdb_update(f->db, userid, fn, copy, err);
}

static int
fail_fn(struct account *a, void *ctx, struct err *err)
{
	a->status = ACCOUNT_DISABLED;
	(void)ctx;
	return err_set(err, ERR_PARAMS, "no thanks");
}

static int
rename_fn(struct account *a, void *ctx, struct err *err)
{
	a->userid = "other@x.org";
	(void)ctx;
	(void)err;
	return 0;
}

static void
test_update(void **state)
{
	struct fixture *f = *state;
	struct account *a;
	struct err err;

	assert_int_equal(add(f, "dan@x.org", NULL, false, &err), 0);
	assert_int_equal(add(f, "eve@x.org", "e@x.org", false, &err), 0);
	assert_int_equal(update(f, "dan@x.org", add_alias_fn, "d@x.org", &err),
			 0);
	assert_string_equal(who(f, "d@x.org"), "dan@x.org");
	/* an alias someone else owns aborts the whole update */
	assert_int_equal(update(f, "dan@x.org", add_alias_fn, "e@x.org", &err),
			 -1);
	assert_int_equal(err.code, ERR_EXISTS);
	assert_string_equal(who(f, "e@x.org"), "eve@x.org");
	assert_int_equal(update(f, "dan@x.org", drop_alias_fn, "d@x.org", &err),
			 0);
	assert_null(who(f, "d@x.org"));
	assert_string_equal(claim_owner(f, "d@x.org"), "");
	assert_int_equal(update(f, "eve@x.org", add_alias_fn, "d@x.org", &err),
			 0);
	assert_int_equal(userdb_update(f->db, "dan@x.org", fail_fn, NULL, &err),
			 -1);
	assert_string_equal(err.msg, "no thanks");
	assert_int_equal(userdb_lookup(f->db, "dan@x.org", &a, &err), 1);
	assert_int_equal(a->status, ACCOUNT_ENABLED);
	account_destroy(&a);
	assert_int_equal(
	    userdb_update(f->db, "dan@x.org", rename_fn, NULL, &err), -1);
	assert_int_equal(err.code, ERR_PARAMS);
	assert_int_equal(userdb_update(f->db, "zed@x.org", fail_fn, NULL, &err),
			 -1);
	assert_int_equal(err.code, ERR_NOTFOUND);
}

static void
test_delete_rename(void **state)
{
	struct fixture *f = *state;
	struct account *a = make("fay@x.org", "f1@x.org");
	char path[512];
	struct err err;

	account_add_alias(a, "f2@x.org", &err);
	account_add_prop(a, "mail", "fay@x.org", &err);
	assert_int_equal(userdb_add(f->db, a, false, &err), 0);
	account_destroy(&a);
	assert_int_equal(userdb_rename(f->db, "fay@x.org", "faye@y.org", &err),
			 0);
	assert_null(who(f, "fay@x.org"));
	assert_string_equal(who(f, "faye@y.org"), "faye@y.org");
	assert_string_equal(who(f, "f1@x.org"), "faye@y.org");
	assert_string_equal(claim_owner(f, "f2@x.org"), "faye@y.org");
	assert_string_equal(claim_owner(f, "fay@x.org"), "");
	assert_int_equal(userdb_lookup(f->db, "faye@y.org", &a, &err), 1);
	assert_string_equal(a->props.v[0].value, "faye@y.org");
	account_destroy(&a);
	/* to one of its own aliases */
	assert_int_equal(userdb_rename(f->db, "faye@y.org", "f1@x.org", &err),
			 0);
	assert_string_equal(who(f, "f2@x.org"), "f1@x.org");
	assert_int_equal(userdb_lookup(f->db, "f1@x.org", &a, &err), 1);
	assert_int_equal(a->aliases.n, 1);
	account_destroy(&a);
	assert_int_equal(add(f, "gus@x.org", NULL, false, &err), 0);
	assert_int_equal(userdb_rename(f->db, "f1@x.org", "gus@x.org", &err),
			 -1);
	assert_int_equal(err.code, ERR_EXISTS);
	assert_int_equal(userdb_rename(f->db, "nope@x.org", "new@x.org", &err),
			 -1);
	assert_int_equal(err.code, ERR_NOTFOUND);
	assert_int_equal(userdb_rename(f->db, "gus@x.org", "f2@x.org", &err),
			 -1);
	assert_int_equal(err.code, ERR_EXISTS);
	assert_int_equal(userdb_rename(f->db, "gus@x.org", "gus@x.org", &err),
			 -1);
	/* delete releases every name and leaves no lock file */
	assert_int_equal(userdb_delete(f->db, "f1@x.org", &err), 0);
	assert_null(who(f, "f1@x.org"));
	assert_null(who(f, "f2@x.org"));
	assert_string_equal(claim_owner(f, "f2@x.org"), "");
	snprintf(path, sizeof(path), "%s/accounts/users/x.org/.f1.lock",
		 f->dir);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(userdb_delete(f->db, "f1@x.org", &err), -1);
	assert_int_equal(err.code, ERR_NOTFOUND);
	assert_int_equal(add(f, "hal@x.org", "f2@x.org", false, &err), 0);
}

static void
write_text(const char *path, const char *text)
{
	struct err err;

	if (file_write_atomic(path, text, strlen(text), 0600, false, &err) < 0)
		fail_msg("%s", err.msg);
}

static void
test_list_and_corrupt(void **state)
{
	struct fixture *f = *state;
	static const char *const users[] = {
	    "zoe@b.net", "amy@a.com", "bea@b.net", "cat@a.com", "bad@a.com",
	};
	struct userdb_iter *it;
	struct account *a;
	struct err err;
	char path[512], names[512] = "";
	int ret, errors = 0;

	for (size_t i = 0; i < N_ELEMENTS(users); i++)
		assert_int_equal(add(f, users[i], NULL, false, &err), 0);
	path_of(f, "users", "bad@a.com", path, sizeof(path));
	write_text(path, "coffer-account 1\nuserid: bad@a.com\nstat");
	/* stray temporary files of killed writers are invisible */
	snprintf(path, sizeof(path), "%s/accounts/users/a.com/.tmp.123",
		 f->dir);
	write_text(path, "garbage");
	it = userdb_iter_init(f->db, NULL, NULL, &err);
	assert_non_null(it);
	while ((ret = userdb_iter_next(it, &a, &err)) != 0) {
		if (ret < 0) {
			assert_string_equal(err.msg,
					    "bad@a.com: account bad@a.com: "
					    "line 3: incomplete last line");
			errors++;
			continue;
		}
		strcat(names, a->userid);
		strcat(names, " ");
		account_destroy(&a);
	}
	userdb_iter_deinit(&it);
	assert_int_equal(errors, 1);
	assert_string_equal(names, "amy@a.com cat@a.com bea@b.net zoe@b.net ");

	names[0] = '\0';
	it = userdb_iter_init(f->db, "^b\\.", "^[a-b]|^Z", &err);
	while ((ret = userdb_iter_next(it, &a, &err)) > 0) {
		strcat(names, a->userid);
		strcat(names, " ");
		account_destroy(&a);
	}
	userdb_iter_deinit(&it);
	assert_string_equal(names, "bea@b.net zoe@b.net ");
	assert_null(userdb_iter_init(f->db, "(", NULL, &err));
	assert_int_equal(err.code, ERR_PARAMS);

	/* a damaged record is an error, never a crash, and can be deleted */
	assert_int_equal(userdb_lookup(f->db, "bad@a.com", &a, &err), -1);
	assert_int_equal(err.code, ERR_CORRUPT);
	assert_int_equal(userdb_delete(f->db, "bad@a.com", &err), 0);
	assert_null(who(f, "bad@a.com"));
	/* a record copied to another name */
	path_of(f, "users", "amy@a.com", path, sizeof(path));
	write_text(path, "coffer-account 1\nuserid: cat@a.com\n"
			 "status: enabled\n");
	assert_int_equal(userdb_lookup(f->db, "amy@a.com", &a, &err), -1);
	assert_string_equal(err.msg,
			    "account amy@a.com: the record is for cat@a.com");
	/* a damaged claim */
	path_of(f, "names", "alias@a.com", path, sizeof(path));
	write_text(path, "not an owner");
	assert_int_equal(userdb_lookup(f->db, "alias@a.com", &a, &err), -1);
	assert_string_equal(err.msg, "name claim of alias@a.com is damaged");
}

static void
test_leftovers(void **state)
{
	struct fixture *f = *state;
	char path[512];
	struct err err;

	/* claims left by writers that died before writing the record */
	snprintf(path, sizeof(path), "%s/accounts/names/x.org", f->dir);
	assert_int_equal(mkdir_parents(path, 0700), 0);
	path_of(f, "names", "ghost@x.org", path, sizeof(path));
	write_text(path, "ghost@x.org\n");
	path_of(f, "names", "spooky@x.org", path, sizeof(path));
	write_text(path, "ghost@x.org\n");
	path_of(f, "names", "boo@x.org", path, sizeof(path));
	write_text(path, "ivy@x.org\n");
	assert_null(who(f, "ghost@x.org"));
	assert_null(who(f, "spooky@x.org"));
	assert_int_equal(add(f, "ivy@x.org", "spooky@x.org", false, &err), 0);
	assert_string_equal(claim_owner(f, "spooky@x.org"), "ivy@x.org");
	assert_null(who(f, "boo@x.org"));
	assert_int_equal(add(f, "ghost@x.org", NULL, false, &err), 0);
	assert_int_equal(add(f, "jim@x.org", "boo@x.org", false, &err), 0);
	assert_string_equal(who(f, "boo@x.org"), "jim@x.org");
	/* an unsupported database format is refused */
	snprintf(path, sizeof(path), "%s/accounts/VERSION", f->dir);
	write_text(path, "coffer-accounts 99\n");
	userdb_close(&f->db);
	assert_int_equal(userdb_open(f->cfg, USERDB_OPEN_READ, &f->db, &err),
			 -1);
	assert_int_equal(err.code, ERR_CORRUPT);
	write_text(path, "coffer-accounts 1\n");
	assert_int_equal(userdb_open(f->cfg, USERDB_OPEN_READ, &f->db, &err),
			 0);
}

/* Forks n children that wait for the parent, run fn(f, i) and exit with
   its result; returns how many exited with each status 0..3. */
static void
run_children(struct fixture *f, int n, int (*fn)(struct fixture *, int),
	     int counts[4])
{
	int go[2];
	pid_t pids[32];

	assert_true(n <= 32);
	assert_int_equal(pipe(go), 0);
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			char c;

			close(go[1]);
			/* start together: read returns at EOF */
			(void)!read(go[0], &c, 1);
			_exit(fn(f, i));
		}
	}
	close(go[0]);
	close(go[1]);
	memset(counts, 0, 4 * sizeof(int));
	for (int i = 0; i < n; i++) {
		int status;

		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_true(WEXITSTATUS(status) < 4);
		counts[WEXITSTATUS(status)]++;
	}
}

static int
status_of(int ret, const struct err *err)
{
	if (ret == 0)
		return 0;
	return err->code == ERR_EXISTS ? 1 : 2;
}

static int
child_same_userid(struct fixture *f, int i)
{
	struct err err;
	char alias[64];

	snprintf(alias, sizeof(alias), "same%d@x.org", i);
	return status_of(add(f, "same@x.org", alias, false, &err), &err);
}

static int
child_same_alias(struct fixture *f, int i)
{
	struct err err;
	char userid[64];

	snprintf(userid, sizeof(userid), "owner%d@x.org", i);
	return status_of(add(f, userid, "contested@x.org", false, &err), &err);
}

/* Every record reads back, and its names are claimed by it alone. */
static void
check_invariants(struct fixture *f)
{
	struct userdb_iter *it;
	struct account *a;
	struct err err;
	char seen[8192] = " ";
	int ret;

	it = userdb_iter_init(f->db, NULL, NULL, &err);
	assert_non_null(it);
	while ((ret = userdb_iter_next(it, &a, &err)) != 0) {
		char token[ACCOUNT_USERID_MAX + 3];

		if (ret < 0)
			fail_msg("unreadable record: %s", err.msg);
		assert_string_equal(claim_owner(f, a->userid), a->userid);
		for (size_t i = 0; i <= a->aliases.n; i++) {
			const char *name =
			    i < a->aliases.n ? a->aliases.v[i] : a->userid;

			assert_string_equal(claim_owner(f, name), a->userid);
			assert_string_equal(who(f, name), a->userid);
			/* no name is listed by two accounts */
			snprintf(token, sizeof(token), " %s ", name);
			assert_null(strstr(seen, token));
			strcat(seen, token + 1);
		}
		account_destroy(&a);
	}
	userdb_iter_deinit(&it);
}

static void
test_concurrent_adds(void **state)
{
	struct fixture *f = *state;
	int counts[4];

	for (int round = 0; round < 3; round++) {
		struct err err;

		run_children(f, 8, child_same_userid, counts);
		assert_int_equal(counts[0], 1);
		assert_int_equal(counts[1], 7);
		run_children(f, 8, child_same_alias, counts);
		assert_int_equal(counts[0], 1);
		assert_int_equal(counts[1], 7);
		check_invariants(f);
		assert_int_equal(userdb_delete(f->db, "same@x.org", &err), 0);
		assert_non_null(who(f, "contested@x.org"));
		assert_int_equal(
		    userdb_delete(f->db, who(f, "contested@x.org"), &err), 0);
	}
}

/* Random operations on a small set of names from several processes. */
static int
child_mixed(struct fixture *f, int i)
{
	unsigned seed = (unsigned)(i * 7919 + 17);
	char u1[32], u2[32], al[32];
	struct err err;

	for (int op = 0; op < 150; op++) {
		snprintf(u1, sizeof(u1), "m%d@x.org", rand_r(&seed) % 6);
		snprintf(u2, sizeof(u2), "m%d@x.org", rand_r(&seed) % 6);
		snprintf(al, sizeof(al), "al%d@x.org", rand_r(&seed) % 6);
		err_clear(&err);
		switch (rand_r(&seed) % 6) {
		case 0:
			(void)add(f, u1, al, false, &err);
			break;
		case 1:
			(void)add(f, u1, al, true, &err);
			break;
		case 2:
			(void)update(f, u1, add_alias_fn, al, &err);
			break;
		case 3:
			(void)update(f, u1, drop_alias_fn, al, &err);
			break;
		case 4:
			(void)userdb_delete(f->db, u1, &err);
			break;
		default:
			(void)userdb_rename(f->db, u1, u2, &err);
			break;
		}
		if (err.code != ERR_NONE && err.code != ERR_EXISTS &&
		    err.code != ERR_NOTFOUND && err.code != ERR_PARAMS &&
		    err.code != ERR_TEMP)
			return 2;
	}
	return 0;
}

static void
test_concurrent_mixed(void **state)
{
	struct fixture *f = *state;
	int counts[4];

	run_children(f, 6, child_mixed, counts);
	assert_int_equal(counts[0], 6);
	check_invariants(f);
}

static int
toggle_fn(struct account *a, void *ctx, struct err *err)
{
	unsigned *n = ctx;
	char value[32];

	account_remove_prop(a, "counter");
	snprintf(value, sizeof(value), "%u", ++*n);
	if (account_add_prop(a, "counter", value, err) < 0)
		return -1;
	if (*n % 2 == 0)
		return account_add_alias(a, "flip@x.org", err);
	account_remove_alias(a, "flip@x.org");
	return 0;
}

static void
test_killed_writers(void **state)
{
	struct fixture *f = *state;
	unsigned seed = 42;
	struct err err;

	assert_int_equal(add(f, "kill@x.org", "k@x.org", false, &err), 0);
	for (int round = 0; round < 40; round++) {
		struct timespec ts = {0, (long)(rand_r(&seed) % 20000) * 1000};
		pid_t pid = fork();
		int status;

		assert_true(pid >= 0);
		if (pid == 0) {
			unsigned n = 0;

			for (;;) {
				if (userdb_update(f->db, "kill@x.org",
						  toggle_fn, &n, &err) < 0)
					_exit(2);
			}
		}
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		/* the record is always whole and its names consistent */
		assert_string_equal(who(f, "kill@x.org"), "kill@x.org");
		assert_string_equal(who(f, "k@x.org"), "kill@x.org");
		check_invariants(f);
	}
	/* the lock died with its holder */
	assert_int_equal(userdb_delete(f->db, "kill@x.org", &err), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_add_lookup, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_authenticate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_update, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_delete_rename, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_list_and_corrupt, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_leftovers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_adds, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_mixed, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_killed_writers, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
