/* SPDX-License-Identifier: MIT */
/* The environment every service of a worker shares (struct service_env):
   the net server, the store, the user database, TLS and the host name,
   all configured from the ms.conf snapshot taken at start. */
#include "daemon/daemon-private.h"
#include "auth/userdb.h"
#include "lib/log.h"
#include "lib/str.h"
#include "mime/mime-summary.h"
#include "net/server.h"
#include "net/tls.h"
#include "store/store.h"

#include <limits.h>
#include <string.h>
#include <unistd.h>

/* The net layer's floor for the per-connection output ceiling. */
#define NET_BUFFER_MIN 4096

static unsigned
clamp_uint(uint64_t v)
{
	return v > UINT_MAX ? UINT_MAX : (unsigned)v;
}

static int
create_net(struct daemon_worker *w, struct err *err)
{
	const struct ms_config *cfg = w->d->cfg;
	uint64_t conns = cfg->max_connections * MAX(w->d->service_count, 1);
	struct net_server_settings set = {
	    .thread_pool_min = clamp_uint(cfg->thread_pool_min),
	    .thread_pool_max = clamp_uint(cfg->thread_pool_max),
	    .max_net_buffer = MAX(cfg->max_net_buffer, NET_BUFFER_MIN),
	    /* max_connections is per service (options.def); the net
	       layer counts the whole process */
	    .max_connections = clamp_uint(conns),
	    .handle_signals = true,
	    .reload = daemon_reload,
	    .reload_ctx = w,
	};

	if (set.thread_pool_max < set.thread_pool_min)
		set.thread_pool_max = set.thread_pool_min;
	w->net = net_server_create(&set, err);
	return w->net == NULL ? -1 : 0;
}

/* The MIME cache builder: the store keeps each message's parsed summary
   (ENVELOPE, BODYSTRUCTURE, part offsets, Date) built by the mime layer
   when the message is appended, so FETCH and SEARCH never reparse. */
static store_cache_builder_fn *
env_cache_builder(void)
{
	return mime_summary_build;
}

static int
create_store(struct daemon_worker *w, struct err *err)
{
	const struct ms_config *cfg = w->d->cfg;
	struct store_settings set;

	store_settings_init(&set);
	set.userdir = cfg->userdir;
	set.shared_root_dir = cfg->shared_root_dir;
	/* durability is not negotiable for a message store */
	set.fsync = true;
	set.use_mmap = cfg->use_mmap;
	set.cache_builder = env_cache_builder();
	return store_create(&set, &w->store, err);
}

static void
notify_cb(int fd, void *ctx)
{
	store_notify_process(ctx);
}

/* Changes made by other processes on this host (a second cofferd,
   msadm) reach open mailboxes through the store's inotify descriptor. */
static int
watch_store(struct daemon_worker *w, struct err *err)
{
	int fd = store_notify_fd(w->store);

	if (fd < 0)
		return 0;
	w->notify_watch =
	    net_server_add_fd(w->net, fd, notify_cb, w->store, err);
	return w->notify_watch == NULL ? -1 : 0;
}

static bool
needs_tls(const struct daemon *d)
{
	for (size_t i = 0; i < d->listeners.n; i++) {
		if (d->listeners.v[i].implicit_tls)
			return true;
	}
	return false;
}

/* TLS hook: a server context from tls_cert_file/tls_key_file, shared by
   STARTTLS and implicit-TLS listeners. The full TLS configuration
   (ciphers, protocol floor, client certificates, reload on SIGHUP) is
   built here by the TLS layer when it lands. A broken certificate only
   stops start-up if a listener cannot work without it. */
static int
create_tls(struct daemon_worker *w, struct err *err)
{
	const struct ms_config *cfg = w->d->cfg;
	const char *key = cfg->tls_key_file[0] != '\0' ? cfg->tls_key_file
						       : cfg->tls_cert_file;

	if (cfg->tls_cert_file[0] == '\0') {
		if (needs_tls(w->d))
			return err_set(err, ERR_PARAMS,
				       "an implicit-TLS listener is enabled "
				       "but tls_cert_file is not set");
		return 0;
	}
	w->tls = net_tls_ctx_create_server(cfg->tls_cert_file, key, err);
	if (w->tls != NULL)
		return 0;
	if (needs_tls(w->d))
		return -1;
	log_warning("TLS disabled: %s", err->msg);
	err_clear(err);
	return 0;
}

static void
set_hostname(struct daemon_worker *w)
{
	if (gethostname(w->hostname, sizeof(w->hostname)) < 0 ||
	    w->hostname[0] == '\0')
		str_copy(w->hostname, "localhost", sizeof(w->hostname));
	w->hostname[sizeof(w->hostname) - 1] = '\0';
}

int
daemon_env_create(struct daemon_worker *w, struct err *err)
{
	/* first: the net server blocks the signals it handles before any
	   other thread exists */
	if (create_net(w, err) < 0)
		return -1;
	service_env_init(&w->env, w->d->cfg);
	w->env_ready = true;
	w->env.net = w->net;
	w->env.data_dir = w->d->cfg->data_dir;
	set_hostname(w);
	w->env.hostname = w->hostname;
	if (create_store(w, err) < 0)
		return -1;
	w->env.store = w->store;
	if (userdb_open(w->d->cfg, USERDB_OPEN_READ, &w->userdb, err) < 0)
		return -1;
	w->env.userdb = w->userdb;
	if (create_tls(w, err) < 0)
		return -1;
	w->env.tls = w->tls;
	return watch_store(w, err);
}

void
daemon_env_stop(struct daemon_worker *w)
{
	if (w->notify_watch != NULL)
		net_server_remove_fd(w->net, &w->notify_watch);
	net_server_destroy(&w->net);
}

void
daemon_env_destroy(struct daemon_worker *w)
{
	daemon_env_stop(w);
	userdb_close(&w->userdb);
	store_destroy(&w->store);
	net_tls_ctx_destroy(&w->tls);
	if (w->env_ready)
		service_env_deinit(&w->env);
	w->env_ready = false;
}
