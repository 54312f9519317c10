#!/usr/bin/env python3
"""Tokens/s a running chat_web serves to C concurrent clients (standard library only, loopback).
Each client sends the same number of non-streaming /v1/chat/completions requests (max_tokens fixed,
temperature 1 so the replies run to max_tokens); throughput = completion tokens / wall time.
Usage: serve_bench.py PORT CLIENTS REQUESTS_PER_CLIENT MAX_TOKENS"""
import json, sys, threading, time, urllib.request

port, clients, per, max_tokens = (int(a) for a in sys.argv[1:5])
tokens, errors = [0], [0]
lock = threading.Lock()


def client(i):
    for j in range(per):
        body = json.dumps({"messages": [{"role": "user", "content": f"Tell me a story, number {i}.{j}"}],
                           "max_tokens": max_tokens, "temperature": 1.0}).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat/completions", body, {"Content-Type": "application/json"})
        try:
            out = json.load(urllib.request.urlopen(req, timeout=600))
            with lock: tokens[0] += out["usage"]["completion_tokens"]
        except Exception:
            with lock: errors[0] += 1


t0 = time.time()
threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
for t in threads: t.start()
for t in threads: t.join()
dt = time.time() - t0
print(f"clients {clients:3d}: {tokens[0]} tokens in {dt:.1f} s = {tokens[0] / dt:.1f} tok/s" + (f" ({errors[0]} errors)" if errors[0] else ""))
