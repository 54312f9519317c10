#!/usr/bin/env bash
# chat_eval end to end on a tiny model: a 4096-token tokenizer and a d2 base checkpoint trained for a few
# steps on ../shared's tinyshakespeare, then chat_eval -i base and -i sft (the same weights copied as a
# chat checkpoint) on 4 problems per task: the five accuracies, ChatCORE, the results files and the
# per-problem JSONL must appear; bad input must be one stderr line. Skips without ../shared's data.
set -uo pipefail
cd "$(dirname "$0")/.."
DATA="$(cd .. && pwd)/shared/data"
if [ ! -f "$DATA/text/tinyshakespeare.txt" ] || [ ! -f "$DATA/sft/gsm8k_test.jsonl" ]; then
    echo "chat_eval_check: skipped (no ../shared/data with text/tinyshakespeare.txt and sft/)"; exit 0
fi
swift build -c release 2>&1 | tail -1
BIN=.build/release
export NANOCHAT_BASE_DIR="$(mktemp -d /tmp/nanochat-chat-eval-check.XXXXXX)"
trap 'rm -rf "$NANOCHAT_BASE_DIR"' EXIT
fail() { echo "chat_eval_check: FAIL: $*"; exit 1; }

$BIN/tok_train --vocab-size=4096 --data-dir="$DATA/text/tinyshakespeare.txt" --max-chars=2000000 --threads=1 >/dev/null \
    || fail "tok_train"
$BIN/base_train --depth=2 --max-seq-len=256 --device-batch-size=4 --total-batch-size=1024 --num-iterations=5 \
    --eval-every=-1 --core-metric-every=-1 --sample-every=-1 --data-dir="$DATA/text/tinyshakespeare.txt" --threads=1 >/dev/null \
    || fail "base_train"
mkdir -p "$NANOCHAT_BASE_DIR/chatsft_checkpoints" && cp -r "$NANOCHAT_BASE_DIR/base_checkpoints/d2" "$NANOCHAT_BASE_DIR/chatsft_checkpoints/"

for source in base sft; do
    out=$(timeout 170 $BIN/chat_eval -i $source -x 4 -m 24 -b 3 --data-dir="$DATA" --threads=1 2>&1) || { echo "$out"; fail "chat_eval -i $source"; }
    for task in ARC-Easy ARC-Challenge MMLU GSM8K; do
        grep -q "^$task accuracy: " <<<"$out" || { echo "$out"; fail "no $task accuracy (-i $source)"; }
    done
    if command -v python3 >/dev/null; then
        grep -q "^HumanEval accuracy: " <<<"$out" || { echo "$out"; fail "no HumanEval accuracy"; }
        grep -q "^ChatCORE metric: " <<<"$out" || { echo "$out"; fail "no ChatCORE"; }
    fi
    for f in ${source}_results.csv ${source}_results.md ${source}_arc_easy.jsonl ${source}_gsm8k.jsonl; do
        [ -s "$NANOCHAT_BASE_DIR/chat_eval/$f" ] || fail "missing chat_eval/$f"
    done
    [ "$(wc -l < "$NANOCHAT_BASE_DIR/chat_eval/${source}_mmlu.jsonl")" -eq 4 ] || fail "${source}_mmlu.jsonl is not 4 lines"
    echo "ok   chat_eval -i $source: $(grep '^ChatCORE metric' <<<"$out" || echo 'no ChatCORE (no python3)')"
done

# bad input: one line on stderr, exit 1
for args in "-x 2" "-i base -a ARC-Easy|Nope" "-i base --data-dir=$NANOCHAT_BASE_DIR/none" "-i base -x 0"; do
    err=$($BIN/chat_eval $args 2>&1 >/dev/null); rc=$?
    [ "$rc" -eq 1 ] && [ "$(printf '%s' "$err" | grep -c '')" -eq 1 ] || fail "chat_eval $args: rc $rc, stderr: $err"
    echo "ok   chat_eval $args -> $err"
done
echo "chat_eval_check: passed"
