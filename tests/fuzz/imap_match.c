/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for LIST pattern matching. Input: one byte choosing the
 * separator, the pattern up to the first LF, then names separated by LF.
 * Every result is checked against an independent dynamic-programming
 * matcher; running time must stay linear (no backtracking), which the
 * fuzzer's timeout enforces.
 */
#include "lib/pool.h"
#include "lib/str.h"
#include "proto/imap/imap-match.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MODEL_MAX 64

static bool
model(const char *p, size_t plen, const char *n, size_t nlen, char sep)
{
	/* dp[i][j]: p[0..i) matches n[0..j) */
	static bool dp[MODEL_MAX + 1][MODEL_MAX + 1];
	size_t icase = nlen >= 5 && mem_eq_icase(n, "INBOX", 5) &&
			       (nlen == 5 || n[5] == sep)
			   ? 5
			   : 0;

	memset(dp, 0, sizeof(dp));
	dp[0][0] = true;
	for (size_t i = 1; i <= plen; i++) {
		char c = p[i - 1];

		for (size_t j = 0; j <= nlen; j++) {
			if (c == '*') {
				dp[i][j] =
				    dp[i - 1][j] || (j > 0 && dp[i][j - 1]);
			} else if (c == '%') {
				dp[i][j] =
				    dp[i - 1][j] ||
				    (j > 0 && n[j - 1] != sep && dp[i][j - 1]);
			} else if (j > 0) {
				bool eq =
				    c == n[j - 1] ||
				    (j <= icase && ascii_tolower(c) ==
						       ascii_tolower(n[j - 1]));

				dp[i][j] = eq && dp[i - 1][j - 1];
			}
		}
	}
	return dp[plen][nlen];
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data + 1, *end, *lf;
	struct imap_match *m;
	struct pool *pool;
	size_t plen;
	char sep;
	int names = 0;

	if (size < 1)
		return 0;
	sep = (data[0] & 1) != 0 ? '.' : '/';
	end = (const char *)data + size;
	lf = memchr(s, '\n', (size_t)(end - s));
	plen = (size_t)((lf != NULL ? lf : end) - s);
	pool = pool_create(4096);
	m = imap_match_create(pool, s, plen, sep);
	if ((m == NULL) != (plen > IMAP_MATCH_MAX_PATTERN))
		abort();
	while (m != NULL && lf != NULL && names++ < 256) {
		const char *name = lf + 1;
		size_t nlen;
		unsigned r;

		lf = memchr(name, '\n', (size_t)(end - name));
		nlen = (size_t)((lf != NULL ? lf : end) - name);
		r = imap_match(m, name, nlen);
		if (plen <= MODEL_MAX && nlen <= MODEL_MAX &&
		    ((r & IMAP_MATCH_YES) != 0) !=
			model(s, plen, name, nlen, sep))
			abort();
	}
	pool_destroy(&pool);
	return 0;
}
