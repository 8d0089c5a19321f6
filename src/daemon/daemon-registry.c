/* SPDX-License-Identifier: MIT */
/* Which services this process runs: -S, else the `services` option,
   checked against the services linked into the binary. */
#include "daemon/daemon-private.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/str.h"

#include <string.h>

/* Names ms.conf knows (config_check_service_name()); a known name that is
   not linked in is "not part of this build", anything else "unknown". */
static const char *const known_services[] = {"imap", "pop3", "lmtp", "sieve"};

const struct service_def *
daemon_registry_find(const struct daemon *d, const char *name)
{
	for (size_t i = 0; i < d->registry_count; i++) {
		if (strcmp(d->registry[i]->name, name) == 0)
			return d->registry[i];
	}
	return NULL;
}

static bool
known_name(const char *name)
{
	for (size_t i = 0; i < N_ELEMENTS(known_services); i++) {
		if (strcmp(known_services[i], name) == 0)
			return true;
	}
	return false;
}

static bool
selected(const struct daemon *d, const struct service_def *svc)
{
	for (size_t i = 0; i < d->service_count; i++) {
		if (d->services[i] == svc)
			return true;
	}
	return false;
}

/* Adds one named service. From -S (strict) an unavailable name is an
   error; from ms.conf it is a warning, so that one ms.conf serves
   binaries built with and without a service. */
static int
select_name(struct daemon *d, const char *name, bool strict, struct err *err)
{
	const struct service_def *svc = daemon_registry_find(d, name);

	if (svc == NULL && (strict || !known_name(name))) {
		if (!known_name(name))
			return err_set(err, ERR_PARAMS, "unknown service '%s'",
				       name);
		return err_set(err, ERR_NOTPOSSIBLE,
			       "service '%s' is not part of this build", name);
	}
	if (svc == NULL) {
		/* logged once the log is open (daemon_registry_log()) */
		if (d->skipped_count < DAEMON_SERVICES_MAX)
			d->skipped[d->skipped_count++] = name;
		return 0;
	}
	if (selected(d, svc))
		return 0;
	if (d->service_count >= DAEMON_SERVICES_MAX)
		return err_set(err, ERR_LIMIT, "too many services");
	d->services[d->service_count++] = svc;
	return 0;
}

static int
select_list(struct daemon *d, const char *list, struct err *err)
{
	char *copy = xstrdup(list), *p, *save = NULL;
	int ret = 0;

	for (p = strtok_r(copy, ", ", &save); p != NULL && ret == 0;
	     p = strtok_r(NULL, ", ", &save))
		ret = select_name(d, p, true, err);
	free(copy);
	if (ret == 0 && d->service_count == 0)
		ret = err_set(err, ERR_PARAMS, "-S names no service");
	return ret;
}

/* Keeps the registry's order, whatever order the names came in: the
   start-up sequence (and its log) is then the same for every spelling. */
static void
sort_by_registry(struct daemon *d)
{
	const struct service_def *sorted[DAEMON_SERVICES_MAX];
	size_t n = 0;

	for (size_t i = 0; i < d->registry_count; i++) {
		if (selected(d, d->registry[i]))
			sorted[n++] = d->registry[i];
	}
	memcpy(d->services, sorted, n * sizeof(sorted[0]));
	d->service_count = n;
}

int
daemon_registry_select(struct daemon *d, struct err *err)
{
	d->service_count = 0;
	d->skipped_count = 0;
	if (d->services_arg != NULL) {
		if (select_list(d, d->services_arg, err) < 0)
			return -1;
	} else {
		for (size_t i = 0; i < d->cfg->services.n; i++) {
			if (select_name(d, d->cfg->services.v[i], false, err) <
			    0)
				return -1;
		}
	}
	sort_by_registry(d);
	return 0;
}

void
daemon_registry_names(const struct daemon *d, char *buf, size_t size)
{
	size_t len = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < d->service_count && len < size; i++) {
		len += str_copy(buf + len, i > 0 ? "," : "", size - len);
		if (len < size)
			len += str_copy(buf + len, d->services[i]->name,
					size - len);
	}
}

void
daemon_registry_log(const struct daemon *d)
{
	for (size_t i = 0; i < d->skipped_count; i++)
		log_warning("service '%s' is not part of this build; skipped",
			    d->skipped[i]);
}
