/* recording.h — ring-buffer records kept in a file (`vigil run --record FILE`) and read
 * back (`vigil replay FILE`): the one honest way to measure the user-space pipeline apart
 * from whatever generates the load, and seed material for the decoder's fuzzer.
 *
 * The file is a header (magic, version, the recording machine's boot-to-wall clock offset
 * and host name) and then every record as the kernel wrote it, each preceded by its size
 * and padded to 8 bytes. Records are not trusted on the way back: the decoder checks them
 * as it checks the ring's. */
#ifndef VIGIL_RECORDING_H
#define VIGIL_RECORDING_H

#include <stddef.h>
#include <stdint.h>

struct vg_recording;
struct vg_playback;

/* NULL with err set when path cannot be created. */
struct vg_recording *vg_recording_create(const char *path, char *err, size_t errlen);
/* -1 when the write failed (said once on stderr; the recording is then incomplete). */
int vg_recording_write(struct vg_recording *r, const void *data, size_t size);
uint64_t vg_recording_records(const struct vg_recording *r);
void vg_recording_close(struct vg_recording *r);

/* NULL with err set when path is not a readable recording. */
struct vg_playback *vg_playback_open(const char *path, char *err, size_t errlen);
/* The next record, or NULL at the end (or at a torn tail, counted in vg_playback_torn). */
const void *vg_playback_next(struct vg_playback *p, size_t *size);
void vg_playback_rewind(struct vg_playback *p);
uint64_t vg_playback_clock_offset(const struct vg_playback *p);
const char *vg_playback_host(const struct vg_playback *p);
/* Bytes at the end that do not form a whole record (a recording cut by a crash). */
size_t vg_playback_torn(const struct vg_playback *p);
void vg_playback_close(struct vg_playback *p);

#endif
