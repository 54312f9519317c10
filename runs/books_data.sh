#!/usr/bin/env bash
# Packs a folder tree of .txt books (default ../shared/data/text/gutenberg_children) into 8 .txt shards in
# DATA_DIR, one document per paragraph; the last shard is the val split. Does nothing if DATA_DIR has files.
# Exit status 1 when the books folder is absent (callers then fall back to `dataset`).
set -euo pipefail
DATA="$1"; BOOKS="${2:-../shared/data/text/gutenberg_children}"
[ -n "$(ls "$DATA" 2>/dev/null)" ] && exit 0
[ -d "$BOOKS" ] || exit 1
mkdir -p "$DATA"
i=0
find "$BOOKS" -name '*.txt' | sort | while read -r f; do
    shard="$DATA/books_$(printf %05d $((i % 8))).txt"
    cat "$f" >> "$shard"; printf '\n\n' >> "$shard"
    i=$((i + 1))
done
echo "data: packed $(find "$BOOKS" -name '*.txt' | wc -l) books from $BOOKS into 8 shards in $DATA"
