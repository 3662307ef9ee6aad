/* features.c — probes the running kernel for what vigil can use (see features.h).
 * Each BPF mechanism is tested the way the loader will use it: a two-instruction program
 * ("r0 = 0; exit") is loaded with the right type and attach target and then attached, so
 * "yes" means the loader's own attach will work and "no" carries the kernel's answer.
 * libbpf's own probes answer the questions that need no attach (map types, helpers).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "loader/features.h"
#include "output/json.h"
#include "reader/uevent.h"

/* Hooks the probes attach to: present on every kernel vigil supports, and cheap. */
#define PROBE_TRACEPOINT "sched_process_exec"
#define PROBE_KFUNC "do_unlinkat"
#define PROBE_LSM_HOOK "bpf_lsm_file_open"

static const struct bpf_insn return_zero[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

/* Writes a reason into why and returns false, so probes can `return explain(why, ...)`. */
static bool explain(char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool explain(char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, VG_WHY_LEN, fmt, ap);
	va_end(ap);
	return false;
}

/* Reads a small file into buf, NUL-terminated, one trailing newline dropped.
 * Returns -1 with errno set on failure. */
static int read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	err = errno;
	close(fd);
	if (n < 0) {
		errno = err;
		return -1;
	}
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return (int)n;
}

/* Mounts a missing pseudo filesystem. True when it is mounted now; why then says so
 * (a note, since vigil changed the system), else why says what went wrong. */
static bool mount_missing(const char *fstype, const char *dir, char *why)
{
	if (geteuid() != 0)
		return explain(why, "%s not mounted at %s, and mounting it needs root", fstype, dir);
	if (mount("nodev", dir, fstype, 0, NULL) < 0)
		return explain(why, "%s not mounted; mount on %s failed: %s", fstype, dir,
			       strerror(errno));
	explain(why, "%s was not mounted; vigil mounted it on %s", fstype, dir);
	return true;
}

/* Lockdown mode and active LSMs from securityfs, mounting it if it is missing. */
static void probe_security(struct vg_features *f)
{
	char buf[128], *open_br, *close_br;

	strcpy(f->lockdown, "unknown");
	strcpy(f->lsm, "unknown");
	if (access("/sys/kernel/security/lsm", F_OK) < 0 && errno == ENOENT &&
	    !mount_missing("securityfs", "/sys/kernel/security", f->why_security))
		return;
	if (read_text("/sys/kernel/security/lsm", f->lsm, sizeof(f->lsm)) < 0) {
		strcpy(f->lsm, "unknown");
		explain(f->why_security, "/sys/kernel/security/lsm: %s", strerror(errno));
		return;
	}
	if (read_text("/sys/kernel/security/lockdown", buf, sizeof(buf)) < 0) {
		/* No lockdown file with securityfs mounted: the lockdown LSM is not built in. */
		if (errno == ENOENT)
			strcpy(f->lockdown, "none");
		else
			explain(f->why_security, "/sys/kernel/security/lockdown: %s",
				strerror(errno));
		return;
	}
	/* "none [integrity] confidentiality": the bracketed word is the mode in force. */
	open_br = strchr(buf, '[');
	close_br = open_br ? strchr(open_br, ']') : NULL;
	if (close_br && (size_t)(close_br - open_br - 1) < sizeof(f->lockdown))
		snprintf(f->lockdown, sizeof(f->lockdown), "%.*s", (int)(close_br - open_br - 1),
			 open_br + 1);
	else
		explain(f->why_security, "unexpected /sys/kernel/security/lockdown: %.60s", buf);
}

/* Root, or the capabilities that loading and attaching tracing programs needs. */
static bool probe_privileged(char *why)
{
	char status[8192], *line;
	unsigned long long eff = 0;

	if (read_text("/proc/self/status", status, sizeof(status)) >= 0 &&
	    (line = strstr(status, "\nCapEff:")))
		eff = strtoull(line + strlen("\nCapEff:"), NULL, 16);
	if ((eff >> CAP_SYS_ADMIN & 1) || ((eff >> CAP_BPF & 1) && (eff >> CAP_PERFMON & 1)))
		return true;
	return explain(why, "needs root (CAP_BPF/CAP_SYS_ADMIN); uid %u has neither",
		       (unsigned)geteuid());
}

static bool probe_tracefs(struct vg_features *f)
{
	static const char *const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char events[64];
	int err = ENOENT;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(events, sizeof(events), "%s/events", dirs[i]);
		if (access(events, F_OK) == 0) {
			strcpy(f->tracefs_path, dirs[i]);
			explain(f->why_tracefs, "%s", dirs[i]);
			return true;
		}
		if (errno != ENOENT && err == ENOENT)
			err = errno;
	}
	if (err != ENOENT)
		return explain(f->why_tracefs, "%s/events: %s", dirs[0], strerror(err));
	if (!mount_missing("tracefs", dirs[0], f->why_tracefs))
		return false;
	strcpy(f->tracefs_path, dirs[0]);
	return true;
}

/* The kernel's reason for rejecting a program: the last line of the verifier log. */
static const char *last_line(char *log)
{
	size_t n = strlen(log);
	char *nl;

	while (n > 0 && log[n - 1] == '\n')
		log[--n] = '\0';
	nl = strrchr(log, '\n');
	return nl ? nl + 1 : log;
}

/* Loads "r0 = 0; exit" as a program of this type. Returns its fd, or -1 with why set. */
static int load_prog(enum bpf_prog_type type, enum bpf_attach_type attach_type, int btf_id,
		     char *why)
{
	char log[4096] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach_type,
		    .attach_btf_id = btf_id, .log_buf = log, .log_size = sizeof(log),
		    .log_level = 1);
	int fd = bpf_prog_load(type, "vigil_probe", "GPL", return_zero,
			       sizeof(return_zero) / sizeof(return_zero[0]), &opts);

	if (fd < 0) {
		explain(why, "load: %s%s%s", strerror(-fd), log[0] ? "; verifier: " : "",
			last_line(log));
		return -1;
	}
	return fd;
}

/* Attaches a loaded program by raw tracepoint name, or to its BTF target when tp is NULL
 * (tp_btf, fentry and LSM programs), then detaches it again. */
static bool attach_raw(const char *tp, int prog_fd, char *why)
{
	int link = bpf_raw_tracepoint_open(tp, prog_fd);

	if (link < 0)
		return explain(why, "attach: %s", strerror(-link));
	close(link);
	return true;
}

/* Loads and attaches a program whose target is a vmlinux BTF type (tp_btf, fentry, LSM). */
static bool probe_btf_prog(const struct btf *vmlinux, enum bpf_prog_type type,
			   enum bpf_attach_type attach_type, const char *target, int kind,
			   char *why)
{
	int id, fd;
	bool ok;

	if (!vmlinux)
		return explain(why, "needs vmlinux BTF");
	id = btf__find_by_name_kind(vmlinux, target, kind);
	if (id < 0)
		return explain(why, "%s not in vmlinux BTF", target);
	fd = load_prog(type, attach_type, id, why);
	if (fd < 0)
		return false;
	ok = attach_raw(NULL, fd, why);
	close(fd);
	return ok;
}

static bool probe_raw_tp(char *why)
{
	int fd = load_prog(BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0, why);
	bool ok;

	if (fd < 0)
		return false;
	ok = attach_raw(PROBE_TRACEPOINT, fd, why);
	close(fd);
	return ok;
}

static int perf_open(struct perf_event_attr *attr, pid_t pid, int cpu)
{
	return (int)syscall(SYS_perf_event_open, attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

/* Loads a program of this type and attaches it to the perf event; closes both. */
static bool attach_perf(int perf_fd, enum bpf_prog_type type, char *why)
{
	int fd = load_prog(type, 0, 0, why);
	bool ok = fd >= 0;

	if (ok && ioctl(perf_fd, PERF_EVENT_IOC_SET_BPF, fd) < 0)
		ok = explain(why, "attach: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	close(perf_fd);
	return ok;
}

/* The perf event type number of a dynamic PMU (kprobe, uprobe), or -1 with why set. */
static int pmu_type(const char *pmu, char *why)
{
	char path[96], buf[32];

	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/type", pmu);
	if (read_text(path, buf, sizeof(buf)) < 0) {
		if (errno == ENOENT)
			explain(why, "no %s PMU in /sys/bus/event_source/devices: kernel built "
				"without %s events", pmu, pmu);
		else
			explain(why, "%s: %s", path, strerror(errno));
		return -1;
	}
	return atoi(buf);
}

static bool probe_tracepoint(const struct vg_features *f, char *why)
{
	char path[128], id[32];
	struct perf_event_attr attr = { .size = sizeof(attr), .type = PERF_TYPE_TRACEPOINT,
					.sample_period = 1, .wakeup_events = 1 };
	int perf_fd;

	if (!f->tracefs)
		return explain(why, "needs tracefs");
	snprintf(path, sizeof(path), "%s/events/sched/" PROBE_TRACEPOINT "/id", f->tracefs_path);
	if (read_text(path, id, sizeof(id)) < 0)
		return explain(why, "%s: %s", path, strerror(errno));
	attr.config = strtoull(id, NULL, 10);
	perf_fd = perf_open(&attr, -1, 0);
	if (perf_fd < 0)
		return explain(why, "perf_event_open(%s): %s", PROBE_TRACEPOINT, strerror(errno));
	return attach_perf(perf_fd, BPF_PROG_TYPE_TRACEPOINT, why);
}

static bool probe_kprobe(char *why)
{
	int type = pmu_type("kprobe", why);
	struct perf_event_attr attr = { .size = sizeof(attr),
					.kprobe_func = (uintptr_t)PROBE_KFUNC };
	int perf_fd;

	if (type < 0)
		return false;
	attr.type = type;
	perf_fd = perf_open(&attr, -1, 0);
	if (perf_fd < 0)
		return explain(why, "perf_event_open(kprobe %s): %s", PROBE_KFUNC, strerror(errno));
	return attach_perf(perf_fd, BPF_PROG_TYPE_KPROBE, why);
}

/* File offset of an ELF file's entry point: an instruction in an executable segment,
 * so a valid uprobe site, and one this process never runs again. -1 with why set. */
static long entry_offset(const char *path, char *why)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	long off = -1;

	if (fd < 0) {
		explain(why, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64)
		eh.e_phnum = 0;
	for (unsigned i = 0; i < eh.e_phnum && off < 0; i++) {
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + (off_t)i * eh.e_phentsize) != sizeof(ph))
			break;
		if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X) && eh.e_entry >= ph.p_vaddr &&
		    eh.e_entry < ph.p_vaddr + ph.p_filesz)
			off = (long)(eh.e_entry - ph.p_vaddr + ph.p_offset);
	}
	close(fd);
	if (off < 0)
		explain(why, "%s: no 64-bit ELF entry point in an executable segment", path);
	return off;
}

static bool probe_uprobe(char *why)
{
	static const char exe[] = "/proc/self/exe";
	int type = pmu_type("uprobe", why);
	long off = type < 0 ? -1 : entry_offset(exe, why);
	struct perf_event_attr attr = { .size = sizeof(attr), .uprobe_path = (uintptr_t)exe };
	int perf_fd;

	if (off < 0)
		return false;
	attr.type = type;
	attr.probe_offset = off;
	perf_fd = perf_open(&attr, 0, -1);
	if (perf_fd < 0)
		return explain(why, "perf_event_open(uprobe %s+%#lx): %s", exe, off,
			       strerror(errno));
	return attach_perf(perf_fd, BPF_PROG_TYPE_KPROBE, why);
}

/* Turns a libbpf_probe_*() answer (1 yes, 0 no, <0 error) into a feature. */
static bool libbpf_answer(int ret, const char *what, char *why)
{
	if (ret == 1)
		return true;
	if (ret == 0)
		return explain(why, "kernel has no %s", what);
	return explain(why, "probing %s: %s", what, strerror(-ret));
}

static void probe_bpf(struct vg_features *f)
{
	struct btf *vmlinux = NULL;

	if (f->btf) {
		vmlinux = btf__load_vmlinux_btf();
		if (!vmlinux)
			f->btf = explain(f->why_btf, "/sys/kernel/btf/vmlinux: %s", strerror(errno));
	}
	f->tracepoint = probe_tracepoint(f, f->why_tracepoint);
	f->tp_btf = probe_btf_prog(vmlinux, BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP,
				   "btf_trace_" PROBE_TRACEPOINT, BTF_KIND_TYPEDEF, f->why_tp_btf);
	f->raw_tp = probe_raw_tp(f->why_raw_tp);
	f->kprobe = probe_kprobe(f->why_kprobe);
	f->fentry = probe_btf_prog(vmlinux, BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, PROBE_KFUNC,
				   BTF_KIND_FUNC, f->why_fentry);
	f->lsm_prog = probe_btf_prog(vmlinux, BPF_PROG_TYPE_LSM, BPF_LSM_MAC, PROBE_LSM_HOOK,
				     BTF_KIND_FUNC, f->why_lsm_prog);
	f->uprobe = probe_uprobe(f->why_uprobe);
	f->ringbuf = libbpf_answer(libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL),
				   "BPF ring buffer maps", f->why_ringbuf);
	f->send_signal = libbpf_answer(libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT,
							       BPF_FUNC_send_signal, NULL),
				       "bpf_send_signal() for tracepoints", f->why_send_signal);
	f->bpf_loop = libbpf_answer(libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT,
							    BPF_FUNC_loop, NULL),
				    "bpf_loop() for tracepoints", f->why_bpf_loop);
	f->task_storage = libbpf_answer(libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL),
					"task storage maps", f->why_task_storage);
	btf__free(vmlinux);
}

/* The kernel's uevent broadcast, which usb_device_event reads (no BPF). */
static bool probe_uevent(char *why)
{
	int fd = vg_uevent_socket(why, VG_WHY_LEN);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int vg_features_probe(struct vg_features *f)
{
	struct utsname u;

	memset(f, 0, sizeof(*f));
	if (uname(&u) == 0)
		snprintf(f->release, sizeof(f->release), "%s", u.release);
	probe_security(f);
	f->privileged = probe_privileged(f->why_privileged);
	f->btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0 ||
		 explain(f->why_btf, "/sys/kernel/btf/vmlinux: %s (kernel needs CONFIG_DEBUG_INFO_BTF)",
			 strerror(errno));
	f->tracefs = probe_tracefs(f);
	f->uevent = probe_uevent(f->why_uevent);
	if (f->privileged) {
		probe_bpf(f);
	} else {
#define VG_NEEDS_ROOT(name) f->name = explain(f->why_##name, "needs root (CAP_BPF/CAP_SYS_ADMIN)");
		VG_BPF_FEATURES(VG_NEEDS_ROOT)
#undef VG_NEEDS_ROOT
	}
	return 0;
}

static void print_json(FILE *out, const struct vg_features *f)
{
	struct vg_buf b = { 0 };

	vg_buf_puts(&b, "{\"kernel\":");
	vg_json_cstr(&b, f->release);
	vg_buf_puts(&b, ",\"lockdown\":");
	vg_json_cstr(&b, f->lockdown);
	vg_buf_puts(&b, ",\"lsm\":");
	vg_json_cstr(&b, f->lsm);
	if (f->why_security[0]) {
		vg_buf_puts(&b, ",\"security_note\":");
		vg_json_cstr(&b, f->why_security);
	}
	vg_buf_puts(&b, ",\"tracefs_path\":");
	vg_json_cstr(&b, f->tracefs_path);
#define VG_JSON_FEATURE(name)                                                          \
	vg_buf_printf(&b, ",\"%s\":{\"ok\":%s", #name, f->name ? "true" : "false");       \
	if (f->why_##name[0]) {                                                            \
		vg_buf_puts(&b, ",\"why\":");                                              \
		vg_json_cstr(&b, f->why_##name);                                           \
	}                                                                                  \
	vg_buf_putc(&b, '}');
	VG_FEATURES(VG_JSON_FEATURE)
#undef VG_JSON_FEATURE
	vg_buf_puts(&b, "}\n");
	fwrite(b.p, 1, b.len, out);
	vg_buf_free(&b);
}

static void print_text(FILE *out, const struct vg_features *f)
{
	fprintf(out, "%-14s%s\n", "kernel", f->release);
	fprintf(out, "%-14s%s\n", "lockdown", f->lockdown);
	fprintf(out, "%-14s%s%s%s\n", "lsm", f->lsm, f->why_security[0] ? "  " : "",
		f->why_security);
#define VG_TEXT_FEATURE(name)                                                          \
	fprintf(out, "%-14s%-3s%s%s\n", #name, f->name ? "yes" : "no",                      \
		f->why_##name[0] ? "  " : "", f->why_##name);
	VG_FEATURES(VG_TEXT_FEATURE)
#undef VG_TEXT_FEATURE
}

void vg_features_print(FILE *out, const struct vg_features *f, bool json)
{
	if (json)
		print_json(out, f);
	else
		print_text(out, f);
}

const char *vg_features_fatal(const struct vg_features *f)
{
	if (!f->privileged)
		return "needs root (CAP_BPF/CAP_SYS_ADMIN)";
	if (!f->btf)
		return "no BTF at /sys/kernel/btf/vmlinux (kernel needs CONFIG_DEBUG_INFO_BTF)";
	if (!f->tracefs)
		return "tracefs is missing and could not be mounted";
	if (!f->ringbuf)
		return "BPF ring buffer maps are unsupported (needs Linux 5.8 or later)";
	return NULL;
}
