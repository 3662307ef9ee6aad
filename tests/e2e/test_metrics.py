"""vigil run --metrics: a real Prometheus server (Debian's prometheus, started here on
loopback with its own config and storage) scrapes the agent, and its query API must
return the series with the values the test caused: the execs of a docker-shaped test
container, the alerts of a rule by rule and priority, the BPF programs' runs (with
--bpf-stats). The page itself passes `promtool check metrics` (the format and Prometheus's
naming rules), and a non-loopback address is refused unless the spec says ,public."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

from vigiltest import Agent, Container, VIGIL, check, marker


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Prometheus:
    """prometheus on 127.0.0.1 scraping target every 0.5 s, with its config and storage in a
    temp dir."""

    def __init__(self, target):
        self.dir = tempfile.mkdtemp(prefix="vigil-prometheus-")
        self.port = free_port()
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 500ms\n  scrape_timeout: 400ms\n"
                    "scrape_configs:\n  - job_name: vigil\n    static_configs:\n      - targets: ['%s']\n" % target)
        self.log = open(os.path.join(self.dir, "log"), "w+")
        self.proc = subprocess.Popen(
            ["prometheus", "--config.file=" + config, "--storage.tsdb.path=" + os.path.join(self.dir, "data"),
             "--web.listen-address=127.0.0.1:%d" % self.port, "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % self.port, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise AssertionError("prometheus did not start: " + self.output())
            time.sleep(0.2)

    def output(self):
        self.log.seek(0)
        return self.log.read()[-3000:]

    def query(self, promql):
        """The instant vector of promql: [(labels, value), ...]."""
        url = "http://127.0.0.1:%d/api/v1/query?%s" % (self.port, urllib.parse.urlencode({"query": promql}))
        with urllib.request.urlopen(url, timeout=5) as r:
            body = json.load(r)
        check(body["status"] == "success", body)
        return [(s["metric"], float(s["value"][1])) for s in body["data"]["result"]]

    def wait(self, promql, pred, timeout=30.0):
        """The result of promql once pred(result) holds (or the last one, after timeout)."""
        deadline = time.time() + timeout
        while True:
            result = self.query(promql)
            if pred(result) or time.time() > deadline:
                return result
            time.sleep(0.3)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def value(result):
    return result[0][1] if len(result) == 1 else None


def test_prometheus_scrapes_containers_alerts_and_programs():
    mark = marker()
    rules = os.path.join(tempfile.mkdtemp(prefix="vigil-metrics-"), "rules.yaml")
    with open(rules, "w") as f:
        f.write("""- rule: Metrics marker
  desc: test
  condition: evt.type = exec and proc.cmdline contains "%s"
  output: "%%proc.cmdline"
  priority: notice
  tags: [test]
""" % mark)
    port = free_port()
    c = Container()
    agent = Agent("--trackers", "--bpf-stats", "--metrics", "127.0.0.1:%d" % port, "--metrics-interval", "0.5",
                  "--rules", rules, profile="default", env=c.env)
    prom = None
    try:
        agent.start()
        prom = Prometheus("127.0.0.1:%d" % port)
        sh = c.run("/bin/sh", "-c", 'for i in 1 2 3 4 5; do /bin/true "$0"; done', mark)
        sh.stdin.write(b"\n")
        sh.stdin.close()
        check(sh.wait(timeout=30) == 0)
        sel = '{container_id="%s"}' % c.id
        execs = prom.wait("vigil_container_execs_total" + sel, lambda r: value(r) == 6)
        forks = prom.query("vigil_container_forks_total" + sel)
        alerts = prom.wait('vigil_alerts_total{rule="Metrics marker"}', lambda r: value(r) == 7)
        execve_calls = prom.query('sum(vigil_container_syscalls_total{container_id="%s",syscall="execve"})' % c.id)
        runs = prom.wait('vigil_bpf_prog_runs_total{prog="vg_track_exec_sched_process_exec_btf"}',
                         lambda r: value(r) is not None and value(r) >= 6)
        up = prom.query('up{job="vigil"}')
        build = prom.query("vigil_build_info")
        events = prom.query('vigil_events_total{type="exec"}')
        rss = prom.query("process_resident_memory_bytes")
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
            page = r.read()
            ctype = r.headers["Content-Type"]
    finally:
        if prom:
            prom.stop()
        agent.stop()
        c.remove()
        shutil.rmtree(os.path.dirname(rules), ignore_errors=True)
    check(value(execs) == 6, "execs of /bin/sh and 5 /bin/true in the container: %s" % execs)
    check(execs[0][0]["container_name"] == c.name and execs[0][0]["job"] == "vigil", execs)
    check(value(forks) == 5, forks)
    # the mark is in the argv of the shell that moves into the container, of the shell it
    # execs there and of each /bin/true
    check(value(alerts) == 7 and alerts[0][0]["priority"] == "notice", alerts)
    check(value(execve_calls) == 6, "execve calls: %s" % execve_calls)
    check(value(runs) >= 6, runs)
    check(value(up) == 1 and build and build[0][0]["version"], (up, build))
    check(value(events) >= 6 and value(rss) > 1 << 20, (events, rss))
    check(ctype.startswith("text/plain; version=0.0.4"), ctype)
    lint = subprocess.run(["promtool", "check", "metrics"], input=page, capture_output=True)
    check(lint.returncode == 0 and not lint.stdout.strip() and not lint.stderr.strip(),
          "promtool: %s %s" % (lint.stdout.decode(), lint.stderr.decode()))


def test_metrics_refuses_a_non_loopback_address():
    r = subprocess.run([VIGIL, "run", "--no-pin", "--metrics", "0.0.0.0:%d" % free_port(), "--duration", "1"],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode != 0 and "not a loopback address" in r.stderr and ",public" in r.stderr, r.stderr)
    r = subprocess.run([VIGIL, "run", "--no-pin", "--metrics", "127.0.0.1:http", "--duration", "1"],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode != 0 and "is not ADDR:PORT" in r.stderr, r.stderr)
