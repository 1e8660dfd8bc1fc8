"""Benchmark of `img2music serve` (bench/run.sh, section "server"); prints markdown.

  (1) warm latency: one 500x400 OASIS JPEG at a time (concurrency 1, the raw body), after warm-up;
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


with sl.Server(binary) as server:
    conn = server.connect()
    name, one = images[0]
    for _ in range(20):
        sl.request(conn, "POST", "/v1/recommend", one, {"Content-Type": "image/jpeg"})
    latencies = []
    for i in range(n_latency):
        start = time.monotonic()
        status, _, _ = sl.request(conn, "POST", "/v1/recommend", one, {"Content-Type": "image/jpeg"})
        latencies.append(time.monotonic() - start)
        assert status == 200
    p50, p99 = sl.percentile(latencies, 50) * 1000, sl.percentile(latencies, 99) * 1000

    # Throughput: every image once, 16 clients.
    counter = iter(range(len(images)))
    lock = threading.Lock()
    failed = []

    def client():
        c = server.connect()
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            status, _, _ = sl.recommend(c, [images[i]], "top=10")
            if status != 200:
                failed.append(status)

    start = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    server_seconds = time.monotonic() - start
    _, _, metrics = sl.request(server.connect(), "GET", "/metrics")
    batches = [line for line in metrics.decode().splitlines() if line.startswith("img2music_batch_size_")]

raw_ms = None
if forward_bench:
    model = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "img2music.pt")
    out = subprocess.run([forward_bench, model, "--batch", "1", "--batches", "100", "--warmup", "10"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, check=True, env=dict(os.environ, OMP_WAIT_POLICY="PASSIVE"))
    raw_ms = 1000 * float(out.stdout.split("median_batch_s=")[1].split()[0])

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
    print(f"| for scale: the raw forward pass of one image (forward_bench --batch 1, median) | {raw_ms:.1f} ms | |")
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
if failed:
    print(f"Throughput run: {len(failed)} requests failed ({sorted(set(failed))}).")
    print()
