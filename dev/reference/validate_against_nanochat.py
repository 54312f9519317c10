"""
Step 0: check this reference against ground truth computed by nanochat itself.
    python3 dev/reference/validate_against_nanochat.py [FIXTURE_DIR]
Default FIXTURE_DIR: ../shared/fixtures/nanochat_tiny. Exits 1 if any tolerance is exceeded.
Metric per tensor: max|a-b| / max|b| (as in the fixture README).
"""
import json
import os
import sys

import torch
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt import GPT, GPTConfig  # noqa: E402
from optim import MuonAdamW  # noqa: E402

torch.set_num_threads(int(os.environ.get("REF_THREADS", "1")))
FAIL = []


def rel(a, b):
    a, b = a.double(), b.double()
    return ((a - b).abs().max() / b.abs().max().clamp_min(1e-30)).item()


def check(label, a, b, tol, ill=None, flip=None):
    """max|a-b|/max|b| <= tol. For weights after optimizer steps, `ill` masks the AdamW elements whose step-0
    gradient is tiny (0 < |g| < 1e-8): Adam's first step is g/(|g|+1e-10), so there a 1e-3 relative gradient
    difference moves the weight by up to lr. Those elements are excluded from the criterion (the raw max
    is printed too). For Muon weights, `flip` = steps * lr_eff * wd: Muon's cautious decay mask (g*p >= 0)
    is discontinuous where the orthogonalized update g ~ 0, so one flip moves an element by lr_eff*wd*|p|;
    at most 3 elements per tensor may differ by more than tol, and only by at most flip*|p| + tol*max|b|."""
    r = rel(a, b)
    note = ""
    crit = r
    if ill is not None and ill.any():
        keep = ~ill
        crit = ((a.double() - b.double()).abs()[keep].max() / b.double().abs().max()).item()
        note = f"  [{int(ill.sum())} ill-conditioned AdamW elements excluded: rel {crit:.3e}]"
    ok = crit <= tol
    if not ok and flip is not None:
        diff = (a.double() - b.double()).abs()
        out = diff > tol * b.double().abs().max()
        bound = flip * b.double().abs() + tol * b.double().abs().max()
        explained = bool((diff[out] <= bound[out]).all()) and int(out.sum()) <= 3
        note = f"  [{int(out.sum())} element(s) beyond tol, {'all' if explained else 'NOT all'} within one " \
               f"cautious-mask flip (lr*wd*|p|)]"
        ok = explained
    if not ok:
        FAIL.append(label)
    print(f"  {'ok  ' if ok else 'FAIL'} {label:45s} rel {r:.3e}  (tol {tol:g}){note}")
    return r


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "../shared/fixtures/nanochat_tiny"
    fx = json.load(open(os.path.join(d, "fixture.json")))
    cfg = GPTConfig(**fx["model_config"])
    model = GPT(cfg)
    w0 = load_file(os.path.join(d, "weights_init.safetensors"))
    model.load_state_dict(w0, strict=True)
    assert list(model.state_dict().keys()) == list(w0.keys()) or True  # file order is alphabetical
    batch = load_file(os.path.join(d, "batch.safetensors"))
    idx, targets = batch["idx"], batch["targets"]
    out = load_file(os.path.join(d, "outputs.safetensors"))

    print(f"config {fx['model_config']}  windows {model.windows}")
    print("forward:")
    logits, per_tok, loss = model.forward_with_logits(idx, targets)
    check("logits", logits.detach(), out["logits"], 1e-5)
    check("per_token_loss", per_tok.detach(), out["per_token_loss"], 1e-5)
    check("loss", loss.detach().view(1), out["loss"].view(1), 1e-5)
    print(f"  loss ours {loss.item():.9f} nanochat {out['loss'].item():.9f}")

    print("gradients:")
    loss.backward()
    grads = load_file(os.path.join(d, "grads_step0.safetensors"))
    worst = 0.0
    for name, p in model.named_parameters():
        worst = max(worst, check(f"grad {name}", p.grad, grads[name], 1e-4))
    print(f"  worst gradient rel {worst:.3e}")
    model.zero_grad(set_to_none=True)

    print("optimizer groups vs fixture.json:")
    groups = model.param_groups(**fx["setup_optimizer_args"])
    ok_groups = len(groups) == len(fx["optimizer_param_groups"])
    for g, fg in zip(groups, fx["optimizer_param_groups"]):
        names = [n for n, _ in g["params"]]
        same = (g["kind"] == fg["kind"] and names == fg["params"] and abs(g["lr"] - fg["lr"]) < 1e-12
                and g["weight_decay"] == fg["weight_decay"]
                and (g["kind"] == "muon" or list(g["betas"]) == fg["betas"])
                and (g["kind"] == "adamw" or (g["momentum"] == fg["momentum"] and g["beta2"] == fg["beta2"])))
        ok_groups &= same
    print(f"  {'ok  ' if ok_groups else 'FAIL'} {len(groups)} groups, kinds/names/order/lr/wd/betas match")
    if not ok_groups:
        FAIL.append("optimizer groups")

    print("optimizer alone: one step from nanochat's own step-0 gradients -> weights_step1:")
    groups = model.param_groups(**fx["setup_optimizer_args"])
    MuonAdamW(groups).step(grads=grads)
    ref = load_file(os.path.join(d, "weights_step1.safetensors"))
    worst = 0.0
    for name, p in model.named_parameters():
        worst = max(worst, check(f"opt-only step1 {name}", p.detach(), ref[name], 1e-5))
    print(f"  worst weight rel (optimizer alone): {worst:.3e}")
    model.load_state_dict(w0, strict=True)

    print("training (3 steps, fixed lr):")
    groups = model.param_groups(**fx["setup_optimizer_args"])
    ill = {n: (grads[n].abs() > 0) & (grads[n].abs() < 1e-8)
           for g in groups if g["kind"] == "adamw" for n, _ in g["params"]}
    flip = {n: 3 * g["lr"] * max(1.0, p.shape[0] / p.shape[1]) ** 0.5 * g["weight_decay"]
            for g in groups if g["kind"] == "muon" for n, p in g["params"]}
    opt = MuonAdamW(groups)
    losses = []
    for step in range(3):
        loss = model(idx, targets)
        losses.append(loss.item())
        loss.backward()
        opt.step()
        model.zero_grad(set_to_none=True)
        if step + 1 in (1, 3):
            ref = load_file(os.path.join(d, f"weights_step{step + 1}.safetensors"))
            worst = 0.0
            for name, p in model.named_parameters():
                worst = max(worst, check(f"step{step + 1} {name}", p.detach(), ref[name], 1e-4,
                                         ill=ill.get(name), flip=flip.get(name)))
            print(f"  worst weight rel after step {step + 1}: {worst:.3e}")
    for i, (a, b) in enumerate(zip(losses, fx["losses"])):
        r = abs(a - b) / abs(b)
        ok = r <= 1e-5
        if not ok:
            FAIL.append(f"loss{i}")
        print(f"  {'ok  ' if ok else 'FAIL'} loss before step {i + 1}: ours {a:.9f} nanochat {b:.9f} rel {r:.2e}")

    print("RESULT:", "PASS" if not FAIL else f"FAIL ({len(FAIL)}): {FAIL}")
    sys.exit(1 if FAIL else 0)


if __name__ == "__main__":
    main()
