/* SPDX-License-Identifier: MIT */
/* Shared harness of the LMTP tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "lmtp-test-util.h"
#include "auth/userdb.h"
#include "config/config.h"
#include "lib/fsutil.h"
#include "lib/panic.h"
#include "net/listener.h"
#include "net/server.h"
#include "proto/lmtp/lmtp.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>

void
lmtp_fixture_init(struct lmtp_fixture *f, const char *extra)
{
	struct store_settings set;
	char conf[4096];
	struct err err;

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "%s/coffer-lmtp-test.XXXXXX",
		 getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(f->dir) == NULL)
		i_panic("mkdtemp failed");
	snprintf(f->spool_dir, sizeof(f->spool_dir), "%s/spool", f->dir);
	snprintf(f->socket_path, sizeof(f->socket_path), "%s/lmtp", f->dir);
	snprintf(conf, sizeof(conf),
		 "<ms_options><data_dir>%s</data_dir>"
		 "<domain>example.com</domain>%s</ms_options>",
		 f->dir, extra != NULL ? extra : "");
	if (config_load_data("ms.conf", conf, strlen(conf), &f->cfg, &err) < 0)
		i_panic("config: %s", err.msg);
	if (userdb_open(f->cfg, USERDB_OPEN_CREATE, &f->userdb, &err) < 0)
		i_panic("userdb: %s", err.msg);
	store_settings_init(&set);
	set.userdir = f->cfg->userdir;
	set.shared_root_dir = f->cfg->shared_root_dir;
	set.fsync = false; /* durability is the store's tests' business */
	if (store_create(&set, &f->store, &err) < 0)
		i_panic("store: %s", err.msg);
}

static struct ms_config *
fixture_config(void *ctx)
{
	struct lmtp_fixture *f = ctx;

	return config_ref(f->cfg);
}

static void *
run_server(void *ctx)
{
	net_server_run(ctx);
	return NULL;
}

static void
add_listener(struct lmtp_fixture *f, int fd, const char *name)
{
	struct net_listener_settings ls = {0};
	struct err err;

	ls.name = name;
	ls.accept = lmtp_server_accept;
	ls.ctx = f->lmtp;
	if (net_server_add_listener(f->net, fd, &ls, &err) < 0)
		i_panic("listener: %s", err.msg);
}

void
lmtp_fixture_start(struct lmtp_fixture *f)
{
	struct lmtp_server_settings set = {0};
	struct net_server_settings ns = {0};
	struct err err;
	int fd;

	set.store = f->store;
	set.userdb = f->userdb;
	set.hostname = "lmtp.example.com";
	set.spool_dir = f->spool_dir;
	set.config_get = fixture_config;
	set.config_ctx = f;
	set.idle_timeout_ms = f->idle_timeout_ms;
	set.spool_fsync = false; /* as in production (lmtp.h) */
	if (lmtp_server_create(&set, &f->lmtp, &err) < 0)
		i_panic("lmtp: %s", err.msg);
	ns.thread_pool_min = 4;
	ns.thread_pool_max = 4;
	ns.max_net_buffer = f->max_net_buffer;
	f->net = net_server_create(&ns, &err);
	if (f->net == NULL)
		i_panic("net: %s", err.msg);
	if (net_listen_tcp("127.0.0.1", 0, 64, &fd, 1, &err) != 1)
		i_panic("listen: %s", err.msg);
	f->port = net_socket_local_port(fd);
	/* accepted sockets inherit it (and lose send-buffer autotuning) */
	if (f->max_net_buffer > 0) {
		int sndbuf = 4096;

		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	}
	add_listener(f, fd, "lmtp");
	fd = net_listen_unix(f->socket_path, 0600, 64, &err);
	if (fd < 0)
		i_panic("listen: %s", err.msg);
	add_listener(f, fd, "lmtp-unix");
	if (pthread_create(&f->thread, NULL, run_server, f->net) != 0)
		i_panic("pthread_create failed");
}

void
lmtp_fixture_stop(struct lmtp_fixture *f)
{
	if (f->net == NULL)
		return;
	net_server_stop(f->net, 5000);
	pthread_join(f->thread, NULL);
	net_server_destroy(&f->net);
}

void
lmtp_fixture_deinit(struct lmtp_fixture *f)
{
	struct err err;

	lmtp_fixture_stop(f);
	lmtp_server_destroy(&f->lmtp);
	store_destroy(&f->store);
	userdb_close(&f->userdb);
	config_unref(&f->cfg);
	rm_rf(f->dir, &err);
}

struct lmtp_fixture *
lmtp_test_fixture(const char *extra, unsigned idle_ms, size_t max_net_buffer)
{
	struct lmtp_fixture *f = calloc(1, sizeof(*f));

	lmtp_fixture_init(f, extra);
	f->idle_timeout_ms = idle_ms;
	f->max_net_buffer = max_net_buffer;
	lmtp_fixture_add_user(f, "joe@example.com", "joseph@example.org",
			      ACCOUNT_ENABLED, 0);
	lmtp_fixture_add_user(f, "ann@example.com", NULL, ACCOUNT_ENABLED, 0);
	lmtp_fixture_add_user(f, "off@example.com", NULL, ACCOUNT_DISABLED, 0);
	lmtp_fixture_add_user(f, "tiny@example.com", NULL, ACCOUNT_ENABLED, 1);
	lmtp_fixture_start(f);
	return f;
}

int
lmtp_test_teardown(void **state)
{
	struct lmtp_fixture *f = *state;

	lmtp_fixture_deinit(f);
	free(f);
	return 0;
}

void
lmtp_fixture_add_user(struct lmtp_fixture *f, const char *userid,
		      const char *alias, enum account_status status,
		      uint64_t quota_kib)
{
	struct account *a = account_create(userid);
	struct err err;

	a->status = status;
	if (alias != NULL && account_add_alias(a, alias, &err) < 0)
		i_panic("alias: %s", err.msg);
	if (quota_kib > 0 && account_set_quota(a, quota_kib, &err) < 0)
		i_panic("quota: %s", err.msg);
	if (userdb_add(f->userdb, a, false, &err) < 0)
		i_panic("userdb_add: %s", err.msg);
	account_destroy(&a);
}

static struct store_user *
open_owner(struct lmtp_fixture *f, const char *userid, bool shared)
{
	struct store_user *user;
	struct err err;
	int ret;

	if (shared) {
		char path[512];

		snprintf(path, sizeof(path), "%s/%s", f->cfg->shared_root_dir,
			 userid);
		ret = store_shared_open(f->store, userid, path, false, &user,
					&err);
	} else {
		ret =
		    store_user_open(f->store, userid, NULL, false, &user, &err);
	}
	return ret < 0 ? NULL : user;
}

uint32_t
lmtp_fixture_count(struct lmtp_fixture *f, const char *userid, bool shared,
		   const char *mailbox)
{
	struct store_user *user = open_owner(f, userid, shared);
	struct store_status st = {0};
	struct err err;

	if (user == NULL)
		return 0;
	if (store_mailbox_status(user, mailbox, STORE_STATUS_MESSAGES, &st,
				 &err) < 0)
		st.messages = 0;
	store_user_close(&user);
	return st.messages;
}

static int
open_message(struct lmtp_fixture *f, const char *userid, bool shared,
	     const char *mailbox, uint32_t seq)
{
	struct store_user *user = open_owner(f, userid, shared);
	struct store_mailbox *box;
	struct err err;
	int fd;

	assert_non_null(user);
	if (store_mailbox_open(user, mailbox, STORE_OPEN_READONLY, &box, &err) <
	    0)
		fail_msg("open %s: %s", mailbox, err.msg);
	if (store_msg_open(box, seq, &fd, &err) < 0)
		fail_msg("message %u: %s", seq, err.msg);
	store_mailbox_close(&box);
	store_user_close(&user);
	return fd;
}

void
lmtp_fixture_message(struct lmtp_fixture *f, const char *userid, bool shared,
		     const char *mailbox, uint32_t seq, struct buf *out)
{
	int fd = open_message(f, userid, shared, mailbox, seq);
	char buf[8192];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		buf_append(out, buf, (size_t)n);
	close(fd);
}

void
lmtp_fixture_text(struct lmtp_fixture *f, const char *userid, bool shared,
		  const char *mailbox, uint32_t seq, struct buf *out)
{
	buf_clear(out);
	lmtp_fixture_message(f, userid, shared, mailbox, seq, out);
	buf_cstr(out);
}

void
lmtp_fixture_create_mailbox(struct lmtp_fixture *f, const char *owner,
			    bool shared, const char *name)
{
	struct store_user *user;
	struct err err;

	if (shared)
		assert_int_equal(store_shared_open(f->store, owner,
						   f->cfg->shared_roots[0].path,
						   true, &user, &err),
				 0);
	else
		assert_int_equal(
		    store_user_open(f->store, owner, NULL, true, &user, &err),
		    0);
	assert_int_equal(store_mailbox_create(user, name, NULL, &err), 0);
	store_user_close(&user);
}

unsigned
lmtp_fixture_nlink(struct lmtp_fixture *f, const char *userid,
		   const char *mailbox, uint32_t seq)
{
	int fd = open_message(f, userid, false, mailbox, seq);
	struct stat sb;

	assert_int_equal(fstat(fd, &sb), 0);
	close(fd);
	return (unsigned)sb.st_nlink;
}

unsigned
lmtp_fixture_spool_files(struct lmtp_fixture *f)
{
	DIR *d = opendir(f->spool_dir);
	struct dirent *de;
	size_t dir_len = strlen(f->dir);
	unsigned n = 0;

	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.')
			n++;
	}
	if (d != NULL)
		closedir(d);
	/* unnamed (O_TMPFILE) spool files, held open by the server running
	   in this process, in the spool directory or beside the first
	   recipient's mail: /proc shows them as <dir>/#<inode> (deleted) */
	d = opendir("/proc/self/fd");
	while (d != NULL && (de = readdir(d)) != NULL) {
		char link[PATH_MAX], target[PATH_MAX];
		ssize_t len;

		if (de->d_name[0] == '.' ||
		    snprintf(link, sizeof(link), "/proc/self/fd/%s",
			     de->d_name) >= (int)sizeof(link))
			continue;
		len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (strncmp(target, f->dir, dir_len) == 0 &&
		    strstr(target + dir_len, "/#") != NULL)
			n++;
	}
	if (d != NULL)
		closedir(d);
	return n;
}

void
lmtp_fixture_wait_spool_empty(struct lmtp_fixture *f)
{
	for (int i = 0; i < 500 && lmtp_fixture_spool_files(f) > 0; i++)
		usleep(10000);
	assert_int_equal(lmtp_fixture_spool_files(f), 0);
}

/* --- clients --------------------------------------------------------- */

static void
set_timeouts(int fd)
{
	struct timeval tv = {10, 0};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void
client_greeting(struct lclient *c)
{
	char line[512];

	assert_int_equal(lclient_reply(c, line, sizeof(line)), 220);
	assert_non_null(strstr(line, "LMTP"));
}

void
lclient_open(struct lclient *c, struct lmtp_fixture *f)
{
	lclient_open_rcvbuf(c, f, 0);
}

void
lclient_open_rcvbuf(struct lclient *c, struct lmtp_fixture *f, int rcvbuf)
{
	struct sockaddr_in sin = {0};

	c->len = 0;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->fd >= 0);
	set_timeouts(c->fd);
	/* before connect(): it sets the window the server sees */
	if (rcvbuf > 0)
		setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			   sizeof(rcvbuf));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)f->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)),
			 0);
	client_greeting(c);
}

void
lclient_open_unix(struct lclient *c, struct lmtp_fixture *f)
{
	struct sockaddr_un sun = {0};

	c->len = 0;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->fd >= 0);
	set_timeouts(c->fd);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->socket_path);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)),
			 0);
	client_greeting(c);
}

void
lclient_close(struct lclient *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

void
lclient_send_raw(struct lclient *c, const void *data, size_t len)
{
	assert_int_equal(write_full(c->fd, data, len), 0);
}

void
lclient_send(struct lclient *c, const char *s)
{
	lclient_send_raw(c, s, strlen(s));
}

int
lclient_line(struct lclient *c, char *line, size_t size)
{
	for (;;) {
		char *lf = memchr(c->buf, '\n', c->len);
		ssize_t n;

		if (lf != NULL) {
			size_t len = (size_t)(lf - c->buf);
			size_t keep =
			    len > 0 && c->buf[len - 1] == '\r' ? len - 1 : len;

			if (keep >= size)
				keep = size - 1;
			memcpy(line, c->buf, keep);
			line[keep] = '\0';
			memmove(c->buf, lf + 1, c->len - len - 1);
			c->len -= len + 1;
			return (int)keep;
		}
		if (c->len == sizeof(c->buf))
			return -1;
		n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
		if (n <= 0)
			return -1;
		c->len += (size_t)n;
	}
}

int
lclient_reply(struct lclient *c, char *line, size_t size)
{
	for (;;) {
		int n = lclient_line(c, line, size);

		if (n < 0)
			return -1;
		if (n < 4)
			fail_msg("short reply line \"%s\"", line);
		if (line[3] == ' ')
			return atoi(line);
		if (line[3] != '-')
			fail_msg("bad reply line \"%s\"", line);
	}
}

void
lclient_expect(struct lclient *c, const char *prefix)
{
	char line[1024];

	if (lclient_reply(c, line, sizeof(line)) < 0)
		fail_msg("no reply, expected \"%s\" (buffered %zu)", prefix,
			 c->len);
	if (strncmp(line, prefix, strlen(prefix)) != 0)
		fail_msg("got \"%s\", expected \"%s\"", line, prefix);
}

bool
lclient_wait_eof(struct lclient *c)
{
	char buf[4096];

	for (;;) {
		ssize_t n = read(c->fd, buf, sizeof(buf));

		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return true;
		if (n < 0)
			return false;
	}
}

void
lclient_lhlo(struct lclient *c)
{
	lclient_send(c, "LHLO client.example.com\r\n");
	lclient_expect(c, "250 CHUNKING");
}

void
lclient_send_message(struct lclient *c, const char *rcpts[], size_t n,
		     const char *body)
{
	char line[600];

	lclient_send(c, "MAIL FROM:<s@x.org>\r\n");
	lclient_expect(c, "250 2.1.0");
	for (size_t i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "RCPT TO:<%s>\r\n", rcpts[i]);
		lclient_send(c, line);
		lclient_expect(c, "250 2.1.5");
	}
	lclient_send(c, "DATA\r\n");
	lclient_expect(c, "354");
	lclient_send(c, body);
	lclient_send(c, ".\r\n");
	for (size_t i = 0; i < n; i++)
		lclient_expect(c, "250 2.0.0");
}
