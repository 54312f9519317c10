#!/usr/bin/env bash
# MPI checks (CI runs this): data-parallel training equals one process on the same batch, resume on another
# rank count, and failures that end the whole job. Runs with --threads=1 in a private NANOCHAT_BASE_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v mpirun >/dev/null || { echo "mpi_check: skipped (no mpirun; install openmpi-bin)"; exit 0; }
swift build -c release 2>&1 | tail -1
export NANOCHAT_BASE_DIR="${NANOCHAT_BASE_DIR:-/tmp/nanochat-mpi-check}"
rm -rf "$NANOCHAT_BASE_DIR"; mkdir -p "$NANOCHAT_BASE_DIR"
trap 'rm -rf "$NANOCHAT_BASE_DIR"' EXIT
BIN=.build/release
MPIRUN="mpirun --allow-run-as-root --oversubscribe"
fail() { echo "mpi_check FAILED: $*"; exit 1; }

$BIN/dataset --generate=1 >/dev/null
$BIN/tok_train --vocab-size=512 | tail -1
SMALL="--depth=2 --aspect-ratio=64 --head-dim=64 --max-seq-len=64 --device-batch-size=2 --total-batch-size=256 --warmup-steps=1 --eval-every=-1 --sample-every=-1 --threads=1"

# expect_failure NAME PATTERN CMD...: the job must end within 30 s, non-zero, with PATTERN on one line
expect_failure() {
    local name=$1 pattern=$2; shift 2
    local start=$SECONDS out rc=0
    out=$(timeout 60 "$@" 2>&1) || rc=$?
    local took=$((SECONDS - start))
    [ "$rc" -ne 0 ] || fail "$name: exit code 0"
    [ "$rc" -ne 124 ] || fail "$name: job still running after 60 s (hang)"
    [ "$took" -lt 30 ] || fail "$name: took $took s"
    [ "$(grep -c "^error.*$pattern" <<<"$out")" -eq 1 ] || { echo "$out"; fail "$name: expected one error line matching '$pattern'"; }
    echo "ok: $name ends in ${took} s: $(grep "^error" <<<"$out")"
}

echo "== failures end the whole job"
# a text shard too small for two ranks: rank 1 has no documents while rank 0 waits in a collective
mkdir -p "$NANOCHAT_BASE_DIR/tiny"
printf 'one small document about cats.\n\nanother small one.\n' > "$NANOCHAT_BASE_DIR/tiny/a.txt"
printf 'val doc here.\n' > "$NANOCHAT_BASE_DIR/tiny/b.txt"
expect_failure "rank 1 without documents" "no documents for rank 1" \
    $MPIRUN -n 2 $BIN/base_train $SMALL --num-iterations=2 --data-dir="$NANOCHAT_BASE_DIR/tiny" --model-tag=tiny
# a corrupt loader state file of rank 1 on resume
$MPIRUN -n 2 $BIN/base_train $SMALL --num-iterations=3 --save-every=2 --model-tag=corrupt >/dev/null
echo '{"broken": ' > "$NANOCHAT_BASE_DIR/base_checkpoints/corrupt/loader_000002_rank1.json"
expect_failure "corrupt loader state of rank 1" "loader_000002_rank1.json" \
    $MPIRUN -n 2 $BIN/base_train $SMALL --num-iterations=3 --resume-from-step=2 --model-tag=corrupt
# the same bad flag on every rank: printed once
expect_failure "bad flag on every rank" "depth" $MPIRUN -n 2 $BIN/base_train $SMALL --depth=-3
echo "mpi_check: all passed"
