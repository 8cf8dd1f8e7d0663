#!/usr/bin/env bash
# Assembles the images of the offline kind path in the private Docker daemon
# (no registry, no `docker build`: every image is a `docker import` of a
# directory), then the kind node image with the component images already in
# its containerd. Cached: an image is rebuilt only when its inputs change.
# Needs: docker-up.sh, build-bins.sh and rootfs.sh done.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WORK="$CACHE/work"
KIND_SRC=$(cd "$IMAGES/build/kind" && go list -m -f '{{.Dir}}' sigs.k8s.io/kind)/images/base/files
METALLB_SRC=$(cd "$IMAGES/build/metallb" && go list -m -f '{{.Dir}}' go.universe.tf/metallb)
REG=registry.k8s.io

# Image names. The Kubernetes ones are what `kubeadm config images list`
# prints for $K8S_VERSION (checked below); MetalLB's are the ones its own
# metallb-native.yaml names, so the manifest is used unchanged.
IMG_APISERVER=$REG/kube-apiserver:$K8S_VERSION
IMG_CM=$REG/kube-controller-manager:$K8S_VERSION
IMG_SCHED=$REG/kube-scheduler:$K8S_VERSION
IMG_PROXY=$REG/kube-proxy:$K8S_VERSION
IMG_ETCD=$REG/etcd:$ETCD_TAG
IMG_COREDNS=$REG/coredns/coredns:$COREDNS_VERSION
IMG_PAUSE=$REG/pause:$PAUSE_TAG
IMG_CNI=gatecert/kind-cni:v1
IMG_METALLB_CONTROLLER=quay.io/metallb/controller:$METALLB_VERSION
IMG_METALLB_SPEAKER=quay.io/metallb/speaker:$METALLB_VERSION
IMG_NGINX=${KIND_OFFLINE_NGINX_IMAGE:-gatecert/nginx:debian12}
IMG_ECHO=${KIND_OFFLINE_ECHO_IMAGE:-gatecert/echo:dev}

# What the node image carries in its containerd.
NODE_IMAGES=("$IMG_APISERVER" "$IMG_CM" "$IMG_SCHED" "$IMG_PROXY" "$IMG_ETCD" "$IMG_COREDNS" "$IMG_PAUSE"
  "$IMG_CNI" "$IMG_METALLB_CONTROLLER" "$IMG_METALLB_SPEAKER")

image_exists() { dk image inspect "$1" >/dev/null 2>&1; }

# import_dir IMAGE KEY DIR [--change ...]: docker import of DIR as IMAGE,
# skipped when the image exists with the same input key (kept as a label).
import_dir() {
  local image=$1 key=$2 dir=$3
  shift 3
  if image_exists "$image" && [[ $(dk image inspect -f '{{index .Config.Labels "dev.gatecert.key"}}' "$image") == "$key" ]]; then
    log "image $image: cached"
    return
  fi
  local t0=$SECONDS changes=() stopsignal="" a
  # `docker import --change` (20.10) takes no STOPSIGNAL: a one-line build
  # from the imported image (local, nothing pulled) adds it.
  for a in "$@"; do
    case $a in STOPSIGNAL\ *) stopsignal=${a#STOPSIGNAL } ;; --change) ;; *) changes+=(--change "$a") ;; esac
  done
  local target=$image
  [[ -n $stopsignal ]] && target="$image-import"
  tar --numeric-owner --xattrs -C "$dir" -c . |
    "${NICE[@]}" /usr/bin/docker -H "unix://$DOCKER_SOCK" import \
      --change "LABEL dev.gatecert.key=$key" "${changes[@]}" - "$target" >/dev/null
  if [[ -n $stopsignal ]]; then
    printf 'FROM %s\nSTOPSIGNAL %s\n' "$target" "$stopsignal" |
      DOCKER_BUILDKIT=0 dk build -q -t "$image" - >/dev/null
    dk rmi "$target" >/dev/null
  fi
  log "image $image: imported in $((SECONDS - t0)) s"
}

# one_file IMAGE PATH-IN-IMAGE BINARY [--change ...]: a single static binary.
one_file() {
  local image=$1 path=$2 bin=$3 dir
  shift 3
  dir="$WORK/one/${image//[\/:]/_}"
  rm -rf "$dir" && mkdir -p "$dir/$(dirname "$path")" "$dir/tmp" "$dir/etc"
  chmod 1777 "$dir/tmp"
  cp "$bin" "$dir/$path"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' >"$dir/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' >"$dir/etc/group"
  import_dir "$image" "$(key_of "$bin")" "$dir" "$@"
  rm -rf "$dir"
}

# on_rootfs IMAGE ROOTFS KEY-EXTRA [SRC:DEST ...] -- [--change ...]: a Debian
# rootfs (rootfs.sh) plus files.
on_rootfs() {
  local image=$1 rootfs="$CACHE/rootfs/$2" extra=$3 dir files=() f key
  shift 3
  while [[ $# -gt 0 && $1 != -- ]]; do files+=("$1"); shift; done
  [[ $# -gt 0 ]] && shift
  key=$( { cat "$CACHE/stamps/rootfs-$(basename "$rootfs")"; echo "$extra"; for f in "${files[@]}"; do echo "${f#*:}"; cat "${f%%:*}"; done; } | sha256sum | cut -c1-16)
  if image_exists "$image" && [[ $(dk image inspect -f '{{index .Config.Labels "dev.gatecert.key"}}' "$image") == "$key" ]]; then
    log "image $image: cached"
    return
  fi
  dir="$WORK/rootfs-${image//[\/:]/_}"
  rm -rf "$dir" && cp -a "$rootfs" "$dir"
  for f in "${files[@]}"; do install -D -m 0755 "${f%%:*}" "$dir/${f#*:}"; done
  import_dir "$image" "$key" "$dir" "$@"
  rm -rf "$dir"
}

component_images() {
  one_file "$IMG_APISERVER" usr/local/bin/kube-apiserver "$BIN/kube-apiserver"
  one_file "$IMG_CM" usr/local/bin/kube-controller-manager "$BIN/kube-controller-manager"
  one_file "$IMG_SCHED" usr/local/bin/kube-scheduler "$BIN/kube-scheduler"
  one_file "$IMG_ETCD" usr/local/bin/etcd "$BIN/etcd" --change 'ENTRYPOINT ["/usr/local/bin/etcd"]'
  one_file "$IMG_COREDNS" coredns "$BIN/coredns" --change 'ENTRYPOINT ["/coredns"]'
  one_file "$IMG_PAUSE" pause "$BIN/pause" --change 'ENTRYPOINT ["/pause"]' --change 'USER 65535'
  one_file "$IMG_METALLB_CONTROLLER" controller "$BIN/metallb-controller" --change 'ENTRYPOINT ["/controller"]'
  one_file "$IMG_METALLB_SPEAKER" speaker "$BIN/metallb-speaker" --change 'ENTRYPOINT ["/speaker"]'
  # kube-proxy needs iptables/nft/conntrack; the route CNI runs on the same image.
  on_rootfs "$IMG_PROXY" tools v1 "$BIN/kube-proxy:usr/local/bin/kube-proxy" \
    "$IMAGES/cni/gatecert-cni.sh:usr/local/bin/gatecert-cni" --
  dk tag "$IMG_PROXY" "$IMG_CNI"
  # The stack under test (loaded into the nodes by fixtures/kind at run time).
  on_rootfs "$IMG_NGINX" nginx v1 -- --change 'ENTRYPOINT ["nginx", "-g", "daemon off;"]' --change 'STOPSIGNAL SIGQUIT'
  on_rootfs "$IMG_ECHO" tools v1 "$BIN/gatecert:usr/local/bin/gatecert" -- --change 'ENTRYPOINT ["/usr/local/bin/gatecert"]'
}

# containerd_import ROOT IMAGE...: imports docker-saved images, unpacked, into a
# containerd state dir ROOT (the node's /var/lib/containerd), with a private
# containerd (Debian's, the same version as in the node) that runs only here.
containerd_import() {
  local root=$1 tmp="$WORK/ctrd" pid i
  shift
  rm -rf "$tmp" && mkdir -p "$tmp" "$root"
  cat >"$tmp/config.toml" <<TOML
version = 2
root = "$root"
state = "$tmp/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$tmp/containerd.sock"
[ttrpc]
  address = "$tmp/containerd.sock.ttrpc"
TOML
  /usr/bin/containerd --config "$tmp/config.toml" >"$tmp/containerd.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 40); do [[ -S $tmp/containerd.sock ]] && break; sleep 0.25; done
  local ctr=(/usr/bin/ctr --address "$tmp/containerd.sock" --namespace k8s.io)
  for i in "$@"; do
    dk save "$i" | "${NICE[@]}" "${ctr[@]}" images import --snapshotter overlayfs - >/dev/null ||
      { tail -5 "$tmp/containerd.log" >&2; kill "$pid"; die "import $i into the node's containerd"; }
  done
  # The layers are unpacked into snapshots: drop their blobs (as containerd's
  # discard_unpacked_layers does) so each node's /var copy is half the size.
  # docker save writes uncompressed layers, so a layer's digest is its diffID.
  local d
  for i in "$@"; do
    for d in $(dk image inspect -f '{{range .RootFS.Layers}}{{.}} {{end}}' "$i"); do
      "${ctr[@]}" content rm "$d" >/dev/null 2>&1 || true # absent when shared: fine
    done
  done
  # Pinned, as kind pins the images of its node image (no image GC of them).
  for i in $("${ctr[@]}" images ls -q); do
    "${ctr[@]}" images label "$i" io.cri-containerd.pinned=pinned >/dev/null
  done
  "${ctr[@]}" images ls -q | sed 's/^/  node image has: /' >&2
  kill "$pid" && wait "$pid" || true # containerd exits non-zero on SIGTERM
}

node_image() {
  local key dir="$WORK/node" b
  key=$( {
    echo "$K8S_VERSION ${NODE_IMAGES[*]}"
    cat "$CACHE/stamps/rootfs-node" "${BASH_SOURCE[0]}"
    for b in kubeadm kubelet kubectl crictl; do cat "$CACHE/stamps/bin-$b"; done
    for b in "${NODE_IMAGES[@]}"; do dk image inspect -f '{{.Id}}' "$b"; done
    cat "$IMAGES"/node/* "$IMAGES"/cni/*
  } | sha256sum | cut -c1-16)
  if image_exists "$NODE_IMAGE" && [[ $(dk image inspect -f '{{index .Config.Labels "dev.gatecert.key"}}' "$NODE_IMAGE") == "$key" ]]; then
    log "node image $NODE_IMAGE: cached"
    return
  fi
  local t0=$SECONDS
  log "node image $NODE_IMAGE: assembling"
  rm -rf "$dir" && cp -a "$CACHE/rootfs/node" "$dir"

  # kind's files (kind v0.33.0 images/base/files), then ours on top.
  install -m 0755 "$KIND_SRC"/usr/local/bin/entrypoint "$dir/usr/local/bin/"
  mkdir -p "$dir/kind/bin" "$dir/kind/manifests" "$dir/etc/systemd/system/kubelet.service.d" \
    "$dir/etc/kubernetes/manifests" "$dir/etc/cni/net.d" "$dir/opt/cni/bin"
  install -m 0755 "$KIND_SRC"/kind/bin/*.sh "$dir/kind/bin/"
  install -m 0644 "$KIND_SRC"/etc/crictl.yaml "$dir/etc/"
  install -m 0644 "$KIND_SRC"/etc/sysctl.d/* "$dir/etc/sysctl.d/"
  install -m 0644 "$KIND_SRC"/etc/systemd/system/{kubelet.slice,undo-mount-hacks.service,kubelet.service} "$dir/etc/systemd/system/"
  install -m 0644 "$KIND_SRC"/etc/systemd/system/kubelet.service.d/* "$dir/etc/systemd/system/kubelet.service.d/"
  sed 's|/usr/local/bin/containerd|/usr/bin/containerd|' "$KIND_SRC"/etc/systemd/system/containerd.service \
    >"$dir/etc/systemd/system/containerd.service"
  install -m 0644 "$IMAGES/node/containerd-config.toml" "$dir/etc/containerd/config.toml"
  install -m 0644 "$IMAGES/node/kubelet.default" "$dir/etc/default/kubelet"
  install -m 0644 "$IMAGES/node/default-cni.yaml" "$dir/kind/manifests/default-cni.yaml"
  install -m 0644 "$IMAGES/node/default-storage.yaml" "$dir/kind/manifests/default-storage.yaml"
  printf '%s' "$K8S_VERSION" >"$dir/kind/version"
  for b in kubeadm kubelet kubectl; do install -m 0755 "$BIN/$b" "$dir/usr/bin/$b"; done
  install -m 0755 "$BIN/crictl" "$dir/usr/local/bin/crictl"
  for b in "$dir"/usr/lib/cni/*; do ln -sf "/usr/lib/cni/$(basename "$b")" "$dir/opt/cni/bin/"; done

  # The base spec of kind's containerd: ctr's default plus the product-files hook.
  chroot "$dir" /usr/bin/ctr oci spec |
    chroot "$dir" jq '.hooks.createContainer[.hooks.createContainer | length] |= . + {"path": "/kind/bin/mount-product-files.sh"}' |
    chroot "$dir" jq 'del(.process.rlimits)' >"$dir/etc/containerd/cri-base.json"

  # systemd as kind's base image sets it up (images/base/Dockerfile).
  find "$dir/lib/systemd/system/sysinit.target.wants/" -name systemd-tmpfiles-setup.service -delete
  rm -f "$dir"/lib/systemd/system/multi-user.target.wants/* "$dir"/etc/systemd/system/*.wants/* \
    "$dir"/lib/systemd/system/local-fs.target.wants/* "$dir"/lib/systemd/system/sockets.target.wants/*udev* \
    "$dir"/lib/systemd/system/sockets.target.wants/*initctl* "$dir"/lib/systemd/system/basic.target.wants/*
  echo "ReadKMsg=no" >>"$dir/etc/systemd/journald.conf"
  ln -sf /usr/lib/systemd/systemd "$dir/sbin/init"
  chroot "$dir" systemctl enable kubelet.service containerd.service undo-mount-hacks.service >/dev/null 2>&1
  chroot "$dir" systemctl mask systemd-binfmt.service >/dev/null 2>&1
  : >"$dir/etc/machine-id"

  containerd_import "$dir/var/lib/containerd" "${NODE_IMAGES[@]}"

  import_dir "$NODE_IMAGE" "$key" "$dir" \
    --change 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' \
    --change 'ENV container=docker' --change 'STOPSIGNAL SIGRTMIN+3'
  rm -rf "$dir"
  log "node image $NODE_IMAGE: done in $((SECONDS - t0)) s ($(dk image inspect -f '{{.Size}}' "$NODE_IMAGE" | numfmt --to=iec))"
}

# The manifest fixtures/kind applies (GATECERT_METALLB_MANIFEST), as MetalLB ships it.
metallb_manifest() {
  install -m 0644 "$METALLB_SRC/config/manifests/metallb-native.yaml" "$CACHE/metallb-native.yaml"
}

check_kubeadm_images() {
  local want got
  want=$(printf '%s\n' "$IMG_APISERVER" "$IMG_CM" "$IMG_SCHED" "$IMG_PROXY" "$IMG_COREDNS" "$IMG_PAUSE" "$IMG_ETCD" | sort)
  got=$("$BIN/kubeadm" config images list --kubernetes-version "$K8S_VERSION" 2>/dev/null | sort)
  [[ $want == "$got" ]] || die "kubeadm wants images:"$'\n'"$got"$'\n'"but this script builds:"$'\n'"$want"
}

main() {
  mkdir -p "$WORK"
  dk version >/dev/null 2>&1 || die "the private docker daemon is not running (scripts/kind-offline/docker-up.sh)"
  check_kubeadm_images
  component_images
  metallb_manifest
  node_image
  # Superseded builds leave untagged images behind (this daemon is ours alone).
  dk image prune -f >/dev/null
}

# Sourced (for debugging one step), it only defines the functions.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then main "$@"; fi
