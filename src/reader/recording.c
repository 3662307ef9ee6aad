/* recording.c — record files (see recording.h). The reader maps the file, so a replay
 * costs no copy per record. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "clock.h"
#include "host.h"
#include "reader/recording.h"

#define MAGIC "VIGILREC"
#define VERSION 1

struct file_header {
	char magic[8];
	uint32_t version;
	uint32_t header_size;
	uint64_t clock_offset; /* CLOCK_REALTIME - CLOCK_BOOTTIME where it was recorded */
	char host[64];
};

struct vg_recording {
	FILE *f;
	uint64_t records;
	bool failed;
};

struct vg_playback {
	const uint8_t *map;
	size_t len, pos;
	struct file_header h;
};

static size_t padded(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

struct vg_recording *vg_recording_create(const char *path, char *err, size_t errlen)
{
	struct vg_recording *r = calloc(1, sizeof(*r));
	struct file_header h = { .version = VERSION, .header_size = sizeof(h), .clock_offset = vg_clock_offset() };

	if (!r || !(r->f = fopen(path, "w"))) {
		snprintf(err, errlen, "cannot create %s: %s", path, r ? strerror(errno) : "out of memory");
		free(r);
		return NULL;
	}
	setvbuf(r->f, NULL, _IOFBF, 1 << 20);
	memcpy(h.magic, MAGIC, sizeof(h.magic));
	snprintf(h.host, sizeof(h.host), "%s", vg_host_name());
	fwrite(&h, sizeof(h), 1, r->f);
	return r;
}

int vg_recording_write(struct vg_recording *r, const void *data, size_t size)
{
	static const uint8_t zero[8];
	uint64_t len = size;

	if (r->failed)
		return -1;
	if (fwrite(&len, sizeof(len), 1, r->f) != 1 || fwrite(data, size, 1, r->f) != 1 ||
	    fwrite(zero, padded(size) - size, 1, r->f) != (padded(size) > size ? 1u : 0u)) {
		fprintf(stderr, "vigil: --record: writing failed: %s; the recording stops at %llu records\n",
			strerror(errno), (unsigned long long)r->records);
		r->failed = true;
		return -1;
	}
	r->records++;
	return 0;
}

uint64_t vg_recording_records(const struct vg_recording *r)
{
	return r->records;
}

void vg_recording_close(struct vg_recording *r)
{
	if (!r)
		return;
	if (fclose(r->f) != 0 && !r->failed)
		fprintf(stderr, "vigil: --record: closing failed: %s\n", strerror(errno));
	free(r);
}

struct vg_playback *vg_playback_open(const char *path, char *err, size_t errlen)
{
	struct vg_playback *p = calloc(1, sizeof(*p));
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (!p || fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, p ? strerror(errno) : "out of memory");
		goto fail;
	}
	if ((size_t)st.st_size < sizeof(p->h)) {
		snprintf(err, errlen, "%s: not a vigil recording (too short)", path);
		goto fail;
	}
	p->len = (size_t)st.st_size;
	p->map = mmap(NULL, p->len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p->map == MAP_FAILED) {
		snprintf(err, errlen, "cannot map %s: %s", path, strerror(errno));
		goto fail;
	}
	close(fd);
	memcpy(&p->h, p->map, sizeof(p->h));
	p->h.host[sizeof(p->h.host) - 1] = 0;
	if (memcmp(p->h.magic, MAGIC, sizeof(p->h.magic)) != 0 || p->h.version != VERSION ||
	    p->h.header_size != sizeof(p->h)) {
		snprintf(err, errlen, "%s: not a vigil recording of version %d", path, VERSION);
		munmap((void *)p->map, p->len);
		free(p);
		return NULL;
	}
	p->pos = sizeof(p->h);
	return p;
fail:
	if (fd >= 0)
		close(fd);
	free(p);
	return NULL;
}

const void *vg_playback_next(struct vg_playback *p, size_t *size)
{
	uint64_t len;
	const void *rec;

	if (p->len - p->pos < sizeof(len))
		return NULL;
	memcpy(&len, p->map + p->pos, sizeof(len));
	if (len > p->len - p->pos - sizeof(len))
		return NULL;
	rec = p->map + p->pos + sizeof(len);
	*size = (size_t)len;
	p->pos += sizeof(len) + padded((size_t)len);
	if (p->pos > p->len)
		p->pos = p->len;
	return rec;
}

void vg_playback_rewind(struct vg_playback *p)
{
	p->pos = sizeof(p->h);
}

uint64_t vg_playback_clock_offset(const struct vg_playback *p)
{
	return p->h.clock_offset;
}

const char *vg_playback_host(const struct vg_playback *p)
{
	return p->h.host;
}

size_t vg_playback_torn(const struct vg_playback *p)
{
	return p->len - p->pos;
}

void vg_playback_close(struct vg_playback *p)
{
	if (!p)
		return;
	munmap((void *)p->map, p->len);
	free(p);
}
