/* verify.c — `vigil seccomp verify`: a trial run of a command under a profile whose default
 * action is SCMP_ACT_LOG, and the list of what the profile would have denied.
 *
 * The kernel reports each SECCOMP_RET_LOG decision as an audit record (type 1326, code
 * 0x7ffc0000). Where they go depends on the host (auditd's log, the journal, or the kernel
 * log, which rate-limits them to a few per second and drops the rest), so vigil reads them
 * where every host has them: the audit netlink multicast group (AUDIT_NLGRP_READLOG), which
 * gets every record whether or not an audit daemon runs, and does not take its place. The
 * records of the command's process tree are told apart by pid (the tree is followed by the
 * seccomp BPF object's fork program). The end of the run is exact, not a guess: after the
 * command exits vigil starts a sentinel process that makes one SCMP_ACT_LOG syscall; the
 * kernel queues audit records in order, so once the sentinel's record comes back every
 * record of the run has (and if it never comes, this kernel makes no such records, which
 * verify then says). Records lost on the way (the audit backlog, the socket's buffer) are
 * counted and reported: a verification with losses says so. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "seccomp/seccomp.h"

#define SECCOMP_RET_LOG_CODE 0x7ffc0000u
#define END_WAIT_NS (5ull * 1000000000ull)

struct denied {
	unsigned arch; /* audit arch, the same numbers as libseccomp's tokens */
	int nr;
	unsigned long count;
	pid_t pid;
	char comm[64], exe[512];
};

struct trial {
	int sock;               /* the multicast reader */
	struct vg_sc_follower *tree;
	struct denied *d;
	int nd;
	unsigned long overflows; /* the socket buffer overflowed (ENOBUFS) */
	pid_t sentinel;
	bool ended;
};

/* ---- audit netlink ---- */

static int audit_socket(unsigned groups)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = groups };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT), size = 8 << 20;

	if (fd < 0)
		return -1;
	if (groups && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int audit_send(int fd, int type, const void *data, size_t len)
{
	struct {
		struct nlmsghdr h;
		char data[512];
	} req = { .h = { .nlmsg_len = NLMSG_LENGTH(len), .nlmsg_type = type, .nlmsg_flags = NLM_F_REQUEST } };
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	if (len > sizeof(req.data))
		return -1;
	if (len)
		memcpy(req.data, data, len);
	return sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0 ? -1 : 0;
}

/* The kernel's audit status (enabled, lost); -1 with errno when it cannot be read. */
static int audit_status(struct audit_status *st)
{
	int fd = audit_socket(0), rc = -1;
	char buf[8192];

	if (fd < 0)
		return -1;
	if (audit_send(fd, AUDIT_GET, NULL, 0) == 0) {
		struct timeval tv = { 2, 0 };

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		for (int tries = 0; tries < 4 && rc < 0; tries++) {
			ssize_t n = recv(fd, buf, sizeof(buf), 0);
			struct nlmsghdr *h = (struct nlmsghdr *)buf;

			if (n <= 0)
				break;
			for (; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n))
				if (h->nlmsg_type == AUDIT_GET) {
					memset(st, 0, sizeof(*st));
					memcpy(st, NLMSG_DATA(h), h->nlmsg_len - NLMSG_HDRLEN < sizeof(*st) ?
							     h->nlmsg_len - NLMSG_HDRLEN : sizeof(*st));
					rc = 0;
				} else if (h->nlmsg_type == NLMSG_ERROR &&
					   ((struct nlmsgerr *)NLMSG_DATA(h))->error) {
					errno = -((struct nlmsgerr *)NLMSG_DATA(h))->error;
					tries = 4;
					break;
				}
		}
	}
	close(fd);
	return rc;
}

/* ---- records ---- */

/* The value of key in an audit record's "key=value ..." text, unquoted; a bare value of
 * comm or exe is hex (audit's encoding of names with unusual bytes). */
static bool field(const char *text, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key);
	const char *p = text;

	while ((p = strstr(p, key))) {
		if ((p == text || p[-1] == ' ') && p[klen] == '=') {
			const char *v = p + klen + 1;
			size_t n;

			if (*v == '"') {
				n = strcspn(++v, "\"");
				snprintf(out, len, "%.*s", (int)n, v);
			} else {
				n = strcspn(v, " \n");
				if (strcmp(key, "comm") == 0 || strcmp(key, "exe") == 0) {
					size_t o = 0;

					for (size_t i = 0; i + 1 < n && o + 1 < len; i += 2) {
						unsigned b;

						if (sscanf(v + i, "%2x", &b) != 1)
							break;
						out[o++] = (char)b;
					}
					out[o] = 0;
				} else {
					snprintf(out, len, "%.*s", (int)n, v);
				}
			}
			return true;
		}
		p += klen;
	}
	return false;
}

static void on_seccomp(struct trial *t, const char *text)
{
	char v[512];
	unsigned arch, code;
	pid_t pid;
	int nr;

	if (!field(text, "code", v, sizeof(v)) || sscanf(v, "%x", &code) != 1 || code != SECCOMP_RET_LOG_CODE)
		return;
	if (!field(text, "pid", v, sizeof(v)) || (pid = atoi(v)) <= 0)
		return;
	if (pid == t->sentinel) {
		t->ended = true;
		return;
	}
	if (!vg_sc_followed(t->tree, pid))
		return;
	if (!field(text, "arch", v, sizeof(v)) || sscanf(v, "%x", &arch) != 1 ||
	    !field(text, "syscall", v, sizeof(v)) || sscanf(v, "%d", &nr) != 1)
		return;
	for (int i = 0; i < t->nd; i++)
		if (t->d[i].arch == arch && t->d[i].nr == nr) {
			t->d[i].count++;
			return;
		}
	t->d = realloc(t->d, (t->nd + 1) * sizeof(*t->d));
	if (!t->d)
		abort();
	t->d[t->nd] = (struct denied){ .arch = arch, .nr = nr, .count = 1, .pid = pid };
	field(text, "comm", t->d[t->nd].comm, sizeof(t->d[t->nd].comm));
	field(text, "exe", t->d[t->nd].exe, sizeof(t->d[t->nd].exe));
	t->nd++;
}

static void drain(struct trial *t)
{
	char buf[16384];

	for (;;) {
		ssize_t n = recv(t->sock, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (n < 0 && errno == ENOBUFS) {
			t->overflows++;
			continue;
		}
		if (n <= 0)
			return;
		buf[n] = 0;
		for (; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			char *text = NLMSG_DATA(h);

			text[h->nlmsg_len - NLMSG_HDRLEN] = 0; /* inside buf: the payload is not terminated */
			if (h->nlmsg_type == AUDIT_SECCOMP)
				on_seccomp(t, text);
		}
	}
}

/* ---- the trial ---- */

/* The end-of-run mark: a process whose one logged syscall queues behind every record of
 * the run. */
static pid_t sentinel(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_LOG);

		if (ctx && seccomp_load(ctx) == 0)
			syscall(SYS_getppid);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return pid;
}

static const char *arch_of(unsigned audit_arch)
{
	for (int abi = 0; abi < VG_SC_ABI__COUNT; abi++)
		if (vg_sc_arch_token(vg_sc_abi_arch(abi)) == audit_arch)
			return vg_sc_abi_arch(abi);
	return NULL;
}

static void report(struct trial *t, struct vg_sc_profile *out)
{
	if (!t->nd) {
		printf("vigil: the profile allowed every syscall of the run\n");
		return;
	}
	printf("vigil: the profile would have denied %d syscall%s:\n", t->nd, t->nd == 1 ? "" : "s");
	printf("  %-18s %-22s %8s  %s\n", "ARCH", "SYSCALL", "CALLS", "FIRST BY");
	for (int i = 0; i < t->nd; i++) {
		const struct denied *d = &t->d[i];
		const char *arch = arch_of(d->arch);
		char *name = arch ? vg_sc_syscall_name(arch, d->nr) : NULL;
		char fallback[32], section[96];

		snprintf(fallback, sizeof(fallback), "#%d", d->nr);
		printf("  %-18s %-22s %8lu  pid %d %s (%s)\n", arch ? arch : "unknown", name ? name : fallback, d->count,
		       d->pid, d->comm, d->exe);
		if (out && arch && name) {
			snprintf(section, sizeof(section), VG_SC_SECTION_VERIFY " (%s)", arch);
			vg_sc_profile_add_arch(out, arch);
			vg_sc_profile_add(out, "SCMP_ACT_ALLOW", false, 0, section, name);
		}
		free(name);
	}
}

static bool actions_logged(void)
{
	char buf[256] = "";
	FILE *f = fopen("/proc/sys/kernel/seccomp/actions_logged", "re");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	return !f || strstr(buf, "log") != NULL; /* no file: a kernel that always logs */
}

int vg_sc_verify(const struct vg_sc_profile *p, char *const argv[], const struct vg_features *f,
		 struct vg_sc_profile *out, int *status, char *why, size_t len)
{
	struct trial t = { .sock = -1 };
	struct audit_status before, after;
	char path[4096];
	int gate[2] = { -1, -1 }, rc = -1;
	uint64_t ended_at = 0;
	pid_t child;

	*status = -1;
	if (audit_status(&before) < 0) {
		snprintf(why, len, "cannot read the kernel's audit status: %s", strerror(errno));
		return -1;
	}
	if (!actions_logged()) {
		snprintf(why, len, "kernel.seccomp.actions_logged does not include 'log': the kernel makes no record "
				   "of SCMP_ACT_LOG decisions");
		return -1;
	}
	if (!vg_sc_resolve(argv[0], path, sizeof(path))) {
		snprintf(why, len, "%s: command not found", argv[0]);
		return -1;
	}
	if ((t.sock = audit_socket(1u << (AUDIT_NLGRP_READLOG - 1))) < 0) {
		snprintf(why, len, "cannot join the audit multicast group: %s", strerror(errno));
		return -1;
	}
	if (pipe2(gate, O_CLOEXEC) < 0 || (child = fork()) < 0) {
		snprintf(why, len, "cannot start %s: %s", argv[0], strerror(errno));
		goto out;
	}
	if (child == 0) {
		char go, err[256];
		int unknown;

		close(gate[1]);
		if (read(gate[0], &go, 1) != 1)
			_exit(127);
		if (vg_sc_apply(p, true, &unknown, err, sizeof(err)) < 0) {
			fprintf(stderr, "vigil: %s\n", err);
			_exit(127);
		}
		execv(path, argv);
		_exit(127);
	}
	close(gate[0]);
	gate[0] = -1;
	if (!(t.tree = vg_sc_follow(child, f, why, len))) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		goto out;
	}
	if (write(gate[1], "g", 1) != 1) {
		snprintf(why, len, "cannot release %s: %s", argv[0], strerror(errno));
		waitpid(child, NULL, 0);
		goto out;
	}
	while (!t.ended) {
		struct pollfd pfd = { .fd = t.sock, .events = POLLIN };

		poll(&pfd, 1, 100);
		drain(&t);
		if (child > 0 && waitpid(child, status, WNOHANG) == child) {
			child = -1;
			ended_at = vg_now_boot_ns();
			t.sentinel = sentinel();
		}
		if (ended_at && vg_now_boot_ns() - ended_at > END_WAIT_NS)
			break;
	}
	if (!t.ended) {
		snprintf(why, len, "no audit record of a SCMP_ACT_LOG decision came back within 5 s: this kernel "
				   "does not make them (booted with audit=0?)");
		goto out;
	}
	if (audit_status(&after) == 0 && after.lost > before.lost)
		fprintf(stderr, "vigil: the kernel lost %u audit records during the run (audit backlog or rate "
				"limit): the list may be incomplete\n", after.lost - before.lost);
	if (t.overflows)
		fprintf(stderr, "vigil: %lu overflows of the audit socket: records were lost, the list may be "
				"incomplete\n", t.overflows);
	report(&t, out);
	rc = t.nd ? 1 : 0;
out:
	if (gate[0] >= 0)
		close(gate[0]);
	if (gate[1] >= 0)
		close(gate[1]);
	close(t.sock);
	vg_sc_follow_stop(t.tree);
	free(t.d);
	return rc;
}
