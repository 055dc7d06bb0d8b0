#!/usr/bin/env bash
# Snapshot operations per second, containerj against containerd (overlayfs, both on the
# scratch directory's file system): bench/client's SnapshotBench, one JVM per run, talks
# gRPC over the daemon's unix socket and times OPS x (Prepare of an active snapshot on a
# committed base + Commit of it), then OPS x Remove, after an uncounted warm-up of 50
# pairs. ctr is not used because its process start-up (tens of ms) would be most of what
# is measured. Each run is done with 1 client thread and with CONCURRENCY threads sharing
# one connection; containerj and containerd alternate, one daemon of each for all runs.
# The daemon's CPU time per cycle (1 thread) is given as well.
#
# Usage: bench/snapshots.sh [-n RUNS] [--ops OPS] [--concurrency C] [--dist DIR]
# Needs the benchmark client: mvn -o -q -Pbench -pl bench/client -am package -DskipTests
set -euo pipefail
here=$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")" && pwd -P)
# shellcheck source=bench/lib/common.sh
source "$here/lib/common.sh"
# shellcheck source=bench/lib/daemons.sh
source "$here/lib/daemons.sh"

runs=3
ops=1000
concurrency=8
while [[ $# -gt 0 ]]; do
  case "$1" in
    -n) runs=$2; shift 2 ;;
    --ops) ops=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    --dist) BENCH_DIST=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "snapshots.sh: unknown argument $1" >&2; exit 1 ;;
  esac
done
for v in "$runs" "$ops" "$concurrency"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "snapshots.sh: counts must be positive numbers" >&2; exit 1; }
done
client="$here/client/target"
if [[ ! -f "$client/bench-client.jar" ]]; then
  echo "snapshots.sh: no $client/bench-client.jar; build it: mvn -o -q -Pbench -pl bench/client -am package -DskipTests" >&2
  exit 1
fi

bench_init snapshots
declare -A samples=()

# result_of NAME: the value of the client's "RESULT NAME VALUE" line on stdin
result_of() {
  awk -v n="$1" '$1 == "RESULT" && $2 == n { print $3 }'
}

# snapshot_run NAME CONCURRENCY COUNTED
snapshot_run() {
  local name=$1 threads=$2 counted=$3 kind=${daemon_kind[$1]} out
  local -a cmd=(java -XX:+UseSerialGC -cp "$client/bench-client.jar:$client/lib/*" org.containerj.bench.SnapshotBench
    --address "${daemon_sock[$name]}" --namespace "$BENCH_NS" --snapshotter overlayfs
    --ops "$ops" --warmup 50 --concurrency "$threads" --timeout-seconds 240)
  local cpu0
  cpu0=$(daemon_cpu_ms "$name")
  if ! out=$(bounded 300 "${cmd[@]}" 2>&1); then
    note "$kind: the snapshot benchmark failed ($threads threads): ${cmd[*]}: $(tail -n 5 <<< "$out" | tr '\n' ' ' | cut -c1-600)"
    # a failed run may leave snapshots behind; the next run needs an empty namespace
    return 1
  fi
  local pc rm m
  pc=$(result_of prepare_commit_per_s <<< "$out")
  rm=$(result_of remove_per_s <<< "$out")
  log "$kind, $threads thread(s): $pc prepare+commit/s, $rm remove/s (mean ms: prepare $(result_of prepare_ms <<< "$out"), commit $(result_of commit_ms <<< "$out"), remove $(result_of remove_ms <<< "$out"))"
  if (( counted )); then
    samples["$kind pc_$threads"]+=" $pc"
    samples["$kind rm_$threads"]+=" $rm"
    if (( threads == 1 )); then
      # the daemon's CPU over the whole client run: base, warm-up and timed cycles
      samples["$kind cpu"]+=" $(awk -v a="$cpu0" -v b="$(daemon_cpu_ms "$name")" -v n=$(( ops + 50 )) \
        'BEGIN { printf "%.2f", (b - a) / n }')"
      for m in prepare_ms commit_ms remove_ms; do
        samples["$kind $m"]+=" $(result_of "$m" <<< "$out")"
      done
    fi
  fi
}

log "snapshots: $runs runs of $ops ops, load average $(loadavg)"
daemon_start cj containerj
daemon_start ctd containerd
failed_cj=0
for (( run = 0; run <= runs; run++ )); do
  for threads in 1 "$concurrency"; do
    for name in cj ctd; do
      [[ $name == cj && $failed_cj == 1 ]] && continue
      # run 0 is a warm-up of the daemon (and its JIT) as a whole
      if ! snapshot_run "$name" "$threads" $(( run > 0 )) && [[ $name == cj ]]; then
        failed_cj=1
      fi
    done
  done
done
# what the daemons hold afterwards: nothing of the benchmark should be left
for name in cj ctd; do
  left=$(ctrd "$name" snapshots --snapshotter overlayfs ls 2>/dev/null | awk 'NR > 1' | wc -l)
  if (( left > 0 )); then
    note "${daemon_kind[$name]}: $left snapshot(s) left in namespace $BENCH_NS after the snapshot benchmark (ctr -n $BENCH_NS snapshots ls)"
  fi
done
daemon_stop cj
daemon_stop ctd

for threads in 1 "$concurrency"; do
  record "snap_pc_$threads" "Snapshots: Prepare+Commit pairs, $threads client thread(s), $ops per run" "pairs/s" higher \
    "${samples[containerj pc_$threads]:-}" "${samples[containerd pc_$threads]:-}"
  record "snap_rm_$threads" "Snapshots: Remove, $threads client thread(s)" "ops/s" higher \
    "${samples[containerj rm_$threads]:-}" "${samples[containerd rm_$threads]:-}"
done
for m in prepare commit remove; do
  record "snap_${m}_ms" "Snapshots: mean time of one ${m^} call, 1 client thread" "ms" lower \
    "${samples[containerj ${m}_ms]:-}" "${samples[containerd ${m}_ms]:-}"
done
record snap_cpu "Snapshots: daemon CPU time per Prepare+Commit+Remove, 1 client thread" "CPU ms" lower \
  "${samples[containerj cpu]:-}" "${samples[containerd cpu]:-}"
log "snapshots done, load average $(loadavg)"
