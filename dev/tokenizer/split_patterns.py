"""
Writes Tests/NanoChatTests/Fixtures/split_patterns.json: the chunks GPT-2's and GPT-4's (cl100k) split patterns
give on nanochat's tok_eval texts and a few edge cases, by the `regex` module (what tiktoken's patterns mean;
tiktoken itself runs them through fancy-regex with the same semantics). TokEvalTests checks Pretokenizer's
.gpt2 and .cl100k scanners against it. Run: /work/venv-torch/bin/python dev/tokenizer/split_patterns.py
"""
import json, os, regex, subprocess

GPT2 = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
CL100K = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+"""

here = os.path.dirname(os.path.abspath(__file__))
src = subprocess.run(["git", "-C", "/work/.mirror/karpathy+nanochat/repo", "show", "HEAD:scripts/tok_eval.py"],
                     capture_output=True, text=True, check=True).stdout
ns = {}
exec(src[src.index('news_text = r"""'):src.index("train_docs = next")], ns)
texts = [ns[k + "_text"] for k in ["news", "korean", "code", "math", "science"]]
texts += ["Hello world! It's 12345 o'clock, THEY'RE here.\n\n  \tend  ", "a  b\r\n\r\n c 1234567 ٣٤٥ x²", " ", "   x",
          "don't I'M you'LL we've", "$$ ... !!\n", "tab\there\n  \n"]

out = {"source": "dev/tokenizer/split_patterns.py (regex " + regex.__version__ + ")",
       "gpt2": [{"text": t, "chunks": regex.findall(GPT2, t)} for t in texts],
       "cl100k": [{"text": t, "chunks": regex.findall(CL100K, t)} for t in texts]}
path = os.path.join(here, "../../Tests/NanoChatTests/Fixtures/split_patterns.json")
json.dump(out, open(path, "w"), ensure_ascii=False)
print("wrote", os.path.normpath(path))
