/* top.c — `vigil top`: a live view of processes and containers, from the counters of
 * bpf/tools/top.bpf.c: exec/s, syscalls/s, bytes read and written per second (regular
 * files), connections/s and alerts. On a terminal it is a full-screen ANSI view (no
 * curses: a few escape sequences do, and nothing to install), refreshed every interval,
 * sortable by key, q to quit; otherwise (a pipe, --once, --format json) it prints a
 * snapshot per interval.
 *
 * The counters are the trackers' (bpf/track.bpf.c, src/tools/track.c, which the agent's
 * --trackers use too); each refresh takes what they counted since the last one. Alerts
 * come from a running agent's JSON output (--alerts FILE, `vigil run --output FILE`),
 * counted per process and container as they appear. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <jansson.h>
#include "clock.h"
#include "output/json.h"
#include "tools/tool.h"
#include "tools/track.h"

enum sort_key { S_SYSCALLS, S_EXEC, S_READ, S_WRITE, S_CONN, S_ALERTS, S_PID, S__COUNT };

static const struct {
	const char *name;
	char key;
} sorts[S__COUNT] = {
	[S_SYSCALLS] = { "syscalls", 's' }, [S_EXEC] = { "exec", 'x' },  [S_READ] = { "read", 'r' },
	[S_WRITE] = { "write", 'w' },       [S_CONN] = { "conn", 'n' },  [S_ALERTS] = { "alerts", 'a' },
	[S_PID] = { "pid", 'p' },
};

static struct {
	double interval;
	bool once, containers;
	enum sort_key sort;
	unsigned rows;
	const char *alerts;
} env = { .interval = 1 };

/* One row: a process, or a container (id "" for the host). */
struct row {
	uint32_t pid;
	uint64_t start_time, cgroup_id;
	uint32_t uid;
	char comm[VG_COMM_LEN];
	char container[65];
	struct vg_track_counts c; /* over the interval */
	uint64_t alerts;
	unsigned procs;           /* containers: processes active in the interval */
	char name[128];           /* containers */
	const char *runtime;
};

static struct vg_track *track;
static struct vg_track_proc_row *taken;
static struct row *rows;
static size_t nrows;
static struct vg_track_cgroup_row cg_taken[VG_TRACK_CGROUPS];
static struct row crows[VG_TRACK_CGROUPS + 1];
static size_t ncrows;

/* --alerts: what the agent wrote since the last refresh, per pid and per container id. */
static FILE *alert_file;
static struct alert_count {
	uint32_t pid;
	char container[65];
	uint64_t n;
} alert_counts[1024];
static size_t nalert_counts;
static uint64_t alerts_total;

static int option(struct vg_tool_ctx *t, int opt, const char *arg)
{
	char *end;

	switch (opt) {
	case 'i':
		env.interval = strtod(arg, &end);
		if (*end || env.interval < 0.1)
			return vg_tool_error(t, "-i takes seconds (at least 0.1), not '%s'", arg);
		break;
	case 'n':
		env.rows = (unsigned)strtoul(arg, &end, 10);
		if (*end || env.rows == 0)
			return vg_tool_error(t, "-n takes a positive number, not '%s'", arg);
		break;
	case 'O': env.once = true; break;
	case 'C': env.containers = true; break;
	case 'A': env.alerts = arg; break;
	case 's':
		for (int k = 0; k < S__COUNT; k++)
			if (strcmp(arg, sorts[k].name) == 0) {
				env.sort = (enum sort_key)k;
				return 0;
			}
		return vg_tool_error(t, "-s takes syscalls, exec, read, write, conn, alerts or pid, not '%s'", arg);
	}
	return 0;
}

/* Connections, as top shows them: TCP connects and accepts. */
static uint64_t connections(const struct vg_track_counts *c)
{
	return c->tcp_connects + c->tcp_accepts;
}

static bool active(const struct vg_track_counts *c)
{
	return c->syscalls || c->execs;
}

/* ---- alerts ------------------------------------------------------------------------ */

static void count_alert(uint32_t pid, const char *container)
{
	for (size_t i = 0; i < nalert_counts; i++)
		if (alert_counts[i].pid == pid && strcmp(alert_counts[i].container, container) == 0) {
			alert_counts[i].n++;
			return;
		}
	if (nalert_counts < sizeof(alert_counts) / sizeof(alert_counts[0])) {
		alert_counts[nalert_counts].pid = pid;
		snprintf(alert_counts[nalert_counts].container, sizeof(alert_counts[0].container), "%s", container);
		alert_counts[nalert_counts++].n = 1;
	}
}

/* New complete lines of the agent's output: its alerts, by pid and container. */
static void read_alerts(void)
{
	char line[1 << 16];

	nalert_counts = 0;
	if (!alert_file)
		return;
	clearerr(alert_file);
	while (fgets(line, sizeof(line), alert_file)) {
		json_t *j, *events;
		const char *container;

		if (!strchr(line, '\n')) { /* a line still being written: read it whole next time */
			fseek(alert_file, -(long)strlen(line), SEEK_CUR);
			break;
		}
		if (!strstr(line, "\"alert\"") || !(j = json_loads(line, 0, NULL)))
			continue;
		if (json_is_string(json_object_get(j, "kind")) &&
		    strcmp(json_string_value(json_object_get(j, "kind")), "alert") == 0) {
			events = json_object_get(j, "events");
			container = json_string_value(json_object_get(
				json_object_get(json_array_get(events, json_array_size(events) - 1), "container"), "id"));
			count_alert((uint32_t)json_integer_value(json_object_get(j, "pid")), container ? container : "");
			alerts_total++;
		}
		json_decref(j);
	}
}

static uint64_t alerts_of_pid(uint32_t pid)
{
	uint64_t n = 0;

	for (size_t i = 0; i < nalert_counts; i++)
		n += alert_counts[i].pid == pid ? alert_counts[i].n : 0;
	return n;
}

static uint64_t alerts_of_container(const char *id)
{
	uint64_t n = 0;

	for (size_t i = 0; i < nalert_counts; i++)
		n += strcmp(alert_counts[i].container, id) == 0 ? alert_counts[i].n : 0;
	return n;
}

/* ---- reading the counters ---------------------------------------------------------- */

static void read_procs(struct vg_tool_ctx *t)
{
	size_t n = vg_track_take_procs(track, taken, VG_TRACK_PROCS);

	nrows = 0;
	for (size_t i = 0; i < n; i++) {
		const struct vg_track_proc_row *p = &taken[i];
		struct row *r = &rows[nrows];
		const struct vg_tool_proc *ctx;

		*r = (struct row){ .pid = p->pid, .start_time = p->start_time, .cgroup_id = p->cgroup_id, .uid = p->uid,
				   .c = p->c, .alerts = alerts_of_pid(p->pid) };
		memcpy(r->comm, p->comm, sizeof(r->comm));
		if (!active(&r->c) && !r->alerts)
			continue;
		ctx = vg_tool_proc_of(t, r->pid, r->start_time, r->cgroup_id, r->uid);
		snprintf(r->container, sizeof(r->container), "%s", ctx->container_id);
		snprintf(r->name, sizeof(r->name), "%s", ctx->container_id[0] ? ctx->container_name : "-");
		nrows++;
	}
}

/* The container view: the per-cgroup counters, grouped by the container each cgroup v2
 * directory belongs to; every other cgroup is the host. */
static void read_cgroups(struct vg_tool_ctx *t)
{
	size_t n = vg_track_take_cgroups(track, cg_taken, VG_TRACK_CGROUPS);

	ncrows = 0;
	for (size_t k = 0; k < n; k++) {
		char id[65], name[128];
		const char *runtime;
		size_t i;

		vg_tool_container_of(t, cg_taken[k].cgroup_id, 0, id, name, &runtime);
		for (i = 0; i < ncrows && strcmp(crows[i].container, id) != 0; i++)
			;
		if (i == ncrows) {
			crows[ncrows] = (struct row){ .runtime = runtime };
			snprintf(crows[ncrows].container, sizeof(crows[0].container), "%s", id);
			snprintf(crows[ncrows].name, sizeof(crows[0].name), "%s", id[0] ? name : "host");
			ncrows++;
		}
		vg_track_counts_add(&crows[i].c, &cg_taken[k].c);
	}
	for (size_t i = 0; i < ncrows; i++) {
		crows[i].alerts = alerts_of_container(crows[i].container);
		for (size_t p = 0; p < nrows; p++)
			crows[i].procs += strcmp(rows[p].container, crows[i].container) == 0;
	}
}

static uint64_t sort_value(const struct row *r)
{
	switch (env.sort) {
	case S_EXEC: return r->c.execs;
	case S_READ: return r->c.file_read_bytes;
	case S_WRITE: return r->c.file_write_bytes;
	case S_CONN: return connections(&r->c);
	case S_ALERTS: return r->alerts;
	case S_PID: return UINT64_MAX - r->pid;
	default: return r->c.syscalls;
	}
}

static int by_sort(const void *a, const void *b)
{
	uint64_t x = sort_value(a), y = sort_value(b);

	return x < y ? 1 : x > y ? -1 : 0;
}

/* ---- output -------------------------------------------------------------------------- */

static void json_counts(struct vg_buf *b, const struct row *r)
{
	vg_buf_printf(b, ",\"exec\":%llu,\"syscalls\":%llu,\"read_bytes\":%llu,\"write_bytes\":%llu,\"connections\":%llu,"
			 "\"alerts\":%llu}",
		      (unsigned long long)r->c.execs, (unsigned long long)r->c.syscalls,
		      (unsigned long long)r->c.file_read_bytes, (unsigned long long)r->c.file_write_bytes,
		      (unsigned long long)connections(&r->c), (unsigned long long)r->alerts);
}

static void print_json(struct vg_tool_ctx *t, double seconds)
{
	struct vg_buf *b = &t->out;
	size_t limit = env.rows ? env.rows : nrows;

	vg_buf_puts(b, "{\"kind\":\"top\",\"time\":");
	vg_json_time(b, vg_boot_to_wall(vg_now_boot_ns()));
	vg_buf_printf(b, ",\"interval_s\":%.3f,\"processes\":[", seconds);
	for (size_t i = 0; i < nrows && i < limit; i++) {
		const struct vg_tool_proc *p = vg_tool_proc_of(t, rows[i].pid, rows[i].start_time, rows[i].cgroup_id,
							      rows[i].uid);

		vg_buf_printf(b, "%s{\"pid\":%u,\"comm\":", i ? "," : "", rows[i].pid);
		vg_json_str(b, rows[i].comm, strnlen(rows[i].comm, sizeof(rows[i].comm)));
		vg_buf_puts(b, ",\"user\":");
		vg_json_cstr(b, p->user);
		vg_buf_puts(b, ",\"exe\":");
		vg_json_cstr(b, p->exe);
		vg_buf_puts(b, ",\"container\":");
		vg_json_container_ref(b, p->container_id, p->container_name, p->runtime, true);
		json_counts(b, &rows[i]);
	}
	vg_buf_puts(b, "],\"containers\":[");
	for (size_t i = 0; i < ncrows; i++) {
		vg_buf_printf(b, "%s{\"id\":", i ? "," : "");
		vg_json_cstr(b, crows[i].container[0] ? crows[i].container : NULL);
		vg_buf_puts(b, ",\"name\":");
		vg_json_cstr(b, crows[i].name);
		vg_buf_puts(b, ",\"runtime\":");
		vg_json_cstr(b, crows[i].runtime);
		vg_buf_printf(b, ",\"processes\":%u", crows[i].procs);
		json_counts(b, &crows[i]);
	}
	vg_buf_printf(b, "]}\n");
}

/* 12345 -> "12.1K": rates in a narrow column. */
static void human(char *out, size_t len, double v)
{
	static const char units[] = " KMGT";
	int u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, len, "%.0f", v);
	else
		snprintf(out, len, "%.1f%c", v, units[u]);
}

static void print_row(struct vg_buf *b, const struct row *r, double seconds, bool container, int width)
{
	char ex[16], sy[16], rd[16], wr[16], cn[16], line[512];
	int n;

	human(ex, sizeof(ex), (double)r->c.execs / seconds);
	human(sy, sizeof(sy), (double)r->c.syscalls / seconds);
	human(rd, sizeof(rd), (double)r->c.file_read_bytes / seconds);
	human(wr, sizeof(wr), (double)r->c.file_write_bytes / seconds);
	human(cn, sizeof(cn), (double)connections(&r->c) / seconds);
	if (container)
		n = snprintf(line, sizeof(line), "%-20.20s %-10.10s %6u %7s %8s %8s %8s %7s %6llu", r->name,
			     r->runtime ? r->runtime : "-", r->procs, ex, sy, rd, wr, cn, (unsigned long long)r->alerts);
	else
		n = snprintf(line, sizeof(line), "%7u %-16.16s %-16.16s %7s %8s %8s %8s %7s %6llu", r->pid, r->comm, r->name,
			     ex, sy, rd, wr, cn, (unsigned long long)r->alerts);
	if (width > 0 && n > width)
		n = width;
	for (int i = 0; i < n; i++) /* comm is the process's to choose: no escapes on our screen */
		if ((unsigned char)line[i] < 0x20)
			line[i] = '?';
	vg_buf_put(b, line, (size_t)n);
	vg_buf_puts(b, "\n");
}

static void print_text(struct vg_tool_ctx *t, double seconds, bool screen)
{
	struct winsize ws = { 0 };
	struct vg_buf *b = &t->out;
	char stamp[16];
	size_t limit, count = env.containers ? ncrows : nrows, containers = 0;
	const char *rev = screen ? "\033[7m" : "", *plain = screen ? "\033[0m" : ""; /* a pipe gets no escapes */
	int width = 0;

	if (screen && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) {
		width = ws.ws_col;
		vg_buf_puts(b, "\033[H\033[2J");
	}
	limit = env.rows ? env.rows : screen && ws.ws_row > 4 ? (size_t)ws.ws_row - 4 : count;
	for (size_t i = 0; i < ncrows; i++)
		containers += crows[i].container[0] != 0;
	vg_clock_text(vg_boot_to_wall(vg_now_boot_ns()), stamp);
	vg_buf_printf(b, "vigil top - %s  %zu active processes, %zu containers  sort: %s%s\n", stamp, nrows, containers,
		      sorts[env.sort].name, env.alerts ? "" : "  (no --alerts: alerts not counted)");
	if (screen)
		vg_buf_puts(b, "keys: s syscalls  x exec  r read  w write  n conn  a alerts  p pid  c containers  q quit\n");
	if (env.containers)
		vg_buf_printf(b, "%s%-20s %-10s %6s %7s %8s %8s %8s %7s %6s%s\n", rev, "CONTAINER", "RUNTIME", "PROCS",
			      "EXEC/s", "SYSC/s", "READ/s", "WRITE/s", "CONN/s", "ALERTS", plain);
	else
		vg_buf_printf(b, "%s%7s %-16s %-16s %7s %8s %8s %8s %7s %6s%s\n", rev, "PID", "COMM", "CONTAINER", "EXEC/s",
			      "SYSC/s", "READ/s", "WRITE/s", "CONN/s", "ALERTS", plain);
	for (size_t i = 0; i < count && i < limit; i++)
		print_row(b, env.containers ? &crows[i] : &rows[i], seconds, env.containers, width);
	if (!screen)
		vg_buf_putc(b, '\n');
}

static void refresh(struct vg_tool_ctx *t, double seconds, bool screen)
{
	read_alerts();
	vg_track_turn(track);
	read_procs(t);
	read_cgroups(t);
	qsort(rows, nrows, sizeof(*rows), by_sort);
	qsort(crows, ncrows, sizeof(*crows), by_sort);
	if (t->json)
		print_json(t, seconds);
	else
		print_text(t, seconds, screen);
	vg_tool_flush(t);
}

/* ---- the terminal -------------------------------------------------------------------- */

static struct termios saved_tty;
static bool tty_raw;

static void tty_restore(void)
{
	if (!tty_raw)
		return;
	tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	fputs("\033[?25h\033[?1049l", stdout); /* cursor back, main screen back */
	fflush(stdout);
	tty_raw = false;
}

static void tty_setup(void)
{
	struct termios raw;

	if (tcgetattr(STDIN_FILENO, &saved_tty) < 0)
		return;
	raw = saved_tty;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	fputs("\033[?1049h\033[?25l", stdout); /* alternate screen, no cursor */
	tty_raw = true;
	atexit(tty_restore);
}

/* A key pressed: true to quit. */
static bool on_key(char c)
{
	if (c == 'q' || c == 'Q')
		return true;
	if (c == 'c') {
		env.containers = !env.containers;
		return false;
	}
	for (int k = 0; k < S__COUNT; k++)
		if (sorts[k].key == c)
			env.sort = (enum sort_key)k;
	return false;
}

static int loop(struct vg_tool_ctx *t)
{
	bool screen = !t->json && !env.once && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
	uint64_t start = vg_now_boot_ns(), last = start, interval = (uint64_t)(env.interval * 1e9);
	uint64_t deadline = t->duration > 0 ? start + (uint64_t)(t->duration * 1e9) : 0;

	if (screen)
		tty_setup();
	else
		fprintf(stderr, "Counting every %.1fs... Hit Ctrl-C to end.\n", env.interval);
	while (!vg_tool_stopping()) {
		uint64_t now = vg_now_boot_ns(), next = last + interval;
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
		int wait_ms = now < next ? (int)((next - now) / 1000000) : 0;
		char c;

		if (deadline && now >= deadline)
			break;
		if (poll(&pfd, screen ? 1 : 0, wait_ms > 100 ? 100 : wait_ms) > 0 && read(STDIN_FILENO, &c, 1) == 1) {
			if (on_key(c))
				break;
			refresh(t, (double)(vg_now_boot_ns() - last) / 1e9, screen); /* at once, on the new order */
			continue;
		}
		if ((now = vg_now_boot_ns()) < next)
			continue;
		refresh(t, (double)(now - last) / 1e9, screen);
		last = now;
		if (env.once)
			break;
	}
	tty_restore();
	return 0;
}

static int run(struct vg_tool_ctx *t)
{
	static const struct vg_track_opts counts = { .per_process = true };
	int rc = -1;

	if (env.alerts) {
		if (!(alert_file = fopen(env.alerts, "re")))
			return vg_tool_error(t, "--alerts %s: %s", env.alerts, strerror(errno));
		fseek(alert_file, 0, SEEK_END); /* what the agent writes from now on */
	}
	taken = calloc(VG_TRACK_PROCS, sizeof(*taken));
	rows = calloc(VG_TRACK_PROCS, sizeof(*rows));
	if (!taken || !rows) {
		vg_tool_error(t, "out of memory");
		goto out;
	}
	if (!(track = vg_track_open(t, &counts)))
		goto out;
	rc = loop(t);
	vg_tool_report_losses(t);
out:
	vg_tool_done(t, rc);
	vg_track_close(track);
	free(taken);
	free(rows);
	if (alert_file)
		fclose(alert_file);
	return rc;
}

const struct vg_tool vg_top = {
	.name = "top",
	.summary = "a live view of processes and containers: exec/s, syscalls/s, file bytes, connections, alerts",
	.usage = "  -i, --interval SECS    refresh every SECS seconds (default 1)\n"
		 "      --once             print one snapshot after one interval and exit\n"
		 "  -s, --sort KEY         syscalls (default), exec, read, write, conn, alerts or pid\n"
		 "  -C, --containers       start in the container view (key c toggles)\n"
		 "  -n, --rows N           at most N rows (default: the screen's height; all without one)\n"
		 "      --alerts FILE      count the alerts a running agent writes to FILE (vigil run --output FILE)\n"
		 "  keys: s x r w n a p sort by syscalls, exec, read, write, conn, alerts, pid; c containers; q quit\n",
	.shortopts = "i:s:Cn:",
	.longopts = (const struct option[]){ { "interval", required_argument, NULL, 'i' },
					     { "once", no_argument, NULL, 'O' },
					     { "sort", required_argument, NULL, 's' },
					     { "containers", no_argument, NULL, 'C' },
					     { "rows", required_argument, NULL, 'n' },
					     { "alerts", required_argument, NULL, 'A' },
					     { NULL, 0, NULL, 0 } },
	.elf_bytes = vg_track_elf_bytes,
	.option = option,
	.run = run,
	.subcommand = true,
};
