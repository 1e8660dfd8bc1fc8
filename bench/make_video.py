#!/usr/bin/python3
"""Writes the benchmark's test video: 1920x1080 in .mp4, by default as phones make it (H.264
through libx264 from Debian's ffmpeg CLI, 30 fps, a keyframe every second, about 12 Mbit/s);
with --codec mp4v, MPEG-4 Part 2 at 24 fps through OpenCV's writer (the earlier benchmark video).

How the H.264 is encoded, and why. Phones encode in hardware: a fixed keyframe interval, no
B-frames (H.264 hardware encoders write Baseline/Main-style streams without them, or High
without them), CABAC and the deblocking filter on, at a constrained bitrate. x264's default
preset took about 35 minutes for 10 minutes of 1080p on 2 busy cores; what is kept here is
what the *decoder* sees of a phone's stream, at a fraction of that:
  -preset superfast   x264's cheapest search that still writes CABAC, deblocking and 8x8
                      transforms (High profile), which is what a decoder spends its time on;
                      ultrafast would turn CABAC and deblocking off and make decoding unlike a
                      phone's (and cheaper than it);
  -bf 0               no B-frames, as phones' hardware encoders;
  -g 30 -keyint_min 30 -sc_threshold 0   a keyframe every second exactly, none at scene cuts;
  -b:v 12M -maxrate 12M -bufsize 12M     about 12 Mbit/s, capped as a phone's rate control.
And each mood's scene is encoded once: when the video is a whole number of scenes of whole
seconds (the benchmark's 10 minutes of 30-s scenes), the 8 moods' scenes are encoded as separate
files (each starts on a keyframe: every group of pictures is closed without B-frames) and the
ffmpeg CLI's concat demuxer joins them in order (stream copy) to the full length, so 10 minutes
cost 4 minutes of encoding. A decoder cannot tell: the 20 scenes are 8 distinct ones in turn.

    /usr/bin/python3 bench/make_video.py --seconds 600 --out build/bench/video_600s.mp4

The content is made to look like footage to a decoder and to the model, not like a test card:
a new "scene" every --scene-seconds (30) with its own mood (palette, brightness, speed), a
drifting colour gradient, a dozen shapes moving on smooth paths, and film grain (per-frame
noise) so that frames are neither constant nor trivially compressible: with the default grain
the encoder fills its 12 Mbit/s (12.2 Mbit/s in the file), what a phone records at 1080p.
Deterministic (seeded).
Written to OUT.tmp and renamed at the end, so that an interrupted run leaves no file that
bench/run.sh would take for a finished one.
"""
import argparse
import os
import subprocess
import sys

import cv2
import numpy as np

WIDTH, HEIGHT = 1920, 1080

# (name, two background colours (BGR), shape colours (BGR), speed factor, grain amplitude)
MOODS = [
    ("sunny", (60, 200, 255), (120, 240, 255), [(0, 140, 255), (30, 220, 250), (200, 250, 255)], 1.0, 10),
    ("night", (40, 10, 5), (90, 30, 20), [(200, 120, 40), (255, 200, 150), (90, 60, 30)], 0.4, 14),
    ("storm", (60, 60, 60), (20, 20, 25), [(230, 230, 230), (120, 120, 130), (40, 40, 200)], 2.2, 24),
    ("meadow", (60, 160, 80), (150, 220, 170), [(40, 200, 240), (80, 120, 40), (230, 240, 250)], 0.7, 10),
    ("fire", (0, 30, 150), (0, 120, 255), [(0, 0, 255), (0, 200, 255), (40, 40, 40)], 2.0, 18),
    ("calm sea", (200, 150, 80), (250, 220, 180), [(255, 255, 255), (180, 120, 40), (140, 200, 230)], 0.3, 8),
    ("neon", (80, 0, 60), (30, 0, 20), [(255, 0, 255), (255, 255, 0), (0, 255, 120)], 1.6, 16),
    ("autumn", (30, 90, 150), (60, 140, 200), [(0, 70, 180), (20, 160, 220), (40, 60, 90)], 0.8, 12),
]


def gradient(c0, c1, phase):
    """A diagonal two-colour gradient, shifted by phase (0..1): [H, W, 3] uint8."""
    x = np.linspace(0.0, 1.0, WIDTH, dtype=np.float32)[None, :]
    y = np.linspace(0.0, 1.0, HEIGHT, dtype=np.float32)[:, None]
    t = (0.5 + 0.5 * np.sin(2 * np.pi * (0.6 * x + 0.4 * y + phase)))[..., None]
    return (np.asarray(c0, np.float32) * (1 - t) + np.asarray(c1, np.float32) * t).astype(np.uint8)


class Scene:
    def __init__(self, index, rng, grain_scale):
        self.name, self.c0, self.c1, self.colours, self.speed, grain = MOODS[index % len(MOODS)]
        # A few gradient phases, blended over time: recomputing a full-HD gradient per frame would
        # make the generator, not the encoder, the slow part.
        self.backgrounds = [gradient(self.c0, self.c1, p) for p in (0.0, 0.33, 0.66)]
        self.shapes = []
        for _ in range(12):
            self.shapes.append({
                "kind": rng.choice(["circle", "rect", "line"]),
                "colour": tuple(int(v) for v in np.clip(np.asarray(self.colours[rng.integers(len(self.colours))])
                                                        + rng.integers(-30, 31, 3), 0, 255)),
                "size": int(rng.integers(40, 260)),
                "centre": rng.uniform(0.1, 0.9, 2),
                "radius": rng.uniform(0.05, 0.35, 2),
                "freq": rng.uniform(0.05, 0.4, 2) * self.speed,
                "phase": rng.uniform(0, 2 * np.pi, 2),
            })
        self.grain = grain * grain_scale

    def draw(self, t, grain_tiles, rng):
        k = (t * 0.05 * self.speed) % len(self.backgrounds)
        i = int(k)
        w = k - i
        frame = cv2.addWeighted(self.backgrounds[i], 1 - w, self.backgrounds[(i + 1) % len(self.backgrounds)], w, 0)
        for s in self.shapes:
            cx = int(WIDTH * (s["centre"][0] + s["radius"][0] * np.sin(2 * np.pi * s["freq"][0] * t + s["phase"][0])))
            cy = int(HEIGHT * (s["centre"][1] + s["radius"][1] * np.cos(2 * np.pi * s["freq"][1] * t + s["phase"][1])))
            r = s["size"]
            if s["kind"] == "circle":
                cv2.circle(frame, (cx, cy), r // 2, s["colour"], -1, cv2.LINE_AA)
            elif s["kind"] == "rect":
                cv2.rectangle(frame, (cx - r // 2, cy - r // 3), (cx + r // 2, cy + r // 3), s["colour"], -1)
            else:
                cv2.line(frame, (cx - r, cy + r // 2), (cx + r, cy - r // 2), s["colour"], 6, cv2.LINE_AA)
        # Grain: a window of one of several independent random tiles (values 0..32), picked at
        # random with a random offset each frame, scaled to +-grain/2, saturating. Cheaper than
        # fresh noise per frame, and motion compensation cannot predict it from the last frame.
        tile = grain_tiles[rng.integers(len(grain_tiles))]
        gy, gx = rng.integers(0, tile.shape[0] - HEIGHT), rng.integers(0, tile.shape[1] - WIDTH)
        g = tile[gy:gy + HEIGHT, gx:gx + WIDTH]
        return cv2.addWeighted(frame, 1.0, g, self.grain / 32.0, -self.grain / 2.0)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=600.0)
    p.add_argument("--scene-seconds", type=float, default=30.0, help="a new mood this often")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--codec", choices=("h264", "mp4v"), default="h264")
    p.add_argument("--fps", type=int, default=None, help="default: 30 for h264, 24 for mp4v")
    p.add_argument("--preset", default="superfast", help="x264's preset (see above for why superfast)")
    p.add_argument("--unique-scenes", type=int, default=len(MOODS),
                   help="encode at most this many distinct scenes and repeat them by stream copy (0: every scene its own)")
    p.add_argument("--grain", type=float, default=1.0,
                   help="film grain scale; 1 fills the 12 Mbit/s a phone records at 1080p (0.9 GB for 10 minutes); "
                        "less grain compresses below it")
    a = p.parse_args(argv)
    rng = np.random.default_rng(a.seed)
    grain_tiles = [rng.integers(0, 33, (HEIGHT + 64, WIDTH + 64, 3), dtype=np.uint8) for _ in range(6)]
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    fps = a.fps or (30 if a.codec == "h264" else 24)
    frames = int(round(a.seconds * fps))
    scene_frames = int(round(a.scene_seconds * fps))
    scenes = frames // scene_frames if scene_frames > 0 else 0
    repeat = (a.codec == "h264" and a.unique_scenes > 0 and scene_frames % fps == 0 and scenes * scene_frames == frames
              and scenes > a.unique_scenes)
    if repeat:
        ok = write_repeated_scenes(a, fps, scene_frames, scenes, grain_tiles)
    else:
        ok = write_frames(a, a.out + ".tmp.mp4", fps, range(frames), grain_tiles, rng)  # the extension tells the writer the container
    if not ok:
        return 1
    os.replace(a.out + ".tmp.mp4", a.out)
    print("make_video: wrote %s (%d frames, %.1f MB)" % (a.out, frames, os.path.getsize(a.out) / 1e6), file=sys.stderr)
    return 0


def write_repeated_scenes(a, fps, scene_frames, scenes, grain_tiles):
    """Encodes scenes 0..unique-1 each on its own, then joins scene i % unique for every i."""
    parts = []
    for k in range(a.unique_scenes):
        part = "%s.scene%d.tmp.mp4" % (a.out, k)
        rng = np.random.default_rng(a.seed * 7919 + k)
        if not write_frames(a, part, fps, range(k * scene_frames, (k + 1) * scene_frames), grain_tiles, rng):
            return False
        parts.append(part)
    listing = a.out + ".concat.txt"
    with open(listing, "w") as f:
        for i in range(scenes):
            f.write("file '%s'\n" % os.path.abspath(parts[i % len(parts)]).replace("'", "'\\''"))
    ok = subprocess.call(["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", listing, "-c", "copy",
                          "-movflags", "+faststart", a.out + ".tmp.mp4"]) == 0
    for path in parts + [listing]:
        os.remove(path)
    if not ok:
        print("make_video: joining the scenes failed for %s" % a.out, file=sys.stderr)
    return ok


def write_frames(a, out, fps, frame_numbers, grain_tiles, rng):
    """Encodes frames frame_numbers (scene by scene as draw() makes them) to out."""
    if a.codec == "h264":
        encoder = subprocess.Popen(
            ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", "%dx%d" % (WIDTH, HEIGHT), "-r", str(fps),
             "-i", "-", "-c:v", "libx264", "-preset", a.preset, "-profile:v", "high", "-bf", "0",
             "-b:v", "12M", "-maxrate", "12M", "-bufsize", "12M",
             "-g", str(fps), "-keyint_min", str(fps), "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-movflags", "+faststart", out],
            stdin=subprocess.PIPE)

        def write(frame):
            encoder.stdin.write(frame.tobytes())

        def close():
            encoder.stdin.close()
            return encoder.wait() == 0
    else:
        writer = cv2.VideoWriter(out, cv2.VideoWriter_fourcc(*"mp4v"), fps, (WIDTH, HEIGHT))
        if not writer.isOpened():
            print("make_video: cannot open a 1080p mp4v writer for %s" % out, file=sys.stderr)
            return False

        def write(frame):
            writer.write(frame)

        def close():
            writer.release()
            return True
    scene, scene_index = None, -1
    for f in frame_numbers:
        t = f / fps
        if int(t // a.scene_seconds) != scene_index:
            scene_index = int(t // a.scene_seconds)
            scene = Scene(scene_index, np.random.default_rng(a.seed * 1000 + scene_index), a.grain)
        write(scene.draw(t, grain_tiles, rng))
    if not close():
        print("make_video: the encoder failed for %s" % out, file=sys.stderr)
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
