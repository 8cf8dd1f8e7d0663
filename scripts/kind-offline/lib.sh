# shellcheck shell=bash disable=SC2034 # variables for the scripts that source this
# Shared settings of the offline kind toolchain (sourced by the other scripts).
# Everything large lives under $KIND_OFFLINE_CACHE, outside the repository.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/scripts/kind-offline"
IMAGES="$ROOT/images/kind-offline"
CACHE=${KIND_OFFLINE_CACHE:-/var/cache/gatecert-kind}
BIN="$CACHE/bin"

# The private Docker daemon: own data root, socket, pid file and exec root.
DOCKER_ROOT=${KIND_OFFLINE_DOCKER_ROOT:-/var/lib/gatecert-docker}
DOCKER_SOCK=${KIND_OFFLINE_DOCKER_SOCK:-/run/gatecert-docker.sock}
DOCKER_EXEC=/run/gatecert-docker
DOCKER_PID=/run/gatecert-docker.pid
DOCKER_LOG=/var/log/gatecert-docker.log
export DOCKER_HOST="unix://$DOCKER_SOCK"

# Pinned versions. The component versions are the ones kubeadm v1.37.2 asks
# for (cmd/kubeadm/app/constants): `kubeadm config images list` must match.
K8S_VERSION=v1.37.2
ETCD_VERSION=v3.7.0
ETCD_TAG=3.7.0-0
COREDNS_VERSION=v1.14.6
PAUSE_TAG=3.10.2
CRICTL_VERSION=v1.37.0
KIND_VERSION=v0.33.0
METALLB_VERSION=${METALLB_VERSION:-v0.15.2}
NODE_IMAGE=${KIND_OFFLINE_NODE_IMAGE:-gatecert/kind-node:$K8S_VERSION}
DEBIAN_SUITE=bookworm

# Heavy work is polite: the machine is shared with latency-sensitive tests.
NICE=(nice -n 19)
export GOMAXPROCS=${GOMAXPROCS:-2}
GOBUILD_P=${KIND_OFFLINE_BUILD_P:-2}

log() { printf '%s kind-offline: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# stamp_ok NAME KEY: true when $CACHE/stamps/NAME holds KEY (work already done).
stamp_ok() { [[ -f "$CACHE/stamps/$1" && "$(cat "$CACHE/stamps/$1")" == "$2" ]]; }
stamp_set() { mkdir -p "$CACHE/stamps"; printf '%s' "$2" > "$CACHE/stamps/$1"; }
# key_of FILES...: a content hash of the inputs of a step.
key_of() { cat "$@" | sha256sum | cut -c1-16; }

dk() { /usr/bin/docker -H "unix://$DOCKER_SOCK" "$@"; }

# gobuild NAME MODULE_DIR PACKAGE [LDFLAGS]: static build inside a build module,
# niced, into $BIN; rebuilt only when the module, the flags, the Go version
# or the calling script ($0) change.
gobuild() {
  local name=$1 dir=$2 pkg=$3 ldflags=${4:--s -w}
  local key
  key=$(printf '%s\n%s\n%s\n' "$pkg" "$ldflags" "$(go version)" | cat - "$dir"/go.mod "$dir"/go.sum "$0" | sha256sum | cut -c1-16)
  if [[ -x "$BIN/$name" ]] && stamp_ok "bin-$name" "$key"; then log "$name: cached"; return; fi
  log "$name: building $pkg"
  local t0=$SECONDS
  (cd "$dir" && "${NICE[@]}" env CGO_ENABLED=0 go build -p "$GOBUILD_P" -trimpath \
      -ldflags "$ldflags" -o "$BIN/$name.tmp" "$pkg")
  mv "$BIN/$name.tmp" "$BIN/$name"
  stamp_set "bin-$name" "$key"
  log "$name: built in $((SECONDS - t0)) s"
}
