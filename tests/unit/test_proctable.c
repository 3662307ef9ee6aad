/* test_proctable.c — the process table and the decoder on synthetic records: exec replaces
 * the image and links exec ids, fork inherits, exit marks for eviction, the cap holds and
 * evicts exited entries first, malformed records are refused, paths are rebuilt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "decode/decode.h"
#include "proc/procfs.h"

/* pids far above pid_max so /proc never answers for them */
#define PARENT 9000001
#define CHILD 9000002

struct record {
	struct vg_hdr h;
	union {
		struct vg_exec exec;
		struct vg_fork fork;
		struct vg_exit exit;
	};
	char data[1024];
};

static size_t put(struct record *r, struct vg_str *s, const char *p, size_t len)
{
	size_t off = r->h.size;

	memcpy((char *)r + off, p, len);
	s->off = (unsigned short)off;
	s->len = (unsigned short)len;
	r->h.size += (unsigned)len;
	return off;
}

static void header(struct record *r, unsigned type, unsigned pid, unsigned ppid, size_t body)
{
	memset(r, 0, sizeof(*r));
	r->h.type = (unsigned short)type;
	r->h.pid = r->h.tid = pid;
	r->h.ppid = ppid;
	r->h.ts = 5000000000ull + pid;
	r->h.size = (unsigned)(sizeof(r->h) + body);
	snprintf(r->h.comm, sizeof(r->h.comm), "c%u", pid);
}

static char ev_arena[VG_EVENT_ARENA];
static struct vg_event ev = { .arena = ev_arena, .arena_cap = sizeof(ev_arena) };

static void exec_record(struct record *r, unsigned pid, unsigned ppid)
{
	header(r, VG_EV_EXEC, pid, ppid, sizeof(r->exec));
	put(r, &r->exec.exe, "sh/bin/", 7);
	put(r, &r->exec.argv, "sh\0-c\0echo hi\0", 14);
	put(r, &r->exec.cwd, "tmp/", 4);
	put(r, &r->exec.env, "A=1\0LD_PRELOAD=/x.so\0SSH_CONNECTION=1 2 3 4\0", 44);
	put(r, &r->exec.tty, "pts3", 4);
	put(r, &r->exec.cgroup, "docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope/system.slice/",
	    91);
}

static void test_exec_sets_image_and_links_parent(void **state)
{
	struct vg_proctable *pt = vg_proctable_new(64);
	struct record r;
	struct vg_proc *parent;

	vg_host_ns_init();
	parent = vg_proctable_insert(pt, PARENT);
	snprintf(parent->exec_id, sizeof(parent->exec_id), "parent-id");
	exec_record(&r, CHILD, PARENT);
	assert_int_equal(vg_decode(pt, &r, r.h.size, &ev), 0);
	assert_string_equal(ev.proc->exe, "/bin/sh");
	assert_string_equal(ev.proc->cwd, "/tmp");
	assert_string_equal(ev.proc->cmdline, "sh -c echo hi");
	assert_string_equal(ev.proc->tty, "pts/3");
	assert_string_equal(ev.proc->ld_preload, "/x.so");
	assert_string_equal(ev.proc->ssh_connection, "1 2 3 4");
	assert_string_equal(ev.proc->parent_exec_id, "parent-id");
	assert_string_equal(ev.proc->exec_id, "5009000002-9000002");
	assert_string_equal(ev.proc->container.id, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	assert_string_equal(ev.proc->container.runtime, "docker");
	assert_string_equal(ev.proc->container.cgroup,
			    "/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope");
	assert_int_equal(vg_event_get(&ev, vg_field_find("exec.argc"))->i, 3);
	vg_proctable_free(pt);
}

static void test_fork_inherits_and_exit_marks(void **state)
{
	struct vg_proctable *pt = vg_proctable_new(64);
	struct record r;
	struct vg_proc *child;

	exec_record(&r, PARENT, 1);
	assert_int_equal(vg_decode(pt, &r, r.h.size, &ev), 0);
	header(&r, VG_EV_FORK, PARENT, 1, sizeof(r.fork));
	r.fork.child_pid = r.fork.child_tid = CHILD;
	r.fork.child_start_time = 77;
	assert_int_equal(vg_decode(pt, &r, r.h.size, &ev), 0);
	child = vg_proctable_get(pt, CHILD);
	assert_non_null(child);
	assert_string_equal(child->exe, "/bin/sh");
	assert_int_equal(child->ppid, PARENT);
	assert_string_equal(child->exec_id, "77-9000002");
	assert_string_equal(child->parent_exec_id, vg_proctable_get(pt, PARENT)->exec_id);
	header(&r, VG_EV_EXIT, CHILD, PARENT, sizeof(r.exit));
	r.exit.code = 3 << 8;
	assert_int_equal(vg_decode(pt, &r, r.h.size, &ev), 0);
	assert_true(vg_proc_exited(vg_proctable_get(pt, CHILD), NULL));
	assert_int_equal(vg_event_get(&ev, vg_field_find("exit.code"))->i, 3);
	vg_proctable_free(pt);
}

static void test_cap_evicts_exited_first(void **state)
{
	struct vg_proctable *pt = vg_proctable_new(16);

	for (int i = 0; i < 16; i++) {
		struct vg_proc *p = vg_proctable_insert(pt, 9100000 + i);

		if (i % 2)
			vg_proctable_mark_exited(pt, p, (uint64_t)i);
	}
	for (int i = 0; i < 8; i++)
		vg_proctable_insert(pt, 9200000 + i);
	assert_int_equal(vg_proctable_size(pt), 16);
	assert_int_equal(vg_proctable_evictions(pt), 8);
	for (int i = 0; i < 16; i++)
		assert_int_equal(vg_proctable_get(pt, 9100000 + i) != NULL, i % 2 == 0); /* live kept */
	vg_proctable_insert(pt, 9300000); /* no exited left: a live one goes */
	assert_int_equal(vg_proctable_size(pt), 16);
	vg_proctable_free(pt);
}

static void test_malformed_records_are_refused(void **state)
{
	struct vg_proctable *pt = vg_proctable_new(16);
	struct record r;

	exec_record(&r, CHILD, PARENT);
	assert_int_equal(vg_decode(pt, &r, sizeof(r.h) - 1, &ev), -1);      /* short */
	assert_int_equal(vg_decode(pt, &r, r.h.size - 1, &ev), -1);          /* size lies */
	r.h.type = VG_EV__COUNT;
	assert_int_equal(vg_decode(pt, &r, r.h.size, &ev), -1);              /* unknown type */
	exec_record(&r, CHILD, PARENT);
	r.exec.argv.off = (unsigned short)(r.h.size - 2);                    /* points past the end */
	r.exec.argv.len = 100;
	assert_int_equal(vg_decode(pt, &r, r.h.size, &ev), 0);
	assert_int_equal(vg_event_get(&ev, vg_field_find("exec.argc"))->i, 0);
	vg_proctable_free(pt);
}

static void decode_exit(struct vg_proctable *pt, unsigned pid)
{
	struct record r;

	header(&r, VG_EV_EXIT, pid, PARENT, sizeof(r.exit));
	assert_int_equal(vg_decode(pt, &r, r.h.size, &ev), 0);
}

/* An exit and then an exec of the same pid with no fork between them (the fork was lost,
 * or the agent was paused): the exec revives the entry, which must leave the exited list
 * with it. Then the table fills up, so eviction walks that list; under ASan a node freed
 * while still linked is reported here. exited[] are the pids that exit before exited[0]
 * execs again. */
static void exit_then_exec_without_fork(const unsigned *exited, int n)
{
	struct vg_proctable *pt = vg_proctable_new(16);
	struct record r;

	vg_proctable_insert(pt, PARENT);
	for (int i = 0; i < n; i++) {
		vg_proctable_insert(pt, exited[i]);
		decode_exit(pt, exited[i]);
	}
	exec_record(&r, exited[0], PARENT);
	assert_int_equal(vg_decode(pt, &r, r.h.size, &ev), 0);
	assert_false(vg_proc_exited(vg_proctable_get(pt, exited[0]), NULL));
	exec_record(&r, PARENT, 1); /* the next event: exited[0] is no longer pinned */
	assert_int_equal(vg_decode(pt, &r, r.h.size, &ev), 0);
	for (int i = 0; i < 64; i++) /* evicts everything evictable, several times over */
		vg_proctable_insert(pt, 9500000 + i);
	assert_int_equal(vg_proctable_size(pt), 16);
	vg_proctable_free(pt);
}

static void test_exit_then_exec_of_the_same_pid(void **state)
{
	const unsigned one[] = { CHILD }, two[] = { CHILD, CHILD + 1 };

	exit_then_exec_without_fork(one, 1);
	exit_then_exec_without_fork(two, 2); /* exit A, exit B, exec A */
}

static void test_ancestors_follow_parents(void **state)
{
	struct vg_proctable *pt = vg_proctable_new(16);
	const struct vg_proc *anc[8];

	for (int i = 0; i < 5; i++) {
		struct vg_proc *p = vg_proctable_insert(pt, 9400000 + i);

		p->ppid = i ? 9400000 + i - 1 : 0;
	}
	assert_int_equal(vg_proctable_ancestors(pt, vg_proctable_get(pt, 9400004), anc, 8), 4);
	assert_int_equal(anc[0]->pid, 9400003);
	assert_int_equal(anc[3]->pid, 9400000);
	assert_int_equal(vg_proctable_ancestors(pt, vg_proctable_get(pt, 9400004), anc, 2), 2);
	vg_proctable_free(pt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_sets_image_and_links_parent),
		cmocka_unit_test(test_fork_inherits_and_exit_marks),
		cmocka_unit_test(test_cap_evicts_exited_first),
		cmocka_unit_test(test_malformed_records_are_refused),
		cmocka_unit_test(test_ancestors_follow_parents),
		cmocka_unit_test(test_exit_then_exec_of_the_same_pid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
