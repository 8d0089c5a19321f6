/* SPDX-License-Identifier: MIT */
/* The POP3 service definition for cofferd (see pop3.h). */
#include "proto/pop3/pop3.h"
#include "proto/pop3/pop3-private.h"
#include "lib/mem.h"

#include <stdlib.h>

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

static size_t
pop3_listeners(const struct ms_config *cfg,
	       struct service_listen out[SERVICE_LISTEN_MAX])
{
	size_t n = add_listeners(&cfg->pop3_host, false, "pop3", out, 0);

	/* RFC 2595 section 7 discourages the separate port; M-Box offers
	   it only with enable_pop3s */
	if (cfg->enable_pop3s)
		n = add_listeners(&cfg->pop3s_host, true, "pop3s", out, n);
	return n;
}

static int
pop3_init(struct service_env *env, void **ctx_r, struct err *err)
{
	struct pop3_service *svc = xcalloc(1, sizeof(*svc));

	(void)err;
	svc->env = env;
	*ctx_r = svc;
	return 0;
}

static void
pop3_deinit(void *ctx)
{
	free(ctx);
}

const struct service_def pop3_service = {
    .name = "pop3",
    .listeners = pop3_listeners,
    .init = pop3_init,
    .deinit = pop3_deinit,
    .accept = pop3_session_accept,
};
