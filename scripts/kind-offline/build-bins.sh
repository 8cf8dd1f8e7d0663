#!/usr/bin/env bash
# Builds every binary of the offline kind toolchain from Go modules (and the
# pause C file), one at a time, niced. Cached in $CACHE/bin: a binary is
# rebuilt only when its build module, version or this script changes.
# Usage: build-bins.sh [NAME...]   (default: all)
source "$(dirname "$0")/lib.sh"
mkdir -p "$BIN"

ALL=(kubeadm kubelet kubectl kube-apiserver kube-controller-manager kube-scheduler kube-proxy
  etcd coredns crictl pause kind metallb-controller metallb-speaker gatecert)

k8s_ldflags() {
  local v=${K8S_VERSION#v} x
  local -a kv=(gitVersion="$K8S_VERSION" gitMajor="${v%%.*}" gitMinor="$(cut -d. -f2 <<<"$v")"
    gitCommit=0000000000000000000000000000000000000000 gitTreeState=clean buildDate=1970-01-01T00:00:00Z)
  local out="-s -w"
  for x in "${kv[@]}"; do
    out+=" -X k8s.io/component-base/version.$x -X k8s.io/client-go/pkg/version.$x"
  done
  printf '%s' "$out"
}

build_one() {
  local B="$IMAGES/build"
  case $1 in
  kubeadm | kubelet | kubectl | kube-apiserver | kube-controller-manager | kube-scheduler | kube-proxy)
    gobuild "$1" "$B/kubernetes" "k8s.io/kubernetes/cmd/$1" "$(k8s_ldflags)" ;;
  etcd) gobuild etcd "$B/etcd" ./cmd/etcd "-s -w" ;;
  coredns) gobuild coredns "$B/coredns" github.com/coredns/coredns "-s -w" ;;
  crictl) gobuild crictl "$B/crictl" sigs.k8s.io/cri-tools/cmd/crictl \
    "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=$CRICTL_VERSION" ;;
  kind) gobuild kind "$B/kind" sigs.k8s.io/kind "-s -w" ;;
  metallb-controller) gobuild metallb-controller "$B/metallb" go.universe.tf/metallb/controller "-s -w" ;;
  metallb-speaker) gobuild metallb-speaker "$B/metallb" go.universe.tf/metallb/speaker "-s -w" ;;
  gatecert) gobuild gatecert "$ROOT" ./cmd/gatecert "-s -w" ;;
  pause)
    local src key
    src=$(cd "$B/kubernetes" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)/build/pause/linux/pause.c
    key=$(printf '%s\n' "$PAUSE_TAG" | cat - "$src" "$0" | sha256sum | cut -c1-16)
    if [[ -x "$BIN/pause" ]] && stamp_ok bin-pause "$key"; then log "pause: cached"; return; fi
    log "pause: gcc -static $src"
    "${NICE[@]}" gcc -Os -Wall -Werror -static -DVERSION="v$PAUSE_TAG-gatecert" -o "$BIN/pause" "$src"
    strip "$BIN/pause"
    stamp_set bin-pause "$key" ;;
  *) die "unknown binary $1" ;;
  esac
}

t0=$SECONDS
for n in "${@:-${ALL[@]}}"; do build_one "$n"; done
log "binaries ready in $BIN ($((SECONDS - t0)) s)"
