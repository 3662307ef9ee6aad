"""loopback.py — the far end of the corpus scripts' network behaviours, on 127.0.0.1 only,
on a port the kernel picks (written to PORTFILE once listening). It stops by itself after
30 s or when its one job is done, so nothing outlives a script even if its trap fails.

usage: loopback.py PORTFILE http DIR     serve DIR; PUT/POST bodies are read and discarded
       loopback.py PORTFILE shell CMDS   one client: send CMDS (newline-separated), read replies
       loopback.py PORTFILE sink         clients: read until they close
"""
import http.server
import os
import socket
import sys
import threading

LIFETIME = 30.0


def listen():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    return s


def announce(portfile, port):
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, portfile)


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _discard(self):
        n = int(self.headers.get("Content-Length") or 0)
        while n > 0:
            chunk = self.rfile.read(min(n, 65536))
            if not chunk:
                break
            n -= len(chunk)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PUT = _discard
    do_POST = _discard


def serve_http(portfile, root):
    handler = lambda *a, **kw: Handler(*a, directory=root, **kw)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    announce(portfile, srv.server_address[1])
    srv.serve_forever()


def serve_shell(portfile, cmds):
    s = listen()
    announce(portfile, s.getsockname()[1])
    c, _ = s.accept()
    c.settimeout(5)
    for line in cmds.splitlines():
        c.sendall(line.encode() + b"\n")
    try:
        while c.recv(65536):
            pass
    except OSError:
        pass
    c.close()


def serve_sink(portfile):
    s = listen()
    announce(portfile, s.getsockname()[1])

    def drain(c):
        c.settimeout(10)
        try:
            while c.recv(65536):
                pass
        except OSError:
            pass
        c.close()

    while True:
        c, _ = s.accept()
        threading.Thread(target=drain, args=(c,), daemon=True).start()


def main():
    portfile, mode = sys.argv[1], sys.argv[2]
    arg = sys.argv[3] if len(sys.argv) > 3 else ""
    timer = threading.Timer(LIFETIME, lambda: os._exit(0))
    timer.daemon = True
    timer.start()
    if mode == "http":
        serve_http(portfile, arg or ".")
    elif mode == "shell":
        serve_shell(portfile, arg)
    elif mode == "sink":
        serve_sink(portfile)
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
