/* SPDX-License-Identifier: MIT */
/* The daemon's process life: pid file, detaching from the terminal, and
   telling whoever waits that start-up succeeded. */
#include "daemon/daemon-private.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The pid file <run_dir>/<label>.pid carries an flock() for as long as
   the instance lives (the lock is shared by the forked worker, so it
   stays while either process runs). A file nobody holds locked is stale,
   whatever pid it names -- safer than kill(pid, 0), which a reused pid
   fools. Run directories are local, so flock() is reliable here. */
int
daemon_pidfile_lock(struct daemon *d, struct err *err)
{
	char text[32];
	ssize_t n;

	d->pid_path = xasprintf("%s/%s.pid", d->cfg->run_dir, d->label);
	d->pid_fd =
	    open(d->pid_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (d->pid_fd < 0)
		return err_set_errno(err, "open", d->pid_path);
	if (flock(d->pid_fd, LOCK_EX | LOCK_NB) == 0) {
		/* readable by monitoring tools whatever the umask; done now,
		   while we may still own the file */
		if (fchmod(d->pid_fd, 0644) < 0)
			log_debug("fchmod(%s) failed: %m", d->pid_path);
		return 0;
	}
	if (errno != EWOULDBLOCK) {
		err_set_errno(err, "flock", d->pid_path);
	} else {
		n = pread(d->pid_fd, text, sizeof(text) - 1, 0);
		text[n > 0 ? n : 0] = '\0';
		text[strcspn(text, "\n")] = '\0';
		err_set(err, ERR_EXISTS,
			"%s is already running (pid %s, pid file %s)", d->label,
			text[0] != '\0' ? text : "unknown", d->pid_path);
	}
	close(d->pid_fd);
	d->pid_fd = -1;
	return -1;
}

int
daemon_pidfile_write(struct daemon *d, struct err *err)
{
	char text[32];
	int len = snprintf(text, sizeof(text), "%ld\n", (long)getpid());

	if (ftruncate(d->pid_fd, 0) < 0 ||
	    pwrite_full(d->pid_fd, text, (size_t)len, 0) < 0)
		return err_set_errno(err, "write", d->pid_path);
	d->pid_owner = getpid();
	return 0;
}

void
daemon_pidfile_remove(struct daemon *d)
{
	if (d->pid_fd < 0)
		return;
	/* unlink before unlocking: a starting instance then either sees our
	   lock or creates a fresh file. After the privilege drop this fails
	   in a run_dir owned by root; the unlocked file is stale then. */
	if (d->pid_owner == getpid() && unlink(d->pid_path) < 0 &&
	    errno != ENOENT)
		log_debug("unlink(%s) failed: %m", d->pid_path);
	close(d->pid_fd);
	d->pid_fd = -1;
}

static int
devnull_stdio(bool keep_stderr)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	(void)dup2(fd, STDIN_FILENO);
	if (!keep_stderr) {
		(void)dup2(fd, STDOUT_FILENO);
		(void)dup2(fd, STDERR_FILENO);
	}
	close(fd);
	return 0;
}

/* The original process: waits for the daemon's readiness byte. EOF means
   the daemon died before it was ready; it printed why. */
static void ATTR_NORETURN
wait_ready(int fd, pid_t child)
{
	char byte = 0;
	ssize_t n;

	do {
		n = read(fd, &byte, 1);
	} while (n < 0 && errno == EINTR);
	(void)waitpid(child, NULL, 0);
	_exit(n == 1 && byte == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL);
}

int
daemon_process_detach(struct daemon *d, struct err *err)
{
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_set_errno(err, "pipe2", NULL);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return err_set_errno(err, "fork", NULL);
	}
	if (pid > 0) {
		/* the waiting command stays interruptible (Ctrl-C) */
		(void)sigprocmask(SIG_SETMASK, &d->old_mask, NULL);
		close(fds[1]);
		wait_ready(fds[0], pid);
	}
	close(fds[0]);
	/* a new session without a controlling terminal, and a second fork
	   so that the daemon is not a session leader and never gets one */
	if (setsid() < 0)
		_exit(CLI_EXIT_FAIL);
	pid = fork();
	if (pid < 0)
		_exit(CLI_EXIT_FAIL);
	if (pid > 0)
		_exit(CLI_EXIT_OK);
	d->detach_fd = fds[1];
	/* stdout and stderr stay until start-up is over, so that errors
	   still reach the terminal that started us */
	(void)devnull_stdio(true);
	return 0;
}

static void
notify(int *fd)
{
	char byte = 0;

	if (*fd < 0)
		return;
	if (write(*fd, &byte, 1) != 1)
		log_debug("readiness notification failed: %m");
	close(*fd);
	*fd = -1;
}

void
daemon_process_ready(struct daemon *d)
{
	if (!d->opts.foreground && !d->stdio_detached) {
		if (devnull_stdio(false) == 0)
			d->stdio_detached = true;
	}
	notify(&d->ready_fd);
	notify(&d->detach_fd);
}

void
daemon_process_forget(struct daemon *d)
{
	if (d->ready_fd >= 0)
		close(d->ready_fd);
	if (d->detach_fd >= 0)
		close(d->detach_fd);
	d->ready_fd = d->detach_fd = -1;
}
