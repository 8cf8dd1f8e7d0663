# gatecert — two set-up commands: `make run` and `make test` (see README.md).
# Both install what they need on a fresh Debian 12 machine when run as root.

SHELL := /bin/bash
GO ?= go
BIN := bin/gatecert
ARTIFACTS ?= artifacts
# Debian packages the local provider needs, as command:package pairs.
DEPS := nginx:nginx haproxy:haproxy ip:iproute2 nft:nftables wrk:wrk chromium:chromium jq:jq
GINKGO_FLAGS ?=

.PHONY: all deps build run test unit lint suite-smoke bench fidelity clean

all: build

## deps: install missing Debian packages (as root), or say what is missing.
deps:
	@missing=""; for d in $(DEPS); do cmd=$${d%%:*}; pkg=$${d##*:}; \
	  PATH="$$PATH:/usr/sbin:/sbin" command -v $$cmd >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "deps: installing$$missing"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y --no-install-recommends $$missing >/dev/null || \
	      { apt-get update >/dev/null && apt-get install -y --no-install-recommends $$missing >/dev/null; } || exit 1; \
	    for s in nginx haproxy; do (service $$s stop || true) >/dev/null 2>&1; done; \
	  else echo "deps: missing Debian packages:$$missing (run 'make deps' as root)"; exit 1; fi; \
	fi
	@command -v $(GO) >/dev/null || { echo "deps: Go is not installed"; exit 1; }

build:
	$(GO) build -o $(BIN) ./cmd/gatecert

## run: the default local certification; prints the verdict table.
run: deps build
	./$(BIN) run -certify -skip-label slow -o $(ARTIFACTS)

## test: static checks, unit and integration tests (race), the smoke suite.
## Each stage says what it does as it starts; compiles report progress,
## tests print a line per package as it finishes (gotestsum), and a stage
## silent for 30 s says it is still at work (scripts/progress.sh).
test: deps lint unit suite-smoke

# STAGE 'text' prints a stage's heading with the time of day.
STAGE = @printf '%s == %s\n' "$$(date +%T)"

# gotestsum (pinned) prints a line per package as its tests finish; it is
# built from the Go module proxy into bin/ on first use.
GOTESTSUM_VERSION := v1.13.0
GOTESTSUM := bin/gotestsum-$(GOTESTSUM_VERSION)/gotestsum
$(GOTESTSUM):
	$(STAGE) 'gotestsum $(GOTESTSUM_VERSION): building it into bin/ (once; ~30 s)'
	@set -o pipefail; GOBIN=$(abspath $(dir $@)) $(GO) install -v gotest.tools/gotestsum@$(GOTESTSUM_VERSION) 2>&1 \
	  | scripts/progress.sh build gotestsum

lint:
	$(STAGE) 'lint: gofmt'
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(STAGE) 'lint: go vet, compiling every package with its tests and dependencies first (~1000 packages with the Kubernetes client libraries: ~30 min cold on a busy 2-core machine, seconds warm)'
	@set -o pipefail; $(GO) vet -v ./... 2>&1 | scripts/progress.sh build vet

# Tests that drive load through namespaces measure timing: they run one
# package at a time, after the rest, so they never compete with each other.
TIMED_PKGS := ./fixtures/netns ./cmd/gatecert
unit: $(GOTESTSUM)
	$(STAGE) 'unit: compiling the packages again with -race (~13 min cold on a busy 2-core machine, seconds warm)'
	@set -o pipefail; $(GO) build -race -v ./... 2>&1 | scripts/progress.sh build race-build
	$(STAGE) 'unit: tests with -race, a line per package as it finishes (~6 min cold, most of it linking; ~2 min warm)'
	@set -o pipefail; $(GOTESTSUM) --format pkgname --format-icons text -- -race -count=1 \
	  $$($(GO) list ./... | grep -v -e /suites/ -e /fixtures/netns -e /cmd/gatecert) | scripts/progress.sh pass tests
	$(STAGE) 'unit: timed tests (load through namespaces) one package at a time, a line per test (~2.5 min)'
	@set -o pipefail; $(GOTESTSUM) --format testname --format-icons text -- -race -count=1 -p 1 $(TIMED_PKGS) \
	  | scripts/progress.sh pass timed-tests

# Ginkgo colours its output unconditionally: only on a terminal (make's
# stdout, tested before the pipe), not into a log or CI output.
suite-smoke:
	$(STAGE) 'suite-smoke: compiling suites/local, then the smoke scenarios on network namespaces (~3 min)'
	@set -o pipefail; color=-ginkgo.no-color; if [ -t 1 ]; then color=; fi; \
	$(GO) test -v -count=1 -timeout 20m ./suites/local -ginkgo.label-filter=smoke -ginkgo.v $$color \
	  -ginkgo.junit-report=$(abspath $(ARTIFACTS))/junit-suite-local.xml $(GINKGO_FLAGS) | scripts/progress.sh pass suite-smoke

## fidelity: every good/negative pair N times; counts false passes, false
## fails and (apart) runs that could not be judged; writes fidelity.md with
## the machine's load. PROVIDER=kind runs on the offline kind toolchain;
## SCENARIOS="a.yaml b.yaml" limits it to those files (default: every
## scenario not labelled slow).
N ?= 5
PROVIDER ?= local
SCENARIOS ?=
fidelity: deps build
	PROVIDER=$(PROVIDER) scripts/fidelity.sh $(N) $(SCENARIOS)

## bench: gatecert's generator vs vegeta and wrk on a local nginx, plus Go
## benchmarks of the hot paths (scripts/bench.sh; takes a few minutes).
bench: deps
	GO=$(GO) scripts/bench.sh

## kind-offline: the air-gapped kind toolchain (README "Air-gapped kind path"):
## a private Docker daemon, Kubernetes and its images built from Go modules and
## Debian packages, the kind node image. Cached under /var/cache/gatecert-kind
## (cold: most of an hour on 2 cores; warm: seconds). Not part of .ci/run.
.PHONY: kind-offline kind-offline-clean e2e-kind
kind-offline:
	scripts/kind-offline/kind-offline.sh

kind-offline-clean:
	scripts/kind-offline/clean.sh

## kind-chaos-mesh: Chaos Mesh's controller manager (PodChaos) for the offline
## kind toolchain, built from its Go module; CRDs from the same module
## (docs/kind.md "Chaos Mesh"). Needs make kind-offline.
.PHONY: kind-chaos-mesh
kind-chaos-mesh:
	scripts/kind-offline/chaos-mesh.sh

## e2e-kind: the kind suite on the offline toolchain (needs make kind-offline).
e2e-kind:
	GINKGO_FLAGS="$(GINKGO_FLAGS)" scripts/kind-offline/e2e-kind.sh

## tls-multibuffer: Intel multi-buffer TLS for the gateway (docs/tls.md):
## crypto_mb, QAT_Engine qat_sw, asynch_mode_nginx at pinned commits, built
## niced into $(TLS_MB_CACHE) (cold: tens of minutes on 2 cores; warm:
## seconds), versions in $(TLS_MB_CACHE)/versions. Each *_SRC is a git URL or
## a local git directory. Never part of make test or make run.
TLS_MB_CACHE ?= /var/cache/gatecert-tls
CRYPTO_MB_SRC ?= https://github.com/intel/cryptography-primitives.git
QAT_ENGINE_SRC ?= https://github.com/intel/QAT_Engine.git
ASYNC_NGINX_SRC ?= https://github.com/intel/asynch_mode_nginx.git
# QAT_SW_ANY_CPU=1: qat_sw also on non-Intel CPUs with the flags (QAT_Engine
# turns it off on them, silently; scripts/tls-multibuffer/patch-qat-engine.sh).
QAT_SW_ANY_CPU ?= 0
.PHONY: tls-multibuffer tls-multibuffer-speed
tls-multibuffer:
	TLS_MB_CACHE=$(TLS_MB_CACHE) CRYPTO_MB_SRC=$(CRYPTO_MB_SRC) QAT_ENGINE_SRC=$(QAT_ENGINE_SRC) \
	  ASYNC_NGINX_SRC=$(ASYNC_NGINX_SRC) QAT_SW_ANY_CPU=$(QAT_SW_ANY_CPU) scripts/tls-multibuffer/build.sh

## tls-multibuffer-speed: openssl speed with and without qatengine
## (-async_jobs 8), the ceiling the gateway comparison is read against.
tls-multibuffer-speed:
	TLS_MB_CACHE=$(TLS_MB_CACHE) scripts/tls-multibuffer/speed.sh

clean:
	-./$(BIN) clean
	rm -rf bin
