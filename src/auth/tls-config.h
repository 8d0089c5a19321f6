/* SPDX-License-Identifier: MIT */
/*
 * The server TLS context as ms.conf describes it (tls_* options): the
 * bridge between the configuration snapshot and net/tls.h. It lives in
 * auth, the lowest layer that sees both, next to the SASL code that uses
 * TLS client certificates.
 *
 * ms.conf semantics (docs/tls-sasl.md):
 *   - tls_key_file defaults to tls_cert_file; .p12/.pfx are PKCS#12;
 *   - tls_ca_file / tls_ca_path make the server ask for (optional) client
 *     certificates; tls_require_client_cert makes them mandatory;
 *   - tls_force_verify keeps the M-Box meaning, inverted from its name:
 *     true lets a client whose certificate does not verify continue
 *     without a certificate identity, false ends such handshakes.
 *
 * Functions are thread-safe; creating and reloading read files.
 */
#ifndef COFFER_AUTH_TLS_CONFIG_H
#define COFFER_AUTH_TLS_CONFIG_H

#include <stdbool.h>
#include "config/config.h"
#include "lib/err.h"
#include "net/tls.h"

/* Fills set from cfg; the strings are borrowed from cfg. */
void tls_config_settings(const struct ms_config *cfg,
			 struct net_tls_settings *set);
/* True if cfg names a server certificate. */
bool tls_config_enabled(const struct ms_config *cfg);
/* Creates the server context. Returns 1 with *ctx_r set, 0 with *ctx_r
   NULL when no certificate is configured, or -1 with err set ("TLS: ..."
   naming the file or option at fault). */
int tls_config_create(const struct ms_config *cfg, struct net_tls_ctx **ctx_r,
		      struct err *err);
/* Re-reads certificate, key and policy into ctx (SIGHUP): new handshakes
   use them, established connections keep theirs. On failure (-1, err set)
   ctx is unchanged. */
int tls_config_reload(struct net_tls_ctx *ctx, const struct ms_config *cfg,
		      struct err *err);

#endif
