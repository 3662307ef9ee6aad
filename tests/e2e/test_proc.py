"""Process lifecycle end to end: exec (success, failure, odd argv), fork, exit and
exit_group, sleeps (nanosleep, clock_nanosleep), context
(cwd, tty, stdin/stdout, environment, ancestry, exec ids), processes from before the agent,
namespaces and cgroups (container attribution)."""
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid

from vigiltest import Agent, cgroup2_root, check, helper, in_subtree, marker, of_pid

agent = None
old = None  # a process started before the agent


def setup_module():
    global agent, old
    old = subprocess.Popen(["/bin/sh", "-c", "read x; exec /bin/true old-process-exec"], stdin=subprocess.PIPE)
    agent = Agent(events="exec,fork,exit,exit_group,nanosleep").start()


def teardown_module():
    if old.poll() is None:
        old.kill()
    agent.stop()


def exec_of(pid, timeout=5.0):
    found = agent.wait_for(of_pid(pid, event="exec"), timeout=timeout)
    check(found, "no exec event for pid %d" % pid)
    return found[-1]


def test_exec_echo_hi_within_a_second():
    tmp = tempfile.mkdtemp()
    start = time.time()
    p = subprocess.Popen(["/bin/sh", "-c", "echo hi"], cwd=tmp, stdout=subprocess.DEVNULL)
    e = agent.wait_for(of_pid(p.pid, event="exec"), timeout=1.0)
    p.wait()
    check(e, "exec of /bin/sh -c 'echo hi' not reported within 1 s")
    check(time.time() - start < 1.5)
    e = e[-1]
    proc = e["proc"]
    check(e["kind"] == "event" and e["id"] == 59 and e["ret"] == 0)
    check(proc["pid"] == p.pid and proc["ppid"] == os.getpid(), proc)
    check(proc["exe"] == os.path.realpath("/bin/sh"), proc["exe"])
    check(e["exec"]["argv"] == ["/bin/sh", "-c", "echo hi"], e["exec"])
    check(proc["cmdline"] == "/bin/sh -c echo hi")
    check(proc["cwd"] == os.path.realpath(tmp), proc["cwd"])
    check(proc["uid"] == os.getuid() and proc["euid"] == os.geteuid() and proc["user"] == "root")
    check(proc["exec_id"].endswith("-%d" % p.pid), proc["exec_id"])
    anc = proc["ancestors"]
    check(anc and anc[0]["pid"] == os.getpid(), anc)
    check(proc["parent_exec_id"] == anc[0]["exec_id"] != "", (proc["parent_exec_id"], anc[0]))
    check(e["container"]["in_host"] is True and e["container"]["id"] == "", e["container"])
    check(e["container"]["pidns"] == os.stat("/proc/self/ns/pid").st_ino)
    check(e["container"]["mntns"] == os.stat("/proc/self/ns/mnt").st_ino)
    check(e["container"]["netns"] == os.stat("/proc/self/ns/net").st_ino)
    check(e["ts"].endswith("Z") and len(e["ts"]) == 30, e["ts"])
    os.rmdir(tmp)


def test_exec_ids_chain_across_generations():
    m = marker()
    p = subprocess.Popen(["/bin/sh", "-c", "/bin/sh -c 'exec /bin/true %s'" % m])
    p.wait()
    found = agent.wait_for(lambda e: e.get("event") == "exec" and m in e["proc"]["cmdline"]
                           and e["proc"]["exe"].endswith("true"))
    check(found, "grandchild exec missing")
    g = found[-1]["proc"]
    parent = exec_of(p.pid)["proc"]
    check(g["ancestors"][0]["pid"] == p.pid and g["ancestors"][1]["pid"] == os.getpid(), g["ancestors"])
    check(g["parent_exec_id"] == parent["exec_id"], (g["parent_exec_id"], parent["exec_id"]))


def test_exec_odd_argv():
    m = marker()
    odd = [b"/bin/true", m.encode(), b"new\nline", b'quo"te\'s', b"back\\slash", b"\xff\xfe invalid \xc3",
           "caf\u00e9".encode(), b"\x01ctl"]
    p = subprocess.Popen(odd)
    p.wait()
    e = exec_of(p.pid)
    argv = e["exec"]["argv"]
    # decoded, a data backslash reads \\ and an invalid byte \xNN (README, event schema)
    check(argv[:6] == ["/bin/true", m, "new\nline", 'quo"te\'s', "back\\\\slash", "\\xff\\xfe invalid \\xc3"], argv)
    check(argv[6] == "caf\u00e9" and argv[7] == "\x01ctl", argv)
    check(e["exec"]["argc"] == len(odd) and e["exec"]["argv_truncated"] is False)


def test_exec_200_arguments():
    args = ["/bin/true"] + ["a%03d" % i for i in range(200)]
    p = subprocess.Popen(args)
    p.wait()
    e = exec_of(p.pid)
    check(e["exec"]["argv"] == args and e["exec"]["argc"] == 201, e["exec"]["argc"])


def test_exec_64k_argument_is_truncated_and_flagged():
    big = "x" * 65536
    p = subprocess.Popen(["/bin/true", big, "after"])
    p.wait()
    e = exec_of(p.pid)
    check(e["exec"]["argv_truncated"] is True)
    check(e["exec"]["argv"][0] == "/bin/true" and e["exec"]["argv"][1].startswith("xxxx"))
    check(len(e["proc"]["cmdline"]) <= 4096)


def test_failed_exec_reports_error_and_filename():
    m = marker()
    path = "/nonexistent/%s" % m
    r = os.fork()
    if r == 0:
        try:
            os.execv(path, [path, "arg1"])
        finally:
            os._exit(3)
    os.waitpid(r, 0)
    found = agent.wait_for(lambda e: e.get("event") == "exec" and e["exec"].get("filename") == path)
    check(found, "failed exec not reported")
    e = found[-1]
    check(e["ret"] == -2 and e["proc"]["pid"] == r, (e["ret"], e["proc"]["pid"]))
    check(e["exec"]["argv"] == [path, "arg1"], e["exec"]["argv"])


def test_exec_stdin_pipe_stdout_tcp_socket():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    cli = socket.create_connection(srv.getsockname())
    conn, _ = srv.accept()
    p = subprocess.Popen(["/bin/true", marker()], stdin=subprocess.PIPE, stdout=cli.fileno())
    p.stdin.close()
    p.wait()
    e = exec_of(p.pid)
    check(e["stdin"]["type"] == "pipe", e["stdin"])
    out = e["stdout"]
    check(out["type"] == "socket" and out["proto"] == "tcp", out)
    check(out["raddr"] == "127.0.0.1" and out["rport"] == srv.getsockname()[1], out)
    check(out["lport"] == cli.getsockname()[1], out)
    for s in (cli, conn, srv):
        s.close()


def test_exec_ipv6_socket_on_stdin_and_file_on_stdout():
    srv = socket.socket(socket.AF_INET6)
    srv.bind(("::1", 0))
    srv.listen(1)
    cli = socket.create_connection(srv.getsockname()[:2])
    conn, _ = srv.accept()
    with tempfile.NamedTemporaryFile() as f:
        p = subprocess.Popen(["/bin/true", marker()], stdin=conn.fileno(), stdout=f.fileno())
        p.wait()
        e = exec_of(p.pid)
        check(e["stdin"]["type"] == "socket" and e["stdin"]["laddr"] == "::1", e["stdin"])
        check(e["stdin"]["rport"] == cli.getsockname()[1], e["stdin"])
        check(e["stdout"] == {"type": "file", "path": f.name}, e["stdout"])
    for s in (cli, conn, srv):
        s.close()


def test_exec_environment_facts():
    m = marker()
    env = dict(os.environ, LD_PRELOAD="/nonexistent/%s.so" % m, SSH_CONNECTION="192.0.2.1 50000 192.0.2.2 22")
    p = subprocess.Popen(["/bin/true"], env=env, stderr=subprocess.DEVNULL)
    p.wait()
    e = exec_of(p.pid)
    check(e["proc"]["ld_preload"] == env["LD_PRELOAD"], e["proc"])
    check(e["proc"]["ssh_connection"] == env["SSH_CONNECTION"], e["proc"])


def test_exec_tty():
    m = marker()
    pid, fd = os.forkpty()
    if pid == 0:
        os.execv("/bin/true", ["/bin/true", m])
    os.waitpid(pid, 0)
    os.close(fd)
    e = exec_of(pid)
    check(e["proc"]["tty"].startswith("pts/"), e["proc"]["tty"])
    check(e["stdin"]["type"] == "tty" and e["stdin"]["path"].startswith("/dev/pts/"), e["stdin"])


def test_fork_and_exit_code():
    r = os.fork()
    if r == 0:
        time.sleep(0.05)
        os._exit(7)
    os.waitpid(r, 0)
    forks = agent.wait_for(lambda e: e.get("event") == "fork" and e["fork"]["child_pid"] == r)
    check(forks, "fork not reported")
    f = forks[-1]
    check(f["proc"]["pid"] == os.getpid() and f["id"] == 57)
    exits = agent.wait_for(of_pid(r, event="exit_group"))  # os._exit is exit_group(2)
    check(exits, "exit_group not reported")
    x = exits[-1]
    check(x["exit"]["code"] == 7 and x["exit"]["signal"] == 0 and x["id"] == 231, x["exit"])
    check(not [e for e in agent.events() if of_pid(r, event="exit")(e)], "the end reported twice")
    check(x["proc"]["exec_id"] == f["fork"]["child_exec_id"], (x["proc"]["exec_id"], f["fork"]))
    check(x["proc"]["parent_exec_id"] == f["proc"]["exec_id"])


def test_exit_by_signal():
    p = subprocess.Popen(["/bin/sleep", "30"])
    exec_of(p.pid)
    p.send_signal(signal.SIGKILL)
    p.wait()
    x = agent.wait_for(of_pid(p.pid, event="exit"))
    check(x and x[-1]["exit"]["signal"] == 9 and x[-1]["proc"]["exe"] == os.path.realpath("/bin/sleep"), x)
    check(x[-1]["id"] == 60, x[-1])


def test_exit_of_the_last_thread_is_exit_not_exit_group():
    r = os.fork()
    if r == 0:
        ctypes.CDLL(None).syscall(60, 3)  # exit(2) of the only thread
        os._exit(1)
    os.waitpid(r, 0)
    x = agent.wait_for(of_pid(r, event="exit"))
    check(x and x[-1]["exit"]["code"] == 3 and x[-1]["id"] == 60, x)
    check(not [e for e in agent.events() if of_pid(r, event="exit_group")(e)], "exit(2) reported as exit_group")


def test_nanosleep_and_clock_nanosleep_report_the_time_asked_for():
    p = subprocess.Popen([helper("toolwork"), "sleep", "120", "csleep", "80"])
    check(p.wait() == 0)
    found = agent.wait_for(of_pid(p.pid, event="nanosleep"), count=2)
    got = [(e["sleep"]["call"], e["sleep"]["ns"], e["sleep"]["clock"], e["sleep"]["absolute"], e["id"], e["ret"])
           for e in found]
    check(got == [("nanosleep", 120000000, "monotonic", False, 35, 0),
                  ("clock_nanosleep", 80000000, "monotonic", False, 35, 0)], got)


def test_threads_are_not_processes():
    m = marker()
    code = "import threading; t=[threading.Thread(target=lambda: None) for _ in range(5)]; " \
           "[x.start() for x in t]; [x.join() for x in t]  # %s" % m
    p = subprocess.Popen(["python3", "-c", code])
    p.wait()
    exec_of(p.pid)
    time.sleep(0.3)
    forks = [e for e in agent.events() if e.get("event") == "fork" and e["proc"]["pid"] == p.pid]
    check(not forks, "thread creation reported as fork: %s" % forks)
    exits = agent.wait_for(lambda e: of_pid(p.pid, event="exit")(e) or of_pid(p.pid, event="exit_group")(e))
    check(len(exits) == 1 and exits[0]["event"] == "exit_group", "expected one end of the process: %s" % exits)


def test_process_from_before_the_agent():
    old.stdin.write(b"go\n")
    old.stdin.flush()
    old.wait()
    e = exec_of(old.pid)
    proc = e["proc"]
    check(e["exec"]["argv"] == ["/bin/true", "old-process-exec"])
    check(proc["ppid"] == os.getpid() and proc["ancestors"][0]["pid"] == os.getpid(), proc)
    check(proc["parent_exec_id"] == proc["ancestors"][0]["exec_id"])


def test_namespaces_and_container_cgroup():
    cid = uuid.uuid4().hex + uuid.uuid4().hex
    m = marker()
    cg = os.path.join(cgroup2_root(), "system.slice", "docker-%s.scope" % cid)
    os.makedirs(cg)
    try:
        script = ("echo $$ > %s/cgroup.procs && exec unshare --pid --mount --net --uts --fork "
                  "/bin/sh -c 'hostname %s; exec /bin/true %s'") % (cg, m[:60], m)
        p = subprocess.Popen(["/bin/sh", "-c", script])
        p.wait()
        found = agent.wait_for(lambda e: e.get("event") == "exec" and e["exec"]["argv"] == ["/bin/true", m])
        check(found, "exec inside namespaces not reported")
        e = found[-1]
        c = e["container"]
        check(c["id"] == cid and c["runtime"] == "docker", c)
        check(c["cgroup"].endswith("/system.slice/docker-%s.scope" % cid), c["cgroup"])
        check(c["in_host"] is False and c["nodename"] == m[:60], c)
        check(c["pidns"] != os.stat("/proc/self/ns/pid").st_ino, c)
        check(c["mntns"] != os.stat("/proc/self/ns/mnt").st_ino, c)
        check(c["netns"] != os.stat("/proc/self/ns/net").st_ino, c)
        check(e["proc"]["ancestors"][0]["comm"] in ("sh", "unshare"), e["proc"]["ancestors"])
        check(in_subtree(p.pid)(e), "exec not in the test's subtree")
    finally:
        for _ in range(50):
            try:
                os.rmdir(cg)
                break
            except OSError:
                time.sleep(0.1)


def test_every_line_is_json_and_stats_at_exit():
    lines = agent.events()
    check(all(isinstance(x, dict) and "kind" in x for x in lines))


def test_forced_loss_is_counted_and_equals_the_sequence_gap():
    tiny = Agent("--ring-size", "4096", "--stats-interval", "1", events="exec,fork,exit").start()
    try:
        subprocess.run(["/bin/sh", "-c", "i=0; while [ $i -lt 1500 ]; do /bin/true; i=$((i+1)); done"], check=True)
        time.sleep(1.2)
    finally:
        lines = tiny.stop()
    st = tiny.final_stats()
    check(st["lost"] > 0, "a 4 KiB ring should lose events in a 1500-exec flood: %s" % st)
    check(st["lost"] == st["seq_gap"], "drops %d != sequence gap %d" % (st["lost"], st["seq_gap"]))
    check(sum(v for d in st["drops"].values() for v in d.values()) == st["lost"])
    check(st["kernel_seq"] == st["events"] + st["lost"] + st["malformed"], st)
    check("ring_full" in st["drops"].get("exec", {}) or "ring_full" in st["drops"].get("fork", {}), st["drops"])
    check("lost" in tiny.stderr, "no loss warning on stderr: %r" % tiny.stderr)
    periodic = [x for x in lines if x.get("kind") == "stats" and not x["final"]]
    check(periodic, "no periodic stats lines")


def test_process_table_cap_evicts_exited_processes():
    small = Agent("--proc-cap", "64", events="exec").start()
    try:
        subprocess.run(["/bin/sh", "-c", "i=0; while [ $i -lt 300 ]; do /bin/true; i=$((i+1)); done"], check=True)
        time.sleep(0.5)
    finally:
        small.stop()
    st = small.final_stats()
    check(st["proctable"]["entries"] <= 64, st["proctable"])
    check(st["proctable"]["evictions"] > 0, st["proctable"])


def test_fileless_exec_from_memfd_names_the_memfd():
    m = marker()
    code = ("import os,sys\n"
            "fd = os.memfd_create('%s', 0)\n"
            "os.write(fd, open('/bin/true','rb').read())\n"
            "os.execv('/proc/self/fd/%%d' %% fd, ['fileless'])\n") % m
    p = subprocess.Popen(["python3", "-c", code])
    p.wait()
    found = agent.wait_for(lambda e: e.get("event") == "exec" and e["proc"]["pid"] == p.pid
                           and e["exec"]["argv"] == ["fileless"])
    check(found, "exec of the memfd not reported")
    e = found[-1]
    check(e["proc"]["exe"] == "/memfd:%s" % m, e["proc"]["exe"])
    check(e["exec"]["exe_deleted"] is True)
