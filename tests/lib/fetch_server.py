#!/usr/bin/env python3
"""fetch_server.py: the loopback HTTP server the fetch tests and benchmark
start and stop themselves. Binds 127.0.0.1 on an ephemeral port, writes the
port to --port-file, serves the files under --root, and logs one line per
request to --log: path, status, Range header, If-Range header, body bytes, client
port (one port for many requests shows a reused connection).

Behaviour is chosen by the path (counters are per whole path, so a test that
wants a fresh counter uses another path):
  /f/NAME                     the file; Range, If-Range, ETag, Last-Modified
  /norange/NAME               ignores Range: always 200 with the whole file
  /cut/N/NAME                 the first request is cut after N body bytes
  /cutat/N/NAME               every response stops at file offset N
  /status/K/CODE/RA/NAME      the first K requests answer CODE (Retry-After: RA
                              seconds when RA > 0), then the file
  /missing/NAME               404
  /redirect/NAME              302 to /f/NAME
  /redirect-file/NAME         302 to file:///etc/passwd (must be refused)
  /redirect-http/PORT/NAME    302 to http://127.0.0.1:PORT/f/NAME (from an
                              https server: a downgrade, must be refused)
  /wrong/NAME                 same length, one byte changed
  /wrongonce/NAME             wrong bytes once, then the file
  /slow/BPS/NAME              the file at BPS bytes per second
  /slowonce/BPS/NAME          the first request slow, then the file
  /stall/N/NAME               N bytes, then silence for 30 s
  /stallonce/N/NAME           the first request stalls after N bytes
  /chaos/SEED/NAME            a seeded random fault per request (drop midway,
                              5xx, 429, wrong bytes, Range ignored) or the file
--latency-ms adds a delay before every response; --tls-cert and --tls-key
serve HTTPS instead of HTTP.

Readiness: the port file appears (renamed into place) only once the socket
listens. A shell test waits for it with

  port=$(python3 fetch_server.py --wait PORT_FILE [--pid PID] [--timeout S])

which polls until the file holds a port AND a connect to it succeeds, prints
the port and exits 0; it exits 1 when the server process PID has died or
after S seconds (default 60), so a loaded machine (ctest -j) is not mistaken
for a broken server.
"""
import argparse
import email.utils
import hashlib
import os
import random
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    def __init__(self, root, log_path, latency):
        self.root = root
        self.latency = latency
        self.counts = {}
        self.lock = threading.Lock()
        self.log = open(log_path, "a", buffering=1) if log_path else None
        self.etags = {}

    def hit(self, path):
        with self.lock:
            n = self.counts.get(path, 0) + 1
            self.counts[path] = n
            return n

    def write_log(self, fields):
        if self.log:
            with self.lock:
                self.log.write("\t".join(str(f) for f in fields) + "\n")

    def etag(self, full):
        st = os.stat(full)
        key = (full, st.st_size, st.st_mtime_ns)
        with self.lock:
            if key not in self.etags:
                h = hashlib.sha256()
                with open(full, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
                self.etags[key] = '"%s"' % h.hexdigest()[:24]
            return self.etags[key]


def parse_range(value, size):
    """'bytes=S-' or 'bytes=S-E' -> (start, end) inclusive, None, or 'bad'."""
    if not value or not value.startswith("bytes=") or "," in value:
        return None
    s, _, e = value[6:].partition("-")
    try:
        if s == "":
            n = int(e)
            return (max(0, size - n), size - 1) if n > 0 else "bad"
        start = int(s)
        end = int(e) if e else size - 1
    except ValueError:
        return None
    if start >= size or end < start:
        return "bad"
    return (start, min(end, size - 1))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cxr-fetch-test"

    def log_message(self, fmt, *args):
        pass

    def send_simple(self, code, extra=None, body=b""):
        self.send_response(code)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.logged(code, len(body))
        self.wfile.write(body)

    def logged(self, code, nbytes):
        self.server.state.write_log([self.path, code, self.headers.get("Range", "-"),
                                     self.headers.get("If-Range", "-"), nbytes,
                                     self.client_address[1]])

    def do_GET(self):
        st = self.server.state
        if st.latency:
            time.sleep(st.latency / 1000.0)
        parts = urllib.parse.urlsplit(self.path).path.lstrip("/").split("/")
        mode, args, name = parts[0], parts[1:-1], urllib.parse.unquote(parts[-1])
        full = os.path.join(st.root, name)
        if "/" in name or name.startswith(".") or not os.path.isfile(full):
            return self.send_simple(404, body=b"not found\n")
        n = st.hit(self.path)
        try:
            return self.dispatch(mode, args, name, full, n)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def chaos(self, seed, full, n):
        """A seeded random fault per request: drop, error, wrong bytes..."""
        rng = random.Random("%s/%s/%d" % (seed, full, n))
        size = os.path.getsize(full)
        pick = rng.random()
        if pick < 0.25:
            return self.serve(full, cut_after=rng.randrange(0, max(1, size)))
        if pick < 0.35:
            return self.send_simple(rng.choice([500, 502, 503]), body=b"oops\n")
        if pick < 0.40:
            return self.send_simple(429, {"Retry-After": "0"}, b"slow down\n")
        if pick < 0.50:
            return self.serve(full, corrupt=True)
        if pick < 0.60:
            return self.serve(full, honour_range=False)
        return self.serve(full)

    def dispatch(self, mode, args, name, full, n):
        if mode == "f":
            return self.serve(full)
        if mode == "chaos":
            return self.chaos(args[0], full, n)
        if mode == "norange":
            return self.serve(full, honour_range=False)
        if mode == "cut":
            return self.serve(full, cut_after=int(args[0]) if n == 1 else None)
        if mode == "cutat":
            return self.serve(full, cut_at=int(args[0]))
        if mode == "status":
            k, code, ra = int(args[0]), int(args[1]), int(args[2])
            if n <= k:
                extra = {"Retry-After": str(ra)} if ra > 0 else {}
                return self.send_simple(code, extra, b"try later\n")
            return self.serve(full)
        if mode == "missing":
            return self.send_simple(404, body=b"not found\n")
        if mode == "redirect":
            return self.send_simple(302, {"Location": "/f/" + name})
        if mode == "redirect-http":
            return self.send_simple(302, {"Location": "http://127.0.0.1:%d/f/%s"
                                          % (int(args[0]), name)})
        if mode == "redirect-file":
            return self.send_simple(302, {"Location": "file:///etc/passwd"})
        if mode == "wrong" or (mode == "wrongonce" and n == 1):
            return self.serve(full, corrupt=True)
        if mode == "wrongonce":
            return self.serve(full)
        if mode == "slow" or (mode == "slowonce" and n == 1):
            return self.serve(full, bps=int(args[0]))
        if mode == "stall" or (mode == "stallonce" and n == 1):
            return self.serve(full, stall_after=int(args[0]))
        if mode in ("slowonce", "stallonce"):
            return self.serve(full)
        return self.send_simple(400, body=b"unknown mode\n")

    def serve(self, full, honour_range=True, cut_after=None, cut_at=None,
              corrupt=False, bps=None, stall_after=None):
        size = os.path.getsize(full)
        etag = self.server.state.etag(full)
        start, end, code = 0, size - 1, 200
        rng = parse_range(self.headers.get("Range"), size) if honour_range else None
        if_range = self.headers.get("If-Range")
        if rng is not None and if_range and if_range != etag:
            rng = None
        if rng == "bad":
            return self.send_simple(416, {"Content-Range": "bytes */%d" % size})
        if rng:
            start, end, code = rng[0], rng[1], 206
        self.send_response(code)
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified",
                         email.utils.formatdate(os.path.getmtime(full), usegmt=True))
        self.send_header("Accept-Ranges", "bytes" if honour_range else "none")
        if code == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
        self.end_headers()
        limit = end - start + 1
        if cut_after is not None:
            limit = min(limit, cut_after)
        if cut_at is not None:
            limit = max(0, min(limit, cut_at - start))
        if stall_after is not None:
            limit = min(limit, stall_after)
        # Logged before the body, so a client that has read it all finds the line.
        self.logged(code, limit)
        sent = self.send_body(full, start, limit, corrupt, bps, stall_after is not None, size)
        if sent < end - start + 1:
            self.close_connection = True
            try:
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def send_body(self, full, start, limit, corrupt, bps, stall, size):
        sent = 0
        if not (corrupt or bps or stall):
            self.wfile.flush()
            with open(full, "rb") as f:
                return self.connection.sendfile(f, start, limit)
        chunk = 65536 if not bps else max(1, bps // 10)
        with open(full, "rb") as f:
            f.seek(start)
            while sent < limit:
                data = f.read(min(chunk, limit - sent))
                if not data:
                    break
                if corrupt and start + sent + len(data) == size:
                    data = data[:-1] + bytes([data[-1] ^ 0xFF])
                self.wfile.write(data)
                sent += len(data)
                if bps:
                    time.sleep(len(data) / bps)
        if stall:
            self.wfile.flush()
            time.sleep(30)
        return sent


def read_port(path):
    try:
        with open(path) as f:
            port = int(f.read().strip() or "0")
    except (OSError, ValueError):
        return 0
    return port if 0 < port < 65536 else 0


def alive(pid):
    if not pid:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie has exited: /proc says so (Linux)
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def wait_ready(port_file, pid, timeout):
    """Polls until port_file names a port that accepts a connection."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while time.monotonic() < deadline:
        port = read_port(port_file)
        if port:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
                print(port)
                return 0
            except OSError:
                pass
        if not alive(pid):
            sys.stderr.write("fetch_server: the server (pid %d) exited before it was ready\n" % pid)
            return 1
        time.sleep(delay)
        delay = min(delay * 2, 0.25)
    sys.stderr.write("fetch_server: no server listening after %g s (port file '%s')\n"
                     % (timeout, port_file))
    return 1


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--wait":
        wp = argparse.ArgumentParser(description="wait until the server is ready")
        wp.add_argument("--wait", required=True, metavar="PORT_FILE")
        wp.add_argument("--pid", type=int, default=0)
        wp.add_argument("--timeout", type=float, default=60.0)
        w = wp.parse_args()
        return wait_ready(w.wait, w.pid, w.timeout)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--latency-ms", type=int, default=0)
    ap.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    ap.add_argument("--tls-key", help="and this key (PEM)")
    a = ap.parse_args()
    ThreadingHTTPServer.request_queue_size = 128  # the default 5 drops parallel connects
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.state = State(a.root, a.log, a.latency_ms)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)

    def stop(signum, frame):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    parent = os.getppid()

    def watch_parent():  # never outlive the test or benchmark that started us
        while os.getppid() == parent:
            time.sleep(0.5)
        srv.shutdown()

    threading.Thread(target=watch_parent, daemon=True).start()
    srv.serve_forever(poll_interval=0.1)
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
