#!/usr/bin/env bash
# Bad input to the real binaries: each case must exit non-zero (not by a signal) with exactly one line on
# stderr that names the flag or file. Fast (no training): every case fails before any real work.
set -uo pipefail
cd "$(dirname "$0")/.."
swift build -c release 2>&1 | tail -1
BIN=.build/release
export NANOCHAT_BASE_DIR="$(mktemp -d /tmp/nanochat-hardening-check.XXXXXX)"
trap 'rm -rf "$NANOCHAT_BASE_DIR"' EXIT
fails=0; cases=0

# expect_error "substring the line must contain" tool args...
expect_error() {
    local want="$1"; shift
    local err rc lines
    cases=$((cases + 1))
    err=$(timeout 60 "$BIN/$@" 2>&1 >/dev/null); rc=$?
    lines=$(printf '%s' "$err" | grep -c '')
    if [ "$rc" -eq 0 ] || [ "$rc" -ge 124 ]; then
        echo "FAIL ($*): exit code $rc (want 1..123, no signal/timeout)"; fails=$((fails + 1))
    elif [ "$lines" -ne 1 ]; then
        echo "FAIL ($*): $lines lines on stderr (want 1):"; printf '%s\n' "$err" | head -5 | sed 's/^/    /'; fails=$((fails + 1))
    elif [[ "$err" != *"$want"* ]]; then
        echo "FAIL ($*): '$err' lacks '$want'"; fails=$((fails + 1))
    else
        echo "ok   $* -> $err"
    fi
}

# flags: missing values, stray words, single dash, unknown names, ranges
expect_error "--depth needs a value"           base_train --depth
expect_error "--depth needs a value"           base_train --depth --max-seq-len=64
expect_error "unexpected argument 'foo'"       base_train foo
expect_error "--depth=3"                       base_train -depth=3
expect_error "unknown flag --nope"             base_train --nope=1
expect_error "--depth=0"                       base_train --depth=0
expect_error "--depth=100000"                  base_train --depth=100000
expect_error "--head-dim=0"                    base_train --head-dim=0
expect_error "--device-batch-size=0"           base_train --device-batch-size=0
expect_error "--seed=-1"                       base_train --seed=-1
expect_error "--window-pattern=SX"             base_train --window-pattern=SX
expect_error "--num-iterations=-2"             base_train --num-iterations=-2
expect_error "--resume-from-step=lst"          base_train --resume-from-step=lst
expect_error "--matrix-lr=nan"                 base_train --matrix-lr=nan
expect_error "--device-batch-size=0"           base_eval --device-batch-size=0
expect_error "--split-tokens=0"                base_eval --split-tokens=0
expect_error "--max-per-task=0"                base_eval --max-per-task=0
expect_error "unexpected argument 'x'"         base_eval x
expect_error "--vocab-size=100"                tok_train --vocab-size=100
expect_error "--doc-cap=0"                     tok_train --doc-cap=0
expect_error "-n needs a value"                dataset -n
expect_error "--num-workers=0"                 dataset -w 0
expect_error "--step=x"                        base_eval --step=x
expect_error "--top-p=0"                       chat_cli --top-p=0
expect_error "--port=0"                        chat_web -p 0
expect_error "--dtype=int8"                    chat_eval -d int8
expect_error "unknown flag --nope"             report --nope

# model sizes, files and tokenizers: a tiny tokenizer and a 1-step d2 checkpoint to point them at
D="$NANOCHAT_BASE_DIR"
mkdir -p "$D/text" "$D/absurd/d1"
for i in $(seq 1 300); do echo "The quick brown fox $i jumps over the lazy dog number $((i * 7)). Numbers 12 34 and words."; echo; done > "$D/text/corpus.txt"
$BIN/tok_train --input="$D/text/corpus.txt" --vocab-size=300 --output-dir="$D/tokenizer" >/dev/null || { echo "FAIL: tok_train setup"; exit 1; }
$BIN/base_train --depth=2 --aspect-ratio=32 --head-dim=32 --max-seq-len=32 --device-batch-size=2 --total-batch-size=64 \
    --num-iterations=1 --eval-every=-1 --sample-every=-1 --threads=1 --data-dir="$D/text/corpus.txt" >/dev/null \
    || { echo "FAIL: base_train setup"; exit 1; }
expect_error "--overwrite"                     tok_train --input="$D/text/corpus.txt" --vocab-size=280 --output-dir="$D/tokenizer"
expect_error "parameters"                      base_train --depth=1000 --data-dir="$D/text/corpus.txt"
: > "$D/empty.txt"
expect_error "empty.txt: empty text file"      base_eval --text="$D/empty.txt" --threads=1
expect_error "missing.txt: cannot read"        base_eval --text="$D/missing.txt" --threads=1
cat > "$D/absurd/d1/meta_000001.json" <<'JSON'
{"step": 1, "model_config": {"sequence_len": 2048, "vocab_size": 300, "n_layer": 4000, "n_head": 512, "n_kv_head": 512, "n_embd": 65536}}
JSON
expect_error "meta_000001.json"                base_eval --checkpoints-dir="$D/absurd" --threads=1
# a retrained tokenizer of the same size (other text) no longer matches the checkpoint's fingerprint
for i in $(seq 1 300); do echo "Completely different words $i: zebra xylophone quartz vex $((i * 13)) wizard jumbo."; echo; done > "$D/text/other.txt"
$BIN/tok_train --input="$D/text/other.txt" --vocab-size=300 --output-dir="$D/tokenizer2" >/dev/null || { echo "FAIL: tok_train setup 2"; exit 1; }
expect_error "different merges"                base_eval --tokenizer-dir="$D/tokenizer2" --eval=sample --threads=1
# every tool that runs a checkpoint loads it through Checkpoint/ModelLoader: the chat tools refuse it too
: > "$D/arc_easy.jsonl"
expect_error "different merges"                chat_cli -i base --tokenizer-dir="$D/tokenizer2" -p "hi" --threads=1
expect_error "different merges"                chat_web -i base --tokenizer-dir="$D/tokenizer2" --port=1 --threads=1
expect_error "different merges"                chat_eval -i base --tokenizer-dir="$D/tokenizer2" -a ARC-Easy --data-dir="$D" --threads=1

echo "hardening_check: $((cases - fails))/$cases cases ok"
[ "$fails" -eq 0 ]
