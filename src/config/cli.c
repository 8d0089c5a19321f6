/* SPDX-License-Identifier: MIT */
/* Common command-line handling of daemons and tools. */
#include "config/cli.h"
#include "lib/version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
cli_usage(const struct cli_spec *spec)
{
	fprintf(stderr, "usage: %s [-d] [-c file] [-s label] %s\n", spec->prog,
		spec->usage);
}

static void
print_help(const struct cli_spec *spec)
{
	printf("usage: %s [-d] [-c file] [-s label] %s\n"
	       "  -c file     configuration file (default %s,\n"
	       "              or $COFFER_CONFIG)\n"
	       "  -d          stay in the foreground and log to stderr\n"
	       "  -s label    logging label\n"
	       "  --version   print the version and exit\n"
	       "  -h, --help  print this help and exit\n",
	       spec->prog, spec->usage, COFFER_DEFAULT_CONFIG);
	if (spec->help != NULL)
		printf("%s", spec->help);
}

/* "-c value" or "-cvalue"; advances *i past the value. */
static const char *
option_value(int argc, char **argv, int *i)
{
	if (argv[*i][2] != '\0')
		return argv[*i] + 2;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

int
cli_parse(const struct cli_spec *spec, int argc, char **argv,
	  struct cli_options *opts_r)
{
	const char *env = getenv("COFFER_CONFIG");
	int i;

	memset(opts_r, 0, sizeof(*opts_r));
	opts_r->label = spec->prog;
	opts_r->config_path = COFFER_DEFAULT_CONFIG;
	opts_r->config_is_default = true;
	if (env != NULL && env[0] != '\0') {
		opts_r->config_path = env;
		opts_r->config_is_default = false;
	}
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *value;

		if (strcmp(arg, "--") == 0)
			return i + 1;
		if (strcmp(arg, "--version") == 0) {
			printf("%s (%s) %s\n", spec->prog, COFFER_NAME,
			       COFFER_VERSION);
			return CLI_DONE;
		}
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			print_help(spec);
			return CLI_DONE;
		}
		if (arg[0] != '-' || arg[1] == '\0')
			break;
		if (strcmp(arg, "-d") == 0) {
			opts_r->foreground = true;
		} else if (arg[1] == 'c' || arg[1] == 's') {
			value = option_value(argc, argv, &i);
			if (value == NULL || value[0] == '\0') {
				fprintf(stderr,
					"%s: option -%c needs a "
					"value\n",
					spec->prog, arg[1]);
				cli_usage(spec);
				return CLI_ERROR;
			}
			if (arg[1] == 'c') {
				opts_r->config_path = value;
				opts_r->config_is_default = false;
			} else {
				opts_r->label = value;
			}
		} else {
			fprintf(stderr, "%s: unknown option %s\n", spec->prog,
				arg);
			cli_usage(spec);
			return CLI_ERROR;
		}
	}
	return i;
}

int
cli_load_config(const struct cli_spec *spec, const struct cli_options *opts,
		struct ms_config **cfg_r)
{
	struct err err;

	if (config_load(opts->config_path, opts->config_is_default, cfg_r,
			&err) < 0) {
		fprintf(stderr, "%s: %s\n", spec->prog, err.msg);
		return CLI_EXIT_USAGE;
	}
	for (size_t i = 0; i < (*cfg_r)->warning_count; i++)
		fprintf(stderr, "%s: warning: %s\n", spec->prog,
			(*cfg_r)->warnings[i]);
	return 0;
}
