#!/usr/bin/env bash
# make e2e-kind: the kind suite (suites/kind) on the offline toolchain: the
# private daemon, the node image (set per node in a copy of the kind config),
# MetalLB's manifest and the nginx/echo images built by `make kind-offline`.
# KIND_CONFIG (default kind-configs/ha-3zone.yaml); GINKGO_FLAGS (default: the
# catalogue without the slow soak) pass through.
source "$(dirname "$0")/lib.sh"
dk version >/dev/null 2>&1 || die "the private docker daemon is not running: run 'make kind-offline' first"
dk image inspect "$NODE_IMAGE" >/dev/null 2>&1 || die "no node image $NODE_IMAGE: run 'make kind-offline' first"
[[ -f $CACHE/metallb-native.yaml ]] || die "no $CACHE/metallb-native.yaml: run 'make kind-offline' first"

src=${KIND_CONFIG:-$ROOT/kind-configs/ha-3zone.yaml}
cfg="$CACHE/$(basename "$src" .yaml).offline.yaml"
# Every node gets the offline node image (kind's default image is pulled).
awk -v img="$NODE_IMAGE" '
  { print }
  match($0, /^ *(- )?role: /) {
    ind = RLENGTH - length("role: ")
    printf "%" ind "s%s\n", "", "image: " img
  }' "$src" >"$cfg"

export PATH="/usr/bin:$BIN:$PATH" # Debian's docker CLI (matches the daemon), kind, kubectl
export GATECERT_KIND_CONFIG="$cfg"
export GATECERT_KIND_NODE_IMAGE="$NODE_IMAGE"
export GATECERT_METALLB_MANIFEST="$CACHE/metallb-native.yaml"
export GATECERT_GATEWAY_PROFILE=${GATECERT_GATEWAY_PROFILE:-nginx}
export GATECERT_ARTIFACTS=${GATECERT_ARTIFACTS:-$ROOT/artifacts}
log "suites/kind with $cfg, node image $NODE_IMAGE, profile $GATECERT_GATEWAY_PROFILE"
cd "$ROOT" || exit
# Compile politely, then run at normal priority (the load generator is
# latency-sensitive); `go test` would run the binary in the package folder too.
"${NICE[@]}" go test -c -o "$CACHE/kind.test" ./suites/kind
cd "$ROOT/suites/kind" || exit
# Ginkgo colours its output unconditionally: only on a terminal, not into a
# log or CI output.
color=()
[[ -t 1 ]] || color=(-ginkgo.no-color)
# shellcheck disable=SC2086
exec "$CACHE/kind.test" -test.v -test.count=1 -test.timeout 180m -ginkgo.v "${color[@]}" \
  -ginkgo.junit-report="$GATECERT_ARTIFACTS/junit-suite-kind.xml" ${GINKGO_FLAGS:-'-ginkgo.label-filter=provider:kind&&!slow'}
