/* spool.h — the disk spool under every network sink: nothing accepted is lost while the
 * receiver is down, and what the byte cap forces out is counted.
 *
 * A spool is a directory of append-only segment files. Each record carries a sequence
 * number (1, 2, ... for the life of the spool, across restarts), its time, a short key
 * (the NATS subject) and its bytes, under a CRC32. Two threads use it:
 *
 *  - the producer (the agent's loop) appends records to a memory batch and commits the
 *    batch once per loop turn with one write(2); a full segment is closed and a new one
 *    begun; past the byte cap the oldest segments nobody is reading are deleted and their
 *    records counted as evicted (lost);
 *  - the consumer (the sink's sender thread) reads records in sequence order, may rewind
 *    to resend, and acks: "everything below seq is resolved" (delivered, or given up and
 *    counted by the sink). The ack is persisted, fsyncs happen in batches on this thread,
 *    and resolved segments are deleted.
 *
 * Segments the consumer has records in flight from (between the ack and its read cursor)
 * are never evicted: their fate is decided by the receiver, so an eviction never counts
 * as lost a record that may still arrive. A restart resumes from the persisted ack; a torn
 * record at the end of a segment (a crash during write) is cut off and its bytes counted.
 * A record's id for deduplication is "host_id:boot_id:seq", with the host and boot of the
 * run that accepted it (kept in its segment's header).
 */
#ifndef VIGIL_SPOOL_H
#define VIGIL_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_spool;

struct vg_spool_opts {
	char dir[256];
	uint64_t max_bytes;     /* the cap on the segment files' total size */
	uint64_t segment_bytes; /* a segment is closed once it holds this much */
	uint64_t fsync_ns;      /* written records are fsync'd at most this long after */
};

struct vg_spool_rec {
	uint64_t seq, ts_ns;
	const char *key, *data; /* valid until the next read */
	size_t key_len, len;
	const char *host_id, *boot_id; /* of the run that accepted the record */
};

struct vg_spool_stats {
	uint64_t appended;   /* records accepted by this process */
	uint64_t resumed;    /* records an earlier run left unresolved, found at open */
	uint64_t pending;    /* records on disk not resolved yet */
	uint64_t bytes;      /* size of the segment files */
	uint64_t segments;
	uint64_t evicted;    /* records deleted unsent to respect the cap (lost) */
	uint64_t write_lost; /* records whose write failed (lost) */
	uint64_t damaged;    /* records in a segment found damaged while reading (lost) */
	uint64_t torn_bytes; /* torn or corrupt bytes cut off at open or skipped on read */
	uint64_t oldest_ts_ns; /* time of the oldest unresolved record, 0 when none */
};

/* The size of a record's id: "host_id:boot_id:seq" and its NUL. */
#define VG_SPOOL_ID_LEN 128

/* Opens (creating) the spool in o->dir and locks it against a second agent. host_id and
 * boot_id name the records this run appends. NULL with err set on failure. */
struct vg_spool *vg_spool_open(const struct vg_spool_opts *o, const char *host_id, const char *boot_id,
			       char *err, size_t errlen);
/* Commits and syncs what is buffered, persists the ack, unlocks. */
void vg_spool_close(struct vg_spool *sp);

/* -- producer -- */
/* The id the next appended record will have. */
void vg_spool_next_id(const struct vg_spool *sp, char id[VG_SPOOL_ID_LEN]);
/* Buffers one record; returns its sequence number. */
uint64_t vg_spool_append(struct vg_spool *sp, uint64_t ts_ns, const char *key, size_t key_len, const char *data,
			 size_t len);
/* Writes the buffered records to the current segment and wakes the consumer; returns how
 * many records were lost to a failed write (0 normally). */
uint64_t vg_spool_commit(struct vg_spool *sp);

/* -- consumer -- */
/* The next record after the read cursor: 1 with rec filled, 0 when there is none yet. */
int vg_spool_read(struct vg_spool *sp, struct vg_spool_rec *rec);
/* Sleeps until a commit, vg_spool_wake or timeout_ms. */
void vg_spool_wait(struct vg_spool *sp, int timeout_ms);
void vg_spool_wake(struct vg_spool *sp);
/* Moves the read cursor back to seq (not below the ack), to resend. */
void vg_spool_rewind(struct vg_spool *sp, uint64_t seq);
/* Everything below seq is resolved; oldest_ts_ns is the time of the oldest record still in
 * flight (0: none). UINT64_MAX resolves everything read so far (up to the read cursor: a
 * rewind takes back what it rewound). */
void vg_spool_ack(struct vg_spool *sp, uint64_t seq, uint64_t oldest_ts_ns);
/* The read cursor: the sequence number the next vg_spool_read returns at the least. */
uint64_t vg_spool_read_seq(struct vg_spool *sp);
/* Consumer housekeeping, a few times a second: fsync what is due, persist the ack, delete
 * resolved segments. */
void vg_spool_maintain(struct vg_spool *sp, uint64_t now_ns);

/* Any thread. */
void vg_spool_stats(struct vg_spool *sp, struct vg_spool_stats *st);
/* "host_id:boot_id:seq" into id. */
void vg_spool_format_id(char id[VG_SPOOL_ID_LEN], const char *host_id, const char *boot_id, uint64_t seq);

#endif
