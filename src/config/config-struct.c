/* SPDX-License-Identifier: MIT */
/* Structured ms.conf elements: <domain_map>, <shared_root>, <group>. */
#include "config/config-private.h"
#include "lib/mailaddr.h"
#include "lib/str.h"

#include <libxml/tree.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Longest shared-root, group or member name. */
#define CONFIG_NAME_MAX 255

static int
line_of(const xmlNode *node)
{
	long line = xmlGetLineNo(node);

	return line > 0 && line < INT32_MAX ? (int)line : 0;
}

static int ATTR_FORMAT(4, 5) struct_error(const char *name, const xmlNode *node,
					  struct err *err, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(err, ERR_PARAMS, "%s:%d: %s: %s", name, line_of(node),
		       (const char *)node->name, msg);
}

static void
warn_attrs(struct ms_config *cfg, const char *name, const xmlNode *node,
	   const char *const *allowed)
{
	for (const xmlAttr *a = node->properties; a != NULL; a = a->next) {
		size_t i;

		for (i = 0; allowed[i] != NULL; i++) {
			if (strcmp((const char *)a->name, allowed[i]) == 0)
				break;
		}
		if (allowed[i] == NULL)
			config__warn(cfg, name, line_of(node),
				     "%s: attribute '%s' ignored",
				     (const char *)node->name,
				     config__quote(cfg, (const char *)a->name));
	}
}

/* Returns the attribute (pool copy), NULL if absent, or sets *bad when it
   holds control characters or is longer than max. */
static const char *
get_attr(struct ms_config *cfg, const xmlNode *node, const char *attr,
	 size_t max, bool *bad)
{
	xmlChar *v = xmlGetNoNsProp(node, (const xmlChar *)attr);
	const char *copy = NULL;

	*bad = false;
	if (v == NULL)
		return NULL;
	if (strlen((const char *)v) > max)
		*bad = true;
	for (const xmlChar *p = v; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			*bad = true;
	}
	if (!*bad)
		copy = pool_strdup(cfg->priv->pool, (const char *)v);
	xmlFree(v);
	return copy;
}

static int
require_attr(struct ms_config *cfg, const char *name, const xmlNode *node,
	     const char *attr, size_t max, const char **value_r,
	     struct err *err)
{
	bool bad;

	*value_r = get_attr(cfg, node, attr, max, &bad);
	if (bad)
		return struct_error(name, node, err,
				    "attribute %s: invalid value", attr);
	if (*value_r == NULL)
		return struct_error(name, node, err, "missing attribute %s",
				    attr);
	return 0;
}

/* Children must be whitespace, comments or (where allowed) elements. */
static int
count_children(const char *name, const xmlNode *node, bool allow_elements,
	       size_t *count_r, struct err *err)
{
	*count_r = 0;
	for (const xmlNode *c = node->children; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE) {
			if (!allow_elements)
				return struct_error(name, node, err,
						    "must be an empty element");
			(*count_r)++;
		} else if (c->type == XML_TEXT_NODE ||
			   c->type == XML_CDATA_SECTION_NODE) {
			for (const xmlChar *p = c->content;
			     p != NULL && *p != '\0'; p++) {
				if (!ascii_isspace(*p))
					return struct_error(name, node, err,
							    "unexpected text");
			}
		} else if (c->type == XML_ENTITY_REF_NODE) {
			return struct_error(name, node, err,
					    "entity references are not "
					    "allowed");
		}
	}
	return 0;
}

int
config__parse_domain_map(struct ms_config *cfg, xmlNode *node, const char *name,
			 struct err *err)
{
	static const char *const attrs[] = {"local_addr", "domain", NULL};
	struct config_private *priv = cfg->priv;
	struct config_domain_map *map;
	const char *addr, *domain;
	uint8_t key[16];
	size_t n;
	char *lower;

	warn_attrs(cfg, name, node, attrs);
	if (count_children(name, node, false, &n, err) < 0 ||
	    require_attr(cfg, name, node, "local_addr", 64, &addr, err) < 0 ||
	    require_attr(cfg, name, node, "domain", 255, &domain, err) < 0)
		return -1;
	if (!config__addr_normalize(addr, key))
		return struct_error(name, node, err,
				    "local_addr: invalid value '%s' "
				    "(expected an IP address)",
				    config__quote(cfg, addr));
	if (config_check_domain(domain) != NULL)
		return struct_error(name, node, err,
				    "domain: invalid value '%s' (expected a "
				    "domain name)",
				    config__quote(cfg, domain));
	if (priv->domain_maps.n >= CONFIG_MAX_DOMAIN_MAPS)
		return struct_error(name, node, err, "too many (at most %d)",
				    CONFIG_MAX_DOMAIN_MAPS);
	lower = pool_strdup(priv->pool, domain);
	str_lower(lower);
	map = vec_push_new(&priv->domain_maps);
	map->local_addr = addr;
	map->domain = lower;
	map->line = line_of(node);
	return 0;
}

/* M-Box guide 5.8: comma-separated permission words; "" or "none" is an
   explicit denial. */
static bool
parse_rights(const char *value, unsigned *rights_r)
{
	char buf[256], *p, *save = NULL;
	bool none = false;

	*rights_r = 0;
	if (str_copy(buf, value, sizeof(buf)) >= sizeof(buf))
		return false;
	for (p = strtok_r(buf, ",", &save); p != NULL;
	     p = strtok_r(NULL, ",", &save)) {
		p = str_trim(p);
		if (*p == '\0')
			continue;
		if (str_eq_icase(p, "none"))
			none = true;
		else if (str_eq_icase(p, "read"))
			*rights_r |= CONFIG_RIGHT_READ;
		else if (str_eq_icase(p, "write"))
			*rights_r |= CONFIG_RIGHT_WRITE;
		else if (str_eq_icase(p, "manage"))
			*rights_r |= CONFIG_RIGHT_MANAGE;
		else if (str_eq_icase(p, "all"))
			*rights_r |= CONFIG_RIGHT_ALL;
		else
			return false;
	}
	return !(none && *rights_r != 0);
}

static int
parse_acl_entry(struct ms_config *cfg, const char *name, const xmlNode *c,
		struct config_acl_entry *e, struct err *err)
{
	static const char *const attrs[] = {"name", "access", NULL};
	const char *who, *access;
	size_t n;

	if (strcmp((const char *)c->name, "user") != 0 &&
	    strcmp((const char *)c->name, "group") != 0)
		return struct_error(name, c, err,
				    "unexpected element (expected <user> or "
				    "<group>)");
	warn_attrs(cfg, name, c, attrs);
	if (count_children(name, c, false, &n, err) < 0 ||
	    require_attr(cfg, name, c, "name", CONFIG_NAME_MAX, &who, err) <
		0 ||
	    require_attr(cfg, name, c, "access", 255, &access, err) < 0)
		return -1;
	if (who[0] == '\0')
		return struct_error(name, c, err, "empty name");
	if (!parse_rights(access, &e->rights))
		return struct_error(name, c, err,
				    "access: invalid value '%s' (expected "
				    "none, read, write, manage or all)",
				    config__quote(cfg, access));
	e->is_group = c->name[0] == 'g';
	e->name = who;
	/* "anyone" is the special group of all users, whichever element
	   names it. */
	if (str_eq_icase(who, "anyone")) {
		e->is_group = true;
		e->name = "anyone";
	}
	return 0;
}

static int
parse_acl(struct ms_config *cfg, const char *name, const xmlNode *node,
	  struct config_shared_root *root, struct err *err)
{
	struct config_acl_entry *acl;
	size_t n = 0, count, groups = 0;

	if (count_children(name, node, true, &count, err) < 0)
		return -1;
	if (count > CONFIG_MAX_ACL_ENTRIES)
		return struct_error(name, node, err,
				    "too many entries (at most %d)",
				    CONFIG_MAX_ACL_ENTRIES);
	acl = pool_alloc_array(cfg->priv->pool, count + 1, sizeof(*acl));
	for (const xmlNode *c = node->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (parse_acl_entry(cfg, name, c, &acl[n], err) < 0)
			return -1;
		for (size_t i = 0; i < n; i++) {
			if (acl[i].is_group == acl[n].is_group &&
			    strcmp(acl[i].name, acl[n].name) == 0)
				return struct_error(
				    name, c, err, "duplicate entry for %s",
				    config__quote(cfg, acl[n].name));
		}
		/* M-Box guide 5.5: one defined group per ACL, plus anyone */
		if (acl[n].is_group && strcmp(acl[n].name, "anyone") != 0 &&
		    ++groups > 1)
			return struct_error(name, c, err,
					    "only one group besides anyone "
					    "is allowed");
		n++;
	}
	root->acl = acl;
	root->acl_count = n;
	return 0;
}

static bool
valid_root_name(const char *s)
{
	return s[0] != '\0' && s[0] != '.' && strchr(s, '/') == NULL;
}

int
config__parse_shared_root(struct ms_config *cfg, xmlNode *node,
			  const char *name, struct err *err)
{
	static const char *const attrs[] = {"name", "path", "email", NULL};
	struct config_private *priv = cfg->priv;
	struct config_shared_root root = {0};
	bool bad;
	char *email;

	warn_attrs(cfg, name, node, attrs);
	if (require_attr(cfg, name, node, "name", CONFIG_NAME_MAX, &root.name,
			 err) < 0)
		return -1;
	if (!valid_root_name(root.name))
		return struct_error(name, node, err,
				    "name: invalid value '%s' (expected a "
				    "name without '/', not starting with "
				    "'.')",
				    config__quote(cfg, root.name));
	root.path = get_attr(cfg, node, "path", 1024, &bad);
	if (bad || (root.path != NULL && root.path[0] != '/'))
		return struct_error(name, node, err,
				    "path: invalid value (expected an "
				    "absolute path)");
	root.email = get_attr(cfg, node, "email", MAILADDR_MAX, &bad);
	if (bad || (root.email != NULL && root.email[0] != '\0' &&
		    config_check_address(root.email) != NULL))
		return struct_error(name, node, err,
				    "email: invalid value (expected a mail "
				    "address)");
	email = pool_strdup(priv->pool, root.email != NULL ? root.email : "");
	str_lower(email);
	root.email = email;
	if (priv->shared_roots.n >= CONFIG_MAX_SHARED_ROOTS)
		return struct_error(name, node, err, "too many (at most %d)",
				    CONFIG_MAX_SHARED_ROOTS);
	if (parse_acl(cfg, name, node, &root, err) < 0)
		return -1;
	root.line = line_of(node);
	vec_push(&priv->shared_roots, root);
	return 0;
}

int
config__parse_group(struct ms_config *cfg, xmlNode *node, const char *name,
		    struct err *err)
{
	static const char *const attrs[] = {"name", "type", NULL};
	static const char *const member_attrs[] = {"name", NULL};
	struct config_private *priv = cfg->priv;
	struct config_group group = {0};
	const char **members;
	struct hash seen;
	size_t count, n = 0;
	bool bad;
	int ret = 0;

	warn_attrs(cfg, name, node, attrs);
	if (require_attr(cfg, name, node, "name", CONFIG_NAME_MAX, &group.name,
			 err) < 0 ||
	    count_children(name, node, true, &count, err) < 0)
		return -1;
	if (group.name[0] == '\0' || str_eq_icase(group.name, "anyone"))
		return struct_error(name, node, err,
				    "name: '%s' is reserved or empty",
				    config__quote(cfg, group.name));
	group.type = get_attr(cfg, node, "type", 255, &bad);
	if (group.type == NULL)
		group.type = "";
	if (count > CONFIG_MAX_GROUP_MEMBERS)
		return struct_error(name, node, err,
				    "too many members (at most %d)",
				    CONFIG_MAX_GROUP_MEMBERS);
	if (priv->groups.n >= CONFIG_MAX_GROUPS)
		return struct_error(name, node, err, "too many (at most %d)",
				    CONFIG_MAX_GROUPS);
	members = pool_alloc_array(priv->pool, count + 1, sizeof(*members));
	hash_init(&seen, true);
	for (const xmlNode *c = node->children; c != NULL && ret == 0;
	     c = c->next) {
		const char *who;
		size_t grandchildren;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)c->name, "user") != 0) {
			ret = struct_error(name, c, err,
					   "unexpected element (expected "
					   "<user>)");
			break;
		}
		warn_attrs(cfg, name, c, member_attrs);
		if (count_children(name, c, false, &grandchildren, err) < 0 ||
		    require_attr(cfg, name, c, "name", MAILADDR_MAX, &who,
				 err) < 0) {
			ret = -1;
		} else if (who[0] == '\0') {
			ret = struct_error(name, c, err, "empty name");
		} else if (hash_put_str(&seen, who, (void *)who) != NULL) {
			ret = struct_error(name, c, err, "duplicate member %s",
					   config__quote(cfg, who));
		} else {
			members[n++] = who;
		}
	}
	hash_free(&seen);
	if (ret < 0)
		return -1;
	group.members = members;
	group.member_count = n;
	group.line = line_of(node);
	vec_push(&priv->groups, group);
	return 0;
}

static int
index_domain_maps(struct ms_config *cfg, const char *name, struct err *err)
{
	struct config_private *priv = cfg->priv;

	for (size_t i = 0; i < priv->domain_maps.n; i++) {
		struct config_domain_map *map = &priv->domain_maps.v[i];
		uint8_t *key = pool_alloc(priv->pool, 16);
		struct config_domain_map *prev;

		(void)config__addr_normalize(map->local_addr, key);
		prev = hash_put(&priv->domain_map_index, key, 16, map);
		if (prev != NULL)
			return err_set(err, ERR_PARAMS,
				       "%s:%d: domain_map: duplicate "
				       "local_addr %s (first at line %d)",
				       name, map->line, map->local_addr,
				       prev->line);
	}
	return 0;
}

static int
check_roots(struct ms_config *cfg, const char *name, struct err *err)
{
	struct config_private *priv = cfg->priv;
	struct hash names, paths, groups;
	int ret = 0;

	hash_init(&names, false);
	hash_init(&paths, false);
	hash_init(&groups, true);
	for (size_t i = 0; i < priv->groups.n && ret == 0; i++) {
		struct config_group *g = &priv->groups.v[i];

		if (hash_put_str(&groups, g->name, g) != NULL)
			ret = err_set(err, ERR_PARAMS,
				      "%s:%d: group: duplicate name %s", name,
				      g->line, config__quote(cfg, g->name));
	}
	for (size_t i = 0; i < priv->shared_roots.n && ret == 0; i++) {
		struct config_shared_root *r = &priv->shared_roots.v[i];

		if (r->path == NULL)
			r->path = pool_printf(priv->pool, "%s/%s",
					      cfg->shared_root_dir, r->name);
		if (hash_put_str(&names, r->name, r) != NULL ||
		    hash_put_str(&paths, r->path, r) != NULL) {
			ret =
			    err_set(err, ERR_PARAMS,
				    "%s:%d: shared_root: name and path must "
				    "be unique (%s)",
				    name, r->line, config__quote(cfg, r->name));
			break;
		}
		for (size_t j = 0; j < r->acl_count; j++) {
			const struct config_acl_entry *e = &r->acl[j];

			if (e->is_group && strcmp(e->name, "anyone") != 0 &&
			    hash_get_str(&groups, e->name) == NULL)
				config__warn(cfg, name, r->line,
					     "shared_root %s: group %s is not "
					     "defined",
					     config__quote(cfg, r->name),
					     config__quote(cfg, e->name));
		}
	}
	hash_free(&names);
	hash_free(&paths);
	hash_free(&groups);
	return ret;
}

int
config__finish_structs(struct ms_config *cfg, const char *name, struct err *err)
{
	if (index_domain_maps(cfg, name, err) < 0)
		return -1;
	return check_roots(cfg, name, err);
}
