/* fields.c — header fields: computed from the record header, the event's process and
 * the process table rather than carried in the event's field list. The table is the
 * single source for name resolution and for the field reference in docs/rules.md.
 * Per-process fields are written once and listed for proc.*, parent.* and the indexed
 * ancestor forms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "decode/fields.h"
#include "proc/users.h"
#include "rules/internal.h"

static bool str(struct vg_value *out, const char *s, size_t len)
{
	out->type = VG_V_STR;
	out->str.ptr = s;
	out->str.len = len;
	return true;
}

static bool cstr(struct vg_value *out, const char *s)
{
	return str(out, s, strlen(s));
}

static bool num(struct vg_value *out, int64_t i)
{
	out->type = VG_V_INT;
	out->i = i;
	return true;
}

static bool boolean(struct vg_value *out, bool b)
{
	out->type = VG_V_BOOL;
	out->b = b;
	return true;
}

/* ---- per-process fields ---- */
static bool p_pid(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return num(o, p->pid); }
static bool p_ppid(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return num(o, p->ppid); }
static bool p_pgid(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return num(o, p->pgid); }
static bool p_sid(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return num(o, p->sid); }
static bool p_exe(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return cstr(o, p->exe); }
static bool p_cmdline(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return cstr(o, p->cmdline); }
static bool p_cwd(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return cstr(o, p->cwd); }
static bool p_tty(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return cstr(o, p->tty); }
static bool p_exec_id(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return cstr(o, p->exec_id); }
static bool p_ld_preload(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return cstr(o, p->ld_preload); }
static bool p_ssh(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return cstr(o, p->ssh_connection); }
static bool p_env_home(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return cstr(o, p->env_home); }
static bool p_deleted(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return boolean(o, p->exe_deleted); }

static bool p_name(struct ectx *c, const struct vg_proc *p, struct vg_value *o)
{
	return str(o, p->comm, strnlen(p->comm, sizeof(p->comm)));
}

static bool p_args(struct ectx *c, const struct vg_proc *p, struct vg_value *o)
{
	if (!p->argv)
		return false;
	o->type = VG_V_LIST;
	o->str.ptr = p->argv;
	o->str.len = p->argv_len;
	return true;
}

static bool p_pexec_id(struct ectx *c, const struct vg_proc *p, struct vg_value *o)
{
	return cstr(o, p->parent_exec_id);
}

/* ---- the event itself ---- */
static bool e_type(struct ectx *c, const struct vg_proc *p, struct vg_value *o)
{
	return cstr(o, vg_event_name(c->ev->type));
}

static bool e_id(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return num(o, vg_event_id(c->ev->type)); }
static bool e_time(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return num(o, (int64_t)c->ev->ts_ns); }

static bool e_ret(struct ectx *c, const struct vg_proc *p, struct vg_value *o)
{
	return c->ev->raw && num(o, c->ev->raw->ret);
}

static bool e_seq(struct ectx *c, const struct vg_proc *p, struct vg_value *o)
{
	return c->ev->raw && num(o, (int64_t)c->ev->raw->seq);
}

static bool e_cpu(struct ectx *c, const struct vg_proc *p, struct vg_value *o)
{
	return c->ev->raw && num(o, c->ev->raw->cpu);
}

static bool e_compat32(struct ectx *c, const struct vg_proc *p, struct vg_value *o)
{
	return c->ev->raw && boolean(o, c->ev->raw->flags & VG_F_COMPAT32);
}

static bool e_at_agent(struct ectx *c, const struct vg_proc *p, struct vg_value *o)
{
	return c->ev->raw && boolean(o, c->ev->raw->flags & VG_F_AT_AGENT);
}

static bool e_tid(struct ectx *c, const struct vg_proc *p, struct vg_value *o)
{
	return num(o, c->ev->raw ? (int64_t)c->ev->raw->tid : p->pid);
}

static bool e_vpid(struct ectx *c, const struct vg_proc *p, struct vg_value *o)
{
	return c->ev->raw && num(o, c->ev->raw->vpid);
}

/* ---- user: the credentials the event was raised with (the header), else the table's ---- */
static const struct vg_hdr *hdr(struct ectx *c) { return c->ev->raw; }
static bool u_uid(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return num(o, hdr(c) ? hdr(c)->uid : p->uid); }
static bool u_euid(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return num(o, hdr(c) ? hdr(c)->euid : p->euid); }
static bool u_gid(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return num(o, hdr(c) ? hdr(c)->gid : p->gid); }
static bool u_egid(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return num(o, hdr(c) ? hdr(c)->egid : p->egid); }
static bool u_auid(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return num(o, hdr(c) ? hdr(c)->auid : p->auid); }

static bool u_name(struct ectx *c, const struct vg_proc *p, struct vg_value *o)
{
	return cstr(o, vg_user_name(hdr(c) ? hdr(c)->uid : p->uid));
}

static bool u_home(struct ectx *c, const struct vg_proc *p, struct vg_value *o)
{
	return cstr(o, vg_user(hdr(c) ? hdr(c)->uid : p->uid)->home);
}

static bool u_system(struct ectx *c, const struct vg_proc *p, struct vg_value *o)
{
	return boolean(o, vg_user(hdr(c) ? hdr(c)->uid : p->uid)->system);
}

/* ---- container ---- */
static bool c_id(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return cstr(o, p->container.id); }
static bool c_cgroup(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return cstr(o, p->container.cgroup); }
static bool c_nodename(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return cstr(o, p->container.nodename); }
static bool c_pidns(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return num(o, p->container.pidns); }
static bool c_mntns(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return num(o, p->container.mntns); }
static bool c_netns(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return num(o, p->container.netns); }
static bool c_in_host(struct ectx *c, const struct vg_proc *p, struct vg_value *o) { return boolean(o, p->container.in_host); }

static bool c_runtime(struct ectx *c, const struct vg_proc *p, struct vg_value *o)
{
	return p->container.runtime && cstr(o, p->container.runtime);
}

/* X(suffix, type, getter, doc, example condition without the "proc." prefix) */
#define PROC_FIELDS(X)                                                                          \
	X(pid, VG_V_INT, p_pid, "process id (thread-group id)", "pid = 1")                \
	X(ppid, VG_V_INT, p_ppid, "parent's process id", "ppid = 1")                      \
	X(pgid, VG_V_INT, p_pgid, "process group id", "pgid = 1234")                  \
	X(sid, VG_V_INT, p_sid, "session id", "sid = 1")                                  \
	X(name, VG_V_STR, p_name, "command name (comm, at most 15 bytes)", "name in (bash, sh)") \
	X(exe, VG_V_STR, p_exe, "path of the executable image", "exe startswith /tmp/")  \
	X(exepath, VG_V_STR, p_exe, "same as exe", "exepath = /usr/bin/curl")             \
	X(cmdline, VG_V_STR, p_cmdline, "arguments joined with spaces", "cmdline contains \"base64 -d\"") \
	X(args, VG_V_LIST, p_args, "argv as a list (argv[0] first); operators match any element", "args contains -c") \
	X(cwd, VG_V_STR, p_cwd, "working directory", "cwd startswith /tmp")               \
	X(tty, VG_V_STR, p_tty, "controlling terminal, \"\" when none", "tty != \"\"")    \
	X(exe_deleted, VG_V_BOOL, p_deleted, "the executable was deleted (fileless)", "exe_deleted = true") \
	X(exec_id, VG_V_STR, p_exec_id, "host-unique id of this process image", "exec_id exists") \
	X(parent_exec_id, VG_V_STR, p_pexec_id, "exec_id of the parent", "parent_exec_id exists") \
	X(ld_preload, VG_V_STR, p_ld_preload, "LD_PRELOAD at exec", "ld_preload != \"\"") \
	X(ssh_connection, VG_V_STR, p_ssh, "SSH_CONNECTION at exec", "ssh_connection != \"\"")  \
	X(env_home, VG_V_STR, p_env_home, "HOME at exec (\"\" when unset)", "env_home = /root")

#define PROC_ROW(suffix, type, get, doc, ex) { "proc." #suffix, type, 0, get, doc, "proc." ex },
#define PARENT_ROW(suffix, type, get, doc, ex) { "parent." #suffix, type, 1, get, "parent's " doc, "parent." ex },

const struct hdr_field hdr_fields[] = {
	{ "evt.type", VG_V_STR, 0, e_type, "event name (see the event table)", "evt.type in (exec, connect)" },
	{ "evt.id", VG_V_INT, 0, e_id, "Elkeid-compatible event number", "evt.id = 59" },
	{ "evt.ret", VG_V_INT, 0, e_ret, "syscall result where the event has one", "evt.ret < 0" },
	{ "evt.time", VG_V_INT, 0, e_time, "wall clock, ns since the epoch", "evt.time > 0" },
	{ "evt.num", VG_V_INT, 0, e_seq, "per-CPU sequence number", "evt.num > 0" },
	{ "evt.cpu", VG_V_INT, 0, e_cpu, "CPU that raised the event", "evt.cpu = 0" },
	{ "evt.compat32", VG_V_BOOL, 0, e_compat32, "raised by a 32-bit (ia32) syscall", "evt.compat32 = true" },
	{ "evt.at_agent", VG_V_BOOL, 0, e_at_agent,
	  "aimed at the running vigil agent: a signal, ptrace or process_vm access to it, a bpf() call on its maps, "
	  "programs or links, an open for writing of its binary, rules or store, or a BPF program loaded by another "
	  "executable named vigil", "evt.at_agent = true" },
	{ "proc.tid", VG_V_INT, 0, e_tid, "thread id", "proc.tid != val(proc.pid)" },
	{ "proc.vpid", VG_V_INT, 0, e_vpid, "pid inside the process's own pid namespace", "proc.vpid = 1" },
	PROC_FIELDS(PROC_ROW)
	{ "proc.pname", VG_V_STR, 1, p_name, "parent's command name", "proc.pname in (nginx, httpd)" },
	{ "proc.pexe", VG_V_STR, 1, p_exe, "parent's executable", "proc.pexe = /usr/sbin/sshd" },
	{ "proc.pcmdline", VG_V_STR, 1, p_cmdline, "parent's command line", "proc.pcmdline contains cron" },
	{ "proc.aname", VG_V_STR, REL_INDEXED, p_name, "ancestor's command name: [1] parent .. [8]; without an index, any ancestor", "proc.aname[2] = sshd" },
	{ "proc.aexe", VG_V_STR, REL_INDEXED, p_exe, "ancestor's executable, indexed like proc.aname", "proc.aexe endswith /java" },
	{ "proc.acmdline", VG_V_STR, REL_INDEXED, p_cmdline, "ancestor's command line, indexed like proc.aname", "proc.acmdline contains kubelet" },
	{ "proc.apid", VG_V_INT, REL_INDEXED, p_pid, "ancestor's pid, indexed like proc.aname", "proc.apid[1] = 1" },
	PROC_FIELDS(PARENT_ROW)
	{ "user.uid", VG_V_INT, 0, u_uid, "real user id", "user.uid = 0" },
	{ "user.euid", VG_V_INT, 0, u_euid, "effective user id", "user.euid = 0 and user.uid != 0" },
	{ "user.gid", VG_V_INT, 0, u_gid, "real group id", "user.gid = 0" },
	{ "user.egid", VG_V_INT, 0, u_egid, "effective group id", "user.egid = 0" },
	{ "user.name", VG_V_STR, 0, u_name, "name of user.uid (host passwd, cached)", "user.name = root" },
	{ "user.home", VG_V_STR, 0, u_home, "home directory of user.uid (host passwd, cached; \"\" when unknown)",
	  "file.path startswith val(user.home)" },
	{ "user.system", VG_V_BOOL, 0, u_system,
	  "user.uid is a system account: not root, below UID_MIN of /etc/login.defs or nobody, or its shell "
	  "refuses logins (nologin, false)", "user.system = true" },
	{ "user.loginuid", VG_V_INT, 0, u_auid, "login (audit) uid; 4294967295 when unset", "user.loginuid != 4294967295" },
	{ "container.id", VG_V_STR, 0, c_id, "container id, \"\" on the host", "container.id != \"\"" },
	{ "container.runtime", VG_V_STR, 0, c_runtime, "docker, containerd, cri-o, podman or systemd-nspawn", "container.runtime = docker" },
	{ "container.in_host", VG_V_BOOL, 0, c_in_host, "the process is not in a container", "container.in_host = false" },
	{ "container.cgroup", VG_V_STR, 0, c_cgroup, "cgroup v2 path", "container.cgroup startswith /kubepods" },
	{ "container.pidns", VG_V_INT, 0, c_pidns, "pid namespace inode", "container.pidns != 4026531836" },
	{ "container.mntns", VG_V_INT, 0, c_mntns, "mount namespace inode", "container.mntns exists" },
	{ "container.netns", VG_V_INT, 0, c_netns, "network namespace inode", "container.netns exists" },
	{ "container.nodename", VG_V_STR, 0, c_nodename, "UTS host name seen by the process", "container.nodename != \"\"" },
};
const size_t hdr_nfields = sizeof(hdr_fields) / sizeof(hdr_fields[0]);

bool field_resolve(const char *name, struct operand *out, char *why, size_t whylen)
{
	char base[128];
	const char *br = strchr(name, '[');
	size_t blen = br ? (size_t)(br - name) : strlen(name);
	long idx = -1;

	memset(out, 0, sizeof(*out));
	out->name = name;
	if (blen >= sizeof(base)) {
		snprintf(why, whylen, "unknown field '%s'", name);
		return false;
	}
	memcpy(base, name, blen);
	base[blen] = 0;
	if (br) {
		char *end;

		idx = strtol(br + 1, &end, 10);
		if (end == br + 1 || strcmp(end, "]") != 0 || idx < 0 || idx > VG_ANCESTORS) {
			snprintf(why, whylen, "bad index in '%s' (expected [0] to [%d])", name, VG_ANCESTORS);
			return false;
		}
	}
	for (size_t i = 0; i < hdr_nfields; i++) {
		const struct hdr_field *hf = &hdr_fields[i];

		if (strcmp(hf->name, base) != 0)
			continue;
		if (br && hf->rel != REL_INDEXED) {
			snprintf(why, whylen, "field '%s' takes no index", base);
			return false;
		}
		out->kind = OPD_HDR;
		out->type = hf->type;
		out->hf = hf;
		out->anc = hf->rel != REL_INDEXED ? hf->rel : br ? (int)idx : ANC_ANY;
		return true;
	}
	out->ef = br ? NULL : vg_field_find(base);
	if (!out->ef) {
		snprintf(why, whylen, "unknown field '%s'", name);
		return false;
	}
	out->kind = OPD_EVT;
	out->type = out->ef->type;
	return true;
}

static const char *const type_names[] = {
	[VG_V_STR] = "string", [VG_V_INT] = "int", [VG_V_BOOL] = "bool",
	[VG_V_IP] = "ip", [VG_V_LIST] = "list",
};

const char *vtype_name(enum vg_vtype t)
{
	return type_names[t];
}

/* An example for an event field, from its type (and for strings, whether it is a path). */
static void event_example(char *buf, size_t len, const struct vg_field *f)
{
	static const char *const fmt[] = {
		[VG_V_STR] = "%s != \"\"", [VG_V_INT] = "%s > 0",
		[VG_V_BOOL] = "%s = true", [VG_V_IP] = "%s in (10.0.0.0/8, ::1)",
		[VG_V_LIST] = "%s contains -c",
	};
	size_t n = strlen(f->name);

	if (f->type == VG_V_STR && n > 4 && strcmp(f->name + n - 4, "path") == 0)
		snprintf(buf, len, "%s startswith /etc/", f->name);
	else
		snprintf(buf, len, fmt[f->type], f->name);
}

/* A table cell: '|' would end it. */
static void cell(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', out);
		fputc(*s, out);
	}
}

static void row(FILE *out, const char *name, const char *suffix, enum vg_vtype type, const char *doc,
		const char *example)
{
	fprintf(out, "| `%s%s` | %s | ", name, suffix, type_names[type]);
	cell(out, doc ? doc : "");
	fputs(" | `", out);
	cell(out, example);
	fputs("` |\n", out);
}

void vg_rules_fields_markdown(FILE *out)
{
	const struct vg_field *f;
	char ex[256];

	fprintf(out, "| field | type | description | example |\n|---|---|---|---|\n");
	for (size_t i = 0; i < hdr_nfields; i++)
		row(out, hdr_fields[i].name, hdr_fields[i].rel == REL_INDEXED ? "[N]" : "", hdr_fields[i].type,
		    hdr_fields[i].doc, hdr_fields[i].example);
	for (size_t i = 0; (f = vg_field_at(i)); i++) {
		event_example(ex, sizeof(ex), f);
		row(out, f->name, "", f->type, f->doc, ex);
	}
	fprintf(out, "\nValues of `evt.type`:\n\n| evt.type | evt.id | profile |\n|---|---|---|\n");
	for (unsigned t = 0; t < VG_EV__COUNT; t++)
		fprintf(out, "| `%s` | %u | %s |\n", vg_event_name(t), vg_event_id(t),
			vg_event_profile(t) == 1 ? "default" : "sandbox");
}
