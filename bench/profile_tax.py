"""profile_tax — the syscall tax of each vigil profile: a getppid loop with no agent, with
`vigil run --profile default` and with `--profile sandbox` (events to /dev/null, no rules),
interleaved over rounds whose order rotates; prints medians and ratios as JSON and text.

usage: python3 bench/profile_tax.py BUILD [ROUNDS] (after bench/run.sh built BUILD/bench/workload)
"""
import json
import statistics
import subprocess
import sys
import time

MODES = ["none", "default", "sandbox"]


def getppid_ns(workload, n):
    out = subprocess.run([workload, "getppid", str(n)], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])["ns_per_op"]


def main():
    build = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    workload, vigil = "%s/bench/workload" % build, "%s/vigil" % build
    samples = {m: [] for m in MODES}
    for r in range(rounds):
        for mode in MODES[r % 3:] + MODES[:r % 3]:
            agent = None
            if mode != "none":
                agent = subprocess.Popen([vigil, "run", "--profile", mode, "--output", "/dev/null", "--no-pin"],
                                         stderr=subprocess.PIPE, text=True)
                while "running" not in agent.stderr.readline():
                    if agent.poll() is not None:
                        sys.exit("vigil did not start")
                time.sleep(0.5)
            samples[mode].append(getppid_ns(workload, 3000000))
            if agent:
                agent.terminate()
                agent.wait()
    med = {m: statistics.median(v) for m, v in samples.items()}
    print(json.dumps({"median_ns": med, "samples": samples}))
    for m in MODES[1:]:
        print("%s: %.1f ns/call vs %.1f without an agent: %.2fx, +%.1f ns" %
              (m, med[m], med["none"], med[m] / med["none"], med[m] - med["none"]))


if __name__ == "__main__":
    main()
