#!/usr/bin/env bash
# Data-parallel smoke test: the same 3 steps (same total batch) on 1 process and under `mpirun -n 2`.
# Each rank trains on its own row groups, gradients are summed with one MPI all-reduce of the flat buffer,
# every rank takes the same optimizer step. Then resumes the 2-rank run on 1 rank (different rank count).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release 2>&1 | tail -1
export NANOCHAT_BASE_DIR="${NANOCHAT_BASE_DIR:-/tmp/nanochat-mpi-check}"
BIN=.build/release
$BIN/dataset -n 2 >/dev/null 2>&1 || true
[ -f "$NANOCHAT_BASE_DIR/tokenizer/tokenizer.tiktoken" ] || $BIN/tok_train --vocab-size=4096 | tail -1
ARGS="--depth=2 --aspect-ratio=64 --head-dim=64 --max-seq-len=128 --device-batch-size=4 --total-batch-size=1024 --num-iterations=3 --warmup-steps=1 --eval-every=3 --eval-tokens=4096 --sample-every=-1"
echo "== 1 process"
$BIN/base_train $ARGS --model-tag=mpi1 --threads=1 | grep -E "^step|bpb"
echo "== mpirun -n 2"
mpirun --allow-run-as-root --oversubscribe -n 2 $BIN/base_train $ARGS --model-tag=mpi2 --threads=1 --save-every=2 | grep -E "^step|bpb|Tokens"
echo "== resume the 2-rank run at step 2 on 1 rank"
$BIN/base_train $ARGS --model-tag=mpi2 --threads=1 --resume-from-step=2 | grep -E "^step|bpb|warning|Resuming"
