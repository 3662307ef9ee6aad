/* rules_bench.c — rule evaluation throughput on one core: loads a rules path, builds a
 * process table of a few realistic trees, and pushes N synthetic exec/connect/open events
 * (fields filled the way the decoders fill them) through vg_rules_eval. Prints events/s
 * by the thread's CPU time (robust on a shared machine) and by wall time.
 *
 * Build (after `make BUILD=build`, linking the same objects as vigil):
 *   cc -O2 -std=gnu11 -Isrc -Ibpf -Ibuild bench/rules_bench.c $(find build/obj -name '*.o' ! -name main.o) -lbpf -lelf -lz -lyaml -lpcre2-8 -lseccomp -ljansson -lm -o build/rules_bench
 * Run:
 *   build/rules_bench [RULES_PATH (default rules)] [N (default 2000000)]
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "decode/fields.h"
#include "proc/proctable.h"
#include "rules/rules.h"

#define NPROCS 64
#define NEVENTS 1024

struct sample {
	struct vg_hdr hdr;
	struct vg_event ev;
};

static struct vg_proc *add_proc(struct vg_proctable *pt, pid_t pid, pid_t ppid, const char *comm,
				const char *exe, const char *argv, size_t argv_len)
{
	struct vg_proc *p = vg_proctable_insert(pt, pid);

	p->ppid = ppid;
	p->sid = ppid;
	p->start_time = (uint64_t)pid * 1000;
	p->uid = pid % 3 ? 1000 : 0;
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	snprintf(p->exec_id, sizeof(p->exec_id), "%llu-%d", (unsigned long long)p->start_time, pid);
	vg_proc_set_str(&p->exe, exe, strlen(exe));
	vg_proc_set_str(&p->cwd, "/home/user", 10);
	vg_proc_set_argv(p, argv, argv_len);
	p->container.in_host = pid % 4 != 0;
	if (!p->container.in_host)
		snprintf(p->container.id, sizeof(p->container.id), "4f2a9c01b3d7");
	return p;
}

/* systemd -> {sshd -> bash, nginx, containerd-shim} -> ordinary workers and tools */
static void build_procs(struct vg_proctable *pt, struct vg_proc **procs)
{
	static const struct {
		const char *comm, *exe;
		const char argv[64];
		size_t len;
	} kinds[] = {
		{ "python3", "/usr/bin/python3", "python3\0/srv/app.py\0--port\0" "8000", 31 },
		{ "curl", "/usr/bin/curl", "curl\0-s\0https://api.example.com/v1", 37 },
		{ "ls", "/usr/bin/ls", "ls\0-la\0/var/log", 17 },
		{ "git", "/usr/bin/git", "git\0status", 11 },
		{ "node", "/usr/bin/node", "node\0server.js", 15 },
		{ "bash", "/usr/bin/bash", "bash\0-c\0make -j4", 17 },
		{ "cat", "/usr/bin/cat", "cat\0/etc/hosts", 15 },
		{ "java", "/usr/lib/jvm/bin/java", "java\0-jar\0app.jar", 18 },
	};
	static const pid_t parents[] = { 100, 200, 300 };

	add_proc(pt, 1, 0, "systemd", "/usr/lib/systemd/systemd", "/sbin/init", 11);
	add_proc(pt, 100, 1, "sshd", "/usr/sbin/sshd", "sshd:\0user@pts/0", 17);
	add_proc(pt, 200, 1, "nginx", "/usr/sbin/nginx", "nginx:\0worker", 14);
	add_proc(pt, 300, 1, "containerd-shim", "/usr/bin/containerd-shim", "containerd-shim", 16);
	for (int i = 0; i < NPROCS; i++) {
		int k = i % (int)(sizeof(kinds) / sizeof(kinds[0]));

		procs[i] = add_proc(pt, 1000 + i, parents[i % 3], kinds[k].comm, kinds[k].exe, kinds[k].argv,
				    kinds[k].len);
		procs[i]->tty[0] = i % 5 == 0 ? 'p' : 0;
	}
}

static void add_field(struct vg_event *ev, const char *name, struct vg_value v)
{
	const struct vg_field *f = vg_field_find(name);

	if (f)
		vg_event_add(ev, f, v);
}

static void build_events(struct sample *s, struct vg_proc **procs)
{
	static const char *const paths[] = { "/etc/hosts", "/usr/lib/x86_64-linux-gnu/libc.so.6",
		"/proc/self/status", "/home/user/.cache/x", "/etc/ld.so.cache", "/var/log/syslog" };
	static const char *const types[] = { "exec", "connect", "open" };

	for (int i = 0; i < NEVENTS; i++) {
		struct vg_event *ev = &s[i].ev;
		struct vg_proc *p = procs[(i * 7) % NPROCS];
		int ty = vg_event_by_name(types[i % 3]);
		struct vg_value ip = { .type = VG_V_IP };
		const char *path = paths[i % 6];

		memset(&s[i], 0, sizeof(s[i]));
		s[i].hdr.type = (uint16_t)ty;
		s[i].hdr.pid = s[i].hdr.tid = (uint32_t)p->pid;
		s[i].hdr.ppid = (uint32_t)p->ppid;
		s[i].hdr.uid = p->uid;
		ev->raw = &s[i].hdr;
		ev->type = (uint16_t)ty;
		ev->proc = p;
		if (ty == VG_EV_CONNECT) {
			ip.ip.family = 4;
			inet_pton(AF_INET, i % 2 ? "93.184.216.34" : "10.1.2.3", ip.ip.addr);
			add_field(ev, "net.dip", ip);
			add_field(ev, "net.dport", (struct vg_value){ .type = VG_V_INT, .i = i % 2 ? 443 : 5432 });
		} else if (ty == VG_EV_OPEN) {
			add_field(ev, "file.path", (struct vg_value){ .type = VG_V_STR, .str = { path, strlen(path) } });
		}
	}
}

static void count_alert(const struct vg_alert *a, void *ctx)
{
	(*(unsigned long *)ctx)++;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : VG_RULES_DEFAULT_PATH;
	long n = argc > 2 ? atol(argv[2]) : 2000000;
	struct vg_proctable *pt = vg_proctable_new(4096);
	static struct sample samples[NEVENTS];
	struct vg_proc *procs[NPROCS];
	struct vg_rules_errors errs;
	struct vg_ruleset *rs = vg_rules_load(&path, 1, NULL, &errs);
	struct vg_rules_counts c;
	struct vg_rule_info ri;
	struct timespec t0, t1, c0, c1;
	unsigned long alerts = 0, matches = 0, suppressed = 0;
	double secs, cpu;

	for (int i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.msg[i]);
	vg_rules_errors_free(&errs);
	if (!rs || !pt)
		return 1;
	build_procs(pt, procs);
	build_events(samples, procs);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	for (long i = 0; i < n; i++) {
		struct vg_event *ev = &samples[i % NEVENTS].ev;

		ev->ts_ns = 1700000000000000000ull + (uint64_t)i * 1000; /* 1M events/s of wall time */
		vg_rules_eval(rs, ev, pt, count_alert, &alerts);
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
	for (int i = 0; vg_rules_info(rs, i, &ri); i++) {
		matches += ri.matches;
		suppressed += ri.suppressed;
	}
	c = vg_rules_counts(rs);
	printf("rules: %d rules, %d macros, %d lists from %s\n", c.rules, c.macros, c.lists, path);
	/* CPU time is the figure to quote on a shared machine; wall time shows contention */
	printf("%ld events: %.0f events/s on CPU time (%.0f ns/event), %.0f events/s wall; "
	       "%lu alerts, %lu matches, %lu suppressed\n", n, (double)n / cpu, cpu * 1e9 / (double)n,
	       (double)n / secs, alerts, matches, suppressed);
	vg_ruleset_free(rs);
	vg_proctable_free(pt);
	return 0;
}
