/* SPDX-License-Identifier: MIT */
/*
 * The server side of SASL (RFC 4422), independent of the protocol that
 * carries it (IMAP AUTHENTICATE, POP3 AUTH, later ManageSieve).
 *
 * Mechanisms: SCRAM-SHA-256(-PLUS) and SCRAM-SHA-1(-PLUS) (RFC 5802, RFC
 * 7677) from the stored keys, with the tls-unique, tls-server-end-point
 * and tls-exporter channel bindings; GSSAPI (RFC 4752, through libgsasl)
 * where a keytab is configured; EXTERNAL (RFC 4422 appendix A) from a
 * verified TLS client certificate; CRAM-MD5 (RFC 2195) from the stored
 * HMAC-MD5 contexts; PLAIN (RFC 4616) and LOGIN.
 *
 * Division of labour. A session verifies what the mechanism itself proves
 * and reports who the client is; it does not decide whether that user may
 * log in. Its outcome is either
 *   - SASL_OUTCOME_VERIFIED: the mechanism proved the identity (SCRAM,
 *     CRAM-MD5, EXTERNAL, GSSAPI); the caller applies account status,
 *     service access, nologin and the authzid rule (proto_login_verified());
 *   - SASL_OUTCOME_PASSWORD: PLAIN and LOGIN only carried a name and a
 *     password; the caller checks them exactly like a LOGIN command
 *     (proto_login_password()).
 * Failures report a class (enum sasl_failure) and a detail for the log;
 * clients must get the same answer for every credential failure.
 *
 * Encoding. sasl_session_step() works on raw bytes; the _base64 variants
 * handle the wire form shared by IMAP and POP3 (RFC 4959 section 3, RFC
 * 5034 section 4): strict base64 (RFC 4648 section 4, no white space),
 * "*" cancels, "=" is an empty initial response, and challenges come
 * back base64-encoded for "+ <challenge>" lines.
 *
 * Threads. A struct sasl_server is immutable after creation and shared by
 * all threads. A struct sasl_session belongs to one connection and is used
 * by its owning thread only. Steps may block on the user database (worker
 * threads only, as all protocol code runs).
 */
#ifndef COFFER_AUTH_SASL_H
#define COFFER_AUTH_SASL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/types.h>
#include "config/config.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "net/tls.h"

struct userdb;
struct sasl_server;
struct sasl_session;

/* In the order servers advertise them (strongest first). */
enum sasl_mech {
	SASL_MECH_SCRAM_SHA_256_PLUS,
	SASL_MECH_SCRAM_SHA_256,
	SASL_MECH_SCRAM_SHA_1_PLUS,
	SASL_MECH_SCRAM_SHA_1,
	SASL_MECH_GSSAPI,
	SASL_MECH_EXTERNAL,
	SASL_MECH_CRAM_MD5,
	SASL_MECH_PLAIN,
	SASL_MECH_LOGIN,
	SASL_MECH_COUNT
};

/* Largest decoded client message accepted (a Kerberos ticket with a large
   PAC is the biggest legitimate one), and its base64 form. */
#define SASL_INPUT_MAX 32768
#define SASL_INPUT_B64_MAX BASE64_ENCODED_LEN(SASL_INPUT_MAX)
/* Client messages in one exchange before it is abandoned. */
#define SASL_MAX_STEPS 10

/* "SCRAM-SHA-256-PLUS", ... */
const char *sasl_mech_name(enum sasl_mech mech);
/* Case-insensitive lookup of a mechanism name (not NUL-terminated). */
bool sasl_mech_parse(const char *name, size_t len, enum sasl_mech *mech_r);

struct sasl_server_settings {
	/* Where accounts are looked up (required). */
	struct userdb *userdb;
	/* This host's name: CRAM-MD5 challenges, GSSAPI principals (unless
	   gssapi_hostname is set). */
	const char *hostname;
	/* Key for the decoy SCRAM salts of unknown users (RFC 5802 section
	   9: the server should not reveal whether a user exists). Servers
	   sharing a user base should share it; NULL or a length below 16
	   means a random key for this process. */
	const uint8_t *secret;
	size_t secret_len;
};

/* Creates the process-wide SASL state. GSSAPI is enabled when
   <sasl><gssapi_keytab> names a readable keytab: its path is exported as
   KRB5_KTNAME, so call this before starting threads. A missing or
   unreadable keytab is an error (-1, err set); cfg may be reloaded later
   for everything but the keytab. */
struct sasl_server *sasl_server_create(const struct sasl_server_settings *set,
				       const struct ms_config *cfg,
				       struct err *err);
void sasl_server_destroy(struct sasl_server **srv);

/* Calls warn() for every mech_list entry Coffer does not implement
   (DIGEST-MD5, NTLM, SRP, ...): they are ignored. */
void sasl_config_check(const struct ms_config *cfg,
		       void (*warn)(const char *msg, void *ctx), void *ctx);

/* What the session needs to know about the connection. Filled by the
   protocol layer; the strings and the certificate are borrowed and must
   outlive the session. */
struct sasl_channel {
	/* the connection runs over TLS */
	bool tls;
	/* its cipher's strength in bits, for min_ssf */
	unsigned tls_bits;
	/* channel-binding data by type; length 0 = not available */
	uint8_t cb[NET_TLS_CB_COUNT][NET_TLS_CB_MAX];
	size_t cb_len[NET_TLS_CB_COUNT];
	/* the verified client certificate (conn_tls_peer_cert()), or NULL */
	X509 *peer_cert;
	/* the address the client connected to: default domain of
	   unqualified names (domain_map) */
	const char *local_addr;
	/* GSSAPI service name: "imap" (RFC 3501 section 6.2.2), "pop" (RFC
	   5034 section 4) */
	const char *service;
};

/* Fills ch->tls, tls_bits, cb and peer_cert from an established TLS
   connection's SSL object (conn_tls_ssl()) and its verified client
   certificate; leaves the other fields alone. ssl NULL: no TLS. */
void sasl_channel_set_tls(struct sasl_channel *ch, SSL *ssl, X509 *peer_cert);

/* The name EXTERNAL takes from a client certificate: the first of the
   tls_client_identity fields present ("email": the first subjectAltName
   rfc822Name, else the subject emailAddress; "cn": the subject commonName;
   "uid": the subject userId), as UTF-8 into out. Returns 1, or 0 if none
   is present and usable (cert NULL, too long, NUL, bad encoding). */
int sasl_cert_identity(const struct ms_config *cfg, X509 *cert, char *out,
		       size_t size);

/* The mechanisms offered on this connection, in advertising order:
   mech_list (empty: all but CRAM-MD5; naming SCRAM-X also enables
   SCRAM-X-PLUS), without PLAIN and LOGIN outside TLS when login_disabled,
   -PLUS only with channel bindings, EXTERNAL only with a client
   certificate, GSSAPI only with a keytab, and nothing at all when min_ssf
   exceeds what TLS provides. Returns the count. */
size_t sasl_mechs_offered(const struct sasl_server *srv,
			  const struct ms_config *cfg,
			  const struct sasl_channel *ch,
			  enum sasl_mech out[SASL_MECH_COUNT]);
bool sasl_mech_offered(const struct sasl_server *srv,
		       const struct ms_config *cfg,
		       const struct sasl_channel *ch, enum sasl_mech mech);

enum sasl_status {
	SASL_CONTINUE, /* send the challenge, pass the next response */
	SASL_DONE,     /* sasl_session_outcome() tells who */
	SASL_FAILED,   /* sasl_session_failure() tells why */
};

enum sasl_failure {
	SASL_FAIL_NONE,
	/* the mechanism is unknown or not offered on this connection */
	SASL_FAIL_MECH,
	/* wrong password or proof, unknown user, no usable secret, channel
	   binding mismatch or downgrade: the client learns no more */
	SASL_FAIL_CREDENTIALS,
	/* the client's message breaks the mechanism's syntax, bad base64,
	   an initial response the mechanism does not take, too long, too
	   many steps */
	SASL_FAIL_MALFORMED,
	/* the client sent "*" (RFC 4422 section 3.5) */
	SASL_FAIL_CANCELLED,
	/* the user database or another server resource failed */
	SASL_FAIL_TEMP,
};

enum sasl_outcome_kind {
	SASL_OUTCOME_VERIFIED,
	SASL_OUTCOME_PASSWORD,
};

struct sasl_outcome {
	enum sasl_outcome_kind kind;
	enum sasl_mech mech;
	/* VERIFIED: the canonical user id of the authenticated account.
	   PASSWORD: the name as the client sent it (UTF-8). */
	const char *authcid;
	/* the requested authorization identity, "" for none */
	const char *authzid;
	/* PASSWORD only (else NULL); wiped when the session is destroyed */
	const char *password;
};

struct sasl_session_settings {
	/* the configuration snapshot of the connection (borrowed) */
	const struct ms_config *cfg;
	/* borrowed for the session's lifetime */
	const struct sasl_channel *channel;
	/* IMAP and POP3 cannot carry data with the success reply (RFC 4422
	   section 3.6): SCRAM's server signature is then sent as a final
	   challenge, answered by an empty response. When false it is
	   returned by sasl_session_success_data(). */
	bool success_data_as_challenge;
};

/* Starts an exchange for the mechanism named by the client. initial is
   the initial response (RFC 4422 section 3.3) or NULL for none; an empty
   response is initial != NULL with length 0. Returns a session (always;
   sasl_session_destroy() it) and the first status through *status_r, with
   a challenge to send in *challenge (raw bytes, appended) on CONTINUE. */
struct sasl_session *sasl_session_start(
    struct sasl_server *srv, const struct sasl_session_settings *set,
    const char *mech_name, size_t name_len, const uint8_t *initial,
    size_t initial_len, struct buf *challenge, enum sasl_status *status_r);
/* Processes the client's response to the last challenge. Only valid after
   CONTINUE. Appends the next challenge on CONTINUE. */
enum sasl_status sasl_session_step(struct sasl_session *sess,
				   const uint8_t *response, size_t len,
				   struct buf *challenge);

/* Wire forms. The initial response is the argument as sent ("=" for an
   empty one), or NULL for none; a response line is without its CRLF
   ("*" cancels). Challenges are appended base64-encoded. */
struct sasl_session *sasl_session_start_base64(
    struct sasl_server *srv, const struct sasl_session_settings *set,
    const char *mech_name, size_t name_len, const char *initial,
    size_t initial_len, struct buf *challenge_b64, enum sasl_status *status_r);
enum sasl_status sasl_session_step_base64(struct sasl_session *sess,
					  const char *line, size_t len,
					  struct buf *challenge_b64);

/* After SASL_DONE. Valid until the session is destroyed. */
const struct sasl_outcome *sasl_session_outcome(const struct sasl_session *s);
/* After SASL_DONE with success_data_as_challenge false: the mechanism's
   additional data with success (SCRAM's "v=..."), or NULL. */
const uint8_t *sasl_session_success_data(const struct sasl_session *s,
					 size_t *len_r);
/* After SASL_FAILED: the class, and a detail for the log only. */
enum sasl_failure sasl_session_failure(const struct sasl_session *s);
const char *sasl_session_failure_detail(const struct sasl_session *s);
/* The authentication name the client claimed, as sent, once known ("" if
   not yet): for log lines and the per-account failure delay. */
const char *sasl_session_claimed_name(const struct sasl_session *s);
/* The mechanism of the exchange, or SASL_MECH_COUNT when the client named
   none that is offered. */
enum sasl_mech sasl_session_mech(const struct sasl_session *s);
/* Frees the session, wiping secrets. Sets *s to NULL; NULL-safe. */
void sasl_session_destroy(struct sasl_session **s);

#endif
