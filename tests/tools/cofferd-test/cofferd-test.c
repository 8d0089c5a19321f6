/* SPDX-License-Identifier: MIT */
/* cofferd-test: cofferd with every real service plus the echo test
   services (echo-service.c), for the daemon's own protocol tests. */
#include "daemon/daemon.h"
#include "daemon/daemon-services.h"

#define X(name) extern const struct service_def name##_service;
DAEMON_SERVICES(X)
#undef X
extern const struct service_def echo_service;
extern const struct service_def echo2_service;

static const struct service_def *const services[] = {
#define X(name) &name##_service,
    DAEMON_SERVICES(X)
#undef X
	& echo_service,
    &echo2_service,
};

int
main(int argc, char **argv)
{
	return daemon_main(argc, argv, services,
			   sizeof(services) / sizeof(services[0]));
}
