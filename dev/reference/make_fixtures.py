"""
Writes the reference fixtures the Swift tests compare against.
    python3 dev/reference/make_fixtures.py [menagerie] [model_ref] [bpb] [--out DIR]
Default: all three, into Tests/NanoChatTests/Fixtures/reference/. Deterministic (fixed seeds, 1 thread).
See dev/reference/README.md for what each fixture contains.
"""
import argparse
import json
import math
import os
import sys

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from gpt import GPT, GPTConfig  # noqa: E402
from optim import MuonAdamW  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_OUT = os.path.join(REPO, "Tests", "NanoChatTests", "Fixtures", "reference")
torch.set_num_threads(1)


def dump_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


# ---------------------------------------------------------------------------------------------------------
# 1. optimizer menagerie

MENAGERIE_ADAMW = [("adam_small", (48,)), ("adam_large", (1024, 4))]
MENAGERIE_MUON = [  # one Muon group per shape, shapes sorted as tuples (as setup_optimizer does)
    ("tiny", (4, 12), 1),
    ("wide", (32, 64), 3),
    ("square", (48, 48), 2),
    ("tall", (64, 32), 2),
]


def make_menagerie(out):
    d = os.path.join(out, "optim_menagerie")
    os.makedirs(d, exist_ok=True)
    gen = torch.Generator().manual_seed(1234)
    params, shapes = {}, {}
    for name, shape in MENAGERIE_ADAMW:
        params[name] = torch.randn(shape, generator=gen) * 0.5
        shapes[name] = shape
    for base, shape, k in MENAGERIE_MUON:
        for i in range(k):
            params[f"{base}.{i}"] = torch.randn(shape, generator=gen) * (1.0 / math.sqrt(shape[1]))
            shapes[f"{base}.{i}"] = shape
    names = list(params.keys())
    # grads: gaussian with per-row scales spread over ~e^±1 so MuonEq's row equilibration matters
    grads = []
    for step in range(3):
        g = {}
        for n in names:
            shape = shapes[n]
            x = torch.randn(shape, generator=gen)
            if len(shape) == 2:
                x = x * torch.exp(0.5 * torch.randn(shape[0], 1, generator=gen))
            g[n] = (x * 0.01).contiguous()
        grads.append(g)

    hp_adam = dict(lr=0.01, betas=(0.8, 0.95), eps=1e-10, weight_decay=0.01)
    hp_muon = dict(lr=0.02, momentum=0.95, ns_steps=5, beta2=0.9, weight_decay=0.2)
    live = {n: p.clone() for n, p in params.items()}
    groups = [dict(kind="adamw", params=[(n, live[n]) for n, _ in MENAGERIE_ADAMW], **hp_adam)]
    for base, shape, k in MENAGERIE_MUON:
        groups.append(dict(kind="muon", params=[(f"{base}.{i}", live[f"{base}.{i}"]) for i in range(k)], **hp_muon))
    opt = MuonAdamW(groups)
    tensors = {}
    for n in names:
        tensors[f"init/{n}"] = params[n]
    for s in range(3):
        for n in names:
            tensors[f"grad{s + 1}/{n}"] = grads[s][n]
        opt.step(grads={n: g.clone() for n, g in grads[s].items()})
        if s + 1 in (1, 3):
            for n in names:
                tensors[f"step{s + 1}/{n}"] = live[n].clone()
    for n, _ in MENAGERIE_ADAMW:
        tensors[f"state/{n}/exp_avg"] = opt.state[n]["exp_avg"]
        tensors[f"state/{n}/exp_avg_sq"] = opt.state[n]["exp_avg_sq"]
    for base, _, _ in MENAGERIE_MUON:
        st = opt.state[f"{base}.0"]
        tensors[f"state/{base}/momentum_buffer"] = st["momentum_buffer"]
        tensors[f"state/{base}/second_momentum_buffer"] = st["second_momentum_buffer"]

    # cross-check the AdamW part against torch.optim.AdamW (what nanochat's test_optim.py does)
    ps = [params[n].clone().requires_grad_(True) for n, _ in MENAGERIE_ADAMW]
    topt = torch.optim.AdamW(ps, lr=0.01, betas=(0.8, 0.95), eps=1e-10, weight_decay=0.01)
    for s in range(3):
        for p, (n, _) in zip(ps, MENAGERIE_ADAMW):
            p.grad = grads[s][n].clone()
        topt.step()
    for p, (n, _) in zip(ps, MENAGERIE_ADAMW):
        torch.testing.assert_close(p.detach(), tensors[f"step3/{n}"], rtol=1e-5, atol=1e-6)

    tensors = {k: v.contiguous().float() for k, v in tensors.items()}
    save_file(tensors, os.path.join(d, "menagerie.safetensors"))
    meta = {
        "description": "MuonAdamW (nanochat HEAD, SPEC §2.1/§2.2, world size 1) alone on a menagerie of shapes; "
                       "3 steps, a different fixed gradient per step, no schedule (group hyper-parameters constant).",
        "generator": "dev/reference/make_fixtures.py menagerie (independent PyTorch reference, fp32, CPU)",
        "params": [{"name": n, "shape": list(shapes[n])} for n in names],
        "groups": [
            {"kind": "adamw", **{k: (list(v) if isinstance(v, tuple) else v) for k, v in hp_adam.items()},
             "params": [n for n, _ in MENAGERIE_ADAMW]},
        ] + [
            {"kind": "muon", **hp_muon, "shape": list(shape),
             "effective_lr": hp_muon["lr"] * max(1.0, shape[0] / shape[1]) ** 0.5,
             "state_holder": f"{base}.0",
             "params": [f"{base}.{i}" for i in range(k)]}
            for base, shape, k in MENAGERIE_MUON
        ],
        "tensor_keys": {
            "init/<param>": "initial parameter",
            "grad<s>/<param>": "gradient fed to optimizer step s (s = 1, 2, 3)",
            "step1/<param>, step3/<param>": "parameter after step 1 and after step 3",
            "state/<adamw param>/exp_avg, exp_avg_sq": "AdamW moments after step 3 (AdamW step counter = 3)",
            "state/<muon group>/momentum_buffer": "Muon momentum after step 3, stacked [K, m, n] in group order",
            "state/<muon group>/second_momentum_buffer": "NorMuon second moment after step 3, [K, m, 1] if m >= n "
                                                         "else [K, 1, n]",
        },
        "adamw_step_after_3": 3,
        "cross_check": "AdamW params after 3 steps agree with torch.optim.AdamW at rtol 1e-5 / atol 1e-6",
    }
    dump_json(os.path.join(d, "menagerie.json"), meta)
    print(f"optim_menagerie: {len(tensors)} tensors, "
          f"{os.path.getsize(os.path.join(d, 'menagerie.safetensors')) // 1024} KB -> {d}")


# ---------------------------------------------------------------------------------------------------------
# 2. model_ref: same file format as nanochat_tiny, a config that exercises what nanochat_tiny does not

MODEL_REF_CONFIG = GPTConfig(sequence_len=160, vocab_size=300, n_layer=4, n_head=4, n_kv_head=1, n_embd=64,
                             window_pattern="SL")
MODEL_REF_OPT = dict(unembedding_lr=0.008, embedding_lr=0.3, matrix_lr=0.02, weight_decay=0.2, scalar_lr=0.5)


@torch.no_grad()
def perturbed_init(model, seed):
    """nanochat's init (§1.8), then noise on every tensor so zero-init projections/gates/smear carry signal."""
    model.init_weights(seed=seed)
    gen = torch.Generator().manual_seed(seed + 1)
    for name, p in model.named_parameters():
        scale = 0.05 if name in ("resid_lambdas", "x0_lambdas") else 0.02
        p.add_(torch.randn(p.shape, generator=gen) * scale)
    model.smear_lambda.fill_(0.3)
    model.backout_lambda.fill_(0.15)


def train_record(model, groups, idx, targets, steps=3):
    """forward/backward/step on one batch `steps` times at fixed lrs; returns what nanochat_tiny records."""
    rec = {}
    opt = MuonAdamW(groups)
    losses = []
    for step in range(steps):
        if step == 0:
            logits, per_tok, loss = model.forward_with_logits(idx, targets)
            rec["outputs"] = {"logits": logits.detach().clone(), "per_token_loss": per_tok.detach().clone(),
                              "loss": loss.detach().view(1).clone()}
        else:
            loss = model(idx, targets)
        losses.append(loss.item())
        loss.backward()
        if step == 0:
            rec["grads_step0"] = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
        opt.step()
        model.zero_grad(set_to_none=True)
        if step + 1 in (1, 3):
            rec[f"weights_step{step + 1}"] = {n: p.detach().clone() for n, p in model.named_parameters()}
    rec["losses"] = losses
    return rec


def groups_json(groups):
    out = []
    for g in groups:
        d = {k: (list(v) if isinstance(v, tuple) else v) for k, v in g.items() if k != "params"}
        d["params"] = [n for n, _ in g["params"]]
        out.append(d)
    return out


def model_ref_batch(seed=6, n_tokens=48):
    """Next-token batch over a random subset of 48 token ids (always incl. the last real id V-1, to test the
    V vs Vp slicing). Few distinct ids -> each used embedding row gathers many contributions, so no AdamW
    element sits near |g| ~ eps = 1e-10, where the first Adam step g/(|g|+eps) is ill-conditioned. The seed was
    chosen so that this fixture's fp32 weights after 1 and 3 steps agree with a float64 run to < 5e-6
    (dev/reference/check_f64.py); random batches over the full vocab gave 1e-4 .. 5e-3 there."""
    cfg = MODEL_REF_CONFIG
    B, T = 2, cfg.sequence_len
    gen = torch.Generator().manual_seed(seed)
    ids = torch.randperm(cfg.vocab_size - 1, generator=gen)[: n_tokens - 1].tolist() + [cfg.vocab_size - 1]
    seq = torch.tensor(ids)[torch.randint(0, n_tokens, (B, T + 1), generator=gen)]
    idx, targets = seq[:, :-1].clone(), seq[:, 1:].clone()
    targets[0, 0:3] = -1
    targets[1, 40:52] = -1
    targets[1, T - 1] = -1
    assert (idx == cfg.vocab_size - 1).any() and (targets == cfg.vocab_size - 1).any()
    return idx, targets, "targets = idx shifted by one (next token); targets[0,0:3], targets[1,40:52] and " \
                         "targets[1,159] are -1 (ignored); ids drawn from 48 distinct tokens incl. 299 = V-1"


def make_model_ref(out):
    d = os.path.join(out, "model_ref")
    os.makedirs(d, exist_ok=True)
    cfg = MODEL_REF_CONFIG
    model = GPT(cfg)
    perturbed_init(model, seed=42)
    w0 = {n: p.detach().clone() for n, p in model.state_dict().items()}
    idx, targets, ignored = model_ref_batch()
    groups = model.param_groups(**MODEL_REF_OPT)
    gj = groups_json(groups)
    rec = train_record(model, groups, idx, targets)
    save_file(w0, os.path.join(d, "weights_init.safetensors"))
    save_file({"idx": idx, "targets": targets}, os.path.join(d, "batch.safetensors"))
    save_file(rec["outputs"], os.path.join(d, "outputs.safetensors"))
    for k in ("grads_step0", "weights_step1", "weights_step3"):
        save_file(rec[k], os.path.join(d, f"{k}.safetensors"))
    fx = {
        "source": "independent PyTorch reference dev/reference (validated against nanochat_tiny), "
                  f"torch {torch.__version__}, CPU fp32, eager; dev/reference/make_fixtures.py model_ref",
        "model_config": cfg.to_dict(),
        "window_sizes": model.windows,
        "value_embed_layers": [i for i in range(cfg.n_layer) if str(i) in model.value_embeds],
        "padded_vocab": model.Vp,
        "batch": {"B": idx.shape[0], "T": idx.shape[1], "ignored_targets": ignored},
        "setup_optimizer_args": MODEL_REF_OPT,
        "optimizer_param_groups": gj,
        "training": "3 optimizer steps on the same batch, learning rates fixed at the group values (no schedule): "
                    "loss -> backward -> step -> zero_grad. losses[i] is the loss before step i+1.",
        "losses": rec["losses"],
    }
    dump_json(os.path.join(d, "fixture.json"), fx)
    size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
    print(f"model_ref: losses {rec['losses']}, windows {model.windows}, {size // 1024} KB -> {d}")


# ---------------------------------------------------------------------------------------------------------
# 3. bpb: a small trained model, a text, the tokenizer, and bits-per-byte as `base_eval --text=FILE` computes it

SPLIT_PATTERN = (r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,2}| ?[^\s\p{L}\p{N}]++[\r\n]*|"""
                 r"""\s*[\r\n]|\s+(?!\S)|\s+""")
SPECIAL_TOKENS = ["<|bos|>", "<|user_start|>", "<|user_end|>", "<|assistant_start|>", "<|assistant_end|>",
                  "<|python_start|>", "<|python_end|>", "<|output_start|>", "<|output_end|>"]
TOKENIZER_SRC = "../shared/fixtures/tokenizer_multi_4096/tokenizer.tiktoken"
SHAKESPEARE = "../shared/data/text/tinyshakespeare.txt"
BPB_CONFIG = GPTConfig(sequence_len=64, vocab_size=4096, n_layer=2, n_head=4, n_kv_head=1, n_embd=64,
                       window_pattern="SSSL")
BPB_TRAIN_STEPS = 60
UNICODE_TAIL = ("\n\nEpilogue (not Shakespeare): café, naïve, Straße, Ελληνικά, русский, 東京, 서울, "
                "emoji 🚀🙂 and numbers 3.14159, 2026-11-22.\n")


def load_tokenizer():
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe
    ranks = load_tiktoken_bpe(TOKENIZER_SRC)
    n = len(ranks)
    enc = tiktoken.Encoding(name="rustbpe", pat_str=SPLIT_PATTERN, mergeable_ranks=ranks,
                            special_tokens={t: n + i for i, t in enumerate(SPECIAL_TOKENS)})
    return enc, n


def token_bytes_table(enc, n_ranks):
    return torch.tensor([len(enc.decode_single_token_bytes(i)) if i < n_ranks else 0
                         for i in range(n_ranks + len(SPECIAL_TOKENS))], dtype=torch.int64)


def bpb_windows(tokens, T):
    """windows of T+1 tokens with stride T; a last shorter window if it has >= 2 tokens."""
    out = []
    s = 0
    while s < len(tokens) - 1:
        w = tokens[s: s + T + 1]
        if len(w) >= 2:
            out.append((s, w))
        s += T
    return out


@torch.no_grad()
def evaluate_text_bpb(model, tokens, token_bytes, T):
    per_target, nb_all, windows = [], [], []
    for s, w in bpb_windows(tokens, T):
        x = torch.tensor(w[:-1], dtype=torch.int64).view(1, -1)
        y = torch.tensor(w[1:], dtype=torch.int64).view(1, -1)
        loss = model(x, y, loss_reduction="none").view(-1)
        nb = torch.where(y.view(-1) >= 0, token_bytes[y.view(-1).clamp_min(0)], 0)
        per_target.append(loss)
        nb_all.append(nb)
        windows.append({"start": s, "n_inputs": len(w) - 1})
    loss = torch.cat(per_target)
    nb = torch.cat(nb_all)
    mask = (nb > 0).to(loss.dtype)
    nats_f64 = (loss.double() * mask.double()).sum().item()
    nats_f32 = torch.zeros((), dtype=torch.float32)   # nanochat-style fp32 accumulation, window by window
    for l_, b_ in zip(per_target, nb_all):
        nats_f32 += (l_ * (b_ > 0).to(l_.dtype)).sum()
    total_bytes = int(nb.sum().item())
    return dict(per_target_loss=loss, target_bytes=nb, windows=windows, total_nats=nats_f64,
                total_nats_fp32_accum=nats_f32.item(), total_bytes=total_bytes,
                bpb=nats_f64 / (math.log(2) * total_bytes),
                bpb_fp32_accum=nats_f32.item() / (math.log(2) * total_bytes))


def make_bpb(out):
    d = os.path.join(out, "bpb")
    os.makedirs(d, exist_ok=True)
    enc, n_ranks = load_tokenizer()
    bos = enc.encode_single_token("<|bos|>")
    assert bos == 4087 and n_ranks == 4087
    token_bytes = token_bytes_table(enc, n_ranks)
    shakes = open(SHAKESPEARE, encoding="utf-8").read()
    train_text = shakes[:40000]
    # eval text: a later excerpt (not trained on), cut at a line end, plus a non-ASCII tail
    start = shakes.index("\n\n", 100000) + 2
    end = shakes.index("\n", start + 1500) + 1
    text = shakes[start:end] + UNICODE_TAIL
    with open(os.path.join(d, "text.txt"), "w", encoding="utf-8") as f:
        f.write(text)

    # train the model briefly on the first 40k characters so its predictions are far from uniform
    cfg = BPB_CONFIG
    T = cfg.sequence_len
    model = GPT(cfg)
    perturbed_init(model, seed=123)
    train_tok = torch.tensor([bos] + enc.encode_ordinary(train_text), dtype=torch.int64)
    nwin = (len(train_tok) - 1) // T
    X = train_tok[: nwin * T].view(nwin, T)
    Y = train_tok[1: nwin * T + 1].view(nwin, T)
    groups = model.param_groups(unembedding_lr=0.008, embedding_lr=0.3, matrix_lr=0.02, weight_decay=0.0)
    opt = MuonAdamW(groups)
    gen = torch.Generator().manual_seed(0)
    for step in range(BPB_TRAIN_STEPS):
        rows = torch.randint(0, nwin, (16,), generator=gen)
        loss = model(X[rows], Y[rows])
        loss.backward()
        opt.step()
        model.zero_grad(set_to_none=True)
        if step in (0, BPB_TRAIN_STEPS - 1):
            print(f"  bpb model train step {step}: loss {loss.item():.4f}")
    model.eval()
    step_tag = f"{BPB_TRAIN_STEPS:06d}"
    save_file({n: p.detach().contiguous() for n, p in model.state_dict().items()},
              os.path.join(d, f"model_{step_tag}.safetensors"))
    dump_json(os.path.join(d, f"meta_{step_tag}.json"), {
        "step": BPB_TRAIN_STEPS, "val_bpb": None, "model_config": cfg.to_dict(),
        "note": "reference model (dev/reference/make_fixtures.py bpb): perturbed init + 60 MuonAdamW steps on "
                "tinyshakespeare[:40000]; only the keys a model loader needs"})

    tokens = [bos] + enc.encode_ordinary(text)
    r = evaluate_text_bpb(model, tokens, token_bytes, T)
    save_file({"tokens": torch.tensor(tokens, dtype=torch.int64),
               "per_target_loss": r["per_target_loss"].float().contiguous(),
               "target_bytes": r["target_bytes"].to(torch.int64).contiguous()},
              os.path.join(d, "expected.safetensors"))
    import shutil
    shutil.copyfile(TOKENIZER_SRC, os.path.join(d, "tokenizer.tiktoken"))
    n_bytes_text = len(text.encode("utf-8"))
    assert r["total_bytes"] == n_bytes_text  # every target is an ordinary token; BOS is only an input
    dump_json(os.path.join(d, "bpb.json"), {
        "text_file": "text.txt",
        "text_utf8_bytes": n_bytes_text,
        "model_checkpoint": {"model": f"model_{step_tag}.safetensors", "meta": f"meta_{step_tag}.json",
                             "model_config": cfg.to_dict()},
        "tokenizer": {"file": "tokenizer.tiktoken", "format": "tiktoken (base64 bytes, rank per line)",
                      "n_ranks": n_ranks, "special_tokens": {t: n_ranks + i for i, t in enumerate(SPECIAL_TOKENS)},
                      "bos": bos, "split_pattern": SPLIT_PATTERN},
        "procedure": "tokens = [BOS] + encode_ordinary(text); windows of T+1 tokens with stride T (T = "
                     "sequence_len = 64), inputs = w[:-1], targets = w[1:], each window its own B=1 forward with "
                     "loss_reduction='none'; a last shorter window is evaluated if it has >= 2 tokens; "
                     "total_nats = sum of per-target loss where token_bytes[target] > 0; total_bytes = sum of "
                     "token_bytes[target]; bpb = total_nats / (ln 2 * total_bytes); token_bytes = byte length "
                     "of each token, 0 for the 9 specials.",
        "num_tokens": len(tokens),
        "num_targets": int(r["per_target_loss"].numel()),
        "windows": r["windows"],
        "total_nats": r["total_nats"],
        "total_nats_fp32_accumulation": r["total_nats_fp32_accum"],
        "total_bytes": r["total_bytes"],
        "bpb": r["bpb"],
        "bpb_fp32_accumulation": r["bpb_fp32_accum"],
        "uniform_bpb": math.log(cfg.vocab_size) * r["per_target_loss"].numel() / (math.log(2) * r["total_bytes"]),
    })
    size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
    print(f"bpb: {len(tokens)} tokens, {r['total_bytes']} bytes, nats {r['total_nats']:.6f}, "
          f"bpb {r['bpb']:.8f} (fp32 accum {r['bpb_fp32_accum']:.8f}), {size // 1024} KB -> {d}")


# ---------------------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("which", nargs="*", default=["menagerie", "model_ref", "bpb"])
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()
    for w in args.which:
        {"menagerie": make_menagerie, "model_ref": make_model_ref, "bpb": make_bpb}[w](args.out)


if __name__ == "__main__":
    main()
