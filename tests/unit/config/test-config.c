/* SPDX-License-Identifier: MIT */
/* Unit tests for ms.conf parsing: defaults, values, every kind of error,
   structured elements, domain_map lookup and reload diffs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "config/cli.h"
#include "config/config.h"
#include "lib/buf.h"
#include "lib/fsutil.h"
#include "lib/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct ms_config *
load_ok(const char *text)
{
	struct ms_config *cfg = NULL;
	struct err err;

	if (config_load_data("ms.conf", text, strlen(text), &cfg, &err) < 0)
		fail_msg("unexpected error: %s", err.msg);
	return cfg;
}

static void
expect_error(const char *text, const char *msg)
{
	struct ms_config *cfg = NULL;
	struct err err;

	assert_int_equal(
	    config_load_data("ms.conf", text, strlen(text), &cfg, &err), -1);
	assert_null(cfg);
	assert_string_equal(err.msg, msg);
	assert_null(strchr(err.msg, '\n'));
}

static bool
has_warning(const struct ms_config *cfg, const char *text)
{
	for (size_t i = 0; i < cfg->warning_count; i++) {
		if (strstr(cfg->warnings[i], text) != NULL)
			return true;
	}
	return false;
}

static void
test_defaults(void **state)
{
	struct ms_config *cfg = config_defaults();

	(void)state;
	assert_int_equal(cfg->imap_port, 143);
	assert_int_equal(cfg->pop3_port, 110);
	assert_int_equal(cfg->imap_timeout, 30 * 60);
	assert_int_equal(cfg->pop_timeout, 10 * 60);
	assert_int_equal(cfg->max_net_buffer, 131072);
	assert_int_equal(cfg->thread_pool_max, 64);
	assert_int_equal(cfg->max_message_size, 52428800);
	assert_int_equal(cfg->lmtp_max_recipients, 1000);
	assert_int_equal(cfg->preauth_timeout, 60);
	assert_int_equal(cfg->duplicate_history, 7 * 86400);
	assert_int_equal(cfg->client_timeout, 10);
	assert_true(cfg->login_disabled);
	assert_true(cfg->over_quota_temp_error);
	assert_false(cfg->allow8bitheaders);
	assert_string_equal(cfg->ms_user, "mbox");
	assert_string_equal(cfg->run_dir, "/var/run");
	assert_string_equal(cfg->data_dir, "/var/lib/coffer");
	assert_string_equal(cfg->userdir, "/var/lib/coffer/user");
	assert_string_equal(cfg->shared_root_dir, "/var/lib/coffer/shared");
	assert_string_equal(cfg->lmtp_shared_name, "shared");
	assert_string_equal(cfg->tls_cipher_list, "DEFAULT");
	assert_int_equal(cfg->tls_min_protocol, CONFIG_TLS_V1_2);
	assert_int_equal(cfg->log_level, LOG_LEVEL_INFO);
	assert_string_equal(cfg->log_file, "");
	assert_int_equal(cfg->services.n, 3);
	assert_string_equal(cfg->services.v[0], "imap");
	assert_string_equal(cfg->services.v[2], "lmtp");
	assert_int_equal(cfg->imap_host.n, 1);
	assert_null(cfg->imap_host.v[0].host);
	assert_null(cfg->imap_host.v[0].path);
	assert_int_equal(cfg->imap_host.v[0].port, 143);
	assert_int_equal(cfg->lmtp_host.n, 1);
	assert_string_equal(cfg->lmtp_host.v[0].path, "/var/run/lmtp");
	assert_string_equal(cfg->msevent_host.v[0].path, "/var/run/mseventd");
	assert_true(cfg->domain[0] != '\0');
	assert_int_equal(cfg->ldapdb_user_ocs.n, 7);
	assert_string_equal(cfg->dsa_config_dn, "cn=core,cn=config");
	assert_string_equal(cfg->ldapdb_mech, "DIGEST-MD5");
	assert_string_equal(cfg->sasl_tls_cipher_list, "DEFAULT");
	assert_string_equal(cfg->path, "");
	assert_int_equal(cfg->warning_count, 0);
	assert_string_equal(config_domain_for_local_addr(cfg, "10.0.0.1"),
			    cfg->domain);
	config_unref(&cfg);
	assert_null(cfg);
}

static const char valid_conf[] =
    "<?xml version=\"1.0\"?>\n"
    "<!-- a complete local-mode configuration -->\n"
    "<ms_options>\n"
    "  <ms_user>coffer</ms_user>\n" /* 4 */
    "  <login_disabled>false</login_disabled>\n"
    "  <domain>Example.COM</domain>\n"
    "  <data_dir>/srv/coffer/</data_dir>\n"
    "  <imap_host>127.0.0.1:1143 [::1]:1144 ::1 /run/imap.sock"
    "</imap_host>\n"
    "  <imap_host>localhost</imap_host>\n"
    "  <imap_port>10143</imap_port>\n"
    "  <lmtp_host>127.0.0.1</lmtp_host>\n"
    "  <quota_limit>10m</quota_limit>\n"
    "  <max_net_buffer>64k</max_net_buffer>\n"
    "  <imap_timeout>2h</imap_timeout>\n"
    "  <pop_timeout> 15 </pop_timeout>\n"
    "  <client_timeout>-1</client_timeout>\n"
    "  <accessible_services>imap=grant, sieve=allow, pop=deny"
    "</accessible_services>\n"
    "  <services>imap, lmtp</services>\n"
    "  <expiration_policy>INBOX$86400</expiration_policy>\n"
    "  <expiration_policy>Junk Mail$NONE</expiration_policy>\n"
    "  <log_level>DEBUG</log_level>\n"
    "  <tls_min_protocol>TLSv1.3</tls_min_protocol>\n"
    "  <tls_cert_file>/etc/coffer/cert.pem</tls_cert_file>\n"
    "  <global_sieve_script><![CDATA[require \"fileinto\";\n"
    "keep;]]></global_sieve_script>\n"
    "  <ldapdb_user_filter>(objectclass=person)</ldapdb_user_filter>\n"
    "  <domain_map local_addr='192.0.2.1' domain='ISP.net'/>\n"
    "  <domain_map local_addr='2001:db8::1' domain='example.org'/>\n"
    "  <shared_root name='Email Archive' email='Archive@Example.com'>\n"
    "    <group name='anyone' access='read,write'/>\n"
    "    <group name='staff' access='all'/>\n"
    "    <user name='brian' access=''/>\n"
    "    <user name='natalia' access='read, write, manage'/>\n"
    "  </shared_root>\n"
    "  <shared_root name='staff' path='/srv/shared/staff'/>\n"
    "  <group name='staff' type='static'>\n"
    "    <user name='natalia'/>\n"
    "    <user name='olga@example.com'/>\n"
    "  </group>\n"
    "  <sasl>\n"
    "    <mech_list>PLAIN SCRAM-SHA-256, CRAM-MD5</mech_list>\n"
    "    <pwcheck_method>auxprop-hashed</pwcheck_method>\n"
    "    <tls_cipher_list>HIGH:!aNULL</tls_cipher_list>\n"
    "  </sasl>\n"
    "</ms_options>\n";

static void
test_valid_file(void **state)
{
	struct ms_config *cfg = load_ok(valid_conf);
	const struct config_shared_root *root;

	(void)state;
	assert_string_equal(cfg->ms_user, "coffer");
	assert_false(cfg->login_disabled);
	assert_string_equal(cfg->domain, "example.com");
	assert_string_equal(cfg->data_dir, "/srv/coffer");
	assert_string_equal(cfg->userdir, "/srv/coffer/user");
	assert_string_equal(cfg->shared_root_dir, "/srv/coffer/shared");
	assert_string_equal(cfg->msgtrack_db, "/srv/coffer/msg_track.db");
	assert_int_equal(cfg->imap_host.n, 5);
	assert_string_equal(cfg->imap_host.v[0].host, "127.0.0.1");
	assert_int_equal(cfg->imap_host.v[0].port, 1143);
	assert_string_equal(cfg->imap_host.v[1].host, "::1");
	assert_int_equal(cfg->imap_host.v[1].port, 1144);
	assert_string_equal(cfg->imap_host.v[2].host, "::1");
	assert_int_equal(cfg->imap_host.v[2].port, 10143);
	assert_string_equal(cfg->imap_host.v[3].path, "/run/imap.sock");
	assert_int_equal(cfg->imap_host.v[3].port, 0);
	assert_string_equal(cfg->imap_host.v[4].host, "localhost");
	assert_int_equal(cfg->imap_host.v[4].port, 10143);
	assert_string_equal(cfg->lmtp_host.v[0].host, "127.0.0.1");
	assert_int_equal(cfg->lmtp_host.v[0].port, 2003);
	assert_int_equal(cfg->quota_limit, 10 * 1024);
	assert_int_equal(cfg->max_net_buffer, 65536);
	assert_int_equal(cfg->imap_timeout, 7200);
	assert_int_equal(cfg->pop_timeout, 900);
	assert_int_equal(cfg->client_timeout, -1);
	assert_int_equal(cfg->accessible_services.rule[CONFIG_SERVICE_IMAP],
			 CONFIG_ACCESS_ALLOW);
	assert_int_equal(cfg->accessible_services.rule[CONFIG_SERVICE_POP],
			 CONFIG_ACCESS_DENY);
	assert_int_equal(cfg->accessible_services.rule[CONFIG_SERVICE_SIEVE],
			 CONFIG_ACCESS_ALLOW);
	assert_int_equal(cfg->services.n, 2);
	assert_int_equal(cfg->expiration_policy.n, 2);
	assert_string_equal(cfg->expiration_policy.v[1], "Junk Mail$NONE");
	assert_int_equal(cfg->log_level, LOG_LEVEL_DEBUG);
	assert_int_equal(cfg->tls_min_protocol, CONFIG_TLS_V1_3);
	assert_string_equal(cfg->tls_key_file, "/etc/coffer/cert.pem");
	assert_string_equal(cfg->global_sieve_script,
			    "require \"fileinto\";\nkeep;");
	assert_string_equal(cfg->ldapdb_user_filter, "(objectclass=person)");
	assert_int_equal(cfg->mech_list.n, 3);
	assert_string_equal(cfg->mech_list.v[1], "SCRAM-SHA-256");
	assert_int_equal(cfg->pwcheck_method, CONFIG_PWCHECK_AUXPROP_HASHED);
	assert_string_equal(cfg->tls_cipher_list, "DEFAULT");
	assert_string_equal(cfg->sasl_tls_cipher_list, "HIGH:!aNULL");
	assert_string_equal(cfg->smtp_injection_sender, "mssync@example.com");

	assert_int_equal(cfg->domain_map_count, 2);
	assert_string_equal(cfg->domain_maps[0].domain, "isp.net");
	assert_int_equal(cfg->shared_root_count, 2);
	root = &cfg->shared_roots[0];
	assert_string_equal(root->name, "Email Archive");
	assert_string_equal(root->path, "/srv/coffer/shared/Email Archive");
	assert_string_equal(root->email, "archive@example.com");
	assert_int_equal(root->acl_count, 4);
	assert_true(root->acl[0].is_group);
	assert_string_equal(root->acl[0].name, "anyone");
	assert_int_equal(root->acl[0].rights,
			 CONFIG_RIGHT_READ | CONFIG_RIGHT_WRITE);
	assert_int_equal(root->acl[1].rights, CONFIG_RIGHT_ALL);
	assert_false(root->acl[2].is_group);
	assert_int_equal(root->acl[2].rights, 0);
	assert_int_equal(root->acl[3].rights, CONFIG_RIGHT_ALL);
	assert_string_equal(cfg->shared_roots[1].path, "/srv/shared/staff");
	assert_string_equal(cfg->shared_roots[1].email, "");
	assert_int_equal(cfg->group_count, 1);
	assert_int_equal(cfg->groups[0].member_count, 2);
	assert_string_equal(cfg->groups[0].members[1], "olga@example.com");
	assert_string_equal(cfg->groups[0].type, "static");

	assert_true(config_is_set(cfg, "imap_port"));
	assert_false(config_is_set(cfg, "pop3_port"));
	/* options of unimplemented features say so */
	assert_true(has_warning(cfg, "ms.conf:24: global_sieve_script: "
				     "accepted but not used yet (Sieve is not "
				     "implemented)"));
	assert_true(has_warning(cfg, "expiration_policy"));
	assert_true(has_warning(cfg, "client_timeout"));
	assert_true(has_warning(cfg, "ldapdb_user_filter"));
	assert_true(has_warning(cfg, "tls_cipher_list"));
	assert_int_equal(cfg->warning_count, 5);
	config_unref(&cfg);
}

static void
test_domain_map_lookup(void **state)
{
	struct ms_config *cfg = load_ok(valid_conf);

	(void)state;
	assert_string_equal(config_domain_for_local_addr(cfg, "192.0.2.1"),
			    "isp.net");
	assert_string_equal(
	    config_domain_for_local_addr(cfg, "::ffff:192.0.2.1"), "isp.net");
	assert_string_equal(config_domain_for_local_addr(cfg, "2001:DB8:0::1"),
			    "example.org");
	assert_string_equal(config_domain_for_local_addr(cfg, "192.0.2.2"),
			    "example.com");
	assert_string_equal(config_domain_for_local_addr(cfg, "garbage"),
			    "example.com");
	assert_string_equal(config_domain_for_local_addr(cfg, NULL),
			    "example.com");
	config_unref(&cfg);
}

#define CONF(body) "<ms_options>\n" body "</ms_options>\n"

static void
test_invalid_values(void **state)
{
	(void)state;
	expect_error(CONF("<imap_port>abc</imap_port>\n"),
		     "ms.conf:2: imap_port: invalid value 'abc' (expected a "
		     "port number)");
	expect_error(CONF("\n\n<imap_port>0</imap_port>\n"),
		     "ms.conf:4: imap_port: invalid value '0' (expected a "
		     "port number)");
	expect_error(CONF("<pop3_port>65536</pop3_port>\n"),
		     "ms.conf:2: pop3_port: invalid value '65536' (expected "
		     "a port number)");
	expect_error(CONF("<login_disabled>maybe</login_disabled>\n"),
		     "ms.conf:2: login_disabled: invalid value 'maybe' "
		     "(expected true or false)");
	expect_error(CONF("<thread_pool_max>0</thread_pool_max>\n"),
		     "ms.conf:2: thread_pool_max: invalid value '0' "
		     "(expected a number from 1 to 1024)");
	expect_error(CONF("<sieve_redirect_mode>4</sieve_redirect_mode>\n"),
		     "ms.conf:2: sieve_redirect_mode: invalid value '4' "
		     "(expected a number from 0 to 3)");
	expect_error(CONF("<max_connections>-5</max_connections>\n"),
		     "ms.conf:2: max_connections: invalid value '-5' "
		     "(expected a number from 1 to 1000000)");
	expect_error(CONF("<log_level>loud</log_level>\n"),
		     "ms.conf:2: log_level: invalid value 'loud' (expected "
		     "one of crit, err, warning, notice, info, debug)");
	expect_error(CONF("<tls_min_protocol>SSLv3</tls_min_protocol>\n"),
		     "ms.conf:2: tls_min_protocol: invalid value 'SSLv3' "
		     "(expected one of TLSv1.2, TLSv1.3)");
	expect_error(CONF("<userdir>relative/dir</userdir>\n"),
		     "ms.conf:2: userdir: invalid value 'relative/dir' "
		     "(expected an absolute path)");
	expect_error(CONF("<userdir></userdir>\n"),
		     "ms.conf:2: userdir: empty value not allowed");
	expect_error(CONF("<domain>bad_domain</domain>\n"),
		     "ms.conf:2: domain: invalid value 'bad_domain' "
		     "(expected a domain name)");
	expect_error(CONF("<admin_user>nobody</admin_user>\n"),
		     "ms.conf:2: admin_user: invalid value 'nobody' "
		     "(expected a mail address)");
	expect_error(CONF("<quota_limit>1000x</quota_limit>\n"),
		     "ms.conf:2: quota_limit: invalid value '1000x' "
		     "(expected a size in KiB up to 1099511627776, "
		     "optionally with k, m or g)");
	expect_error(CONF("<quota_limit>1500</quota_limit>"
			  "<max_net_buffer>99999999999</max_net_buffer>\n"),
		     "ms.conf:2: max_net_buffer: invalid value '99999999999' "
		     "(expected a size in bytes up to 1073741824, optionally "
		     "with k, m or g)");
	expect_error(CONF("<preauth_timeout>0</preauth_timeout>\n"),
		     "ms.conf:2: preauth_timeout: invalid value '0' (expected "
		     "a number of seconds from 1 to 3600, or with suffix s, "
		     "m, h or d)");
	expect_error(CONF("<client_timeout>-2</client_timeout>\n"),
		     "ms.conf:2: client_timeout: invalid value '-2' (expected "
		     "a number of seconds from -1 to 86400, or with suffix "
		     "s, m, h or d)");
	expect_error(CONF("<accessible_services>imap=maybe"
			  "</accessible_services>\n"),
		     "ms.conf:2: accessible_services: invalid value "
		     "'imap=maybe' (expected service=access pairs: imap, pop "
		     "or sieve = allow, grant or deny)");
	expect_error(CONF("<accessible_services>imap=allow,imap=deny"
			  "</accessible_services>\n"),
		     "ms.conf:2: accessible_services: service imap listed "
		     "twice");
	expect_error(CONF("<services>imap,smtp</services>\n"),
		     "ms.conf:2: services: invalid value 'smtp' (expected "
		     "imap, pop3, lmtp or sieve)");
	expect_error(CONF("<services> , </services>\n"),
		     "ms.conf:2: services: empty value not allowed");
	expect_error(CONF("<imap_host>127.0.0.1:99999</imap_host>\n"),
		     "ms.conf:2: imap_host: invalid value '127.0.0.1:99999' "
		     "(expected a port number after ':')");
	expect_error(CONF("<imap_host>[::1</imap_host>\n"),
		     "ms.conf:2: imap_host: invalid value '[::1' (expected "
		     "addresses of the form addr, addr:port, [ipv6]:port or "
		     "/socket/path)");
	expect_error(CONF("<login_alert>a\tb</login_alert>\n"),
		     "ms.conf:2: login_alert: invalid value 'a\\x09b' "
		     "(expected text without control characters)");
	expect_error(CONF("<ldap_bind_pwd>a\tb</ldap_bind_pwd>\n"),
		     "ms.conf:2: ldap_bind_pwd: invalid value (expected text "
		     "without control characters)");
	expect_error(CONF("<expiration_policy>INBOX</expiration_policy>\n"),
		     "ms.conf:2: expiration_policy: invalid value 'INBOX' "
		     "(expected <mailbox>$<seconds> or <mailbox>$NONE)");
	expect_error(CONF("<thread_pool_min>65</thread_pool_min>\n"),
		     "ms.conf:2: thread_pool_min: 65 is larger than "
		     "thread_pool_max (64)");
	expect_error(CONF("<sasl><pwcheck_method>pam</pwcheck_method>"
			  "</sasl>\n"),
		     "ms.conf:2: pwcheck_method: invalid value 'pam' "
		     "(expected one of auxprop, auxprop-hashed)");
}

static void
test_structure_errors(void **state)
{
	(void)state;
	expect_error(CONF("<imap_port>143</imap_port>\n"
			  "<imap_port>144</imap_port>\n"),
		     "ms.conf:3: imap_port: duplicate option (first set at "
		     "line 2)");
	expect_error(CONF("<sasl></sasl>\n<sasl/>\n"),
		     "ms.conf:3: sasl: duplicate element");
	expect_error(CONF("<ldapdb_user_ocs>top</ldapdb_user_ocs>\n"
			  "<sasl><ldapdb_user_ocs>top</ldapdb_user_ocs>"
			  "</sasl>\n"),
		     "ms.conf:3: ldapdb_user_ocs: duplicate option (first "
		     "set at line 2)");
	expect_error(CONF("<imap_port><x/></imap_port>\n"),
		     "ms.conf:2: x: unexpected element inside an option "
		     "value");
	expect_error(CONF("stray text\n"),
		     "ms.conf:2: unexpected text 'stray text'");
	expect_error("<options/>\n",
		     "ms.conf:1: root element is <options>, expected "
		     "<ms_options>");
	expect_error("", "ms.conf:1: malformed XML: empty file");
	expect_error(CONF("<domain_map local_addr='1.2.3.4'/>\n"),
		     "ms.conf:2: domain_map: missing attribute domain");
	expect_error(CONF("<domain_map local_addr='host' domain='a.b'/>\n"),
		     "ms.conf:2: domain_map: local_addr: invalid value 'host' "
		     "(expected an IP address)");
	expect_error(CONF("<domain_map local_addr='1.2.3.4' domain='a.b'/>\n"
			  "<domain_map local_addr='::ffff:1.2.3.4' "
			  "domain='c.d'/>\n"),
		     "ms.conf:3: domain_map: duplicate local_addr "
		     "::ffff:1.2.3.4 (first at line 2)");
	expect_error(CONF("<shared_root name='a'>\n"
			  "<user name='x' access='read,fly'/>\n"
			  "</shared_root>\n"),
		     "ms.conf:3: user: access: invalid value 'read,fly' "
		     "(expected none, read, write, manage or all)");
	expect_error(CONF("<shared_root name='a'>\n"
			  "<group name='g1' access='read'/>\n"
			  "<group name='g2' access='read'/>\n"
			  "</shared_root>\n"),
		     "ms.conf:4: group: only one group besides anyone is "
		     "allowed");
	expect_error(CONF("<shared_root name='a/b'/>\n"),
		     "ms.conf:2: shared_root: name: invalid value 'a/b' "
		     "(expected a name without '/', not starting with '.')");
	expect_error(CONF("<shared_root name='a'/>\n"
			  "<shared_root name='a' path='/x'/>\n"),
		     "ms.conf:3: shared_root: name and path must be unique "
		     "(a)");
	expect_error(CONF("<group name='anyone'/>\n"),
		     "ms.conf:2: group: name: 'anyone' is reserved or empty");
	expect_error(CONF("<group name='g'>\n<user name='a'/>\n"
			  "<user name='A'/>\n</group>\n"),
		     "ms.conf:4: user: duplicate member A");
	expect_error(CONF("<group name='g'/>\n<group name='g'/>\n"),
		     "ms.conf:3: group: duplicate name g");
}

static void
test_malformed_xml(void **state)
{
	(void)state;
	expect_error("<ms_options>\n<domain>a</domain>\n<x>\n</ms_options>\n",
		     "ms.conf:4: malformed XML: Opening and ending tag "
		     "mismatch: x line 3 and ms_options");
	expect_error("<ms_options>\n<domain>a</domian>\n</ms_options>\n",
		     "ms.conf:2: malformed XML: Opening and ending tag "
		     "mismatch: domain line 2 and domian");
	expect_error(CONF("<domain>&foo;</domain>\n"),
		     "ms.conf:2: malformed XML: Entity 'foo' not defined");
	/* Billion laughs: the DOCTYPE stops the parser before any entity
	   declaration is read. */
	expect_error("<?xml version=\"1.0\"?>\n"
		     "<!DOCTYPE lolz [\n"
		     "  <!ENTITY lol \"lol\">\n"
		     "  <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
		     "]>\n"
		     "<ms_options><domain>&lol2;</domain></ms_options>\n",
		     "ms.conf:2: malformed XML: DOCTYPE and entity "
		     "declarations are not allowed");
	/* XXE */
	expect_error("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
		     "<ms_options><domain>&e;</domain></ms_options>\n",
		     "ms.conf:1: malformed XML: DOCTYPE and entity "
		     "declarations are not allowed");
	expect_error("<!DOCTYPE ms_options SYSTEM \"http://127.0.0.1/x.dtd\">\n"
		     "<ms_options/>\n",
		     "ms.conf:1: malformed XML: DOCTYPE and entity "
		     "declarations are not allowed");
}

static void
test_warnings(void **state)
{
	struct ms_config *cfg = load_ok(
	    CONF("<no_such_option>1</no_such_option>\n"
		 "<mech_list>PLAIN</mech_list>\n"
		 "<imap_timeout>10</imap_timeout>\n"
		 "<pop_timeout>1</pop_timeout>\n"
		 "<duplicate_history>-3</duplicate_history>\n"
		 "<gateway_mode>true</gateway_mode>\n"
		 "<enable_sieve>true</enable_sieve>\n"
		 "<imap_port extra='1'>143</imap_port>\n"
		 "<sasl><bogus/></sasl>\n"
		 "<domain_map local_addr='::1' domain='x.y' weight='2'/>\n"
		 "<shared_root name='r'><group name='nosuch' access='read'/>"
		 "</shared_root>\n"));

	(void)state;
	assert_true(has_warning(cfg, "ms.conf:2: unknown option "
				     "no_such_option ignored"));
	assert_true(has_warning(cfg, "ms.conf:3: option mech_list ignored: "
				     "it belongs inside <sasl>"));
	assert_true(has_warning(cfg, "ms.conf:4: imap_timeout: 10 is out "
				     "of range; using 30 minutes"));
	assert_true(has_warning(cfg, "ms.conf:5: pop_timeout: 1 is out of "
				     "range; using 5 minutes"));
	assert_true(has_warning(cfg, "ms.conf:6: duplicate_history: -3 is "
				     "out of range; using 1 days"));
	assert_true(has_warning(cfg, "ms.conf:7: gateway_mode: accepted but "
				     "not used yet (gateway/migration "
				     "support is not implemented)"));
	/* the default value of an unimplemented feature is no news */
	assert_false(has_warning(cfg, "enable_sieve"));
	assert_true(has_warning(cfg, "ms.conf:9: imap_port: attribute "
				     "'extra' ignored"));
	assert_true(has_warning(cfg, "ms.conf:10: unknown option "
				     "<sasl><bogus> ignored"));
	assert_true(has_warning(cfg, "ms.conf:11: domain_map: attribute "
				     "'weight' ignored"));
	assert_true(has_warning(cfg, "group nosuch is not defined"));
	assert_int_equal(cfg->imap_timeout, 1800);
	assert_int_equal(cfg->pop_timeout, 300);
	assert_int_equal(cfg->duplicate_history, 86400);
	assert_int_equal(cfg->warning_count, 10);
	config_unref(&cfg);
}

static void
write_file(const char *path, const char *text)
{
	struct err err;

	assert_int_equal(
	    file_write_atomic(path, text, strlen(text), 0600, false, &err), 0);
}

static void
test_files(void **state)
{
	char dir[] = "/tmp/coffer-config-XXXXXX", path[256];
	struct ms_config *cfg = NULL;
	struct buf big = BUF_INIT;
	struct err err;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	/* a missing default file means built-in defaults */
	assert_int_equal(config_load(path, true, &cfg, &err), 0);
	assert_int_equal(cfg->imap_port, 143);
	config_unref(&cfg);
	/* a missing explicit file is an error */
	assert_int_equal(config_load(path, false, &cfg, &err), -1);
	assert_null(cfg);
	assert_non_null(strstr(err.msg, "missing.conf"));
	assert_non_null(strstr(err.msg, "No such file"));

	snprintf(path, sizeof(path), "%s/ms.conf", dir);
	write_file(path, CONF("<imap_port>1</imap_port>\n"));
	assert_int_equal(config_load(path, false, &cfg, &err), 0);
	assert_int_equal(cfg->imap_port, 1);
	assert_string_equal(cfg->path, path);
	config_unref(&cfg);
	/* an existing but broken default file is an error too */
	write_file(path, CONF("<imap_port>x</imap_port>\n"));
	assert_int_equal(config_load(path, true, &cfg, &err), -1);
	assert_non_null(strstr(err.msg, "ms.conf:2: imap_port: invalid"));

	/* huge files are refused before parsing */
	buf_append_str(&big, "<ms_options>\n");
	while (big.len <= CONFIG_MAX_FILE_SIZE)
		buf_append_str(&big, "<!-- padding padding padding -->\n");
	buf_append_str(&big, "</ms_options>\n");
	assert_int_equal(
	    file_write_atomic(path, big.data, big.len, 0600, false, &err), 0);
	assert_int_equal(config_load(path, false, &cfg, &err), -1);
	assert_non_null(strstr(err.msg, "file too large"));
	assert_int_equal(config_load_data("x", big.data, big.len, &cfg, &err),
			 -1);
	assert_int_equal(err.code, ERR_TOOBIG);
	buf_free(&big);
	assert_int_equal(rm_rf(dir, &err), 0);
}

struct diff_ctx {
	char names[4096];
	unsigned calls;
};

static void
diff_cb(const char *option, bool needs_restart, void *context)
{
	struct diff_ctx *ctx = context;
	size_t len = strlen(ctx->names);

	snprintf(ctx->names + len, sizeof(ctx->names) - len, "%s%s%s",
		 len > 0 ? " " : "", needs_restart ? "!" : "", option);
	ctx->calls++;
}

static void
test_reload_diff(void **state)
{
	struct ms_config *a = load_ok(valid_conf);
	struct ms_config *b = load_ok(valid_conf);
	struct ms_config *c = load_ok(
	    CONF("<ms_user>coffer</ms_user>\n"
		 "<login_disabled>true</login_disabled>\n"
		 "<domain>example.com</domain>\n"
		 "<imap_port>10143</imap_port>\n"
		 "<sasl><tls_cipher_list>HIGH</tls_cipher_list></sasl>\n"));
	struct diff_ctx ctx = {"", 0};

	(void)state;
	assert_int_equal(config_reload_diff(a, b, diff_cb, &ctx), 0);
	assert_int_equal(ctx.calls, 0);
	assert_true(config_reload_diff(a, c, diff_cb, &ctx) > 0);
	assert_non_null(strstr(ctx.names, " login_disabled "));
	assert_non_null(strstr(ctx.names, "!imap_host"));
	assert_non_null(strstr(ctx.names, "!data_dir"));
	assert_non_null(strstr(ctx.names, "!sasl/tls_cipher_list"));
	assert_non_null(strstr(ctx.names, "domain_map"));
	assert_non_null(strstr(ctx.names, "shared_root"));
	assert_null(strstr(ctx.names, "imap_port"));
	assert_null(strstr(ctx.names, "ms_user"));
	assert_int_equal(config_reload_diff(c, c, NULL, NULL), 0);
	/* references keep a snapshot alive */
	config_unref(&b);
	b = config_ref(a);
	assert_ptr_equal(b, a);
	config_unref(&a);
	assert_int_equal(b->imap_port, 10143);
	config_unref(&b);
	config_unref(&c);
}

/* Runs cli_parse() on a NULL-terminated list of arguments. The copies
   stay valid until the next call. */
static int
run_cli(struct cli_options *o, ...)
{
	static const struct cli_spec spec = {"prog", "[args]", NULL};
	static char store[16][64];
	static char *argv[17];
	const char *arg;
	va_list ap;
	int argc = 0;

	va_start(ap, o);
	while ((arg = va_arg(ap, const char *)) != NULL && argc < 16) {
		snprintf(store[argc], sizeof(store[argc]), "%s", arg);
		argv[argc] = store[argc];
		argc++;
	}
	va_end(ap);
	argv[argc] = NULL;
	return cli_parse(&spec, argc, argv, o);
}

static void
test_cli(void **state)
{
	struct cli_options o;

	(void)state;
	unsetenv("COFFER_CONFIG");
	assert_int_equal(run_cli(&o, "prog", "-c", "/x.conf", "-d", "-s", "lbl",
				 "add", "-p", "x", NULL),
			 6);
	assert_string_equal(o.config_path, "/x.conf");
	assert_false(o.config_is_default);
	assert_true(o.foreground);
	assert_string_equal(o.label, "lbl");
	assert_int_equal(run_cli(&o, "prog", "-c/y.conf", NULL), 2);
	assert_string_equal(o.config_path, "/y.conf");
	assert_int_equal(run_cli(&o, "prog", NULL), 1);
	assert_string_equal(o.config_path, COFFER_DEFAULT_CONFIG);
	assert_true(o.config_is_default);
	assert_false(o.foreground);
	assert_string_equal(o.label, "prog");
	setenv("COFFER_CONFIG", "/env.conf", 1);
	assert_int_equal(run_cli(&o, "prog", NULL), 1);
	assert_string_equal(o.config_path, "/env.conf");
	assert_false(o.config_is_default);
	unsetenv("COFFER_CONFIG");
	assert_int_equal(run_cli(&o, "prog", "-x", NULL), CLI_ERROR);
	assert_int_equal(run_cli(&o, "prog", "-c", NULL), CLI_ERROR);
	assert_int_equal(run_cli(&o, "prog", "--", "-d", NULL), 2);
	assert_false(o.foreground);
	assert_int_equal(run_cli(&o, "prog", "--version", "-x", NULL),
			 CLI_DONE);
	assert_int_equal(run_cli(&o, "prog", "-d", "-", NULL), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_valid_file),
	    cmocka_unit_test(test_domain_map_lookup),
	    cmocka_unit_test(test_invalid_values),
	    cmocka_unit_test(test_structure_errors),
	    cmocka_unit_test(test_malformed_xml),
	    cmocka_unit_test(test_warnings),
	    cmocka_unit_test(test_files),
	    cmocka_unit_test(test_reload_diff),
	    cmocka_unit_test(test_cli),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
