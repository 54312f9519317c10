"""
Turns a NanoChat checkpoint step into the files PyTorch nanochat's checkpoint_manager reads:
  model_{step:06d}.pt  = torch.save(state_dict) with nanochat's names, in state_dict order (from our safetensors)
  meta_{step:06d}.json = our meta (same keys as nanochat's base_train writes)
so `nanochat.checkpoint_manager.build_model(dir, step, device, phase)` / `base_eval --model-tag` can load it.
The optimizer state is not converted (nanochat's optim_*.pt is a torch optimizer state_dict).

usage (repo root, venv from dev/requirements.txt):
  python3 dev/export_nanochat.py SRC_CHECKPOINT_DIR STEP DEST_DIR
"""
import json, os, shutil, sys
import torch
from safetensors.torch import load_file

src, step, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
name = f"{step:06d}"
sd = load_file(os.path.join(src, f"model_{name}.safetensors"))
# keep the file's tensor order (ours is nanochat's state_dict order)
with open(os.path.join(src, f"model_{name}.safetensors"), "rb") as f:
    n = int.from_bytes(f.read(8), "little"); header = json.loads(f.read(n))
order = sorted((k for k in header if k != "__metadata__"), key=lambda k: header[k]["data_offsets"][0])
os.makedirs(dst, exist_ok=True)
torch.save({k: sd[k] for k in order}, os.path.join(dst, f"model_{name}.pt"))
shutil.copyfile(os.path.join(src, f"meta_{name}.json"), os.path.join(dst, f"meta_{name}.json"))
print(f"wrote {dst}/model_{name}.pt ({len(order)} tensors) and meta_{name}.json")
