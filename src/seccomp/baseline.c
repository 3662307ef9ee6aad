/* baseline.c — what a container runtime needs after it has installed the container's
 * seccomp filter and before the application runs: syscalls the application may never
 * make itself, so a recording of it misses them and the container fails to start
 * ("ensure /proc/self/fd is on procfs: operation not permitted"). Kept in a section of
 * its own, apart from what the application needs.
 *
 * The lists are those of the Security Profiles Operator's base profiles
 * (kubernetes-sigs/security-profiles-operator: examples/baseprofile-runc.yaml, runc
 * v1.2.3; examples/baseprofile-crun.yaml, crun v1.21), which include moby issue 22252's
 * fifteen (capget, capset, chdir, fchown, futex, getdents64, getpid, getppid, lstat,
 * openat, prctl, setgid, setgroups, setuid, stat) as far as each runtime still calls
 * them. */
#include <stdio.h>
#include <string.h>
#include "seccomp/seccomp.h"

static const char *const runc[] = {
	"arch_prctl", "brk", "capget", "capset", "chdir", "close", "close_range", "epoll_ctl",
	"epoll_pwait", "execve", "exit_group", "faccessat2", "fcntl", "fstat", "fstatfs", "futex",
	"getcwd", "getdents64", "getpid", "getppid", "getuid", "mmap", "mprotect", "nanosleep",
	"newfstatat", "openat", "prctl", "read", "recvfrom", "rt_sigreturn", "sched_yield",
	"set_tid_address", "setgid", "setgroups", "setuid", "tgkill", "write", NULL,
};

static const char *const crun[] = {
	"access", "arch_prctl", "brk", "capset", "chdir", "chmod", "chown", "close", "close_range",
	"dup2", "execve", "exit_group", "fchdir", "fchown", "fstat", "fstatfs", "getcwd", "getegid",
	"geteuid", "getgid", "getuid", "ioctl", "lseek", "mkdirat", "mknodat", "mmap", "mount",
	"mprotect", "nanosleep", "newfstatat", "openat", "openat2", "pivot_root", "prctl", "pselect6",
	"read", "readlink", "rt_sigaction", "rt_sigprocmask", "set_tid_address", "setgroups",
	"sethostname", "setns", "setresgid", "setresuid", "setsid", "statfs", "statx", "symlinkat",
	"umask", "umount2", "unshare", "write", NULL,
};

static const struct {
	const char *name;
	const char *const *syscalls;
} runtimes[] = {
	{ "runc", runc },
	{ "crun", crun },
};

const char *vg_sc_baseline_names(void)
{
	static char names[64];

	for (size_t i = 0; !names[0] && i < sizeof(runtimes) / sizeof(runtimes[0]); i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", i ? ", " : "", runtimes[i].name);
	return names;
}

int vg_sc_baseline_add(struct vg_sc_profile *p, const char *runtime, char *err, size_t errlen)
{
	char section[64];

	for (size_t i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++) {
		if (strcmp(runtimes[i].name, runtime) != 0)
			continue;
		snprintf(section, sizeof(section), VG_SC_SECTION_BASELINE " (%s)", runtime);
		for (const char *const *s = runtimes[i].syscalls; *s; s++)
			if (!vg_sc_profile_allows(p, *s))
				vg_sc_profile_add(p, "SCMP_ACT_ALLOW", false, 0, section, *s);
		return 0;
	}
	snprintf(err, errlen, "unknown runtime '%s' (expected %s)", runtime, vg_sc_baseline_names());
	return -1;
}
