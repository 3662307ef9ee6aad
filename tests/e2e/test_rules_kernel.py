"""Kernel rules (rules/kernel.yaml) end to end: module loads and module tools, BPF program
loads. The load_module test exists only where `vigil probes` reports the event available
(kernels with CONFIG_MODULES); elsewhere a SKIP line says why and nothing is counted."""
import os
import shutil
import subprocess
import tempfile
import uuid

from vigiltest import VIGIL, check, helper, marker, rules_agent, run_quiet, sh, trigger

agent = None


def load_module_probe():
    """(available, the probes line for load_module)."""
    out = subprocess.run([VIGIL, "probes"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        fields = line.split()
        if fields and fields[0] == "load_module":
            return not fields[3].startswith("NO"), line
    return False, "load_module missing from vigil probes"


LOAD_MODULE, LOAD_MODULE_PROBE = load_module_probe()


def setup_module():
    global agent
    if not LOAD_MODULE:
        print("SKIP e2e/test_rules_kernel.test_kernel_module_loaded: the load_module event is "
              "unavailable on this kernel (%s)" % " ".join(LOAD_MODULE_PROBE.split()), flush=True)
    agent = rules_agent()


def teardown_module():
    agent.stop()


if LOAD_MODULE:
    FINIT = ("import ctypes, os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); "
             "ctypes.CDLL(None).syscall(313, fd, b'', 0)")

    def test_kernel_module_loaded():
        rule = "Kernel module loaded"
        d = tempfile.mkdtemp(prefix=marker())
        ko = os.path.join(d, "rootkit.ko")
        try:
            with open(ko, "wb") as f:
                f.write(b"\x7fELF not really a module")  # the kernel refuses it: an attempt
            agent.no_alert(rule, run_quiet(["python3", "-c", "import sys; open(sys.argv[1], 'rb').read()", ko]))  # modinfo-like read
            ev = trigger(agent.alert(rule, run_quiet(["python3", "-c", FINIT, ko])))
            check(ev["module"]["op"] == "finit_module" and ev["module"]["path"] == ko, ev["module"])
        finally:
            shutil.rmtree(d)


def test_kernel_module_tool_run():
    rule = "Kernel module tool run"
    check(shutil.which("modprobe"), "modprobe missing: apt-get install kmod")
    name = "vigil_e2e_" + uuid.uuid4().hex[:8]
    agent.no_alert(rule, sh("modprobe --dry-run \"$0\"; modprobe -c >/dev/null; lsmod", name))
    ev = trigger(agent.alert(rule, sh('modprobe "$0"', name)))
    check(ev["proc"]["comm"] == "modprobe" and ev["exec"]["argv"] == ["modprobe", name], ev["exec"])


MAP_CREATE = """
import ctypes, struct, sys
attr = struct.pack("IIII", 2, 4, 8, 1) + bytes(112)  # BPF_MAP_TYPE_ARRAY, key 4, value 8, 1 entry
buf = ctypes.create_string_buffer(attr, len(attr))
fd = ctypes.CDLL(None).syscall(321, 0, buf, len(attr))  # bpf(BPF_MAP_CREATE)
sys.exit(0 if fd >= 0 else 1)
"""


def test_bpf_program_loaded_by_unexpected_program():
    rule = "BPF program loaded by unexpected program"
    p = subprocess.Popen(["python3", "-c", MAP_CREATE, marker()])  # a map only: no code into the kernel
    check(p.wait() == 0, "BPF_MAP_CREATE failed")
    agent.no_alert(rule, p.pid)
    name = "vg" + uuid.uuid4().hex[:10]
    p = subprocess.Popen([helper("bpfload"), name], stdout=subprocess.DEVNULL)
    check(p.wait() == 0, "bpfload failed")
    ev = trigger(agent.alert(rule, p.pid))
    check(ev["bpf"]["cmd"] == "PROG_LOAD" and ev["bpf"]["name"] == name, ev["bpf"])
    check(ev["bpf"]["prog_type"] == "socket_filter" and ev["bpf"]["prog_id"] > 0, ev["bpf"])
