"""vigil trace TOOL and vigil top: each tool is run against the real kernel while the test
triggers a known amount of what it shows (a number of execs, opens, syscalls, bytes, a
connection with known byte counts, a file deleted after a known age, a command typed into
an interactive bash), then the numbers are checked. Rows are matched on the test's own
processes (-p, pids, markers): the machine is shared."""
import json
import os
import socket
import subprocess
import tempfile
import threading
import time

from vigiltest import Trace, VIGIL, check, helper, marker, run, sh


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


class Server:
    """A TCP server on 127.0.0.1 (a port of its own): per connection, reads `expect` bytes,
    answers `reply` bytes, then closes when the client does."""

    def __init__(self, expect=0, reply=0, conns=1):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.expect, self.reply, self.conns = expect, reply, conns
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        for _ in range(self.conns):
            c, _ = self.sock.accept()
            got = 0
            while got < self.expect:
                got += len(c.recv(65536))
            c.sendall(b"r" * self.reply)
            while c.recv(65536):
                pass
            c.close()

    def join(self):
        self.thread.join(timeout=10)
        self.sock.close()


def converse(port, send, receive):
    c = socket.create_connection(("127.0.0.1", port))
    c.sendall(b"s" * send)
    got = 0
    while got < receive:
        got += len(c.recv(65536))
    c.close()


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
