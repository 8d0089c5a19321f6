/* SPDX-License-Identifier: MIT */
/* Password hashing (libxcrypt) and the secrets derived from passwords. */
#include "auth/password.h"
#include "auth/cram-md5.h"
#include "auth/scram.h"
#include "lib/mem.h"
#include "lib/rand.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

/* A yescrypt hash with the default cost, used to spend the same time on
   logins that cannot succeed. */
static const char dummy_hash[] = "$y$j9T$f3yH7Askqq03/D87ucuDg/$"
				 "siJRXFoh1v3NaOxn00DmzLDsdm70WMp322S6UDdyRFD";

#define PASSWORD_HASH_MAX 512

int
password_hash(const char *password, struct buf *out, struct err *err)
{
	struct crypt_data *data;
	char *setting;
	const char *hash;
	int ret = 0;

	/* NULL random bytes: libxcrypt takes them from the kernel. */
	setting = crypt_gensalt_ra("$y$", 0, NULL, 0);
	if (setting == NULL)
		return err_set_errno(err, "crypt_gensalt_ra", "$y$");
	data = xcalloc(1, sizeof(*data));
	hash = crypt_rn(password, setting, data, sizeof(*data));
	if (hash == NULL || !password_hash_valid(hash))
		ret = err_set(err, ERR_INTERNAL, "yescrypt hashing failed");
	else if (buf_append_str(out, hash) < 0)
		ret = err_set(err, ERR_LIMIT, "hash too long");
	xfree_secret(data, sizeof(*data));
	free(setting);
	return ret;
}

bool
password_hash_valid(const char *hash)
{
	size_t len = strlen(hash);

	/* "*0" and "*1" are crypt(3)'s failure tokens */
	if (len < 2 || len > PASSWORD_HASH_MAX || hash[0] == '*')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (hash[i] <= ' ' || hash[i] >= 0x7f || hash[i] == ':')
			return false;
	}
	return true;
}

bool
password_verify(const char *hash, const char *password)
{
	struct crypt_data *data;
	const char *out;
	bool ok = false;

	if (!password_hash_valid(hash))
		return false;
	data = xcalloc(1, sizeof(*data));
	out = crypt_rn(password, hash, data, sizeof(*data));
	/* The length of a hash is no secret; its bytes are compared in
	   constant time. */
	if (out != NULL && strlen(out) == strlen(hash))
		ok = CRYPTO_memcmp(out, hash, strlen(hash)) == 0;
	xfree_secret(data, sizeof(*data));
	return ok;
}

void
password_verify_dummy(const char *password)
{
	(void)password_verify(dummy_hash, password);
}

static int
set_scram(struct account *a, enum scram_hash hash, const struct buf *norm,
	  uint32_t iterations, const char **field, struct err *err)
{
	uint8_t salt[SCRAM_SALT_LEN];
	struct scram_keys keys;
	struct buf out = BUF_INIT;
	int ret = 0;

	rand_bytes(salt, sizeof(salt));
	if (scram_keys_compute(hash, norm->data, norm->len, salt, sizeof(salt),
			       iterations, &keys, err) < 0)
		return -1;
	if (scram_keys_format(&keys, &out) < 0)
		ret = err_set(err, ERR_INTERNAL, "SCRAM key formatting failed");
	else
		*field = pool_strdup(a->pool, buf_cstr(&out));
	mem_wipe(&keys, sizeof(keys));
	buf_free(&out);
	return ret;
}

int
password_set(struct account *a, const char *password,
	     const struct password_opts *opts, const char **warning_r,
	     struct err *err)
{
	uint32_t iterations = opts->scram_iterations != 0
				  ? opts->scram_iterations
				  : SCRAM_DEFAULT_ITERATIONS;
	size_t len = strlen(password);
	struct buf hash = BUF_INIT, norm = BUF_INIT;
	char cram[CRAM_MD5_SECRET_HEX_LEN + 1];
	int ret = -1;

	*warning_r = NULL;
	if (len == 0 || len > ACCOUNT_PASSWORD_MAX)
		return err_set(err, ERR_PARAMS,
			       "password must be 1 to %d bytes",
			       ACCOUNT_PASSWORD_MAX);
	password_clear(a);
	if (password_hash(password, &hash, err) < 0)
		goto out;
	a->password = pool_strdup(a->pool, buf_cstr(&hash));
	if (scram_normalize_password(password, &norm) < 0) {
		*warning_r = "the password is not valid for SCRAM (SASLprep "
			     "refused it); SCRAM logins will fail";
	} else if (set_scram(a, SCRAM_SHA_1, &norm, iterations, &a->scram_sha1,
			     err) < 0 ||
		   set_scram(a, SCRAM_SHA_256, &norm, iterations,
			     &a->scram_sha256, err) < 0) {
		password_clear(a);
		goto out;
	}
	if (opts->cram_md5) {
		cram_md5_secret(password, len, cram);
		a->cram_md5 = pool_strdup(a->pool, cram);
		mem_wipe(cram, sizeof(cram));
	}
	ret = 0;
out:
	if (norm.data != NULL)
		mem_wipe(norm.data, norm.cap);
	buf_free(&norm);
	buf_free(&hash);
	return ret;
}

static void
clear_secret(const char **field)
{
	if (*field != NULL)
		mem_wipe((void *)*field, strlen(*field));
	*field = NULL;
}

void
password_clear(struct account *a)
{
	clear_secret(&a->password);
	clear_secret(&a->scram_sha1);
	clear_secret(&a->scram_sha256);
	clear_secret(&a->cram_md5);
}

bool
password_check(const struct account *a, const char *password)
{
	if (a == NULL || a->password == NULL) {
		password_verify_dummy(password);
		return false;
	}
	return password_verify(a->password, password);
}
