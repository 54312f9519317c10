"""
Same-machine PyTorch baseline for the Swift model benchmark (ModelBenchmarkTests): d4 (C256, 2 heads of
128, V=32768, T=512, window L) fwd+bwd in fp32 eager, using the reference GPT of dev/reference/gpt.py with
its explicit-mask attention swapped for F.scaled_dot_product_attention(is_causal=True), as nanochat uses
on CPU. Reports wall and process-CPU time per step (CPU time is the steadier number on a shared machine).

usage: python3 dev/bench_torch_model.py [--threads 1] [--B 1] [--steps 3]
"""
import argparse, math, os, sys, time
here = os.path.dirname(os.path.abspath(__file__))
for p in [os.path.join(here, "reference")]:
    if os.path.exists(os.path.join(p, "gpt.py")):
        sys.path.insert(0, p); break
import torch
import torch.nn.functional as F
import gpt as ref

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--B", type=int, default=1)
ap.add_argument("--T", type=int, default=512)
ap.add_argument("--steps", type=int, default=3)
args = ap.parse_args()
torch.set_num_threads(args.threads)

def sdpa_forward(self, xn, ve, cos, sin, left):
    B, T, C = xn.shape
    H, Hkv, D = self.H, self.Hkv, self.D
    q = self.c_q(xn).view(B, T, H, D); k = self.c_k(xn).view(B, T, Hkv, D); v = self.c_v(xn).view(B, T, Hkv, D)
    if ve is not None:
        gate = 3.0 * torch.sigmoid(self.ve_gate(xn[..., :ref.VE_GATE_CH]))
        v = v + gate.unsqueeze(-1) * ve.view(B, T, Hkv, D)
    q, k = ref.apply_rotary(q, cos, sin), ref.apply_rotary(k, cos, sin)
    q, k = ref.norm(q) * 1.2, ref.norm(k) * 1.2
    assert left >= T
    y = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), is_causal=True,
                                       enable_gqa=(H != Hkv))
    return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))
ref.Attention.forward = sdpa_forward

cfg = ref.GPTConfig(sequence_len=args.T, vocab_size=32768, n_layer=4, n_head=2, n_kv_head=2, n_embd=256, window_pattern="L")
model = ref.GPT(cfg)
if hasattr(model, "init_weights"): model.init_weights()
g = torch.Generator().manual_seed(0)
x = torch.randint(0, 32768, (args.B, args.T), generator=g)
y = torch.randint(0, 32768, (args.B, args.T), generator=g)
def step():
    loss = model(x, y); loss.backward(); model.zero_grad(set_to_none=True)
step()
t0, c0 = time.perf_counter(), time.process_time()
for _ in range(args.steps): step()
dt, dc = (time.perf_counter() - t0) / args.steps, (time.process_time() - c0) / args.steps
print(f"torch {torch.__version__} threads {args.threads} d4 B={args.B} T={args.T}: {dt*1000:.1f} ms/step (cpu {dc*1000:.1f} ms)")
