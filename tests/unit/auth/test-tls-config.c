/* SPDX-License-Identifier: MIT */
/* ms.conf tls_* options to TLS contexts: the mapping, creation, reload. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "tls-test-pki.h"
#include "auth/tls-config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fx {
	char dir[256];
	char cert[300], key[300], ca[300], cert2[300];
	struct pki_cert ca_cert, server, server2;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	pki_tmpdir(fx->dir, sizeof(fx->dir), "tls-config");
	pki_make(&fx->ca_cert, &(struct pki_name){.cn = "CA"}, NULL, true,
		 PKI_KEY_EC);
	pki_make(&fx->server, &(struct pki_name){.cn = "one"}, &fx->ca_cert,
		 false, PKI_KEY_EC);
	pki_make(&fx->server2, &(struct pki_name){.cn = "two"}, &fx->ca_cert,
		 false, PKI_KEY_EC);
	snprintf(fx->cert, sizeof(fx->cert), "%s/cert.pem", fx->dir);
	snprintf(fx->key, sizeof(fx->key), "%s/key.pem", fx->dir);
	snprintf(fx->ca, sizeof(fx->ca), "%s/ca.pem", fx->dir);
	snprintf(fx->cert2, sizeof(fx->cert2), "%s/both2.pem", fx->dir);
	pki_write_cert_pem(fx->cert, &fx->server, NULL);
	pki_write_key_pem(fx->key, &fx->server, "pw");
	pki_write_cert_pem(fx->ca, &fx->ca_cert, NULL);
	/* certificate and key in one file */
	pki_write_cert_pem(fx->cert2, &fx->server2, NULL);
	{
		char key2[300];
		FILE *out, *in;
		char line[256];

		snprintf(key2, sizeof(key2), "%s/key2.pem", fx->dir);
		pki_write_key_pem(key2, &fx->server2, NULL);
		out = fopen(fx->cert2, "a");
		in = fopen(key2, "r");
		while (fgets(line, sizeof(line), in) != NULL)
			fputs(line, out);
		fclose(in);
		fclose(out);
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	pki_free(&fx->ca_cert);
	pki_free(&fx->server);
	pki_free(&fx->server2);
	pki_rmdir(fx->dir);
	free(fx);
	return 0;
}

static struct ms_config *
load(const char *body)
{
	struct ms_config *cfg;
	struct err err;

	if (config_load_data("ms.conf", body, strlen(body), &cfg, &err) < 0)
		fail_msg("%s", err.msg);
	return cfg;
}

static struct ms_config *
loadf(struct fx *fx, const char *extra)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "<ms_options><tls_cert_file>%s</tls_cert_file>"
		 "<tls_key_file>%s</tls_key_file>"
		 "<tls_key_password>pw</tls_key_password>%s</ms_options>",
		 fx->cert, fx->key, extra);
	return load(text);
}

static void
test_mapping(void **state)
{
	struct fx *fx = *state;
	struct net_tls_settings set;
	struct ms_config *cfg = load("<ms_options/>");

	tls_config_settings(cfg, &set);
	assert_false(tls_config_enabled(cfg));
	assert_int_equal(set.min_version, TLS1_2_VERSION);
	assert_string_equal(set.cipher_list, "DEFAULT");
	assert_int_equal(set.client_certs, NET_TLS_CLIENT_CERTS_NONE);
	assert_int_equal(set.verify_depth, 5);
	assert_true(set.accept_unverified);
	config_unref(&cfg);

	cfg = loadf(fx, "<tls_ca_file>/x/ca.pem</tls_ca_file>"
			"<tls_min_protocol>TLSv1.3</tls_min_protocol>"
			"<tls_force_verify>false</tls_force_verify>"
			"<tls_verify_depth>2</tls_verify_depth>"
			"<tls_ciphersuites>TLS_AES_256_GCM_SHA384"
			"</tls_ciphersuites>");
	tls_config_settings(cfg, &set);
	assert_true(tls_config_enabled(cfg));
	assert_string_equal(set.cert_file, fx->cert);
	assert_string_equal(set.key_password, "pw");
	assert_int_equal(set.min_version, TLS1_3_VERSION);
	assert_int_equal(set.client_certs, NET_TLS_CLIENT_CERTS_REQUEST);
	assert_false(set.accept_unverified);
	assert_int_equal(set.verify_depth, 2);
	assert_string_equal(set.ciphersuites, "TLS_AES_256_GCM_SHA384");
	config_unref(&cfg);

	cfg = load("<ms_options><tls_require_client_cert>true"
		   "</tls_require_client_cert></ms_options>");
	tls_config_settings(cfg, &set);
	assert_int_equal(set.client_certs, NET_TLS_CLIENT_CERTS_REQUIRE);
	config_unref(&cfg);
}

static void
test_create_and_reload(void **state)
{
	struct fx *fx = *state;
	struct ms_config *none = load("<ms_options/>"), *cfg, *bad, *two;
	struct net_tls_ctx *ctx = (struct net_tls_ctx *)1;
	char text[1024];
	struct err err;
	SSL_CTX *cctx = pki_client_ctx(NULL, NULL, 0, 0);
	SSL *s, *c;

	/* no certificate: no context, no error */
	assert_int_equal(tls_config_create(none, &ctx, &err), 0);
	assert_null(ctx);

	cfg = loadf(fx, "");
	assert_int_equal(tls_config_create(cfg, &ctx, &err), 1);
	assert_non_null(ctx);

	/* a broken reload keeps the running context */
	bad = loadf(fx, "<tls_ca_file>/nonexistent/ca.pem</tls_ca_file>");
	assert_int_equal(tls_config_reload(ctx, bad, &err), -1);
	assert_non_null(strstr(err.msg, "TLS: "));
	assert_non_null(strstr(err.msg, "/nonexistent/ca.pem"));
	assert_int_equal(tls_config_reload(ctx, none, &err), -1);
	assert_non_null(strstr(err.msg, "tls_cert_file"));
	assert_true(
	    pki_handshake(net_tls_ctx_get_ssl_ctx(ctx), cctx, NULL, &s, &c));
	assert_int_equal(
	    X509_cmp(SSL_get0_peer_certificate(c), fx->server.cert), 0);
	pki_close(s, c);

	/* the key in the certificate file: tls_key_file left empty */
	snprintf(text, sizeof(text),
		 "<ms_options><tls_cert_file>%s</tls_cert_file>"
		 "<tls_ca_file>%s</tls_ca_file></ms_options>",
		 fx->cert2, fx->ca);
	two = load(text);
	assert_int_equal(tls_config_reload(ctx, two, &err), 0);
	assert_true(
	    pki_handshake(net_tls_ctx_get_ssl_ctx(ctx), cctx, NULL, &s, &c));
	assert_int_equal(
	    X509_cmp(SSL_get0_peer_certificate(c), fx->server2.cert), 0);
	pki_close(s, c);
	net_tls_ctx_destroy(&ctx);

	/* a wrong key password is a clear error at creation */
	config_unref(&bad);
	snprintf(text, sizeof(text),
		 "<ms_options><tls_cert_file>%s</tls_cert_file>"
		 "<tls_key_file>%s</tls_key_file>"
		 "<tls_key_password>wrong</tls_key_password></ms_options>",
		 fx->cert, fx->key);
	bad = load(text);
	assert_int_equal(tls_config_create(bad, &ctx, &err), -1);
	assert_null(ctx);
	assert_non_null(strstr(err.msg, "tls_key_password"));

	SSL_CTX_free(cctx);
	config_unref(&none);
	config_unref(&cfg);
	config_unref(&bad);
	config_unref(&two);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mapping),
	    cmocka_unit_test(test_create_and_reload),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
