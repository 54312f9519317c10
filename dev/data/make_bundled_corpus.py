#!/usr/bin/env python3
"""Builds data/gutenberg/: the small real corpus shipped in the repository (the offline default of
`dataset`, `base_train` and runs/runcpu.sh). Reads the Project Gutenberg books of
../shared/data/text/gutenberg_children (see its MANIFEST.tsv), keeps the text between the
"*** START OF ... ***" and "*** END OF ... ***" lines (the Project Gutenberg header and footer, i.e. the
license boilerplate, are removed), groups paragraphs into documents of about DOC_CHARS characters separated
by <|endoftext|> lines, and writes zstd-compressed .txt shards: train shards first, then one val shard made
of books by an author that is in no train shard (so val text never overlaps train text).

    python3 dev/data/make_bundled_corpus.py [BOOKS_DIR] [OUT_DIR]
"""
import csv, hashlib, os, re, subprocess, sys

BOOKS = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/text/gutenberg_children"
OUT = sys.argv[2] if len(sys.argv) > 2 else "data/gutenberg"
DOC_CHARS = 1500
TRAIN_SHARDS = 6

TRAIN = {
    "Carroll_Lewis": ["A_Tangled_Tale", "Alice_", "Eight_or_Nine", "Feeding_the_Mind", "Phantasmagoria", "Rhyme_And_Reason",
                      "Songs_From_Alice", "Sylvie_and_Bruno", "The_Hunting_of_the_Snark", "The_Nursery_Alice",
                      "Three_Sunsets", "Through_the_Looking_Glass"],  # all but the two logic textbooks
    "Grimm_Jacob": None,
    "Andersen_H_C": ["Fairy_Tales_of_Hans_Christian_Andersen", "Pictures_of_Sweden",
                     "Rudy_and_Babette_Or_The_Capture_of_the_Eagle_s_Nest", "The_Ice_Maiden_and_Other_Tales"],
    "Baum_L_Frank": ["The_Wonderful_Wizard_of_Oz", "The_Marvelous_Land_of_Oz", "Ozma_of_Oz_", "Dorothy_and_the_Wizard_in_Oz",
                     "The_Road_to_Oz", "The_Emerald_City_of_Oz", "The_Patchwork_Girl_of_Oz", "Tik_Tok_of_Oz",
                     "The_Scarecrow_of_Oz", "Rinkitink_in_Oz", "The_Lost_Princess_of_Oz", "The_Tin_Woodman_of_Oz",
                     "The_Magic_of_Oz"],
    "Burnett_Frances_Hodgson": ["The_Secret_Garden", "A_Little_Princess_", "Little_Lord_Fauntleroy"],
    "Nesbit_E": ["The_Railway_Children", "The_Magic_City", "The_Phoenix_and_the_Carpet", "The_Story_of_the_Amulet",
                 "Wet_Magic", "The_Book_of_Dragons", "The_Story_of_the_Treasure_Seekers_",
                 "The_Wouldbegoods_"],
}
VAL = {"Potter_Beatrix": None}

START = re.compile(r"^\*\*\* ?START OF (THIS|THE) PROJECT GUTENBERG.*$", re.M)
END = re.compile(r"^\*\*\* ?END OF (THIS|THE) PROJECT GUTENBERG.*$", re.M)


def manifest():
    rows = {}
    with open(os.path.join(BOOKS, "MANIFEST.tsv"), newline="") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            rows[r["file"]] = r
    return rows


def pick(spec, rows):
    out = []
    for author, wanted in spec.items():
        files = sorted(f for f in rows if f.startswith(author + "/"))
        if wanted is not None:
            files = [f for f in files if any(os.path.basename(f).startswith(w) for w in wanted)]
            assert len(files) >= len(wanted), (author, wanted, files)
        out += files
    return out


def body(path):
    raw = open(os.path.join(BOOKS, path), "rb").read()
    text = raw.decode("utf-8").replace("\r\n", "\n")
    s, e = START.search(text), END.search(text)
    assert s and e and s.end() < e.start(), f"{path}: no Project Gutenberg START/END lines"
    return text[s.end():e.start()].strip("\n"), hashlib.sha256(raw).hexdigest()


def documents(text):
    docs, cur = [], ""
    for para in re.split(r"\n\s*\n", text):
        para = para.strip("\n")
        if not para.strip():
            continue
        cur = cur + "\n\n" + para if cur else para
        if len(cur) >= DOC_CHARS:
            docs.append(cur); cur = ""
    if cur:
        docs.append(cur)
    return docs


def main():
    rows = manifest()
    train, val = pick(TRAIN, rows), pick(VAL, rows)
    books = [(f, "train") for f in train] + [(f, "val") for f in val]
    bodies = {f: body(f) for f, _ in books}
    # greedy: each train book (largest first) goes to the train shard with the fewest characters so far
    shards = [[] for _ in range(TRAIN_SHARDS)]
    sizes = [0] * TRAIN_SHARDS
    for f in sorted(train, key=lambda f: -len(bodies[f][0])):
        i = sizes.index(min(sizes)); shards[i].append(f); sizes[i] += len(bodies[f][0])
    shards.append(list(val))
    os.makedirs(OUT, exist_ok=True)
    table = []
    for i, files in enumerate(shards):
        name = f"gutenberg_{i:05d}.txt"
        docs = []
        for f in sorted(files):
            docs += documents(bodies[f][0])
            r = rows[f]
            table.append((name, f, r["pg_ebook_no"], len(bodies[f][0].encode()), bodies[f][1]))
        text = "\n<|endoftext|>\n".join(docs) + "\n"
        subprocess.run(["zstd", "-q", "-19", "-f", "-o", os.path.join(OUT, name + ".zst")], input=text.encode(), check=True)
        print(f"{name}: {len(files)} books, {len(docs)} documents, {len(text.encode()):,} bytes")
    with open(os.path.join(OUT, "BOOKS.tsv"), "w") as f:
        f.write("shard\tsource_file\tpg_ebook_no\ttext_bytes_kept\tsource_sha256\n")
        for t in table:
            f.write("\t".join(map(str, t)) + "\n")


if __name__ == "__main__":
    main()
