/* prometheus.c — the text exposition of the agent's metrics (see prometheus.h). Every
 * family is written by family() (its HELP and TYPE lines) followed by its samples. Label
 * sets are fixed per family; series with zero values are written too (for the bounded
 * sets: event types, drop reasons), so that rate() sees a counter's first increase. */
#include <string.h>
#include "event.h"
#include "metrics/metrics.h"
#include "output/prometheus.h"
#include "output/sink.h"
#include "output/stats.h"
#include "reader/reader.h"
#include "rules/rules.h"
#include "tools/syscalls.h"
#include "tools/track.h"
#include "version.h"

void vg_prom_label_value(struct vg_buf *b, const char *s)
{
	vg_buf_putc(b, '"');
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			vg_buf_putc(b, '\\'), vg_buf_putc(b, *s);
		else if (*s == '\n')
			vg_buf_puts(b, "\\n");
		else
			vg_buf_putc(b, *s);
	}
	vg_buf_putc(b, '"');
}

static void family(struct vg_buf *b, const char *name, const char *type, const char *help)
{
	vg_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample_u(struct vg_buf *b, const char *name, uint64_t v)
{
	vg_buf_printf(b, "%s %llu\n", name, (unsigned long long)v);
}

static void sample_d(struct vg_buf *b, const char *name, double v)
{
	vg_buf_printf(b, "%s %.9g\n", name, v);
}

static void events(struct vg_buf *b, const struct vg_counters *c)
{
	family(b, "vigil_events_total", "counter", "Events received from the kernel (and user-space sources), by type.");
	for (unsigned t = 0; t < VG_EV__COUNT; t++)
		vg_buf_printf(b, "vigil_events_total{type=\"%s\"} %llu\n", vg_event_name(t), (unsigned long long)c->received[t]);
	family(b, "vigil_events_dropped_total", "counter",
	       "Events lost before user space (ring full, oversize, no scratch, map full), by type and reason.");
	for (unsigned t = 0; t < VG_EV__COUNT; t++)
		for (unsigned d = 0; d < VG_DROP__COUNT; d++)
			if (VG_DROP_IS_LOSS(d))
				vg_buf_printf(b, "vigil_events_dropped_total{type=\"%s\",reason=\"%s\"} %llu\n", vg_event_name(t),
					      vg_drop_name(d), (unsigned long long)c->drops[t][d]);
	family(b, "vigil_events_suppressed_total", "counter",
	       "Events not built on purpose (allowlist, rate limit, circuit breaker), by type and reason.");
	for (unsigned t = 0; t < VG_EV__COUNT; t++)
		for (unsigned d = 0; d < VG_DROP__COUNT; d++)
			if (!VG_DROP_IS_LOSS(d))
				vg_buf_printf(b, "vigil_events_suppressed_total{type=\"%s\",reason=\"%s\"} %llu\n",
					      vg_event_name(t), vg_drop_name(d), (unsigned long long)c->drops[t][d]);
	family(b, "vigil_events_malformed_total", "counter", "Records refused as malformed.");
	sample_u(b, "vigil_events_malformed_total", c->malformed);
}

static void alerts(struct vg_buf *b, const struct vg_metrics *m, const struct vg_prom_alert *a, size_t n)
{
	family(b, "vigil_alerts_total", "counter", "Alerts delivered, by rule and priority.");
	for (size_t i = 0; i < n; i++) {
		vg_buf_puts(b, "vigil_alerts_total{rule=");
		vg_prom_label_value(b, a[i].rule);
		vg_buf_printf(b, ",priority=\"%s\"} %llu\n", vg_priority_name((enum vg_priority)a[i].priority),
			      (unsigned long long)a[i].count);
	}
	family(b, "vigil_alerts_suppressed_total", "counter", "Rule matches the alert rate limit swallowed (since the last rule load).");
	sample_u(b, "vigil_alerts_suppressed_total", m->stats->alerts_suppressed);
}

static void programs(struct vg_buf *b, const struct vg_metrics *m)
{
	family(b, "vigil_bpf_stats_enabled", "gauge",
	       "1 when kernel.bpf_stats_enabled is on (vigil run --bpf-stats), which the program times need.");
	sample_u(b, "vigil_bpf_stats_enabled", m->bpf_stats);
	if (!m->bpf_stats)
		return;
	family(b, "vigil_bpf_prog_run_seconds_total", "counter", "Kernel time spent in each attached BPF program.");
	for (size_t i = 0; i < m->nprogs; i++)
		vg_buf_printf(b, "vigil_bpf_prog_run_seconds_total{prog=\"%s\"} %.9f\n", m->progs[i].name,
			      (double)m->progs[i].run_ns / 1e9);
	family(b, "vigil_bpf_prog_runs_total", "counter", "Runs of each attached BPF program.");
	for (size_t i = 0; i < m->nprogs; i++)
		vg_buf_printf(b, "vigil_bpf_prog_runs_total{prog=\"%s\"} %llu\n", m->progs[i].name,
			      (unsigned long long)m->progs[i].runs);
}

static void agent(struct vg_buf *b, const struct vg_metrics *m)
{
	const struct vg_stats_extra *x = m->stats;

	if (m->ring_fill >= 0) {
		family(b, "vigil_ringbuf_fill_ratio", "gauge", "How full the ring buffer is (0 to 1).");
		sample_d(b, "vigil_ringbuf_fill_ratio", m->ring_fill);
	}
	family(b, "vigil_ringbuf_size_bytes", "gauge", "The ring buffer's size.");
	sample_u(b, "vigil_ringbuf_size_bytes", x->ring_size);
	family(b, "vigil_proctable_entries", "gauge", "Processes in the process table.");
	sample_u(b, "vigil_proctable_entries", x->proc_entries);
	family(b, "vigil_proctable_evictions_total", "counter", "Processes evicted from the full process table.");
	sample_u(b, "vigil_proctable_evictions_total", x->proc_evictions);
	family(b, "process_cpu_seconds_total", "counter", "User and system CPU time of the agent.");
	sample_d(b, "process_cpu_seconds_total", m->self.cpu_seconds);
	family(b, "process_resident_memory_bytes", "gauge", "Resident memory of the agent.");
	sample_u(b, "process_resident_memory_bytes", m->self.rss_bytes);
	family(b, "process_virtual_memory_bytes", "gauge", "Virtual memory of the agent.");
	sample_u(b, "process_virtual_memory_bytes", m->self.virtual_bytes);
	family(b, "process_start_time_seconds", "gauge", "When the agent started, in seconds since the epoch.");
	sample_d(b, "process_start_time_seconds", m->self.start_time_s);
	family(b, "process_open_fds", "gauge", "File descriptors the agent holds.");
	sample_u(b, "process_open_fds", m->self.open_fds);
}

/* The five delivery counters of every sink, one family each. */
static void sinks(struct vg_buf *b, const struct vg_sinks *set)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} kinds[] = {
		{ "vigil_sink_accepted_total", "counter", "Events, alerts, stats and metrics handed to each sink.",
		  offsetof(struct vg_sink_counters, accepted) },
		{ "vigil_sink_delivered_total", "counter", "What each sink wrote out or had acknowledged.",
		  offsetof(struct vg_sink_counters, delivered) },
		{ "vigil_sink_queued_messages", "gauge", "Accepted by each sink and not delivered yet.",
		  offsetof(struct vg_sink_counters, queued) },
		{ "vigil_sink_lost_total", "counter", "Accepted by each sink and never to be delivered.",
		  offsetof(struct vg_sink_counters, lost) },
		{ "vigil_sink_errors_total", "counter", "Failed writes or sends of each sink.",
		  offsetof(struct vg_sink_counters, errors) },
	};

	if (!set)
		return;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		family(b, kinds[k].name, kinds[k].type, kinds[k].help);
		for (int i = 0; i < set->n; i++) {
			struct vg_sink_counters c;

			vg_sink_counters(&set->sink[i], &c);
			vg_buf_printf(b, "%s{sink=", kinds[k].name);
			vg_prom_label_value(b, set->sink[i].spec);
			vg_buf_printf(b, "} %llu\n", (unsigned long long)*(const uint64_t *)((const char *)&c + kinds[k].off));
		}
	}
}

static void container_labels(struct vg_buf *b, const struct vg_container_metrics *c)
{
	vg_buf_puts(b, "{container_id=");
	vg_prom_label_value(b, c->id);
	vg_buf_puts(b, ",container_name=");
	vg_prom_label_value(b, c->name);
}

static void containers(struct vg_buf *b, const struct vg_metrics *m)
{
	char nrbuf[16];

	family(b, "vigil_tracker_containers", "gauge", "Containers (and the host) the trackers keep totals for.");
	sample_u(b, "vigil_tracker_containers", m->ncontainers);
	family(b, "vigil_tracker_containers_dropped_total", "counter",
	       "Containers forgotten (or not kept) to respect the trackers' cap.");
	sample_u(b, "vigil_tracker_containers_dropped_total", m->containers_dropped);
	/* syscalls: by syscall (their sum is the container's total) */
	family(b, "vigil_container_syscalls_total", "counter",
	       "System calls made by each container's processes, by syscall (ia32: every 32-bit call).");
	for (size_t i = 0; i < m->ncontainers; i++)
		for (unsigned nr = 0; nr < VG_METRICS_NR; nr++)
			if (m->containers[i].syscalls[nr]) {
				vg_buf_puts(b, "vigil_container_syscalls_total");
				container_labels(b, &m->containers[i]);
				vg_buf_printf(b, ",syscall=\"%s\"} %llu\n", vg_track_syscall_name(nr, nrbuf),
					      (unsigned long long)m->containers[i].syscalls[nr]);
			}
#define VG_PROM_COUNTER(name, help)                                                                    \
	if (strcmp(#name, "syscalls") != 0) {                                                           \
		family(b, "vigil_container_" #name "_total", "counter", "Per container: " help ".");     \
		for (size_t i = 0; i < m->ncontainers; i++) {                                           \
			vg_buf_puts(b, "vigil_container_" #name "_total");                               \
			container_labels(b, &m->containers[i]);                                          \
			vg_buf_printf(b, "} %llu\n", (unsigned long long)m->containers[i].c.name);         \
		}                                                                                       \
	}
	VG_TRACK_COUNTERS(VG_PROM_COUNTER)
#undef VG_PROM_COUNTER
	family(b, "vigil_container_cross_pipes_total", "counter",
	       "Per container: pipes shared with processes of another container.");
	for (size_t i = 0; i < m->ncontainers; i++) {
		vg_buf_puts(b, "vigil_container_cross_pipes_total");
		container_labels(b, &m->containers[i]);
		vg_buf_printf(b, "} %llu\n", (unsigned long long)m->containers[i].cross_pipes);
	}
	family(b, "vigil_container_cross_pipe_bytes_total", "counter",
	       "Per container: bytes its processes moved through pipes another container made.");
	for (size_t i = 0; i < m->ncontainers; i++) {
		vg_buf_puts(b, "vigil_container_cross_pipe_bytes_total");
		container_labels(b, &m->containers[i]);
		vg_buf_printf(b, "} %llu\n", (unsigned long long)m->containers[i].cross_pipe_bytes);
	}
}

void vg_prom_render(struct vg_buf *b, const struct vg_metrics *m, const struct vg_prom_alert *a, size_t nalerts)
{
	family(b, "vigil_build_info", "gauge", "vigil's version (always 1).");
	vg_buf_printf(b, "vigil_build_info{version=\"%s\"} 1\n", VIGIL_VERSION);
	if (!m)
		return;
	events(b, m->counters);
	alerts(b, m, a, nalerts);
	programs(b, m);
	agent(b, m);
	sinks(b, m->stats->sinks);
	if (m->trackers)
		containers(b, m);
}
