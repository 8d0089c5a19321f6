/* SPDX-License-Identifier: MIT */
/* Fuzz target: client-supplied login names and authorization identities
   through the shared login accounting (canonicalisation, log escaping,
   the failed-login delay table), and the nologin file's first line.
   Input: name NUL authzid NUL ...; the whole input is also the nologin
   file. Invariants: a failure, a canonical (or empty) user id, a bounded
   delay, a bounded table, an alert of printable ASCII. */
#include "proto/common/login-delay.h"
#include "proto/common/login.h"
#include "proto/common/service.h"
#include "lib/fsutil.h"
#include "lib/log.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Built once per process: the fuzzer calls in thousands of times. */
static struct {
	char dir[64];
	struct ms_config *cfg;
	struct service_env env;
	struct login_delay *small;
	uint64_t now;
} fz;

static void
fuzz_cleanup(void)
{
	struct err err;

	service_env_deinit(&fz.env);
	config_unref(&fz.cfg);
	login_delay_destroy(&fz.small);
	(void)rm_rf(fz.dir, &err);
}

static void
fuzz_init(void)
{
	static const char conf[] =
	    "<ms_options><data_dir>%s</data_dir><domain>example.com</domain>"
	    "<admin_user>boss@example.com</admin_user></ms_options>";
	struct log_settings log = {LOG_SINK_STDERR, "fuzz", NULL,
				   LOG_LEVEL_CRIT};
	struct login_delay_settings set = {.max_entries = 8};
	char text[256];
	struct err err;

	(void)log_open(&log);
	snprintf(fz.dir, sizeof(fz.dir), "/tmp/coffer-fuzz-login-XXXXXX");
	if (mkdtemp(fz.dir) == NULL)
		abort();
	snprintf(text, sizeof(text), conf, fz.dir);
	if (config_load_data("fuzz.conf", text, strlen(text), &fz.cfg, &err) <
	    0)
		abort();
	service_env_init(&fz.env, fz.cfg);
	fz.env.data_dir = fz.cfg->data_dir;
	fz.small = login_delay_create(&set);
	atexit(fuzz_cleanup);
}

static void
check_nologin(const uint8_t *data, size_t size)
{
	char path[128], alert[64];
	struct err err;

	snprintf(path, sizeof(path), "%s/nologin", fz.dir);
	if (file_write_atomic(path, data, size, 0600, false, &err) < 0)
		abort();
	if (!service_env_nologin(&fz.env, alert, sizeof(alert)))
		abort();
	for (size_t i = 0; alert[i] != '\0'; i++) {
		if (i >= sizeof(alert) - 1 || alert[i] < 0x20 ||
		    alert[i] > 0x7e)
			abort();
	}
	unlink(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 2);
	struct login_request req = {
	    .service = CONFIG_SERVICE_IMAP,
	    .protocol = "imap",
	};
	struct login_result res;
	unsigned delay;

	if (fz.cfg == NULL)
		fuzz_init();
	memcpy(copy, data, size);
	copy[size] = copy[size + 1] = '\0';
	req.name = copy;
	req.authzid = copy + strlen(copy) + (strlen(copy) < size ? 1 : 0);
	if (proto_login_failed(&fz.env, &req, "fuzz", &res) < 0 ||
	    res.status != LOGIN_FAILED || res.account != NULL)
		abort();
	if (res.userid[0] != '\0' && !account_userid_valid(res.userid))
		abort();
	if (res.delay_ms > 8000 || (req.name[0] != '\0' && res.delay_ms < 500))
		abort();
	delay = login_delay_failure(fz.small, req.name, req.authzid, fz.now++);
	if (delay > 8000)
		abort();
	if (size % 4 == 0)
		login_delay_success(fz.small, req.authzid);
	check_nologin(data, size);
	free(copy);
	return 0;
}
