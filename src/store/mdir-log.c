/* SPDX-License-Identifier: MIT */
/* Log transports: link mode and append mode (see mdir-log.h). */
#include "store/mdir-log.h"
#include "store/mdir-format.h"
#include "lib/cobs.h"
#include "lib/endian.h"
#include "lib/fsutil.h"
#include "lib/macros.h"
#include "lib/rand.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Read-ahead of the append-mode log: a reader that catches up with a short
   tail reads (and keeps) READ_MIN bytes; a long scan doubles its reads up
   to READ_CHUNK. An idle mailbox gives its buffer back (mdir_log_idle). */
#define READ_MIN 4096
#define READ_CHUNK (64 * 1024)

void
mdir_log_init(struct mdir_log *log, bool append)
{
	memset(log, 0, sizeof(*log));
	log->fd = -1;
	log->append = append;
}

void
mdir_log_close(struct mdir_log *log)
{
	if (log->fd >= 0)
		close(log->fd);
	log->fd = -1;
	buf_free(&log->rbuf);
}

void
mdir_log_idle(struct mdir_log *log)
{
	if (log->rbuf.cap <= READ_MIN)
		return;
	buf_free(&log->rbuf);
	log->rbuf_off = 0;
}

void
mdir_seq_name(uint64_t seq, char out[24])
{
	snprintf(out, 24, "%llu", (unsigned long long)seq);
}

static void
gen_name(uint32_t gen, char out[32])
{
	snprintf(out, 32, "log.%u", gen);
}

int
mdir_log_create(int mdir_fd, bool append, uint32_t gen, struct err *err)
{
	char name[32];
	int fd;

	gen_name(gen, name);
	if (!append) {
		if (mkdirat(mdir_fd, name, 0700) < 0 && errno != EEXIST)
			return err_set_errno(err, "mkdir", name);
		return 0;
	}
	fd = openat(mdir_fd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set_errno(err, "open", name);
	close(fd);
	return 0;
}

int
mdir_log_open(struct mdir_log *log, int mdir_fd, uint32_t gen, uint64_t seq,
	      struct err *err)
{
	char name[32];
	int fd;

	gen_name(gen, name);
	fd = openat(mdir_fd, name,
		    log->append ? O_RDWR | O_APPEND | O_CLOEXEC
				: O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set_errno(err, "open", name);
	if (log->fd >= 0)
		close(log->fd);
	log->fd = fd;
	log->gen = gen;
	log->seq = seq;
	log->off = 0;
	buf_clear(&log->rbuf);
	log->rbuf_off = 0;
	return 0;
}

bool
mdir_log_is_current(const struct mdir_log *log, int mdir_fd)
{
	struct stat a, b;
	char name[32];

	gen_name(log->gen, name);
	if (fstatat(mdir_fd, name, &a, 0) < 0 || fstat(log->fd, &b) < 0)
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* ---- link mode ---- */

static int
link_read(struct mdir_log *log, uint64_t seq, struct buf *out,
	  struct err *err)
{
	char name[24];
	struct stat sb;
	ssize_t n;
	int fd;

	mdir_seq_name(seq, name);
	fd = openat(log->fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return err_set_errno(err, "open", name);
	}
	buf_clear(out);
	if (fstat(fd, &sb) < 0 || sb.st_size > (off_t)MDIR_REC_MAX ||
	    buf_reserve(out, (size_t)sb.st_size + 1) < 0) {
		close(fd);
		return 1; /* damaged: an empty record, rejected by parsing */
	}
	n = read_full(fd, out->data, (size_t)sb.st_size + 1);
	close(fd);
	if (n < 0)
		return err_set_errno(err, "read", name);
	out->len = (size_t)n;
	return 1;
}

/* True if record log->seq + 1 is byte for byte the one we tried to link:
   records start with a random nonce, so only our own can be equal. */
static bool
is_own_record(struct mdir_log *log, const struct buf *rec)
{
	struct buf have = BUF_INIT;
	bool own;

	own = link_read(log, log->seq + 1, &have, NULL) == 1 &&
	      have.len == rec->len &&
	      memcmp(have.data, rec->data, rec->len) == 0;
	buf_free(&have);
	return own;
}

static int
link_append(struct mdir_log *log, int tmp_fd, const struct buf *rec,
	    bool durable, int *dirsync_fd_r, struct err *err)
{
	char tmpname[UNIQUE_NAME_MAX + 8], uniq[UNIQUE_NAME_MAX], seqname[24];
	int fd, ret;

	unique_name(uniq, sizeof(uniq));
	snprintf(tmpname, sizeof(tmpname), "rec.%s", uniq);
	fd = openat(tmp_fd, tmpname, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
	if (fd < 0)
		return err_set_errno(err, "open", tmpname);
	if (write_full(fd, rec->data, rec->len) < 0 ||
	    (durable && fdatasync(fd) < 0)) {
		err_set_errno(err, "write", tmpname);
		close(fd);
		unlinkat(tmp_fd, tmpname, 0);
		return -1;
	}
	close(fd);
	mdir_seq_name(log->seq + 1, seqname);
	ret = linkat(tmp_fd, tmpname, log->fd, seqname, 0);
	if (ret < 0 && errno != EEXIST && errno != ENOENT)
		err_set_errno(err, "link", seqname);
	ret = ret == 0 ? 1 : (errno == EEXIST || errno == ENOENT) ? 0 : -1;
	if (ret == 0 && errno == EEXIST && is_own_record(log, rec))
		ret = 1; /* NFS: the reply to our retransmitted LINK was lost */
	unlinkat(tmp_fd, tmpname, 0);
	if (ret == 1) {
		log->seq++;
		if (durable)
			*dirsync_fd_r = dup(log->fd);
	}
	return ret;
}

/* ---- append mode ----
 *
 * File layout: a sequence of frames "\0 COBS(entry) \0", where entry is
 * [u64 prev_seq][u64 nonce][u32 crc32 of the rest][record]. Zero bytes
 * occur only as delimiters, so a damaged or torn frame is skipped by
 * looking for the next delimiter, and no byte sequence inside a record
 * (which may come from message content) can ever pass for a frame.
 */

#define ENTRY_FIXED 20

/* Makes the file's bytes from `off` available in rbuf, reading more when
   fewer than `need` are buffered. Returns the bytes available or -1. */
static ssize_t
fill(struct mdir_log *log, uint64_t off, size_t need, const uint8_t **p_r)
{
	size_t have;

	if (off < log->rbuf_off || off > log->rbuf_off + log->rbuf.len) {
		buf_clear(&log->rbuf);
		log->rbuf_off = off;
	} else if (off > log->rbuf_off) {
		buf_consume(&log->rbuf, (size_t)(off - log->rbuf_off));
		log->rbuf_off = off;
	}
	have = log->rbuf.len;
	if (have < need) {
		/* minus the byte buf_reserve() keeps for a NUL: the buffer
		   stays a power of two */
		size_t chunk = MIN(MAX(log->rbuf.cap, (size_t)READ_MIN),
				   (size_t)READ_CHUNK) - 1;
		size_t want = need - have < chunk ? chunk : need - have;
		ssize_t n;

		if (buf_reserve(&log->rbuf, want) < 0)
			return -1;
		n = pread(log->fd, buf_tail(&log->rbuf), want,
			  (off_t)(off + have));
		if (n < 0)
			return -1;
		log->rbuf.len += (size_t)n;
		have = log->rbuf.len;
	}
	*p_r = log->rbuf.data;
	return (ssize_t)have;
}

/* Finds the frame at *off: sets *start and *len to its encoded bytes (between
   the delimiters) and *next to the offset of its closing delimiter.
   Returns 1, or 0 if no complete frame is there yet, -1 on error. */
static int
next_frame(struct mdir_log *log, uint64_t off, uint64_t limit,
	   const uint8_t **start_r, size_t *len_r, uint64_t *next_r)
{
	size_t need = 2;

	for (;;) {
		const uint8_t *p, *open, *close;
		ssize_t avail = fill(log, off, need, &p);

		if (avail < 0)
			return -1;
		open = memchr(p, 0, (size_t)avail);
		if (open == NULL) {
			if ((size_t)avail < need)
				return 0; /* end of file */
			need = (size_t)avail + READ_CHUNK;
			continue;
		}
		close = memchr(open + 1, 0,
			       (size_t)avail - (size_t)(open + 1 - p));
		if (close == NULL) {
			if ((size_t)avail < need ||
			    (size_t)avail > MDIR_REC_MAX * 2)
				return 0; /* incomplete: being written */
			need = (size_t)avail + READ_CHUNK;
			continue;
		}
		if (off + (uint64_t)(close - p) > limit)
			return 0;
		*start_r = open + 1;
		*len_r = (size_t)(close - open - 1);
		*next_r = off + (uint64_t)(close - p);
		return 1;
	}
}

/* Walks frames from *off (before `limit`), counting accepted entries from
   *seq. Stops at the first accepted one: 1 with its record in out (may be
   NULL); 0 if none before the limit or end of file; -1 on error. */
static int
scan(struct mdir_log *log, uint64_t *off, uint64_t *seq, uint64_t limit,
     struct buf *out, struct err *err)
{
	struct buf dec = BUF_INIT;
	int ret = 0;

	for (;;) {
		const uint8_t *start;
		size_t len;
		uint64_t next;
		int r = next_frame(log, *off, limit, &start, &len, &next);

		if (r < 0) {
			ret = err_set_errno(err, "read", "log");
			break;
		}
		if (r == 0)
			break;
		*off = next;
		buf_clear(&dec);
		if (len == 0 || cobs_decode(start, len, &dec) < 0 ||
		    dec.len < ENTRY_FIXED ||
		    le_get32(dec.data + 16) !=
			    mdir_crc32_update(mdir_crc32(dec.data, 16),
					      dec.data + ENTRY_FIXED,
					      dec.len - ENTRY_FIXED))
			continue; /* empty, torn or damaged frame */
		if (le_get64(dec.data) != *seq)
			continue; /* rejected: built against another state */
		(*seq)++;
		if (out != NULL) {
			buf_clear(out);
			buf_append(out, dec.data + ENTRY_FIXED,
				   dec.len - ENTRY_FIXED);
		}
		ret = 1;
		break;
	}
	buf_free(&dec);
	return ret;
}

static int
append_append(struct mdir_log *log, const struct buf *rec, bool durable,
	      struct err *err)
{
	struct buf entry = BUF_INIT, frame = BUF_INIT;
	uint8_t fixed[ENTRY_FIXED];
	uint64_t nonce, off, seq, start;
	off_t end;
	int ret;

	rand_bytes(&nonce, sizeof(nonce));
	le_put64(fixed, log->seq);
	le_put64(fixed + 8, nonce);
	le_put32(fixed + 16, mdir_crc32_update(mdir_crc32(fixed, 16),
					       rec->data, rec->len));
	buf_append(&entry, fixed, sizeof(fixed));
	buf_append(&entry, rec->data, rec->len);
	buf_append_c(&frame, '\0');
	cobs_encode(entry.data, entry.len, &frame);
	buf_append_c(&frame, '\0');
	buf_free(&entry);
	/* one write: O_APPEND writes are serialised by the kernel, so the
	   frame lands whole after every frame written before it */
	ret = (int)write(log->fd, frame.data, frame.len);
	if (ret < 0 || (size_t)ret != frame.len) {
		buf_free(&frame);
		return err_set_errno(err, "write", "log");
	}
	end = lseek(log->fd, 0, SEEK_CUR);
	start = (uint64_t)end - frame.len;
	buf_free(&frame);
	if (end < 0)
		return err_set_errno(err, "lseek", "log");
	if (durable && fdatasync(log->fd) < 0)
		return err_set_errno(err, "fdatasync", "log");
	/* ours is accepted iff no frame between our read position and it
	   was accepted (then its prev_seq, log->seq, is still the count) */
	off = log->off;
	seq = log->seq;
	ret = scan(log, &off, &seq, start, NULL, err);
	if (ret < 0)
		return -1;
	if (ret == 1)
		return 0; /* someone else's record comes first */
	log->off = (uint64_t)end - 1; /* our closing delimiter */
	log->seq++;
	return 1;
}

/* ---- common entry points ---- */

int
mdir_log_read_next(struct mdir_log *log, struct buf *out, struct err *err)
{
	if (!log->append) {
		int r = link_read(log, log->seq + 1, out, err);

		if (r == 1)
			log->seq++;
		return r;
	}
	return scan(log, &log->off, &log->seq, UINT64_MAX, out, err);
}

int
mdir_log_append(struct mdir_log *log, int tmp_fd, const struct buf *rec,
		bool durable, int *dirsync_fd_r, struct err *err)
{
	*dirsync_fd_r = -1;
	if (!log->append)
		return link_append(log, tmp_fd, rec, durable, dirsync_fd_r,
				   err);
	return append_append(log, rec, durable, err);
}

int
mdir_log_open_from_start(struct mdir_log *log, int mdir_fd, uint32_t gen,
			 struct err *err)
{
	if (mdir_log_open(log, mdir_fd, gen, 0, err) < 0)
		return -1;
	if (log->append) {
		/* the first intact entry tells where the generation starts */
		for (uint64_t off = 0;;) {
			const uint8_t *start;
			size_t len;
			uint64_t next;
			struct buf dec = BUF_INIT;

			if (next_frame(log, off, UINT64_MAX, &start, &len,
				       &next) <= 0)
				return 0;
			off = next;
			if (len > 0 && cobs_decode(start, len, &dec) == 0 &&
			    dec.len >= ENTRY_FIXED &&
			    le_get32(dec.data + 16) ==
				    mdir_crc32_update(mdir_crc32(dec.data, 16),
						      dec.data + ENTRY_FIXED,
						      dec.len - ENTRY_FIXED)) {
				log->seq = le_get64(dec.data);
				buf_free(&dec);
				return 0;
			}
			buf_free(&dec);
		}
	} else {
		/* the smallest record number present */
		uint64_t min = UINT64_MAX;
		struct dirent *de;
		DIR *d;

		d = opendir_at(log->fd);
		if (d == NULL)
			return err_set_errno(err, "opendir", "log");
		while ((de = readdir(d)) != NULL) {
			char *end;
			unsigned long long v = strtoull(de->d_name, &end, 10);

			if (*end == '\0' && de->d_name[0] >= '1' &&
			    de->d_name[0] <= '9' && v < min)
				min = v;
		}
		closedir(d);
		log->seq = min == UINT64_MAX ? 0 : min - 1;
	}
	return 0;
}
