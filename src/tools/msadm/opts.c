/* SPDX-License-Identifier: MIT */
/* getopt-style parsing of subcommand options, without global state (batch
   mode parses many command lines). */
#include "tools/msadm/msadm.h"

#include <string.h>

void
msadm_opts_init(struct msadm_opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof(*o));
	o->argc = argc;
	o->argv = argv;
	o->ind = 1;
}

int
msadm_opts_next(struct msadm_opts *o, const char *spec)
{
	const char *arg, *p;
	char c;

	o->arg = NULL;
	if (o->pos == 0) {
		if (o->ind >= o->argc)
			return -1;
		arg = o->argv[o->ind];
		if (arg[0] != '-' || arg[1] == '\0')
			return -1;
		if (strcmp(arg, "--") == 0) {
			o->ind++;
			return -1;
		}
		o->pos = 1;
	}
	arg = o->argv[o->ind];
	c = arg[o->pos++];
	p = c == ':' ? NULL : strchr(spec, c);
	if (p == NULL) {
		o->bad = c;
		o->pos = 0;
		o->ind++;
		return '?';
	}
	if (p[1] == ':') {
		/* "-pvalue" or "-p value" */
		if (arg[o->pos] != '\0') {
			o->arg = arg + o->pos;
		} else if (o->ind + 1 < o->argc) {
			o->arg = o->argv[++o->ind];
		} else {
			o->bad = c;
			o->pos = 0;
			o->ind++;
			return '?';
		}
		o->pos = 0;
		o->ind++;
	} else if (arg[o->pos] == '\0') {
		o->pos = 0;
		o->ind++;
	}
	return c;
}
