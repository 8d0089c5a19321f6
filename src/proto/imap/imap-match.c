/* SPDX-License-Identifier: MIT */
/*
 * Wildcard matching as a bit-parallel NFA (shift-and). State bit i means
 * "the first i pattern tokens have matched". A literal token at i moves
 * bit i to i + 1 on its byte; "*" at i keeps bit i on any byte and "%" on
 * any byte but the separator; both may also match nothing, which is the
 * closure step S |= (S & wild) << 1. Runs of wildcards are collapsed at
 * compile time so that one closure step suffices.
 */
#include "proto/imap/imap-match.h"
#include "lib/str.h"

#include <stdint.h>
#include <string.h>

#define WORD_BITS 64

struct imap_match {
	char sep;
	size_t ntok;		/* tokens; the accepting state is bit ntok */
	size_t words;		/* 64-bit words per state set */
	uint16_t byte_idx[256]; /* byte -> index into masks (0: none) */
	uint64_t *masks;	/* [distinct bytes + 1][words] */
	uint64_t *star;		/* bits of "*" tokens */
	uint64_t *pct;		/* bits of "%" tokens */
	uint64_t *wild;		/* star | pct */
};

static void
set_bit(uint64_t *set, size_t bit)
{
	set[bit / WORD_BITS] |= (uint64_t)1 << (bit % WORD_BITS);
}

static bool
test_bit(const uint64_t *set, size_t bit)
{
	return (set[bit / WORD_BITS] >> (bit % WORD_BITS)) & 1;
}

/* Collapses runs of wildcards ("*%" and "%*" are "*", "%%" is "%"). */
static size_t
collapse(const char *pattern, size_t len, char *tok)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		char c = pattern[i];

		if ((c == '*' || c == '%') && n > 0 &&
		    (tok[n - 1] == '*' || tok[n - 1] == '%')) {
			if (c == '*')
				tok[n - 1] = '*';
			continue;
		}
		tok[n++] = c;
	}
	return n;
}

struct imap_match *
imap_match_create(struct pool *pool, const char *pattern, size_t len, char sep)
{
	struct imap_match *m;
	char tok[IMAP_MATCH_MAX_PATTERN];
	size_t distinct = 0;

	if (len > IMAP_MATCH_MAX_PATTERN)
		return NULL;
	m = pool_alloc(pool, sizeof(*m));
	m->sep = sep;
	m->ntok = collapse(pattern, len, tok);
	m->words = m->ntok / WORD_BITS + 1;
	for (size_t i = 0; i < m->ntok; i++) {
		unsigned char c = (unsigned char)tok[i];

		if (c != '*' && c != '%' && m->byte_idx[c] == 0)
			m->byte_idx[c] = (uint16_t)++distinct;
	}
	m->masks =
	    pool_alloc_array(pool, (distinct + 1) * m->words, sizeof(uint64_t));
	m->star = pool_alloc_array(pool, 3 * m->words, sizeof(uint64_t));
	m->pct = m->star + m->words;
	m->wild = m->pct + m->words;
	for (size_t i = 0; i < m->ntok; i++) {
		unsigned char c = (unsigned char)tok[i];

		if (c == '*' || c == '%') {
			set_bit(c == '*' ? m->star : m->pct, i);
			set_bit(m->wild, i);
		} else {
			set_bit(m->masks + m->byte_idx[c] * m->words, i);
		}
	}
	return m;
}

struct imap_match *
imap_match_create_ref(struct pool *pool, const char *ref, size_t ref_len,
		      const char *pattern, size_t pattern_len, char sep)
{
	char *joined;

	if (ref_len > IMAP_MATCH_MAX_PATTERN ||
	    pattern_len > IMAP_MATCH_MAX_PATTERN - ref_len)
		return NULL;
	joined = pool_alloc(pool, ref_len + pattern_len + 1);
	memcpy(joined, ref, ref_len);
	memcpy(joined + ref_len, pattern, pattern_len);
	return imap_match_create(pool, joined, ref_len + pattern_len, sep);
}

/* S |= (S & wild) << 1 */
static void
closure(const struct imap_match *m, uint64_t *s)
{
	uint64_t carry = 0;

	for (size_t w = 0; w < m->words; w++) {
		uint64_t moved = s[w] & m->wild[w];

		s[w] |= (moved << 1) | carry;
		carry = moved >> (WORD_BITS - 1);
	}
}

/* One input byte; mask_a | mask_b give the literal tokens it matches. */
static bool
step(const struct imap_match *m, uint64_t *s, const uint64_t *mask_a,
     const uint64_t *mask_b, bool is_sep)
{
	uint64_t carry = 0, any = 0;

	for (size_t w = 0; w < m->words; w++) {
		uint64_t adv = s[w] & (mask_a[w] | mask_b[w]);
		uint64_t stay = s[w] & (is_sep ? m->star[w] : m->wild[w]);

		s[w] = (adv << 1) | carry | stay;
		carry = adv >> (WORD_BITS - 1);
		any |= s[w];
	}
	if (any == 0)
		return false;
	closure(m, s);
	return true;
}

/* RFC 3501 section 5.1: INBOX is case-insensitive. */
static bool
has_inbox_prefix(const char *name, size_t len, char sep)
{
	return len >= 5 && mem_eq_icase(name, "INBOX", 5) &&
	       (len == 5 || name[5] == sep);
}

unsigned
imap_match(const struct imap_match *m, const char *name, size_t len)
{
	uint64_t stack[IMAP_MATCH_MAX_PATTERN / WORD_BITS + 1];
	uint64_t *s = stack;
	size_t icase = has_inbox_prefix(name, len, m->sep) ? 5 : 0;
	const uint64_t *sep_mask;
	unsigned ret = IMAP_MATCH_NO;

	memset(s, 0, m->words * sizeof(uint64_t));
	set_bit(s, 0);
	closure(m, s);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		unsigned char lc = c, uc = c;

		if (i < icase) {
			lc = (unsigned char)ascii_tolower((char)c);
			uc = (unsigned char)ascii_toupper((char)c);
		}
		if (!step(m, s, m->masks + m->byte_idx[lc] * m->words,
			  m->masks + m->byte_idx[uc] * m->words,
			  c == (unsigned char)m->sep))
			return IMAP_MATCH_NO;
	}
	if (test_bit(s, m->ntok))
		ret |= IMAP_MATCH_YES;
	/* after "<name><sep>", every live state short of acceptance can
	   still reach it with a suitable non-empty suffix */
	sep_mask = m->masks + m->byte_idx[(unsigned char)m->sep] * m->words;
	if (step(m, s, sep_mask, sep_mask, true)) {
		s[m->ntok / WORD_BITS] &=
		    ~((uint64_t)1 << (m->ntok % WORD_BITS));
		for (size_t w = 0; w < m->words; w++) {
			if (s[w] != 0) {
				ret |= IMAP_MATCH_CHILDREN;
				break;
			}
		}
	}
	return ret;
}
