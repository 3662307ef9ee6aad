/* spool.c — segment files, CRC-checked records, batched fsync, a byte cap with counted
 * eviction, and a persisted ack (spool.h).
 *
 * On disk, DIR holds "lock" (flock'ed by the agent using the spool), "state" (the ack: every
 * record below it is resolved) and segments named by the first sequence number they were
 * opened for, "%020llu.seg": a 128-byte header (magic, host and boot ids, CRC) and then
 * records, each a 32-byte header (CRC32 of everything after the CRC field, payload length,
 * sequence number, time, key length) and its key and data. A segment holds a run of
 * consecutive sequence numbers: a failed write starts a new segment, so counting what a
 * segment holds never needs reading it.
 *
 * The producer owns the active (last) segment's write fd and its memory batch; the
 * consumer owns the read cursor's fd and buffer; the segment index, the ack and the
 * counters are shared under one mutex, which neither side holds across I/O.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <zlib.h>
#include "output/buf.h"
#include "output/spool.h"

#define SEG_MAGIC "VGSPOOL1"
#define SEG_VERSION 1
#define ID_MAX 48
#define REC_MAX (64u << 20)  /* larger lengths can only be corruption */
#define BATCH_MAX (1u << 20) /* a batch this big is committed at once */
#define READ_CHUNK (256u << 10)
#define STATE_MAGIC 0x3165746174736776ull /* "vgstate1" */

struct seg_header {
	char magic[8];
	uint32_t version;
	uint32_t header_size;
	uint64_t first_seq;
	char host_id[ID_MAX];
	char boot_id[ID_MAX];
	uint32_t crc; /* of the bytes before it */
	uint32_t pad;
};

struct rec_header {
	uint32_t crc; /* of the rest of the header, the key and the data */
	uint32_t len; /* key + data */
	uint64_t seq;
	uint64_t ts_ns;
	uint16_t key_len;
	uint16_t flags;
	uint32_t reserved;
};

struct state_file {
	uint64_t magic;
	uint64_t acked;
	uint32_t crc;
	uint32_t pad;
};

_Static_assert(sizeof(struct seg_header) == 128, "segment header layout");
_Static_assert(sizeof(struct rec_header) == 32, "record header layout");

#define HDR_SIZE ((uint64_t)sizeof(struct seg_header))
#define REC_HDR ((uint64_t)sizeof(struct rec_header))

struct seg {
	uint64_t id;          /* its name */
	uint64_t first, last; /* sequence numbers it holds, when count > 0 */
	uint64_t count;
	uint64_t bytes;       /* committed size, header included */
	uint64_t first_ts;
	char host_id[ID_MAX], boot_id[ID_MAX];
	int sync_fd; /* a write fd closed for appends, waiting for its last fsync */
};

struct vg_spool {
	struct vg_spool_opts o;
	int dirfd, lockfd, statefd;
	char host_id[ID_MAX], boot_id[ID_MAX];

	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* shared, under mu */
	struct seg *segs; /* by id; the last one is the active segment */
	int nsegs, cap;
	uint64_t total_bytes;
	uint64_t acked, acked_persisted, oldest_inflight_ts;
	uint64_t read_seq, rseg, roff; /* the read cursor: next seq, its segment and offset */
	uint64_t handed;               /* above every seq ever read (a rewind leaves it) */
	uint64_t last_read_ts;         /* time of the record before read_seq */
	uint64_t damaged_seg;          /* the last segment found damaged (said once) */
	uint64_t gen, seen_gen;        /* commits, and the last one the consumer waited past */
	bool woken, dirty, dir_dirty;
	uint64_t appended, resumed, evicted, write_lost, damaged, torn_bytes;

	/* producer */
	uint64_t next_seq;
	int wfd;
	struct vg_buf batch;
	uint64_t b_first, b_count, b_first_ts;
	bool rotate_next;

	/* consumer */
	int rfd;
	uint64_t rfd_seg;
	char *rbuf;
	size_t rbuf_cap, rbuf_len;
	uint64_t rbuf_off;
	char rec_host[ID_MAX], rec_boot[ID_MAX];
	uint64_t last_sync_ns;
};

void vg_spool_format_id(char id[VG_SPOOL_ID_LEN], const char *host_id, const char *boot_id, uint64_t seq)
{
	snprintf(id, VG_SPOOL_ID_LEN, "%s:%s:%llu", host_id, boot_id, (unsigned long long)seq);
}

static void seg_name(char name[32], uint64_t id)
{
	snprintf(name, 32, "%020llu.seg", (unsigned long long)id);
}

static uint32_t header_crc(const struct seg_header *h)
{
	return (uint32_t)crc32(0, (const Bytef *)h, offsetof(struct seg_header, crc));
}

/* crc32() of zlib restarts on a NULL buffer: empty pieces are left out. */
static uLong crc_add(uLong c, const void *p, size_t n)
{
	return n ? crc32(c, (const Bytef *)p, (uInt)n) : c;
}

static uint32_t record_crc(const struct rec_header *h, const void *payload, size_t len)
{
	return (uint32_t)crc_add(crc_add(0, (const Bytef *)h + 4, REC_HDR - 4), payload, len);
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int pread_all(int fd, void *p, size_t n, uint64_t off)
{
	char *c = p;

	while (n) {
		ssize_t r = pread(fd, c, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static int mkdir_p(const char *dir)
{
	char path[256];

	snprintf(path, sizeof(path), "%s", dir);
	for (char *p = path + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(path, 0750) < 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(path, 0750) < 0 && errno != EEXIST ? -1 : 0;
}

/* ---- the segment index (callers hold mu, or are alone during open) ---- */

static struct seg *push_seg(struct vg_spool *sp)
{
	if (sp->nsegs == sp->cap) {
		sp->cap = sp->cap ? 2 * sp->cap : 16;
		sp->segs = realloc(sp->segs, (size_t)sp->cap * sizeof(*sp->segs));
		if (!sp->segs) {
			fputs("vigil: out of memory\n", stderr);
			abort();
		}
	}
	memset(&sp->segs[sp->nsegs], 0, sizeof(struct seg));
	sp->segs[sp->nsegs].sync_fd = -1;
	return &sp->segs[sp->nsegs++];
}

static void drop_seg(struct vg_spool *sp, int i)
{
	sp->total_bytes -= sp->segs[i].bytes;
	memmove(&sp->segs[i], &sp->segs[i + 1], (size_t)(sp->nsegs - i - 1) * sizeof(struct seg));
	sp->nsegs--;
}

static int seg_index(const struct vg_spool *sp, uint64_t id)
{
	for (int i = 0; i < sp->nsegs; i++)
		if (sp->segs[i].id == id)
			return i;
	return -1;
}

/* Records of s not resolved by the ack. */
static uint64_t seg_pending(const struct vg_spool *sp, const struct seg *s)
{
	if (!s->count || s->last < sp->acked)
		return 0;
	return s->last - (s->first > sp->acked ? s->first : sp->acked) + 1;
}

/* A segment holding records the consumer was handed and has not resolved: they may be
 * on the wire, so only the receiver can tell whether they are lost. */
static bool pinned(const struct vg_spool *sp, const struct seg *s)
{
	return s->count && s->last >= sp->acked && s->first < sp->handed;
}

/* ---- open: state, scan, active segment ---- */

static void read_state(struct vg_spool *sp, bool *have)
{
	struct state_file st;

	*have = pread_all(sp->statefd, &st, sizeof(st), 0) == 0 && st.magic == STATE_MAGIC &&
		st.crc == (uint32_t)crc32(0, (const Bytef *)&st, offsetof(struct state_file, crc));
	if (*have)
		sp->acked = sp->acked_persisted = st.acked;
}

static int write_state(struct vg_spool *sp, uint64_t acked)
{
	struct state_file st = { .magic = STATE_MAGIC, .acked = acked };

	st.crc = (uint32_t)crc32(0, (const Bytef *)&st, offsetof(struct state_file, crc));
	return pwrite(sp->statefd, &st, sizeof(st), 0) == (ssize_t)sizeof(st) ? 0 : -1;
}

/* Validates a segment file and indexes its records; a torn or corrupt tail is cut off
 * (counted in torn_bytes). Returns false when the file holds nothing usable. */
static bool scan_segment(struct vg_spool *sp, uint64_t id, struct seg *s)
{
	char name[32];
	struct seg_header h;
	struct stat st;
	uint64_t off = HDR_SIZE;
	char *payload = NULL;
	size_t cap = 0;
	int fd;

	seg_name(name, id);
	fd = openat(sp->dirfd, name, O_RDWR | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	if (pread_all(fd, &h, sizeof(h), 0) < 0 || memcmp(h.magic, SEG_MAGIC, 8) || h.version != SEG_VERSION ||
	    h.crc != header_crc(&h)) {
		sp->torn_bytes += (uint64_t)st.st_size;
		close(fd);
		return false;
	}
	*s = (struct seg){ .id = id, .sync_fd = -1 };
	memcpy(s->host_id, h.host_id, ID_MAX);
	memcpy(s->boot_id, h.boot_id, ID_MAX);
	s->host_id[ID_MAX - 1] = s->boot_id[ID_MAX - 1] = 0;
	while (off + REC_HDR <= (uint64_t)st.st_size) {
		struct rec_header r;

		if (pread_all(fd, &r, sizeof(r), off) < 0 || r.len > REC_MAX || r.key_len > r.len ||
		    off + REC_HDR + r.len > (uint64_t)st.st_size || r.seq < h.first_seq ||
		    (s->count && r.seq != s->last + 1)) /* a gap inside a segment is corruption */
			break;
		if (r.len > cap && !(payload = realloc(payload, cap = r.len)))
			abort();
		if ((r.len && pread_all(fd, payload, r.len, off + REC_HDR) < 0) || record_crc(&r, payload, r.len) != r.crc)
			break;
		if (!s->count) {
			s->first = r.seq;
			s->first_ts = r.ts_ns;
		}
		s->last = r.seq;
		s->count++;
		off += REC_HDR + r.len;
	}
	free(payload);
	if (off < (uint64_t)st.st_size) {
		sp->torn_bytes += (uint64_t)st.st_size - off;
		fprintf(stderr, "vigil: spool %s: %s: cut %llu torn or corrupt bytes at offset %llu\n", sp->o.dir, name,
			(unsigned long long)((uint64_t)st.st_size - off), (unsigned long long)off);
		if (ftruncate(fd, (off_t)off) < 0)
			fprintf(stderr, "vigil: spool %s: cannot truncate %s: %s\n", sp->o.dir, name, strerror(errno));
	}
	s->bytes = off;
	close(fd);
	return s->count > 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int scan(struct vg_spool *sp, char *err, size_t errlen)
{
	DIR *d = fdopendir(dup(sp->dirfd));
	struct dirent *e;
	uint64_t *ids = NULL;
	size_t n = 0, cap = 0;

	if (!d) {
		snprintf(err, errlen, "cannot list %s: %s", sp->o.dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		char *end;
		unsigned long long id = strtoull(e->d_name, &end, 10);

		if (strlen(e->d_name) != 24 || end != e->d_name + 20 || strcmp(end, ".seg"))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			ids = realloc(ids, cap * sizeof(*ids));
			if (!ids)
				abort();
		}
		ids[n++] = id;
	}
	closedir(d);
	if (n)
		qsort(ids, n, sizeof(*ids), cmp_u64);
	for (size_t i = 0; i < n; i++) {
		struct seg s;
		char name[32];

		seg_name(name, ids[i]);
		/* resolved or unusable segments are deleted; the rest are indexed */
		if (!scan_segment(sp, ids[i], &s) || s.last < sp->acked) {
			unlinkat(sp->dirfd, name, 0);
			continue;
		}
		*push_seg(sp) = s;
		sp->total_bytes += s.bytes;
	}
	free(ids);
	return 0;
}

static int new_segment(struct vg_spool *sp, char *err, size_t errlen)
{
	struct seg_header h = { .version = SEG_VERSION, .header_size = (uint32_t)HDR_SIZE, .first_seq = sp->next_seq };
	char name[32];
	struct seg *s;
	int fd;

	memcpy(h.magic, SEG_MAGIC, 8);
	memcpy(h.host_id, sp->host_id, ID_MAX);
	memcpy(h.boot_id, sp->boot_id, ID_MAX);
	h.crc = header_crc(&h);
	seg_name(name, sp->next_seq);
	fd = openat(sp->dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0 || write_all(fd, &h, sizeof(h)) < 0) {
		snprintf(err, errlen, "cannot create %s/%s: %s", sp->o.dir, name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	pthread_mutex_lock(&sp->mu);
	if (sp->nsegs && sp->wfd >= 0 && !sp->segs[sp->nsegs - 1].count) {
		/* an active segment left empty (after a failed write) is replaced, not kept */
		char old[32];

		seg_name(old, sp->segs[sp->nsegs - 1].id);
		if (strcmp(old, name))
			unlinkat(sp->dirfd, old, 0);
		close(sp->wfd);
		drop_seg(sp, sp->nsegs - 1);
	} else if (sp->nsegs) {
		sp->segs[sp->nsegs - 1].sync_fd = sp->wfd;
	}
	s = push_seg(sp);
	s->id = sp->next_seq;
	s->bytes = HDR_SIZE;
	memcpy(s->host_id, sp->host_id, ID_MAX);
	memcpy(s->boot_id, sp->boot_id, ID_MAX);
	sp->total_bytes += HDR_SIZE;
	sp->dir_dirty = true;
	pthread_mutex_unlock(&sp->mu);
	sp->wfd = fd;
	return 0;
}

struct vg_spool *vg_spool_open(const struct vg_spool_opts *o, const char *host_id, const char *boot_id,
			       char *err, size_t errlen)
{
	struct vg_spool *sp;
	bool have_state;
	pthread_condattr_t ca;

	if (strlen(host_id) >= ID_MAX || strlen(boot_id) >= ID_MAX || strchr(host_id, ':')) {
		snprintf(err, errlen, "host id '%s' must be shorter than %d characters, without ':'", host_id, ID_MAX);
		return NULL;
	}
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		abort();
	sp->o = *o;
	sp->dirfd = sp->lockfd = sp->statefd = sp->wfd = sp->rfd = -1;
	snprintf(sp->host_id, ID_MAX, "%s", host_id);
	snprintf(sp->boot_id, ID_MAX, "%s", boot_id);
	pthread_mutex_init(&sp->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sp->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (mkdir_p(o->dir) < 0 || (sp->dirfd = open(o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "cannot use spool directory %s: %s", o->dir, strerror(errno));
		goto fail;
	}
	sp->lockfd = openat(sp->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (sp->lockfd < 0 || flock(sp->lockfd, LOCK_EX | LOCK_NB) < 0) {
		snprintf(err, errlen, "spool %s %s", o->dir,
			 errno == EWOULDBLOCK ? "is in use by another vigil (one spool per sink)" : strerror(errno));
		goto fail;
	}
	sp->statefd = openat(sp->dirfd, "state", O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (sp->statefd < 0) {
		snprintf(err, errlen, "cannot open %s/state: %s", o->dir, strerror(errno));
		goto fail;
	}
	read_state(sp, &have_state);
	if (scan(sp, err, errlen) < 0)
		goto fail;
	/* without a state file every record found is resent (the receiver deduplicates) */
	if (!have_state)
		sp->acked = sp->nsegs ? sp->segs[0].first : 1;
	sp->next_seq = sp->nsegs ? sp->segs[sp->nsegs - 1].last + 1 : 1;
	if (sp->next_seq < sp->acked)
		sp->next_seq = sp->acked;
	for (int i = 0; i < sp->nsegs; i++)
		sp->resumed += seg_pending(sp, &sp->segs[i]);
	sp->read_seq = sp->handed = sp->acked;
	sp->rseg = sp->nsegs ? sp->segs[0].id : sp->next_seq;
	sp->roff = HDR_SIZE;
	if (new_segment(sp, err, errlen) < 0)
		goto fail;
	if (sp->resumed)
		fprintf(stderr, "vigil: spool %s: %llu records from an earlier run to send, from #%llu\n", o->dir,
			(unsigned long long)sp->resumed, (unsigned long long)sp->acked);
	return sp;
fail:
	if (sp->statefd >= 0)
		close(sp->statefd);
	if (sp->lockfd >= 0)
		close(sp->lockfd);
	if (sp->dirfd >= 0)
		close(sp->dirfd);
	free(sp->segs);
	free(sp);
	return NULL;
}

/* ---- producer ---- */

void vg_spool_next_id(const struct vg_spool *sp, char id[VG_SPOOL_ID_LEN])
{
	vg_spool_format_id(id, sp->host_id, sp->boot_id, sp->next_seq);
}

uint64_t vg_spool_append(struct vg_spool *sp, uint64_t ts_ns, const char *key, size_t key_len, const char *data,
			 size_t len)
{
	struct rec_header h = { .len = (uint32_t)(key_len + len), .seq = sp->next_seq, .ts_ns = ts_ns,
				.key_len = (uint16_t)key_len };
	uLong c;

	if (key_len > UINT16_MAX || key_len + len > REC_MAX) {
		pthread_mutex_lock(&sp->mu);
		sp->write_lost++;
		pthread_mutex_unlock(&sp->mu);
		return 0;
	}
	c = crc_add(0, (const Bytef *)&h + 4, REC_HDR - 4);
	c = crc_add(c, key, key_len);
	h.crc = (uint32_t)crc_add(c, data, len);
	vg_buf_put(&sp->batch, &h, sizeof(h));
	vg_buf_put(&sp->batch, key, key_len);
	vg_buf_put(&sp->batch, data, len);
	if (!sp->b_count) {
		sp->b_first = sp->next_seq;
		sp->b_first_ts = ts_ns;
	}
	sp->b_count++;
	sp->next_seq++;
	if (sp->batch.len >= BATCH_MAX)
		vg_spool_commit(sp);
	return h.seq;
}

/* Deletes the oldest segments nobody reads until the files fit the cap; their unresolved
 * records are evicted. Called with mu held; the files are unlinked by the caller. */
static int evict(struct vg_spool *sp, uint64_t *victims, int *sync_fds, int max)
{
	int n = 0;

	while (sp->total_bytes > sp->o.max_bytes && n < max) {
		int i = 0;

		while (i < sp->nsegs - 1 && pinned(sp, &sp->segs[i]) && seg_pending(sp, &sp->segs[i]))
			i++;
		if (i >= sp->nsegs - 1)
			break;
		sp->evicted += seg_pending(sp, &sp->segs[i]);
		victims[n] = sp->segs[i].id;
		sync_fds[n++] = sp->segs[i].sync_fd;
		drop_seg(sp, i);
	}
	return n;
}

uint64_t vg_spool_commit(struct vg_spool *sp)
{
	uint64_t victims[16], lost = 0;
	int sync_fds[16], nv;
	char err[300];
	bool ok;

	if (!sp->b_count)
		return 0;
	if (sp->rotate_next && new_segment(sp, err, sizeof(err)) == 0)
		sp->rotate_next = false;
	ok = write_all(sp->wfd, sp->batch.p, sp->batch.len) == 0;
	pthread_mutex_lock(&sp->mu);
	{
		struct seg *s = &sp->segs[sp->nsegs - 1];

		if (ok) {
			if (!s->count) {
				s->first = sp->b_first;
				s->first_ts = sp->b_first_ts;
			}
			s->last = sp->b_first + sp->b_count - 1;
			s->count += sp->b_count;
			s->bytes += sp->batch.len;
			sp->total_bytes += sp->batch.len;
			sp->appended += sp->b_count;
			sp->dirty = true;
			sp->gen++;
			pthread_cond_broadcast(&sp->cv);
		} else {
			/* the file is cut back to its last whole record; later records go to a new
			 * segment, so that every segment stays one run of sequence numbers */
			(void)!ftruncate(sp->wfd, (off_t)s->bytes);
			sp->write_lost += sp->b_count;
			sp->appended += sp->b_count;
			lost = sp->b_count;
			sp->rotate_next = true;
		}
	}
	nv = evict(sp, victims, sync_fds, 16);
	pthread_mutex_unlock(&sp->mu);
	if (!ok)
		fprintf(stderr, "vigil: spool %s: write failed (%s): %llu records lost\n", sp->o.dir, strerror(errno),
			(unsigned long long)lost);
	for (int i = 0; i < nv; i++) {
		char name[32];

		if (sync_fds[i] >= 0)
			close(sync_fds[i]);
		seg_name(name, victims[i]);
		unlinkat(sp->dirfd, name, 0);
	}
	vg_buf_reset(&sp->batch);
	sp->b_count = 0;
	if (ok && sp->segs[sp->nsegs - 1].bytes >= sp->o.segment_bytes && new_segment(sp, err, sizeof(err)) < 0) {
		fprintf(stderr, "vigil: spool: %s\n", err);
		sp->rotate_next = true;
	}
	return lost;
}

/* ---- consumer ---- */

/* Makes rbuf hold bytes [off, off + need) of segment id (whose committed size is size). */
/* Makes rbuf hold bytes [off, off + need) of segment id (whose committed size is size).
 * -1 with *why set: an I/O error (errno) or a file shorter than committed. */
static int load(struct vg_spool *sp, uint64_t id, uint64_t off, uint64_t need, uint64_t size, const char **why)
{
	size_t want;

	if (sp->rfd_seg != id || sp->rfd < 0) {
		char name[32];

		if (sp->rfd >= 0)
			close(sp->rfd);
		seg_name(name, id);
		sp->rfd = openat(sp->dirfd, name, O_RDONLY | O_CLOEXEC);
		sp->rfd_seg = id;
		sp->rbuf_len = 0;
		if (sp->rfd < 0) {
			*why = strerror(errno);
			return -1;
		}
	}
	if (off >= sp->rbuf_off && off + need <= sp->rbuf_off + sp->rbuf_len)
		return 0;
	want = (size_t)(need > READ_CHUNK ? need : READ_CHUNK);
	if (want > size - off)
		want = (size_t)(size - off);
	if (want < need) {
		*why = "a record longer than the segment";
		return -1;
	}
	if (sp->rbuf_cap < want) {
		sp->rbuf = realloc(sp->rbuf, want);
		if (!sp->rbuf)
			abort();
		sp->rbuf_cap = want;
	}
	sp->rbuf_len = 0;
	errno = 0;
	if (pread_all(sp->rfd, sp->rbuf, want, off) < 0) {
		*why = errno ? strerror(errno) : "the file is shorter than what was written to it";
		return -1;
	}
	sp->rbuf_off = off;
	sp->rbuf_len = want;
	return 0;
}

/* The record at off in segment id (committed up to size), checked: its header copied into
 * h (records are not aligned in the buffer), its payload returned; NULL with *why set when
 * it is unreadable. */
static const char *record_at(struct vg_spool *sp, uint64_t id, uint64_t off, uint64_t size, struct rec_header *h,
			     const char **why)
{
	const char *p;

	if (load(sp, id, off, REC_HDR, size, why) < 0)
		return NULL;
	memcpy(h, sp->rbuf + (off - sp->rbuf_off), sizeof(*h));
	*why = "a bad record header";
	if (h->len > REC_MAX || h->key_len > h->len || load(sp, id, off, REC_HDR + h->len, size, why) < 0)
		return NULL;
	p = sp->rbuf + (off - sp->rbuf_off) + REC_HDR; /* load may have moved the buffer */
	*why = "a CRC mismatch";
	return record_crc(h, p, h->len) == h->crc ? p : NULL;
}

int vg_spool_read(struct vg_spool *sp, struct vg_spool_rec *rec)
{
	pthread_mutex_lock(&sp->mu);
	for (;;) {
		int i = seg_index(sp, sp->rseg);
		struct rec_header h;
		const char *payload, *why = "";
		uint64_t id, off, size, last;

		if (i < 0) { /* resolved and deleted meanwhile: the first one after it */
			for (i = 0; i < sp->nsegs && sp->segs[i].id < sp->rseg; i++)
				;
			if (i == sp->nsegs)
				break;
			sp->rseg = sp->segs[i].id;
			sp->roff = HDR_SIZE;
		}
		if (sp->roff >= sp->segs[i].bytes) {
			if (i == sp->nsegs - 1)
				break;
			sp->rseg = sp->segs[i + 1].id;
			sp->roff = HDR_SIZE;
			continue;
		}
		id = sp->rseg;
		off = sp->roff;
		size = sp->segs[i].bytes;
		last = sp->segs[i].last; /* the last record within size */
		memcpy(sp->rec_host, sp->segs[i].host_id, ID_MAX);
		memcpy(sp->rec_boot, sp->segs[i].boot_id, ID_MAX);
		pthread_mutex_unlock(&sp->mu);
		payload = record_at(sp, id, off, size, &h, &why);
		if (!payload && sp->rfd >= 0) { /* once more from a fresh descriptor and buffer */
			close(sp->rfd);
			sp->rfd = -1;
			payload = record_at(sp, id, off, size, &h, &why);
		}
		pthread_mutex_lock(&sp->mu);
		if (seg_index(sp, id) < 0) /* evicted meanwhile: its records are counted lost */
			continue;
		if (!payload) {
			if (last >= sp->read_seq) { /* what it held up to size is skipped, counted once */
				sp->damaged += last - sp->read_seq + 1;
				sp->read_seq = last + 1;
				if (sp->read_seq > sp->handed)
					sp->handed = sp->read_seq;
			}
			sp->torn_bytes += size - off;
			sp->roff = size;
			if (sp->damaged_seg != id)
				fprintf(stderr, "vigil: spool %s: segment %llu unreadable at offset %llu (%s); skipping what it "
						"held then\n", sp->o.dir, (unsigned long long)id, (unsigned long long)off, why);
			sp->damaged_seg = id;
			continue;
		}
		sp->roff = off + REC_HDR + h.len;
		if (h.seq < sp->read_seq) /* resolved already (after an open or a rewind) */
			continue;
		sp->read_seq = h.seq + 1;
		sp->last_read_ts = h.ts_ns;
		if (sp->read_seq > sp->handed)
			sp->handed = sp->read_seq;
		pthread_mutex_unlock(&sp->mu);
		*rec = (struct vg_spool_rec){ .seq = h.seq, .ts_ns = h.ts_ns, .key = payload, .key_len = h.key_len,
					      .data = payload + h.key_len, .len = h.len - h.key_len,
					      .host_id = sp->rec_host, .boot_id = sp->rec_boot };
		return 1;
	}
	pthread_mutex_unlock(&sp->mu);
	return 0;
}

void vg_spool_wait(struct vg_spool *sp, int timeout_ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&sp->mu);
	while (!sp->woken && sp->gen == sp->seen_gen)
		if (pthread_cond_timedwait(&sp->cv, &sp->mu, &ts) == ETIMEDOUT)
			break;
	sp->seen_gen = sp->gen;
	sp->woken = false;
	pthread_mutex_unlock(&sp->mu);
}

void vg_spool_wake(struct vg_spool *sp)
{
	pthread_mutex_lock(&sp->mu);
	sp->woken = true;
	pthread_cond_broadcast(&sp->cv);
	pthread_mutex_unlock(&sp->mu);
}

void vg_spool_rewind(struct vg_spool *sp, uint64_t seq)
{
	pthread_mutex_lock(&sp->mu);
	if (seq < sp->acked)
		seq = sp->acked;
	if (seq < sp->read_seq) {
		int i = 0;

		while (i < sp->nsegs - 1 && (!sp->segs[i].count || sp->segs[i].last < seq))
			i++;
		sp->read_seq = seq;
		sp->rseg = sp->segs[i].id;
		sp->roff = HDR_SIZE;
	}
	pthread_mutex_unlock(&sp->mu);
}

void vg_spool_ack(struct vg_spool *sp, uint64_t seq, uint64_t oldest_ts_ns)
{
	pthread_mutex_lock(&sp->mu);
	if (seq == UINT64_MAX) /* everything read, after any rewind */
		seq = sp->read_seq;
	if (seq > sp->handed)
		seq = sp->handed;
	if (seq > sp->acked)
		sp->acked = seq;
	sp->oldest_inflight_ts = oldest_ts_ns;
	pthread_mutex_unlock(&sp->mu);
}

uint64_t vg_spool_read_seq(struct vg_spool *sp)
{
	uint64_t s;

	pthread_mutex_lock(&sp->mu);
	s = sp->read_seq;
	pthread_mutex_unlock(&sp->mu);
	return s;
}

void vg_spool_maintain(struct vg_spool *sp, uint64_t now_ns)
{
	uint64_t gone[64], acked = 0;
	int fds[64], ngone = 0, nfds = 0, active = -1;
	bool state = false, dir = false;

	pthread_mutex_lock(&sp->mu);
	for (int i = 0; i < sp->nsegs - 1 && ngone < 64;) {
		struct seg *s = &sp->segs[i];

		if (s->id != sp->rseg && (!s->count || s->last < sp->acked)) {
			gone[ngone++] = s->id;
			if (s->sync_fd >= 0)
				close(s->sync_fd);
			drop_seg(sp, i);
			continue;
		}
		if (s->sync_fd >= 0 && nfds < 64) {
			fds[nfds++] = s->sync_fd;
			s->sync_fd = -1;
		}
		i++;
	}
	if (sp->acked != sp->acked_persisted) {
		state = true;
		acked = sp->acked;
	}
	if (sp->dirty && (now_ns - sp->last_sync_ns >= sp->o.fsync_ns || now_ns == UINT64_MAX)) {
		active = dup(sp->wfd);
		sp->dirty = false;
		sp->last_sync_ns = now_ns;
	}
	dir = sp->dir_dirty || ngone;
	sp->dir_dirty = false;
	pthread_mutex_unlock(&sp->mu);
	for (int i = 0; i < nfds; i++) {
		fdatasync(fds[i]);
		close(fds[i]);
	}
	if (active >= 0) {
		fdatasync(active);
		close(active);
	}
	/* the ack reaches the state file before the segments it resolves are unlinked */
	if (state && write_state(sp, acked) == 0) {
		pthread_mutex_lock(&sp->mu);
		sp->acked_persisted = acked;
		pthread_mutex_unlock(&sp->mu);
	}
	for (int i = 0; i < ngone; i++) {
		char name[32];

		seg_name(name, gone[i]);
		unlinkat(sp->dirfd, name, 0);
	}
	if (dir)
		fsync(sp->dirfd);
}

void vg_spool_stats(struct vg_spool *sp, struct vg_spool_stats *st)
{
	pthread_mutex_lock(&sp->mu);
	*st = (struct vg_spool_stats){ .appended = sp->appended, .resumed = sp->resumed, .bytes = sp->total_bytes,
				       .segments = (uint64_t)sp->nsegs, .evicted = sp->evicted,
				       .write_lost = sp->write_lost, .damaged = sp->damaged,
				       .torn_bytes = sp->torn_bytes };
	for (int i = 0; i < sp->nsegs; i++) {
		const struct seg *g = &sp->segs[i];

		st->pending += seg_pending(sp, g);
		/* the oldest unresolved record: in flight (the consumer knows its time), else the
		 * next one to read, which follows the last one read or starts its segment */
		if (!st->oldest_ts_ns && g->count && g->last >= sp->read_seq)
			st->oldest_ts_ns = g->first < sp->read_seq ? sp->last_read_ts : g->first_ts;
	}
	if (sp->oldest_inflight_ts && st->pending)
		st->oldest_ts_ns = sp->oldest_inflight_ts;
	if (!st->pending)
		st->oldest_ts_ns = 0;
	pthread_mutex_unlock(&sp->mu);
}

void vg_spool_close(struct vg_spool *sp)
{
	if (!sp)
		return;
	vg_spool_commit(sp);
	vg_spool_maintain(sp, UINT64_MAX);
	pthread_mutex_lock(&sp->mu);
	for (int i = 0; i < sp->nsegs; i++)
		if (sp->segs[i].sync_fd >= 0)
			close(sp->segs[i].sync_fd);
	pthread_mutex_unlock(&sp->mu);
	/* an active segment that stayed empty is not left behind */
	if (sp->nsegs && !sp->segs[sp->nsegs - 1].count) {
		char name[32];

		seg_name(name, sp->segs[sp->nsegs - 1].id);
		unlinkat(sp->dirfd, name, 0);
	}
	if (sp->wfd >= 0)
		close(sp->wfd);
	if (sp->rfd >= 0)
		close(sp->rfd);
	close(sp->statefd);
	close(sp->lockfd);
	close(sp->dirfd);
	vg_buf_free(&sp->batch);
	free(sp->rbuf);
	free(sp->segs);
	pthread_mutex_destroy(&sp->mu);
	pthread_cond_destroy(&sp->cv);
	free(sp);
}
