/* SPDX-License-Identifier: MIT */
/*
 * Command-line options common to every Coffer daemon and tool:
 *
 *	-c file		configuration file (default: $COFFER_CONFIG,
 *			else COFFER_DEFAULT_CONFIG)
 *	-d		foreground / debug: do not detach, log to stderr
 *	-s label	logging label of this instance
 *	--version	print "<prog> (Coffer) <version>" and exit
 *	-h, --help	print usage and exit
 *
 * Options end at the first argument that is not one of these (or after
 * "--"); the rest belongs to the program (e.g. an msadm subcommand).
 * A missing default file means built-in defaults; a missing file named by
 * -c or COFFER_CONFIG is an error.
 * Called from main() before threads start; not thread-safe (getenv).
 */
#ifndef COFFER_CONFIG_CLI_H
#define COFFER_CONFIG_CLI_H

#include <stdbool.h>
#include "config/config.h"

/* Exit statuses shared by the tools: 0 success, 1 operational failure,
   2 usage or configuration error. */
#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

struct cli_spec {
	const char *prog;  /* "msadm" */
	const char *usage; /* what follows the common options in the usage
			      line, e.g. "[subcommand [args]]"; may be "" */
	const char *help;  /* extra lines for --help, or NULL */
};

struct cli_options {
	const char *config_path;
	bool config_is_default;
	bool foreground;
	const char *label; /* -s, else spec->prog */
};

/* cli_parse() results besides the index of the first remaining argument. */
#define CLI_DONE (-2)  /* --version or --help printed: exit 0 */
#define CLI_ERROR (-1) /* usage printed on stderr: exit CLI_EXIT_USAGE */

/* Parses the common options of argv. Returns the index of the first
   remaining argument (argc if none), CLI_DONE or CLI_ERROR. The strings
   in *opts_r point into argv or static storage. */
int cli_parse(const struct cli_spec *spec, int argc, char **argv,
	      struct cli_options *opts_r);
/* Prints "usage: <prog> [-d] [-c file] [-s label] <usage>" on stderr. */
void cli_usage(const struct cli_spec *spec);
/* Loads the configuration chosen by opts. Warnings go to stderr as
   "<prog>: warning: <text>"; an error is one line "<prog>: <text>".
   Returns 0 or CLI_EXIT_USAGE (nothing should be started then). */
int cli_load_config(const struct cli_spec *spec, const struct cli_options *opts,
		    struct ms_config **cfg_r);

#endif
