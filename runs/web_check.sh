#!/usr/bin/env bash
# chat_web end to end on a tiny checkpoint it trains itself (a few base_train steps of a depth-2 model on
# the built-in corpus): /health, a streamed SSE completion, every kind of bad request answered with its
# 4xx while the server keeps serving, keep-alive, 8 concurrent clients, clients leaving mid-stream; then
# headless Chromium loads the page, sends a message the server refuses (the page must give the text back
# without a dangling user turn), sends it again and waits for the streamed reply in the DOM.
# chat_cli answers one -p prompt and leaves on `quit`.
# Output (server log, screenshot, DOM) in $WEB_CHECK_OUT (default /tmp/nanochat-web-check).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${WEB_CHECK_OUT:-/tmp/nanochat-web-check}"
bash runs/test_deps.sh
for tool in python3 curl; do
    command -v "$tool" >/dev/null || { echo "web_check: skipped ($tool is not installed)"; exit 0; }
done
swift build -c release 2>&1 | tail -1
BIN=.build/release
export NANOCHAT_BASE_DIR="$(mktemp -d /tmp/nanochat-web-check-base.XXXXXX)"
rm -rf "$OUT"; mkdir -p "$OUT"
SERVER=""
cleanup() {
    if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
    rm -rf "$NANOCHAT_BASE_DIR"
}
trap cleanup EXIT INT TERM

source runs/tiny_checkpoint.sh

echo "== chat_cli on it"
ANSWER=$($BIN/chat_cli --source=base -p "Hello there" --max-tokens=8 --threads=1)
[ -n "$ANSWER" ] || { echo "chat_cli -p printed nothing"; exit 1; }
echo "chat_cli -p answered: $ANSWER"
cli_out=$(printf 'hi\nclear\nquit\n' | $BIN/chat_cli --source=base --max-tokens=4 --threads=1)
grep -q "Goodbye" <<<"$cli_out" || { echo "$cli_out"; echo "chat_cli did not leave on quit"; exit 1; }

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
READ_TIMEOUT=2
echo "== chat_web on 127.0.0.1:$PORT"
$BIN/chat_web --source=base --port="$PORT" --num-engines=2 --read-timeout=$READ_TIMEOUT --threads=1 >"$OUT/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break
    kill -0 "$SERVER" 2>/dev/null || { echo "chat_web exited:"; cat "$OUT/server.log"; exit 1; }
    sleep 0.2
done
curl -sf "http://127.0.0.1:$PORT/health"

echo "== HTTP checks"
python3 runs/web_check_http.py "$PORT" "$READ_TIMEOUT"

echo "== the page in headless Chromium"
if command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null; then
    timeout 150 python3 runs/web_check_browser.py "http://127.0.0.1:$PORT/" "$OUT"
else
    echo "web_check: browser part skipped (chromium is not installed)"
fi
kill -0 "$SERVER" 2>/dev/null || { echo "chat_web died during the checks"; cat "$OUT/server.log"; exit 1; }
echo "web_check: OK (output in $OUT)"
