#!/usr/bin/env bash
# PyTorch nanochat on this machine, the same configs as dev/bench.sh (a, c, b), back to back with it, as in
# ../shared/anchors/pytorch-nanochat.md: torch.compile, fp32, 2 threads, nanochat HEAD from the local mirror,
# nanochat's own tok_train at vocab 32768, flags --window-pattern=L --eval-every=-1 --core-metric-every=-1
# --sample-every=-1. tok/s = median of the step lines after the first 3; peak RSS from /usr/bin/time.
#   setup (once): a venv with torch from PyPI and nanochat's dependencies, nanochat's source via git archive,
#   parquet shards of the shared Gutenberg books (dev/bench_shards.py; dev/bench.sh reads the same shards).
# Usage: dev/bench_torch.sh [a|c|b ...]   (VENV, BENCH_BASE_DIR, NANOCHAT_MIRROR override the paths)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="${VENV:-/tmp/nanochat-torch-venv}"
SRC="${NANOCHAT_SRC:-/tmp/nanochat-torch-src}"
MIRROR="${NANOCHAT_MIRROR:-/work/.mirror/karpathy+nanochat/repo}"
export NANOCHAT_BASE_DIR="${BENCH_BASE_DIR:-/tmp/nanochat-bench}"
PYBASE="$NANOCHAT_BASE_DIR/torch"   # nanochat's own tokenizer and checkpoints; shards shared via a symlink
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q torch==2.9.1 numpy pyarrow rustbpe tiktoken wandb psutil filelock pyyaml jinja2 requests regex
fi
if [ ! -f "$SRC/scripts/base_train.py" ]; then
    mkdir -p "$SRC"; git -C "$MIRROR" archive HEAD | tar -x -C "$SRC"
fi
echo "nanochat $(git -C "$MIRROR" rev-parse --short HEAD), $("$VENV/bin/python" -c 'import torch; print("torch", torch.__version__)')"
[ -d "$NANOCHAT_BASE_DIR/base_data_climbmix" ] || "$VENV/bin/python" dev/bench_shards.py "$NANOCHAT_BASE_DIR/base_data_climbmix"
mkdir -p "$PYBASE"; ln -sfn "$NANOCHAT_BASE_DIR/base_data_climbmix" "$PYBASE/base_data_climbmix"
export OMP_NUM_THREADS="${THREADS:-2}"
unset OPENBLAS_CORETYPE
cd "$SRC"
if [ ! -f "$PYBASE/tokenizer/tokenizer.pkl" ]; then
    NANOCHAT_BASE_DIR="$PYBASE" "$VENV/bin/python" -m scripts.tok_train --vocab-size=32768 | tail -2
fi
configs=("$@"); [ ${#configs[@]} -gt 0 ] || configs=(a c b)
for c in "${configs[@]}"; do
    case $c in
        a) args="--depth=4 --device-batch-size=1 --total-batch-size=512 --num-iterations=20" ;;
        c) args="--depth=4 --device-batch-size=8 --total-batch-size=4096 --num-iterations=12" ;;
        b) args="--depth=6 --head-dim=64 --device-batch-size=32 --total-batch-size=16384 --num-iterations=8" ;;
        *) echo "unknown config $c (a, c or b)" >&2; exit 1 ;;
    esac
    log=$(mktemp)
    NANOCHAT_BASE_DIR="$PYBASE" /usr/bin/time -v "$VENV/bin/python" -m scripts.base_train $args --max-seq-len=512 \
        --window-pattern=L --eval-every=-1 --core-metric-every=-1 --sample-every=-1 --device-type=cpu --run=dummy \
        --model-tag="bench_$c" > "$log" 2>&1 || { tail -20 "$log"; exit 1; }
    med=$(awk '/^step / { split($2, ss, "/"); if (ss[1] + 0 >= 3) for (i = 1; i <= NF; i++) if ($i == "tok/sec:") { v = $(i+1); gsub(",", "", v); print v } }' "$log" \
          | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2 }')
    rss=$(awk '/Maximum resident set size/ { printf "%.2f", $NF / 1048576 }' "$log")
    echo "torch $c: median $med tok/s (steps >= 3), peak RSS $rss GB  ($args)"
    rm -f "$log"
done
