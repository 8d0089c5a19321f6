/* SPDX-License-Identifier: MIT */
/*
 * cofferd as a library: the whole server behind one call, given the table
 * of services linked into the program. src/daemon/cofferd.c passes the
 * services registered with coffer_service() in CMake; test programs may
 * pass extra ones.
 */
#ifndef COFFER_DAEMON_DAEMON_H
#define COFFER_DAEMON_DAEMON_H

#include <stddef.h>
#include "proto/common/service.h"

/* Runs cofferd with argv (see cofferd(8)) and returns the process exit
   status: 0 after a clean stop, 1 for an operational failure, 2 for a
   usage or configuration error. registry[0..count) must stay valid; names
   must be unique. Call from main() before any thread exists. */
int daemon_main(int argc, char **argv,
		const struct service_def *const *registry, size_t count);

#endif
