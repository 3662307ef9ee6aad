/* fuzz_decode.c — libFuzzer harness for the record decoder: any bytes as a ring record,
 * with any sizes and offsets (vg_decode must not trust the kernel's bounds), against one
 * process table that lives across inputs like the agent's, so that exec, fork and exit
 * sequences build and evict state. Decoded events are written as JSON and text, which
 * reads every string the decoder produced. Two fix-ups keep the search useful and the
 * runs reproducible: the type is reduced to the catalogue (plus one past it), and pids are
 * moved above pid_max so that nothing is read from /proc. The size field is left as sent
 * when bit 15 of the flags is set (no vigil flag uses it), else made honest. The record is
 * copied into a heap block of exactly its size, so that ASan sees any read past it and any
 * pointer into it kept after the event. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "decode/decode.h"
#include "output/json.h"
#include "output/text.h"
#include "records.h"

static struct vg_proctable *pt;
static struct vg_event ev;
static struct vg_buf out;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	pt = vg_proctable_new(64);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *rec = malloc(size ? size : 1);
	struct vg_hdr *h = (struct vg_hdr *)rec;

	if (!rec || size > VG_MAX_RECORD * 4)
		return free(rec), 0;
	memcpy(rec, data, size);
	if (size >= sizeof(*h)) {
		h->type %= VG_EV__COUNT + 1;
		h->pid = FUZZ_PID_BASE + h->pid % 512;
		h->ppid = FUZZ_PID_BASE + h->ppid % 512;
		if (!(h->flags & 0x8000))
			h->size = (uint32_t)size;
	}
	if (vg_decode(pt, rec, size, &ev) == 0) {
		vg_buf_reset(&out);
		vg_json_event(&out, &ev);
		vg_text_event(&out, &ev);
	}
	free(rec);
	return 0;
}
