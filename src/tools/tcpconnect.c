/* tcpconnect.c — `vigil trace tcpconnect`: active TCP connections, as libbpf-tools'
 * tcpconnect prints them: [TIME(s)] [UID] PID COMM IP SADDR DADDR DPORT; with --count, the
 * connections counted per source, destination and port at the end. */
#include <stdlib.h>
#include <string.h>
#include "tools/tool.h"
#include "tools/tcp.h"
#include "tcpconnect.skel.h"

#define COUNT_MAX 4096

static struct {
	bool timestamp, print_uid, count;
	long uid;
	int ports[32], nports;
} env = { .uid = -1 };

enum { C_TS, C_UID, C_PID, C_COMM, C_IP, C_SADDR, C_DADDR, C_DPORT, C_CONNECTS, C_CONTEXT, C_COUNT };

static struct vg_col cols[C_COUNT] = {
	[C_TS] = { "TIME(s)", "time_s", -9, true },
	[C_UID] = { "UID", "uid", -6, true },
	[C_PID] = { "PID", "pid", -6 },
	[C_COMM] = { "COMM", "comm", -12 },
	[C_IP] = { "IP", "ip", -2 },
	[C_SADDR] = { "SADDR", "saddr", -16 },
	[C_DADDR] = { "DADDR", "daddr", -16 },
	[C_DPORT] = { "DPORT", "dport", -5 },
	[C_CONNECTS] = { "CONNECTS", "connects", 0, true },
	[C_CONTEXT] = VG_COL_CONTEXT,
};

/* --count: connections per (saddr, daddr, dport). */
static struct counted {
	struct vg_sockaddr src, dst;
	unsigned long long n;
} counted[COUNT_MAX];
static size_t ncounted;

static int option(struct vg_tool_ctx *t, int opt, const char *arg)
{
	char *end, list[256], *tok, *save = NULL;

	switch (opt) {
	case 't': env.timestamp = true; break;
	case 'U': env.print_uid = true; break;
	case 'C': env.count = true; break;
	case 'u':
		env.uid = strtol(arg, &end, 10);
		if (*end || env.uid < 0)
			return vg_tool_error(t, "-u takes a uid, not '%s'", arg);
		break;
	case 'P':
		snprintf(list, sizeof(list), "%s", arg);
		for (tok = strtok_r(list, ",", &save); tok && env.nports < 32; tok = strtok_r(NULL, ",", &save)) {
			long port = strtol(tok, &end, 10);

			if (*end || port <= 0 || port > 65535)
				return vg_tool_error(t, "-P takes ports separated by commas, not '%s'", arg);
			env.ports[env.nports++] = (int)port;
		}
		break;
	}
	return 0;
}

static bool port_wanted(unsigned port)
{
	for (int i = 0; i < env.nports; i++)
		if (env.ports[i] == (int)port)
			return true;
	return env.nports == 0;
}

static void count(const struct vg_tcp_conn *c)
{
	for (size_t i = 0; i < ncounted; i++)
		if (!memcmp(&counted[i].src.addr, c->local.addr, 16) && !memcmp(counted[i].dst.addr, c->remote.addr, 16) &&
		    counted[i].dst.port == c->remote.port && counted[i].src.family == c->local.family) {
			counted[i].n++;
			return;
		}
	if (ncounted < COUNT_MAX)
		counted[ncounted++] = (struct counted){ c->local, c->remote, 1 };
}

static void on_record(struct vg_tool_ctx *t, const struct vg_hdr *h, size_t size)
{
	const struct vg_tcp_conn *c = vg_rec_body(h);

	if ((env.uid >= 0 && h->uid != (uint32_t)env.uid) || !port_wanted(c->remote.port))
		return;
	if (env.count) {
		count(c);
		return;
	}
	vg_row_begin(t);
	vg_cell_elapsed(t, C_TS, h->ts, 3);
	vg_cell_int(t, C_UID, h->uid);
	vg_cell_int(t, C_PID, h->pid);
	vg_cell_strn(t, C_COMM, h->comm, strnlen(h->comm, sizeof(h->comm)));
	vg_cell_int(t, C_IP, c->remote.family == VG_AF_INET6 ? 6 : 4);
	vg_cell_ip(t, C_SADDR, c->local.family, c->local.addr);
	vg_cell_ip(t, C_DADDR, c->remote.family, c->remote.addr);
	vg_cell_int(t, C_DPORT, c->remote.port);
	vg_cell_context(t, C_CONTEXT, h->pid, h->start_time, h->cgroup_id, h->uid);
	vg_row_end(t);
}

/* --count prints its table at the end. */
static void on_end(struct vg_tool_ctx *t)
{
	if (!env.count)
		return;
	vg_table_header(t);
	for (size_t i = 0; i < ncounted; i++) {
		vg_row_begin(t);
		vg_cell_ip(t, C_SADDR, counted[i].src.family, counted[i].src.addr);
		vg_cell_ip(t, C_DADDR, counted[i].dst.family, counted[i].dst.addr);
		vg_cell_int(t, C_DPORT, counted[i].dst.port);
		vg_cell_int(t, C_CONNECTS, (long long)counted[i].n);
		vg_row_end(t);
	}
}

static int run(struct vg_tool_ctx *t)
{
	struct tcpconnect_bpf *obj = tcpconnect_bpf__open();
	int rc = -1;

	if (!obj)
		return vg_tool_error(t, "cannot open the BPF object");
	if (vg_tool_load(t, obj->obj, &obj->rodata->vg_tool_filter) < 0 || vg_tool_attach(t) < 0)
		goto out;
	cols[C_TS].off = !env.timestamp || env.count;
	cols[C_UID].off = (!env.print_uid && !t->json) || env.count;
	cols[C_CONNECTS].off = !env.count;
	cols[C_PID].off = cols[C_COMM].off = cols[C_IP].off = env.count;
	if (env.count)
		cols[C_CONTEXT] = (struct vg_col){ "", "", 0, true };
	t->cols = cols;
	t->ncols = C_COUNT;
	if (!env.count)
		vg_table_header(t);
	rc = vg_tool_run_loop(t, &(struct vg_tool_loop){ .what = "Tracing connect()s", .on_record = on_record,
							 .min_record = sizeof(struct vg_hdr) + sizeof(struct vg_tcp_conn),
							 .on_interval = on_end });
out:
	vg_tool_done(t, rc);
	tcpconnect_bpf__destroy(obj);
	return rc;
}

const struct vg_tool vg_tool_tcpconnect = {
	.name = "tcpconnect",
	.summary = "active TCP connections (connect), with addresses and port",
	.usage = "  -t, --timestamp        print seconds since tracing began\n"
		 "  -U, --print-uid        print the uid\n"
		 "  -u, --uid UID          only this uid\n"
		 "  -P, --port PORTS       only these destination ports (comma-separated)\n"
		 "      --count            count connections per source, destination and port; print at the end\n",
	.shortopts = "tUu:P:",
	.longopts = (const struct option[]){ { "timestamp", no_argument, NULL, 't' },
					     { "print-uid", no_argument, NULL, 'U' },
					     { "uid", required_argument, NULL, 'u' },
					     { "port", required_argument, NULL, 'P' },
					     { "count", no_argument, NULL, 'C' },
					     { NULL, 0, NULL, 0 } },
	.elf_bytes = tcpconnect_bpf__elf_bytes,
	.option = option,
	.run = run,
};
