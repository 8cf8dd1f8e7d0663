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

# build_controller VERSION: the controller manager's static binary, with
# its version stamped in (gobuild's cache key covers the flags).
build_controller() {
  local version=$1 commit=${1##*-}
  gobuild chaos-controller-manager "$BUILD" "$MOD/cmd/chaos-controller-manager" \
    "-s -w -X $MOD/pkg/version.gitVersion=$version -X $MOD/pkg/version.gitCommit=$commit"
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
