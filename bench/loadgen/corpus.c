/* SPDX-License-Identifier: MIT */
/* Corpus sets: loading, lookup by X-Bench-Id, verification (corpus.h). */
#include "corpus.h"
#include "lib/buf.h"
#include "lib/fsutil.h"
#include "lib/mem.h"
#include "lib/str.h"
#include "lib/strnum.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* An index line is short; the whole index is bounded by the message
   count that fits in CORPUS_MSG_MAX-sized sets. */
#define INDEX_MAX (256u << 20)
#define HEADER "X-Bench-Id:"

void
corpus_init(struct corpus *c)
{
	memset(c, 0, sizeof(*c));
	hash_init(&c->by_id, false);
}

void
corpus_deinit(struct corpus *c)
{
	for (unsigned i = 0; i < c->nsets; i++) {
		struct corpus_set *s = &c->sets[i];

		for (size_t j = 0; j < s->msgs.n; j++)
			free(s->msgs.v[j].msgid);
		vec_free(&s->msgs);
		if (s->map != NULL)
			munmap(s->map, s->map_len);
		free(s->name);
	}
	hash_free(&c->by_id);
	c->nsets = 0;
}

uint64_t
corpus_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len, w;

	/* word at a time, so that verification costs the load generator
	   far less CPU than the server spends sending the bytes */
	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, p, len);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 29);
}

static int
map_file(const char *path, uint8_t **map_r, size_t *len_r, struct err *err)
{
	struct stat st;
	void *map;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set_errno(err, "open", path);
	if (fstat(fd, &st) < 0) {
		close(fd);
		return err_set_errno(err, "fstat", path);
	}
	if (st.st_size <= 0 || (uint64_t)st.st_size > (1ull << 40)) {
		close(fd);
		return err_set(err, ERR_CORRUPT, "%s: bad size", path);
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return err_set_errno(err, "mmap", path);
	*map_r = map;
	*len_r = (size_t)st.st_size;
	return 0;
}

/* One index line: id TAB offset TAB length TAB message-id. */
static int
parse_line(struct corpus_set *s, char *line, struct err *err)
{
	char *f[5];
	uint64_t off, len;
	struct corpus_msg *m;

	if (str_split(line, '\t', f, 5) != 4)
		return err_set(err, ERR_CORRUPT, "expected 4 fields");
	if (strlen(f[0]) == 0 || strlen(f[0]) > CORPUS_ID_MAX ||
	    !str_is_printable_ascii(f[0]) || strchr(f[0], ' ') != NULL)
		return err_set(err, ERR_CORRUPT, "bad id");
	if (str_to_u64(f[1], &off) < 0 || str_to_u64(f[2], &len) < 0 ||
	    len == 0 || len > CORPUS_MSG_MAX || off > s->map_len ||
	    len > s->map_len - off)
		return err_set(err, ERR_CORRUPT, "bad offset or length");
	if (strlen(f[3]) > CORPUS_MSGID_MAX || !str_is_printable_ascii(f[3]))
		return err_set(err, ERR_CORRUPT, "bad message-id");
	m = vec_push_new(&s->msgs);
	str_copy(m->id, f[0], sizeof(m->id));
	m->msgid = xstrdup(f[3]);
	m->data = s->map + off;
	m->len = (size_t)len;
	m->sum = corpus_checksum(m->data, m->len);
	return 0;
}

static int
set_name(struct corpus_set *s, struct err *err)
{
	const char *id = s->msgs.v[0].id;
	const char *dash = strrchr(id, '-');

	if (dash == NULL || dash == id)
		return err_set(err, ERR_CORRUPT, "id %s has no set name", id);
	s->name = xstrndup(id, (size_t)(dash - id));
	for (size_t i = 1; i < s->msgs.n; i++) {
		if (strncmp(s->msgs.v[i].id, s->name, strlen(s->name)) != 0)
			return err_set(err, ERR_CORRUPT,
				       "id %s is not in set %s",
				       s->msgs.v[i].id, s->name);
	}
	return 0;
}

static int
load_index(struct corpus_set *s, const char *path, struct err *err)
{
	struct buf text = BUF_INIT;
	char *p, *nl;
	unsigned lineno = 0;
	int ret = 0;

	if (file_read_all(path, INDEX_MAX, &text, err) < 0)
		return -1;
	p = (char *)buf_cstr(&text);
	for (; *p != '\0' && ret == 0; p = nl + 1) {
		lineno++;
		if ((nl = strchr(p, '\n')) == NULL) {
			ret = err_set(err, ERR_CORRUPT, "%s:%u: no line end",
				      path, lineno);
			break;
		}
		*nl = '\0';
		if ((ret = parse_line(s, p, err)) < 0)
			err_prefix(err, "%s:%u", path, lineno);
	}
	if (ret == 0 && s->msgs.n == 0)
		ret = err_set(err, ERR_CORRUPT, "%s: empty index", path);
	if (ret == 0 && (ret = set_name(s, err)) < 0)
		err_prefix(err, "%s", path);
	buf_free(&text);
	return ret;
}

int
corpus_load(struct corpus *c, const char *dir, struct err *err)
{
	struct corpus_set *s;
	char path[4096];

	if (c->nsets == CORPUS_SETS_MAX)
		return err_set(err, ERR_LIMIT, "too many corpus sets");
	s = &c->sets[c->nsets];
	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s/messages.bin", dir);
	if (map_file(path, &s->map, &s->map_len, err) < 0)
		return -1;
	c->nsets++; /* from here on, corpus_deinit() frees it */
	snprintf(path, sizeof(path), "%s/index.tsv", dir);
	if (load_index(s, path, err) < 0)
		return -1;
	if (corpus_set(c, s->name) != s)
		return err_set(err, ERR_EXISTS, "set %s loaded twice", s->name);
	for (size_t i = 0; i < s->msgs.n; i++) {
		struct corpus_msg *m = &s->msgs.v[i];

		if (hash_put_str(&c->by_id, m->id, m) != NULL)
			return err_set(err, ERR_EXISTS, "duplicate id %s",
				       m->id);
	}
	return 0;
}

const struct corpus_set *
corpus_set(const struct corpus *c, const char *name)
{
	for (unsigned i = 0; i < c->nsets; i++) {
		if (c->sets[i].name != NULL &&
		    strcmp(c->sets[i].name, name) == 0)
			return &c->sets[i];
	}
	return NULL;
}

const struct corpus_msg *
corpus_find_id(const struct corpus *c, const void *value, size_t len)
{
	const char *p = value, *end = p + len;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == '\r' || end[-1] == '\n' ||
			   end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end == p || end - p > CORPUS_ID_MAX)
		return NULL;
	return hash_get(&c->by_id, p, (size_t)(end - p));
}

int
corpus_lookup(const struct corpus *c, const void *msg, size_t len,
	      const struct corpus_msg **m_r)
{
	const uint8_t *p = msg, *end = p + len, *hdr, *eol;
	const uint8_t *body = memmem(p, len, "\r\n\r\n", 4);

	/* only the header: a body may quote anything */
	if (body != NULL)
		end = body + 2;
	for (hdr = p; hdr < end; hdr = eol + 1) {
		eol = memchr(hdr, '\n', (size_t)(end - hdr));
		if (eol == NULL)
			break;
		if ((size_t)(eol - hdr) > sizeof(HEADER) - 1 &&
		    mem_eq_icase(hdr, HEADER, sizeof(HEADER) - 1)) {
			hdr += sizeof(HEADER) - 1;
			*m_r = corpus_find_id(c, hdr, (size_t)(eol - hdr));
			return *m_r != NULL ? 1 : 0;
		}
	}
	return 0;
}

int
corpus_verify(const struct corpus *c, const void *msg, size_t len,
	      const struct corpus_msg **m_r, char *why, size_t why_size)
{
	const struct corpus_msg *m;

	if (corpus_lookup(c, msg, len, &m) <= 0) {
		snprintf(why, why_size,
			 "message of %zu bytes has no known "
			 "X-Bench-Id",
			 len);
		return -1;
	}
	*m_r = m;
	if (len != m->len) {
		snprintf(why, why_size, "%s: %zu bytes, expected %zu", m->id,
			 len, m->len);
		return -1;
	}
	if (corpus_checksum(msg, len) != m->sum) {
		snprintf(why, why_size, "%s: content differs from the corpus",
			 m->id);
		return -1;
	}
	return 0;
}
