"""
Interchange check: load a model checkpoint written by the Swift trainer (safetensors, nanochat names) and its
meta JSON into the independent PyTorch reference GPT with load_state_dict(strict=True), and print the loss.

    python3 dev/reference/check_checkpoint.py --model DIR/model_000020.safetensors \
        [--meta DIR/meta_000020.json] (--batch batch.safetensors | --tokens 1,2,3,... | --text FILE) \
        [--tokenizer tokenizer.tiktoken] [--expect-loss X] [--rtol 1e-5]

--meta defaults to the meta_*.json next to the model file with the same step.
--batch: safetensors with int `idx` and `targets` [B,T] -> mean cross-entropy (ignore -1) and per-row losses.
--tokens: a comma-separated id list -> mean loss of predicting tokens[1:] from tokens[:-1] (one row).
--text: bits per byte as `base_eval --text=FILE` (needs --tokenizer, a tiktoken file with nanochat's 9 specials
        appended): [BOS]+encode_ordinary(text), windows of T+1 with stride T, prints nats, bytes, bpb, mean loss.
--expect-loss: exit 1 unless |loss - X| <= rtol*|X| (for --text, X is compared with bpb).
"""
import argparse
import json
import os
import re
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from gpt import GPT, GPTConfig  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--meta")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--batch")
    src.add_argument("--tokens")
    src.add_argument("--text")
    ap.add_argument("--tokenizer")
    ap.add_argument("--expect-loss", type=float)
    ap.add_argument("--rtol", type=float, default=1e-5)
    args = ap.parse_args()

    meta_path = args.meta
    if meta_path is None:
        m = re.search(r"model_(\d+)\.safetensors$", os.path.basename(args.model))
        if not m:
            sys.exit(f"{args.model}: cannot infer the meta file name; pass --meta")
        meta_path = os.path.join(os.path.dirname(args.model), f"meta_{m.group(1)}.json")
    with open(meta_path) as f:
        meta = json.load(f)  # Python's json accepts the Infinity token nanochat writes
    cfg = GPTConfig(**meta["model_config"])
    print(f"meta {meta_path}: step {meta.get('step')} model_config {meta['model_config']}")

    with safe_open(args.model, framework="pt") as f:
        dtypes = {f.get_slice(k).get_dtype() for k in f.keys()}
    sd = load_file(args.model)
    model = GPT(cfg)
    model.load_state_dict(sd, strict=True)  # raises on any missing/unexpected name or wrong shape
    n = sum(t.numel() for t in sd.values())
    print(f"model {args.model}: {len(sd)} tensors, {n:,} parameters, dtypes {sorted(dtypes)}: "
          f"load_state_dict(strict=True) OK")
    model.eval()

    with torch.no_grad():
        if args.batch:
            b = load_file(args.batch)
            idx, targets = b["idx"].long(), b["targets"].long()
            per = model(idx, targets, loss_reduction="none").view(targets.shape)
            loss = model(idx, targets).item()
            valid = (targets >= 0).sum(dim=1).clamp_min(1)
            print(f"batch {tuple(idx.shape)}: loss {loss:.9f}  per-row mean {(per.sum(1) / valid).tolist()}")
            value = loss
        elif args.tokens:
            ids = [int(t) for t in args.tokens.split(",") if t.strip()]
            x = torch.tensor(ids[:-1]).view(1, -1)
            y = torch.tensor(ids[1:]).view(1, -1)
            value = model(x, y).item()
            print(f"{len(ids)} tokens: loss {value:.9f}")
        else:
            if not args.tokenizer:
                sys.exit("--text needs --tokenizer")
            import make_fixtures as mf
            mf.TOKENIZER_SRC = args.tokenizer
            enc, n_ranks = mf.load_tokenizer()
            if cfg.vocab_size != n_ranks + len(mf.SPECIAL_TOKENS):
                sys.exit(f"{args.tokenizer}: vocab {n_ranks + len(mf.SPECIAL_TOKENS)} != model vocab {cfg.vocab_size}")
            text = open(args.text, encoding="utf-8").read()
            tokens = [enc.encode_single_token("<|bos|>")] + enc.encode_ordinary(text)
            r = mf.evaluate_text_bpb(model, tokens, mf.token_bytes_table(enc, n_ranks), cfg.sequence_len)
            mean = r["per_target_loss"].double().mean().item()
            print(f"text {args.text}: {len(tokens)} tokens, {len(r['windows'])} windows, total_nats "
                  f"{r['total_nats']:.6f}, total_bytes {r['total_bytes']}, bpb {r['bpb']:.9f}, mean loss {mean:.9f}")
            value = r["bpb"]

    if args.expect_loss is not None:
        err = abs(value - args.expect_loss) / max(abs(args.expect_loss), 1e-30)
        ok = err <= args.rtol
        print(f"{'OK' if ok else 'MISMATCH'}: {value:.9f} vs expected {args.expect_loss:.9f} (rel {err:.2e}, "
              f"rtol {args.rtol:g})")
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
