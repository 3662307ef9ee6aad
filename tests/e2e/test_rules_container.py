"""Container-escape rules (rules/container.yaml) end to end. A container is faked as in
test_proc.py: a docker-<64 hex>.scope cgroup on the cgroup2 hierarchy plus new pid and
mount namespaces (unshare); inside it real escape steps run: mounting a disk and a cgroup
v1 hierarchy, writing release_agent, joining the host's namespaces, creating a user
namespace. Every test cleans up its cgroup, loop device and mounts."""
import os
import shutil
import subprocess
import tempfile
import time
import uuid

from corpus import attack, trigger_and_near_miss
from vigiltest import alert_in_subtree, cgroup2_root, check, marker, rules_agent, sh, trigger

agent = None


def setup_module():
    global agent
    agent = rules_agent()


def teardown_module():
    agent.stop()


def host_root_device():
    dev = subprocess.run(["findmnt", "-no", "SOURCE", "/"], check=True, capture_output=True, text=True).stdout.strip()
    check(dev.startswith("/dev/"), "root is not on a block device: %r" % dev)
    return dev


class Container:
    """A fake docker container: run(script, *args) executes /bin/sh -c script in a fresh
    docker-<id>.scope cgroup with its own pid and mount namespaces; returns the pid."""

    def __init__(self):
        self.id = uuid.uuid4().hex + uuid.uuid4().hex
        slice_dir = os.path.join(cgroup2_root(), "system.slice")
        self.made_slice = not os.path.isdir(slice_dir)
        self.cgroup = os.path.join(slice_dir, "docker-%s.scope" % self.id)
        os.makedirs(self.cgroup)

    def run(self, script, *args):
        enter = 'echo $$ > "$0/cgroup.procs" && exec unshare --pid --mount --fork /bin/sh -c "$@"'
        p = subprocess.Popen(["/bin/sh", "-c", enter, self.cgroup, script, "sh"] + list(args),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        p.wait()
        return p.pid

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        dirs = [self.cgroup] + ([os.path.dirname(self.cgroup)] if self.made_slice else [])
        for d in dirs:
            for _ in range(50):
                try:
                    os.rmdir(d)
                    break
                except OSError:
                    time.sleep(0.1)


def test_disk_filesystem_mounted_in_container():
    rule = "Disk filesystem mounted in container"
    d = tempfile.mkdtemp(prefix=marker())
    image, mnt = os.path.join(d, "disk.img"), os.path.join(d, "mnt")
    os.mkdir(mnt)
    loop = None
    try:
        subprocess.run(["truncate", "-s", "8M", image], check=True)
        subprocess.run(["mkfs.ext4", "-q", image], check=True)
        loop = subprocess.run(["losetup", "-f", "--show", image], check=True, capture_output=True,
                              text=True).stdout.strip()
        with Container() as c:
            agent.no_alert(rule, c.run('mount -t tmpfs none "$1" && umount "$1"', mnt))  # a container's scratch tmpfs
            pid = c.run('mount -o ro "$1" "$2" && umount "$2"', loop, mnt)
            ev = trigger(agent.alert(rule, pid))
            check(ev["mount"]["source"] == loop and ev["mount"]["fstype"] == "ext4", ev["mount"])
            check(ev["mount"]["path"] == mnt and ev["container"]["id"] == c.id, ev)
            # the host's own root disk: reported whether the kernel lets it through or not
            root = host_root_device()
            ev = trigger(agent.alert(rule, c.run('mount -o ro "$1" "$2" && umount "$2"', root, mnt)))
            check(ev["mount"]["source"] == root and ev["container"]["id"] == c.id, ev["mount"])
    finally:
        if loop:
            subprocess.run(["losetup", "-d", loop])
        shutil.rmtree(d)


def test_host_block_device_opened_in_container():
    rule = "Host block device opened in container"
    d = tempfile.mkdtemp(prefix=marker())
    image = os.path.join(d, "disk.img")
    loop = None
    try:
        subprocess.run(["truncate", "-s", "1M", image], check=True)
        loop = subprocess.run(["losetup", "-f", "--show", image], check=True, capture_output=True,
                              text=True).stdout.strip()
        with Container() as c:
            agent.no_alert(rule, c.run("dd if=/dev/zero of=/dev/null bs=512 count=1"))  # character devices
            pid = c.run('dd if="$1" of=/dev/null bs=512 count=1', loop)  # raw read, as debugfs does
            ev = trigger(agent.alert(rule, pid))
            check(ev["file"]["path"] == loop and ev["proc"]["comm"] == "dd" and ev["container"]["id"] == c.id, ev)
            root = host_root_device()
            ev = trigger(agent.alert(rule, c.run('dd if="$1" of=/dev/null bs=512 count=1', root)))
            check(ev["file"]["path"] == root and ev["container"]["id"] == c.id, ev)
    finally:
        if loop:
            subprocess.run(["losetup", "-d", loop])
        shutil.rmtree(d)


def test_cgroup_mount_and_release_agent_write_in_container():
    mount_rule, hook_rule = "Cgroup filesystem mounted in container", "Kernel usermode helper hook written"
    d = tempfile.mkdtemp(prefix=marker())
    name = "vg" + uuid.uuid4().hex[:12]
    try:
        with Container() as c:
            # near miss: a container mounting a tmpfs and reading (not writing) release_agent
            benign = c.run('mount -t tmpfs none "$1" && umount "$1"; '
                           'mount -t cgroup -o "none,name=$2" cgroup "$1" && cat "$1/release_agent"; umount "$1"',
                           d, name + "r")
            agent.no_alert(hook_rule, benign)

            # the release_agent escape: mount a v1 hierarchy, point release_agent somewhere
            # (notify_on_release stays 0, so nothing runs; the hierarchy dies at umount)
            pid = c.run('mount -t cgroup -o "none,name=$2" cgroup "$1" && echo /bin/true > "$1/release_agent"; '
                        'umount "$1"', d, name)
            ev = trigger(agent.alert(mount_rule, pid))
            check(ev["mount"]["fstype"] == "cgroup" and ev["container"]["id"] == c.id, ev["mount"])
            ev = trigger(agent.alert(hook_rule, pid))
            check(ev["file"]["path"] == os.path.join(d, "release_agent") and ev["container"]["id"] == c.id, ev)
    finally:
        shutil.rmtree(d)


def test_core_pattern_written_on_host():
    rule = "Kernel usermode helper hook written"
    with open("/proc/sys/kernel/core_pattern") as f:
        before = f.read()
    saved = tempfile.NamedTemporaryFile(prefix=marker(), delete=False)
    saved.close()
    try:
        agent.no_alert(rule, sh("cat /proc/sys/kernel/core_pattern"))  # reading it, as crash tools do
        # writes back the value it has: no change for anything else on the machine
        pid = sh('cat /proc/sys/kernel/core_pattern > "$0"; cat "$0" > /proc/sys/kernel/core_pattern', saved.name)
        ev = trigger(agent.alert(rule, pid))
        check(ev["file"]["path"] == "/proc/sys/kernel/core_pattern" and ev["proc"]["comm"] == "sh", ev)
    finally:
        os.unlink(saved.name)
        with open("/proc/sys/kernel/core_pattern") as f:
            check(f.read() == before, "core_pattern changed")


def test_container_joined_host_namespace():
    rule = "Container joined host namespace"
    host = os.getpid()  # this test runs in the host's initial namespaces
    with Container() as c:
        # near miss: a process in the container entering a namespace of its own
        agent.no_alert(rule, c.run('unshare --net nsenter --net=/proc/self/ns/net /bin/true'))
        pid = c.run('nsenter --mount="/proc/$1/ns/mnt" --net="/proc/$1/ns/net" /bin/true', str(host))
        found = agent.wait_for(alert_in_subtree(rule, pid), count=2)
        check(len(found) == 2, "expected mnt and net joins: %s" % [a["output"] for a in found])
        joined = {trigger(a)["ns"]["fd_type"]: trigger(a)["ns"]["inum"] for a in found}
        check(joined == {"mnt": os.stat("/proc/self/ns/mnt").st_ino, "net": os.stat("/proc/self/ns/net").st_ino}, joined)
        check(all(trigger(a)["container"]["id"] == c.id for a in found), "not attributed to the container")


def test_user_namespace_created_in_container():
    rule = "User namespace created in container"
    with Container() as c:
        agent.no_alert(rule, c.run("unshare --net /bin/true"))  # a network namespace only
        ev = trigger(agent.alert(rule, c.run("unshare --user --map-root-user /bin/true")))
        check("CLONE_NEWUSER" in ev["ns"]["flag_names"] and ev["container"]["id"] == c.id, ev["ns"])


def test_unprivileged_user_and_mount_namespace_created():
    rule = "Unprivileged user and mount namespace created"
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    p = subprocess.Popen(nobody + ["unshare", "--user", "--map-root-user", "/bin/true"])  # user ns alone
    check(p.wait() == 0, "unprivileged user namespaces unavailable")
    agent.no_alert(rule, p.pid)
    p = subprocess.Popen(nobody + ["unshare", "--user", "--map-root-user", "--mount", "/bin/true"])
    check(p.wait() == 0, "unshare -Urm failed")
    ev = trigger(agent.alert(rule, p.pid))
    check(ev["proc"]["uid"] == 65534 and "CLONE_NEWNS" in ev["ns"]["flag_names"], ev)


def test_namespace_of_another_process_joined():
    rule = "Namespace of another process joined"
    near = sh("unshare -m -u true; nsenter --help >/dev/null")  # namespaces made, none joined
    ev = trigger(trigger_and_near_miss(agent, rule, attack("T1055-nsenter-other-process"), [near]))
    check(ev["proc"]["comm"] == "nsenter" and ev["ns"]["fd_type"] in ("mnt", "uts", "net"), ev)
    trigger_and_near_miss(agent, rule, attack("T1611-nsenter-host-from-pidns"), [])
