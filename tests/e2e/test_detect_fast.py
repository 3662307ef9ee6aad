"""The quick subset of `make detect` (tests/attack/detect.py --fast): the attack scripts and
benign scripts marked `# fast: yes`, against a real agent with the default profile and
rules. Fails when one of those attacks goes undetected or without its tactic, or when any
of those benign scripts raises an alert."""
import os
import subprocess
import sys

from vigiltest import BUILD, ROOT, check

DETECT = os.path.join(ROOT, "tests", "attack", "detect.py")


def test_fast_attack_and_benign_subset():
    env = dict(os.environ, VIGIL_BUILD=BUILD)
    rules = os.environ.get("VIGIL_RULES", os.path.join(ROOT, "rules"))
    p = subprocess.run([sys.executable, DETECT, "--fast", "--build", BUILD, "--rules", rules], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    out = p.stdout.decode("utf-8", "replace")
    summary = [l for l in out.splitlines() if l.startswith(("attack:", "benign:", "missed:", "wrong tactic:"))]
    check(p.returncode == 0, "detect.py --fast failed:\n" + out[-4000:])
    check(any(l.startswith("attack:") for l in summary), out[-2000:])
