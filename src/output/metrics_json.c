/* metrics_json.c — the "kind":"metrics" line (src/metrics/metrics.h): the agent's CPU and
 * memory, the ring buffer's fill, the BPF programs' kernel time, and with --trackers the
 * per-container totals (cumulative since the agent started) and the interval's top
 * processes. Events, drops and alerts are the stats line's; they are not repeated here. */
#include <string.h>
#include "metrics/metrics.h"
#include "output/json.h"
#include "output/stats.h"
#include "tools/syscalls.h"
#include "tools/track.h"

static void counts(struct vg_buf *b, const struct vg_track_counts *c)
{
#define VG_JSON_COUNTER(name, help) vg_buf_printf(b, ",\"" #name "\":%llu", (unsigned long long)c->name);
	VG_TRACK_COUNTERS(VG_JSON_COUNTER)
#undef VG_JSON_COUNTER
}

static void container(struct vg_buf *b, const struct vg_container_metrics *m)
{
	bool first = true;
	char nrbuf[16];

	vg_buf_puts(b, "{\"id\":");
	vg_json_cstr(b, m->id[0] ? m->id : NULL);
	vg_buf_puts(b, ",\"name\":");
	vg_json_cstr(b, m->name);
	vg_buf_puts(b, ",\"runtime\":");
	vg_json_cstr(b, m->runtime);
	counts(b, &m->c);
	vg_buf_printf(b, ",\"cross_container_pipes\":%llu,\"cross_container_pipe_bytes\":%llu,\"syscalls_by_name\":{",
		      (unsigned long long)m->cross_pipes, (unsigned long long)m->cross_pipe_bytes);
	for (unsigned nr = 0; nr < VG_METRICS_NR; nr++) {
		if (!m->syscalls[nr])
			continue;
		vg_buf_printf(b, "%s\"%s\":%llu", first ? "" : ",", vg_track_syscall_name(nr, nrbuf),
			      (unsigned long long)m->syscalls[nr]);
		first = false;
	}
	vg_buf_puts(b, "}}");
}

static void top_process(struct vg_buf *b, const struct vg_top_process *p)
{
	vg_buf_printf(b, "{\"pid\":%u,\"comm\":", p->pid);
	vg_json_str(b, p->comm, strnlen(p->comm, sizeof(p->comm)));
	vg_buf_puts(b, ",\"container\":");
	vg_json_container_ref(b, p->container_id, p->container_name, NULL, false);
	counts(b, &p->c);
	vg_buf_putc(b, '}');
}

void vg_json_metrics(struct vg_buf *b, const struct vg_metrics *m)
{
	vg_buf_puts(b, "{\"kind\":\"metrics\",\"ts\":");
	vg_json_time(b, m->wall_ns);
	vg_buf_printf(b, ",\"interval_s\":%.3f,\"agent\":{\"cpu_seconds\":%.3f,\"rss_bytes\":%llu,\"virtual_bytes\":%llu,"
			 "\"open_fds\":%u,\"start_time\":",
		      m->interval_s, m->self.cpu_seconds, (unsigned long long)m->self.rss_bytes,
		      (unsigned long long)m->self.virtual_bytes, m->self.open_fds);
	vg_json_time(b, (uint64_t)(m->self.start_time_s * 1e9));
	vg_buf_puts(b, "},\"ring\":{\"fill_ratio\":");
	if (m->ring_fill >= 0)
		vg_buf_printf(b, "%.6f", m->ring_fill);
	else
		vg_buf_puts(b, "null");
	vg_buf_printf(b, "},\"bpf_stats\":%s,\"programs\":[", m->bpf_stats ? "true" : "false");
	for (size_t i = 0; i < m->nprogs; i++) {
		vg_buf_printf(b, "%s{\"name\":", i ? "," : "");
		vg_json_cstr(b, m->progs[i].name);
		vg_buf_printf(b, ",\"runs\":%llu,\"run_seconds\":%.9f}", (unsigned long long)m->progs[i].runs,
			      (double)m->progs[i].run_ns / 1e9);
	}
	vg_buf_puts(b, "]");
	if (m->trackers) {
		vg_buf_printf(b, ",\"containers_dropped\":%llu,\"containers\":[", (unsigned long long)m->containers_dropped);
		for (size_t i = 0; i < m->ncontainers; i++) {
			if (i)
				vg_buf_putc(b, ',');
			container(b, &m->containers[i]);
		}
		vg_buf_puts(b, "],\"top_processes\":[");
		for (size_t i = 0; i < m->ntop; i++) {
			if (i)
				vg_buf_putc(b, ',');
			top_process(b, &m->top[i]);
		}
		vg_buf_putc(b, ']');
	}
	vg_buf_putc(b, '}');
}
