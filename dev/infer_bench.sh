#!/usr/bin/env bash
# Inference benchmark (nanochat's scripts/infer_bench.py on CPU): wraps the infer_bench executable. With no
# arguments: random weights of the d4, d6, d12 and d20 shapes (vocab 32768), fp32, the default sweep of
# decode batch sizes; each run prints its card, table and a JSON last line. Anything else is passed on:
#   dev/infer_bench.sh -i sft -g d4          # a checkpoint
#   DEPTHS=4,12 dev/infer_bench.sh --batch-sizes=1,8 --decode-tokens=64
# Run it on an idle machine: other processes take bandwidth and cores.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product infer_bench >/dev/null
if [ $# -gt 0 ] && [ -z "${DEPTHS:-}" ]; then exec .build/release/infer_bench "$@"; fi
for d in $(echo "${DEPTHS:-4,6,12,20}" | tr , " "); do .build/release/infer_bench --depth="$d" "$@"; done
