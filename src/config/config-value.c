/* SPDX-License-Identifier: MIT */
/* Typed option values: parsing and range checks for every option type. */
#include "config/config-private.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "lib/strnum.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>
#include <sys/un.h>

/* Longest path option; leaves room below PATH_MAX for what is appended. */
#define CONFIG_PATH_MAX 1024

struct value_ctx {
	struct ms_config *cfg;
	const struct config_opt_desc *d;
	const char *value;
	const char **warning_r;
	struct err *err;
};

static void *
field(const struct value_ctx *vc)
{
	return (char *)vc->cfg + vc->d->offset;
}

static int
invalid(const struct value_ctx *vc, const char *expected)
{
	if ((vc->d->flags & CONFIG_F_SECRET) != 0)
		return err_set(vc->err, ERR_PARAMS,
			       "%s: invalid value (expected %s)", vc->d->name,
			       expected);
	return err_set(vc->err, ERR_PARAMS,
		       "%s: invalid value '%s' (expected %s)", vc->d->name,
		       config__quote(vc->cfg, vc->value), expected);
}

static bool
has_control(const char *s, bool multiline)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (multiline && (c == '\t' || c == '\n' || c == '\r'))
			continue;
		if (c < 0x20 || c == 0x7f)
			return true;
	}
	return false;
}

static int
set_bool(const struct value_ctx *vc)
{
	if (str_to_bool(vc->value, field(vc)) < 0)
		return invalid(vc, "true or false");
	return 0;
}

static int
set_uint(const struct value_ctx *vc)
{
	uint64_t n;

	if (str_to_u64(vc->value, &n) < 0 || n < vc->d->u.uint.min ||
	    n > vc->d->u.uint.max)
		return invalid(
		    vc, pool_printf(vc->cfg->priv->pool,
				    "a number from %" PRIu64 " to %" PRIu64,
				    vc->d->u.uint.min, vc->d->u.uint.max));
	*(uint64_t *)field(vc) = n;
	return 0;
}

static int
parse_port(const char *s, uint64_t min, uint64_t *port_r)
{
	if (str_to_u64(s, port_r) < 0 || *port_r < min || *port_r > 65535)
		return -1;
	return 0;
}

static int
set_port(const struct value_ctx *vc)
{
	if (parse_port(vc->value, vc->d->u.port.min, field(vc)) < 0)
		return invalid(vc, "a port number");
	return 0;
}

/* Digits and an optional suffix; returns the suffix (maybe ""), or NULL
   if there are no digits or the number overflows. */
static const char *
split_number(const char *s, bool allow_sign, int64_t *n_r)
{
	bool neg = allow_sign && s[0] == '-';
	uint64_t n;
	size_t len = strlen(s) - (neg ? 1 : 0);
	size_t digits = mem_to_u64(s + (neg ? 1 : 0), len, INT64_MAX, &n);

	if (digits == 0)
		return NULL;
	*n_r = neg ? -(int64_t)n : (int64_t)n;
	return s + (neg ? 1 : 0) + digits;
}

static int
set_size(const struct value_ctx *vc)
{
	const struct config_opt_desc *d = vc->d;
	const char *expected = pool_printf(
	    vc->cfg->priv->pool,
	    "a size in %s up to %" PRIu64 ", optionally with k, m or g",
	    d->u.size.unit == 1 ? "bytes" : "KiB", d->u.size.max);
	const char *suffix;
	uint64_t mult = 0, bytes;
	int64_t n;

	suffix = split_number(vc->value, false, &n);
	if (suffix == NULL)
		return invalid(vc, expected);
	if (suffix[0] == '\0') {
		if ((uint64_t)n > d->u.size.max)
			return invalid(vc, expected);
		*(uint64_t *)field(vc) = (uint64_t)n;
		return 0;
	}
	if (suffix[1] == '\0') {
		switch (ascii_tolower(suffix[0])) {
		case 'k':
			mult = 1024;
			break;
		case 'm':
			mult = 1024 * 1024;
			break;
		case 'g':
			mult = 1024 * 1024 * 1024;
			break;
		default:
			break;
		}
	}
	if (mult == 0 || (uint64_t)n > UINT64_MAX / mult)
		return invalid(vc, expected);
	bytes = (uint64_t)n * mult;
	if (bytes % d->u.size.unit != 0 ||
	    bytes / d->u.size.unit > d->u.size.max)
		return invalid(vc, expected);
	*(uint64_t *)field(vc) = bytes / d->u.size.unit;
	return 0;
}

static const char *
duration_unit_name(int64_t unit)
{
	switch (unit) {
	case 1:
		return "seconds";
	case 60:
		return "minutes";
	case 3600:
		return "hours";
	default:
		return "days";
	}
}

static int
set_duration(const struct value_ctx *vc)
{
	const struct config_opt_desc *d = vc->d;
	int64_t unit = d->u.duration.unit, n, secs, mult = unit;
	int64_t min = d->u.duration.min * unit, max = d->u.duration.max * unit;
	const char *unit_name = duration_unit_name(unit);
	const char *expected =
	    pool_printf(vc->cfg->priv->pool,
			"a number of %s from %" PRId64 " to %" PRId64
			", or with suffix s, m, h or d",
			unit_name, d->u.duration.min, d->u.duration.max);
	const char *suffix = split_number(vc->value, true, &n);

	if (suffix == NULL)
		return invalid(vc, expected);
	if (suffix[0] != '\0') {
		mult = 0;
		if (suffix[1] == '\0' && n >= 0) {
			switch (suffix[0]) {
			case 's':
				mult = 1;
				break;
			case 'm':
				mult = 60;
				break;
			case 'h':
				mult = 3600;
				break;
			case 'd':
				mult = 86400;
				break;
			default:
				break;
			}
		}
		if (mult == 0)
			return invalid(vc, expected);
	}
	if (n > INT64_MAX / mult || n < -INT64_MAX / mult)
		return invalid(vc, expected);
	secs = n * mult;
	/* -1 means "none" where the option allows it (min = -1). */
	if (d->u.duration.min < 0 && n == -1 && suffix[0] == '\0') {
		*(int64_t *)field(vc) = -1;
		return 0;
	}
	if (secs < min || secs > max) {
		if ((d->flags & CONFIG_F_CLAMP) == 0 || vc->warning_r == NULL)
			return invalid(vc, expected);
		secs = secs < min ? min : max;
		*vc->warning_r = pool_printf(
		    vc->cfg->priv->pool,
		    "%s: %s is out of range; using %" PRId64 " %s", d->name,
		    config__quote(vc->cfg, vc->value), secs / unit, unit_name);
	}
	*(int64_t *)field(vc) = secs;
	return 0;
}

static int
check_text(const struct value_ctx *vc, size_t max_len, bool allow_empty)
{
	size_t len = strlen(vc->value);

	if (len == 0 && !allow_empty && (vc->d->flags & CONFIG_F_EMPTY) == 0)
		return err_set(vc->err, ERR_PARAMS,
			       "%s: empty value not allowed", vc->d->name);
	if (len > max_len)
		return err_set(vc->err, ERR_PARAMS,
			       "%s: value too long (at most %zu bytes)",
			       vc->d->name, max_len);
	if (has_control(vc->value, (vc->d->flags & CONFIG_F_MULTILINE) != 0))
		return invalid(vc, "text without control characters");
	return 0;
}

static int
set_string(const struct value_ctx *vc)
{
	const char *problem;

	if (check_text(vc, vc->d->u.string.max_len, false) < 0)
		return -1;
	if (vc->value[0] != '\0' && vc->d->u.string.check != NULL &&
	    (problem = vc->d->u.string.check(vc->value)) != NULL)
		return invalid(vc, problem);
	*(const char **)field(vc) = pool_strdup(vc->cfg->priv->pool, vc->value);
	return 0;
}

static int
set_path(const struct value_ctx *vc)
{
	char *path;
	size_t len;

	if (check_text(vc, CONFIG_PATH_MAX, false) < 0)
		return -1;
	if (vc->value[0] != '\0' && vc->value[0] != '/')
		return invalid(vc, "an absolute path");
	path = pool_strdup(vc->cfg->priv->pool, vc->value);
	len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	*(const char **)field(vc) = path;
	return 0;
}

static int
set_enum(const struct value_ctx *vc)
{
	const struct config_enum_value *v = vc->d->u.enumeration.values;
	struct buf names = BUF_INIT;
	int ret;

	for (size_t i = 0; v[i].name != NULL; i++) {
		if (str_eq_icase(v[i].name, vc->value)) {
			*(int *)field(vc) = v[i].value;
			return 0;
		}
	}
	buf_append_str(&names, "one of ");
	for (size_t i = 0; v[i].name != NULL; i++)
		buf_printf(&names, "%s%s", i > 0 ? ", " : "", v[i].name);
	ret = invalid(vc, buf_cstr(&names));
	buf_free(&names);
	return ret;
}

static int
set_list(const struct value_ctx *vc, bool append)
{
	const struct config_opt_desc *d = vc->d;
	struct config_strlist *list = field(vc);
	size_t old_n = append ? list->n : 0, n = old_n;
	char *copy, *p, *save = NULL;
	const char **v;

	if (check_text(vc, 4096, true) < 0)
		return -1;
	copy = pool_strdup(vc->cfg->priv->pool, vc->value);
	/* Counting the separators bounds the number of elements. */
	v = pool_alloc_array(vc->cfg->priv->pool, old_n + strlen(copy) / 2 + 2,
			     sizeof(*v));
	if (old_n > 0)
		memcpy(v, list->v, old_n * sizeof(*v));
	if (d->u.list.seps[0] == '\0') {
		if (copy[0] != '\0')
			v[n++] = copy;
	} else {
		for (p = strtok_r(copy, d->u.list.seps, &save); p != NULL;
		     p = strtok_r(NULL, d->u.list.seps, &save))
			v[n++] = p;
	}
	for (size_t i = old_n; i < n; i++) {
		const char *problem =
		    d->u.list.check == NULL ? NULL : d->u.list.check(v[i]);

		if (problem != NULL) {
			return err_set(vc->err, ERR_PARAMS,
				       "%s: invalid value '%s' (expected %s)",
				       d->name, config__quote(vc->cfg, v[i]),
				       problem);
		}
	}
	if (n > d->u.list.max)
		return err_set(vc->err, ERR_PARAMS,
			       "%s: too many values (at most %zu)", d->name,
			       d->u.list.max);
	if (n == 0 && (d->flags & CONFIG_F_EMPTY) == 0)
		return err_set(vc->err, ERR_PARAMS,
			       "%s: empty value not allowed", d->name);
	list->v = v;
	list->n = n;
	return 0;
}

/* One listen address: "*", "addr", "addr:port", "[v6]", "[v6]:port",
   a bare IPv6 literal, or an absolute Unix socket path. */
static const char *
parse_listen(struct pool *pool, char *item, struct config_listen *l)
{
	static const char expected[] =
	    "addresses of the form addr, addr:port, [ipv6]:port or "
	    "/socket/path";
	struct in6_addr a6;
	char *colon, *port = NULL;
	uint64_t n;

	memset(l, 0, sizeof(*l));
	if (item[0] == '/') {
		if (strlen(item) >= sizeof(((struct sockaddr_un *)0)->sun_path))
			return "a Unix socket path shorter than 108 bytes";
		l->path = pool_strdup(pool, item);
		return NULL;
	}
	if (item[0] == '[') {
		char *end = strchr(item, ']');

		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			return expected;
		*end = '\0';
		if (inet_pton(AF_INET6, item + 1, &a6) != 1)
			return expected;
		l->host = pool_strdup(pool, item + 1);
		port = end[1] == ':' ? end + 2 : NULL;
	} else if ((colon = strchr(item, ':')) != NULL &&
		   strchr(colon + 1, ':') == NULL) {
		*colon = '\0';
		port = colon + 1;
		if (item[0] != '\0' && strcmp(item, "*") != 0) {
			if (config_check_hostname(item) != NULL)
				return expected;
			l->host = pool_strdup(pool, item);
		}
	} else if (strcmp(item, "*") != 0) {
		if (config_check_hostname(item) != NULL)
			return expected;
		l->host = pool_strdup(pool, item);
	}
	if (port != NULL) {
		if (parse_port(port, 1, &n) < 0)
			return "a port number after ':'";
		l->port = (uint16_t)n;
	}
	return NULL;
}

static int
set_hosts(const struct value_ctx *vc, bool append)
{
	struct config_listen_list *list = field(vc);
	struct pool *pool = vc->cfg->priv->pool;
	size_t old_n = append ? list->n : 0, n = old_n;
	char *copy, *p, *save = NULL;
	struct config_listen *v;

	/* An empty value means all interfaces (M-Box's "(*)"). */
	if (check_text(vc, 4096, true) < 0)
		return -1;
	copy = pool_strdup(pool, vc->value);
	v = pool_alloc_array(pool, old_n + strlen(copy) / 2 + 2, sizeof(*v));
	if (old_n > 0)
		memcpy(v, list->v, old_n * sizeof(*v));
	for (p = strtok_r(copy, " \t\r\n", &save); p != NULL;
	     p = strtok_r(NULL, " \t\r\n", &save)) {
		const char *shown = config__quote(vc->cfg, p);
		const char *problem = parse_listen(pool, p, &v[n]);

		if (problem != NULL)
			return err_set(vc->err, ERR_PARAMS,
				       "%s: invalid value '%s' (expected %s)",
				       vc->d->name, shown, problem);
		n++;
	}
	if (n == old_n)
		memset(&v[n++], 0, sizeof(v[0]));
	if (n > CONFIG_MAX_LISTENERS)
		return err_set(vc->err, ERR_PARAMS,
			       "%s: too many addresses (at most %d)",
			       vc->d->name, CONFIG_MAX_LISTENERS);
	list->v = v;
	list->n = n;
	return 0;
}

/* "imap=grant, sieve=allow, pop=deny" (M-Box guide 2.2.5.1) */
static int
set_access(const struct value_ctx *vc)
{
	static const char expected[] =
	    "service=access pairs: imap, pop or sieve = allow, grant or "
	    "deny";
	struct config_access_rules rules;
	char *copy, *p, *save = NULL;

	memset(&rules, 0, sizeof(rules));
	if (check_text(vc, 1024, true) < 0)
		return -1;
	copy = pool_strdup(vc->cfg->priv->pool, vc->value);
	for (p = strtok_r(copy, ",", &save); p != NULL;
	     p = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(p, '=');
		enum config_service svc;
		enum config_access access;

		if (*str_trim(p) == '\0')
			continue;
		if (eq == NULL)
			return invalid(vc, expected);
		*eq = '\0';
		if (!config_service_parse(str_trim(p), &svc) ||
		    !config_access_parse(str_trim(eq + 1), &access))
			return invalid(vc, expected);
		if (rules.rule[svc] != CONFIG_ACCESS_DEFAULT)
			return err_set(vc->err, ERR_PARAMS,
				       "%s: service %s listed twice",
				       vc->d->name, config_service_name(svc));
		rules.rule[svc] = access;
	}
	*(struct config_access_rules *)field(vc) = rules;
	return 0;
}

int
config__set_value(struct ms_config *cfg, const struct config_opt_desc *d,
		  const char *value, bool append, const char **warning_r,
		  struct err *err)
{
	struct value_ctx vc = {cfg, d, value, warning_r, err};

	switch (d->type) {
	case CONFIG_T_BOOL:
		return set_bool(&vc);
	case CONFIG_T_UINT:
		return set_uint(&vc);
	case CONFIG_T_PORT:
		return set_port(&vc);
	case CONFIG_T_SIZE:
		return set_size(&vc);
	case CONFIG_T_DURATION:
		return set_duration(&vc);
	case CONFIG_T_STRING:
		return set_string(&vc);
	case CONFIG_T_PATH:
		return set_path(&vc);
	case CONFIG_T_ENUM:
		return set_enum(&vc);
	case CONFIG_T_LIST:
		return set_list(&vc,
				append && (d->flags & CONFIG_F_REPEAT) != 0);
	case CONFIG_T_HOSTS:
		return set_hosts(&vc, append);
	case CONFIG_T_ACCESS:
		return set_access(&vc);
	}
	return err_set(err, ERR_INTERNAL, "%s: unknown option type", d->name);
}

const char *
config__quote(struct ms_config *cfg, const char *value)
{
	char out[4 * 64 + 4];
	size_t len = strlen(value);

	str_escape_log(out, sizeof(out) - 3, value, len > 64 ? 64 : len);
	if (len > 64)
		strcat(out, "...");
	return pool_strdup(cfg->priv->pool, out);
}
