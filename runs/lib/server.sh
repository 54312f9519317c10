# Sourced by the checks that start chat_web (web_check.sh, openai_check.sh): a free loopback port, the
# server started in the background and waited for on /health, and one cleanup on exit that stops it and
# removes $NANOCHAT_BASE_DIR. Needs python3 (both checks skip without it).
SERVER=""
server_cleanup() {
    if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
    rm -rf "$NANOCHAT_BASE_DIR"
}
trap server_cleanup EXIT INT TERM

# free_port: a port nothing listens on now
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_server LOG PORT command...: runs the command in the background (SERVER = its pid), output to LOG, and
# waits up to 20 s for http://127.0.0.1:PORT/health; fails showing LOG if the server exits first.
start_server() {
    local log="$1" port="$2"; shift 2
    "$@" >"$log" 2>&1 &
    SERVER=$!
    for _ in $(seq 100); do
        python3 -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" "http://127.0.0.1:$port/health" 2>/dev/null && return 0
        kill -0 "$SERVER" 2>/dev/null || { echo "chat_web exited:"; cat "$log"; exit 1; }
        sleep 0.2
    done
    echo "chat_web did not answer /health on port $port within 20 s:"; cat "$log"; exit 1
}

# server_alive LOG: fails showing LOG when the server died during the checks
server_alive() {
    kill -0 "$SERVER" 2>/dev/null || { echo "chat_web died during the checks"; cat "$1"; exit 1; }
}
