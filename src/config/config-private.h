/* SPDX-License-Identifier: MIT */
/* Internals of the configuration module: option descriptors and helpers. */
#ifndef COFFER_CONFIG_CONFIG_PRIVATE_H
#define COFFER_CONFIG_CONFIG_PRIVATE_H

#include "config/config.h"
#include "lib/hash.h"
#include "lib/pool.h"
#include "lib/vec.h"

#include <stdatomic.h>

enum config_opt_id {
#define CONFIG_OPT(field, ...) CONFIG_OPT_ID_##field,
#include "config/options.def"
#undef CONFIG_OPT
	CONFIG_OPT_COUNT
};

enum config_type {
	CONFIG_T_BOOL,
	CONFIG_T_UINT,
	CONFIG_T_PORT,
	CONFIG_T_SIZE,
	CONFIG_T_DURATION,
	CONFIG_T_STRING,
	CONFIG_T_PATH,
	CONFIG_T_ENUM,
	CONFIG_T_LIST,
	CONFIG_T_HOSTS,
	CONFIG_T_ACCESS,
};

enum config_scope {
	CONFIG_SCOPE_TOP = 1,
	CONFIG_SCOPE_SASL = 2,
	CONFIG_SCOPE_BOTH = 3,
};

/* Validates one string value. Returns NULL if it is fine, else a short
   description of what was expected ("a domain name"). */
typedef const char *config_check_fn(const char *value);

struct config_opt_desc {
	const char *name;
	const char *display; /* "sasl/<name>" for options inside <sasl> */
	enum config_type type;
	enum config_scope scope;
	unsigned flags;
	size_t offset;
	const char *def;
	const char *doc;
	union {
		struct {
			uint64_t min, max;
		} uint;
		struct {
			uint64_t min;
		} port;
		struct {
			uint64_t unit, max;
		} size;
		struct {
			int64_t unit, min, max;
		} duration;
		struct {
			size_t max_len;
			config_check_fn *check;
		} string;
		struct {
			const struct config_enum_value *values;
		} enumeration;
		struct {
			const char *seps;
			config_check_fn *check;
			size_t max;
		} list;
		struct {
			size_t port_offset;
		} hosts;
	} u;
};

extern const struct config_opt_desc config_opt_descs[CONFIG_OPT_COUNT];

struct config_private {
	atomic_uint refcount;
	struct pool *pool;
	/* Line where each option was set, 0 if not set in the file. */
	int line[CONFIG_OPT_COUNT];
	/* 16-byte normalised address -> struct config_domain_map */
	struct hash domain_map_index;
	VEC(const char *) warnings;
	VEC(struct config_domain_map) domain_maps;
	VEC(struct config_shared_root) shared_roots;
	VEC(struct config_group) groups;
};

/* Validators referenced from options.def (config-check.c). */
config_check_fn config_check_location, config_check_hostname, config_check_mech,
    config_check_domain, config_check_address, config_check_username,
    config_check_expiration, config_check_cipher_list, config_check_word,
    config_check_ldap_url, config_check_service_name, config_check_local_part,
    config_check_cert_identity;

extern const struct config_enum_value config_enum_sync_protocol[];
extern const struct config_enum_value config_enum_pwcheck[];
extern const struct config_enum_value config_enum_tls_check[];
extern const struct config_enum_value config_enum_starttls[];
extern const struct config_enum_value config_enum_map_method[];
extern const struct config_enum_value config_enum_log_level[];
extern const struct config_enum_value config_enum_tls_protocol[];

/* Parses value for option desc into cfg (config-value.c). Repeatable
   options (LIST with CONFIG_F_REPEAT, HOSTS) append when `append`.
   On error returns -1 and sets err to "<option>: <problem>" (no file or
   line; the caller adds them). A clamped value adds a warning through
   *warning_r (pool string) and returns 0. */
int config__set_value(struct ms_config *cfg, const struct config_opt_desc *d,
		      const char *value, bool append, const char **warning_r,
		      struct err *err);
/* Whether two snapshots hold the same value of option d (config-diff.c). */
bool config__value_equal(const struct config_opt_desc *d,
			 const struct ms_config *a, const struct ms_config *b);

/* A fresh snapshot holding the table defaults, before derived defaults. */
struct ms_config *config__new(void);
/* Applies derived defaults and cross-option checks after parsing; returns
   -1 with a one-line error (prefixed with name:line where possible). */
int config__finish(struct ms_config *cfg, const char *name, struct err *err);
/* Adds a "<name>:<line>: <text>" warning. */
void config__warn(struct ms_config *cfg, const char *name, int line,
		  const char *fmt, ...) ATTR_FORMAT(4, 5);

/* Parses an IP literal into 16 bytes (IPv4 as ::ffff:a.b.c.d). */
bool config__addr_normalize(const char *addr, uint8_t out[16]);

/* Structured elements (config-struct.c). Each returns -1 with err set to
   the message without the "file:line: " prefix; *line_r says where. */
struct _xmlNode;
int config__parse_domain_map(struct ms_config *cfg, struct _xmlNode *node,
			     const char *name, struct err *err);
int config__parse_shared_root(struct ms_config *cfg, struct _xmlNode *node,
			      const char *name, struct err *err);
int config__parse_group(struct ms_config *cfg, struct _xmlNode *node,
			const char *name, struct err *err);
/* Resolves shared-root defaults and cross-references after parsing. */
int config__finish_structs(struct ms_config *cfg, const char *name,
			   struct err *err);

/* Escapes a value for an error message (bounded, control bytes as \xHH). */
const char *config__quote(struct ms_config *cfg, const char *value);

#endif
