/* SPDX-License-Identifier: MIT */
/* The environment every service of a worker shares (struct service_env):
   the net server, the store, the user database, TLS, SASL and the host
   name, all configured from the ms.conf snapshot taken at start. */
#include "daemon/daemon-private.h"
#include "auth/sasl.h"
#include "auth/tls-config.h"
#include "auth/userdb.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/rand.h"
#include "lib/str.h"
#include "mime/mime-summary.h"
#include "net/server.h"
#include "net/tls.h"
#include "store/store.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
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
	    .busy_poll_us = clamp_uint(cfg->busy_poll),
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

/* Whether a listener only works with TLS (imaps, pop3s). */
static bool
needs_tls(const struct daemon *d)
{
	for (size_t i = 0; i < d->listeners.n; i++) {
		if (d->listeners.v[i].implicit_tls)
			return true;
	}
	return false;
}

/* Whether a listener could offer TLS: every TCP listener (STARTTLS, STLS,
   LMTP STARTTLS); a Unix socket (LMTP) never does. */
static bool
may_use_tls(const struct daemon *d)
{
	for (size_t i = 0; i < d->listeners.n; i++) {
		if (d->listeners.v[i].path == NULL)
			return true;
	}
	return false;
}

/* The server TLS context (docs/tls-sasl.md, "When a bad certificate stops
   the server"): required by implicit-TLS listeners; with tls_cert_file
   set, a certificate that cannot be loaded stops every process that
   could use it, so TLS is never silently missing; a process with only
   Unix sockets does not read it. */
static int
create_tls(struct daemon_worker *w, struct err *err)
{
	const struct ms_config *cfg = w->d->cfg;

	if (!tls_config_enabled(cfg)) {
		if (needs_tls(w->d))
			return err_set(err, ERR_PARAMS,
				       "enable_imaps or enable_pop3s needs "
				       "tls_cert_file");
		if (may_use_tls(w->d) && cfg->login_disabled)
			log_warning("tls_cert_file is not set: STARTTLS is "
				    "not offered, and with login_disabled "
				    "clients cannot log in with passwords");
		return 0;
	}
	if (!may_use_tls(w->d))
		return 0;
	return tls_config_create(cfg, &w->tls, err) < 0 ? -1 : 0;
}

static void
sasl_warning(const char *msg, void *ctx)
{
	(void)ctx;
	log_warning("%s", msg);
}

/* The key of the SASL decoy salts, shared by every process using this
   data directory (and so these accounts): created once, 0600, never
   replaced. Servers sharing the user base over NFS share it too. */
static int
load_sasl_secret(const struct ms_config *cfg, uint8_t *secret, size_t len,
		 struct err *err)
{
	char path[PATH_MAX], tmp[PATH_MAX + UNIQUE_NAME_MAX];
	char uniq[UNIQUE_NAME_MAX];
	struct buf b = BUF_INIT;
	int ret;

	snprintf(path, sizeof(path), "%s/sasl-secret", cfg->data_dir);
	for (int attempt = 0; attempt < 2; attempt++) {
		buf_clear(&b);
		ret = file_read_all(path, 1024, &b, err);
		if (ret == 0 && b.len >= len) {
			memcpy(secret, b.data, len);
			mem_wipe(b.data, b.len);
			buf_free(&b);
			return 0;
		}
		if (ret == 0 || err->code != ERR_NOTFOUND)
			break;
		/* write a fresh one aside, then link it in: if another
		   process was faster, its secret wins */
		rand_bytes(secret, len);
		unique_name(uniq, sizeof(uniq));
		snprintf(tmp, sizeof(tmp), "%s.%s", path, uniq);
		if (file_write_atomic(tmp, secret, len, 0600, true, err) < 0)
			break;
		if (link(tmp, path) < 0 && errno != EEXIST) {
			err_set_errno(err, "link", path);
			(void)unlink(tmp);
			break;
		}
		(void)unlink(tmp);
	}
	if (b.data != NULL)
		mem_wipe(b.data, b.cap);
	buf_free(&b);
	if (ret == 0)
		return err_set(err, ERR_CORRUPT, "%s: too short", path);
	return -1;
}

static int
create_sasl(struct daemon_worker *w, struct err *err)
{
	uint8_t secret[32];
	struct sasl_server_settings set = {
	    .userdb = w->userdb,
	    .hostname = w->hostname,
	    .secret = secret,
	    .secret_len = sizeof(secret),
	};

	if (load_sasl_secret(w->d->cfg, secret, sizeof(secret), err) < 0) {
		err_prefix(err, "SASL secret");
		return -1;
	}
	sasl_config_check(w->d->cfg, sasl_warning, NULL);
	w->sasl = sasl_server_create(&set, w->d->cfg, err);
	mem_wipe(secret, sizeof(secret));
	return w->sasl == NULL ? -1 : 0;
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
	if (create_sasl(w, err) < 0)
		return -1;
	w->env.sasl = w->sasl;
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
	sasl_server_destroy(&w->sasl);
	if (w->env_ready)
		service_env_deinit(&w->env);
	w->env_ready = false;
}
