/* SPDX-License-Identifier: MIT */
/* SCRAM stored keys (RFC 5802) in RFC 5803 form. */
#include "auth/scram.h"
#include "lib/codec.h"
#include "lib/mem.h"
#include "lib/strnum.h"

#include <gsasl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

static const EVP_MD *
scram_md(enum scram_hash hash)
{
	return hash == SCRAM_SHA_1 ? EVP_sha1() : EVP_sha256();
}

static size_t
scram_key_len(enum scram_hash hash)
{
	return hash == SCRAM_SHA_1 ? 20 : 32;
}

const char *
scram_hash_name(enum scram_hash hash)
{
	return hash == SCRAM_SHA_1 ? "SCRAM-SHA-1" : "SCRAM-SHA-256";
}

int
scram_normalize_password(const char *password, struct buf *out)
{
	char *prepped = NULL;
	int ret = -1;

	/* Flags 0: a "stored string", unassigned code points prohibited
	   (RFC 5802 section 2.2). */
	if (gsasl_saslprep(password, 0, &prepped, NULL) == GSASL_OK &&
	    prepped[0] != '\0')
		ret = buf_append_str(out, prepped);
	if (prepped != NULL)
		xfree_secret(prepped, strlen(prepped));
	return ret;
}

size_t
scram_hmac(enum scram_hash hash, const void *key, size_t key_len,
	   const void *data, size_t data_len, uint8_t *out)
{
	unsigned int len = 0;

	if (HMAC(scram_md(hash), key, (int)key_len, data, data_len, out,
		 &len) == NULL)
		return 0;
	return len;
}

size_t
scram_digest(enum scram_hash hash, const void *data, size_t len, uint8_t *out)
{
	unsigned int out_len = 0;

	if (EVP_Digest(data, len, out, &out_len, scram_md(hash), NULL) != 1)
		return 0;
	return out_len;
}

int
scram_keys_compute(enum scram_hash hash, const void *password,
		   size_t password_len, const uint8_t *salt, size_t salt_len,
		   uint32_t iterations, struct scram_keys *keys_r,
		   struct err *err)
{
	uint8_t salted[SCRAM_MAX_KEY_LEN], client_key[SCRAM_MAX_KEY_LEN];
	size_t len = scram_key_len(hash);
	int ret = 0;

	if (salt_len == 0 || salt_len > SCRAM_MAX_SALT_LEN || iterations == 0 ||
	    iterations > SCRAM_MAX_ITERATIONS)
		return err_set(err, ERR_PARAMS, "invalid SCRAM parameters");
	memset(keys_r, 0, sizeof(*keys_r));
	keys_r->hash = hash;
	keys_r->iterations = iterations;
	memcpy(keys_r->salt, salt, salt_len);
	keys_r->salt_len = salt_len;
	keys_r->key_len = len;
	/* RFC 5802 section 2.2: Hi() is PBKDF2 with HMAC as the PRF and
	   dkLen = the output length of H(). */
	if (PKCS5_PBKDF2_HMAC(password, (int)password_len, salt, (int)salt_len,
			      (int)iterations, scram_md(hash), (int)len,
			      salted) != 1 ||
	    scram_hmac(hash, salted, len, "Client Key", 10, client_key) !=
		len ||
	    scram_digest(hash, client_key, len, keys_r->stored_key) != len ||
	    scram_hmac(hash, salted, len, "Server Key", 10,
		       keys_r->server_key) != len)
		ret = err_set(err, ERR_INTERNAL, "SCRAM key derivation failed");
	mem_wipe(salted, sizeof(salted));
	mem_wipe(client_key, sizeof(client_key));
	return ret;
}

int
scram_keys_format(const struct scram_keys *keys, struct buf *out)
{
	if (buf_printf(out, "%s$%u:", scram_hash_name(keys->hash),
		       keys->iterations) < 0 ||
	    base64_encode(keys->salt, keys->salt_len, out) < 0 ||
	    buf_append_c(out, '$') < 0 ||
	    base64_encode(keys->stored_key, keys->key_len, out) < 0 ||
	    buf_append_c(out, ':') < 0 ||
	    base64_encode(keys->server_key, keys->key_len, out) < 0)
		return -1;
	return 0;
}

/* Decodes base64 s[0..len) into exactly/at most the given size. */
static bool
decode_field(const char *s, size_t len, uint8_t *out, size_t min, size_t max,
	     size_t *len_r)
{
	struct buf b = BUF_INIT;
	bool ok;

	buf_init(&b, max + 3);
	ok = base64_decode(s, len, &b) == 0 && b.len >= min && b.len <= max;
	if (ok) {
		memcpy(out, b.data, b.len);
		*len_r = b.len;
	}
	buf_free(&b);
	return ok;
}

int
scram_keys_parse(enum scram_hash hash, const char *s, struct scram_keys *keys_r,
		 struct err *err)
{
	const char *name = scram_hash_name(hash);
	size_t name_len = strlen(name), klen = scram_key_len(hash), n;
	const char *p, *colon1, *dollar, *colon2;
	char iter[16];
	uint32_t iterations;

	memset(keys_r, 0, sizeof(*keys_r));
	if (strncmp(s, name, name_len) != 0 || s[name_len] != '$')
		goto bad;
	p = s + name_len + 1;
	colon1 = strchr(p, ':');
	dollar = colon1 == NULL ? NULL : strchr(colon1, '$');
	colon2 = dollar == NULL ? NULL : strchr(dollar, ':');
	if (colon2 == NULL || (size_t)(colon1 - p) >= sizeof(iter) ||
	    strchr(colon2 + 1, ':') != NULL)
		goto bad;
	memcpy(iter, p, (size_t)(colon1 - p));
	iter[colon1 - p] = '\0';
	if (str_to_u32(iter, &iterations) < 0 || iterations == 0 ||
	    iterations > SCRAM_MAX_ITERATIONS)
		goto bad;
	if (!decode_field(colon1 + 1, (size_t)(dollar - colon1 - 1),
			  keys_r->salt, 1, SCRAM_MAX_SALT_LEN,
			  &keys_r->salt_len) ||
	    !decode_field(dollar + 1, (size_t)(colon2 - dollar - 1),
			  keys_r->stored_key, klen, klen, &n) ||
	    !decode_field(colon2 + 1, strlen(colon2 + 1), keys_r->server_key,
			  klen, klen, &n))
		goto bad;
	keys_r->hash = hash;
	keys_r->iterations = iterations;
	keys_r->key_len = klen;
	return 0;
bad:
	return err_set(err, ERR_CORRUPT, "invalid %s stored keys", name);
}
