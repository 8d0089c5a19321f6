/* SPDX-License-Identifier: MIT */
/* Validators and value tables referenced from options.def. */
#include "config/config-private.h"
#include "lib/log.h"
#include "lib/mailaddr.h"
#include "lib/str.h"
#include "lib/strnum.h"

#include <arpa/inet.h>
#include <string.h>

const struct config_enum_value config_enum_sync_protocol[] = {
    {"pop", CONFIG_SYNC_POP3},	  {"pop3", CONFIG_SYNC_POP3},
    {"pops", CONFIG_SYNC_POP3S},  {"pop3s", CONFIG_SYNC_POP3S},
    {"imap", CONFIG_SYNC_IMAP},	  {"imap4", CONFIG_SYNC_IMAP},
    {"imaps", CONFIG_SYNC_IMAPS}, {NULL, 0},
};

const struct config_enum_value config_enum_pwcheck[] = {
    {"auxprop", CONFIG_PWCHECK_AUXPROP},
    {"auxprop-hashed", CONFIG_PWCHECK_AUXPROP_HASHED},
    {NULL, 0},
};

/* "demand" and "hard" are synonyms in the M-Box guide (section 4.1.4). */
const struct config_enum_value config_enum_tls_check[] = {
    {"never", CONFIG_TLS_CHECK_NEVER}, {"allow", CONFIG_TLS_CHECK_ALLOW},
    {"try", CONFIG_TLS_CHECK_TRY},     {"demand", CONFIG_TLS_CHECK_DEMAND},
    {"hard", CONFIG_TLS_CHECK_DEMAND}, {NULL, 0},
};

const struct config_enum_value config_enum_starttls[] = {
    {"no", CONFIG_STARTTLS_NO},	       {"false", CONFIG_STARTTLS_NO},
    {"0", CONFIG_STARTTLS_NO},	       {"yes", CONFIG_STARTTLS_YES},
    {"true", CONFIG_STARTTLS_YES},     {"1", CONFIG_STARTTLS_YES},
    {"never", CONFIG_TLS_CHECK_NEVER}, {"allow", CONFIG_TLS_CHECK_ALLOW},
    {"try", CONFIG_TLS_CHECK_TRY},     {"demand", CONFIG_TLS_CHECK_DEMAND},
    {"hard", CONFIG_TLS_CHECK_DEMAND}, {NULL, 0},
};

const struct config_enum_value config_enum_map_method[] = {
    {"proxyauth", CONFIG_MAP_PROXYAUTH},
    {"emulate", CONFIG_MAP_EMULATE},
    {"fallback", CONFIG_MAP_FALLBACK},
    {NULL, 0},
};

const struct config_enum_value config_enum_log_level[] = {
    {"crit", LOG_LEVEL_CRIT},
    {"err", LOG_LEVEL_ERR},
    {"warning", LOG_LEVEL_WARNING},
    {"notice", LOG_LEVEL_NOTICE},
    {"info", LOG_LEVEL_INFO},
    {"debug", LOG_LEVEL_DEBUG},
    {NULL, 0},
};

const struct config_enum_value config_enum_tls_protocol[] = {
    {"TLSv1.2", CONFIG_TLS_V1_2},
    {"TLSv1.3", CONFIG_TLS_V1_3},
    {NULL, 0},
};

static bool
all_bytes_in(const char *s, const char *extra)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (!ascii_isalpha(*s) && !ascii_isdigit(*s) &&
		    strchr(extra, *s) == NULL)
			return false;
	}
	return true;
}

static bool
is_ldap_url(const char *s)
{
	if (!str_has_prefix_icase(s, "ldap://") &&
	    !str_has_prefix_icase(s, "ldaps://") &&
	    !str_has_prefix_icase(s, "ldapi://"))
		return false;
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	}
	return true;
}

const char *
config_check_ldap_url(const char *value)
{
	return is_ldap_url(value) ? NULL
				  : "an ldap://, ldaps:// or ldapi:// URL";
}

const char *
config_check_location(const char *value)
{
	char tmp[1025];
	char *p, *save = NULL;
	size_t n = 0;

	if (strcmp(value, "local") == 0 || strcmp(value, "ldap:") == 0)
		return NULL;
	if (str_copy(tmp, value, sizeof(tmp)) >= sizeof(tmp))
		return "local, ldap: or LDAP URLs";
	for (p = strtok_r(tmp, " \t\r\n", &save); p != NULL;
	     p = strtok_r(NULL, " \t\r\n", &save)) {
		if (!is_ldap_url(p))
			return "local, ldap: or LDAP URLs";
		n++;
	}
	return n > 0 ? NULL : "local, ldap: or LDAP URLs";
}

const char *
config_check_hostname(const char *value)
{
	struct in6_addr a6;

	if (mailaddr_domain_valid(value, strlen(value)) ||
	    inet_pton(AF_INET6, value, &a6) == 1)
		return NULL;
	return "a host name or IP address";
}

const char *
config_check_domain(const char *value)
{
	return mailaddr_domain_valid(value, strlen(value)) ? NULL
							   : "a domain name";
}

const char *
config_check_address(const char *value)
{
	return mailaddr_valid(value, strlen(value)) ? NULL : "a mail address";
}

const char *
config_check_local_part(const char *value)
{
	/* Used as a local part and as a file name: no '/'. */
	return mailaddr_local_valid(value, strlen(value)) &&
		       strchr(value, '/') == NULL
		   ? NULL
		   : "the local part of a mail address";
}

const char *
config_check_username(const char *value)
{
	/* POSIX portable user names: [A-Za-z0-9._-], not starting with
	   '-'. */
	if (value[0] == '-' || !all_bytes_in(value, "._-"))
		return "a user name";
	return NULL;
}

const char *
config_check_mech(const char *value)
{
	/* RFC 4422 section 3.1: 1 to 20 characters from [A-Z0-9-_];
	   lower case is accepted and compared case-insensitively. */
	if (strlen(value) > 20 || !all_bytes_in(value, "-_"))
		return "a SASL mechanism name";
	return NULL;
}

const char *
config_check_word(const char *value)
{
	return all_bytes_in(value, "._-") ? NULL : "a name";
}

const char *
config_check_cipher_list(const char *value)
{
	return all_bytes_in(value, ":+!@=_,.- ") ? NULL
						 : "an OpenSSL cipher list";
}

const char *
config_check_cert_identity(const char *value)
{
	static const char *const names[] = {"email", "cn", "uid"};

	for (size_t i = 0; i < N_ELEMENTS(names); i++) {
		if (strcmp(value, names[i]) == 0)
			return NULL;
	}
	return "email, cn or uid";
}

const char *
config_check_service_name(const char *value)
{
	static const char *const names[] = {"imap", "pop3", "lmtp", "sieve"};

	for (size_t i = 0; i < N_ELEMENTS(names); i++) {
		if (strcmp(value, names[i]) == 0)
			return NULL;
	}
	return "imap, pop3, lmtp or sieve";
}

const char *
config_check_expiration(const char *value)
{
	if (!config_expiration_policy_valid(value))
		return "<mailbox>$<seconds> or <mailbox>$NONE";
	return NULL;
}

bool
config_expiration_policy_valid(const char *value)
{
	const char *dollar = strrchr(value, '$');
	uint64_t secs;

	if (dollar == NULL || dollar == value)
		return false;
	for (const char *p = value; p < dollar; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	}
	if (str_eq_icase(dollar + 1, "NONE"))
		return true;
	return str_to_u64(dollar + 1, &secs) == 0 && secs > 0 &&
	       secs <= INT64_MAX;
}

bool
config_service_parse(const char *name, enum config_service *svc_r)
{
	for (int i = 0; i < CONFIG_SERVICE_COUNT; i++) {
		if (str_eq_icase(name, config_service_name(i))) {
			*svc_r = (enum config_service)i;
			return true;
		}
	}
	return false;
}

const char *
config_service_name(enum config_service svc)
{
	static const char *const names[] = {
	    [CONFIG_SERVICE_IMAP] = "imap",
	    [CONFIG_SERVICE_POP] = "pop",
	    [CONFIG_SERVICE_SIEVE] = "sieve",
	};
	return (unsigned)svc < N_ELEMENTS(names) ? names[svc] : "?";
}

bool
config_access_parse(const char *name, enum config_access *access_r)
{
	/* M-Box guide 2.2.5.1: "grant" is an alternative name of allow. */
	if (str_eq_icase(name, "allow") || str_eq_icase(name, "grant")) {
		*access_r = CONFIG_ACCESS_ALLOW;
		return true;
	}
	if (str_eq_icase(name, "deny")) {
		*access_r = CONFIG_ACCESS_DENY;
		return true;
	}
	return false;
}
