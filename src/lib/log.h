/* SPDX-License-Identifier: MIT */
/*
 * Logging with the severities of the M-Box guide: CRIT (needs prompt
 * administrator action), ERR (I/O and system errors), WARNING (protection
 * failures, timeouts), NOTICE (authentication success and failure), INFO
 * (deliveries, connections), DEBUG.
 *
 * The sink is chosen once at start-up by log_open() (syslog facility mail by
 * default, stderr with -d, or a file) before any thread starts; it is the one
 * process-wide setting in Coffer and is only read afterwards. Lines are
 * written with a single write() so threads never interleave within a line.
 *
 * Syscall failures are logged as "<call>(<argument>) failed: %m".
 */
#ifndef COFFER_LIB_LOG_H
#define COFFER_LIB_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include "lib/macros.h"

enum log_level {
	LOG_LEVEL_CRIT = 2,
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_NOTICE = 5,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

enum log_sink {
	LOG_SINK_SYSLOG,	/* facility mail, ident = label */
	LOG_SINK_STDERR,	/* foreground (-d) */
	LOG_SINK_FILE,		/* append to a file */
};

struct log_settings {
	enum log_sink sink;
	const char *label;	/* "cofferd", "msadm", or -s label */
	const char *path;	/* LOG_SINK_FILE only */
	enum log_level min_level;
};

/* Configures the process-wide sink. Call before starting threads.
   Returns 0, or -1 if a log file could not be opened (errno set). */
int log_open(const struct log_settings *set);
void log_close(void);
/* Lowers or raises the threshold (e.g. on SIGHUP). */
void log_set_level(enum log_level level);
bool log_level_enabled(enum log_level level);
/* Parses "crit", "err", "warning", "notice", "info", "debug". */
int log_level_parse(const char *name, enum log_level *level_r);

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
	ATTR_FORMAT(2, 0);
void log_msg(enum log_level level, const char *fmt, ...) ATTR_FORMAT(2, 3);

#define log_crit(...) log_msg(LOG_LEVEL_CRIT, __VA_ARGS__)
#define log_err(...) log_msg(LOG_LEVEL_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LEVEL_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)                                                        \
	do {                                                                  \
		if (log_level_enabled(LOG_LEVEL_DEBUG))                       \
			log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__);                \
	} while (0)

#endif
