"""Writes small parquet files with real pyarrow for the Swift parquet reader tests.
Run: python3 dev/data/make_parquet_fixtures.py
Outputs Tests/NanoChatTests/Fixtures/parquet/*.parquet and expected.json (texts per file; null -> None)."""
import json, os
import pyarrow as pa, pyarrow.parquet as pq

out = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "NanoChatTests", "Fixtures", "parquet")
os.makedirs(out, exist_ok=True)

base = [f"Document number {i}: " + ("a quick fox. " * (i % 7)) for i in range(300)]
base[3] = ""                                  # empty string
base[5] = "Grüße aus Köln — 日本語のテキスト, emoji 🎉 and ñ"   # non-ASCII
base[7] = "x" * 5000                          # a long value, spans pages with small page size
with_nulls = list(base); with_nulls[10] = None; with_nulls[200] = None
repeated = [["alpha", "beta", "gamma", "delta", "Grüße"][i % 5] for i in range(300)]
repeated[4] = None

files = {}
def write(name, texts, **kw):
    t = pa.table({"text": pa.array(texts, type=pa.string())})
    pq.write_table(t, os.path.join(out, name), **kw)
    files[name] = texts

# nanochat's settings, several row groups
write("zstd_plain.parquet", base, row_group_size=128, compression="zstd", compression_level=3,
      use_dictionary=False, write_statistics=False)
# snappy with nulls, small pages (several pages per column chunk)
write("snappy_nulls.parquet", with_nulls, row_group_size=100, compression="snappy", use_dictionary=False,
      data_page_size=2048)
# uncompressed, dictionary-encoded, nulls
write("uncompressed_dict.parquet", repeated, row_group_size=64, compression="none", use_dictionary=True)
# data page v2, zstd, dictionary, nulls
write("v2_zstd_dict.parquet", with_nulls, row_group_size=150, compression="zstd", use_dictionary=True,
      data_page_version="2.0")
# data page v2 snappy plain
write("v2_snappy_plain.parquet", with_nulls, row_group_size=150, compression="snappy", use_dictionary=False,
      data_page_version="2.0", data_page_size=4096)

# several columns; `text` is not the first; required (non-null) column
t = pa.table({"id": pa.array(range(50), type=pa.int64()),
              "text": pa.array(base[:50], type=pa.string()),
              "score": pa.array([i * 0.5 for i in range(50)])})
schema = pa.schema([pa.field("id", pa.int64()), pa.field("text", pa.string(), nullable=False), pa.field("score", pa.float64())])
pq.write_table(t.cast(schema), os.path.join(out, "multi_column.parquet"), row_group_size=20, compression="zstd")
files["multi_column.parquet"] = base[:50]

# invalid UTF-8 in a binary `text` column: decoded with U+FFFD replacement, counted
bad = [b"fine text", b"bad \xff\xfe bytes", b"truncated \xe2\x82", b"ok again"]
pq.write_table(pa.table({"text": pa.array(bad, type=pa.binary())}), os.path.join(out, "invalid_utf8.parquet"),
               compression="none", use_dictionary=False)
files["invalid_utf8.parquet"] = [b.decode("utf-8", errors="replace") for b in bad]

# no `text` column
pq.write_table(pa.table({"content": ["a", "b"]}), os.path.join(out, "no_text_column.parquet"))

# each distinct text list is stored once under "lists"; files refer to it by name
lists, meta = {}, {}
for name, texts in files.items():
    key = next((k for k, v in lists.items() if v == texts), None)
    if key is None:
        key = f"list{len(lists)}"; lists[key] = texts
    f = pq.ParquetFile(os.path.join(out, name))
    meta[name] = {"row_groups": [f.metadata.row_group(i).num_rows for i in range(f.num_row_groups)], "list": key}
json.dump({"lists": lists, "files": meta}, open(os.path.join(out, "expected.json"), "w"), ensure_ascii=False)
for n in sorted(os.listdir(out)): print(n, os.path.getsize(os.path.join(out, n)))

# Digest of the loader_bestfit shards (written by nanochat's settings): per row group, the row count and
# FNV-1a 64 of the UTF-8 texts joined by "\x00", so the Swift reader can be checked on every row.
def fnv1a(b):
    h = 0xcbf29ce484222325
    for x in b:
        h ^= x; h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h
lb = os.path.join(out, "..", "loader_bestfit")
digest = {}
for name in ["shard_00000.parquet", "shard_00001.parquet"]:
    f = pq.ParquetFile(os.path.join(lb, name))
    rgs = []
    for i in range(f.num_row_groups):
        texts = f.read_row_group(i).column("text").to_pylist()
        rgs.append({"rows": len(texts), "fnv": str(fnv1a("\x00".join(texts).encode("utf-8"))), "first": texts[0][:60]})
    digest[name] = rgs
json.dump(digest, open(os.path.join(out, "loader_bestfit_digest.json"), "w"), ensure_ascii=False)
