/* SPDX-License-Identifier: MIT */
/* Running as ms_user: looking the user up, preparing the directories it
   must own, and dropping root (M-Box guide 2.1.2 and 2.2.6.1). */
#include "daemon/daemon-private.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/mem.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
daemon_privs_resolve(struct daemon *d, struct err *err)
{
	struct passwd *pw;

	d->uid = geteuid();
	d->gid = getegid();
	if (d->uid != 0) {
		/* an ordinary user runs Coffer as itself */
		if (strcmp(d->cfg->ms_user, "root") != 0 &&
		    ((pw = getpwuid(d->uid)) == NULL ||
		     strcmp(pw->pw_name, d->cfg->ms_user) != 0))
			log_debug("not root: running as uid %u, not ms_user "
				  "%s",
				  (unsigned)d->uid, d->cfg->ms_user);
		return 0;
	}
	errno = 0;
	pw = getpwnam(d->cfg->ms_user);
	if (pw == NULL) {
		if (errno != 0)
			return err_set_errno(err, "getpwnam", d->cfg->ms_user);
		return err_set(err, ERR_NOTFOUND,
			       "ms_user %s does not exist (create it, or set "
			       "ms_user in %s)",
			       d->cfg->ms_user, d->config_path);
	}
	if (pw->pw_uid == 0) {
		log_warning("ms_user %s is root: running without dropping "
			    "privileges",
			    d->cfg->ms_user);
		return 0;
	}
	d->drop_privileges = true;
	d->uid = pw->pw_uid;
	d->gid = pw->pw_gid;
	d->user = xstrdup(pw->pw_name);
	return 0;
}

/* Creates dir (and missing parents) with mode; a new directory belongs to
   ms_user. Existing directories are left alone: they may be shared (run
   directories such as /run) or deliberately owned by someone else. */
static int
prepare_dir(struct daemon *d, const char *dir, mode_t mode, struct err *err)
{
	struct stat st;

	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return err_set(err, ERR_PARAMS, "%s is not a directory",
				       dir);
		if (d->drop_privileges && st.st_uid != d->uid &&
		    (st.st_mode & S_IWOTH) == 0 &&
		    ((st.st_mode & S_IWGRP) == 0 || st.st_gid != d->gid))
			log_warning("%s is not writable by ms_user %s", dir,
				    d->user);
		return 0;
	}
	if (errno != ENOENT)
		return err_set_errno(err, "stat", dir);
	if (mkdir_parents(dir, mode) < 0)
		return err_set_errno(err, "mkdir", dir);
	/* the umask must not narrow the mode asked for */
	if (chmod(dir, mode) < 0)
		return err_set_errno(err, "chmod", dir);
	if (d->drop_privileges && chown(dir, d->uid, d->gid) < 0)
		return err_set_errno(err, "chown", dir);
	log_info("created %s", dir);
	return 0;
}

int
daemon_privs_prepare_dirs(struct daemon *d, struct err *err)
{
	const struct ms_config *cfg = d->cfg;

	/* run_dir must be searchable by the MTA for the LMTP socket */
	if (prepare_dir(d, cfg->data_dir, 0750, err) < 0 ||
	    prepare_dir(d, cfg->userdir, 0700, err) < 0 ||
	    prepare_dir(d, cfg->run_dir, 0755, err) < 0)
		return -1;
	return 0;
}

int
daemon_privs_drop(struct daemon *d, struct err *err)
{
	if (!d->drop_privileges)
		return 0;
	/* supplementary groups of ms_user (e.g. one that may read the TLS
	   key), and none of root's */
	if (initgroups(d->user, d->gid) < 0)
		return err_set_errno(err, "initgroups", d->user);
	if (setgid(d->gid) < 0)
		return err_set_errno(err, "setgid", d->user);
	if (setuid(d->uid) < 0)
		return err_set_errno(err, "setuid", d->user);
	/* a process that could become root again has not dropped anything */
	if (setuid(0) == 0)
		return err_set(err, ERR_INTERNAL,
			       "could regain root after setuid(%u)",
			       (unsigned)d->uid);
	log_debug("running as %s (uid %u, gid %u)", d->user, (unsigned)d->uid,
		  (unsigned)d->gid);
	return 0;
}
