"""
Per-tensor float64 check of a fixture directory in the nanochat_tiny format (model_ref, or nanochat_tiny itself)
or of optim_menagerie (the optimizer alone):
re-runs the forward, backward and 3 optimizer steps of the reference in float64 (hyper-parameters rounded to fp32
first, like the fp32 run) from the fixture's weights_init, and prints max|fixture - f64| / max|f64| per tensor.
That is the fp32 rounding error the fixture carries: a Swift fp32 port can only be judged at tolerances above it.
    python3 dev/reference/check_f64.py Tests/NanoChatTests/Fixtures/reference/model_ref
"""
import json
import os
import sys

import torch
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import optim  # noqa: E402
from gpt import GPT, GPTConfig  # noqa: E402
from make_fixtures import train_record  # noqa: E402

torch.set_num_threads(1)


def rel(a, b):
    a, b = a.double(), b.double()
    return ((a - b).abs().max() / b.abs().max().clamp_min(1e-300)).item()


def check_menagerie(d):
    from optim import MuonAdamW
    t = load_file(os.path.join(d, "menagerie.safetensors"))
    meta = json.load(open(os.path.join(d, "menagerie.json")))
    optim.MATH_DTYPE = torch.float64
    live = {p["name"]: t["init/" + p["name"]].double().clone() for p in meta["params"]}
    groups = []
    for g in meta["groups"]:
        g = dict(g)
        g["params"] = [(n, live[n]) for n in g["params"]]
        if g["kind"] == "adamw":
            g["betas"] = tuple(g["betas"])
        groups.append(g)
    opt = MuonAdamW(groups)
    worst = 0.0
    for s in range(3):
        opt.step(grads={n: t[f"grad{s + 1}/{n}"].double() for n in live})
        if s + 1 in (1, 3):
            for n in live:
                r = rel(t[f"step{s + 1}/{n}"], live[n])
                worst = max(worst, r)
                print(f"step{s + 1} {n:50s} {r:.2e}")
    for k, v in t.items():
        if k.startswith("state/"):
            _, name, field = k.split("/")
            holder = name if name in opt.state else name + ".0"
            r = rel(v, opt.state[holder][field].view(v.shape))
            worst = max(worst, r)
            print(f"{k:56s} {r:.2e}")
    print(f"worst: {worst:.2e}")


def main():
    d = sys.argv[1]
    if os.path.exists(os.path.join(d, "menagerie.json")):
        return check_menagerie(d)
    fx = json.load(open(os.path.join(d, "fixture.json")))
    model = GPT(GPTConfig(**fx["model_config"]))
    model.load_state_dict(load_file(os.path.join(d, "weights_init.safetensors")), strict=True)
    model.double()  # rotary tables: the fp32 values, widened
    optim.MATH_DTYPE = torch.float64
    batch = load_file(os.path.join(d, "batch.safetensors"))
    groups = model.param_groups(**fx["setup_optimizer_args"])
    rec = train_record(model, groups, batch["idx"], batch["targets"])
    worst = {}
    out = load_file(os.path.join(d, "outputs.safetensors"))
    for k in ("logits", "per_token_loss", "loss"):
        r = rel(out[k], rec["outputs"][k].view(out[k].shape))
        print(f"{k:55s} {r:.2e}")
        worst["outputs"] = max(worst.get("outputs", 0), r)
    for f in ("grads_step0", "weights_step1", "weights_step3"):
        ref = load_file(os.path.join(d, f"{f}.safetensors"))
        for name, t in rec[f].items():
            r = rel(ref[name], t)
            worst[f] = max(worst.get(f, 0), r)
            print(f"{f + ' ' + name:55s} {r:.2e}")
    for i, (a, b) in enumerate(zip(fx["losses"], rec["losses"])):
        print(f"loss before step {i + 1}: fixture {a:.9f} f64 {b:.12f} rel {abs(a - b) / abs(b):.2e}")
    print("worst per file:", {k: f"{v:.2e}" for k, v in worst.items()})


if __name__ == "__main__":
    main()
