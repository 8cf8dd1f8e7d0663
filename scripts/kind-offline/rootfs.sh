#!/usr/bin/env bash
# Debian root filesystems for the offline kind images, made with debootstrap
# from Debian's own packages (the only thing fetched besides Go modules).
# Cached in $CACHE/rootfs/NAME (a directory) until the package list changes.
# Usage: rootfs.sh [NAME...]   (node, tools, nginx; default: all)
source "$(dirname "$0")/lib.sh"

MIRROR=${KIND_OFFLINE_DEBIAN_MIRROR:-http://deb.debian.org/debian}

# Package lists. node: kind's base image set (images/base/Dockerfile of kind
# v0.33.0) with Debian's containerd, runc and CNI plugins instead of kind's
# own builds; tools: what kube-proxy and the route CNI run with; nginx: the
# gateway under test.
pkgs() {
  case $1 in
  node) echo systemd systemd-sysv dbus conntrack iptables nftables iproute2 ethtool util-linux mount kmod \
    libseccomp2 pigz bash ca-certificates curl jq procps containerd runc containernetworking-plugins socat ;;
  tools) echo iptables nftables conntrack iproute2 kmod curl jq ca-certificates procps ;;
  nginx) echo nginx-light ca-certificates curl procps ;;
  *) die "unknown rootfs $1" ;;
  esac
}

build_rootfs() {
  local name=$1 dir="$CACHE/rootfs/$1" key
  key=$(printf '%s %s %s\n' "$DEBIAN_SUITE" "$MIRROR" "$(pkgs "$name")" | sha256sum | cut -c1-16)
  if [[ -d $dir ]] && stamp_ok "rootfs-$name" "$key"; then log "rootfs $name: cached"; return; fi
  command -v debootstrap >/dev/null || die "debootstrap is missing (docker-up.sh installs it)"
  rm -rf "$dir" "$dir.tmp"
  mkdir -p "$CACHE/debs" "$dir.tmp"
  log "rootfs $name: debootstrap $DEBIAN_SUITE ($(pkgs "$name" | wc -w) packages)"
  local t0=$SECONDS
  "${NICE[@]}" debootstrap --variant=minbase --cache-dir="$CACHE/debs" \
    --include="$(pkgs "$name" | tr ' ' ',')" "$DEBIAN_SUITE" "$dir.tmp" "$MIRROR" \
    >"$CACHE/logs/debootstrap-$name.log" 2>&1 ||
    { tail -20 "$CACHE/logs/debootstrap-$name.log" >&2; die "debootstrap $name failed"; }
  # Keep the images small: no apt lists, docs or package cache.
  rm -rf "$dir.tmp"/var/lib/apt/lists/* "$dir.tmp"/var/cache/apt/*.bin "$dir.tmp"/var/cache/apt/archives/*.deb \
    "$dir.tmp"/usr/share/doc/* "$dir.tmp"/usr/share/man/* "$dir.tmp"/usr/share/locale/*
  mv "$dir.tmp" "$dir"
  stamp_set "rootfs-$name" "$key"
  log "rootfs $name: done in $((SECONDS - t0)) s ($(du -sh "$dir" | cut -f1))"
}

mkdir -p "$CACHE/rootfs" "$CACHE/logs"
names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=(node tools nginx)
for n in "${names[@]}"; do build_rootfs "$n"; done
