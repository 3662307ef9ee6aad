/* fuzz_decode.c — libFuzzer harness for the record decoder: any bytes as a ring record,
 * with any sizes and offsets (vg_decode must not trust the kernel's bounds), against one
 * process table that lives across inputs like the agent's, so that exec, fork and exit
 * sequences build and evict state. Decoded events are written as JSON and text, which
 * reads every string the decoder produced. The record is fixed up and copied by
 * record_from_fuzz (records.h). */
#include <stdint.h>
#include <stdlib.h>
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
	unsigned char *rec = record_from_fuzz(data, size);

	if (!rec)
		return 0;
	if (vg_decode(pt, rec, size, &ev) == 0) {
		vg_buf_reset(&out);
		vg_json_event(&out, &ev);
		vg_text_event(&out, &ev);
	}
	free(rec);
	return 0;
}
