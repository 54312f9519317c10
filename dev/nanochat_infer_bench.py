"""
Same-machine PyTorch baseline for infer_bench: nanochat's own Engine (nanochat/engine.py: Engine.generate, eager,
fp32, CPU) timed as nanochat's scripts/infer_bench.py times it (first next() = TTFT, every later next() = one decode
step of all rows), with the same prompt length, decode length and batch sizes as our infer_bench, so the two tables
line up. The method is the one in ../shared/anchors/pytorch-nanochat.md (2 threads, nanochat HEAD 92d63d4).

Weights:
  --checkpoint DIR --step N   a NanoChat checkpoint turned into nanochat's files by dev/export_nanochat.py
                              (then both sides decode the same weights; our side: infer_bench -g TAG -s N)
  --depth N                   nanochat's GPT of that shape with its init_weights() (speed only: our --depth=N
                              uses other random values of the same shape; decode speed does not depend on them)
Prompt: random token ids (seed 3), greedy; rows that hit <|bos|> would stop early, which random ids make unlikely.

usage (venv from dev/requirements.txt, nanochat checked out at NANOCHAT_DIR):
  git -C ../.mirror/karpathy+nanochat/repo archive 92d63d4 | tar -x -C /tmp/nanochat
  NANOCHAT_DIR=/tmp/nanochat python3 dev/nanochat_infer_bench.py --depth 4 --threads 2
  NANOCHAT_DIR=/tmp/nanochat python3 dev/nanochat_infer_bench.py --checkpoint /tmp/d4_export --step 200
The last line is one JSON document, as infer_bench's.
"""
import argparse, json, os, random, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--depth", type=int, default=0)
ap.add_argument("--checkpoint", default="")
ap.add_argument("--step", type=int, default=0)
ap.add_argument("--prompt-tokens", type=int, default=512)
ap.add_argument("--decode-tokens", type=int, default=128)
ap.add_argument("--batch-sizes", default="1,2,4,8,16,32")
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--max-seq-len", type=int, default=2048)
args = ap.parse_args()

sys.path.insert(0, os.environ.get("NANOCHAT_DIR", "/tmp/nanochat"))
import torch
torch.set_num_threads(args.threads)
from nanochat.gpt import GPT, GPTConfig
from nanochat.engine import Engine

class RandomIdsTokenizer:
    """What Engine needs of a tokenizer when the weights are random: special ids outside the vocabulary."""
    def __init__(self, vocab): self.vocab = vocab
    def encode_special(self, s): return -1
    def get_bos_token_id(self): return -1
    def encode(self, s, prepend=None): return []
    def decode(self, ids): return ""

if args.checkpoint:
    from nanochat.checkpoint_manager import load_checkpoint
    model_data, _, meta = load_checkpoint(args.checkpoint, args.step, torch.device("cpu"), load_optimizer=False)
    config = GPTConfig(**meta["model_config"])
    with torch.device("meta"):
        model = GPT(config)
    model.to_empty(device=torch.device("cpu"))
    model.init_weights()   # the rotary tables (nanochat's build_model does the same)
    model.load_state_dict(model_data, strict=True, assign=True)
else:
    assert args.depth > 0, "pass --depth N or --checkpoint DIR --step N"
    dim = (args.depth * 64 + 127) // 128 * 128
    config = GPTConfig(sequence_len=args.max_seq_len, vocab_size=32768, n_layer=args.depth, n_head=dim // 128,
                       n_kv_head=dim // 128, n_embd=dim)
    model = GPT(config)
    model.init_weights()
    with torch.no_grad():   # nanochat zero-inits some projections; random values exercise every path like ours
        for p in model.parameters(): p.normal_(0, 0.02)
model.eval()
engine = Engine(model, RandomIdsTokenizer(config.vocab_size))
rng = random.Random(3)
prompt_len = min(args.prompt_tokens, config.sequence_len - args.decode_tokens)
prompt = [rng.randrange(config.vocab_size) for _ in range(prompt_len)]

def bench(rows, tokens):
    gen = engine.generate(prompt, num_samples=rows, max_tokens=tokens, temperature=0.0)
    t0 = time.perf_counter(); next(gen); ttft = time.perf_counter() - t0
    steps = []
    while True:
        t0 = time.perf_counter()
        try: next(gen)
        except StopIteration: break
        steps.append(time.perf_counter() - t0)
    return ttft, steps

print(f"nanochat Engine (PyTorch {torch.__version__}, {args.threads} threads, fp32 eager): depth {config.n_layer}, "
      f"dim {config.n_embd}, prompt {prompt_len}, decode {args.decode_tokens}")
bench(1, 2)
ttft, _ = bench(1, 2)
print(f"Prefill (batch 1, {prompt_len} tokens): {prompt_len / ttft:,.0f} tok/s")
print(f"{'batch':>6} {'TTFT ms':>9} {'ms/token':>9} {'tok/s':>10} {'steps':>6}")
sweep = []
with torch.inference_mode():
    for rows in [int(b) for b in args.batch_sizes.split(",")]:
        bench(rows, 8)
        ttft, steps = bench(rows, args.decode_tokens)
        if not steps: print(f"{rows:>6}  every row stopped at once; skipped"); continue
        tpot = sorted(steps)[len(steps) // 2]
        tps = rows * len(steps) / sum(steps)
        print(f"{rows:>6} {ttft * 1e3:>9.1f} {tpot * 1e3:>9.2f} {tps:>10.1f} {len(steps):>6}")
        sweep.append(dict(batch_size=rows, ttft_sec=ttft, tpot_sec=tpot, tok_per_sec=tps, decode_steps=len(steps)))
print(json.dumps(dict(engine="nanochat", torch=torch.__version__, threads=args.threads, model_config=vars(config),
                      prompt_tokens=prompt_len, decode_tokens=args.decode_tokens, prefill_tok_per_sec=prompt_len / ttft,
                      sweep=sweep)))
