#!/usr/bin/env python3
"""Builds data/core/: a compact CORE task bundle shipped in the repository, in nanochat's eval_bundle layout
(core.yaml + eval_meta_data.csv + eval_data/<category>/<task>.jsonl), base_eval's offline fallback.

- core.yaml and eval_meta_data.csv: nanochat's bundle files as copied in ../shared/data/core/upstream/ (all 22
  tasks are listed, so CORE says over how many of them it was averaged).
- eval_data: for every task whose license allows redistribution, ROWS rows: the first ROWS of the order in which
  nanochat's base_eval evaluates them (`random.Random(1337).shuffle(data)` over the whole file), written in the
  order that the same shuffle of ROWS rows turns back into that order. So base_eval with --max-per-task <= ROWS
  scores exactly the examples nanochat scores first (the few-shot examples are drawn from the subset, so the
  prompts differ from nanochat's).
- Tasks left out: LEFT_OUT below (license, or no ICL copy to be had).

    python3 dev/data/make_bundled_core.py [CORE_DIR] [OUT_DIR]      # defaults ../shared/data/core data/core
"""
import hashlib, json, os, random, shutil, sys

CORE = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/core"
OUT = sys.argv[2] if len(sys.argv) > 2 else "data/core"
ROWS = 100

# label -> (file in CORE, dataset_uri in the bundle)
TASKS = {
    "hellaswag_zeroshot": ("hellaswag.jsonl", "language_understanding/hellaswag.jsonl"),
    "bigbench_qa_wikidata": ("bigbench_qa_wikidata.jsonl", "world_knowledge/bigbench_qa_wikidata.jsonl"),
    "arc_easy": ("arc_easy.jsonl", "world_knowledge/arc_easy.jsonl"),
    "arc_challenge": ("arc_challenge.jsonl", "world_knowledge/arc_challenge.jsonl"),
    "copa": ("copa.jsonl", "commonsense_reasoning/copa.jsonl"),
    "commonsense_qa": ("commonsense_qa.jsonl", "commonsense_reasoning/commonsense_qa.jsonl"),
    "piqa": ("piqa.jsonl", "commonsense_reasoning/piqa.jsonl"),
    "openbook_qa": ("openbook_qa.jsonl", "commonsense_reasoning/openbook_qa.jsonl"),
    "lambada_openai": ("lambada_openai.jsonl", "language_understanding/lambada_openai.jsonl"),
    "winograd": ("winograd_wsc.jsonl", "language_understanding/winograd_wsc.jsonl"),
    "winogrande": ("winogrande.jsonl", "language_understanding/winogrande.jsonl"),
    "bigbench_dyck_languages": ("bigbench_dyck_languages.jsonl", "symbolic_problem_solving/bigbench_dyck_languages.jsonl"),
    "bigbench_cs_algorithms": ("bigbench_cs_algorithms.jsonl", "symbolic_problem_solving/bigbench_cs_algorithms.jsonl"),
    "bigbench_operators": ("bigbench_operators.jsonl", "symbolic_problem_solving/bigbench_operators.jsonl"),
    "bigbench_repeat_copy_logic": ("bigbench_repeat_copy_logic.jsonl", "symbolic_problem_solving/bigbench_repeat_copy_logic.jsonl"),
    "boolq": ("boolq.jsonl", "reading_comprehension/boolq.jsonl"),
    "bigbench_language_identification": ("bigbench_language_identification.jsonl", "language_understanding/bigbench_language_identification.jsonl"),
}
# hellaswag (10-shot) reads the same file as hellaswag_zeroshot
LEFT_OUT = {
    "jeopardy": "Jeopardy! clues are the show's copyrighted material (J! Archive), no license to redistribute",
    "agi_eval_lsat_ar": "LSAT analytical-reasoning questions are copyrighted by the Law School Admission Council",
    "squad": "no ICL jsonl copy could be had (only SQuAD's JSON, whose llm-foundry prompt template is unknown); SQuAD itself is CC BY-SA 4.0",
    "coqa": "no copy could be had",
}


def main():
    os.makedirs(os.path.join(OUT, "eval_data"), exist_ok=True)
    shutil.copyfile(os.path.join(CORE, "upstream", "nanochat_eval_bundle_core.yaml"), os.path.join(OUT, "core.yaml"))
    shutil.copyfile(os.path.join(CORE, "upstream", "nanochat_eval_bundle_eval_meta_data.csv"), os.path.join(OUT, "eval_meta_data.csv"))
    for label, (src, uri) in TASKS.items():
        lines = [l for l in open(os.path.join(CORE, src), encoding="utf-8").read().split("\n") if l.strip()]
        order = list(range(len(lines)))
        random.Random(1337).shuffle(order)        # nanochat's base_eval order over the whole file
        n = min(ROWS, len(lines))
        chosen = [lines[i] for i in order[:n]]
        perm = list(range(n))
        random.Random(1337).shuffle(perm)         # the same shuffle over the subset: shuffled[i] = out[perm[i]]
        out = [None] * n
        for i, p in enumerate(perm):
            out[p] = chosen[i]
        for l in out:
            json.loads(l)
        path = os.path.join(OUT, "eval_data", uri)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = ("\n".join(out) + "\n").encode()
        open(path, "wb").write(data)
        print(f"{label}: {n} of {len(lines)} rows of {src} -> {uri} ({len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()[:16]}…)")
    for label, why in LEFT_OUT.items():
        print(f"left out: {label}: {why}")


if __name__ == "__main__":
    main()
