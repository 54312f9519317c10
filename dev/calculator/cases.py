"""
Writes Tests/NanoChatTests/Fixtures/calculator_cases.json: calculator inputs with what nanochat's
use_calculator returns for them (its code copied below from nanochat/engine.py at 92d63d4) and, for the
record, what plain Python eval says when nanochat refuses. CalculatorTests checks our evaluator against
the "nanochat" column on every case. Run: python3 dev/calculator/cases.py  (Python >= 3.11: the 4300-digit
int limit is part of the answer).
"""
import json, os, signal, sys, warnings
from contextlib import contextmanager

# --- nanochat/engine.py: timeout, eval_with_timeout, use_calculator (verbatim) ----------------------------
@contextmanager
def timeout(duration, formula):
    def timeout_handler(signum, frame):
        raise Exception(f"'{formula}': timed out after {duration} seconds")
    signal.signal(signal.SIGALRM, timeout_handler)
    signal.alarm(duration)
    yield
    signal.alarm(0)

def eval_with_timeout(formula, max_time=3):
    try:
        with timeout(max_time, formula):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SyntaxWarning)
                return eval(formula, {"__builtins__": {}}, {})
    except Exception as e:
        signal.alarm(0)
        return None

def use_calculator(expr):
    expr = expr.replace(",", "")
    if all([x in "0123456789*+-/.() " for x in expr]):
        if "**" in expr:
            return None
        return eval_with_timeout(expr)
    allowed_chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'\"()._ "
    if not all([x in allowed_chars for x in expr]):
        return None
    dangerous_patterns = ['__', 'import', 'exec', 'eval', 'compile', 'open', 'file',
                         'input', 'raw_input', 'globals', 'locals', 'vars', 'dir',
                         'getattr', 'setattr', 'delattr', 'hasattr']
    expr_lower = expr.lower()
    if any(pattern in expr_lower for pattern in dangerous_patterns):
        return None
    if '.count(' not in expr:
        return None
    return eval_with_timeout(expr)
# ---------------------------------------------------------------------------------------------------------

BIG = "123456789012345678901234567890"
CASES = [
    # GSM8K-style arithmetic
    "2+3", "10*20", "100-37", "10/4", "(2+3)*4", "3.14*2", "1,000 + 2,000", "48/2", "72-(72/4)", "12*3+4*5",
    "0.1+0.2", "1/3", "2/3*3", "7//2", "-7//2", "7//-2", "7.5//2", "-7.5//2", "0.3//0.1", "1//0.1", "-0.0//1",
    "5//0", "5.0/0.0", "1/0", "0/5", "0/-5", "-0/5", "12/4", "1.", ".5*2", "007", "000", "007.5", "1.2.3",
    "2(3)", "(2)(3)", "2 3", "()", "(", "--5", "+-+5", "2*-3", "0*-1.0", "1/100000", "10000000000000000.0",
    "123456789.0*1000000000",
    # beyond 64 bits: Python's int
    "10000000000*10000000000", "9223372036854775807+1", "-9223372036854775808-1", "-9223372036854775808//-1",
    BIG + "*" + BIG, BIG + "//7", "-" + BIG + "//7", BIG + "-" + BIG + "0", "(" + BIG + "*" + BIG + ")//" + BIG,
    BIG + "/7", BIG + "/" + BIG + "1", "1/" + BIG, "-1/" + BIG + BIG, BIG + "*1.5", "9007199254740993/1",
    "9007199254740993*1.0", "18014398509481987/2", "1" + "0" * 400 + "/3", "1" + "0" * 400 + "*1.0",
    "1" + "0" * 308 + "/1", "1" + "0" * 309 + "/1", "1" + "0" * 400 + "/" + "3" + "0" * 399,
    "1/" + "1" + "0" * 320, "1/" + "1" + "0" * 330, "9" * 4300, "9" * 4301, "9" * 3000 + "*" + "9" * 1301,
    "9" * 3000 + "*" + "9" * 1299, "(" + "9" * 3000 + "*" + "9" * 3000 + ")//" + "9" * 3000,
    "1" + "0" * 308 + ".0*10", "1" + "0" * 308 + ".0*10//1", "1" + "0" * 308 + ".0*10-" + "1" + "0" * 308 + ".0*10",
    # refused by nanochat's whitelist
    "2**10", "7%3", "2^3", "abs(-3)", "1e5", "[1][0]",
    # the string form
    "'hello'.count('l')", "\"mississippi\".count(\"ss\")", "'hello'.count('z')", "'hello'.upper()",
    "'Strawberry'.lower().count('r')", "'STRAWBERRY'.count('r')", "'strawberry'.upper().count('R')",
    "'a b c'.split().count('a')", "'a b  a'.split().count('a')", "'a b  a'.split(' ').count('')",
    "'banana'.split('a').count('')", "'banana'.split('').count('a')", "'banana'.split(1).count('a')",
    "'  x  '.strip().count('x')", "'xxhixx'.strip('x').count('x')", "'xxhixx'.lstrip('x').count('x')",
    "'xxhixx'.rstrip('x').count('x')", "'a b'.replace('a' 'b').count('b')", "'hello'.find('l').count(1)",
    "'hello world'.title().count('W')", "'hello'.capitalize().count('H')", "'HeLLo'.swapcase().count('l')",
    "'a'.join('bcd').count('a')", "' '.join('a b c'.split()).count(' ')", "'abc'.split().index('abc').count(0)",
    "'abc'.startswith('a').count(1)", "('ab' 'c').count('c')", "'aaaa'.count('aa')", "'abc'.count('')",
    "'abc'.count(1)", "len('abc')", "'a'.count('a').count('a')", "'abc'.count()", "'abc'.count",
    "'abc'.bogus().count('a')", "'a b'.split()", "'x.count(y)'", "'it''s'.count('s')",
    "'a' 'b'.count('b')", "(('abc')).count(('b'))", "'abc' .count ( 'b' )", "'abc'.count('b') ",
    "'abc'[0].count('a')", "'abc'[0:2].count('a')", "'a b'.split().count(1)", "'a b'.split().count('a' 'b')",
    "'aXbXc'.split('X')", "'x'.count('x') + 1", "'Hello World'.lower().split().count('world')",
"__import__('os').count('a')", "'a'.count('a');import os",
    "open('/etc/passwd').read().count('a')", "'abc'.upper()", "\"don't\".split('t')",
    "'12'.isdigit().count(1)", "'a b'.split('b')", "().count('a')", "()*3", "() + ()", "()*()", "-()", "(())",
    "'ab'.find('b').count(1)", "('').count('')",
]
# Python answers these and our evaluator refuses them (keywords and names we do not evaluate); the test
# checks that we answer nothing, never something wrong.
KNOWN_DIFFERENCES = [
    "'abc'.count('a') if True else 0", "'a' in 'abc'.count('a') and 'x'", "'abc'.count('a') or 1",
    "'abc'.casefold().count('a')", "(1).bit_length().count(1)", "True.count(1)",
]

def plain(expr):
    lower = expr.lower()
    if any(p in lower for p in ["__", "import", "open"]): return "not evaluated"
    try:
        return str(eval(expr.replace(",", ""), {"__builtins__": {}}, {}))
    except Exception as e:
        return f"{type(e).__name__}"

def main():
    assert sys.version_info >= (3, 11)
    rows = []
    for expr in CASES + KNOWN_DIFFERENCES:
        result = use_calculator(expr)
        try:
            text = None if result is None else str(result)
        except ValueError:   # an int past 4300 digits: str() raises (nanochat's engine would crash)
            text = None
        rows.append({"expr": expr, "nanochat": text, "python": plain(expr), "refused_here": expr in KNOWN_DIFFERENCES})
    out = os.path.join(os.path.dirname(__file__), "../../Tests/NanoChatTests/Fixtures/calculator_cases.json")
    with open(out, "w") as f:
        json.dump({"source": "dev/calculator/cases.py (nanochat/engine.py: use_calculator at 92d63d4, Python "
                   + sys.version.split()[0] + ")", "cases": rows}, f, indent=0)
    print(f"wrote {len(rows)} cases to {os.path.normpath(out)}")

main()
