/* SPDX-License-Identifier: MIT */
/* Session-wide settings of the authenticated state: ENABLE (RFC 5161) and
   NAMESPACE (RFC 2342). */
#include "proto/imap/imap-server-cmd.h"
#include "lib/str.h"

/* Extensions a client can turn on with ENABLE, and the enum imap_ext bit
   that records it. None of the ENABLE-able extensions (CONDSTORE, QRESYNC,
   UTF8=ACCEPT) is offered yet; they are added here when they are. */
struct enable_ext {
	const char *name;
	uint32_t ext;
};
static const struct enable_ext enable_exts[] = {
    {NULL, 0},
};

/* RFC 5161 section 3.1: "ENABLE" 1*(SP capability); capabilities the
   server does not know, or that cannot be enabled, are ignored. */
enum imap_cmd_result
cmd_enable(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->session;
	struct buf *b;

	if (cmd->count == 0)
		return imap_cmd_bad(cmd, "Missing capability names.");
	for (size_t i = 0; i < cmd->count; i++) {
		const char *name;

		if (!imap_arg_get_atom(&cmd->args[i], &name))
			return imap_cmd_bad(cmd, "Invalid capability name.");
	}
	b = imap_out_begin(s);
	buf_append_str(b, "* ENABLED");
	for (size_t i = 0; i < cmd->count; i++) {
		const char *name = cmd->args[i].u.str;

		for (const struct enable_ext *e = enable_exts; e->name != NULL;
		     e++) {
			if (!str_eq_icase(name, e->name) ||
			    (s->enabled & e->ext) != 0)
				continue;
			s->enabled |= e->ext;
			buf_printf(b, " %s", e->name);
		}
	}
	imap_out_send(s);
	return imap_cmd_ok(cmd, "Enabled.");
}

/* RFC 2342 section 5: one personal namespace, prefix "" and hierarchy
   delimiter "/"; no other users' or shared namespaces yet. */
enum imap_cmd_result
cmd_namespace(struct imap_cmd *cmd)
{
	if (!imap_cmd_check_count(cmd, 0, 0))
		return IMAP_CMD_DONE;
	imap_out_untagged(cmd->session, "NAMESPACE ((\"\" \"/\")) NIL NIL");
	return imap_cmd_ok(cmd, "Namespace completed.");
}
