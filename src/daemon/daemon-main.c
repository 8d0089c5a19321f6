/* SPDX-License-Identifier: MIT */
/* cofferd's start sequence (see daemon-private.h) and final clean-up. */
#include "daemon/daemon.h"
#include "daemon/daemon-private.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/version.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void
daemon_init(struct daemon *d, const struct service_def *const *registry,
	    size_t count)
{
	*d = (struct daemon){
	    .registry = registry,
	    .registry_count = count,
	    .pid_fd = -1,
	    .detach_fd = -1,
	    .ready_fd = -1,
	};
	vec_init(&d->listeners);
}

static void
daemon_deinit(struct daemon *d)
{
	daemon_process_forget(d);
	daemon_pidfile_remove(d);
	daemon_listen_close(d);
	vec_free(&d->listeners);
	config_unref(&d->cfg);
	free(d->label);
	free(d->config_path);
	free(d->pid_path);
	free(d->user);
}

/* Everything that needs root, and everything that can fail because of
   the configuration or the system, happens before detaching, so that
   errors reach the terminal and the exit status. */
static int
select_services(struct daemon *d)
{
	struct err err;

	/* before the log is open: a usage error is one line on stderr */
	if (daemon_registry_select(d, &err) < 0) {
		fprintf(stderr, "%s: %s\n", d->prog, err.msg);
		return CLI_EXIT_USAGE;
	}
	return -1;
}

static int
prepare(struct daemon *d)
{
	struct err err;

	daemon_registry_log(d);
	/* files are ms_user's own; modes are given where others need
	   access (run_dir, the LMTP socket, the pid file) */
	umask(077);
	if (daemon_privs_resolve(d, &err) < 0 ||
	    daemon_privs_prepare_dirs(d, &err) < 0 ||
	    daemon_pidfile_lock(d, &err) < 0 ||
	    daemon_listen_open(d, &err) < 0 || daemon_privs_drop(d, &err) < 0) {
		daemon_error(d, "%s", err.msg);
		return CLI_EXIT_FAIL;
	}
	/* M-Box guide 2.2.13.1: run_dir is the working directory */
	if (chdir(d->cfg->run_dir) < 0) {
		daemon_error(d, "chdir(%s) failed: %m", d->cfg->run_dir);
		return CLI_EXIT_FAIL;
	}
	return -1;
}

static int
start(struct daemon *d)
{
	struct err err;

	if (!d->opts.foreground && daemon_process_detach(d, &err) < 0) {
		daemon_error(d, "%s", err.msg);
		return CLI_EXIT_FAIL;
	}
	if (daemon_pidfile_write(d, &err) < 0) {
		daemon_error(d, "%s", err.msg);
		return CLI_EXIT_FAIL;
	}
	log_info("%s %s starting (%s, pid file %s)", COFFER_NAME,
		 COFFER_VERSION,
		 d->cfg->managed_services ? "managed_services" : "unmanaged",
		 d->pid_path);
	return d->cfg->managed_services ? daemon_supervise(d)
					: daemon_worker_run(d);
}

/* SIGTERM, SIGINT and SIGHUP stay blocked from the start: the worker's
   net server takes them over through a signalfd (and picks up any that
   arrived meanwhile), the supervisor through its own. Without this a
   signal arriving during start-up would kill the process with the
   default action instead of stopping or reloading it. */
static void
block_signals(struct daemon *d)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	(void)sigprocmask(SIG_BLOCK, &set, &d->old_mask);
}

/* glibc's malloc raises its mmap threshold to the size of any mmap()ed
   block that is freed, and its trim threshold with it. One password check
   (yescrypt allocates about 16 MiB) would then make every worker thread's
   arena keep 16 MiB of freed memory for good. A fixed threshold keeps
   large, short-lived blocks in mmap() and gives them back at free(). */
#define DAEMON_MMAP_THRESHOLD (512 * 1024)

static void
tune_malloc(void)
{
	(void)mallopt(M_MMAP_THRESHOLD, DAEMON_MMAP_THRESHOLD);
}

int
daemon_main(int argc, char **argv, const struct service_def *const *registry,
	    size_t count)
{
	struct daemon d;
	int ret;

	tune_malloc();
	daemon_init(&d, registry, count);
	block_signals(&d);
	ret = daemon_cli_parse(&d, argc, argv);
	if (ret < 0)
		ret = daemon_cli_load_config(&d);
	if (ret < 0)
		ret = select_services(&d);
	if (ret < 0)
		ret = daemon_cli_open_log(&d);
	if (ret < 0)
		ret = prepare(&d);
	if (ret < 0) {
		ret = start(&d);
		/* the process that wrote the pid file ends the instance */
		if (d.pid_owner == getpid()) {
			daemon_listen_unlink(&d);
			log_notice("stopped (exit status %d)", ret);
		}
	}
	daemon_deinit(&d);
	log_close();
	return ret;
}
