#!/bin/sh
# Optimizer step time at d4 (V 32768, C 256): both Muon threading strategies and the AdamW part alone.
# Usage: dev/bench_optim.sh   (numbers are noisy on a shared machine; run it when the box is quiet)
cd "$(dirname "$0")/.." && NANOCHAT_BENCH=1 swift test -c release --filter OptimBenchmarkTests 2>&1 | grep -E "^(d4|  )"
