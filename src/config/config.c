/* SPDX-License-Identifier: MIT */
/* Configuration snapshots: the option table, defaults, derived values,
   reference counting and queries. */
#include "config/config-private.h"
#include "lib/mailaddr.h"
#include "lib/mem.h"
#include "lib/panic.h"
#include "lib/str.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Per-type parameters of the descriptor (see options.def). */
#define CONFIG_DESC_BOOL(a, b, c) .u.uint = {0, 0}
#define CONFIG_DESC_UINT(a, b, c) .u.uint = {(a), (b)}
#define CONFIG_DESC_PORT(a, b, c) .u.port = {(a)}
#define CONFIG_DESC_SIZE(a, b, c) .u.size = {(a), (b)}
#define CONFIG_DESC_DURATION(a, b, c) .u.duration = {(a), (b), (c)}
#define CONFIG_DESC_STRING(a, b, c) .u.string = {(a), (b)}
#define CONFIG_DESC_PATH(a, b, c) .u.uint = {0, 0}
#define CONFIG_DESC_ENUM(a, b, c) .u.enumeration = {(a)}
#define CONFIG_DESC_LIST(a, b, c) .u.list = {(a), (b), (c)}
#define CONFIG_DESC_HOSTS(a, b, c) .u.hosts = {offsetof(struct ms_config, a)}
#define CONFIG_DESC_ACCESS(a, b, c) .u.uint = {0, 0}
#define CONFIG_DISPLAY_TOP(name) name
#define CONFIG_DISPLAY_BOTH(name) name
#define CONFIG_DISPLAY_SASL(name) "sasl/" name

const struct config_opt_desc config_opt_descs[CONFIG_OPT_COUNT] = {
#define CONFIG_OPT(fld, xml_, scp, typ, flg, dflt, a, b, c, dc) \
	[CONFIG_OPT_ID_##fld] = {                               \
	    .name = xml_,                                       \
	    .display = CONFIG_DISPLAY_##scp(xml_),              \
	    .type = CONFIG_T_##typ,                             \
	    .scope = CONFIG_SCOPE_##scp,                        \
	    .flags = (flg),                                     \
	    .offset = offsetof(struct ms_config, fld),          \
	    .def = dflt,                                        \
	    .doc = dc,                                          \
	    CONFIG_DESC_##typ(a, b, c),                         \
	},
#include "config/options.def"
#undef CONFIG_OPT
};

static const struct config_option_info option_infos[CONFIG_OPT_COUNT] = {
#define CONFIG_OPT(fld, xml_, scp, typ, flg, dflt, a, b, c, dc)       \
	[CONFIG_OPT_ID_##fld] = {                                     \
	    .name = xml_,                                             \
	    .default_value = dflt,                                    \
	    .doc = dc,                                                \
	    .flags = (flg),                                           \
	    .in_top = (CONFIG_SCOPE_##scp & CONFIG_SCOPE_TOP) != 0,   \
	    .in_sasl = (CONFIG_SCOPE_##scp & CONFIG_SCOPE_SASL) != 0, \
	},
#include "config/options.def"
#undef CONFIG_OPT
};

const struct config_option_info *
config_options(size_t *count_r)
{
	*count_r = CONFIG_OPT_COUNT;
	return option_infos;
}

struct ms_config *
config__new(void)
{
	struct ms_config *cfg = xcalloc(1, sizeof(*cfg));
	struct config_private *priv = xcalloc(1, sizeof(*priv));
	struct err err;

	atomic_init(&priv->refcount, 1);
	priv->pool = pool_create(8192);
	hash_init(&priv->domain_map_index, false);
	cfg->priv = priv;
	cfg->path = "";
	for (size_t i = 0; i < CONFIG_OPT_COUNT; i++) {
		const struct config_opt_desc *d = &config_opt_descs[i];

		if (config__set_value(cfg, d, d->def, false, NULL, &err) < 0)
			i_panic("built-in default of %s: %s", d->name, err.msg);
	}
	return cfg;
}

struct ms_config *
config_defaults(void)
{
	struct ms_config *cfg = config__new();
	struct err err;

	if (config__finish(cfg, "defaults", &err) < 0)
		i_panic("built-in defaults: %s", err.msg);
	return cfg;
}

struct ms_config *
config_ref(struct ms_config *cfg)
{
	atomic_fetch_add_explicit(&cfg->priv->refcount, 1,
				  memory_order_relaxed);
	return cfg;
}

void
config_unref(struct ms_config **cfgp)
{
	struct ms_config *cfg = *cfgp;
	struct config_private *priv;

	if (cfg == NULL)
		return;
	*cfgp = NULL;
	priv = cfg->priv;
	if (atomic_fetch_sub_explicit(&priv->refcount, 1,
				      memory_order_acq_rel) != 1)
		return;
	hash_free(&priv->domain_map_index);
	vec_free(&priv->warnings);
	vec_free(&priv->domain_maps);
	vec_free(&priv->shared_roots);
	vec_free(&priv->groups);
	pool_destroy(&priv->pool);
	free(priv);
	free(cfg);
}

void
config__warn(struct ms_config *cfg, const char *name, int line, const char *fmt,
	     ...)
{
	struct config_private *priv = cfg->priv;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = pool_vprintf(priv->pool, fmt, ap);
	va_end(ap);
	if (line > 0)
		msg = pool_printf(priv->pool, "%s:%d: %s", name, line, msg);
	else
		msg = pool_printf(priv->pool, "%s: %s", name, msg);
	vec_push(&priv->warnings, msg);
}

bool
config__addr_normalize(const char *addr, uint8_t out[16])
{
	struct in_addr a4;

	if (inet_pton(AF_INET6, addr, out) == 1)
		return true;
	if (inet_pton(AF_INET, addr, &a4) != 1)
		return false;
	/* IPv4 as an IPv4-mapped IPv6 address, so that a client reaching a
	   dual-stack socket as ::ffff:a.b.c.d matches the same entry. */
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, &a4, 4);
	return true;
}

const char *
config_domain_for_local_addr(const struct ms_config *cfg, const char *addr)
{
	const struct config_domain_map *map;
	uint8_t key[16];

	if (addr == NULL || cfg->domain_map_count == 0 ||
	    !config__addr_normalize(addr, key))
		return cfg->domain;
	map = hash_get(&cfg->priv->domain_map_index, key, sizeof(key));
	return map != NULL ? map->domain : cfg->domain;
}

bool
config_is_set(const struct ms_config *cfg, const char *option)
{
	for (size_t i = 0; i < CONFIG_OPT_COUNT; i++) {
		if ((config_opt_descs[i].scope & CONFIG_SCOPE_TOP) != 0 &&
		    strcmp(config_opt_descs[i].name, option) == 0)
			return cfg->priv->line[i] > 0;
	}
	return false;
}

static const char *
feature_name(unsigned flags)
{
	switch (flags & CONFIG_F_FEATURE_MASK) {
	case CONFIG_F_FEATURE_LDAP:
		return "LDAP configuration";
	case CONFIG_F_FEATURE_LDAPDB:
		return "the LDAP user directory";
	case CONFIG_F_FEATURE_GATEWAY:
		return "gateway/migration support";
	case CONFIG_F_FEATURE_SIEVE:
		return "Sieve";
	case CONFIG_F_FEATURE_EVENTS:
		return "mseventd/mlogd";
	case CONFIG_F_FEATURE_EXPIRE:
		return "msadm expire_mail";
	default:
		return "this feature";
	}
}

/* Options of unimplemented features are accepted, but setting one to a
   non-default value must not look as if it worked. */
static void
warn_unimplemented(struct ms_config *cfg, const char *name)
{
	struct ms_config *def = NULL;

	for (size_t i = 0; i < CONFIG_OPT_COUNT; i++) {
		const struct config_opt_desc *d = &config_opt_descs[i];

		if ((d->flags & CONFIG_F_FEATURE_MASK) == 0 ||
		    cfg->priv->line[i] == 0)
			continue;
		if (def == NULL)
			def = config__new();
		if (config__value_equal(d, cfg, def))
			continue;
		config__warn(cfg, name, cfg->priv->line[i],
			     "%s: accepted but not used yet (%s is not "
			     "implemented)",
			     d->name, feature_name(d->flags));
	}
	config_unref(&def);
}

static const char *
machine_fqdn(struct ms_config *cfg, const char *name)
{
	struct addrinfo hints, *res = NULL;
	char host[256];
	char *fqdn;

	if (gethostname(host, sizeof(host)) < 0)
		str_copy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	fqdn = host;
	if (strchr(host, '.') == NULL) {
		/* AI_CANONNAME consults /etc/hosts first, like hostname -f */
		memset(&hints, 0, sizeof(hints));
		hints.ai_flags = AI_CANONNAME;
		hints.ai_socktype = SOCK_STREAM;
		if (getaddrinfo(host, NULL, &hints, &res) == 0 &&
		    res->ai_canonname != NULL &&
		    strlen(res->ai_canonname) < sizeof(host))
			fqdn = res->ai_canonname;
	}
	fqdn = pool_strdup(cfg->priv->pool, fqdn);
	if (res != NULL)
		freeaddrinfo(res);
	str_lower(fqdn);
	if (!mailaddr_domain_valid(fqdn, strlen(fqdn))) {
		config__warn(cfg, name, 0,
			     "host name '%s' is not a valid domain; using "
			     "localhost (set <domain>)",
			     config__quote(cfg, fqdn));
		fqdn = pool_strdup(cfg->priv->pool, "localhost");
	}
	return fqdn;
}

#define IS_SET(cfg, fld) ((cfg)->priv->line[CONFIG_OPT_ID_##fld] > 0)

static const char *
join(struct ms_config *cfg, const char *dir, const char *leaf)
{
	return pool_printf(cfg->priv->pool, "%s%s%s", dir,
			   strcmp(dir, "/") == 0 ? "" : "/", leaf);
}

static void
default_socket(struct ms_config *cfg, struct config_listen_list *list,
	       const char *leaf)
{
	struct config_listen *l = pool_alloc(cfg->priv->pool, sizeof(*l));

	l->path = join(cfg, cfg->run_dir, leaf);
	list->v = l;
	list->n = 1;
}

/* A file in the directory of the configuration file (M-Box's ETCDIR);
   relative or built-in configurations use the default directory. */
static const char *
beside_config(struct ms_config *cfg, const char *name, const char *leaf)
{
	const char *dir = name, *slash = strrchr(name, '/');

	if (name[0] != '/' || slash == NULL) {
		dir = COFFER_DEFAULT_CONFIG;
		slash = strrchr(dir, '/');
	}
	return pool_printf(cfg->priv->pool, "%.*s/%s", (int)(slash - dir), dir,
			   leaf);
}

static void
apply_derived(struct ms_config *cfg, const char *name)
{
	char *domain;

	if (!IS_SET(cfg, userdir))
		cfg->userdir = join(cfg, cfg->data_dir, "user");
	if (!IS_SET(cfg, shared_root_dir))
		cfg->shared_root_dir = join(cfg, cfg->data_dir, "shared");
	if (!IS_SET(cfg, msgtrack_db))
		cfg->msgtrack_db = join(cfg, cfg->data_dir, "msg_track.db");
	if (!IS_SET(cfg, lmtp_host))
		default_socket(cfg, &cfg->lmtp_host, "lmtp");
	if (!IS_SET(cfg, msevent_host))
		default_socket(cfg, &cfg->msevent_host, "mseventd");
	if (!IS_SET(cfg, mlogd_host))
		default_socket(cfg, &cfg->mlogd_host, "mslogd");
	/* Domains are case-insensitive and kept lower-case. */
	if (cfg->domain[0] == '\0') {
		cfg->domain = machine_fqdn(cfg, name);
	} else {
		domain = pool_strdup(cfg->priv->pool, cfg->domain);
		str_lower(domain);
		cfg->domain = domain;
	}
	if (cfg->ms_sync_userdb[0] == '\0')
		cfg->ms_sync_userdb = beside_config(cfg, name, "ms_sync.xml");
	if (cfg->tls_key_file[0] == '\0')
		cfg->tls_key_file = cfg->tls_cert_file;
	if (cfg->smtp_injection_sender[0] == '\0')
		cfg->smtp_injection_sender =
		    pool_printf(cfg->priv->pool, "mssync@%s", cfg->domain);
	if (cfg->ldap_shared_folders_dn[0] == '\0' &&
	    cfg->ldap_basedn[0] != '\0')
		cfg->ldap_shared_folders_dn = pool_printf(
		    cfg->priv->pool, "cn=Shared Folders,%s", cfg->ldap_basedn);
	/* M-Box guide 4.1.4: the ldapdb bind defaults to the ldap_bind_*
	   settings when neither ldapdb_dn nor ldapdb_id is given. */
	if (cfg->ldapdb_dn[0] == '\0' && cfg->ldapdb_id[0] == '\0') {
		cfg->ldapdb_dn = cfg->ldap_bind_dn;
		cfg->ldapdb_id = cfg->ldap_bind_id;
		if (cfg->ldapdb_pw[0] == '\0')
			cfg->ldapdb_pw = cfg->ldap_bind_pwd;
		if (cfg->ldapdb_mech[0] == '\0')
			cfg->ldapdb_mech = cfg->ldap_bind_method;
	}
	if (cfg->ldapdb_client_key[0] == '\0')
		cfg->ldapdb_client_key = cfg->ldapdb_client_cert;
	if (cfg->sasl_tls_cipher_list[0] == '\0')
		cfg->sasl_tls_cipher_list = cfg->tls_cipher_list;
}

/* Listen addresses without a port take the paired *_port option. */
static void
resolve_ports(struct ms_config *cfg)
{
	for (size_t i = 0; i < CONFIG_OPT_COUNT; i++) {
		const struct config_opt_desc *d = &config_opt_descs[i];
		struct config_listen_list *list;
		uint64_t port;

		if (d->type != CONFIG_T_HOSTS)
			continue;
		list = (void *)((char *)cfg + d->offset);
		port = *(const uint64_t *)((const char *)cfg +
					   d->u.hosts.port_offset);
		for (size_t j = 0; j < list->n; j++) {
			struct config_listen *l = (void *)&list->v[j];

			if (l->path == NULL && l->port == 0)
				l->port = (uint16_t)port;
		}
	}
}

static int
check_cross(struct ms_config *cfg, const char *name, struct err *err)
{
	const struct config_private *priv = cfg->priv;

	if (cfg->thread_pool_min > cfg->thread_pool_max) {
		int line = priv->line[CONFIG_OPT_ID_thread_pool_min];

		if (line == 0)
			line = priv->line[CONFIG_OPT_ID_thread_pool_max];
		return err_set(err, ERR_PARAMS,
			       "%s:%d: thread_pool_min: %llu is larger than "
			       "thread_pool_max (%llu)",
			       name, line,
			       (unsigned long long)cfg->thread_pool_min,
			       (unsigned long long)cfg->thread_pool_max);
	}
	if (cfg->gateway_mode && cfg->auto_migrate)
		config__warn(cfg, name, priv->line[CONFIG_OPT_ID_auto_migrate],
			     "auto_migrate: cannot be combined with "
			     "gateway_mode");
	return 0;
}

int
config__finish(struct ms_config *cfg, const char *name, struct err *err)
{
	struct config_private *priv = cfg->priv;

	warn_unimplemented(cfg, name);
	apply_derived(cfg, name);
	resolve_ports(cfg);
	if (check_cross(cfg, name, err) < 0 ||
	    config__finish_structs(cfg, name, err) < 0)
		return -1;
	cfg->domain_maps = priv->domain_maps.v;
	cfg->domain_map_count = priv->domain_maps.n;
	cfg->shared_roots = priv->shared_roots.v;
	cfg->shared_root_count = priv->shared_roots.n;
	cfg->groups = priv->groups.v;
	cfg->group_count = priv->groups.n;
	cfg->warnings = priv->warnings.v;
	cfg->warning_count = priv->warnings.n;
	return 0;
}
