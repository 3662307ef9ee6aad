/* tcplife.c — `vigil trace tcplife`: TCP connections as they close, with their bytes and
 * duration, as libbpf-tools' tcplife prints them:
 * [TIME(s)] PID COMM LADDR LPORT RADDR RPORT TX_KB RX_KB MS (JSON adds the exact bytes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tools/tool.h"
#include "tools/tcp.h"
#include "tcplife.skel.h"

static struct {
	bool timestamp, wide;
	int family;
	int lport, rport;
} env;

enum { C_TS, C_PID, C_COMM, C_LADDR, C_LPORT, C_RADDR, C_RPORT, C_TX, C_RX, C_MS, C_CONTEXT, C_COUNT };

static struct vg_col cols[C_COUNT] = {
	[C_TS] = { "TIME(s)", "time_s", -8, true },
	[C_PID] = { "PID", "pid", -7 },
	[C_COMM] = { "COMM", "comm", -16 },
	[C_LADDR] = { "LADDR", "laddr", -15 },
	[C_LPORT] = { "LPORT", "lport", -5 },
	[C_RADDR] = { "RADDR", "raddr", -15 },
	[C_RPORT] = { "RPORT", "rport", -5 },
	[C_TX] = { "TX_KB", "tx_kb", -6 },
	[C_RX] = { "RX_KB", "rx_kb", -6 },
	[C_MS] = { "MS", "ms", -6 },
	[C_CONTEXT] = VG_COL_CONTEXT,
};

static int port_arg(struct vg_tool_ctx *t, const char *arg, int *port)
{
	char *end;
	long p = strtol(arg, &end, 10);

	if (*end || p <= 0 || p > 65535)
		return vg_tool_error(t, "a port is 1-65535, not '%s'", arg);
	*port = (int)p;
	return 0;
}

static int option(struct vg_tool_ctx *t, int opt, const char *arg)
{
	switch (opt) {
	case 't': env.timestamp = true; break;
	case 'w': env.wide = true; break;
	case '4': env.family = VG_AF_INET; break;
	case '6': env.family = VG_AF_INET6; break;
	case 'L': return port_arg(t, arg, &env.lport);
	case 'D': return port_arg(t, arg, &env.rport);
	}
	return 0;
}

static void on_record(struct vg_tool_ctx *t, const struct vg_hdr *h, size_t size)
{
	const struct vg_tcp_conn *c = vg_rec_body(h);
	char bytes[32];

	if ((env.family && c->local.family != env.family) || (env.lport && c->local.port != env.lport) ||
	    (env.rport && c->remote.port != env.rport))
		return;
	vg_row_begin(t);
	vg_cell_elapsed(t, C_TS, h->ts, 3);
	vg_cell_int(t, C_PID, h->pid);
	vg_cell_strn(t, C_COMM, h->comm, strnlen(h->comm, sizeof(h->comm)));
	vg_cell_ip(t, C_LADDR, c->local.family, c->local.addr);
	vg_cell_int(t, C_LPORT, c->local.port);
	vg_cell_ip(t, C_RADDR, c->remote.family, c->remote.addr);
	vg_cell_int(t, C_RPORT, c->remote.port);
	vg_cell_double(t, C_TX, (double)c->tx_bytes / 1024, 2);
	vg_cell_double(t, C_RX, (double)c->rx_bytes / 1024, 2);
	vg_cell_double(t, C_MS, (double)c->span_ns / 1e6, 2);
	vg_cell_context(t, C_CONTEXT, h->pid, h->start_time, h->cgroup_id, h->uid);
	snprintf(bytes, sizeof(bytes), "%llu", (unsigned long long)c->tx_bytes);
	vg_json_member(t, "tx_bytes", bytes);
	snprintf(bytes, sizeof(bytes), "%llu", (unsigned long long)c->rx_bytes);
	vg_json_member(t, "rx_bytes", bytes);
	vg_row_end(t);
}

static int run(struct vg_tool_ctx *t)
{
	struct tcplife_bpf *obj = tcplife_bpf__open();
	int rc = -1;

	if (!obj)
		return vg_tool_error(t, "cannot open the BPF object");
	if (vg_tool_load(t, obj->obj, &obj->rodata->vg_tool_filter) < 0 || vg_tool_attach(t) < 0)
		goto out;
	cols[C_TS].off = !env.timestamp;
	cols[C_LADDR].width = cols[C_RADDR].width = env.wide ? -39 : -15;
	vg_table(t, cols, C_COUNT);
	rc = vg_tool_run_loop(t, &(struct vg_tool_loop){ .what = "Tracing TCP connection lifespans", .on_record = on_record,
							 .min_record = sizeof(struct vg_hdr) + sizeof(struct vg_tcp_conn) });
out:
	vg_tool_done(t, rc);
	tcplife_bpf__destroy(obj);
	return rc;
}

const struct vg_tool vg_tool_tcplife = {
	.name = "tcplife",
	.summary = "TCP connections as they close: bytes sent and received, duration",
	.usage = "  -t, --timestamp        print seconds since tracing began\n"
		 "  -w, --wide             wide address columns (IPv6)\n"
		 "  -4, --ipv4 / -6, --ipv6  only this family\n"
		 "  -L, --localport PORT   only this local port\n"
		 "  -D, --remoteport PORT  only this remote port\n",
	.shortopts = "tw46L:D:",
	.longopts = (const struct option[]){ { "timestamp", no_argument, NULL, 't' },
					     { "wide", no_argument, NULL, 'w' },
					     { "ipv4", no_argument, NULL, '4' },
					     { "ipv6", no_argument, NULL, '6' },
					     { "localport", required_argument, NULL, 'L' },
					     { "remoteport", required_argument, NULL, 'D' },
					     { NULL, 0, NULL, 0 } },
	.elf_bytes = tcplife_bpf__elf_bytes,
	.option = option,
	.run = run,
};
