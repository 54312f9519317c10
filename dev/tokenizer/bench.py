"""
Python side of dev/tokenizer/bench.sh.
  bench.py train CORPUS VOCAB OUTFILE   rustbpe training time on the corpus' documents; writes the ranks (tiktoken format)
  bench.py encode CORPUS RANKSFILE      tiktoken encode throughput (1 thread loop, and encode_ordinary_batch on 2 threads)
  bench.py same A B                     are two tiktoken ranks files identical as rank lists?
Documents = the corpus cut at whitespace-only lines, as DocumentSource.readAll does for .txt (Data/TextShards.swift).
"""
import sys, time, base64
SPLIT_PATTERN = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,2}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+"""


def docs_of(path):
    text = open(path, encoding="utf-8", newline="").read().replace("\r\n", "\n")
    docs, block = [], []
    for line in text.split("\n"):
        if line.strip() == "":
            if block: docs.append("\n".join(block)); block = []
        else:
            block.append(line)
    if block: docs.append("\n".join(block))
    return docs


def train(corpus, vocab, out):
    import rustbpe
    docs = docs_of(corpus)
    t0 = time.perf_counter()
    tok = rustbpe.Tokenizer()
    tok.train_from_iterator(iter(docs), vocab - 9, pattern=SPLIT_PATTERN)
    dt = time.perf_counter() - t0
    ranks = sorted(((bytes(b), r) for b, r in tok.get_mergeable_ranks()), key=lambda x: x[1])
    with open(out, "w") as f:
        for b, r in ranks:
            f.write(base64.b64encode(b).decode() + f" {r}\n")
    print(f"rustbpe_train_seconds {dt:.3f}")


def encode(corpus, ranks_file):
    import tiktoken, tiktoken.load
    ranks = tiktoken.load.load_tiktoken_bpe(ranks_file)
    enc = tiktoken.Encoding("bench", pat_str=SPLIT_PATTERN, mergeable_ranks=ranks, special_tokens={})
    docs = docs_of(corpus)
    nbytes = sum(len(d.encode()) for d in docs)
    best1 = bestn = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        ntok = sum(len(enc.encode_ordinary(d)) for d in docs)
        best1 = min(best1, time.perf_counter() - t0)
        t0 = time.perf_counter()
        ids = enc.encode_ordinary_batch(docs, num_threads=2)
        bestn = min(bestn, time.perf_counter() - t0)
        assert sum(map(len, ids)) == ntok
    print(f"tiktoken encode: {len(docs)} docs, {nbytes} bytes, {ntok} tokens")
    print(f"tiktoken_encode_1thread_MBps {nbytes / 1e6 / best1:.2f}")
    print(f"tiktoken_encode_batch_MBps {nbytes / 1e6 / bestn:.2f} (threads 2)")


def same(a, b):
    la, lb = open(a).read().split("\n"), open(b).read().split("\n")
    if la == lb:
        print("merges identical:", len(la) - 1, "ranks")
    else:
        n = next(i for i, (x, y) in enumerate(zip(la, lb)) if x != y) if len(la) == len(lb) else min(len(la), len(lb))
        print(f"MERGES DIFFER at line {n}: {len(la)} vs {len(lb)} lines")
        sys.exit(1)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "train": train(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif cmd == "encode": encode(sys.argv[2], sys.argv[3])
    elif cmd == "same": same(sys.argv[2], sys.argv[3])
