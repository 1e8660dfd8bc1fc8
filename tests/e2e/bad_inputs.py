#!/usr/bin/python3
"""The bad-input suite: every case is generated here, run through the real binary, and held to
the same promises (docs/reliability.md):
  - the documented exit code (0 all inputs fine, 1 some input failed, 2 unusable model/table/flags);
  - no crash (no signal, no "terminate called", no sanitizer report);
  - for a failure, exactly one stderr line, naming the input and the reason;
  - for an image, the inputs around it are unaffected: one record per input, in order.
  usage: bad_inputs.py BINARY PROJECT_DIR
"""
import io
import json
import os
import re
import resource
import struct
import subprocess
import sys
import tempfile
import zlib

import cv2
import numpy as np
from PIL import Image

ROOT = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else os.getcwd()
BIN = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "build/img2music")
MODEL = os.path.join(ROOT, "tests/data/models/tiny_va.pt")
SONGS = os.path.join(ROOT, "tests/data/songs_small.csv")
GOOD_A = os.path.join(ROOT, "tests/data/images/red.png")
GOOD_B = os.path.join(ROOT, "tests/data/images/split.png")

results = {"passed": 0, "failed": 0}
# AddressSanitizer reserves terabytes of address space for its shadow, so an address-space
# limit (the decompression-bomb check) only means something for an uninstrumented binary.
SANITIZED = b"libasan" in subprocess.run(["ldd", BIN], capture_output=True).stdout


def check(name, cond, detail=""):
    if cond:
        results["passed"] += 1
    else:
        results["failed"] += 1
        print(f"FAIL: {name}: {detail}")


def run(args, stdin=None, limit_vm=None):
    def limits():
        if limit_vm:
            resource.setrlimit(resource.RLIMIT_AS, (limit_vm, limit_vm))
    p = subprocess.run([BIN] + args, input=stdin, capture_output=True, preexec_fn=limits, timeout=300)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def no_crash(name, code, err):
    crashed = code < 0 or code >= 128 or "terminate called" in err or "Sanitizer" in err or "runtime error" in err
    check(name + " (no crash)", not crashed, f"exit {code}: {err[-400:]}")


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


# ---------------------------------------------------------------- images
def image_cases(d):
    rng = np.random.RandomState(0)
    photo = rng.randint(0, 255, (120, 160, 3), np.uint8)
    ok, jpg = cv2.imencode(".jpg", photo)
    ok, png = cv2.imencode(".png", photo)
    jpg, png = jpg.tobytes(), png.tobytes()
    cases = []  # (name, file name, bytes or callable writer, expected error regex or None for success)

    def add(name, fname, data, error):
        cases.append((name, fname, data, error))

    add("zero-byte file", "empty.jpg", b"", "empty file$")
    add("truncated JPEG", "cut.jpg", jpg[: len(jpg) // 2], r"truncated JPEG \(no end-of-image marker\)$")
    add("truncated PNG", "cut.png", png[: len(png) // 2], "not a supported image, or corrupt$")
    add("text file named .jpg", "text.jpg", b"hello, I am not a picture\n", "not a supported image, or corrupt$")
    add("random bytes", "random.png", rng.bytes(4096), "not a supported image, or corrupt$")
    # OpenCV would hand it to GDCM, whose reader aborts the process on a malformed file (fuzz_image)
    add("malformed DICOM", "scan.dcm", b"B" + b"<" * 127 + b"DICM" + b"\x02" * 16, "a DICOM file: not a supported image$")
    add("JPEG header only", "header.jpg", jpg[:20], r"truncated JPEG")
    add("PNG signature only", "sig.png", png[:8], "not a supported image, or corrupt$")
    add("1x1 image", "one.png", cv2.imencode(".png", np.full((1, 1, 3), 200, np.uint8))[1].tobytes(), None)
    add("16-bit PNG", "deep.png", cv2.imencode(".png", rng.randint(0, 65535, (40, 30, 3)).astype(np.uint16))[1].tobytes(), None)
    add("16-bit grey PNG", "deepgrey.png", cv2.imencode(".png", rng.randint(0, 65535, (40, 30)).astype(np.uint16))[1].tobytes(), None)
    add("greyscale JPEG", "grey.jpg", cv2.imencode(".jpg", rng.randint(0, 255, (40, 30), np.uint8))[1].tobytes(), None)
    add("RGBA PNG", "rgba.png", cv2.imencode(".png", rng.randint(0, 255, (40, 30, 4), np.uint8))[1].tobytes(), None)
    add("extreme aspect 1x3000", "thin.png", cv2.imencode(".png", np.zeros((3000, 1, 3), np.uint8))[1].tobytes(), None)
    add("extreme aspect 4000x2", "wide.png", cv2.imencode(".png", np.zeros((2, 4000, 3), np.uint8))[1].tobytes(), None)
    add("BMP", "pic.bmp", cv2.imencode(".bmp", photo)[1].tobytes(), None)
    add("WebP", "pic.webp", cv2.imencode(".webp", photo)[1].tobytes(), None)
    bomb = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0))
            + png_chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + png_chunk(b"IEND", b""))
    add("PNG bomb 60000x60000", "bomb.png", bomb, r"image too large: 60000x60000 pixels .*refused before decoding$")
    jbomb = bytearray(jpg)
    sof = jbomb.find(b"\xff\xc0")
    jbomb[sof + 5:sof + 9] = struct.pack(">HH", 65000, 65000)
    add("JPEG bomb 65000x65000", "bomb.jpg", bytes(jbomb), r"image too large: 65000x65000 pixels")

    def pil(fmt, mode, **kw):
        def write(path):
            if fmt == "GIF" or kw.get("frames"):
                frames = [Image.new("RGB", (24, 16), c) for c in ("red", "green", "blue")]
                frames[0].save(path, format=fmt, save_all=True, append_images=frames[1:])
            else:
                Image.new(mode, (40, 30), kw.get("color", 0)).save(path, format=fmt)
        return write

    add("CMYK JPEG", "cmyk.jpg", pil("JPEG", "CMYK", color=(10, 200, 30, 0)), None)
    add("palette PNG", "pal.png", pil("PNG", "P", color=3), None)
    add("multi-frame TIFF", "multi.tiff", pil("TIFF", "RGB", frames=True), None)
    add("multi-frame GIF", "anim.gif", pil("GIF", "RGB"), None)  # a short video: one segment record
    gif_cases(rng, add)
    heic_cases(d, photo, add)
    add("name with spaces", "my holiday photo.png", png, None)
    add("name with a newline", "new\nline.png", png, None)
    add("UTF-8 name", "café_日本.jpg", jpg, None)
    return cases


def raw_gif(width, height, frames):
    """A GIF of `frames` 1x1 frames (palette index 0, 0.1 s each) on a width x height screen."""
    head = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\xff\x00\x00\x00\x00\xff"
    frame = b"\x21\xf9\x04\x00\x0a\x00\x00\x00" + b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    return head + frame * frames + b"\x3b"


def gif_cases(rng, add):
    buf = io.BytesIO()
    Image.fromarray(rng.randint(0, 255, (64, 80, 3), np.uint8)).save(buf, format="GIF")
    still = buf.getvalue()
    corrupt = "truncated or corrupt GIF"
    add("still GIF", "still.gif", still, None)
    add("GIF named .jpg", "really_gif.jpg", still, None)
    add("truncated GIF", "cut.gif", still[: len(still) // 2], corrupt)
    add("GIF header only", "head.gif", still[:13], corrupt)
    add("GIF with garbage after the header", "junk.gif", still[:13 + 768] + b"\x7f" + rng.bytes(2000), corrupt)
    add("GIF bomb 65535x65535", "bomb.gif", raw_gif(65535, 65535, 1), r"image too large: 65535x65535 pixels .*refused before decoding$")
    add("animated GIF bomb 65535x65535", "bomb_anim.gif", raw_gif(65535, 65535, 2), r"image too large: 65535x65535 pixels .*refused before decoding$")
    add("GIF with 3000 frames", "frames3000.gif", raw_gif(1, 1, 3000), None)
    add("GIF with 12000 frames", "frames12000.gif", raw_gif(1, 1, 12000), r"too many frames in the GIF \(more than 10000\)$")
    add("animated GIF too much work", "work.gif", raw_gif(16000, 16000, 8), r"GIF animation too large")


def heif_enc(d, photo, args, name):
    """`photo` encoded by heif-enc (libheif-examples, installed by scripts/test.sh)."""
    src = os.path.join(d, name + ".src.png")
    cv2.imwrite(src, photo)
    out = os.path.join(d, name + ".src")
    subprocess.run(["heif-enc"] + args + ["-o", out, src], check=True, capture_output=True)
    with open(out, "rb") as f:
        data = f.read()
    os.remove(out)
    os.remove(src)
    return data


def heic_cases(d, photo, add):
    heic = heif_enc(d, photo, ["-q", "60"], "heic")
    avif = heif_enc(d, photo, ["-q", "60", "-A"], "avif")
    unreadable = r"not a readable HEIF/AVIF file: "
    add("HEIC", "pic.heic", heic, None)
    add("AVIF", "pic.avif", avif, None)
    add("HEIC named .jpg", "really_heic.jpg", heic, None)
    add("truncated HEIC", "cut.heic", heic[: len(heic) // 2], r"(not a readable HEIF/AVIF file|cannot decode HEIF/AVIF image): ")
    add("truncated AVIF", "cut.avif", avif[: len(avif) // 2], r"(not a readable HEIF/AVIF file|cannot decode HEIF/AVIF image): ")
    add("HEIC file type box only", "head.heic", heic[:40], unreadable)
    add("HEIC with its boxes zeroed", "zeroed.heic", heic[:32] + bytes(len(heic) - 32), unreadable)
    bomb = bytearray(heic)
    ispe = bomb.find(b"ispe")
    bomb[ispe + 8:ispe + 16] = struct.pack(">II", 20000, 20000)  # after the box's version and flags
    add("HEIC bomb 20000x20000", "bomb.heic", bytes(bomb), r"image too large: 20000x20000 pixels .*refused before decoding$")


def run_image_cases(tmp):
    cases = image_cases(tmp)
    for name, fname, data, error in cases:
        path = os.path.join(tmp, fname)
        if callable(data):
            data(path)
        else:
            with open(path, "wb") as f:
                f.write(data)
        code, out, err = run(["--model", MODEL, "--songs", SONGS, "--format", "jsonl", "--top", "2", GOOD_A, path, GOOD_B],
                             limit_vm=6 << 30 if "bomb" in name and not SANITIZED else None)
        no_crash(name, code, err)
        records = [json.loads(line) for line in out.splitlines()]
        check(name + " (one record per input, in order)", [r["input"] for r in records] == [GOOD_A, path, GOOD_B],
              [r.get("input") for r in records])
        if len(records) != 3:
            continue
        check(name + " (neighbours unaffected)", "songs" in records[0] and "songs" in records[2])
        if error is None:
            check(name + " (decodes)", code == 0 and "songs" in records[1] and not err, f"exit {code} {records[1]} {err}")
        else:
            lines = err.splitlines()
            check(name + " (exit 1)", code == 1, f"exit {code}")
            check(name + " (record error)", re.search(error, records[1].get("error", "")) is not None, records[1])
            check(name + " (one stderr line naming the input)",
                  len(lines) == 1 and lines[0].startswith("img2music: " + path.split("\n")[0]) and re.search(error, lines[0]),
                  repr(err))
    return len(cases)


def run_path_cases(tmp):
    """Inputs that fail before decoding: missing, directory-as-image, unreadable."""
    os.makedirs(os.path.join(tmp, "folder.jpg"))
    not_dir = os.path.join(tmp, "plain.png")
    with open(not_dir, "wb") as f:
        f.write(b"x")
    cases = [
        ("missing path", os.path.join(tmp, "nope.jpg"), "No such file or directory$"),
        ("directory given as an image", os.path.join(tmp, "folder.jpg"), "no images or videos found"),
        ("path through a file", os.path.join(not_dir, "x.jpg"), "Not a directory$"),
    ]
    if os.geteuid() != 0:  # root reads anything: unreadable files cannot be made for it
        locked = os.path.join(tmp, "locked.jpg")
        with open(locked, "wb") as f:
            f.write(b"x")
        os.chmod(locked, 0)
        cases.append(("unreadable file", locked, "Permission denied$"))
    for name, path, error in cases:
        code, out, err = run(["--model", MODEL, "--songs", SONGS, "--format", "jsonl", GOOD_A, path])
        no_crash(name, code, err)
        records = [json.loads(line) for line in out.splitlines()]
        check(name + " (records)", len(records) == 2 and "songs" in records[0] and re.search(error, records[1].get("error", "")),
              out)
        check(name + " (exit 1, one line)", code == 1 and len(err.splitlines()) == 1 and path in err, f"{code} {err!r}")
    return len(cases)


def run_video_cases(tmp):
    """Bad videos fail in place like bad images; a stream cut short is used up to where it decodes."""
    with open(os.path.join(ROOT, "tests/data/videos/moods.mp4"), "rb") as f:
        mp4 = f.read()
    with open(os.path.join(ROOT, "tests/data/videos/short.avi"), "rb") as f:
        avi = f.read()
    def ffmpeg(name, *args):  # a clip the ffmpeg CLI writes (scripts/test.sh installs it)
        path = os.path.join(tmp, "src-" + name)
        subprocess.run(["ffmpeg", "-v", "error", "-y", *args, path], check=True, stdin=subprocess.DEVNULL)
        with open(path, "rb") as f:
            return f.read()

    phone = ["-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=8", "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25"]
    h264_mp4 = ffmpeg("h264.mp4", *phone, "-movflags", "+faststart")  # the index first, as phones write it
    h264_mkv = ffmpeg("h264.mkv", *phone)
    damaged = bytearray(h264_mkv)
    for i in range(len(damaged) // 3, 2 * len(damaged) // 3, 5):
        damaged[i] ^= 0x5A
    audio_only = ffmpeg("audio.mp4", "-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac")
    cases = [  # name, file, bytes, error regex (None: decodes, with a note that it is cut short; "": decodes, no note)
        ("video: empty file", "empty.mp4", b"", "empty file$"),
        ("video: text file", "text.mkv", b"not a video at all\n" * 20, "cannot open as a video"),
        ("video: random bytes", "random.webm", bytes(np.random.default_rng(1).integers(0, 256, 50000, dtype=np.uint8)),
         "cannot open as a video"),
        ("video: mp4 without its index (cut)", "cut.mp4", mp4[: len(mp4) // 2], "cannot open as a video"),
        ("video: mp4 header only", "head.mp4", mp4[:64], "cannot open as a video"),
        ("video: avi cut short", "cut.avi", avi[: len(avi) // 2], None),
        ("video: H.264 mp4 (index first) cut short", "cut-h264.mp4", h264_mp4[: len(h264_mp4) // 2], None),
        ("video: H.264 mkv cut short", "cut-h264.mkv", h264_mkv[: len(h264_mkv) // 2], None),
        ("video: H.264 mkv damaged in the middle", "damaged.mkv", bytes(damaged), ""),
        ("video: H.264 mp4 header with its data cut off", "header.mp4", h264_mp4[:2000], "no frame could be decoded"),
        ("video: audio only", "audio.mp4", audio_only, "cannot open as a video: no video stream"),
    ]
    for name, fname, data, error in cases:
        path = os.path.join(tmp, fname)
        with open(path, "wb") as f:
            f.write(data)
        code, out, err = run(["--model", MODEL, "--songs", SONGS, "--format", "jsonl", "--top", "2", GOOD_A, path, GOOD_B])
        no_crash(name, code, err)
        records = [json.loads(line) for line in out.splitlines()]
        check(name + " (records in order)", [r["input"] for r in records] == [GOOD_A, path, GOOD_B], out[:300])
        lines = err.splitlines()
        if error == "":
            check(name + " (used)", code == 0 and len(records) == 3 and "songs" in records[1], out[:300])
            check(name + " (nothing on stderr)", err == "", repr(err))
        elif error is None:
            check(name + " (used up to where it decodes)", code == 0 and len(records) == 3 and "songs" in records[1], out[:300])
            check(name + " (one note naming it)", len(lines) == 1 and lines[0].startswith("img2music: " + path) and "cut short" in lines[0],
                  repr(err))
        else:
            check(name + " (exit 1)", code == 1, f"exit {code}")
            check(name + " (record error)", len(records) == 3 and re.search(error, records[1].get("error", "")) is not None, out[:300])
            check(name + " (one stderr line naming it)", len(lines) == 1 and lines[0].startswith("img2music: " + path), repr(err))
    return len(cases)


# ---------------------------------------------------------------- song tables
HEADER = "id,artist,track,valence,arousal\n"


def table_cases(tmp):
    cases = [  # (name, bytes, expected exit, stderr regex)
        ("table: missing column", b"id,artist,track,valence\n1,a,b,0.5\n", 2, r"bad\.csv:1: missing required column 'arousal'$"),
        ("table: non-numeric VA", (HEADER + "1,a,b,high,0.5\n").encode(), 2, r"bad\.csv:2: valence is not a number: 'high'$"),
        ("table: NaN VA", (HEADER + "1,a,b,0.5,NaN\n").encode(), 2, r"bad\.csv:2: arousal is not finite: 'NaN'$"),
        ("table: inf VA", (HEADER + "1,a,b,inf,0.5\n").encode(), 2, r"bad\.csv:2: valence is not finite: 'inf'$"),
        ("table: out-of-range VA", (HEADER + "1,a,b,0.5,1.01\n").encode(), 2, r"bad\.csv:2: arousal 1\.01 is outside \[0, 1\]$"),
        ("table: empty file", b"", 2, r"bad\.csv: empty song table \(no header\)$"),
        ("table: header only", HEADER.encode(), 2, r"bad\.csv: song table has a header but no songs$"),
        ("table: unterminated quote", (HEADER + '1,a,"open,0.5,0.5\n').encode(), 2, r"bad\.csv:2: unterminated quoted field$"),
        ("table: duplicate ids", (HEADER + "x,a,b,0.5,0.5\nx,c,d,0.1,0.1\n").encode(), 2, r"bad\.csv:3: duplicate id 'x' \(first at 2\)$"),
        ("table: binary garbage", np.random.RandomState(3).bytes(3000), 2, r"bad\.csv:"),
        ("table: invalid UTF-8", (HEADER.encode() + b"1,\xff\xfe,b,0.5,0.5\n"), 2, r"bad\.csv:2: artist is not valid UTF-8$"),
        ("table: wrong field count", (HEADER + "1,a,b,0.5\n").encode(), 2, r"bad\.csv:2: expected 5 fields"),
        ("table: BOM", b"\xef\xbb\xbf" + (HEADER + "1,a,b,0.5,0.5\n").encode(), 0, None),
        ("table: CRLF", (HEADER + "1,a,b,0.5,0.5\n").replace("\n", "\r\n").encode(), 0, None),
        ("table: quoted commas and newlines", (HEADER + '1,"a, b","two\nlines",0.5,0.5\n').encode(), 0, None),
        ("table: JSON not an array", b'{"x": 1}', 2, r"bad\.json: expected a JSON array"),
        ("table: JSON truncated", b'[{"artist": "a", "track"', 2, r"bad\.json: invalid JSON"),
    ]
    for name, data, want, error in cases:
        path = os.path.join(tmp, "bad.json" if "JSON" in name else "bad.csv")
        with open(path, "wb") as f:
            f.write(data)
        code, out, err = run(["--model", MODEL, "--songs", path, "--top", "1", GOOD_A])
        no_crash(name, code, err)
        check(name + f" (exit {want})", code == want, f"exit {code}: {err!r}")
        if error:
            check(name + " (one clear line)", len(err.splitlines()) == 1 and re.search(error, err.strip()), repr(err))
            check(name + " (nothing on stdout)", out == "", out[:200])
    # A 1,000,000-row table loads (and answers) like any other.
    big = os.path.join(tmp, "big.csv")
    with open(big, "w") as f:
        f.write("id,artist,track,valence,arousal\n")
        rng = np.random.RandomState(5)
        v = rng.rand(1000000, 2)
        f.writelines(f"s{i},Artist {i % 977},Track {i},{v[i, 0]:.4f},{v[i, 1]:.4f}\n" for i in range(1000000))
    code, out, err = run(["--model", MODEL, "--songs", big, "--top", "10", "--format", "jsonl", GOOD_A])
    no_crash("table: 1,000,000 rows", code, err)
    check("table: 1,000,000 rows (answers)", code == 0 and len(json.loads(out)["songs"]) == 10, f"{code} {err}")
    return len(cases) + 1


# ---------------------------------------------------------------- models
def model_cases(tmp):
    import torch  # only here: the rest of the suite needs no torch

    class Mean(torch.nn.Module):
        def forward(self, x):
            return torch.stack([x[:, 0].mean(dim=(1, 2)), x[:, 1].mean(dim=(1, 2))], dim=1)

    good_meta = json.loads(zipfile_extra(MODEL))

    def save(path, meta):
        extra = {} if meta is None else {"img2music.json": meta if isinstance(meta, str) else json.dumps(meta)}
        torch.jit.save(torch.jit.script(Mean()), path, _extra_files=extra)

    cases = []
    p = os.path.join(tmp, "random.pt")
    with open(p, "wb") as f:
        f.write(np.random.RandomState(9).bytes(2048))
    cases.append(("model: not TorchScript", p, 2, r"random\.pt: not a loadable TorchScript model"))
    p = os.path.join(tmp, "text.pt")
    with open(p, "w") as f:
        f.write("def forward(x): return x\n")
    cases.append(("model: a text file", p, 2, r"text\.pt: not a loadable TorchScript model"))
    data = open(MODEL, "rb").read()
    p = os.path.join(tmp, "truncated.pt")
    with open(p, "wb") as f:
        f.write(data[: len(data) // 2])
    cases.append(("model: truncated file", p, 2, r"truncated\.pt: not a loadable TorchScript model"))
    cases.append(("model: wrong output shape", os.path.join(ROOT, "tests/data/models/bad_shape.pt"), 2, r"expected \[1, 2\]$"))
    cases.append(("model: missing metadata", os.path.join(ROOT, "tests/data/models/no_metadata.pt"), 2, "no img2music.json metadata"))
    cases.append(("model: fewer outputs than its emotions", os.path.join(ROOT, "tests/data/models/emotions_short.pt"), 2,
                  re.escape("expected [1, 5] (valence, arousal and the 3 emotions the metadata names)")))
    p = os.path.join(tmp, "badjson.pt")
    save(p, "{not json")
    cases.append(("model: metadata not JSON", p, 2, r"badjson\.pt: invalid img2music\.json: "))
    for field, value, reason in [("format_version", 7, "unsupported format_version 7"),
                                 ("outputs", ["arousal", "valence"], "outputs must be"),
                                 ("preprocess", {"input_height": 0}, "preprocess.input_height must be in"),
                                 ("reference_distribution", {"valence": [0.5, 0.1], "arousal": [0, 1]}, "must be non-decreasing"),
                                 ("emotions", ["joy", "Joy!"], 'emotion name "Joy!" is not a lower-case identifier')]:
        meta = dict(good_meta)
        meta[field] = value
        p = os.path.join(tmp, f"meta_{field}.pt")
        save(p, meta)
        cases.append((f"model: invalid metadata ({field})", p, 2, re.escape(reason)))
    for name, path, want, error in cases:
        code, out, err = run(["--model", path, "--songs", SONGS, GOOD_A])
        no_crash(name, code, err)
        check(name + f" (exit {want})", code == want, f"exit {code}: {err!r}")
        check(name + " (one clear line)", len(err.splitlines()) == 1 and re.search(error, err.strip()), repr(err))
    # NaN output: every input fails in place, the run goes on.
    code, out, err = run(["--model", os.path.join(ROOT, "tests/data/models/nan_output.pt"), "--songs", SONGS, "--format", "jsonl",
                          GOOD_A, GOOD_B])
    no_crash("model: NaN output", code, err)
    check("model: NaN output (exit 1, records)", code == 1 and out.count("non-finite") == 2 and len(err.splitlines()) == 2, out)
    return len(cases) + 1


def zipfile_extra(path):
    import zipfile
    with zipfile.ZipFile(path) as z:
        name = next(n for n in z.namelist() if n.endswith("extra/img2music.json"))
        return z.read(name).decode()


# ---------------------------------------------------------------- flags
def flag_cases():
    base = ["--model", MODEL, "--songs", SONGS]
    cases = [
        ("flag: --top 0", base + ["--top", "0", GOOD_A], r"--top: Value 0 not in range"),
        ("flag: --top -1", base + ["--top", "-1", GOOD_A], r"--top"),
        ("flag: --top larger than the table", base + ["--top", "25", GOOD_A], r"--top 25 is larger than the song table \(24 songs"),
        ("flag: --top not a number", base + ["--top", "ten", GOOD_A], r"--top"),
        ("flag: unknown format", base + ["--format", "xml", GOOD_A], r"--format"),
        ("flag: unknown alignment", base + ["--align", "zscore", GOOD_A], r"--align"),
        ("flag: unknown option", base + ["--colour", GOOD_A], r"--colour"),
        ("flag: -0 without '-' input", base + ["-0", GOOD_A], r"no '-' input was given"),
        ("flag: bad --model-sha256", base + ["--model-sha256", "abc", GOOD_A], r"--model-sha256"),
        ("flag: --threads out of range", base + ["--threads", "100000", GOOD_A], r"--threads"),
        ("flag: --batch-size 0", base + ["--batch-size", "0", GOOD_A], r"--batch-size"),
        ("flag: missing --songs file", ["--model", MODEL, "--songs", "/nonexistent.csv", GOOD_A], r"--songs"),
        ("flag: no input", base, r"no input given"),
        ("flag: --every 0", base + ["--every", "0", GOOD_A], r"--every"),
        ("flag: --fps negative", base + ["--fps", "-2", GOOD_A], r"--fps"),
        ("flag: --min-segment not a number", base + ["--min-segment", "long", GOOD_A], r"--min-segment"),
        ("flag: --diversity above 1", base + ["--diversity", "1.5", GOOD_A], r"--diversity"),
        ("flag: --min-popularity 101", base + ["--min-popularity", "101", GOOD_A], r"--min-popularity"),
        ("flag: --year backwards", base + ["--year", "2000-1990", GOOD_A], r"--year.*empty"),
        ("flag: --year not years", base + ["--year", "nineties", GOOD_A], r"--year"),
        ("flag: filters leave no song", base + ["--genre", "polka", GOOD_A], r"no song in .*songs_small\.csv passes --genre polka"),
        ("flag: --plot into a missing directory", base + ["--plot", "/nonexistent/dir/p.png", GOOD_A], r"/nonexistent/dir/p\.png"),
        ("flag: --report on a file", base + ["--report", GOOD_A, GOOD_B], re.escape(GOOD_A)),
    ]
    for name, args, error in cases:
        code, out, err = run(args)
        no_crash(name, code, err)
        check(name + " (exit 2)", code == 2, f"exit {code}: {err!r}")
        check(name + " (one clear line)", len(err.splitlines()) == 1 and re.search(error, err), repr(err))
        check(name + " (nothing on stdout)", out == "", out[:200])
    return len(cases)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        n = run_image_cases(tmp)
        n += run_path_cases(tmp)
        n += run_video_cases(tmp)
        n += table_cases(tmp)
        n += model_cases(tmp)
        n += flag_cases()
    print(f"bad inputs: {n} cases; {results['passed']} passed, {results['failed']} failed")
    return 0 if results["failed"] == 0 and n >= 40 else 1


if __name__ == "__main__":
    sys.exit(main())
