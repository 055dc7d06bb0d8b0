# Sourced by the benchmark scripts (after common.sh): Debian's docker-registry on 127.0.0.1,
# and test images written with standard tools (tar, gzip, sha256sum) and pushed to it with
# curl through the registry API: a busybox-static base layer (as itests' BusyboxImage builds
# it) plus data layers of random bytes or of many small files.

REGISTRY=            # 127.0.0.1:PORT once started
registry_pid=
registry_dir=

# registry_start: docker-registry with filesystem storage in the scratch directory, on a free
# port of 127.0.0.1, with its access log on (pull.sh reads it to check what was downloaded).
registry_start() {
  command -v docker-registry > /dev/null || { echo "bench: docker-registry is not installed (scripts/setup-host.sh)" >&2; return 1; }
  registry_dir="$bench_tmp/registry"
  mkdir -p "$registry_dir/storage"
  bench_on_exit registry_stop
  local attempt port t0
  for attempt in 1 2 3 4 5; do
    port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    if ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
      continue
    fi
    cat > "$registry_dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $registry_dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
EOF
    timeout -k 5 "$BENCH_DAEMON_LIMIT" docker-registry serve "$registry_dir/config.yml" \
      > "$registry_dir/registry.log" 2>&1 < /dev/null &
    registry_pid=$!
    t0=$(now_ms)
    while kill -0 "$registry_pid" 2>/dev/null; do
      if curl -sf --noproxy '*' --max-time 2 -o /dev/null "http://127.0.0.1:$port/v2/"; then
        REGISTRY="127.0.0.1:$port"
        return 0
      fi
      (( $(now_ms) - t0 < 30000 )) || break
      sleep 0.1
    done
    registry_stop
  done
  echo "bench: docker-registry did not start; log:" >&2
  tail -n 20 "$registry_dir/registry.log" >&2
  return 1
}

registry_stop() {
  if [[ -n "$registry_pid" ]] && kill -0 "$registry_pid" 2>/dev/null; then
    kill -TERM "$registry_pid" 2>/dev/null || true
    local i
    for i in $(seq 100); do
      kill -0 "$registry_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$registry_pid" 2>/dev/null || true
    wait "$registry_pid" 2>/dev/null || true
  fi
  registry_pid=
}

# Blob GETs in the registry's access log so far (to see whether a pull downloaded layers).
registry_blob_gets() {
  grep -c 'GET /v2/[^ ]*/blobs/sha256:' "$registry_dir/registry.log" || true
}

# ----------------------------------------------------------------- image layers

# layer_tar OUT SRC ENTRY...: OUT.tar.gz (gzip -1, no name or time stamp) of ENTRY... in SRC as
# root-owned ustar entries with a fixed mtime, and OUT.meta: "DIGEST SIZE DIFF_ID TAR_SIZE".
layer_tar() {
  local out=$1 src=$2; shift 2
  bounded 600 tar -C "$src" --format=ustar --owner=0 --group=0 --numeric-owner --mtime=@1700000000 \
    --sort=name -cf "$out.tar" "$@"
  local diff_id tar_size
  diff_id=$(sha256sum "$out.tar" | cut -d' ' -f1)
  tar_size=$(stat -c %s "$out.tar")
  bounded 600 gzip -1 -n -c "$out.tar" > "$out.tar.gz"
  rm -f -- "$out.tar"
  echo "sha256:$(sha256sum "$out.tar.gz" | cut -d' ' -f1) $(stat -c %s "$out.tar.gz") sha256:$diff_id $tar_size" \
    > "$out.meta"
}

# busybox_layer OUT: /bin/busybox as bin/busybox, the applets the benchmarks call as symlinks,
# etc/passwd, etc/group, root/ and tmp/ (what itests' BusyboxImage puts in its base layer).
busybox_layer() {
  local out=$1
  local src="$out.d"
  [[ -x /bin/busybox ]] || { echo "bench: /bin/busybox missing: install busybox-static" >&2; return 1; }
  mkdir -p "$src/bin" "$src/etc" "$src/root" "$src/tmp"
  chmod 1777 "$src/tmp"
  cp /bin/busybox "$src/bin/busybox"
  local applet
  for applet in sh echo sleep cat ls true; do
    ln -s busybox "$src/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$src/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$src/etc/group"
  chmod 0644 "$src/etc/passwd" "$src/etc/group"
  layer_tar "$out" "$src" bin etc root tmp
  rm -rf -- "$src"
}

# random_layer OUT MB NAME: one file data/NAME of MB MiB random bytes.
random_layer() {
  local out=$1 mb=$2 name=$3
  local src="$out.d"
  mkdir -p "$src/data"
  bounded 600 head -c "$(( mb * 1024 * 1024 ))" /dev/urandom > "$src/data/$name"
  layer_tar "$out" "$src" data
  rm -rf -- "$src"
}

# files_layer OUT COUNT SIZE: COUNT files of SIZE random bytes, 200 to a directory
# (files/d000/f00000 ...).
files_layer() {
  local out=$1 count=$2 size=$3
  local src="$out.d" per=200 d n
  mkdir -p "$src/files"
  for (( d = 0; d * per < count; d++ )); do
    n=$(( count - d * per < per ? count - d * per : per ))
    mkdir -p "$src/files/$(printf 'd%03d' "$d")"
    bounded 60 head -c "$(( n * size ))" /dev/urandom \
      | (cd "$src/files/$(printf 'd%03d' "$d")" && bounded 60 split -b "$size" -a 5 -d - f)
  done
  layer_tar "$out" "$src" files
  rm -rf -- "$src"
}

# ----------------------------------------------------------------- images

# image_push REPO TAG LAYER...: config and manifest (OCI media types) for the layers (the
# OUT paths given to *_layer), all blobs and the manifest pushed to the registry as
# REPO:TAG. Writes $bench_tmp/images/REPO-TAG.sizes: "COMPRESSED_BYTES TAR_BYTES"
# (layers, config and manifest; uncompressed layer tars).
image_push() {
  local repo=$1 tag=$2; shift 2
  local dir="$bench_tmp/images"
  mkdir -p "$dir"
  local layer digest size diff_id tar_size diff_ids="" descs="" total=0 tars=0 arch
  arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
  for layer in "$@"; do
    read -r digest size diff_id tar_size < "$layer.meta"
    diff_ids+="${diff_ids:+,}\"$diff_id\""
    descs+="${descs:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"$digest\",\"size\":$size}"
    total=$(( total + size ))
    tars=$(( tars + tar_size ))
  done
  local base="$dir/${repo//\//_}-$tag"
  printf '%s' "{\"architecture\":\"$arch\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[$diff_ids]}}" \
    > "$base.config.json"
  local config_digest config_size
  config_digest="sha256:$(sha256sum "$base.config.json" | cut -d' ' -f1)"
  config_size=$(stat -c %s "$base.config.json")
  printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"$config_digest\",\"size\":$config_size},\"layers\":[$descs]}" \
    > "$base.manifest.json"
  for layer in "$@"; do
    read -r digest _ < "$layer.meta"
    blob_push "$repo" "$digest" "$layer.tar.gz"
  done
  blob_push "$repo" "$config_digest" "$base.config.json"
  bounded 60 curl -sSf --noproxy '*' -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
    --data-binary "@$base.manifest.json" "http://$REGISTRY/v2/$repo/manifests/$tag" -o /dev/null
  local manifest_size
  manifest_size=$(stat -c %s "$base.manifest.json")
  echo "$(( total + config_size + manifest_size )) $tars" > "$base.sizes"
}

# image_sizes REPO TAG: "COMPRESSED_BYTES TAR_BYTES" of a pushed image.
image_sizes() {
  cat "$bench_tmp/images/${1//\//_}-$2.sizes"
}

# blob_push REPO DIGEST FILE: a monolithic upload (POST, then PUT with the digest).
blob_push() {
  local repo=$1 digest=$2 file=$3 location
  if bounded 30 curl -sf --noproxy '*' -I -o /dev/null "http://$REGISTRY/v2/$repo/blobs/$digest"; then
    return 0
  fi
  location=$(bounded 30 curl -sSf --noproxy '*' -X POST -D - -o /dev/null "http://$REGISTRY/v2/$repo/blobs/uploads/" \
    | tr -d '\r' | awk 'tolower($1) == "location:" { print $2 }')
  [[ -n "$location" ]] || { echo "bench: registry gave no upload location for $repo" >&2; return 1; }
  [[ "$location" == http* ]] || location="http://$REGISTRY$location"
  if [[ "$location" == *\?* ]]; then location+="&digest=$digest"; else location+="?digest=$digest"; fi
  bounded 600 curl -sSf --noproxy '*' -X PUT -H 'Content-Type: application/octet-stream' -T "$file" "$location" -o /dev/null
}
