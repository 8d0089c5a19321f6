/* SPDX-License-Identifier: MIT */
/* cofferd's command line (the common options plus -S), ms.conf and the
   log sink. */
#include "daemon/daemon-private.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/str.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char cofferd_prog[] = "cofferd";
static const char cofferd_usage[] = "[-S service[,service...]]";
static const char cofferd_help[] =
    "  -S list     run only these services, overriding the services\n"
    "              option of ms.conf\n"
    "Without -d, cofferd detaches and logs to syslog (facility mail) or\n"
    "log_file. See cofferd(8).\n"
    "Services in this build:";

static void ATTR_FORMAT(3, 0)
    report(struct daemon *d, enum log_level level, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_msg(level, "%s", msg);
	/* with -d the log line went to stderr already */
	if (!d->opts.foreground && !d->stdio_detached)
		fprintf(stderr, "%s: %s%s\n", d->prog,
			level == LOG_LEVEL_WARNING ? "warning: " : "", msg);
}

void
daemon_error(struct daemon *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(d, LOG_LEVEL_ERR, fmt, ap);
	va_end(ap);
}

void
daemon_warning(struct daemon *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(d, LOG_LEVEL_WARNING, fmt, ap);
	va_end(ap);
}

/* Takes -S out of argv (the common parser does not know it), keeping the
   values of -c and -s in place. Returns the new argc, or -1 for a -S
   without a value. */
static int
extract_services(struct daemon *d, int argc, char **argv, char **out)
{
	int n = 0;

	out[n++] = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "--") == 0 || arg[0] != '-') {
			while (i < argc)
				out[n++] = argv[i++];
			break;
		}
		if (strncmp(arg, "-S", 2) == 0) {
			const char *value = arg[2] != '\0' ? arg + 2
					    : i + 1 < argc ? argv[++i]
							   : NULL;

			if (value == NULL || value[0] == '\0')
				return -1;
			d->services_arg = value;
			continue;
		}
		out[n++] = argv[i];
		/* a separate value of -c or -s is not an option */
		if ((strcmp(arg, "-c") == 0 || strcmp(arg, "-s") == 0) &&
		    i + 1 < argc)
			out[n++] = argv[++i];
	}
	out[n] = NULL;
	return n;
}

/* Without -s, a process running a subset is labelled after it
   ("cofferd-imap-pop3"), so that separate processes get separate pid
   files and log labels. */
static char *
default_label(const struct daemon *d)
{
	char *label, *p;

	if (d->opts.label != cofferd_prog || d->services_arg == NULL)
		return xstrdup(d->opts.label);
	label = xasprintf("%s-%s", d->prog, d->services_arg);
	for (p = label; *p != '\0'; p++) {
		if (*p == ',' || *p == ' ' || *p == '/')
			*p = '-';
	}
	return label;
}

/* The label names the pid file in run_dir and prefixes log lines: a
   plain file name, short enough for syslog's ident. */
static bool
label_valid(const char *label)
{
	size_t len = strlen(label);

	if (len == 0 || len > DAEMON_LABEL_MAX || label[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = label[i];

		if (!ascii_isalpha(c) && !ascii_isdigit(c) && c != '.' &&
		    c != '_' && c != '-')
			return false;
	}
	return true;
}

/* The help text ends with the services linked in. */
static char *
help_text(const struct daemon *d)
{
	char *text = xstrdup(cofferd_help), *more;

	for (size_t i = 0; i < d->registry_count; i++) {
		more = xasprintf("%s %s", text, d->registry[i]->name);
		free(text);
		text = more;
	}
	more = xasprintf("%s%s\n", text, d->registry_count == 0 ? " none" : "");
	free(text);
	return more;
}

int
daemon_cli_parse(struct daemon *d, int argc, char **argv)
{
	char **args = xcalloc((size_t)argc + 1, sizeof(*args));
	char *help = help_text(d);
	const struct cli_spec spec = {cofferd_prog, cofferd_usage, help};
	int n, first;

	d->prog = cofferd_prog;
	n = extract_services(d, argc, argv, args);
	if (n < 0) {
		fprintf(stderr, "%s: option -S needs a value\n", d->prog);
		cli_usage(&spec);
		first = CLI_ERROR;
	} else {
		first = cli_parse(&spec, n, args, &d->opts);
	}
	if (first >= 0 && first < n) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", d->prog,
			args[first]);
		cli_usage(&spec);
		first = CLI_ERROR;
	}
	free(args);
	free(help);
	if (first == CLI_DONE)
		return CLI_EXIT_OK;
	if (first == CLI_ERROR)
		return CLI_EXIT_USAGE;
	d->label = default_label(d);
	if (!label_valid(d->label)) {
		fprintf(stderr,
			"%s: invalid label '%s' (letters, digits, '.', '_' "
			"and '-', at most %d)\n",
			d->prog, d->label, DAEMON_LABEL_MAX);
		return CLI_EXIT_USAGE;
	}
	return -1;
}

/* SIGHUP re-reads the file after the daemon changed its working
   directory: remember an absolute path. */
static char *
absolute_path(const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return xstrdup(path);
	return xasprintf("%s/%s", cwd, path);
}

int
daemon_cli_load_config(struct daemon *d)
{
	struct err err;

	d->config_path = absolute_path(d->opts.config_path);
	if (config_load(d->config_path, d->opts.config_is_default, &d->cfg,
			&err) < 0) {
		/* exactly one line: the loader names file, line and option */
		fprintf(stderr, "%s: %s\n", d->prog, err.msg);
		return CLI_EXIT_USAGE;
	}
	return -1;
}

int
daemon_cli_open_log(struct daemon *d)
{
	struct log_settings set = {
	    .sink = LOG_SINK_SYSLOG,
	    .label = d->label,
	    .path = NULL,
	    .min_level = (enum log_level)d->cfg->log_level,
	};

	if (d->opts.foreground) {
		set.sink = LOG_SINK_STDERR;
	} else if (d->cfg->log_file[0] != '\0') {
		set.sink = LOG_SINK_FILE;
		set.path = d->cfg->log_file;
	}
	if (log_open(&set) < 0) {
		fprintf(stderr, "%s: cannot open log_file %s: %m\n", d->prog,
			d->cfg->log_file);
		return CLI_EXIT_FAIL;
	}
	for (size_t i = 0; i < d->cfg->warning_count; i++)
		daemon_warning(d, "%s", d->cfg->warnings[i]);
	return -1;
}
