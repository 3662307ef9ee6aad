"""Persistence rules (rules/persistence.yaml) end to end. Each rule is triggered by a child
python really writing, creating or renaming a file into the persistence location, always
a NEW file named with a marker that the test removes afterwards (or, for files that must
not change such as /etc/passwd, an open for writing with nothing written). A near-miss
(reading the location, or writing next to it) must not alert. Fake home directories are
made under /home/<marker> and removed."""
import os
import shutil
import subprocess
import tempfile
import time

from corpus import attack, benign, trigger_and_near_miss
from vigiltest import check, marker, rules_agent, sh, trigger

PY = "/usr/bin/python3"
agent = None
base = None


def setup_module():
    global agent, base
    base = os.path.realpath(tempfile.mkdtemp(prefix=marker() + "-"))
    agent = rules_agent()


def teardown_module():
    agent.stop()
    shutil.rmtree(base, ignore_errors=True)


def child(code, exe=PY, env=None):
    """Runs python code in a child; returns its pid."""
    p = subprocess.Popen([exe, "-c", code], env=env)
    check(p.wait(timeout=20) == 0, "child failed: %s" % code)
    return p.pid


def write_new(path, text="# vigil e2e test file, removed by the test\n"):
    """A child creates path and writes text; returns its pid."""
    return child("open(%r, 'w').write(%r)\n" % (path, text))


def read(path):
    return child("open(%r).read()\n" % path)


def remove(*paths):
    for p in paths:
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p, ignore_errors=True)
        elif os.path.lexists(p):
            os.unlink(p)


def check_file_alert(alert, path, event="open"):
    ev = trigger(alert)
    check(ev["event"] == event, ev["event"])
    where = ev["file"]["newpath"] if event in ("rename", "link") else ev["file"]["path"]
    check(where == path, ev["file"])
    check(path in alert["output"], alert["output"])
    check("mitre_persistence" in alert["tags"], alert["tags"])


def fake_home():
    home = "/home/" + marker()
    os.mkdir(home)
    return home


# ---- cron -----------------------------------------------------------------------------

def test_cron_file_created():
    path = "/etc/cron.d/" + marker()
    try:
        pid = write_new(path, "# * * * * * root true\n")
        a = agent.expect("Cron job written", pid=pid)
        check_file_alert(a, path)
        check("O_WRONLY" in trigger(a)["file"]["flag_names"] and "T1053.003" in a["tags"], a)
    finally:
        remove(path)


def test_cron_job_renamed_into_place():
    staged = os.path.join(base, marker())
    open(staged, "w").write("# staged\n")
    path = "/etc/cron.daily/" + marker()  # mode 0644: run-parts would not run it
    try:
        pid = child("import os\nos.rename(%r, %r)\n" % (staged, path))
        check_file_alert(agent.expect("Cron job written", pid=pid), path, event="rename")
    finally:
        remove(path)


def test_user_crontab_spool_written():
    made = [d for d in ("/var/spool/cron", "/var/spool/cron/crontabs") if not os.path.exists(d)]
    for d in made:
        os.mkdir(d)
    path = "/var/spool/cron/crontabs/" + marker()
    try:
        pid = write_new(path, "@reboot /tmp/x\n")
        check_file_alert(agent.expect("Cron job written", pid=pid), path)
    finally:
        remove(path, *reversed(made))


def test_cron_read_is_not_alerted():
    existing = sorted(os.path.join("/etc/cron.d", f) for f in os.listdir("/etc/cron.d"))
    check(existing, "no cron file to read")
    pid = read(existing[0])
    agent.expect_none("Cron job written", pid=pid)


def build_deb(name, postinst, postrm):
    """A minimal .deb whose maintainer scripts are the given shell snippets."""
    root = os.path.join(base, name)
    os.makedirs(os.path.join(root, "DEBIAN"))
    with open(os.path.join(root, "DEBIAN/control"), "w") as f:
        f.write("Package: %s\nVersion: 1.0\nArchitecture: all\nMaintainer: vigil e2e <e2e@localhost>\n"
                "Description: vigil end-to-end test package\n" % name)
    for script, body in (("postinst", postinst), ("postrm", postrm)):
        path = os.path.join(root, "DEBIAN", script)
        with open(path, "w") as f:
            f.write("#!/bin/sh\nset -e\n%s\n" % body)
        os.chmod(path, 0o755)
    deb = root + ".deb"
    subprocess.run(["dpkg-deb", "--build", root, deb], check=True, stdout=subprocess.DEVNULL)
    return deb


def test_cron_file_installed_by_package_is_not_alerted():
    name = marker()
    path = "/etc/cron.d/" + name
    deb = build_deb(name, "printf '# packaged job\\n' > %s" % path, "rm -f %s" % path)
    p = subprocess.Popen(["dpkg", "-i", deb], stdout=subprocess.DEVNULL)
    try:
        check(p.wait(timeout=60) == 0, "dpkg -i failed")
        check(os.path.exists(path), "the postinst did not write %s" % path)
        agent.expect_none("Cron job written", pid=p.pid)
    finally:
        subprocess.run(["dpkg", "-P", name], stdout=subprocess.DEVNULL)
        remove(path)


def test_program_renamed_dpkg_is_not_excepted():
    # the package-manager exception goes by executable path, not by name
    dpkg = os.path.join(base, marker(), "dpkg")
    os.makedirs(os.path.dirname(dpkg))
    shutil.copy2(os.path.realpath(PY), dpkg)
    path = "/etc/cron.d/" + marker()
    try:
        code = "import subprocess\nsubprocess.run([%r, '-c', \"open(%r, 'w').write('# x')\"])\n" % (PY, path)
        pid = child(code, exe=dpkg)
        check_file_alert(agent.expect("Cron job written", pid=pid), path)
    finally:
        remove(path)


# ---- systemd and init scripts --------------------------------------------------------

def test_systemd_unit_created():
    path = "/etc/systemd/system/%s.service" % marker()
    try:
        pid = write_new(path, "[Service]\nExecStart=/bin/true\n")
        a = agent.expect("Systemd unit written", pid=pid)
        check_file_alert(a, path)
        check("T1543.002" in a["tags"], a["tags"])
    finally:
        remove(path)


def test_user_systemd_unit_in_home():
    home = fake_home()
    path = os.path.join(home, ".config/systemd/user/%s.service" % marker())
    try:
        pid = child("import os\nos.makedirs(%r)\nopen(%r, 'w').write('[Service]\\n')\n"
                    % (os.path.dirname(path), path))
        check_file_alert(agent.expect("Systemd unit written", pid=pid), path)
    finally:
        remove(home)


def test_systemd_unit_read_is_not_alerted():
    units = sorted(os.path.join("/lib/systemd/system", f) for f in os.listdir("/lib/systemd/system")
                   if f.endswith(".service"))
    check(units, "no unit to read")
    pid = read(units[0])
    agent.expect_none("Systemd unit written", pid=pid)


def test_init_script_created():
    path = "/etc/init.d/" + marker()
    try:
        pid = write_new(path, "#!/bin/sh\ntrue\n")
        check_file_alert(agent.expect("Init script or rc.local written", pid=pid), path)
    finally:
        remove(path)


def test_init_script_read_is_not_alerted():
    scripts = sorted(os.path.join("/etc/init.d", f) for f in os.listdir("/etc/init.d")
                     if os.path.isfile(os.path.join("/etc/init.d", f)))
    pid = read(scripts[0])
    agent.expect_none("Init script or rc.local written", pid=pid)


# ---- shell profiles and authorized_keys ------------------------------------------------

def test_user_bashrc_appended():
    home = fake_home()
    path = os.path.join(home, ".bashrc")
    open(path, "w").write("# user's own\n")
    try:
        pid = child("open(%r, 'a').write('curl -s http://127.0.0.1/x | sh\\n')\n" % path)
        a = agent.expect("Shell profile modified", pid=pid)
        check_file_alert(a, path)
        check("O_APPEND" in trigger(a)["file"]["flag_names"] and "T1546.004" in a["tags"], a)
    finally:
        remove(home)


def test_profile_d_script_created():
    path = "/etc/profile.d/%s.sh" % marker()
    try:
        check_file_alert(agent.expect("Shell profile modified", pid=write_new(path)), path)
    finally:
        remove(path)


def test_bashrc_read_and_other_home_files_are_not_alerted():
    home = fake_home()
    try:
        open(os.path.join(home, ".bashrc"), "w").write("# x\n")
        pid = read(os.path.join(home, ".bashrc"))
        agent.expect_none("Shell profile modified", pid=pid)
        pid = write_new(os.path.join(home, ".bashrc.bak"))
        agent.expect_none("Shell profile modified", pid=pid)
    finally:
        remove(home)


def test_authorized_keys_written():
    home = fake_home()
    path = os.path.join(home, ".ssh/authorized_keys")
    try:
        pid = child("import os\nos.makedirs(%r, 0o700)\nopen(%r, 'a').write('ssh-ed25519 AAAA attacker\\n')\n"
                    % (os.path.dirname(path), path))
        a = agent.expect("SSH authorized keys modified", pid=pid)
        check_file_alert(a, path)
        check("T1098.004" in a["tags"], a["tags"])
    finally:
        remove(home)


def test_authorized_keys_replaced_by_rename():
    home = fake_home()
    path = os.path.join(home, ".ssh/authorized_keys")
    os.makedirs(os.path.dirname(path))
    staged = os.path.join(home, ".ssh/.keys.tmp")
    open(staged, "w").write("ssh-ed25519 AAAA attacker\n")
    try:
        pid = child("import os\nos.rename(%r, %r)\n" % (staged, path))
        check_file_alert(agent.expect("SSH authorized keys modified", pid=pid), path, event="rename")
    finally:
        remove(home)


def test_known_hosts_write_is_not_alerted():
    home = fake_home()
    try:
        pid = child("import os\nos.makedirs(%r)\nopen(%r, 'w').write('host key\\n')\n"
                    % (os.path.join(home, ".ssh"), os.path.join(home, ".ssh/known_hosts")))
        agent.expect_none("SSH authorized keys modified", pid=pid)
    finally:
        remove(home)


# ---- dynamic linker ------------------------------------------------------------------

def test_ld_so_preload_written():
    path = "/etc/ld.so.preload"
    existed = os.path.exists(path)
    # an empty file preloads nothing; an existing one is opened for append, not changed
    code = ("import os\nfd = os.open(%r, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)\nos.close(fd)\n" % path)
    try:
        pid = child(code)
        a = agent.expect("Dynamic linker preload file written", pid=pid)
        check_file_alert(a, path)
        check(a["priority"].lower() == "critical" and "T1574.006" in a["tags"], a)
    finally:
        if not existed:
            remove(path)


def test_ld_so_conf_d_created():
    path = "/etc/ld.so.conf.d/%s.conf" % marker()
    try:
        check_file_alert(agent.expect("Dynamic linker configuration modified", pid=write_new(path)), path)
    finally:
        remove(path)


def test_ld_config_read_is_not_alerted():
    pid = read("/etc/ld.so.conf")
    agent.expect_none("Dynamic linker configuration modified", pid=pid)
    agent.expect_none("Dynamic linker preload file written", pid=pid)


def test_ld_preload_from_temp_dir():
    lib = "/dev/shm/%s.so" % marker()  # need not exist: ld.so warns and runs the program
    p = subprocess.Popen(["/usr/bin/true"], env=dict(os.environ, LD_PRELOAD=lib), stderr=subprocess.DEVNULL)
    p.wait()
    a = agent.expect("Library preloaded from temporary directory", pid=p.pid)
    check(trigger(a)["proc"]["pid"] == p.pid and lib in a["output"], a["output"])


def test_ld_preload_inherited_by_children_alerts_once():
    lib = "/tmp/%s.so" % marker()
    env = dict(os.environ, LD_PRELOAD=lib)
    p = subprocess.Popen(["sh", "-c", "/usr/bin/true; /usr/bin/true"], env=env, stderr=subprocess.DEVNULL)
    p.wait()
    found = agent.alerts("Library preloaded from temporary directory", mark=lib, timeout=5.0)
    time.sleep(1.0)
    found = agent.alerts("Library preloaded from temporary directory", mark=lib, timeout=0)
    check(len(found) == 1 and found[0]["pid"] == p.pid, [f["pid"] for f in found])


def test_ld_preload_of_system_library_is_not_alerted():
    p = subprocess.Popen(["/usr/bin/true", marker()],
                         env=dict(os.environ, LD_PRELOAD="/lib/x86_64-linux-gnu/libc.so.6"))
    p.wait()
    agent.expect_none("Library preloaded from temporary directory", pid=p.pid)


# ---- accounts, PAM, autostart ----------------------------------------------------------

def test_passwd_opened_for_writing():
    # opened for append and closed without writing: the file is unchanged
    pid = child("import os\nos.close(os.open('/etc/passwd', os.O_WRONLY | os.O_APPEND))\n")
    a = agent.expect("Local account database modified", pid=pid)
    check_file_alert(a, "/etc/passwd")


def test_passwd_read_is_not_alerted():
    pid = read("/etc/passwd")
    agent.expect_none("Local account database modified", pid=pid)


def test_useradd_and_userdel_are_not_alerted():
    # the account tools rewrite passwd/shadow/group and copy /etc/skel's .bashrc/.profile
    user = "vge2e" + marker()[-8:]
    p = subprocess.Popen(["useradd", "-m", "-s", "/bin/sh", user])
    try:
        check(p.wait(timeout=30) == 0, "useradd failed")
        check(os.path.exists("/home/%s/.bashrc" % user), "no skeleton copy to check")
        for rule in ("Local account database modified", "Shell profile modified"):
            agent.expect_none(rule, pid=p.pid)
    finally:
        d = subprocess.Popen(["userdel", "-r", user], stderr=subprocess.DEVNULL)
        d.wait(timeout=30)
    agent.expect_none("Local account database modified", pid=d.pid)


def test_program_renamed_useradd_is_not_excepted():
    fake = os.path.join(base, marker(), "useradd")
    os.makedirs(os.path.dirname(fake))
    shutil.copy2(os.path.realpath(PY), fake)
    pid = child("import os\nos.close(os.open('/etc/passwd', os.O_WRONLY | os.O_APPEND))\n", exe=fake)
    check_file_alert(agent.expect("Local account database modified", pid=pid), "/etc/passwd")


def test_pam_d_file_created():
    path = "/etc/pam.d/" + marker()
    try:
        a = agent.expect("PAM configuration modified", pid=write_new(path))
        check_file_alert(a, path)
        check("T1556.003" in a["tags"], a["tags"])
    finally:
        remove(path)


def test_pam_read_is_not_alerted():
    pid = read("/etc/pam.d/common-auth")
    agent.expect_none("PAM configuration modified", pid=pid)


def test_autostart_hooks_written():
    for path in ("/etc/update-motd.d/" + marker(), "/etc/xdg/autostart/%s.desktop" % marker()):
        try:
            check_file_alert(agent.expect("Autostart hook written", pid=write_new(path)), path)
        finally:
            remove(path)


def test_autostart_read_is_not_alerted():
    d = "/etc/update-motd.d"
    files = sorted(os.path.join(d, f) for f in os.listdir(d))
    pid = read(files[0]) if files else read("/etc/motd")
    agent.expect_none("Autostart hook written", pid=pid)


# ---- triggers from the attack corpus (tests/attack), near misses beside them ----------

def test_shell_profile_in_a_service_accounts_home():
    rule = "Shell profile modified"
    d = tempfile.mkdtemp(prefix=marker(), dir="/var/tmp")
    try:
        near = sh('echo x > "$0/.profile.bak"; cat "$0/.profile.bak" >/dev/null; echo y >> "$0/profile"', d)
        ev = trigger(trigger_and_near_miss(agent, rule, attack("T1546.004-service-account-profile"), [near]))
        check(ev["file"]["path"].startswith("/var/lib/") and ev["file"]["path"].endswith((".profile", ".bashrc")), ev["file"])
    finally:
        shutil.rmtree(d)


def test_authorized_keys_in_a_service_accounts_home():
    rule = "SSH authorized keys modified"
    d = tempfile.mkdtemp(prefix=marker(), dir="/var/tmp")
    try:
        near = sh('mkdir "$0/.ssh" && echo k >> "$0/.ssh/known_hosts"', d)
        ev = trigger(trigger_and_near_miss(agent, rule, attack("T1098.004-service-home-authorized-keys"), [near]))
        check(ev["file"]["path"].startswith("/var/spool/") and ev["file"]["path"].endswith("/.ssh/authorized_keys"), ev["file"])
    finally:
        shutil.rmtree(d)


def test_python_start_up_hook_written():
    rule = "Python start-up hook written"
    d = tempfile.mkdtemp(prefix=marker())
    try:
        near = sh('python3 -m venv --without-pip "$0/env" && s=$("$0/env/bin/python3" -c "import site; print(site.getsitepackages()[0])") '
                  '&& echo "x = 1" > "$s/plainmodule.py"', d)
        ev = trigger(trigger_and_near_miss(agent, rule, attack("T1546.018-python-pth-hook"), [near]))
        check(ev["file"]["path"].endswith("/atomic_hook.pth"), ev["file"])
        ev = trigger(trigger_and_near_miss(agent, rule, attack("T1546.018-usercustomize"), []))
        check(ev["file"]["path"].endswith("/usercustomize.py"), ev["file"])
    finally:
        shutil.rmtree(d)


def test_interpreter_spawned_a_shell_at_start_up():
    rule = "Interpreter spawned a shell at start-up"
    near = sh("python3 -c \"import os; os.system('true')\"; python3 -c 'print(1)' >/dev/null")
    ev = trigger(trigger_and_near_miss(agent, rule, attack("T1546.018-python-pth-hook"), [near]))
    check(ev["proc"]["comm"] == "sh" and ev["proc"]["ancestors"][0]["comm"].startswith("python"), ev["proc"])


def test_account_created_or_changed_to_root_privileges():
    rule = "Account created or changed to root privileges"
    ev = trigger(trigger_and_near_miss(agent, rule, attack("T1136.001-uid0-account"), [benign("useradd-userdel")]))
    check(ev["proc"]["comm"] == "useradd" and "-o" in ev["exec"]["argv"], ev["exec"])


def test_transient_systemd_timer_or_service_started():
    rule = "Transient systemd timer or service started"
    # near miss: a person at a terminal starting a transient service (script(1) gives the pty)
    near = sh('script -qc "systemd-run --user --collect true" /dev/null >/dev/null 2>&1; true')
    ev = trigger(trigger_and_near_miss(agent, rule, attack("T1053.006-systemd-run-transient"), [near]))
    check(any(a.startswith("--on-active") for a in ev["exec"]["argv"]), ev["exec"])
