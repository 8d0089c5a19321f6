/* SPDX-License-Identifier: MIT */
/* ms.conf tls_* options to a server TLS context (see tls-config.h). */
#include "auth/tls-config.h"

#include <openssl/ssl.h>

void
tls_config_settings(const struct ms_config *cfg, struct net_tls_settings *set)
{
	bool have_ca =
	    cfg->tls_ca_file[0] != '\0' || cfg->tls_ca_path[0] != '\0';

	*set = (struct net_tls_settings){
	    .cert_file = cfg->tls_cert_file,
	    /* "" means: in the certificate file (derived default) */
	    .key_file = cfg->tls_key_file,
	    .key_password = cfg->tls_key_password,
	    .ca_file = cfg->tls_ca_file,
	    .ca_path = cfg->tls_ca_path,
	    .cipher_list = cfg->tls_cipher_list,
	    .ciphersuites = cfg->tls_ciphersuites,
	    .min_version = cfg->tls_min_protocol == CONFIG_TLS_V1_3
			       ? TLS1_3_VERSION
			       : TLS1_2_VERSION,
	    .verify_depth = (unsigned)cfg->tls_verify_depth,
	    .accept_unverified = cfg->tls_force_verify,
	};
	/* A CA configured is an invitation to present a certificate (for
	   SASL EXTERNAL); requiring one needs a CA (net_tls_ctx_create()
	   says so if it is missing). */
	if (cfg->tls_require_client_cert)
		set->client_certs = NET_TLS_CLIENT_CERTS_REQUIRE;
	else if (have_ca)
		set->client_certs = NET_TLS_CLIENT_CERTS_REQUEST;
	else
		set->client_certs = NET_TLS_CLIENT_CERTS_NONE;
}

bool
tls_config_enabled(const struct ms_config *cfg)
{
	return cfg->tls_cert_file[0] != '\0';
}

int
tls_config_create(const struct ms_config *cfg, struct net_tls_ctx **ctx_r,
		  struct err *err)
{
	struct net_tls_settings set;

	*ctx_r = NULL;
	if (!tls_config_enabled(cfg))
		return 0;
	tls_config_settings(cfg, &set);
	*ctx_r = net_tls_ctx_create(&set, err);
	if (*ctx_r == NULL) {
		err_prefix(err, "TLS");
		return -1;
	}
	return 1;
}

int
tls_config_reload(struct net_tls_ctx *ctx, const struct ms_config *cfg,
		  struct err *err)
{
	struct net_tls_settings set;

	if (!tls_config_enabled(cfg))
		return err_set(err, ERR_PARAMS,
			       "TLS: tls_cert_file is now empty; TLS stays "
			       "enabled until a restart");
	tls_config_settings(cfg, &set);
	if (net_tls_ctx_reload(ctx, &set, err) < 0) {
		err_prefix(err, "TLS");
		return -1;
	}
	return 0;
}
