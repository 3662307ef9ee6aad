#!/bin/bash
# benign: node: a script run, a one-liner, npm reporting its version
# cleanup: the project is removed at exit
. "$(dirname "$0")/../attack/lib.sh"
vg_have node
d=$(vg_tmp)
echo 'console.log([1,2,3].map(x => x * 2).join(","))' > "$d/index.js"
node "$d/index.js" >/dev/null
node -e 'console.log(process.version)' >/dev/null
command -v npm >/dev/null && npm --version >/dev/null 2>&1
true
