/* SPDX-License-Identifier: MIT */
/* Account records as "key: value" text. */
#include "auth/account-record.h"
#include "auth/cram-md5.h"
#include "auth/password.h"
#include "auth/scram.h"
#include "lib/mem.h"
#include "lib/strnum.h"
#include "lib/utf8.h"

#include <string.h>

enum record_key {
	KEY_USERID,
	KEY_STATUS,
	KEY_PASSWORD,
	KEY_SCRAM_SHA1,
	KEY_SCRAM_SHA256,
	KEY_CRAM_MD5,
	KEY_ALIAS,
	KEY_QUOTA,
	KEY_SERVICE_IMAP,
	KEY_SERVICE_POP,
	KEY_SERVICE_SIEVE,
	KEY_EXPIRATION,
	KEY_USERDIR,
	KEY_PROP,
	KEY_COUNT
};

static const struct {
	const char *name;
	bool repeatable;
} record_keys[KEY_COUNT] = {
    [KEY_USERID] = {"userid", false},
    [KEY_STATUS] = {"status", false},
    [KEY_PASSWORD] = {"password", false},
    [KEY_SCRAM_SHA1] = {"scram-sha-1", false},
    [KEY_SCRAM_SHA256] = {"scram-sha-256", false},
    [KEY_CRAM_MD5] = {"cram-md5", false},
    [KEY_ALIAS] = {"alias", true},
    [KEY_QUOTA] = {"quota", false},
    [KEY_SERVICE_IMAP] = {"service-imap", false},
    [KEY_SERVICE_POP] = {"service-pop", false},
    [KEY_SERVICE_SIEVE] = {"service-sieve", false},
    [KEY_EXPIRATION] = {"expiration", true},
    [KEY_USERDIR] = {"userdir", false},
    [KEY_PROP] = {"prop", true},
};

static const char *
access_name(enum config_access access)
{
	return access == CONFIG_ACCESS_ALLOW ? "allow" : "deny";
}

int
account_record_format(const struct account *a, struct buf *out, struct err *err)
{
	size_t start = out->len;
	struct account *check;
	struct err perr;

	buf_printf(out, "%s\nuserid: %s\nstatus: %s\n", ACCOUNT_RECORD_VERSION,
		   a->userid, account_status_name(a->status));
	if (a->password != NULL)
		buf_printf(out, "password: %s\n", a->password);
	if (a->scram_sha1 != NULL)
		buf_printf(out, "scram-sha-1: %s\n", a->scram_sha1);
	if (a->scram_sha256 != NULL)
		buf_printf(out, "scram-sha-256: %s\n", a->scram_sha256);
	if (a->cram_md5 != NULL)
		buf_printf(out, "cram-md5: %s\n", a->cram_md5);
	for (size_t i = 0; i < a->aliases.n; i++)
		buf_printf(out, "alias: %s\n", a->aliases.v[i]);
	if (a->has_quota)
		buf_printf(out, "quota: %llu\n",
			   (unsigned long long)a->quota_kib);
	for (int s = 0; s < CONFIG_SERVICE_COUNT; s++) {
		if (a->service[s] != CONFIG_ACCESS_DEFAULT)
			buf_printf(out, "service-%s: %s\n",
				   config_service_name(s),
				   access_name(a->service[s]));
	}
	for (size_t i = 0; i < a->expiration.n; i++)
		buf_printf(out, "expiration: %s\n", a->expiration.v[i]);
	if (a->userdir != NULL)
		buf_printf(out, "userdir: %s\n", a->userdir);
	for (size_t i = 0; i < a->props.n; i++)
		buf_printf(out, "prop: %s=%s\n", a->props.v[i].name,
			   a->props.v[i].value);
	/* One validator for both directions: what we write must read. */
	check =
	    account_record_parse(out->data + start, out->len - start, &perr);
	if (check == NULL) {
		buf_truncate(out, start);
		return err_set(err, ERR_PARAMS, "invalid account %s: %s",
			       a->userid, perr.msg);
	}
	account_destroy(&check);
	return 0;
}

struct parse {
	struct account *a;
	unsigned seen[KEY_COUNT];
	unsigned line;
	struct err *err;
};

static int
bad(struct parse *p, const char *what)
{
	return err_set(p->err, ERR_CORRUPT, "line %u: %s", p->line, what);
}

static int
parse_service(struct parse *p, enum config_service svc, const char *value)
{
	enum config_access access;

	if (strcmp(value, "allow") == 0)
		access = CONFIG_ACCESS_ALLOW;
	else if (strcmp(value, "deny") == 0)
		access = CONFIG_ACCESS_DENY;
	else
		return bad(p, "service access must be allow or deny");
	p->a->service[svc] = access;
	return 0;
}

static int
parse_secret(struct parse *p, enum record_key key, const char *value)
{
	struct account *a = p->a;
	struct scram_keys keys;
	struct err err;

	switch (key) {
	case KEY_PASSWORD:
		if (!password_hash_valid(value))
			return bad(p, "invalid password hash");
		a->password = pool_strdup(a->pool, value);
		return 0;
	case KEY_SCRAM_SHA1:
	case KEY_SCRAM_SHA256:
		if (scram_keys_parse(key == KEY_SCRAM_SHA1 ? SCRAM_SHA_1
							   : SCRAM_SHA_256,
				     value, &keys, &err) < 0)
			return bad(p, err.msg);
		if (key == KEY_SCRAM_SHA1)
			a->scram_sha1 = pool_strdup(a->pool, value);
		else
			a->scram_sha256 = pool_strdup(a->pool, value);
		return 0;
	default:
		if (!cram_md5_secret_valid(value))
			return bad(p, "invalid cram-md5 secret");
		a->cram_md5 = pool_strdup(a->pool, value);
		return 0;
	}
}

static int
parse_prop(struct parse *p, const char *value)
{
	const char *eq = strchr(value, '=');
	char name[ACCOUNT_PROP_NAME_MAX + 1];
	struct err err;

	if (eq == NULL || (size_t)(eq - value) > ACCOUNT_PROP_NAME_MAX)
		return bad(p, "property must be name=value");
	memcpy(name, value, (size_t)(eq - value));
	name[eq - value] = '\0';
	if (account_add_prop(p->a, name, eq + 1, &err) < 0)
		return bad(p, err.msg);
	return 0;
}

static int
parse_field(struct parse *p, enum record_key key, const char *value)
{
	struct account *a = p->a;
	struct err err;
	uint64_t n;

	switch (key) {
	case KEY_USERID:
		if (!account_userid_valid(value))
			return bad(p, "invalid userid");
		a->userid = pool_strdup(a->pool, value);
		return 0;
	case KEY_STATUS:
		if (!account_status_parse(value, &a->status))
			return bad(p, "status must be enabled, disabled or "
				      "migrating");
		return 0;
	case KEY_PASSWORD:
	case KEY_SCRAM_SHA1:
	case KEY_SCRAM_SHA256:
	case KEY_CRAM_MD5:
		return parse_secret(p, key, value);
	case KEY_ALIAS:
		if (!account_userid_valid(value) || account_has_alias(a, value))
			return bad(p, "invalid or repeated alias");
		if (strcmp(value, a->userid) == 0)
			return bad(p, "the userid is listed as an alias");
		if (account_add_alias(a, value, &err) < 0)
			return bad(p, err.msg);
		return 0;
	case KEY_QUOTA:
		if (str_to_u64(value, &n) < 0 ||
		    account_set_quota(a, n, &err) < 0)
			return bad(p, "invalid quota");
		return 0;
	case KEY_SERVICE_IMAP:
		return parse_service(p, CONFIG_SERVICE_IMAP, value);
	case KEY_SERVICE_POP:
		return parse_service(p, CONFIG_SERVICE_POP, value);
	case KEY_SERVICE_SIEVE:
		return parse_service(p, CONFIG_SERVICE_SIEVE, value);
	case KEY_EXPIRATION:
		return account_add_expiration(a, value, &err) < 0
			   ? bad(p, err.msg)
			   : 0;
	case KEY_USERDIR:
		return account_set_userdir(a, value, &err) < 0 ? bad(p, err.msg)
							       : 0;
	case KEY_PROP:
		return parse_prop(p, value);
	case KEY_COUNT:
		break;
	}
	return bad(p, "unknown key");
}

static int
parse_line(struct parse *p, char *line)
{
	char *sep = strstr(line, ": ");
	size_t key_len;

	if (line[0] == '#' || line[0] == '\0')
		return 0;
	if (sep == NULL)
		return bad(p, "expected \"key: value\"");
	key_len = (size_t)(sep - line);
	for (int k = 0; k < KEY_COUNT; k++) {
		if (strlen(record_keys[k].name) != key_len ||
		    memcmp(record_keys[k].name, line, key_len) != 0)
			continue;
		if (p->seen[k]++ > 0 && !record_keys[k].repeatable)
			return bad(p, "repeated key");
		return parse_field(p, (enum record_key)k, sep + 2);
	}
	return bad(p, "unknown key");
}

static bool
line_chars_ok(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			return false;
	}
	return true;
}

struct account *
account_record_parse(const void *data, size_t len, struct err *err)
{
	struct parse p = {.err = err};
	const char *s = data, *end = s + len;
	char line[ACCOUNT_RECORD_LINE_MAX + 1];

	if (len > ACCOUNT_RECORD_MAX) {
		err_set(err, ERR_CORRUPT, "record too large");
		return NULL;
	}
	if (!utf8_valid(data, len) || memchr(data, '\0', len) != NULL) {
		err_set(err, ERR_CORRUPT, "record is not UTF-8 text");
		return NULL;
	}
	p.a = account_create("unknown@invalid");
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t line_len;

		p.line++;
		if (nl == NULL) {
			bad(&p, "incomplete last line");
			goto fail;
		}
		line_len = (size_t)(nl - s);
		if (line_len > ACCOUNT_RECORD_LINE_MAX ||
		    !line_chars_ok(s, line_len)) {
			bad(&p, "line too long or with control characters");
			goto fail;
		}
		memcpy(line, s, line_len);
		line[line_len] = '\0';
		s = nl + 1;
		if (p.line == 1) {
			if (strcmp(line, ACCOUNT_RECORD_VERSION) != 0) {
				bad(&p, "not a coffer-account 1 record");
				goto fail;
			}
		} else if (parse_line(&p, line) < 0) {
			goto fail;
		}
	}
	if (p.line == 0 || p.seen[KEY_USERID] == 0 || p.seen[KEY_STATUS] == 0) {
		err_set(err, ERR_CORRUPT, "userid or status missing");
		goto fail;
	}
	if (account_has_alias(p.a, p.a->userid)) {
		err_set(err, ERR_CORRUPT, "the userid is listed as an alias");
		goto fail;
	}
	mem_wipe(line, sizeof(line));
	return p.a;
fail:
	mem_wipe(line, sizeof(line));
	account_destroy(&p.a);
	return NULL;
}
