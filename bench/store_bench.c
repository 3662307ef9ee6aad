/* store_bench.c — the store sink's lossless ingest rate: synthetic decoded events (the mix
 * of a busy host: file cycles of create, open, rename, unlink as bench.py's flood makes
 * them, execs with their forks and exits, connects) pushed through the real `store`
 * sink at increasing paced rates, with a flush every 20 ms as the agent's loop does, then
 * flat out. A step is lossless when the sink lost nothing and its writer had drained
 * its backlog within half a second of the step's end (it keeps up, rather than filling
 * its queue). Reports, per step, the agent thread's CPU per event (what the store costs
 * the sensor's loop) and the writer thread's CPU, as one JSON object on stdout.
 *
 * Built by the Makefile (BUILD/bench/store_bench); bench.py runs it. Usage:
 *   store_bench DB_PATH [--smoke]
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "decode/fields.h"
#include "output/sink.h"
#include "proc/proctable.h"

#define NPROCS 64

struct sample {
	struct vg_hdr hdr;
	struct vg_event_buf buf;
};

static struct vg_proctable *pt;
static struct vg_proc *procs[NPROCS];
static uint64_t seq, cycle;

static uint64_t ns_of(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void build_procs(void)
{
	static const char *const exes[] = { "/usr/bin/python3", "/usr/bin/bash", "/usr/bin/curl", "/usr/sbin/nginx" };

	for (int i = 0; i < NPROCS; i++) {
		struct vg_proc *p = vg_proctable_insert(pt, 5000 + i);

		p->ppid = i ? 5000 + (i - 1) / 4 : 1;
		p->sid = 5000;
		p->start_time = (uint64_t)(i + 1) * 1000000;
		snprintf(p->comm, sizeof(p->comm), "w%d", i);
		snprintf(p->exec_id, sizeof(p->exec_id), "%llu-%d", (unsigned long long)p->start_time, 5000 + i);
		vg_proc_set_str(&p->exe, exes[i % 4], strlen(exes[i % 4]));
		vg_proc_set_str(&p->cwd, "/srv", 4);
		vg_proc_set_argv(p, "worker\0--serve", 14);
		procs[i] = p;
	}
}

/* The field of that name, looked up once (the registry is a list). */
static const struct vg_field *field(const char *name)
{
	static struct {
		const char *name;
		const struct vg_field *f;
	} cache[32];

	for (int i = 0; i < 32; i++) {
		if (cache[i].name == name)
			return cache[i].f;
		if (!cache[i].name) {
			cache[i].name = name;
			return cache[i].f = vg_field_find(name);
		}
	}
	return vg_field_find(name);
}

static void field_str(struct vg_event *ev, const char *name, const char *s)
{
	const struct vg_field *f = field(name);

	if (f)
		vg_event_add_str(ev, f, s, strlen(s));
}

static void field_int(struct vg_event *ev, const char *name, int64_t v)
{
	const struct vg_field *f = field(name);

	if (f)
		vg_event_add_int(ev, f, v);
}

/* The short-lived process of the current spawn cycle: forked, exec'd, exited. */
static struct vg_proc *child;

static struct vg_proc *spawn(struct vg_proc *parent, uint64_t n)
{
	pid_t pid = 100000 + (pid_t)(n % 30000);
	struct vg_proc *p = vg_proctable_insert(pt, pid);

	vg_proc_inherit(p, parent);
	p->ppid = parent->pid;
	p->start_time = p->exec_time = vg_now_boot_ns();
	snprintf(p->exec_id, sizeof(p->exec_id), "%llu-%d", (unsigned long long)p->start_time, pid);
	snprintf(p->parent_exec_id, sizeof(p->parent_exec_id), "%s", parent->exec_id);
	return p;
}

/* Event i of the mix into s: out of every 10, 6 of a file cycle (create_file, open for
 * writing, rename, unlink, and two reads), a fork, the child's exec and exit, and a
 * connect. */
static struct vg_event *make(struct sample *s, uint64_t i)
{
	static const int kinds[10] = { VG_EV_CREATE, VG_EV_OPEN, VG_EV_RENAME, VG_EV_UNLINK, VG_EV_OPEN, VG_EV_OPEN,
				       VG_EV_FORK, VG_EV_EXEC, VG_EV_EXIT, VG_EV_CONNECT };
	struct vg_event *ev = vg_event_buf_init(&s->buf);
	int kind = kinds[i % 10];
	struct vg_proc *p = procs[i % NPROCS];
	/* a field's string is referenced, not copied: it must outlive the sink call */
	static const char path[] = "/srv/spool/bench.tmp", other[] = "/srv/spool/bench.done";

	if (i % 10 == 0)
		cycle++;
	if (kind == VG_EV_FORK)
		child = spawn(p, cycle);
	if ((kind == VG_EV_EXEC || kind == VG_EV_EXIT) && child)
		p = child;
	memset(&s->hdr, 0, sizeof(s->hdr));
	s->hdr.type = (uint16_t)kind;
	s->hdr.seq = ++seq;
	s->hdr.cpu = (uint32_t)(i & 1);
	s->hdr.pid = s->hdr.tid = (uint32_t)p->pid;
	s->hdr.start_time = p->start_time;
	s->hdr.size = sizeof(s->hdr);
	ev->raw = &s->hdr;
	ev->type = (uint16_t)kind;
	ev->ts_ns = vg_boot_to_wall(vg_now_boot_ns());
	ev->proc = p;
	ev->pt = pt;
	switch (kind) {
	case VG_EV_CREATE:
		field_str(ev, "file.path", path);
		field_int(ev, "file.flags", 0101);
		field_int(ev, "file.dev", 8 << 20);
		field_int(ev, "file.ino", (int64_t)(100000 + cycle));
		break;
	case VG_EV_OPEN:
		field_str(ev, "file.path", i % 10 == 1 ? path : "/etc/ld.so.cache");
		field_int(ev, "file.flags", i % 10 == 1 ? 01 : 0);
		field_int(ev, "file.dev", 8 << 20);
		field_int(ev, "file.ino", i % 10 == 1 ? (int64_t)(100000 + cycle) : 42);
		break;
	case VG_EV_RENAME:
		field_str(ev, "file.path", path);
		field_str(ev, "file.newpath", other);
		break;
	case VG_EV_UNLINK:
		field_str(ev, "file.path", other);
		break;
	case VG_EV_FORK:
		field_int(ev, "fork.child_pid", child->pid);
		field_str(ev, "fork.child_exec_id", child->exec_id);
		break;
	case VG_EV_EXEC:
		/* the child's new image: a new exec_id */
		p->exec_time = vg_now_boot_ns();
		snprintf(p->exec_id, sizeof(p->exec_id), "%llu-%d", (unsigned long long)p->exec_time, p->pid);
		vg_proc_set_str(&p->exe, "/usr/bin/ls", 11);
		vg_proc_set_argv(p, "ls\0-l", 6);
		field_str(ev, "exec.argv", "ls");
		field_int(ev, "exec.exe_dev", 8 << 20);
		field_int(ev, "exec.exe_ino", 7000);
		break;
	case VG_EV_EXIT:
		field_int(ev, "exit.code", 0);
		break;
	case VG_EV_CONNECT: {
		struct vg_value ip = { .type = VG_V_IP };
		const struct vg_field *f = field("net.dip");

		ip.ip.family = 4;
		inet_pton(AF_INET, "10.1.2.3", ip.ip.addr);
		if (f)
			vg_event_add(ev, f, ip);
		field_str(ev, "net.proto", "tcp");
		field_int(ev, "net.dport", 5432);
		field_int(ev, "net.sport", (int64_t)(30000 + i % 20000));
		break;
	}
	}
	return ev;
}

struct step {
	double target, achieved, seconds, agent_ns_per_event, writer_ns_per_event, writer_cpu_percent, drain_s;
	uint64_t offered, lost;
	bool lossless;
};

static void counters(struct vg_sinks *set, struct vg_sink_counters *c)
{
	memset(c, 0, sizeof(*c));
	set->sink[0].type->counters(&set->sink[0], c);
}

static double make_ns; /* CPU ns to make one event, without the sink */

static void calibrate(void)
{
	static struct sample s;
	uint64_t c0 = ns_of(CLOCK_THREAD_CPUTIME_ID);

	for (uint64_t i = 0; i < 200000; i++)
		make(&s, i);
	make_ns = (double)(ns_of(CLOCK_THREAD_CPUTIME_ID) - c0) / 200000;
}

/* rate 0: flat out */
static struct step run_step(struct vg_sinks *set, double rate, double seconds)
{
	static struct sample s;
	struct vg_sink_counters before, after;
	uint64_t delivered, thread;
	struct step st = { .target = rate, .seconds = seconds };
	uint64_t t0 = ns_of(CLOCK_MONOTONIC), p0 = ns_of(CLOCK_PROCESS_CPUTIME_ID), t_agent0 = ns_of(CLOCK_THREAD_CPUTIME_ID);
	uint64_t next_flush = t0, end = t0 + (uint64_t)(seconds * 1e9), agent = 0, now, drained;

	counters(set, &before);
	while ((now = ns_of(CLOCK_MONOTONIC)) < end) {
		uint64_t due = rate > 0 ? (uint64_t)((double)(now - t0) * rate / 1e9) : st.offered + 2000;
		uint64_t busy = ns_of(CLOCK_THREAD_CPUTIME_ID); /* the pacing's sleeps are not the sink's */

		for (; st.offered < due; st.offered++)
			vg_sinks_event(set, make(&s, st.offered));
		if (now >= next_flush) {
			vg_sinks_flush(set, vg_now_boot_ns());
			next_flush = now + 20000000;
		}
		agent += ns_of(CLOCK_THREAD_CPUTIME_ID) - busy;
		if (rate > 0)
			usleep(1000);
	}
	vg_sinks_flush(set, vg_now_boot_ns());
	now = ns_of(CLOCK_MONOTONIC);
	st.achieved = (double)st.offered / ((double)(now - t0) / 1e9);
	do {
		counters(set, &after);
		if (!after.queued)
			break;
		usleep(10000);
	} while (ns_of(CLOCK_MONOTONIC) - now < 30000000000ull);
	drained = ns_of(CLOCK_MONOTONIC);
	st.drain_s = (double)(drained - now) / 1e9;
	st.lost = after.lost - before.lost;
	delivered = after.delivered - before.delivered;
	/* the agent thread's CPU less what making the events cost (measured alone) */
	st.agent_ns_per_event = st.offered ? (double)agent / (double)st.offered - make_ns : 0;
	/* the writer: the process's CPU less all of this thread's */
	thread = ns_of(CLOCK_THREAD_CPUTIME_ID) - t_agent0;
	st.writer_ns_per_event =
		delivered ? (double)(ns_of(CLOCK_PROCESS_CPUTIME_ID) - p0 - thread) / (double)delivered : 0;
	st.writer_cpu_percent = 100.0 * (double)(ns_of(CLOCK_PROCESS_CPUTIME_ID) - p0 - thread) / (double)(drained - t0);
	st.lossless = st.lost == 0 && st.drain_s <= 0.5;
	fprintf(stderr, "store_bench: %8.0f events/s offered (%s): lost %llu, drained in %.2f s, agent %.0f ns/event, "
			"writer %.0f ns/event (%.0f%% CPU)\n",
		st.achieved, rate > 0 ? "paced" : "flat out", (unsigned long long)st.lost, st.drain_s,
		st.agent_ns_per_event, st.writer_ns_per_event, st.writer_cpu_percent);
	return st;
}

int main(int argc, char **argv)
{
	static const double full[] = { 25000, 50000, 100000, 150000, 200000, 300000, 400000, 600000, 0 };
	static const double smoke[] = { 20000, 0 };
	bool is_smoke = argc > 2 && strcmp(argv[2], "--smoke") == 0;
	const double *rates = is_smoke ? smoke : full;
	size_t nrates = is_smoke ? sizeof(smoke) / sizeof(smoke[0]) : sizeof(full) / sizeof(full[0]);
	double seconds = is_smoke ? 1.0 : 4.0, best = 0, writer_ns = 0;
	static struct vg_sinks set;
	bool printed[VG_EV__COUNT] = { false }, available[VG_EV__COUNT];
	char spec[4200], err[4400];

	if (argc < 2) {
		fputs("usage: store_bench DB_PATH [--smoke]\n", stderr);
		return 2;
	}
	vg_clock_init();
	pt = vg_proctable_new(65536);
	build_procs();
	calibrate();
	for (unsigned t = 0; t < VG_EV__COUNT; t++)
		available[t] = true;
	snprintf(spec, sizeof(spec), "store:%s,max-bytes=2G", argv[1]);
	if (vg_sinks_add(&set, spec, printed, available, err, sizeof(err)) < 0) {
		fprintf(stderr, "store_bench: %s\n", err);
		return 1;
	}
	printf("{\"steps\":[");
	for (size_t i = 0; i < nrates; i++) {
		struct step st = run_step(&set, rates[i], seconds);

		if (st.lossless && st.achieved > best)
			best = st.achieved;
		printf("%s{\"target_events_per_s\":%.0f,\"events_per_s\":%.0f,\"events\":%llu,\"lost\":%llu,"
		       "\"drain_s\":%.3f,\"agent_ns_per_event\":%.1f,\"writer_ns_per_event\":%.1f,"
		       "\"writer_cpu_percent\":%.1f,\"lossless\":%s}",
		       i ? "," : "", st.target, st.achieved, (unsigned long long)st.offered, (unsigned long long)st.lost,
		       st.drain_s, st.agent_ns_per_event, st.writer_ns_per_event, st.writer_cpu_percent,
		       st.lossless ? "true" : "false");
		if (st.writer_ns_per_event > 0 && (!writer_ns || st.writer_ns_per_event < writer_ns))
			writer_ns = st.writer_ns_per_event;
		if (!st.lossless && rates[i] > 0 && !is_smoke) /* past the lossless rate: one flat-out step left */
			i = nrates - 2;
	}
	vg_sinks_close(&set);
	/* the writer's rate on one core of its own, from its CPU time: what a quiet machine
	 * would sustain where the wall-clock steps are squeezed by other load */
	printf("],\"max_lossless_events_per_s\":%.0f,\"make_ns_per_event\":%.1f,\"writer_events_per_cpu_s\":%.0f}\n",
	       best, make_ns, writer_ns ? 1e9 / writer_ns : 0);
	vg_proctable_free(pt);
	return 0;
}
