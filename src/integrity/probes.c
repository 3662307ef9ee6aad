/* probes.c — probe_events: probes defined through tracefs (kprobe, uprobe and eprobe
 * events in dynamic_events, or kprobe_events and uprobe_events on kernels without it) and
 * the kernel's own list of registered kprobes (debugfs kprobes/list, which also shows the
 * ones modules and BPF attach). Each is a finding; rules/integrity.yaml excepts the probes
 * of known tracing tools. vigil attaches its uprobes through perf events, which tracefs
 * does not list (they are BPF links: see bpf_programs). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "integrity/internal.h"

struct probes {
	char files[3][128]; /* the lists read, "" when absent */
};

static const char *const tracefs_dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

static bool prepare(const struct vg_integrity_opts *o, void **state, char *why, size_t len)
{
	struct probes *p = calloc(1, sizeof(*p));
	size_t n = 0, used = 0;
	FILE *f;

	if (!p) {
		snprintf(why, len, "out of memory");
		return false;
	}
	for (size_t d = 0; d < sizeof(tracefs_dirs) / sizeof(tracefs_dirs[0]) && !n; d++) {
		static const char *const names[] = { "dynamic_events", "kprobe_events", "uprobe_events" };

		for (size_t i = 0; i < 3; i++) {
			snprintf(p->files[n], sizeof(p->files[n]), "%s/%s", tracefs_dirs[d], names[i]);
			if (access(p->files[n], R_OK) == 0) {
				n++;
				if (i == 0)
					break; /* dynamic_events lists both */
			}
		}
	}
	snprintf(p->files[n], sizeof(p->files[n]), "/sys/kernel/debug/kprobes/list");
	if ((f = fopen(p->files[n], "re"))) {
		fclose(f);
		n++;
	}
	for (size_t i = n; i < 3; i++)
		p->files[i][0] = 0;
	if (!n) {
		snprintf(why, len, "neither tracefs's probe lists nor debugfs kprobes/list is readable here: %s", strerror(errno));
		free(p);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(why + used, used < len ? len - used : 0, "%s%s", i ? ", " : "reads ", p->files[i]);
	if (access("/sys/kernel/debug/kprobes/list", F_OK) != 0)
		snprintf(why + used, used < len ? len - used : 0, " (no kprobes list: the kernel has no kprobes or debugfs is not mounted)");
	*state = p;
	return true;
}

/* A tracefs definition "p:GROUP/NAME TARGET ..." or a kprobes/list line "ADDR k SYMBOL+OFF [FLAGS]". */
static void report_line(struct vg_reporter *r, const char *file, const char *line)
{
	char subject[256];
	bool kprobes_list = strstr(file, "kprobes/list") != NULL;

	if (kprobes_list) {
		unsigned long long addr;
		char kind, where[200];

		if (sscanf(line, "%llx %c %199s", &addr, &kind, where) != 3)
			return;
		snprintf(subject, sizeof(subject), "%s", where);
	} else {
		const char *colon = strchr(line, ':');

		snprintf(subject, sizeof(subject), "%.*s", (int)strcspn(colon ? colon + 1 : line, " \t"),
			 colon ? colon + 1 : line);
	}
	vg_report(r, &(struct vg_finding){ .finding = kprobes_list ? "kprobe" : "probe", .subject = subject,
					   .detail = line, .id = -1 });
}

static void run(void *state, struct vg_reporter *r)
{
	struct probes *p = state;
	char line[1024];

	for (size_t i = 0; i < 3 && p->files[i][0]; i++) {
		FILE *f = fopen(p->files[i], "re");

		while (f && fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = 0;
			if (line[0])
				report_line(r, p->files[i], line);
		}
		if (f)
			fclose(f);
	}
}

static void release(void *state)
{
	free(state);
}

const struct vg_check vg_check_probe_events = { prepare, run, release };
