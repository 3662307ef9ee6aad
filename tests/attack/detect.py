"""detect.py — detection quality of vigil's default rules, measured the way a purple team
would: one real agent (`vigil run --profile default --rules rules`), every attack script of
tests/attack/ and every benign script of tests/benign/ run as root, one after the other, each
in its own session; an alert belongs to a script when one of its evidence events came from
that session (proc.sid), from a descendant of the script (proc.ancestors), or names the
script's unique mark. Prints one line per script and the totals:

  attack: detection rate, and tactic accuracy (an alert of the script carries the ATT&CK
          tactic the script declares, as a mitre_* tag of the rule)
  benign: false alerts, and false alerts per hour of benign work

Every script declares itself in header comments:
  # technique: T1070.002        ATT&CK technique (and sub-technique)
  # tactic: defense_evasion     expected tactic(s), vigil's mitre_* tag names, comma-separated
  # fast: yes                   part of the quick subset that `make test` runs
A script that exits with 77 lacks a tool (vg_have) and is reported as SKIP.

usage: detect.py [--build DIR] [--rules PATH] [--fast] [--only SUBSTR] [--json FILE]
                 [--min-rate PCT] [--trace SCRIPT]
Exit status: 0 when the goals hold (full run: detected with the right tactic >= --min-rate,
default 95, and no false alert; --fast: every script detected with its tactic, no false
alert), 1 otherwise, 2 when the agent could not run.
"""
import argparse
import glob
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BENIGN = os.path.join(ROOT, "tests", "benign")
SCRIPT_TIMEOUT = 90  # seconds; a virtualenv with pip takes 30 s on a loaded 2-core VM
SETTLE = 0.4      # seconds between scripts, so that late events of one land before the next
DRAIN = 3.0       # seconds after the last script, for the agent to deliver what is pending


def header(path):
    """The script's `# key: value` header lines as a dict."""
    meta = {}
    with open(path) as f:
        for line in f:
            if not line.startswith("#"):
                if line.strip():
                    break
                continue
            m = re.match(r"#\s*([a-z_]+):\s*(.*?)\s*$", line)
            if m:
                meta[m.group(1)] = m.group(2)
    return meta


class Agent:
    def __init__(self, build, rules, events=None):
        fd, self.out = tempfile.mkstemp(prefix="vigil-detect-", suffix=".json")
        os.close(fd)
        self.err = tempfile.TemporaryFile(mode="w+")
        cmd = [os.path.join(ROOT, build, "vigil"), "run", "--profile", "default", "--rules", rules,
               "--format", "json", "--output", self.out, "--stats-interval", "0", "--no-pin"]
        if events:
            cmd += ["--events", events]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.err)
        deadline = time.time() + 60
        while time.time() < deadline:
            if "vigil: running" in self.stderr():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.proc.kill()
        raise SystemExit("vigil did not start:\n" + self.stderr())

    def stderr(self):
        self.err.seek(0)
        return self.err.read()

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        objs = []
        with open(self.out, "rb") as f:
            for line in f:
                if line.strip():
                    objs.append(json.loads(line))
        os.unlink(self.out)
        return objs


def run_script(path, mark):
    """Runs one script in its own session; returns its record (pid = session id)."""
    env = dict(os.environ, VG_MARK=mark, LC_ALL="C")
    env.pop("VG_VERBOSE", None)
    start = time.time()
    p = subprocess.Popen(["bash", path], cwd="/tmp", env=env, start_new_session=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        out, _ = p.communicate(timeout=SCRIPT_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        p.returncode = "timeout"
    return {"path": path, "name": os.path.basename(path), "mark": mark, "pid": p.pid,
            "start": start, "end": time.time(), "rc": p.returncode,
            "output": out.decode("utf-8", "replace")[-2000:]}


def ts_seconds(ts):
    """RFC 3339 with nanoseconds ("2026-12-01T09:53:02.658297989Z") to epoch seconds."""
    import calendar
    main, frac = ts.rstrip("Z").split(".") if "." in ts else (ts.rstrip("Z"), "0")
    return calendar.timegm(time.strptime(main, "%Y-%m-%dT%H:%M:%S")) + float("0." + frac)


def belongs(alert, rec):
    if rec["mark"] in json.dumps(alert):
        return True
    for e in alert.get("events", []):
        p = e.get("proc", {})
        t = ts_seconds(e["ts"]) if "ts" in e else rec["start"]
        if not rec["start"] - 1 <= t <= rec["end"] + SCRIPT_TIMEOUT:
            continue
        if p.get("sid") == rec["pid"] or p.get("pid") == rec["pid"] or \
                any(a.get("pid") == rec["pid"] for a in p.get("ancestors", [])):
            return True
    return False


def tactics(alert):
    return {t[len("mitre_"):] for t in alert.get("tags", []) if t.startswith("mitre_")}


def attribute(objs, records):
    alerts = [o for o in objs if o.get("kind") == "alert"]
    for rec in records:
        rec["alerts"] = [a for a in alerts if belongs(a, rec)]


def verdict(rec):
    if rec["rc"] == 77:
        return "skip"
    return "yes" if rec["alerts"] else "NO"


def tactic_ok(rec):
    want = {t.strip() for t in rec["meta"].get("tactic", "").split(",") if t.strip()}
    got = set().union(*[tactics(a) for a in rec["alerts"]]) if rec["alerts"] else set()
    return bool(want & got)


def rules_fired(rec):
    seen = {}
    for a in rec["alerts"]:
        seen.setdefault(a["rule"], a["priority"])
    return ", ".join("%s (%s)" % (r, p) for r, p in seen.items()) or "-"


def report(attack, benign, fast, min_rate):
    print("\n%-46s %-10s %-22s %-4s %-6s %s" % ("attack script", "technique", "expected tactic",
                                               "hit", "tactic", "rules (priority)"))
    for rec in attack:
        v = verdict(rec)
        t = "-" if v != "yes" else ("ok" if tactic_ok(rec) else "WRONG")
        print("%-46s %-10s %-22s %-4s %-6s %s" % (rec["name"][:46], rec["meta"].get("technique", "?"),
                                                 rec["meta"].get("tactic", "?")[:22], v, t, rules_fired(rec)))
    print("\n%-46s %-7s %s" % ("benign script", "seconds", "false alerts"))
    for rec in benign:
        print("%-46s %7.1f %s" % (rec["name"][:46], rec["end"] - rec["start"],
                                   "SKIP" if rec["rc"] == 77 else rules_fired(rec)))
        for a in rec["alerts"]:
            print("    %s: %s" % (a["rule"], a["output"].strip()[:300]))
    ran = [r for r in attack if r["rc"] != 77]
    hit = [r for r in ran if r["alerts"]]
    right = [r for r in hit if tactic_ok(r)]
    skipped = len(attack) - len(ran)
    b_ran = [r for r in benign if r["rc"] != 77]
    false = sum(len(r["alerts"]) for r in b_ran)
    secs = sum(r["end"] - r["start"] for r in b_ran)
    rate = 100.0 * len(hit) / len(ran) if ran else 0.0
    acc = 100.0 * len(right) / len(ran) if ran else 0.0
    print("\nattack: %d scripts run (%d skipped): %d detected (%.1f%%), %d with the expected tactic "
          "(%.1f%% of those run, %.1f%% of those detected)"
          % (len(ran), skipped, len(hit), rate, len(right), acc, 100.0 * len(right) / len(hit) if hit else 0))
    print("benign: %d scripts, %.1f s of work: %d false alerts (%.1f per hour of benign work)"
          % (len(b_ran), secs, false, false * 3600.0 / secs if secs else 0.0))
    missed = [r["name"] for r in ran if not r["alerts"]]
    wrong = [r["name"] for r in hit if not tactic_ok(r)]
    if missed:
        print("missed: " + " ".join(missed))
    if wrong:
        print("wrong tactic: " + " ".join(wrong))
    failed_scripts = [r["name"] for r in attack + benign if r["rc"] not in (0, 77)]
    if failed_scripts:
        print("scripts that did not exit 0 (their output is in --json): " + " ".join(failed_scripts))
    if fast:
        return 0 if len(right) == len(ran) and false == 0 else 1
    return 0 if acc >= min_rate and false == 0 else 1


def trace(args, path):
    """Shows what the sensor saw of one script: its session's events and alerts, compactly."""
    agent = Agent(args.build, args.rules, events="all")
    rec = run_script(os.path.abspath(path), "vgatk-" + uuid.uuid4().hex[:10])
    time.sleep(DRAIN)
    objs = agent.stop()
    print(rec["output"])
    for o in objs:
        if o.get("kind") == "alert":
            if belongs(o, rec):
                print("ALERT %s [%s] %s" % (o["rule"], o["priority"], o["output"].strip()))
            continue
        p = o.get("proc", {})
        if o.get("event") == "exec" and o.get("ret") == -2:
            continue  # PATH lookups
        if o.get("kind") != "event" or not (p.get("sid") == rec["pid"] or p.get("pid") == rec["pid"]
                                            or any(a.get("pid") == rec["pid"] for a in p.get("ancestors", []))):
            continue
        body = {k: v for k, v in o.items() if k not in ("kind", "ts", "seq", "cpu", "id", "host", "tid",
                                                        "proc", "container", "event", "ret")}
        print("%-12s ret=%-4s %s[%d<%d] %s  %s" % (o["event"], o.get("ret"), p.get("comm"), p.get("pid"),
                                                 p.get("ppid"), p.get("cmdline", "")[:80], json.dumps(body)[:300]))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.environ.get("VIGIL_BUILD", "build"))
    ap.add_argument("--rules", default=os.path.join(ROOT, "rules"))
    ap.add_argument("--fast", action="store_true", help="only the scripts marked '# fast: yes'")
    ap.add_argument("--only", help="only scripts whose name contains this")
    ap.add_argument("--json", help="write every script's record (alerts, output) here")
    ap.add_argument("--min-rate", type=float, default=95.0)
    ap.add_argument("--trace", help="print the events and alerts of one script")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("detect.py must run as root (the agent loads BPF programs)", file=sys.stderr)
        return 2
    if args.trace:
        return trace(args, args.trace)

    def pick(d):
        paths = sorted(glob.glob(os.path.join(d, "*.sh")))
        recs = [{"path": p, "meta": header(p)} for p in paths]
        recs = [r for r in recs if "technique" in r["meta"] or "benign" in r["meta"]]
        if args.fast:
            recs = [r for r in recs if r["meta"].get("fast") == "yes"]
        if args.only:
            recs = [r for r in recs if args.only in os.path.basename(r["path"])]
        return recs

    todo_attack, todo_benign = pick(HERE), pick(BENIGN)
    agent = Agent(args.build, args.rules)
    attack, benign = [], []
    try:
        for todo, out in ((todo_benign, benign), (todo_attack, attack)):
            for r in todo:
                rec = run_script(r["path"], "vgatk-" + uuid.uuid4().hex[:10])
                rec["meta"] = r["meta"]
                out.append(rec)
                print("%-6s %s" % ("ran" if rec["rc"] in (0, 77) else "rc=%s" % rec["rc"], rec["name"]),
                      file=sys.stderr, flush=True)
                time.sleep(SETTLE)
        time.sleep(DRAIN)
    finally:
        objs = agent.stop()
    attribute(objs, attack + benign)
    stats = [o for o in objs if o.get("kind") == "stats" and o.get("final")]
    if stats:
        st = stats[-1]
        print("agent: %d events, %d lost, kernel drops %s, alerts suppressed by rate limit %d"
              % (st.get("events", 0), st.get("lost", 0), st.get("drops") or "none", st.get("alerts_suppressed", 0)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"attack": attack, "benign": benign}, f, indent=1, default=str)
    return report(attack, benign, args.fast, args.min_rate)


if __name__ == "__main__":
    sys.exit(main())
