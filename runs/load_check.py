#!/usr/bin/env python3
"""A bounded load check of a running chat_web on loopback (for runs/openai_check.sh): 1,000 idle
connections holding half a request while /health keeps answering fast; 100 concurrent completions, each
answered or cleanly refused (429/503 with Retry-After), none hung; the server's RSS stays bounded; it
still serves afterwards. Every socket has a timeout and the whole run stops by itself.
Usage: load_check.py PORT. Exit 0 on success."""
import json, resource, socket, statistics, sys, threading, time

PORT = int(sys.argv[1])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + (f" ({detail})" if detail else ""))
    if not ok: failures.append(name)


def rss_mb():
    """The server's peak resident set (its /stats), in MB."""
    status, _, body = http("GET", "/stats")
    return json.loads(body)["peak_rss_bytes"] / 2**20


def http(method, path, body=None, timeout=30):
    data = b"" if body is None else json.dumps(body).encode()
    s = socket.create_connection(("127.0.0.1", PORT), timeout=timeout)
    try:
        head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        if body is not None: head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
        s.sendall((head + "\r\n").encode() + data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk: break
            out += chunk
    finally:
        s.close()
    head, _, rest = out.decode("utf-8", "replace").partition("\r\n\r\n")
    return int(head.split(" ", 2)[1]), head, rest


rss0 = rss_mb()
idle = []
t0 = time.time()
for i in range(1000):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=10)
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")   # half a request, never finished
    idle.append(s)
print(f"     1000 idle half-open connections in {time.time() - t0:.1f} s")
times = []
for _ in range(20):
    t = time.time()
    status, _, body = http("GET", "/health", timeout=5)
    times.append((time.time() - t) * 1000)
    assert status == 200, body
check("/health answers within 100 ms (median) while 1000 idle connections are open",
      statistics.median(times) < 100 and max(times) < 1000, f"median {statistics.median(times):.1f} ms, max {max(times):.1f} ms")
status, _, body = http("GET", "/stats")
check("the server counts them as open connections", json.loads(body)["open_connections"] >= 1000, body[:200])
for s in idle: s.close()

results = [None] * 100
def completion(i):
    try:
        status, head, body = http("POST", "/v1/chat/completions",
                                  {"messages": [{"role": "user", "content": f"client {i}"}], "max_tokens": 8}, timeout=120)
        if status == 200: results[i] = "ok" if json.loads(body)["choices"][0]["message"] is not None else body
        elif status in (429, 503) and "retry-after:" in head.lower(): results[i] = "refused"
        else: results[i] = f"{status} {body[:80]}"
    except Exception as e:
        results[i] = repr(e)
t0 = time.time()
threads = [threading.Thread(target=completion, args=(i,), daemon=True) for i in range(100)]
for t in threads: t.start()
for t in threads: t.join(max(1, 150 - (time.time() - t0)))
answered, refused = results.count("ok"), results.count("refused")
check("100 concurrent completions: every one answered or refused with Retry-After, none hung",
      answered + refused == 100 and answered > 0, f"{answered} answered, {refused} refused in {time.time() - t0:.1f} s; others: "
      + str([r for r in results if r not in ("ok", "refused")][:5]))
rss1 = rss_mb()
check("server peak RSS stays bounded (< 200 MB more than before the load)", rss1 - rss0 < 200, f"{rss0:.0f} MB -> {rss1:.0f} MB")
status, _, body = http("POST", "/v1/chat/completions", {"messages": [{"role": "user", "content": "still there?"}], "max_tokens": 4})
check("the server still serves afterwards", status == 200, body[:120])

if failures:
    print(f"{len(failures)} check(s) failed: {failures}")
    sys.exit(1)
print("all load checks passed")
