"""The outputs a SOC uses, against real receivers on loopback: the file sink rotates under
load without losing a line, keeps N and reopens on SIGHUP; syslog reaches Debian's rsyslog
as RFC 5424 over UDP, TCP and a unix socket; the webhook retries through failures and
isolates the one record its receiver refuses; on a terminal alerts print as one coloured
line each with nothing an attacker controls reaching the terminal raw, while a pipe still
gets JSON."""
import gzip
import json
import os
import pty
import select
import shutil
import signal
import subprocess
import tempfile
import time

from servers import (Receiver, Rsyslog, Scene, closing_line, make_files, sink_stats, udp_receive_buffer_drops,
                     wait_until)
from vigiltest import VIGIL, Agent, check, marker

RULE = """- rule: Fleet test marker file
  desc: a file named with the test's marker was created
  condition: evt.type = create_file and file.path contains "%s"
  output: marker file %%file.path created by %%proc.name
  priority: WARNING
"""


def write_rule(base, mark):
    path = os.path.join(base, "marker.yaml")
    with open(path, "w") as f:
        f.write(RULE % mark)
    return path


def read_lines(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        return f.read().splitlines()


def rotated(directory, name):
    return sorted(f for f in os.listdir(directory) if f.startswith(name + ".") and not f.endswith(".tmp"))


def test_file_rotation_under_load_loses_no_line():
    base = tempfile.mkdtemp(prefix="vigil-e2e-file-")
    mark = marker()
    path = os.path.join(base, "events.json")
    agent = Agent("--sink", "file:%s;max_size=64K;keep=1000" % path, events="create_file", profile="default").start()
    try:
        make_files(base, mark, 3000)
        agent.wait_for(lambda e: mark + "-2999" in e.get("file", {}).get("path", ""), timeout=20)
    finally:
        agent.stop()
    try:
        names = rotated(base, "events.json")
        check(len(names) >= 5, "only %d rotations" % len(names))
        check(all(n.endswith(".gz") for n in names), "left uncompressed: %s" % [n for n in names if not n.endswith(".gz")])
        lines = []
        for n in names + ["events.json"]:
            got = read_lines(os.path.join(base, n))
            check(all(l.startswith("{") and l.endswith("}") for l in got), "a torn line in %s" % n)
            lines += [json.loads(l) for l in got]
        ours = [l for l in lines if mark in l.get("file", {}).get("path", "")]
        check(len(ours) == 3000, "%d of 3000 marker events in the rotated files" % len(ours))
        check(len({l["file"]["path"] for l in ours}) == 3000, "a line written twice")
        final = [l for l in lines if l.get("kind") == "stats" and l.get("final")][-1]
        s = sink_stats(final, "file:")
        check(s["lost"] == 0 and s["errors"] == 0 and s["rotations"] == len(names), "counters: %s" % s)
        # the main output got the same events: the file sink is not sampling
        main = [e for e in agent.lines if mark in e.get("file", {}).get("path", "")]
        check(len(main) == 3000, "%d marker events in the main output" % len(main))
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_file_keeps_n_and_reopens_on_sighup():
    base = tempfile.mkdtemp(prefix="vigil-e2e-file-")
    mark, later = marker(), marker()
    path = os.path.join(base, "events.json")
    # 64K: the few lines written after the SIGHUP stay in the reopened file, unrotated
    agent = Agent("--sink", "file:%s;max_size=64K;keep=2" % path, events="create_file", profile="default").start()
    try:
        make_files(base, mark, 1000)
        agent.wait_for(lambda e: mark + "-999" in e.get("file", {}).get("path", ""), timeout=20)
        wait_until(lambda: len(rotated(base, "events.json")) <= 2, 10, what="old rotations to go")
        os.rename(path, path + ".logrotated")  # what logrotate does, then SIGHUP
        agent.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: os.path.exists(path), 10, what="the file to be reopened")
        make_files(base, later, 5)
        agent.wait_for(lambda e: later + "-4" in e.get("file", {}).get("path", ""), timeout=10)
    finally:
        agent.stop()
    try:
        names = rotated(base, "events.json")
        check(len([n for n in names if n != "events.json.logrotated"]) <= 2, "kept %s" % names)
        reopened = read_lines(path)
        check(any(later in l for l in reopened), "the reopened file has no line written after SIGHUP")
        check(not any(later in l for l in read_lines(path + ".logrotated")), "wrote to the moved file")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_syslog_rfc5424_to_rsyslog_over_udp_tcp_and_socket():
    with Scene("vigil-e2e-syslog-") as sc:
        rs = sc.server(Rsyslog(sc.base))
        mark = marker()
        rule = write_rule(sc.base, mark)
        specs = ["syslog://127.0.0.1:%d;spool=%s" % (rs.udp, sc.path("s1")),
                 "syslog://127.0.0.1:%d;proto=tcp;facility=local3;spool=%s" % (rs.tcp, sc.path("s2")),
                 "syslog:%s;spool=%s" % (rs.socket, sc.path("s3"))]
        args = ["--rules", rule, "--host-name", "vigil-e2e-host"]
        for spec in specs:
            args += ["--sink", spec]
        agent = sc.agent(Agent(*args, events="create_file", profile="default"))
        drops_before = udp_receive_buffer_drops()
        make_files(sc.base, mark, 50)

        def per_input():
            ours = [m for m in rs.messages() if mark in m.get("msg", "")]
            return {i: [m for m in ours if m["input"] == i] for i in ("imudp", "imtcp", "imuxsock")}

        def arrived():
            per = per_input()
            return per if all(len([m for m in v if m["msgid"] == "create_file"]) >= 50 for v in per.values()) else None
        try:
            wait_until(arrived, 30, what="rsyslog to write 50 events per input")
        except AssertionError as e:
            counts = {i: len([m for m in v if m["msgid"] == "create_file"]) for i, v in per_input().items()}
            seen = len([l for l in agent.lines if l.get("kind") == "event" and mark in json.dumps(l)])
            dropped = udp_receive_buffer_drops() - drops_before
            raise AssertionError("%s: %s arrived, the agent's own output has %d; %d UDP datagrams dropped at"
                                 " full receive buffers meanwhile" % (e, counts, seen, dropped))
        time.sleep(1)
        agent.stop()
        rs.stop()
        per = arrived()
        # the rules' own rate limit passes some of the 50 matches: as many as the JSON output shows
        n_alerts = len([e for e in agent.lines if e.get("kind") == "alert" and mark in json.dumps(e)])
        check(n_alerts > 0, "no alert fired")
        for inp, msgs in per.items():
            facility = 19 if inp == "imtcp" else 4  # local3, else auth
            events = [m for m in msgs if m["msgid"] == "create_file"]
            alerts = [m for m in msgs if m["msgid"] == "alert"]
            check(len(events) == 50 and len(alerts) == n_alerts,
                  "%s: %d events, %d alerts of %d" % (inp, len(events), len(alerts), n_alerts))
            for m in events:
                check(m["pri"] == str(facility * 8 + 6), "%s: event PRI %s" % (inp, m["pri"]))
            for m in alerts:
                check(m["pri"] == str(facility * 8 + 4), "%s: alert PRI %s (warning is 4)" % (inp, m["pri"]))
            for m in msgs:
                check(m["app"] == "vigil" and m["procid"] == str(agent.proc.pid), "%s: header %s" % (inp, m))
                check(m["hostname"] == "vigil-e2e-host", "%s: HOSTNAME %s" % (inp, m["hostname"]))
                check(m["time"].startswith("20"), "%s: no TIMESTAMP parsed: %s" % (inp, m["time"]))
                record = json.loads(m["msg"])
                check(record["record_id"].count(":") == 2, "no record_id: %s" % m["msg"][:200])
        for spec in ("syslog:127.0.0.1:%d" % rs.udp, "syslog:127.0.0.1:%d" % rs.tcp, "syslog:" + rs.socket):
            closed = closing_line(agent, spec)
            check(closed["lost"] == 0 and closed["spooled"] == 0, "%s: %s" % (spec, closed))


def test_webhook_retries_and_isolates_a_refused_record():
    with Scene("vigil-e2e-webhook-") as sc:
        mark, poison = marker(), marker()
        rx = Receiver(fail=3, poison=poison)  # 503 three times, then 400 for any batch with poison
        sc.undo.append(rx.stop)
        agent = sc.agent(Agent("--sink", "%s;spool=%s;linger=100ms;batch=50" % (rx.url, sc.path("spool")),
                               events="create_file", profile="default"))
        make_files(sc.base, mark, 200)
        make_files(sc.base, poison, 1)
        make_files(sc.base, mark, 100, start=200)

        def ours():
            with rx.lock:
                return [r for r in rx.records if mark in r.get("file", {}).get("path", "")]
        wait_until(lambda: len(ours()) >= 300, 30, what="300 records at the receiver")
        agent.stop()
        got = ours()
        check(len(got) == 300, "%d of 300" % len(got))
        check(len({r["record_id"] for r in rx.records}) == len(rx.records), "a record delivered twice")
        check(not any(poison in json.dumps(r) for r in rx.records), "the refused record got through")
        check(rx.statuses[:3] == [503, 503, 503], "statuses %s" % rx.statuses[:6])
        check(400 in rx.statuses, "never refused")
        closed = closing_line(agent, rx.url)
        check(closed["lost"] == 1 and closed["spooled"] == 0, "counters: %s" % closed)


def run_on_tty(args, trigger, until, timeout=30):
    """vigil run with stdout on a pseudo-terminal: trigger() once it runs, then the bytes it
    printed once until(bytes) holds, and its stderr."""
    master, slave = pty.openpty()
    err = tempfile.NamedTemporaryFile()
    proc = subprocess.Popen([VIGIL, "run", "--no-pin", "--config", "/dev/null"] + args, stdout=slave, stderr=err, stdin=subprocess.DEVNULL,
                            env=dict(os.environ, TERM="xterm", NO_COLOR=""))
    os.close(slave)
    out, triggered = b"", False
    try:
        deadline = time.time() + timeout
        while time.time() < deadline and not until(out):
            if not triggered and b"vigil: running" in open(err.name, "rb").read():
                trigger()
                triggered = True
            r, _, _ = select.select([master], [], [], 0.2)
            if r:
                try:
                    out += os.read(master, 65536)
                except OSError:
                    break
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
        os.close(master)
    return out, open(err.name, errors="replace").read()


def test_console_view_on_a_terminal_json_on_a_pipe():
    base = tempfile.mkdtemp(prefix="vigil-e2e-console-")
    mark = marker()
    rule = write_rule(base, mark)
    evil = mark + "-\x1b[2J\x1b]0;owned\x07"  # clear-screen and set-title sequences in a file name
    try:
        def line_done(out):
            tail = out.split(mark.encode(), 1)
            return len(tail) == 2 and b"\n" in tail[1]

        out, err = run_on_tty(["--rules", rule, "--profile", "default"],
                              lambda: open(os.path.join(base, evil), "w").close(), line_done)
        line = [l for l in out.split(b"\n") if mark.encode() in l]
        check(line, "no alert line on the terminal; stderr: %s" % err[-1000:])
        line = line[0]
        check(b"\x1b[33mWarning" in line, "priority not in colour: %r" % line)
        check(b"Fleet test marker file" in line, "no rule name: %r" % line)
        check(b"\\x1b[2J" in line and b"\\x07" in line, "the attacker's bytes not escaped: %r" % line)
        check(b"\x1b[2J" not in out and b"\x07" not in out, "a raw escape sequence reached the terminal")
        check(not line.lstrip().startswith(b"{"), "JSON on a terminal: %r" % line)

        # the same run with stdout on a pipe writes JSON lines
        proc = subprocess.Popen([VIGIL, "run", "--no-pin", "--config", "/dev/null", "--rules", rule, "--profile", "default"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            wait_until(lambda: proc.stderr.readline().startswith(b"vigil: running"), 20, step=0, what="the agent")
            open(os.path.join(base, mark + "-pipe"), "w").close()
            line = wait_until(lambda: (lambda l: l if mark.encode() in l else None)(proc.stdout.readline()),
                              20, step=0, what="the alert on the pipe")
        finally:
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=20)
        check(json.loads(line)["kind"] == "alert", "not a JSON alert on the pipe: %r" % line[:300])
    finally:
        shutil.rmtree(base, ignore_errors=True)
