"""vigil trace TOOL and vigil top: each tool is run against the real kernel while the test
triggers a known amount of what it shows (a number of execs, opens, syscalls, bytes, a
connection with known byte counts, a file deleted after a known age, a command typed into
an interactive bash), then the numbers are checked. Rows are matched on the test's own
processes (-p, pids, markers): the machine is shared."""
import json
import os
import pty
import select
import shutil
import subprocess
import tempfile
import time

from vigiltest import Agent, Container, Server, Trace, VIGIL, check, converse, helper, marker, run


def test_execsnoop_counts_execs_with_args_and_failures():
    mark = marker()
    with Trace("execsnoop", "-x", "-l", mark) as t:
        pids = [run(["/bin/true", mark, str(i)]).pid for i in range(3)]
        failed = run(["/bin/sh", "-c", 'exec /nonexistent/%s 2>/dev/null' % mark]).pid
        rows = t.wait_for(lambda r: mark in r["args"], count=5)  # the sh's own exec too
    ok = sorted((r for r in rows if r["ret"] == 0 and r["comm"] == "true"), key=lambda r: r["pid"])
    check([r["pid"] for r in ok] == sorted(pids), "execs: %s, started %s" % (rows, pids))
    for r in ok:
        check(r["comm"] == "true" and r["args"].startswith("/bin/true " + mark) and r["ppid"] == os.getpid(), r)
    bad = [r for r in rows if r["ret"] != 0]
    check(len(bad) == 1 and bad[0]["pid"] == failed and bad[0]["ret"] == -2, "failed exec: %s" % bad)


def work(*args):
    """tests/helpers/toolwork -w ARGS: started and waiting, so that a tool can trace its pid
    (-p); go() lets it run and waits for it."""
    return subprocess.Popen([helper("toolwork"), "-w"] + [str(a) for a in args], stdin=subprocess.PIPE)


def go(p):
    p.stdin.write(b"\n")
    p.stdin.close()
    check(p.wait(timeout=30) == 0, "toolwork failed")


def traced(tool, *args, work_args=()):
    """Runs toolwork WORK_ARGS under `vigil trace TOOL -p PID ARGS`; returns every row. The
    tool is stopped after the work is done, and drains its ring buffer on the way out, so
    the counts are exact."""
    w = work(*work_args)
    try:
        with Trace(tool, "-p", str(w.pid), *args) as t:
            go(w)
    finally:
        if w.poll() is None:
            w.kill()
            w.wait()
    return t.rows()


def test_opensnoop_counts_opens_with_errors_and_full_paths():
    path = "/dev/shm/" + marker()
    rows = [r for r in traced("opensnoop", "-F", work_args=["open", path, 5, "write", path, 1, 1])
            if r["path"] == path]
    failed = [r for r in rows if r["err"] == 2 and r["fd"] == -1]
    created = [r for r in rows if r["err"] == 0 and r["fd"] >= 3 and r["flags"] & 0o100]
    check(len(failed) == 5 and len(created) == 1 and len(rows) == 6, rows)
    os.unlink(path)


def test_statsnoop_counts_stats():
    path = "/dev/shm/" + marker()
    rows = [r for r in traced("statsnoop", work_args=["stat", path, 4]) if r["path"] == path]
    check(len(rows) == 4 and all(r["ret"] == -1 and r["err"] == 2 for r in rows), rows)
    check({r["syscall"] for r in rows} <= {"newfstatat", "statx", "newstat"}, rows)


def test_killsnoop_reports_signals_targets_and_results():
    target = subprocess.Popen(["sleep", "10"])
    try:
        with Trace("killsnoop", "-p", str(os.getpid())) as t:
            for _ in range(3):
                os.kill(target.pid, 0)
            try:
                os.kill(2 ** 22 + 1, 0)  # above pid_max's default: no such process
            except ProcessLookupError:
                pass
            rows = t.wait_for(lambda r: True, count=4)
    finally:
        target.kill()
        target.wait()
    ok = [r for r in rows if r["tpid"] == target.pid and r["sig"] == 0 and r["ret"] == 0]
    check(len(ok) == 3 and len(rows) == 4 and rows[-1]["ret"] == -3, rows)


def test_setuids_reports_each_call_with_args_and_result():
    rows = traced("setuids", work_args=["setuid"])
    check([r["syscall"] for r in rows] == ["setuid", "setresuid", "setfsuid"], rows)
    check([r["args"] for r in rows] == ["uid=0 (0)", "ruid=0 euid=0 suid=0 (0)", "uid=0 (prevfsuid=0)"], rows)
    check(all(r["uid"] == 0 and r["comm"] == "toolwork" for r in rows), rows)


def test_capable_counts_capability_checks():
    rows = [r for r in traced("capable", work_args=["rawsock", 3]) if r["name"] == "CAP_NET_RAW"]
    check(len(rows) == 3 and all(r["cap"] == 13 and r["verdict"] == "allow" for r in rows), rows)


def test_syncsnoop_counts_sync_calls():
    path = "/dev/shm/" + marker()
    rows = traced("syncsnoop", work_args=["sync", path, 3])
    os.unlink(path)
    calls = [r["call"] for r in rows]
    check(calls.count("fsync") == 3 and calls.count("fdatasync") == 3 and calls.count("syncfs") == 1, calls)


def test_pidpersec_counts_forks():
    w = work("fork", 20)
    with Trace("pidpersec", "-p", str(w.pid)) as t:
        go(w)
        time.sleep(1.2)
    rows = t.rows()
    check(sum(r["pids_per_sec"] for r in rows) == 20, rows)


def test_syscount_counts_a_known_number_of_syscalls():
    rows = traced("syscount", "-L", "-T", "50", work_args=["getppid", 1000])
    getppid = [r for r in rows if r["syscall"] == "getppid"]
    check(len(getppid) == 1 and getppid[0]["count"] == 1000 and getppid[0]["time_us"] > 0, rows)
    w = work("getppid", 1000)
    with Trace("syscount", "-P", "-p", str(w.pid)) as t:
        go(w)
    mine = [r for r in t.rows() if r["pid"] == w.pid]
    check(len(mine) == 1 and 1000 < mine[0]["count"] < 1300 and mine[0]["comm"] == "toolwork", t.rows())


def test_threadsnoop_names_the_start_function():
    rows = traced("threadsnoop", work_args=["threads", 4])
    check(len(rows) == 4 and all(r["func"] == "toolwork_thread" and r["comm"] == "toolwork" for r in rows), rows)


def test_tcpconnect_and_tcpaccept_count_connections():
    srv = Server(conns=3)
    with Trace("tcpconnect", "-p", str(os.getpid()), "-P", str(srv.port)) as conn, \
            Trace("tcpaccept", "-p", str(os.getpid()), "-P", str(srv.port)) as acc:
        for _ in range(3):
            converse(srv.port, 0, 0)
        srv.join()
    out, inc = conn.rows(), acc.rows()
    check(len(out) == 3 and all(r["daddr"] == "127.0.0.1" and r["dport"] == srv.port and r["ip"] == 4
                                for r in out), out)
    check(len(inc) == 3 and all(r["lport"] == srv.port and r["raddr"] == "127.0.0.1" for r in inc), inc)


def test_tcplife_reports_a_connections_bytes_and_duration():
    srv = Server(expect=100000, reply=30000)
    with Trace("tcplife", "-p", str(os.getpid())) as t:
        converse(srv.port, 100000, 30000)
        srv.join()
        rows = t.wait_for(lambda r: srv.port in (r["lport"], r["rport"]), count=2)
    client = [r for r in rows if r["rport"] == srv.port]
    server = [r for r in rows if r["lport"] == srv.port]
    check(len(client) == 1 and len(server) == 1, rows)
    check(client[0]["tx_bytes"] == 100000 and client[0]["rx_bytes"] == 30000, client)
    check(server[0]["tx_bytes"] == 30000 and server[0]["rx_bytes"] == 100000, server)
    check(client[0]["pid"] == os.getpid() and client[0]["ms"] > 0, client)


def test_biolatency_counts_every_request_of_a_disk():
    """100 direct 4 KiB reads of a loop device are 100 requests in its histogram."""
    backing = tempfile.NamedTemporaryFile(prefix="vigil-bio-", dir="/var/tmp", delete=False)
    backing.truncate(8 << 20)
    backing.close()
    loop = subprocess.run(["losetup", "-f", "--show", backing.name], capture_output=True, text=True,
                          check=True).stdout.strip()
    try:
        with Trace("biolatency", "-D") as t:
            run(["dd", "if=" + loop, "of=/dev/null", "bs=4k", "count=100", "iflag=direct", "status=none"])
        hists = [h for h in t.rows() if h["disk"] == os.path.basename(loop)]
    finally:
        subprocess.run(["losetup", "-d", loop])
        os.unlink(backing.name)
    check(len(hists) == 1 and hists[0]["total"] == 100 and hists[0]["unit"] == "usecs", hists)
    check(sum(b["count"] for b in hists[0]["buckets"]) == 100, hists)


def test_filelife_reports_the_age_of_a_deleted_file():
    d = tempfile.mkdtemp(prefix="vigil-filelife-", dir="/dev/shm")
    doomed, moved = os.path.join(d, "dropper"), os.path.join(d, "moved")
    w = work("write", doomed, 1, 10, "sleep", 1200, "write", moved + ".tmp", 1, 10)
    with Trace("filelife") as t:  # no -p: the test's own process deletes the files
        go(w)
        os.unlink(doomed)  # by this test's process: deletions are matched to creations by path
        os.rename(moved + ".tmp", moved)
        os.unlink(moved)
    os.rmdir(d)
    rows = {r["file"]: r for r in t.rows() if r["file"].startswith(d)}
    check(set(rows) == {doomed, moved}, rows)
    check(1.1 <= rows[doomed]["age_s"] < 10 and rows[doomed]["pid"] == os.getpid(), rows)
    check(rows[moved]["age_s"] < rows[doomed]["age_s"], rows)


def test_filetop_counts_reads_writes_and_bytes_per_file():
    path = "/dev/shm/" + marker()
    rows = traced("filetop", "-r", "100", "30", work_args=["write", path, 10, 4096, "read", path, 5, 1000])
    os.unlink(path)
    mine = [r for r in rows if r["file"] == os.path.basename(path)]
    check(len(mine) == 1, rows)
    r = mine[0]
    check(r["writes"] == 10 and r["write_bytes"] == 40960 and r["reads"] == 5 and r["read_bytes"] == 5000, r)
    check(r["type"] == "R" and r["comm"] == "toolwork" and r["write_kb"] == 40, r)


def memory_cgroup(name):
    """A new memory cgroup limited to 32 MiB (v2 if it has the memory controller, else v1);
    returns (its directory, the file to write a pid into)."""
    with open("/proc/mounts") as f:
        mounts = [line.split()[1:4] for line in f]
    for mnt, fstype, opts in mounts:
        if fstype == "cgroup2" and "memory" in open(os.path.join(mnt, "cgroup.controllers")).read().split():
            d = os.path.join(mnt, name)
            os.mkdir(d)
            for knob, value in (("memory.max", "32M"), ("memory.swap.max", "0")):
                if os.path.exists(os.path.join(d, knob)):
                    with open(os.path.join(d, knob), "w") as k:
                        k.write(value)
            return d
    for mnt, fstype, opts in mounts:
        if fstype == "cgroup" and "memory" in opts.split(","):
            d = os.path.join(mnt, name)
            os.mkdir(d)
            for knob in ("memory.limit_in_bytes", "memory.memsw.limit_in_bytes"):
                if os.path.exists(os.path.join(d, knob)):
                    with open(os.path.join(d, knob), "w") as k:
                        k.write(str(32 << 20))
            return d
    raise AssertionError("no memory cgroup controller to confine the OOM test")


def test_oomkill_reports_the_victim_of_a_memory_cgroup_oom():
    d = memory_cgroup(marker())
    try:
        with Trace("oomkill") as t:
            victim = subprocess.Popen(["/bin/sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$1" alloc 512', d,
                                       helper("toolwork")])
            victim.wait(timeout=30)
            rows = t.wait_for(lambda r: r["victim_pid"] == victim.pid)
    finally:
        os.rmdir(d)
    check(victim.returncode == -9, "the victim was not OOM-killed: %s" % victim.returncode)
    check(len(rows) == 1 and rows[0]["victim_comm"] == "toolwork" and rows[0]["trigger_pid"] == victim.pid, rows)
    check(rows[0]["pages"] > 0 and rows[0]["rss_pages"] > 0, rows)


def type_into_bash(*lines):
    """Starts an interactive bash on a pseudo-terminal, types each line as a person would,
    then exits; returns the shell's pid."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execv("/bin/bash", ["bash", "--norc", "--noprofile", "-i"])

    def settle():  # read what bash prints until it waits for input
        while select.select([fd], [], [], 0.3)[0]:
            try:
                os.read(fd, 4096)
            except OSError:
                return
    settle()
    for line in lines + ("exit",):
        os.write(fd, line.encode() + b"\n")
        settle()
    os.waitpid(pid, 0)
    os.close(fd)
    return pid


def test_bashreadline_shows_commands_typed_into_bash():
    mark = marker()
    with Trace("bashreadline") as t:
        shell = type_into_bash("echo %s one" % mark, "  ls /nonexistent-%s  " % mark)
        rows = t.wait_for(lambda r: r["pid"] == shell, count=3)
    check([r["command"] for r in rows] == ["echo %s one" % mark, "  ls /nonexistent-%s  " % mark, "exit"], rows)


def test_shell_command_event_and_rule():
    """The sensor's shell_command event carries the typed line; a rule matches on it and
    keeps the event as its evidence."""
    mark = marker()
    tmp = tempfile.mkdtemp(prefix="vigil-shell-")
    rules = os.path.join(tmp, "rules.yaml")
    with open(rules, "w") as f:
        f.write("""- rule: Typed marker
  desc: a test rule on what was typed
  condition: shell_command.line contains "%s-rule"
  output: "typed %%shell_command.line in %%shell_command.shell"
  priority: warning
  tags: [T1059.004]
""" % mark)
    with Agent("--rules", rules, events="shell_command", profile="default") as agent:
        shell = type_into_bash("true %s-event" % mark, "echo %s-rule" % mark)
        events = agent.wait_for(lambda e: e.get("event") == "shell_command" and e["proc"]["pid"] == shell, count=3)
        alerts = agent.wait_for(lambda e: e.get("kind") == "alert" and e["rule"] == "Typed marker")
    lines = [e["shell_command"]["line"] for e in events]
    check(lines == ["true %s-event" % mark, "echo %s-rule" % mark, "exit"], lines)
    check(all(e["shell_command"]["shell"] == os.path.realpath("/bin/bash") for e in events), events[:1])
    check(len(alerts) == 1 and alerts[0]["events"][-1]["shell_command"]["line"] == "echo %s-rule" % mark, alerts)
    shutil.rmtree(tmp)


def test_rules_fields_lists_shell_command():
    out = subprocess.run([VIGIL, "rules", "fields"], capture_output=True, text=True, check=True).stdout
    check("shell_command.line" in out and "shell_command.shell" in out, out[-2000:])


def test_top_counts_a_containers_process_exactly():
    """vigil top --once --format json -c ID: one interval's exec, syscalls, file bytes written,
    connections and alerts (from a running agent's output) of a process in a container,
    and the container named from its runtime's state."""
    mark = marker()
    path = "/dev/shm/" + mark
    rules = os.path.join(tempfile.mkdtemp(prefix="vigil-top-"), "rules.yaml")
    with open(rules, "w") as f:
        f.write("""- rule: Top marker
  desc: test
  condition: evt.type = exec and proc.cmdline contains "%s"
  output: "%%proc.cmdline"
  priority: notice
  tags: [test]
""" % mark)
    srv = Server()
    c = Container()
    agent = Agent("--rules", rules, profile="default")
    try:
        agent.start()
        w = c.run(helper("toolwork"), "getppid", 1000, "write", path, 4, 2500, "connect", srv.port, 0)
        top = Trace("top", "--once", "-i", "4", "-c", c.id[:12], "--alerts", agent.out_path, cmd=None,
                    ready="Counting", env=c.env).start()
        go(w)
        check(top.wait(timeout=20) == 0, top.stderr)
        snap = top.rows()
    finally:
        agent.stop()
        srv.join()
        c.remove()
        if os.path.exists(path):
            os.unlink(path)
    check(len(snap) == 1 and snap[0]["kind"] == "top", snap)
    procs, conts = snap[0]["processes"], snap[0]["containers"]
    check([p["pid"] for p in procs] == [w.pid], "only the container's process: %s" % procs)
    p = procs[0]
    check(p["exec"] == 1 and p["write_bytes"] == 10000 and p["connections"] == 1 and p["alerts"] == 1, p)
    check(1000 < p["syscalls"] < 1400 and p["comm"] == "toolwork", p)
    check(p["container"] == {"id": c.id, "name": c.name, "runtime": "docker"}, p["container"])
    check(len(conts) == 1 and conts[0]["id"] == c.id and conts[0]["name"] == c.name and conts[0]["processes"] == 1, conts)
    check(conts[0]["write_bytes"] == 10000 and conts[0]["exec"] == 1 and conts[0]["syscalls"] >= p["syscalls"], conts)


def test_trace_container_filter_and_context_columns():
    """-c NAME traces only the container's processes; --context adds user, container, exe."""
    c = Container()
    mark = marker()
    try:
        with Trace("execsnoop", "-c", c.name, "--context", env=c.env) as t:
            inside = c.run("/bin/true", mark, wait_for_go=False)
            inside.wait()
            outside = run(["/bin/true", mark]).pid
            rows = t.wait_for(lambda r: mark in r["args"])
        time.sleep(0.3)
        rows = [r for r in t.rows() if mark in r["args"]]
        with Trace("execsnoop", "-c", c.name, "--context", fmt="text", env=c.env) as t:
            c.run("/bin/true", mark + "-text", wait_for_go=False).wait()
            deadline = time.time() + 5
            while mark + "-text" not in t.text() and time.time() < deadline:
                time.sleep(0.05)
        text = t.text()
    finally:
        c.remove()
    check([r["pid"] for r in rows] == [inside.pid] and outside != inside.pid, rows)
    r = rows[0]
    check(r["container"] == {"id": c.id, "name": c.name, "runtime": "docker"} and r["user"] == "root", r)
    header, line = text.splitlines()[0], [l for l in text.splitlines() if mark + "-text" in l][0]
    check(header.split() == ["PCOMM", "PID", "PPID", "RET", "USER", "CONTAINER", "EXE", "ARGS"], header)
    check(line.split()[4:6] == ["root", c.name], line)


def test_top_on_a_terminal_sorts_by_key_and_quits_on_q():
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(VIGIL, [VIGIL, "top", "-i", "0.5"])
    screen = b""

    def read_until(needle, timeout=20):
        nonlocal screen
        deadline = time.time() + timeout
        while needle not in screen and time.time() < deadline:
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    screen += os.read(fd, 65536)
                except OSError:
                    break
        return needle in screen

    done = 0
    try:
        check(read_until(b"sort: syscalls"), "no screen: %r" % screen[-500:])
        check(b"\x1b[?1049h" in screen and b"EXEC/s" in screen, "not a full-screen view: %r" % screen[:300])
        os.write(fd, b"w")
        check(read_until(b"sort: write"), "the w key did not sort by writes: %r" % screen[-300:])
        os.write(fd, b"c")
        check(read_until(b"RUNTIME"), "the c key did not switch to containers: %r" % screen[-300:])
        os.write(fd, b"q")
        deadline = time.time() + 10
        while time.time() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            read_until(b"\x00", timeout=0.2)  # keep draining the terminal
        check(done and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, "q did not quit top")
        read_until(b"\x1b[?1049l", timeout=1)
        check(b"\x1b[?1049l" in screen, "the terminal's screen was not restored")
    finally:
        if not done:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(fd)


def test_filetop_and_syscount_take_every_count_while_counting_goes_on():
    """Takes every 10 ms while the traced process reads (filetop) or calls getppid (syscount,
    with -L) as fast as it can: an increment racing with a take must land in the next
    interval, never be lost, so the intervals add up to exactly what was done (taken by
    lookup and delete, 1,000,000 came out 2 to 11 short in every run)."""
    n = 1000000
    path = "/dev/shm/" + marker()
    with open(path, "wb") as f:
        f.write(b"x")
    try:
        rows = traced("filetop", "-C", "-r", "1000", "0.01", work_args=["read", path, n, 1])
    finally:
        os.unlink(path)
    mine = [r for r in rows if r["file"] == os.path.basename(path)]
    check(len(mine) > 10 and sum(r["reads"] for r in mine) == n and sum(r["read_bytes"] for r in mine) == n,
          "%d intervals, %d reads" % (len(mine), sum(r["reads"] for r in mine)))
    rows = [r for r in traced("syscount", "-L", "-i", "0.01", work_args=["getppid", n]) if r["syscall"] == "getppid"]
    check(len(rows) > 10 and sum(r["count"] for r in rows) == n,
          "%d intervals, %d calls" % (len(rows), sum(r["count"] for r in rows)))
