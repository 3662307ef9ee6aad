"""runner — runs every test_* function of every tests/e2e/test_*.py (or those named on
the command line) and prints "PASS name" / "FAIL name" / "SKIP name: why" lines (a test
raises vigiltest.Skip when it cannot run here; a skip counts neither way). A module may define
setup_module()/teardown_module() to share one agent between its tests; `FILE::NAME` runs
only the test NAME of FILE. Exit status 1 when
any test failed. A test file that leaves sensors pinned in the default pin directory (an
agent started without --no-pin or --pin-dir, on a machine where none ran) fails: they would
keep running, and the next agents would take them over."""
import importlib.util
import os
import sys
import time
import traceback

from vigiltest import Skip

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PINS = "/sys/fs/bpf/vigil"  # src/loader/pin.h VG_PIN_DIR
sys.path.insert(0, HERE)


def load(path):
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    files = sys.argv[1:] or sorted(
        os.path.join(HERE, f) for f in os.listdir(HERE) if f.startswith("test_") and f.endswith(".py"))
    failed = 0
    for path in files:
        path, _, only = path.partition("::")
        mod_name = os.path.splitext(os.path.basename(path))[0]
        pinned_before = os.path.exists(DEFAULT_PINS)
        try:
            mod = load(path)
            tests = [(n, getattr(mod, n)) for n in sorted(dir(mod)) if n.startswith("test_") and n == (only or n)]
            if not tests:
                raise LookupError("%s has no test %s" % (path, only))
            tests.sort(key=lambda t: t[1].__code__.co_firstlineno)
            if hasattr(mod, "setup_module"):
                mod.setup_module()
        except Exception:
            traceback.print_exc()
            print("FAIL e2e/%s (setup)" % mod_name, flush=True)
            failed += 1
            continue
        for name, fn in tests:
            start = time.time()
            try:
                fn()
            except Skip as why:
                print("SKIP e2e/%s.%s: %s" % (mod_name, name, why), flush=True)
                continue
            except Exception:
                traceback.print_exc()
                print("FAIL e2e/%s.%s" % (mod_name, name), flush=True)
                failed += 1
                continue
            print("PASS e2e/%s.%s (%.1fs)" % (mod_name, name, time.time() - start), flush=True)
        if hasattr(mod, "teardown_module"):
            try:
                mod.teardown_module()
            except Exception:
                traceback.print_exc()
                print("FAIL e2e/%s (teardown)" % mod_name, flush=True)
                failed += 1
        if not pinned_before and os.path.exists(DEFAULT_PINS):
            print("FAIL e2e/%s (left sensors pinned in %s: `vigil unload` removes them)" % (mod_name, DEFAULT_PINS),
                  flush=True)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
