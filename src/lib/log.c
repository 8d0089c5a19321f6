/* SPDX-License-Identifier: MIT */
/* Process-wide log sink: syslog, stderr or a file. */
#include "lib/log.h"
#include "lib/panic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* The one process-wide state: written by log_open() before threads start,
   only the level changes later (atomically). */
static struct {
	enum log_sink sink;
	char label[64];
	int fd;
	_Atomic int min_level;
} log_state = { LOG_SINK_STDERR, "coffer", STDERR_FILENO, LOG_LEVEL_INFO };

static const char *const level_names[] = {
	[LOG_LEVEL_CRIT] = "crit",     [LOG_LEVEL_ERR] = "err",
	[LOG_LEVEL_WARNING] = "warning", [LOG_LEVEL_NOTICE] = "notice",
	[LOG_LEVEL_INFO] = "info",     [LOG_LEVEL_DEBUG] = "debug",
};

int
log_open(const struct log_settings *set)
{
	log_close();
	snprintf(log_state.label, sizeof(log_state.label), "%s",
		 set->label != NULL ? set->label : "coffer");
	atomic_store(&log_state.min_level, set->min_level);
	log_state.sink = set->sink;
	log_state.fd = STDERR_FILENO;
	switch (set->sink) {
	case LOG_SINK_SYSLOG:
		openlog(log_state.label, LOG_PID | LOG_NDELAY, LOG_MAIL);
		break;
	case LOG_SINK_STDERR:
		break;
	case LOG_SINK_FILE:
		log_state.fd = open(set->path,
				    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
				    0640);
		if (log_state.fd < 0) {
			log_state.fd = STDERR_FILENO;
			log_state.sink = LOG_SINK_STDERR;
			return -1;
		}
		break;
	}
	return 0;
}

void
log_close(void)
{
	if (log_state.sink == LOG_SINK_SYSLOG)
		closelog();
	else if (log_state.sink == LOG_SINK_FILE && log_state.fd > 2)
		close(log_state.fd);
	log_state.sink = LOG_SINK_STDERR;
	log_state.fd = STDERR_FILENO;
}

void
log_set_level(enum log_level level)
{
	atomic_store(&log_state.min_level, level);
}

bool
log_level_enabled(enum log_level level)
{
	return (int)level <= atomic_load(&log_state.min_level);
}

int
log_level_parse(const char *name, enum log_level *level_r)
{
	for (size_t i = 0; i < N_ELEMENTS(level_names); i++) {
		if (level_names[i] != NULL &&
		    strcasecmp(level_names[i], name) == 0) {
			*level_r = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char line[2048];
	size_t len = 0;
	int saved_errno = errno;
	int n;

	if (!log_level_enabled(level))
		return;
	if (log_state.sink == LOG_SINK_SYSLOG) {
		errno = saved_errno;
		vsyslog(LOG_MAIL | (int)level, fmt, ap);
		errno = saved_errno;
		return;
	}
	if (log_state.sink == LOG_SINK_FILE) {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		len = strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S ", &tm);
	}
	n = snprintf(line + len, sizeof(line) - len, "%s[%d]: %s: ",
		     log_state.label, (int)getpid(), level_names[level]);
	if (n > 0)
		len += (size_t)n;
	errno = saved_errno;
	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	if (n > 0)
		len += (size_t)n;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	/* Never let client-supplied text forge extra log lines. */
	for (size_t i = 0; i < len; i++) {
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	}
	line[len++] = '\n';
	(void)!write(log_state.fd, line, len);
	errno = saved_errno;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void
i_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LEVEL_CRIT, fmt, ap);
	va_end(ap);
	abort();
}
