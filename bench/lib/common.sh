# Shared by the benchmark scripts in bench/ (sourced, not run): the scratch directory and
# its clean-up, bounded commands, statistics, and the result records that run-all.sh turns
# into a table.
#
# A result record is one tab-separated line in $BENCH_RESULTS:
#   KEY  TITLE  UNIT  BETTER(higher|lower)  CONTAINERJ_VALUES  CONTAINERD_VALUES
# where the values are blank-separated samples (empty when the measurement failed).
# Notes (failures with the command that shows them, remarks) go to $BENCH_NOTES, one per line.

# Bounds for everything exec'd (seconds); a benchmark may lower them for its own commands.
: "${BENCH_CMD_TIMEOUT:=300}"     # one ctr command, one pull
: "${BENCH_DAEMON_LIMIT:=3600}"   # a daemon's whole life: a daemon never outlives a killed script by more

bench_here=$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/.." && pwd -P)
bench_repo=$(cd -- "$bench_here/.." && pwd -P)

# Where each script puts its records; run-all.sh points them all at one file.
: "${BENCH_RESULTS:=}"
: "${BENCH_NOTES:=}"

bench_tmp=
bench_cleanups=()

# bench_init NAME: the scratch directory /tmp/cj-bench-NAME.XXXXXX (short: socket paths are
# limited to 107 bytes) and the traps that clean up, whatever way the script ends.
bench_init() {
  bench_tmp=$(mktemp -d "/tmp/cj-bench-$1.XXXXXX")
  if [[ -z "$BENCH_RESULTS" ]]; then
    BENCH_RESULTS="$bench_tmp/results.tsv"
    bench_standalone=1
  else
    bench_standalone=0
  fi
  if [[ -z "$BENCH_NOTES" ]]; then
    BENCH_NOTES="$bench_tmp/notes.txt"
  fi
  touch "$BENCH_RESULTS" "$BENCH_NOTES"
  trap bench_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# bench_on_exit CMD...: run CMD (in reverse order of registration) when the script ends.
bench_on_exit() {
  bench_cleanups+=("$*")
}

bench_exit() {
  local rc=$? i
  trap - EXIT INT TERM
  set +e
  for (( i = ${#bench_cleanups[@]} - 1; i >= 0; i-- )); do
    eval "${bench_cleanups[i]}"
  done
  if [[ -n "$bench_tmp" && -d "$bench_tmp" ]]; then
    if (( bench_standalone )); then
      bench_render "$BENCH_RESULTS" "$BENCH_NOTES" >&2
    fi
    unmount_under "$bench_tmp"
    rm -rf --one-file-system -- "$bench_tmp"
  fi
  exit "$rc"
}

# unmount_under DIR: every mount point below DIR, deepest first (lazily if busy).
unmount_under() {
  local dir=$1 m
  local -a mounts=()
  mapfile -t mounts < <(awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r)
  for m in "${mounts[@]}"; do
    m=$(printf '%b' "$m")   # /proc/self/mounts escapes blanks as \040
    timeout 30 umount -- "$m" 2>/dev/null || timeout 30 umount -l -- "$m" 2>/dev/null \
      || echo "bench: cannot unmount $m" >&2
  done
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# bounded SECONDS CMD...: CMD under a time limit (SIGTERM, SIGKILL 5 s later).
bounded() {
  local limit=$1; shift
  timeout -k 5 "$limit" "$@"
}

note() {
  echo "$*" >> "$BENCH_NOTES"
  echo "bench: $*" >&2
}

log() {
  echo "[$(date +%H:%M:%S)] $*" >&2
}

loadavg() {
  cut -d' ' -f1-3 /proc/loadavg
}

# record KEY TITLE UNIT BETTER "CJ VALUES" "CTD VALUES"
record() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" >> "$BENCH_RESULTS"
}

# summary VALUES...: "median min max" (numbers may have decimals); nothing for no values.
summary() {
  (( $# > 0 )) || return 0
  printf '%s\n' "$@" | sort -g | awk '
    { v[NR] = $1 }
    END {
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      print m, v[1], v[NR]
    }'
}

# fmt NUMBER: 3 significant digits at least, no exponent.
fmt() {
  awk -v x="$1" 'BEGIN {
    a = x < 0 ? -x : x
    if (a >= 100) printf "%.0f", x; else if (a >= 10) printf "%.1f", x; else if (a >= 1) printf "%.2f", x;
    else printf "%.3f", x }'
}

# cell VALUES...: "median (min-max, n=N)" or "failed".
cell() {
  if (( $# == 0 )); then
    echo "failed"
    return
  fi
  local m lo hi
  read -r m lo hi < <(summary "$@")
  if (( $# == 1 )); then
    echo "$(fmt "$m") (n=1)"
  else
    echo "$(fmt "$m") ($(fmt "$lo")-$(fmt "$hi"), n=$#)"
  fi
}

# bench_render RESULTS NOTES: the markdown table (and notes) of the records.
bench_render() {
  local results=$1 notes=$2 key title unit better cj ctd ratio mcj mctd
  echo "| benchmark | unit | containerj median (min-max) | containerd median (min-max) | ratio cj/ctd | better |"
  echo "|---|---|---|---|---|---|"
  while IFS=$'\t' read -r key title unit better cj ctd; do
    [[ -n "$key" ]] || continue
    local -a a=() b=()
    read -r -a a <<< "$cj"
    read -r -a b <<< "$ctd"
    ratio="-"
    if (( ${#a[@]} > 0 && ${#b[@]} > 0 )); then
      mcj=$(summary "${a[@]}" | cut -d' ' -f1)
      mctd=$(summary "${b[@]}" | cut -d' ' -f1)
      ratio=$(awk -v x="$mcj" -v y="$mctd" 'BEGIN { if (y == 0) print "-"; else printf "%.2f", x / y }')
    fi
    echo "| $title | $unit | $(cell "${a[@]}") | $(cell "${b[@]}") | $ratio | $better |"
  done < "$results"
  if [[ -s "$notes" ]]; then
    echo
    echo "Notes:"
    echo
    sed 's/^/* /' "$notes"
  fi
}

# timed VAR CMD...: run CMD (its output to $bench_tmp/last.log), set VAR to the seconds it
# took (3 decimals). On failure VAR is untouched, $last_error says how it failed, and the
# exit status is CMD's.
last_error=
timed() {
  local var=$1; shift
  local t0 t1 rc=0 log="$bench_tmp/last.log"
  t0=$(date +%s%N)
  "$@" > "$log" 2>&1 || rc=$?
  t1=$(date +%s%N)
  if (( rc != 0 )); then
    last_error="exit status $rc$( (( rc == 124 || rc == 137 )) && echo ' (time limit)'): $(tail -n 3 "$log" | tr '\n' ' ' | cut -c1-400)"
    return "$rc"
  fi
  printf -v "$var" '%s' "$(awk -v d=$(( t1 - t0 )) 'BEGIN { printf "%.3f", d / 1e9 }')"
}

# per SECONDS AMOUNT: AMOUNT / SECONDS, 2 decimals.
per() {
  awk -v s="$1" -v a="$2" 'BEGIN { printf "%.2f", a / s }'
}
