#!/usr/bin/env bash
# chat_web throughput: tokens/s served to 1, 4 and 16 concurrent clients, batched (--num-engines=16: up to
# 16 rows per decode step) vs one at a time (--num-engines=1), on a checkpoint you have trained.
# Run it on an idle machine:  bash dev/serve_bench.sh [--source=base] [--model-tag=d4] ...   (extra flags go to chat_web)
# Env: REQUESTS (per client, default 4), MAX_TOKENS (default 64), THREADS (default: all cores).
set -euo pipefail
cd "$(dirname "$0")/.."
NANOCHAT_INCREMENTAL=${NANOCHAT_INCREMENTAL:-} swift build -c release 2>&1 | tail -1
REQUESTS=${REQUESTS:-4}; MAX_TOKENS=${MAX_TOKENS:-64}; THREADS=${THREADS:-0}
for rows in 1 16; do
    PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    timeout 3600 .build/release/chat_web --port="$PORT" --num-engines=$rows --max-queue=1000 --threads="$THREADS" "$@" >/tmp/serve_bench.log 2>&1 &
    SERVER=$!
    for _ in $(seq 300); do
        python3 -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" "http://127.0.0.1:$PORT/health" 2>/dev/null && break
        sleep 0.2
    done
    echo "== --num-engines=$rows ($([ $rows = 1 ] && echo one at a time || echo batched))"
    for clients in 1 4 16; do python3 dev/serve_bench.py "$PORT" "$clients" "$REQUESTS" "$MAX_TOKENS"; done
    kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
done
