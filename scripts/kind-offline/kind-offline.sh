#!/usr/bin/env bash
# make kind-offline: the whole air-gapped kind toolchain, every step cached.
#   1. private Docker daemon (docker-up.sh)
#   2. Debian root filesystems (rootfs.sh)
#   3. binaries from Go modules, one at a time, niced (build-bins.sh)
#   4. component, stack and node images (build-images.sh)
source "$(dirname "$0")/lib.sh"
mkdir -p "$CACHE/logs"
t0=$SECONDS
step() {
  local s=$SECONDS
  "$HERE/$1" "${@:2}"
  printf '%-16s %5d s\n' "$1" $((SECONDS - s)) >>"$CACHE/logs/timing.$$"
}
: >"$CACHE/logs/timing.$$"
step docker-up.sh
step rootfs.sh
step build-bins.sh
step build-images.sh
log "done in $((SECONDS - t0)) s:"
sed 's/^/  /' "$CACHE/logs/timing.$$" >&2
rm -f "$CACHE/logs/timing.$$"
cat >&2 <<MSG
  node image:  $NODE_IMAGE   (docker host $DOCKER_HOST)
  kind CLI:    $BIN/kind  kubectl: $BIN/kubectl
  try it:      scripts/kind-offline/smoke.sh    then: make e2e-kind
MSG
