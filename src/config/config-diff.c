/* SPDX-License-Identifier: MIT */
/* Comparing configuration snapshots (SIGHUP reloads). */
#include "config/config-private.h"

#include <string.h>

static bool
str_equal(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static bool
opt_str_equal(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool
strlist_equal(const struct config_strlist *a, const struct config_strlist *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		if (!str_equal(a->v[i], b->v[i]))
			return false;
	}
	return true;
}

static bool
hosts_equal(const struct config_listen_list *a,
	    const struct config_listen_list *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		if (a->v[i].port != b->v[i].port ||
		    !opt_str_equal(a->v[i].host, b->v[i].host) ||
		    !opt_str_equal(a->v[i].path, b->v[i].path))
			return false;
	}
	return true;
}

bool
config__value_equal(const struct config_opt_desc *d, const struct ms_config *a,
		    const struct ms_config *b)
{
	const void *pa = (const char *)a + d->offset;
	const void *pb = (const char *)b + d->offset;

	switch (d->type) {
	case CONFIG_T_BOOL:
		return *(const bool *)pa == *(const bool *)pb;
	case CONFIG_T_UINT:
	case CONFIG_T_PORT:
	case CONFIG_T_SIZE:
		return *(const uint64_t *)pa == *(const uint64_t *)pb;
	case CONFIG_T_DURATION:
		return *(const int64_t *)pa == *(const int64_t *)pb;
	case CONFIG_T_STRING:
	case CONFIG_T_PATH:
		return str_equal(*(const char *const *)pa,
				 *(const char *const *)pb);
	case CONFIG_T_ENUM:
		return *(const int *)pa == *(const int *)pb;
	case CONFIG_T_LIST:
		return strlist_equal(pa, pb);
	case CONFIG_T_HOSTS:
		return hosts_equal(pa, pb);
	case CONFIG_T_ACCESS:
		return memcmp(pa, pb, sizeof(struct config_access_rules)) == 0;
	}
	return false;
}

static bool
domain_maps_equal(const struct ms_config *a, const struct ms_config *b)
{
	if (a->domain_map_count != b->domain_map_count)
		return false;
	for (size_t i = 0; i < a->domain_map_count; i++) {
		if (!str_equal(a->domain_maps[i].local_addr,
			       b->domain_maps[i].local_addr) ||
		    !str_equal(a->domain_maps[i].domain,
			       b->domain_maps[i].domain))
			return false;
	}
	return true;
}

static bool
acl_equal(const struct config_shared_root *a,
	  const struct config_shared_root *b)
{
	if (a->acl_count != b->acl_count)
		return false;
	for (size_t i = 0; i < a->acl_count; i++) {
		if (a->acl[i].is_group != b->acl[i].is_group ||
		    a->acl[i].rights != b->acl[i].rights ||
		    !str_equal(a->acl[i].name, b->acl[i].name))
			return false;
	}
	return true;
}

static bool
shared_roots_equal(const struct ms_config *a, const struct ms_config *b)
{
	if (a->shared_root_count != b->shared_root_count)
		return false;
	for (size_t i = 0; i < a->shared_root_count; i++) {
		const struct config_shared_root *ra = &a->shared_roots[i];
		const struct config_shared_root *rb = &b->shared_roots[i];

		if (!str_equal(ra->name, rb->name) ||
		    !str_equal(ra->path, rb->path) ||
		    !str_equal(ra->email, rb->email) || !acl_equal(ra, rb))
			return false;
	}
	return true;
}

static bool
groups_equal(const struct ms_config *a, const struct ms_config *b)
{
	if (a->group_count != b->group_count)
		return false;
	for (size_t i = 0; i < a->group_count; i++) {
		const struct config_group *ga = &a->groups[i];
		const struct config_group *gb = &b->groups[i];

		if (!str_equal(ga->name, gb->name) ||
		    !str_equal(ga->type, gb->type) ||
		    ga->member_count != gb->member_count)
			return false;
		for (size_t j = 0; j < ga->member_count; j++) {
			if (!str_equal(ga->members[j], gb->members[j]))
				return false;
		}
	}
	return true;
}

unsigned
config_reload_diff(const struct ms_config *old_cfg,
		   const struct ms_config *new_cfg, config_diff_callback *cb,
		   void *ctx)
{
	unsigned restart = 0;

	for (size_t i = 0; i < CONFIG_OPT_COUNT; i++) {
		const struct config_opt_desc *d = &config_opt_descs[i];
		bool needs_restart = (d->flags & CONFIG_F_RELOAD) == 0;

		if (config__value_equal(d, old_cfg, new_cfg))
			continue;
		if (needs_restart)
			restart++;
		if (cb != NULL)
			cb(d->display, needs_restart, ctx);
	}
	/* Virtual servers, shared roots and groups are looked up per
	   session, so new sessions pick up changes without a restart. */
	if (!domain_maps_equal(old_cfg, new_cfg) && cb != NULL)
		cb("domain_map", false, ctx);
	if (!shared_roots_equal(old_cfg, new_cfg) && cb != NULL)
		cb("shared_root", false, ctx);
	if (!groups_equal(old_cfg, new_cfg) && cb != NULL)
		cb("group", false, ctx);
	return restart;
}
