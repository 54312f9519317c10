"""Parquet shards for the training benchmarks (dev/bench.sh, dev/bench_torch.sh), as in
../shared/anchors/pytorch-nanochat.md: the shared Gutenberg children's books cut into documents of about
3,000 characters, shuffled with seed 42, nanochat's shard settings (column `text`, row groups of 1024,
zstd level 3, no dictionary, no statistics), 5 shards, the last one the val split.
usage: python dev/bench_shards.py OUT_DIR [BOOKS_DIR]"""
import glob, os, random, sys
import pyarrow as pa, pyarrow.parquet as pq

out = sys.argv[1]
books = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "../../shared/data/text/gutenberg_children")
files = sorted(glob.glob(os.path.join(books, "**/*.txt"), recursive=True))
if not files:
    sys.exit(f"bench_shards: no .txt books under {books}")
docs = []
for f in files:
    cur = ""
    for para in open(f, encoding="utf-8", errors="replace").read().split("\n\n"):
        para = para.strip()
        if not para:
            continue
        cur = cur + "\n\n" + para if cur else para
        if len(cur) >= 3000:
            docs.append(cur); cur = ""
    if cur:
        docs.append(cur)
random.Random(42).shuffle(docs)
os.makedirs(out, exist_ok=True)
n = 5
for s in range(n):
    part = docs[s * len(docs) // n:(s + 1) * len(docs) // n]
    pq.write_table(pa.Table.from_pydict({"text": part}), os.path.join(out, f"shard_{s:05d}.parquet"), row_group_size=1024,
                   use_dictionary=False, compression="zstd", compression_level=3, write_statistics=False)
print(f"bench_shards: {len(docs)} documents from {len(files)} books in {n} shards in {out}")
