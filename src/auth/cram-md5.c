/* SPDX-License-Identifier: MIT */
/* CRAM-MD5 contexts (RFC 2195, RFC 2104). The precomputed-context trick
   needs MD5's internal state, which only the deprecated low-level API
   exposes; it is confined to this file. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "auth/cram-md5.h"
#include "lib/codec.h"
#include "lib/mem.h"

#include <openssl/md5.h>
#include <string.h>

#define HMAC_BLOCK 64

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t
get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void
context_after_pad(const uint8_t key[HMAC_BLOCK], uint8_t pad, uint8_t *out)
{
	uint8_t block[HMAC_BLOCK];
	MD5_CTX ctx;

	for (size_t i = 0; i < HMAC_BLOCK; i++)
		block[i] = key[i] ^ pad;
	MD5_Init(&ctx);
	MD5_Update(&ctx, block, sizeof(block));
	put_le32(out, ctx.A);
	put_le32(out + 4, ctx.B);
	put_le32(out + 8, ctx.C);
	put_le32(out + 12, ctx.D);
	mem_wipe(block, sizeof(block));
	mem_wipe(&ctx, sizeof(ctx));
}

void
cram_md5_secret(const char *password, size_t len,
		char out[CRAM_MD5_SECRET_HEX_LEN + 1])
{
	uint8_t key[HMAC_BLOCK] = {0}, contexts[32];

	/* RFC 2104 section 2: keys longer than B bytes are hashed first;
	   shorter keys are padded with zeros. */
	if (len > HMAC_BLOCK)
		MD5((const unsigned char *)password, len, key);
	else
		memcpy(key, password, len);
	context_after_pad(key, 0x36, contexts);
	context_after_pad(key, 0x5c, contexts + 16);
	hex_encode(contexts, sizeof(contexts), out);
	mem_wipe(key, sizeof(key));
	mem_wipe(contexts, sizeof(contexts));
}

bool
cram_md5_secret_valid(const char *s)
{
	if (strlen(s) != CRAM_MD5_SECRET_HEX_LEN)
		return false;
	for (; *s != '\0'; s++) {
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	}
	return true;
}

/* An MD5 context resumed after one 64-byte block. */
static void
context_resume(MD5_CTX *ctx, const uint8_t *state)
{
	MD5_Init(ctx);
	ctx->A = get_le32(state);
	ctx->B = get_le32(state + 4);
	ctx->C = get_le32(state + 8);
	ctx->D = get_le32(state + 12);
	ctx->Nl = HMAC_BLOCK * 8;
	ctx->Nh = 0;
}

bool
cram_md5_response(const char *secret, const void *challenge,
		  size_t challenge_len, uint8_t digest[16])
{
	uint8_t contexts[32], inner[16];
	MD5_CTX ctx;

	if (!cram_md5_secret_valid(secret) ||
	    hex_decode(secret, CRAM_MD5_SECRET_HEX_LEN, contexts,
		       sizeof(contexts)) < 0)
		return false;
	/* HMAC = H(K XOR opad, H(K XOR ipad, text)) (RFC 2104 section 2) */
	context_resume(&ctx, contexts);
	MD5_Update(&ctx, challenge, challenge_len);
	MD5_Final(inner, &ctx);
	context_resume(&ctx, contexts + 16);
	MD5_Update(&ctx, inner, sizeof(inner));
	MD5_Final(digest, &ctx);
	mem_wipe(contexts, sizeof(contexts));
	mem_wipe(&ctx, sizeof(ctx));
	return true;
}
