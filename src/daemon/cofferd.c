/* SPDX-License-Identifier: MIT */
/* cofferd: the Coffer server (IMAP, POP3, LMTP). See cofferd(8). */
#include "daemon/daemon.h"
#include "daemon/daemon-services.h"

#define X(name) extern const struct service_def name##_service;
DAEMON_SERVICES(X)
#undef X

/* The services linked into this binary (coffer_service() in CMake). */
static const struct service_def *const services[] = {
#define X(name) &name##_service,
    DAEMON_SERVICES(X)
#undef X
	NULL,
};

int
main(int argc, char **argv)
{
	return daemon_main(argc, argv, services,
			   sizeof(services) / sizeof(services[0]) - 1);
}
