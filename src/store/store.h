/* store.h — the evidence store: one SQLite file (WAL) holding every event the agent
 * received, the processes, files and flows they involve, the alerts and the incidents
 * that group them (docs/evidence.md has the schema and the queries).
 *
 * The agent writes it through the `store` sink (ingest.c: batches, a writer thread, one
 * transaction per batch); everything else reads it: `vigil incidents`, `vigil show`,
 * `vigil query`, the attack-path renderers and the UI. Readers open it read-only and may
 * run while the agent writes (WAL lets them). The file's layout is changed only through
 * src/store/ (schema.c owns the schema version and its migrations).
 */
#ifndef VIGIL_STORE_H
#define VIGIL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_STORE_DEFAULT_PATH "/var/lib/vigil/vigil.db"

/* How long alerts keep joining the incident they belong to after its last alert, and
 * how long an incident counts as open: 30 minutes unless the agent is told otherwise
 * (the agent records its window in the file, so readers agree with it). */
#define VG_INCIDENT_WINDOW_NS (30ull * 60 * 1000000000ull)

struct vg_store;
struct sqlite3;

enum vg_store_mode {
	VG_STORE_READ,  /* queries; fails when the file does not exist */
	VG_STORE_WRITE, /* the agent: creates the file (and its directory), migrates the schema */
};

/* NULL with err set ("PATH: why") when the file cannot be opened or has a schema this
 * build does not know. */
struct vg_store *vg_store_open(const char *path, enum vg_store_mode mode, char *err, size_t errlen);
void vg_store_close(struct vg_store *st);
/* The connection, for the modules that query it (src/store, src/incident). */
struct sqlite3 *vg_store_db(struct vg_store *st);
const char *vg_store_path(const struct vg_store *st);
/* The incident window the writing agent uses (VG_INCIDENT_WINDOW_NS when none said). */
uint64_t vg_store_window_ns(struct vg_store *st);
/* Wall-clock now, ns: "open" incidents and --since are relative to it. */
uint64_t vg_store_now_ns(void);

/* "2026-12-01T10:00:00Z" (also with fractional seconds or a +hh:mm offset), "1700000000"
 * (epoch seconds), or an age before now: "90s", "15m", "2h", "7d". 0 with err set when it
 * is none of those. */
uint64_t vg_store_parse_time(const char *s, char *err, size_t errlen);
/* What `--store PATH[,OPTION=VALUE...]` says, for the agent's store sink and for
 * `vigil collect --store`: max-bytes=SIZE and max-age=DURATION (retention.h; defaults 1G
 * and 7d), window=DURATION (the incident window; 30m), queue=SIZE (the agent's writer
 * backlog, 64M; only where with_queue). */
struct vg_store_spec {
	const char *path;
	uint64_t max_bytes, max_age_ns, window_ns, queue_bytes;
};
/* Parses spec in place into out (defaults for what it does not say); -1 with err set. */
int vg_store_spec_parse(char *spec, bool with_queue, struct vg_store_spec *out, char *err, size_t errlen);

/* "512M", "2G", "1000000" (bytes); 0 with err set when malformed. */
uint64_t vg_store_parse_bytes(const char *s, char *err, size_t errlen);
/* "30m", "7d", "3600" (seconds): a duration in ns; 0 with err set when malformed. */
uint64_t vg_store_parse_duration(const char *s, char *err, size_t errlen);

#endif
