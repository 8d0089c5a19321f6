/* SPDX-License-Identifier: MIT */
/* The shared service environment: the configuration holder swapped on
   SIGHUP, and the nologin switch. */
#include "proto/common/service.h"
#include "proto/common/login-delay.h"
#include "lib/str.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Only the first line matters; reading more would just cost memory. */
#define NOLOGIN_READ_MAX 1024

void
service_env_init(struct service_env *env, struct ms_config *cfg)
{
	memset(env, 0, sizeof(*env));
	pthread_mutex_init(&env->cfg_lock, NULL);
	env->cfg = config_ref(cfg);
	env->login_delay = login_delay_create(NULL);
}

void
service_env_deinit(struct service_env *env)
{
	config_unref(&env->cfg);
	login_delay_destroy(&env->login_delay);
	pthread_mutex_destroy(&env->cfg_lock);
}

struct ms_config *
service_env_config(struct service_env *env)
{
	struct ms_config *cfg;

	pthread_mutex_lock(&env->cfg_lock);
	cfg = config_ref(env->cfg);
	pthread_mutex_unlock(&env->cfg_lock);
	return cfg;
}

void
service_env_set_config(struct service_env *env, struct ms_config *cfg)
{
	struct ms_config *old;

	config_ref(cfg);
	pthread_mutex_lock(&env->cfg_lock);
	old = env->cfg;
	env->cfg = cfg;
	pthread_mutex_unlock(&env->cfg_lock);
	/* sessions that still use the old snapshot hold their own
	   references; the last one frees it */
	config_unref(&old);
}

/* Keeps the first line of text, without its line end, as printable
   ASCII: the line goes to clients as an IMAP [ALERT] or a POP3 -ERR text,
   where CR, LF and control bytes must never appear (RFC 3501 section 9,
   resp-text-code "ALERT" is followed by TEXT-CHARs). */
static void
first_line(const char *text, size_t len, char *msg, size_t size)
{
	size_t out = 0;

	for (size_t i = 0; i < len && out + 1 < size; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == '\n' || c == '\r' || c == '\0')
			break;
		msg[out++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	msg[out] = '\0';
	/* trailing blanks carry nothing */
	while (out > 0 && msg[out - 1] == ' ')
		msg[--out] = '\0';
}

bool
service_env_nologin(struct service_env *env, char *msg, size_t size)
{
	char path[4096], text[NOLOGIN_READ_MAX];
	ssize_t n;
	int fd;

	if (size > 0)
		msg[0] = '\0';
	if (env->data_dir == NULL || env->data_dir[0] == '\0')
		return false;
	if ((size_t)snprintf(path, sizeof(path), "%s/nologin", env->data_dir) >=
	    sizeof(path))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		/* a file we may not read still means "maintenance" */
		return errno != ENOENT && errno != ENOTDIR;
	}
	n = read(fd, text, sizeof(text));
	close(fd);
	if (n > 0 && size > 0)
		first_line(text, (size_t)n, msg, size);
	return true;
}
