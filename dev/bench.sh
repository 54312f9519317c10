#!/usr/bin/env bash
# Training-speed benchmark on the fixed configs of ../shared/anchors/pytorch-nanochat.md:
#   (a) d4  B=1  T=512, total 512     (b) d6 head-dim 64 B=32 T=512, total 16384     (c) d4 B=8 T=512, total 4096
# all with --window-pattern=L, vocab 32768, no eval/sampling. Prints per config: median ms/step over steps ≥ 3,
# tokens/s, achieved GFLOP/s (nanochat's FLOPs/token × tok/s), MFU against the sgemm peak measured at start-up,
# and peak RSS. Usage: dev/bench.sh [a|b|c ...]   (THREADS=1 for the single-thread variants)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release 2>&1 | tail -1
export NANOCHAT_BASE_DIR="${BENCH_BASE_DIR:-/tmp/nanochat-bench}"
BIN=.build/release
THREADS="${THREADS:-0}"
# real text (the shared books) so the tokenizer reaches the full 32768 vocab; else nanochat's shards / generated
bash runs/books_data.sh "$NANOCHAT_BASE_DIR/base_data" || $BIN/dataset -n 8 >/dev/null 2>&1 || true
if [ ! -f "$NANOCHAT_BASE_DIR/tokenizer/tokenizer.tiktoken" ]; then
    $BIN/tok_train --vocab-size=32768 | tail -2
fi
configs=("$@"); [ ${#configs[@]} -gt 0 ] || configs=(a c b)
printf "%-4s %10s %10s %10s %8s %10s  %s\n" cfg "ms/step" "tok/s" "GFLOP/s" "MFU%" "peakRSS" "args"
for c in "${configs[@]}"; do
    case $c in
        a) args="--depth=4 --device-batch-size=1 --total-batch-size=512 --num-iterations=12" ;;
        b) args="--depth=6 --head-dim=64 --device-batch-size=32 --total-batch-size=16384 --num-iterations=6" ;;
        c) args="--depth=4 --device-batch-size=8 --total-batch-size=4096 --num-iterations=8" ;;
        *) echo "unknown config $c" >&2; exit 1 ;;
    esac
    log=$(mktemp)
    $BIN/base_train $args --max-seq-len=512 --window-pattern=L --eval-every=-1 --sample-every=-1 --core-metric-every=-1 \
        --threads="$THREADS" --model-tag="bench_$c" --checkpoints-dir=/tmp/nanochat-bench-ckpt > "$log"
    # median dt over steps >= 3, via sort (portable awk has no asort)
    med=$(awk '/^step / { split($2, ss, "/"); if (ss[1] + 0 >= 3) { n = split($0, f, "|"); for (i = 1; i <= n; i++) if (f[i] ~ /dt:/) { v = f[i]; gsub(/[^0-9.]/, "", v); print v } } }' "$log" \
          | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2 }')
    awk -v cfg="$c" -v args="$args" -v m="$med" '
        /Estimated FLOPs per token/ { fpt = $NF }
        /Measured fp32 sgemm peak/ { for (i = 1; i <= NF; i++) if ($i == "peak:") peak = $(i+1) }
        /^Peak memory \(RSS\):/ { rss = $(NF-1) " " $NF }
        /Tokens \/ micro-batch/ { for (i = 1; i <= NF; i++) if ($i == "batch:") { tb = $(i+1); gsub(",", "", tb) } }
        END {
            tps = tb / (m / 1000); gf = fpt * tps / 1e9
            printf "%-4s %10.1f %10.0f %10.1f %8.1f %10s  %s\n", cfg, m, tps, gf, 100 * gf / peak, rss, args
        }' "$log"
    rm -f "$log"
done
