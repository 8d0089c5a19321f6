/* SPDX-License-Identifier: MIT */
/*
 * What the server advertises (RFC 3501 section 7.2.1): exactly what works.
 * Before login the list is short (RFC 3501 section 6.2.1 STARTTLS and
 * LOGINDISABLED, RFC 4959 SASL-IR); after login it names the extensions
 * of the authenticated and selected states. Clients must ask again after
 * STARTTLS and login (RFC 3501 section 6.2.1), or take the CAPABILITY
 * response code of the login's tagged OK.
 */
#include "proto/imap/imap-server-private.h"
#include "config/config.h"
#include "proto/common/service.h"

#include <stdio.h>

/* Before and after login. LITERAL- is not offered: RFC 7888 section 5
   forbids advertising it together with LITERAL+, which covers it. */
static const char *const caps_always[] = {
    "SASL-IR",	/* RFC 4959 */
    "LITERAL+", /* RFC 7888 */
    "ID",	/* RFC 2971 */
    "ENABLE",	/* RFC 5161 */
    "IDLE",	/* RFC 2177 */
};

/* After login. */
static const char *const caps_auth[] = {
    "NAMESPACE",	  /* RFC 2342 */
    "UIDPLUS",		  /* RFC 4315 */
    "UNSELECT",		  /* RFC 3691 */
    "CHILDREN",		  /* RFC 3348 */
    "LIST-EXTENDED",	  /* RFC 5258 */
    "LIST-STATUS",	  /* RFC 5819 */
    "SPECIAL-USE",	  /* RFC 6154 */
    "CREATE-SPECIAL-USE", /* RFC 6154 section 3 */
    "MOVE",		  /* RFC 6851 */
    "MULTIAPPEND",	  /* RFC 3502 */
};

uint64_t
imap_append_limit(const struct ms_config *cfg)
{
	/* RFC 7889 section 2: APPENDLIMIT=number, a 32-bit value in
	   RFC 3501 */
	return cfg->max_message_size > UINT32_MAX ? UINT32_MAX
						  : cfg->max_message_size;
}

static void
add_all(struct imap_capabilities *caps, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		(void)imap_capabilities_add(caps, names[i]);
}

int
imap_caps_append(const struct imap_session *s, struct buf *out)
{
	struct imap_capabilities *caps = imap_capabilities_create();
	char limit[32];
	int ret;

	add_all(caps, caps_always, N_ELEMENTS(caps_always));
	if (s->state == IMAP_STATE_NOAUTH) {
		if (s->env->tls != NULL && !s->tls)
			(void)imap_capabilities_add(caps, "STARTTLS");
		/* RFC 3501 section 6.2.3 and 7.2.1: no plaintext password
		   without TLS when login_disabled is set */
		if (imap_session_plaintext_allowed(s))
			(void)imap_capabilities_add(caps, "AUTH=PLAIN");
		else
			(void)imap_capabilities_add(caps, "LOGINDISABLED");
	} else {
		add_all(caps, caps_auth, N_ELEMENTS(caps_auth));
		snprintf(limit, sizeof(limit), "APPENDLIMIT=%llu",
			 (unsigned long long)imap_append_limit(s->cfg));
		(void)imap_capabilities_add(caps, limit);
	}
	ret = imap_capabilities_append(caps, out);
	imap_capabilities_destroy(&caps);
	return ret;
}

int
imap_caps_code(const struct imap_session *s, struct buf *out)
{
	if (buf_append_str(out, "CAPABILITY ") < 0)
		return -1;
	return imap_caps_append(s, out);
}
