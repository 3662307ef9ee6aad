"""browser — a real headless Chromium (Debian's `chromium`) driven over the Chrome DevTools
Protocol, from the standard library alone: the WebSocket framing is done by hand.

    with Browser() as b:
        b.goto("http://127.0.0.1:8787/")
        b.wait("document.querySelector('#vg-incidents')")
        b.eval("document.title")
        png = b.screenshot()

Every request the page makes is kept in b.requests (Network.requestWillBeSent), so a
test can check that a page loads nothing from anywhere else.
"""
import base64
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class WebSocket:
    """A client WebSocket (RFC 6455) carrying text frames, enough for CDP."""

    def __init__(self, host, port, path, timeout=30):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
                           % (path, host, port, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("DevTools closed the handshake: %r" % head)
            head += chunk
        head, self.pending = head.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise ConnectionError("DevTools refused the WebSocket: %r" % head[:200])

    def _read(self, n):
        while len(self.pending) < n:
            chunk = self.sock.recv(max(65536, n - len(self.pending)))
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            self.pending += chunk
        out, self.pending = self.pending[:n], self.pending[n:]
        return out

    def _frame(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def send(self, text):
        self._frame(0x1, text.encode())

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            payload = self._read(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x9:  # ping
                self._frame(0xA, payload)
                continue
            if opcode == 0x8:
                raise ConnectionError("DevTools closed the WebSocket")
            message += payload
            if b0 & 0x80:
                return message.decode()

    def close(self):
        try:
            self._frame(0x8, b"")
        except OSError:
            pass
        self.sock.close()


class Browser:
    def __init__(self, width=1400, height=1000, timeout=30):
        self.dir = tempfile.mkdtemp(prefix="vigil-chromium-")
        self.log = open(os.path.join(self.dir, "chromium.log"), "w")
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--user-data-dir=" + os.path.join(self.dir, "profile"),
             "--remote-debugging-port=0", "--window-size=%d,%d" % (width, height), "about:blank"],
            stdout=subprocess.DEVNULL, stderr=self.log, start_new_session=True)
        self.next_id = 0
        self.requests = []
        self.errors = []
        port_file = os.path.join(self.dir, "profile", "DevToolsActivePort")
        deadline = time.time() + timeout
        while not (os.path.exists(port_file) and open(port_file).read().count("\n") >= 1):
            if self.proc.poll() is not None or time.time() > deadline:
                self.close()
                raise AssertionError("chromium did not start: %s" % self._log_tail())
            time.sleep(0.1)
        self.port = int(open(port_file).read().split("\n")[0])
        while True:
            pages = [t for t in json.load(urllib.request.urlopen("http://127.0.0.1:%d/json/list" % self.port, timeout=10))
                     if t["type"] == "page"]
            if pages or time.time() > deadline:
                break
            time.sleep(0.1)
        if not pages:
            self.close()
            raise AssertionError("chromium has no page to drive")
        path = "/" + pages[0]["webSocketDebuggerUrl"].split("/", 3)[3]
        self.ws = WebSocket("127.0.0.1", self.port, path, timeout=timeout)
        for domain in ("Page", "Runtime", "Network"):
            self.call(domain + ".enable")

    def _log_tail(self):
        try:
            return open(os.path.join(self.dir, "chromium.log")).read()[-1500:]
        except OSError:
            return ""

    def _event(self, msg):
        if msg.get("method") == "Network.requestWillBeSent":
            self.requests.append(msg["params"]["request"]["url"])
        elif msg.get("method") == "Runtime.exceptionThrown":
            self.errors.append(msg["params"]["exceptionDetails"])

    def call(self, method, **params):
        self.next_id += 1
        mine = self.next_id
        self.ws.send(json.dumps({"id": mine, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mine:
                if "error" in msg:
                    raise AssertionError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            self._event(msg)

    def eval(self, expression):
        """The value of a JavaScript expression in the page (a promise is awaited)."""
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in res:
            raise AssertionError("%s threw: %s" % (expression, res["exceptionDetails"]))
        return res["result"].get("value")

    def wait(self, expression, timeout=15.0):
        """Waits until the expression is truthy; returns its value."""
        deadline = time.time() + timeout
        while True:
            value = self.eval(expression)
            if value or time.time() > deadline:
                if not value:
                    raise AssertionError("timed out waiting for %s" % expression)
                return value
            time.sleep(0.1)

    def goto(self, url, timeout=20.0):
        """Loads url and waits for its load event (a new document, even for the same url)."""
        self.eval("window.__vgOld = true")
        self.call("Page.navigate", url=url)
        self.wait("!window.__vgOld && document.readyState === 'complete'", timeout)

    def click(self, selector, timeout=10.0):
        """A click on the element's centre, as a user's mouse makes it, once the element is
        what is on screen at that point (scrolled into view, nothing over it)."""
        point = self.wait("(() => { const e = document.querySelector(%s); if (!e) return null;"
                          " const r0 = e.getBoundingClientRect();"
                          " if (r0.top < 0 || r0.bottom > innerHeight) { e.scrollIntoView({block: 'center'}); return null; }"
                          " const x = r0.left + r0.width / 2, y = r0.top + r0.height / 2;"
                          " const hit = document.elementFromPoint(x, y);"
                          " return hit && (hit === e || e.contains(hit)) ? [x, y] : null; })()" % json.dumps(selector),
                          timeout)
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=point[0], y=point[1], button="left",
                      clickCount=0 if kind == "mouseMoved" else 1)

    def screenshot(self):
        return base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])

    def close(self):
        if getattr(self, "ws", None):
            self.ws.close()
        if self.proc.poll() is None:
            # its own process group: the renderers and helpers it started go with it
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
