/* SPDX-License-Identifier: MIT */
/* The LMTP service definition for cofferd (proto/common/service.h). */
#include "proto/lmtp/lmtp.h"
#include "config/config.h"
#include "lib/mem.h"

#include <stdlib.h>

/* lmtp_host: TCP addresses on lmtp_port, or Unix socket paths (seed
   section 2.3.4; several allowed). */
static size_t
lmtp_listeners(const struct ms_config *cfg,
	       struct service_listen out[SERVICE_LISTEN_MAX])
{
	size_t n = 0;

	for (size_t i = 0; i < cfg->lmtp_host.n && n < SERVICE_LISTEN_MAX;
	     i++) {
		out[n].addr = &cfg->lmtp_host.v[i];
		out[n].implicit_tls = false;
		out[n].label = "lmtp";
		n++;
	}
	return n;
}

static struct ms_config *
env_config(void *ctx)
{
	return service_env_config(ctx);
}

static int
lmtp_init(struct service_env *env, void **ctx_r, struct err *err)
{
	struct lmtp_server_settings set = {0};
	struct lmtp_server *srv;
	char *spool_dir = xasprintf("%s/spool", env->data_dir);
	int ret;

	set.store = env->store;
	set.userdb = env->userdb;
	set.hostname = env->hostname;
	set.spool_dir = spool_dir;
	set.config_get = env_config;
	set.config_ctx = env;
	/* the store syncs the linked file (see lmtp.h): one sync fewer per
	   message, and the data reaches the disk in the same journal
	   commit as its first link */
	set.spool_fsync = false;
	set.tls = env->tls;
	ret = lmtp_server_create(&set, &srv, err);
	free(spool_dir);
	if (ret < 0)
		return -1;
	*ctx_r = srv;
	return 0;
}

static void
lmtp_deinit(void *ctx)
{
	struct lmtp_server *srv = ctx;

	lmtp_server_destroy(&srv);
}

const struct service_def lmtp_service = {
    .name = "lmtp",
    .listeners = lmtp_listeners,
    .init = lmtp_init,
    .deinit = lmtp_deinit,
    .accept = lmtp_server_accept,
};
