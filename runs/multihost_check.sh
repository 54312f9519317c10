#!/usr/bin/env bash
# Two "hosts" on one machine: network namespaces joined by a veth pair, one MPI rank in each, started by
# Open MPI through an rsh agent that does `ip netns exec` (plm_rsh_agent) instead of ssh. The ranks talk
# over TCP only (btl tcp,self) on addresses this script created. Trains a few steps on identical documents
# and compares the losses with one process on the same batch (2 accumulation steps). Skips with one line
# when network namespaces are not permitted. Namespaces are removed on every exit path.
set -euo pipefail
cd "$(dirname "$0")/.."
bash runs/test_deps.sh
command -v mpirun >/dev/null || { echo "multihost_check: skipped (no mpirun; install openmpi-bin)"; exit 0; }
command -v ip >/dev/null || { echo "multihost_check: skipped (no ip command; install iproute2)"; exit 0; }
NSA="nc_mh_a_$$" NSB="nc_mh_b_$$"
WORK="/tmp/nanochat-multihost-check-$$"
cleanup() {
    for ns in "$NSA" "$NSB"; do
        if ip netns list 2>/dev/null | grep -q "^$ns\b"; then
            for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
            ip netns del "$ns" 2>/dev/null || true
        fi
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if ! ip netns add "$NSA" 2>/dev/null; then
    echo "multihost_check: skipped (creating a network namespace is not permitted here)"; exit 0
fi
ip netns add "$NSB"
ip link add "vmh$$a" type veth peer name "vmh$$b"
ip link set "vmh$$a" netns "$NSA"
ip link set "vmh$$b" netns "$NSB"
ip -n "$NSA" addr add 10.213.7.1/24 dev "vmh$$a"
ip -n "$NSB" addr add 10.213.7.2/24 dev "vmh$$b"
for ns in "$NSA" "$NSB"; do ip -n "$ns" link set lo up; done
ip -n "$NSA" link set "vmh$$a" up
ip -n "$NSB" link set "vmh$$b" up
ip -n "$NSA" route get 10.213.7.2 >/dev/null || { echo "multihost_check FAILED: no route between the namespaces"; exit 1; }
echo "namespaces $NSA (10.213.7.1) and $NSB (10.213.7.2) joined by a veth pair"

swift build -c release 2>&1 | tail -1
BIN="$PWD/.build/release"
export NANOCHAT_BASE_DIR="$WORK/base"
mkdir -p "$NANOCHAT_BASE_DIR"
# the rsh agent: "agent HOST COMMAND..." runs COMMAND in HOST's namespace, with its own host name
cat > "$WORK/netns_rsh" <<AGENT
#!/bin/sh
host=\$1; shift
echo "\$host" >> "$WORK/agent.log"
case "\$host" in
    10.213.7.1) ns=$NSA; name=nanochat-host-a ;;
    10.213.7.2) ns=$NSB; name=nanochat-host-b ;;
    *) echo "netns_rsh: unknown host \$host" >&2; exit 1 ;;
esac
exec ip netns exec "\$ns" unshare --uts /bin/sh -c "hostname \$name; \$*"
AGENT
chmod +x "$WORK/netns_rsh"
printf '10.213.7.1 slots=1\n10.213.7.2 slots=1\n' > "$WORK/hosts"

$BIN/dataset --generate=1 >/dev/null
$BIN/tok_train --vocab-size=512 | tail -1
SAME="$WORK/same"; mkdir -p "$SAME"
DOC="The quick brown fox jumps over the lazy dog while the cat watches from the warm window sill, counting one two three four five six seven eight nine ten, and the story goes on about a small village by the sea where fishermen mend their nets every morning before the sun rises over the hills."
for i in $(seq 2048); do printf '%s\n\n' "$DOC"; done > "$SAME/a_train.txt"
for i in $(seq 64); do printf '%s\n\n' "$DOC"; done > "$SAME/b_val.txt"
RUN="--depth=2 --aspect-ratio=64 --head-dim=64 --max-seq-len=64 --warmup-steps=1 --eval-every=-1 --sample-every=-1 --threads=1 --data-dir=$SAME --device-batch-size=2 --total-batch-size=256 --num-iterations=4"
losses() { grep -o "^step [0-9]*/[0-9]* ([^)]*) | loss: [0-9.]*" | sed 's/.*loss: //'; }

ONE=$($BIN/base_train $RUN --model-tag=one | losses)
echo "== mpirun -n 2 across the two namespaces (TCP)"
OUT=$(timeout 120 ip netns exec "$NSA" unshare --uts /bin/sh -c "hostname nanochat-host-a; exec mpirun --allow-run-as-root \
    --hostfile $WORK/hosts -n 2 --map-by node \
    --mca plm_rsh_agent $WORK/netns_rsh --mca btl tcp,self --mca btl_tcp_if_include 10.213.7.0/24 \
    --mca oob_tcp_if_include 10.213.7.0/24 -x NANOCHAT_BASE_DIR \
    $BIN/base_train $RUN --model-tag=two" 2>&1) || { echo "$OUT" | tail -20; echo "multihost_check FAILED: mpirun across namespaces"; exit 1; }
TWO=$(losses <<<"$OUT")
echo "$OUT" | grep -E "^Tokens / micro-batch" || true
grep -qx "10.213.7.2" "$WORK/agent.log" 2>/dev/null || { echo "multihost_check FAILED: the rsh agent never started the daemon in $NSB"; exit 1; }
echo "ok: Open MPI started rank 1's daemon in $NSB through the rsh agent ($(sort -u "$WORK/agent.log" | tr '\n' ' '))"
paste <(echo "$ONE") <(echo "$TWO") | awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 1.5e-6 || NF != 2) { print "losses differ: " $0; bad = 1 } } END { exit bad }' \
    || { echo "multihost_check FAILED: 2 ranks over TCP differ from one process"; exit 1; }
[ -n "$TWO" ] || { echo "multihost_check FAILED: no losses"; exit 1; }
echo "ok: 2 ranks in 2 namespaces over TCP equal one process with 2 accumulation steps: $(echo $TWO)"
