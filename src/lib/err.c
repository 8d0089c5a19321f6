/* SPDX-License-Identifier: MIT */
/* Error objects. */
#include "lib/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
err_set(struct err *err, enum err_code code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static enum err_code
errno_to_code(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return ERR_NOTFOUND;
	case EEXIST:
	case ENOTEMPTY:
		return ERR_EXISTS;
	case EACCES:
	case EPERM:
	case EROFS:
		return ERR_PERM;
	case EDQUOT:
		return ERR_NOQUOTA;
	case ENAMETOOLONG:
	case EINVAL:
		return ERR_PARAMS;
	case EFBIG:
		return ERR_TOOBIG;
	case EAGAIN:
	case EINTR:
	case ENOSPC:
	case ESTALE:
	case EMFILE:
	case ENFILE:
		return ERR_TEMP;
	default:
		return ERR_INTERNAL;
	}
}

int
err_set_errno(struct err *err, const char *call, const char *arg)
{
	int e = errno;

	if (err != NULL) {
		err->code = errno_to_code(e);
		snprintf(err->msg, sizeof(err->msg), "%s(%s) failed: %s", call,
			 arg != NULL ? arg : "", strerror(e));
	}
	errno = e;
	return -1;
}

void
err_prefix(struct err *err, const char *fmt, ...)
{
	char prefix[256], old[sizeof(err->msg)];
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
}

void
err_clear(struct err *err)
{
	if (err != NULL) {
		err->code = ERR_NONE;
		err->msg[0] = '\0';
	}
}

const char *
err_code_name(enum err_code code)
{
	static const char *const names[] = {
		[ERR_NONE] = "none",	     [ERR_INTERNAL] = "internal",
		[ERR_TEMP] = "temporary",    [ERR_NOTFOUND] = "not found",
		[ERR_EXISTS] = "exists",     [ERR_PARAMS] = "invalid",
		[ERR_PERM] = "permission",   [ERR_NOQUOTA] = "over quota",
		[ERR_LIMIT] = "limit",	     [ERR_TOOBIG] = "too big",
		[ERR_INUSE] = "in use",	     [ERR_EXPUNGED] = "expunged",
		[ERR_NOTPOSSIBLE] = "not possible",
		[ERR_CORRUPT] = "corrupt",
	};
	if ((unsigned)code >= N_ELEMENTS(names) || names[code] == NULL)
		return "unknown";
	return names[code];
}
