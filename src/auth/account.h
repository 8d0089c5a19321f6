/* SPDX-License-Identifier: MIT */
/*
 * User accounts: the record kept per user, user-id canonicalisation,
 * service access and passwords.
 *
 * Canonical user ids are "local@domain" in lower case (Coffer decision:
 * both parts are compared case-insensitively and stored lower-case), with
 * an ASCII dot-atom local part of at most 64 octets and a host-name domain
 * of at most 255 (RFC 5321 sections 4.1.2 and 4.5.3.1). They name the
 * account, its mail directory and its records on disk.
 *
 * A struct account is plain data owned by its creator; all strings live
 * in the account's pool. It is not shared between threads unless the
 * owner guarantees that nobody modifies it.
 */
#ifndef COFFER_AUTH_ACCOUNT_H
#define COFFER_AUTH_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>
#include "config/config.h"
#include "lib/err.h"
#include "lib/mailaddr.h"
#include "lib/pool.h"
#include "lib/vec.h"

/* Longest canonical user id, without the NUL. */
#define ACCOUNT_USERID_MAX MAILADDR_MAX
/* Bounds on what one account may hold. */
#define ACCOUNT_MAX_ALIASES 1000
#define ACCOUNT_MAX_PROPS 1000
#define ACCOUNT_MAX_EXPIRATIONS 100
#define ACCOUNT_PROP_NAME_MAX 64
#define ACCOUNT_PROP_VALUE_MAX 1024
#define ACCOUNT_PASSWORD_MAX 1024
/* Largest quota in KiB (so that it still fits in bytes). */
#define ACCOUNT_QUOTA_MAX (UINT64_C(1) << 53)

enum account_status {
	ACCOUNT_ENABLED,   /* may log in */
	ACCOUNT_DISABLED,  /* may not log in; LMTP refuses mail (550 5.2.1) */
	ACCOUNT_MIGRATING, /* placeholder awaiting migration (msadm add -m) */
};

struct account_prop {
	const char *name;
	const char *value;
};

struct account {
	struct pool *pool;
	const char *userid; /* canonical */
	enum account_status status;
	/* crypt(3) hash (yescrypt for new passwords), or NULL: no password
	   login. Never a plaintext password. */
	const char *password;
	/* RFC 5803 "SCRAM-SHA-1$<iter>:<salt>$<StoredKey>:<ServerKey>" and
	   the SCRAM-SHA-256 equivalent, or NULL. */
	const char *scram_sha1;
	const char *scram_sha256;
	/* Precomputed HMAC-MD5 contexts for CRAM-MD5 (cram-md5.h), or NULL. */
	const char *cram_md5;
	/* Further canonical addresses of the account (mailLocalAddress):
	   usable for login and delivery. Never contains userid itself. */
	VEC(const char *) aliases;
	/* Quota in KiB; only meaningful if has_quota (else quota_limit);
	   0 = unlimited. */
	bool has_quota;
	uint64_t quota_kib;
	/* Explicit per-user rules; CONFIG_ACCESS_DEFAULT = none. */
	enum config_access service[CONFIG_SERVICE_COUNT];
	/* "<mailbox>$<seconds>" / "<mailbox>$NONE" policies. */
	VEC(const char *) expiration;
	/* Root replacing `userdir` for this user's mail, or NULL. */
	const char *userdir;
	/* Free multi-valued properties, in insertion order. */
	VEC(struct account_prop) props;
};

/* A new enabled account without password. userid must be canonical. */
struct account *account_create(const char *userid);
/* A deep copy. */
struct account *account_dup(const struct account *a);
/* Frees the account and sets *a to NULL. NULL-safe. Secrets are wiped. */
void account_destroy(struct account **a);

const char *account_status_name(enum account_status status);
bool account_status_parse(const char *name, enum account_status *status_r);

/* Whether s is a canonical user id (lower-case, valid, bounded). */
bool account_userid_valid(const char *s);
/* Canonicalises a login or admin-supplied name into out (at least
   ACCOUNT_USERID_MAX + 1 bytes): ASCII lower-casing of both parts, and
   unqualified names get config_domain_for_local_addr(cfg, local_addr)
   (local_addr may be NULL). Rejects empty names, control characters, '/',
   more than one '@' and anything that is not a valid address
   (RFC 5321 section 4.1.2, lengths of section 4.5.3.1). Qualified names
   are never rewritten otherwise. Returns 0 or -1 (ERR_PARAMS). */
int account_canonicalize(const struct ms_config *cfg, const char *name,
			 const char *local_addr, char *out, size_t out_size,
			 struct err *err);

/* Adds a canonical alias (ignored if it is the userid or already there).
   Returns 0, or -1 for an invalid alias or too many. */
int account_add_alias(struct account *a, const char *alias, struct err *err);
/* Removes an alias; returns whether it was there. */
bool account_remove_alias(struct account *a, const char *alias);
bool account_has_alias(const struct account *a, const char *alias);
/* Appends a free property (validated name and value, bounded count).
   Names reserved for account fields (see account.c) are refused. */
int account_add_prop(struct account *a, const char *name, const char *value,
		     struct err *err);
/* Removes every value of a property; returns how many. */
unsigned account_remove_prop(struct account *a, const char *name);
int account_add_expiration(struct account *a, const char *policy,
			   struct err *err);
/* Sets the per-user mail root (absolute path), or clears it with NULL. */
int account_set_userdir(struct account *a, const char *path, struct err *err);
int account_set_quota(struct account *a, uint64_t kib, struct err *err);
/* Validates a property name (letters, digits, '-', '_', '.', ';'). */
bool account_prop_name_valid(const char *name);

/* Effective access of the account (may be NULL: no record) to a service:
   the explicit per-user rule if any, else the `accessible_services`
   rule, else allow (Coffer decision: services that accessible_services
   does not list are allowed). *explicit_r tells which. */
enum config_access account_service_access(const struct ms_config *cfg,
					  const struct account *a,
					  enum config_service svc,
					  bool *explicit_r);
/* Effective quota in KiB (0 = unlimited). */
uint64_t account_quota_kib(const struct ms_config *cfg,
			   const struct account *a);

#endif
