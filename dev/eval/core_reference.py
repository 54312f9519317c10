"""
Independent Python check of the Swift CORE pipeline: nanochat's core_eval procedure (SPEC §5.2) written out
with CPython's own `random`, tiktoken and the PyTorch reference GPT (dev/reference/gpt.py), on a checkpoint
and the flat task bundle; prints per-task accuracies and, with --csv, compares them to base_eval's CSV.

    python3 dev/eval/core_reference.py --ckpt DIR/model_000040.safetensors \
        --tokenizer tokenizer.tiktoken --bundle ../shared/data/core --max-per-task 4 [--csv base_model_000040.csv]
"""
import argparse, json, math, os, random, re, sys
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
from gpt import GPT, GPTConfig  # noqa: E402

SPLIT = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,2}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+"""
SPECIALS = ["<|bos|>", "<|user_start|>", "<|user_end|>", "<|assistant_start|>", "<|assistant_end|>",
            "<|python_start|>", "<|python_end|>", "<|output_start|>", "<|output_end|>"]


def read_tasks(bundle):
    """The flat core.yaml: `- label:` items with file / icl_task_type / num_fewshot / continuation_delimiter / random_baseline."""
    tasks, cur = [], None
    for line in open(os.path.join(bundle, "core.yaml"), encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("#") or not line.strip():
            continue
        m = re.match(r"^(- |  )(\w+): (.*)$", line)
        if not m:
            continue
        if m.group(1) == "- ":
            cur = {}; tasks.append(cur)
        v = m.group(3)
        cur[m.group(2)] = json.loads(v) if v.startswith('"') else v
    return [t for t in tasks if t.get("file", "null").endswith(".jsonl") and os.path.exists(os.path.join(bundle, t["file"]))]


def prompts(kind, item, shots, d):
    if kind == "multiple_choice":
        pre = "".join(f"{e['query']}{d}{e['choices'][e['gold']]}\n\n" for e in shots)
        return [f"{pre}{item['query']}{d}{c}" for c in item["choices"]]
    if kind == "schema":
        pre = "".join(f"{e['context_options'][e['gold']]}{d}{e['continuation']}\n\n" for e in shots)
        return [f"{pre}{o}{d}{item['continuation']}" for o in item["context_options"]]
    pre = "".join(f"{e['context'].strip()}{d}{e['continuation']}\n\n" for e in shots)
    without = f"{pre}{item['context'].strip()}{d}"
    return [without.strip(), without + item["continuation"]]


def common(rows, left):
    n = min(len(r) for r in rows)
    for i in range(n):
        idx = i if left else -1 - i
        if any(r[idx] != rows[0][idx] for r in rows):
            return i
    return n


@torch.no_grad()
def correct(model, kind, toks, bos, gold):
    if kind == "language_modeling":
        wo, w = toks
        assert w[:len(wo)] == wo and len(wo) < len(w)
        rows, starts, ends = [w], [len(wo)], [len(w)]
    elif kind == "multiple_choice":
        s = common(toks, True); rows, starts, ends = toks, [s] * len(toks), [len(t) for t in toks]
    else:
        s = common(toks, False); rows, starts, ends = toks, [len(t) - s for t in toks], [len(t) for t in toks]
    T = max(len(r) for r in rows)
    x = torch.tensor([r + [bos] * (T - len(r)) for r in rows])
    logits = model(x)
    losses = F.cross_entropy(logits.view(-1, logits.size(-1)), torch.roll(x, -1, 1).view(-1), reduction="none").view(len(rows), T)
    if kind == "language_modeling":
        return bool((logits[0, starts[0] - 1:ends[0] - 1].argmax(-1) == x[0, starts[0]:ends[0]]).all())
    means = [losses[i, starts[i] - 1:ends[i] - 1].mean().item() for i in range(len(rows))]
    return means.index(min(means)) == gold


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True); ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--bundle", required=True); ap.add_argument("--max-per-task", type=int, default=4)
    ap.add_argument("--csv")
    a = ap.parse_args()
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe
    ranks = load_tiktoken_bpe(a.tokenizer)
    enc = tiktoken.Encoding(name="t", pat_str=SPLIT, mergeable_ranks=ranks,
                            special_tokens={t: len(ranks) + i for i, t in enumerate(SPECIALS)})
    bos = len(ranks)
    meta = json.load(open(re.sub(r"model_(\d+)\.safetensors$", r"meta_\1.json", a.ckpt)))
    model = GPT(GPTConfig(**meta["model_config"])); model.load_state_dict(load_file(a.ckpt), strict=True); model.eval()
    swift = {}
    if a.csv:
        for line in open(a.csv).read().splitlines()[1:]:
            parts = [p.strip() for p in line.split(",")]
            if parts[0] != "CORE": swift[parts[0]] = float(parts[1])
    mismatches = 0
    for t in read_tasks(a.bundle):
        data = [json.loads(l.strip()) for l in open(os.path.join(a.bundle, t["file"]), encoding="utf-8") if l.strip()]
        random.Random(1337).shuffle(data)
        if a.max_per_task > 0: data = data[:a.max_per_task]
        k, n_ok = int(t["num_fewshot"]), 0
        for idx, item in enumerate(data):
            pool = [i for i in range(len(data)) if i != idx]
            shots = [data[i] for i in random.Random(1234 + idx).sample(pool, min(k, len(pool)))] if k > 0 else []
            toks = [[bos] + enc.encode_ordinary(p) for p in prompts(t["icl_task_type"], item, shots, t["continuation_delimiter"])]
            n_ok += correct(model, t["icl_task_type"], toks, bos, item.get("gold", 0))
        acc = n_ok / len(data)
        flag = ""
        if t["label"] in swift:
            flag = "  swift %.6f %s" % (swift[t["label"]], "OK" if abs(swift[t["label"]] - acc) < 1e-9 else "MISMATCH")
            mismatches += abs(swift[t["label"]] - acc) >= 1e-9
        print(f"{t['label']:<35} {acc:.6f}{flag}", flush=True)
    if a.csv: print("mismatches:", mismatches)


if __name__ == "__main__":
    main()
