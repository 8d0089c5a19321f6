/* SPDX-License-Identifier: MIT */
/* Fuzz target: ms.conf parsing from arbitrary bytes. A result must be
   either a snapshot that compares equal to itself or one error line. */
#include "config/config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_config *cfg = NULL;
	struct err err;

	if (config_load_data("fuzz.conf", data, size, &cfg, &err) < 0) {
		if (cfg != NULL || strchr(err.msg, '\n') != NULL ||
		    strncmp(err.msg, "fuzz.conf", 9) != 0)
			abort();
		return 0;
	}
	if (config_reload_diff(cfg, cfg, NULL, NULL) != 0)
		abort();
	(void)config_domain_for_local_addr(cfg, "127.0.0.1");
	config_unref(&cfg);
	return 0;
}
