#!/usr/bin/env bash
# The README's first command on a fresh clone, as a new user runs it: a `git clone` of this checkout's HEAD into a
# temporary directory with no ../shared beside it, no network for the tools (`unshare -n`; where that is not
# allowed, an unreachable shard URL), a fresh NANOCHAT_BASE_DIR, and runs/runcpu.sh scaled down (d2, 6 steps, a
# 2048-token vocabulary, 1 chat_rl step on the bundled GSM8K). The build of this checkout is reused (BIN=...: same commit, no second compile); the
# bundled data is read from the clone (NANOCHAT_CORPUS_DIR, NANOCHAT_SFT_BUNDLE, NANOCHAT_CORE_BUNDLE).
# Passes when runcpu.sh exits 0 and: the tokenizer reached its vocabulary on the bundled books, base_eval printed a
# CORE score, chatsft_checkpoints/d2 exists and reported val loss, `chat_cli -p Hello` answers, and the report
# with its plots was written.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
BIN="$REPO/.build/release"
for tool in dataset tok_train base_train base_eval chat_sft chat_rl chat_cli report; do
    [ -x "$BIN/$tool" ] || { echo "newcomer_check: skipped ($BIN/$tool not built; run swift build -c release)"; exit 0; }
done
command -v git >/dev/null || { echo "newcomer_check: skipped (no git)"; exit 0; }

WORK=$(mktemp -d /tmp/newcomer_check.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
git clone -q --no-hardlinks "$REPO" "$WORK/nanochat"
CLONE="$WORK/nanochat"
[ ! -e "$WORK/shared" ] || { echo "FAIL: $WORK/shared exists"; exit 1; }
export NANOCHAT_BASE_DIR="$WORK/base"
export NANOCHAT_CORPUS_DIR="$CLONE/data/gutenberg" NANOCHAT_SFT_BUNDLE="$CLONE/data/sft" NANOCHAT_CORE_BUNDLE="$CLONE/data/core"
export DEPTH=2 STEPS=6 SFT_STEPS=6 RL_STEPS=1 NPROC=1 VOCAB_SIZE=2048 TOK_MAX_CHARS=4000000 EVAL_MAX_PER_TASK=2 EVAL_SPLIT_TOKENS=2048
export SETUP=0 BIN NANOCHAT_PROGRESS=lines

# no network: an empty network namespace when allowed, else a shard URL nothing answers on
# (loopback up: Foundation's run loop needs a 127.0.0.1 socket pair)
NONET=()
if unshare -n sh -c 'ip link set lo up' 2>/dev/null; then
    NONET=(unshare -n sh -c 'ip link set lo up && exec "$@"' nonet); echo "newcomer_check: network: loopback only (unshare -n)"
else export SHARD_URL="http://127.0.0.1:9"; echo "newcomer_check: network: unshare -n not allowed here, shards from the unreachable $SHARD_URL"; fi

LOG="$WORK/runcpu.log"
start=$(date +%s)
if ! (cd "$CLONE" && timeout 600 "${NONET[@]}" bash runs/runcpu.sh) >"$LOG" 2>&1; then
    tail -40 "$LOG"; echo "FAIL: runs/runcpu.sh exited non-zero on a fresh clone"; exit 1
fi
secs=$(( $(date +%s) - start ))
fail() { tail -60 "$LOG"; echo "FAIL: $1"; exit 1; }
grep -aq "installed the bundled Project Gutenberg corpus" "$LOG" || fail "the bundled books were not installed"
grep -aq "tiktoken and tokenizer_config.json (vocab 2,048)" "$LOG" || fail "the tokenizer was not saved with its 2,048-token vocabulary"
! grep -aq "is not reachable on this corpus" "$LOG" || fail "the tokenizer did not reach its vocabulary"
grep -aq "using the subset bundled in" "$LOG" || fail "base_eval did not use the bundled CORE subset"
grep -aEq "^CORE metric: -?[0-9]" "$LOG" || fail "base_eval printed no CORE score"
grep -aq "using the mixture bundled in" "$LOG" || fail "chat_sft did not use the bundled SFT mixture"
grep -aq "Validation bpb:" "$LOG" || fail "chat_sft reported no val bpb"
ls "$NANOCHAT_BASE_DIR"/chatsft_checkpoints/d2/model_*.safetensors >/dev/null 2>&1 || fail "no chatsft_checkpoints/d2 checkpoint"
grep -aq "using the GSM8K train bundled in" "$LOG" || fail "chat_rl did not use the bundled GSM8K"
ls "$NANOCHAT_BASE_DIR"/chatrl_checkpoints/d2/model_*.safetensors >/dev/null 2>&1 || fail "no chatrl_checkpoints/d2 checkpoint"
[ -s "$NANOCHAT_BASE_DIR/report/report.md" ] || fail "no report.md"
[ "$(ls "$NANOCHAT_BASE_DIR"/report/*.svg 2>/dev/null | wc -l)" -ge 2 ] || fail "no report plots"
grep -aq "total" <(sed -n '/Wall time per stage/,$p' "$LOG") || fail "runcpu.sh printed no stage times"
[ "$(grep -ac "Wall time per stage" "$LOG")" = 1 ] || fail "stage times printed more than once"
answer=$(cd "$CLONE" && timeout 120 "${NONET[@]}" "$BIN/chat_cli" -i sft -p "Hello" --max-tokens=16 2>&1) || { echo "$answer"; fail "chat_cli -p Hello failed"; }
[ -n "$(echo "$answer" | tr -d '[:space:]')" ] || fail "chat_cli -p Hello gave an empty answer"
grep -aE "^NOTE: no (SFT data|CORE bundle)|^Validation \(no|^CORE metric|Validation bpb|ChatCORE" "$LOG" | cut -c1-240
sed -n '/Wall time per stage/,$p' "$LOG"
echo "newcomer_check: OK (runcpu.sh on a fresh clone, offline, ${secs}s; chat_cli said: $(echo "$answer" | tr '\n' ' ' | cut -c1-80))"
