"""
Independent fp32 CPU reference of nanochat HEAD's MuonAdamW (SPEC §2.1, §2.2, world size 1), from the spec.
Groups are dicts as built by gpt.GPT.param_groups (params = list of (name, tensor)).
All hyper-parameters enter the math as fp32 0-d tensors, as in nanochat's fused kernels.
torch.lerp on CPU is the FMA form of §2.2, so using it directly matches nanochat's eager path.
"""
import math

import torch

POLAR_EXPRESS = [
    (8.156554524902461, -22.48329292557795, 15.878769915207462),
    (4.042929935166739, -2.808917465908714, 0.5000178451051316),
    (3.8916678022926607, -2.772484153217685, 0.5060648178503393),
    (3.285753657755655, -2.3681294933425376, 0.46449024233003106),
    (2.3465413258596377, -1.7097828382687081, 0.42323551169305323),
]


# dtype of the math; float64 only for dev/reference/check_f64.py (hyper-parameters still rounded to fp32 first)
MATH_DTYPE = torch.float32


def f32(x):
    return torch.tensor(x, dtype=torch.float32).to(MATH_DTYPE)


@torch.no_grad()
def adamw_step(p, grad, exp_avg, exp_avg_sq, step, lr, beta1, beta2, eps, wd):
    lr_t, b1, b2, eps_t, wd_t, step_t = f32(lr), f32(beta1), f32(beta2), f32(eps), f32(wd), f32(step)
    p.mul_(1 - lr_t * wd_t)                      # decoupled decay before the moments
    exp_avg.lerp_(grad, 1 - b1)
    exp_avg_sq.lerp_(grad.square(), 1 - b2)
    bias1 = 1 - b1 ** step_t
    bias2 = 1 - b2 ** step_t
    denom = (exp_avg_sq / bias2).sqrt() + eps_t  # eps after the bias-corrected sqrt
    step_size = lr_t / bias1
    p.add_(exp_avg / denom * (-step_size))


@torch.no_grad()
def muon_step(P, G, momentum_buffer, second_momentum_buffer, lr, momentum, beta2, wd, ns_steps):
    """P, G: stacked [K,m,n] params/grads; P updated in place; G is clobbered (as in nanochat)."""
    K, m, n = P.shape
    mu = f32(momentum)
    momentum_buffer.lerp_(G, 1 - mu)
    g = G.lerp_(momentum_buffer, mu)             # Nesterov
    X = g.to(MATH_DTYPE)
    # MuonEq: equilibrate rows to the RMS row norm
    target = X.norm(dim=(-2, -1), keepdim=True) / math.sqrt(m)
    rownorm = X.norm(dim=-1, keepdim=True).clamp_min(1e-6)
    X = X * (target / rownorm)
    # Polar Express
    X = X / (X.norm(dim=(-2, -1), keepdim=True) * 1.01 + 1e-6)
    for a, b, c in POLAR_EXPRESS[:ns_steps]:
        if m > n:
            A = X.mT @ X
            Bm = b * A + c * (A @ A)
            X = a * X + X @ Bm
        else:
            A = X @ X.mT
            Bm = b * A + c * (A @ A)
            X = a * X + Bm @ X
    g = X.to(P.dtype)
    # Muon+ renormalization
    g = g * (math.sqrt(min(m, n)) / g.norm(dim=(-2, -1), keepdim=True).clamp_min(1e-6))
    # NorMuon
    red_dim = -1 if m >= n else -2
    N = g.size(red_dim)
    v_mean = g.to(MATH_DTYPE).square().mean(dim=red_dim, keepdim=True)
    v_norm = (v_mean.sum(dim=(-2, -1), keepdim=True) * N).sqrt()
    second_momentum_buffer.lerp_(v_mean.to(second_momentum_buffer.dtype), 1 - f32(beta2))
    step = second_momentum_buffer.clamp_min(1e-10).rsqrt()
    v_norm_new = ((v_mean * N) * step.to(MATH_DTYPE).square()).sum(dim=(-2, -1), keepdim=True).sqrt()
    scale = step * (v_norm / v_norm_new.clamp_min(1e-10))
    g = g * scale.to(g.dtype)
    # cautious weight decay + update
    lr_t, wd_t = f32(lr), f32(wd)
    mask = (g * P) >= 0
    P.sub_(lr_t * g + lr_t * wd_t * P * mask)


class MuonAdamW:
    """Single-rank MuonAdamW. state: name -> dict of tensors (AdamW per param; Muon under the group's first name)."""

    def __init__(self, groups):
        self.groups = groups
        self.state = {}

    @torch.no_grad()
    def step(self, grads=None):
        """grads: optional dict name -> grad tensor; default p.grad."""
        get = (lambda n, p: grads[n]) if grads is not None else (lambda n, p: p.grad)
        for grp in self.groups:
            if grp["kind"] == "adamw":
                b1, b2 = grp["betas"]
                for name, p in grp["params"]:
                    st = self.state.setdefault(name, {"step": 0, "exp_avg": torch.zeros_like(p),
                                                      "exp_avg_sq": torch.zeros_like(p)})
                    st["step"] += 1
                    adamw_step(p, get(name, p), st["exp_avg"], st["exp_avg_sq"], st["step"],
                               grp["lr"], b1, b2, grp["eps"], grp["weight_decay"])
            else:
                names = [n for n, _ in grp["params"]]
                params = [p for _, p in grp["params"]]
                m, n = params[0].shape
                G = torch.stack([get(nm, p) for nm, p in grp["params"]]).clone()
                P = torch.stack(params)
                K = len(params)
                st = self.state.setdefault(names[0], {
                    "momentum_buffer": torch.zeros(K, m, n, dtype=P.dtype),
                    "second_momentum_buffer": torch.zeros((K, m, 1) if m >= n else (K, 1, n), dtype=P.dtype)})
                lr = grp["lr"] * max(1.0, m / n) ** 0.5
                muon_step(P, G, st["momentum_buffer"], st["second_momentum_buffer"], lr,
                          grp["momentum"], grp["beta2"], grp["weight_decay"], grp["ns_steps"])
                for i, p in enumerate(params):
                    p.copy_(P[i])
