/* SPDX-License-Identifier: MIT */
/* STATUS (RFC 3501 section 6.3.10), and the STATUS data LIST-STATUS
   (RFC 5819) returns with LIST. */
#include "proto/imap/imap-server-cmd.h"
#include "proto/imap/imap-mailbox.h"
#include "lib/str.h"
#include "store/store.h"

#include <string.h>

struct status_item {
	const char *name;
	unsigned store_item; /* enum store_status_item */
};

/* RFC 3501 section 9 status-att. (SIZE, DELETED and HIGHESTMODSEQ need
   extensions that are not offered.) */
static const struct status_item status_items[] = {
    {"MESSAGES", STORE_STATUS_MESSAGES},
    {"RECENT", STORE_STATUS_RECENT},
    {"UIDNEXT", STORE_STATUS_UIDNEXT},
    {"UIDVALIDITY", STORE_STATUS_UIDVALIDITY},
    {"UNSEEN", STORE_STATUS_UNSEEN},
};

int
imap_status_parse(const struct imap_arg *args, size_t n,
		  struct imap_status_request *req, const char **error_r)
{
	memset(req, 0, sizeof(*req));
	if (n == 0) {
		*error_r = "Missing STATUS items.";
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct status_item *item = NULL;
		const char *name;

		if (!imap_arg_get_atom(&args[i], &name)) {
			*error_r = "Invalid STATUS item.";
			return -1;
		}
		for (size_t j = 0; j < N_ELEMENTS(status_items); j++) {
			if (str_eq_icase(name, status_items[j].name))
				item = &status_items[j];
		}
		if (item == NULL) {
			*error_r = "Unknown STATUS item.";
			return -1;
		}
		/* answered once each, in the order asked */
		if ((req->items & item->store_item) != 0)
			continue;
		req->items |= item->store_item;
		req->order[req->count++] = (uint8_t)(item - status_items);
	}
	return 0;
}

int
imap_status_write(struct imap_session *s, const char *name,
		  const struct imap_status_request *req, struct err *err)
{
	struct store_status st;
	struct buf *b;

	if (store_mailbox_status(s->user, name, req->items, &st, err) < 0)
		return -1;
	b = imap_out_begin(s);
	buf_append_str(b, "* STATUS ");
	imap_mailbox_append(b, name, strlen(name), false);
	buf_append_str(b, " (");
	for (size_t i = 0; i < req->count; i++) {
		const struct status_item *item = &status_items[req->order[i]];
		uint32_t value = 0;

		switch (item->store_item) {
		case STORE_STATUS_MESSAGES:
			value = st.messages;
			break;
		case STORE_STATUS_RECENT:
			value = st.recent;
			break;
		case STORE_STATUS_UIDNEXT:
			value = st.uidnext;
			break;
		case STORE_STATUS_UIDVALIDITY:
			value = st.uidvalidity;
			break;
		case STORE_STATUS_UNSEEN:
			value = st.unseen;
			break;
		}
		buf_printf(b, "%s%s %u", i > 0 ? " " : "", item->name, value);
	}
	buf_append_c(b, ')');
	imap_out_send(s);
	return 0;
}

enum imap_cmd_result
cmd_status(struct imap_cmd *cmd)
{
	struct imap_status_request req;
	const struct imap_arg *items;
	const char *name, *error;
	size_t n;
	struct err err;

	if (!imap_cmd_check_count(cmd, 2, 2))
		return IMAP_CMD_DONE;
	if (!imap_arg_get_list(&cmd->args[1], &items, &n))
		return imap_cmd_bad(cmd, "Invalid STATUS items.");
	if (imap_status_parse(items, n, &req, &error) < 0)
		return imap_cmd_bad(cmd, error);
	if (!imap_cmd_get_mailbox(cmd, &cmd->args[0], &name))
		return IMAP_CMD_DONE;
	if (store_mailbox_kind(cmd->session->user, name) !=
	    STORE_MAILBOX_SELECTABLE)
		return imap_cmd_no(cmd, "NONEXISTENT",
				   "Mailbox does not exist.");
	if (imap_status_write(cmd->session, name, &req, &err) < 0)
		return imap_cmd_fail(cmd, &err);
	return imap_cmd_ok(cmd, "Status completed.");
}
