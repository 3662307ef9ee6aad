/* sink_file.c — the file sink: JSON lines (events, alerts, stats) to a file that rotates
 * by size and by age, keeps the newest N rotated files, gzips them (zlib) on its own
 * thread so that the agent's loop never waits for compression, and is reopened on SIGHUP
 * for logrotate. `--sink file:PATH[;max_size=100M;max_age=1d;keep=5;compress=true]`.
 *
 * A rotation happens between two lines: what is buffered is written first, then the file
 * is renamed PATH.<UTC time> (a new file takes PATH) and, with compress, becomes
 * PATH.<UTC time>.gz once its copy is complete (the compressor takes every rotated file not
 * compressed yet, so a burst of rotations, or a run that stopped before compressing,
 * leaves none behind). Nothing is lost in a rotation, so the
 * counters are the stream's own. The age of a file counts from its creation (statx birth
 * time where the filesystem has it), so restarts do not postpone a daily rotation. */
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
#include <sys/stat.h>
#include <zlib.h>
#include "clock.h"
#include "output/json.h"
#include "output/sink.h"
#include "output/sinkopt.h"
#include "output/stats.h"
#include "output/stream.h"

struct file_opts {
	uint64_t max_size, max_age_ns, keep;
	bool compress;
};

static const struct vg_sinkopt file_options[] = {
	{ "max_size", VG_SO_SIZE, offsetof(struct file_opts, max_size), 0, NULL,
	  "rotate when the file reaches this size (default 100M; 0: never)" },
	{ "max_age", VG_SO_DURATION, offsetof(struct file_opts, max_age_ns), 0, NULL,
	  "rotate when the file is this old (default 0: never)" },
	{ "keep", VG_SO_UINT, offsetof(struct file_opts, keep), 0, NULL, "rotated files kept, the newest (default 5)" },
	{ "compress", VG_SO_BOOL, offsetof(struct file_opts, compress), 0, NULL,
	  "gzip rotated files (default true)" },
	VG_SINKOPT_END,
};

struct file_sink {
	struct file_opts o;
	char path[256];
	char dir[256], base[256]; /* of path: where rotated files go, and their prefix */
	struct vg_stream *st;
	uint64_t born_ns; /* boot-clock time the current file was created */
	uint64_t rotations, compressed, rotate_errors;

	/* the compressor thread: gzips every rotated file not compressed yet, oldest first */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool work, stop;
};

static uint64_t wall_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* When the file at path was created, as a boot-clock time (now when unknown or empty). */
static uint64_t birth_of(const char *path)
{
	struct statx sx;
	uint64_t now = vg_now_boot_ns(), wall = wall_now_ns(), born;

	if (statx(AT_FDCWD, path, 0, STATX_BTIME | STATX_SIZE, &sx) < 0 || !sx.stx_size ||
	    !(sx.stx_mask & STATX_BTIME))
		return now;
	born = (uint64_t)sx.stx_btime.tv_sec * 1000000000ull + sx.stx_btime.tv_nsec;
	return born < wall && wall - born < now ? now - (wall - born) : now;
}

/* A rotated file's name: base + "." + 8 digits + "T": PATH.20260102T030405.123456Z[.gz] */
static bool is_rotated(const struct file_sink *f, const char *name)
{
	size_t n = strlen(f->base);

	if (strncmp(name, f->base, n) || name[n] != '.')
		return false;
	for (int i = 1; i <= 8; i++)
		if (name[n + i] < '0' || name[n + i] > '9')
			return false;
	return name[n + 9] == 'T';
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Deletes the oldest rotated files beyond keep (the names sort by time); with compress,
 * also returns in leftover the oldest one still uncompressed. */
static void prune(struct file_sink *f, char *leftover, size_t len)
{
	DIR *d = opendir(f->dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (leftover)
		leftover[0] = 0;
	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (!is_rotated(f, e->d_name) || (l > 4 && !strcmp(e->d_name + l - 4, ".tmp")))
			continue;
		if (n == cap && !(names = realloc(names, (cap = cap ? 2 * cap : 32) * sizeof(*names))))
			abort();
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		char p[600];
		size_t l = strlen(names[i]);

		snprintf(p, sizeof(p), "%s/%s", f->dir, names[i]);
		if (i + f->o.keep < n) {
			if (unlink(p) < 0)
				fprintf(stderr, "vigil: cannot delete old %s: %s\n", p, strerror(errno));
		} else if (leftover && !leftover[0] && f->o.compress && (l < 3 || strcmp(names[i] + l - 3, ".gz"))) {
			snprintf(leftover, len, "%s", p);
		}
		free(names[i]);
	}
	free(names);
}

/* src -> src.gz through src.gz.tmp, with src's mode, then src is removed. */
static bool gzip_file(const char *src)
{
	char tmp[620], dst[620], buf[1 << 16];
	int in = open(src, O_RDONLY | O_CLOEXEC), out = -1;
	struct stat sb;
	gzFile gz = NULL;
	ssize_t n = 0;
	bool ok;

	snprintf(dst, sizeof(dst), "%s.gz", src);
	snprintf(tmp, sizeof(tmp), "%s.gz.tmp", src);
	if (in >= 0 && fstat(in, &sb) == 0)
		out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, sb.st_mode & 0777);
	if (out < 0 || !(gz = gzdopen(out, "wb6"))) {
		fprintf(stderr, "vigil: cannot compress %s: %s\n", src, strerror(errno));
		if (out >= 0)
			close(out);
		if (in >= 0)
			close(in);
		return false;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (gzwrite(gz, buf, (unsigned)n) != (int)n)
			break;
	ok = n == 0;
	ok &= gzclose(gz) == Z_OK; /* closes out */
	close(in);
	if (ok && rename(tmp, dst) == 0 && unlink(src) == 0)
		return true;
	fprintf(stderr, "vigil: compressing %s failed; it stays uncompressed\n", src);
	unlink(tmp);
	return false;
}

static void *compressor(void *arg)
{
	struct file_sink *f = arg;
	char src[600];
	bool stop;

	do {
		pthread_mutex_lock(&f->mu);
		while (!f->work && !f->stop)
			pthread_cond_wait(&f->cv, &f->mu);
		f->work = false;
		stop = f->stop;
		pthread_mutex_unlock(&f->mu);
		for (prune(f, src, sizeof(src)); src[0]; prune(f, src, sizeof(src))) {
			if (!gzip_file(src))
				break;
			pthread_mutex_lock(&f->mu);
			f->compressed++;
			pthread_mutex_unlock(&f->mu);
		}
	} while (!stop);
	return NULL;
}

static void wake_compressor(struct file_sink *f)
{
	pthread_mutex_lock(&f->mu);
	f->work = true;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

static bool name_taken(const char *p)
{
	char gz[320];
	struct stat sb;

	snprintf(gz, sizeof(gz), "%s.gz", p);
	return lstat(p, &sb) == 0 || lstat(gz, &sb) == 0;
}

static void rotate(struct file_sink *f)
{
	uint64_t wall = wall_now_ns();
	char dst[300];

	vg_stream_flush(f->st);
	/* PATH.YYYYmmddTHHMMSS.uuuuuuZ; a name taken already gets the next microsecond, so
	 * that names keep sorting by time */
	do {
		time_t secs = (time_t)(wall / 1000000000ull);
		struct tm tm;
		char stamp[32];

		gmtime_r(&secs, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
		snprintf(dst, sizeof(dst), "%s.%s.%06lluZ", f->path, stamp, (unsigned long long)(wall / 1000 % 1000000));
		wall += 1000;
	} while (name_taken(dst));
	if (rename(f->path, dst) < 0) {
		if (!f->rotate_errors++)
			fprintf(stderr, "vigil: cannot rotate %s: %s; it keeps growing\n", f->path, strerror(errno));
		f->born_ns = vg_now_boot_ns();
		return;
	}
	vg_stream_reopen(f->st);
	f->born_ns = vg_now_boot_ns();
	f->rotations++;
	if (f->o.compress)
		wake_compressor(f);
	else
		prune(f, NULL, 0);
}

static void maybe_rotate(struct file_sink *f)
{
	if (f->o.max_size && vg_stream_size(f->st) >= f->o.max_size)
		rotate(f);
}

static int file_open(struct vg_sink *s, const char *arg, char *err, size_t errlen)
{
	struct file_sink *f = calloc(1, sizeof(*f));
	char *slash;

	if (!f)
		abort();
	f->o = (struct file_opts){ .max_size = 100u << 20, .keep = 5, .compress = true };
	if (vg_sinkopt_parse(file_options, &f->o, arg, f->path, sizeof(f->path), err, errlen) < 0)
		goto fail;
	if (!f->path[0] || !strcmp(f->path, "-")) {
		snprintf(err, errlen, "the file sink needs a path (file:PATH)");
		goto fail;
	}
	slash = strrchr(f->path, '/');
	snprintf(f->dir, sizeof(f->dir), "%.*s", slash ? (int)(slash - f->path) : 1, slash ? f->path : ".");
	if (!f->dir[0])
		snprintf(f->dir, sizeof(f->dir), "/");
	snprintf(f->base, sizeof(f->base), "%s", slash ? slash + 1 : f->path);
	f->born_ns = birth_of(f->path);
	if (!(f->st = vg_stream_open(f->path, err, errlen)))
		goto fail;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	if (pthread_create(&f->thread, NULL, compressor, f) != 0) {
		snprintf(err, errlen, "cannot start the compressor thread");
		vg_stream_close(f->st);
		goto fail;
	}
	if (f->o.compress)
		wake_compressor(f); /* files an earlier run rotated and did not compress */
	else
		prune(f, NULL, 0);
	s->priv = f;
	return 0;
fail:
	free(f);
	return -1;
}

static void file_event(struct vg_sink *s, const struct vg_event *ev)
{
	struct file_sink *f = s->priv;

	vg_json_event(vg_stream_begin(f->st), ev);
	vg_stream_end(f->st);
	maybe_rotate(f);
}

static void file_alert(struct vg_sink *s, const struct vg_alert *a, const struct vg_verdict *v)
{
	struct file_sink *f = s->priv;

	vg_json_alert(vg_stream_begin(f->st), a, v);
	vg_stream_end(f->st);
	maybe_rotate(f);
}

static void file_stats(struct vg_sink *s, const struct vg_counters *c, const struct vg_stats_extra *x)
{
	struct file_sink *f = s->priv;

	vg_json_stats(vg_stream_begin(f->st), c, x);
	vg_stream_end(f->st);
	maybe_rotate(f);
}

static void file_flush(struct vg_sink *s, uint64_t now_ns)
{
	struct file_sink *f = s->priv;

	vg_stream_flush(f->st);
	if (f->o.max_age_ns && now_ns - f->born_ns >= f->o.max_age_ns && vg_stream_size(f->st))
		rotate(f);
}

static void file_reopen(struct vg_sink *s)
{
	struct file_sink *f = s->priv;

	vg_stream_reopen(f->st);
	f->born_ns = birth_of(f->path);
}

static void file_counters(const struct vg_sink *s, struct vg_sink_counters *c)
{
	vg_stream_counters(((struct file_sink *)s->priv)->st, c);
}

static void file_detail(const struct vg_sink *s, struct vg_buf *b)
{
	struct file_sink *f = s->priv;

	pthread_mutex_lock(&f->mu);
	vg_buf_printf(b, ",\"rotations\":%llu,\"compressed\":%llu", (unsigned long long)f->rotations,
		      (unsigned long long)f->compressed);
	pthread_mutex_unlock(&f->mu);
}

static void file_close(struct vg_sink *s)
{
	struct file_sink *f = s->priv;

	vg_stream_close(f->st);
	pthread_mutex_lock(&f->mu);
	f->stop = true;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->thread, NULL); /* after compressing what is rotated */
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	free(f);
}

const struct vg_sink_type vg_sink_file = {
	.scheme = "file",
	.usage = "file:PATH      JSON lines to a file that rotates (size, age), keeps N, gzips",
	.options = file_options,
	.open = file_open,
	.event = file_event,
	.alert = file_alert,
	.stats = file_stats,
	.flush = file_flush,
	.reopen = file_reopen,
	.counters = file_counters,
	.detail = file_detail,
	.close = file_close,
};
