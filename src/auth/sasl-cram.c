/* SPDX-License-Identifier: MIT */
/*
 * CRAM-MD5 (RFC 2195) from the stored HMAC-MD5 contexts (cram-md5.h), so
 * the password itself is never needed. Offered only when mech_list names
 * it: the contexts are password-equivalent and msadm stores them only then.
 */
#include "auth/sasl-private.h"
#include "auth/cram-md5.h"
#include "lib/codec.h"
#include "lib/mem.h"
#include "lib/rand.h"
#include "lib/timeutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#define CRAM_DIGEST_HEX_LEN 32
/* Contexts of no real password: unknown users cost the same work. */
#define CRAM_DECOY_SECRET \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct cram_state {
	char challenge[300];
	size_t challenge_len;
};

static enum sasl_status
cram_start(struct sasl_session *s, const uint8_t *initial, size_t len,
	   struct buf *challenge)
{
	struct cram_state *st = pool_alloc(s->pool, sizeof(*st));
	int n;

	(void)initial;
	(void)len;
	s->state = st;
	/* RFC 2195 section 2: an RFC 822 msg-id made of random digits, a
	   timestamp and the server's host name */
	n = snprintf(st->challenge, sizeof(st->challenge),
		     "<%" PRIu32 ".%" PRId64 "@%s>", rand_u32(), time_now(),
		     s->srv->hostname);
	if (n < 0 || (size_t)n >= sizeof(st->challenge))
		return sasl__fail(s, SASL_FAIL_TEMP, "host name too long");
	st->challenge_len = (size_t)n;
	buf_append(challenge, st->challenge, st->challenge_len);
	return SASL_CONTINUE;
}

static enum sasl_status
cram_step(struct sasl_session *s, const uint8_t *in, size_t len,
	  struct buf *challenge)
{
	struct cram_state *st = s->state;
	uint8_t got[16], want[16];
	struct account *acct = NULL;
	const uint8_t *sp;
	char *name;
	bool ok;
	int ret;

	(void)challenge;
	/* "user SP digest": the digest is the last 32 characters, so a
	   user name may contain spaces */
	if (len < CRAM_DIGEST_HEX_LEN + 2)
		return sasl__fail(s, SASL_FAIL_MALFORMED,
				  "CRAM-MD5: too short");
	sp = in + len - CRAM_DIGEST_HEX_LEN - 1;
	sasl__claim(s, in, (size_t)(sp - in));
	if (*sp != ' ' || hex_decode((const char *)sp + 1, CRAM_DIGEST_HEX_LEN,
				     got, sizeof(got)) < 0)
		return sasl__fail(s, SASL_FAIL_MALFORMED,
				  "CRAM-MD5: no hex digest");
	name = sasl__name_dup(s, in, (size_t)(sp - in));
	if (name == NULL)
		return sasl__fail(s, SASL_FAIL_MALFORMED,
				  "CRAM-MD5: invalid user name");
	ret = sasl__lookup(s, name, &acct, NULL);
	if (ret < 0)
		return SASL_FAILED;
	ok = cram_md5_response(acct != NULL && acct->cram_md5 != NULL
				   ? acct->cram_md5
				   : CRAM_DECOY_SECRET,
			       st->challenge, st->challenge_len, want);
	ok = ok && acct != NULL && acct->cram_md5 != NULL &&
	     CRYPTO_memcmp(got, want, sizeof(want)) == 0;
	mem_wipe(want, sizeof(want));
	if (!ok) {
		enum sasl_status status = sasl__fail(
		    s, SASL_FAIL_CREDENTIALS, "CRAM-MD5: %s",
		    acct == NULL	     ? "unknown user"
		    : acct->cram_md5 == NULL ? "no CRAM-MD5 secret stored"
					     : "wrong digest");

		account_destroy(&acct);
		return status;
	}
	(void)sasl__verified(s, acct->userid, NULL);
	account_destroy(&acct);
	return SASL_DONE;
}

const struct sasl_mech_def sasl_mech_cram_md5 = {
    .mech = SASL_MECH_CRAM_MD5,
    .name = "CRAM-MD5",
    .initial_response = false,
    .start = cram_start,
    .step = cram_step,
};
