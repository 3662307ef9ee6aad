"""End-to-end tests of the network events: connect, bind, accept, dns, port_scan.

Each test runs the behaviour in a python child (its pid is what the events must carry)
against listeners and a fake DNS server the test opens on loopback, so nothing depends on
the network. DNS servers and scanners use their own random 127.x.y.z address, so that
other agents' tests on the machine cannot be mistaken for ours.
"""
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time

from vigiltest import Agent, check, marker, of_pid

agent = None
dns_addr = None
dns_sock = None

ECONNREFUSED, EADDRINUSE, EINPROGRESS = 111, 98, 115


def random_loopback():
    return "127.%d.%d.%d" % (random.randint(60, 250), random.randint(1, 250), random.randint(2, 250))


def serve_dns(sock):
    """Answers every query with NXDOMAIN, so resolvers return at once."""
    while True:
        try:
            q, peer = sock.recvfrom(2048)
        except OSError:
            return
        if len(q) >= 12:
            sock.sendto(q[:2] + b"\x81\x83" + q[4:6] + b"\0" * 6 + q[12:], peer)


def setup_module():
    global agent, dns_addr, dns_sock
    dns_addr = random_loopback()
    dns_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dns_sock.bind((dns_addr, 53))
    threading.Thread(target=serve_dns, args=(dns_sock,), daemon=True).start()
    agent = Agent("--stats-interval", "1", events="connect,bind,accept,dns,port_scan")
    agent.start()


def teardown_module():
    agent.stop()
    dns_sock.close()


def child(script, *args):
    """Runs script in a python child; returns (pid, the JSON it printed)."""
    p = subprocess.Popen([sys.executable, "-c", script] + [str(a) for a in args], stdout=subprocess.PIPE)
    out, _ = p.communicate(timeout=30)
    check(p.returncode == 0, "child failed: %r" % out)
    return p.pid, json.loads(out)


def events_of(pid, event, pred=lambda e: True, count=1, timeout=5.0):
    found = agent.wait_for(lambda e: of_pid(pid, event=event)(e) and pred(e), timeout=timeout, count=count)
    check(len(found) >= count, "%d %s events from pid %d, wanted %d" % (len(found), event, pid, count))
    return found


def one(pid, event, pred=lambda e: True):
    return events_of(pid, event, pred)[0]


CONNECT_OK = r"""
import json, socket, sys
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
host = "::1" if fam == socket.AF_INET6 else "127.0.0.1"
l = socket.socket(fam); l.bind((host, 0)); l.listen()
c = socket.socket(fam); c.connect((host, l.getsockname()[1]))
a, peer = l.accept()
print(json.dumps({"lport": l.getsockname()[1], "cport": c.getsockname()[1], "cfd": c.fileno(),
                  "afd": a.fileno()}))
"""


def check_connect_ok(fam):
    host, family = ("::1", "ipv6") if fam == 6 else ("127.0.0.1", "ipv4")
    pid, info = child(CONNECT_OK, fam)
    e = one(pid, "connect", lambda e: e["net"].get("dport") == info["lport"])
    check(e["ret"] == 0, e)
    n = e["net"]
    check(n["family"] == family and n["proto"] == "tcp", e)
    check(n["dip"] == host and n["sip"] == host, e)
    check(n["sport"] == info["cport"] and n["source"] == "sock" and n["fd"] == info["cfd"], e)


def test_connect_tcp_ipv4_success():
    check_connect_ok(4)


def test_connect_tcp_ipv6_success():
    check_connect_ok(6)


CONNECT_REFUSED = r"""
import json, socket, sys
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
host = "::1" if fam == socket.AF_INET6 else "127.0.0.1"
s = socket.socket(fam); s.bind((host, 0)); port = s.getsockname()[1]; s.close()
c = socket.socket(fam)
err = c.connect_ex((host, port))
print(json.dumps({"port": port, "err": err}))
"""


def check_connect_refused(fam):
    host, family = ("::1", "ipv6") if fam == 6 else ("127.0.0.1", "ipv4")
    pid, info = child(CONNECT_REFUSED, fam)
    check(info["err"] == ECONNREFUSED, info)
    e = one(pid, "connect", lambda e: e["net"].get("dport") == info["port"])
    n = e["net"]
    check(e["ret"] == -ECONNREFUSED, e)
    check(n["family"] == family and n["dip"] == host and n["source"] == "user", e)
    # the source the kernel had picked, kept from inet_sock_set_state
    check(n.get("sip") == host and n.get("sport", 0) > 0, e)


def test_connect_refused_ipv4():
    check_connect_refused(4)


def test_connect_refused_ipv6():
    check_connect_refused(6)


CONNECT_NONBLOCK = r"""
import json, socket
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen()
c = socket.socket(); c.setblocking(False)
err = c.connect_ex(("127.0.0.1", l.getsockname()[1]))
print(json.dumps({"port": l.getsockname()[1], "err": err, "cport": c.getsockname()[1]}))
"""


def test_connect_nonblocking_in_progress():
    pid, info = child(CONNECT_NONBLOCK)
    check(info["err"] == EINPROGRESS, info)
    e = one(pid, "connect", lambda e: e["net"].get("dport") == info["port"])
    check(e["ret"] == -EINPROGRESS, e)
    check(e["net"]["source"] == "sock" and e["net"]["sport"] == info["cport"], e)


CONNECT_UDP = r"""
import json, socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.connect(("127.0.0.1", 9))
print(json.dumps({"sport": u.getsockname()[1]}))
"""


def test_connect_udp():
    pid, info = child(CONNECT_UDP)
    e = one(pid, "connect", lambda e: e["net"].get("dport") == 9)
    n = e["net"]
    check(e["ret"] == 0 and n["proto"] == "udp" and n["dip"] == "127.0.0.1", e)
    check(n["sport"] == info["sport"] and n["source"] == "sock", e)


BIND = r"""
import json, socket, sys
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
host = "::1" if fam == socket.AF_INET6 else "127.0.0.1"
s = socket.socket(fam); s.bind((host, 0)); port = s.getsockname()[1]; s.listen()
t = socket.socket(fam)
try:
    t.bind((host, port)); err = 0
except OSError as e:
    err = e.errno
u = socket.socket(fam, socket.SOCK_DGRAM); u.bind((host, 0))
print(json.dumps({"port": port, "err": err, "uport": u.getsockname()[1]}))
"""


def check_bind(fam):
    host, family = ("::1", "ipv6") if fam == 6 else ("127.0.0.1", "ipv4")
    pid, info = child(BIND, fam)
    check(info["err"] == EADDRINUSE, info)
    # port 0 asked, the kernel's choice reported
    ok = one(pid, "bind", lambda e: e["ret"] == 0 and e["net"]["proto"] == "tcp")
    n = ok["net"]
    check(n["family"] == family and n["sip"] == host and n["sport"] == info["port"], ok)
    check(n["source"] == "sock" and "dip" not in n, ok)
    bad = one(pid, "bind", lambda e: e["ret"] == -EADDRINUSE)
    check(bad["net"]["sport"] == info["port"] and bad["net"]["source"] == "user", bad)
    udp = one(pid, "bind", lambda e: e["net"]["proto"] == "udp")
    check(udp["net"]["sport"] == info["uport"], udp)


def test_bind_ipv4():
    check_bind(4)


def test_bind_ipv6():
    check_bind(6)


def test_accept_both_endpoints():
    for fam in (4, 6):
        host = "::1" if fam == 6 else "127.0.0.1"
        pid, info = child(CONNECT_OK, fam)
        e = one(pid, "accept", lambda e: e["net"].get("sport") == info["lport"])
        n = e["net"]
        check(e["ret"] == info["afd"] and n["fd"] == info["afd"], e)
        check(n["sip"] == host and n["dip"] == host and n["dport"] == info["cport"], e)
        check(n["proto"] == "tcp" and n["family"] == ("ipv6" if fam == 6 else "ipv4"), e)


DNS_SEND = r"""
import socket, struct, sys, json
name, server, qtype, how, port = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
q = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack(">HH", qtype, 1)
u = socket.socket(socket.AF_INET6 if ":" in server else socket.AF_INET, socket.SOCK_DGRAM)
if how == "sendto":
    u.sendto(q, (server, port))
elif how == "sendmsg":
    u.sendmsg([q], [], 0, (server, port))
else:
    u.connect((server, port)); u.send(q)
if port == 53 and ":" not in server:  # the fake server is IPv4
    u.settimeout(2); u.recv(512)
print(json.dumps({"sport": u.getsockname()[1]}))
"""


def check_dns(how, qtype, qtype_name, server=None):
    server = server or dns_addr
    name = marker() + ".example.com"
    pid, info = child(DNS_SEND, name, server, qtype, how, 53)
    e = one(pid, "dns", lambda e: e["dns"]["qname"] == name)
    d, n = e["dns"], e["net"]
    check(d["qtype"] == qtype_name and d["qtype_num"] == qtype and d["id"] == 0x4242, e)
    check(d["syscall"] == ("sendto" if how == "send" else how) and not d["name_truncated"], e)
    check(n["dip"] == server and n["dport"] == 53 and n["proto"] == "udp", e)
    check(n["family"] == ("ipv6" if ":" in server else "ipv4"), e)
    if how == "send":
        check(n["sport"] == info["sport"], e)  # connected: local side from the socket


def test_dns_sendto():
    check_dns("sendto", 1, "A")


def test_dns_sendmsg():
    check_dns("sendmsg", 16, "TXT")


def test_dns_connected_send():
    check_dns("send", 28, "AAAA")


def test_dns_ipv6_sendto():
    check_dns("sendto", 33, "SRV", "::1")


def test_dns_glibc_resolver():
    """getent through glibc's resolver (sendmmsg on a connected socket), pointed at the
    fake server by a resolv.conf bind-mounted in a private mount namespace."""
    name = marker() + ".example"
    with tempfile.NamedTemporaryFile("w", suffix=".resolv", delete=False) as f:
        f.write("nameserver %s\noptions timeout:1 attempts:1\n" % dns_addr)
    try:
        p = subprocess.Popen(["unshare", "-m", "sh", "-c",
                              "mount --bind %s /etc/resolv.conf && exec getent ahosts %s" % (f.name, name)],
                             stdout=subprocess.DEVNULL)
        p.wait(timeout=20)
    finally:
        os.unlink(f.name)
    found = events_of(p.pid, "dns", lambda e: e["dns"]["qname"] == name, count=2)
    check({e["dns"]["qtype"] for e in found} == {"A", "AAAA"}, found)
    for e in found:
        check(e["dns"]["syscall"] == "sendmmsg" and e["net"]["dip"] == dns_addr and e["net"]["dport"] == 53, e)
        check(e["proc"]["comm"] == "getent", e)


def test_dns_not_port_53():
    """A DNS-shaped packet to another port is not a query."""
    name = marker() + ".example"
    pid, _ = child(DNS_SEND, name, dns_addr, 1, "send", 5353)
    one(pid, "connect", lambda e: e["net"].get("dport") == 5353)  # the agent has seen this child
    time.sleep(0.5)
    check(not agent.wait_for(of_pid(pid, event="dns"), timeout=0), "dns event for port 5353")


DNS_FLOOD = r"""
import socket, struct, sys
server, n = sys.argv[1], int(sys.argv[2])
q = struct.pack(">HHHHHH", 1, 0x0100, 1, 0, 0, 0) + b"\5flood\7example\0" + struct.pack(">HH", 1, 1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(n):
    u.sendto(q, (server, 53))
print("{}")
"""


def breaker_drops():
    stats = [e for e in agent.events() if e.get("kind") == "stats"]
    return stats[-1].get("suppressions", {}).get("dns", {}).get("breaker", 0) if stats else 0


def test_dns_breaker():
    before = breaker_drops()
    start = time.time()
    pid, _ = child(DNS_FLOOD, dns_addr, 5000)
    elapsed = time.time() - start
    time.sleep(1.5)  # a stats line after the flood
    got = len(agent.wait_for(of_pid(pid, event="dns"), timeout=1))
    # burst 1024, then 1024/s
    check(1024 <= got <= 1024 + 1024 * (elapsed + 0.5), "%d dns events in %.2fs" % (got, elapsed))
    deadline = time.time() + 3
    while breaker_drops() - before < 5000 - got and time.time() < deadline:
        time.sleep(0.2)
    dropped = breaker_drops() - before
    check(dropped > 0 and dropped >= 5000 - got, "breaker drops %d, events %d" % (dropped, got))


PORT_SCAN = r"""
import errno, json, socket, sys
src, target, first, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
refused = 0
for port in range(first, first + n):
    s = socket.socket()
    s.bind((src, 0))
    refused += s.connect_ex((target, port)) == errno.ECONNREFUSED
    s.close()
print(json.dumps({"refused": refused}))
"""


def test_port_scan():
    src, target = random_loopback(), random_loopback()
    first = random.randint(20000, 60000)
    pid, info = child(PORT_SCAN, src, target, first, 100)
    check(info["refused"] >= 90, info)
    scans = agent.wait_for(lambda e: e.get("event") == "port_scan" and e["scan"]["source"] == src, timeout=5)
    check(len(scans) == 1, scans)
    s = scans[0]["scan"]
    check(s["ports"] >= 20 and s["target"] == target, s)
    sample = [int(p) for p in s["sample"]]
    check(len(sample) == 16 and all(first <= p < first + 100 for p in sample), s)
    check(scans[0]["net"]["family"] == "ipv4" and scans[0]["net"]["proto"] == "tcp", scans[0])
    # the rest of the scan falls in the quiet window: still one report
    time.sleep(1)
    check(len(agent.wait_for(lambda e: e.get("event") == "port_scan" and e["scan"]["source"] == src,
                             timeout=0)) == 1, "more than one port_scan report")


def test_below_scan_threshold():
    src, target = random_loopback(), random_loopback()
    child(PORT_SCAN, src, target, random.randint(20000, 60000), 10)
    time.sleep(1)
    check(not agent.wait_for(lambda e: e.get("event") == "port_scan" and e["scan"]["source"] == src,
                             timeout=0), "port_scan for 10 ports")
