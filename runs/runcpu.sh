#!/usr/bin/env bash
# The whole pipeline on one CPU box, small enough to finish in minutes (nanochat's runs/runcpu.sh, scaled):
# setup → data → tokenizer → pretrain a d4 → evaluate it → chat_sft → report. Uses nanochat's shards when they are
# there (or downloadable), otherwise the Project Gutenberg books shipped in data/gutenberg.
# Env: NANOCHAT_BASE_DIR (default ~/.cache/nanochat), DEPTH (4), STEPS (200), SFT_STEPS (150), NPROC (1: >1 runs under mpirun), RL_STEPS (0: no chat_rl stage).
set -euo pipefail
cd "$(dirname "$0")/.."
bash runs/setup.sh
export NANOCHAT_BASE_DIR="${NANOCHAT_BASE_DIR:-$HOME/.cache/nanochat}"
DEPTH="${DEPTH:-4}"; STEPS="${STEPS:-200}"; SFT_STEPS="${SFT_STEPS:-150}"; NPROC="${NPROC:-1}"
BIN=.build/release

# 1. data (once): nanochat's shards (downloaded), or offline the bundled books of data/gutenberg
$BIN/dataset -n 8
# 2. tokenizer (skipped when one exists)
if [ ! -f "$NANOCHAT_BASE_DIR/tokenizer/tokenizer.tiktoken" ]; then
    $BIN/tok_train --max-chars=2000000000 --vocab-size=32768
fi
$BIN/tok_train --eval
# 3. pretrain (--overwrite: a rerun of this script starts its d$DEPTH run over instead of refusing to mix runs)
LAUNCH=""
if [ "$NPROC" -gt 1 ]; then LAUNCH="mpirun --allow-run-as-root --oversubscribe -n $NPROC"; fi
$LAUNCH $BIN/base_train --overwrite --depth="$DEPTH" --max-seq-len=512 --device-batch-size=8 --total-batch-size=$((4096 * NPROC)) \
    --num-iterations="$STEPS" --eval-every=50 --eval-tokens=65536 --sample-every=100 --save-every=100
# 4. evaluate: samples, bpb, CORE (nanochat's bundle in $NANOCHAT_BASE_DIR/eval_bundle, else ../shared's tasks)
BUNDLE="$NANOCHAT_BASE_DIR/eval_bundle"; [ -f "$BUNDLE/core.yaml" ] || BUNDLE="${CORE_TASKS:-../shared/data/core}"
$BIN/base_eval --bundle-dir="$BUNDLE"
# 5. supervised fine-tuning into a chat model (nanochat runs chat_sft --num-iterations=1500; sized to minutes here):
#    nanochat's mixture when `dataset --sft` has filled $NANOCHAT_BASE_DIR/sft_data, else ../shared's SFT files
#    (GSM8K train, MMLU dev, Alpaca) with held-out rows of GSM8K train and Alpaca as validation
SFT=../shared/data/sft
MIX=(); [ -d "$NANOCHAT_BASE_DIR/sft_data" ] || [ ! -d "$SFT" ] || MIX=(
    --mixture="gsm8k:$SFT/gsm8k_train.jsonl:1:0-7000,mmlu:$SFT/mmlu/dev:1,alpaca:$SFT/alpaca_5000.json:1:0-4500"
    --val-mixture="gsm8k:$SFT/gsm8k_train.jsonl:1:7000-,alpaca:$SFT/alpaca_5000.json:1:4500-")
$LAUNCH $BIN/chat_sft --overwrite --model-tag="d$DEPTH" --num-iterations="$SFT_STEPS" --device-batch-size=8 \
    --total-batch-size=$((4096 * NPROC)) --eval-every=50 --eval-tokens=65536 "${MIX[@]}"
echo "chat model: $NANOCHAT_BASE_DIR/chatsft_checkpoints/d$DEPTH (chat_sft checkpoint, step $SFT_STEPS)"
# 5b. optional: RL on GSM8K (nanochat's chat_rl) for RL_STEPS steps; RL_STEPS=0 (the default) skips it
RL_STEPS="${RL_STEPS:-0}"
if [ "$RL_STEPS" -gt 0 ]; then
    RL_DATA=(); [ -d "$NANOCHAT_BASE_DIR/sft_data/gsm8k" ] || [ ! -d "$SFT" ] || RL_DATA=(
        --train-data="$SFT/gsm8k_train.jsonl" --test-data="$SFT/gsm8k_test.jsonl")
    $LAUNCH $BIN/chat_rl --model-tag="d$DEPTH" --num-iterations="$RL_STEPS" "${RL_DATA[@]}"
fi
# 6. talk to it (the chat checkpoint when chat_sft made one, else the base model)
SOURCE=base; [ -d "$NANOCHAT_BASE_DIR/chatsft_checkpoints" ] && SOURCE=sft
echo
echo "Talk to the model in a terminal:  $BIN/chat_cli -i $SOURCE"
echo "or in a browser:                  $BIN/chat_web -i $SOURCE   (then open http://127.0.0.1:8000/)"
# 7. the report: machine, runs, final numbers, loss and val bpb plots
$BIN/report
echo "report: $NANOCHAT_BASE_DIR/report/report.md (plots: $NANOCHAT_BASE_DIR/report/*.svg)"
