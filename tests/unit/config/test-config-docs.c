/* SPDX-License-Identifier: MIT */
/* The option table against its documentation: every option appears in
   etc/ms.conf.sample and man/ms.conf.5, and the sample shows the true
   built-in defaults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "config/config.h"
#include "lib/buf.h"
#include "lib/fsutil.h"
#include "lib/str.h"

#include <stdio.h>
#include <string.h>

static void
read_source(const char *rel, struct buf *out)
{
	char path[1024];
	struct err err;

	snprintf(path, sizeof(path), "%s/%s", COFFER_SOURCE_DIR, rel);
	if (file_read_all(path, 4 * 1024 * 1024, out, &err) < 0)
		fail_msg("%s", err.msg);
}

static void
diff_fail(const char *option, bool needs_restart, void *ctx)
{
	(void)needs_restart;
	(void)ctx;
	fail_msg("sample differs from the built-in default: %s", option);
}

static void
load_and_compare(const char *name, const struct buf *text)
{
	struct ms_config *def = config_defaults(), *cfg = NULL;
	struct err err;

	if (config_load_data(name, text->data, text->len, &cfg, &err) < 0)
		fail_msg("%s", err.msg);
	for (size_t i = 0; i < cfg->warning_count; i++)
		print_message("warning: %s\n", cfg->warnings[i]);
	assert_int_equal(cfg->warning_count, 0);
	assert_int_equal(config_reload_diff(def, cfg, diff_fail, NULL), 0);
	config_unref(&cfg);
	config_unref(&def);
}

/* "  <!-- <name>value</name> -->" -> "  <name>value</name>"; returns the
   option name in name_r, or false for any other line. */
static bool
uncomment(char *line, char *name_r, size_t name_size)
{
	char *start = strstr(line, "<!-- <"), *end, *close;
	size_t len;

	if (start == NULL || !str_has_suffix(line, "> -->"))
		return false;
	end = line + strlen(line) - 4;
	len = strcspn(start + 6, ">/ ");
	if (len == 0 || len >= name_size || start[6 + len] != '>')
		return false;
	memcpy(name_r, start + 6, len);
	name_r[len] = '\0';
	close = end - len - 3;
	if (close < start || strncmp(close, "</", 2) != 0 ||
	    strncmp(close + 2, name_r, len) != 0)
		return false;
	memmove(start, start + 5, (size_t)(end - start - 5));
	start[end - start - 5] = '\0';
	return true;
}

static void
test_sample(void **state)
{
	struct buf sample = BUF_INIT, active = BUF_INIT;
	size_t count, n_found = 0;
	const struct config_option_info *opts = config_options(&count);
	unsigned found[512] = {0};
	char *line, *save = NULL;

	(void)state;
	assert_true(count < N_ELEMENTS(found));
	read_source("etc/ms.conf.sample", &sample);
	/* as shipped (everything commented out) it gives the defaults */
	load_and_compare("ms.conf.sample", &sample);

	for (line = strtok_r((char *)buf_cstr(&sample), "\n", &save);
	     line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char name[64];

		if (uncomment(line, name, sizeof(name))) {
			bool known = false;

			for (size_t i = 0; i < count; i++) {
				if (strcmp(opts[i].name, name) == 0 &&
				    found[i] == 0) {
					found[i]++;
					known = true;
					break;
				}
			}
			if (!known)
				fail_msg("sample: unknown or repeated %s",
					 name);
			n_found++;
		}
		buf_append_str(&active, line);
		buf_append_c(&active, '\n');
	}
	for (size_t i = 0; i < count; i++) {
		if (found[i] != 1)
			fail_msg("option %s is missing from the sample",
				 opts[i].name);
	}
	assert_int_equal(n_found, count);
	/* uncommented, every value shown equals the built-in default */
	load_and_compare("ms.conf.sample (uncommented)", &active);
	buf_free(&sample);
	buf_free(&active);
}

static void
test_man_page(void **state)
{
	struct buf man = BUF_INIT;
	size_t count;
	const struct config_option_info *opts = config_options(&count);
	static const char *const structured[] = {
	    "domain_map",
	    "shared_root",
	    "group",
	    "sasl",
	};

	(void)state;
	read_source("man/ms.conf.5", &man);
	for (size_t i = 0; i < count; i++) {
		char entry[128];

		const char *doc = buf_cstr(&man);

		/* an option in two scopes has two entries, in table order */
		snprintf(entry, sizeof(entry), "\n.B %s\n", opts[i].name);
		for (size_t j = 0; j <= i && doc != NULL; j++) {
			if (strcmp(opts[j].name, opts[i].name) == 0)
				doc = strstr(doc + (j > 0), entry);
		}
		if (doc == NULL)
			fail_msg("man/ms.conf.5 does not document %s",
				 opts[i].name);
		if ((opts[i].flags & CONFIG_F_FEATURE_MASK) != 0) {
			/* unimplemented features must say so right there */
			const char *next = strstr(doc + 1, "\n.TP");

			if (next == NULL)
				next = doc + strlen(doc);
			if (memmem(doc, (size_t)(next - doc),
				   "not yet implemented", 19) == NULL)
				fail_msg("man/ms.conf.5: %s does not say its "
					 "feature is not yet implemented",
					 opts[i].name);
		}
	}
	for (size_t i = 0; i < N_ELEMENTS(structured); i++) {
		if (strstr(buf_cstr(&man), structured[i]) == NULL)
			fail_msg("man/ms.conf.5 does not document <%s>",
				 structured[i]);
	}
	buf_free(&man);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sample),
	    cmocka_unit_test(test_man_page),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
