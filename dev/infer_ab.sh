#!/usr/bin/env bash
# Two builds of infer_bench, interleaved (A B A B …), for before/after comparisons on a noisy machine:
#   dev/infer_ab.sh N DIR_A DIR_B [infer_bench flags...]
# DIR_A, DIR_B: checkouts with a release build (.build/release/infer_bench). Prints each run's table rows
# (and --profile lines) under "== DIR"; quote medians of the N pairs. Run it on an otherwise idle machine.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: dev/infer_ab.sh N DIR_A DIR_B [infer_bench flags...]" >&2; exit 2; }
N=$1; A=$2; B=$3; shift 3
for dir in "$A" "$B"; do
    [ -x "$dir/.build/release/infer_bench" ] || { echo "infer_ab: $dir/.build/release/infer_bench: not built (swift build -c release --product infer_bench)" >&2; exit 2; }
done
for _ in $(seq "$N"); do
    for dir in "$A" "$B"; do
        echo "== $dir"
        "$dir/.build/release/infer_bench" "$@" 2>&1 | grep -E "^ +[0-9]+ |ms/step|Prefill|streaming read"
    done
done
