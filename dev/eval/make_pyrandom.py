"""Writes Tests/NanoChatTests/Fixtures/pyrandom.json: sequences printed by CPython's random.Random,
which Eval/PyRandom.swift must reproduce (MT19937 seeding, getrandbits, _randbelow, shuffle, sample).
Run: python3 dev/eval/make_pyrandom.py"""
import json, os, random, sys

out = {"python": sys.version.split()[0]}

# raw getrandbits for several seeds (incl. 0, negative, multi-word seeds) and widths (incl. > 32)
bits = []
for seed in [0, 1, 42, 1337, 1239, -5, 2**32, 2**40 + 7, 2**70 + 12345]:
    r = random.Random(seed)
    u32 = [r.getrandbits(32) for _ in range(8)]
    ks = [1, 5, 31, 32, 33, 48, 64, 65, 100]
    wide = [str(r.getrandbits(k)) for k in ks]  # strings: > 2^53 values
    below = [r._randbelow(n) for n in [1, 2, 3, 7, 10, 100, 1000, 2**31 + 1, 10**12]]
    bits.append({"seed": str(seed), "u32": u32, "k": ks, "wide": wide, "below": below})
out["bits"] = bits

# shuffles of range(n)
shuf = []
for seed in [1337, 0, 42]:
    for n in [0, 1, 2, 3, 10, 100, 1000]:
        x = list(range(n)); random.Random(seed).shuffle(x)
        shuf.append({"seed": seed, "n": n, "perm": x})
# the CORE task sizes of ../shared/data/core (first 16 of the 1337 shuffle)
for n in [2376, 1172, 100, 1221, 1838, 500, 5153, 10042, 273, 1267, 1000, 230, 2117, 20321, 210, 1320, 32, 3270, 5008]:
    x = list(range(n)); random.Random(1337).shuffle(x)
    shuf.append({"seed": 1337, "n": n, "prefix": x[:16]})
out["shuffle"] = shuf

# few-shot samples exactly as core_eval: Random(1234+idx).sample([i for i in range(n) if i != idx], k)
samp = []
for k in [3, 10, 1, 5, 6]:
    for n in [11, 16, 21, 22, 23, 50, 84, 85, 86, 87, 100, 2376, 10042]:
        if n - 1 < k: continue
        for idx in [0, 1, 7, n - 1]:
            pop = [i for i in range(n) if i != idx]
            samp.append({"k": k, "n": n, "idx": idx, "sample": random.Random(1234 + idx).sample(pop, k)})
out["sample"] = samp

path = os.path.join(os.path.dirname(__file__), "../../Tests/NanoChatTests/Fixtures/pyrandom.json")
with open(path, "w") as f: json.dump(out, f)
print("wrote", path, len(bits), len(shuf), len(samp))
