#!/usr/bin/env bash
# chat_web's OpenAI API and its load bounds on a tiny checkpoint it trains itself (a few base_train steps
# of a depth-2 model): the official `openai` Python client from PyPI (installed in a venv here) for
# /v1/models, chat (streamed and not, n=2, stop, logprobs), completions (echo + logprobs), a 400 and a 404,
# and the same greedy text as chat_cli; then runs/load_check.py (1,000 idle connections, 100 concurrent
# completions, RSS, still serving). Loopback only; every step is bounded in time.
# Output (server log) in $OPENAI_CHECK_OUT (default /tmp/nanochat-openai-check).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${OPENAI_CHECK_OUT:-/tmp/nanochat-openai-check}"
command -v python3 >/dev/null || { echo "openai_check: skipped (python3 is not installed)"; exit 0; }
rm -rf "$OUT"; mkdir -p "$OUT"
python3 -m venv "$OUT/venv" >/dev/null 2>&1 || { echo "openai_check: skipped (python3 cannot make a venv)"; exit 0; }
timeout 180 "$OUT/venv/bin/pip" install -q --timeout 20 --retries 1 openai >"$OUT/pip.log" 2>&1 \
    || { echo "openai_check: skipped (pip cannot install openai from PyPI; see $OUT/pip.log)"; exit 0; }
swift build -c release 2>&1 | tail -1
BIN=.build/release
export NANOCHAT_BASE_DIR="$(mktemp -d /tmp/nanochat-openai-check-base.XXXXXX)"
SERVER=""
cleanup() {
    if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
    rm -rf "$NANOCHAT_BASE_DIR"
}
trap cleanup EXIT INT TERM

source runs/tiny_checkpoint.sh
timeout 60 $BIN/chat_cli --source=base -p "Hello there" --max-tokens=16 --temperature=0 --threads=1 >"$OUT/chat_cli.txt"

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "== chat_web on 127.0.0.1:$PORT"
timeout 600 $BIN/chat_web --source=base --port="$PORT" --num-engines=8 --max-queue=32 --read-timeout=30 --threads=1 \
    >"$OUT/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do
    python3 -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" "http://127.0.0.1:$PORT/health" 2>/dev/null && break
    kill -0 "$SERVER" 2>/dev/null || { echo "chat_web exited:"; cat "$OUT/server.log"; exit 1; }
    sleep 0.2
done

echo "== the openai client"
timeout 180 "$OUT/venv/bin/python" runs/openai_check.py "$PORT" "$OUT/chat_cli.txt"
echo "== load"
timeout 300 python3 runs/load_check.py "$PORT"
kill -0 "$SERVER" 2>/dev/null || { echo "chat_web died during the checks"; cat "$OUT/server.log"; exit 1; }
echo "openai_check: OK (output in $OUT)"
