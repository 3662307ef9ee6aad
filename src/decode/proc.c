/* decode/proc.c — exec, fork, exit and exit_group: the events that keep the process table
 * current; and nanosleep.
 *
 * A successful exec replaces the process's image in the table (exe, argv, cwd, tty,
 * environment facts, container) and gives it a new exec_id; a failed exec leaves the
 * image alone and reports what was attempted. fork creates the child's entry from the
 * parent's; exit marks the entry for eviction. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "decode/decode.h"
#include "proc/procfs.h"

enum {
	F_ARGV, F_ARGC, F_ARGV_TRUNC, F_FILENAME, F_EXE_DELETED, F_EXE_DEV, F_EXE_INO, F_PATH_TRUNC,
	F_STDIN_TYPE, F_STDIN_PATH, F_STDIN_PROTO, F_STDIN_LADDR, F_STDIN_LPORT, F_STDIN_RADDR, F_STDIN_RPORT,
	F_STDIN_PIPE,
	F_STDOUT_TYPE, F_STDOUT_PATH, F_STDOUT_PROTO, F_STDOUT_LADDR, F_STDOUT_LPORT, F_STDOUT_RADDR, F_STDOUT_RPORT,
	F_STDOUT_PIPE,
	F_SCRIPT, F_WRITER, F_WRITER_NAME, F_WRITER_EXE, F_WRITER_PID,
	F_CHILD_PID, F_CHILD_EXEC_ID,
	F_EXIT_CODE, F_EXIT_SIGNAL, F_EXIT_CORE,
	F_SLEEP_NS, F_SLEEP_CLOCK, F_SLEEP_ABSOLUTE, F_SLEEP_CALL,
	F_COUNT
};

#define FD_FIELDS(fd)                                                                                 \
	{ #fd ".type", VG_V_STR, "what " #fd " is at exec: file, pipe, socket, tty or other" },            \
	{ #fd ".path", VG_V_STR, "path of the file or tty behind " #fd },                                 \
	{ #fd ".proto", VG_V_STR, "tcp, udp, unix, ... when " #fd " is a socket" },                        \
	{ #fd ".laddr", VG_V_IP, "local address when " #fd " is an inet socket" },                        \
	{ #fd ".lport", VG_V_INT, "local port when " #fd " is an inet socket" },                          \
	{ #fd ".raddr", VG_V_IP, "remote address when " #fd " is an inet socket" },                       \
	{ #fd ".rport", VG_V_INT, "remote port when " #fd " is an inet socket" },                         \
	{ #fd ".pipe", VG_V_INT, "the pipe's inode number when " #fd " is a pipe or FIFO: the two ends of one pipe have the same" }

static const struct vg_field fields[F_COUNT] = {
	[F_ARGV] = { "exec.argv", VG_V_LIST, "arguments, argv[0] first (bounded: see exec.argv_truncated)" },
	[F_ARGC] = { "exec.argc", VG_V_INT, "number of arguments captured" },
	[F_ARGV_TRUNC] = { "exec.argv_truncated", VG_V_BOOL, "true when argv exceeded the capture bound" },
	[F_FILENAME] = { "exec.filename", VG_V_STR, "path the caller passed to a failed execve" },
	[F_EXE_DELETED] = { "exec.exe_deleted", VG_V_BOOL, "the executed file has no name left (deleted or memfd)" },
	[F_EXE_DEV] = { "exec.exe_dev", VG_V_INT,
			"the executed file's device, in the kernel's encoding (major << 20 | minor)" },
	[F_EXE_INO] = { "exec.exe_ino", VG_V_INT, "the executed file's inode number" },
	[F_PATH_TRUNC] = { "exec.path_truncated", VG_V_BOOL,
			   "one of the exec's paths (exe, cwd, stdin/stdout) lost root-most components in the "
			   "kernel; which one the kernel does not say, so none of them is marked" },
	FD_FIELDS(stdin),
	FD_FIELDS(stdout),
	[F_CHILD_PID] = { "fork.child_pid", VG_V_INT, "pid of the new process" },
	[F_CHILD_EXEC_ID] = { "fork.child_exec_id", VG_V_STR, "exec_id of the new process" },
	[F_EXIT_CODE] = { "exit.code", VG_V_INT, "exit status (0-255) when the process exited normally" },
	[F_EXIT_SIGNAL] = { "exit.signal", VG_V_INT, "signal that killed the process, 0 if none" },
	[F_EXIT_CORE] = { "exit.core_dumped", VG_V_BOOL, "a core dump was written" },
	[F_SLEEP_NS] = { "sleep.ns", VG_V_INT,
			 "nanoseconds asked for (with sleep.absolute: the time on the clock to sleep until)" },
	[F_SLEEP_CLOCK] = { "sleep.clock", VG_V_STR, "realtime, monotonic, boottime, tai, ... (nanosleep: monotonic)" },
	[F_SLEEP_ABSOLUTE] = { "sleep.absolute", VG_V_BOOL, "clock_nanosleep with TIMER_ABSTIME" },
	[F_SLEEP_CALL] = { "sleep.call", VG_V_STR, "nanosleep or clock_nanosleep" },
	[F_SCRIPT] = { "exec.script", VG_V_STR,
		       "the file the kernel was asked to run when a handler replaced it by an interpreter "
		       "(a #! script, a binfmt_misc format): its absolute path, from the name given and the cwd "
		       "(proc.exe is the interpreter)" },
	[F_WRITER] = { "exec.file_writer", VG_V_STR,
		       "exec_id of the process that last created the executed file or opened it for writing, "
		       "while the agent ran (absent when that process's image is no longer known)" },
	[F_WRITER_NAME] = { "exec.file_writer_name", VG_V_STR, "that process's name (comm) when it wrote the file" },
	[F_WRITER_EXE] = { "exec.file_writer_exe", VG_V_STR, "that process's executable, when known" },
	[F_WRITER_PID] = { "exec.file_writer_pid", VG_V_INT, "that process's pid" },
};

static const char *const fd_kinds[] = { "none", "file", "pipe", "socket", "tty", "other" };

static const char *proto_name(const struct vg_fdinfo *fi)
{
	return fi->sock_family == VG_AF_UNIX ? vg_family_name(VG_AF_UNIX) : vg_ip_proto_name(fi->proto);
}

static void add_fd(struct vg_event *ev, const struct vg_fdinfo *fi, int base)
{
	const char *proto;

	if (fi->kind == VG_FD_NONE || fi->kind > VG_FD_OTHER)
		return;
	vg_event_add_str(ev, &fields[base], fd_kinds[fi->kind], strlen(fd_kinds[fi->kind]));
	if (fi->kind == VG_FD_PIPE)
		vg_event_add_int(ev, &fields[base + 7], fi->ino);
	if (fi->kind != VG_FD_SOCKET) {
		vg_add_path(ev, &fields[base + 1], fi->path, false, NULL);
		return;
	}
	proto = proto_name(fi);
	vg_event_add_str(ev, &fields[base + 2], proto, strlen(proto));
	if (fi->local.family != VG_AF_INET && fi->local.family != VG_AF_INET6)
		return;
	vg_add_ip(ev, &fields[base + 3], &fi->local);
	vg_event_add_int(ev, &fields[base + 4], fi->local.port);
	vg_add_ip(ev, &fields[base + 5], &fi->remote);
	vg_event_add_int(ev, &fields[base + 6], fi->remote.port);
}

static int count_args(const char *p, size_t len)
{
	int n = 0;

	for (size_t i = 0; i < len; i++)
		if (p[i] == 0)
			n++;
	return len && p[len - 1] != 0 ? n + 1 : n;
}

static void add_argv(struct vg_event *ev, struct vg_str s)
{
	const char *p = "";
	size_t len = 0;

	vg_raw_bytes(ev, s, &p, &len);
	vg_event_add_str(ev, &fields[F_ARGV], p, len);
	vg_event_add_int(ev, &fields[F_ARGC], count_args(p, len));
	vg_event_add_bool(ev, &fields[F_ARGV_TRUNC], (ev->raw->flags & VG_F_ARGV_TRUNC) != 0);
}

/* Kernel tty names are "pts0"; people know them as "pts/0". */
static void set_tty(struct vg_proc *p, const char *name, size_t len)
{
	if (len > 3 && memcmp(name, "pts", 3) == 0 && name[3] >= '0' && name[3] <= '9')
		snprintf(p->tty, sizeof(p->tty), "pts/%.*s", (int)(len - 3), name + 3);
	else
		snprintf(p->tty, sizeof(p->tty), "%.*s", (int)len, name);
}

static void set_image(struct vg_event *ev, struct vg_proctable *pt, const struct vg_exec *e)
{
	const struct vg_hdr *h = ev->raw;
	struct vg_proc *p = ev->proc, *parent;
	const char *s, *path;
	size_t len;

	path = vg_add_path(ev, NULL, e->exe, false, &len);
	vg_proc_set_str(&p->exe, path ? path : "", path ? len : 0);
	path = vg_add_path(ev, NULL, e->cwd, false, &len);
	vg_proc_set_str(&p->cwd, path ? path : "", path ? len : 0);
	if (vg_raw_bytes(ev, e->argv, &s, &len))
		vg_proc_set_argv(p, s, len);
	else
		vg_proc_set_argv(p, "", 0);
	p->argv_truncated = (h->flags & VG_F_ARGV_TRUNC) != 0;
	p->exe_deleted = e->exe_deleted;
	p->tty[0] = 0;
	if (vg_raw_bytes(ev, e->tty, &s, &len))
		set_tty(p, s, len);
	p->ld_preload[0] = p->ssh_connection[0] = p->env_home[0] = 0;
	if (vg_raw_bytes(ev, e->env, &s, &len))
		vg_proc_set_env(p, s, len);
	/* past the kernel's bound, the rest is only in /proc (while the process lives) */
	if ((h->flags & VG_F_ENV_TRUNC) && !p->ld_preload[0])
		vg_proctable_env_from_proc(pt, p);
	p->pgid = (pid_t)e->pgid;
	p->sid = (pid_t)e->sid;
	p->exec_time = h->ts;
	p->start_time = h->start_time;
	p->from_proc = false;
	vg_proctable_exec(pt, p);
	snprintf(p->exec_id, sizeof(p->exec_id), "%llu-%u", (unsigned long long)h->ts, h->pid);
	parent = vg_proctable_ensure(pt, (pid_t)h->ppid);
	snprintf(p->parent_exec_id, sizeof(p->parent_exec_id), "%s", parent->exec_id);

	path = vg_add_path(ev, NULL, e->cgroup, false, &len);
	vg_proc_set_container(p, path ? path : "/", h->pidns, h->mntns, h->netns);
	p->container.nodename[0] = 0;
	if (vg_raw_bytes(ev, e->nodename, &s, &len))
		snprintf(p->container.nodename, sizeof(p->container.nodename), "%.*s", (int)len, s);
}

/* Who last wrote the executed file: the kernel's note (pid, start time, name, when), and
 * from the table the writer's exec_id and executable when the entry of that pid is the same
 * process and still runs the image it wrote with (it has not exec'd since). */
static void add_writer(struct vg_event *ev, struct vg_proctable *pt, const struct vg_writer *w)
{
	const uint64_t tick = 20 * 1000 * 1000; /* /proc start times are rounded to clock ticks */
	const struct vg_proc *p;
	uint64_t diff;

	if (!w->pid)
		return;
	vg_event_add_str(ev, &fields[F_WRITER_NAME], w->comm, strnlen(w->comm, sizeof(w->comm)));
	vg_event_add_int(ev, &fields[F_WRITER_PID], w->pid);
	if (!(p = vg_proctable_get(pt, (pid_t)w->pid)))
		return;
	diff = p->start_time > w->start_time ? p->start_time - w->start_time : w->start_time - p->start_time;
	if ((diff && !(p->from_proc && diff < tick)) || p->exec_time > w->ts)
		return;
	vg_event_add_str(ev, &fields[F_WRITER], p->exec_id, strlen(p->exec_id));
	vg_event_add_str(ev, &fields[F_WRITER_EXE], p->exe, strlen(p->exe));
}

static int decode_exec(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_exec *e = body;

	if (ev->raw->ret < 0) {
		vg_add_raw_str(ev, &fields[F_FILENAME], e->exe);
		add_argv(ev, e->argv);
		return 0;
	}
	set_image(ev, pt, e);
	add_argv(ev, e->argv);
	vg_event_add_bool(ev, &fields[F_EXE_DELETED], e->exe_deleted);
	vg_event_add_int(ev, &fields[F_EXE_DEV], (int64_t)e->exe_key.dev);
	vg_event_add_int(ev, &fields[F_EXE_INO], (int64_t)e->exe_key.ino);
	vg_event_add_bool(ev, &fields[F_PATH_TRUNC], (ev->raw->flags & VG_F_PATH_TRUNC) != 0);
	/* exec.* before stdin.* and stdout.*: the writers group fields by prefix in order */
	if (e->script.name.len) {
		size_t len;
		const char *script = vg_upath_join(ev, &e->script, &len);

		if (!script)
			return -1;
		vg_event_add_str(ev, &fields[F_SCRIPT], script, len);
	}
	add_writer(ev, pt, &e->writer);
	add_fd(ev, &e->fd[0], F_STDIN_TYPE);
	add_fd(ev, &e->fd[1], F_STDOUT_TYPE);
	return 0;
}

static int decode_fork(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_fork *f = body;
	struct vg_proc *parent = ev->proc; /* pinned by the decoder */
	struct vg_proc *child;

	/* inserting the forking pid would replace the entry parent points at */
	if (f->child_pid == 0 || f->child_pid == ev->raw->pid)
		return -1;
	child = vg_proctable_insert(pt, (pid_t)f->child_pid);

	vg_proc_inherit(child, parent);
	child->ppid = parent->pid;
	child->start_time = child->exec_time = f->child_start_time;
	snprintf(child->exec_id, sizeof(child->exec_id), "%llu-%u", (unsigned long long)f->child_start_time,
		 f->child_pid);
	snprintf(child->parent_exec_id, sizeof(child->parent_exec_id), "%s", parent->exec_id);
	vg_event_add_int(ev, &fields[F_CHILD_PID], f->child_pid);
	vg_event_add_str(ev, &fields[F_CHILD_EXEC_ID], child->exec_id, strlen(child->exec_id));
	return 0;
}

static int decode_exit(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_exit *x = body;

	ev->proc->exit_code = x->code;
	vg_event_add_int(ev, &fields[F_EXIT_CODE], x->signal ? 0 : (x->code >> 8) & 0xff);
	vg_event_add_int(ev, &fields[F_EXIT_SIGNAL], x->signal);
	vg_event_add_bool(ev, &fields[F_EXIT_CORE], x->core_dumped);
	vg_proctable_mark_exited(pt, ev->proc, ev->raw->ts);
	return 0;
}

static int decode_nanosleep(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	static const char *const clocks[] = { "realtime", "monotonic", "process_cputime", "thread_cputime",
					      "monotonic_raw", "realtime_coarse", "monotonic_coarse", "boottime",
					      "realtime_alarm", "boottime_alarm", NULL, "tai" };
	const struct vg_nanosleep *n = body;
	const char *clock = n->clock < sizeof(clocks) / sizeof(clocks[0]) ? clocks[n->clock] : NULL;
	const char *call = n->call == VG_SLEEP_NANOSLEEP ? "nanosleep" : "clock_nanosleep";
	long long ns;

	/* the process chose the time: a sleep past 2262 (or a negative one) saturates */
	if (__builtin_mul_overflow(n->sec, 1000000000ll, &ns) || __builtin_add_overflow(ns, n->nsec, &ns))
		ns = n->sec < 0 ? LLONG_MIN : LLONG_MAX;
	vg_event_add_int(ev, &fields[F_SLEEP_NS], ns);
	if (clock)
		vg_event_add_str(ev, &fields[F_SLEEP_CLOCK], clock, strlen(clock));
	vg_event_add_bool(ev, &fields[F_SLEEP_ABSOLUTE], n->flags & 1);
	vg_event_add_str(ev, &fields[F_SLEEP_CALL], call, strlen(call));
	return 0;
}

static const struct vg_decoder_entry decoders[] = {
	{ VG_EV_EXEC, sizeof(struct vg_exec), decode_exec },
	{ VG_EV_FORK, sizeof(struct vg_fork), decode_fork },
	{ VG_EV_EXIT, sizeof(struct vg_exit), decode_exit },
	{ VG_EV_EXIT_GROUP, sizeof(struct vg_exit), decode_exit },
	{ VG_EV_NANOSLEEP, sizeof(struct vg_nanosleep), decode_nanosleep },
};

const struct vg_domain vg_domain_proc = {
	"proc", fields, F_COUNT, decoders, sizeof(decoders) / sizeof(decoders[0]),
};
