"""
Generates the tokenizer test fixtures (run from the repo root with python3):
  Tests/NanoChatTests/Fixtures/tokenizer/splits.json   chunks of tricky strings, from Python's `regex`
                                                        (cross-checked against tiktoken's fancy-regex split)
  Tests/NanoChatTests/Fixtures/tokenizer/encode.json   ids from tiktoken built from tokenizer_multi_4096 + the pattern,
                                                        and decode(ids) with errors="replace" for byte-level id lists
  Tests/NanoChatTests/Fixtures/tokenizer/train_corpus.txt + train_merges.json   rustbpe merges at vocab 2048
"""
import json, os, random, sys
import regex, tiktoken, tiktoken.load

SPLIT_PATTERN = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,2}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+"""
SPECIALS = ["<|bos|>", "<|user_start|>", "<|user_end|>", "<|assistant_start|>", "<|assistant_end|>",
            "<|python_start|>", "<|python_end|>", "<|output_start|>", "<|output_end|>"]
OUT = "Tests/NanoChatTests/Fixtures/tokenizer"

SPLIT_CASES = [
    "", "a", "hello world", "Hello, World!", "  leading spaces", "trailing spaces   ", "   ",
    # contractions in any case (alternative 1)
    "it's", "IT'S", "we'll We'LL WE'll", "they've THEY'VE", "you're YOU'RE", "I'd I'D", "I'm I'M", "don't DON'T",
    "'s", "'", "''", "'x", "'ll", "'l", "'v", "'ve'", "a'ſx", "'S'T'D'M", "rock'n'roll", "'1", "' s",
    # letters with optional leading char (alternative 2)
    "(hello)", "$hello", " \tword", "\tword", "\nword", "\rword", "\u00a0word", "\u3000word", "-foo-bar",
    "αβγ δεζ", "Привет мир", "日本語のテキスト", "中文 文本", "한국어 텍스트", "مرحبا بالعالم", "שלום",
    "हिन्दी भाषा", "नमस्ते दुनिया", "café", "cafe\u0301", "e\u0301\u0301x", "\u0301", " \u0301x", "ﬁne", "Ǆemal",
    # numbers (alternative 3)
    "1", "12", "123", "1234567", "3.14159", "1,000,000", "x1y22z333", "٣٤٥", "१२३४", "½¼", "Ⅻ", "²³", "v2.0.1",
    "2024-01-01T12:34:56Z", "$1.99", "100%",
    # punctuation runs (alternative 4)
    "!!!", " !!!", "...\n", "?!\r\n\r\n", " ?\n\nx", "a==b", "x += 1;", "<|bos|>", " <|user_start|>hi<|user_end|>",
    "#include <stdio.h>", "emoji 😀😀 👍🏽 🇺🇸 👨‍👩‍👧", "©®™", "\x00\x01\x1f", "a\x1c\x1c b", "x\x1cy", "\x7f",
    # newlines and whitespace (alternatives 5-7)
    "a\nb", "a\n\nb", "a\r\nb", "a\r\n\r\nb", "a \n b", "a  \n  b", "a\n \n b", "\n", "\r\n", "\n\n\n", "  \n", " \n ",
    "a  b", "a   b", "a\t\tb", "a \tb", "x \u000b y", "a\u000b\u000bb", "a\u0085  b", "a\u0085\nb", "a\u2028b",
    "a\u2029\u2029b", "a\u00a0\u00a0b", "tail  ", "tail\n", "tail \n ", "\u000c\u000c", "a\u200bb", "a\ufeffb",
    "def f(x):\n    return x  # comment\n\n\tpass\n",
    "    indented\n        more\n", "line1\r\nline2\r\n\r\n  \r\nline3",
    "The quick brown fox jumps over the lazy dog. It's 3:45pm, and 12345 people said \"hello!\"",
]


def check_split_with_tiktoken(s, chunks):
    # tiktoken emits a chunk as one token when it is a rank, so ranks = bytes + the expected chunks
    # reveal tiktoken's own (fancy-regex) split.
    ranks = {bytes([i]): i for i in range(256)}
    for c in chunks:
        b = c.encode()
        if b not in ranks:
            ranks[b] = len(ranks)
    enc = tiktoken.Encoding("x", pat_str=SPLIT_PATTERN, mergeable_ranks=ranks, special_tokens={})
    got = [enc.decode_single_token_bytes(t).decode("utf-8") for t in enc.encode_ordinary(s)]
    assert got == chunks, (s, chunks, got)


def random_split_cases(n=400, seed=5):
    # dense random mixes of every class boundary the pattern cares about
    rng = random.Random(seed)
    alphabet = list("'sSdDmMtTlLvVeErR") + ["\u017f", "a", "Z", "é", "\u0301", "\u093f", "क", "中", "1", "٣", "½",
               " ", " ", " ", "\t", "\n", "\n", "\r", "\r\n", "\u000b", "\u000c", "\u0085", "\u00a0", "\u2028",
               "\u3000", "\x1c", "\x00", ".", ",", "!", "?", "(", "#", "$", "<|bos|>", "😀", "👍🏽", "\u200d"]
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(n)]


def make_splits():
    cases = []
    for s in SPLIT_CASES + random_split_cases():
        chunks = regex.findall(SPLIT_PATTERN, s)
        check_split_with_tiktoken(s, chunks)
        cases.append({"text": s, "chunks": chunks})
    return cases


ENCODE_TEXTS = [
    "Once upon a time there was a little girl who lived in a village near the forest.",
    "\"I don't know,\" said Alice. \"I'M NOT SURE it's THE right WAY, we'll see; they've gone, you're late.\"",
    "def fibonacci(n: int) -> int:\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n",
    "for (int i = 0; i < 1024; i++) {\n\tsum += a[i] * b[i];\n}\r\n",
    "Numbers: 0 1 12 123 1234 12345 3.14159265358979 1,234,567.89 -42 1e-9 0xDEADBEEF",
    "Windows\r\nline\r\n\r\n\r\nendings\r\n",
    "whitespace    runs\t\t\tand\n\n\n\nblank    \n   lines   ",
    "Emoji: 😀 😃 😄 👍🏽 🇺🇸 👨‍👩‍👧‍👦 ❤️ and symbols ©®™ ∑∫√∞",
    "中文文本测试，包括标点符号。日本語のテキストも。한국어도 있습니다.",
    "العربية: مرحبا بكم في عالم البرمجة ١٢٣",
    "हिन्दी: नमस्ते, आप कैसे हैं? क्षत्रिय ज्ञान",
    "Special strings are plain text here: <|bos|> <|user_start|>hello<|user_end|><|assistant_start|>",
    "Mixed: café cafe\u0301 naïve Ångström straße ﬁne Ǆ ǅ ǆ ſ 'ſ",
    "\u000b\u0085\u2028\u2029\u3000\u00a0 odd whitespace \u000c\u001c\u001d",
    "   ",
    "",
    "a",
    "x" * 300,
    " " * 257 + "y",
    "The End.\n",
]


def make_encode():
    ranks = tiktoken.load.load_tiktoken_bpe("Tests/NanoChatTests/Fixtures/tokenizer_multi_4096/tokenizer.tiktoken")
    special = {name: len(ranks) + i for i, name in enumerate(SPECIALS)}
    enc = tiktoken.Encoding("multi4096", pat_str=SPLIT_PATTERN, mergeable_ranks=ranks, special_tokens=special)
    rng = random.Random(1234)
    texts = list(ENCODE_TEXTS)
    # a few longer random mixes of the texts above
    for _ in range(5):
        texts.append("".join(rng.choice(ENCODE_TEXTS) for _ in range(6)))
    cases = [{"text": t, "ids": enc.encode_ordinary(t)} for t in texts]
    # decode of byte-level ids with invalid UTF-8 (errors="replace")
    byte_seqs = [[0xC3], [0xC3, 0x28], [0xE2, 0x82], [0xE2, 0x82, 0x41], [0xF0, 0x9F, 0x98], [0xFF, 0xFE, 0x41],
                 [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0x61, 0x80, 0x80, 0x62],
                 [0xF0, 0x9F, 0x98, 0x80, 0xF0, 0x9F]]
    decodes = [{"ids": b, "text": enc.decode(b)} for b in byte_seqs]
    token_bytes = [len(enc.decode_single_token_bytes(i)) for i in range(len(ranks))] + [0] * len(SPECIALS)
    return {"vocab_size": enc.n_vocab, "bos_id": special["<|bos|>"], "cases": cases, "decodes": decodes,
            "token_bytes_sum": sum(token_bytes)}


def make_train():
    import rustbpe
    root = "../shared/data/text/gutenberg_children"
    files = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(root) for f in fs if f.endswith(".txt"))
    # ~300 KB: paragraphs from several books, so the corpus has varied text
    rng = random.Random(7)
    paras = []
    for f in files[:40]:
        text = open(f, encoding="utf-8").read()
        ps = [p for p in text.split("\n\n") if p.strip()]
        if len(ps) > 60:
            start = rng.randrange(0, len(ps) - 40)
            paras.extend(ps[start:start + 40])
    corpus = "\n\n".join(paras)[:300_000]
    # cut at a paragraph boundary
    corpus = corpus[:corpus.rfind("\n\n")]
    open(f"{OUT}/train_corpus.txt", "w", encoding="utf-8").write(corpus)
    docs = [p for p in corpus.split("\n\n") if p.strip()]
    vocab_size = 2048
    tok = rustbpe.Tokenizer()
    tok.train_from_iterator(iter(docs), vocab_size - len(SPECIALS), pattern=SPLIT_PATTERN)
    ranks = tok.get_mergeable_ranks()
    ranks = sorted(((bytes(b), r) for b, r in ranks), key=lambda x: x[1])
    assert [r for _, r in ranks] == list(range(len(ranks)))
    return {"vocab_size": vocab_size, "num_docs": len(docs),
            "tokens_hex": [b.hex() for b, _ in ranks[256:]]}


def make_train_mixed():
    # many scripts, digits, whitespace runs, CRLF, contractions: rustbpe merges on the documents themselves
    import rustbpe
    rng = random.Random(11)
    pools = [list(range(0x20, 0x7F)), [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x20, 0x20, 0x85, 0xA0, 0x3000, 0x1C],
             list(range(0x0900, 0x0980)), list(range(0x0600, 0x0700)), list(range(0x4E00, 0x4E80)),
             list(range(0x0300, 0x0370)), list(range(0x1F600, 0x1F650)), list(range(0x30, 0x3A)),
             [0x27, 0x73, 0x53, 0x17F, 0x6C, 0x4C, 0x76, 0x65, 0x72, 0x74, 0x64, 0x6D]]
    words = ["".join(chr(rng.choice(rng.choice(pools[:1] * 3 + pools))) for _ in range(rng.randint(1, 8))) for _ in range(400)]
    docs = []
    for _ in range(400):
        docs.append("".join(rng.choice(words) + rng.choice([" ", " ", "", "\n", "\r\n", "  ", "'s ", "'LL "])
                            for _ in range(rng.randint(5, 80))))
    docs += ENCODE_TEXTS
    vocab_size = 1200
    tok = rustbpe.Tokenizer()
    tok.train_from_iterator(iter(docs), vocab_size - len(SPECIALS), pattern=SPLIT_PATTERN)
    ranks = sorted(((bytes(b), r) for b, r in tok.get_mergeable_ranks()), key=lambda x: x[1])
    return {"vocab_size": vocab_size, "docs": docs, "tokens_hex": [b.hex() for b, _ in ranks[256:]]}


def make_train_parquet():
    # tok_train.py's text feed on the train split of Fixtures/loader_bestfit (shard_00000; shard_00001 is val):
    # docs cut to doc_cap characters, stop after the doc that pushes the total over max_chars
    import pyarrow.parquet as pq, rustbpe
    doc_cap, max_chars, vocab_size = 10_000, 400_000, 1024
    docs, nchars = [], 0
    pf = pq.ParquetFile("Tests/NanoChatTests/Fixtures/loader_bestfit/shard_00000.parquet")
    for rg in range(pf.num_row_groups):
        for d in pf.read_row_group(rg).column("text").to_pylist():
            d = d[:doc_cap]
            nchars += len(d)
            docs.append(d)
            if nchars > max_chars: break
        if nchars > max_chars: break
    tok = rustbpe.Tokenizer()
    tok.train_from_iterator(iter(docs), vocab_size - len(SPECIALS), pattern=SPLIT_PATTERN)
    ranks = sorted(((bytes(b), r) for b, r in tok.get_mergeable_ranks()), key=lambda x: x[1])
    return {"vocab_size": vocab_size, "max_chars": max_chars, "doc_cap": doc_cap, "num_docs": len(docs),
            "tokens_hex": [b.hex() for b, _ in ranks[256:]]}


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    what = sys.argv[1:] or ["splits", "encode", "train", "train_mixed", "train_parquet"]
    if "splits" in what:
        json.dump(make_splits(), open(f"{OUT}/splits.json", "w"), ensure_ascii=True, indent=0)
    if "encode" in what:
        json.dump(make_encode(), open(f"{OUT}/encode.json", "w"), ensure_ascii=True)
    if "train" in what:
        json.dump(make_train(), open(f"{OUT}/train_merges.json", "w"), indent=0)
    if "train_mixed" in what:
        json.dump(make_train_mixed(), open(f"{OUT}/train_mixed.json", "w"), ensure_ascii=True)
    if "train_parquet" in what:
        json.dump(make_train_parquet(), open(f"{OUT}/train_parquet.json", "w"), indent=0)
    print("ok", what)
