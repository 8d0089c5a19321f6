/* SPDX-License-Identifier: MIT */
/*
 * SCRAM-SHA-1 and SCRAM-SHA-256 with their -PLUS variants (RFC 5802, RFC
 * 7677), verified against the stored keys of the account (scram.h): the
 * server never sees or needs the password.
 *
 * Unknown users and users without keys get a decoy exchange: a salt derived
 * from the server secret and the name (stable, like a real one), random keys
 * and the same work, so the exchange fails only at the proof (RFC 5802
 * section 9).
 */
#include "auth/sasl-private.h"
#include "auth/sasl-scram-parse.h"
#include "auth/scram.h"
#include "lib/codec.h"
#include "lib/mem.h"
#include "lib/rand.h"

#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

/* Random bytes in our part of the nonce. */
#define SCRAM_SNONCE_BYTES 18

enum scram_step {
	SCRAM_WANT_CLIENT_FIRST,
	SCRAM_WANT_CLIENT_FINAL,
	SCRAM_WANT_EMPTY, /* after "v=" sent as a challenge */
};

struct scram_state {
	enum scram_hash hash;
	bool plus;
	enum scram_step step;
	struct scram_keys keys;
	bool decoy;
	const char *userid;  /* canonical, of the account */
	const char *authzid; /* or NULL */
	/* channel binding the client asked for ("p=") */
	bool cb_used;
	enum net_tls_cb cb_type;
	/* kept for the final message */
	char *gs2_header;
	size_t gs2_header_len;
	char *first_bare;
	char *server_first;
	char *nonce;
};

static enum sasl_status
scram_fail_cb(struct sasl_session *s, const char *why)
{
	return sasl__fail(s, SASL_FAIL_CREDENTIALS, "%s: %s", s->def->name,
			  why);
}

/* RFC 5802 section 6: the server checks the client's binding flag. */
static enum sasl_status
check_binding(struct sasl_session *s, struct scram_state *st,
	      const struct scram_client_first *cf)
{
	if (cf->cbflag == 'p') {
		if (!st->plus)
			return scram_fail_cb(s, "channel binding requested "
						"with a non-PLUS mechanism");
		for (unsigned t = 0; t < NET_TLS_CB_COUNT; t++) {
			const char *name = net_tls_cb_name((enum net_tls_cb)t);

			if (strlen(name) == cf->cbname_len &&
			    memcmp(name, cf->cbname, cf->cbname_len) == 0 &&
			    s->ch->cb_len[t] > 0) {
				st->cb_used = true;
				st->cb_type = (enum net_tls_cb)t;
				return SASL_CONTINUE;
			}
		}
		return scram_fail_cb(s, "unsupported-channel-binding-type");
	}
	if (st->plus)
		return scram_fail_cb(s, "channel binding not used with a "
					"-PLUS mechanism");
	/* "y": the client supports binding but thinks we do not; if we
	   offered -PLUS, the mechanism list was tampered with */
	if (cf->cbflag == 'y' && sasl__plus_offered(s))
		return scram_fail_cb(s, "server-does-support-channel-binding");
	return SASL_CONTINUE;
}

static void
make_decoy(struct sasl_session *s, struct scram_state *st, const char *name)
{
	uint8_t mac[SCRAM_MAX_KEY_LEN];
	char label[SASL_NAME_MAX + 64];
	int n;

	st->decoy = true;
	st->keys.hash = st->hash;
	st->keys.iterations = SCRAM_DEFAULT_ITERATIONS;
	st->keys.key_len = st->hash == SCRAM_SHA_1 ? 20 : 32;
	n = snprintf(label, sizeof(label), "coffer-scram-salt:%s:%s",
		     scram_hash_name(st->hash), name);
	(void)scram_hmac(SCRAM_SHA_256, s->srv->secret, SASL_SECRET_LEN, label,
			 (size_t)MAX(n, 0), mac);
	memcpy(st->keys.salt, mac, SCRAM_SALT_LEN);
	st->keys.salt_len = SCRAM_SALT_LEN;
	rand_bytes(st->keys.stored_key, sizeof(st->keys.stored_key));
	rand_bytes(st->keys.server_key, sizeof(st->keys.server_key));
}

/* Loads the account's keys, or a decoy. -1: the session failed. */
static int
load_keys(struct sasl_session *s, struct scram_state *st, const char *name)
{
	char canon[ACCOUNT_USERID_MAX + 1];
	struct account *acct = NULL;
	const char *stored;
	struct err err;
	int ret = sasl__lookup(s, name, &acct, canon);

	if (ret < 0)
		return -1;
	stored = acct == NULL		   ? NULL
		 : st->hash == SCRAM_SHA_1 ? acct->scram_sha1
					   : acct->scram_sha256;
	if (stored != NULL &&
	    scram_keys_parse(st->hash, stored, &st->keys, &err) == 0) {
		st->userid = pool_strdup(s->pool, acct->userid);
	} else {
		make_decoy(s, st, canon[0] != '\0' ? canon : name);
	}
	account_destroy(&acct);
	return 0;
}

static void
save(struct sasl_session *s, char **dst, const void *p, size_t len)
{
	*dst = pool_strndup(s->pool, p, len);
}

static enum sasl_status
client_first(struct sasl_session *s, struct scram_state *st, const uint8_t *in,
	     size_t len, struct buf *challenge)
{
	struct scram_client_first cf;
	uint8_t snonce[SCRAM_SNONCE_BYTES];
	struct buf b = BUF_INIT;
	const char *error;

	if (scram_parse_client_first(s->pool, in, len, &cf, &error) < 0)
		return sasl__fail(s, SASL_FAIL_MALFORMED, "%s: %s",
				  s->def->name, error);
	sasl__claim(s, cf.username, strlen(cf.username));
	if (check_binding(s, st, &cf) != SASL_CONTINUE)
		return SASL_FAILED;
	if (load_keys(s, st, cf.username) < 0)
		return SASL_FAILED;
	st->authzid = cf.authzid;
	save(s, &st->gs2_header, in, cf.gs2_header_len);
	st->gs2_header_len = cf.gs2_header_len;
	save(s, &st->first_bare, in + cf.gs2_header_len,
	     len - cf.gs2_header_len);
	/* r = c-nonce s-nonce */
	rand_bytes(snonce, sizeof(snonce));
	buf_append(&b, cf.nonce, cf.nonce_len);
	base64_encode(snonce, sizeof(snonce), &b);
	st->nonce = pool_strdup(s->pool, buf_cstr(&b));
	/* server-first-message = nonce "," salt "," iteration-count */
	buf_clear(&b);
	buf_printf(&b, "r=%s,s=", st->nonce);
	base64_encode(st->keys.salt, st->keys.salt_len, &b);
	buf_printf(&b, ",i=%u", st->keys.iterations);
	st->server_first = pool_strdup(s->pool, buf_cstr(&b));
	buf_append(challenge, b.data, b.len);
	buf_free(&b);
	st->step = SCRAM_WANT_CLIENT_FINAL;
	return SASL_CONTINUE;
}

/* c= must be base64(gs2-header [cbind-data]) exactly. */
static bool
binding_matches(struct sasl_session *s, struct scram_state *st,
		const struct scram_client_final *cl)
{
	struct buf want = BUF_INIT, got = BUF_INIT;
	bool ok;

	buf_append(&want, st->gs2_header, st->gs2_header_len);
	if (st->cb_used)
		buf_append(&want, s->ch->cb[st->cb_type],
			   s->ch->cb_len[st->cb_type]);
	ok = base64_decode(cl->cbind, cl->cbind_len, &got) == 0 &&
	     got.len == want.len &&
	     CRYPTO_memcmp(got.data, want.data, want.len) == 0;
	buf_free(&want);
	buf_free(&got);
	return ok;
}

/* Checks the proof; on success appends "v=" ServerSignature to v. */
static bool
proof_ok(struct scram_state *st, const struct scram_client_final *cl,
	 const uint8_t *in, struct buf *v)
{
	uint8_t sig[SCRAM_MAX_KEY_LEN], key[SCRAM_MAX_KEY_LEN];
	uint8_t stored[SCRAM_MAX_KEY_LEN];
	struct buf proof = BUF_INIT, msg = BUF_INIT;
	size_t klen = st->keys.key_len;
	bool ok = false;

	/* AuthMessage := client-first-message-bare + "," +
	   server-first-message + "," + client-final-message-without-proof */
	buf_printf(&msg, "%s,%s,", st->first_bare, st->server_first);
	buf_append(&msg, in, cl->without_proof_len);
	if (base64_decode(cl->proof, cl->proof_len, &proof) < 0 ||
	    proof.len != klen)
		goto out;
	/* ClientSignature := HMAC(StoredKey, AuthMessage);
	   ClientKey := ClientProof XOR ClientSignature;
	   the proof holds if H(ClientKey) = StoredKey */
	if (scram_hmac(st->hash, st->keys.stored_key, klen, msg.data, msg.len,
		       sig) != klen)
		goto out;
	for (size_t i = 0; i < klen; i++)
		key[i] = proof.data[i] ^ sig[i];
	if (scram_digest(st->hash, key, klen, stored) != klen)
		goto out;
	ok =
	    CRYPTO_memcmp(stored, st->keys.stored_key, klen) == 0 && !st->decoy;
	if (ok) {
		/* ServerSignature := HMAC(ServerKey, AuthMessage) */
		(void)scram_hmac(st->hash, st->keys.server_key, klen, msg.data,
				 msg.len, sig);
		buf_append_str(v, "v=");
		base64_encode(sig, klen, v);
	}
out:
	mem_wipe(key, sizeof(key));
	buf_free(&proof);
	buf_free(&msg);
	return ok;
}

static enum sasl_status
client_final(struct sasl_session *s, struct scram_state *st, const uint8_t *in,
	     size_t len, struct buf *challenge)
{
	struct scram_client_final cl;
	struct buf v = BUF_INIT;
	const char *error;

	if (scram_parse_client_final(in, len, &cl, &error) < 0)
		return sasl__fail(s, SASL_FAIL_MALFORMED, "%s: %s",
				  s->def->name, error);
	if (cl.nonce_len != strlen(st->nonce) ||
	    memcmp(cl.nonce, st->nonce, cl.nonce_len) != 0)
		return scram_fail_cb(s, "nonce mismatch");
	if (!binding_matches(s, st, &cl))
		return scram_fail_cb(s, "channel-bindings-dont-match");
	if (!proof_ok(st, &cl, in, &v)) {
		buf_free(&v);
		return scram_fail_cb(s, st->decoy ? "unknown user or no "
						    "SCRAM keys"
						  : "invalid-proof");
	}
	if (s->success_as_challenge) {
		/* IMAP, POP3: the server signature as a last challenge */
		buf_append(challenge, v.data, v.len);
		buf_free(&v);
		st->step = SCRAM_WANT_EMPTY;
		return SASL_CONTINUE;
	}
	buf_append(&s->success_data, v.data, v.len);
	buf_free(&v);
	return sasl__verified(s, st->userid, st->authzid);
}

static enum sasl_status
scram_step(struct sasl_session *s, const uint8_t *in, size_t len,
	   struct buf *challenge)
{
	struct scram_state *st = s->state;

	switch (st->step) {
	case SCRAM_WANT_CLIENT_FIRST:
		return client_first(s, st, in, len, challenge);
	case SCRAM_WANT_CLIENT_FINAL:
		return client_final(s, st, in, len, challenge);
	case SCRAM_WANT_EMPTY:
		if (len != 0)
			return sasl__fail(s, SASL_FAIL_MALFORMED,
					  "%s: data after the server "
					  "signature",
					  s->def->name);
		return sasl__verified(s, st->userid, st->authzid);
	}
	return sasl__fail(s, SASL_FAIL_TEMP, "SCRAM state");
}

static enum sasl_status
scram_start(struct sasl_session *s, const uint8_t *initial, size_t len,
	    struct buf *challenge, enum scram_hash hash, bool plus)
{
	struct scram_state *st = pool_alloc(s->pool, sizeof(*st));

	st->hash = hash;
	st->plus = plus;
	s->state = st;
	/* client-first: without an initial response, an empty challenge */
	if (initial == NULL)
		return SASL_CONTINUE;
	return client_first(s, st, initial, len, challenge);
}

static void
scram_deinit(struct sasl_session *s)
{
	struct scram_state *st = s->state;

	if (st != NULL)
		mem_wipe(&st->keys, sizeof(st->keys));
}

#define SCRAM_DEF(var, id, mech_name, hash, plus)                      \
	static enum sasl_status var##_start(struct sasl_session *s,    \
					    const uint8_t *initial,    \
					    size_t len, struct buf *c) \
	{                                                              \
		return scram_start(s, initial, len, c, hash, plus);    \
	}                                                              \
	const struct sasl_mech_def var = {                             \
	    .mech = id,                                                \
	    .name = mech_name,                                         \
	    .initial_response = true,                                  \
	    .start = var##_start,                                      \
	    .step = scram_step,                                        \
	    .deinit = scram_deinit,                                    \
	}

SCRAM_DEF(sasl_mech_scram_sha1, SASL_MECH_SCRAM_SHA_1, "SCRAM-SHA-1",
	  SCRAM_SHA_1, false);
SCRAM_DEF(sasl_mech_scram_sha1_plus, SASL_MECH_SCRAM_SHA_1_PLUS,
	  "SCRAM-SHA-1-PLUS", SCRAM_SHA_1, true);
SCRAM_DEF(sasl_mech_scram_sha256, SASL_MECH_SCRAM_SHA_256, "SCRAM-SHA-256",
	  SCRAM_SHA_256, false);
SCRAM_DEF(sasl_mech_scram_sha256_plus, SASL_MECH_SCRAM_SHA_256_PLUS,
	  "SCRAM-SHA-256-PLUS", SCRAM_SHA_256, true);
