"""File events end to end: create_file (with the socket of a network-facing creator),
open (success and failure), write, file_read and file_write of watched files (--watch),
rename, link, chmod, chown,
unlink, rmdir, memfd_create and mprotect(PROT_EXEC). Every action runs in a child python
(or C helper) in a temp directory named with a marker; events are matched on that pid.
Relative paths are given from a chdir'ed child so the absolute paths must come from the
kernel's cwd/dirfd, not from the test."""
import os
import socket
import subprocess
import sys
import tempfile
import time

from vigiltest import Agent, check, helper, marker, of_pid

agent = None
base = None     # temp dir of this module, named with a marker
watched = None  # a file given to --watch

FILE_EVENTS = ("create_file,write,file_read,file_write,rename,link,chmod,chown,unlink,rmdir,memfd_create,mprotect,"
               "utimes")


def setup_module():
    global agent, base, watched
    base = os.path.realpath(tempfile.mkdtemp(prefix=marker() + "-"))
    watched = os.path.join(base, "watched.conf")
    with open(watched, "w") as f:
        f.write("x\n")
    agent = Agent("--watch", watched, events=FILE_EVENTS).start()


def teardown_module():
    agent.stop()
    subprocess.run(["rm", "-rf", base])


def child(code, cwd=None, **kw):
    """Runs python code in a child (cwd: its working directory); returns its pid."""
    p = subprocess.Popen([sys.executable, "-c", code], cwd=cwd or base, **kw)
    check(p.wait() == 0, "child failed: %s" % code)
    return p.pid


def events(pid, event, count=1, timeout=5.0, a=None):
    found = (a or agent).wait_for(of_pid(pid, event=event), timeout=timeout, count=count)
    check(len(found) >= count, "%d %s events from pid %d, wanted %d" % (len(found), event, pid, count))
    return found


def fresh_dir():
    d = os.path.join(base, marker())
    os.mkdir(d)
    return d


def test_create_file_relative_path_is_absolute_from_the_kernel():
    d = fresh_dir()
    os.mkdir(os.path.join(d, "sub"))
    pid = child("import os\nos.umask(0o022)\n"
                "fd = os.open('sub/../made.txt', os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o640); os.close(fd)\n"
                "fd = os.open('made.txt', os.O_CREAT | os.O_WRONLY, 0o600); os.close(fd)\n"
                "try:\n    os.open('made.txt', os.O_CREAT | os.O_EXCL | os.O_WRONLY)\nexcept FileExistsError:\n    pass\n",
                cwd=d)
    time.sleep(0.3)
    found = events(pid, "create_file")
    made = [e for e in found if e["file"]["path"].endswith("made.txt")]
    check(len(made) == 1, "opening an existing file (or failing to create it) is no create: %s" % made)
    f = made[0]["file"]
    check(made[0]["id"] == 602 and made[0]["ret"] >= 0)
    check(f["path"] == os.path.join(d, "made.txt"), f)
    check("path_arg" not in f, "the path comes from the new file, not the caller's string")
    check(f["flag_names"] == "O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC", f)  # python adds O_CLOEXEC
    check(f["flags"] & os.O_CREAT and f["flags"] & os.O_EXCL and f["flags"] & 3 == os.O_WRONLY, f)
    check(f["mode"] == 0o640 and f["setuid"] is False and f["setgid"] is False, f)
    check("sock" not in f, f)


def test_create_file_deeper_than_the_kernel_walks_is_marked_cut():
    # 200 directories: the kernel walks VG_PATH_DEPTH (48) components up from the leaf and
    # flags the record; the path must keep its leaf end and never pose as absolute
    d = fresh_dir()
    pid = child("import os\nfor i in range(200):\n    os.mkdir('d%%03d' %% i)\n    os.chdir('d%%03d' %% i)\n"
                "os.close(os.open('leaf.txt', os.O_CREAT | os.O_WRONLY, 0o600))\n"
                "os.close(os.open('/dev/shm/%s-flat', os.O_CREAT | os.O_WRONLY, 0o600))\n" % os.path.basename(d),
                cwd=d)
    try:
        found = events(pid, "create_file", count=2)
        deep = [e["file"] for e in found if e["file"]["path"].endswith("/leaf.txt")]
        flat = [e["file"] for e in found if e["file"]["path"].endswith("-flat")]
        check(deep and flat, found)
        check(deep[0]["path_truncated"] is True and deep[0]["path"].startswith(".../"), deep[0])
        check(deep[0]["path"].endswith("/d198/d199/leaf.txt") and not deep[0]["path"].startswith("/"), deep[0])
        check(flat[0]["path_truncated"] is False and flat[0]["path"].startswith("/dev/shm/"), flat[0])
    finally:
        os.unlink("/dev/shm/%s-flat" % os.path.basename(d))


def test_create_file_with_creat_and_setuid_mode():
    d = fresh_dir()
    pid = child("import ctypes, os\nos.umask(0)\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                "fd = libc.syscall(85, b'viacreat', 0o4755)\nassert fd >= 0\nos.close(fd)\n", cwd=d)
    f = events(pid, "create_file")[0]["file"]
    check(f["path"] == os.path.join(d, "viacreat"), f)
    check(f["flag_names"] == "O_WRONLY|O_CREAT|O_TRUNC", f)
    check(f["mode"] == 0o4755 and f["setuid"] is True, f)


def net_facing_create(family, addr):
    """A child whose stdin and stdout are an accepted TCP connection creates a file."""
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.bind((addr, 0))
    srv.listen(1)
    cli = socket.socket(family, socket.SOCK_STREAM)
    cli.connect(srv.getsockname()[:2])
    conn, _ = srv.accept()
    d = fresh_dir()
    p = subprocess.Popen([sys.executable, "-c", "open('dropped', 'w').close()"], cwd=d,
                         stdin=conn.fileno(), stdout=conn.fileno())
    check(p.wait() == 0)
    ev = events(p.pid, "create_file")[-1]
    f = ev["file"]
    check(f["path"] == os.path.join(d, "dropped"), f)
    s = f["sock"]
    check(s["fd"] == 0 and s["proto"] == "tcp", s)
    check(s["laddr"] == addr and s["lport"] == srv.getsockname()[1], s)
    check(s["raddr"] == addr and s["rport"] == cli.getsockname()[1], s)
    for x in (conn, cli, srv):
        x.close()


def test_create_file_by_network_facing_process_ipv4():
    net_facing_create(socket.AF_INET, "127.0.0.1")


def test_create_file_by_network_facing_process_ipv6():
    net_facing_create(socket.AF_INET6, "::1")


def test_write_to_watched_file_only():
    d = fresh_dir()
    other = os.path.join(d, "not-watched")
    pid = child("import os\n"
                "with open(%r, 'a') as f: f.write('hello watched\\n')\n"
                "with open(%r, 'w') as f: f.write('nobody cares\\n')\n"
                "fd = os.open(%r, os.O_WRONLY); os.pwrite(fd, b'abc', 0); os.writev(fd, [b'de', b'f']); os.close(fd)\n"
                % (watched, other, watched), cwd=d)
    found = events(pid, "write", count=3)
    time.sleep(0.3)
    found = agent.wait_for(of_pid(pid, event="write"))
    check(len(found) == 3, "exactly the three writes to the watched file: %s" % [e["file"] for e in found])
    check(all(e["file"]["path"] == watched for e in found), found)
    check(sorted(e["file"]["bytes"] for e in found) == [3, 3, 14], [e["file"] for e in found])
    check(all(e["id"] == 1 and e["ret"] == e["file"]["bytes"] for e in found))


def test_file_read_and_file_write_count_bytes_per_process_and_file():
    """Unlike write (one event per call), file_read and file_write sum a process's calls on
    a watched file over about a second: the totals must be exact, however the calls fall
    into windows."""
    w = subprocess.Popen([helper("toolwork"), "write", watched, "4", "2500", "read", watched, "3", "1000"])
    check(w.wait() == 0)
    time.sleep(1.2)  # the records are taken every second
    reads = agent.wait_for(of_pid(w.pid, event="file_read"))
    writes = agent.wait_for(of_pid(w.pid, event="file_write"))
    each = agent.wait_for(of_pid(w.pid, event="write"), count=4)
    check(reads and writes, "file_read %s, file_write %s" % (reads, writes))
    check(sum(e["file"]["bytes"] for e in writes) == 10000 and sum(e["file"]["calls"] for e in writes) == 4, writes)
    check(sum(e["file"]["bytes"] for e in reads) == 3000 and sum(e["file"]["calls"] for e in reads) == 3, reads)
    check(all(e["file"]["path"] == watched and e["file"]["span_ns"] >= 0 for e in reads + writes), reads + writes)
    check(reads[0]["id"] == 609 and writes[0]["id"] == 608, (reads[0]["id"], writes[0]["id"]))
    check(len(each) == 4 and all(e["file"]["bytes"] == 2500 for e in each), each)


def test_write_to_watched_file_after_it_was_replaced():
    # editors and passwd tools replace the file by rename: the new inode must be watched
    tmp = watched + ".new"
    with open(tmp, "w") as f:
        f.write("replaced\n")
    os.rename(tmp, watched)
    time.sleep(1.5)  # the agent re-resolves its watch list every second
    pid = child("with open(%r, 'a') as f: f.write('again\\n')\n" % watched)
    e = events(pid, "write")[0]
    check(e["file"]["path"] == watched and e["file"]["bytes"] == 6, e["file"])


def test_rename_relative_and_dirfd_paths_are_absolute():
    d = fresh_dir()
    os.mkdir(os.path.join(d, "sub"))
    open(os.path.join(d, "a"), "w").close()
    pid = child("import os\n"
                "os.rename('a', 'sub/../b')\n"
                "fd = os.open('sub', os.O_RDONLY | os.O_DIRECTORY)\n"
                "os.rename('b', 'c', src_dir_fd=None, dst_dir_fd=fd)\n"
                "try:\n    os.rename('missing', 'x')\nexcept OSError:\n    pass\n", cwd=d)
    found = events(pid, "rename", count=2)
    time.sleep(0.3)
    found = agent.wait_for(of_pid(pid, event="rename"))
    check(len(found) == 2, "a failed rename is not reported: %s" % [e["file"] for e in found])
    f1, f2 = found[0]["file"], found[1]["file"]
    check(found[0]["id"] == 82 and found[0]["ret"] == 0)
    check(f1["path"] == os.path.join(d, "a") and f1["path_arg"] == "a", f1)
    check(f1["newpath"] == os.path.join(d, "b") and f1["newpath_arg"] == "sub/../b", f1)
    check(f2["path"] == os.path.join(d, "b") and f2["newpath"] == os.path.join(d, "sub", "c"), f2)
    check(f2["newpath_arg"] == "c", f2)


def test_link_hard_and_symbolic():
    d = fresh_dir()
    open(os.path.join(d, "target"), "w").close()
    pid = child("import os\nos.link('target', 'hard')\nos.symlink('../elsewhere/t', 'soft')\n", cwd=d)
    found = events(pid, "link", count=2)
    hard = [e["file"] for e in found if not e["file"]["symlink"]]
    soft = [e["file"] for e in found if e["file"]["symlink"]]
    check(len(hard) == 1 and len(soft) == 1, found)
    check(found[0]["id"] == 86)
    check(hard[0]["path"] == os.path.join(d, "target") and hard[0]["newpath"] == os.path.join(d, "hard"), hard)
    check(soft[0]["path"] == "../elsewhere/t", "a symlink target is stored as given: %s" % soft)
    check(soft[0]["newpath"] == os.path.join(d, "soft"), soft)


def test_chmod_setuid_and_fchmod_from_the_fd():
    d = fresh_dir()
    p = os.path.join(d, "bin")
    open(p, "w").close()
    pid = child("import os\nos.chmod('bin', 0o4755)\n"
                "fd = os.open('bin', os.O_RDONLY); os.fchmod(fd, 0o2750); os.close(fd)\n"
                "dfd = os.open('.', os.O_RDONLY); os.chmod('bin', 0o644, dir_fd=dfd)\n"
                "try:\n    os.chmod('missing', 0o4777)\nexcept OSError:\n    pass\n", cwd=d)
    events(pid, "chmod", count=3)
    time.sleep(0.3)
    found = agent.wait_for(of_pid(pid, event="chmod"))
    check(len(found) == 3, "a failed chmod is not reported: %s" % [e["file"] for e in found])
    f = [e["file"] for e in found]
    check(found[0]["id"] == 90)
    check(f[0]["path"] == p and f[0]["path_arg"] == "bin", f[0])
    check(f[0]["mode"] == 0o4755 and f[0]["setuid"] is True and f[0]["setgid"] is False, f[0])
    check(f[1]["path"] == p and "path_arg" not in f[1], "fchmod's path comes from the fd: %s" % f[1])
    check(f[1]["mode"] == 0o2750 and f[1]["setuid"] is False and f[1]["setgid"] is True, f[1])
    check(f[2]["path"] == p and f[2]["mode"] == 0o644 and not f[2]["setuid"], f[2])


def test_utimes_reports_explicit_times_only():
    d = fresh_dir()
    p = os.path.join(d, "stamped")
    open(p, "w").close()
    pid = child("import os\nos.utime('stamped')\n"                        # now: not reported
                "os.utime('stamped', (1000000000, 1200000000))\n", cwd=d)  # both explicit
    subprocess.run(["touch", "-m", "-d", "2001-02-03 04:05:06 UTC", p], check=True)
    found = agent.wait_for(lambda e: e.get("event") == "utimes" and e["file"]["path"] == p, count=2)
    check(len(found) == 2, "expected the explicit python call and touch -d, got %s" % [e["file"] for e in found])
    first, touch = found
    check(first["proc"]["pid"] == pid and first["id"] == 708, first["proc"])
    check(first["utimes"] == {"atime": 1000000000, "mtime": 1200000000}, first["utimes"])
    check(touch["proc"]["comm"] == "touch" and touch["utimes"] == {"mtime": 981173106}, touch["utimes"])


def test_chown_lchown_fchown():
    d = fresh_dir()
    p = os.path.join(d, "owned")
    open(p, "w").close()
    pid = child("import os\nos.chown('owned', 1234, 5678)\nos.lchown('owned', 1, 2)\n"
                "fd = os.open('owned', os.O_RDONLY); os.fchown(fd, -1, 42); os.close(fd)\n", cwd=d)
    f = [e["file"] for e in events(pid, "chown", count=3)]
    check([(x["path"], x["uid"], x["gid"]) for x in f] == [(p, 1234, 5678), (p, 1, 2), (p, -1, 42)], f)


def test_unlink_and_rmdir_including_unlinkat_removedir():
    d = fresh_dir()
    open(os.path.join(d, "gone"), "w").close()
    os.mkdir(os.path.join(d, "empty1"))
    os.mkdir(os.path.join(d, "empty2"))
    pid = child("import os\nos.unlink('gone')\nos.rmdir('empty1')\n"
                "dfd = os.open('.', os.O_RDONLY); os.rmdir('empty2', dir_fd=dfd)\n", cwd=d)
    u = events(pid, "unlink")
    r = events(pid, "rmdir", count=2)
    time.sleep(0.3)
    u = agent.wait_for(of_pid(pid, event="unlink"))
    check(len(u) == 1 and u[0]["id"] == 605 and u[0]["file"]["path"] == os.path.join(d, "gone"), u)
    check([e["file"]["path"] for e in r] == [os.path.join(d, "empty1"), os.path.join(d, "empty2")], r)
    check(r[0]["id"] == 606)


def test_memfd_create_name_and_flags():
    m = marker()
    pid = child("import os\nfd = os.memfd_create(%r, os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)\n" % m)
    e = events(pid, "memfd_create")[0]
    check(e["id"] == 356, e)
    mf = e["memfd"]
    check(mf["name"] == m and mf["flags"] == 3 and mf["flag_names"] == "MFD_CLOEXEC|MFD_ALLOW_SEALING", mf)
    check(mf["fd"] == e["ret"] and mf["fd"] >= 3, mf)


def test_mprotect_exec_anonymous_and_file_backed():
    d = fresh_dir()
    lib = os.path.join(d, "code.bin")
    with open(lib, "wb") as f:
        f.write(b"\xc3" * 4096)
    p = subprocess.Popen([helper("mprotect_exec"), lib], stdout=subprocess.PIPE, text=True)
    out, _ = p.communicate()
    check(p.returncode == 0, out)
    addrs = dict(kv.split("=") for kv in out.split())
    found = events(p.pid, "mprotect", count=2)
    time.sleep(0.3)
    found = agent.wait_for(of_pid(p.pid, event="mprotect"))
    check(len(found) == 2, "re-protecting an executable region adds nothing: %s" % [e["mprotect"] for e in found])
    anon, fil = found[0]["mprotect"], found[1]["mprotect"]
    check(found[0]["id"] == 10)
    check(anon["addr"] == int(addrs["anon"], 16) and anon["len"] == 4096, anon)
    check(anon["prot_names"] == "PROT_READ|PROT_EXEC" and anon["prot"] == 5, anon)
    check(anon["vma"] == "anonymous" and anon["vma_prot"] == 3 and "file" not in anon, anon)
    check(fil["addr"] == int(addrs["file"], 16) and fil["vma"] == "file" and fil["file"] == lib, fil)
    check(fil["vma_prot"] == 1, fil)


def test_open_success_failure_and_openat2():
    # open is a sandbox event of very high volume: its own short-lived agent
    d = fresh_dir()
    existing = os.path.join(d, "exists")
    open(existing, "w").close()
    code = ("import ctypes, os, struct\n"
            "os.close(os.open('exists', os.O_RDONLY))\n"
            "try:\n    os.open('no/such', os.O_RDONLY)\nexcept OSError:\n    pass\n"
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            "how = ctypes.create_string_buffer(struct.pack('QQQ', os.O_RDONLY | os.O_NOFOLLOW, 0, 0), 24)\n"
            "fd = libc.syscall(437, -100, b'exists', how, 24)\nassert fd >= 0\nos.close(fd)\n")
    with Agent(events="open") as a:
        pid = child(code, cwd=d)
        found = a.wait_for(lambda e: of_pid(pid, event="open")(e) and e["file"]["path"].startswith(d + "/"),
                           count=3)
    check(len(found) == 3, [e["file"] for e in found])
    ok, bad, two = found
    check(ok["id"] == 2 and ok["ret"] >= 0 and ok["file"]["path"] == existing, ok["file"])
    # a successful open keeps the caller's string too (path traversal: ../../etc/passwd)
    check(ok["file"]["flag_names"].startswith("O_RDONLY") and ok["file"]["path_arg"] == "exists", ok["file"])
    check(bad["ret"] == -2, bad)
    check(bad["file"]["path"] == os.path.join(d, "no/such") and bad["file"]["path_arg"] == "no/such", bad["file"])
    check(two["file"]["path"] == existing and "O_NOFOLLOW" in two["file"]["flag_names"], two["file"])
