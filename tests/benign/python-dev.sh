#!/bin/bash
# benign: python work: a virtualenv with pip (when ensurepip is there), a script and its tests run
# from a project under /tmp, one-liners that print and parse JSON
# cleanup: the project is removed at exit
. "$(dirname "$0")/../attack/lib.sh"
d=$(vg_tmp)
cd "$d"
timeout 60 python3 -m venv env 2>/dev/null || python3 -m venv --without-pip env
env/bin/python -m pip --version >/dev/null 2>&1
cat > app.py <<'PY'
import json, sys
def total(xs): return sum(xs)
if __name__ == "__main__":
    print(json.dumps({"total": total([1, 2, 3])}))
PY
printf 'import app\nassert app.total([1, 2]) == 3\nprint("ok")\n' > test_app.py
env/bin/python app.py >/dev/null
python3 "$d/test_app.py" >/dev/null
python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])' < <(python3 app.py) >/dev/null
python3 -c 'import platform; print(platform.python_version())' >/dev/null
