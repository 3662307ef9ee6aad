"""vigil seccomp on the real kernel: profiles recorded from real programs (coreutils, python3,
a server with its client, a 32-bit program, a process tree, a cgroup) let those programs run
again under them; what they never did fails with EPERM; merged profiles allow both
workloads; clone3 gets ENOSYS so that glibc falls back to clone; a --log trial run reports
what the profile would have denied, from the kernel's own audit records."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid

from vigiltest import VIGIL, cgroup2_root, check, helper, marker

PYTHON = "/usr/bin/python3"  # the real interpreter (not a shell shim), with its libc

PROBE = r"""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)

def call(fn, *args):
    return 0 if fn(*args) == 0 else ctypes.get_errno()

if sys.argv[1].startswith("probe"):
    print("unshare", call(libc.unshare, 0x04000000))            # CLONE_NEWUTS
    print("ptrace", call(libc.ptrace, 0, 0, None, None))        # PTRACE_TRACEME
if sys.argv[1] == "probe":
    print("mount", call(libc.mount, b"none", sys.argv[2].encode(), b"tmpfs", 0, None))
print("ok")
"""

THREADS = r"""
import os, sys, threading
if sys.argv[1] == "fork":
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
else:
    t = threading.Thread(target=lambda: print("thread ran"))
    t.start()
    t.join()
print("done")
"""

SERVER = r"""
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
c.sendall(b"echo:" + c.recv(100))
c.close()
s.close()
"""


def scratch():
    d = tempfile.mkdtemp(prefix=marker())
    os.chmod(d, 0o755)
    return d


def script(d, name, text):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def record(out, *target, check_rc=True):
    p = subprocess.run([VIGIL, "seccomp", "record", "-o", out] + list(target), capture_output=True, text=True,
                       timeout=120)
    check(not check_rc or p.returncode == 0, "record failed: %s" % p.stderr)
    with open(out) as f:
        return json.load(f)


def under(profile, *cmd, log=False):
    return subprocess.run([VIGIL, "seccomp", "run"] + (["--log"] if log else []) + [profile, "--"] + list(cmd),
                          capture_output=True, text=True, timeout=60)


def section(prof, arch):
    rules = [r for r in prof["syscalls"] if r.get("comment") == "vigil: application (%s)" % arch]
    return set(rules[0]["names"]) if rules else set()


def test_coreutils_pipeline_recorded_then_run_under_its_profile():
    d = scratch()
    with open(os.path.join(d, "words"), "w") as f:
        f.write("pear\napple\nfig\n")
    sh = "ls -l %s > /dev/null && sort %s/words | head -n 1" % (d, d)
    prof = record(os.path.join(d, "p.json"), "--", "/bin/sh", "-c", sh)
    check(prof["defaultAction"] == "SCMP_ACT_ERRNO" and prof["defaultErrnoRet"] == 1, prof)
    check(prof["architectures"] == ["SCMP_ARCH_X86_64"], prof["architectures"])
    names = section(prof, "SCMP_ARCH_X86_64")
    # the first syscalls of a new image (the loader's) and of the children (fork followed)
    check({"execve", "brk", "arch_prctl", "getdents64", "wait4"} <= names, sorted(names))
    p = under(os.path.join(d, "p.json"), "/bin/sh", "-c", sh)
    check(p.returncode == 0 and p.stdout == "apple\n", (p.returncode, p.stdout, p.stderr))
    shutil.rmtree(d)


def test_python_runs_under_its_profile_and_what_it_never_did_is_eperm():
    d = scratch()
    probe = script(d, "probe.py", PROBE)
    mnt = os.path.join(d, "mnt")
    os.mkdir(mnt)
    record(os.path.join(d, "p.json"), "--", PYTHON, probe, "calm", mnt)
    p = under(os.path.join(d, "p.json"), PYTHON, probe, "calm", mnt)
    check(p.returncode == 0 and p.stdout == "ok\n", (p.returncode, p.stdout, p.stderr))
    p = under(os.path.join(d, "p.json"), PYTHON, probe, "probe", mnt)
    check(p.returncode == 0, p.stderr)
    check(p.stdout.splitlines()[:3] == ["unshare 1", "ptrace 1", "mount 1"], p.stdout)  # EPERM
    # without the profile the same calls work (as root): the profile made the difference
    p = subprocess.run([PYTHON, probe, "probe-no-mount", mnt], capture_output=True, text=True, timeout=30)
    check(p.stdout.splitlines()[:2] == ["unshare 0", "ptrace 0"], p.stdout + p.stderr)
    shutil.rmtree(d)


def test_server_and_client_work_under_the_servers_profile():
    d = scratch()
    server = script(d, "server.py", SERVER)

    def serve(argv):
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        port = int(proc.stdout.readline())
        with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
            c.sendall(b"hello")
            reply = c.recv(100)
        proc.wait(timeout=30)
        return proc.returncode, reply, proc.stderr.read()

    rc, reply, err = serve([VIGIL, "seccomp", "record", "-o", os.path.join(d, "p.json"), "--", PYTHON, server])
    check(rc == 0 and reply == b"echo:hello", (rc, reply, err))
    with open(os.path.join(d, "p.json")) as f:
        names = section(json.load(f), "SCMP_ARCH_X86_64")
    check({"socket", "bind", "listen", "accept4"} <= names, sorted(names))
    rc, reply, err = serve([VIGIL, "seccomp", "run", os.path.join(d, "p.json"), "--", PYTHON, server])
    check(rc == 0 and reply == b"echo:hello", (rc, reply, err))
    shutil.rmtree(d)


def test_32bit_program_gets_its_own_architecture_section():
    d = scratch()
    prog = helper("syscall32")
    prof = record(os.path.join(d, "p32.json"), "--", prog, os.path.join(d, "m1"), "0")
    check("SCMP_ARCH_X86" in prof["architectures"], prof["architectures"])
    x86 = section(prof, "SCMP_ARCH_X86")
    check({"set_thread_area", "getpid", "openat", "exit_group"} <= x86, sorted(x86))
    check("set_thread_area" not in section(prof, "SCMP_ARCH_X86_64"), prof)
    p = under(os.path.join(d, "p32.json"), prog, os.path.join(d, "m2"), "0")
    check(p.returncode == 0 and os.path.exists(os.path.join(d, "m2")), (p.returncode, p.stderr))
    # a 64-bit-only profile lists no 32-bit architecture: the same program cannot run
    record(os.path.join(d, "p64.json"), "--", "/bin/true")
    p = under(os.path.join(d, "p64.json"), prog, os.path.join(d, "m3"), "0")
    check(p.returncode != 0 and not os.path.exists(os.path.join(d, "m3")), (p.returncode, p.stderr))
    shutil.rmtree(d)


def test_merge_of_two_profiles_allows_both_workloads():
    d = scratch()
    ls_cmd = ["/bin/ls", "-l", d]
    py_cmd = [PYTHON, "-c", "import json; print(json.dumps([1]))"]
    record(os.path.join(d, "ls.json"), "--", *ls_cmd)
    record(os.path.join(d, "py.json"), "--", *py_cmd)
    check(under(os.path.join(d, "ls.json"), *py_cmd).returncode != 0, "python ran under the ls profile")
    check(under(os.path.join(d, "py.json"), *ls_cmd).returncode != 0, "ls ran under the python profile")
    m = subprocess.run([VIGIL, "seccomp", "merge", os.path.join(d, "ls.json"), os.path.join(d, "py.json"),
                        "-o", os.path.join(d, "both.json")], capture_output=True, text=True)
    check(m.returncode == 0, m.stderr)
    for cmd in (ls_cmd, py_cmd):
        p = under(os.path.join(d, "both.json"), *cmd)
        check(p.returncode == 0, (cmd, p.stderr))
    with open(os.path.join(d, "both.json")) as f:
        merged = json.load(f)
    check(len([r for r in merged["syscalls"] if r.get("comment", "").startswith("vigil: application")]) == 1,
          "the application sections did not merge: %s" % merged)
    shutil.rmtree(d)


def test_clone3_gets_enosys_so_threads_still_start():
    d = scratch()
    prog = script(d, "threads.py", THREADS)
    prof = record(os.path.join(d, "p.json"), "--", PYTHON, prog, "fork")
    names = section(prof, "SCMP_ARCH_X86_64")
    check("clone" in names and "clone3" not in names, sorted(names))
    fallback = [r for r in prof["syscalls"] if "clone3" in r["names"]]
    check(fallback and fallback[0]["action"] == "SCMP_ACT_ERRNO" and fallback[0]["errnoRet"] == 38, prof)
    p = under(os.path.join(d, "p.json"), PYTHON, prog, "thread")
    check(p.returncode == 0 and "thread ran" in p.stdout, (p.returncode, p.stdout, p.stderr))
    # the same profile with EPERM for clone3: glibc does not fall back, the thread fails
    fallback[0]["errnoRet"] = 1
    with open(os.path.join(d, "eperm.json"), "w") as f:
        json.dump(prof, f)
    p = under(os.path.join(d, "eperm.json"), PYTHON, prog, "thread")
    check(p.returncode != 0 and "thread ran" not in p.stdout, (p.returncode, p.stdout))
    shutil.rmtree(d)


def test_verify_reports_what_the_profile_would_deny_and_the_merge_fixes_it():
    d = scratch()
    prog = script(d, "sid.py", "import os, sys\nif sys.argv[1] == 'sid':\n    os.setsid()\nprint('ran')\n")
    record(os.path.join(d, "p.json"), "--", PYTHON, prog, "plain")
    v = subprocess.run([VIGIL, "seccomp", "verify", os.path.join(d, "p.json"), "-o", os.path.join(d, "add.json"),
                        "--", PYTHON, prog, "sid"], capture_output=True, text=True, timeout=60)
    check(v.returncode == 1, (v.returncode, v.stdout, v.stderr))
    check("ran" in v.stdout, "the trial run was denied something: %s" % v.stdout)  # logged, not denied
    check(any(line.split()[:2] == ["SCMP_ARCH_X86_64", "setsid"] for line in v.stdout.splitlines()), v.stdout)
    m = subprocess.run([VIGIL, "seccomp", "merge", os.path.join(d, "p.json"), os.path.join(d, "add.json"),
                        "-o", os.path.join(d, "fixed.json")], capture_output=True, text=True)
    check(m.returncode == 0, m.stderr)
    v = subprocess.run([VIGIL, "seccomp", "verify", os.path.join(d, "fixed.json"), "--", PYTHON, prog, "sid"],
                       capture_output=True, text=True, timeout=60)
    check(v.returncode == 0 and "allowed every syscall" in v.stdout, (v.returncode, v.stdout, v.stderr))
    # run --log lets the call through instead of denying it
    p = under(os.path.join(d, "p.json"), PYTHON, prog, "sid", log=True)
    check(p.returncode == 0 and "ran" in p.stdout, (p.returncode, p.stderr))
    check(under(os.path.join(d, "p.json"), PYTHON, prog, "sid").returncode != 0, "setsid was not denied")
    shutil.rmtree(d)


def test_record_a_running_process_tree_and_a_cgroup():
    d = scratch()
    loop = "while :; do ls %s > /dev/null; sleep 0.1; done" % d
    tree = subprocess.Popen(["/bin/sh", "-c", loop])
    cg = os.path.join(cgroup2_root(), marker())
    os.mkdir(cg)
    member = subprocess.Popen(["/bin/sh", "-c", loop])
    try:
        with open(os.path.join(cg, "cgroup.procs"), "w") as f:
            f.write(str(member.pid))
        by_pid = record(os.path.join(d, "pid.json"), "--pid", str(tree.pid), "--duration", "1")
        by_cgroup = record(os.path.join(d, "cg.json"), "--cgroup", cg, "--duration", "1")
    finally:
        for p in (tree, member):
            p.kill()
            p.wait()
        time.sleep(0.2)
        os.rmdir(cg)
    for prof in (by_pid, by_cgroup):
        names = section(prof, "SCMP_ARCH_X86_64")
        # the shell waits, its children exec ls, which lists the directory
        check({"wait4", "execve", "getdents64"} <= names, sorted(names))
    shutil.rmtree(d)


def test_bad_profile_is_refused_with_its_position():
    d = scratch()
    path = script(d, "bad.json", '{\n  "defaultAction": "SCMP_ACT_ERRNO",\n  "syscalls": [\n    {"names": ["read"],}\n  ]\n}\n')
    p = under(path, "/bin/true")
    check(p.returncode == 2 and path + ":4:" in p.stderr, (p.returncode, p.stderr))
    shutil.rmtree(d)


def test_record_a_container_by_its_id():
    """A container as docker's systemd driver lays it out (a docker-<id>.scope cgroup v2 with the
    container's processes), found by an id prefix."""
    d = scratch()
    cid = (uuid.uuid4().hex * 2)[:64]
    cg = os.path.join(cgroup2_root(), "docker-%s.scope" % cid)
    os.mkdir(cg)
    member = subprocess.Popen(["/bin/sh", "-c", "while :; do ls %s > /dev/null; sleep 0.1; done" % d])
    try:
        with open(os.path.join(cg, "cgroup.procs"), "w") as f:
            f.write(str(member.pid))
        prof = record(os.path.join(d, "c.json"), "--container", cid[:12], "--duration", "1")
        missing = subprocess.run([VIGIL, "seccomp", "record", "--container", "f" * 63 + "e", "--duration", "1"],
                                 capture_output=True, text=True)
    finally:
        member.kill()
        member.wait()
        time.sleep(0.2)
        os.rmdir(cg)
    check({"wait4", "execve", "getdents64"} <= section(prof, "SCMP_ARCH_X86_64"), prof)
    check(missing.returncode == 1 and "no running container" in missing.stderr, missing.stderr)
    shutil.rmtree(d)
