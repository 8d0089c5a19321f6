/* SPDX-License-Identifier: MIT */
/* Typed access to parsed IMAP arguments (RFC 3501 section 9). */
#include "proto/imap/imap-arg.h"
#include "lib/str.h"

#include <string.h>

/* Flags that make an atom token something other than an RFC 3501 atom or
   astring: wildcards belong to list-mailbox and sequence sets, a leading
   backslash to flags, and NO_SP to the tail of a FETCH section. */
#define NOT_ASTRING_FLAGS \
	(IMAP_ARG_FLAG_WILDCARD | IMAP_ARG_FLAG_BACKSLASH | IMAP_ARG_FLAG_NO_SP)

bool
imap_arg_atom_equals(const struct imap_arg *arg, const char *upper)
{
	if (arg->type != IMAP_ARG_ATOM && arg->type != IMAP_ARG_NIL)
		return false;
	return arg->len == strlen(upper) &&
	       mem_eq_icase(arg->u.str, upper, arg->len);
}

bool
imap_arg_get_atom(const struct imap_arg *arg, const char **str_r)
{
	if (arg->type != IMAP_ARG_ATOM && arg->type != IMAP_ARG_NIL)
		return false;
	if ((arg->flags & NOT_ASTRING_FLAGS) != 0 ||
	    memchr(arg->u.str, ']', arg->len) != NULL)
		return false;
	*str_r = arg->u.str;
	return true;
}

bool
imap_arg_get_astring(const struct imap_arg *arg, const char **str_r,
		     size_t *len_r)
{
	switch (arg->type) {
	case IMAP_ARG_ATOM:
		if ((arg->flags & NOT_ASTRING_FLAGS) != 0)
			return false;
		break;
	case IMAP_ARG_NIL:
	case IMAP_ARG_QUOTED:
	case IMAP_ARG_LITERAL:
		break;
	default:
		return false;
	}
	*str_r = arg->u.str;
	*len_r = arg->len;
	return true;
}

bool
imap_arg_get_string(const struct imap_arg *arg, const char **str_r,
		    size_t *len_r)
{
	if (arg->type != IMAP_ARG_QUOTED && arg->type != IMAP_ARG_LITERAL)
		return false;
	*str_r = arg->u.str;
	*len_r = arg->len;
	return true;
}

bool
imap_arg_get_nstring(const struct imap_arg *arg, const char **str_r,
		     size_t *len_r)
{
	if (arg->type == IMAP_ARG_NIL) {
		*str_r = NULL;
		*len_r = 0;
		return true;
	}
	return imap_arg_get_string(arg, str_r, len_r);
}

bool
imap_arg_get_list_mailbox(const struct imap_arg *arg, const char **str_r,
			  size_t *len_r)
{
	if ((arg->type == IMAP_ARG_ATOM || arg->type == IMAP_ARG_NIL) &&
	    (arg->flags & (IMAP_ARG_FLAG_BACKSLASH | IMAP_ARG_FLAG_NO_SP)) ==
		0) {
		*str_r = arg->u.str;
		*len_r = arg->len;
		return true;
	}
	return imap_arg_get_string(arg, str_r, len_r);
}

bool
imap_arg_get_list(const struct imap_arg *arg, const struct imap_arg **list_r,
		  size_t *count_r)
{
	if (arg->type != IMAP_ARG_LIST)
		return false;
	*list_r = arg->u.list;
	*count_r = arg->len;
	return true;
}

bool
imap_arg_get_bytes(const struct imap_arg *arg, const uint8_t **data_r,
		   size_t *len_r)
{
	switch (arg->type) {
	case IMAP_ARG_ATOM:
	case IMAP_ARG_NIL:
	case IMAP_ARG_QUOTED:
	case IMAP_ARG_LITERAL:
	case IMAP_ARG_LITERAL8:
		*data_r = (const uint8_t *)arg->u.str;
		*len_r = arg->len;
		return true;
	default:
		return false;
	}
}

const char *
imap_arg_type_name(enum imap_arg_type type)
{
	switch (type) {
	case IMAP_ARG_ATOM:
		return "atom";
	case IMAP_ARG_QUOTED:
		return "quoted string";
	case IMAP_ARG_LITERAL:
		return "literal";
	case IMAP_ARG_LITERAL8:
		return "literal8";
	case IMAP_ARG_NIL:
		return "NIL";
	case IMAP_ARG_LIST:
		return "list";
	case IMAP_ARG_LITERAL_STREAM:
		return "streamed literal";
	}
	return "?";
}
