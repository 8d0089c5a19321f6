/* SPDX-License-Identifier: MIT */
/* The IMAP service for cofferd: listeners and new connections. */
#include "proto/imap/imap-server.h"
#include "proto/imap/imap-server-private.h"
#include "config/config.h"
#include "lib/log.h"
#include "lib/mem.h"

struct imap_service {
	struct service_env *env;
};

static size_t
add_listeners(const struct config_listen_list *list, bool implicit_tls,
	      const char *label, struct service_listen *out, size_t n)
{
	for (size_t i = 0; i < list->n && n < SERVICE_LISTEN_MAX; i++) {
		out[n].addr = &list->v[i];
		out[n].implicit_tls = implicit_tls;
		out[n].label = label;
		n++;
	}
	return n;
}

/* imap_host/imap_port always; imaps_host/imaps_port with enable_imaps
   when a certificate is configured (M-Box guide 2.2.4.1). */
static size_t
imap_listeners(const struct ms_config *cfg,
	       struct service_listen out[SERVICE_LISTEN_MAX])
{
	size_t n = add_listeners(&cfg->imap_host, false, "imap", out, 0);

	if (cfg->enable_imaps && cfg->tls_cert_file[0] != '\0')
		n = add_listeners(&cfg->imaps_host, true, "imaps", out, n);
	return n;
}

static int
imap_init(struct service_env *env, void **ctx_r, struct err *err)
{
	struct imap_service *svc = xcalloc(1, sizeof(*svc));
	struct ms_config *cfg = service_env_config(env);

	(void)err;
	svc->env = env;
	if (cfg->enable_imaps && cfg->tls_cert_file[0] == '\0')
		log_warning("imap: enable_imaps is set but tls_cert_file is "
			    "not: no IMAPS listener");
	if (cfg->login_disabled && env->tls == NULL)
		log_warning("imap: login_disabled is set and no TLS "
			    "certificate is configured: nobody can log in");
	config_unref(&cfg);
	*ctx_r = svc;
	return 0;
}

static void
imap_deinit(void *ctx)
{
	free(ctx);
}

static void
imap_accept(struct conn *c, void *ctx)
{
	struct imap_service *svc = ctx;

	(void)imap_session_create(svc->env, c);
}

const struct service_def imap_service = {
    .name = "imap",
    .listeners = imap_listeners,
    .init = imap_init,
    .deinit = imap_deinit,
    .accept = imap_accept,
};
