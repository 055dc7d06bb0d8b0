#!/usr/bin/env bash
# Start-up benchmark of the built distribution: time from process start until the API
# socket (and for containerj also the shell socket) exists, and resident memory after 3 s idle. Each run gets a fresh root and
# state in a temporary directory, is stopped with SIGTERM, and everything is removed
# at the end. With Debian's containerd installed, it is measured the same way
# (its CRI plugin disabled, since containerj has none yet).
#
# Usage: bench/startup.sh [-n RUNS] [--dist DIR] [--no-containerd] [--no-warmup]
#   -n RUNS          runs per daemon (default 5)
#   --dist DIR       the distribution (default distribution/target/containerj)
#   --no-containerd  skip the comparison with containerd
#   --no-warmup      do not do the uncounted first run (which writes the AppCDS archive)
set -euo pipefail

here=$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")" && pwd -P)
runs=5
dist="$here/../distribution/target/containerj"
with_containerd=1
warmup=1
idle_seconds=3
ready_timeout_ms=30000

while [[ $# -gt 0 ]]; do
  case "$1" in
    -n) runs=$2; shift 2 ;;
    --dist) dist=$2; shift 2 ;;
    --no-containerd) with_containerd=0; shift ;;
    --no-warmup) warmup=0; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "startup.sh: unknown argument $1" >&2; exit 1 ;;
  esac
done
if ! [[ "$runs" =~ ^[1-9][0-9]*$ ]]; then
  echo "startup.sh: -n needs a positive number" >&2
  exit 1
fi
if [[ ! -x "$dist/bin/containerj" ]]; then
  echo "startup.sh: no $dist/bin/containerj; build with: mvn -pl distribution -am package" >&2
  exit 1
fi

# Short path: unix socket paths are limited to 107 bytes.
tmp=$(mktemp -d /tmp/cj-bench.XXXXXX)
daemon_pid=
cleanup() {
  if [[ -n "$daemon_pid" ]] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  rm -rf -- "$tmp"
}
trap cleanup EXIT

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
ready_ms=()
rss_kb=0

# stats NAME VALUES...: median, min and max of integers
stats() {
  local name=$1; shift
  local sorted
  sorted=$(printf '%s\n' "$@" | sort -n)
  local n=$#
  local min max median
  min=$(head -n1 <<< "$sorted")
  max=$(tail -n1 <<< "$sorted")
  if (( n % 2 == 1 )); then
    median=$(sed -n "$(( n / 2 + 1 ))p" <<< "$sorted")
  else
    local a b
    a=$(sed -n "$(( n / 2 ))p" <<< "$sorted")
    b=$(sed -n "$(( n / 2 + 1 ))p" <<< "$sorted")
    median=$(( (a + b) / 2 ))
  fi
  printf '  %-22s median %6s   min %6s   max %6s\n' "$name" "$median" "$min" "$max"
}

# measure LABEL SOCKETS CMD...: one run. SOCKETS is a colon-separated list waited for in
# order; sets ready_ms (one time per socket, in ms since the start) and rss_kb, or fails.
measure() {
  local label=$1 sockets=$2; shift 2
  local log="$tmp/$label.log"
  local t0 socket waited
  ready_ms=()
  t0=$(now_ms)
  "$@" >"$log" 2>&1 &
  daemon_pid=$!
  IFS=: read -r -a wanted <<< "$sockets"
  for socket in "${wanted[@]}"; do
    until [[ -S "$socket" ]]; do
      if ! kill -0 "$daemon_pid" 2>/dev/null; then
        echo "startup.sh: $label exited before $socket appeared; log:" >&2
        tail -n 20 "$log" >&2
        daemon_pid=
        return 1
      fi
      waited=$(( $(now_ms) - t0 ))
      if (( waited >= ready_timeout_ms )); then
        echo "startup.sh: $label: no socket $socket after $(( ready_timeout_ms / 1000 )) s" >&2
        return 1
      fi
      sleep 0.01
    done
    ready_ms+=("$(( $(now_ms) - t0 ))")
  done
  sleep "$idle_seconds"
  rss_kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$daemon_pid/status")
  kill -TERM "$daemon_pid"
  local rc=0
  wait "$daemon_pid" || rc=$?
  daemon_pid=
  if (( rc != 0 )); then
    echo "startup.sh: $label exited with $rc after SIGTERM" >&2
  fi
}

# bench NAME RESET_DIR SOCKETS NAMES CMD...: warm-up, then the counted runs. SOCKETS and
# NAMES are colon-separated: the sockets waited for, and what each one's time is called.
bench() {
  local name=$1 reset=$2 sockets=$3 names=$4; shift 4
  local rss=() i j line
  IFS=: read -r -a labels <<< "$names"
  local -a times
  for (( j = 0; j < ${#labels[@]}; j++ )); do times[j]=""; done
  if (( warmup )); then
    rm -rf -- "$reset"
    measure "$name-warmup" "$sockets" "$@"
  fi
  for (( i = 1; i <= runs; i++ )); do
    rm -rf -- "$reset"
    measure "$name-$i" "$sockets" "$@"
    rss+=("$(( rss_kb / 1024 ))")
    line="  run $i:"
    for (( j = 0; j < ${#labels[@]}; j++ )); do
      times[j]="${times[j]} ${ready_ms[j]}"
      line+=$(printf ' %s %5d ms,' "${labels[j]}" "${ready_ms[j]}")
    done
    printf '%s idle RSS %4d MB\n' "$line" "$(( rss_kb / 1024 ))"
  done
  for (( j = 0; j < ${#labels[@]}; j++ )); do
    # shellcheck disable=SC2086 # the list of numbers is split on purpose
    stats "${labels[j]} (ms)" ${times[j]}
  done
  stats "idle RSS (MB)" "${rss[@]}"
}

mkdir -p "$tmp/cj"
cat > "$tmp/cj/config.toml" <<EOF
version = 2
root = "$tmp/cj/run/root"
state = "$tmp/cj/run/state"
[grpc]
  address = "$tmp/cj/run/state/containerj.sock"
[debug]
  level = "warn"
EOF

echo "containerj ($dist), $runs runs$( (( warmup )) && echo ' after one warm-up run')"
# The API socket is up once the api-server bundle has started; the shell socket comes
# with the shell bundle, one of the last to start, so it stands for "all started".
bench containerj "$tmp/cj/run" \
  "$tmp/cj/run/state/containerj.sock:$tmp/cj/run/state/shell.sock" "API socket:shell socket" \
  "$dist/bin/containerj" --config "$tmp/cj/config.toml"

if (( with_containerd )) && command -v containerd > /dev/null; then
  mkdir -p "$tmp/ctd"
  cat > "$tmp/ctd/config.toml" <<EOF
version = 2
root = "$tmp/ctd/run/root"
state = "$tmp/ctd/run/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$tmp/ctd/run/c.sock"
[ttrpc]
  address = "$tmp/ctd/run/c.sock.ttrpc"
[debug]
  level = "warn"
EOF
  echo
  echo "$(containerd --version | awk '{print $1, $3}'), $runs runs, CRI disabled"
  bench containerd "$tmp/ctd/run" "$tmp/ctd/run/c.sock" "API socket" \
    containerd --config "$tmp/ctd/config.toml"
fi
