/* SPDX-License-Identifier: MIT */
/* Account records in memory, user-id canonicalisation, service access. */
#include "auth/account.h"
#include "lib/mem.h"
#include "lib/str.h"
#include "lib/utf8.h"

#include <stdio.h>
#include <string.h>

/* Property names that are account fields (or secrets) and therefore not
   free properties; msadm maps the M-Box attribute names to the fields. */
static const char *const reserved_props[] = {
    "mailLocalAddress",
    "mboxMessageSizeQuota",
    "isodeMboxMailExpirationPolicy",
    "mboxRootUserDir",
    "userPassword",
    "password",
    "uid",
    "inetUserStatus",
    "quota",
    "expiration",
    "userdir",
    "alias",
    "status",
    "authPassword",
};

struct account *
account_create(const char *userid)
{
	struct pool *pool = pool_create(1024);
	struct account *a = pool_alloc(pool, sizeof(*a));

	a->pool = pool;
	a->userid = pool_strdup(pool, userid);
	a->status = ACCOUNT_ENABLED;
	return a;
}

static const char *
dup_opt(struct pool *pool, const char *s)
{
	return s == NULL ? NULL : pool_strdup(pool, s);
}

struct account *
account_dup(const struct account *src)
{
	struct account *a = account_create(src->userid);
	struct pool *p = a->pool;

	a->status = src->status;
	a->password = dup_opt(p, src->password);
	a->scram_sha1 = dup_opt(p, src->scram_sha1);
	a->scram_sha256 = dup_opt(p, src->scram_sha256);
	a->cram_md5 = dup_opt(p, src->cram_md5);
	for (size_t i = 0; i < src->aliases.n; i++)
		vec_push(&a->aliases, pool_strdup(p, src->aliases.v[i]));
	a->has_quota = src->has_quota;
	a->quota_kib = src->quota_kib;
	memcpy(a->service, src->service, sizeof(a->service));
	for (size_t i = 0; i < src->expiration.n; i++)
		vec_push(&a->expiration, pool_strdup(p, src->expiration.v[i]));
	a->userdir = dup_opt(p, src->userdir);
	for (size_t i = 0; i < src->props.n; i++) {
		struct account_prop prop = {
		    pool_strdup(p, src->props.v[i].name),
		    pool_strdup(p, src->props.v[i].value),
		};
		vec_push(&a->props, prop);
	}
	return a;
}

static void
wipe(const char *s)
{
	if (s != NULL)
		mem_wipe((void *)s, strlen(s));
}

void
account_destroy(struct account **ap)
{
	struct account *a = *ap;
	struct pool *pool;

	if (a == NULL)
		return;
	*ap = NULL;
	wipe(a->password);
	wipe(a->scram_sha1);
	wipe(a->scram_sha256);
	wipe(a->cram_md5);
	vec_free(&a->aliases);
	vec_free(&a->expiration);
	vec_free(&a->props);
	pool = a->pool;
	pool_destroy(&pool);
}

const char *
account_status_name(enum account_status status)
{
	switch (status) {
	case ACCOUNT_ENABLED:
		return "enabled";
	case ACCOUNT_DISABLED:
		return "disabled";
	case ACCOUNT_MIGRATING:
		return "migrating";
	}
	return "?";
}

bool
account_status_parse(const char *name, enum account_status *status_r)
{
	static const enum account_status all[] = {
	    ACCOUNT_ENABLED,
	    ACCOUNT_DISABLED,
	    ACCOUNT_MIGRATING,
	};

	for (size_t i = 0; i < N_ELEMENTS(all); i++) {
		if (strcmp(name, account_status_name(all[i])) == 0) {
			*status_r = all[i];
			return true;
		}
	}
	return false;
}

/* Syntax shared by canonical ids and the names they are made from. '/' is
   atext (RFC 5322 section 3.2.3) but never allowed in an account name,
   which also becomes a file name. */
static bool
address_valid(const char *s, size_t len)
{
	return memchr(s, '/', len) == NULL && mailaddr_valid(s, len);
}

bool
account_userid_valid(const char *s)
{
	size_t len = strlen(s);

	if (len > ACCOUNT_USERID_MAX || !address_valid(s, len))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] >= 'A' && s[i] <= 'Z')
			return false;
	}
	return true;
}

int
account_canonicalize(const struct ms_config *cfg, const char *name,
		     const char *local_addr, char *out, size_t out_size,
		     struct err *err)
{
	size_t len = strlen(name);
	const char *at = strchr(name, '@');
	int n;

	if (len == 0)
		return err_set(err, ERR_PARAMS, "empty user name");
	if (len > ACCOUNT_USERID_MAX)
		return err_set(err, ERR_PARAMS, "user name too long");
	if (at == NULL) {
		/* RFC 5321 section 4.5.3.1.1 bounds the local part */
		if (len > MAILADDR_LOCAL_MAX)
			return err_set(err, ERR_PARAMS, "user name too long");
		n = snprintf(out, out_size, "%s@%s", name,
			     config_domain_for_local_addr(cfg, local_addr));
	} else {
		n = snprintf(out, out_size, "%s", name);
	}
	if (n < 0 || (size_t)n >= out_size || (size_t)n > ACCOUNT_USERID_MAX)
		return err_set(err, ERR_PARAMS, "user name too long");
	str_lower(out);
	if (!address_valid(out, (size_t)n)) {
		char shown[128];

		str_escape_log(shown, sizeof(shown), name, MIN(len, 64));
		return err_set(err, ERR_PARAMS, "invalid user name: %s", shown);
	}
	return 0;
}

bool
account_has_alias(const struct account *a, const char *alias)
{
	for (size_t i = 0; i < a->aliases.n; i++) {
		if (strcmp(a->aliases.v[i], alias) == 0)
			return true;
	}
	return false;
}

int
account_add_alias(struct account *a, const char *alias, struct err *err)
{
	if (!account_userid_valid(alias))
		return err_set(err, ERR_PARAMS, "invalid alias: %s", alias);
	if (strcmp(alias, a->userid) == 0 || account_has_alias(a, alias))
		return 0;
	if (a->aliases.n >= ACCOUNT_MAX_ALIASES)
		return err_set(err, ERR_LIMIT, "too many aliases (at most %d)",
			       ACCOUNT_MAX_ALIASES);
	vec_push(&a->aliases, pool_strdup(a->pool, alias));
	return 0;
}

bool
account_remove_alias(struct account *a, const char *alias)
{
	for (size_t i = 0; i < a->aliases.n; i++) {
		if (strcmp(a->aliases.v[i], alias) == 0) {
			vec_delete(&a->aliases, i);
			return true;
		}
	}
	return false;
}

bool
account_prop_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > ACCOUNT_PROP_NAME_MAX || !ascii_isalpha(name[0]))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!ascii_isalpha(name[i]) && !ascii_isdigit(name[i]) &&
		    strchr("-_.;", name[i]) == NULL)
			return false;
	}
	for (size_t i = 0; i < N_ELEMENTS(reserved_props); i++) {
		if (str_eq_icase(name, reserved_props[i]))
			return false;
	}
	return true;
}

static bool
text_valid(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len > max)
		return false;
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	}
	return utf8_valid(s, len);
}

int
account_add_prop(struct account *a, const char *name, const char *value,
		 struct err *err)
{
	struct account_prop prop;

	if (!account_prop_name_valid(name))
		return err_set(err, ERR_PARAMS,
			       "invalid or reserved property name: %.64s",
			       name);
	if (!text_valid(value, ACCOUNT_PROP_VALUE_MAX))
		return err_set(err, ERR_PARAMS, "invalid value of property %s",
			       name);
	if (a->props.n >= ACCOUNT_MAX_PROPS)
		return err_set(err, ERR_LIMIT,
			       "too many properties (at most %d)",
			       ACCOUNT_MAX_PROPS);
	prop.name = pool_strdup(a->pool, name);
	prop.value = pool_strdup(a->pool, value);
	vec_push(&a->props, prop);
	return 0;
}

unsigned
account_remove_prop(struct account *a, const char *name)
{
	unsigned removed = 0;

	for (size_t i = 0; i < a->props.n;) {
		if (str_eq_icase(a->props.v[i].name, name)) {
			vec_delete(&a->props, i);
			removed++;
		} else {
			i++;
		}
	}
	return removed;
}

int
account_add_expiration(struct account *a, const char *policy, struct err *err)
{
	if (!text_valid(policy, ACCOUNT_PROP_VALUE_MAX) ||
	    !config_expiration_policy_valid(policy))
		return err_set(err, ERR_PARAMS,
			       "invalid expiration policy (expected "
			       "<mailbox>$<seconds> or <mailbox>$NONE)");
	if (a->expiration.n >= ACCOUNT_MAX_EXPIRATIONS)
		return err_set(err, ERR_LIMIT,
			       "too many expiration policies (at most %d)",
			       ACCOUNT_MAX_EXPIRATIONS);
	vec_push(&a->expiration, pool_strdup(a->pool, policy));
	return 0;
}

int
account_set_userdir(struct account *a, const char *path, struct err *err)
{
	if (path == NULL) {
		a->userdir = NULL;
		return 0;
	}
	if (path[0] != '/' || !text_valid(path, 1024))
		return err_set(err, ERR_PARAMS,
			       "invalid mail root (expected an absolute "
			       "path)");
	a->userdir = pool_strdup(a->pool, path);
	return 0;
}

int
account_set_quota(struct account *a, uint64_t kib, struct err *err)
{
	if (kib > ACCOUNT_QUOTA_MAX)
		return err_set(err, ERR_PARAMS, "quota too large");
	a->has_quota = true;
	a->quota_kib = kib;
	return 0;
}

enum config_access
account_service_access(const struct ms_config *cfg, const struct account *a,
		       enum config_service svc, bool *explicit_r)
{
	enum config_access rule;

	if (a != NULL && a->service[svc] != CONFIG_ACCESS_DEFAULT) {
		*explicit_r = true;
		return a->service[svc];
	}
	*explicit_r = false;
	rule = cfg->accessible_services.rule[svc];
	/* M-Box leaves unlisted services to an option it never defines;
	   Coffer allows them. */
	return rule == CONFIG_ACCESS_DEFAULT ? CONFIG_ACCESS_ALLOW : rule;
}

uint64_t
account_quota_kib(const struct ms_config *cfg, const struct account *a)
{
	return a != NULL && a->has_quota ? a->quota_kib : cfg->quota_limit;
}
