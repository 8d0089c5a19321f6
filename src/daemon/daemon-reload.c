/* SPDX-License-Identifier: MIT */
/* SIGHUP: read ms.conf again, apply what can change while running, and
   name every change that needs a restart. */
#include "daemon/daemon-private.h"
#include "lib/log.h"

#include <string.h>

/* Options the table marks as reloadable but that cofferd reads only at
   start (they size objects created once: the store, the net server).
   A change is reported like any other restart-only option. */
static const char *const read_at_start[] = {
    "use_mmap",
    "max_net_buffer",
};

struct reload_diff {
	unsigned restart; /* changes needing a restart */
	unsigned applied;
};

static bool
only_at_start(const char *option)
{
	for (size_t i = 0; i < N_ELEMENTS(read_at_start); i++) {
		if (strcmp(read_at_start[i], option) == 0)
			return true;
	}
	return false;
}

static bool
needs_restart(const char *option, bool restart_only)
{
	return restart_only || only_at_start(option);
}

/* Changes since the running snapshot that take effect now. */
static void
applied_cb(const char *option, bool restart_only, void *ctx)
{
	struct reload_diff *diff = ctx;

	if (!needs_restart(option, restart_only)) {
		diff->applied++;
		log_debug("reload: %s changed", option);
	}
}

/* Changes since the snapshot the process started with that only a
   restart applies: reported at every reload until the restart. */
static void
restart_cb(const char *option, bool restart_only, void *ctx)
{
	struct reload_diff *diff = ctx;

	if (needs_restart(option, restart_only)) {
		diff->restart++;
		log_warning("reload: %s changed; the change needs a restart "
			    "of cofferd",
			    option);
	}
}

void
daemon_reload(void *ctx)
{
	struct daemon_worker *w = ctx;
	struct ms_config *cur, *next = NULL;
	struct reload_diff diff = {0, 0};
	struct err err;

	/* one reload at a time: libxml2 set-up is not re-entrant, and two
	   quick SIGHUPs must apply in order */
	pthread_mutex_lock(&w->reload_lock);
	if (config_load(w->d->config_path, w->d->opts.config_is_default, &next,
			&err) < 0) {
		log_err("reload failed, keeping the running configuration: "
			"%s",
			err.msg);
		pthread_mutex_unlock(&w->reload_lock);
		return;
	}
	for (size_t i = 0; i < next->warning_count; i++)
		log_warning("%s", next->warnings[i]);
	cur = service_env_config(&w->env);
	(void)config_reload_diff(cur, next, applied_cb, &diff);
	(void)config_reload_diff(w->d->cfg, next, restart_cb, &diff);
	/* new sessions take the new snapshot; running ones keep theirs */
	service_env_set_config(&w->env, next);
	log_set_level((enum log_level)next->log_level);
	/* TLS hook: certificates are re-read here once the TLS layer
	   provides a reloadable context. */
	log_info("configuration reloaded from %s: %u change(s) applied, "
		 "%u need a restart",
		 w->d->config_path, diff.applied, diff.restart);
	config_unref(&cur);
	config_unref(&next);
	pthread_mutex_unlock(&w->reload_lock);
}
