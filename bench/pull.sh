#!/usr/bin/env bash
# Pull and unpack benchmark, containerj against containerd, each run on a fresh daemon (a
# fresh content store and snapshotter) of each, one after the other, from the same local
# docker-registry on 127.0.0.1. Two images, built here from busybox-static:
#   large: the busybox layer + LAYERS layers of one LAYER_MB MiB file of random bytes each
#   files: the busybox layer + one layer of FILES files of FILE_SIZE random bytes
# Per image and run:
#   pull   = `ctr content fetch --plain-http REF`: the content of `ctr images pull` (same
#            fetch code in ctr 1.6), without unpacking; MB/s = image bytes (layers as
#            stored, config, manifest) / wall time of the ctr command.
#   unpack = then `ctr images pull --plain-http REF`: all content is present, so this is
#            the manifest resolution (2 small requests) and the unpack (Diff.Apply into
#            overlayfs snapshots, one per layer, and their commits); the registry's access
#            log is checked to prove that no layer was downloaded again.
# `sync` runs before every timed command so that neither pays for the other's writeback.
# The daemon's CPU time (user + system, all threads) for each step is given as well: on a
# busy machine it says more about the cost than the wall time.
# An uncounted warm-up comes first: one fetch of the large image by each daemon (the
# registry's files in the page cache, containerj's AppCDS archive written).
#
# Variants: --variant ctr (the only one so far) is the client-side pull of ctr 1.6. A
# variant V is the pair of functions variant_V_fetch NAME REF and variant_V_unpack NAME REF
# (see below); a daemon-side pull can be added as another pair.
#
# Usage: bench/pull.sh [-n RUNS] [--dist DIR] [--layers N] [--layer-mb MB] [--files N]
#                      [--file-size BYTES] [--variant V] [--no-warmup] [--no-files]
set -euo pipefail
here=$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")" && pwd -P)
# shellcheck source=bench/lib/common.sh
source "$here/lib/common.sh"
# shellcheck source=bench/lib/daemons.sh
source "$here/lib/daemons.sh"
# shellcheck source=bench/lib/images.sh
source "$here/lib/images.sh"

runs=3
layers=3
layer_mb=100
files=20000
file_size=1024
variant=ctr
warmup=1
with_files=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    -n) runs=$2; shift 2 ;;
    --dist) BENCH_DIST=$2; shift 2 ;;
    --layers) layers=$2; shift 2 ;;
    --layer-mb) layer_mb=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    --file-size) file_size=$2; shift 2 ;;
    --variant) variant=$2; shift 2 ;;
    --no-warmup) warmup=0; shift ;;
    --no-files) with_files=0; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "pull.sh: unknown argument $1" >&2; exit 1 ;;
  esac
done
for v in "$runs" "$layers" "$layer_mb" "$files" "$file_size"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "pull.sh: counts and sizes must be positive numbers" >&2; exit 1; }
done

# ---------------------------------------------------------------- variants

# variant_ctr_fetch NAME REF: the content of the image, not unpacked.
variant_ctr_fetch() {
  ctrd "$1" content fetch --plain-http "$2"
}

# variant_ctr_unpack NAME REF: the image made usable (unpacked) once its content is there.
variant_ctr_unpack() {
  ctrd "$1" images pull --plain-http "$2"
}

if ! declare -F "variant_${variant}_fetch" > /dev/null || ! declare -F "variant_${variant}_unpack" > /dev/null; then
  echo "pull.sh: no variant $variant (functions variant_${variant}_fetch and variant_${variant}_unpack)" >&2
  exit 1
fi

# ---------------------------------------------------------------- images

bench_init pull
[[ -x "$BENCH_DIST/bin/containerj" ]] || { echo "pull.sh: no $BENCH_DIST/bin/containerj (mvn -o -q -pl distribution -am package -DskipTests)" >&2; exit 1; }
registry_start
log "registry on $REGISTRY; writing the images ($layers x $layer_mb MiB random, $files files of $file_size bytes)"
mkdir -p "$bench_tmp/layers"
busybox_layer "$bench_tmp/layers/busybox"
large_layers=("$bench_tmp/layers/busybox")
for (( i = 1; i <= layers; i++ )); do
  random_layer "$bench_tmp/layers/random$i" "$layer_mb" "random$i.bin"
  large_layers+=("$bench_tmp/layers/random$i")
done
image_push bench/large 1 "${large_layers[@]}"
rm -f "$bench_tmp"/layers/random*.tar.gz
images=(large)
if (( with_files )); then
  files_layer "$bench_tmp/layers/files" "$files" "$file_size"
  image_push bench/files 1 "$bench_tmp/layers/busybox" "$bench_tmp/layers/files"
  rm -f "$bench_tmp/layers/files.tar.gz"
  images+=(files)
fi
for img in "${images[@]}"; do
  read -r bytes tars < <(image_sizes "bench/$img" 1)
  log "bench/$img:1: $(( bytes / 1000000 )) MB as stored, $(( tars / 1000000 )) MB of layer tars"
done

# ---------------------------------------------------------------- runs

declare -A samples=()   # "KIND METRIC" -> blank-separated values

# cpu_since NAME MS: seconds of CPU the daemon used since daemon_cpu_ms said MS.
cpu_since() {
  awk -v a="$2" -v b="$(daemon_cpu_ms "$1")" 'BEGIN { printf "%.2f", (b - a) / 1000 }'
}

# pull_round KIND RUN COUNTED: one fresh daemon of KIND, every image fetched then unpacked
# (for the warm-up, COUNTED 0, only the large image fetched).
pull_round() {
  local kind=$1 run=$2 counted=$3
  local name="$kind-$run" img ref secs bytes tars gets verify want cpu0 cpu
  if ! daemon_start "$name" "$kind"; then
    note "$kind did not start for pull run $run (daemon log above)"
    daemon_stop "$name" quiet
    return 0
  fi
  for img in "${images[@]}"; do
    ref="$REGISTRY/bench/$img:1"
    read -r bytes tars < <(image_sizes "bench/$img" 1)
    bounded 120 sync
    cpu0=$(daemon_cpu_ms "$name")
    if ! timed secs "variant_${variant}_fetch" "$name" "$ref"; then
      note "$kind: pull (variant $variant) of bench/$img failed in run $run: ctr --address ${daemon_sock[$name]} -n $BENCH_NS content fetch --plain-http $ref: $last_error"
      continue
    fi
    if (( counted )); then
      samples["$kind pull_$img"]+=" $(per "$secs" "$(( bytes / 1000000 ))")"
      samples["$kind pull_cpu_$img"]+=" $(cpu_since "$name" "$cpu0")"
    fi
    log "$kind run $run: $img pulled in $secs s"
    if (( ! counted )); then
      break
    fi
    bounded 120 sync
    gets=$(registry_blob_gets)
    cpu0=$(daemon_cpu_ms "$name")
    if ! timed secs "variant_${variant}_unpack" "$name" "$ref"; then
      note "$kind: unpack (variant $variant) of bench/$img failed in run $run: ctr --address ${daemon_sock[$name]} -n $BENCH_NS images pull --plain-http $ref: $last_error"
      continue
    fi
    cpu=$(cpu_since "$name" "$cpu0")
    if (( $(registry_blob_gets) != gets )); then
      note "$kind: the unpack step of bench/$img downloaded blobs again in run $run ($(( $(registry_blob_gets) - gets )) blob GETs): its time includes a download"
    fi
    # the unpack must have left one committed snapshot per layer
    verify=$(ctrd "$name" snapshots ls 2>/dev/null | awk 'NR > 1 && $NF == "Committed"' | wc -l)
    want=2
    [[ $img == large ]] && want=$(( layers + 1 ))
    if (( verify < want )); then
      note "$kind: after unpacking bench/$img in run $run only $verify committed snapshots (ctr -n $BENCH_NS snapshots ls)"
    fi
    if (( counted )); then
      if [[ $img == large ]]; then
        samples["$kind unpack_$img"]+=" $(per "$secs" "$(( tars / 1000000 ))")"
      else
        samples["$kind unpack_$img"]+=" $secs"
      fi
      samples["$kind unpack_cpu_$img"]+=" $cpu"
    fi
    log "$kind run $run: $img unpacked in $secs s"
  done
  daemon_stop "$name"
}

log "pull/unpack: $runs runs (+ $warmup warm-up), load average $(loadavg)"
if (( warmup )); then
  pull_round containerj 0 0
  pull_round containerd 0 0
fi
for (( run = 1; run <= runs; run++ )); do
  pull_round containerj "$run" 1
  pull_round containerd "$run" 1
done

read -r bytes tars < <(image_sizes bench/large 1)
record "pull_large_$variant" "Pull, content only (\`ctr content fetch\`, variant $variant): $layers x $layer_mb MiB random layers, $(( bytes / 1000000 )) MB" \
  "MB/s" higher "${samples[containerj pull_large]:-}" "${samples[containerd pull_large]:-}"
record "unpack_large_$variant" "Unpack (\`ctr images pull\` with content present): same image, $(( tars / 1000000 )) MB of layer tars" \
  "MB/s" higher "${samples[containerj unpack_large]:-}" "${samples[containerd unpack_large]:-}"
if (( with_files )); then
  read -r bytes tars < <(image_sizes bench/files 1)
  record "unpack_files_$variant" "Unpack: $files files of $file_size B in one layer ($(( tars / 1000000 )) MB tar)" \
    "s" lower "${samples[containerj unpack_files]:-}" "${samples[containerd unpack_files]:-}"
fi
record "pull_cpu_large_$variant" "Daemon CPU time for the pull of the large image" "CPU s" lower \
  "${samples[containerj pull_cpu_large]:-}" "${samples[containerd pull_cpu_large]:-}"
record "unpack_cpu_large_$variant" "Daemon CPU time for the unpack of the large image" "CPU s" lower \
  "${samples[containerj unpack_cpu_large]:-}" "${samples[containerd unpack_cpu_large]:-}"
if (( with_files )); then
  record "unpack_cpu_files_$variant" "Daemon CPU time for the unpack of the $files files" "CPU s" lower \
    "${samples[containerj unpack_cpu_files]:-}" "${samples[containerd unpack_cpu_files]:-}"
fi
log "pull/unpack done, load average $(loadavg)"
