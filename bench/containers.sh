#!/usr/bin/env bash
# Container benchmarks, containerj against containerd (runc; conmon as containerj's monitor,
# containerd-shim-runc-v2 as containerd's), one daemon of each running side by side, both
# with a busybox-static image pulled from a local docker-registry beforehand:
#   latency   `ctr run --rm IMAGE ID true`, wall time, RUNS times each (alternating), after
#             one uncounted run each
#   parallel  PARALLEL x `ctr run -d IMAGE ID sleep 3600` started at once: time until every
#             ctr has returned and `ctr task ls` shows all of them RUNNING; ROUNDS rounds,
#             the containers removed (SIGKILL, task rm, container rm) after each
#   memory    IDLE containers `sleep 3600` per daemon: RSS and PSS (/proc/PID/smaps_rollup)
#             of the per-container processes the daemon left running besides the containers
#             themselves (conmon, or the shim), divided by IDLE; and the daemon's own RSS then
# ctr's FIFOs (--fifo-dir) and containerd's runc state (--runc-root) stay in the scratch
# directory; containerj keeps its runc state under its own state directory.
#
# Usage: bench/containers.sh [-n RUNS] [--rounds ROUNDS] [--parallel N] [--idle N] [--dist DIR]
set -euo pipefail
here=$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")" && pwd -P)
# shellcheck source=bench/lib/common.sh
source "$here/lib/common.sh"
# shellcheck source=bench/lib/daemons.sh
source "$here/lib/daemons.sh"
# shellcheck source=bench/lib/images.sh
source "$here/lib/images.sh"

runs=10
rounds=3
parallel=20
idle=10
while [[ $# -gt 0 ]]; do
  case "$1" in
    -n) runs=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --parallel) parallel=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --dist) BENCH_DIST=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "containers.sh: unknown argument $1" >&2; exit 1 ;;
  esac
done
for v in "$runs" "$rounds" "$parallel" "$idle"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "containers.sh: counts must be positive numbers" >&2; exit 1; }
done
# one ctr run should never take this long; a hang is reported, not waited for
BENCH_CMD_TIMEOUT=120

bench_init containers
[[ -x "$BENCH_DIST/bin/containerj" ]] || { echo "containers.sh: no $BENCH_DIST/bin/containerj" >&2; exit 1; }
registry_start
mkdir -p "$bench_tmp/layers"
busybox_layer "$bench_tmp/layers/busybox"
image_push bench/busybox 1 "$bench_tmp/layers/busybox"
image="$REGISTRY/bench/busybox:1"

declare -A samples=()
declare -A usable=()
log "containers: load average $(loadavg)"
for name in cj ctd; do
  kind=$([[ $name == cj ]] && echo containerj || echo containerd)
  if ! daemon_start "$name" "$kind"; then
    note "$kind did not start for the container benchmarks"
    continue
  fi
  if ! out=$(ctrd "$name" images pull --plain-http "$image" 2>&1); then
    note "$kind: ctr images pull --plain-http $image failed: $(tail -n 3 <<< "$out" | tr '\n' ' ')"
    continue
  fi
  usable[$name]=1
done

# run_opts NAME: the ctr run options of ctr_run_opts as an array
run_opts() {
  mapfile -t opts < <(ctr_run_opts "$1" | tr ' ' '\n')
}

# ---------------------------------------------------------------- latency

latency_run() {
  local name=$1 id=$2 counted=$3 secs kind=${daemon_kind[$1]}
  run_opts "$name"
  if ! timed secs ctrd "$name" run --rm "${opts[@]}" "$image" "$id" true; then
    note "$kind: ctr run --rm failed: ctr --address ${daemon_sock[$name]} -n $BENCH_NS run --rm ${opts[*]} $image $id true: $last_error"
    remove_containers "$name" "$id" || true
    return 1
  fi
  if (( counted )); then
    samples["$kind latency"]+=" $(awk -v s="$secs" 'BEGIN { printf "%.0f", s * 1000 }')"
  fi
}

log "latency: $runs runs"
for name in cj ctd; do
  [[ -n "${usable[$name]:-}" ]] && latency_run "$name" lat-warm 0 || true
done
for (( i = 1; i <= runs; i++ )); do
  for name in cj ctd; do
    [[ -n "${usable[$name]:-}" ]] && latency_run "$name" "lat-$i" 1 || true
  done
done

# ---------------------------------------------------------------- parallel

# parallel_round NAME ROUND: PARALLEL ctr run -d at once, timed until all are RUNNING.
parallel_round() {
  local name=$1 round=$2 kind=${daemon_kind[$1]} k t0 t1 failed=0 running tasks
  local -a ids=() pids=()
  run_opts "$name"
  mkdir -p "$bench_tmp/par"
  t0=$(date +%s%N)
  for (( k = 1; k <= parallel; k++ )); do
    ids+=("par-$round-$k")
    ctrd "$name" run -d "${opts[@]}" "$image" "par-$round-$k" sleep 3600 > "$bench_tmp/par/$name-$k.log" 2>&1 &
    pids+=($!)
  done
  for k in "${!pids[@]}"; do
    if ! wait "${pids[k]}"; then
      (( failed++ )) || true
      if (( failed == 1 )); then
        note "$kind: one of $parallel parallel starts failed (round $round): ctr --address ${daemon_sock[$name]} -n $BENCH_NS run -d ${opts[*]} $image ${ids[k]} sleep 3600: $(tail -n 3 "$bench_tmp/par/$name-$((k + 1)).log" | tr '\n' ' ' | cut -c1-400)"
      fi
    fi
  done
  # every ctr has returned; now all must be RUNNING (bounded, in case a start is still settling)
  while :; do
    tasks=$(ctrd "$name" task ls 2>/dev/null || true)
    running=$(awk -v p="par-$round-" 'index($1, p) == 1 && $3 == "RUNNING"' <<< "$tasks" | wc -l)
    t1=$(date +%s%N)
    (( running + failed >= parallel )) && break
    if (( (t1 - t0) / 1000000 > 60000 )); then
      note "$kind: only $running of $parallel parallel containers RUNNING 60 s after the start (round $round; ctr -n $BENCH_NS task ls)"
      break
    fi
    sleep 0.05
  done
  if (( failed == 0 && running == parallel )); then
    samples["$kind parallel"]+=" $(awk -v d=$(( t1 - t0 )) 'BEGIN { printf "%.2f", d / 1e9 }')"
    log "$kind: $parallel started in $(awk -v d=$(( t1 - t0 )) 'BEGIN { printf "%.2f", d / 1e9 }') s"
  elif (( failed > 0 )); then
    note "$kind: $failed of $parallel parallel starts failed in round $round"
  fi
  if ! remove_containers "$name" "${ids[@]}"; then
    note "$kind: removing the $parallel parallel containers of round $round failed (task kill/rm, container rm)"
  fi
}

log "parallel: $rounds rounds of $parallel"
for (( r = 1; r <= rounds; r++ )); do
  for name in cj ctd; do
    [[ -n "${usable[$name]:-}" ]] && parallel_round "$name" "$r" || true
  done
done

# ---------------------------------------------------------------- memory

# idle_memory NAME: IDLE sleeping containers, then the memory of what runs for them.
idle_memory() {
  local name=$1 kind=${daemon_kind[$1]} k pid rss=0 pss=0 r p cmds main wrapper
  local -a ids=() monitors=()
  run_opts "$name"
  for (( k = 1; k <= idle; k++ )); do
    ids+=("idle-$k")
    if ! out=$(ctrd "$name" run -d "${opts[@]}" "$image" "idle-$k" sleep 3600 2>&1); then
      note "$kind: ctr run -d $image idle-$k sleep 3600 failed: $(tail -n 3 <<< "$out" | tr '\n' ' ')"
      remove_containers "$name" "${ids[@]}" || true
      return 0
    fi
  done
  # a moment for the monitors to settle (lazily touched pages), as startup.sh's idle time
  sleep 2
  wrapper=${daemon_pid[$name]}
  main=$(daemon_main_pid "$name")
  for pid in $(processes_of "${daemon_dir[$name]}"); do
    [[ $pid == "$wrapper" || $pid == "$main" ]] && continue
    monitors+=("$pid")
  done
  cmds=$(for pid in "${monitors[@]}"; do basename -- "$(readlink "/proc/$pid/exe" 2>/dev/null || echo '?')"; done \
    | sort | uniq -c | awk '{ printf "%s%d x %s", (NR > 1 ? ", " : ""), $1, $2 }')
  for pid in "${monitors[@]}"; do
    read -r r p < <(awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 } END { print r + 0, p + 0 }' "/proc/$pid/smaps_rollup" 2>/dev/null || echo "0 0")
    rss=$(( rss + r ))
    pss=$(( pss + p ))
  done
  local daemon_rss
  daemon_rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$main/status")
  log "$kind: $idle idle containers: monitors $cmds, RSS $rss kB, PSS $pss kB; daemon RSS $daemon_rss kB"
  if (( ${#monitors[@]} != idle )); then
    note "$kind: $idle idle containers ran with ${#monitors[@]} processes besides the daemon and the containers: $cmds"
  fi
  samples["$kind monitors"]="$cmds"
  samples["$kind rss"]=" $(( rss / idle ))"
  samples["$kind pss"]=" $(( pss / idle ))"
  samples["$kind daemon_rss"]=" $(( daemon_rss / 1024 ))"
  if ! remove_containers "$name" "${ids[@]}"; then
    note "$kind: removing the $idle idle containers failed"
  fi
}

log "memory: $idle idle containers each"
for name in cj ctd; do
  [[ -n "${usable[$name]:-}" ]] && idle_memory "$name" || true
done

# every container was removed: nothing of them may be left in the daemons
for name in cj ctd; do
  [[ -n "${usable[$name]:-}" ]] || continue
  left_c=$(ctrd "$name" containers ls -q 2>/dev/null | wc -l)
  left_s=$(ctrd "$name" snapshots ls 2>/dev/null | awk 'NR > 1 && $NF != "Committed"' | wc -l)
  if (( left_c > 0 || left_s > 0 )); then
    note "${daemon_kind[$name]}: after all containers were removed, $left_c container(s) and $left_s active snapshot(s) were left (ctr -n $BENCH_NS containers ls; ctr -n $BENCH_NS snapshots ls)"
  fi
done
for name in cj ctd; do
  [[ -n "${daemon_dir[$name]:-}" ]] && daemon_stop "$name"
done

record latency "Container: \`ctr run --rm IMAGE ID true\`" "ms" lower \
  "${samples[containerj latency]:-}" "${samples[containerd latency]:-}"
record parallel "Containers: $parallel x \`ctr run -d\` at once, until all RUNNING" "s" lower \
  "${samples[containerj parallel]:-}" "${samples[containerd parallel]:-}"
record monitor_rss "Memory per idle container: RSS of its monitor (containerj: ${samples[containerj monitors]:-?}; containerd: ${samples[containerd monitors]:-?}; $idle containers)" \
  "kB" lower "${samples[containerj rss]:-}" "${samples[containerd rss]:-}"
record monitor_pss "Memory per idle container: PSS of its monitor" "kB" lower \
  "${samples[containerj pss]:-}" "${samples[containerd pss]:-}"
record daemon_rss_idle "Daemon RSS with $idle idle containers" "MB" lower \
  "${samples[containerj daemon_rss]:-}" "${samples[containerd daemon_rss]:-}"
log "containers done, load average $(loadavg)"
