/* fuzz_store.c — libFuzzer harness for the store's ingest: any bytes as a ring record,
 * decoded against one process table (as fuzz_decode does), then handed to the store sink,
 * which copies the event into a batch on this thread and writes it on its writer thread
 * (processes, files, flows, the event's fields as JSON) into one SQLite file that lives
 * across inputs, with retention holding it small. A batch is handed to the writer every
 * 256 inputs, as the agent hands one every loop turn; a crash, a leak or UB in the copy, the SQL or the row resolution is found here,
 * and so is a failed transaction (the sink's error counter), which would lose a batch: the
 * harness aborts on it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "clock.h"
#include "decode/decode.h"
#include "output/sink.h"
#include "records.h"

static struct vg_proctable *pt;
static struct vg_event ev;
static struct vg_sinks sinks;
static char dir[] = "/dev/shm/vigil-fuzz-store-XXXXXX";

static void cleanup(void)
{
	static const char *const files[] = { "fuzz.db", "fuzz.db-wal", "fuzz.db-shm" };
	char path[64];

	vg_sinks_close(&sinks);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	bool all[VG_EV__COUNT];
	char spec[128], err[256];

	for (unsigned t = 0; t < VG_EV__COUNT; t++)
		all[t] = true;
	if (!mkdtemp(dir) || (snprintf(spec, sizeof(spec), "store:%s/fuzz.db,max-bytes=16M", dir),
			      vg_sinks_add(&sinks, spec, all, all, err, sizeof(err))) != 0) {
		fprintf(stderr, "fuzz_store: cannot open the store: %s\n", err);
		abort();
	}
	atexit(cleanup);
	pt = vg_proctable_new(64);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned inputs;
	unsigned char *rec = record_from_fuzz(data, size);
	struct vg_sink_counters c;

	if (!rec)
		return 0;
	if (vg_decode(pt, rec, size, &ev) == 0)
		vg_sinks_event(&sinks, &ev);
	free(rec);
	if (++inputs % 256)
		return 0;
	vg_sinks_flush(&sinks, vg_now_boot_ns());
	vg_sink_counters(&sinks.sink[0], &c);
	if (c.errors) {
		fprintf(stderr, "fuzz_store: a batch failed to write (see above)\n");
		abort();
	}
	return 0;
}
