#!/usr/bin/env bash
# Training-speed benchmark on the fixed configs of ../shared/anchors/pytorch-nanochat.md, all --window-pattern=L,
# vocab 32768, no eval/sampling:
#   a: d4 B=1 T=512 (total 512)   c: d4 B=8 T=512 (total 4096)   b: d6 head-dim 64 B=32 T=512 (total 16384)
#   m: MPI on one box, d4 2×512 per step: `mpirun -n 2` with 1 thread each against 1 process with 2 threads
# Each config runs `bench train` (base_train's code path and flags, Sources/NanoChatBench/TrainBench.swift):
# median step after 3 warm-up steps, tok/s, MFU against the CPU's FMA limit (PeakFLOPS, printed once with how
# it was obtained), peak RSS, and the step's breakdown (forward/backward by layer kind, head, collectives,
# AdamW, Muon, data wait). Then the step's GEMMs alone for c (`bench model --gemms`).
# Data: the parquet shards dev/bench_torch.sh builds for PyTorch nanochat ($BENCH_BASE_DIR/base_data_climbmix),
# so both sides read the same documents; without them the shared books as .txt shards.
# Usage: dev/bench.sh [a|c|b|m ...]    THREADS=1 for single-thread runs; run on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release 2>&1 | tail -1
export NANOCHAT_BASE_DIR="${BENCH_BASE_DIR:-/tmp/nanochat-bench}"
unset OPENBLAS_CORETYPE   # OpenBLAS picks its best kernel for this CPU
BIN=.build/release
THREADS="${THREADS:-0}"
DATA="$NANOCHAT_BASE_DIR/base_data_climbmix"
if [ ! -d "$DATA" ]; then DATA="$NANOCHAT_BASE_DIR/base_data"; bash runs/books_data.sh "$DATA" || $BIN/dataset -n 8 >/dev/null; fi
if [ ! -f "$NANOCHAT_BASE_DIR/tokenizer/tokenizer.tiktoken" ]; then
    $BIN/tok_train --vocab-size=32768 --data-dir="$DATA" | tail -2
fi
$BIN/bench peak --rounds 3
common=(--max-seq-len=512 --window-pattern=L --eval-every=-1 --sample-every=-1 --core-metric-every=-1
        --data-dir="$DATA" --checkpoints-dir=/tmp/nanochat-bench-ckpt --overwrite)
configs=("$@"); [ ${#configs[@]} -gt 0 ] || configs=(a c b m)
for c in "${configs[@]}"; do
    echo "== config $c"
    case $c in
        a) $BIN/bench train --depth=4 --device-batch-size=1 --total-batch-size=512 --num-iterations=20 --threads="$THREADS" --model-tag=bench_a "${common[@]}" | sed -n '/^MFU denominator:/,$p' ;;
        c) $BIN/bench train --depth=4 --device-batch-size=8 --total-batch-size=4096 --num-iterations=12 --threads="$THREADS" --model-tag=bench_c "${common[@]}" | sed -n '/^MFU denominator:/,$p'
           $BIN/bench model --depth=4 --device-batch-size=8 --steps=3 --gemms --threads="$THREADS" | grep -E "^d4|GEMMs alone|linear|head" ;;
        b) $BIN/bench train --depth=6 --head-dim=64 --device-batch-size=32 --total-batch-size=16384 --num-iterations=8 --threads="$THREADS" --model-tag=bench_b "${common[@]}" | sed -n '/^MFU denominator:/,$p' ;;
        m) args=(--depth=4 --device-batch-size=1 --total-batch-size=1024 --num-iterations=16 "${common[@]}")
           echo "-- 1 process, 2 threads";  $BIN/bench train "${args[@]}" --threads=2 --model-tag=bench_m1 | grep "^bench:"
           echo "-- mpirun -n 2, 1 thread each"
           timeout 900 mpirun --allow-run-as-root --oversubscribe -n 2 $BIN/bench train "${args[@]}" --threads=1 --model-tag=bench_m2 | grep "^bench:" ;;
        *) echo "unknown config $c (a, c, b or m)" >&2; exit 1 ;;
    esac
done
