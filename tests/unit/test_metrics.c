/* test_metrics.c — the metrics snapshot's two renderings on a made-up snapshot: the
 * Prometheus page (every family with HELP and TYPE before its samples, label values
 * escaped, every event type present, containers with their syscalls by name, program times
 * only while bpf_stats is on, build info alone before the first snapshot) and the
 * "kind":"metrics" JSON line (valid JSON with the same numbers); and /proc/self read for the
 * agent's own figures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include "clock.h"
#include "event.h"
#include "metrics/metrics.h"
#include "output/prometheus.h"
#include "output/sink.h"
#include "output/stats.h"
#include "reader/reader.h"
#include "rules/rules.h"
#include "version.h"

static struct vg_counters counters;
static struct vg_stats_extra stats;
static struct vg_sinks sinks;
static uint64_t syscalls[2][VG_METRICS_NR];
static struct vg_container_metrics containers[2];
static struct vg_prog_stat progs[1] = { { "vg_track_syscall_sys_exit_btf", 2500000000ull, 1000 } };
static struct vg_top_process top[1];

static struct vg_metrics snapshot(bool bpf_stats)
{
	memset(&counters, 0, sizeof(counters));
	counters.received[VG_EV_EXEC] = 42;
	counters.drops[VG_EV_OPEN][VG_DROP_RING_FULL] = 3;
	counters.drops[VG_EV_OPEN][VG_DROP_RATE_LIMIT] = 5;
	stats = (struct vg_stats_extra){ .sinks = &sinks, .proc_entries = 7, .ring_size = 1 << 20 };
	memset(containers, 0, sizeof(containers));
	memset(syscalls, 0, sizeof(syscalls));
	strcpy(containers[0].name, "host");
	containers[0].c.execs = 9;
	containers[0].syscalls = syscalls[0];
	syscalls[0][0] = 11; /* read */
	strcpy(containers[1].id, "3f2a");
	strcpy(containers[1].name, "we\"b\\\n");
	containers[1].runtime = "docker";
	containers[1].c.tcp_sent_bytes = 3200;
	containers[1].cross_pipes = 2;
	containers[1].syscalls = syscalls[1];
	syscalls[1][110] = 1000; /* getppid */
	syscalls[1][VG_TRACK_NR_IA32] = 4;
	top[0] = (struct vg_top_process){ .pid = 77, .comm = "toolwork", .container_id = "3f2a" };
	top[0].c.syscalls = 1234;
	return (struct vg_metrics){ .wall_ns = 1700000000000000000ull, .interval_s = 1, .counters = &counters,
				    .stats = &stats, .ring_fill = 0.25, .bpf_stats = bpf_stats, .progs = progs,
				    .nprogs = 1, .trackers = true, .containers = containers, .ncontainers = 2,
				    .top = top, .ntop = 1 };
}

static char *render(const struct vg_metrics *m, const struct vg_prom_alert *a, size_t n)
{
	struct vg_buf b = { 0 };

	vg_prom_render(&b, m, a, n);
	vg_buf_putc(&b, 0);
	return b.p;
}

/* Every sample's family has its TYPE line earlier on the page. */
static void assert_typed(const char *page)
{
	for (const char *line = page; *line; line = strchr(line, '\n') + 1) {
		char name[128], type[160];
		size_t n = strcspn(line, "{ \n");

		if (line[0] != '#') {
			snprintf(name, sizeof(name), "%.*s", (int)n, line);
			snprintf(type, sizeof(type), "# TYPE %s ", name);
			assert_true(strstr(page, type) && strstr(page, type) < line);
		}
		if (!strchr(line, '\n'))
			break;
	}
}

static void test_page_has_every_family_typed_and_labels_escaped(void **state)
{
	struct vg_metrics m = snapshot(true);
	struct vg_prom_alert alerts[] = { { "Shell in \"web\"", VG_PRIO_NOTICE, 3 } };
	char *page = render(&m, alerts, 1), line[256];

	assert_typed(page);
	snprintf(line, sizeof(line), "vigil_build_info{version=\"%s\"} 1\n", VIGIL_VERSION);
	assert_non_null(strstr(page, line));
	assert_non_null(strstr(page, "vigil_events_total{type=\"exec\"} 42\n"));
	assert_non_null(strstr(page, "vigil_events_total{type=\"usb_device_event\"} 0\n"));
	assert_non_null(strstr(page, "vigil_events_dropped_total{type=\"open\",reason=\"ring_full\"} 3\n"));
	assert_non_null(strstr(page, "vigil_events_suppressed_total{type=\"open\",reason=\"rate_limit\"} 5\n"));
	assert_null(strstr(page, "vigil_events_dropped_total{type=\"open\",reason=\"rate_limit\"}"));
	assert_non_null(strstr(page, "vigil_alerts_total{rule=\"Shell in \\\"web\\\"\",priority=\"notice\"} 3\n"));
	assert_non_null(strstr(page, "vigil_bpf_prog_run_seconds_total{prog=\"vg_track_syscall_sys_exit_btf\"} 2.500000000\n"));
	assert_non_null(strstr(page, "vigil_bpf_prog_runs_total{prog=\"vg_track_syscall_sys_exit_btf\"} 1000\n"));
	assert_non_null(strstr(page, "vigil_ringbuf_fill_ratio 0.25\n"));
	assert_non_null(strstr(page, "vigil_proctable_entries 7\n"));
	assert_non_null(strstr(page, "vigil_container_execs_total{container_id=\"\",container_name=\"host\"} 9\n"));
	assert_non_null(strstr(page, "vigil_container_syscalls_total{container_id=\"\",container_name=\"host\",syscall=\"read\"} 11\n"));
	assert_non_null(strstr(page, "vigil_container_syscalls_total{container_id=\"3f2a\",container_name=\"we\\\"b\\\\\\n\","
				     "syscall=\"getppid\"} 1000\n"));
	assert_non_null(strstr(page, "syscall=\"ia32\"} 4\n"));
	assert_non_null(strstr(page, "vigil_container_tcp_sent_bytes_total{container_id=\"3f2a\""));
	assert_non_null(strstr(page, "vigil_container_cross_pipes_total{container_id=\"3f2a\""));
	/* the total is the sum over syscalls: no syscall-less series beside them */
	assert_null(strstr(page, "vigil_container_syscalls_total{container_id=\"\",container_name=\"host\"} "));
	assert_null(strstr(page, "pid="));
	free(page);
}

static void test_program_times_only_while_bpf_stats_is_on(void **state)
{
	struct vg_metrics m = snapshot(false);
	char *page = render(&m, NULL, 0);

	assert_non_null(strstr(page, "vigil_bpf_stats_enabled 0\n"));
	assert_null(strstr(page, "vigil_bpf_prog_run_seconds_total"));
	free(page);
}

static void test_before_the_first_snapshot_only_build_info(void **state)
{
	char *page = render(NULL, NULL, 0);

	assert_non_null(strstr(page, "vigil_build_info{"));
	assert_null(strstr(page, "vigil_events_total"));
	free(page);
}

static void test_json_line_parses_with_the_same_numbers(void **state)
{
	struct vg_metrics m = snapshot(true);
	struct vg_buf b = { 0 };
	json_error_t err;
	json_t *j, *c;

	vg_json_metrics(&b, &m);
	vg_buf_putc(&b, 0);
	assert_non_null(j = json_loads(b.p, 0, &err));
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "metrics");
	assert_true(json_is_null(json_object_get(json_array_get(json_object_get(j, "containers"), 0), "id")));
	c = json_array_get(json_object_get(j, "containers"), 1);
	assert_string_equal(json_string_value(json_object_get(c, "name")), "we\"b\\\\\n" /* a backslash doubles: json.h */);
	assert_int_equal(json_integer_value(json_object_get(c, "tcp_sent_bytes")), 3200);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(c, "syscalls_by_name"), "getppid")), 1000);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(c, "syscalls_by_name"), "ia32")), 4);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(j, "top_processes"), 0),
							    "syscalls")),
			 1234);
	assert_true(json_real_value(json_object_get(json_object_get(j, "ring"), "fill_ratio")) == 0.25);
	json_decref(j);
	vg_buf_free(&b);
}

static void test_self_stats_read_this_process(void **state)
{
	struct vg_self_stats s;

	assert_true(vg_self_stats(&s));
	assert_true(s.rss_bytes > 0 && s.virtual_bytes >= s.rss_bytes && s.open_fds >= 3);
	assert_true(s.start_time_s > 1.6e9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_has_every_family_typed_and_labels_escaped),
		cmocka_unit_test(test_program_times_only_while_bpf_stats_is_on),
		cmocka_unit_test(test_before_the_first_snapshot_only_build_info),
		cmocka_unit_test(test_json_line_parses_with_the_same_numbers),
		cmocka_unit_test(test_self_stats_read_this_process),
	};

	vg_clock_init(); /* boot time to wall time, as the agent does first */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
