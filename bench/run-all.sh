#!/usr/bin/env bash
# All end-to-end benchmarks, containerj against containerd 1.6 on this machine, as one
# markdown report on stdout (progress goes to stderr): the machine, the versions, the load
# average around each part, a table of containerj value, containerd value and their ratio
# (median, min-max over the runs), and notes on anything that failed, with the command
# that shows it. Not part of CI: it takes minutes, needs root, and its numbers depend on
# the machine. Each part is also a script of its own; docs/benchmarks.md describes them.
#
# Usage: bench/run-all.sh [-n N] [--only LIST] [--dist DIR] [--build] [--out FILE] [--small]
#   -n N        runs per measurement (default 3): N pull/unpack runs, N snapshot runs,
#               3N `ctr run --rm` runs, N rounds of parallel starts, N start-up runs
#   --only LIST comma-separated parts: pull,snapshots,containers,startup (default all)
#   --dist DIR  the distribution (default distribution/target/containerj)
#   --build     build the distribution and the benchmark client first (else only if missing)
#   --out FILE  also write the report to FILE
#   --small     small images and counts (a quick check of the scripts, not a measurement)
set -euo pipefail
here=$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")" && pwd -P)
repo=$(cd -- "$here/.." && pwd -P)

n=3
only=pull,snapshots,containers,startup
dist="$repo/distribution/target/containerj"
build=0
out=
small=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    -n) n=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --dist) dist=$2; shift 2 ;;
    --build) build=1; shift ;;
    --out) out=$2; shift 2 ;;
    --small) small=1; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "run-all.sh: unknown argument $1" >&2; exit 1 ;;
  esac
done
[[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "run-all.sh: -n needs a positive number" >&2; exit 1; }
if (( $(id -u) != 0 )); then
  echo "run-all.sh: the daemons run as root (mounts, runc); run it as root" >&2
  exit 1
fi
for tool in ctr containerd containerd-shim-runc-v2 runc conmon docker-registry curl java tar gzip; do
  command -v "$tool" > /dev/null || { echo "run-all.sh: $tool is missing (scripts/setup-host.sh)" >&2; exit 1; }
done
[[ -x /bin/busybox ]] || { echo "run-all.sh: /bin/busybox is missing (busybox-static)" >&2; exit 1; }

part() { [[ ",$only," == *",$1,"* ]]; }

if (( build )) || [[ ! -x "$dist/bin/containerj" && "$dist" == "$repo/distribution/target/containerj" ]]; then
  echo "run-all.sh: building the distribution" >&2
  (cd "$repo" && timeout 1800 mvn -o -q -pl distribution -am package -DskipTests) >&2
fi
if part snapshots && { (( build )) || [[ ! -f "$here/client/target/bench-client.jar" ]]; }; then
  echo "run-all.sh: building the benchmark client" >&2
  (cd "$repo" && timeout 1800 mvn -o -q -Pbench -pl bench/client -am package -DskipTests) >&2
fi

work=$(mktemp -d /tmp/cj-bench-all.XXXXXX)
part_pid=
# A signal to run-all.sh goes on to the running part, whose own traps clean up.
stop_part() {
  if [[ -n "$part_pid" ]]; then
    kill -TERM "$part_pid" 2>/dev/null || true
    wait "$part_pid" 2>/dev/null || true
  fi
}
trap 'stop_part; rm -rf -- "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export BENCH_RESULTS="$work/results.tsv" BENCH_NOTES="$work/notes.txt" BENCH_DIST="$dist"
touch "$BENCH_RESULTS" "$BENCH_NOTES"
loads="$work/loads.txt"
# shellcheck source=bench/lib/common.sh
source "$here/lib/common.sh"

# run_part NAME CMD...: one part as its own process (its own traps and clean-up).
run_part() {
  local name=$1; shift
  local t0 before rc=0
  t0=$(date +%s)
  before=$(loadavg)
  echo "run-all.sh: $name: $*" >&2
  timeout -k 30 3600 "$@" &
  part_pid=$!
  wait "$part_pid" || rc=$?
  part_pid=
  if (( rc != 0 )); then
    note "part $name ended with exit status $rc ($*)"
  fi
  printf '| %s | %s | %s | %d s |\n' "$name" "$before" "$(loadavg)" $(( $(date +%s) - t0 )) >> "$loads"
}

started=$(date -u '+%Y-%m-%d %H:%M UTC')
t_all=$(date +%s)
if (( small )); then
  part pull && run_part pull "$here/pull.sh" -n "$n" --layers 1 --layer-mb 10 --files 500
  part snapshots && run_part snapshots "$here/snapshots.sh" -n "$n" --ops 100
  part containers && run_part containers "$here/containers.sh" -n "$n" --rounds 1 --parallel 5 --idle 3
else
  part pull && run_part pull "$here/pull.sh" -n "$n"
  part snapshots && run_part snapshots "$here/snapshots.sh" -n "$n" --ops 300
  part containers && run_part containers "$here/containers.sh" -n $(( 3 * n )) --rounds "$n"
fi

# Start-up: bench/startup.sh's own measurement, its per-run lines turned into records.
if part startup; then
  startup_out="$work/startup.txt"
  run_part startup bash -c "$(printf '%q' "$here/startup.sh") -n $n --dist $(printf '%q' "$dist") > $(printf '%q' "$startup_out")"
  if [[ -s "$startup_out" ]]; then
    parse() {  # parse SECTION FIELD UNIT-WORD: the values of one field over the runs of one daemon
      awk -v s="$1" -v f="$2" '
        /^containerj/ { cur = "containerj" } /^containerd/ { cur = "containerd" }
        cur == s && /run [0-9]+:/ {
          line = $0; i = index(line, f)
          if (i) { rest = substr(line, i + length(f)); split(rest, w, " "); printf "%s ", w[1] } }' "$startup_out"
    }
    record startup_api "Start-up: process start until the API socket exists (bench/startup.sh)" ms lower \
      "$(parse containerj 'API socket')" "$(parse containerd 'API socket')"
    record startup_rss "Idle daemon RSS, 3 s after start-up" MB lower \
      "$(parse containerj 'idle RSS')" "$(parse containerd 'idle RSS')"
    cj_shell=$(parse containerj 'shell socket')
    if [[ -n "$cj_shell" ]]; then
      echo "containerj's shell socket (its last bundle to start) appeared after $(cell $cj_shell) ms." >> "$BENCH_NOTES"
    fi
  fi
fi

report() {
  echo "## Results ($started, $(( ($(date +%s) - t_all) / 60 )) min, -n $n$( (( small )) && echo ', --small'))"
  echo
  echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores," \
    "$(( $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) / 1024 / 1024 )) GiB RAM, Linux $(uname -r)," \
    "/tmp on $(df -T /tmp | awk 'NR == 2 { print $2 }')."
  echo "Versions: containerj $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')" \
    "($(java -version 2>&1 | head -n1)), $(containerd --version | awk '{ print $1, $3 }')," \
    "ctr $(ctr --version | awk '{ print $3 }'), runc $(runc --version | awk 'NR == 1 { print $3 }')," \
    "conmon $(conmon --version | awk 'NR == 1 { print $3 }'), $(docker-registry --version | awk '{ print $1, $3 }')."
  echo
  bench_render "$BENCH_RESULTS" /dev/null
  echo
  echo "Ratio = containerj median / containerd median; \"better\" says which direction is better."
  echo
  echo "Load average (1, 5, 15 min) around each part; the machine was shared with other builds:"
  echo
  echo "| part | load before | load after | duration |"
  echo "|---|---|---|---|"
  cat "$loads"
  if [[ -s "$BENCH_NOTES" ]]; then
    echo
    echo "Notes:"
    echo
    sed 's/^/* /' "$BENCH_NOTES"
  fi
}

if [[ -n "$out" ]]; then
  report | tee "$out"
else
  report
fi
