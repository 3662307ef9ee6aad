"""Rules with action deny on the real kernel (fanotify permission events here: lsm/ programs do
not load): a binary dropped in /tmp is refused at exec with EPERM before it runs an
instruction, a denied file cannot be read (through a hard link either, nor once it is
created later), each denial is an alert with the process and the file; the rest of the
machine keeps working; a stalled decision thread fails open within the timeout; audit mode
only reports; a reload replaces the denied set; a deny the permission path cannot decide is
refused at load."""
import os
import shutil
import signal
import subprocess
import tempfile
import time

from vigiltest import VIGIL, Agent, alert_in_subtree, check, helper, marker

RULE = """- rule: %(name)s
  desc: test deny rule
  condition: %(condition)s
  output: "denied %%%(shown)s by %%proc.exe"
  priority: critical
  tags: [T1204]
  action: deny
"""


def deny_rule(name, kind, op, *paths):
    """A deny rule on exec (proc.exe) or open (file.path): op is =, in or pmatch."""
    exec_rule = kind == "exec"
    values = paths[0] if op == "=" else "(%s)" % ", ".join(paths)
    condition = "evt.type = %s and %s %s %s" % (kind, "proc.exe" if exec_rule else "file.path", op, values)
    return RULE % {"name": name, "condition": condition, "shown": "exec.filename" if exec_rule else "file.path"}


def scratch(base="/tmp"):
    d = tempfile.mkdtemp(prefix=marker(), dir=base)
    os.chmod(d, 0o755)
    return d


def rules_in(d, *rules):
    path = os.path.join(d, "rules.yaml")
    with open(path, "w") as f:
        f.write("".join(rules))
    return path


def sh(script, *args):
    """Runs a shell (its pid is the subtree root for the alerts); returns (pid, rc, output)."""
    p = subprocess.Popen(["/bin/sh", "-c", script, "sh"] + list(args), stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    out = p.communicate(timeout=60)[0]
    return p.pid, p.returncode, out


def denials(agent, rule, pid, timeout=5.0):
    found = agent.wait_for(alert_in_subtree(rule, pid), timeout=timeout)
    check(found, "no deny alert of %r for pid %d" % (rule, pid))
    return found[-1]


def final_deny_stats(agent):
    return agent.final_stats()["deny"]


def test_binary_dropped_in_tmp_is_denied_at_exec():
    d = scratch()
    agent = Agent("--rules", rules_in(d, deny_rule("No drops", "exec", "pmatch", d)), profile="default").start()
    try:
        dropped = os.path.join(d, "sub", "payload")  # put there after the rules loaded
        os.mkdir(os.path.dirname(dropped))
        shutil.copy(helper("firstbreath"), dropped)
        os.chmod(dropped, 0o755)
        proof = os.path.join(d, "ran")
        pid, rc, out = sh('"$1" "$2"; echo "rc=$?"', dropped, proof)
        alert = denials(agent, "No drops", pid)
        # an image elsewhere still runs
        _, rc_ok, out_ok = sh("/bin/echo fine")
    finally:
        agent.stop()
    check("Operation not permitted" in out and "rc=126" in out, out)
    check(not os.path.exists(proof), "the dropped binary ran its own code")
    check(alert["action"] == "deny" and alert["denied"] is True, alert)
    ev = alert["events"][-1]
    check(ev["event"] == "exec" and ev["exec"]["filename"] == dropped and ev["ret"] == -1, ev)
    check(ev["proc"]["ppid"] == pid or any(a["pid"] == pid for a in ev["proc"]["ancestors"]), ev["proc"])
    check(rc_ok == 0 and out_ok == "fine\n", out_ok)
    st = final_deny_stats(agent)
    check(st["mechanism"] == "fanotify" and st["mode"] == "enforce" and st["denied"] >= 1, st)
    shutil.rmtree(d)


def test_denied_file_read_gets_eperm_also_by_link_and_when_created_later():
    d = scratch()
    secret, later = os.path.join(d, "secret"), os.path.join(d, "later")
    with open(secret, "w") as f:
        f.write("s3cret\n")
    rules = rules_in(d, deny_rule("No secret", "open", "in", secret, later))
    # a generous timeout: on a loaded machine the decision thread may wait its turn longer
    # than the default, and the watchdog would then allow (fail open) by design
    agent = Agent("--rules", rules, "--deny-timeout", "3000", profile="default").start()
    try:
        link = os.path.join(d, "innocent")
        os.link(secret, link)
        pid, rc, out = sh('cat "$1"; echo "rc=$?"; cat "$2"; echo "rc=$?"', secret, link)
        alert = denials(agent, "No secret", pid)
        with open(later + ".tmp", "w") as f:  # an open of the pinned path itself is denied, also to create
            f.write("new\n")
        os.rename(later + ".tmp", later)
        pid2, _, out2 = sh('cat "$1"; echo "rc=$?"', later)
        denials(agent, "No secret", pid2)
        with open(os.path.join(d, "other"), "w") as f:
            f.write("public\n")
        _, _, out3 = sh('cat "$1"', os.path.join(d, "other"))
    except Exception:
        agent.stop()
        raise
    agent.stop()
    check(out.count("Operation not permitted") == 2 and out.count("rc=1") == 2 and "s3cret" not in out, out)
    check("Operation not permitted" in out2 and "new" not in out2, out2)
    check(out3 == "public\n", out3)
    ev = alert["events"][-1]
    check(ev["event"] == "open" and ev["file"]["path"] in (secret, link) and ev["proc"]["comm"] == "cat", ev)
    shutil.rmtree(d)


def test_everything_else_on_the_machine_keeps_working():
    d, shm = scratch(), scratch("/dev/shm")
    rules = rules_in(d, deny_rule("No drops", "exec", "pmatch", d),
                     deny_rule("No shm secrets", "open", "pmatch", os.path.join(shm, "secrets")))
    agent = Agent("--rules", rules, profile="default").start()
    try:
        with open(os.path.join(shm, "notes"), "w") as f:  # on the marked filesystem, outside the pin
            f.write("hello\n")
        work = ("ls / > /dev/null && cat /etc/hostname > /dev/null && cat \"$1/notes\" && "
                "/usr/bin/python3 -c 'import json; print(json.dumps([1]))' && tar -cf - -C /usr/share/doc . | wc -c")
        _, rc, out = sh(work, shm)
    finally:
        agent.stop()
    check(rc == 0 and out.startswith("hello\n[1]\n"), out)
    st = final_deny_stats(agent)
    check(st["decisions"] > 0 and st["denied"] == 0, st)
    shutil.rmtree(d)
    shutil.rmtree(shm)


def test_stalled_decision_thread_fails_open_within_the_timeout():
    d = scratch()
    secret = os.path.join(d, "secret")
    with open(secret, "w") as f:
        f.write("s3cret\n")
    target = os.path.join(d, "true")
    shutil.copy("/bin/true", target)
    rules = rules_in(d, deny_rule("No secret", "open", "=", secret), deny_rule("No drops", "exec", "pmatch", d))
    os.environ["VIGIL_DEBUG_DENY_STALL_MS"] = "5000"
    try:
        agent = Agent("--rules", rules, "--deny-timeout", "100", profile="default").start()
    finally:
        del os.environ["VIGIL_DEBUG_DENY_STALL_MS"]
    try:
        began = time.monotonic()
        _, rc, out = sh('cat "$1" && "$2" && echo ok', secret, target)
        took = time.monotonic() - began
    finally:
        agent.stop()
    # allowed (fail open), and long before a single stalled decision would have ended
    check(rc == 0 and out == "s3cret\nok\n", out)
    check(took < 4.0, "the operations waited %.1f s for the stalled thread" % took)
    st = final_deny_stats(agent)
    check(st["failopen_timeout"] + st["failopen_stalled"] >= 2 and st["denied"] == 0, st)
    shutil.rmtree(d)


def test_audit_mode_reports_what_it_would_deny_and_allows_it():
    d = scratch()
    target = os.path.join(d, "true")
    shutil.copy("/bin/true", target)
    agent = Agent("--rules", rules_in(d, deny_rule("No drops", "exec", "=", target)), "--deny-mode", "audit",
                  profile="default").start()
    try:
        pid, rc, out = sh('"$1" && echo ran', target)
        alert = denials(agent, "No drops", pid)
    finally:
        agent.stop()
    check(rc == 0 and out == "ran\n", out)
    check(alert["action"] == "deny" and alert["denied"] is False and alert["events"][-1]["ret"] == 0, alert)
    st = final_deny_stats(agent)
    check(st["mode"] == "audit" and st["audited"] >= 1 and st["denied"] == 0, st)
    shutil.rmtree(d)


def test_reload_replaces_the_denied_set():
    d = scratch()
    first, second = os.path.join(d, "first"), os.path.join(d, "second")
    for path in (first, second):
        shutil.copy("/bin/true", path)
    rules = rules_in(d, deny_rule("Deny one", "exec", "=", first))
    agent = Agent("--rules", rules, profile="default").start()
    try:
        _, rc1, _ = sh('"$1"', first)
        rules_in(d, deny_rule("Deny one", "exec", "=", second))
        agent.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while "rules reloaded" not in agent._read_stderr() and time.time() < deadline:
            time.sleep(0.05)
        _, rc2, _ = sh('"$1"', first)
        _, rc3, _ = sh('"$1"', second)
    finally:
        agent.stop()
    check(rc1 == 126 and rc2 == 0 and rc3 == 126, (rc1, rc2, rc3, agent.stderr))
    shutil.rmtree(d)


def test_a_deny_the_permission_path_cannot_decide_is_refused_and_probes_names_the_mechanism():
    d = scratch()
    bad = rules_in(d, RULE % {"name": "Bad deny", "condition": "evt.type = exec and proc.exe = /tmp/x and user.name = bob",
                              "shown": "proc.exe"})
    p = subprocess.run([VIGIL, "rules", "check", bad], capture_output=True, text=True)
    check(p.returncode == 1 and bad + ":7:" in p.stdout + p.stderr and "action deny" in p.stdout + p.stderr,
          p.stdout + p.stderr)
    probes = subprocess.run([VIGIL, "probes"], capture_output=True, text=True, timeout=120).stdout
    line = [l for l in probes.splitlines() if l.startswith("deny")]
    check(line and "fanotify" in line[0] and "not lsm" in line[0], line)
    shutil.rmtree(d)
