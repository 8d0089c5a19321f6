/* SPDX-License-Identifier: MIT */
/* Names of the extensions the parsers report. */
#include "proto/imap/imap-ext.h"
#include "lib/macros.h"

#include <stddef.h>

const char *
imap_ext_name(uint32_t ext)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
	    {IMAP_EXT_CONDSTORE, "CONDSTORE"},
	    {IMAP_EXT_QRESYNC, "QRESYNC"},
	    {IMAP_EXT_BINARY, "BINARY"},
	    {IMAP_EXT_OBJECTID, "OBJECTID"},
	    {IMAP_EXT_SAVEDATE, "SAVEDATE"},
	    {IMAP_EXT_PREVIEW, "PREVIEW"},
	    {IMAP_EXT_WITHIN, "WITHIN"},
	    {IMAP_EXT_SEARCHRES, "SEARCHRES"},
	    {IMAP_EXT_ESEARCH, "ESEARCH"},
	    {IMAP_EXT_LIST_EXTENDED, "LIST-EXTENDED"},
	    {IMAP_EXT_LIST_STATUS, "LIST-STATUS"},
	    {IMAP_EXT_SPECIAL_USE, "SPECIAL-USE"},
	};

	for (size_t i = 0; i < N_ELEMENTS(names); i++) {
		if (names[i].bit == ext)
			return names[i].name;
	}
	return NULL;
}
