/* SPDX-License-Identifier: MIT */
/*
 * Reading ms.conf with libxml2. The file is untrusted input in the sense
 * that a typo must give a clear one-line error, and it must never make the
 * parser fetch anything or expand entities: XML_PARSE_NONET, no
 * XML_PARSE_NOENT, and any DTD stops the parser before its declarations are
 * processed.
 */
#include "config/config-private.h"
#include "lib/buf.h"
#include "lib/fsutil.h"
#include "lib/str.h"

#include <errno.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <string.h>

struct xml_load {
	struct ms_config *cfg;
	const char *name;
	struct hash top_index;	/* XML name -> descriptor (TOP scope) */
	struct hash sasl_index; /* XML name -> descriptor (SASL scope) */
	int dtd_line;
	bool seen_sasl;
	/* The first XML error: later ones are usually consequences. */
	int error_line;
	char error_msg[256];
};

static int
line_of(const xmlNode *node)
{
	long line = xmlGetLineNo(node);

	return line > 0 && line < INT32_MAX ? (int)line : 0;
}

/* DOCTYPE: stop before any entity or attribute declaration is read. */
static void
reject_subset(void *user, const xmlChar *name, const xmlChar *external_id,
	      const xmlChar *system_id)
{
	xmlParserCtxtPtr ctxt = user;
	struct xml_load *load = ctxt->_private;

	load->dtd_line = xmlSAX2GetLineNumber(ctxt);
	if (load->dtd_line <= 0)
		load->dtd_line = 1;
	xmlStopParser(ctxt);
}

static void
record_error(void *user, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = user;
	struct xml_load *load = ctxt->_private;

	if (load->error_msg[0] != '\0' || e == NULL)
		return;
	load->error_line = e->line;
	str_copy(load->error_msg,
		 e->message != NULL ? e->message : "parse error",
		 sizeof(load->error_msg));
}

static void
build_index(struct xml_load *load)
{
	hash_init(&load->top_index, false);
	hash_init(&load->sasl_index, false);
	for (size_t i = 0; i < CONFIG_OPT_COUNT; i++) {
		const struct config_opt_desc *d = &config_opt_descs[i];

		if ((d->scope & CONFIG_SCOPE_TOP) != 0)
			hash_put_str(&load->top_index, d->name, (void *)d);
		if ((d->scope & CONFIG_SCOPE_SASL) != 0)
			hash_put_str(&load->sasl_index, d->name, (void *)d);
	}
}

static int
node_error(struct xml_load *load, const xmlNode *node, struct err *err,
	   const char *what)
{
	return err_set(err, ERR_PARAMS, "%s:%d: %s: %s", load->name,
		       line_of(node), (const char *)node->name, what);
}

/* The text of a scalar option: text and CDATA children only, trimmed. */
static int
element_text(struct xml_load *load, const xmlNode *node, struct buf *out,
	     struct err *err)
{
	for (const xmlAttr *a = node->properties; a != NULL; a = a->next)
		config__warn(load->cfg, load->name, line_of(node),
			     "%s: attribute '%s' ignored",
			     (const char *)node->name,
			     config__quote(load->cfg, (const char *)a->name));
	for (const xmlNode *c = node->children; c != NULL; c = c->next) {
		switch (c->type) {
		case XML_TEXT_NODE:
		case XML_CDATA_SECTION_NODE:
			if (c->content != NULL)
				buf_append_str(out, (const char *)c->content);
			break;
		case XML_COMMENT_NODE:
		case XML_PI_NODE:
			break;
		case XML_ELEMENT_NODE:
			return node_error(load, c, err,
					  "unexpected element inside an "
					  "option value");
		default:
			return node_error(load, node, err,
					  "entity references are not allowed");
		}
	}
	return 0;
}

static int
parse_option(struct xml_load *load, const xmlNode *node,
	     const struct config_opt_desc *d, struct err *err)
{
	struct ms_config *cfg = load->cfg;
	size_t id = (size_t)(d - config_opt_descs);
	int line = line_of(node), first = cfg->priv->line[id];
	bool repeat =
	    d->type == CONFIG_T_HOSTS || (d->flags & CONFIG_F_REPEAT) != 0;
	const char *warning = NULL;
	struct buf text = BUF_INIT;
	int ret = 0;

	if (first > 0 && !repeat)
		return err_set(err, ERR_PARAMS,
			       "%s:%d: %s: duplicate option (first set at "
			       "line %d)",
			       load->name, line, d->name, first);
	if (element_text(load, node, &text, err) < 0) {
		buf_free(&text);
		return -1;
	}
	if (config__set_value(cfg, d, str_trim((char *)buf_cstr(&text)),
			      first > 0, &warning, err) < 0) {
		err_prefix(err, "%s:%d", load->name, line);
		ret = -1;
	} else if (warning != NULL) {
		config__warn(cfg, load->name, line, "%s", warning);
	}
	cfg->priv->line[id] = line;
	buf_free(&text);
	return ret;
}

static int
check_stray_text(struct xml_load *load, const xmlNode *node, struct err *err)
{
	const char *s = (const char *)node->content, *p;
	int newlines = 0, before = 0, line;
	char *copy;

	if (s == NULL)
		return 0;
	for (p = s; *p != '\0' && ascii_isspace(*p); p++)
		before += *p == '\n';
	if (*p == '\0')
		return 0;
	for (const char *q = s; *q != '\0'; q++)
		newlines += *q == '\n';
	/* libxml2 gives a text node the line where it ends */
	line = line_of(node) - newlines + before;
	copy = pool_strdup(load->cfg->priv->pool, p);
	return err_set(err, ERR_PARAMS, "%s:%d: unexpected text '%s'",
		       load->name, line > 0 ? line : 1,
		       config__quote(load->cfg, str_trim(copy)));
}

static int
parse_sasl(struct xml_load *load, const xmlNode *sasl, struct err *err)
{
	if (load->seen_sasl)
		return node_error(load, sasl, err, "duplicate element");
	load->seen_sasl = true;
	for (const xmlNode *c = sasl->children; c != NULL; c = c->next) {
		const struct config_opt_desc *d;

		if (c->type == XML_TEXT_NODE ||
		    c->type == XML_CDATA_SECTION_NODE) {
			if (check_stray_text(load, c, err) < 0)
				return -1;
			continue;
		}
		if (c->type != XML_ELEMENT_NODE)
			continue;
		d = hash_get_str(&load->sasl_index, (const char *)c->name);
		if (d == NULL) {
			config__warn(
			    load->cfg, load->name, line_of(c),
			    "unknown option <sasl><%s> ignored",
			    config__quote(load->cfg, (const char *)c->name));
			continue;
		}
		if (parse_option(load, c, d, err) < 0)
			return -1;
	}
	return 0;
}

static int
parse_child(struct xml_load *load, xmlNode *node, struct err *err)
{
	const char *name = (const char *)node->name;
	const struct config_opt_desc *d;

	if (strcmp(name, "sasl") == 0)
		return parse_sasl(load, node, err);
	if (strcmp(name, "domain_map") == 0)
		return config__parse_domain_map(load->cfg, node, load->name,
						err);
	if (strcmp(name, "shared_root") == 0)
		return config__parse_shared_root(load->cfg, node, load->name,
						 err);
	if (strcmp(name, "group") == 0)
		return config__parse_group(load->cfg, node, load->name, err);
	d = hash_get_str(&load->top_index, name);
	if (d != NULL)
		return parse_option(load, node, d, err);
	if (hash_get_str(&load->sasl_index, name) != NULL)
		config__warn(load->cfg, load->name, line_of(node),
			     "option %s ignored: it belongs inside <sasl>",
			     name);
	else
		config__warn(load->cfg, load->name, line_of(node),
			     "unknown option %s ignored",
			     config__quote(load->cfg, name));
	return 0;
}

static int
parse_tree(struct xml_load *load, xmlDoc *doc, struct err *err)
{
	xmlNode *root = xmlDocGetRootElement(doc);

	if (root == NULL)
		return err_set(err, ERR_PARAMS, "%s: no root element",
			       load->name);
	if (strcmp((const char *)root->name, "ms_options") != 0)
		return err_set(
		    err, ERR_PARAMS,
		    "%s:%d: root element is <%s>, expected "
		    "<ms_options>",
		    load->name, line_of(root),
		    config__quote(load->cfg, (const char *)root->name));
	for (xmlNode *c = root->children; c != NULL; c = c->next) {
		int ret = 0;

		if (c->type == XML_ELEMENT_NODE)
			ret = parse_child(load, c, err);
		else if (c->type == XML_TEXT_NODE ||
			 c->type == XML_CDATA_SECTION_NODE)
			ret = check_stray_text(load, c, err);
		else if (c->type == XML_ENTITY_REF_NODE)
			ret = err_set(err, ERR_PARAMS,
				      "%s:%d: entity references are not "
				      "allowed",
				      load->name, line_of(c));
		if (ret < 0)
			return -1;
	}
	return 0;
}

static int
xml_error(struct xml_load *load, xmlParserCtxtPtr ctxt, struct err *err)
{
	const xmlError *e = &ctxt->lastError;
	char escaped[4 * sizeof(load->error_msg)];
	int line = load->error_line;
	size_t len;

	if (load->dtd_line > 0)
		return err_set(err, ERR_PARAMS,
			       "%s:%d: malformed XML: DOCTYPE and entity "
			       "declarations are not allowed",
			       load->name, load->dtd_line);
	if (load->error_msg[0] == '\0') {
		str_copy(load->error_msg,
			 e->message != NULL ? e->message : "parse error",
			 sizeof(load->error_msg));
		line = e->line;
	}
	len = strlen(load->error_msg);
	while (len > 0 && ascii_isspace(load->error_msg[len - 1]))
		len--;
	str_escape_log(escaped, sizeof(escaped), load->error_msg, len);
	return err_set(err, ERR_PARAMS, "%s:%d: malformed XML: %s", load->name,
		       line > 0 ? line : 1, escaped);
}

static xmlDoc *
parse_xml(struct xml_load *load, const void *data, size_t size, struct err *err)
{
	xmlParserCtxtPtr ctxt;
	xmlDoc *doc = NULL;

	if (size == 0) {
		err_set(err, ERR_PARAMS, "%s:1: malformed XML: empty file",
			load->name);
		return NULL;
	}
	xmlInitParser();
	ctxt = xmlCreateMemoryParserCtxt(data, (int)size);
	if (ctxt == NULL) {
		err_set(err, ERR_INTERNAL, "%s: cannot create XML parser",
			load->name);
		return NULL;
	}
	ctxt->_private = load;
	ctxt->sax->internalSubset = reject_subset;
	ctxt->sax->externalSubset = reject_subset;
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR |
				    XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES);
	/* Per-parser structured errors (no process-wide handler). */
	ctxt->sax->serror = record_error;
	(void)xmlParseDocument(ctxt);
	if (ctxt->wellFormed && load->dtd_line == 0 && ctxt->myDoc != NULL) {
		doc = ctxt->myDoc;
		ctxt->myDoc = NULL;
	} else {
		xml_error(load, ctxt, err);
	}
	if (ctxt->myDoc != NULL)
		xmlFreeDoc(ctxt->myDoc);
	xmlFreeParserCtxt(ctxt);
	return doc;
}

int
config_load_data(const char *name, const void *data, size_t size,
		 struct ms_config **cfg_r, struct err *err)
{
	struct xml_load load = {.name = name};
	xmlDoc *doc;
	int ret;

	*cfg_r = NULL;
	if (size > CONFIG_MAX_FILE_SIZE)
		return err_set(err, ERR_TOOBIG,
			       "%s: file too large (more than %d bytes)", name,
			       CONFIG_MAX_FILE_SIZE);
	load.cfg = config__new();
	doc = parse_xml(&load, data, size, err);
	if (doc == NULL) {
		config_unref(&load.cfg);
		return -1;
	}
	build_index(&load);
	ret = parse_tree(&load, doc, err);
	xmlFreeDoc(doc);
	hash_free(&load.top_index);
	hash_free(&load.sasl_index);
	if (ret == 0)
		ret = config__finish(load.cfg, name, err);
	if (ret < 0) {
		config_unref(&load.cfg);
		return -1;
	}
	load.cfg->path = pool_strdup(load.cfg->priv->pool, name);
	*cfg_r = load.cfg;
	return 0;
}

int
config_load(const char *path, bool is_default_path, struct ms_config **cfg_r,
	    struct err *err)
{
	struct buf data = BUF_INIT;
	struct err read_err;
	int ret;

	*cfg_r = NULL;
	if (file_read_all(path, CONFIG_MAX_FILE_SIZE, &data, &read_err) < 0) {
		buf_free(&data);
		if (is_default_path && read_err.code == ERR_NOTFOUND &&
		    errno == ENOENT) {
			/* M-Box guide appendix A: no -c and no default file
			   means built-in defaults. */
			*cfg_r = config_defaults();
			return 0;
		}
		if (read_err.code == ERR_TOOBIG)
			return err_set(err, ERR_TOOBIG,
				       "%s: file too large (more than %d "
				       "bytes)",
				       path, CONFIG_MAX_FILE_SIZE);
		return err_set(err, read_err.code, "%s", read_err.msg);
	}
	ret = config_load_data(path, data.data, data.len, cfg_r, err);
	buf_free(&data);
	return ret;
}
