/* SPDX-License-Identifier: MIT */
/*
 * ms.conf: the XML configuration file (root element <ms_options>) and the
 * immutable configuration snapshot loaded from it.
 *
 * A struct ms_config is created by config_load() or config_defaults() and is
 * read-only from then on, so any number of threads may read it without
 * locking. It is reference counted: a daemon keeps the current snapshot, each
 * session takes a reference, and SIGHUP swaps in a new snapshot while old
 * sessions finish with the one they started with. config_ref() and
 * config_unref() are atomic and may be called from any thread.
 *
 * The scalar options are generated from config/options.def, which also
 * documents each option, its unit and its default. Every option is a member
 * named as in the table (e.g. cfg->imap_port). Field types by option type:
 *
 *	BOOL		bool
 *	UINT, PORT	uint64_t
 *	SIZE		uint64_t, in the option's unit (bytes or KiB)
 *	DURATION	int64_t seconds (-1 only where documented as "none")
 *	STRING, PATH	const char *, never NULL ("" when empty)
 *	ENUM		int: log_level is an enum log_level (lib/log.h),
 *			tls_min_protocol an enum config_tls_protocol,
 *			pwcheck_method an enum config_pwcheck,
 *			ms_syncd_protocol an enum config_sync_protocol,
 *			ldapdb_tls_server_cert an enum config_tls_check,
 *			ldapdb_starttls an enum config_starttls or
 *			config_tls_check, ldapdb_map_method an enum
 *			config_map_method
 *	LIST		struct config_strlist
 *	HOSTS		struct config_listen_list (ports resolved)
 *	ACCESS		struct config_access_rules
 */
#ifndef COFFER_CONFIG_CONFIG_H
#define COFFER_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/err.h"
#include "lib/version.h"

/* Largest ms.conf accepted; bigger files are rejected before parsing. */
#define CONFIG_MAX_FILE_SIZE (1024 * 1024)
/* Bounds on repeated elements (each is far beyond any real deployment). */
#define CONFIG_MAX_DOMAIN_MAPS 4096
#define CONFIG_MAX_SHARED_ROOTS 4096
#define CONFIG_MAX_GROUPS 4096
#define CONFIG_MAX_ACL_ENTRIES 1024
#define CONFIG_MAX_GROUP_MEMBERS 100000
#define CONFIG_MAX_LISTENERS 64

/* Services with per-user access rules (msadm service, accessible_services).
   The names are those of the M-Box guide: "imap", "pop", "sieve". */
enum config_service {
	CONFIG_SERVICE_IMAP,
	CONFIG_SERVICE_POP,
	CONFIG_SERVICE_SIEVE,
	CONFIG_SERVICE_COUNT
};

enum config_access {
	CONFIG_ACCESS_DEFAULT = 0, /* no rule: fall back to the next level */
	CONFIG_ACCESS_ALLOW,
	CONFIG_ACCESS_DENY,
};

struct config_access_rules {
	enum config_access rule[CONFIG_SERVICE_COUNT];
};

struct config_strlist {
	const char *const *v;
	size_t n;
};

/* One listen address of a service. Exactly one of these holds:
   path != NULL (Unix socket, port 0), or host == NULL (all interfaces),
   or host is an IPv4/IPv6 literal or a host name (IPv6 without brackets). */
struct config_listen {
	const char *host;
	const char *path;
	uint16_t port;
};

struct config_listen_list {
	const struct config_listen *v;
	size_t n;
};

/* <domain_map local_addr="..." domain="..."/> */
struct config_domain_map {
	const char *local_addr; /* as written (an IP literal) */
	const char *domain;	/* lower-case */
	int line;
};

/* Shared-root permission words: "read", "write", "manage", "all";
   "none" or "" is an explicit denial (rights = 0). */
#define CONFIG_RIGHT_READ 0x1u
#define CONFIG_RIGHT_WRITE 0x2u
#define CONFIG_RIGHT_MANAGE 0x4u
#define CONFIG_RIGHT_ALL 0x7u

struct config_acl_entry {
	const char *name; /* user name as written, group name, or "anyone" */
	bool is_group;
	unsigned rights;
};

/* <shared_root name path email> with <user>/<group> children. */
struct config_shared_root {
	const char *name;
	const char *path;  /* absolute; default <shared_root_dir>/<name> */
	const char *email; /* "" if none; lower-case */
	const struct config_acl_entry *acl;
	size_t acl_count;
	int line;
};

/* <group name type> with <user name/> children. */
struct config_group {
	const char *name;
	const char *type;	    /* "" if absent; ignored as in M-Box */
	const char *const *members; /* user names as written */
	size_t member_count;
	int line;
};

/* Value tables of ENUM options. */
struct config_enum_value {
	const char *name;
	int value;
};

enum config_tls_protocol { CONFIG_TLS_V1_2 = 0x0303, CONFIG_TLS_V1_3 = 0x0304 };
enum config_pwcheck { CONFIG_PWCHECK_AUXPROP, CONFIG_PWCHECK_AUXPROP_HASHED };
enum config_tls_check {
	CONFIG_TLS_CHECK_NEVER,
	CONFIG_TLS_CHECK_ALLOW,
	CONFIG_TLS_CHECK_TRY,
	CONFIG_TLS_CHECK_DEMAND,
};
/* ldapdb_starttls: NO, YES (check per ldapdb_tls_server_cert) or a level. */
enum config_starttls {
	CONFIG_STARTTLS_NO = -2,
	CONFIG_STARTTLS_YES = -1,
	/* >= 0: enum config_tls_check */
};
enum config_map_method {
	CONFIG_MAP_PROXYAUTH,
	CONFIG_MAP_EMULATE,
	CONFIG_MAP_FALLBACK,
};
enum config_sync_protocol {
	CONFIG_SYNC_POP3,
	CONFIG_SYNC_POP3S,
	CONFIG_SYNC_IMAP,
	CONFIG_SYNC_IMAPS,
};

/* Per-option bits (the flags column of options.def). */
#define CONFIG_F_RELOAD 0x01u
#define CONFIG_F_CLAMP 0x02u
#define CONFIG_F_SECRET 0x04u
#define CONFIG_F_MULTILINE 0x08u
#define CONFIG_F_REPEAT 0x10u
#define CONFIG_F_EMPTY 0x20u
/* Options of features that are accepted but not implemented yet. */
#define CONFIG_F_FEATURE_LDAP 0x0100u
#define CONFIG_F_FEATURE_LDAPDB 0x0200u
#define CONFIG_F_FEATURE_GATEWAY 0x0400u
#define CONFIG_F_FEATURE_SIEVE 0x0800u
#define CONFIG_F_FEATURE_EVENTS 0x1000u
#define CONFIG_F_FEATURE_EXPIRE 0x2000u
#define CONFIG_F_FEATURE_MASK 0xff00u

#define CONFIG_CTYPE_BOOL bool
#define CONFIG_CTYPE_UINT uint64_t
#define CONFIG_CTYPE_PORT uint64_t
#define CONFIG_CTYPE_SIZE uint64_t
#define CONFIG_CTYPE_DURATION int64_t
#define CONFIG_CTYPE_STRING const char *
#define CONFIG_CTYPE_PATH const char *
#define CONFIG_CTYPE_ENUM int
#define CONFIG_CTYPE_LIST struct config_strlist
#define CONFIG_CTYPE_HOSTS struct config_listen_list
#define CONFIG_CTYPE_ACCESS struct config_access_rules

struct config_private;

struct ms_config {
#define CONFIG_OPT(field, xml, scope, type, flags, def, a, b, c, doc) \
	CONFIG_CTYPE_##type field;
#include "config/options.def"
#undef CONFIG_OPT

	const struct config_domain_map *domain_maps;
	size_t domain_map_count;
	const struct config_shared_root *shared_roots;
	size_t shared_root_count;
	const struct config_group *groups;
	size_t group_count;

	/* The file this snapshot was read from; "" for built-in defaults. */
	const char *path;
	/* Warnings found while loading (unknown options, clamped values,
	   options of unimplemented features), one line each, already
	   prefixed with "file:line: ". The caller logs or prints them. */
	const char *const *warnings;
	size_t warning_count;

	struct config_private *priv;
};

/* Static description of one scalar option (for documentation checks). */
struct config_option_info {
	const char *name; /* XML element name */
	const char *default_value;
	const char *doc;
	unsigned flags; /* CONFIG_F_* */
	bool in_top;	/* allowed as a child of <ms_options> */
	bool in_sasl;	/* allowed as a child of <sasl> */
};

/* Loads a configuration file. If the file does not exist and
   is_default_path is true, the built-in defaults are used; a missing
   explicit file is an error. On failure *cfg_r is NULL and err holds
   exactly one line naming the file, the line and the option, e.g.
   "ms.conf:12: imap_port: invalid value 'abc' (expected a port number)".
   Returns 0 or -1. Call from one thread at a time (libxml2 initialisation);
   the result may be shared by all threads. */
int config_load(const char *path, bool is_default_path,
		struct ms_config **cfg_r, struct err *err);
/* Parses ms.conf text from memory; name is used in messages. */
int config_load_data(const char *name, const void *data, size_t size,
		     struct ms_config **cfg_r, struct err *err);
/* The built-in defaults (never fails). */
struct ms_config *config_defaults(void);

/* Takes another reference. Thread-safe. */
struct ms_config *config_ref(struct ms_config *cfg);
/* Drops a reference, frees on the last one, sets *cfg to NULL. NULL-safe.
   Thread-safe. */
void config_unref(struct ms_config **cfg);

/* Called by config_reload_diff() for each option whose value differs.
   needs_restart is true for options that cannot change on SIGHUP. */
typedef void config_diff_callback(const char *option, bool needs_restart,
				  void *ctx);
/* Compares two snapshots and calls cb (if not NULL) for every changed
   option, structured elements included ("domain_map", "shared_root",
   "group"). Returns the number of changes that need a restart. */
unsigned config_reload_diff(const struct ms_config *old_cfg,
			    const struct ms_config *new_cfg,
			    config_diff_callback *cb, void *ctx);

/* The default domain for a client connected to the local address addr
   (an IPv4 or IPv6 literal, as from inet_ntop(); NULL allowed): the
   matching <domain_map> domain, otherwise `domain` (which defaults to the
   machine's FQDN). Never NULL. O(1). */
const char *config_domain_for_local_addr(const struct ms_config *cfg,
					 const char *addr);

/* Whether a service name ("imap", "pop", "sieve") is known; sets *svc_r. */
bool config_service_parse(const char *name, enum config_service *svc_r);
const char *config_service_name(enum config_service svc);
/* "allow"/"grant", "deny"; sets *access_r. */
bool config_access_parse(const char *name, enum config_access *access_r);

/* Syntax of an expiration policy value: "<mailbox>$<seconds>" (seconds > 0)
   or "<mailbox>$NONE" (M-Box guide 3.2.4); the last '$' separates. */
bool config_expiration_policy_valid(const char *value);

/* True if the (TOP-level) option was given in the file. */
bool config_is_set(const struct ms_config *cfg, const char *option);

/* The option table, in options.def order. */
const struct config_option_info *config_options(size_t *count_r);

#endif
