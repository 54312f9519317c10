"""Writes small parquet files shaped like the HF exports of nanochat's SFT tasks, with real pyarrow, for the
Swift nested-column reader and the task loaders (Tests/NanoChatTests/Fixtures/parquet/sft/).
Run: python3 -m venv /tmp/venv && /tmp/venv/bin/pip install pyarrow numpy && /tmp/venv/bin/python dev/data/make_sft_parquet_fixtures.py
Writes expected.json: every file's rows as pyarrow reads them (to_pylist), and the row order of
numpy.random.default_rng(42).permutation(n) (HF datasets' .shuffle(seed=42), nanochat tasks/common.py)."""
import json, os
import numpy as np
import pyarrow as pa, pyarrow.parquet as pq

out = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "NanoChatTests", "Fixtures", "parquet", "sft")
os.makedirs(out, exist_ok=True)
expected = {"files": {}, "perm42": {}}

def write(name, table, **kw):
    pq.write_table(table, os.path.join(out, name), **kw)
    back = pq.read_table(os.path.join(out, name))
    f = pq.ParquetFile(os.path.join(out, name))
    expected["files"][name] = {"columns": {c: back.column(c).to_pylist() for c in back.column_names},
                               "row_groups": [f.metadata.row_group(i).num_rows for i in range(f.num_row_groups)]}
    n = back.num_rows
    expected["perm42"][str(n)] = [int(x) for x in np.random.default_rng(42).permutation(n)]

# --- SmolTalk: messages list<struct<content, role>> + source (HuggingFaceTB/smol-smoltalk's schema)
msg_type = pa.list_(pa.struct([("content", pa.string()), ("role", pa.string())]))
convs = []
for i in range(90):
    m = []
    if i % 4 == 0:
        m.append({"content": f"You are a helpful assistant #{i}.", "role": "system"})
    for t in range(1 + i % 3):
        m.append({"content": f"Question {i}.{t}: " + "why is the sky blue? " * (i % 5), "role": "user"})
        m.append({"content": f"Answer {i}.{t}: Rayleigh scattering, Grüße 日本 🎉" + " more" * (i % 7), "role": "assistant"})
    convs.append(m)
smol = pa.table({"messages": pa.array(convs, type=msg_type),
                 "source": pa.array([["smol-magpie-ultra", "smol-rewrite", "everyday-conversations"][i % 3] for i in range(90)])})
# several row groups and pages, dictionary-encoded roles, zstd (v1 pages)
write("smoltalk_zstd_v1.parquet", smol, row_group_size=40, compression="zstd", data_page_size=1024, use_dictionary=True)
# data page v2, snappy, no dictionary
write("smoltalk_snappy_v2.parquet", smol, row_group_size=50, compression="snappy", data_page_version="2.0",
      data_page_size=2048, use_dictionary=False)

# --- MMLU: question, subject, choices list<string>, answer int64 (cais/mmlu's schema)
subjects = ["abstract_algebra", "anatomy", "astronomy", "virology"]
rows = [{"question": f"MMLU question {i}: what is {i} + {i}?", "subject": subjects[i * 7 % 4],
         "choices": [f"{2 * i + d}" for d in (0, 1, -1, 2)], "answer": i % 4} for i in range(120)]
mmlu_schema = pa.schema([("question", pa.string()), ("subject", pa.string()), ("choices", pa.list_(pa.string())), ("answer", pa.int64())])
mmlu = pa.Table.from_pylist(rows, schema=mmlu_schema)
write("mmlu_uncompressed_v1.parquet", mmlu, row_group_size=50, compression="none", data_page_size=512, use_dictionary=True)
write("mmlu_zstd_v2.parquet", mmlu, row_group_size=64, compression="zstd", data_page_version="2.0", use_dictionary=["subject"])

# --- GSM8K: question, answer (openai/gsm8k's schema)
gsm = pa.table({"question": [f"Tom has {i} apples and buys {i + 3} more. How many now?" for i in range(60)],
                "answer": [f"He has {i}+{i + 3} = <<{i}+{i + 3}={2 * i + 3}>>{2 * i + 3} apples.\n#### {2 * i + 3}" for i in range(60)]})
write("gsm8k_snappy.parquet", gsm, row_group_size=25, compression="snappy")

# --- edge cases: null and empty lists, null elements, null structs, null ints, int32; v1 and v2
edge_lists = [["a", "b"], [], None, [None, "c"], ["d"], [], ["e", None, "f", "g"], None] * 5
edge_structs = [[{"content": "x", "role": "user"}], [], None, [None, {"content": None, "role": "assistant"}],
                [{"content": "y", "role": None}], [], [{"content": "z", "role": "user"}] * 3, None] * 5
edge = pa.table({"tags": pa.array(edge_lists, type=pa.list_(pa.string())),
                 "messages": pa.array(edge_structs, type=msg_type),
                 "n32": pa.array([None if i % 5 == 2 else i - 20 for i in range(40)], type=pa.int32()),
                 "n64": pa.array([None if i % 7 == 3 else (i - 20) * 10**10 for i in range(40)], type=pa.int64()),
                 "name": pa.array([None if i % 6 == 1 else f"row{i}" for i in range(40)])})
write("edge_v1_dict.parquet", edge, row_group_size=16, compression="zstd", data_page_size=64, use_dictionary=True)
write("edge_v2_plain.parquet", edge, row_group_size=16, compression="snappy", data_page_version="2.0",
      data_page_size=64, use_dictionary=False)

json.dump(expected, open(os.path.join(out, "expected.json"), "w"), ensure_ascii=False)
for n in sorted(os.listdir(out)): print(n, os.path.getsize(os.path.join(out, n)))
