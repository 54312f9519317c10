#!/usr/bin/env bash
# Tokenizer benchmark: our trainer vs rustbpe, our encoder vs tiktoken, on the same text and vocab sizes.
# Usage: dev/tokenizer/bench.sh [MB=4] [RUNS=3]     (run from the repo root; needs /work/venv and ../shared/data)
# Runs are interleaved (ours, theirs, ours, theirs, ...) because the machine is shared; report medians.
set -euo pipefail
cd "$(dirname "$0")/../.."
MB=${1:-4}; RUNS=${2:-3}
PY=${PY:-python3}
DATA=${DATA:-$( [ -d ../shared/data ] && echo ../shared || echo ../../shared )/data/text/gutenberg_children}
W=$(mktemp -d /tmp/tokbench.XXXX)
trap 'rm -rf "$W"' EXIT
swift build -c release --product tok_train >/dev/null && swift build -c release --product bench >/dev/null
BIN=.build/release/tok_train
# corpus: whole books in file order until MB megabytes, blank-line separated paragraphs = documents
$PY - "$DATA" "$MB" "$W/corpus.txt" <<'PYEOF'
import os, sys
root, mb, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith(".txt"))
text = ""
for f in files:
    text += open(f, encoding="utf-8").read() + "\n\n"   # universal newlines: CRLF becomes LF
    if len(text.encode()) > mb * 1_000_000: break
text = text.encode()[:mb * 1_000_000].decode("utf-8", "ignore")
open(out, "w", encoding="utf-8").write(text[:text.rfind("\n\n")])
PYEOF
echo "corpus: $(wc -c < "$W/corpus.txt") bytes from $DATA"

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for V in 4096 32768; do
  : > "$W/ours.$V"; : > "$W/rust.$V"
  for r in $(seq "$RUNS"); do
    $BIN --input="$W/corpus.txt" --vocab-size=$V --doc-cap=1000000000 --output-dir="$W/ours$V" | grep '^trained' | sed -E 's/.* in ([0-9.]+)s.*/\1/' >> "$W/ours.$V"
    $PY dev/tokenizer/bench.py train "$W/corpus.txt" $V "$W/rust$V.tiktoken" | awk '/rustbpe_train_seconds/ {print $2}' >> "$W/rust.$V"
  done
  $PY dev/tokenizer/bench.py same "$W/ours$V/tokenizer.tiktoken" "$W/rust$V.tiktoken"
  o=$(median < "$W/ours.$V"); t=$(median < "$W/rust.$V")
  echo "train vocab $V: ours $(tr '\n' ' ' < "$W/ours.$V")s (median $o) | rustbpe $(tr '\n' ' ' < "$W/rust.$V")s (median $t) | speedup $(awk "BEGIN {printf \"%.2f\", $t/$o}")x"
done

for V in 4096 32768; do
  : > "$W/enc_ours1"; : > "$W/enc_oursN"; : > "$W/enc_tik1"; : > "$W/enc_tikN"
  for r in $(seq "$RUNS"); do
    out=$(.build/release/bench encode --tokenizer="$W/ours$V" --input="$W/corpus.txt" --threads=2)
    echo "$out" | awk '/encode_1thread_MBps/ {print $2}' >> "$W/enc_ours1"
    echo "$out" | awk '/encode_batch_MBps/ {print $2}' >> "$W/enc_oursN"
    out=$($PY dev/tokenizer/bench.py encode "$W/corpus.txt" "$W/ours$V/tokenizer.tiktoken")
    echo "$out" | awk '/1thread_MBps/ {print $2}' >> "$W/enc_tik1"
    echo "$out" | awk '/batch_MBps/ {print $2}' >> "$W/enc_tikN"
  done
  a=$(median < "$W/enc_ours1"); b=$(median < "$W/enc_tik1"); c=$(median < "$W/enc_oursN"); d=$(median < "$W/enc_tikN")
  echo "encode vocab $V, 1 thread: ours $a MB/s | tiktoken $b MB/s | ratio $(awk "BEGIN {printf \"%.2f\", $a/$b}")x"
  echo "encode vocab $V, 2 threads (batch): ours $c MB/s | tiktoken $d MB/s | ratio $(awk "BEGIN {printf \"%.2f\", $c/$d}")x"
done
