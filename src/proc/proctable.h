/* proctable.h — the process table: every live process on the host (and recently exited
 * ones), keyed by pid, with what its events need for context: identity (exec_id), image,
 * ancestry, user, namespaces and container. Bootstrapped from /proc at start, then kept
 * current by exec, fork and exit events. Hard-capped; exited entries are evicted first.
 *
 * The table is opaque: which entries exist, which have exited and in what order they go
 * are changed only through the functions below. Callers fill an entry's image (struct
 * vg_proc's fields) but never its membership or eviction state.
 */
#ifndef VIGIL_PROCTABLE_H
#define VIGIL_PROCTABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "event.h"

#define VG_ANCESTORS 8
#define VG_CONTAINER_ID_LEN 65

struct vg_container {
	char id[VG_CONTAINER_ID_LEN]; /* "" on the host */
	const char *runtime;          /* "docker", "containerd", "cri-o", "podman", "systemd-nspawn" or NULL */
	char cgroup[512];             /* cgroup path, "/..." */
	char nodename[65];
	uint32_t pidns, mntns, netns;
	bool in_host;
};

struct vg_proc {
	pid_t pid, ppid, pgid, sid;
	uint32_t uid, euid, gid, egid, auid;
	uint64_t start_time;     /* leader start, boot ns (tick-rounded when read from /proc) */
	uint64_t exec_time;      /* boot ns of the current image's exec (or fork/start) */
	char exec_id[VG_EXEC_ID_LEN];
	char parent_exec_id[VG_EXEC_ID_LEN];
	char comm[16];
	char *exe;       /* heap, never NULL ("" when unknown) */
	char *cmdline;   /* heap, argv joined with spaces, never NULL */
	char *argv;      /* heap, NUL-separated */
	size_t argv_len;
	char *cwd;       /* heap, never NULL */
	char tty[64];
	char ld_preload[256];
	char ssh_connection[128];
	char env_home[256];      /* $HOME at exec */
	bool exe_deleted;
	bool argv_truncated;
	bool from_proc;  /* bootstrapped from /proc rather than seen at exec */
	int exit_code;
	struct vg_container container;
};

struct vg_proctable;

struct vg_proctable *vg_proctable_new(unsigned cap);
/* The table describes another time (a recording being replayed): unknown pids get bare
 * entries, /proc is never read. */
void vg_proctable_offline(struct vg_proctable *t);
/* Reads what the kernel could not send of p's environment (LD_PRELOAD, SSH_CONNECTION
 * past its bound) from /proc while the process lives; nothing when offline. */
void vg_proctable_env_from_proc(struct vg_proctable *t, struct vg_proc *p);
void vg_proctable_free(struct vg_proctable *t);
/* Reads every /proc/<pid>; returns how many processes it found. */
int vg_proctable_bootstrap(struct vg_proctable *t);
struct vg_proc *vg_proctable_get(struct vg_proctable *t, pid_t pid);
/* Looks up pid; if unknown, builds it from /proc/<pid> (or a bare entry). Never NULL. */
struct vg_proc *vg_proctable_ensure(struct vg_proctable *t, pid_t pid);
/* Fills out[] with up to max ancestors (parent first); returns how many. */
int vg_proctable_ancestors(struct vg_proctable *t, const struct vg_proc *p,
			   const struct vg_proc **out, int max);
unsigned vg_proctable_size(const struct vg_proctable *t);
/* Used by the decoder and /proc reader. insert replaces any entry of that pid. */
struct vg_proc *vg_proctable_insert(struct vg_proctable *t, pid_t pid);
/* Keeps pid's entry from eviction until the next pin (the event being decoded). */
void vg_proctable_pin(struct vg_proctable *t, pid_t pid);
/* The process exited at boot time `when`: its entry is the first to go when room is
 * needed. */
void vg_proctable_mark_exited(struct vg_proctable *t, struct vg_proc *p, uint64_t when);
/* The process runs a new image: it is live (an exit seen for its pid belonged to an
 * earlier process whose fork was lost). The caller then sets the image. */
void vg_proctable_exec(struct vg_proctable *t, struct vg_proc *p);
/* Whether p has exited (and when, boot ns). */
bool vg_proc_exited(const struct vg_proc *p, uint64_t *when);
/* A deep copy of p (its strings duplicated), for a snapshot that outlives the table
 * entry; freed with vg_proc_copy_free. */
void vg_proc_copy(struct vg_proc *dst, const struct vg_proc *src);
void vg_proc_copy_free(struct vg_proc *p);
void vg_proc_set_str(char **dst, const char *s, size_t len);
/* argv is NUL-separated; cmdline becomes it joined with spaces. */
void vg_proc_set_argv(struct vg_proc *p, const char *argv, size_t len);
/* child takes parent's image and context (fork), keeping its own pid. */
void vg_proc_inherit(struct vg_proc *child, const struct vg_proc *parent);
uint64_t vg_proctable_evictions(const struct vg_proctable *t);
/* Deletes the entries of processes that exited more than linger_ns before now_ns (boot ns),
 * oldest first, so that the table shrinks after a storm; once enough has been freed the
 * memory goes back to the system too. Returns how many went. */
unsigned vg_proctable_reap(struct vg_proctable *t, uint64_t now_ns, uint64_t linger_ns);

#endif
