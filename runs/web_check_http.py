#!/usr/bin/env python3
"""HTTP checks of a running chat_web (standard library only, for runs/web_check.sh): health, a streamed
completion, every kind of bad request answered with its 4xx and a one-line JSON error while the server
keeps answering, 8 concurrent clients, and a client that leaves mid-stream freeing its engine.
Usage: web_check_http.py PORT READ_TIMEOUT_SECONDS. Exit 0 on success."""
import json, socket, sys, threading, time

PORT, READ_TIMEOUT = int(sys.argv[1]), float(sys.argv[2])
failures = []


def raw(data, wait_close=True, timeout=30):
    """Sends raw bytes, returns (status, headers+body text)."""
    s = socket.create_connection(("127.0.0.1", PORT), timeout=timeout)
    try:
        if data: s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk: break
            out += chunk
    finally:
        s.close()
    text = out.decode("utf-8", "replace")
    status = int(text.split(" ", 2)[1]) if text.startswith("HTTP/1.1 ") else None
    return status, text


def request(method, path, body=None, content_type="application/json", extra=""):
    data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    if body is not None: head += f"Content-Type: {content_type}\r\nContent-Length: {len(data)}\r\n"
    return raw((head + extra + "\r\n").encode() + data)


def body_of(text): return text.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in text else ""


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + (f" ({detail})" if detail and not ok else ""))
    if not ok: failures.append(name)


def healthy():
    status, text = request("GET", "/health")
    return status == 200 and json.loads(body_of(text)).get("status") == "ok"


def events(text):
    return [json.loads(e[6:]) for e in body_of(text).split("\n\n") if e.startswith("data: ")]


def user(content="Hello"): return {"messages": [{"role": "user", "content": content}]}


check("GET /health answers ok", healthy())
status, text = request("GET", "/")
check("GET / serves the chat page", status == 200 and "<textarea" in text and "/chat/completions" in text)
status, text = request("POST", "/chat/completions", dict(user(), max_tokens=12, temperature=0.7))
ev = events(text)
check("POST /chat/completions streams SSE tokens then done",
      status == 200 and "text/event-stream" in text.split("\r\n\r\n")[0] and ev and ev[-1] == {"done": True}
      and all("token" in e for e in ev[:-1]) and len(ev) >= 2, text[:300])

# HTTP/1.1 keep-alive: two requests on one connection, answered in order
s = socket.create_connection(("127.0.0.1", PORT), timeout=30)
s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
got = b""
while True:
    chunk = s.recv(65536)
    if not chunk: break
    got += chunk
s.close()
check("keep-alive: two pipelined requests on one connection both answered", got.count(b"HTTP/1.1 200 OK") == 2 and b'"object":"list"' in got, got[:300])

# every bad request: its status, a one-line JSON error, and the server still answers afterwards
bad = [
    ("malformed JSON", 400, lambda: request("POST", "/chat/completions", b"{not json")),
    ("wrong content type", 415, lambda: request("POST", "/chat/completions", user(), content_type="text/plain")),
    ("no messages", 400, lambda: request("POST", "/chat/completions", {"messages": []})),
    ("501 messages", 400, lambda: request("POST", "/chat/completions",
                                          {"messages": [{"role": "user" if i % 2 == 0 else "assistant", "content": "x"} for i in range(501)]})),
    ("a message of 8001 characters", 400, lambda: request("POST", "/chat/completions", user("x" * 8001))),
    ("32001 characters in total", 400, lambda: request("POST", "/chat/completions",
                                                       {"messages": [{"role": ["user", "assistant"][i % 2], "content": "y" * 8000} for i in range(4)] + [{"role": "user", "content": "z"}]})),
    ("empty content", 400, lambda: request("POST", "/chat/completions", user(""))),
    ("role system", 400, lambda: request("POST", "/chat/completions", {"messages": [{"role": "system", "content": "x"}]})),
    ("temperature 2.5", 400, lambda: request("POST", "/chat/completions", dict(user(), temperature=2.5))),
    ("top_k 201", 400, lambda: request("POST", "/chat/completions", dict(user(), top_k=201))),
    ("max_tokens 0", 400, lambda: request("POST", "/chat/completions", dict(user(), max_tokens=0))),
    ("max_tokens 4097", 400, lambda: request("POST", "/chat/completions", dict(user(), max_tokens=4097))),
    ("temperature as a string", 400, lambda: request("POST", "/chat/completions", dict(user(), temperature="hot"))),
    ("last message from the assistant", 400, lambda: request("POST", "/chat/completions",
                                                             {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]})),
    ("oversized body (Content-Length 5 MB)", 413, lambda: raw(b"POST /chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\n\r\n{")),
    ("POST without Content-Length", 411, lambda: raw(b"POST /chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n")),
    ("header flood (2000 headers)", 431, lambda: raw(b"GET /health HTTP/1.1\r\n" + b"".join(b"X-Flood-%d: %s\r\n" % (i, b"a" * 20) for i in range(2000)) + b"\r\n")),
    ("malformed request line", 400, lambda: raw(b"HELLO\r\n\r\n")),
    ("unknown path", 404, lambda: request("GET", "/nope")),
    ("wrong method", 405, lambda: request("PUT", "/health", b"", content_type="text/plain")),
    ("a client that stalls mid-headers", 408, lambda: raw(b"POST /chat/completions HTTP/1.1\r\nHost: x\r\n", timeout=READ_TIMEOUT + 20)),
]
for name, want, send in bad:
    t0 = time.time()
    status, text = send()
    body = body_of(text).strip()
    try:
        one_line_json = "\n" not in body and "error" in json.loads(body)
    except ValueError:
        one_line_json = False
    check(f"{name} → {want} with a one-line JSON error, then /health still answers",
          status == want and one_line_json and healthy(), f"got {status}: {body[:120]!r} in {time.time() - t0:.1f}s")

# 8 concurrent clients all finish
results = [None] * 8
def client(i):
    try:
        status, text = request("POST", "/chat/completions", dict(user(f"client {i}"), max_tokens=16))
        results[i] = status == 200 and events(text)[-1] == {"done": True}
    except Exception as e:
        results[i] = repr(e)
t0 = time.time()
threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
for t in threads: t.start()
for t in threads: t.join(120)
check("8 concurrent clients all get their whole stream", all(r is True for r in results), f"{results}")
print(f"     (8 concurrent completions in {time.time() - t0:.1f} s)")

# clients that leave mid-stream free their engines
def leave_early():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=30)
    data = json.dumps(dict(user("tell me a long story"), max_tokens=4096, temperature=1.0)).encode()
    s.sendall(b"POST /chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(data) + data)
    s.recv(64)   # the stream has started
    s.close()
for _ in range(4): leave_early()
t0 = time.time()
busy = None
while time.time() - t0 < 10:
    status, text = request("GET", "/stats")
    busy = json.loads(body_of(text))["busy_engines"]
    if busy == 0: break
    time.sleep(0.1)
check("clients that disconnect mid-stream free their engines", busy == 0, f"busy_engines={busy}")
status, text = request("POST", "/chat/completions", dict(user(), max_tokens=8))
check("a completion after the disconnects works", status == 200 and events(text)[-1] == {"done": True})
status, text = request("GET", "/stats")
print("     stats:", body_of(text).strip())

if failures:
    print(f"{len(failures)} check(s) failed: {failures}")
    sys.exit(1)
print("all HTTP checks passed")
