/* tcpaccept.c — `vigil trace tcpaccept`: accepted TCP connections, as BCC's tcpaccept
 * prints them: [TIME] [TIME(s)] PID COMM IP RADDR RPORT LADDR LPORT. */
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "tools/tool.h"
#include "tools/tcp.h"
#include "tcpaccept.skel.h"

static struct {
	bool time, timestamp;
	int lport;
} env;

enum { C_TIME, C_TS, C_PID, C_COMM, C_IP, C_RADDR, C_RPORT, C_LADDR, C_LPORT, C_CONTEXT, C_COUNT };

static struct vg_col cols[C_COUNT] = {
	[C_TIME] = { "TIME", "time", -8, true },
	[C_TS] = { "TIME(s)", "time_s", -9, true },
	[C_PID] = { "PID", "pid", -7 },
	[C_COMM] = { "COMM", "comm", -12 },
	[C_IP] = { "IP", "ip", -2 },
	[C_RADDR] = { "RADDR", "raddr", -16 },
	[C_RPORT] = { "RPORT", "rport", -5 },
	[C_LADDR] = { "LADDR", "laddr", -16 },
	[C_LPORT] = { "LPORT", "lport", -5 },
	[C_CONTEXT] = VG_COL_CONTEXT,
};

static int option(struct vg_tool_ctx *t, int opt, const char *arg)
{
	char *end;

	switch (opt) {
	case 'T': env.time = true; break;
	case 't': env.timestamp = true; break;
	case 'P':
		env.lport = (int)strtol(arg, &end, 10);
		if (*end || env.lport <= 0 || env.lport > 65535)
			return vg_tool_error(t, "-P takes a port, not '%s'", arg);
		break;
	}
	return 0;
}

static void on_record(struct vg_tool_ctx *t, const struct vg_hdr *h, size_t size)
{
	const struct vg_tcp_conn *c = vg_rec_body(h);

	if (env.lport && c->local.port != env.lport)
		return;
	vg_row_begin(t);
	vg_cell_clock(t, C_TIME, vg_boot_to_wall(h->ts));
	vg_cell_elapsed(t, C_TS, h->ts, 3);
	vg_cell_int(t, C_PID, h->pid);
	vg_cell_strn(t, C_COMM, h->comm, strnlen(h->comm, sizeof(h->comm)));
	vg_cell_int(t, C_IP, c->remote.family == VG_AF_INET6 ? 6 : 4);
	vg_cell_ip(t, C_RADDR, c->remote.family, c->remote.addr);
	vg_cell_int(t, C_RPORT, c->remote.port);
	vg_cell_ip(t, C_LADDR, c->local.family, c->local.addr);
	vg_cell_int(t, C_LPORT, c->local.port);
	vg_cell_context(t, C_CONTEXT, h->pid, h->start_time, h->cgroup_id, h->uid);
	vg_row_end(t);
}

static int run(struct vg_tool_ctx *t)
{
	struct tcpaccept_bpf *obj = tcpaccept_bpf__open();
	int rc = -1;

	if (!obj)
		return vg_tool_error(t, "cannot open the BPF object");
	if (vg_tool_load(t, obj->obj, &obj->rodata->vg_tool_filter) < 0 || vg_tool_attach(t) < 0)
		goto out;
	cols[C_TIME].off = !env.time && !t->json;
	cols[C_TS].off = !env.timestamp;
	vg_table(t, cols, C_COUNT);
	rc = vg_tool_run_loop(t, &(struct vg_tool_loop){ .what = "Tracing accept()s", .on_record = on_record,
							 .min_record = sizeof(struct vg_hdr) + sizeof(struct vg_tcp_conn) });
out:
	vg_tool_done(t, rc);
	tcpaccept_bpf__destroy(obj);
	return rc;
}

const struct vg_tool vg_tool_tcpaccept = {
	.name = "tcpaccept",
	.summary = "accepted TCP connections (accept, accept4), with addresses and ports",
	.usage = "  -T, --time             print the time (HH:MM:SS)\n"
		 "  -t, --timestamp        print seconds since tracing began\n"
		 "  -P, --port PORT        only connections to this local port\n",
	.shortopts = "TtP:",
	.longopts = (const struct option[]){ { "time", no_argument, NULL, 'T' },
					     { "timestamp", no_argument, NULL, 't' },
					     { "port", required_argument, NULL, 'P' },
					     { NULL, 0, NULL, 0 } },
	.elf_bytes = tcpaccept_bpf__elf_bytes,
	.option = option,
	.run = run,
};
