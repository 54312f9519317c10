#!/usr/bin/env bash
# The whole pipeline on one CPU box, small enough to finish in minutes (nanochat's runs/runcpu.sh, scaled):
# setup → data → tokenizer → pretrain a d4 → evaluate it → chat_sft → report. Needs nothing beside the checkout:
# nanochat's shards when downloadable, else the books of data/gutenberg; CORE on $NANOCHAT_BASE_DIR/eval_bundle,
# else the subset in data/core; chat_sft on $NANOCHAT_BASE_DIR/sft_data (`dataset --sft`), else data/sft.
# Env: NANOCHAT_BASE_DIR (default ~/.cache/nanochat), DEPTH (4), STEPS (200), SFT_STEPS (150), NPROC (1: >1 runs
# under mpirun); RL_STEPS (0: no chat_rl stage); smaller runs (runs/newcomer_check.sh): VOCAB_SIZE (32768), TOK_MAX_CHARS (2000000000),
# EVAL_MAX_PER_TASK (5), EVAL_SPLIT_TOKENS (16384), SHARD_URL (dataset --base-url), SETUP=0 and BIN=DIR (use a build
# made elsewhere instead of runs/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export NANOCHAT_BASE_DIR="${NANOCHAT_BASE_DIR:-$HOME/.cache/nanochat}"
DEPTH="${DEPTH:-4}"; STEPS="${STEPS:-200}"; SFT_STEPS="${SFT_STEPS:-150}"; NPROC="${NPROC:-1}"
VOCAB_SIZE="${VOCAB_SIZE:-32768}"; TOK_MAX_CHARS="${TOK_MAX_CHARS:-2000000000}"
EVAL_MAX_PER_TASK="${EVAL_MAX_PER_TASK:-5}"; EVAL_SPLIT_TOKENS="${EVAL_SPLIT_TOKENS:-16384}"
BIN="${BIN:-.build/release}"

# wall time of each stage, printed at the end
STAGES=(); START=$(date +%s); T0=$START
stage() { local t; t=$(date +%s); STAGES+=("$(printf '%-22s %6d s' "$1" $((t - T0)))"); T0=$t; }

# 0. system libraries and the release build
if [ "${SETUP:-1}" != 0 ]; then bash runs/setup.sh; fi
stage "setup + build"
# 1. data (once): nanochat's shards (downloaded), or offline the bundled books of data/gutenberg
$BIN/dataset -n 8 ${SHARD_URL:+--base-url="$SHARD_URL"}
stage "data"
# 2. tokenizer (skipped when one exists; tok_train prints its evaluation table, tok_train --eval only when skipped)
if [ ! -f "$NANOCHAT_BASE_DIR/tokenizer/tokenizer.tiktoken" ]; then
    $BIN/tok_train --max-chars="$TOK_MAX_CHARS" --vocab-size="$VOCAB_SIZE"
else
    $BIN/tok_train --eval
fi
stage "tokenizer"
# 3. pretrain (--overwrite: a rerun of this script starts its d$DEPTH run over instead of refusing to mix runs)
LAUNCH=""
if [ "$NPROC" -gt 1 ]; then LAUNCH="mpirun --allow-run-as-root --oversubscribe -n $NPROC"; fi
$LAUNCH $BIN/base_train --overwrite --depth="$DEPTH" --max-seq-len=512 --device-batch-size=8 --total-batch-size=$((4096 * NPROC)) \
    --num-iterations="$STEPS" --eval-every=50 --eval-tokens=65536 --sample-every=100 --save-every=100
stage "base_train d$DEPTH"
# 4. evaluate: samples, bpb, CORE (nanochat's bundle in $NANOCHAT_BASE_DIR/eval_bundle, else data/core's subset)
$BIN/base_eval --max-per-task="$EVAL_MAX_PER_TASK" --split-tokens="$EVAL_SPLIT_TOKENS"
stage "base_eval"
# 5. supervised fine-tuning into a chat model (nanochat runs chat_sft --num-iterations=1500; sized to minutes here):
#    nanochat's mixture when `dataset --sft` has filled $NANOCHAT_BASE_DIR/sft_data, else the one bundled in data/sft
#    (GSM8K train, MMLU dev, NanoChat's conversations), with 5% of each task held out for val loss
$LAUNCH $BIN/chat_sft --overwrite --model-tag="d$DEPTH" --num-iterations="$SFT_STEPS" --device-batch-size=8 \
    --total-batch-size=$((4096 * NPROC)) --eval-every=50 --eval-tokens=65536
echo "chat model: $NANOCHAT_BASE_DIR/chatsft_checkpoints/d$DEPTH (chat_sft checkpoint, step $SFT_STEPS)"
stage "chat_sft"
# 5b. optional: RL on GSM8K (nanochat's chat_rl) for RL_STEPS steps; RL_STEPS=0 (the default) skips it.
#     GSM8K from `dataset --sft` ($NANOCHAT_BASE_DIR/sft_data/gsm8k, with pass@k on its test split), else the
#     train split bundled in data/sft (no pass@k)
RL_STEPS="${RL_STEPS:-0}"
if [ "$RL_STEPS" -gt 0 ]; then
    $LAUNCH $BIN/chat_rl --model-tag="d$DEPTH" --num-iterations="$RL_STEPS"
    stage "chat_rl"
fi
# 6. the report: machine, runs, final numbers, loss and val bpb plots
$BIN/report
echo "report: $NANOCHAT_BASE_DIR/report/report.md (plots: $NANOCHAT_BASE_DIR/report/*.svg)"
stage "report"
# 7. talk to it
echo
echo "Talk to the model in a terminal:  $BIN/chat_cli -i sft"
echo "or in a browser:                  $BIN/chat_web -i sft   (then open http://127.0.0.1:8000/)"
echo
echo "Wall time per stage:"
printf '  %s\n' "${STAGES[@]}"
printf '  %-22s %6d s\n' "total" $(( $(date +%s) - START ))
