#!/usr/bin/env bash
# Installs containerj's host prerequisites from Debian's archive. Idempotent:
# packages already present are left alone, so running it twice is cheap.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-host.sh: must run as root (it installs packages with apt-get)" >&2
  exit 1
fi

packages=(
  openjdk-17-jdk-headless maven      # build and run the daemon
  runc conmon                        # OCI runtime and per-container monitor
  btrfs-progs util-linux             # btrfs snapshotter, losetup/mount for tests; setsid for binary:// loggers
  bsdutils                           # script(1): the terminal tests run ctr -t on a real pty
  liblmdb0                           # metadata store (LMDB) used through lmdbjava
  containerd                         # only for its ctr client in tests and side-by-side benchmarks
  docker-registry                    # local OCI registry on 127.0.0.1 in tests
  busybox-static                     # test images are built from it
  iproute2 procps
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-host.sh: all prerequisites present"
else
  echo "setup-host.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # --no-install-recommends keeps docker-registry/containerd from pulling unrelated services
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Debian's packages start services where an init system runs; containerj's tests start
# their own registry and never talk to a system containerd, so stop them if they came up.
for svc in containerd docker-registry; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" || true
  fi
done
