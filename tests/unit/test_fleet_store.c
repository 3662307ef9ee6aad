/* test_fleet_store.c — `vigil collect --store`'s writer (fleet/writer_store.c) on a real
 * (temporary) store, fed the JSON records agents send: hosts keyed by host id (two agents
 * with one host name stay two hosts), processes, flows and alerts turned back into rows,
 * a redelivered batch stored once (every record a counted duplicate), stats kept per
 * host, and a record this build cannot store skipped and counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "fleet/record.h"
#include "fleet/writer.h"
#include "store/internal.h"

static char dir[64], path[128];

#define PROC(pid, exec_id, cmd)                                                                                  \
	"\"proc\":{\"pid\":" #pid ",\"ppid\":1,\"pgid\":" #pid ",\"sid\":" #pid ",\"uid\":0,\"euid\":0,\"gid\":0,"     \
	"\"egid\":0,\"auid\":-1,\"user\":\"root\",\"comm\":\"x\",\"exe\":\"/bin/x\",\"cmdline\":\"" cmd "\","          \
	"\"cwd\":\"/\",\"tty\":null,\"exec_id\":\"" exec_id "\",\"parent_exec_id\":\"100-1\",\"ancestors\":"           \
	"[{\"pid\":1,\"comm\":\"systemd\",\"exe\":\"/sbin/init\",\"exec_id\":\"100-1\"}]},\"container\":{\"id\":null," \
	"\"runtime\":null,\"cgroup\":\"/\",\"pidns\":1,\"mntns\":1,\"netns\":1,\"nodename\":\"vm\",\"in_host\":true}"

static const char *const host_a[] = {
	"{\"record_id\":\"ida:boot1:1\",\"kind\":\"event\",\"ts\":\"2026-12-01T10:00:00.000000100Z\",\"seq\":7,\"cpu\":0,"
	"\"event\":\"exec\",\"id\":1,\"host\":\"vm\",\"tid\":50,\"ret\":0," PROC(50, "5000-50", "ssh db")
	",\"exec\":{\"exe_dev\":1,\"exe_ino\":2}}",
	"{\"record_id\":\"ida:boot1:2\",\"kind\":\"event\",\"ts\":\"2026-12-01T10:00:01Z\",\"seq\":8,\"cpu\":1,"
	"\"event\":\"connect\",\"id\":42,\"host\":\"vm\",\"tid\":50,\"ret\":0," PROC(50, "5000-50", "ssh db")
	",\"net\":{\"family\":\"ipv4\",\"proto\":\"tcp\",\"sip\":\"10.0.0.1\",\"sport\":40000,\"dip\":\"10.0.0.2\","
	"\"dport\":22,\"fd\":3}}",
	"{\"record_id\":\"ida:boot1:3\",\"kind\":\"alert\",\"ts\":\"2026-12-01T10:00:01Z\",\"rule\":\"r1\","
	"\"priority\":\"warning\",\"tags\":[\"mitre_lateral_movement\"],\"desc\":\"d\",\"output\":\"o\","
	"\"action\":\"alert\",\"killed\":false,\"pid\":50,\"exec_id\":\"5000-50\",\"events\":[{\"kind\":\"event\","
	"\"ts\":\"2026-12-01T10:00:01Z\",\"seq\":8,\"cpu\":1,\"event\":\"connect\",\"id\":42,\"host\":\"vm\",\"tid\":50,"
	"\"ret\":0," PROC(50, "5000-50", "ssh db") ",\"net\":{\"proto\":\"tcp\",\"sip\":\"10.0.0.1\",\"sport\":40000,"
	"\"dip\":\"10.0.0.2\",\"dport\":22}}]}",
	"{\"record_id\":\"ida:boot1:4\",\"kind\":\"stats\",\"ts\":\"2026-12-01T10:00:02Z\",\"events\":3}",
};

/* the same host name, another host id: another host */
static const char *const host_b[] = {
	"{\"record_id\":\"idb:boot2:1\",\"kind\":\"event\",\"ts\":\"2026-12-01T10:00:01.5Z\",\"seq\":7,\"cpu\":0,"
	"\"event\":\"accept\",\"id\":43,\"host\":\"vm\",\"tid\":60,\"ret\":4," PROC(60, "6000-60", "sshd")
	",\"net\":{\"proto\":\"tcp\",\"sip\":\"10.0.0.2\",\"sport\":22,\"dip\":\"10.0.0.1\",\"dport\":40000}}",
	"{\"record_id\":\"idb:boot2:2\",\"kind\":\"event\",\"ts\":\"2026-12-01T10:00:02Z\",\"seq\":8,\"cpu\":0,"
	"\"event\":\"no_such_event\",\"host\":\"vm\",\"ret\":0," PROC(60, "6000-60", "sshd") "}",
};

static void add_all(struct vg_fleet_writer *w, const char *const *recs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct vg_fleet_strings strs;
		struct vg_fleet_record r;
		const char *why;

		assert_true(vg_fleet_parse(&r, &strs, "vigil.vm.event", recs[i], strlen(recs[i]), &why));
		vg_fleet_store.add(w, &r);
	}
}

static int64_t count(const char *sql)
{
	char err[256];
	struct vg_store *st = vg_store_open(path, VG_STORE_READ, err, sizeof(err));
	int64_t n;

	assert_non_null(st);
	n = vg_store_int(st, sql, -1);
	vg_store_close(st);
	return n;
}

static void commit_both(struct vg_fleet_writer *w)
{
	char err[256];

	add_all(w, host_a, sizeof(host_a) / sizeof(host_a[0]));
	add_all(w, host_b, sizeof(host_b) / sizeof(host_b[0]));
	assert_int_equal(vg_fleet_store.commit(w, err, sizeof(err)), 0);
}

static void test_records_of_two_hosts_stored_once(void **state)
{
	struct vg_fleet_writer *w;
	struct vg_buf stats = { 0 };
	char err[256], cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/vigil-unit-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fleet.db,max-age=3650d", dir);
	w = vg_fleet_store.open(path, err, sizeof(err));
	assert_non_null(w);
	snprintf(path, sizeof(path), "%s/fleet.db", dir);
	commit_both(w);
	commit_both(w); /* JetStream delivers the whole batch again */
	vg_fleet_store.stats(w, &stats);
	assert_non_null(strstr(stats.p, "\"records\":10,\"duplicates\":5,\"unreadable\":2,\"hosts\":2"));
	vg_buf_free(&stats);
	vg_fleet_store.close(w);

	assert_int_equal(count("SELECT count(*) FROM hosts WHERE name = 'vm'"), 2);
	assert_int_equal(count("SELECT count(*) FROM collected"), 5);
	assert_int_equal(count("SELECT count(*) FROM collected c JOIN hosts h ON h.id = c.host WHERE h.host_id = 'ida'"
			       " AND h.boot_id = 'boot1' AND c.seq BETWEEN 1 AND 4"), 4);
	/* exec and connect on A (the alert's evidence is the stored connect), accept on B */
	assert_int_equal(count("SELECT count(*) FROM events"), 3);
	assert_int_equal(count("SELECT count(*) FROM events e JOIN flows f ON f.id = e.flow WHERE e.type = 'connect'"
			       " AND f.sip = '10.0.0.1' AND f.sport = 40000 AND f.dip = '10.0.0.2' AND f.dport = 22"), 1);
	assert_int_equal(count("SELECT count(*) FROM alerts WHERE rule = 'r1' AND count = 1"), 1);
	assert_int_equal(count("SELECT count(*) FROM alert_events"), 1);
	assert_int_equal(count("SELECT count(*) FROM procs"), 2);
	assert_int_equal(count("SELECT count(*) FROM procs WHERE exec_id = '5000-50' AND argv = '[\"ssh\",\"db\"]'"
			       " AND tree = '5000-50' AND exe_file IS NOT NULL"), 1);
	/* the exec taught the host's boot-to-wall offset: exec_id 5000 ns after boot is its exec */
	assert_int_equal(count("SELECT exec_time FROM procs WHERE exec_id = '5000-50'"), 1796119200000000100ll);
	assert_int_equal(count("SELECT count(*) FROM hosts WHERE host_id = 'ida' AND stats LIKE '%\"events\":3%'"), 1);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_store_options_are_checked(void **state)
{
	char err[256];

	assert_null(vg_fleet_store.open("/tmp/x.db,queue=1M", err, sizeof(err)));
	assert_non_null(strstr(err, "unknown store option 'queue'"));
	assert_null(vg_fleet_store.open("/tmp/x.db,max-age=soon", err, sizeof(err)));
	assert_non_null(strstr(err, "not a duration"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records_of_two_hosts_stored_once),
		cmocka_unit_test(test_store_options_are_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
