"""Writes small zip files with Python's zipfile (as nanochat's eval_bundle.zip is read) for the Swift zip
reader and the eval-bundle download tests: Tests/NanoChatTests/Fixtures/zip/.
Run: python3 dev/data/make_zip_fixtures.py (standard library only)."""
import hashlib, json, os, zipfile

out = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "NanoChatTests", "Fixtures", "zip")
os.makedirs(out, exist_ok=True)
# a miniature eval_bundle: nanochat's layout (core.yaml, eval_meta_data.csv, eval_data/...)
files = {
    "eval_bundle/core.yaml": "icl_tasks:\n- label: tiny_qa\n  dataset_uri: world_knowledge/tiny_qa.jsonl\n  num_fewshot: [0]\n  icl_task_type: language_modeling\n",
    "eval_bundle/eval_meta_data.csv": "Eval Task,Task Category,Task Type,#shots,#datapoints,Random baseline,Centered Metric?,Description\ntiny_qa,world knowledge,language modeling,0,3,0,,tiny\n",
    "eval_bundle/eval_data/world_knowledge/tiny_qa.jsonl": "".join(json.dumps({"context": f"Question {i}: capital of country {i}?", "continuation": f"City {i}"}) + "\n" for i in range(3)),
    # compressible and longer than one deflate block's window: dynamic Huffman codes, back-references
    "eval_bundle/eval_data/big.txt": "".join(f"line {i % 97} of a repetitive text, Grüße {i * 7919 % 1000}\n" for i in range(1000)),
    "eval_bundle/empty.txt": "",
}
def write(name, method, extra=None):
    with zipfile.ZipFile(os.path.join(out, name), "w", compression=method) as z:
        z.writestr(zipfile.ZipInfo("eval_bundle/"), "")          # a directory entry
        for n, t in files.items(): z.writestr(n, t)
        for n, t in (extra or {}).items(): z.writestr(n, t)
write("stored.zip", zipfile.ZIP_STORED)
write("deflate.zip", zipfile.ZIP_DEFLATED)
with zipfile.ZipFile(os.path.join(out, "evil.zip"), "w") as z:
    z.writestr("eval_bundle/core.yaml", "x")
    z.writestr("../escaped.txt", "should never be written")
json.dump({n: {"size": len(t.encode()), "sha256": hashlib.sha256(t.encode()).hexdigest()} for n, t in files.items()},
          open(os.path.join(out, "expected.json"), "w"), indent=1)
for n in sorted(os.listdir(out)): print(n, os.path.getsize(os.path.join(out, n)))
