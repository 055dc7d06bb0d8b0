# Sourced by the benchmark scripts (after common.sh): containerj and containerd daemons, each
# on a temporary root, state and socket of its own under the script's scratch directory,
# both with the overlayfs snapshotter on the scratch directory's file system, and ctr
# pointed at one of them. Stopping a daemon removes its containers first, then checks
# that nothing of it is left (processes, mounts); what is left is killed, unmounted and
# reported as a note.

: "${BENCH_DIST:=$bench_repo/distribution/target/containerj}"
BENCH_NS=cjbench          # the namespace the benchmarks use (also the cgroup parent ctr asks for)
: "${BENCH_READY_TIMEOUT:=90}"
: "${BENCH_STOP_TIMEOUT:=45}"

declare -A daemon_pid=()    # name -> pid of the `timeout` wrapping the daemon
declare -A daemon_kind=()   # name -> containerj | containerd
declare -A daemon_dir=()
declare -A daemon_sock=()

daemon_label() {
  case "${daemon_kind[$1]}" in
    containerj) echo containerj ;;
    containerd) echo containerd ;;
  esac
}

# daemon_start NAME KIND: a fresh daemon (KIND containerj or containerd) in $bench_tmp/NAME,
# waited for until the services the benchmarks use are up.
daemon_start() {
  local name=$1 kind=$2
  local dir="$bench_tmp/$name"
  rm -rf -- "$dir"
  mkdir -p "$dir"
  daemon_kind[$name]=$kind
  daemon_dir[$name]=$dir
  daemon_sock[$name]="$dir/s.sock"
  local -a cmd
  case "$kind" in
    containerj)
      cat > "$dir/config.toml" <<EOF
version = 2
root = "$dir/root"
state = "$dir/state"
[grpc]
  address = "$dir/s.sock"
[debug]
  level = "warn"
EOF
      cmd=("$BENCH_DIST/bin/containerj" --config "$dir/config.toml")
      ;;
    containerd)
      cat > "$dir/config.toml" <<EOF
version = 2
root = "$dir/root"
state = "$dir/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$dir/s.sock"
[ttrpc]
  address = "$dir/s.sock.ttrpc"
[debug]
  level = "warn"
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"
EOF
      cmd=(containerd --config "$dir/config.toml")
      ;;
    *) echo "daemon_start: unknown kind $kind" >&2; return 1 ;;
  esac
  bench_on_exit "daemon_stop $name quiet"
  timeout -k 10 "$BENCH_DAEMON_LIMIT" "${cmd[@]}" > "$dir/daemon.log" 2>&1 < /dev/null &
  daemon_pid[$name]=$!
  daemon_wait_ready "$name"
}

# The daemon process itself (the child of the timeout wrapper).
daemon_main_pid() {
  local pid=${daemon_pid[$1]:-}
  [[ -n "$pid" ]] || return 1
  local child
  child=$(pgrep -P "$pid" | head -n1)
  [[ -n "$child" ]] && echo "$child"
}

# daemon_cpu_ms NAME: user + system CPU time the daemon process (all its threads) has used,
# in ms. Differences of it are less sensitive to a busy machine than wall times.
clock_ticks=$(getconf CLK_TCK)
daemon_cpu_ms() {
  local pid
  pid=$(daemon_main_pid "$1") || return 1
  # fields 14 and 15 of /proc/PID/stat, counted after the command name in parentheses
  awk -v t="$clock_ticks" '{ sub(/^.*\) /, ""); print int(($12 + $13) * 1000 / t) }' "/proc/$pid/stat"
}

# The services (and the snapshotter) every benchmark relies on.
daemon_required_plugins=(
  "io.containerd.grpc.v1 content" "io.containerd.grpc.v1 images" "io.containerd.grpc.v1 snapshots"
  "io.containerd.grpc.v1 diff" "io.containerd.grpc.v1 leases" "io.containerd.grpc.v1 namespaces"
  "io.containerd.grpc.v1 containers" "io.containerd.grpc.v1 tasks" "io.containerd.snapshotter.v1 overlayfs"
)

daemon_wait_ready() {
  local name=$1 t0 plugins p missing
  t0=$(now_ms)
  while :; do
    if ! kill -0 "${daemon_pid[$name]}" 2>/dev/null; then
      echo "bench: $name (${daemon_kind[$name]}) exited before it was ready; log:" >&2
      tail -n 30 "${daemon_dir[$name]}/daemon.log" >&2
      return 1
    fi
    if [[ -S "${daemon_sock[$name]}" ]] \
        && plugins=$(bounded 10 ctr --address "${daemon_sock[$name]}" plugins ls 2>/dev/null); then
      missing=
      for p in "${daemon_required_plugins[@]}"; do
        if ! awk -v t="${p% *}" -v i="${p#* }" '$1 == t && $2 == i && $NF == "ok" { f = 1 } END { exit !f }' \
            <<< "$plugins"; then
          missing="$missing ${p#* }"
        fi
      done
      [[ -z "$missing" ]] && return 0
    fi
    if (( $(now_ms) - t0 > BENCH_READY_TIMEOUT * 1000 )); then
      echo "bench: $name (${daemon_kind[$name]}) not ready after $BENCH_READY_TIMEOUT s (missing:${missing:- socket})" >&2
      tail -n 30 "${daemon_dir[$name]}/daemon.log" >&2
      return 1
    fi
    sleep 0.1
  done
}

# ctrd NAME ARGS...: ctr against daemon NAME in the benchmark namespace, bounded.
ctrd() {
  local name=$1; shift
  bounded "$BENCH_CMD_TIMEOUT" ctr --address "${daemon_sock[$name]}" -n "$BENCH_NS" "$@"
}

# Options for `ctr run` that keep everything under the daemon's directory: ctr's FIFOs,
# and for containerd the runc state (containerj keeps it under its state directory
# anyway; its default for containerd would be the host's /run/containerd/runc).
ctr_run_opts() {
  local name=$1
  echo "--fifo-dir ${daemon_dir[$name]}/fifo"
  if [[ "${daemon_kind[$name]}" == containerd ]]; then
    echo "--runc-root ${daemon_dir[$name]}/runc"
  fi
}

# remove_containers NAME [ID...]: kill (SIGKILL) and delete the tasks and containers (all in
# the namespace when no ID is given), bounded. Returns non-zero when one could not be removed.
remove_containers() {
  local name=$1; shift
  local -a ids=("$@")
  local rc=0 id t0 left
  if (( ${#ids[@]} == 0 )); then
    mapfile -t ids < <(ctrd "$name" containers ls -q 2>/dev/null)
  fi
  (( ${#ids[@]} > 0 )) || return 0
  local tasks
  tasks=$(ctrd "$name" task ls 2>/dev/null || true)
  for id in "${ids[@]}"; do
    if awk -v i="$id" '$1 == i && $3 != "STOPPED" { f = 1 } END { exit !f }' <<< "$tasks"; then
      ctrd "$name" task kill -s SIGKILL "$id" > /dev/null 2>&1 || true
    fi
  done
  t0=$(now_ms)
  while :; do
    tasks=$(ctrd "$name" task ls 2>/dev/null || true)
    left=$(awk 'NR > 1 && $3 != "STOPPED"' <<< "$tasks" | grep -cFf <(printf '%s\n' "${ids[@]}") || true)
    (( left == 0 )) && break
    if (( $(now_ms) - t0 > 30000 )); then
      echo "bench: $name: $left task(s) still not stopped 30 s after SIGKILL" >&2
      rc=1
      break
    fi
    sleep 0.1
  done
  for id in "${ids[@]}"; do
    if awk -v i="$id" '$1 == i { f = 1 } END { exit !f }' <<< "$tasks"; then
      ctrd "$name" task rm "$id" > /dev/null 2>&1 || ctrd "$name" task rm -f "$id" > /dev/null 2>&1 || rc=1
    fi
    ctrd "$name" containers rm "$id" > /dev/null 2>&1 || rc=1
  done
  return "$rc"
}

# Processes whose command line names DIR (conmon and runc for containerj, the shims for
# containerd), except the daemon itself.
processes_of() {
  local dir=$1 f pid
  for f in /proc/[0-9]*/cmdline; do
    pid=${f#/proc/}; pid=${pid%/cmdline}
    [[ "$pid" == "$$" || "$pid" == "$BASHPID" ]] && continue
    if tr '\0' ' ' 2>/dev/null < "$f" | grep -qF -- "$dir/"; then
      echo "$pid"
    fi
  done
}

# daemon_stop NAME [quiet]: containers removed, SIGTERM (SIGKILL after the bound), then
# whatever is left of it removed and, unless quiet, reported.
daemon_stop() {
  local name=$1 quiet=${2:-}
  local pid=${daemon_pid[$name]:-}
  local dir=${daemon_dir[$name]:-}
  [[ -n "$dir" ]] || return 0
  local label="${daemon_kind[$name]} ($name)"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    local ns
    for ns in $(bounded 10 ctr --address "${daemon_sock[$name]}" namespaces ls -q 2>/dev/null); do
      BENCH_NS=$ns remove_containers "$name" || true
    done
    kill -TERM "$pid" 2>/dev/null || true
    local t0
    t0=$(now_ms)
    while kill -0 "$pid" 2>/dev/null; do
      if (( $(now_ms) - t0 > BENCH_STOP_TIMEOUT * 1000 )); then
        [[ -n "$quiet" ]] || note "$label did not stop within $BENCH_STOP_TIMEOUT s of SIGTERM; killed"
        pkill -KILL -P "$pid" 2>/dev/null || true
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.1
    done
    wait "$pid" 2>/dev/null || true
  fi
  daemon_pid[$name]=
  # Whatever survived: the containers' monitors, their runc state, mounts.
  local -a left=()
  mapfile -t left < <(processes_of "$dir")
  if (( ${#left[@]} > 0 )); then
    [[ -n "$quiet" ]] || note "$label left processes after its containers were removed and it stopped: $(
      for p in "${left[@]}"; do tr '\0' ' ' 2>/dev/null < "/proc/$p/cmdline" | cut -c1-160; echo -n '; '; done)"
    kill -KILL "${left[@]}" 2>/dev/null || true
  fi
  local state root id
  while IFS= read -r state; do
    root=$(dirname -- "$(dirname -- "$state")")
    for id in $(bounded 10 runc --root "$root" list -q 2>/dev/null); do
      bounded 10 runc --root "$root" delete -f "$id" > /dev/null 2>&1 || true
    done
  done < <(find "$dir" -name state.json -path '*/*/state.json' 2>/dev/null)
  local mounts
  mounts=$(awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts)
  if [[ -n "$mounts" ]]; then
    [[ -n "$quiet" ]] || note "$label left mounts after it stopped: $(tr '\n' ' ' <<< "$mounts")"
    unmount_under "$dir"
  fi
  # errors the daemon logged (both log at level warn here), except containerj's known report
  # of its btrfs snapshotter skipping itself on a root that is not btrfs
  local errors
  errors=$(grep -aE 'ERROR|level=error|Exception' "$dir/daemon.log" 2>/dev/null \
    | grep -avE 'snapshot-btrfs|PluginSkippedException: path .* must be a btrfs filesystem' || true)
  if [[ -n "$errors" && -z "$quiet" ]]; then
    note "$label logged $(wc -l <<< "$errors") error line(s), the first: $(head -n1 <<< "$errors" | cut -c1-300)"
  fi
  # cgroups ctr asked for (/<namespace>/<id>): the namespace level is left behind by both
  rmdir /sys/fs/cgroup/*/"$BENCH_NS" /sys/fs/cgroup/"$BENCH_NS" 2>/dev/null || true
  if [[ -z "$quiet" ]]; then
    rm -rf --one-file-system -- "$dir"
    daemon_dir[$name]=
  fi
}
