#!/bin/bash
# Parquet read speed and loader throughput on nanochat-format shards built from ../shared/data
# (Gutenberg children's books, ~48 MB of text, cut into ~3 KB documents, zstd level 3, row groups of 1024,
# no dictionary). Usage: dev/data/bench.sh [tokenizer.tiktoken]
set -e
cd "$(dirname "$0")/../.."
OUT=${BENCH_DIR:-/tmp/nanochat-data-bench}
TOK=${1:-Tests/NanoChatTests/Fixtures/tokenizer_multi_4096/tokenizer.tiktoken}
if [ ! -f "$OUT/shard_00002.parquet" ]; then
  python3 - "$OUT" <<'PY'
import os, sys, glob, pyarrow as pa, pyarrow.parquet as pq
out = sys.argv[1]; os.makedirs(out, exist_ok=True)
paras = []
for f in sorted(glob.glob("../shared/data/text/gutenberg_children/*/*.txt")):
    paras += [p.strip() for p in open(f, encoding="utf-8", errors="replace").read().split("\n\n") if p.strip()]
docs, cur = [], ""
for p in paras:
    cur = cur + "\n\n" + p if cur else p
    if len(cur) > 3000: docs.append(cur); cur = ""
n = len(docs) // 3 // 1024 * 1024
for s in range(3):
    t = pa.table({"text": docs[s * n:(s + 1) * n]})
    pq.write_table(t, f"{out}/shard_{s:05d}.parquet", row_group_size=1024, use_dictionary=False,
                   compression="zstd", compression_level=3, write_statistics=False)
print(f"{out}: 3 shards of {n} docs")
PY
fi

swift build -c release --product bench >/dev/null
.build/release/bench data --data-dir "$OUT" --tokenizer "$TOK" --batches 10
