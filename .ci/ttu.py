#!/usr/bin/env python3
"""Time to a usable page: serve dist/ with gzip, load it in headless Chromium
throttled like a school laptop on a weak network, and print how long it takes
from navigation until the Send button (data-testid="send") is there and enabled.

    python3 .ci/ttu.py [DIST] [--runs N]

Throttling, through Chromium's DevTools protocol: 1.6 Mbps down, 750 kbps up,
150 ms round trip, CPU 4x slower. Every run starts with a fresh profile (an
empty cache). Standard library only: a small WebSocket client speaks the
protocol. Prints one line per run and the median; a measurement, not a gate.
"""

import base64
import contextlib
import gzip
import http.server
import json
import os
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

DOWN_BPS = 1_600_000
UP_BPS = 750_000
RTT_MS = 150
CPU_SLOWDOWN = 4
TIMEOUT_S = 90

COMPRESSIBLE = {".html", ".js", ".wasm", ".css", ".svg", ".json", ".txt", ".toml"}
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript",
    ".wasm": "application/wasm",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}

# Runs in the page before its own scripts: note when Send becomes usable.
WATCH = """
(() => {
  const usable = () => {
    const b = document.querySelector('[data-testid="send"]');
    return b && !b.disabled;
  };
  const mark = () => {
    if (window.__hoplabUsable === undefined && usable()) {
      window.__hoplabUsable = performance.now();
      obs.disconnect();
    }
  };
  const obs = new MutationObserver(mark);
  const start = () => { obs.observe(document, {childList: true, subtree: true, attributes: true}); mark(); };
  if (document.documentElement) start(); else document.addEventListener('readystatechange', start, {once: true});
})();
"""

READ = """JSON.stringify({
  usable: window.__hoplabUsable === undefined ? null : window.__hoplabUsable,
  fcp: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || null,
  bytes: performance.getEntriesByType('resource').reduce((n, r) => n + (r.transferSize || 0), 0)
    + ((performance.getEntriesByType('navigation')[0] || {}).transferSize || 0),
})"""


def serve(root):
    """A static server for `root` that gzips text and wasm, as pages hosts do."""
    cache = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            path = self.path.split("?")[0].split("#")[0]
            if path.endswith("/"):
                path += "index.html"
            full = os.path.realpath(os.path.join(root, path.lstrip("/")))
            if not full.startswith(os.path.realpath(root)) or not os.path.isfile(full):
                self.send_error(404)
                return
            ext = os.path.splitext(full)[1]
            body = open(full, "rb").read()
            zipped = ext in COMPRESSIBLE and "gzip" in self.headers.get("Accept-Encoding", "")
            if zipped:
                if full not in cache:
                    cache[full] = gzip.compress(body, compresslevel=9)
                body = cache[full]
            self.send_response(200)
            self.send_header("Content-Type", TYPES.get(ext, "application/octet-stream"))
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            if zipped:
                self.send_header("Content-Encoding", "gzip")
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Cdp:
    """Just enough WebSocket (RFC 6455) for Chromium's DevTools protocol."""

    def __init__(self, url):
        assert url.startswith("ws://")
        hostport, _, path = url[5:].partition("/")
        host, _, port = hostport.partition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=TIMEOUT_S)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("DevTools closed the handshake")
            head += chunk
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise ConnectionError(head.decode(errors="replace"))
        self.next_id = 0

    def _recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            data += chunk
        return data

    def _send_frame(self, opcode, payload):
        head = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 1 << 16:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def _recv_message(self):
        parts = []
        while True:
            b0, b1 = self._recv_exact(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._recv_exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._recv_exact(8))[0]
            mask = self._recv_exact(4) if b1 & 0x80 else None
            payload = self._recv_exact(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x9:
                self._send_frame(0xA, payload)
                continue
            if opcode == 0x8:
                raise ConnectionError("DevTools closed the connection")
            parts.append(payload)
            if b0 & 0x80:
                return json.loads(b"".join(parts))

    def call(self, method, **params):
        self.next_id += 1
        me = self.next_id
        self._send_frame(0x1, json.dumps({"id": me, "method": method, "params": params}).encode())
        while True:
            msg = self._recv_message()
            if msg.get("id") == me:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("ttu: no chromium on PATH")


@contextlib.contextmanager
def devtools_page():
    """A fresh headless Chromium (empty profile) and the DevTools session of
    its page; the browser is closed on leaving."""
    profile = tempfile.mkdtemp(prefix="hoplab-ttu-")
    proc = subprocess.Popen(
        [
            chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--disable-quic", "--window-size=1280,800",
            "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.time() + 30
        while not (os.path.exists(port_file) and open(port_file).read().count("\n") >= 1):
            if time.time() > deadline or proc.poll() is not None:
                raise RuntimeError("chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        port = open(port_file).read().split("\n")[0].strip()
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        page = next(t for t in targets if t.get("type") == "page")
        yield Cdp(page["webSocketDebuggerUrl"])
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


def one_run(url):
    with devtools_page() as cdp:
        cdp.call("Network.enable")
        cdp.call("Network.setCacheDisabled", cacheDisabled=True)
        cdp.call(
            "Network.emulateNetworkConditions",
            offline=False,
            latency=RTT_MS,
            downloadThroughput=DOWN_BPS / 8,
            uploadThroughput=UP_BPS / 8,
        )
        cdp.call("Emulation.setCPUThrottlingRate", rate=CPU_SLOWDOWN)
        cdp.call("Page.enable")
        cdp.call("Page.addScriptToEvaluateOnNewDocument", source=WATCH)
        cdp.call("Page.navigate", url=url)
        deadline = time.time() + TIMEOUT_S
        while time.time() < deadline:
            got = json.loads(cdp.call("Runtime.evaluate", expression=READ, returnByValue=True)["result"]["value"])
            if got["usable"] is not None:
                return got
            time.sleep(0.25)
        raise RuntimeError(f"Send was not usable within {TIMEOUT_S} s")


def main():
    args = sys.argv[1:]
    runs = 3
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i : i + 2]
    dist = args[0] if args else "dist"
    if not os.path.isfile(os.path.join(dist, "index.html")):
        sys.exit(f"ttu: no {dist}/index.html: run `./.ci/dev dist` first")
    server = serve(dist)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    times = []
    for n in range(1, runs + 1):
        got = one_run(url)
        times.append(got["usable"])
        fcp = f"{got['fcp']:.0f} ms" if got["fcp"] else "n/a"
        print(
            f"    run {n}: Send usable at {got['usable']:.0f} ms, first paint {fcp}, "
            f"{got['bytes']:,} B transferred"
        )
    server.shutdown()
    median = statistics.median(times)
    print(
        f"time to a usable page: {median:.0f} ms (median of {runs}; "
        f"{DOWN_BPS / 1e6:g} Mbps, {RTT_MS} ms RTT, CPU x{CPU_SLOWDOWN}, gzip; target 2000 ms)"
    )


if __name__ == "__main__":
    main()
