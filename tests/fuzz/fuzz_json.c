/* fuzz_json.c — libFuzzer harness for the JSON and text writers, with two oracles:
 * - vg_json_str on the raw input is one valid JSON string which, JSON-decoded and then
 *   unescaped by vigil's one rule (README: \\ is a backslash of the data, \xNN a byte that
 *   is not UTF-8), gives back exactly the input: nothing lost, nothing ambiguous;
 * - vg_text_str on the raw input is valid UTF-8 with no control character or DEL left, so
 *   a value can neither break a line nor fake one;
 * - an event whose process strings, header and fields come from the input (any field of
 *   the registry, any value of its type) is written by vg_json_event as one valid JSON
 *   object, and by vg_text_event without a byte ASan objects to. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "decode/decode.h"
#include "jsoncheck.h"
#include "output/json.h"
#include "output/text.h"
#include "records.h"

static struct vg_proctable *pt;
static size_t nfields;
static struct vg_event exec_ev, ev;
static struct fuzz_record rec;
static struct vg_hdr hdr;
static struct vg_buf out;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	pt = vg_proctable_new(64);
	while (vg_field_at(nfields))
		nfields++;
	return 0;
}

/* The input, consumed from the front; zeros once it runs out. */
struct input {
	const uint8_t *p;
	size_t left;
};

static const uint8_t *take(struct input *in, size_t n)
{
	static const uint8_t zeros[256]; /* more than any take() */
	const uint8_t *p = in->p;

	if (in->left < n)
		return zeros;
	in->p += n;
	in->left -= n;
	return p;
}

static unsigned byte(struct input *in)
{
	return *take(in, 1);
}

/* A chunk: a length byte, then that many bytes (fewer when the input ends). */
static const uint8_t *chunk(struct input *in, size_t *len)
{
	const uint8_t *p;

	*len = byte(in);
	if (*len > in->left)
		*len = in->left;
	p = in->p;
	take(in, *len);
	return p;
}

static void unescape_matches(const uint8_t *data, size_t size)
{
	unsigned char *dec = malloc(size * 6 + 8), *raw = malloc(size + 1);
	long n;
	size_t k = 0;

	if (!dec || !raw)
		abort();
	vg_buf_reset(&out);
	vg_json_str(&out, (const char *)data, size);
	n = json_string_decode(out.p, out.len, dec, size * 6 + 8);
	if (n < 0)
		abort(); /* not one valid JSON string */
	for (long i = 0; i < n; k++) {
		int hi, lo;

		if (dec[i] != '\\') {
			raw[k] = dec[i++];
			continue;
		}
		if (i + 1 < n && dec[i + 1] == '\\') {
			raw[k] = '\\';
			i += 2;
		} else if (i + 3 < n && dec[i + 1] == 'x' && (hi = j_hex(dec[i + 2])) >= 0 && (lo = j_hex(dec[i + 3])) >= 0) {
			raw[k] = (unsigned char)(hi << 4 | lo);
			i += 4;
		} else {
			abort(); /* a backslash that is no escape: the text would be ambiguous */
		}
		if (k > size)
			abort();
	}
	if (k != size || memcmp(raw, data, size) != 0)
		abort(); /* the bytes did not come back */
	free(dec);
	free(raw);
}

/* The process: an exec record whose strings come from the input. */
static struct vg_proc *fuzzed_process(struct input *in)
{
	struct vg_exec *e = record_begin(&rec, VG_EV_EXEC, sizeof(*e), FUZZ_PID_BASE + 1, FUZZ_PID_BASE);
	struct vg_str *strs[] = { &e->exe, &e->argv, &e->env, &e->cwd, &e->tty, &e->cgroup, &e->nodename,
				  &e->fd[0].path, &e->fd[1].path };
	size_t len;
	const uint8_t *p;

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		p = chunk(in, &len);
		record_str(&rec, strs[i], p, len);
	}
	e->fd[0].kind = (uint8_t)(byte(in) % (VG_FD_OTHER + 2));
	e->fd[1].kind = (uint8_t)(byte(in) % (VG_FD_OTHER + 2));
	rec.h.uid = rec.h.euid = byte(in);
	memcpy(rec.h.comm, take(in, sizeof(rec.h.comm)), sizeof(rec.h.comm));
	if (vg_decode(pt, &rec, rec.h.size, &exec_ev) != 0)
		abort();
	return exec_ev.proc;
}

static void fuzzed_fields(struct input *in)
{
	int n = (int)(byte(in) % (VG_MAX_FIELDS + 1));

	ev.nfields = 0;
	for (int i = 0; i < n && nfields; i++) {
		const struct vg_field *f = vg_field_at(byte(in) % nfields);
		struct vg_value v = { .type = f->type };
		size_t len;

		switch (f->type) {
		case VG_V_STR:
		case VG_V_LIST:
			v.str.ptr = (const char *)chunk(in, &len);
			v.str.len = len;
			break;
		case VG_V_INT:
			memcpy(&v.i, take(in, sizeof(v.i)), sizeof(v.i));
			break;
		case VG_V_BOOL:
			v.b = byte(in) & 1;
			break;
		case VG_V_IP:
			v.ip.family = (uint8_t)byte(in);
			memcpy(v.ip.addr, take(in, sizeof(v.ip.addr)), sizeof(v.ip.addr));
			break;
		}
		vg_event_add(&ev, f, v);
	}
}

static void text_is_one_clean_line(const uint8_t *data, size_t size)
{
	struct jreader r;

	vg_buf_reset(&out);
	vg_text_str(&out, (const char *)data, size, size & 1);
	r = (struct jreader){ (const unsigned char *)out.p, (const unsigned char *)out.p + out.len, NULL, 0, 0, 0 };
	while (r.p < r.end)
		if (*r.p < 0x20 || *r.p == 0x7f || !j_utf8(&r))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };

	unescape_matches(data, size);
	text_is_one_clean_line(data, size);
	ev.proc = fuzzed_process(&in);
	ev.pt = byte(&in) & 1 ? pt : NULL; /* ancestors from the table, or none as in a bare event */
	memcpy(&hdr, take(&in, sizeof(hdr)), sizeof(hdr));
	hdr.type %= VG_EV__COUNT;
	ev.raw = &hdr;
	ev.type = hdr.type;
	memcpy(&ev.ts_ns, take(&in, sizeof(ev.ts_ns)), sizeof(ev.ts_ns));
	fuzzed_fields(&in);
	vg_buf_reset(&out);
	vg_json_event(&out, &ev);
	if (!json_valid(out.p, out.len))
		abort();
	vg_buf_reset(&out);
	vg_text_event(&out, &ev);
	return 0;
}
