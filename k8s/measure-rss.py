#!/usr/bin/env python3
"""Measures the memory (and CPU time) of each service of a stack started with `./varco up -d`.

The numbers behind the cpu overlay's requests and limits (k8s/README.md, "Sizes"). Python 3
standard library only; it reads the launcher's pid and port files, so run it with the same
VARCO_STATE_DIR as `./varco up` (default .varco at the repository root):

    ./varco up -d
    python3 k8s/measure-rss.py [--requests 20] [--burst 6] [--large 8192x4096,2304x2304] [--max-tokens 32]
    ./varco down

Phases, each followed by one reading of every service:
  idle    the stack as `up` left it, after --settle seconds;
  images  --requests chat completions through the gateway's OpenAI API, one after the other, each
          with a PNG of 160x120, 384x384 or 1024x768 in turn (the load tests' sizes);
  burst   --burst streamed chat completions at once, sizes mixed the same way;
  large   one chat completion per --large size, one after the other (--settle seconds after the
          burst, so vision-service's decoded-pixel budget has refilled);
  settled --settle seconds later.
Every request's image differs from the others in a few pixels, so vision-service's embedding cache
never answers for the encoder.
A reading is VmRSS (resident now) and VmHWM (highest resident since the process started) from
/proc/<pid>/status, the highest VmRSS sampled during the phase (every 0.2 s), and the CPU time
(user + system, /proc/<pid>/stat) the process used during the phase. The JVM flags that size
memory (-Xmx, -XX:MaxDirectMemorySize, the collector) are read from /proc/<pid>/cmdline.
Prints a markdown report; exit status 1 when a request fails (the numbers would not be the
served load's). It asserts nothing about time.
"""
import argparse
import base64
import json
import os
import re
import struct
import sys
import threading
import time
import urllib.error
import urllib.request
import zlib

SERVICES = ("gateway", "llm-service", "vision-service")
SIZES = ((160, 120), (384, 384), (1024, 768))
PROMPTS = ("Describe this image in detail.", "이 이미지를 자세히 설명해 주세요.")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
retries_note = []  # 429s that a retry got past, for the report


def png(width, height, n, noise=False):
    """A gradient with a disc and a bar (the load tests' picture), as PNG bytes; the first pixels
    encode n, so no two requests send the same image (vision-service caches embeddings by content).
    With noise, random pixels instead: a file as large as its pixels (the largest body per pixel)."""
    if noise:
        stride = 1 + 3 * width
        rows = bytearray(os.urandom(stride * height))
        rows[0::stride] = bytes(height)  # filter type 0 on every row
        return png_file(width, height, rows, level=0)
    rows = bytearray()
    cx, cy, r = width // 8 + width // 6, height // 8 + height // 6, min(width, height) // 6
    bar_x, bar_w = width // 2, width // 3
    for y in range(height):
        t = y / height
        row = bytearray(bytes((int(30 + 210 * t), int(90 + 110 * t), int(160 - 80 * t))) * width)
        if abs(y - cy) < r:  # the disc's span on this row
            half = int((r * r - (y - cy) ** 2) ** 0.5)
            x0, x1 = max(cx - half, 0), min(cx + half, width)
            row[3 * x0:3 * x1] = bytes((200, 40, 40)) * (x1 - x0)
        if height // 2 <= y < height // 2 + height // 4:
            row[3 * bar_x:3 * (bar_x + bar_w)] = bytes((20, 140, 60)) * bar_w
        rows.append(0)
        rows.extend(row)
    rows[1:9] = struct.pack(">Q", n)
    return png_file(width, height, rows, level=6)


def png_file(width, height, rows, level):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows), level)) + chunk(b"IEND", b"")


def body(image, prompt, max_tokens, stream):
    url = "data:image/png;base64," + base64.b64encode(image).decode()
    return json.dumps({
        "max_tokens": max_tokens, "stream": stream, "temperature": 0,
        **({"stream_options": {"include_usage": True}} if stream else {}),
        "messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": url}}, {"type": "text", "text": prompt}]}],
    }).encode()


def chat(base_url, api_key, payload, stream, retries):
    """One chat completion; a 429 is retried after its Retry-After (vision-service's decoded-pixel
    budget refills by the second), anything else that fails raises."""
    for attempt in range(retries + 1):
        request = urllib.request.Request(base_url + "/v1/chat/completions", data=payload, method="POST",
                                         headers={"Content-Type": "application/json"})
        if api_key:
            request.add_header("Authorization", "Bearer " + api_key)
        try:
            with urllib.request.urlopen(request, timeout=600) as response:
                return read_answer(response, stream)
        except urllib.error.HTTPError as e:
            if e.code != 429 or attempt == retries:
                raise
            retries_note.append("429 (%s), retried" % e.headers.get("Retry-After", "no Retry-After"))
            time.sleep(min(float(e.headers.get("Retry-After") or 5), 30))


def read_answer(response, stream):
    """The completion token count of a chat completion or its stream (which must end with [DONE])."""
    if not stream:
        return json.load(response)["usage"]["completion_tokens"]
    tokens, done = None, False
    for line in response:
        line = line.decode().strip()
        if line == "data: [DONE]":
            done = True
        elif line.startswith("data: "):
            event = json.loads(line[6:])
            if "error" in event:
                raise RuntimeError("in-stream error: %s" % event["error"])
            if event.get("usage"):
                tokens = event["usage"]["completion_tokens"]
    if not done:
        raise RuntimeError("stream ended without [DONE]")
    return tokens


def proc_status(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024  # kB -> MiB
    return fields


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def memory_flags(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        args = f.read().decode().split("\0")
    keep = [a for a in args if a.startswith(("-Xmx", "-XX:MaxDirectMemorySize", "-XX:MaxRAM", "-XX:+Use", "-XX:-Use"))]
    return " ".join(keep) or "(JVM defaults)"


class Phase:
    """Samples every service's VmRSS while the phase runs; reads VmHWM and CPU time at its end."""

    def __init__(self, name, pids):
        self.name, self.pids = name, pids
        self.peak = {s: 0.0 for s in pids}
        self.cpu_start = {s: cpu_seconds(p) for s, p in pids.items()}
        self.started = time.monotonic()
        self.running = True
        self.sampler = threading.Thread(target=self._sample, daemon=True)
        self.sampler.start()

    def _sample(self):
        while self.running:
            for service, pid in self.pids.items():
                self.peak[service] = max(self.peak[service], proc_status(pid)["VmRSS"])
            time.sleep(0.2)

    def end(self):
        self.running = False
        self.sampler.join()
        wall = time.monotonic() - self.started
        rows = []
        for service, pid in self.pids.items():
            status = proc_status(pid)
            peak = max(self.peak[service], status["VmRSS"])
            rows.append((self.name, service, status["VmRSS"], peak, status["VmHWM"],
                         cpu_seconds(pid) - self.cpu_start[service], wall))
        return rows


def launcher_pids(state_dir):
    pids = {}
    for service in SERVICES:
        path = os.path.join(state_dir, service + ".pid")
        try:
            with open(path) as f:
                pid = int(f.read().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            sys.exit("no running %s (pid file %s): start the stack with ./varco up -d first" % (service, path))
        pids[service] = pid
    return pids


def gateway_url(state_dir):
    ports = {}
    with open(os.path.join(state_dir, "gateway.ports")) as f:
        for line in f:
            key, _, value = line.strip().partition("=")
            ports[key] = value
    host = ports.get("host", "127.0.0.1")
    if host in ("0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    return "http://%s:%s" % (host, ports["http"])


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--state-dir", default=os.environ.get("VARCO_STATE_DIR", os.path.join(root, ".varco")))
    parser.add_argument("--requests", type=int, default=20, help="sequential image chat completions (default 20)")
    parser.add_argument("--burst", type=int, default=6, help="concurrent streamed chat completions (default 6)")
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--settle", type=float, default=10, help="seconds before the idle and settled readings")
    parser.add_argument("--large", default="8192x4096,2304x2304,2200x2200n",
                        help="sizes sent one after the other in the large phase ('' skips it), a trailing n for random "
                             "pixels; default: vision-service's per-image pixel limit (32 Mi pixels), the largest image it "
                             "always admits (most tiles), and noise whose PNG (13.9 MiB) makes a 19.4 MB JSON string, "
                             "about the longest the gateway's JSON parser takes")
    args = parser.parse_args()
    if not (1 <= args.requests <= 1000 and 1 <= args.burst <= 64 and 1 <= args.max_tokens <= 4096 and 0 <= args.settle <= 600):
        parser.error("--requests 1..1000, --burst 1..64, --max-tokens 1..4096, --settle 0..600")
    if not all(re.fullmatch(r"[1-9][0-9]{0,4}x[1-9][0-9]{0,4}n?", size) for size in args.large.split(",") if size):
        parser.error("--large: comma-separated WIDTHxHEIGHT sizes, n after one for noise, e.g. 2304x2304,2200x2200n")
    api_key = os.environ.get("VARCO_LOAD_API_KEY")  # the load tests' variable; none for a loopback gateway
    large = [(*(int(v) for v in size.rstrip("n").split("x")), size.endswith("n")) for size in args.large.split(",") if size]
    pids = launcher_pids(args.state_dir)
    base_url = gateway_url(args.state_dir)
    rows, failures = [], []

    def one(phase_name, n, size, stream):
        width, height, noise = (*size, False)[:3]
        try:
            chat(base_url, api_key, body(png(width, height, n, noise), PROMPTS[n % 2], args.max_tokens, stream), stream, 3)
        except urllib.error.HTTPError as e:
            failures.append("%s #%d (%dx%d%s): HTTP %d %s" % (phase_name, n, width, height, " noise" if noise else "", e.code,
                                                            e.read().decode(errors="replace")[:300]))
        except (OSError, urllib.error.URLError, RuntimeError, KeyError, ValueError) as e:
            failures.append("%s #%d (%dx%d%s): %s" % (phase_name, n, width, height, " noise" if noise else "", e))

    time.sleep(args.settle)
    rows += Phase("idle", pids).end()

    phase = Phase("images", pids)
    for n in range(args.requests):
        one("images", n, SIZES[n % 3], False)
    rows += phase.end()

    phase = Phase("burst", pids)
    threads = [threading.Thread(target=one, args=("burst", args.requests + n, SIZES[n % 3], True)) for n in range(args.burst)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows += phase.end()

    if large:
        time.sleep(args.settle)  # vision-service's decoded-pixel budget refills (8 Mi pixels/s by default)
        phase = Phase("large", pids)
        for n, size in enumerate(large):
            one("large", args.requests + args.burst + n, size, False)
        rows += phase.end()

    phase = Phase("settled", pids)
    time.sleep(args.settle)
    rows += phase.end()

    print("## RSS per service (MiB)\n")
    print("%d image chat completions, a burst of %d streamed ones, large images %s; max_tokens %d; Linux %s, %d CPUs\n"
          % (args.requests, args.burst, args.large or "none", args.max_tokens, os.uname().release, os.cpu_count()))
    print("| phase | service | VmRSS at end | VmRSS peak in phase | VmHWM | CPU s in phase | wall s |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for phase_name, service, rss, peak, hwm, cpu, wall in rows:
        print("| %s | %s | %.0f | %.0f | %.0f | %.1f | %.1f |" % (phase_name, service, rss, peak, hwm, cpu, wall))
    print("\n## JVM memory flags (as the launcher set them)\n")
    for service, pid in pids.items():
        print("- %s: `%s`" % (service, memory_flags(pid)))
    if retries_note:
        print("\n%d requests were refused with 429 first: %s" % (len(retries_note), "; ".join(retries_note)))
    if failures:
        print("\n## Failed requests\n")
        for failure in failures:
            print("- " + failure)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
