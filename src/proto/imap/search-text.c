/* SPDX-License-Identifier: MIT */
/* SEARCH text keys over a streamed message file (search-text.h). */
#include "proto/imap/search-text.h"
#include "lib/fsutil.h"
#include "store/store.h"

#include <stdbool.h>
#include <unistd.h>

#define GROUPS_MAX (SEARCH_TEXT_KEYS_MAX / MIME_SEARCH_MAX_KEYS)

int
search_text_match(const struct search_program *prog, struct store_mailbox *box,
		  uint32_t seq, uint64_t size, const struct mime_summary *sum,
		  uint8_t *chunk, size_t chunk_size, uint64_t *masks,
		  struct err *err)
{
	struct mime_search_ctx *ctx[GROUPS_MAX];
	bool decided[GROUPS_MAX];
	size_t n = prog->n_groups, open = n;
	uint64_t pos = 0;
	int fd, ret = 0;

	if (store_msg_open(box, seq, &fd, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		ctx[i] = mime_search_begin(prog->groups[i], sum);
		/* a matcher with nothing to look for is decided at once */
		decided[i] = mime_search_feed(ctx[i], "", 0) == 1;
		if (decided[i])
			open--;
	}
	/* the summary describes exactly `size` bytes */
	while (open > 0 && pos < size) {
		size_t want = (size_t)MIN((uint64_t)chunk_size, size - pos);
		ssize_t got = pread_full(fd, chunk, want, (off_t)pos);

		if (got <= 0) {
			if (got < 0)
				ret = err_set_errno(err, "pread", "message");
			else
				ret = err_set(err, ERR_CORRUPT,
					      "message file shorter than "
					      "indexed");
			break;
		}
		for (size_t i = 0; i < n; i++) {
			if (!decided[i] &&
			    mime_search_feed(ctx[i], chunk, (size_t)got) == 1) {
				decided[i] = true;
				open--;
			}
		}
		pos += (uint64_t)got;
	}
	(void)close(fd);
	for (size_t i = 0; i < n; i++)
		masks[i] = mime_search_end(&ctx[i]);
	return ret;
}
