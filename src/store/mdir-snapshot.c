/* SPDX-License-Identifier: MIT */
/*
 * Index snapshots and log compaction.
 *
 * A snapshot index.<G> holds the complete mailbox state as of log sequence
 * base_seq; the log continues in log.<G>. Compaction closes the current
 * generation with a CLOSE record (taking a sequence number like any other
 * writer, so it is totally ordered with concurrent writers), writes the
 * cache blobs of the newly covered messages to cache.<G+1> and the state
 * to index.<G+1>, then retires generations older than the previous one into
 * trash/, which is emptied after a grace period.
 */
#include "store/mdir-private.h"
#include "lib/endian.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/timeutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

uint32_t
mdir_newest_index(int mdir_fd, uint32_t *older_r)
{
	uint32_t newest = 0, older = 0;
	struct dirent *de;
	DIR *d;

	*older_r = 0;
	d = opendir_at(mdir_fd);
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		uint32_t g;
		char *end;
		unsigned long v;

		if (strncmp(de->d_name, "index.", 6) != 0)
			continue;
		v = strtoul(de->d_name + 6, &end, 10);
		if (*end != '\0' || v == 0 || v > UINT32_MAX)
			continue;
		g = (uint32_t)v;
		if (g > newest) {
			older = newest;
			newest = g;
		} else if (g > older) {
			older = g;
		}
	}
	closedir(d);
	*older_r = older;
	return newest;
}

/* ---- loading ---- */

struct snap_cursor {
	const uint8_t *p, *end;
};

static bool
cur_take(struct snap_cursor *c, size_t n, const uint8_t **p_r)
{
	if ((size_t)(c->end - c->p) < n)
		return false;
	*p_r = c->p;
	c->p += n;
	return true;
}

static int
load_tables(struct mdir_state *st, const struct mdir_index_header *h,
	    struct snap_cursor *c, uint32_t **kwset_map_r, struct err *err)
{
	uint16_t *kwmap = xcalloc(h->keyword_count + 1, sizeof(*kwmap));
	uint32_t *setmap = xcalloc(h->kwset_count + 1, sizeof(*setmap));
	const uint8_t *p;

	*kwset_map_r = setmap;
	for (uint32_t i = 0; i < h->keyword_count; i++) {
		uint16_t len;

		if (!cur_take(c, 2, &p))
			goto bad;
		len = le_get16(p);
		if (len == 0 || len > STORE_KEYWORD_MAX_LEN ||
		    !cur_take(c, len, &p) ||
		    mdir_keyword_index(st, (const char *)p, len, true,
				       &kwmap[i]) < 0)
			goto bad;
	}
	for (uint32_t i = 0; i < h->kwset_count; i++) {
		uint16_t n, idx[STORE_KEYWORDS_PER_MESSAGE_MAX];

		if (!cur_take(c, 2, &p))
			goto bad;
		n = le_get16(p);
		if (n > STORE_KEYWORDS_PER_MESSAGE_MAX ||
		    !cur_take(c, (size_t)n * 2, &p))
			goto bad;
		for (uint16_t j = 0; j < n; j++) {
			uint16_t k = le_get16(p + 2 * j);

			if (k >= h->keyword_count)
				goto bad;
			idx[j] = kwmap[k];
		}
		/* indices were sorted in the file's numbering; re-sort */
		for (uint16_t a = 1; a < n; a++) {
			for (uint16_t b = a; b > 0 && idx[b - 1] > idx[b]; b--) {
				uint16_t t = idx[b];

				idx[b] = idx[b - 1];
				idx[b - 1] = t;
			}
		}
		if (mdir_kwset_intern(st, idx, n, &setmap[i]) < 0)
			goto bad;
	}
	for (uint32_t i = 0; i < h->expunged_count; i++) {
		struct mdir_expunged *e;

		if (!cur_take(c, 16, &p))
			goto bad;
		e = vec_push_new(&st->expunged);
		e->lo = le_get32(p);
		e->hi = le_get32(p + 4);
		e->modseq = le_get64(p + 8);
	}
	free(kwmap);
	return 0;
bad:
	free(kwmap);
	return err_set(err, ERR_CORRUPT, "index: damaged keyword tables");
}

static int
load_records(struct mdir_state *st, const struct mdir_index_header *h,
	     const uint32_t *setmap, struct err *err)
{
	const uint8_t *base = st->snap + MDIR_INDEX_HEADER_SIZE;

	if (mdir_grow(st, h->messages) < 0)
		return err_set(err, ERR_CORRUPT, "index: too many messages");
	st->unseen = st->deleted = 0;
	st->total_size = 0;
	for (uint32_t i = 0; i < h->messages; i++) {
		struct mdir_index_record r;

		mdir_index_record_decode(base + (size_t)i *
							MDIR_INDEX_RECORD_SIZE,
					 &r);
		if (r.uid == 0 || r.uid >= h->uidnext ||
		    (i > 0 && r.uid <= st->uid[i - 1]) ||
		    r.kwset >= h->kwset_count ||
		    (r.flags & ~(uint32_t)STORE_FLAGS_STORABLE) != 0 ||
		    r.modseq > h->highestmodseq)
			return err_set(err, ERR_CORRUPT,
				       "index: damaged record %u", i);
		st->uid[i] = r.uid;
		st->flags[i] = r.flags;
		st->kwset[i] = setmap[r.kwset];
		st->modseq[i] = r.modseq;
		st->cold[i] = i;
		st->total_size += r.size;
		if ((r.flags & STORE_FLAG_SEEN) == 0)
			st->unseen++;
		if (r.flags & STORE_FLAG_DELETED)
			st->deleted++;
	}
	st->n = h->messages;
	return 0;
}

int
mdir_snapshot_load(struct mdir_state *st, uint32_t gen, struct err *err)
{
	struct mdir_index_header h;
	struct snap_cursor c;
	uint32_t *setmap = NULL;
	struct stat sb;
	char name[32];
	int fd, ret = -1;

	snprintf(name, sizeof(name), "index.%u", gen);
	fd = openat(st->mdir_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set_errno(err, "open", name);
	if (fstat(fd, &sb) < 0 || sb.st_size < MDIR_INDEX_HEADER_SIZE) {
		close(fd);
		return err_set(err, ERR_CORRUPT, "%s: truncated", name);
	}
	st->snap_len = (size_t)sb.st_size;
	if (st->store->set.use_mmap) {
		void *m = mmap(NULL, st->snap_len, PROT_READ, MAP_SHARED, fd,
			       0);

		st->snap = m == MAP_FAILED ? NULL : m;
		st->snap_mmapped = st->snap != NULL;
	}
	if (st->snap == NULL) {
		st->snap = xmalloc(st->snap_len);
		if (pread_full(fd, st->snap, st->snap_len, 0) !=
		    (ssize_t)st->snap_len) {
			close(fd);
			return err_set_errno(err, "read", name);
		}
	}
	close(fd);
	if (mdir_index_header_decode(st->snap, st->snap_len, &h, err) < 0)
		return -1;
	if (h.body_len != st->snap_len - MDIR_INDEX_HEADER_SIZE ||
	    h.gen != gen ||
	    memcmp(h.guid, st->header.guid, sizeof(h.guid)) != 0 ||
	    h.uidvalidity != st->header.uidvalidity)
		return err_set(err, ERR_CORRUPT, "%s: does not match mailbox",
			       name);
	if (mdir_crc32(st->snap + MDIR_INDEX_HEADER_SIZE, h.body_len) !=
	    h.body_crc)
		return err_set(err, ERR_CORRUPT, "%s: checksum mismatch",
			       name);
	c.p = st->snap + MDIR_INDEX_HEADER_SIZE +
	      (size_t)h.messages * MDIR_INDEX_RECORD_SIZE;
	c.end = st->snap + st->snap_len;
	if (load_tables(st, &h, &c, &setmap, err) == 0 &&
	    load_records(st, &h, setmap, err) == 0)
		ret = 0;
	free(setmap);
	if (ret < 0)
		return -1;
	st->uidnext = h.uidnext;
	st->recent_next = h.recent_next;
	st->highestmodseq = h.highestmodseq;
	st->seq = st->gen_base = h.base_seq;
	st->gen = gen;
	st->snap_gen = gen;
	st->snap_messages = h.messages;
	return 0;
}

/* ---- cache files ---- */

/* Returns a descriptor for cache.<gen>; *owned_r tells the caller to close
   it (the per-state descriptor cache is full). Descriptors in the cache are
   never closed while the state lives, so concurrent readers may use them. */
static int
cache_fd(struct mdir_state *st, uint32_t gen, bool *owned_r)
{
	char name[32];
	int fd = -1;

	*owned_r = false;
	pthread_mutex_lock(&st->cache_lock);
	for (size_t i = 0; i < st->cache_fds.n; i++) {
		if (st->cache_fds.v[i].gen == gen) {
			fd = st->cache_fds.v[i].fd;
			break;
		}
	}
	if (fd < 0) {
		snprintf(name, sizeof(name), "cache.%u", gen);
		fd = openat(st->mdir_fd, name, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && st->cache_fds.n < 64)
			vec_push(&st->cache_fds,
				 ((struct mdir_cache_fd){ gen, fd }));
		else if (fd >= 0)
			*owned_r = true;
	}
	pthread_mutex_unlock(&st->cache_lock);
	return fd;
}

int
mdir_cache_read(struct mdir_state *st, uint32_t gen, uint64_t off,
		uint32_t len, struct buf *out, struct err *err)
{
	uint8_t hdr[MDIR_CACHE_BLOB_HEADER];
	size_t start = out->len;
	bool owned;
	int fd = cache_fd(st, gen, &owned), ret = 0;

	if (fd < 0)
		return err_set_errno(err, "open", "cache");
	if (pread_full(fd, hdr, sizeof(hdr), (off_t)off) != sizeof(hdr) ||
	    le_get32(hdr) != len || len > MDIR_BLOB_MAX ||
	    buf_reserve(out, len) < 0 ||
	    pread_full(fd, buf_tail(out), len, (off_t)(off + sizeof(hdr))) !=
		    (ssize_t)len ||
	    mdir_crc32(buf_tail(out), len) != le_get32(hdr + 4))
		ret = err_set(err, ERR_CORRUPT, "cache.%u: bad blob", gen);
	else
		out->len = start + len;
	if (owned)
		close(fd);
	return ret;
}

/* ---- writing ---- */

struct snap_writer {
	int fd;
	struct buf b;
	uint64_t off; /* bytes written after the header */
	uint32_t crc;
	bool failed;
};

static void
sw_flush(struct snap_writer *w)
{
	if (w->b.len == 0 || w->failed)
		return;
	w->crc = mdir_crc32_update(w->crc, w->b.data, w->b.len);
	if (pwrite_full(w->fd, w->b.data, w->b.len,
			(off_t)(MDIR_INDEX_HEADER_SIZE + w->off)) < 0)
		w->failed = true;
	w->off += w->b.len;
	buf_clear(&w->b);
}

static void
sw_put(struct snap_writer *w, const void *p, size_t n)
{
	buf_append(&w->b, p, n);
	if (w->b.len >= 256 * 1024)
		sw_flush(w);
}

/* Where each message's cache blob lives in the new snapshot. */
struct cache_ref {
	uint32_t gen;
	uint64_t off;
	uint32_t len;
};

struct cache_writer {
	int fd;
	char tmpname[UNIQUE_NAME_MAX + 8];
	uint64_t off;
	bool used, failed;
};

static void
cw_open(struct mdir_state *st, struct cache_writer *cw)
{
	char uniq[UNIQUE_NAME_MAX];

	unique_name(uniq, sizeof(uniq));
	snprintf(cw->tmpname, sizeof(cw->tmpname), "cache.%s", uniq);
	cw->fd = openat(st->tmp_fd, cw->tmpname,
			O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	cw->off = 0;
	cw->used = false;
	cw->failed = cw->fd < 0;
	if (!cw->failed && write_full(cw->fd, MDIR_CACHE_MAGIC, 8) < 0)
		cw->failed = true;
	cw->off = 8;
}

static bool
cw_add(struct cache_writer *cw, uint32_t gen, const uint8_t *blob,
       uint32_t len, struct cache_ref *ref)
{
	uint8_t hdr[MDIR_CACHE_BLOB_HEADER];

	if (cw->failed)
		return false;
	le_put32(hdr, len);
	le_put32(hdr + 4, mdir_crc32(blob, len));
	if (write_full(cw->fd, hdr, sizeof(hdr)) < 0 ||
	    write_full(cw->fd, blob, len) < 0) {
		cw->failed = true;
		return false;
	}
	ref->gen = gen;
	ref->off = cw->off;
	ref->len = len;
	cw->off += sizeof(hdr) + len;
	cw->used = true;
	return true;
}

/* Finishes the cache file as cache.<gen> (or drops it if unused). */
static int
cw_finish(struct mdir_state *st, struct cache_writer *cw, uint32_t gen,
	  struct err *err)
{
	char name[32];
	int ret = 0;

	if (cw->fd < 0)
		return 0;
	snprintf(name, sizeof(name), "cache.%u", gen);
	if (cw->used && !cw->failed) {
		if ((st->store->set.fsync && fdatasync(cw->fd) < 0) ||
		    (linkat(st->tmp_fd, cw->tmpname, st->mdir_fd, name, 0) <
			     0 &&
		     errno != EEXIST))
			ret = err_set_errno(err, "link", name);
	}
	close(cw->fd);
	unlinkat(st->tmp_fd, cw->tmpname, 0);
	cw->fd = -1;
	return ret;
}

/* Decides which old cache files are sparse enough to rewrite. */
static void
plan_cache_gc(struct mdir_state *st, uint32_t *victims, size_t *nvictims,
	      size_t max)
{
	struct { uint32_t gen; uint64_t live; } acc[64];
	size_t nacc = 0;

	*nvictims = 0;
	for (uint32_t pos = 0; pos < st->n; pos++) {
		struct mdir_index_record r;
		const struct mdir_tail *t;
		size_t i;

		if (st->cold[pos] & MDIR_COLD_TAIL)
			continue;
		mdir_cold(st, pos, &r, &t);
		if (r.cache_gen == 0)
			continue;
		for (i = 0; i < nacc && acc[i].gen != r.cache_gen; i++)
			;
		if (i == nacc) {
			if (nacc == N_ELEMENTS(acc))
				continue;
			acc[nacc].gen = r.cache_gen;
			acc[nacc++].live = 0;
		}
		acc[i].live += r.cache_len + MDIR_CACHE_BLOB_HEADER;
	}
	for (size_t i = 0; i < nacc && *nvictims < max; i++) {
		struct stat sb;
		bool owned;
		int fd = cache_fd(st, acc[i].gen, &owned);

		if (fd >= 0 && fstat(fd, &sb) == 0 &&
		    acc[i].live * 2 < (uint64_t)sb.st_size)
			victims[(*nvictims)++] = acc[i].gen;
		if (fd >= 0 && owned)
			close(fd);
	}
}

static bool
is_victim(const uint32_t *v, size_t n, uint32_t gen)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i] == gen)
			return true;
	}
	return false;
}

/* Writes the cache blobs the new snapshot needs: every tail blob, plus
   the live blobs of sparse old cache files. */
static int
write_cache(struct mdir_state *st, uint32_t gen, struct cache_ref *refs,
	    struct err *err)
{
	struct cache_writer cw;
	uint32_t victims[8];
	size_t nvictims;
	struct buf blob = BUF_INIT;

	plan_cache_gc(st, victims, &nvictims, N_ELEMENTS(victims));
	cw_open(st, &cw);
	for (uint32_t pos = 0; pos < st->n; pos++) {
		struct mdir_index_record r;
		const struct mdir_tail *t;

		mdir_cold(st, pos, &r, &t);
		refs[pos].gen = r.cache_gen;
		refs[pos].off = r.cache_off;
		refs[pos].len = r.cache_len;
		if (t != NULL) {
			refs[pos].gen = 0;
			if (t->blob != NULL)
				cw_add(&cw, gen, t->blob, t->blob_len,
				       &refs[pos]);
		} else if (r.cache_gen != 0 &&
			   is_victim(victims, nvictims, r.cache_gen)) {
			buf_clear(&blob);
			refs[pos].gen = 0;
			if (mdir_cache_read(st, r.cache_gen, r.cache_off,
					    r.cache_len, &blob, NULL) == 0)
				cw_add(&cw, gen, blob.data,
				       (uint32_t)blob.len, &refs[pos]);
		}
	}
	buf_free(&blob);
	if (cw.failed) {
		/* no cache is better than a broken one: drop references */
		for (uint32_t pos = 0; pos < st->n; pos++) {
			if (refs[pos].gen == gen)
				refs[pos].gen = 0;
		}
	}
	return cw_finish(st, &cw, gen, err);
}

static void
write_body(struct mdir_state *st, struct snap_writer *w,
	   const struct cache_ref *refs)
{
	uint8_t rb[MDIR_INDEX_RECORD_SIZE], t[16];

	for (uint32_t pos = 0; pos < st->n; pos++) {
		struct mdir_index_record r;
		const struct mdir_tail *tail;

		mdir_cold(st, pos, &r, &tail);
		r.uid = st->uid[pos];
		r.flags = st->flags[pos];
		r.kwset = st->kwset[pos];
		r.modseq = st->modseq[pos];
		r.cache_gen = refs[pos].gen;
		r.cache_off = refs[pos].off;
		r.cache_len = refs[pos].len;
		mdir_index_record_encode(&r, rb);
		sw_put(w, rb, sizeof(rb));
	}
	for (size_t i = 0; i < st->kw_names.n; i++) {
		size_t len = strlen(st->kw_names.v[i]);

		le_put16(t, (uint16_t)len);
		sw_put(w, t, 2);
		sw_put(w, st->kw_names.v[i], len);
	}
	for (size_t i = 0; i < st->kwsets.n; i++) {
		const struct mdir_kwset *ks = &st->kwsets.v[i];

		le_put16(t, ks->n);
		sw_put(w, t, 2);
		for (uint16_t j = 0; j < ks->n; j++) {
			le_put16(t, ks->idx[j]);
			sw_put(w, t, 2);
		}
	}
	for (size_t i = 0; i < st->expunged.n; i++) {
		le_put32(t, st->expunged.v[i].lo);
		le_put32(t + 4, st->expunged.v[i].hi);
		le_put64(t + 8, st->expunged.v[i].modseq);
		sw_put(w, t, 16);
	}
	sw_flush(w);
}

int
mdir_snapshot_write(struct mdir_state *st, uint32_t gen, struct err *err)
{
	struct mdir_index_header h;
	struct snap_writer w = { .fd = -1 };
	struct cache_ref *refs = xcalloc(st->n + 1, sizeof(*refs));
	uint8_t hb[MDIR_INDEX_HEADER_SIZE];
	char tmpname[UNIQUE_NAME_MAX + 8], uniq[UNIQUE_NAME_MAX], name[32];
	bool durable = st->store->set.fsync;
	int ret = -1;

	if (write_cache(st, gen, refs, err) < 0)
		goto out;
	unique_name(uniq, sizeof(uniq));
	snprintf(tmpname, sizeof(tmpname), "index.%s", uniq);
	snprintf(name, sizeof(name), "index.%u", gen);
	w.fd = openat(st->tmp_fd, tmpname,
		      O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (w.fd < 0) {
		err_set_errno(err, "open", tmpname);
		goto out;
	}
	write_body(st, &w, refs);
	memset(&h, 0, sizeof(h));
	h.uidvalidity = st->header.uidvalidity;
	h.uidnext = st->uidnext;
	h.gen = gen;
	h.base_seq = st->seq;
	h.highestmodseq = st->highestmodseq;
	h.messages = st->n;
	h.unseen = st->unseen;
	h.deleted = st->deleted;
	h.recent_next = st->recent_next;
	h.total_size = st->total_size;
	memcpy(h.guid, st->header.guid, 16);
	h.keyword_count = (uint32_t)st->kw_names.n;
	h.kwset_count = (uint32_t)st->kwsets.n;
	h.expunged_count = (uint32_t)st->expunged.n;
	h.body_len = w.off;
	h.body_crc = w.crc;
	mdir_index_header_encode(&h, hb);
	if (w.failed || pwrite_full(w.fd, hb, sizeof(hb), 0) < 0 ||
	    (durable && fdatasync(w.fd) < 0)) {
		err_set_errno(err, "write", tmpname);
		goto out;
	}
	if (linkat(st->tmp_fd, tmpname, st->mdir_fd, name, 0) < 0) {
		err_set_errno(err, "link", name);
		goto out;
	}
	if (durable && fsync_dirfd(st->mdir_fd) < 0) {
		err_set_errno(err, "fsync", MDIR_DIR);
		goto out;
	}
	ret = 0;
out:
	if (w.fd >= 0) {
		close(w.fd);
		unlinkat(st->tmp_fd, tmpname, 0);
	}
	buf_free(&w.b);
	free(refs);
	return ret;
}
