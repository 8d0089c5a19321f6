/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: SASL exchanges from arbitrary client messages, through the
 * raw and the base64 wire interfaces, for every mechanism (GSSAPI aside:
 * it needs a KDC), plus the SCRAM parsers directly.
 *
 * Input: a header line "<MECHANISM> <flags>" and then one client message
 * per line. Flags: 't' a TLS channel with channel bindings and a client
 * certificate, 'w' messages are base64 lines (else raw bytes, where "\0"
 * stands for a NUL byte), 'i' the first message is the initial response,
 * 'p' SCRAM success data returned rather than sent as a challenge.
 * In raw messages "@NONCE@" becomes the nonce of the last SCRAM challenge,
 * and a message "@FINAL@" becomes a correct SCRAM client-final for the
 * password "pencil", so the fuzzer also reaches the end of SCRAM.
 *
 * COFFER_FUZZ_VERBOSE=1 prints how each input ends (for the corpus).
 *
 * Checked: no crash, leak or sanitizer report; a session's outcome is
 * consistent with its status; challenges stay bounded.
 */
#include "auth/account.h"
#include "auth/password.h"
#include "auth/sasl-scram-parse.h"
#include "auth/sasl.h"
#include "auth/scram.h"
#include "auth/userdb.h"
#include "lib/buf.h"
#include "lib/codec.h"
#include "lib/fsutil.h"
#include "lib/pool.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_PASSWORD "pencil"
#define FUZZ_MAX_MESSAGES (SASL_MAX_STEPS + 2)

struct fuzz_env {
	char dir[64];
	struct ms_config *cfg;
	struct userdb *db;
	struct sasl_server *srv;
	struct sasl_channel plain, tls;
	X509 *cert;
};

static X509 *
make_cert(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509_set_version(x, 2);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"fuzz", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
				  "email:fuzz@example.com");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	X509_sign(x, key, EVP_sha256());
	EVP_PKEY_free(key);
	return x;
}

static void cleanup(void);

static struct fuzz_env *
env_get(void)
{
	static struct fuzz_env env;
	static bool ready;
	struct password_opts opts = {.cram_md5 = true};
	struct sasl_server_settings set = {.hostname = "fuzz.example.com"};
	const char *warning;
	struct account *a;
	struct err err;
	char text[512];

	if (ready)
		return &env;
	snprintf(env.dir, sizeof(env.dir), "/tmp/coffer-fuzz-sasl-XXXXXX");
	if (mkdtemp(env.dir) == NULL)
		abort();
	snprintf(text, sizeof(text),
		 "<ms_options><data_dir>%s</data_dir><domain>example.com"
		 "</domain><login_disabled>false</login_disabled><sasl>"
		 "<mech_list>SCRAM-SHA-256 SCRAM-SHA-1 CRAM-MD5 PLAIN LOGIN "
		 "EXTERNAL</mech_list></sasl></ms_options>",
		 env.dir);
	if (config_load_data("fuzz.conf", text, strlen(text), &env.cfg, &err) <
		0 ||
	    userdb_open(env.cfg, USERDB_OPEN_CREATE, &env.db, &err) < 0)
		abort();
	a = account_create("fuzz@example.com");
	if (password_set(a, FUZZ_PASSWORD, &opts, &warning, &err) < 0 ||
	    account_add_alias(a, "f.uzz@example.com", &err) < 0 ||
	    userdb_add(env.db, a, true, &err) < 0)
		abort();
	account_destroy(&a);
	set.userdb = env.db;
	env.srv = sasl_server_create(&set, env.cfg, &err);
	if (env.srv == NULL)
		abort();
	env.cert = make_cert();
	env.plain.local_addr = "127.0.0.1";
	env.plain.service = "imap";
	env.tls = env.plain;
	env.tls.tls = true;
	env.tls.tls_bits = 256;
	env.tls.peer_cert = env.cert;
	for (unsigned t = 0; t < NET_TLS_CB_COUNT; t++) {
		env.tls.cb_len[t] = 32;
		memset(env.tls.cb[t], 'A' + (int)t, 32);
	}
	ready = true;
	atexit(cleanup);
	return &env;
}

static void
cleanup(void)
{
	struct fuzz_env *env = env_get();
	struct err err;

	sasl_server_destroy(&env->srv);
	userdb_close(&env->db);
	config_unref(&env->cfg);
	X509_free(env->cert);
	rm_rf(env->dir, &err);
}

/* The value of attribute name in a SCRAM message, into out. */
static bool
scram_attr(const char *msg, char name, char *out, size_t size)
{
	char key[4] = {',', name, '=', '\0'};
	const char *p = strncmp(msg, key + 1, 2) == 0 ? msg : strstr(msg, key);
	size_t len;

	if (p == NULL)
		return false;
	p += p == msg ? 2 : 3;
	len = strcspn(p, ",");
	if (len >= size)
		return false;
	memcpy(out, p, len);
	out[len] = '\0';
	return true;
}

/* A correct client-final for the last client-first and server-first. */
static void
scram_final(enum sasl_mech mech, const struct buf *first,
	    const char *server_first, const struct sasl_channel *ch,
	    struct buf *out)
{
	bool sha1 =
	    mech == SASL_MECH_SCRAM_SHA_1 || mech == SASL_MECH_SCRAM_SHA_1_PLUS;
	enum scram_hash hash = sha1 ? SCRAM_SHA_1 : SCRAM_SHA_256;
	size_t klen = sha1 ? 20 : 32, gs2_len;
	char nonce[600], salt_b64[200], iter[16];
	uint8_t salted[32], key[32], stored[32], sig[32];
	struct buf salt = BUF_INIT, cbind = BUF_INIT, msg = BUF_INIT;
	const char *bare, *p;
	unsigned long iters;

	if (!scram_attr(server_first, 'r', nonce, sizeof(nonce)) ||
	    !scram_attr(server_first, 's', salt_b64, sizeof(salt_b64)) ||
	    !scram_attr(server_first, 'i', iter, sizeof(iter)) ||
	    base64_decode(salt_b64, strlen(salt_b64), &salt) < 0)
		goto out;
	iters = strtoul(iter, NULL, 10);
	/* gs2 header: up to the second comma of the client-first */
	p = memchr(first->data, ',', first->len);
	if (p == NULL || iters == 0 || iters > 100000)
		goto out;
	p = memchr(p + 1, ',',
		   first->len - (size_t)(p + 1 - (char *)first->data));
	if (p == NULL)
		goto out;
	gs2_len = (size_t)(p + 1 - (char *)first->data);
	bare = (const char *)first->data + gs2_len;
	PKCS5_PBKDF2_HMAC(FUZZ_PASSWORD, 6, salt.data, (int)salt.len,
			  (int)iters, sha1 ? EVP_sha1() : EVP_sha256(),
			  (int)klen, salted);
	buf_append(&cbind, first->data, gs2_len);
	if (first->data[0] == 'p')
		buf_append(&cbind, ch->cb[NET_TLS_CB_EXPORTER], 32);
	buf_append_str(out, "c=");
	base64_encode(cbind.data, cbind.len, out);
	buf_printf(out, ",r=%s", nonce);
	buf_append(&msg, bare, first->len - gs2_len);
	buf_printf(&msg, ",%s,", server_first);
	buf_append(&msg, out->data, out->len);
	scram_hmac(hash, salted, klen, "Client Key", 10, key);
	scram_digest(hash, key, klen, stored);
	scram_hmac(hash, stored, klen, msg.data, msg.len, sig);
	for (size_t i = 0; i < klen; i++)
		key[i] ^= sig[i];
	buf_append_str(out, ",p=");
	base64_encode(key, klen, out);
out:
	buf_free(&salt);
	buf_free(&cbind);
	buf_free(&msg);
}

/* Expands a raw message: "\0" escapes and the SCRAM placeholders. */
static void
expand(const uint8_t *p, size_t len, const char *last_chal, enum sasl_mech mech,
       const struct buf *first, const struct sasl_channel *ch, struct buf *out)
{
	char nonce[600];

	if (len == 7 && memcmp(p, "@FINAL@", 7) == 0) {
		scram_final(mech, first, last_chal, ch, out);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\\' && i + 1 < len && p[i + 1] == '0') {
			buf_append_c(out, '\0');
			i++;
		} else if (p[i] == '@' && len - i >= 7 &&
			   memcmp(p + i, "@NONCE@", 7) == 0 &&
			   scram_attr(last_chal, 'r', nonce, sizeof(nonce))) {
			buf_append_str(out, nonce);
			i += 6;
		} else {
			buf_append_c(out, (char)p[i]);
		}
	}
}

static void
check_session(struct sasl_session *s, enum sasl_status st)
{
	if (st == SASL_DONE) {
		const struct sasl_outcome *o = sasl_session_outcome(s);

		if (o->authcid == NULL || o->authzid == NULL ||
		    (o->kind == SASL_OUTCOME_PASSWORD) != (o->password != NULL))
			abort();
		if (o->kind == SASL_OUTCOME_VERIFIED &&
		    strcmp(o->authcid, "fuzz@example.com") != 0)
			abort();
	} else if (st == SASL_FAILED) {
		if (sasl_session_failure(s) == SASL_FAIL_NONE)
			abort();
	}
}

static void
parse_directly(const uint8_t *data, size_t size)
{
	struct pool *pool = pool_create(1024);
	struct scram_client_first cf;
	struct scram_client_final cl;
	const char *error;

	(void)scram_parse_client_first(pool, data, size, &cf, &error);
	(void)scram_parse_client_final(data, size, &cl, &error);
	pool_destroy(&pool);
}

/* The next line at *p (without its LF), or NULL at the end. */
static const uint8_t *
next_line(const uint8_t **p, const uint8_t *end, size_t *len_r)
{
	const uint8_t *line = *p, *nl;

	if (line == NULL)
		return NULL;
	nl = memchr(line, '\n', (size_t)(end - line));
	*len_r = (size_t)((nl != NULL ? nl : end) - line);
	*p = nl != NULL ? nl + 1 : NULL;
	return line;
}

struct run {
	struct fuzz_env *env;
	struct sasl_session_settings set;
	enum sasl_mech mech;
	bool wire;
	struct buf chal, msg, first, last;
};

/* Prepares a client message from a line. */
static void
prepare(struct run *r, const uint8_t *line, size_t len)
{
	buf_clear(&r->msg);
	if (r->wire)
		buf_append(&r->msg, line, len);
	else
		expand(line, len, buf_cstr(&r->last), r->mech, &r->first,
		       r->set.channel, &r->msg);
	if (r->first.len == 0 && !r->wire)
		buf_append(&r->first, r->msg.data, r->msg.len);
	buf_clear(&r->chal);
}

static void
remember_challenge(struct run *r)
{
	if (r->chal.len > 4096)
		abort();
	buf_clear(&r->last);
	buf_append(&r->last, r->chal.data, r->chal.len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run r = {.env = env_get(), .mech = SASL_MECH_PLAIN};
	const uint8_t *end = data + size, *p = data, *header, *line, *sp;
	size_t hlen, len, name_len;
	struct sasl_session *s;
	enum sasl_status st;
	unsigned count = 0;

	parse_directly(data, size);
	header = next_line(&p, end, &hlen);
	if (p == NULL)
		return 0;
	sp = memchr(header, ' ', hlen);
	name_len = sp != NULL ? (size_t)(sp - header) : hlen;
	r.wire = memchr(header + name_len, 'w', hlen - name_len) != NULL;
	r.set.cfg = r.env->cfg;
	r.set.channel = memchr(header + name_len, 't', hlen - name_len) != NULL
			    ? &r.env->tls
			    : &r.env->plain;
	r.set.success_data_as_challenge =
	    memchr(header + name_len, 'p', hlen - name_len) == NULL;
	(void)sasl_mech_parse((const char *)header, name_len, &r.mech);

	if (memchr(header + name_len, 'i', hlen - name_len) != NULL &&
	    (line = next_line(&p, end, &len)) != NULL) {
		prepare(&r, line, len);
		s = r.wire
			? sasl_session_start_base64(r.env->srv, &r.set,
						    (const char *)header,
						    name_len, buf_cstr(&r.msg),
						    r.msg.len, &r.chal, &st)
			: sasl_session_start(r.env->srv, &r.set,
					     (const char *)header, name_len,
					     r.msg.data != NULL
						 ? r.msg.data
						 : (const uint8_t *)"",
					     r.msg.len, &r.chal, &st);
	} else {
		buf_clear(&r.chal);
		s = r.wire ? sasl_session_start_base64(
				 r.env->srv, &r.set, (const char *)header,
				 name_len, NULL, 0, &r.chal, &st)
			   : sasl_session_start(r.env->srv, &r.set,
						(const char *)header, name_len,
						NULL, 0, &r.chal, &st);
	}
	remember_challenge(&r);
	while (st == SASL_CONTINUE && count++ < FUZZ_MAX_MESSAGES &&
	       (line = next_line(&p, end, &len)) != NULL) {
		prepare(&r, line, len);
		st = r.wire
			 ? sasl_session_step_base64(
			       s, (const char *)buf_cstr(&r.msg), r.msg.len,
			       &r.chal)
			 : sasl_session_step(s, r.msg.data, r.msg.len, &r.chal);
		remember_challenge(&r);
	}
	check_session(s, st);
	/* corpus maintenance: see where a seed ends */
	if (getenv("COFFER_FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "%s %s\n",
			st == SASL_DONE	    ? "DONE"
			: st == SASL_FAILED ? "FAILED"
					    : "CONTINUE",
			st == SASL_FAILED ? sasl_session_failure_detail(s)
					  : "");
	sasl_session_destroy(&s);
	buf_free(&r.chal);
	buf_free(&r.msg);
	buf_free(&r.first);
	buf_free(&r.last);
	return 0;
}
