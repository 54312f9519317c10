#!/usr/bin/env bash
# The floors hold: a folder of Sources/NanoChat may use only names defined on its own floor or below
# (README "File structure"). Reads the sources only (no build, < 1 s): collects the types, top-level functions and
# extension members each folder defines, then fails naming every use of a higher floor's name.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v python3 >/dev/null || { echo "floors_check: skipped (no python3)"; exit 0; }
python3 - <<'PY'
import os, re, sys
from collections import defaultdict

FLOORS = {
    "Common": 1, "Math": 1, "Distributed": 1,
    "Formats": 2,
    "Model": 3, "Tokenizer": 3,
    "Optim": 4, "Data": 4, "Checkpoint": 4,
    "Engine": 5, "Eval": 5, "Tasks": 5, "Chat": 5,
    "Train": 6, "SFT": 6, "ChatEval": 6, "Server": 6, "Report": 6, "RL": 6,
}
ROOT = "Sources/NanoChat"

def strip(text):
    """Source without comments and string literals (so a name in a comment or message is no use)."""
    text = re.sub(r'"""[\s\S]*?"""', '""', text)
    text = re.sub(r'/\*[\s\S]*?\*/', ' ', text)
    text = re.sub(r'//[^\n]*', '', text)
    text = re.sub(r'"(?:\\.|[^"\\\n])*"', '""', text)
    return text

files = defaultdict(list)                    # folder -> [(path, stripped source)]
for folder in sorted(os.listdir(ROOT)):
    if not os.path.isdir(os.path.join(ROOT, folder)):
        continue
    if folder not in FLOORS:
        print(f"floors_check FAILED: {ROOT}/{folder} has no floor (add it to runs/floors_check.sh and the README)")
        sys.exit(1)
    for dirpath, _, names in os.walk(os.path.join(ROOT, folder)):
        for name in sorted(names):
            if name.endswith(".swift"):
                path = os.path.join(dirpath, name)
                files[folder].append((path, strip(open(path, encoding="utf-8").read())))

MODS = r'(?:(?:public|internal|private|fileprivate|package|open|final|static|indirect|@inlinable|@usableFromInline|@inline\(__always\)|@frozen|@discardableResult)\s+)*'
TYPE = re.compile(r'^' + MODS + r'(?:struct|class|enum|protocol|typealias|actor)\s+([A-Za-z_]\w*)', re.M)
FUNC = re.compile(r'^' + MODS + r'(?:func|let|var)\s+([A-Za-z_]\w*)', re.M)
EXT = re.compile(r'^' + MODS + r'extension\s+([A-Za-z_][\w.]*)[^{]*\{', re.M)
MEMBER = re.compile(r'^\s{4}' + MODS + r'(?:func|var|let|static func|static var|static let|init)\s*([A-Za-z_]\w*)?', re.M)

defined = defaultdict(set)                   # name -> folders defining it
types_home = {}
for folder, sources in files.items():
    for _, src in sources:
        for m in TYPE.finditer(src):
            defined[m.group(1)].add(folder)
        for m in FUNC.finditer(src):         # top level only (column 0)
            defined[m.group(1)].add(folder)

# extension members: a method added to another floor's type is a name of the floor that adds it
member_defs = defaultdict(set)
for folder, sources in files.items():
    for _, src in sources:
        for ext in EXT.finditer(src):
            depth, i = 1, ext.end()
            while i < len(src) and depth:
                depth += {"{": 1, "}": -1}.get(src[i], 0); i += 1
            body = src[ext.end():i]
            for m in MEMBER.finditer(body):
                if m.group(1):
                    member_defs[m.group(1)].add(folder)
# all member names anywhere (struct bodies too), to keep only extension members whose name is unique
all_members = defaultdict(int)
for folder, sources in files.items():
    for _, src in sources:
        for m in re.finditer(r'\b(?:func|var|let|case)\s+([A-Za-z_]\w*)', src):
            all_members[m.group(1)] += 1
for name, folders in member_defs.items():
    if len(folders) == 1 and all_members[name] == 1 and name not in defined and len(name) > 6:
        defined[name] |= folders

WORD = re.compile(r'\b[A-Za-z_]\w*\b')
bad = []
for folder, sources in files.items():
    floor = FLOORS[folder]
    for path, src in sources:
        # a name this file declares itself (a local `let pad`, a `static func pad`) is its own
        seen = set(re.findall(r'\b(?:func|let|var|case|struct|class|enum)\s+([A-Za-z_]\w*)', src))
        for m in WORD.finditer(src):
            name = m.group(0)
            homes = defined.get(name)
            if not homes or name in seen or folder in homes:
                continue
            if min(FLOORS[h] for h in homes) > floor:
                seen.add(name)
                line = src.count("\n", 0, m.start()) + 1
                home = sorted(homes, key=lambda h: FLOORS[h])[0]
                bad.append(f"{path}:{line}: {folder} (floor {floor}) uses {name} from {home} (floor {FLOORS[home]})")
if bad:
    print("\n".join(bad))
    print(f"floors_check FAILED: {len(bad)} uses of a higher floor (README, File structure: a folder uses its own floor or lower ones)")
    sys.exit(1)
print(f"floors_check: ok ({sum(len(s) for s in files.values())} files in {len(files)} folders, every name from its own floor or below)")
PY
