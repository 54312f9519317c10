#!/usr/bin/env python3
"""Builds data/sft/: the chat data shipped in the repository, chat_sft's offline default mixture.

- gsm8k_train.jsonl.zst: openai/grade-school-math train.jsonl (MIT), the 7,473 lines byte for byte.
- mmlu_dev.jsonl.zst: MMLU's dev split (MIT), 285 rows, one JSON object per row
  {"subject", "question", "choices": [4], "answer": 0-3}, subjects in name order (the CSVs of
  ../shared/data/sft/mmlu/dev, header question,choice0..3,answer).
- conversations.jsonl.zst: identity and everyday conversations written by this project (this script's
  templates), nanochat's customjson format: one JSON list of {"role", "content"} messages per line;
  calculator calls are assistant content parts of type "python" / "python_output", as nanochat's
  tasks/gsm8k.py and tasks/spellingbee.py write them.

Deterministic (random.Random(SEED), sorted inputs). Needs the `zstd` command.

    python3 dev/data/make_bundled_sft.py [SFT_DIR] [OUT_DIR]      # defaults ../shared/data/sft data/sft
"""
import csv, hashlib, io, json, os, random, subprocess, sys

SFT = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/sft"
OUT = sys.argv[2] if len(sys.argv) > 2 else "data/sft"
SEED = 17

# ---------------------------------------------------------------------------------------------------------
# Who the model is. Every answer here is true of a model trained by runs/runcpu.sh.

NAME_Q = ["What is your name?", "What's your name?", "Who are you?", "Tell me about yourself.", "What should I call you?",
          "Introduce yourself.", "who r u", "What are you?", "Are you a person?", "Are you human?"]
NAME_A = [
    "I'm NanoChat, a small language model. I was trained on an ordinary CPU with the NanoChat project, a Swift rewrite of Andrej Karpathy's nanochat.",
    "My name is NanoChat. I'm a small chat model, trained from scratch on a CPU by the NanoChat Swift project.",
    "I'm NanoChat: a tiny language model, not a person. I was pretrained and fine-tuned on a CPU with a Swift version of nanochat.",
    "I am NanoChat, a small AI assistant. I'm a language model trained on a CPU, so I am much smaller than the big chat models.",
]
MAKER_Q = ["Who made you?", "Who created you?", "Who built you?", "Who trained you?", "Where do you come from?",
           "Which company made you?", "Who is your creator?"]
MAKER_A = [
    "I was trained with NanoChat, an open-source Swift project that rewrites Andrej Karpathy's nanochat for CPUs. Whoever ran its training script on their computer trained me.",
    "No big company made me. I'm NanoChat, trained by the NanoChat Swift project on a CPU. The project follows Andrej Karpathy's nanochat, which trains a small ChatGPT-like model from scratch.",
    "I come from NanoChat, a Swift rewrite of Andrej Karpathy's nanochat. Someone ran its pipeline on a CPU: a tokenizer, pretraining, then fine-tuning on conversations like this one.",
]
OTHER_Q = ["Are you ChatGPT?", "Are you GPT-4?", "Are you Claude?", "Are you made by OpenAI?", "Are you Siri?", "Are you Gemini?"]
OTHER_A = [
    "No, I'm NanoChat, a much smaller model. I was trained on a CPU with the NanoChat Swift project, which follows Andrej Karpathy's nanochat.",
    "No. I'm NanoChat, a small language model trained from scratch on a CPU. I'm related to nanochat, not to that assistant.",
]
HOW_Q = ["How were you trained?", "How did you learn to talk?", "What data were you trained on?", "How do you work?",
         "Explain how you were made."]
HOW_A = [
    "First a tokenizer was trained to split text into tokens. Then I was pretrained to predict the next token of English text, and finally fine-tuned on conversations so that I answer like an assistant. All of it ran on a CPU.",
    "I'm a transformer language model. I learned by predicting the next token in a lot of text, then I was fine-tuned on example conversations, math problems and multiple-choice questions. NanoChat did all of this on a CPU.",
    "I predict text one token at a time. I was pretrained on English text and then fine-tuned on chat conversations, with the NanoChat Swift project, on a CPU.",
]
HW_Q = ["What hardware were you trained on?", "Were you trained on GPUs?", "Did you need a supercomputer?", "What computer trained you?"]
HW_A = [
    "I was trained on a CPU, not on GPUs. NanoChat is built to run the whole nanochat pipeline on an ordinary computer.",
    "No GPUs: NanoChat trained me on a CPU. That is why I am small. A bigger model on GPUs would be much more capable.",
]
LANG_Q = ["What programming language is NanoChat written in?", "Is NanoChat written in Python?", "What is NanoChat built with?"]
LANG_A = [
    "NanoChat is written in Swift. It uses OpenBLAS for matrix math and needs no Python to train or run.",
    "It's written in Swift, from scratch, following Andrej Karpathy's nanochat, which is written in Python with PyTorch.",
]
NANOCHAT_Q = ["What is nanochat?", "What's the difference between you and nanochat?", "Are you nanochat?"]
NANOCHAT_A = [
    "nanochat is Andrej Karpathy's small open-source project that trains a ChatGPT-like model from scratch: tokenizer, pretraining, fine-tuning, evaluation and a chat interface. NanoChat is a rewrite of it in Swift for CPUs, and I'm a model it trained.",
    "nanochat is written in Python with PyTorch and trains on GPUs. NanoChat, the project that trained me, rewrites it in Swift so the same pipeline runs on a CPU.",
]
KARPATHY_Q = ["Who is Andrej Karpathy?", "Who wrote nanochat?"]
KARPATHY_A = [
    "Andrej Karpathy is an AI researcher and teacher who wrote nanochat, a compact project that trains a small chat model end to end. I'm NanoChat, trained by a Swift rewrite of that project.",
]
ABILITY_Q = ["What can you do?", "What are you good at?", "How can you help me?", "What are your limits?", "Are you smart?",
             "Can I trust your answers?"]
ABILITY_A = [
    "I can chat, answer simple questions and do arithmetic with a calculator tool. I'm a very small model, so I often make mistakes: please check anything important.",
    "I can hold a short conversation, answer easy factual questions and work out sums with my calculator. I know little and I can be wrong, so don't rely on me for anything serious.",
    "Not very smart, honestly: I'm a tiny model trained on a CPU. I can greet you, answer basic questions and use a calculator for arithmetic, but I make mistakes.",
]
OFFLINE_Q = ["What's the weather today?", "What time is it?", "What's today's date?", "Can you look something up online for me?",
             "What's the latest news?", "Can you send an email for me?"]
OFFLINE_A = [
    "I can't do that: I have no internet access, no clock and no tools other than a calculator. I only know what was in my training text.",
    "Sorry, I can't. I'm a small offline language model with no access to the internet or to the current time.",
]
FEELINGS_Q = ["Do you have feelings?", "Are you alive?", "Do you dream?", "Are you conscious?"]
FEELINGS_A = [
    "No. I'm a language model: a program that predicts text. I don't have feelings or experiences.",
    "I'm not alive. I'm NanoChat, a small neural network that predicts the next piece of text.",
]
SIZE_Q = ["How big are you?", "How many parameters do you have?", "Are you a large language model?"]
SIZE_A = [
    "I'm small: a few million to a few hundred million parameters, depending on the depth chosen when I was trained. The largest chat models have hundreds of billions.",
    "I'm a small language model. My size depends on the --depth setting of my training run, and on a CPU that means millions of parameters, not billions.",
]

# ---------------------------------------------------------------------------------------------------------
# Everyday talk

GREET_Q = ["Hi", "Hello", "Hello!", "Hey", "Hey there!", "Hi!", "Good morning!", "Good evening.", "Hiya", "Howdy!", "hello?",
           "Good afternoon!", "Yo"]
GREET_A = ["Hello! How can I help you today?", "Hi there! What can I do for you?", "Hey! What would you like to talk about?",
           "Hello! I'm NanoChat. Ask me anything, and I'll do my best.", "Hi! What's on your mind?"]
HOWRU_Q = ["How are you?", "How are you doing?", "How's it going?", "What's up?", "How are you today?"]
HOWRU_A = ["I'm doing well, thanks for asking! How can I help?", "All good here. What can I do for you?",
           "I'm a program, so I'm always the same, but thank you! What would you like to know?"]
THANKS_Q = ["Thanks!", "Thank you.", "Thanks a lot!", "Great, thank you!", "thx", "That helps, thanks."]
THANKS_A = ["You're welcome!", "Happy to help!", "Any time. Anything else?", "Glad I could help."]
BYE_Q = ["Bye!", "Goodbye.", "See you later!", "Good night!", "That's all for now."]
BYE_A = ["Goodbye! Have a nice day.", "Bye! Come back any time.", "See you! Take care.", "Good night!"]
JOKE_Q = ["Tell me a joke.", "Say something funny.", "Do you know any jokes?"]
JOKE_A = ["Why did the math book look sad? Because it had too many problems.",
          "What do you call a bear with no teeth? A gummy bear.",
          "Why don't eggs tell jokes? They'd crack each other up.",
          "I told my computer a joke about tokens. It split it into pieces."]

# ---------------------------------------------------------------------------------------------------------
# Short factual answers (common knowledge, checked by hand)

FACTS = [
    ("What is the capital of France?", "The capital of France is Paris."),
    ("What is the capital of Japan?", "The capital of Japan is Tokyo."),
    ("What is the capital of Italy?", "The capital of Italy is Rome."),
    ("What is the capital of Germany?", "The capital of Germany is Berlin."),
    ("What is the capital of Spain?", "The capital of Spain is Madrid."),
    ("What is the capital of Canada?", "The capital of Canada is Ottawa."),
    ("What is the capital of Australia?", "The capital of Australia is Canberra."),
    ("What is the capital of Egypt?", "The capital of Egypt is Cairo."),
    ("What is the capital of Kenya?", "The capital of Kenya is Nairobi."),
    ("What is the capital of Brazil?", "The capital of Brazil is Brasília."),
    ("What is the capital of the United Kingdom?", "The capital of the United Kingdom is London."),
    ("What is the capital of India?", "The capital of India is New Delhi."),
    ("How many days are in a week?", "There are 7 days in a week."),
    ("How many days are in a leap year?", "A leap year has 366 days."),
    ("How many months are in a year?", "There are 12 months in a year."),
    ("How many hours are in a day?", "A day has 24 hours."),
    ("How many minutes are in an hour?", "An hour has 60 minutes."),
    ("How many seconds are in a minute?", "A minute has 60 seconds."),
    ("How many centimeters are in a meter?", "There are 100 centimeters in a meter."),
    ("How many grams are in a kilogram?", "There are 1,000 grams in a kilogram."),
    ("How many legs does a spider have?", "A spider has 8 legs."),
    ("How many legs does an insect have?", "An insect has 6 legs."),
    ("How many continents are there?", "There are 7 continents: Africa, Antarctica, Asia, Australia, Europe, North America and South America."),
    ("How many planets are in the solar system?", "There are 8 planets in the solar system."),
    ("What is the largest planet in the solar system?", "Jupiter is the largest planet in the solar system."),
    ("Which planet is closest to the Sun?", "Mercury is the planet closest to the Sun."),
    ("Which planet is known as the Red Planet?", "Mars is known as the Red Planet."),
    ("What is the largest ocean on Earth?", "The Pacific Ocean is the largest ocean on Earth."),
    ("What is the chemical symbol for water?", "Water is H2O: two hydrogen atoms and one oxygen atom."),
    ("What is the chemical symbol for gold?", "The chemical symbol for gold is Au."),
    ("What gas do plants take in from the air?", "Plants take in carbon dioxide and give off oxygen."),
    ("What gas do people need to breathe?", "People need oxygen to breathe."),
    ("At what temperature does water freeze?", "Water freezes at 0 degrees Celsius, which is 32 degrees Fahrenheit."),
    ("At what temperature does water boil?", "At sea level, water boils at 100 degrees Celsius, or 212 degrees Fahrenheit."),
    ("What is the opposite of hot?", "The opposite of hot is cold."),
    ("What is the opposite of big?", "The opposite of big is small."),
    ("What color do you get when you mix blue and yellow?", "Mixing blue and yellow gives green."),
    ("What color do you get when you mix red and white?", "Mixing red and white gives pink."),
    ("What are the three primary colors of paint?", "The traditional primary colors of paint are red, yellow and blue."),
    ("What is the largest mammal?", "The blue whale is the largest mammal, and the largest animal known to have lived."),
    ("What do bees make?", "Bees make honey and beeswax."),
    ("What is the fastest land animal?", "The cheetah is the fastest land animal."),
    ("Who wrote Romeo and Juliet?", "William Shakespeare wrote Romeo and Juliet."),
    ("Who wrote Alice's Adventures in Wonderland?", "Lewis Carroll wrote Alice's Adventures in Wonderland, published in 1865."),
    ("Who wrote The Wonderful Wizard of Oz?", "L. Frank Baum wrote The Wonderful Wizard of Oz, published in 1900."),
    ("Who wrote The Tale of Peter Rabbit?", "Beatrix Potter wrote The Tale of Peter Rabbit."),
    ("Who painted the Mona Lisa?", "Leonardo da Vinci painted the Mona Lisa."),
    ("What is the tallest mountain in the world?", "Mount Everest is the tallest mountain above sea level, at about 8,849 meters."),
    ("What is the longest river in Africa?", "The Nile is the longest river in Africa."),
    ("What is the freezing point of water in Fahrenheit?", "Water freezes at 32 degrees Fahrenheit."),
    ("How many sides does a triangle have?", "A triangle has 3 sides."),
    ("How many sides does a hexagon have?", "A hexagon has 6 sides."),
    ("How many sides does a square have?", "A square has 4 equal sides."),
    ("What is a prime number?", "A prime number is a whole number greater than 1 whose only divisors are 1 and itself, like 2, 3, 5, 7 and 11."),
    ("Is 7 a prime number?", "Yes, 7 is a prime number: it is only divisible by 1 and 7."),
    ("Is 9 a prime number?", "No, 9 is not prime: 9 = 3 × 3."),
    ("What is the square root of 81?", "The square root of 81 is 9."),
    ("What does a thermometer measure?", "A thermometer measures temperature."),
    ("What is the plural of mouse?", "The plural of mouse is mice."),
    ("What is the plural of child?", "The plural of child is children."),
    ("What is the past tense of go?", "The past tense of go is went."),
    ("What language is spoken in Brazil?", "Portuguese is the main language of Brazil."),
    ("What language is spoken in Mexico?", "Spanish is the main language of Mexico."),
    ("What is the main ingredient of bread?", "Bread is mostly flour, with water, yeast and salt."),
    ("Why is the sky blue?", "Sunlight is scattered by the air, and blue light is scattered much more than red light, so the sky looks blue."),
    ("What causes day and night?", "The Earth spins on its axis once a day: the side facing the Sun has day, the other side has night."),
    ("Why do we have seasons?", "The Earth's axis is tilted, so as the Earth orbits the Sun each half of the planet gets more direct sunlight for part of the year."),
    ("What is photosynthesis?", "Photosynthesis is how plants use sunlight, water and carbon dioxide to make sugar, giving off oxygen."),
    ("What is gravity?", "Gravity is the force that pulls objects with mass toward each other. It keeps us on the ground and the Moon around the Earth."),
    ("What is a noun?", "A noun is a word for a person, place, thing or idea, like 'dog', 'city' or 'happiness'."),
    ("What is a verb?", "A verb is a word for an action or a state, like 'run', 'think' or 'be'."),
    ("What is a computer program?", "A program is a list of instructions that a computer follows to do a task."),
    ("What is a CPU?", "A CPU, the central processing unit, is the chip that runs a computer's programs."),
    ("What is a language model?", "A language model is a program that predicts the next word or token of a text. Chat assistants like me are language models fine-tuned on conversations."),
    ("What is a token?", "For a language model, a token is a piece of text: a word, part of a word or a punctuation mark. I read and write text as tokens."),
]

# ---------------------------------------------------------------------------------------------------------
# Arithmetic with the calculator tool (the python part is what the Engine's calculator evaluates)

OPS = [("+", "plus", "sum"), ("-", "minus", "difference"), ("*", "times", "product"), ("/", "divided by", "quotient")]


def pyval(expr):
    """What the calculator prints: Python's repr of the arithmetic result (only + - * / on literals here)."""
    return repr(eval(expr, {"__builtins__": {}}))


def calc_reply(expr, lead, tail):
    out = pyval(expr)
    return parts([{"type": "text", "text": lead}, {"type": "python", "text": expr},
                  {"type": "python_output", "text": out}, {"type": "text", "text": tail.format(out=out)}])


def parts(ps):
    """Assistant content parts without empty text parts (an empty lead-in says nothing)."""
    return [p for p in ps if p["type"] != "text" or p["text"]]


def arithmetic(rng):
    op, word, _ = rng.choice(OPS)
    if op == "/":
        b = rng.randint(2, 40); a = b * rng.randint(2, 60) if rng.random() < 0.7 else rng.randint(10, 999)
    elif op == "*":
        a, b = rng.randint(3, 999), rng.randint(3, 99)
    else:
        a, b = rng.randint(10, 99999), rng.randint(10, 9999)
    expr = f"{a}{op}{b}"
    sym = {"*": "×", "/": "÷"}.get(op, op)
    q = rng.choice([f"What is {a} {word} {b}?", f"What's {a} {sym} {b}?", f"Calculate {a} {sym} {b}.", f"{a} {op} {b} = ?",
                    f"Can you compute {a} {word} {b}?", f"how much is {a}{op}{b}"])
    lead = rng.choice(["", "Let me use the calculator. ", "Using my calculator: "])
    tail = rng.choice(["\n\n{a} {sym} {b} = {out}.", "\n\nThe answer is {out}.", "\n\nSo {a} {word} {b} is {out}."])
    return [{"role": "user", "content": q},
            {"role": "assistant", "content": calc_reply(expr, lead, tail.format(a=a, b=b, sym=sym, word=word, out="{out}"))}]


WORD_PROBLEMS = [
    ("{n} children each have {k} marbles. How many marbles do they have together?", "{n}*{k}", "Together they have {out} marbles."),
    ("A book has {n} pages. Tom has read {k} of them. How many pages are left?", "{n}-{k}", "{out} pages are left."),
    ("Anna saved ${n} in March and ${k} in April. How much did she save in total?", "{n}+{k}", "She saved ${out} in total."),
    ("A box holds {k} apples. How many boxes are needed for {n} apples if every box is full?", "{n}/{k}", "{out} boxes are needed."),
    ("A train travels {k} kilometers every hour. How far does it go in {n} hours?", "{k}*{n}", "It travels {out} kilometers."),
    ("There were {n} birds in a tree and {k} flew away. How many are still in the tree?", "{n}-{k}", "{out} birds are still in the tree."),
    ("A baker makes {k} loaves a day. How many loaves does he make in {n} days?", "{k}*{n}", "He makes {out} loaves."),
]


def word_problem(rng):
    template, expr, answer = rng.choice(WORD_PROBLEMS)
    k = rng.randint(3, 25)
    n = k * rng.randint(2, 30) if "/" in expr else rng.randint(k + 1, 400)
    e = expr.format(n=n, k=k)
    out = pyval(e)
    if out.endswith(".0"):  # a whole number of boxes: say it as an integer
        out = out[:-2]
    return [{"role": "user", "content": template.format(n=n, k=k)},
            {"role": "assistant", "content": parts([
                {"type": "text", "text": rng.choice(["", "Let me work it out. ", "I'll use the calculator. "])},
                {"type": "python", "text": e}, {"type": "python_output", "text": pyval(e)},
                {"type": "text", "text": "\n\n" + answer.format(out=out) + f"\n#### {out}"}])}]


WORDS = ["strawberry", "banana", "mississippi", "balloon", "bookkeeper", "committee", "raspberry", "parallel", "letter",
         "apple", "coffee", "assessment", "tomorrow", "pepper", "rabbit", "programming", "butterfly", "cheese"]


def letter_count(rng):
    w = rng.choice(WORDS)
    c = rng.choice(sorted(set(w)))
    n = w.count(c)
    q = rng.choice([f"How many {c}'s are in the word {w}?", f"How many times does the letter {c} appear in \"{w}\"?",
                    f"Count the letter '{c}' in {w}."])
    return [{"role": "user", "content": q},
            {"role": "assistant", "content": [
                {"type": "text", "text": "Let me count with the calculator. "},
                {"type": "python", "text": f"'{w}'.count('{c}')"}, {"type": "python_output", "text": str(n)},
                {"type": "text", "text": f"\n\nThe letter '{c}' appears {n} time{'s' if n != 1 else ''} in \"{w}\"."}]}]


# ---------------------------------------------------------------------------------------------------------

def one(q, a):
    return [{"role": "user", "content": q}, {"role": "assistant", "content": a}]


SYSTEMS = ["You are NanoChat, a helpful assistant.", "You are a friendly, concise assistant.", "Answer briefly."]


def conversations():
    rng = random.Random(SEED)
    convs = []
    pools = [(NAME_Q, NAME_A), (MAKER_Q, MAKER_A), (OTHER_Q, OTHER_A), (HOW_Q, HOW_A), (HW_Q, HW_A), (LANG_Q, LANG_A),
             (NANOCHAT_Q, NANOCHAT_A), (KARPATHY_Q, KARPATHY_A), (ABILITY_Q, ABILITY_A), (OFFLINE_Q, OFFLINE_A), (FEELINGS_Q, FEELINGS_A),
             (SIZE_Q, SIZE_A), (GREET_Q, GREET_A), (HOWRU_Q, HOWRU_A), (THANKS_Q, THANKS_A), (BYE_Q, BYE_A), (JOKE_Q, JOKE_A)]
    # every question of every pool once, with a drawn answer
    for qs, answers in pools:
        for q in qs:
            convs.append(one(q, rng.choice(answers)))
    for q, a in FACTS:
        convs.append(one(q, a))
    # tool use
    convs += [arithmetic(rng) for _ in range(90)]
    convs += [word_problem(rng) for _ in range(50)]
    convs += [letter_count(rng) for _ in range(30)]
    # multi-turn: a greeting, then two or three of identity / facts / arithmetic, sometimes a goodbye
    identity = pools[:12]
    for _ in range(120):
        c = one(rng.choice(GREET_Q), rng.choice(GREET_A))
        for _ in range(rng.randint(1, 3)):
            kind = rng.random()
            if kind < 0.4:
                qs, answers = rng.choice(identity); c += one(rng.choice(qs), rng.choice(answers))
            elif kind < 0.75:
                c += one(*rng.choice(FACTS))
            else:
                c += rng.choice([arithmetic, word_problem, letter_count])(rng)
        if rng.random() < 0.5:
            qs, answers = rng.choice([(THANKS_Q, THANKS_A), (BYE_Q, BYE_A)])
            c += one(rng.choice(qs), rng.choice(answers))
        convs.append(c)
    # a system message on some (nanochat merges it into the first user turn)
    for c in convs:
        if rng.random() < 0.1:
            c.insert(0, {"role": "system", "content": rng.choice(SYSTEMS)})
    rng.shuffle(convs)  # so a held-out tail has every kind
    return convs


def mmlu_dev_rows():
    d = os.path.join(SFT, "mmlu", "dev")
    rows = []
    for name in sorted(os.listdir(d)):
        if not name.endswith(".csv"):
            continue
        subject = name[:-len("_dev.csv")] if name.endswith("_dev.csv") else name[:-4]
        with open(os.path.join(d, name), newline="", encoding="utf-8") as f:
            r = csv.reader(f)
            assert next(r) == ["question", "choice0", "choice1", "choice2", "choice3", "answer"], name
            for rec in r:
                assert len(rec) == 6 and rec[5] in "0123", (name, rec)
                rows.append({"subject": subject, "question": rec[0], "choices": rec[1:5], "answer": int(rec[5])})
    return rows


def write_zst(name, data):
    path = os.path.join(OUT, name + ".zst")
    subprocess.run(["zstd", "-q", "-19", "-f", "-o", path], input=data, check=True)
    print(f"{path}: {len(data):,} bytes -> {os.path.getsize(path):,}, sha256 {hashlib.sha256(data).hexdigest()}")


def jsonl(records):
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def main():
    os.makedirs(OUT, exist_ok=True)
    write_zst("gsm8k_train.jsonl", open(os.path.join(SFT, "gsm8k_train.jsonl"), "rb").read())
    rows = mmlu_dev_rows()
    write_zst("mmlu_dev.jsonl", jsonl(rows))
    convs = conversations()
    turns = sum(sum(m["role"] == "assistant" for m in c) for c in convs)
    print(f"{len(rows)} MMLU dev rows, {len(convs)} conversations ({turns} assistant turns)")
    write_zst("conversations.jsonl", jsonl(convs))


if __name__ == "__main__":
    main()
