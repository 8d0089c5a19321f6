/* SPDX-License-Identifier: MIT */
/* Shared harness of the net tests: blocking clients and TLS material. */
#include "net-test.h"
#include "lib/panic.h"
#include "lib/str.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

static void
set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = 10 };

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int
test_connect_tcp(const char *addr, unsigned port)
{
	return test_connect_tcp_rcvbuf(addr, port, 0);
}

int
test_connect_tcp_rcvbuf(const char *addr, unsigned port, int rcvbuf)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
				     .sin6_port = htons((uint16_t)port) };
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons((uint16_t)port) };
	int fd;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) == 1) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		set_timeouts(fd);
		if (rcvbuf > 0)
			(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
					 sizeof(rcvbuf));
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
			close(fd);
			return -1;
		}
		return fd;
	}
	if (inet_pton(AF_INET6, addr, &sin6.sin6_addr) != 1)
		return -1;
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	set_timeouts(fd);
	if (connect(fd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
test_connect_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	str_copy(sun.sun_path, path, sizeof(sun.sun_path));
	set_timeouts(fd);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void
tclient_init(struct tclient *tc, int fd)
{
	tc->fd = fd;
	tc->ssl = NULL;
	tc->len = 0;
}

void
tclient_close(struct tclient *tc)
{
	if (tc->ssl != NULL)
		SSL_free(tc->ssl);
	tc->ssl = NULL;
	if (tc->fd >= 0)
		close(tc->fd);
	tc->fd = -1;
}

int
tclient_start_tls(struct tclient *tc, SSL_CTX *ctx)
{
	tc->ssl = SSL_new(ctx);
	if (tc->ssl == NULL || SSL_set_fd(tc->ssl, tc->fd) != 1)
		return -1;
	if (SSL_connect(tc->ssl) != 1) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

static ssize_t
tclient_raw_read(struct tclient *tc, void *buf, size_t size)
{
	ssize_t n;

	if (tc->ssl != NULL) {
		n = SSL_read(tc->ssl, buf, (int)size);
		if (n <= 0)
			ERR_clear_error();
		return n;
	}
	do
		n = recv(tc->fd, buf, size, 0);
	while (n < 0 && errno == EINTR);
	return n;
}

int
tclient_send(struct tclient *tc, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 0) {
		ssize_t n;

		if (tc->ssl != NULL)
			n = SSL_write(tc->ssl, p, (int)len);
		else
			n = send(tc->fd, p, len, MSG_NOSIGNAL);
		if (n <= 0) {
			if (n < 0 && errno == EINTR && tc->ssl == NULL)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
tclient_send_str(struct tclient *tc, const char *s)
{
	return tclient_send(tc, s, strlen(s));
}

int
tclient_line(struct tclient *tc, char *line, size_t size)
{
	for (;;) {
		char *nl = memchr(tc->buf, '\n', tc->len);
		ssize_t n;

		if (nl != NULL) {
			size_t len = (size_t)(nl - tc->buf);

			if (len >= size)
				return -1;
			memcpy(line, tc->buf, len);
			line[len] = '\0';
			tc->len -= len + 1;
			memmove(tc->buf, nl + 1, tc->len);
			return (int)len;
		}
		if (tc->len == sizeof(tc->buf))
			return -1;
		n = tclient_raw_read(tc, tc->buf + tc->len,
				     sizeof(tc->buf) - tc->len);
		if (n <= 0)
			return -1;
		tc->len += (size_t)n;
	}
}

int
tclient_ping_pong(struct tclient *tc, const char *tag, int rounds,
		  unsigned pause_us)
{
	char want[128], out[130], line[256];

	for (int i = 0; i < rounds; i++) {
		snprintf(want, sizeof(want), "%s n%d", tag, i);
		snprintf(out, sizeof(out), "%s\n", want);
		line[0] = '\0';
		if (tclient_send_str(tc, out) < 0 ||
		    tclient_line(tc, line, sizeof(line)) < 0 ||
		    strcmp(line, want) != 0) {
			fprintf(stderr, "ping-pong: sent \"%s\", got \"%s\"\n",
				want, line);
			return -1;
		}
		if (pause_us > 0)
			usleep(pause_us);
	}
	return 0;
}

int
tclient_pattern(struct tclient *tc, uint64_t n, size_t read_size,
		unsigned sleep_us)
{
	uint8_t buf[65536];
	uint64_t pos = 0;
	size_t take = tc->len < n ? tc->len : (size_t)n;

	for (size_t i = 0; i < take; i++) {
		if ((uint8_t)tc->buf[i] != test_pattern(pos++))
			return -1;
	}
	tc->len -= take;
	memmove(tc->buf, tc->buf + take, tc->len);
	if (read_size > sizeof(buf))
		read_size = sizeof(buf);
	while (pos < n) {
		size_t want = n - pos < read_size ? (size_t)(n - pos)
						  : read_size;
		ssize_t got = tclient_raw_read(tc, buf, want);

		if (got <= 0)
			return -1;
		for (ssize_t i = 0; i < got; i++) {
			if (buf[i] != test_pattern(pos++))
				return -1;
		}
		if (sleep_us > 0)
			usleep(sleep_us);
	}
	return 0;
}

bool
tclient_wait_eof(struct tclient *tc)
{
	char buf[4096];

	for (;;) {
		ssize_t n = tclient_raw_read(tc, buf, sizeof(buf));

		if (n == 0)
			return true;
		if (n < 0)
			return tc->ssl != NULL || errno == ECONNRESET ||
			       errno == EPIPE;
	}
}

/* --- TLS material -------------------------------------------------------- */

static void
write_pem(const char *path, X509 *x, EVP_PKEY *key)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		i_panic("fopen(%s) failed: %m", path);
	if ((x != NULL && PEM_write_X509(f, x) != 1) ||
	    (key != NULL &&
	     PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) != 1))
		i_panic("PEM write to %s failed", path);
	fclose(f);
}

void
test_make_cert(const char *dir, char *cert_path, char *key_path, size_t size)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;

	if (key == NULL || x == NULL)
		i_panic("cannot create a test key");
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)"localhost", -1, -1,
				   0);
	X509_set_issuer_name(x, name);
	if (X509_sign(x, key, EVP_sha256()) == 0)
		i_panic("X509_sign failed");
	snprintf(cert_path, size, "%s/cert.pem", dir);
	snprintf(key_path, size, "%s/key.pem", dir);
	write_pem(cert_path, x, NULL);
	write_pem(key_path, NULL, key);
	X509_free(x);
	EVP_PKEY_free(key);
}

SSL_CTX *
test_client_ssl_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL)
		i_panic("SSL_CTX_new failed");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return ctx;
}
