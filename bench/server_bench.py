"""Benchmark of `img2music serve` (bench/run.sh, section "server"); prints markdown.

  (1) warm latency: one 500x400 OASIS JPEG at a time (concurrency 1, the raw body), after warm-up,
      and where it goes (the Server-Timing header's parts, medians), beside the forward pass
      alone (forward_bench --batch 1) under the same OpenMP settings and under passive waiting;
  (1b) the OpenMP wait policy: the server under libgomp's bounded spin (GOMP_SPINCOUNT=300000,
      what the launcher sets for `serve`), a shorter spin (30000) and passive waiting: latency,
      throughput at 16 clients, CPU while idle and CPU per request, in alternation;
  (2) throughput: N OASIS images, one per request, from 16 keep-alive clients, against the CLI
      on the same images (`img2music - --top 10 -f jsonl`, as a whole process and without its
      start-up, from the difference of two run lengths);
  (3) load: REQUESTS requests at concurrency 16, 10 % malformed or oversized: statuses, wrong
      answers, resident memory over the run.

usage: server_bench.py BINARY OASIS_DIR N_IMAGES LATENCY_REQUESTS LOAD_REQUESTS [FORWARD_BENCH]
(with FORWARD_BENCH, the raw forward pass of one image is measured beside the latency)"""

import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import server_lib as sl  # noqa: E402

binary, oasis, n_images, n_latency, n_load = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
forward_bench = sys.argv[6] if len(sys.argv) > 6 else None
paths = sorted(glob.glob(os.path.join(oasis, "*.jpg")))[:n_images]
images = [(os.path.basename(p), open(p, "rb").read()) for p in paths]


def cli_seconds(files):
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as listing:
        listing.write("\n".join(files) + "\n")
        listing.flush()
        start = time.monotonic()
        subprocess.run([binary, "-", "--top", "10", "-f", "jsonl", "-o", os.devnull], stdin=open(listing.name),
                       stderr=subprocess.DEVNULL, check=True)
        return time.monotonic() - start


def run_clients(server, n_requests, clients=16):
    """n_requests one-image requests (images in turn) from `clients` keep-alive clients at once:
    (seconds, statuses other than 200)."""
    counter = iter(range(n_requests))
    lock = threading.Lock()
    failed = []

    def client():
        c = server.connect()
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            status, _, _ = sl.recommend(c, [images[i % len(images)]], "top=10")
            if status != 200:
                failed.append(status)

    start = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - start, failed


with sl.Server(binary) as server:
    conn = server.connect()
    name, one = images[0]
    for _ in range(20):
        sl.request(conn, "POST", "/v1/recommend", one, {"Content-Type": "image/jpeg"})
    latencies = []
    parts = {}
    for i in range(n_latency):
        start = time.monotonic()
        status, headers, _ = sl.request(conn, "POST", "/v1/recommend", one, {"Content-Type": "image/jpeg"})
        latencies.append(time.monotonic() - start)
        assert status == 200
        for part, ms in re.findall(r"(\w+);dur=([0-9.]+)", headers.get("Server-Timing", "")):
            parts.setdefault(part, []).append(float(ms))
    p50, p99 = sl.percentile(latencies, 50) * 1000, sl.percentile(latencies, 99) * 1000
    load_during_latency = os.getloadavg()[0]

    # Throughput: every image once, 16 clients.
    server_seconds, failed = run_clients(server, len(images))
    _, _, metrics = sl.request(server.connect(), "GET", "/metrics")
    batches = [line for line in metrics.decode().splitlines() if line.startswith("img2music_batch_size_")]



def forward_ms(env):
    """forward_bench --batch 1's median pass, under `env` (the launcher's settings do not apply to it)."""
    model = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "img2music.pt")
    out = subprocess.run([forward_bench, model, "--batch", "1", "--batches", "100", "--warmup", "10"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, check=True, env=dict(os.environ, **env))
    return 1000 * float(out.stdout.split("median_batch_s=")[1].split()[0])


raw_ms = raw_spin_ms = None
if forward_bench:
    raw_ms = forward_ms({"GOMP_SPINCOUNT": "300000"})  # as the launcher runs the server: libgomp's bounded spin
    raw_spin_ms = forward_ms({"OMP_WAIT_POLICY": "PASSIVE"})  # as the launcher runs the CLI


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def policy_run(env, n_requests, n_images):
    """One server under `env`: p50 at concurrency 1, images/s at 16 clients, CPU idle and per request."""
    with sl.Server(binary, env=env) as server:
        conn = server.connect()
        for _ in range(10):
            sl.request(conn, "POST", "/v1/recommend", one, {"Content-Type": "image/jpeg"})
        lat = []
        for _ in range(n_requests):
            start = time.monotonic()
            sl.request(conn, "POST", "/v1/recommend", one, {"Content-Type": "image/jpeg"})
            lat.append(time.monotonic() - start)
        time.sleep(0.5)
        before = cpu_seconds(server.proc.pid)
        time.sleep(5)
        idle = (cpu_seconds(server.proc.pid) - before) / 5
        before = cpu_seconds(server.proc.pid)
        for _ in range(20):  # one request every 250 ms: the threads fall asleep between them
            sl.request(conn, "POST", "/v1/recommend", one, {"Content-Type": "image/jpeg"})
            time.sleep(0.25)
        per_request = (cpu_seconds(server.proc.pid) - before) / 20
        seconds, _ = run_clients(server, n_images)
        return sl.percentile(lat, 50) * 1000, n_images / seconds, idle, per_request * 1000


policies = [("libgomp's bounded spin (`GOMP_SPINCOUNT=300000`, what the launcher sets for `serve`: the default)", {}),
            ("a shorter spin, `GOMP_SPINCOUNT=30000`", {"GOMP_SPINCOUNT": "30000"}),
            ("passive (`OMP_WAIT_POLICY=PASSIVE`, the CLI's)", {"OMP_WAIT_POLICY": "PASSIVE"})]
policy_results = {name: [] for name, _ in policies}
for _ in range(2):  # alternated, so that a change of load hits every policy alike
    for name, env in policies:
        policy_results[name].append(policy_run(env, max(20, n_latency // 4), min(96, 6 * len(images))))

cli_whole = cli_seconds(paths)
cli_one = cli_seconds(paths[:1])
server_ips = len(images) / server_seconds
cli_ips = len(images) / cli_whole
cli_warm_ips = (len(images) - 1) / max(1e-9, cli_whole - cli_one)
batch_sum = float(next(line for line in batches if line.startswith("img2music_batch_size_sum")).split()[1])
batch_count = float(next(line for line in batches if line.startswith("img2music_batch_size_count")).split()[1])

# The load test, on a server with a 1 MB upload limit (so that oversized bodies are cheap to send).
expected = {}
with sl.Server(binary) as server:
    for name, data in images[:16]:
        _, _, body = sl.recommend(server.connect(), [(name, data)], "top=3")
        expected[name] = json.loads(body)[0]
with sl.Server(binary, "--max-upload-mb", "1") as server:
    load = sl.load(server, images[:16], expected, n_load, 16)
    alive = server.proc.poll() is None

print("## (f) `img2music serve`: latency, throughput with batching, load")
print()
print(f"OASIS 500×400 JPEGs, shipped model, `--top 10`, the server's defaults (batch {batch_sum / batch_count:.1f} images on average "
      f"in the throughput run; `--batch-wait-ms 2`).")
print()
print("| measure | value | goal |")
print("|---|---:|---|")
print(f"| warm latency, one image, concurrency 1: p50 ({n_latency} requests) | {p50:.1f} ms | ≤ 25 ms {'ok' if p50 <= 25 else '**miss**'} |")
print(f"| warm latency, one image, concurrency 1: p99 | {p99:.1f} ms | ≤ 60 ms {'ok' if p99 <= 60 else '**miss**'} |")
if raw_ms is not None:
    print(f"| the forward pass alone (forward_bench --batch 1, median; bounded spin, as the server) | {raw_ms:.1f} ms | |")
    print(f"| the same with passive waiting (the CLI's) | {raw_spin_ms:.1f} ms | |")
    print(f"| **the server's overhead: p50 − the forward pass alone** | **{p50 - raw_ms:.1f} ms** | a few ms |")
print(f"| server throughput, {len(images)} images, 16 clients, one image per request | {server_ips:.1f} images/s | |")
print(f"| CLI on the same images, whole process (start-up included) | {cli_ips:.1f} images/s | |")
print(f"| CLI without its start-up ((N−1) / (t(N) − t(1))) | {cli_warm_ips:.1f} images/s | |")
ratio_whole, ratio_warm = server_ips / cli_ips, server_ips / cli_warm_ips
print(f"| server / CLI (whole process; without start-up) | {100 * ratio_whole:.0f} %; {100 * ratio_warm:.0f} % | ≥ 90 % "
      f"{'ok' if ratio_warm >= 0.9 else ('ok for the whole process' if ratio_whole >= 0.9 else '**miss**')} |")
statuses = ", ".join(f"{k}: {v}" for k, v in sorted(load["statuses"].items()))
bad_5xx = sum(v for k, v in load["statuses"].items() if k >= 500 and k != 503)
rss = load["rss"]
print(f"| load: {n_load} requests, concurrency 16, 10 % malformed/oversized | {load['seconds']:.0f} s; {statuses} | no 5xx but 503 "
      f"{'ok' if bad_5xx == 0 and alive else '**miss**'} |")
print(f"| load: good answers that differ from the server's own first answer | {len(load['wrong'])} | 0 {'ok' if not load['wrong'] else '**miss**'} |")
print(f"| load: resident memory after 5 % of the requests → max → at the end | {rss[1] / 1024:.0f} → {max(rss) / 1024:.0f} → "
      f"{rss[-1] / 1024:.0f} MB | flat |")
print(f"| load: latency of good requests p50 / p99 | {sl.percentile(load['latencies'], 50) * 1000:.0f} / "
      f"{sl.percentile(load['latencies'], 99) * 1000:.0f} ms | |")
print()
print(f"Where a request's time goes at concurrency 1 (medians of the Server-Timing header's parts; load average "
      f"{load_during_latency:.1f} on {os.cpu_count()} cores):")
print()
print("| part | ms |")
print("|---|---:|")
labels = {"read": "reading the body", "decode": "decoding and preprocessing", "queue": "queued until the forward pass starts",
          "model": "the forward pass (in the server)", "songs": "songs and JSON", "total": "total inside the server"}
for part, label in labels.items():
    if part in parts:
        print(f"| {label} | {sl.percentile(parts[part], 50):.2f} |")
if "total" in parts:
    print(f"| outside: HTTP, TCP on loopback, the Python client (p50 − total) | {p50 - sl.percentile(parts['total'], 50):.2f} |")
print()
print("OpenMP wait policy of the server (two alternated runs each; medians):")
print()
print("| policy | p50, concurrency 1 | 16 clients | CPU while idle | CPU per request, 1 every 250 ms |")
print("|---|---:|---:|---:|---:|")
for name, runs in policy_results.items():
    med = [sorted(r[k] for r in runs)[len(runs) // 2] if len(runs) % 2 else sum(r[k] for r in runs) / len(runs) for k in range(4)]
    print(f"| {name} | {med[0]:.1f} ms | {med[1]:.1f} images/s | {100 * med[2]:.1f} % of a core | {med[3]:.0f} ms |")
print()
if failed:
    print(f"Throughput run: {len(failed)} requests failed ({sorted(set(failed))}).")
    print()
