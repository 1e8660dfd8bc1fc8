"""Helpers for the server's tests and benchmark (stdlib only): start and stop `img2music serve`
on a free loopback port, talk HTTP to it, and compare its answers with the CLI's."""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import uuid


class Server:
    """`img2music serve --port 0 ARGS...`, started on enter and stopped (SIGTERM) on exit."""

    def __init__(self, binary, *args, env=None):
        self.binary = binary
        self.args = list(args)
        self.env = dict(os.environ, **(env or {}))
        self.proc = None
        self.port = None
        self.stderr_lines = []
        self.returncode = None

    def __enter__(self):
        self.proc = subprocess.Popen([self.binary, "serve", "--port", "0", *self.args], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=self.env, text=True)
        ready = threading.Event()

        def read_stderr():
            for line in self.proc.stderr:
                self.stderr_lines.append(line.rstrip("\n"))
                m = re.search(r"http://[^ ]+:(\d+)", line)
                if m and self.port is None:
                    self.port = int(m.group(1))
                    ready.set()
            ready.set()

        self.reader = threading.Thread(target=read_stderr, daemon=True)
        self.reader.start()
        if not ready.wait(120) or self.port is None:
            self.proc.kill()
            raise RuntimeError("the server did not start: " + "\n".join(self.stderr_lines))
        return self

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
        self.returncode = self.proc.wait(timeout)
        self.reader.join(10)
        return self.returncode

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.stop()

    def rss_kb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def connect(self, timeout=120):
        return NoDelayConnection("127.0.0.1", self.port, timeout=timeout)


class NoDelayConnection(http.client.HTTPConnection):
    """http.client sends the headers and the body in separate writes; without TCP_NODELAY the
    body's last segment waits for the server's delayed ACK (40 ms), as curl's never does."""

    def connect(self):
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def multipart(files, fields=()):
    """(body, content type) of a multipart/form-data request: files = [(field, filename, bytes)]."""
    boundary = uuid.uuid4().hex
    out = bytearray()
    for name, value in fields:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for field, filename, data in files:
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
                f"Content-Type: application/octet-stream\r\n\r\n").encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def request(conn, method, path, body=None, headers=None):
    """(status, headers, body bytes); a connection the server closed is opened again once."""
    for attempt in range(2):
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        except (ConnectionError, http.client.RemoteDisconnected, http.client.CannotSendRequest, BrokenPipeError):
            conn.close()
            if attempt == 1:
                raise


def recommend(conn, files, query="", headers=None):
    body, ctype = multipart([("image", name, data) for name, data in files])
    return request(conn, "POST", "/v1/recommend" + ("?" + query if query else ""), body, dict(headers or {}, **{"Content-Type": ctype}))


def cli_json(binary, paths, *args):
    """What `img2music PATHS --format json ARGS` prints, with each input named by its file name."""
    out = subprocess.run([binary, *paths, "--format", "json", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         check=False, text=True)
    records = json.loads(out.stdout)
    for r in records:
        r["input"] = os.path.basename(r["input"])
    return records


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def load(server, images, expected, total, concurrency, bad_fraction=0.1, query="top=3"):
    """`total` requests from `concurrency` keep-alive clients; every 1/bad_fraction-th request is
    malformed (an undecodable body, a text file, or a body over the upload limit). Returns a dict:
    statuses (count by status), wrong (good answers that differ from `expected`), rss (samples, kB),
    latencies (s, of good requests), seconds."""
    lock = threading.Lock()
    counter = iter(range(total))
    statuses, wrong, latencies, rss = {}, [], [], []
    bad_every = int(round(1 / bad_fraction)) if bad_fraction > 0 else 0
    oversize = b"\xff\xd8\xff" + b"\0" * (server_upload_limit(server) + 256 * 1024)

    def client():
        conn = server.connect()
        while True:
            with lock:
                i = next(counter, None)
                if i is not None and i % max(1, total // 20) == 0:
                    rss.append(server.rss_kb())
            if i is None:
                break
            if bad_every and i % bad_every == bad_every - 1:
                kind = (i // bad_every) % 3
                if kind == 0:
                    status, _, body = recommend(conn, [("broken.jpg", b"\xff\xd8\xff\xe0" + os.urandom(200))], query)
                elif kind == 1:
                    status, _, body = request(conn, "POST", "/v1/recommend?" + query, b"hello", {"Content-Type": "text/plain"})
                else:
                    try:
                        status, _, body = request(conn, "POST", "/v1/recommend?" + query, oversize, {"Content-Type": "image/jpeg"})
                    except (ConnectionError, http.client.HTTPException):
                        status = 413  # the server may close before the client has sent the whole body
                    conn.close()
                    conn = server.connect()
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
                continue
            name, data = images[i % len(images)]
            start = time.monotonic()
            status, _, body = recommend(conn, [(name, data)], query)
            elapsed = time.monotonic() - start
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 200:
                    latencies.append(elapsed)
                    if json.loads(body) != [expected[name]]:
                        wrong.append(name)

    start = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - start
    rss.append(server.rss_kb())
    return {"statuses": statuses, "wrong": wrong, "rss": rss, "latencies": latencies, "seconds": seconds}


def server_upload_limit(server):
    mb = 32
    if "--max-upload-mb" in server.args:
        mb = int(server.args[server.args.index("--max-upload-mb") + 1])
    return mb * 1024 * 1024
