/* SPDX-License-Identifier: MIT */
/*
 * managed_services (M-Box guide 2.2.6.2): a supervising parent forks the
 * worker and restarts it after an abnormal exit, with exponential
 * back-off (1 s doubling to 60 s, back to 1 s once a worker ran for a
 * stable period). The listeners were bound by this process, so the ports
 * stay open across restarts and clients only queue. SIGTERM/SIGINT and
 * SIGHUP are forwarded; a worker that exits after SIGTERM ends the
 * supervisor with the worker's verdict (0 for a clean stop).
 *
 * Single-threaded: one poll() loop over a signalfd and the worker's
 * readiness pipe, with deadlines for the next restart and the stop bound.
 */
#include "daemon/daemon-private.h"
#include "lib/log.h"
#include "lib/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define BACKOFF_FIRST_MS 1000u
#define BACKOFF_MAX_MS 60000u
/* A worker that ran this long was healthy: the next crash restarts it
   after the first back-off step again. */
#define STABLE_MS 60000u
/* The worker's net server closes remaining connections 10 s after
   SIGTERM; after this much more it is killed. */
#define STOP_BOUND_MS 30000u

enum supervise_state {
	SUP_RUNNING,  /* a worker runs (or starts) */
	SUP_WAITING,  /* the worker died; restart at restart_at */
	SUP_STOPPING, /* SIGTERM forwarded; waiting for the worker */
	SUP_DONE,
};

struct supervisor {
	struct daemon *d;
	enum supervise_state state;
	int sigfd;
	sigset_t old_mask;
	pid_t pid;	   /* the worker, or 0 */
	int ready_rd;	   /* the worker's readiness pipe, or -1 */
	bool ever_ready;   /* some worker completed start-up */
	bool in_child;	   /* we are the forked worker */
	uint64_t ready_at; /* when the current worker became ready */
	uint64_t deadline; /* restart or kill time, 0 = none */
	unsigned next_delay_ms;
	int exit_status;
};

static int
spawn(struct supervisor *s)
{
	pid_t parent = getpid(), pid;
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0) {
		log_crit("pipe2() failed: %m");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		log_crit("fork() failed: %m");
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		close(s->sigfd);
		/* back to the start-up mask: SIGTERM, SIGINT and SIGHUP stay
		   blocked until the worker's net server takes them over */
		(void)sigprocmask(SIG_SETMASK, &s->old_mask, NULL);
		/* a worker outliving its supervisor would hold the ports
		   with nobody to restart it: stop with the parent */
		(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(CLI_EXIT_FAIL);
		daemon_process_forget(s->d);
		s->d->ready_fd = fds[1];
		s->in_child = true;
		return 0;
	}
	close(fds[1]);
	s->pid = pid;
	s->ready_rd = fds[0];
	s->state = SUP_RUNNING;
	s->deadline = 0;
	log_info("worker process %ld started", (long)pid);
	return 0;
}

static void
describe_status(int status, char *buf, size_t size)
{
	if (WIFEXITED(status)) {
		snprintf(buf, size, "exited with status %d",
			 WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		const char *name = sigabbrev_np(WTERMSIG(status));

		snprintf(buf, size, "was killed by signal %d (SIG%s)%s",
			 WTERMSIG(status), name != NULL ? name : "?",
			 WCOREDUMP(status) ? ", core dumped" : "");
	} else {
		snprintf(buf, size, "ended with status 0x%x", status);
	}
}

static void
close_ready(struct supervisor *s)
{
	if (s->ready_rd >= 0)
		close(s->ready_rd);
	s->ready_rd = -1;
}

/* The worker is gone: finish, or plan the restart. */
static void
worker_gone(struct supervisor *s, int status, uint64_t now)
{
	bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	char what[128];
	unsigned delay;

	describe_status(status, what, sizeof(what));
	s->pid = 0;
	close_ready(s);
	if (s->state == SUP_STOPPING) {
		/* the SIGTERM we forwarded may also have ended a worker
		   that was still starting */
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM)
			clean = true;
		s->exit_status = clean ? CLI_EXIT_OK : CLI_EXIT_FAIL;
		s->state = SUP_DONE;
		return;
	}
	if (!s->ever_ready) {
		/* a start-up failure (it said why) is not worth retrying:
		   the configuration or the system needs fixing */
		log_crit("worker process %s during start-up", what);
		s->exit_status = CLI_EXIT_FAIL;
		s->state = SUP_DONE;
		return;
	}
	if (s->ready_at != 0 && now - s->ready_at >= STABLE_MS)
		s->next_delay_ms = BACKOFF_FIRST_MS;
	delay = s->next_delay_ms;
	s->next_delay_ms =
	    delay * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : delay * 2;
	log_crit("worker process %s; restarting in %u s", what, delay / 1000);
	s->ready_at = 0;
	s->state = SUP_WAITING;
	s->deadline = now + delay;
}

static void
reap(struct supervisor *s, uint64_t now)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == s->pid)
			worker_gone(s, status, now);
	}
}

static void
begin_stop(struct supervisor *s, uint64_t now)
{
	if (s->state == SUP_STOPPING)
		return;
	if (s->pid == 0) {
		s->exit_status = CLI_EXIT_OK;
		s->state = SUP_DONE;
		return;
	}
	(void)kill(s->pid, SIGTERM);
	s->state = SUP_STOPPING;
	s->deadline = now + STOP_BOUND_MS;
}

/* The worker reloads and reports; the supervisor only follows the log
   level, so that its own lines obey the same setting. */
static void
reload_log_level(struct supervisor *s)
{
	struct ms_config *cfg;
	struct err err;

	if (config_load(s->d->config_path, s->d->opts.config_is_default, &cfg,
			&err) < 0)
		return;
	log_set_level((enum log_level)cfg->log_level);
	config_unref(&cfg);
}

static void
handle_signals(struct supervisor *s, uint64_t now)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("received SIG%s, stopping",
				 sigabbrev_np((int)si.ssi_signo));
			begin_stop(s, now);
			break;
		case SIGHUP:
			if (s->pid != 0)
				(void)kill(s->pid, SIGHUP);
			reload_log_level(s);
			log_info("received SIGHUP, reloading");
			break;
		case SIGCHLD:
			reap(s, now);
			break;
		}
	}
}

static void
handle_ready(struct supervisor *s, uint64_t now)
{
	char byte;
	ssize_t n = read(s->ready_rd, &byte, 1);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	close_ready(s);
	if (n != 1)
		return; /* died during start-up: SIGCHLD tells the rest */
	s->ready_at = now;
	if (!s->ever_ready) {
		s->ever_ready = true;
		daemon_process_ready(s->d);
	}
}

static void
handle_deadline(struct supervisor *s, uint64_t now)
{
	if (s->deadline == 0 || now < s->deadline)
		return;
	s->deadline = 0;
	if (s->state == SUP_WAITING) {
		if (spawn(s) < 0) {
			s->state = SUP_WAITING;
			s->deadline = now + s->next_delay_ms;
		}
	} else if (s->state == SUP_STOPPING && s->pid != 0) {
		log_crit("worker process %ld did not stop in time; killing it",
			 (long)s->pid);
		(void)kill(s->pid, SIGKILL);
	}
}

static int
poll_timeout(const struct supervisor *s, uint64_t now)
{
	if (s->deadline == 0)
		return -1;
	return s->deadline <= now ? 0 : (int)(s->deadline - now);
}

static void
loop(struct supervisor *s)
{
	while (s->state != SUP_DONE && !s->in_child) {
		struct pollfd pfd[2] = {
		    {.fd = s->sigfd, .events = POLLIN},
		    {.fd = s->ready_rd, .events = POLLIN},
		};
		uint64_t now = time_mono_ms();
		int n =
		    poll(pfd, s->ready_rd >= 0 ? 2 : 1, poll_timeout(s, now));

		if (n < 0 && errno != EINTR) {
			log_crit("poll() failed: %m");
			begin_stop(s, now);
			continue;
		}
		now = time_mono_ms();
		if (n > 0 && s->ready_rd >= 0 && pfd[1].revents != 0)
			handle_ready(s, now);
		if (n > 0 && pfd[0].revents != 0)
			handle_signals(s, now);
		handle_deadline(s, now);
	}
}

int
daemon_supervise(struct daemon *d)
{
	struct supervisor s = {
	    .d = d,
	    .ready_rd = -1,
	    .next_delay_ms = BACKOFF_FIRST_MS,
	    .exit_status = CLI_EXIT_FAIL,
	};
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, &s.old_mask) < 0 ||
	    (s.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		daemon_error(d, "signalfd() failed: %m");
		return CLI_EXIT_FAIL;
	}
	if (spawn(&s) == 0)
		loop(&s);
	if (s.in_child)
		return daemon_worker_run(d);
	close(s.sigfd);
	close_ready(&s);
	(void)sigprocmask(SIG_SETMASK, &s.old_mask, NULL);
	return s.exit_status;
}
