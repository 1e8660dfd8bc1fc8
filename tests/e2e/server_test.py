"""End-to-end tests of `img2music serve` on a loopback port: every route and error status, the
answers against the CLI's (alone and from concurrent clients), the curl examples of
docs/server.md, shutdown with a request in flight, and a bounded load test.

usage: server_test.py IMG2MUSIC_BINARY SOURCE_DIR   (stdlib only)"""

import glob
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import server_lib as sl  # noqa: E402

BINARY = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/img2music"
SOURCE = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else "."
sys.argv[1:] = sys.argv[3:]  # the rest goes to unittest (-k NAME)
MODEL = os.path.join(SOURCE, "models", "img2music.pt")
SONGS = os.path.join(SOURCE, "data", "songs.csv")
IMAGES = sorted(glob.glob(os.path.join(SOURCE, "tests", "data", "images", "*")))
VIDEO = os.path.join(SOURCE, "tests", "data", "videos", "moods.mp4")
KEY = "test-key-0123456789"
LOAD_REQUESTS = int(os.environ.get("IMG2MUSIC_SERVER_LOAD_REQUESTS", "500"))


def read(path):
    with open(path, "rb") as f:
        return f.read()


class ServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="img2music-server-test-")
        cls.uploads = os.path.join(cls.tmp, "uploads")  # the server's TMPDIR: uploads must not stay
        os.mkdir(cls.uploads)
        common = ["--model", MODEL, "--songs", SONGS]
        cls.server = sl.Server(BINARY, *common, env={"TMPDIR": cls.uploads}).__enter__()
        # Small limits, an API key, and a batch that waits long, to see 401, 413 and 503.
        cls.strict = sl.Server(BINARY, *common, "--max-upload-mb", "1", "--max-queue", "2", "--batch-size", "8",
                               "--batch-wait-ms", "3000", "--request-timeout", "2", env={"IMG2MUSIC_API_KEY": KEY}).__enter__()
        cls.expected = {r["input"]: r for r in sl.cli_json(BINARY, IMAGES, "--model", MODEL, "--songs", SONGS, "--top", "3")}

    @classmethod
    def tearDownClass(cls):
        for s in (cls.server, cls.strict):
            s.__exit__(None, None, None)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.conn = self.server.connect()

    def tearDown(self):
        self.conn.close()

    def error_of(self, status, body, expected):
        self.assertEqual(status, expected, body)
        e = json.loads(body)["error"]
        self.assertEqual(e["code"], expected)
        self.assertTrue(e["message"])
        return e["message"]

    # --- answers -------------------------------------------------------------------------

    def test_recommend_matches_the_cli(self):
        files = [(os.path.basename(p), read(p)) for p in IMAGES]
        status, headers, body = sl.recommend(self.conn, files, "top=3")
        self.assertEqual(status, 200, body)
        self.assertTrue(headers["Content-Type"].startswith("application/json"))
        self.assertEqual(json.loads(body), [self.expected[name] for name, _ in files])

    def test_recommend_options_match_the_cli(self):
        paths = IMAGES[:3]
        args = ["--top", "4", "--genre", "rock,pop", "--year", "1990-2005", "--one-per-artist", "--diversity", "0.4", "--explain",
                "--align", "minmax", "--min-popularity", "20", "--exclude-artist", "Queen"]
        expected = sl.cli_json(BINARY, paths, "--model", MODEL, "--songs", SONGS, *args)
        query = "top=4&genre=rock&genre=pop&year=1990-2005&one_per_artist=true&diversity=0.4&explain=1&align=minmax" \
                "&min_popularity=20&exclude_artist=Queen"
        status, _, body = sl.recommend(self.conn, [(os.path.basename(p), read(p)) for p in paths], query)
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), expected)
        # The same parameters as form fields.
        fields = [("top", "4"), ("genre", "rock,pop"), ("year", "1990-2005"), ("one_per_artist", "1"), ("diversity", "0.4"),
                  ("explain", "true"), ("align", "minmax"), ("min_popularity", "20"), ("exclude_artist", "Queen")]
        body, ctype = sl.multipart([("image", os.path.basename(p), read(p)) for p in paths], fields)
        status, _, body = sl.request(self.conn, "POST", "/v1/recommend", body, {"Content-Type": ctype})
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), expected)

    def test_raw_body_image(self):
        path = IMAGES[0]
        status, _, body = sl.request(self.conn, "POST", "/v1/recommend?top=3", read(path), {"Content-Type": "image/png"})
        self.assertEqual(status, 200, body)
        expected = dict(self.expected[os.path.basename(path)], input="image")
        self.assertEqual(json.loads(body), [expected])

    def test_a_bad_image_among_good_ones_is_an_error_record(self):
        good = IMAGES[1]
        files = [("broken.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40), (os.path.basename(good), read(good)), ("notes.txt", b"hello")]
        status, _, body = sl.recommend(self.conn, files, "top=3")
        self.assertEqual(status, 200, body)
        records = json.loads(body)
        self.assertEqual([r["input"] for r in records], ["broken.png", os.path.basename(good), "notes.txt"])
        self.assertIn("error", records[0])
        self.assertEqual(records[1], self.expected[os.path.basename(good)])
        self.assertIn("not an image", records[2]["error"])

    def test_concurrent_clients_get_the_clis_answers(self):
        wrong, statuses = [], []

        def client(k):
            conn = self.server.connect()
            for i in range(6):
                path = IMAGES[(k + i) % len(IMAGES)]
                status, _, body = sl.recommend(conn, [(os.path.basename(path), read(path))], "top=3")
                statuses.append(status)
                if status != 200 or json.loads(body) != [self.expected[os.path.basename(path)]]:
                    wrong.append((path, status, body[:200]))
            conn.close()

        threads = [threading.Thread(target=client, args=(k,)) for k in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(wrong, [])
        self.assertEqual(len(statuses), 96)
        # Requests were batched together: some forward pass ran more than one image.
        _, _, metrics = sl.request(self.conn, "GET", "/metrics")
        m = re.search(rb'img2music_batch_size_bucket\{le="1"\} (\d+)', metrics)
        count = re.search(rb"img2music_batch_size_count (\d+)", metrics)
        self.assertLess(int(m.group(1)), int(count.group(1)))

    def test_soundtrack_matches_the_cli_and_leaves_no_file(self):
        expected = sl.cli_json(BINARY, [VIDEO], "--model", MODEL, "--songs", SONGS, "--top", "2", "--min-segment", "10")
        body, ctype = sl.multipart([("video", "moods.mp4", read(VIDEO))], [("top", "2")])
        status, _, body = sl.request(self.conn, "POST", "/v1/soundtrack?min_segment=10", body, {"Content-Type": ctype})
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), expected)
        status, _, body = sl.request(self.conn, "POST", "/v1/soundtrack?top=2&min_segment=10", read(VIDEO), {"Content-Type": "video/mp4"})
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), [dict(r, input="video") for r in expected])
        # Not a video, a broken one, a bad parameter: refused, and no upload stays behind.
        status, _, body = sl.request(self.conn, "POST", "/v1/soundtrack", read(IMAGES[0]), {"Content-Type": "video/mp4"})
        self.error_of(status, body, 415)
        cut = read(VIDEO)[:3000]
        status, _, body = sl.request(self.conn, "POST", "/v1/soundtrack", cut, {"Content-Type": "video/mp4"})
        self.error_of(status, body, 422)
        status, _, body = sl.request(self.conn, "POST", "/v1/soundtrack?every=0", read(VIDEO), {"Content-Type": "video/mp4"})
        self.error_of(status, body, 400)
        status, _, body = sl.request(self.conn, "POST", "/v1/soundtrack", b"text", {"Content-Type": "text/plain"})
        self.error_of(status, body, 415)
        self.assertEqual(os.listdir(self.uploads), [])

    def test_animated_gif_is_a_soundtrack_like_the_cli(self):
        # The CLI reads an animated GIF like a short video (its segment records); /v1/recommend
        # answers one record per image, so it sends the client to /v1/soundtrack, which gives
        # exactly the CLI's records. A still GIF stays an image.
        gif = os.path.join(self.tmp, "moods.gif")
        still = os.path.join(self.tmp, "still.gif")
        subprocess.run(["convert", "-delay", "50", "-size", "64x48", "xc:#d02020", "xc:#2040c0", "gradient:yellow-black",
                        "-loop", "0", gif], check=True)
        subprocess.run(["convert", "-size", "64x48", "gradient:red-blue", still], check=True)
        expected = sl.cli_json(BINARY, [gif], "--model", MODEL, "--songs", SONGS, "--top", "3")
        self.assertEqual([r.get("segment") for r in expected], [0])  # one record for the animation
        status, _, body = sl.recommend(self.conn, [("moods.gif", read(gif))], "top=3")
        self.assertIn("/v1/soundtrack", self.error_of(status, body, 415))
        status, _, body = sl.request(self.conn, "POST", "/v1/recommend", read(gif), {"Content-Type": "image/gif"})
        self.assertIn("animated GIF", self.error_of(status, body, 415))
        good = IMAGES[1]
        status, _, body = sl.recommend(self.conn, [("moods.gif", read(gif)), (os.path.basename(good), read(good))], "top=3")
        self.assertEqual(status, 200, body)
        records = json.loads(body)
        self.assertIn("/v1/soundtrack", records[0]["error"])
        self.assertEqual(records[1], self.expected[os.path.basename(good)])
        still_expected = sl.cli_json(BINARY, [still], "--model", MODEL, "--songs", SONGS, "--top", "3")
        status, _, body = sl.recommend(self.conn, [("still.gif", read(still))], "top=3")
        self.assertEqual((status, json.loads(body)), (200, still_expected))

        body, ctype = sl.multipart([("video", "moods.gif", read(gif))], [("top", "3")])
        status, _, body = sl.request(self.conn, "POST", "/v1/soundtrack", body, {"Content-Type": ctype})
        self.assertEqual((status, json.loads(body)), (200, expected))
        status, _, body = sl.request(self.conn, "POST", "/v1/soundtrack?top=3", read(gif), {"Content-Type": "image/gif"})
        self.assertEqual((status, json.loads(body)), (200, [dict(r, input="video") for r in expected]))
        status, _, body = sl.request(self.conn, "POST", "/v1/soundtrack", read(still), {"Content-Type": "image/gif"})
        self.assertIn("/v1/recommend", self.error_of(status, body, 415))
        self.assertEqual(os.listdir(self.uploads), [])

    def test_a_lone_request_does_not_wait_for_a_batch(self):
        # On the strict server a batch waits up to 3 s for images being decoded; with none
        # coming a lone image goes at once (the Server-Timing header says how long it queued).
        auth = {"Authorization": "Bearer " + KEY}
        conn = self.strict.connect()
        status, headers, body = sl.recommend(conn, [(os.path.basename(IMAGES[0]), read(IMAGES[0]))], "top=3", auth)
        conn.close()
        self.assertEqual(status, 200, body)
        timing = dict(re.findall(r"(\w+);dur=([0-9.]+)", headers["Server-Timing"]))
        self.assertEqual(set(timing), {"read", "decode", "queue", "model", "songs", "total"})
        self.assertLess(float(timing["queue"]), 1500)

    # --- the other routes ------------------------------------------------------------------

    def test_health_info_catalogue_metrics(self):
        status, _, body = sl.request(self.conn, "GET", "/v1/health")
        self.assertEqual((status, json.loads(body)), (200, {"status": "ok"}))
        status, _, body = sl.request(self.conn, "GET", "/v1/info")
        info = json.loads(body)
        self.assertEqual(info["model"]["sha256"], hashlib.sha256(read(MODEL)).hexdigest())
        self.assertEqual(info["songs"]["sha256"], hashlib.sha256(read(SONGS)).hexdigest())
        self.assertEqual(info["songs"]["count"], sum(1 for _ in open(SONGS, encoding="utf-8")) - 1)
        self.assertIn("LibTorch", info["backends"]["inference"])
        self.assertNotIn("/", info["model"]["file"])  # no server paths
        status, _, body = sl.request(self.conn, "GET", "/v1/catalogue")
        cat = json.loads(body)
        self.assertEqual(sum(map(sum, cat["density"])), info["songs"]["count"])
        self.assertIn("rock", cat["genres"])
        sl.recommend(self.conn, [("x.png", read(IMAGES[0]))])
        status, headers, body = sl.request(self.conn, "GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain"))
        text = body.decode()
        for name in ('img2music_http_requests_total{route="/v1/recommend",status="200"}', "img2music_http_request_duration_seconds_bucket",
                     "img2music_batch_size_count", "img2music_queue_depth 0"):
            self.assertIn(name, text)

    def test_static_files_only_from_the_compiled_in_set(self):
        for path, ctype in (("/", "text/html"), ("/index.html", "text/html"), ("/app.js", "text/javascript"), ("/style.css", "text/css")):
            status, headers, body = sl.request(self.conn, "GET", path)
            self.assertEqual(status, 200, path)
            self.assertTrue(headers["Content-Type"].startswith(ctype))
            self.assertEqual(body, read(os.path.join(SOURCE, "web", "index.html" if path == "/" else path[1:])))
            self.assertIn("default-src 'self'", headers["Content-Security-Policy"])
            self.assertNotIn("Access-Control-Allow-Origin", headers)  # no CORS without --cors-origin
        for path in ("/../README.md", "/web/app.js", "/%2e%2e/CMakeLists.txt", "/etc/passwd", "/index.html/..", "/v1/recommend/../../x"):
            status, _, body = sl.request(self.conn, "GET", path)
            self.error_of(status, body, 404)
        status, _, body = sl.request(self.conn, "OPTIONS", "/v1/recommend", headers={"Origin": "http://evil.example"})
        self.assertNotEqual(status, 204)

    # --- errors ----------------------------------------------------------------------------

    def test_bad_parameters_are_400(self):
        png = [("a.png", read(IMAGES[0]))]
        for query in ("top=0", "top=x", "top=1e3", "top=99999999", "diversity=2", "diversity=nan", "year=1999-1990", "year=abc",
                      "align=best", "min_popularity=101", "one_per_artist=maybe", "path=/etc/passwd", "every=1", "genre=nosuchgenre"):
            status, _, body = sl.recommend(self.conn, png, query)
            self.error_of(status, body, 400)
        status, _, body = sl.request(self.conn, "POST", "/v1/recommend", b"", {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertIn("no image", self.error_of(status, body, 400))
        body, ctype = sl.multipart([("file", "a.png", read(IMAGES[0]))])
        status, _, body = sl.request(self.conn, "POST", "/v1/recommend", body, {"Content-Type": ctype})
        self.error_of(status, body, 400)

    def test_not_an_image_is_415_undecodable_is_422(self):
        status, _, body = sl.request(self.conn, "POST", "/v1/recommend", b"hello", {"Content-Type": "text/plain"})
        self.error_of(status, body, 415)
        status, _, body = sl.recommend(self.conn, [("notes.txt", b"just text")])
        self.error_of(status, body, 415)
        status, _, body = sl.recommend(self.conn, [("clip.mp4", read(VIDEO))])
        self.assertIn("/v1/soundtrack", self.error_of(status, body, 415))
        status, _, body = sl.recommend(self.conn, [("cut.jpg", read(IMAGES[-1])[:200])])
        self.error_of(status, body, 422)
        status, _, body = sl.request(self.conn, "POST", "/v1/recommend", b"\xff\xd8\xff\xe0garbage", {"Content-Type": "image/jpeg"})
        self.error_of(status, body, 422)

    def test_api_key(self):
        conn = self.strict.connect()
        status, _, body = sl.request(conn, "GET", "/v1/health")
        self.assertEqual(status, 200)
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Bearer " + KEY + "x"}, {"Authorization": KEY}):
            for method, path in (("GET", "/v1/info"), ("GET", "/metrics"), ("POST", "/v1/recommend")):
                conn = self.strict.connect()
                status, h, body = sl.request(conn, method, path, b"" if method == "POST" else None, headers)
                self.error_of(status, body, 401)
                self.assertEqual(h.get("WWW-Authenticate"), "Bearer")
        conn = self.strict.connect()
        status, _, body = sl.request(conn, "GET", "/v1/info", headers={"Authorization": "Bearer " + KEY})
        self.assertEqual(status, 200, body)
        status, _, _ = sl.request(conn, "GET", "/")  # the page itself asks for the key
        self.assertEqual(status, 200)
        self.assertNotIn(KEY, "\n".join(self.strict.stderr_lines))

    def test_too_large_is_413(self):
        auth = {"Authorization": "Bearer " + KEY}
        big = b"\xff\xd8\xff" + b"\0" * (1100 * 1024)
        for path, ctype in (("/v1/recommend", "image/jpeg"), ("/v1/soundtrack", "video/mp4")):
            conn = self.strict.connect()
            try:
                status, _, body = sl.request(conn, "POST", path, big, dict(auth, **{"Content-Type": ctype}))
            except ConnectionError:
                self.fail("the server closed the connection instead of answering 413")
            self.error_of(status, body, 413)
        # Pixels: a small file that declares a huge image is refused before decoding.
        status, _, body = sl.request(self.strict.connect(), "POST", "/v1/recommend", huge_png_header(),
                                     dict(auth, **{"Content-Type": "image/png"}))
        self.assertIn(status, (413, 422), body)

    def test_a_slow_upload_is_408(self):
        # A client that sends its body a byte at a time gets 408 once --request-timeout (2 s) has passed.
        import socket
        sock = socket.create_connection(("127.0.0.1", self.strict.port), timeout=30)
        sock.sendall(f"POST /v1/recommend HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n"
                     "Content-Type: image/png\r\nContent-Length: 100\r\n\r\n".encode())
        start = time.monotonic()
        reply = b""
        import select
        try:
            for _ in range(40):
                sock.sendall(b"x")
                if select.select([sock], [], [], 0.25)[0]:
                    break  # the server has answered
        except OSError:
            pass  # the server answered and closed
        answered = time.monotonic() - start
        sock.settimeout(10)
        try:
            while True:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                reply += chunk
        except OSError:
            pass
        sock.close()
        self.assertTrue(reply.startswith(b"HTTP/1.1 408"), reply[:200])
        self.assertLess(answered, 6)

    def test_headers_are_bounded(self):
        # 100 header lines of 8 KB (each line within cpp-httplib's own limit): the request's head
        # passes 64 KB, and the server answers 400 or closes the connection instead of holding it.
        import socket
        sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=30)
        line = b"X-Filler: " + b"a" * 8000 + b"\r\n"
        closed, reply = False, b""
        try:
            sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")
            for _ in range(100):
                sock.sendall(line)
            sock.sendall(b"\r\n")
            reply = sock.recv(100)
            closed = reply == b"" or reply.startswith(b"HTTP/1.1 400")  # refused, and then closed
        except OSError:
            closed = True
        sock.close()
        self.assertTrue(closed, reply)
        status, _, _ = sl.request(self.conn, "GET", "/v1/health", headers={"X-Small": "a" * 4000})
        self.assertEqual(status, 200)

    def test_full_queue_is_503_with_retry_after(self):
        # Requests of two images at once on a queue of two: the first to be queued fills it (its
        # batch waits up to 3 s for the others, which are announced while they decode), the
        # others find it full.
        auth = {"Authorization": "Bearer " + KEY}
        files = [(os.path.basename(p), read(p)) for p in IMAGES[:2]]
        answers = []
        start = threading.Barrier(6)

        def client():
            conn = self.strict.connect()
            start.wait()
            answers.append(sl.recommend(conn, files, "top=3", auth))
            conn.close()

        threads = [threading.Thread(target=client) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        busy = [a for a in answers if a[0] == 503]
        self.assertTrue(busy, [a[0] for a in answers])
        for status, headers, body in busy:
            self.error_of(status, body, 503)
            self.assertEqual(headers.get("Retry-After"), "1")
        for status, _, body in answers:
            if status != 503:
                self.assertEqual(status, 200)
                self.assertEqual(json.loads(body), [self.expected[n] for n, _ in files])

    def test_refuses_a_public_address_without_a_key(self):
        out = subprocess.run([BINARY, "serve", "--host", "0.0.0.0", "--port", "0", "--model", MODEL, "--songs", SONGS],
                             stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, timeout=60, check=False)
        self.assertEqual(out.returncode, 2)
        self.assertIn("without an API key", out.stderr)

    # --- the docs, shutdown, load -------------------------------------------------------------

    def test_docs_curl_examples_run(self):
        text = open(os.path.join(SOURCE, "docs", "server.md"), encoding="utf-8").read()
        commands = re.findall(r"^\$ (curl .*)$", text, re.M)
        self.assertGreaterEqual(len(commands), 5)
        work = os.path.join(self.tmp, "docs")
        os.makedirs(work, exist_ok=True)
        shutil.copy(IMAGES[-1], os.path.join(work, "photo.jpg"))
        shutil.copy(IMAGES[0], os.path.join(work, "other.png"))
        shutil.copy(VIDEO, os.path.join(work, "clip.mp4"))
        subprocess.run(["convert", "-delay", "50", "-size", "32x24", "xc:red", "xc:blue", "-loop", "0", os.path.join(work, "anim.gif")],
                       check=True)
        for command in commands:
            server = self.strict if "IMG2MUSIC_API_KEY" in command else self.server
            command = command.replace("127.0.0.1:8080", f"127.0.0.1:{server.port}")
            out = subprocess.run(["bash", "-c", "set -o pipefail; " + command], cwd=work, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, timeout=120, env=dict(os.environ, IMG2MUSIC_API_KEY=KEY), check=False)
            self.assertEqual(out.returncode, 0, command + "\n" + out.stderr)
            self.assertTrue(out.stdout.strip(), command)

    def test_stop_answers_the_request_in_flight(self):
        with sl.Server(BINARY, "--model", MODEL, "--songs", SONGS) as s:
            answer = {}

            def slow():
                answer["r"] = sl.request(s.connect(), "POST", "/v1/soundtrack?every=0.25", read(VIDEO), {"Content-Type": "video/mp4"})

            t = threading.Thread(target=slow)
            t.start()
            time.sleep(1.0)
            self.assertEqual(s.stop(signal.SIGTERM), 0)
            t.join()
            self.assertEqual(answer["r"][0], 200)
            self.assertGreater(len(json.loads(answer["r"][2])), 0)

    def test_load_malformed_and_oversized_requests(self):
        images = [(os.path.basename(p), read(p)) for p in IMAGES]
        with sl.Server(BINARY, "--model", MODEL, "--songs", SONGS, "--max-upload-mb", "1") as s:
            result = sl.load(s, images, self.expected, LOAD_REQUESTS, 16)
            self.assertIsNone(s.proc.poll(), "the server died")
        statuses = result["statuses"]
        self.assertEqual(sum(statuses.values()), LOAD_REQUESTS)
        self.assertEqual([c for c in statuses if c >= 500 and c != 503], [], statuses)
        self.assertEqual(result["wrong"], [])
        self.assertGreater(statuses.get(200, 0), LOAD_REQUESTS * 0.5, statuses)
        for c in (413, 415, 422):
            self.assertGreater(statuses.get(c, 0), 0, statuses)
        rss = result["rss"]
        if os.environ.get("IMG2MUSIC_SANITIZED") == "1":
            return  # AddressSanitizer's quarantine grows with the run: memory is only measured without it
        # Flat: the last quarter of the run no higher than 15 % over the second quarter.
        quarter = max(1, len(rss) // 4)
        self.assertLess(max(rss[-quarter:]), 1.15 * max(rss[quarter:2 * quarter]), rss)


def huge_png_header():
    """A PNG whose header declares 60000 x 60000 pixels, with nothing after it."""
    import struct
    import zlib
    ihdr = struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return b"\x89PNG\r\n\x1a\n" + chunk


if __name__ == "__main__":
    warnings.simplefilter("ignore", ResourceWarning)  # connections the server closed first
    unittest.main(verbosity=2)
