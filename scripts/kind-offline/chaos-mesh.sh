#!/usr/bin/env bash
# make kind-chaos-mesh: Chaos Mesh for the offline kind toolchain, built from
# upstream sources the way kind-offline builds the other images (needs `make
# kind-offline` first; every step cached, niced):
#   1. chaos-controller-manager from the github.com/chaos-mesh/chaos-mesh
#      module pinned in images/kind-offline/build/chaos-mesh/go.mod, static
#   2. its image, a `docker import` of the one binary
#   3. $CACHE/chaos-mesh/: the module's own manifests/crd.yaml and
#      chaos-mesh.json (the versions built, the image name), which
#      `gatecert run -provider kind -chaos-mesh DIR` and GATECERT_CHAOS_MESH
#      read; fixtures/kube renders the chart's controller-manager objects.
# The controller manager alone serves PodChaos (pod-kill). chaos-daemon
# (NetworkChaos) is not built yet: see docs/kind.md.
source "$(dirname "${BASH_SOURCE[0]}")/build-images.sh" # its functions; it sources lib.sh

BUILD="$IMAGES/build/chaos-mesh"
OUT="$CACHE/chaos-mesh"
MOD=github.com/chaos-mesh/chaos-mesh

# cm_version MODULE: the version built (a replacement's, where go.mod has one).
cm_version() { (cd "$BUILD" && go list -m -f '{{with .Replace}}{{.Version}}{{else}}{{.Version}}{{end}}' "$1"); }

# build_controller: the static binary, rebuilt only when the build module,
# the Go version or this script changes.
build_controller() {
  local name=chaos-controller-manager version=$1 commit=${1##*-} key ldflags
  ldflags="-s -w -X $MOD/pkg/version.gitVersion=$version -X $MOD/pkg/version.gitCommit=$commit"
  key=$(printf '%s\n%s\n' "$ldflags" "$(go version)" | cat - "$BUILD/go.mod" "$BUILD/go.sum" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)
  if [[ -x "$BIN/$name" ]] && stamp_ok "bin-$name" "$key"; then log "$name: cached"; return; fi
  log "$name: building $MOD/cmd/$name $version"
  local t0=$SECONDS
  (cd "$BUILD" && "${NICE[@]}" env CGO_ENABLED=0 go build -p "$GOBUILD_P" -trimpath \
    -ldflags "$ldflags" -o "$BIN/$name.tmp" "$MOD/cmd/$name")
  mv "$BIN/$name.tmp" "$BIN/$name"
  stamp_set "bin-$name" "$key"
  log "$name: built in $((SECONDS - t0)) s"
}

main() {
  dk version >/dev/null 2>&1 || die "the private docker daemon is not running: run 'make kind-offline' first"
  mkdir -p "$BIN" "$OUT" "$WORK"
  local version api src image t0=$SECONDS
  version=$(cm_version "$MOD")
  api=$(cm_version "$MOD/api")
  src=$(cd "$BUILD" && go list -m -f '{{.Dir}}' "$MOD")
  image=gatecert/chaos-controller-manager:${version##*-}
  build_controller "$version"
  one_file "$image" usr/local/bin/chaos-controller-manager "$BIN/chaos-controller-manager" \
    --change 'ENTRYPOINT ["/usr/local/bin/chaos-controller-manager"]'
  install -m 0644 "$src/manifests/crd.yaml" "$OUT/crd.yaml"
  cat >"$OUT/chaos-mesh.json.tmp" <<JSON
{
  "version": "$version",
  "api": "$api",
  "controllerImage": "$image",
  "crds": "crd.yaml",
  "go": "$(go version | cut -d' ' -f3)"
}
JSON
  mv "$OUT/chaos-mesh.json.tmp" "$OUT/chaos-mesh.json"
  log "chaos mesh $version (api $api) ready in $OUT ($((SECONDS - t0)) s): image $image"
}

main "$@"
