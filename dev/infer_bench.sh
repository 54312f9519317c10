#!/usr/bin/env bash
# Inference benchmark (nanochat's scripts/infer_bench.py on CPU): prefill and decode tokens/s at batch 1
# and 8 for d4, d6, d12-shaped models (random weights, vocab 32768, 128-token prompt), decode ms per token
# vs context with the KV cache and by recomputing the prefix, and achieved GB/s of weight reads at batch 1
# against the measured read bandwidth. Usage: dev/infer_bench.sh   (DEPTHS=4,6 STEPS=16 THREADS=1 to vary)
set -euo pipefail
cd "$(dirname "$0")/.."
NANOCHAT_BENCH=1 NANOCHAT_BENCH_DEPTHS="${DEPTHS:-4,6,12}" NANOCHAT_BENCH_STEPS="${STEPS:-16}" \
    ${THREADS:+NANOCHAT_BENCH_THREADS=$THREADS} \
    swift test -c release --filter EngineBenchmarkTests 2>&1 | grep -vE "^(\[|Test Suite|Test Case|Building|Build)" | grep -v "^\s*Executed"
