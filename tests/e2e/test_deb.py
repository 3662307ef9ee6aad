"""The Debian package and the systemd unit (scripts/mkdeb.sh, packaging/), end to end.

Two versions of the package are built from the binary under test; the first is installed
with dpkg on this machine, the default config edited, the second installed over it (the
edit is kept: a conffile), then the package is removed (the config stays) and purged
(nothing of it stays). The unit's command runs under a notify socket the test owns, as
systemd would run it: READY=1 from the main pid once the sensors read, WATCHDOG=1 at half
of WATCHDOG_USEC, STOPPING=1 on SIGTERM. systemctl itself is used only where systemd is
PID 1 (otherwise the test says so and skips)."""
import os
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

from vigiltest import BUILD, RULES, ROOT, VIGIL, Skip, check, marker

UNIT = os.path.join(ROOT, "packaging", "vigil.service")
CONFIG = "/etc/vigil/vigil.yaml"
OWNED = ["/usr/bin/vigil", "/lib/systemd/system/vigil.service", "/etc/vigil", "/usr/share/vigil"]
ENABLED = "/etc/systemd/system/multi-user.target.wants/vigil.service"

debs = {}
outdir = None


def setup_module():
    global outdir
    outdir = tempfile.mkdtemp(prefix="vigil-deb-")
    for version in ("0.1.0~test1", "0.1.0~test2"):
        out = subprocess.run([os.path.join(ROOT, "scripts", "mkdeb.sh"), os.path.join(ROOT, BUILD), version, outdir],
                             capture_output=True, text=True, timeout=120)
        check(out.returncode == 0, out.stderr)
        debs[version] = out.stdout.strip()


def teardown_module():
    if installed():
        subprocess.run(["dpkg", "--purge", "vigil"], capture_output=True, timeout=120)
    shutil.rmtree(outdir, ignore_errors=True)


def installed():
    return subprocess.run(["dpkg-query", "-W", "-f=${Status}", "vigil"], capture_output=True,
                          text=True).stdout.endswith(" installed")


def dpkg(*args):
    out = subprocess.run(["dpkg", *args], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=180)
    check(out.returncode == 0, "dpkg %s: %s%s" % (" ".join(args), out.stdout, out.stderr))
    return out


def unit_option(text, key):
    return [line.split("=", 1)[1] for line in text.splitlines() if line.startswith(key + "=")]


def test_package_holds_binary_rules_unit_and_config_as_conffile():
    deb = debs["0.1.0~test1"]
    files = subprocess.run(["dpkg-deb", "-c", deb], capture_output=True, text=True, check=True).stdout
    paths = {line.split()[-1].lstrip(".") for line in files.splitlines()}
    want = {"/usr/bin/vigil", "/lib/systemd/system/vigil.service", CONFIG, "/etc/vigil/rules.d/",
            "/usr/share/doc/vigil/deploy.md"}
    want |= {"/usr/share/vigil/rules/" + f for f in os.listdir(RULES) if f.endswith(".yaml")}
    check(want <= paths, "missing from the package: %s" % sorted(want - paths))
    with tempfile.TemporaryDirectory(prefix="vigil-deb-ctrl-") as ctrl:
        subprocess.run(["dpkg-deb", "-e", deb, ctrl], check=True)
        with open(os.path.join(ctrl, "conffiles")) as f:
            check(f.read().split() == [CONFIG], "conffiles")
        for script in ("postinst", "prerm", "postrm"):
            check(os.access(os.path.join(ctrl, script), os.X_OK), "%s is not executable" % script)
    fields = subprocess.run(["dpkg-deb", "-f", deb, "Version", "Depends"], capture_output=True, text=True,
                            check=True).stdout
    check("Version: 0.1.0~test1" in fields and "libbpf1" in fields and "libyaml-0-2" in fields, fields)
    with open(UNIT) as f:
        unit = f.read()
    check(unit_option(unit, "Type") == ["notify"] and unit_option(unit, "Restart") == ["always"]
          and unit_option(unit, "WatchdogSec") and unit_option(unit, "ExecStart") == ["/usr/bin/vigil run"], unit)


def test_install_upgrade_keeps_the_edited_config_and_purge_leaves_nothing():
    taken = [p for p in OWNED if os.path.exists(p)]
    if installed() or taken:
        raise Skip("vigil is installed on this machine already (%s): not touching it" % (taken or "dpkg"))
    made_dirs = [d for d in ("/var/lib/vigil", "/var/log/vigil") if not os.path.exists(d)]
    try:
        dpkg("-i", debs["0.1.0~test1"])
        check(installed(), "not installed")
        for d in ("/var/lib/vigil", "/var/log/vigil", "/etc/vigil/rules.d"):
            check(os.path.isdir(d), "%s not made" % d)
        check(os.path.islink(ENABLED), "the unit is not enabled")
        verify = subprocess.run(["systemd-analyze", "verify", "/lib/systemd/system/vigil.service"],
                                capture_output=True, text=True)
        check(verify.returncode == 0, verify.stderr)
        rules = subprocess.run(["/usr/bin/vigil", "rules", "check", "/usr/share/vigil/rules", "/etc/vigil/rules.d"],
                               capture_output=True, text=True)
        check(rules.returncode == 0 and rules.stdout.startswith("ok:"), rules.stdout + rules.stderr)

        edit = "# edited by the admin %s\n" % marker()
        with open(CONFIG, "a") as f:
            f.write(edit)
        up = dpkg("-i", debs["0.1.0~test2"])
        version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "vigil"], capture_output=True, text=True).stdout
        check(version == "0.1.0~test2", version)
        with open(CONFIG) as f:
            check(f.read().endswith(edit), "the upgrade replaced the edited config")
        check("conffile" not in up.stdout.lower() + up.stderr.lower(), "the upgrade asked about the config: %s" % up.stdout)

        dpkg("-r", "vigil")
        status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "vigil"], capture_output=True, text=True).stdout
        check(status == "deinstall ok config-files", status)
        check(not os.path.exists("/usr/bin/vigil") and not os.path.exists("/lib/systemd/system/vigil.service"),
              "files left after remove")
        check(os.path.exists(CONFIG), "remove took the config (only purge may)")

        dpkg("-P", "vigil")
        left = [p for p in OWNED + [ENABLED, "/etc/systemd/system/vigil.service"] + made_dirs if os.path.lexists(p)]
        check(not left, "left after purge: %s" % left)
        check(subprocess.run(["dpkg-query", "-W", "vigil"], capture_output=True).returncode != 0, "dpkg still knows vigil")
    finally:
        if installed() or os.path.exists(CONFIG):
            subprocess.run(["dpkg", "--purge", "vigil"], capture_output=True, timeout=120)


def test_installed_default_config_checks():
    check_cmd = subprocess.run([VIGIL, "config", "check", "/nonexistent"], capture_output=True, text=True)
    if "unknown command" in check_cmd.stderr:
        raise Skip("this build reads no config file (no `vigil config`): /etc/vigil/vigil.yaml is checked once "
                   "the config file (src/config) is in")
    taken = [p for p in OWNED if os.path.exists(p)]
    if installed() or taken:
        raise Skip("vigil is installed on this machine already (%s): not touching it" % (taken or "dpkg"))
    try:
        dpkg("-i", debs["0.1.0~test1"])
        out = subprocess.run(["/usr/bin/vigil", "config", "check", CONFIG], capture_output=True, text=True)
        check(out.returncode == 0 and "rules compile" in out.stdout, out.stdout + out.stderr)
    finally:
        subprocess.run(["dpkg", "--purge", "vigil"], capture_output=True, timeout=120)


def notify_socket(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    return s


def next_message(s, deadline):
    """(sender pid, message) of the next datagram, or (None, None) at the deadline."""
    while time.time() < deadline:
        s.settimeout(max(0.05, deadline - time.time()))
        try:
            data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
        except socket.timeout:
            break
        for level, kind, cred in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                return struct.unpack("iII", cred[:12])[0], data.decode()
    return None, None


def test_unit_command_speaks_the_notify_protocol_from_its_main_pid():
    with open(UNIT) as f:
        cmd = shlex.split(unit_option(f.read(), "ExecStart")[0])
    check(cmd[0] == "/usr/bin/vigil", cmd)
    tmp = tempfile.mkdtemp(prefix="vigil-notify-")
    pins = "/sys/fs/bpf/vigil-test-" + marker()  # not the default: other agents may run here
    sock = notify_socket(os.path.join(tmp, "notify"))
    env = dict(os.environ, NOTIFY_SOCKET=os.path.join(tmp, "notify"), WATCHDOG_USEC="1000000")
    out = open(os.path.join(tmp, "out"), "w")
    agent = subprocess.Popen([VIGIL] + cmd[1:] + ["--pin-dir", pins, "--profile", "sandbox"], env=env,
                             stdout=out, stderr=subprocess.PIPE, text=True)
    try:
        got = []
        deadline = time.time() + 60
        while time.time() < deadline and sum(m == "WATCHDOG=1" for _, m in got) < 2:
            pid, msg = next_message(sock, deadline)
            if msg is None:
                break
            got.append((pid, msg))
        check(got and got[0][1].startswith("READY=1"), "first message: %s" % got[:1])
        check(all(pid == agent.pid for pid, _ in got), "not from the main pid %d: %s" % (agent.pid, got))
        check(sum(m == "WATCHDOG=1" for _, m in got) >= 2, "no watchdog pings: %s" % got)
        agent.send_signal(signal.SIGTERM)  # what systemctl stop sends
        pid, msg = next_message(sock, time.time() + 30)
        while msg == "WATCHDOG=1":
            pid, msg = next_message(sock, time.time() + 30)
        check(msg and msg.startswith("STOPPING=1") and pid == agent.pid, "after SIGTERM: %r" % msg)
        check(agent.wait(timeout=60) == 0, agent.stderr.read())
    finally:
        if agent.poll() is None:
            agent.kill()
            agent.wait()
        out.close()
        sock.close()
        subprocess.run([VIGIL, "unload", "--pin-dir", pins], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def test_systemctl_starts_the_unit_and_restarts_a_killed_agent():
    with open("/proc/1/comm") as f:
        init = f.read().strip()
    if not os.path.isdir("/run/systemd/system"):
        raise Skip("systemd is not PID 1 here (PID 1 is %s): the unit is checked with systemd-analyze verify and "
                   "its command under a notify socket instead" % init)
    taken = [p for p in OWNED if os.path.exists(p)]
    if installed() or taken:
        raise Skip("vigil is installed on this machine already (%s): not touching it" % (taken or "dpkg"))
    try:
        dpkg("-i", debs["0.1.0~test1"])  # postinst starts it

        def main_pid():
            return int(subprocess.run(["systemctl", "show", "-P", "MainPID", "vigil"], capture_output=True,
                                      text=True).stdout.strip() or 0)

        def active():
            return subprocess.run(["systemctl", "is-active", "vigil"], capture_output=True, text=True).stdout.strip()

        deadline = time.time() + 90
        while time.time() < deadline and active() != "active":
            time.sleep(0.5)
        check(active() == "active", subprocess.run(["systemctl", "status", "vigil"], capture_output=True,
                                                   text=True).stdout)
        first = main_pid()
        os.kill(first, signal.SIGKILL)
        deadline = time.time() + 90
        while time.time() < deadline and (main_pid() in (0, first) or active() != "active"):
            time.sleep(0.5)
        check(active() == "active" and main_pid() not in (0, first), "not restarted after SIGKILL")
        log = subprocess.run(["journalctl", "-u", "vigil", "-o", "cat", "--no-pager"], capture_output=True,
                             text=True).stdout
        check("took over the sensors" in log, log[-2000:])
        dpkg("-P", "vigil")  # prerm stops it and unloads the sensors
        check(not os.path.exists("/sys/fs/bpf/vigil"), "the sensors stay pinned after purge")
    finally:
        if installed():
            subprocess.run(["dpkg", "--purge", "vigil"], capture_output=True, timeout=120)
