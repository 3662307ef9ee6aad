#!/usr/bin/env python3
"""Makes the recording `vigil replay` is measured on: `vigil run --record FILE` as `make run`
deploys it (default profile, the rules, no in-kernel rate limit so that the floods reach user
space) while bench/workload's exec, file and connect loops run beside ordinary activity (shell
pipelines, directory walks, package queries, compiles, an occasional read of a password file
that the rules alert on).

  bench/record.py BUILD OUT [--records N]

stops once the recording holds at least N records (default 300000; fewer scale the floods
down) and prints one JSON line
{"path", "records", "bytes", "seconds"}. The recording is never committed: this
script is the recipe (bench.py runs it before measuring the replay). Needs root (BPF)."""

import argparse
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# What a busy host does besides the floods: one command line each, run by sh in a loop.
ORDINARY = [
    "ls -la /etc /usr/bin > /dev/null",
    "cat /etc/hostname /etc/os-release > /dev/null",
    "grep -c root /etc/passwd /etc/group > /dev/null",
    "find /usr/share/doc -maxdepth 2 -name '*.gz' | head -50 | xargs -r ls -l > /dev/null",
    "ps aux > /dev/null",
    "sh -c 'echo hello | tr a-z A-Z | wc -c' > /dev/null",
    "id; uname -a; date; uptime",
    "tar cf - -C /usr/share/doc . 2>/dev/null | head -c 2000000 | wc -c",
    "dpkg -l > /dev/null",
    "python3 -c 'import json, os; print(len(os.listdir(\"/usr/lib\")))'",
    "printf 'int main(void){return 0;}' > \"$SCRATCH/t.c\" && cc -o \"$SCRATCH/t\" \"$SCRATCH/t.c\" && \"$SCRATCH/t\"",
    "cp /etc/services \"$SCRATCH/services\" && sort \"$SCRATCH/services\" | uniq | wc -l && rm -f \"$SCRATCH/services\"",
    "sed -n 1,20p /etc/services | awk '{print $1}' > /dev/null",
    "env | sort > /dev/null; getent passwd root > /dev/null",
    "cat /etc/shadow > /dev/null",
    "git --version; make --version | head -1",
]

# (workload argv tail, copies): exec, file and connect loops, flat out; {n} is the count per
# round, scaled down when fewer than DEFAULT_RECORDS records are asked for (bench-smoke).
DEFAULT_RECORDS = 300_000
FLOODS = [
    (["exec", "{n}"], 4000, 1),
    (["files", "{n}", "{files}"], 60000, 1),
    (["connect", "{n}"], 20000, 1),
]

HEADER = struct.Struct("<8sII Q 64s")


def records_in(path):
    """Whole records in a recording (src/reader/recording.c: a header, then each record
    preceded by its size and padded to 8 bytes)."""
    n = 0
    with open(path, "rb") as f:
        data = f.read()
    pos = HEADER.size
    while pos + 8 <= len(data):
        (size,) = struct.unpack_from("<Q", data, pos)
        if pos + 8 + size > len(data):
            break
        n += 1
        pos += 8 + ((size + 7) & ~7)
    return n


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build")
    parser.add_argument("out")
    parser.add_argument("--records", type=int, default=DEFAULT_RECORDS)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("record: must run as root (BPF)")
    vigil = os.path.join(args.build, "vigil")
    workload = os.path.join(args.build, "bench", "workload")
    scratch = tempfile.mkdtemp(prefix="vigil-record-")
    files = tempfile.mkdtemp(prefix="vigil-record-files-", dir="/dev/shm")
    procs = []
    log = open(os.path.join(scratch, "vigil.log"), "w+")
    agent = subprocess.Popen([vigil, "run", "--profile", "default", "--rules", os.path.join(REPO, "rules"),
                              "--rate-limit", "0", "--no-pin", "--record", args.out, "--output", "/dev/null",
                              "--stats-interval", "0"],
                             stdout=subprocess.DEVNULL, stderr=log, stdin=subprocess.DEVNULL)
    started = time.monotonic()
    try:
        while True:
            log.seek(0)
            if "vigil: running" in log.read():
                break
            if agent.poll() is not None or time.monotonic() - started > 60:
                log.seek(0)
                raise RuntimeError("vigil did not start: " + log.read()[-500:])
            time.sleep(0.1)
        env = dict(os.environ, SCRATCH=scratch)
        loop = "while :; do\n" + "\n".join(f"( {c} ) >/dev/null 2>&1" for c in ORDINARY) + "\ndone\n"
        procs.append(subprocess.Popen(["sh", "-c", loop], env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True))
        began = time.monotonic()
        scale = min(1.0, args.records / DEFAULT_RECORDS)
        while time.monotonic() - began < args.timeout:
            for argv, count, copies in FLOODS:
                n = max(50, int(count * scale))
                for _ in range(copies):
                    procs.append(subprocess.Popen([workload] + [a.format(files=files, n=n) for a in argv],
                                                  stdout=subprocess.DEVNULL, start_new_session=True))
            for p in procs[1:]:
                p.wait()
            del procs[1:]
            if os.path.getsize(args.out) > 0 and records_in(args.out) >= args.records:
                break
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
        agent.send_signal(signal.SIGINT)
        try:
            agent.wait(30)
        except subprocess.TimeoutExpired:
            agent.kill()
            agent.wait()
        log.close()
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(files, ignore_errors=True)
    n = records_in(args.out)
    print(json.dumps({"path": args.out, "records": n, "bytes": os.path.getsize(args.out),
                      "seconds": round(time.monotonic() - started, 1)}))
    return 0 if n >= args.records else 1


if __name__ == "__main__":
    sys.exit(main())
