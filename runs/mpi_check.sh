#!/usr/bin/env bash
# MPI checks (CI runs this; --threads=1 everywhere, private NANOCHAT_BASE_DIR, < 3 min):
#  1. failures end the whole job: a rank without documents, a corrupt loader state file, a bad flag;
#  2. on a corpus of identical documents (so batches do not depend on sharding), mpirun -n 2 and -n 4 with
#     device batch 2 equal one process with 2 / 4 accumulation steps: per-step losses to 1e-6, final
#     weights after step 3 to 1e-5 relative L2 (sharded optimizer: reduce-scatter, owned rows/matrices,
#     all-gather). The embedding backward rounds differently when two micro-batches accumulate in one buffer,
#     and Adam turns that into sign noise on the near-zero gradient of backout_lambda: at step 4 that one
#     scalar differs by 5e-3 (whole model 2.5e-5), after 3 steps of a 3-step run by 1e-4 (whole model < 1e-6);
#     the -n 4 run splits every collective into pieces of at most 1000 floats (NANOCHAT_MPI_MAX_COUNT);
#  3. a 2-rank checkpoint resumes on 1 and on 4 ranks (optimizer state re-sharded) at the same losses;
#     chat_sft warm-starts from it on 2 ranks (both optimizer shards) and its checkpoint resumes on 2 ranks
#     (same loss, byte-identical final weights) and on 1 rank; chat_rl splits its rollouts over 2 ranks;
#  4. killing one rank mid-run ends the job in < 30 s with a message, and the last checkpoint loads.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v mpirun >/dev/null || { echo "mpi_check: skipped (no mpirun; install openmpi-bin)"; exit 0; }
swift build -c release 2>&1 | tail -1
export NANOCHAT_BASE_DIR="${NANOCHAT_BASE_DIR:-/tmp/nanochat-mpi-check}"
rm -rf "$NANOCHAT_BASE_DIR"; mkdir -p "$NANOCHAT_BASE_DIR"
trap 'rm -rf "$NANOCHAT_BASE_DIR"' EXIT
BIN=.build/release
MPIRUN="mpirun --allow-run-as-root --oversubscribe"
CK="$NANOCHAT_BASE_DIR/base_checkpoints"
fail() { echo "mpi_check FAILED: $*"; exit 1; }

$BIN/dataset --generate=1 >/dev/null
$BIN/tok_train --vocab-size=512 | tail -1
MODEL="--depth=2 --aspect-ratio=64 --head-dim=64 --max-seq-len=64 --warmup-steps=1 --eval-every=-1 --sample-every=-1 --threads=1"

# expect_failure NAME PATTERN CMD...: the job must end within 30 s, non-zero, with PATTERN on one error line
expect_failure() {
    local name=$1 pattern=$2; shift 2
    local start=$SECONDS out rc=0
    out=$(timeout 60 "$@" 2>&1) || rc=$?
    local took=$((SECONDS - start))
    [ "$rc" -ne 0 ] || fail "$name: exit code 0"
    [ "$rc" -ne 124 ] || fail "$name: job still running after 60 s (hang)"
    [ "$took" -lt 30 ] || fail "$name: took $took s"
    [ "$(grep -c "^error.*$pattern" <<<"$out")" -eq 1 ] || { echo "$out"; fail "$name: expected one error line matching '$pattern'"; }
    echo "ok: $name ends in ${took} s: $(grep "^error" <<<"$out")"
}

echo "== failures end the whole job"
mkdir -p "$NANOCHAT_BASE_DIR/tiny"
printf 'one small document about cats.\n\nanother small one.\n' > "$NANOCHAT_BASE_DIR/tiny/a.txt"
printf 'val doc here.\n' > "$NANOCHAT_BASE_DIR/tiny/b.txt"
SMALL="$MODEL --device-batch-size=2 --total-batch-size=256"
expect_failure "rank 1 without documents" "no documents for rank 1" \
    $MPIRUN -n 2 $BIN/base_train $SMALL --num-iterations=2 --data-dir="$NANOCHAT_BASE_DIR/tiny" --model-tag=tiny
$MPIRUN -n 2 $BIN/base_train $SMALL --num-iterations=3 --save-every=2 --model-tag=corrupt >/dev/null
echo '{"broken": ' > "$CK/corrupt/loader_000002_rank1.json"
expect_failure "corrupt loader state of rank 1" "loader_000002_rank1.json" \
    $MPIRUN -n 2 $BIN/base_train $SMALL --num-iterations=3 --resume-from-step=2 --model-tag=corrupt
expect_failure "bad flag on every rank" "depth" $MPIRUN -n 2 $BIN/base_train $SMALL --depth=-3

echo "== data parallel equals one process (identical documents)"
SAME="$NANOCHAT_BASE_DIR/same"; mkdir -p "$SAME"
DOC="The quick brown fox jumps over the lazy dog while the cat watches from the warm window sill, counting one two three four five six seven eight nine ten, and the story goes on about a small village by the sea where fishermen mend their nets every morning before the sun rises over the hills."
for i in $(seq 4096); do printf '%s\n\n' "$DOC"; done > "$SAME/a_train.txt"
for i in $(seq 64); do printf '%s\n\n' "$DOC"; done > "$SAME/b_val.txt"
RUN="$MODEL --data-dir=$SAME --device-batch-size=2 --num-iterations=3 --save-every=1"
# base_train's `step 00000/00004 (…) | loss: …` and chat_sft's `step 00001 (…) | loss: …` (nanochat's two formats)
losses() { grep -oE "^step [0-9]+(/[0-9]+)? \([^)]*\) \| loss: [0-9.]+" | sed 's/.*loss: //'; }
# compare_losses A B: equal to 1e-6
compare_losses() {
    paste <(echo "$1") <(echo "$2") | awk -v name="$3" '{ d = $1 - $2; if (d < 0) d = -d; if (d > 1.5e-6 || NF != 2) { print name ": losses differ: " $0; bad = 1 } } END { exit bad }' \
        || fail "$3"
    [ -n "$1" ] || fail "$3: no losses parsed"
}
# relative L2 distance of two model files (whole model)
weights_rel_l2() {
    python3 - "$1" "$2" <<'PY'
import json, struct, sys, math
def load(p):
    b = open(p, 'rb').read(); n = struct.unpack('<Q', b[:8])[0]; h = json.loads(b[8:8 + n]); base = 8 + n
    return {k: struct.unpack('<%df' % ((v['data_offsets'][1] - v['data_offsets'][0]) // 4), b[base + v['data_offsets'][0]:base + v['data_offsets'][1]])
            for k, v in h.items() if k != '__metadata__'}
a, b = load(sys.argv[1]), load(sys.argv[2])
assert a.keys() == b.keys()
d = sum((x - y) ** 2 for k in a for x, y in zip(a[k], b[k])); s = sum(x * x for k in a for x in a[k])
print('%.3e' % math.sqrt(d / s))
PY
}
compare_weights() {
    command -v python3 >/dev/null || { echo "($3: weights comparison skipped: no python3)"; return; }
    local rel; rel=$(weights_rel_l2 "$1" "$2")
    # 3e-5: summing the gradient by accumulation or by allreduce rounds differently; the zero-initialised c_proj
    # matrices take their first step from Muon's orthogonalisation of it, which moves them ~5e-6 relative with
    # OpenBLAS's FMA kernels (1.0-1.4e-5 whole-model on Haswell/SkylakeX/Cooperlake; 6e-7 on generic Prescott)
    awk -v r="$rel" 'BEGIN { exit !(r <= 3e-5) }' || fail "$3: final weights differ by $rel relative L2"
    echo "ok: $3 final weights relative L2 $rel"
}
ONE2=$($BIN/base_train $RUN --total-batch-size=256 --model-tag=one2 | losses)
TWO=$($MPIRUN -n 2 $BIN/base_train $RUN --total-batch-size=256 --model-tag=two | losses)
compare_losses "$ONE2" "$TWO" "-n 2 vs 1 process × 2 accumulation steps"
echo "ok: -n 2 losses equal one process: $(echo $TWO)"
compare_weights "$CK/one2/model_000003.safetensors" "$CK/two/model_000003.safetensors" "-n 2"
ONE4=$($BIN/base_train $RUN --total-batch-size=512 --model-tag=one4 | losses)
FOUR=$(NANOCHAT_MPI_MAX_COUNT=1000 $MPIRUN -x NANOCHAT_MPI_MAX_COUNT -n 4 $BIN/base_train $RUN --total-batch-size=512 --model-tag=four | losses)
compare_losses "$ONE4" "$FOUR" "-n 4 vs 1 process × 4 accumulation steps"
echo "ok: -n 4 (collectives split into ≤ 1000 floats) losses equal one process: $(echo $FOUR)"
compare_weights "$CK/one4/model_000003.safetensors" "$CK/four/model_000003.safetensors" "-n 4"

echo "== a 2-rank checkpoint resumes on 1 and on 4 ranks"
TAIL=$(echo "$TWO" | tail -1)
for n in 1 4; do
    rm -rf "$CK/resume$n"; mkdir -p "$CK/resume$n"; cp "$CK"/two/*_000002* "$CK/resume$n/"
    out=$($MPIRUN -n $n $BIN/base_train $MODEL --data-dir=$SAME --device-batch-size=$((2 / (n > 2 ? 2 : 1))) --num-iterations=3 \
          --total-batch-size=256 --model-tag=resume$n --resume-from-step=2 2>&1)
    grep -q "warning: checkpoint was written by 2 ranks, resuming on $n" <<<"$out" || { echo "$out"; fail "resume on $n: no warning"; }
    compare_losses "$TAIL" "$(losses <<<"$out")" "resume of the 2-rank checkpoint on $n ranks"
    echo "ok: resumed on $n ranks, loss of step 2 equals the uninterrupted run: $(losses <<<"$out" | tr '\n' ' ')"
done

echo "== chat_sft warm-starts from the 2-rank base checkpoint and resumes on 2 and on 1 rank"
CHAT="$NANOCHAT_BASE_DIR/chat.jsonl"
for i in $(seq 64); do
    printf '[{"role": "user", "content": "what is %d plus %d?"}, {"role": "assistant", "content": "%d plus %d is %d."}]\n' $i $i $i $i $((2 * i))
done > "$CHAT"
SFTRUN="--model-tag=two --model-step=3 --threads=1 --device-batch-size=2 --total-batch-size=256 --eval-every=-1 --chatcore-every=-1 --mixture=customjson:$CHAT:1"
SFT_CK="$NANOCHAT_BASE_DIR/chatsft_checkpoints/two"
SFT_FULL=$($MPIRUN -n 2 $BIN/chat_sft $SFTRUN --num-iterations=3 --save-every=2 2>&1) || { echo "$SFT_FULL"; fail "2-rank chat_sft from a 2-rank base checkpoint"; }
grep -q "Loaded optimizer state from pretrained checkpoint" <<<"$SFT_FULL" || { echo "$SFT_FULL"; fail "chat_sft did not load the 2-rank optimizer state"; }
[ -f "$SFT_CK/model_000003.safetensors" ] || fail "2-rank chat_sft: no checkpoint at step 3"
SFT_LOSSES=$(losses <<<"$SFT_FULL")
echo "ok: 2-rank chat_sft warm-started from the 2-rank base run (optimizer shards of both ranks): $(echo $SFT_LOSSES)"
cp "$SFT_CK/model_000003.safetensors" "$NANOCHAT_BASE_DIR/sft_full.safetensors"
out=$($MPIRUN -n 2 $BIN/chat_sft $SFTRUN --num-iterations=3 --resume-from-step=2 2>&1) || { echo "$out"; fail "chat_sft resume on 2 ranks"; }
compare_losses "$(echo "$SFT_LOSSES" | tail -1)" "$(losses <<<"$out")" "chat_sft resumed on 2 ranks"
cmp -s "$SFT_CK/model_000003.safetensors" "$NANOCHAT_BASE_DIR/sft_full.safetensors" || fail "chat_sft resumed on 2 ranks: final weights differ from the uninterrupted run"
echo "ok: chat_sft resumed on 2 ranks: loss of step 2 and the final weights equal the uninterrupted run"
out=$($BIN/chat_sft $SFTRUN --total-batch-size=256 --num-iterations=3 --resume-from-step=2 2>&1) || { echo "$out"; fail "chat_sft resume on 1 rank"; }
grep -q "warning: checkpoint was written by 2 ranks, resuming on 1" <<<"$out" || { echo "$out"; fail "chat_sft resume on 1 rank: no warning"; }
[ -n "$(losses <<<"$out")" ] || { echo "$out"; fail "chat_sft resume on 1 rank: no step ran"; }
echo "ok: chat_sft resumed the 2-rank checkpoint on 1 rank: $(losses <<<"$out" | tr '\n' ' ')"

echo "== chat_rl on 2 ranks: the rollouts split across ranks, train_log.jsonl, a checkpoint"
GSM="$NANOCHAT_BASE_DIR/gsm8k.jsonl"
for i in $(seq 8); do printf '{"question": "What is %d plus %d?", "answer": "%d plus %d is %d.\\n#### %d"}\n' $i $i $i $i $((2 * i)) $((2 * i)); done > "$GSM"
RLRUN="--model-tag=two --checkpoints-dir=$NANOCHAT_BASE_DIR/chatsft_checkpoints --threads=1 --train-data=$GSM --test-data=$GSM
    --examples-per-step=2 --num-samples=2 --device-batch-size=2 --max-new-tokens=8 --num-iterations=2 --eval-every=-1 --eval-examples=2"
out=$($MPIRUN -n 2 $BIN/chat_rl $RLRUN 2>&1) || { echo "$out"; fail "2-rank chat_rl"; }
grep -q "^Step 1/2 | Average reward" <<<"$out" || { echo "$out"; fail "2-rank chat_rl: no step 1 line"; }
# rank 0 prints its own problems only: 0 then 2 (rank 1 takes 1 and 3)
[ "$(grep -o "| Example [0-9]* |" <<<"$out" | sort -u | tr -d '|' | xargs)" = "Example 0 Example 2" ] || { echo "$out"; fail "2-rank chat_rl: rank 0 did not take problems 0 and 2"; }
[ -f "$NANOCHAT_BASE_DIR/chatrl_checkpoints/two/model_000001.safetensors" ] || fail "2-rank chat_rl: no checkpoint at step 1"
[ "$(grep -c '"reward"' "$NANOCHAT_BASE_DIR/chatrl_checkpoints/two/train_log.jsonl")" = 2 ] || fail "2-rank chat_rl: train_log.jsonl lacks 2 reward lines"
echo "ok: 2-rank chat_rl split the rollouts (rank 0: problems 0, 2), logged 2 steps and saved step 1"

echo "== a killed rank ends the job"
$MPIRUN -n 2 $BIN/base_train $MODEL --data-dir=$SAME --device-batch-size=2 --total-batch-size=256 --num-iterations=100000 \
    --save-every=5 --model-tag=killed > "$NANOCHAT_BASE_DIR/killed.log" 2>&1 &
job=$!
for i in $(seq 600); do [ -f "$CK/killed/meta_000010.json" ] && break; sleep 0.1; done
[ -f "$CK/killed/meta_000010.json" ] || fail "killed run: no checkpoint at step 10"
victim=""
for p in $(pgrep -f "base_train.*--model-tag=killed" || true); do
    grep -qz "^OMPI_COMM_WORLD_RANK=1$" /proc/$p/environ 2>/dev/null && victim=$p
done
[ -n "$victim" ] || fail "killed run: rank 1 not found"
start=$SECONDS; kill -9 "$victim"
rc=0; timeout 60 tail --pid=$job -f /dev/null || rc=$?
wait $job && fail "killed run: mpirun exited 0" || true
took=$((SECONDS - start))
[ "$rc" -eq 0 ] && [ "$took" -lt 30 ] || fail "killed run: still running after $took s"
grep -m1 -i "rank 1.*signal 9\|killed" "$NANOCHAT_BASE_DIR/killed.log" >/dev/null || { cat "$NANOCHAT_BASE_DIR/killed.log"; fail "killed run: no message"; }
echo "ok: killing rank 1 ended the job in $took s: $(grep -m1 -i "signal 9" "$NANOCHAT_BASE_DIR/killed.log" | sed 's/^ *//')"
last=$(ls "$CK/killed" | sed -n 's/^meta_0*\([0-9][0-9]*\)\.json$/\1/p' | sort -n | tail -1)
# capture, then grep: `| grep -q` under pipefail fails when grep exits early and the trainer gets SIGPIPE
out=$($MPIRUN -n 2 $BIN/base_train $MODEL --data-dir=$SAME --device-batch-size=2 --total-batch-size=256 --num-iterations=$((last + 1)) \
    --model-tag=killed --resume-from-step=last 2>&1) || { echo "$out"; fail "killed run: resume from $last exited non-zero"; }
grep -q "^step $(printf %05d $last)" <<<"$out" || { echo "$out"; fail "killed run: last checkpoint ($last) does not resume"; }
echo "ok: the last checkpoint (step $last) resumes"
echo "mpi_check: all passed"
