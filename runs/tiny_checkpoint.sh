# Sourced by the chat check scripts: a tiny base checkpoint in $NANOCHAT_BASE_DIR (a few base_train steps
# of a depth-2 model on the built-in corpus, seconds). Needs BIN (the release build directory).
echo "== tiny checkpoint"
$BIN/dataset --generate=1 >/dev/null
$BIN/tok_train --vocab-size=1024 --max-chars=2000000 | tail -1
$BIN/base_train --depth=2 --max-seq-len=128 --device-batch-size=4 --total-batch-size=512 --num-iterations=5 \
    --eval-every=-1 --core-metric-every=-1 --sample-every=-1 --threads=1 | grep -E "Saved checkpoint"
