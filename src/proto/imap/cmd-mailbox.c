/* SPDX-License-Identifier: MIT */
/*
 * Managing mailboxes: CREATE (with CREATE-SPECIAL-USE, RFC 6154 section
 * 3), DELETE, RENAME, SUBSCRIBE and UNSUBSCRIBE (RFC 3501 sections 6.3.3
 * to 6.3.7).
 */
#include "proto/imap/imap-server-cmd.h"
#include "lib/str.h"
#include "store/store.h"

#include <string.h>

/* RFC 6154 section 2, in their canonical spelling. */
static const char *const special_uses[] = {
    "\\All",  "\\Archive", "\\Drafts", "\\Flagged",
    "\\Junk", "\\Sent",	   "\\Trash",
};

static const char *
special_use_find(const char *name)
{
	for (size_t i = 0; i < N_ELEMENTS(special_uses); i++) {
		if (str_eq_icase(name, special_uses[i]))
			return special_uses[i];
	}
	return NULL;
}

/* RFC 6154 section 6: create-param =/ "USE" SP "(" [use-attr *(SP
   use-attr)] ")". Sets *use_r (NULL for none); returns false after
   finishing the command. */
static bool
create_params(struct imap_cmd *cmd, const struct imap_arg *arg,
	      const char **use_r)
{
	const struct imap_arg *params, *uses;
	size_t n, nuses;

	*use_r = NULL;
	if (!imap_arg_get_list(arg, &params, &n) || n % 2 != 0) {
		imap_cmd_bad(cmd, "Invalid CREATE parameters.");
		return false;
	}
	for (size_t i = 0; i < n; i += 2) {
		if (!imap_arg_atom_equals(&params[i], "USE")) {
			imap_cmd_bad(cmd, "Unknown CREATE parameter.");
			return false;
		}
		if (!imap_arg_get_list(&params[i + 1], &uses, &nuses)) {
			imap_cmd_bad(cmd, "Invalid USE parameter.");
			return false;
		}
		for (size_t j = 0; j < nuses; j++) {
			const char *use = NULL;

			if (uses[j].type == IMAP_ARG_ATOM)
				use = special_use_find(uses[j].u.str);
			/* RFC 6154 section 3: one attribute per mailbox
			   here; USEATTR for what cannot be done */
			if (use == NULL || *use_r != NULL) {
				imap_cmd_no(cmd, "USEATTR",
					    use == NULL
						? "Unsupported special-use "
						  "attribute."
						: "Only one special-use "
						  "attribute per mailbox.");
				return false;
			}
			*use_r = use;
		}
	}
	return true;
}

/* RFC 3501 section 6.3.3. */
enum imap_cmd_result
cmd_create(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->session;
	const char *name, *use = NULL;
	char *trimmed;
	size_t len;
	struct err err;

	if (!imap_cmd_check_count(cmd, 1, 2) ||
	    !imap_cmd_get_mailbox(cmd, &cmd->args[0], &name) ||
	    (cmd->count == 2 && !create_params(cmd, &cmd->args[1], &use)))
		return IMAP_CMD_DONE;
	/* "a trailing hierarchy separator declares the intent to create
	   names below": the mailbox itself is created all the same */
	len = strlen(name);
	trimmed = pool_strdup(cmd->pool, name);
	if (len > 1 && trimmed[len - 1] == STORE_HIERARCHY_SEP)
		trimmed[len - 1] = '\0';
	if (strcmp(trimmed, STORE_INBOX) == 0)
		return imap_cmd_no(cmd, "ALREADYEXISTS",
				   "INBOX always exists.");
	if (store_mailbox_create(s->user, trimmed, use, &err) < 0)
		return imap_cmd_fail(cmd, &err);
	return imap_cmd_ok(cmd, "Create completed.");
}

/* True if name is the selected mailbox or one of its parents. */
static bool
affects_selected(const struct imap_session *s, const char *name)
{
	const char *sel;
	size_t len = strlen(name);

	if (s->box == NULL)
		return false;
	sel = store_mailbox_name(s->box);
	return strncmp(sel, name, len) == 0 &&
	       (sel[len] == '\0' || sel[len] == STORE_HIERARCHY_SEP);
}

/* RFC 3501 section 6.3.4. Deleting the selected mailbox closes it. */
enum imap_cmd_result
cmd_delete(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->session;
	const char *name;
	struct err err;

	if (!imap_cmd_check_count(cmd, 1, 1) ||
	    !imap_cmd_get_mailbox(cmd, &cmd->args[0], &name))
		return IMAP_CMD_DONE;
	if (strcmp(name, STORE_INBOX) == 0)
		return imap_cmd_no(cmd, "CANNOT", "INBOX cannot be deleted.");
	if (s->box != NULL && strcmp(store_mailbox_name(s->box), name) == 0)
		imap_session_unselect(s);
	if (store_mailbox_delete(s->user, name, &err) < 0)
		return imap_cmd_fail(cmd, &err);
	return imap_cmd_ok(cmd, "Delete completed.");
}

/* RFC 3501 section 6.3.5. Renaming the selected mailbox (or a parent)
   closes it; renaming INBOX moves its messages and leaves it selected. */
enum imap_cmd_result
cmd_rename(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->session;
	const char *from, *to;
	struct err err;

	if (!imap_cmd_check_count(cmd, 2, 2) ||
	    !imap_cmd_get_mailbox(cmd, &cmd->args[0], &from) ||
	    !imap_cmd_get_mailbox(cmd, &cmd->args[1], &to))
		return IMAP_CMD_DONE;
	if (strcmp(to, STORE_INBOX) == 0)
		return imap_cmd_no(cmd, "ALREADYEXISTS",
				   "INBOX always exists.");
	if (strcmp(from, STORE_INBOX) != 0 && affects_selected(s, from))
		imap_session_unselect(s);
	if (store_mailbox_rename(s->user, from, to, &err) < 0)
		return imap_cmd_fail(cmd, &err);
	return imap_cmd_ok(cmd, "Rename completed.");
}

/* RFC 3501 sections 6.3.6 and 6.3.7: a name need not exist to be
   subscribed, and stays subscribed when its mailbox goes away. */
static enum imap_cmd_result
subscribe(struct imap_cmd *cmd, bool on)
{
	const char *name;
	struct err err;

	if (!imap_cmd_check_count(cmd, 1, 1) ||
	    !imap_cmd_get_mailbox(cmd, &cmd->args[0], &name))
		return IMAP_CMD_DONE;
	if (store_mailbox_name_validate(name, &err) < 0 ||
	    store_subscribe(cmd->session->user, name, on, &err) < 0)
		return imap_cmd_fail(cmd, &err);
	return imap_cmd_ok(cmd, on ? "Subscribe completed."
				   : "Unsubscribe completed.");
}

enum imap_cmd_result
cmd_subscribe(struct imap_cmd *cmd)
{
	return subscribe(cmd, true);
}

enum imap_cmd_result
cmd_unsubscribe(struct imap_cmd *cmd)
{
	return subscribe(cmd, false);
}
