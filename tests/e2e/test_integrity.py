"""Host integrity checks (src/integrity, rules/integrity.yaml) end to end: each test plants
the condition a check looks for, for real, and asserts the alert the agent raises. One
agent, checking every second, with the system_files check pointed at a fake system tree
(--integrity-root) so nothing of the machine's own /usr/bin is touched. A check `vigil
probes` says does not run here is skipped with its reason."""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time

from vigiltest import RULES, VIGIL, Agent, check, helper, marker

agent = None
ROOT = None
TOOL = "usr/bin/vgtool"
CHECKS = {}


def probes():
    out = subprocess.run([VIGIL, "probes", "--format", "json"], capture_output=True, text=True, check=True).stdout
    return {c["check"]: c for c in json.loads(out.splitlines()[-1])["integrity"]}


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def setup_module():
    global agent, ROOT, CHECKS
    CHECKS = probes()
    ROOT = tempfile.mkdtemp(prefix=marker())
    content = b"#!/bin/sh\necho packaged tool\n"
    write(os.path.join(ROOT, TOOL), content)
    write(os.path.join(ROOT, "usr/bin/vgother"), b"other\n")
    write(os.path.join(ROOT, "var/lib/dpkg/info/vgtest.md5sums"),
          ("%s  %s\n%s  usr/bin/vgother\n" % (hashlib.md5(content).hexdigest(), TOOL,
                                               hashlib.md5(b"other\n").hexdigest())).encode())
    for d in ("etc", "dev", "usr/lib"):
        os.makedirs(os.path.join(ROOT, d), exist_ok=True)
    for name, c in CHECKS.items():
        if not c["available"]:
            print("SKIP e2e/test_integrity %s: %s" % (name, c["why"]), flush=True)
    agent = Agent("--rules", RULES, "--integrity-interval", "1", "--integrity-root", ROOT,
                  profile="sandbox").start()


def teardown_module():
    agent.stop()
    shutil.rmtree(ROOT)


def findings(rule, pred, timeout=15.0):
    """Alerts of rule whose integrity event satisfies pred (the event's integrity fields)."""
    return agent.wait_for(lambda e: e.get("kind") == "alert" and e["rule"] == rule
                          and pred(e["events"][-1]["integrity"]), timeout=timeout)


def test_probes_names_every_check_and_why():
    check(set(CHECKS) == {"kernel_hooks", "probe_events", "bpf_programs", "hidden_processes", "system_files"}, CHECKS)
    for c in CHECKS.values():
        check(c["why"], "no coverage or reason for %s" % c["check"])
    text = subprocess.run([VIGIL, "probes"], capture_output=True, text=True).stdout
    check("INTEGRITY CHECK" in text and "system_files" in text, text[-600:])


def test_bpf_program_held_by_other_process_reported_with_owner():
    if not CHECKS["bpf_programs"]["available"]:
        return
    name = "vg" + marker()[-10:]
    p = subprocess.Popen([helper("bpfload"), name, "hold"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        prog_fd = int(p.stdout.readline())
        check(prog_fd >= 0, "bpfload failed")
        found = findings("BPF program held by unexpected process", lambda g: g["subject"] == name)
        check(found, "no alert for program %s held by pid %d" % (name, p.pid))
        g = found[0]["events"][-1]["integrity"]
        check(g["finding"] == "program" and g["owner_pid"] == p.pid and g["owner_name"] == "bpfload", g)
        check(g["owner_exe"].endswith("/bpfload") and "socket_filter" in g["detail"] and g["id"] > 0, g)
    finally:
        p.stdin.close()
        p.wait()


def test_pinned_bpf_program_with_no_owner_reported():
    if not CHECKS["bpf_programs"]["available"]:
        return
    name = "vg" + marker()[-10:]
    pin = "/sys/fs/bpf/%s" % name
    p = subprocess.run([helper("bpfload"), name, "pin", pin], capture_output=True)
    check(p.returncode == 0, "bpfload pin failed: %s" % p.stderr)
    try:
        found = findings("BPF program held by unexpected process", lambda g: g["subject"] == name)
        check(found, "no alert for the pinned program %s" % name)
        g = found[0]["events"][-1]["integrity"]
        check(g["finding"] == "unowned" and "no process holds it" in g["detail"] and "owner_pid" not in g, g)
    finally:
        os.unlink(pin)


def test_process_hidden_by_mount_over_proc_pid():
    if not CHECKS["hidden_processes"]["available"]:
        return
    empty = tempfile.mkdtemp(prefix=marker())
    p = subprocess.Popen(["sleep", "60"])
    target = "/proc/%d" % p.pid
    try:
        subprocess.run(["mount", "--bind", empty, target], check=True)
        try:
            check(not os.path.exists(os.path.join(target, "status")), "the mount did not hide /proc/PID")
            found = findings("Process hidden from /proc", lambda g: g["id"] == p.pid)
            check(found, "no alert for pid %d hidden under a mount" % p.pid)
            g = found[0]["events"][-1]["integrity"]
            check(g["finding"] == "overmounted" and g["subject"] == target and g["owner_name"] == "sleep", g)
        finally:
            subprocess.run(["umount", target], check=True)
    finally:
        p.kill()
        p.wait()
        os.rmdir(empty)


def tracefs_append(path, line):
    """Appends one definition (tracefs takes O_APPEND writes, not a seek to the end)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def test_tracefs_probe_reported():
    if not CHECKS["probe_events"]["available"]:
        return
    events = "/sys/kernel/tracing/uprobe_events"
    group = "vg" + marker()[-10:]
    tracefs_append(events, "p:%s/probe /usr/bin/true:0x1000\n" % group)
    try:
        found = findings("Tracing probe defined", lambda g: g["subject"] == group + "/probe")
        check(found, "no alert for the uprobe %s/probe" % group)
        g = found[0]["events"][-1]["integrity"]
        check(g["finding"] == "probe" and "/usr/bin/true" in g["detail"], g)
    finally:
        tracefs_append(events, "-:%s/probe\n" % group)


def test_packaged_program_replaced_detected():
    if not CHECKS["system_files"]["available"]:
        return
    path = os.path.join(ROOT, TOOL)
    check(not findings("System file replaced or hidden", lambda g: g["subject"] == path, timeout=2.5),
          "the untouched packaged file was reported")
    write(path, b"#!/bin/sh\nexec /bin/sh -i\n")
    found = findings("System file replaced or hidden", lambda g: g["subject"] == path)
    check(found, "no alert for %s replaced" % path)
    g = found[0]["events"][-1]["integrity"]
    check(g["finding"] == "replaced" and "package vgtest" in g["detail"], g)


def test_file_mounted_over_packaged_program_detected():
    if not CHECKS["system_files"]["available"]:
        return
    path = os.path.join(ROOT, "usr/bin/vgother")
    fake = os.path.join(ROOT, "lookalike")
    write(fake, b"trojan\n")
    subprocess.run(["mount", "--bind", fake, path], check=True)
    try:
        found = findings("System file replaced or hidden", lambda g: g["subject"] == path and g["finding"] == "overmounted")
        check(found, "no alert for the mount over %s" % path)
    finally:
        subprocess.run(["umount", path], check=True)


def test_hidden_names_dev_files_and_preload_detected():
    if not CHECKS["system_files"]["available"]:
        return
    planted = {
        os.path.join(ROOT, "usr/lib/...", "x"): "hidden",
        os.path.join(ROOT, "dev/.udev-cache"): "hidden",
        os.path.join(ROOT, "dev/shmpayload"): "file_in_dev",
        os.path.join(ROOT, "etc/ld.so.preload"): "preload",
    }
    for p in planted:
        write(p, b"/usr/lib/libhide.so\n")
    want = {(os.path.join(ROOT, "usr/lib/..."), "hidden"), (os.path.join(ROOT, "dev/.udev-cache"), "hidden"),
            (os.path.join(ROOT, "dev/shmpayload"), "file_in_dev"), (os.path.join(ROOT, "etc/ld.so.preload"), "preload")}
    deadline = time.time() + 15
    got = set()
    while time.time() < deadline and not want <= got:
        got = {(g["subject"], g["finding"]) for g in
               (a["events"][-1]["integrity"] for a in findings("System file replaced or hidden", lambda g: True, timeout=0))}
        time.sleep(0.2)
    check(want <= got, "missing: %s" % (want - got))
    st = [e for e in agent.events() if e.get("kind") == "stats"]
    check(not st or "integrity" in st[-1], st[-1:])
