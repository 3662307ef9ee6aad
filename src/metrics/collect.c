/* collect.c — the agent's metrics snapshot (see metrics.h): the pieces read at snapshot
 * time (the BPF programs' kernel time, /proc/self) and the collector that puts them
 * together with the agent's own counters and hands the result to the sinks. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "clock.h"
#include "loader/loader.h"
#include "metrics/internal.h"
#include "output/sink.h"

struct vg_collector {
	struct vg_containers *containers; /* NULL without --trackers */
	int stats_fd;                     /* BPF_ENABLE_STATS while held, or -1 */
	uint64_t last_ns;
	struct vg_prog_stat progs[VG_METRICS_PROGS];
};

size_t vg_prog_stats(struct bpf_program *const *progs, size_t n, struct vg_prog_stat *out, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k < max; i++) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(progs[i]);

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
			continue;
		snprintf(out[k].name, sizeof(out[k].name), "%s", bpf_program__name(progs[i]));
		out[k].run_ns = info.run_time_ns;
		out[k].runs = info.run_cnt;
		k++;
	}
	return k;
}

bool vg_bpf_stats_enabled(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "re");
	int on = 0;

	if (f) {
		if (fscanf(f, "%d", &on) != 1)
			on = 0;
		fclose(f);
	}
	return on != 0;
}

bool vg_self_stats(struct vg_self_stats *s)
{
	unsigned long long utime, stime, start, vsize;
	long long rss;
	double ticks = (double)sysconf(_SC_CLK_TCK);
	char buf[2048], *p;
	size_t n;
	FILE *f = fopen("/proc/self/stat", "re");
	DIR *d;
	struct dirent *de;

	memset(s, 0, sizeof(*s));
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* fields after the command, which is in parentheses and may hold anything */
	if (!(p = strrchr(buf, ')')) ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu %llu %lld",
		   &utime, &stime, &start, &vsize, &rss) != 5)
		return false;
	s->cpu_seconds = (double)(utime + stime) / ticks;
	s->virtual_bytes = vsize;
	s->rss_bytes = (uint64_t)(rss > 0 ? rss : 0) * (uint64_t)sysconf(_SC_PAGESIZE);
	/* the start is in clock ticks since boot (CLOCK_BOOTTIME) */
	s->start_time_s = (double)vg_boot_to_wall((uint64_t)((double)start / ticks * 1e9)) / 1e9;
	if ((d = opendir("/proc/self/fd"))) {
		while ((de = readdir(d)))
			s->open_fds += de->d_name[0] != '.';
		closedir(d);
		s->open_fds--; /* the directory's own */
	}
	return true;
}

struct vg_collector *vg_collector_new(const struct vg_collector_opts *o, const struct vg_features *f)
{
	struct vg_collector *c = calloc(1, sizeof(*c));

	if (!c) {
		fputs("vigil: out of memory\n", stderr);
		return NULL;
	}
	c->stats_fd = -1;
	if (o->bpf_stats && (c->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME)) < 0) {
		fprintf(stderr, "vigil: --bpf-stats: the kernel refuses BPF_ENABLE_STATS: %s\n", strerror(errno));
		free(c);
		return NULL;
	}
	if (!o->bpf_stats && !vg_bpf_stats_enabled())
		fputs("vigil: kernel.bpf_stats_enabled is 0: no kernel time per BPF program in the metrics "
		      "(--bpf-stats turns it on while the agent runs)\n",
		      stderr);
	if (o->trackers && !(c->containers = vg_containers_open(f))) {
		vg_collector_free(c);
		return NULL;
	}
	c->last_ns = vg_now_boot_ns();
	return c;
}

/* The sensor's attached programs and the trackers'. */
static size_t collect_progs(struct vg_collector *c, const struct vg_loader *l)
{
	struct bpf_program *progs[VG_METRICS_PROGS], *p;
	size_t n = vg_loader_attached_progs(l, progs, VG_METRICS_PROGS);

	if (c->containers)
		bpf_object__for_each_program(p, vg_containers_object(c->containers))
			if (n < VG_METRICS_PROGS && bpf_program__autoload(p))
				progs[n++] = p;
	return vg_prog_stats(progs, n, c->progs, VG_METRICS_PROGS);
}

void vg_collector_emit(struct vg_collector *c, const struct vg_loader *l, const struct vg_counters *counters,
		       const struct vg_stats_extra *stats, double ring_fill, struct vg_sinks *sinks)
{
	uint64_t now = vg_now_boot_ns();
	struct vg_metrics m = {
		.wall_ns = vg_boot_to_wall(now),
		.interval_s = (double)(now - c->last_ns) / 1e9,
		.counters = counters,
		.stats = stats,
		.ring_fill = ring_fill,
		.progs = c->progs,
		.trackers = c->containers != NULL,
	};

	c->last_ns = now;
	vg_self_stats(&m.self);
	m.nprogs = collect_progs(c, l);
	/* the sysctl reads its own setting only: another holder of BPF_ENABLE_STATS shows in
	 * the programs' times */
	m.bpf_stats = c->stats_fd >= 0 || vg_bpf_stats_enabled();
	for (size_t i = 0; i < m.nprogs && !m.bpf_stats; i++)
		m.bpf_stats = c->progs[i].run_ns != 0;
	if (c->containers) {
		vg_containers_collect(c->containers);
		m.containers = vg_containers_list(c->containers, &m.ncontainers, &m.containers_dropped);
		m.top = vg_containers_top(c->containers, &m.ntop);
	}
	vg_sinks_metrics(sinks, &m);
}

void vg_collector_detach(struct vg_collector *c)
{
	if (c && c->containers)
		vg_containers_detach(c->containers);
}

void vg_collector_free(struct vg_collector *c)
{
	if (!c)
		return;
	vg_containers_close(c->containers);
	if (c->stats_fd >= 0)
		close(c->stats_fd);
	free(c);
}
