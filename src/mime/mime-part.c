/* SPDX-License-Identifier: MIT */
/* Small accessors of the parsed part tree. */
#include "mime/mime-part.h"

const char *
mime_part_charset(const struct mime_part *part)
{
	return mime_content_param(&part->content, "charset");
}
