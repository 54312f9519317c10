#!/usr/bin/env python3
"""The official OpenAI Python client against a running chat_web (for runs/openai_check.sh): /v1/models,
chat completions streamed and not, n=2, stop, logprobs, text completions with echo + logprobs (how
lm-evaluation-harness scores log-likelihoods), a 400 for a bad request, a 404 in OpenAI's shape, and
the same greedy text as chat_cli for the same conversation.
Usage: openai_check.py PORT CHAT_CLI_OUTPUT_FILE. Exit 0 on success."""
import json, sys, urllib.error, urllib.request
import openai

PORT, CLI_FILE = int(sys.argv[1]), sys.argv[2]
client = openai.OpenAI(base_url=f"http://127.0.0.1:{PORT}/v1", api_key="none", max_retries=0, timeout=60)
failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + (f" ({detail})" if detail and not ok else ""))
    if not ok: failures.append(name)


models = client.models.list().data
model = models[0].id if models else ""
check("GET /v1/models lists the checkpoint as source/tag/step", len(models) == 1 and model.count("/") == 2, f"{models}")

hello = [{"role": "user", "content": "Hello there"}]
greedy = client.chat.completions.create(model=model, messages=hello, max_tokens=16, temperature=0)
text = greedy.choices[0].message.content
u = greedy.usage
check("non-streaming chat: text, finish_reason, usage",
      greedy.object == "chat.completion" and greedy.choices[0].finish_reason in ("stop", "length") and u.completion_tokens >= 1
      and u.total_tokens == u.prompt_tokens + u.completion_tokens, f"{greedy}")
with open(CLI_FILE, encoding="utf-8") as f:
    cli = f.read()
cli = cli[:-1] if cli.endswith("\n") else cli
check("the same greedy text as chat_cli for the same conversation", text == cli, f"server {text!r} vs chat_cli {cli!r}")

pieces, finish, roles = [], None, []
for chunk in client.chat.completions.create(model=model, messages=hello, max_tokens=16, temperature=0, stream=True):
    for c in chunk.choices:
        if c.delta.role: roles.append(c.delta.role)
        if c.delta.content: pieces.append(c.delta.content)
        if c.finish_reason: finish = c.finish_reason
check("streaming chat: chunks add up to the same greedy text, role first, a finish_reason last",
      "".join(pieces) == text and roles[:1] == ["assistant"] and finish in ("stop", "length"), f"{pieces} {finish}")

two = client.chat.completions.create(model=model, messages=[{"role": "system", "content": "Be brief."}] + hello,
                                     max_tokens=8, temperature=1.0, n=2, seed=5)
check("n=2 gives two choices", len(two.choices) == 2 and [c.index for c in two.choices] == [0, 1], f"{two}")

if len(text) >= 4:
    stop = text[len(text) // 2:len(text) // 2 + 2]
    want = text[:text.find(stop)]
    cut = client.chat.completions.create(model=model, messages=hello, max_tokens=16, temperature=0, stop=[stop])
    check("stop: the reply ends before the stop string, finish_reason stop",
          cut.choices[0].message.content == want and cut.choices[0].finish_reason == "stop", f"stop {stop!r}: {cut.choices[0]}")

lp = client.chat.completions.create(model=model, messages=hello, max_tokens=6, temperature=0, logprobs=True, top_logprobs=2)
content = lp.choices[0].logprobs.content
check("logprobs: one entry per token, log-probs ≤ 0, two alternatives each",
      len(content) == lp.usage.completion_tokens and all(e.logprob <= 0 and len(e.top_logprobs) == 2 for e in content), f"{lp}")

score = client.completions.create(model=model, prompt="The capital of France is", max_tokens=1, temperature=0, echo=True, logprobs=1)
c = score.choices[0]
# the prompt starts after <|bos|>, so even its first token is scored
check("completions with echo + logprobs score every prompt token (log-probs ≤ 0) and the generated one",
      c.text.startswith("The capital of France is") and all(x is not None and x <= 0 for x in c.logprobs.token_logprobs)
      and "".join(c.logprobs.tokens) == c.text and len(c.logprobs.tokens) == score.usage.prompt_tokens - 1 + 1, f"{score}")

try:
    client.chat.completions.create(model=model, messages=hello, temperature=5)
    check("a bad request is a 400 BadRequestError", False, "no error")
except openai.BadRequestError as e:
    check("a bad request is a 400 BadRequestError with OpenAI's error shape", e.status_code == 400 and e.body.get("param") == "temperature", f"{e.body}")

try:
    urllib.request.urlopen(f"http://127.0.0.1:{PORT}/v1/nope", timeout=10)
    check("an unknown /v1 path is a 404", False)
except urllib.error.HTTPError as e:
    body = json.loads(e.read())
    check("an unknown /v1 path is a 404 in OpenAI's shape", e.code == 404 and body["error"]["type"] == "not_found_error", f"{body}")

if failures:
    print(f"{len(failures)} check(s) failed: {failures}")
    sys.exit(1)
print("all OpenAI client checks passed")
