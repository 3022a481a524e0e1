#!/usr/bin/env python3
"""Issue 20.1's target: ordinary keystrokes' p99 with 20 adversarial suggests a second in the
background stays within 3x of the quiet figure.

Starts `vagvisare serve` (VAGVISARE_BIN, default target/release/vagvisare) on loopback with the
bundled guides and the rate limit off (what is measured is the isolation of searches, not the
limiter), then for SECONDS each (default 20):
  1. quiet: 4 clients replay every prefix of the labelled queries in data/eval as
     GET /api/suggest, one request at a time each;
  2. under attack: the same, while one more client sends 20 POST /api/suggest a second, each about
     64 misspelled long words (a new user id each, so no limit masks them).
Prints p50/p99 of the keystrokes in both phases, their ratio, and what the attacker got
(answered / refused with 503 overloaded). Bounded in time and count; loopback only.

Usage: python3 scripts/abuse_load_test.py [SECONDS]
"""
import glob, http.client, json, os, random, subprocess, sys, tempfile, threading, time, urllib.parse

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0
BIN = os.environ.get("VAGVISARE_BIN", os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "vagvisare"))
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def keystrokes():
    paths = []
    for name in sorted(glob.glob(os.path.join(ROOT, "data", "eval", "*.jsonl"))):
        for line in open(name, encoding="utf-8"):
            if line.strip():
                q = json.loads(line)["query"]
                paths += ["/api/suggest?limit=5&q=" + urllib.parse.quote(q[:end], safe="") for end in range(1, len(q) + 1)]
    return paths


def hostile_text(rng):
    words = ["lösenordet", "skrivaren", "behörighet", "inloggningen", "ersättningen", "förskoleplats",
             "bygglovsansökan", "löneutbetalningen", "semesteransökan", "telefonväxeln"]
    out = []
    for _ in range(64):
        w = list(rng.choice(words) * 2)
        for _ in range(3):
            w[rng.randrange(len(w))] = rng.choice("qxzåäöwj")
        out.append("".join(w))
    return " ".join(out)


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


def typist(addr, paths, start, stop, latencies):
    conn = http.client.HTTPConnection(*addr, timeout=10)
    i = start
    while time.monotonic() < stop:
        t = time.perf_counter()
        conn.request("GET", paths[i % len(paths)])
        r = conn.getresponse(); r.read()
        latencies.append((time.perf_counter() - t) * 1000)
        i += 1


def attacker(addr, stop, outcome):
    rng = random.Random(20)
    n = 0
    next_at = time.monotonic()
    threads = []
    def one(k):
        try:
            conn = http.client.HTTPConnection(*addr, timeout=10)
            body = json.dumps({"q": hostile_text(random.Random(k)), "limit": 5})
            conn.request("POST", "/api/suggest", body, {"content-type": "application/json", "x-vagvisare-user": f"attacker{k}"})
            r = conn.getresponse(); r.read()
            outcome[r.status] = outcome.get(r.status, 0) + 1
        except Exception:
            outcome["error"] = outcome.get("error", 0) + 1
    while time.monotonic() < stop:
        t = threading.Thread(target=one, args=(n,)); t.start(); threads.append(t)
        n += 1
        next_at += 1 / 20
        time.sleep(max(0.0, next_at - time.monotonic()))
    for t in threads:
        t.join()


def phase(addr, paths, attack):
    stop = time.monotonic() + SECONDS
    latencies, outcome, threads = [], {}, []
    for k in range(4):
        threads.append(threading.Thread(target=typist, args=(addr, paths, k * len(paths) // 4, stop, latencies)))
    if attack:
        threads.append(threading.Thread(target=attacker, args=(addr, stop, outcome)))
    for t in threads: t.start()
    for t in threads: t.join()
    return latencies, outcome


def main():
    paths = keystrokes()
    work = tempfile.mkdtemp(prefix="vagvisare-abuse.")
    log = open(os.path.join(work, "serve.log"), "w+")
    server = subprocess.Popen([BIN, "serve", "--addr", "127.0.0.1:0", "--data-dir", os.path.join(work, "data"),
                               "--quiet", "--rate-limit", "0"], stderr=log)
    try:
        addr = None
        for _ in range(600):
            log.seek(0)
            text = log.read()
            if "listening on http://" in text:
                host, port = text.split("listening on http://")[1].split()[0].rsplit(":", 1)
                addr = (host, int(port)); break
            if server.poll() is not None:
                sys.exit("the server did not start:\n" + text)
            time.sleep(0.1)
        phase(addr, paths[:2000], False)  # warm-up, not counted
        quiet, _ = phase(addr, paths, False)
        loud, outcome = phase(addr, paths, True)
        q99, l99 = percentile(quiet, 0.99), percentile(loud, 0.99)
        print(f"abuse_load_test: {time.strftime('%Y-%m-%dT%H:%MZ', time.gmtime())}, {os.cpu_count()} cores, {SECONDS:.0f} s per phase")
        print(f"quiet:        {len(quiet)} keystrokes, p50 {percentile(quiet, 0.5):.2f} ms, p99 {q99:.2f} ms")
        print(f"under attack: {len(loud)} keystrokes, p50 {percentile(loud, 0.5):.2f} ms, p99 {l99:.2f} ms")
        print(f"attacker:     {outcome}")
        print(f"p99 ratio:    {l99 / q99:.2f} (target: at most 3)")
    finally:
        server.terminate(); server.wait(timeout=30)


if __name__ == "__main__":
    main()
