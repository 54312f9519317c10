"""
Eager-PyTorch timing of the same MuonAdamW step at d4 (V 32768, C 256), for a same-moment comparison with
dev/bench_optim.sh on a shared machine. Uses the independent reference (dev/reference/optim.py, eager,
un-fused; nanochat itself runs torch.compile'd fused kernels). Usage:
  python3 dev/bench_optim_torch.py [threads=2] [rounds=5]
"""
import os, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "reference"))
import torch
from gpt import GPT, GPTConfig
from optim import MuonAdamW

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
torch.set_num_threads(threads)
torch.manual_seed(0)
cfg = GPTConfig(sequence_len=2048, vocab_size=32768, n_layer=4, n_head=2, n_kv_head=2, n_embd=256, window_pattern="SSSL")
with torch.no_grad():
    model = GPT(cfg)
    for p in model.parameters():
        p.normal_(0, 0.02)
        p.grad = torch.randn_like(p) * 1e-3
opt = MuonAdamW(model.param_groups())
opt.step()  # warm-up
ts = []
for _ in range(rounds):
    t = time.perf_counter(); opt.step(); ts.append(time.perf_counter() - t)
ts.sort()
print(f"torch {torch.__version__} eager reference MuonAdamW d4, {threads} threads: min {1000*ts[0]:.1f} ms, median {1000*ts[len(ts)//2]:.1f} ms")
