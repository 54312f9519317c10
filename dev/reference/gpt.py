"""
Independent fp32 CPU reference of nanochat HEAD's GPT (SPEC §1), written from the spec.
State-dict names, shapes and order are nanochat's, so nanochat checkpoints load with strict=True.
Gradients come from torch autograd; attention is an explicit masked softmax (no SDPA/FA3).
"""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F

RMS_EPS = torch.finfo(torch.float32).eps  # 2^-23, what F.rms_norm uses with eps=None (fp32 input)
SOFTCAP = 15.0
ROPE_BASE = 100000.0
SMEAR_CH = 24
VE_GATE_CH = 12


@dataclass
class GPTConfig:
    sequence_len: int = 2048
    vocab_size: int = 32768
    n_layer: int = 12
    n_head: int = 6
    n_kv_head: int = 6
    n_embd: int = 768
    window_pattern: str = "SSSL"

    def to_dict(self):
        return asdict(self)


def norm(x):
    # parameter-free RMSNorm in fp32, eps = 2^-23
    return x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + RMS_EPS)


def has_ve(i, n_layer):
    return i % 2 == (n_layer - 1) % 2


def window_sizes(config):
    T = config.sequence_len
    short = -(-T // 4 // 128) * 128  # Python floor-division semantics on purpose (§1.6)
    pat = config.window_pattern.upper()
    out = []
    for i in range(config.n_layer):
        c = "L" if i == config.n_layer - 1 else pat[i % len(pat)]
        out.append(T if c == "L" else short)
    return out


def apply_rotary(x, cos, sin):
    # split halves, rotation by -theta: y1 = x1 cos + x2 sin ; y2 = -x1 sin + x2 cos
    d = x.shape[-1] // 2
    x1, x2 = x[..., :d], x[..., d:]
    y1 = x1 * cos + x2 * sin
    y2 = x1 * (-sin) + x2 * cos
    return torch.cat([y1, y2], dim=-1)


class Linear(nn.Module):
    """Bias-free linear with PyTorch layout [out, in] (same state_dict key 'weight' as nn.Linear)."""

    def __init__(self, fan_in, fan_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(fan_out, fan_in))

    def forward(self, x):
        return F.linear(x, self.weight)


class Attention(nn.Module):
    def __init__(self, config, layer_idx):
        super().__init__()
        C, H, Hkv = config.n_embd, config.n_head, config.n_kv_head
        self.H, self.Hkv, self.D = H, Hkv, C // H
        self.c_q = Linear(C, H * self.D)
        self.c_k = Linear(C, Hkv * self.D)
        self.c_v = Linear(C, Hkv * self.D)
        self.c_proj = Linear(C, C)
        self.ve_gate = Linear(VE_GATE_CH, Hkv) if has_ve(layer_idx, config.n_layer) else None

    def forward(self, xn, ve, cos, sin, left):
        B, T, C = xn.shape
        H, Hkv, D = self.H, self.Hkv, self.D
        q = self.c_q(xn).view(B, T, H, D)
        k = self.c_k(xn).view(B, T, Hkv, D)
        v = self.c_v(xn).view(B, T, Hkv, D)
        if ve is not None:
            gate = 3.0 * torch.sigmoid(self.ve_gate(xn[..., :VE_GATE_CH]))  # [B,T,Hkv]
            v = v + gate.unsqueeze(-1) * ve.view(B, T, Hkv, D)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        q, k = norm(q) * 1.2, norm(k) * 1.2
        # GQA: query head h uses kv head h // (H/Hkv)
        rep = H // Hkv
        q = q.transpose(1, 2)                                   # [B,H,T,D]
        k = k.transpose(1, 2).repeat_interleave(rep, dim=1)     # [B,H,T,D]
        v = v.transpose(1, 2).repeat_interleave(rep, dim=1)
        att = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(D))  # [B,H,T,T]
        p = torch.arange(T).view(T, 1)
        j = torch.arange(T).view(1, T)
        allowed = (j <= p) & (p - j <= left)
        att = att.masked_fill(~allowed, float("-inf"))
        att = torch.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        C = config.n_embd
        self.c_fc = Linear(C, 4 * C)
        self.c_proj = Linear(4 * C, C)

    def forward(self, x):
        return self.c_proj(F.relu(self.c_fc(x)).square())


class Block(nn.Module):
    def __init__(self, config, layer_idx):
        super().__init__()
        self.attn = Attention(config, layer_idx)
        self.mlp = MLP(config)


class GPT(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        L, C = config.n_layer, config.n_embd
        self.Vp = (config.vocab_size + 63) // 64 * 64
        kv_dim = config.n_kv_head * (C // config.n_head)
        # own parameters first (state_dict order)
        self.resid_lambdas = nn.Parameter(torch.empty(L))
        self.x0_lambdas = nn.Parameter(torch.empty(L))
        self.smear_lambda = nn.Parameter(torch.empty(1))
        self.backout_lambda = nn.Parameter(torch.empty(1))
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(self.Vp, C),
            h=nn.ModuleList([Block(config, i) for i in range(L)]),
        ))
        self.lm_head = Linear(C, self.Vp)
        self.smear_gate = Linear(SMEAR_CH, 1)
        self.value_embeds = nn.ModuleDict(
            {str(i): nn.Embedding(self.Vp, kv_dim) for i in range(L) if has_ve(i, L)})
        self.windows = window_sizes(config)
        D = C // config.n_head
        inv_freq = 1.0 / (ROPE_BASE ** (torch.arange(0, D, 2, dtype=torch.float32) / D))
        t = torch.arange(10 * config.sequence_len, dtype=torch.float32)
        freqs = torch.outer(t, inv_freq)
        self.register_buffer("cos", freqs.cos()[None, :, None, :], persistent=False)
        self.register_buffer("sin", freqs.sin()[None, :, None, :], persistent=False)

    @torch.no_grad()
    def init_weights(self, seed=42):
        """§1.8 distributions (torch RNG; draw order as nanochat, bit-equality not claimed)."""
        g = torch.Generator().manual_seed(seed)
        C, L = self.config.n_embd, self.config.n_layer
        s = math.sqrt(3) / math.sqrt(C)
        self.transformer.wte.weight.normal_(0, 0.8, generator=g)
        self.lm_head.weight.normal_(0, 0.001, generator=g)
        for blk in self.transformer.h:
            for lin in (blk.attn.c_q, blk.attn.c_k, blk.attn.c_v):
                lin.weight.uniform_(-s, s, generator=g)
            blk.mlp.c_fc.weight.uniform_(-0.4 * s, 0.4 * s, generator=g)
            blk.attn.c_proj.weight.zero_()
            blk.mlp.c_proj.weight.zero_()
        for i in range(L):
            self.resid_lambdas[i] = 1.15 - 0.10 * i / max(L - 1, 1)
            self.x0_lambdas[i] = 0.20 - 0.15 * i / max(L - 1, 1)
        self.smear_lambda.fill_(0.0)
        self.backout_lambda.fill_(0.2)
        self.smear_gate.weight.uniform_(0, 0.02, generator=g)
        for k in sorted(self.value_embeds.keys(), key=int):
            self.value_embeds[k].weight.uniform_(-s, s, generator=g)
        for blk in self.transformer.h:
            if blk.attn.ve_gate is not None:
                blk.attn.ve_gate.weight.uniform_(0, 0.02, generator=g)

    def forward(self, idx, targets=None, loss_reduction="mean"):
        B, T = idx.shape
        L = self.config.n_layer
        assert T <= self.cos.shape[1]
        cos, sin = self.cos[:, :T], self.sin[:, :T]
        dt = self.transformer.wte.weight.dtype  # fp32 (float64 only in the precision check)
        x = norm(self.transformer.wte(idx).to(dt))
        if T > 1:
            g = self.smear_lambda * torch.sigmoid(self.smear_gate(x[:, 1:, :SMEAR_CH]))  # [B,T-1,1]
            x = torch.cat([x[:, :1], x[:, 1:] + g * x[:, :-1]], dim=1)
        x0 = x
        backout_layer = L // 2
        x_backout = None
        for i, blk in enumerate(self.transformer.h):
            x = self.resid_lambdas[i] * x + self.x0_lambdas[i] * x0
            ve = self.value_embeds[str(i)](idx) if str(i) in self.value_embeds else None
            x = x + blk.attn(norm(x), ve, cos, sin, self.windows[i])
            x = x + blk.mlp(norm(x))
            if i == backout_layer:
                x_backout = x
        x = x - self.backout_lambda * x_backout
        x = norm(x)
        logits = self.lm_head(x)[..., : self.config.vocab_size].to(dt)
        logits = SOFTCAP * torch.tanh(logits / SOFTCAP)
        if targets is None:
            return logits
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1),
                               ignore_index=-1, reduction=loss_reduction)

    def forward_with_logits(self, idx, targets):
        logits = self.forward(idx)
        per_tok = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1),
                                  ignore_index=-1, reduction="none").view(targets.shape)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1),
                               ignore_index=-1, reduction="mean")
        return logits, per_tok, loss

    def param_groups(self, unembedding_lr=0.004, embedding_lr=0.2, matrix_lr=0.02, weight_decay=0.0,
                     scalar_lr=0.5):
        """§1.10 setup_optimizer groups: list of dicts with 'params' as (name, tensor) lists."""
        C, L = self.config.n_embd, self.config.n_layer
        dms = (C / 768) ** -0.5
        named = dict(self.named_parameters())
        ve_names = [f"value_embeds.{i}.weight" for i in range(L) if has_ve(i, L)]
        adam = lambda names, lr, betas, wd: dict(kind="adamw", lr=lr, betas=betas, eps=1e-10,
                                                 weight_decay=wd, params=[(n, named[n]) for n in names])
        groups = [
            adam(["lm_head.weight"], unembedding_lr * dms, (0.8, 0.96), 0.01),
            adam(["transformer.wte.weight"], embedding_lr * dms, (0.8, 0.995), 0.001),
            adam(ve_names, embedding_lr * dms * 0.5, (0.8, 0.995), 0.01),
            adam(["resid_lambdas"], scalar_lr * 0.01, (0.8, 0.95), 0.05),
            adam(["x0_lambdas"], scalar_lr, (0.96, 0.95), 0.0),
            adam(["smear_lambda", "backout_lambda", "smear_gate.weight"], 0.2, (0.8, 0.95), 0.0),
        ]
        mats = [(n, p) for n, p in named.items() if n.startswith("transformer.h.")]
        for shape in sorted({tuple(p.shape) for _, p in mats}):
            groups.append(dict(kind="muon", lr=matrix_lr, momentum=0.95, ns_steps=5, beta2=0.9,
                               weight_decay=weight_decay,
                               params=[(n, p) for n, p in mats if tuple(p.shape) == shape]))
        for g in groups:
            g["initial_lr"] = g["lr"]
        return groups
