#!/bin/bash
# benign: a local web server for a site under /srv (python3 -m http.server --directory), fetched
# with curl and wget, a file downloaded and read
# fast: yes
# cleanup: the server is stopped and the site removed at exit
. "$(dirname "$0")/../attack/lib.sh"
site=/srv/$VG_MARK
vg_mkdir "$site"
echo "<h1>hello</h1>" > "$site/index.html"
echo '{"v":1}' > "$site/data.json"
port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
timeout 15 python3 -m http.server --bind 127.0.0.1 --directory "$site" "$port" >/dev/null 2>&1 &
vg_on_exit "kill $!"
for i in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
curl -s "http://127.0.0.1:$port/data.json" >/dev/null
d=$(vg_tmp)
curl -s -o "$d/data.json" "http://127.0.0.1:$port/data.json"
command -v wget >/dev/null && wget -q -O "$d/index.html" "http://127.0.0.1:$port/index.html"
cat "$d/data.json" >/dev/null
